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
import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.history import journal as jr
from livecoach.history.data import (FrameSeries, SessionData, SessionInfo, SessionMeta, StoredRep, cue_from_json,
                                    end_from_json, hold_from_json, rep_from_json, set_from_json)
from livecoach.history.schema import SCHEMA_VERSION, SERIES_COLUMNS, StoreError
from livecoach.history.store import SessionStore
from livecoach.types import RepRecord

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


def open_store(path: Path, notice: Optional[Notice] = None, timeout: float = 10.0) -> SessionStore:
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
        return SessionStore(path, timeout=timeout)
    except StoreError as exc:
        if path.exists() and "is not a LiveCoach history database (" in str(exc) and is_damage_text(str(exc)):
            moved = move_aside(path)
            notice(f"the history database {path} was damaged; moved it to {moved.name} and started a new history")
            return SessionStore(path, timeout=timeout)
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
        elif kind == "set":
            stored = set_from_json(r["set"])
            if stored.seq not in have["sets"]:
                store.add_set(sid, stored)
                have["sets"].add(stored.seq)
        elif kind == "hold":
            hold = hold_from_json(r["hold"])
            if hold.seq not in have["holds"]:
                store.add_hold(sid, hold)
                have["holds"].add(hold.seq)
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


def load_journal_session(path: Path) -> SessionData:
    """A session as its journal holds it (for the summary of a session that could not reach
    the database). Its id is the database row's if it had one, else 0."""
    records = jr.read_journal(Path(path))
    begins = [r for r in records if r.get("k") == "begin"]
    if not begins:
        raise ValueError(f"{path} holds no session")
    b = begins[0]
    pictures = {int(r["seq"]): base64.b64decode(r["jpeg"]) for r in records if r.get("k") == "picture"}
    reps = tuple(StoredRep(seq=int(r["seq"]), record=rep_from_json(r["rep"]), bottom_t_s=r.get("bottom_t"),
                           bottom_jpeg=pictures.get(int(r["seq"]))) for r in records if r.get("k") == "rep")
    reps = tuple(sorted({r.seq: r for r in reps}.values(), key=lambda r: r.seq))
    chunks = {}
    for r in records:
        if r.get("k") == "series":
            rows, names = jr.series_rows(r)
            chunks[int(r["chunk"])] = np.stack([rows[:, names.index(c)] if c in names else
                                                np.full(len(rows), np.nan, "<f4") for c in SERIES_COLUMNS], axis=1)
    rows = (np.concatenate([chunks[k] for k in sorted(chunks)]).astype(np.float64) if chunks
            else np.zeros((0, len(SERIES_COLUMNS))))
    series = FrameSeries(*(rows[:, i].copy() for i in range(len(SERIES_COLUMNS))))
    ends = [r for r in records if r.get("k") == "end"]
    end = end_from_json(ends[-1]["end"]) if ends else None
    full = [r.record for r in reps if r.record.full]
    faults: dict = {}
    for rep in reps:
        for name in {f.name for f in rep.record.faults}:
            faults[name] = faults.get(name, 0) + 1
    top = sorted(faults.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if faults else None
    times = [r.record.t_end_s for r in reps if math.isfinite(r.record.t_end_s)]
    times += [float(rows[-1, 0])] if len(rows) else []
    last_t = max(times) if times else 0.0
    ids = [int(r["session_id"]) for r in records if r.get("k") == "db"]
    info = SessionInfo(
        id=ids[-1] if ids else 0, started_at=datetime.fromisoformat(b["started_at"]),
        ended_at=datetime.fromisoformat(ends[-1]["ended_at"]) if ends else None, source=b["source"],
        mode=b["mode"], variant=b.get("variant", "standard"), app_version=b.get("app_version", ""),
        save_frames=b.get("save_frames", "off"), status="finished" if end else "interrupted",
        end_reason=end.reason if end else "interrupted", duration_s=end.t_s if end else last_t,
        reps=len(full), no_reps=len(reps) - len(full), frames=end.frames if end else None,
        frames_with_pose=end.frames_with_pose if end else None, fps=end.fps if end else None,
        dropped_frames=end.dropped_frames if end else None, verdict=end.form_verdict if end else None,
        mean_score=_mean_score(full), top_fault=top,
        holds=sum(1 for r in records if r.get("k") == "hold" and not r["hold"].get("top_pause")))
    cues = tuple(cue_from_json(r["cue"]) for r in records if r.get("k") == "cue")
    sets = {s.seq: s for s in (set_from_json(r["set"]) for r in records if r.get("k") == "set")}
    holds = {h.seq: h for h in (hold_from_json(r["hold"]) for r in records if r.get("k") == "hold")}
    return SessionData(info=info, config=b.get("config") or {}, reps=reps, cues=cues, series=series,
                       sets=tuple(sets[k] for k in sorted(sets)), holds=tuple(holds[k] for k in sorted(holds)))


def _mean_score(full: Sequence[RepRecord]) -> Optional[float]:
    return sum(r.score for r in full) / len(full) if full else None
