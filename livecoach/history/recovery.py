"""Keeping the history whole: checking the database, moving a damaged one aside, and
importing the journals of sessions that could not be stored (or were killed).

* :func:`check_database` — the problems ``doctor`` reports (``PRAGMA quick_check``, a schema
  newer than this LiveCoach, not a LiveCoach database).
* :func:`open_store` — the store for recording: a damaged file is moved aside (with the
  ``-wal``/``-shm`` files) to ``livecoach.db.damaged-YYYYmmdd-HHMMSS`` and a new one started.
* :func:`import_pending` — journals left beside the database by earlier sessions go into the
  database; a journal is deleted once imported. Idempotent: what is already stored (rep
  ``seq``, series chunk, cue, end row) is not stored twice.
"""
from __future__ import annotations

import base64
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.history import journal as jr
from livecoach.history.data import SessionMeta, cue_from_json, end_from_json, rep_from_json
from livecoach.history.schema import SCHEMA_VERSION, SERIES_COLUMNS, StoreError
from livecoach.history.store import SessionStore

log = logging.getLogger("livecoach.history")

Notice = Callable[[str], None]

_DAMAGE_MARKERS = ("malformed", "not a database", "file is encrypted", "corrupt", "disk image")


def _default_notice(message: str) -> None:
    log.warning("%s", message)


def check_database(path: Path) -> List[str]:
    """Problems of the history database at ``path`` (empty list: fine, or no database yet).

    Read-only: never creates, migrates or moves anything.
    """
    path = Path(path).expanduser()
    if not path.exists():
        return []
    problems: List[str] = []
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        return [f"{path} cannot be opened: {exc}"]
    try:
        try:
            rows = [r[0] for r in con.execute("PRAGMA quick_check(5)")]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return [f"{path} is locked by another program (another LiveCoach running?); try again later"]
            rows = [str(exc)]
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
        if rows != ["ok"]:
            problems.append(f"{path} is damaged (quick_check: {'; '.join(rows)[:200]}); the next session moves "
                            f"it aside and starts a new history")
            return problems
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "meta" not in tables:
                problems.append(f"{path} is not a LiveCoach history database; use --data-dir for another folder")
            elif "meta" in tables:
                row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(row[0]) if row else 0
                if version > SCHEMA_VERSION:
                    problems.append(f"{path} was written by a newer LiveCoach (history schema {version}, this "
                                    f"version reads {SCHEMA_VERSION}); upgrade LiveCoach or use --data-dir")
        except (sqlite3.Error, ValueError) as exc:
            problems.append(f"{path} cannot be read: {exc}")
    finally:
        con.close()
    return problems


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error means the file is damaged (not locked, not full)."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and any(m in text for m in _DAMAGE_MARKERS)


def move_aside(path: Path, now: Optional[datetime] = None) -> Path:
    """Rename the database (and its -wal/-shm) to ``<name>.damaged-<time>``; returns the new path."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def open_store(path: Path, notice: Optional[Notice] = None) -> SessionStore:
    """The store at ``path`` for writing; a damaged file is moved aside and a new one started.

    Raises :class:`StoreError` for what cannot be fixed here (a newer schema, a foreign
    database, no permission, a lock that does not go away within the connection's timeout).
    """
    path = Path(path).expanduser()
    notice = notice or _default_notice
    problems = check_database(path)
    damaged = [p for p in problems if "is damaged" in p or "cannot be opened" in p]
    if damaged:
        moved = move_aside(path)
        notice(f"the history database {path} was damaged; moved it to {moved.name} (your earlier sessions "
               f"are in that file) and started a new history")
    try:
        return SessionStore(path)
    except StoreError as exc:
        if path.exists() and "is not a LiveCoach history database (" in str(exc) and is_damage_text(str(exc)):
            moved = move_aside(path)
            notice(f"the history database {path} was damaged; moved it to {moved.name} and started a new history")
            return SessionStore(path)
        raise


def is_damage_text(text: str) -> bool:
    return any(m in text.lower() for m in _DAMAGE_MARKERS)


# --------------------------------------------------------------------------- import

@dataclass(frozen=True)
class ImportResult:
    journal: Path
    session_id: int
    reps_added: int
    reps_in_journal: int


def import_journal_records(store: SessionStore, records: Sequence[dict]) -> Tuple[int, int]:
    """Put one journal's records into ``store``: ``(session_id, reps added)``. Commits once."""
    begins = [r for r in records if r.get("k") == "begin"]
    if not begins:
        raise ValueError("no begin record")
    b = begins[0]
    meta = SessionMeta(source=b["source"], mode=b["mode"], variant=b.get("variant", "standard"),
                       app_version=b.get("app_version", ""), config=b.get("config") or {},
                       started_at=datetime.fromisoformat(b["started_at"]))
    sid = None
    for r in records:
        if r.get("k") == "db" and store.session_matches(int(r["session_id"]), b["started_at"], int(b["pid"]),
                                                         b["host"]):
            sid = int(r["session_id"])
    if sid is None:
        sid = store.begin_session(meta, b.get("save_frames", "off"), pid=int(b["pid"]), host=b["host"])
    have = store.stored_keys(sid)
    pictures = {int(r["seq"]): r["jpeg"] for r in records if r.get("k") == "picture"}
    added = 0
    for r in records:
        kind = r.get("k")
        if kind == "rep":
            seq = int(r["seq"])
            jpeg = base64.b64decode(pictures[seq]) if seq in pictures else None
            if seq not in have["seqs"]:
                store.add_rep(sid, seq, rep_from_json(r["rep"]), r.get("bottom_t"), jpeg)
                have["seqs"].add(seq)
                added += 1
            elif jpeg is not None and seq not in have["pictured"]:
                store.set_rep_picture(sid, seq, jpeg)
        elif kind == "cue":
            cue = cue_from_json(r["cue"])
            key = (round(float(cue.t_s), 4), cue.text)
            if key not in have["cues"]:
                store.add_cue(sid, cue)
                have["cues"].add(key)
        elif kind == "series":
            chunk = int(r["chunk"])
            if chunk not in have["chunks"]:
                rows, names = jr.series_rows(r)
                store.add_series_chunk(sid, chunk, np.stack(
                    [rows[:, names.index(c)] if c in names else np.full(len(rows), np.nan, "<f4")
                     for c in SERIES_COLUMNS], axis=1))
                have["chunks"].add(chunk)
    store.commit()
    ends = [r for r in records if r.get("k") == "end"]
    if ends and not have["ended"]:
        store.end_session(sid, end_from_json(ends[-1]["end"]), ended_at=ends[-1].get("ended_at"))
    return sid, added


def import_pending(store: SessionStore, notice: Optional[Notice] = None,
                   skip: Sequence[Path] = ()) -> List[ImportResult]:
    """Import every journal beside ``store``'s file that no live session owns; delete each
    one imported. A journal that cannot be imported now (the database locked or full) stays."""
    notice = notice or _default_notice
    results: List[ImportResult] = []
    skipped = {Path(p).resolve() for p in skip}
    for path in jr.pending_journals(store.path):
        if path.resolve() in skipped:
            continue
        fd = jr.try_claim(path)
        if fd is None:
            continue  # a running session's journal
        try:
            try:
                records = jr.read_journal(path)
            except OSError as exc:
                notice(f"cannot read the session journal {path}: {exc.strerror or exc}")
                continue
            if not any(r.get("k") == "begin" for r in records):
                if not records:  # nothing was journaled: an empty file
                    path.unlink()
                continue
            try:
                sid, added = import_journal_records(store, records)
            except sqlite3.Error as exc:
                store.connection.rollback()
                notice(f"could not add the saved session {path.name} to the history yet ({exc}); will retry "
                       f"next time")
                continue
            except (KeyError, ValueError, TypeError) as exc:
                notice(f"the session journal {path} is unreadable ({exc}); left in place")
                continue
            n = sum(1 for r in records if r.get("k") == "rep")
            results.append(ImportResult(journal=path, session_id=sid, reps_added=added, reps_in_journal=n))
            path.unlink()
            ballast = path.with_name(path.name + ".ballast")
            if ballast.exists():
                ballast.unlink()
            if added:
                notice(f"added {added} rep cycle{'s' if added != 1 else ''} of an earlier session to the history "
                       f"(session #{sid}, from {path.name})")
        finally:
            jr.release(fd)
    return results
