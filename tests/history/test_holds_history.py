"""Timed holds in the history (schema 3): the migration of a database written by main before holds
existed (a copy of the old file is kept), holds through the journal and the writer thread (a
locked database: imported later, once), and the summary, the report and the export of a session
with holds."""
from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Dict, List

import pytest

from livecoach.config.schema import load_config
from livecoach.history import journal as jr
from livecoach.history import schema
from livecoach.history.data import StoredHold
from livecoach.history.export import export_json
from livecoach.history.progress import best_set_text, exercise_weeks
from livecoach.history.recorder import SessionRecorder
from livecoach.history.recovery import check_database, import_pending, load_journal_session, open_store
from livecoach.history.report import render_session_html
from livecoach.history.schema import SCHEMA_VERSION, StoreError
from livecoach.history.store import DB_FILENAME, SessionMeta, SessionStore
from livecoach.history.summary import format_summary, summarize
from livecoach.logic.holds import HoldRecord
from livecoach.types import HoldEnd, LogicStep, Phase, SessionEnd

from conftest import FIXTURES
from helpers import open_at_once, recorder_on_a_locked_database, session_end, synthetic_steps, table_rows

V1_DB = FIXTURES / "history" / "v1_main_9698ef7.db"
V2_DB = FIXTURES / "history" / "v2_main_29739e2.db"
V2_TABLES = ("meta", "sessions", "reps", "faults", "cues", "frame_series", "sets")


@pytest.fixture(scope="module")
def config():
    return load_config()


def _rows(db: Path) -> Dict[str, List[tuple]]:
    """Every row of every schema-2 table, schema-2 columns only (schema 4 adds the reps' judged depth)."""
    return table_rows(db, V2_TABLES, {"reps": ("depth_by", "depth_value", "depth_limit")})


def _version(db: Path) -> str:
    con = sqlite3.connect(str(db))
    try:
        return con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    finally:
        con.close()


def a_hold(exercise: str = "plank", t0: float = 2.0, total: float = 12.0, good: float = 9.5,
           faults=("hip_sag",), target=None, top_pause: bool = False) -> HoldRecord:
    return HoldRecord(exercise=exercise, t_start_s=t0, t_end_s=t0 + total, seconds_total=total, seconds_good=good,
                      faults=tuple(faults), breaks=tuple((t0 + 4.0 + i, f) for i, f in enumerate(faults)),
                      target_s=target, top_pause=top_pause)


# --------------------------------------------------------------------------- migration

def test_a_database_written_by_main_before_holds_migrates_keeping_every_row_and_a_copy(tmp_path, config):
    db = tmp_path / DB_FILENAME
    shutil.copy(V2_DB, db)
    before = _rows(db)
    assert _version(db) == "2" and len(before["sessions"]) == 2 and len(before["sets"]) == 2
    assert len(before["reps"]) == 18 and len(before["cues"]) == 14
    with SessionStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        plan = store.load_session(2)
        assert plan.holds == () and len(plan.sets) == 2 and plan.info.reps == 14
        page = render_session_html(plan, summarize(plan, config), config)
        assert "<h2>Holds</h2>" not in page and "<h2>Sets</h2>" in page
        store.add_hold(1, StoredHold(seq=1, record=a_hold()))
        store.commit()
    after = _rows(db)
    assert after == before  # every row of every table of schema 2, unchanged
    copy = tmp_path / "livecoach.schema2.db"
    assert _version(copy) == "2" and _rows(copy) == before  # the file as it was, beside it
    assert check_database(copy) == [] and check_database(db) == []
    copied_at = copy.stat().st_mtime_ns
    with SessionStore(db) as store:  # opening again migrates nothing and copies nothing
        assert store.load_session(1).holds == (StoredHold(seq=1, record=a_hold()),)
    assert copy.stat().st_mtime_ns == copied_at
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["livecoach.db", "livecoach.schema2.db"]


def test_a_version_1_database_keeps_one_copy_of_itself_before_both_steps(tmp_path):
    db = tmp_path / DB_FILENAME
    shutil.copy(V1_DB, db)
    with SessionStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION and store.load_holds() == {}
    assert _version(tmp_path / "livecoach.schema1.db") == "1"
    assert not (tmp_path / "livecoach.schema2.db").exists()


def test_when_the_copy_cannot_be_written_the_database_is_left_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / DB_FILENAME
    shutil.copy(V2_DB, db)
    before = _rows(db)
    nowhere = tmp_path / "no such folder" / "copy.db"  # as a full disk would: the copy cannot be made
    monkeypatch.setattr(schema, "copy_path_for", lambda path, version: nowhere)
    with pytest.raises(StoreError) as exc:
        SessionStore(db)
    message = str(exc.value)
    assert "\n" not in message and "cannot keep a copy of" in message and "left as it was" in message
    assert _version(db) == "2" and _rows(db) == before
    with sqlite3.connect(str(db)) as con:
        assert "holds" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    monkeypatch.undo()
    with SessionStore(db) as store:  # room again: the next start copies and migrates
        assert store.schema_version == SCHEMA_VERSION
    assert _version(tmp_path / "livecoach.schema2.db") == "2"


def test_two_processes_upgrading_at_once_keep_one_copy_of_the_old_version(tmp_path):
    db = tmp_path / DB_FILENAME
    shutil.copy(V2_DB, db)
    assert open_at_once(db) == []
    assert _version(db) == str(SCHEMA_VERSION) and _version(tmp_path / "livecoach.schema2.db") == "2"
    assert not list(tmp_path.glob("*.part"))


def test_the_kept_copy_restored_while_another_program_reads_it_opens_once_the_reader_is_done(tmp_path):
    """The copy is in rollback-journal mode, and switching it to WAL needs the file to itself; with
    another connection about to write, SQLite answers "database is locked" at once, without its busy
    timeout. Before the switch was retried, this failed at once, and four LiveCoach processes opening
    the copy together failed in 1-5 of 30 tries."""
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(V2_DB, old / DB_FILENAME)
    SessionStore(old / DB_FILENAME).close()
    db = tmp_path / DB_FILENAME
    shutil.copy(old / "livecoach.schema2.db", db)  # the user restores the copy
    reader = sqlite3.connect(str(db), isolation_level=None, check_same_thread=False)
    assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    reader.execute("BEGIN IMMEDIATE")  # about to write: holds the reserved lock...
    done = threading.Timer(0.3, lambda: reader.execute("COMMIT"))  # ...for 0.3 s
    done.start()
    try:
        with SessionStore(db, timeout=10.0) as store:
            assert store.schema_version == SCHEMA_VERSION and store.journal_mode == "wal"
    finally:
        done.join()
        reader.close()


def test_a_new_database_has_a_holds_table_and_no_copy(tmp_path):
    with SessionStore(tmp_path / DB_FILENAME) as store:
        assert store.load_holds() == {}
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".db"] == ["livecoach.db"]


# --------------------------------------------------------------------------- through the writer thread

HOLDS = [a_hold(), a_hold("side_plank", t0=40.0, total=20.0, good=20.0, faults=(), target=20.0),
         a_hold(t0=60.0, total=2.5, good=2.1, faults=("hip_pike",), top_pause=True)]


def _hold_step(step: LogicStep, record: HoldRecord) -> LogicStep:
    return dataclasses.replace(step, phase=Phase.NOT_IN_POSITION, events=(HoldEnd(record),))


def _record(rec: SessionRecorder) -> None:
    """Reps, then two holds as a step's events and one as the session's closing hold."""
    steps = list(synthetic_steps(reps=3, with_images=False))
    for step, image in steps:
        rec.on_step(step, image)
    last = steps[-1][0]
    for hold in HOLDS[:2]:
        rec.on_step(_hold_step(last, hold))
    rec.record_hold(HOLDS[2])
    rec.finish(session_end(steps))


EXPECTED = tuple(StoredHold(seq=i + 1, record=h) for i, h in enumerate(HOLDS))


def test_holds_reach_the_database_and_the_summary_report_and_export_show_them(tmp_path, config):
    db = tmp_path / DB_FILENAME
    rec = SessionRecorder(db, config, save_frames="off")
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    _record(rec)
    assert rec.holds_written == 3 and rec.close() == "database"
    with SessionStore(db) as store:
        data = store.load_session(sid)
    assert data.holds == EXPECTED
    text = format_summary(data, summarize(data, config))
    holds = text[text.index("Holds:"):].split("\n\n")[0].splitlines()[1:]
    assert holds == ["    0:02  Plank: 9.5 s in good form of 12.0 s; broken by hip sag",
                     "    0:40  Side plank: 20.0 s in good form of 20.0 s; target 20 s (reached)",
                     "    1:00  pause at the top (plank): 2.1 s in good form of 2.5 s; broken by hip pike"]
    page = render_session_html(data, summarize(data, config), config)
    section = page[page.index("<h2>Holds</h2>"):]
    section = section[:section.index("</section>")]
    assert section.count("<tr>") == 4 and "Side plank" in section and "20 s (reached)" in section
    assert 'style="width:79.2%"' in section  # 9.5 of 12 s in good form
    assert "held in good form" in page  # the holds' tiles (29.5 s of 32.0 s, without the pause at the top)
    assert "29.5" in page and "32.0" in page
    exported = json.loads(export_json(data, config))["holds"]
    assert [(h["seq"], h["exercise"], h["seconds_good"], h["top_pause"]) for h in exported] == [
        (1, "plank", 9.5, False), (2, "side_plank", 20.0, False), (3, "plank", 2.1, True)]


def test_locked_database_holds_wait_in_the_journal_and_are_imported_once(tmp_path, config):
    db = tmp_path / DB_FILENAME
    rec, lock = recorder_on_a_locked_database(db, config, 3.0)
    _record(rec)
    assert rec.close(timeout=0.3) == "journal"
    assert [r["hold"]["seq"] for r in jr.read_journal(rec.journal_path) if r["k"] == "hold"] == [1, 2, 3]
    assert load_journal_session(rec.journal_path).holds == EXPECTED  # the journaled summary has them
    lock.join(10.0)
    with open_store(db) as store:
        results = import_pending(store)
        assert len(results) == 1
        assert store.load_session(results[0].session_id).holds == EXPECTED
    with open_store(db) as store:  # once only
        assert import_pending(store) == []
        assert store.load_session(results[0].session_id).holds == EXPECTED


def test_timed_holds_add_their_good_seconds_to_the_weekly_volume_but_pauses_at_the_top_do_not(tmp_path):
    with SessionStore(tmp_path / DB_FILENAME) as store:
        sid = store.begin_session(SessionMeta(source="cam", mode="train"), "off")
        for stored in EXPECTED:  # plank 9.5 s, side plank 20 s, a pause at the top (plank) 2.1 s
            store.add_hold(sid, stored)
        store.commit()
        weeks = exercise_weeks(store, [store.session_info(sid)])
    assert {(w.exercise, w.hold_s, w.sessions, w.sets, w.best_hold_s) for w in weeks} == {
        ("plank", 9.5, 1, 0, 9.5), ("side_plank", 20.0, 1, 0, 20.0)}
    assert {best_set_text(w) for w in weeks} == {"10 s", "20 s"}  # the longest hold is the week's best


def test_a_hold_on_its_own_is_listed_as_held_and_a_push_up_session_with_pauses_by_its_verdict(tmp_path, config):
    db = tmp_path / DB_FILENAME
    with SessionStore(db) as store:
        plank = store.begin_session(SessionMeta(source="cam", mode="train"), "off")
        store.add_hold(plank, EXPECTED[0])
        store.end_session(plank, SessionEnd(t_s=20.0, reps=0, no_reps=0, frames=300, frames_with_pose=300, fps=30.0,
                                            form_verdict="not_judged"))
        store.commit()
    rec = SessionRecorder(db, config, save_frames="off")
    pushups = rec.start(SessionMeta(source="cam", mode="train"))
    steps = list(synthetic_steps(reps=3, with_images=False))
    for step, image in steps:
        rec.on_step(step, image)
    rec.record_hold(EXPECTED[2].record)  # a pause at the top only
    rec.finish(session_end(steps))
    assert rec.close() == "database"
    with SessionStore(db) as store:
        infos = {i.id: i for i in store.list_sessions()}
    assert (infos[plank].holds, infos[plank].form) == (1, "held")
    assert infos[pushups].holds == 0 and infos[pushups].form == infos[pushups].verdict
