"""The history database: :class:`SessionStore` writes sessions, reps, cues and feature
series, and reads them back for the summary, the report and the export.

The schema and the database's location are in :mod:`livecoach.history.schema`; the live
recorder that feeds the store during a session is :mod:`livecoach.history.recorder`.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from livecoach.history.data import (FrameSeries, SessionData, SessionInfo, SessionMeta, StoredHold, StoredRep,
                                    StoredSet, hold_from_json, hold_to_json)
from livecoach.history.data import fault_from_json as _fault_from_json
from livecoach.history.data import fault_to_json as _fault_to_json
from livecoach.history.data import float_or_nan as _float
from livecoach.history.data import num_or_none as _num
from livecoach.history.schema import (DB_FILENAME, PHASE_CODES, SCHEMA_VERSION, SERIES_COLUMNS, StoreError,
                                      db_path_for, default_data_dir, migrate, reports_dir_for)
from livecoach.logic.plan_events import SetResult
from livecoach.types import Cue, CueKind, RepRecord, SessionEnd

__all__ = ["DB_FILENAME", "PHASE_CODES", "SCHEMA_VERSION", "SERIES_COLUMNS", "FrameSeries", "SessionData",
           "SessionInfo", "SessionMeta", "SessionStore", "StoreError", "StoredHold", "StoredRep", "StoredSet",
           "db_path_for",
           "default_data_dir", "reports_dir_for"]


# --------------------------------------------------------------------------- helpers

def _now() -> datetime:
    return datetime.now(timezone.utc).astimezone()


def pid_alive(pid: Optional[int]) -> bool:
    """Whether process ``pid`` (on this host) still runs."""
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else
    # A zombie (killed, not yet reaped by its parent) still answers kill(0): look closer.
    try:
        with open(f"/proc/{pid}/stat", "r") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _journal_mode_wal(db: sqlite3.Connection, timeout: float) -> str:
    """Switch to WAL mode (a no-op when it is already) and return the mode. Switching needs the
    database to itself, and while another connection is about to write SQLite says "locked" at
    once, without its busy timeout: another program opening a database in rollback mode at the
    same moment (a restored copy) is waited for here, up to ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return str(db.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sessions_filter(session_ids: Optional[List[int]]) -> Tuple[str, Tuple[int, ...]]:
    """The WHERE clause and its arguments selecting the rows of ``session_ids`` (None: every row)."""
    if session_ids is None:
        return "", ()
    return f"WHERE session_id IN ({','.join('?' * len(session_ids))})", tuple(int(i) for i in session_ids)


# --------------------------------------------------------------------------- the store

class SessionStore:
    """The history database at ``path`` (created with its folder if missing).

    Raises :class:`StoreError` when the file is not a LiveCoach database, cannot be opened,
    or was written by a newer LiveCoach (a newer schema version is refused, never altered).
    """

    def __init__(self, path: Union[str, Path], create: bool = True, timeout: float = 10.0) -> None:
        self.path = Path(path).expanduser()
        if not create and not self.path.exists():
            raise StoreError(f"no session history at {self.path} yet (train or analyze a video first)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One thread at a time, but not necessarily the one that opened it (the app may
            # write the summary from its main thread after the logic thread ended).
            self._db = sqlite3.connect(str(self.path), timeout=timeout, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the history database {self.path}: {exc}") from None
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            mode = _journal_mode_wal(self._db, timeout)
            self.journal_mode = str(mode).lower()
            # NORMAL in WAL mode: a committed rep survives the process being killed.
            self._db.execute("PRAGMA synchronous = NORMAL")
            migrate(self._db, self.path)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{self.path} is not a LiveCoach history database ({exc})") from None
        except StoreError:
            self._db.close()
            raise

    @property
    def schema_version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0])

    @property
    def connection(self) -> sqlite3.Connection:
        return self._db

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "SessionStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes (used by SessionRecorder; each method commits)
    def begin_session(self, meta: SessionMeta, save_frames: str, pid: Optional[int] = None,
                      host: Optional[str] = None) -> int:
        """Insert the session row (committed); ``pid``/``host`` default to this process (a
        journal import passes the recording process's)."""
        started = meta.started_at or _now()
        with self._db:
            cur = self._db.execute(
                "INSERT INTO sessions(started_at, source, mode, variant, app_version, config_json, save_frames,"
                " pid, host) VALUES (?,?,?,?,?,?,?,?,?)",
                (started.isoformat(timespec="seconds"), meta.source, meta.mode, meta.variant, meta.app_version,
                 json.dumps(dict(meta.config or {}), sort_keys=True), save_frames,
                 os.getpid() if pid is None else int(pid), socket.gethostname() if host is None else host))
        return int(cur.lastrowid)

    def session_matches(self, session_id: int, started_at: str, pid: int, host: str) -> bool:
        """Whether session ``session_id`` is the one begun at ``started_at`` (ISO, seconds) by
        process ``pid`` on ``host`` (a journal names its session row by id; the id of a
        history started anew after damage may belong to another session)."""
        row = self._db.execute("SELECT started_at, pid, host FROM sessions WHERE id=?", (int(session_id),)).fetchone()
        return row is not None and (row[0], row[1], row[2]) == (started_at, int(pid), host)

    def stored_keys(self, session_id: int) -> Dict[str, Any]:
        """What is already stored of a session, for an idempotent journal import: rep ``seqs``
        (with ``pictured`` seqs), series ``chunks``, ``cues`` as (t, text), ``ended``, and the seqs of
        ``sets`` and ``holds``."""
        reps = self._db.execute("SELECT seq, bottom_jpeg IS NOT NULL FROM reps WHERE session_id=?",
                                (session_id,)).fetchall()
        chunks = {int(r[0]) for r in self._db.execute("SELECT chunk FROM frame_series WHERE session_id=?",
                                                      (session_id,))}
        cues = {(round(float(t), 4), text) for t, text in self._db.execute(
            "SELECT t, text FROM cues WHERE session_id=?", (session_id,))}
        ended = self._db.execute("SELECT ended_at IS NOT NULL FROM sessions WHERE id=?", (session_id,)).fetchone()
        sets = {int(r[0]) for r in self._db.execute("SELECT seq FROM sets WHERE session_id=?", (session_id,))}
        holds = {int(r[0]) for r in self._db.execute("SELECT seq FROM holds WHERE session_id=?", (session_id,))}
        return {"seqs": {int(s) for s, _p in reps}, "pictured": {int(s) for s, p in reps if p},
                "chunks": chunks, "cues": cues, "ended": bool(ended and ended[0]), "sets": sets, "holds": holds}

    def set_rep_picture(self, session_id: int, seq: int, bottom_jpeg: bytes) -> None:
        """Attach the bottom-of-rep picture to a stored rep; not committed."""
        self._db.execute("UPDATE reps SET bottom_jpeg=? WHERE session_id=? AND seq=?",
                         (sqlite3.Binary(bottom_jpeg), session_id, seq))

    def add_rep(self, session_id: int, seq: int, record: RepRecord, bottom_t_s: Optional[float],
                bottom_jpeg: Optional[bytes]) -> int:
        """Insert one rep and its faults; not committed (the caller commits with the series)."""
        cur = self._db.execute(
            "INSERT INTO reps(session_id, seq, idx, full, t_start, t_bottom, t_end, depth, min_elbow_deg,"
            " seconds_down, seconds_up, score, no_rep_reason, faults_json, not_judged_json, bottom_t, bottom_jpeg,"
            " exercise, depth_by, depth_value, depth_limit) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (session_id, seq, record.index, int(record.full), _num(record.t_start_s), _num(record.t_bottom_s),
             _num(record.t_end_s), _num(record.depth_frac), _num(record.min_elbow_angle_deg),
             _num(record.seconds_down), _num(record.seconds_up), int(record.score), record.no_rep_reason,
             json.dumps([_fault_to_json(f) for f in record.faults]), json.dumps(list(record.not_judged)),
             _num(bottom_t_s), sqlite3.Binary(bottom_jpeg) if bottom_jpeg else None, record.exercise,
             record.depth_by, _num(record.depth_value), _num(record.depth_limit)))
        rep_id = int(cur.lastrowid)
        self._db.executemany(
            "INSERT INTO faults(session_id, rep_id, t, name, cue_key, value, threshold, joints_json)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(session_id, rep_id, _num(f.t_s), f.name, f.cue_key, _num(f.value), _num(f.threshold),
              json.dumps([int(j) for j in f.joints])) for f in record.faults])
        return rep_id

    def add_cue(self, session_id: int, cue: Cue) -> None:
        """Insert one spoken cue; not committed."""
        self._db.execute("INSERT INTO cues(session_id, t, key, text, kind, fault, priority) VALUES (?,?,?,?,?,?,?)",
                         (session_id, float(cue.t_s), cue.key, cue.text, cue.kind.value, cue.fault,
                          int(cue.priority)))

    def add_set(self, session_id: int, stored: StoredSet) -> None:
        """Insert one finished set of a plan session; not committed."""
        r = stored.result
        self._db.execute(
            "INSERT INTO sets(session_id, seq, plan, block, set_no, set_of, round, rounds, exercise, unit,"
            " target_min, target_max, reps, no_reps, bad_cycles, hold_s, rest_before_s, reason, t_start, t_end,"
            " advice, advice_to) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (session_id, int(stored.seq), r.plan, r.block, int(r.set), int(r.of), int(r.round), int(r.rounds),
             r.exercise, r.unit, int(r.target_min), int(r.target_max), int(r.reps), int(r.no_reps),
             int(r.bad_cycles), float(_num(r.hold_s) or 0.0), _num(r.rest_before_s), r.reason, _num(r.t_start_s),
             _num(r.t_end_s), stored.advice, stored.advice_to))

    def load_sets(self, session_ids: Optional[List[int]] = None) -> Dict[int, Tuple[StoredSet, ...]]:
        """Session id -> its sets in the order they ended (every session with sets, or those of
        ``session_ids``)."""
        where, args = _sessions_filter(session_ids)
        out: Dict[int, List[StoredSet]] = {}
        for row in self._db.execute(
                "SELECT session_id, seq, plan, block, set_no, set_of, round, rounds, exercise, unit, target_min,"
                " target_max, reps, no_reps, bad_cycles, hold_s, rest_before_s, reason, t_start, t_end, advice,"
                f" advice_to FROM sets {where} ORDER BY session_id, seq", args):
            (sid, seq, plan, block, set_no, set_of, rnd, rounds, exercise, unit, tmin, tmax, reps, no_reps, bad,
             hold_s, rest, reason, t0, t1, advice, advice_to) = row
            result = SetResult(plan=plan, block=block, exercise=exercise, target_min=int(tmin),
                               target_max=int(tmax), unit=unit, reps=int(reps), no_reps=int(no_reps),
                               bad_cycles=int(bad), hold_s=float(hold_s), reason=reason, t_start_s=_float(t0),
                               t_end_s=_float(t1), rest_before_s=None if rest is None else float(rest),
                               set=int(set_no), of=int(set_of), round=int(rnd), rounds=int(rounds))
            out.setdefault(int(sid), []).append(StoredSet(seq=int(seq), result=result, advice=advice,
                                                          advice_to=advice_to))
        return {sid: tuple(sets) for sid, sets in out.items()}

    def add_hold(self, session_id: int, stored: StoredHold) -> None:
        """Insert one finished hold (or pause at the top); not committed."""
        h = hold_to_json(stored)
        self._db.execute(
            "INSERT INTO holds(session_id, seq, exercise, t_start, t_end, seconds_total, seconds_good, faults_json,"
            " breaks_json, target_s, top_pause) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (session_id, h["seq"], h["exercise"], h["t_start"], h["t_end"], h["seconds_total"], h["seconds_good"],
             json.dumps(h["faults"]), json.dumps(h["breaks"]), h["target_s"], int(h["top_pause"])))

    def load_holds(self, session_ids: Optional[List[int]] = None) -> Dict[int, Tuple[StoredHold, ...]]:
        """Session id -> its holds in the order they ended (every session with holds, or those
        of ``session_ids``)."""
        where, args = _sessions_filter(session_ids)
        out: Dict[int, List[StoredHold]] = {}
        for (sid, seq, exercise, t0, t1, total, good, faults, breaks, target, top_pause) in self._db.execute(
                "SELECT session_id, seq, exercise, t_start, t_end, seconds_total, seconds_good, faults_json,"
                f" breaks_json, target_s, top_pause FROM holds {where} ORDER BY session_id, seq", args):
            out.setdefault(int(sid), []).append(hold_from_json(
                {"seq": seq, "exercise": exercise, "t_start": t0, "t_end": t1, "seconds_total": total,
                 "seconds_good": good, "faults": json.loads(faults), "breaks": json.loads(breaks),
                 "target_s": target, "top_pause": bool(top_pause)}))
        return {sid: tuple(holds) for sid, holds in out.items()}

    def add_series_chunk(self, session_id: int, chunk: int, rows: np.ndarray) -> None:
        """Insert ``rows`` (n x len(SERIES_COLUMNS) float32) as one compressed chunk; not committed."""
        rows = np.ascontiguousarray(rows, dtype="<f4")
        self._db.execute(
            "INSERT INTO frame_series(session_id, chunk, t0, t1, n, columns, data) VALUES (?,?,?,?,?,?,?)",
            (session_id, chunk, _num(rows[0, 0]), _num(rows[-1, 0]), int(rows.shape[0]),
             ",".join(SERIES_COLUMNS), sqlite3.Binary(zlib.compress(rows.tobytes(), 6))))

    def end_session(self, session_id: int, end: SessionEnd, ended_at: Optional[str] = None) -> None:
        """Write the end row (committed); ``ended_at`` (ISO) defaults to now."""
        with self._db:
            self._db.execute(
                "UPDATE sessions SET ended_at=?, end_reason=?, t_end_s=?, reps=?, no_reps=?, frames=?,"
                " frames_with_pose=?, fps=?, dropped_frames=?, verdict=? WHERE id=?",
                (ended_at or _now().isoformat(timespec="seconds"), end.reason, _num(end.t_s), int(end.reps),
                 int(end.no_reps), int(end.frames), int(end.frames_with_pose), _num(end.fps),
                 int(end.dropped_frames), end.form_verdict, session_id))

    def commit(self) -> None:
        self._db.commit()

    def delete_session(self, session_id: int) -> None:
        with self._db:
            self._db.execute("DELETE FROM sessions WHERE id=?", (session_id,))

    # -- reads
    def session_ids(self) -> List[int]:
        return [int(r[0]) for r in self._db.execute("SELECT id FROM sessions ORDER BY id")]

    def resolve(self, ref: Optional[Union[str, int]]) -> int:
        """The id of session ``ref``: a number, or ``last``/``None`` for the newest.

        Raises :class:`StoreError` with one line for an empty history or a missing session.
        """
        ids = self.session_ids()
        if not ids:
            raise StoreError(f"no sessions recorded yet in {self.path} (train or analyze a video first)")
        if ref is None or str(ref).strip().lower() in ("last", "latest", ""):
            return ids[-1]
        text = str(ref).strip()
        if text.startswith("#"):
            text = text[1:]
        try:
            wanted = int(text)
        except ValueError:
            raise StoreError(f"session {ref!r} is not a session number or 'last'") from None
        if wanted not in ids:
            raise StoreError(f"no session {wanted} in {self.path} (sessions {ids[0]}-{ids[-1]}; "
                             f"see `livecoach history`)")
        return wanted

    def list_sessions(self) -> List[SessionInfo]:
        rows = self._db.execute("SELECT * FROM sessions ORDER BY id").fetchall()
        cols = [d[0] for d in self._db.execute("SELECT * FROM sessions LIMIT 0").description]
        stats = self._rep_stats()
        return [self._info(dict(zip(cols, row)), stats.get(int(row[0]))) for row in rows]

    def session_info(self, session_id: int) -> SessionInfo:
        cur = self._db.execute("SELECT * FROM sessions WHERE id=?", (session_id,))
        row = cur.fetchone()
        if row is None:
            raise StoreError(f"no session {session_id} in {self.path}")
        cols = [d[0] for d in cur.description]
        return self._info(dict(zip(cols, row)), self._rep_stats(session_id).get(session_id))

    def _rep_stats(self, session_id: Optional[int] = None) -> Dict[int, Dict[str, Any]]:
        where = "WHERE session_id=?" if session_id is not None else ""
        args: Tuple[Any, ...] = (session_id,) if session_id is not None else ()
        out: Dict[int, Dict[str, Any]] = {}
        for sid, full, n, mean_score, last_t in self._db.execute(
                f"SELECT session_id, full, COUNT(*), AVG(score), MAX(t_end) FROM reps {where}"
                f" GROUP BY session_id, full", args):
            entry = out.setdefault(int(sid), {"reps": 0, "no_reps": 0, "mean_score": None, "last_t": None,
                                              "top_fault": None})
            if full:
                entry["reps"] = int(n)
                entry["mean_score"] = float(mean_score) if mean_score is not None else None
            else:
                entry["no_reps"] = int(n)
            if last_t is not None:
                entry["last_t"] = max(float(last_t), entry["last_t"] or 0.0)
        # The most common fault over all judged cycles (reps and no-reps).
        for sid, name, _count in self._db.execute(
                f"SELECT session_id, name, COUNT(*) AS c FROM faults {where} GROUP BY session_id, name"
                f" ORDER BY session_id, c DESC, name", args):
            entry = out.get(int(sid))
            if entry is not None and entry["top_fault"] is None:
                entry["top_fault"] = name
        for sid, n in self._db.execute(f"SELECT session_id, COUNT(*) FROM holds {where}"
                                       f"{' AND' if where else ' WHERE'} top_pause = 0 GROUP BY session_id", args):
            out.setdefault(int(sid), {"reps": 0, "no_reps": 0, "mean_score": None, "last_t": None,
                                      "top_fault": None})["holds"] = int(n)
        for sid, t1 in self._db.execute(f"SELECT session_id, MAX(t1) FROM frame_series {where}"
                                        f" GROUP BY session_id", args):
            entry = out.setdefault(int(sid), {"reps": 0, "no_reps": 0, "mean_score": None, "last_t": None,
                                              "top_fault": None})
            if t1 is not None:
                entry["last_t"] = max(float(t1), entry["last_t"] or 0.0)
        return out

    def _info(self, row: Dict[str, Any], stats: Optional[Dict[str, Any]]) -> SessionInfo:
        stats = stats or {"reps": 0, "no_reps": 0, "mean_score": None, "last_t": None, "top_fault": None}
        ended = row["ended_at"]
        if ended is not None:
            status, reason = "finished", row["end_reason"] or "end_of_source"
        elif row["host"] == socket.gethostname() and pid_alive(row["pid"]):
            status, reason = "running", "running"
        else:
            status, reason = "interrupted", "interrupted"
        duration = row["t_end_s"] if row["t_end_s"] is not None else (stats["last_t"] or 0.0)
        return SessionInfo(
            id=int(row["id"]), started_at=datetime.fromisoformat(row["started_at"]),
            ended_at=datetime.fromisoformat(ended) if ended else None, source=row["source"], mode=row["mode"],
            variant=row["variant"], app_version=row["app_version"], save_frames=row["save_frames"],
            status=status, end_reason=reason, duration_s=float(duration),
            # The rep rows are the truth (an interrupted session has no totals row).
            reps=int(stats["reps"]), no_reps=int(stats["no_reps"]),
            frames=row["frames"], frames_with_pose=row["frames_with_pose"], fps=row["fps"],
            dropped_frames=row["dropped_frames"], verdict=row["verdict"],
            mean_score=stats["mean_score"], top_fault=stats["top_fault"], holds=int(stats.get("holds", 0)))

    def load_session(self, session_id: int) -> SessionData:
        info = self.session_info(session_id)
        config_json = self._db.execute("SELECT config_json FROM sessions WHERE id=?", (session_id,)).fetchone()[0]
        reps = []
        for row in self._db.execute(
                "SELECT seq, idx, full, t_start, t_bottom, t_end, depth, min_elbow_deg, seconds_down, seconds_up,"
                " score, no_rep_reason, faults_json, not_judged_json, bottom_t, bottom_jpeg, exercise, depth_by,"
                " depth_value, depth_limit FROM reps WHERE session_id=? ORDER BY seq", (session_id,)):
            (seq, idx, full, t0, tb, t1, depth, elbow, down, up, score, reason, faults_json, nj_json,
             bottom_t, jpeg, exercise, depth_by, depth_value, depth_limit) = row
            record = RepRecord(index=int(idx), full=bool(full), t_start_s=_float(t0), t_bottom_s=_float(tb),
                               t_end_s=_float(t1), depth_frac=_float(depth), min_elbow_angle_deg=_float(elbow),
                               seconds_down=_float(down), seconds_up=_float(up),
                               faults=tuple(_fault_from_json(f) for f in json.loads(faults_json)),
                               not_judged=tuple(json.loads(nj_json)), score=int(score), no_rep_reason=reason,
                               # A rep stored before schema 2 has no exercise: the session's variant.
                               exercise=exercise or info.variant,
                               # ...and before schema 4 no judged depth: None, shown as unknown.
                               depth_by=depth_by, depth_value=_float(depth_value), depth_limit=_float(depth_limit))
            reps.append(StoredRep(seq=int(seq), record=record, bottom_t_s=bottom_t,
                                  bottom_jpeg=bytes(jpeg) if jpeg is not None else None))
        cues = tuple(Cue(t_s=float(t), key=key or "", text=text, kind=CueKind(kind) if kind else CueKind.CORRECTION,
                         priority=int(priority or 0), fault=fault)
                     for t, key, text, kind, fault, priority in self._db.execute(
                         "SELECT t, key, text, kind, fault, priority FROM cues WHERE session_id=? ORDER BY t, id",
                         (session_id,)))
        return SessionData(info=info, config=json.loads(config_json or "{}"), reps=tuple(reps), cues=cues,
                           series=self.load_series(session_id), sets=self.load_sets([session_id]).get(session_id, ()),
                           holds=self.load_holds([session_id]).get(session_id, ()))

    def load_series(self, session_id: int) -> FrameSeries:
        parts = []
        for n, columns, data in self._db.execute(
                "SELECT n, columns, data FROM frame_series WHERE session_id=? ORDER BY chunk", (session_id,)):
            names = columns.split(",")
            arr = np.frombuffer(zlib.decompress(data), dtype="<f4").reshape(int(n), len(names))
            # Columns are looked up by name so a later version may add columns.
            parts.append(np.stack([arr[:, names.index(c)] if c in names else np.full(int(n), np.nan, "<f4")
                                   for c in SERIES_COLUMNS], axis=1))
        rows = np.concatenate(parts, axis=0).astype(np.float64) if parts else np.zeros((0, len(SERIES_COLUMNS)))
        return FrameSeries(*(rows[:, i].copy() for i in range(len(SERIES_COLUMNS))))

