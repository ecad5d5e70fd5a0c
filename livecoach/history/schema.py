"""The history database's schema, its location on disk, and migrations.

One database per user (``default_data_dir()/livecoach.db``), WAL mode, schema versioned.

Tables (schema version 4)::

    meta(key, value)                -- schema_version
    sessions(id, started_at, ended_at, source, mode, variant, app_version, config_json,
             save_frames, pid, host, end_reason, t_end_s, reps, no_reps, frames,
             frames_with_pose, fps, dropped_frames, verdict)
    reps(id, session_id, seq, idx, full, t_start, t_bottom, t_end, depth, min_elbow_deg,
         seconds_down, seconds_up, score, no_rep_reason, faults_json, not_judged_json,
         bottom_t, bottom_jpeg, exercise,    -- exercise: v2; NULL in rows of v1 (= the session's variant)
         depth_by, depth_value, depth_limit)  -- v4: the depth judged; NULL in rows of v1-v3 (not kept)
    faults(id, session_id, rep_id, t, name, cue_key, value, threshold, joints_json)
    cues(id, session_id, t, key, text, kind, fault, priority)
    frame_series(session_id, chunk, t0, t1, n, columns, data)  -- zlib'd float32 (n x columns)
    sets(id, session_id, seq, plan, block, set_no, set_of, round, rounds, exercise, unit, target_min,
         target_max, reps, no_reps, bad_cycles, hold_s, rest_before_s, reason, t_start, t_end,
         advice, advice_to)             -- v2: the sets of a --plan session, in the order they ended
    holds(id, session_id, seq, exercise, t_start, t_end, seconds_total, seconds_good, faults_json,
          breaks_json, target_s, top_pause)  -- v3: timed holds and pauses at the top, in the order they ended

Migrations run in order from the database's version to :data:`SCHEMA_VERSION`, each step in one
``BEGIN IMMEDIATE`` transaction (two LiveCoach processes opening an old database at once: the
second sees the new version and does nothing). v1 -> v2 adds ``reps.exercise`` and ``sets``; v2 -> v3
adds ``holds``; v3 -> v4 adds ``reps.depth_by``, ``depth_value`` and ``depth_limit``. Before the first step a copy of the file as it was is kept beside it
(``livecoach.schema1.db`` for a version-1 history): nothing a migration could get wrong is lost.
"""
from __future__ import annotations

import os
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

from livecoach.errors import EXIT_HISTORY, LiveCoachError
from livecoach.types import Phase

SCHEMA_VERSION = 4
DB_FILENAME = "livecoach.db"

#: Columns of the per-frame feature series, in blob order.
SERIES_COLUMNS: Tuple[str, ...] = ("t", "elbow_angle_deg", "hip_offset_frac", "depth_frac", "phase")
#: Phase codes stored in the series' ``phase`` column.
PHASE_CODES: Dict[Phase, int] = {Phase.NOT_IN_POSITION: 0, Phase.TOP: 1, Phase.DESCENT: 2,
                                 Phase.BOTTOM: 3, Phase.ASCENT: 4}

_SETS_TABLE = """
CREATE TABLE IF NOT EXISTS sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    plan TEXT NOT NULL, block TEXT NOT NULL,
    set_no INTEGER NOT NULL, set_of INTEGER NOT NULL, round INTEGER NOT NULL, rounds INTEGER NOT NULL,
    exercise TEXT NOT NULL, unit TEXT NOT NULL, target_min INTEGER NOT NULL, target_max INTEGER NOT NULL,
    reps INTEGER NOT NULL, no_reps INTEGER NOT NULL, bad_cycles INTEGER NOT NULL, hold_s REAL NOT NULL,
    rest_before_s REAL, reason TEXT NOT NULL, t_start REAL, t_end REAL,
    advice TEXT, advice_to TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS sets_by_session ON sets(session_id, seq);
"""

_HOLDS_TABLE = """
CREATE TABLE IF NOT EXISTS holds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    exercise TEXT NOT NULL, t_start REAL, t_end REAL,
    seconds_total REAL NOT NULL, seconds_good REAL NOT NULL,
    faults_json TEXT NOT NULL, breaks_json TEXT NOT NULL,
    target_s REAL, top_pause INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS holds_by_session ON holds(session_id, seq);
"""

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
    bottom_jpeg BLOB,
    exercise TEXT,
    depth_by TEXT, depth_value REAL, depth_limit REAL
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
""" + _SETS_TABLE + _HOLDS_TABLE


class StoreError(LiveCoachError, RuntimeError):
    """The history database cannot be used (unreadable, newer schema, no such session...).

    The message is one line, ready for the CLI to print.
    """

    exit_code = EXIT_HISTORY


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


# --------------------------------------------------------------------------- migrations

def _to_v2(db: sqlite3.Connection) -> None:
    """v1 -> v2: the exercise of each rep, and the sets of plan sessions."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(reps)")}
    if "exercise" not in columns:
        db.execute("ALTER TABLE reps ADD COLUMN exercise TEXT")
    _create(db, _SETS_TABLE)


def _to_v3(db: sqlite3.Connection) -> None:
    """v2 -> v3: timed holds (and pauses at the top of push-ups)."""
    _create(db, _HOLDS_TABLE)


def _to_v4(db: sqlite3.Connection) -> None:
    """v3 -> v4: what each rep cycle's depth was judged on, its value and limit (the rows before
    it stay NULL: their normalised ``depth`` is no measure a limit applies to)."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(reps)")}
    for name, kind in (("depth_by", "TEXT"), ("depth_value", "REAL"), ("depth_limit", "REAL")):
        if name not in columns:
            db.execute(f"ALTER TABLE reps ADD COLUMN {name} {kind}")


def _create(db: sqlite3.Connection, script: str) -> None:
    # One statement at a time: executescript() would commit the step's transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


#: version -> the step that brings a database of version - 1 to it.
MIGRATIONS = {2: _to_v2, 3: _to_v3, 4: _to_v4}


def _version(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Create the tables of an empty database, or bring an older one up to
    :data:`SCHEMA_VERSION` keeping every row; refuse a newer schema or a foreign database.

    Raises :class:`StoreError` (the caller closes the connection).
    """
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "meta" in tables:
        version = _version(db)
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path} was written by a newer LiveCoach (history schema {version}, "
                             f"this version reads {SCHEMA_VERSION}); upgrade LiveCoach or use --data-dir")
        if version == SCHEMA_VERSION:
            return
        if version >= 1:
            keep_copy(db, path, version)
            _upgrade(db)
            return
    elif tables:
        raise StoreError(f"{path} is not a LiveCoach history database (unexpected tables); "
                         f"use --data-dir to choose another folder")
    with db:
        db.executescript(_SCHEMA)
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def copy_path_for(path: Path, version: int) -> Path:
    """Where the copy of a history of schema ``version`` is kept before it is upgraded."""
    return path.with_name(f"{path.stem}.schema{int(version)}{path.suffix}")


def keep_copy(db: sqlite3.Connection, path: Path, version: int) -> Optional[Path]:
    """Copy the database (SQLite's online backup: a consistent snapshot, WAL included) to
    :func:`copy_path_for` unless a copy of that version is there already. Returns the copy's
    path (None for a database that is not a file).

    Two processes may upgrade at once: a snapshot taken after the other one's upgrade is not of
    ``version`` and is thrown away (that process kept the right copy). Raises :class:`StoreError`
    when the copy cannot be written (a full disk): the database is then not upgraded.
    """
    if not path.is_file():
        return None
    copy = copy_path_for(path, version)
    if copy.exists():
        return copy
    part = copy.with_name(f"{copy.name}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        target = sqlite3.connect(str(part))
        try:
            db.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            copied = _version(target)
        finally:
            target.close()
        if copied == version and not copy.exists():
            os.replace(part, copy)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot keep a copy of {path} before upgrading it to history schema {SCHEMA_VERSION} "
                         f"({exc}); it was left as it was") from None
    finally:
        try:
            part.unlink()
        except OSError:
            pass
    return copy


def _upgrade(db: sqlite3.Connection) -> None:
    """Run the migration steps one transaction each; the version is read again inside it (another
    process may have migrated meanwhile). A failed step leaves the database as it was."""
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = _version(db)
            if version >= SCHEMA_VERSION:
                db.execute("COMMIT")
                return
            MIGRATIONS[version + 1](db)
            db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version + 1),))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back already (a full disk)
                db.execute("ROLLBACK")
            raise
