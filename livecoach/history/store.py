"""The session history: a local SQLite database, and the recorder that fills it live.

One database per user (``default_data_dir()/livecoach.db``), WAL mode, schema versioned.
:class:`SessionRecorder` is fed every :class:`~livecoach.types.LogicStep` by the main loop
and commits each rep (or no-rep) the moment it ends, with its faults, the cues spoken so far,
the per-frame feature series up to that point and, with consent (``save_frames="bottom"``),
a small JPEG of the user's own frame at the bottom of the rep with the skeleton drawn. A
session killed mid-set (SIGKILL, power cut of the process) keeps every completed rep; it
simply has no end row and reads back as ``interrupted``.

Tables (schema version 1)::

    meta(key, value)                -- schema_version
    sessions(id, started_at, ended_at, source, mode, variant, app_version, config_json,
             save_frames, pid, host, end_reason, t_end_s, reps, no_reps, frames,
             frames_with_pose, fps, dropped_frames, verdict)
    reps(id, session_id, seq, idx, full, t_start, t_bottom, t_end, depth, min_elbow_deg,
         seconds_down, seconds_up, score, no_rep_reason, faults_json, not_judged_json,
         bottom_t, bottom_jpeg)
    faults(id, session_id, rep_id, t, name, cue_key, value, threshold, joints_json)
    cues(id, session_id, t, key, text, kind, fault, priority)
    frame_series(session_id, chunk, t0, t1, n, columns, data)  -- zlib'd float32 (n x columns)
"""
from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import sys
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

from livecoach.landmarks import Landmark
from livecoach.types import (CueEvent, Cue, CueKind, Fault, Features, LogicStep, Phase, RepEvent, RepRecord,
                    SessionEnd)
from livecoach.errors import LiveCoachError

SCHEMA_VERSION = 1
DB_FILENAME = "livecoach.db"
SAVE_FRAMES_CHOICES = ("off", "bottom")

#: Columns of the per-frame feature series, in blob order.
SERIES_COLUMNS: Tuple[str, ...] = ("t", "elbow_angle_deg", "hip_offset_frac", "depth_frac", "phase")
#: Phase codes stored in the series' ``phase`` column.
PHASE_CODES: Dict[Phase, int] = {Phase.NOT_IN_POSITION: 0, Phase.TOP: 1, Phase.DESCENT: 2,
                                 Phase.BOTTOM: 3, Phase.ASCENT: 4}
_CYCLE_PHASES = (Phase.DESCENT, Phase.BOTTOM, Phase.ASCENT)
_SLOT_S = 0.25    # the recorder keeps the deepest frame of each slot this long...
_MAX_SLOTS = 40   # ...for at most this many slots (10 s; at most ~28 MB of 640 px pictures)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    source TEXT NOT NULL,
    mode TEXT NOT NULL,
    variant TEXT NOT NULL,
    app_version TEXT NOT NULL,
    config_json TEXT NOT NULL,
    save_frames TEXT NOT NULL,
    pid INTEGER,
    host TEXT,
    end_reason TEXT,
    t_end_s REAL,
    reps INTEGER,
    no_reps INTEGER,
    frames INTEGER,
    frames_with_pose INTEGER,
    fps REAL,
    dropped_frames INTEGER,
    verdict TEXT
);
CREATE TABLE IF NOT EXISTS reps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    full INTEGER NOT NULL,
    t_start REAL, t_bottom REAL, t_end REAL,
    depth REAL, min_elbow_deg REAL, seconds_down REAL, seconds_up REAL,
    score INTEGER NOT NULL,
    no_rep_reason TEXT,
    faults_json TEXT NOT NULL,
    not_judged_json TEXT NOT NULL,
    bottom_t REAL,
    bottom_jpeg BLOB
);
CREATE INDEX IF NOT EXISTS reps_by_session ON reps(session_id, seq);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
    t REAL, name TEXT NOT NULL, cue_key TEXT, value REAL, threshold REAL, joints_json TEXT
);
CREATE INDEX IF NOT EXISTS faults_by_session ON faults(session_id);
CREATE TABLE IF NOT EXISTS cues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t REAL NOT NULL, key TEXT, text TEXT NOT NULL, kind TEXT, fault TEXT, priority INTEGER
);
CREATE INDEX IF NOT EXISTS cues_by_session ON cues(session_id);
CREATE TABLE IF NOT EXISTS frame_series (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    chunk INTEGER NOT NULL,
    t0 REAL, t1 REAL, n INTEGER NOT NULL, columns TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (session_id, chunk)
);
"""


class StoreError(LiveCoachError, RuntimeError):
    """The history database cannot be used (unreadable, newer schema, no such session...).

    The message is one line, ready for the CLI to print.
    """


# --------------------------------------------------------------------------- locations

def default_data_dir() -> Path:
    """The per-user folder of LiveCoach's history.

    ``$LIVECOACH_DATA_DIR`` if set; else Linux ``$XDG_DATA_HOME/livecoach`` (default
    ``~/.local/share/livecoach``), macOS ``~/Library/Application Support/LiveCoach``,
    Windows ``%APPDATA%\\LiveCoach``.
    """
    env = os.environ.get("LIVECOACH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "LiveCoach"
    if sys.platform.startswith("win"):
        base = os.environ.get("APPDATA")
        return (Path(base) if base else Path.home() / "AppData" / "Roaming") / "LiveCoach"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share") / "livecoach"


def db_path_for(data_dir: Optional[Union[str, Path]]) -> Path:
    """The database file inside ``data_dir`` (``None``: the default data dir)."""
    return Path(data_dir if data_dir is not None else default_data_dir()).expanduser() / DB_FILENAME


def reports_dir_for(data_dir: Optional[Union[str, Path]]) -> Path:
    """Where session reports are written by default."""
    return Path(data_dir if data_dir is not None else default_data_dir()).expanduser() / "reports"


# --------------------------------------------------------------------------- read-side types

@dataclass(frozen=True)
class SessionMeta:
    """What the recorder knows at the start of a session."""

    source: str                       # "camera 0", a video path, a recording path
    mode: str                         # train | analyze | replay
    variant: str = "standard"
    app_version: str = ""
    config: Optional[Mapping[str, Any]] = None  # resolved config as plain data
    started_at: Optional[datetime] = None       # default: now (wall clock, local time zone)


@dataclass(frozen=True)
class SessionInfo:
    """One row of ``sessions``, with counts derived from the reps for interrupted sessions."""

    id: int
    started_at: datetime
    ended_at: Optional[datetime]
    source: str
    mode: str
    variant: str
    app_version: str
    save_frames: str
    status: str               # finished | interrupted | running
    end_reason: str           # SessionEnd.reason, or "interrupted"/"running"
    duration_s: float         # source seconds (last frame seen for an interrupted session)
    reps: int
    no_reps: int
    frames: Optional[int]
    frames_with_pose: Optional[int]
    fps: Optional[float]
    dropped_frames: Optional[int]
    verdict: Optional[str]    # None for an interrupted session
    mean_score: Optional[float]
    top_fault: Optional[str]


@dataclass(frozen=True)
class StoredRep:
    """A rep or no-rep as stored, in the order it ended (``seq``)."""

    seq: int
    record: RepRecord
    bottom_t_s: Optional[float]
    bottom_jpeg: Optional[bytes]


@dataclass(frozen=True)
class FrameSeries:
    """The per-frame features kept for plots: equal-length float arrays (nan = not measured)."""

    t_s: np.ndarray
    elbow_angle_deg: np.ndarray
    hip_offset_frac: np.ndarray
    depth_frac: np.ndarray
    phase: np.ndarray  # codes of PHASE_CODES; nan for none

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


@dataclass(frozen=True)
class SessionData:
    """Everything stored about one session."""

    info: SessionInfo
    config: Dict[str, Any]
    reps: Tuple[StoredRep, ...]
    cues: Tuple[Cue, ...]
    series: FrameSeries

    @property
    def full_reps(self) -> Tuple[StoredRep, ...]:
        return tuple(r for r in self.reps if r.record.full)

    @property
    def no_reps(self) -> Tuple[StoredRep, ...]:
        return tuple(r for r in self.reps if not r.record.full)


# --------------------------------------------------------------------------- helpers

def _now() -> datetime:
    return datetime.now(timezone.utc).astimezone()


def _num(value: Any) -> Optional[float]:
    """SQLite stores NaN as NULL; keep that explicit."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _pid_alive(pid: Optional[int]) -> bool:
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


def _fault_to_json(fault: Fault) -> Dict[str, Any]:
    return {"name": fault.name, "cue_key": fault.cue_key, "t": _num(fault.t_s), "value": _num(fault.value),
            "threshold": _num(fault.threshold), "joints": [int(j) for j in fault.joints]}


def _fault_from_json(obj: Mapping[str, Any]) -> Fault:
    return Fault(name=obj["name"], cue_key=obj.get("cue_key") or obj["name"], t_s=_float(obj.get("t")),
                 value=_float(obj.get("value")), threshold=_float(obj.get("threshold")),
                 joints=tuple(Landmark(int(j)) for j in obj.get("joints", ())))


# --------------------------------------------------------------------------- the store

class SessionStore:
    """The history database at ``path`` (created with its folder if missing).

    Raises :class:`StoreError` when the file is not a LiveCoach database, cannot be opened,
    or was written by a newer LiveCoach (a newer schema version is refused, never altered).
    """

    def __init__(self, path: Union[str, Path], create: bool = True) -> None:
        self.path = Path(path).expanduser()
        if not create and not self.path.exists():
            raise StoreError(f"no session history at {self.path} yet (train or analyze a video first)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One thread at a time, but not necessarily the one that opened it (the app may
            # write the summary from its main thread after the logic thread ended).
            self._db = sqlite3.connect(str(self.path), timeout=10.0, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the history database {self.path}: {exc}") from None
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.journal_mode = str(mode).lower()
            # NORMAL in WAL mode: a committed rep survives the process being killed.
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{self.path} is not a LiveCoach history database ({exc})") from None

    # -- schema
    def _migrate(self) -> None:
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" in tables:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                self._db.close()
                raise StoreError(f"{self.path} was written by a newer LiveCoach (history schema {version}, "
                                 f"this version reads {SCHEMA_VERSION}); upgrade LiveCoach or use --data-dir")
            if version == SCHEMA_VERSION:
                return
        elif tables:
            self._db.close()
            raise StoreError(f"{self.path} is not a LiveCoach history database (unexpected tables); "
                             f"use --data-dir to choose another folder")
        with self._db:
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                             (str(SCHEMA_VERSION),))

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
    def begin_session(self, meta: SessionMeta, save_frames: str) -> int:
        started = meta.started_at or _now()
        with self._db:
            cur = self._db.execute(
                "INSERT INTO sessions(started_at, source, mode, variant, app_version, config_json, save_frames,"
                " pid, host) VALUES (?,?,?,?,?,?,?,?,?)",
                (started.isoformat(timespec="seconds"), meta.source, meta.mode, meta.variant, meta.app_version,
                 json.dumps(dict(meta.config or {}), sort_keys=True), save_frames, os.getpid(),
                 socket.gethostname()))
        return int(cur.lastrowid)

    def add_rep(self, session_id: int, seq: int, record: RepRecord, bottom_t_s: Optional[float],
                bottom_jpeg: Optional[bytes]) -> int:
        """Insert one rep and its faults; not committed (the caller commits with the series)."""
        cur = self._db.execute(
            "INSERT INTO reps(session_id, seq, idx, full, t_start, t_bottom, t_end, depth, min_elbow_deg,"
            " seconds_down, seconds_up, score, no_rep_reason, faults_json, not_judged_json, bottom_t, bottom_jpeg)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (session_id, seq, record.index, int(record.full), _num(record.t_start_s), _num(record.t_bottom_s),
             _num(record.t_end_s), _num(record.depth_frac), _num(record.min_elbow_angle_deg),
             _num(record.seconds_down), _num(record.seconds_up), int(record.score), record.no_rep_reason,
             json.dumps([_fault_to_json(f) for f in record.faults]), json.dumps(list(record.not_judged)),
             _num(bottom_t_s), sqlite3.Binary(bottom_jpeg) if bottom_jpeg else None))
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

    def add_series_chunk(self, session_id: int, chunk: int, rows: np.ndarray) -> None:
        """Insert ``rows`` (n x len(SERIES_COLUMNS) float32) as one compressed chunk; not committed."""
        rows = np.ascontiguousarray(rows, dtype="<f4")
        self._db.execute(
            "INSERT INTO frame_series(session_id, chunk, t0, t1, n, columns, data) VALUES (?,?,?,?,?,?,?)",
            (session_id, chunk, _num(rows[0, 0]), _num(rows[-1, 0]), int(rows.shape[0]),
             ",".join(SERIES_COLUMNS), sqlite3.Binary(zlib.compress(rows.tobytes(), 6))))

    def end_session(self, session_id: int, end: SessionEnd) -> None:
        with self._db:
            self._db.execute(
                "UPDATE sessions SET ended_at=?, end_reason=?, t_end_s=?, reps=?, no_reps=?, frames=?,"
                " frames_with_pose=?, fps=?, dropped_frames=?, verdict=? WHERE id=?",
                (_now().isoformat(timespec="seconds"), end.reason, _num(end.t_s), int(end.reps),
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
        elif row["host"] == socket.gethostname() and _pid_alive(row["pid"]):
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
            mean_score=stats["mean_score"], top_fault=stats["top_fault"])

    def load_session(self, session_id: int) -> SessionData:
        info = self.session_info(session_id)
        config_json = self._db.execute("SELECT config_json FROM sessions WHERE id=?", (session_id,)).fetchone()[0]
        reps = []
        for row in self._db.execute(
                "SELECT seq, idx, full, t_start, t_bottom, t_end, depth, min_elbow_deg, seconds_down, seconds_up,"
                " score, no_rep_reason, faults_json, not_judged_json, bottom_t, bottom_jpeg FROM reps"
                " WHERE session_id=? ORDER BY seq", (session_id,)):
            (seq, idx, full, t0, tb, t1, depth, elbow, down, up, score, reason, faults_json, nj_json,
             bottom_t, jpeg) = row
            record = RepRecord(index=int(idx), full=bool(full), t_start_s=_float(t0), t_bottom_s=_float(tb),
                               t_end_s=_float(t1), depth_frac=_float(depth), min_elbow_angle_deg=_float(elbow),
                               seconds_down=_float(down), seconds_up=_float(up),
                               faults=tuple(_fault_from_json(f) for f in json.loads(faults_json)),
                               not_judged=tuple(json.loads(nj_json)), score=int(score), no_rep_reason=reason)
            reps.append(StoredRep(seq=int(seq), record=record, bottom_t_s=bottom_t,
                                  bottom_jpeg=bytes(jpeg) if jpeg is not None else None))
        cues = tuple(Cue(t_s=float(t), key=key or "", text=text, kind=CueKind(kind) if kind else CueKind.CORRECTION,
                         priority=int(priority or 0), fault=fault)
                     for t, key, text, kind, fault, priority in self._db.execute(
                         "SELECT t, key, text, kind, fault, priority FROM cues WHERE session_id=? ORDER BY t, id",
                         (session_id,)))
        return SessionData(info=info, config=json.loads(config_json or "{}"), reps=tuple(reps), cues=cues,
                           series=self.load_series(session_id))

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


# --------------------------------------------------------------------------- the recorder

@dataclass
class _Deepest:
    key: Tuple[float, float]
    t_s: float
    picture: Optional[np.ndarray]  # already downscaled, no skeleton yet
    pose: Any


class SessionRecorder:
    """Records one session live into a :class:`SessionStore`.

    Call :meth:`start` once, :meth:`on_step` for every processed frame (with the frame's
    BGR image when pictures are wanted), :meth:`finish` at the end. Everything a rep
    produced is committed when its :class:`~livecoach.types.RepEvent` arrives; cues are
    committed when spoken. Not thread-safe: call it from the logic thread.

    ``save_frames="bottom"`` keeps a small JPEG of the deepest frame of every rep cycle
    (the user's own frame, skeleton drawn, faulty joints in red); ``"off"`` keeps none.
    """

    def __init__(self, store: Union[str, Path, SessionStore], config: Any, save_frames: str = "bottom") -> None:
        if save_frames not in SAVE_FRAMES_CHOICES:
            raise ValueError(f"save_frames must be one of {', '.join(SAVE_FRAMES_CHOICES)}, not {save_frames!r}")
        self._owns_store = not isinstance(store, SessionStore)
        self.store = store if isinstance(store, SessionStore) else SessionStore(store)
        self.config = config
        self.save_frames = save_frames
        self._session = config.session
        self._min_visibility = float(config.features.min_visibility)
        self.session_id: Optional[int] = None
        self._seq = 0
        self._chunk = 0
        self._series: List[Tuple[float, float, float, float, float]] = []
        self._frame_counter = 0
        self._candidates: Dict[int, _Deepest] = {}
        self._finished = False
        self.reps_written = 0

    # -- lifecycle
    def start(self, meta: Union[SessionMeta, Mapping[str, Any]]) -> int:
        """Create the session row (committed) and return its id."""
        if isinstance(meta, Mapping):
            meta = SessionMeta(**meta)
        if meta.config is None:
            from livecoach.config.schema import config_as_dict

            meta = SessionMeta(**{**meta.__dict__, "config": config_as_dict(self.config)})
        try:
            self.session_id = self.store.begin_session(meta, self.save_frames)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot record the session in {self.store.path}: {exc}") from None
        return self.session_id

    def on_step(self, step: LogicStep, image: Optional[np.ndarray] = None) -> None:
        """Take one frame's logic result; commits when a rep ends or a cue is spoken."""
        if self.session_id is None:
            raise RuntimeError("SessionRecorder.on_step() before start()")
        self._track_series(step)
        self._track_deepest(step, image)
        dirty = False
        try:
            for event in step.events:
                if isinstance(event, RepEvent):
                    self._write_rep(event.record)
                    dirty = True
                elif isinstance(event, CueEvent):
                    self.store.add_cue(self.session_id, event.cue)
                    dirty = True
                # FaultEvents repeat the faults of the RepRecord, stored with it.
            if dirty or len(self._series) >= self._session.series_flush_frames:
                self._flush_series()
                self.store.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the history database {self.store.path}: {exc}") from None

    def finish(self, end: SessionEnd) -> int:
        """Write what is left and the end row; returns the session id. Idempotent."""
        if self.session_id is None:
            raise RuntimeError("SessionRecorder.finish() before start()")
        if not self._finished:
            try:
                self._flush_series()
                self.store.commit()
                self.store.end_session(self.session_id, end)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write to the history database {self.store.path}: {exc}") from None
            self._finished = True
        return self.session_id

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    # -- internals
    def _track_series(self, step: LogicStep) -> None:
        self._frame_counter += 1
        if (self._frame_counter - 1) % self._session.series_every_n_frames:
            return
        f = step.features
        if f is None:
            row = (step.t_s, math.nan, math.nan, math.nan, float(PHASE_CODES.get(step.phase, 0)))
        else:
            row = (step.t_s, f.elbow_angle_deg, f.hip_offset_frac, f.depth_frac,
                   float(PHASE_CODES.get(step.phase, 0)))
        self._series.append(row)

    def _flush_series(self) -> None:
        if not self._series:
            return
        rows = np.asarray(self._series, dtype=np.float64)
        self.store.add_series_chunk(self.session_id, self._chunk, rows)
        self._chunk += 1
        self._series = []

    @staticmethod
    def _depth_key(features: Features) -> Optional[Tuple[float, float]]:
        depth = features.depth_frac
        elbow = features.elbow_angle_deg
        if not math.isfinite(depth) and not math.isfinite(elbow):
            return None
        # Deeper first by depth, then by a smaller elbow angle.
        return (depth if math.isfinite(depth) else -math.inf, -elbow if math.isfinite(elbow) else -math.inf)

    def _track_deepest(self, step: LogicStep, image: Optional[np.ndarray]) -> None:
        """Keep the deepest frame of each short time slot since the last rep ended, so the
        rep's own bottom is picked inside its [start, end] window even when a false start
        (getting into position, a rest) went deeper before it."""
        if step.features is None or step.phase not in _CYCLE_PHASES:
            return
        key = self._depth_key(step.features)
        if key is None:
            return
        slot = int(math.floor(step.t_s / _SLOT_S))
        current = self._candidates.get(slot)
        if current is not None and key <= current.key:
            return
        picture = None
        if image is not None and self.save_frames == "bottom":
            from livecoach.render.imaging import shrink_fast  # cv2 only when pictures are wanted

            # Twice the final width, cheaply; the one picture kept per rep is scaled properly.
            picture = shrink_fast(image, 2 * self._session.thumbnail_width)
        self._candidates[slot] = _Deepest(key=key, t_s=step.t_s, picture=picture, pose=step.pose)
        while len(self._candidates) > _MAX_SLOTS:
            del self._candidates[min(self._candidates)]

    def _bottom_of(self, record: RepRecord) -> Optional[_Deepest]:
        lo, hi = record.t_start_s - _SLOT_S, record.t_end_s + _SLOT_S
        inside = [c for c in self._candidates.values()
                  if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= c.t_s <= hi]
        return max(inside, key=lambda c: c.key) if inside else None

    def _write_rep(self, record: RepRecord) -> None:
        deepest = self._bottom_of(record)
        if math.isfinite(record.t_end_s):  # what came after this rep's end belongs to the next one
            self._candidates = {k: c for k, c in self._candidates.items() if c.t_s > record.t_end_s}
        else:
            self._candidates = {}
        jpeg = None
        bottom_t = None
        if deepest is not None:
            bottom_t = deepest.t_s
            if deepest.picture is not None:
                from livecoach.render.imaging import bottom_picture, encode_jpeg

                joints = [j for f in record.faults for j in f.joints]
                picture = bottom_picture(deepest.picture, deepest.pose, self._session.thumbnail_width,
                                         self._min_visibility, joints)
                jpeg = encode_jpeg(picture, self._session.jpeg_quality)
        self._seq += 1
        self.store.add_rep(self.session_id, self._seq, record, bottom_t, jpeg)
        self.reps_written += 1
