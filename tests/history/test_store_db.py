"""The history database: round trip, schema versioning, WAL, interrupted sessions, pictures."""
from __future__ import annotations

import dataclasses
import math
import re
import shutil
import sqlite3
from datetime import datetime, timezone

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.render.imaging import decode_jpeg
from livecoach.history.data import rep_from_json, rep_to_json
from livecoach.history.journal import read_journal
from livecoach.history.recorder import SessionRecorder
from livecoach.history.recovery import check_database
from livecoach.history.report import render_session_html
from livecoach.history.store import (DB_FILENAME, SCHEMA_VERSION, SessionMeta, SessionStore, StoreError,
                                     default_data_dir, db_path_for)
from livecoach.history.summary import format_summary, summarize
from livecoach.types import DEPTH_BY_DROP, RepEvent

from conftest import FIXTURES
from helpers import session_end, synthetic_steps, table_rows

V3_DB = FIXTURES / "history" / "v3_main_265195c.db"
V3_TABLES = ("meta", "sessions", "reps", "faults", "cues", "frame_series", "sets", "holds")
DEPTH_COLUMNS = {"reps": ("depth_by", "depth_value", "depth_limit")}  # schema 4's


@pytest.fixture(scope="module")
def config():
    return load_config()


def record(db_path, config, steps, save_frames="bottom", finish=True, **meta):
    rec = SessionRecorder(db_path, config, save_frames=save_frames)
    sid = rec.start(SessionMeta(source=meta.pop("source", "synthetic.mp4"), mode="analyze", variant="standard",
                                app_version="0.1.0", **meta))
    for step, image in steps:
        rec.on_step(step, image)
    if finish:
        rec.finish(session_end(steps))
    rec.close()
    return sid


def test_round_trip_keeps_every_field(tmp_path, config):
    steps = list(synthetic_steps(reps=5, faults={2: ("hip_sag",), 4: ("hip_sag", "elbow_flare")}, no_reps=(3,)))
    sent = [e.record for s, _ in steps for e in s.events if isinstance(e, RepEvent)]
    db = tmp_path / DB_FILENAME
    sid = record(db, config, steps)
    with SessionStore(db) as store:
        assert store.journal_mode == "wal"
        assert store.schema_version == SCHEMA_VERSION
        data = store.load_session(sid)
    got = [r.record for r in data.reps]
    assert got == sent  # RepRecord equality: every field, faults with joints, not_judged, reasons
    assert [r.seq for r in data.reps] == [1, 2, 3, 4, 5]
    info = data.info
    assert (info.status, info.end_reason, info.reps, info.no_reps) == ("finished", "end_of_source", 4, 1)
    assert info.verdict == "incorrect" and info.frames == len(steps) and info.fps == pytest.approx(30.0)
    assert info.top_fault == "hip_sag"
    assert info.mean_score == pytest.approx(np.mean([r.score for r in sent if r.full]))
    assert data.config["session"]["jpeg_quality"] == config.session.jpeg_quality  # resolved config saved
    assert [c.text for c in data.cues] == ["cue for hip_sag", "cue for shallow", "cue for hip_sag"]
    # Every frame's features are kept (series_every_n_frames = 1 in the defaults).
    assert len(data.series) == len(steps)
    assert np.allclose(data.series.t_s, [s.t_s for s, _ in steps], atol=1e-4)
    assert np.allclose(data.series.elbow_angle_deg, [s.features.elbow_angle_deg for s, _ in steps], atol=1e-3)
    assert np.allclose(data.series.hip_offset_frac, [s.features.hip_offset_frac for s, _ in steps], atol=1e-6)


def test_bottom_picture_is_the_deepest_frame_with_the_skeleton(tmp_path, config):
    steps = list(synthetic_steps(reps=2, faults={2: ("hip_sag",)}))
    db = tmp_path / DB_FILENAME
    sid = record(db, config, steps)
    with SessionStore(db) as store:
        data = store.load_session(sid)
    for rep in data.reps:
        r = rep.record
        # The synthetic bottom is the middle frame of the cycle: within one frame of it.
        assert rep.bottom_t_s == pytest.approx(r.t_bottom_s, abs=1.5 / 30)
        image = decode_jpeg(rep.bottom_jpeg)
        assert image.shape[1] == config.session.thumbnail_width
        assert len(rep.bottom_jpeg) < 40_000
    # The skeleton is drawn as in the live window (the person's left side blue, right side
    # green), the faulty joints red on the sagging rep.
    clean = decode_jpeg(data.reps[0].bottom_jpeg).astype(int)
    sag = decode_jpeg(data.reps[1].bottom_jpeg).astype(int)
    b, g, r = clean[:, :, 0], clean[:, :, 1], clean[:, :, 2]
    left_blue = (b > 200) & (g > 150) & (r < 130)
    right_green = (g > 190) & (r < 160) & (b < 160)
    assert (left_blue | right_green).sum() > 50
    red = (sag[:, :, 2] > 200) & (sag[:, :, 1] < 110) & (sag[:, :, 0] < 110)
    red_clean = (clean[:, :, 2] > 200) & (clean[:, :, 1] < 110) & (clean[:, :, 0] < 110)
    assert red.sum() > red_clean.sum() + 20


def test_a_rep_from_the_closing_events_is_stored_with_its_bottom_picture(tmp_path, config):
    """The last cycle's record handed over with ``record_rep`` after the frames (a no-rep the
    analyzer held back until the session ended) is stored like one from a step."""
    steps = list(synthetic_steps(reps=2))
    at = max(i for i, (s, _) in enumerate(steps) if any(isinstance(e, RepEvent) for e in s.events))
    last = [e.record for e in steps[at][0].events if isinstance(e, RepEvent)][0]
    steps[at] = (dataclasses.replace(steps[at][0], events=()), steps[at][1])
    db = tmp_path / DB_FILENAME
    rec = SessionRecorder(db, config)
    sid = rec.start(SessionMeta(source="synthetic.mp4", mode="analyze", variant="standard", app_version="0.1.0"))
    for step, image in steps:
        rec.on_step(step, image)
    rec.record_rep(last)
    rec.finish(session_end(steps))
    rec.close()
    with SessionStore(db) as store:
        data = store.load_session(sid)
    assert [r.record for r in data.reps][-1] == last and len(data.reps) == 2
    assert data.reps[-1].bottom_jpeg is not None
    assert data.reps[-1].bottom_t_s == pytest.approx(last.t_bottom_s, abs=1.5 / 30)


def test_save_frames_off_keeps_no_picture(tmp_path, config):
    steps = list(synthetic_steps(reps=2))
    db = tmp_path / DB_FILENAME
    sid = record(db, config, steps, save_frames="off")
    with SessionStore(db) as store:
        data = store.load_session(sid)
        assert data.info.save_frames == "off"
        assert all(r.bottom_jpeg is None for r in data.reps)
        assert all(r.bottom_t_s is not None for r in data.reps)


def test_bad_save_frames_value_is_refused(tmp_path, config):
    with pytest.raises(ValueError, match="save_frames"):
        SessionRecorder(tmp_path / DB_FILENAME, config, save_frames="all")


def test_each_rep_is_committed_as_it_ends(tmp_path, config):
    """Another connection sees rep N (and the series up to it) before the session ends.

    Since the writer thread owns the database, a rep is in the session's journal when
    ``on_step`` returns and in the database as soon as the writer has handled it.
    """
    steps = list(synthetic_steps(reps=3))
    db = tmp_path / DB_FILENAME
    rec = SessionRecorder(db, config)
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    seen = []
    for step, image in steps:
        rec.on_step(step, image)
        if any(isinstance(e, RepEvent) for e in step.events):
            journaled = [r for r in read_journal(rec.journal_path) if r["k"] == "rep"]
            assert len(journaled) == len(seen) + 1  # already in the journal, without waiting
            assert rec.wait_idle(5.0)
            reader = sqlite3.connect(str(db))
            seen.append((reader.execute("SELECT COUNT(*) FROM reps").fetchone()[0],
                         reader.execute("SELECT COALESCE(SUM(n), 0) FROM frame_series").fetchone()[0]))
            reader.close()
    assert [n for n, _ in seen] == [1, 2, 3]
    assert all(frames > 0 for _, frames in seen) and seen[0][1] < seen[-1][1]
    with SessionStore(db) as other:
        info = other.session_info(sid)
    assert info.status == "running"  # this process is alive and has not finished it
    rec.finish(session_end(steps))
    assert rec.finish(session_end(steps)) == sid  # idempotent
    assert rec.close() == "database"
    assert not rec.journal_path.exists()  # everything is in the database: the journal is gone


def test_unfinished_session_of_a_dead_process_reads_as_interrupted(tmp_path, config):
    steps = list(synthetic_steps(reps=3, faults={1: ("hip_sag",)}))
    db = tmp_path / DB_FILENAME
    sid = record(db, config, steps, finish=False)
    with SessionStore(db) as store:
        store.connection.execute("UPDATE sessions SET pid = 999999999 WHERE id = ?", (sid,))
        store.commit()
        info = store.session_info(sid)
    assert (info.status, info.end_reason, info.reps, info.no_reps, info.verdict) == ("interrupted", "interrupted",
                                                                                     3, 0, None)
    assert info.ended_at is None
    # Frames after the last completed rep were not flushed yet: the session lasted at least
    # until that rep ended.
    last_rep_end = [e.record.t_end_s for s, _ in steps for e in s.events if isinstance(e, RepEvent)][-1]
    assert info.duration_s == pytest.approx(last_rep_end, abs=0.05)


def test_newer_schema_is_refused_with_one_line(tmp_path, config):
    db = tmp_path / DB_FILENAME
    SessionStore(db).close()
    raw = sqlite3.connect(str(db))
    raw.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    raw.commit()
    raw.close()
    with pytest.raises(StoreError) as err:
        SessionStore(db)
    message = str(err.value)
    assert "\n" not in message and "newer LiveCoach" in message and str(SCHEMA_VERSION + 1) in message
    # The database was not touched.
    raw = sqlite3.connect(str(db))
    assert raw.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION + 1)
    raw.close()


def test_foreign_files_are_refused(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a LiveCoach history database"):
        SessionStore(junk)
    other = tmp_path / "other.db"
    raw = sqlite3.connect(str(other))
    raw.execute("CREATE TABLE customers (id INTEGER)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="not a LiveCoach history database"):
        SessionStore(other)


def test_missing_history_is_one_line_when_not_creating(tmp_path):
    with pytest.raises(StoreError, match="no session history"):
        SessionStore(tmp_path / "nothing" / DB_FILENAME, create=False)
    assert not (tmp_path / "nothing").exists()


def test_resolve_last_numbers_and_errors(tmp_path, config):
    db = tmp_path / DB_FILENAME
    with SessionStore(db) as store:
        with pytest.raises(StoreError, match="no sessions recorded yet"):
            store.resolve("last")
    ids = [record(db, config, list(synthetic_steps(reps=1))) for _ in range(3)]
    with SessionStore(db) as store:
        assert store.resolve("last") == ids[-1]
        assert store.resolve(None) == ids[-1]
        assert store.resolve(str(ids[0])) == ids[0]
        assert store.resolve(f"#{ids[1]}") == ids[1]
        with pytest.raises(StoreError, match="no session 99"):
            store.resolve("99")
        with pytest.raises(StoreError, match="not a session number"):
            store.resolve("yesterday")


def test_sparse_series_and_started_at(tmp_path, config):
    steps = list(synthetic_steps(reps=2))
    db = tmp_path / DB_FILENAME
    when = datetime(2026, 3, 2, 18, 30, tzinfo=timezone.utc)
    sid = record(db, config, steps, started_at=when)
    with SessionStore(db) as store:
        data = store.load_session(sid)
    assert data.info.started_at == when
    assert all(math.isfinite(v) for v in data.series.phase)


def test_default_data_dir_follows_the_platform_rules(monkeypatch, tmp_path):
    monkeypatch.delenv("LIVECOACH_DATA_DIR", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "livecoach"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / ".local" / "share" / "livecoach"
    monkeypatch.setattr("sys.platform", "darwin")
    assert default_data_dir() == tmp_path / "Library" / "Application Support" / "LiveCoach"
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "roaming"))
    assert default_data_dir() == tmp_path / "roaming" / "LiveCoach"
    monkeypatch.setenv("LIVECOACH_DATA_DIR", str(tmp_path / "mine"))
    assert db_path_for(None) == tmp_path / "mine" / DB_FILENAME
    assert db_path_for(tmp_path / "x") == tmp_path / "x" / DB_FILENAME


def test_the_judged_depth_goes_through_the_journal_and_an_older_journals_rep_has_none():
    sent = [e.record for s, _ in synthetic_steps(reps=3, no_reps=(2,), with_images=False)
            for e in s.events if isinstance(e, RepEvent)]
    assert [r.depth_by for r in sent] == [DEPTH_BY_DROP] * 3 and [r.deep_enough for r in sent] == [True, False, True]
    assert [rep_from_json(rep_to_json(r)) for r in sent] == sent
    old = {k: v for k, v in rep_to_json(sent[0]).items() if not k.startswith("depth_") or k == "depth_frac"}
    got = rep_from_json(old)
    assert got.depth_by is None and math.isnan(got.depth_value) and got.deep_enough is None


def test_a_version_3_database_migrates_keeping_every_row_and_shows_no_depth_it_did_not_keep(tmp_path, config):
    """Schema 3 kept each rep's depth normalised to the person's own range only ("1.02" beside
    "not deep enough"); schema 4 adds the depth judged. An old history opens, keeps every row and
    a copy of itself, and its reports show "—" for the depth it never kept, not a number a limit
    would be read against; sessions recorded after the upgrade keep it."""
    db = tmp_path / DB_FILENAME
    shutil.copy(V3_DB, db)
    before = table_rows(db, V3_TABLES)
    assert before["meta"] == [] and len(before["sessions"]) == 3 and len(before["reps"]) == 25
    with sqlite3.connect(str(db)) as con:
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("3",)
    with SessionStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        sessions = [store.load_session(sid) for sid in store.session_ids()]
    assert table_rows(db, V3_TABLES, DEPTH_COLUMNS) == before  # every row of schema 3, unchanged
    copy = tmp_path / "livecoach.schema3.db"
    assert table_rows(copy, V3_TABLES) == before and check_database(copy) == [] and check_database(db) == []
    records = [r.record for data in sessions for r in data.reps]
    assert len(records) == 25
    assert all(r.depth_by is None and math.isnan(r.depth_value) and r.deep_enough is None for r in records)
    wrong58 = sessions[1]  # seven shallow no-reps whose normalised depth read 0.85-1.02
    assert [r.record.no_rep_reason for r in wrong58.reps] == ["not deep enough"] * 7
    page = render_session_html(wrong58, summarize(wrong58, config), config)
    assert re.findall(r'<td class="num depth">([^<]*)</td>', page) == ["—"] * 7
    assert "older LiveCoach" in page and "a rep needs" not in page
    text = format_summary(wrong58, summarize(wrong58, config))
    assert not re.search(r"\b[01]\.\d\d\b", text) and "older LiveCoach" in text
    sid = record(db, config, list(synthetic_steps(reps=2, with_images=False)))
    with SessionStore(db) as store:
        assert [r.record.depth_by for r in store.load_session(sid).reps] == [DEPTH_BY_DROP] * 2
