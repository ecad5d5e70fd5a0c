"""The sets of a plan session in the history (schema 2): the migration of a database written by
main before sets existed, the sets going through the journal and the writer thread (a locked
database, a full disk, SIGKILL: they are imported later), the progress rule's input read back,
and per-exercise volume and best set by week."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List

import pytest

from livecoach.config.schema import load_config
from livecoach.history import journal as jr
from livecoach.history.data import StoredSet
from livecoach.history.export import export_json
from livecoach.history.report import render_session_html
from livecoach.history.progress import best_set_text, exercise_weeks, previous_clean_sessions
from livecoach.history.recorder import SessionRecorder
from livecoach.history.recovery import check_database, import_pending, load_journal_session, open_store
from livecoach.history import schema
from livecoach.history.schema import SCHEMA_VERSION, StoreError
from livecoach.history.store import DB_FILENAME, SessionMeta, SessionStore
from livecoach.history.summary import format_summary, summarize
from livecoach.logic.plan_events import Advice, SetResult
from livecoach.types import Cue, CueKind, RepEvent

from conftest import FIXTURES
from helpers import (hold_exclusive_lock, open_at_once, recorder_on_a_locked_database, session_end, synthetic_steps,
                     table_rows)

V1_DB = FIXTURES / "history" / "v1_main_9698ef7.db"
REPO = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parents[1]
#: See test_store_faults: a call that waited on SQLite would take >= 100 ms.
WORST_CALL_MS = 25.0


@pytest.fixture(scope="module")
def config():
    return load_config()


def a_set(exercise: str = "standard", reps: int = 12, reason: str = "target", bad: int = 0, no_reps: int = 0,
          n: int = 1, of: int = 3, t0: float = 0.0, rest: float = None, unit: str = "reps",
          hold_s: float = 0.0, tmin: int = 8, tmax: int = 12, plan: str = "back_focused") -> SetResult:
    return SetResult(plan=plan, block="main", exercise=exercise, target_min=tmin, target_max=tmax, unit=unit,
                     reps=reps, no_reps=no_reps, bad_cycles=bad, hold_s=hold_s, reason=reason, t_start_s=t0,
                     t_end_s=t0 + 30.0, rest_before_s=rest, set=n, of=of)


# --------------------------------------------------------------------------- migration

def _rows(db: Path) -> Dict[str, List[tuple]]:
    """Every row of every schema-1 table, schema-1 columns only."""
    return table_rows(db, ("meta", "sessions", "reps", "faults", "cues", "frame_series"),
                      {"reps": ("exercise", "depth_by", "depth_value", "depth_limit")})


def test_a_database_written_by_main_before_sets_migrates_and_keeps_every_row(tmp_path):
    db = tmp_path / DB_FILENAME
    shutil.copy(V1_DB, db)
    before = _rows(db)
    assert len(before["sessions"]) == 2 and len(before["reps"]) == 18 and len(before["frame_series"]) == 20
    with sqlite3.connect(str(db)) as con:
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
        assert "sets" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    assert previous_clean_sessions(db, 0.0) == {}  # read-only: a v1 history has no sets, and stays v1
    assert check_database(db) == []

    with SessionStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        data = store.load_session(1)
        # A rep stored before schema 2 is filed under its session's variant.
        assert {r.record.exercise for r in data.reps} == {"standard"} and data.sets == ()
        assert data.info.reps == 14 and len(data.series) > 0
        # Its summary and report render as before (no sets: no sets table).
        text = format_summary(data, summarize(data, load_config()))
        assert "Reps 14" in text and "Plan " not in text
        page = render_session_html(data, summarize(data, load_config()), load_config())
        assert "<h2>Sets</h2>" not in page and page.count("<svg") >= 4
        sid = store.begin_session(SessionMeta(source="cam", mode="train"), "off")
        store.add_set(sid, StoredSet(seq=1, result=a_set(), advice="progress", advice_to="decline"))
        store.commit()
    assert _rows(db)["reps"] == before["reps"]
    after = _rows(db)
    for table in ("meta", "reps", "faults", "cues", "frame_series"):
        assert after[table] == before[table], table
    assert after["sessions"][:2] == before["sessions"]
    with sqlite3.connect(str(db)) as con:
        assert con.execute("SELECT COUNT(*) FROM reps WHERE exercise IS NULL").fetchone() == (18,)
    with SessionStore(db) as store:  # opening again changes nothing
        assert store.schema_version == SCHEMA_VERSION
        stored = store.load_session(3).sets
        assert stored == (StoredSet(seq=1, result=a_set(), advice="progress", advice_to="decline"),)
    assert check_database(db) == []


def test_a_migration_that_fails_half_way_leaves_the_old_database_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / DB_FILENAME
    shutil.copy(V1_DB, db)
    before = _rows(db)

    def half_then_full(con: sqlite3.Connection) -> None:
        schema._to_v2(con)  # the columns and the table are made...
        raise sqlite3.OperationalError("database or disk is full")  # ...then the disk fills up

    monkeypatch.setitem(schema.MIGRATIONS, 2, half_then_full)
    with pytest.raises(StoreError, match="disk is full"):
        SessionStore(db)
    with sqlite3.connect(str(db)) as con:
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
        assert "sets" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert "exercise" not in {r[1] for r in con.execute("PRAGMA table_info(reps)")}
    assert _rows(db) == before
    monkeypatch.undo()
    with SessionStore(db) as store:  # room again: the next start migrates
        assert store.schema_version == SCHEMA_VERSION and len(store.session_ids()) == 2


def test_two_processes_opening_an_old_database_at_once_migrate_it_once(tmp_path):
    db = tmp_path / DB_FILENAME
    shutil.copy(V1_DB, db)
    assert open_at_once(db) == []
    with SessionStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION and len(store.session_ids()) == 2


def test_a_new_database_is_created_at_the_current_schema(tmp_path):
    with SessionStore(tmp_path / DB_FILENAME) as store:
        assert store.schema_version == SCHEMA_VERSION
        cols = {r[1] for r in store.connection.execute("PRAGMA table_info(reps)")}
        assert "exercise" in cols
        assert store.load_sets() == {}


# --------------------------------------------------------------------------- through the writer thread

def _record(rec: SessionRecorder, sets: List[SetResult], config, reps: int = 3) -> List[float]:
    """Reps from synthetic steps, then the sets (each with a plan line); the recorder calls' durations."""
    steps = list(synthetic_steps(reps=reps, with_images=False))
    durations = []
    for step, image in steps:
        t0 = time.perf_counter()
        rec.on_step(step, image)
        durations.append(time.perf_counter() - t0)
    for i, result in enumerate(sets):
        t0 = time.perf_counter()
        rec.record_cue(Cue(t_s=result.t_end_s, key="plan_set_done", text=f"Set done: {result.reps} reps",
                           kind=CueKind.ANNOUNCEMENT, priority=30))
        rec.record_set(result, Advice(t_s=result.t_end_s, kind="regress", from_exercise=result.exercise,
                                      to_exercise="incline", reason="form") if i == 1 else None)
        durations.append(time.perf_counter() - t0)
    rec.finish(session_end(steps))
    return durations


def _expected(sets: List[SetResult]) -> tuple:
    return tuple(StoredSet(seq=i + 1, result=r, advice="regress" if i == 1 else None,
                           advice_to="incline" if i == 1 else None) for i, r in enumerate(sets))


SETS = [a_set(n=1, t0=5.0), a_set(n=2, t0=100.0, reps=9, bad=5, reason="stood_up", rest=62.5),
        a_set("scapular", n=1, of=1, t0=200.0, reps=15, tmin=15, tmax=20, rest=45.0)]


def test_sets_and_plan_lines_reach_the_database_through_the_writer(tmp_path, config):
    db = tmp_path / DB_FILENAME
    rec = SessionRecorder(db, config, save_frames="off")
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    _record(rec, SETS, config)
    assert rec.close() == "database"
    with SessionStore(db) as store:
        data = store.load_session(sid)
    assert data.sets == _expected(SETS)
    assert [c.text for c in data.cues if c.key == "plan_set_done"] == ["Set done: 12 reps", "Set done: 9 reps",
                                                                        "Set done: 15 reps"]
    text = format_summary(data, summarize(data, config))
    assert "Plan back_focused · 3 sets" in text
    assert "main 2/3" in text and "9 reps" in text and "stood up" in text and "easier: incline" in text
    assert "1:02" in text  # the rest taken before set 2
    exported = json.loads(export_json(data, config))
    assert [(s["seq"], s["exercise"], s["reps"], s["reason"], s["rest_before_s"], s["advice_to"])
            for s in exported["sets"]] == [(1, "standard", 12, "target", None, None),
                                           (2, "standard", 9, "stood_up", 62.5, "incline"),
                                           (3, "scapular", 15, "target", 45.0, None)]


def test_locked_database_sets_wait_in_the_journal_without_blocking_and_are_imported(tmp_path, config):
    db = tmp_path / DB_FILENAME
    rec, lock = recorder_on_a_locked_database(db, config, 4.0)
    durations = _record(rec, SETS, config)
    assert max(durations) * 1000 < WORST_CALL_MS  # no call waited on the lock
    time.sleep(0.3)
    assert rec.close(timeout=0.3) == "journal"
    assert sum(1 for r in jr.read_journal(rec.journal_path) if r["k"] == "set") == 3
    journaled = load_journal_session(rec.journal_path)  # the summary of a journaled session has its sets
    assert journaled.sets == _expected(SETS)
    lock.join(10.0)
    with open_store(db) as store:
        results = import_pending(store)
        assert len(results) == 1
        data = store.load_session(results[0].session_id)
    assert data.sets == _expected(SETS) and data.info.status == "finished"
    with open_store(db) as store:  # once only
        assert import_pending(store) == []
        assert len(store.load_session(results[0].session_id).sets) == 3


def test_disk_full_on_a_set_keeps_it_in_the_journal_and_imports_it_next_start(tmp_path, config, monkeypatch):
    db = tmp_path / DB_FILENAME
    original = SessionStore.add_set
    calls = {"n": 0}

    def add_set(store, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 1:
            raise sqlite3.OperationalError("database or disk is full")
        return original(store, *args, **kwargs)

    monkeypatch.setattr(SessionStore, "add_set", add_set)
    notices: list = []
    rec = SessionRecorder(db, config, save_frames="off", notice=notices.append)
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    _record(rec, SETS, config)
    assert rec.close() == "journal"
    assert any("disk is full" in m for m in notices)
    with SessionStore(db) as store:
        assert len(store.load_session(sid).sets) == 1  # what went in before the disk filled
    monkeypatch.undo()
    with open_store(db) as store:
        import_pending(store)
        assert store.load_session(sid).sets == _expected(SETS)


CHILD = textwrap.dedent("""
    import sys, time
    from livecoach.config.schema import load_config
    from livecoach.history.recorder import SessionMeta, SessionRecorder
    from livecoach.logic.plan_events import SetResult
    from helpers import synthetic_steps

    recorder = SessionRecorder(sys.argv[1], load_config(), save_frames="off")
    recorder.start(SessionMeta(source="synthetic camera", mode="train", app_version="test"))
    for step, image in synthetic_steps(reps=4, with_images=False):
        recorder.on_step(step, image)
    for n in range(1, 4):
        recorder.record_set(SetResult(plan="p", block="main", exercise="standard", target_min=3, target_max=4,
                                      unit="reps", reps=4, no_reps=0, bad_cycles=0, hold_s=0.0, reason="target",
                                      t_start_s=10.0 * n, t_end_s=10.0 * n + 8, rest_before_s=None, set=n, of=5))
        print("set", n, flush=True)  # what the coach has said: "Set done"
    time.sleep(60)  # the session goes on until the kill
""")


@pytest.mark.skipif(sys.platform.startswith("win"), reason="SIGKILL is POSIX")
def test_sigkill_after_sets_keeps_them_all_once_imported(tmp_path):
    db = tmp_path / DB_FILENAME
    SessionStore(db).close()
    locked = threading.Event()  # the writer cannot commit: only the journal has the sets
    lock = hold_exclusive_lock(db, 3.0, locked)
    assert locked.wait(5.0)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS)]))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], cwd=str(REPO), env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = []
        deadline = time.monotonic() + 60
        while len(said) < 3:
            assert time.monotonic() < deadline and child.poll() is None, child.stderr.read()
            said.append(child.stdout.readline().strip())
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert said == ["set 1", "set 2", "set 3"]
    lock.join(10.0)
    with open_store(db) as store:
        import_pending(store)
        data = store.load_session(store.resolve("last"))
    assert [(s.seq, s.result.set, s.result.reps) for s in data.sets] == [(1, 1, 4), (2, 2, 4), (3, 3, 4)]
    assert data.info.status == "interrupted" and data.info.reps == 4


# --------------------------------------------------------------------------- read back

def _session_with_sets(store: SessionStore, sets: List[SetResult], started: datetime, reps: Dict[str, int] = None,
                       variant: str = "standard") -> int:
    sid = store.begin_session(SessionMeta(source="cam", mode="train", variant=variant, started_at=started), "off")
    for i, r in enumerate(sets):
        store.add_set(sid, StoredSet(seq=i + 1, result=r))
    exercises = [ex for ex, n in (reps or {}).items() for _ in range(n)]
    records = [ev.record for step, _ in synthetic_steps(reps=len(exercises), with_images=False)
               for ev in step.events if isinstance(ev, RepEvent)]
    for seq, (record, exercise) in enumerate(zip(records, exercises), start=1):
        store.add_rep(sid, seq, dataclasses.replace(record, exercise=exercise), None, None)
    store.commit()
    return sid


def test_previous_clean_sessions_counts_sessions_in_a_row_from_the_history(tmp_path):
    db = tmp_path / DB_FILENAME
    day = datetime(2026, 11, 2, 18, 0, tzinfo=timezone.utc)
    with SessionStore(db) as store:
        _session_with_sets(store, [a_set("wide")], day)                                        # wide clean
        _session_with_sets(store, [a_set(), a_set(reps=10, reason="stood_up")], day)           # standard not clean
        _session_with_sets(store, [a_set(), a_set(), a_set("wide", bad=1)], day)              # wide not clean
        _session_with_sets(store, [a_set("diamond", reps=3, reason="skipped")], day)           # skipped: no count
        _session_with_sets(store, [a_set(), a_set(n=2), a_set(n=3)], day)                     # standard clean
        _session_with_sets(store, [a_set(), a_set("plank", unit="seconds", hold_s=25.0)], day)  # standard clean
    # Newest first: 6 and 5 clean, 4 has no standard set, 3 clean, 2 not: three in a row.
    assert previous_clean_sessions(db, 0.0) == {"standard": 3}
    # The threshold is [progression] progress_max_fault_share: one bad cycle of 12 is 8 %, so wide's
    # set in session 3 is clean under 10 % (and 1 is too: two in a row).
    assert previous_clean_sessions(db, 0.1) == {"standard": 3, "wide": 2}
    assert previous_clean_sessions(tmp_path / "none.db", 0.0) == {}


def test_previous_clean_sessions_gives_up_on_a_lock_at_once(tmp_path):
    db = tmp_path / DB_FILENAME
    with SessionStore(db) as store:
        _session_with_sets(store, [a_set()], datetime(2026, 11, 2, tzinfo=timezone.utc))
    locked = threading.Event()
    con = sqlite3.connect(str(db), isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")  # a rollback journal: an exclusive lock keeps readers out
    con.close()
    lock = hold_exclusive_lock(db, 2.0, locked)
    assert locked.wait(5.0)
    t0 = time.monotonic()
    assert previous_clean_sessions(db, 0.0, timeout_s=0.2) == {}
    assert time.monotonic() - t0 < 1.5
    lock.join(5.0)
    assert previous_clean_sessions(db, 0.0) == {"standard": 1}


def test_volume_and_best_set_per_exercise_and_week(tmp_path, config):
    db = tmp_path / DB_FILENAME
    w1 = datetime(2026, 11, 2, 18, 0, tzinfo=timezone.utc)  # Monday, 2026-W45
    w2 = w1 + timedelta(days=8)                              # 2026-W46
    with SessionStore(db) as store:
        _session_with_sets(store, [a_set(reps=10), a_set(reps=12, n=2)], w1, reps={"standard": 22})
        _session_with_sets(store, [a_set("plank", unit="seconds", hold_s=25.0, reps=0, tmin=20, tmax=30)], w1)
        _session_with_sets(store, [], w2, reps={"standard": 5, "wide": 3})  # no plan: volume only
        _session_with_sets(store, [a_set(reps=14), a_set("wide", reps=9, reason="skipped")], w2,
                           reps={"standard": 14, "wide": 9})
        weeks = exercise_weeks(store, store.list_sessions())
    got = [(w.exercise, w.week, w.sessions, w.sets, w.reps, w.hold_s, w.best_reps) for w in weeks]
    assert got == [("plank", "2026-W45", 1, 1, 0, 25.0, 0),
                   ("standard", "2026-W45", 1, 2, 22, 0.0, 12),
                   ("standard", "2026-W46", 2, 1, 19, 0.0, 14),
                   ("wide", "2026-W46", 2, 1, 12, 0.0, 9)]
    assert [best_set_text(w) for w in weeks] == ["25 s", "12 reps", "14 reps", "9 reps"]
    assert best_set_text(dataclasses.replace(weeks[1], best_reps=1)) == "1 rep"
    assert best_set_text(dataclasses.replace(weeks[1], best_reps=0)) is None
    # `livecoach history` prints them and its report shows them.
    out = subprocess.run([sys.executable, "-m", "livecoach", "history", "--data-dir", str(tmp_path), "--weeks", "520"],
                         cwd=str(REPO), capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert out.returncode == 0, out.stderr
    assert "best set" in out.stdout
    lines = [line.split() for line in out.stdout.splitlines()]
    assert ["standard", "2026-W45", "1", "2", "22", "12", "reps"] in lines
    assert ["plank", "2026-W45", "1", "1", "25", "s", "25", "s"] in lines
    assert "Standard: 22 → 19 reps a week (2026-W45 → 2026-W46); best set 12 reps → 14 reps." in out.stdout
    page = (tmp_path / "reports" / "history.html").read_text(encoding="utf-8")
    assert "By exercise" in page
    plot = page[page.index('class="plot best-set-plot"'):]
    plot = plot[:plot.index("</svg>")]
    # One line per rep exercise with a plan set (plank is seconds: in the table only), a dot per week.
    assert plot.count("<path") == 2 and plot.count("<circle") == 3
    assert "standard: best set 14 reps" in plot and "wide: best set 9 reps" in plot
    # The wide row: nothing in W45, then 12 reps with a best set of 9.
    assert ('<tr><td>wide</td><td class="num">—</td><td class="num">12 reps<br><span class="best">best 9 reps'
            '</span></td></tr>') in page
