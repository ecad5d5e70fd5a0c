"""The session journal: an append-only JSON-lines file beside the database that holds the
session being recorded, whatever happens to the database.

Every rep, cue, feature-series chunk and the end of the session are appended here first,
from the caller's thread (one small ``write`` into the page cache: a rep is in the file the
moment ``on_step`` returns, so a SIGKILL cannot lose it), and made durable by the writer
thread (``fsync`` after every rep). When the session ends with everything in the database,
the journal is deleted. When it does not (the database was locked, full or damaged, or the
process was killed), the journal stays and the next start imports it
(:func:`livecoach.history.recovery.import_pending`).

A small ballast file is reserved beside the journal when the session starts: when the disk
fills up, it is deleted so the journal can go on (the database, which grows much faster
with its pictures, is what fills the disk).

One line per record, ``{"k": kind, ...}``::

    begin    v, started_at, pid, host, source, mode, variant, app_version, save_frames, config
    db       session_id                  -- the database row, once the writer created it
    rep      seq, rep (every RepRecord field), bottom_t
    picture  seq, jpeg (base64)          -- appended by the writer thread after the rep line
    cue      cue
    set      set (every field of a finished set of a --plan session, with the advice after it)
    hold     hold (every field of a finished timed hold or pause at the top)
    series   chunk, n, columns, data (base64 of zlib'd little-endian float32, n x columns)
    end      ended_at, end (every SessionEnd field)
"""
from __future__ import annotations

import base64
import errno
import json
import os
import threading
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

from livecoach.history.data import (SessionMeta, StoredHold, StoredSet, cue_to_json, end_to_json, hold_to_json,
                                    num_or_none, rep_to_json, set_to_json)
from livecoach.history.schema import SERIES_COLUMNS
from livecoach.types import Cue, RepRecord, SessionEnd

try:  # POSIX: a live session holds an advisory lock on its journal; a dead one's lock is gone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

JOURNAL_VERSION = 1
JOURNAL_SUFFIX = ".journal.jsonl"
BALLAST_BYTES = 512 * 1024


def journal_dir_for(db_path: Path) -> Path:
    """Journals live beside the database."""
    return Path(db_path).expanduser().parent


def journal_path_for(db_path: Path, started_at: datetime, pid: int) -> Path:
    stem = Path(db_path).stem
    return journal_dir_for(db_path) / f"{stem}-{started_at.strftime('%Y%m%d-%H%M%S')}-{pid}{JOURNAL_SUFFIX}"


def pending_journals(db_path: Path) -> List[Path]:
    """Journals beside ``db_path`` (oldest first), including those of running sessions."""
    folder = journal_dir_for(db_path)
    if not folder.is_dir():
        return []
    stem = Path(db_path).stem
    return sorted(p for p in folder.glob(f"{stem}-*{JOURNAL_SUFFIX}") if p.is_file())


# --------------------------------------------------------------------------- records

def begin_record(meta: SessionMeta, save_frames: str, started_at: datetime, pid: int, host: str,
                 config: Dict[str, Any]) -> Dict[str, Any]:
    return {"k": "begin", "v": JOURNAL_VERSION, "started_at": started_at.isoformat(timespec="seconds"),
            "pid": int(pid), "host": host, "source": meta.source, "mode": meta.mode, "variant": meta.variant,
            "app_version": meta.app_version, "save_frames": save_frames, "config": config}


def rep_line(seq: int, record: RepRecord, bottom_t_s: Optional[float]) -> Dict[str, Any]:
    return {"k": "rep", "seq": int(seq), "rep": rep_to_json(record), "bottom_t": num_or_none(bottom_t_s)}


def picture_line(seq: int, jpeg: bytes) -> Dict[str, Any]:
    return {"k": "picture", "seq": int(seq), "jpeg": base64.b64encode(jpeg).decode("ascii")}


def cue_line(cue: Cue) -> Dict[str, Any]:
    return {"k": "cue", "cue": cue_to_json(cue)}


def set_line(stored: StoredSet) -> Dict[str, Any]:
    return {"k": "set", "set": set_to_json(stored)}


def hold_line(stored: StoredHold) -> Dict[str, Any]:
    return {"k": "hold", "hold": hold_to_json(stored)}


def series_line(chunk: int, rows: np.ndarray) -> Dict[str, Any]:
    rows = np.ascontiguousarray(rows, dtype="<f4")
    return {"k": "series", "chunk": int(chunk), "n": int(rows.shape[0]), "columns": ",".join(SERIES_COLUMNS),
            "data": base64.b64encode(zlib.compress(rows.tobytes(), 6)).decode("ascii")}


def series_rows(line: Dict[str, Any]) -> Tuple[np.ndarray, List[str]]:
    """The float32 rows of a series line and its column names."""
    names = str(line["columns"]).split(",")
    raw = zlib.decompress(base64.b64decode(line["data"]))
    return np.frombuffer(raw, dtype="<f4").reshape(int(line["n"]), len(names)), names


def end_line(end: SessionEnd, ended_at: datetime) -> Dict[str, Any]:
    return {"k": "end", "ended_at": ended_at.isoformat(timespec="seconds"), "end": end_to_json(end)}


def read_journal(path: Path) -> List[Dict[str, Any]]:
    """The records of a journal; a last line without its newline (cut by a kill) and lines
    torn by a full disk are skipped."""
    out: List[Dict[str, Any]] = []
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            try:
                obj = json.loads(raw)
            except ValueError:
                continue  # a line torn by a full disk; the lines after it are whole
            if isinstance(obj, dict) and "k" in obj:
                out.append(obj)
    return out


def iter_kind(records: List[Dict[str, Any]], kind: str) -> Iterator[Dict[str, Any]]:
    return (r for r in records if r.get("k") == kind)


# --------------------------------------------------------------------------- claiming

def try_claim(path: Path) -> Optional[int]:
    """Open ``path`` and take its lock without waiting: the fd, or None when a live session
    still owns it (or it cannot be opened). Release with :func:`release`."""
    try:
        fd = os.open(str(path), os.O_RDWR)
    except OSError:
        return None
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
    return fd


def release(fd: int) -> None:
    try:
        os.close(fd)  # closing drops the flock
    except OSError:
        pass


# --------------------------------------------------------------------------- the writer side

class SessionJournal:
    """The journal of the session being recorded (see the module doc).

    :meth:`append` never raises and never waits on more than a ``write`` into the page
    cache; it returns False when the line could not be written even after the ballast was
    freed, and :attr:`failed` stays True from then on (the line is lost, the file is still a
    valid journal up to the previous line). Thread-safe.
    """

    def __init__(self, path: Path, ballast_bytes: int = BALLAST_BYTES) -> None:
        self.path = Path(path)
        self.failed = False
        self.error: Optional[str] = None
        self.disk_full = False  # a write found the disk full (the writer then stops filling it)
        self.lines = 0
        self._lock = threading.Lock()
        self._torn = False  # the last write was cut short: the file does not end with a newline
        self._fd: Optional[int] = None
        self._ballast: Optional[Path] = self.path.with_name(self.path.name + ".ballast")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(str(self.path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._fail(exc)
            return
        try:
            free = _free_bytes(self.path.parent, default=4 * ballast_bytes)
            with open(self._ballast, "wb") as fh:
                fh.write(b"\0" * int(min(ballast_bytes, free // 4)))
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            self._drop_ballast()

    @property
    def usable(self) -> bool:
        return self._fd is not None and not self.failed

    def _fail(self, exc: BaseException) -> None:
        self.failed = True
        self.error = getattr(exc, "strerror", None) or str(exc)

    def _drop_ballast(self) -> bool:
        ballast, self._ballast = self._ballast, None
        if ballast is None:
            return False
        try:
            ballast.unlink()
        except OSError:
            pass
        return True

    def append(self, record: Dict[str, Any]) -> bool:
        """Append one record; False (and :attr:`failed`) when it could not be written."""
        return self._write(record, required=True)

    def append_optional(self, record: Dict[str, Any]) -> bool:
        """Append a record that may be dropped (a picture) without failing the journal; not
        once the disk has filled up (the room left is for the reps)."""
        if self._ballast is None:
            return False
        return self._write(record, required=False)

    def _write(self, record: Dict[str, Any], required: bool) -> bool:
        if self._fd is None or self.failed:
            return False
        data = (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        with self._lock:
            for _attempt in range(2):
                # After a short write the torn piece has no newline: end it before this line.
                payload = (b"\n" if self._torn else b"") + data
                try:
                    written = os.write(self._fd, payload)
                    if written != len(payload):  # a full disk took part of the line
                        self._torn = True
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    self._torn = False
                    self.lines += 1
                    return True
                except OSError as exc:
                    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                        self.disk_full = True
                    # Only a required line may use the ballast's room (not a picture).
                    if required and exc.errno in (errno.ENOSPC, errno.EDQUOT) and self._drop_ballast():
                        continue  # room made: try once more
                    if required:
                        self._fail(exc)
                    return False
        return False

    def sync(self) -> bool:
        """fsync the journal (the writer thread calls it after every rep)."""
        fd = self._fd
        if fd is None:
            return False
        try:
            os.fsync(fd)
            return True
        except OSError as exc:
            self._fail(exc)
            return False

    def close(self, delete: bool) -> None:
        """Close; ``delete`` when everything is in the database."""
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.fsync(fd)
            except OSError:
                pass
            os.close(fd)
        self._drop_ballast()
        if delete:
            try:
                self.path.unlink()
            except OSError:
                pass


def _free_bytes(folder: Path, default: int) -> int:
    if not hasattr(os, "statvfs"):
        return default
    st = os.statvfs(folder)
    return int(st.f_bavail * st.f_frsize)
