"""The history under faults: a locked database, a full disk, a damaged file. The frame loop
never waits on SQLite, and every rep ends up in the database (at once, or from the session's
journal on the next start)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from livecoach.config.schema import load_config
from livecoach.history import journal as jr
from livecoach.history.recorder import SessionRecorder
from livecoach.history.recovery import check_database, import_pending, open_store
from livecoach.history.schema import StoreError
from livecoach.history.store import DB_FILENAME, SessionMeta, SessionStore
from livecoach.types import RepEvent

from helpers import hold_exclusive_lock, locked_database, session_end, synthetic_steps

#: A recorder call's bound: 99 % of the calls, and all calls made while the database is locked,
#: stay below it. A call that waited on SQLite would take >= 100 ms (the writer's busy timeout)
#: or seconds (the lock); what remains above 1-2 ms is the writer thread holding the GIL for a
#: moment, and other processes on a loaded machine (7.5 ms seen at load 4 on 2 cores; 5 ms
#: was too tight for that). The bound separates "never waits on SQLite" from scheduling noise.
MAX_CALL_MS = 25.0
#: No call at all, even on a machine shared with other jobs, comes near a wait on the lock.
WORST_CALL_MS = 60.0


@pytest.fixture(scope="module")
def config():
    return load_config()


def _sent(steps):
    return [e.record for s, _ in steps for e in s.events if isinstance(e, RepEvent)]


def _stored(db: Path, sid=None):
    with SessionStore(db) as store:
        data = store.load_session(sid if sid is not None else store.resolve("last"))
    return data


def test_locked_database_for_5_s_never_blocks_the_caller_and_keeps_every_rep(tmp_path, config):
    db = tmp_path / DB_FILENAME
    steps = list(synthetic_steps(reps=12, faults={2: ("hip_sag",), 6: ("elbow_flare",)}, no_reps=(4,)))
    notices: list = []
    rec = SessionRecorder(db, config, notice=notices.append)
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    assert sid is not None
    durations = []
    during_lock = []
    lock = None
    locked = threading.Event()
    reps_seen = 0
    for step, image in steps:
        t0 = time.perf_counter()
        rec.on_step(step, image)
        durations.append(time.perf_counter() - t0)
        if lock is not None and lock.is_alive():
            during_lock.append(durations[-1])
        if any(isinstance(e, RepEvent) for e in step.events):
            reps_seen += 1
            if reps_seen == 3:  # mid-session: another program takes the database for 5 s
                lock = hold_exclusive_lock(db, 5.0, locked)
                assert locked.wait(5.0)
        time.sleep(0.008)  # the live loop: the set goes on during the lock (~7 s of steps)
    t0 = time.perf_counter()
    rec.finish(session_end(steps))
    durations.append(time.perf_counter() - t0)
    lock.join(10.0)
    assert rec.close(timeout=10.0) == "database"
    worst_ms = 1000 * max(durations)
    p99_ms = 1000 * sorted(durations)[int(0.99 * len(durations))]
    locked_ms = 1000 * max(during_lock)
    print(f"\nlocked 5 s: {len(durations)} calls ({len(during_lock)} during the lock), max {worst_ms:.2f} ms, "
          f"max during the lock {locked_ms:.2f} ms, p99 {p99_ms:.2f} ms, lock retries {rec._writer.lock_waits}")
    assert rec._writer.lock_waits > 0 and len(during_lock) > 300  # the lock was really in the writer's way
    assert p99_ms < MAX_CALL_MS and locked_ms < MAX_CALL_MS, f"{p99_ms:.1f} / {locked_ms:.1f} ms"
    assert worst_ms < WORST_CALL_MS, f"a recorder call took {worst_ms:.1f} ms"
    data = _stored(db, sid)
    assert [r.record for r in data.reps] == _sent(steps)
    assert data.info.status == "finished" and len(data.cues) == 3
    assert all(r.bottom_jpeg for r in data.reps)
    assert not rec.journal_path.exists()
    assert notices == []  # 5 s is below the notice threshold: nothing to tell


def test_database_locked_for_the_whole_session_keeps_it_in_the_journal_then_imports_it(tmp_path, config):
    db = tmp_path / DB_FILENAME
    lock = locked_database(db, 4.0)
    notices: list = []
    steps = list(synthetic_steps(reps=3, with_images=False))
    rec = SessionRecorder(db, config, notice=notices.append, start_wait_s=0.2, lock_notice_s=0.5)
    t0 = time.perf_counter()
    assert rec.start(SessionMeta(source="cam", mode="train")) is None  # no row yet: the session starts anyway
    assert time.perf_counter() - t0 < 1.0
    for step, image in steps:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    time.sleep(0.6)
    assert rec.close(timeout=0.5) == "journal"
    assert rec.stored_anywhere
    assert len([m for m in notices if "is locked by another program" in m]) == 1  # told once while it lasts...
    assert "next time" in notices[-1]  # ...and where the session went when it ended
    lock.join(10.0)
    # The next start imports the journal.
    with open_store(db) as store:
        results = import_pending(store)
    assert [r.reps_added for r in results] == [3]
    data = _stored(db)
    assert [r.record for r in data.reps] == _sent(steps) and data.info.status == "finished"
    assert not rec.journal_path.exists()


class _FullDisk:
    """SessionStore.add_rep raising what SQLite says on a full disk, from the ``after``-th rep on."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.calls = 0

    def __call__(self, original):
        def add_rep(store, *args, **kwargs):
            self.calls += 1
            if self.calls > self.after:
                raise sqlite3.OperationalError("database or disk is full")
            return original(store, *args, **kwargs)
        return add_rep


def test_disk_full_simulated_keeps_reps_in_the_journal_and_imports_them_next_start(tmp_path, config, monkeypatch):
    db = tmp_path / DB_FILENAME
    full = _FullDisk(after=4)
    monkeypatch.setattr(SessionStore, "add_rep", full(SessionStore.add_rep))
    notices: list = []
    steps = list(synthetic_steps(reps=10, faults={7: ("hip_sag",)}))
    rec = SessionRecorder(db, config, notice=notices.append)
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    for step, image in steps:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    assert rec.close() == "journal" and rec.stored_anywhere
    assert len(notices) == 1 and "database or disk is full" in notices[0] and "next time" in notices[0]
    assert len(_stored(db, sid).reps) == 4  # what went in before the disk filled
    monkeypatch.undo()  # room again

    with open_store(db) as store:
        results = import_pending(store)
    assert [(r.session_id, r.reps_added, r.reps_in_journal) for r in results] == [(sid, 6, 10)]
    data = _stored(db, sid)
    assert [r.record for r in data.reps] == _sent(steps)
    assert all(r.bottom_jpeg for r in data.reps)  # pictures kept in the journal too
    assert data.info.status == "finished"
    assert not rec.journal_path.exists()
    with open_store(db) as store:  # importing is done once
        assert import_pending(store) == []


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    where.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


def test_real_full_disk_on_a_small_tmpfs(tmp_path, config):
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "400k"):
        pytest.skip("cannot mount a tmpfs here (needs root and mount); the simulated full disk covers the logic")
    try:
        db = mnt / DB_FILENAME
        notices: list = []
        steps = list(synthetic_steps(reps=40, faults={3: ("hip_sag",)}))
        rec = SessionRecorder(db, config, notice=notices.append)
        sid = rec.start(SessionMeta(source="cam", mode="train"))
        for step, image in steps:
            rec.on_step(step, image)
        rec.finish(session_end(steps))
        outcome = rec.close()
        in_db = len(_stored(db, sid).reps)
        journal_reps = sum(1 for r in jr.read_journal(rec.journal_path) if r["k"] == "rep")
        print(f"\n400 KB tmpfs: {len(_sent(steps))} reps announced, {in_db} in the database, {journal_reps} in the "
              f"journal; outcome {outcome}")
        assert outcome == "journal" and in_db < 40
        assert journal_reps == 40
        assert any("full" in m for m in notices)
        subprocess.run(["mount", "-o", "remount,size=8m", str(mnt)], check=True)  # the user makes room
        with open_store(db) as store:
            import_pending(store)
        data = _stored(db, sid)
        assert [r.record for r in data.reps] == _sent(steps) and data.info.status == "finished"
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_once_the_journal_finds_the_disk_full_the_database_is_not_written_on(tmp_path, config):
    """The database grows much faster than the journal: written on after the journal's ballast was
    freed, it would take that room from the reps (on a 400 KB tmpfs it lost 31 of 40 reps 3 times
    in 8 runs before this)."""
    db = tmp_path / DB_FILENAME
    notices: list = []
    steps = list(synthetic_steps(reps=6, with_images=False))
    rec = SessionRecorder(db, config, save_frames="off", notice=notices.append)
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    half = len(steps) // 2
    for step, image in steps[:half]:
        rec.on_step(step, image)
    assert rec.wait_idle(10.0)
    in_db_before = len(_stored(db, sid).reps)
    rec.journal.disk_full = True  # as a write that hit ENOSPC sets it
    for step, image in steps[half:]:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    assert rec.close() == "journal"
    assert len(_stored(db, sid).reps) == in_db_before < 6
    assert sum(1 for r in jr.read_journal(rec.journal_path) if r["k"] == "rep") == 6
    assert any("the disk is full" in m for m in notices)


def _junk_over_the_middle(db: Path, size: int = 32 * 1024) -> None:
    data = bytearray(db.read_bytes())
    assert len(data) > 2 * size
    mid = len(data) // 2 - size // 2
    data[mid:mid + size] = os.urandom(size)
    db.write_bytes(bytes(data))


def _record(db, config, reps):
    steps = list(synthetic_steps(reps=reps))
    rec = SessionRecorder(db, config)
    sid = rec.start(SessionMeta(source="cam", mode="analyze"))
    for step, image in steps:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    return rec, sid, steps


def test_damaged_database_is_detected_moved_aside_and_a_new_one_started(tmp_path, config):
    db = tmp_path / DB_FILENAME
    for _ in range(3):
        rec, _sid, _steps = _record(db, config, reps=4)
        assert rec.close() == "database"
    assert check_database(db) == []
    _junk_over_the_middle(db)
    problems = check_database(db)
    assert len(problems) == 1 and "damaged" in problems[0] and "quick_check" in problems[0]

    notices: list = []
    steps = list(synthetic_steps(reps=3))
    rec = SessionRecorder(db, config, notice=notices.append)
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    for step, image in steps:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    assert rec.close() == "database"
    moved = sorted(p for p in tmp_path.glob(f"{DB_FILENAME}.damaged-*") if not p.name.endswith(("-wal", "-shm")))
    assert len(moved) == 1
    assert len(notices) == 1 and "damaged" in notices[0] and moved[0].name in notices[0]
    assert check_database(db) == []
    with SessionStore(db) as store:
        assert store.session_ids() == [sid] == [1]
    assert [r.record for r in _stored(db, sid).reps] == _sent(steps)


def test_newer_schema_is_a_problem_for_doctor(tmp_path):
    db = tmp_path / DB_FILENAME
    SessionStore(db).close()
    con = sqlite3.connect(str(db))
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    problems = check_database(db)
    assert len(problems) == 1 and "newer LiveCoach" in problems[0]
    assert check_database(tmp_path / "none.db") == []


def test_newer_schema_during_a_session_keeps_it_in_the_journal(tmp_path, config):
    db = tmp_path / DB_FILENAME
    SessionStore(db).close()
    con = sqlite3.connect(str(db))
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    notices: list = []
    steps = list(synthetic_steps(reps=2, with_images=False))
    rec = SessionRecorder(db, config, notice=notices.append)
    assert rec.start(SessionMeta(source="cam", mode="train")) is None
    for step, image in steps:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    assert rec.close() == "journal"
    assert len(notices) == 1 and "newer LiveCoach" in notices[0]


def test_nowhere_when_neither_database_nor_journal_can_be_written(tmp_path, config, monkeypatch):
    db = tmp_path / DB_FILENAME
    monkeypatch.setattr(SessionStore, "add_rep", _FullDisk(after=0)(SessionStore.add_rep))
    monkeypatch.setattr(jr.SessionJournal, "append",
                        lambda self, record: record["k"] in ("begin",) or self._fail(OSError(28, "No space left")))
    notices: list = []
    steps = list(synthetic_steps(reps=2, with_images=False))
    rec = SessionRecorder(db, config, notice=notices.append)
    rec.start(SessionMeta(source="cam", mode="train"))
    for step, image in steps:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    assert rec.close() == "nowhere" and not rec.stored_anywhere
    assert any("could not be stored" in m for m in notices)


def test_a_writer_crash_is_raised_on_the_callers_side(tmp_path, config, monkeypatch):
    def boom(*_a, **_k):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(SessionStore, "add_cue", boom)
    steps = list(synthetic_steps(reps=3, faults={1: ("hip_sag",)}, with_images=False))
    rec = SessionRecorder(tmp_path / DB_FILENAME, config)
    rec.start(SessionMeta(source="cam", mode="train"))
    with pytest.raises(StoreError, match="ZeroDivisionError: a bug"):
        for step, image in steps:
            rec.on_step(step, image)
            rec.wait_idle(2.0)
        rec.finish(session_end(steps))
        rec.close()


def test_journal_import_is_idempotent_and_skips_a_torn_last_line(tmp_path, config):
    db = tmp_path / DB_FILENAME
    steps = list(synthetic_steps(reps=4, with_images=False))
    rec = SessionRecorder(db, config)
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    for step, image in steps:
        rec.on_step(step, image)
    rec.wait_idle()
    journal = Path(rec.journal_path)
    copy = tmp_path / "copy.jsonl"
    shutil.copy(journal, copy)
    rec.finish(session_end(steps))
    rec.close()
    # As if the process had been killed while writing: a torn last line, the file left behind.
    shutil.copy(copy, journal)
    with open(journal, "ab") as fh:
        fh.write(b'{"k":"rep","seq":99,"rep":{"ind')
    with open_store(db) as store:
        results = import_pending(store)
    assert [(r.session_id, r.reps_added) for r in results] == [(sid, 0)]
    assert [r.record for r in _stored(db, sid).reps] == _sent(steps)


def test_a_session_kept_in_its_journal_still_gets_its_summary(tmp_path, config, monkeypatch):
    import io

    from livecoach.history.review import end_of_journaled_session

    db = tmp_path / DB_FILENAME
    monkeypatch.setattr(SessionStore, "add_rep", _FullDisk(after=1)(SessionStore.add_rep))
    steps = list(synthetic_steps(reps=4, faults={2: ("hip_sag",)}, no_reps=(3,)))
    rec = SessionRecorder(db, config, notice=lambda m: None)
    sid = rec.start(SessionMeta(source="cam", mode="train"))
    for step, image in steps:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    assert rec.close() == "journal"
    out = io.StringIO()
    data = end_of_journaled_session(rec.journal_path, config, stream=out)
    assert [r.record for r in data.reps] == _sent(steps) and data.info.id == sid
    assert data.info.status == "finished" and data.info.reps == 3 and data.info.no_reps == 1
    assert len(data.series) == len(steps) and len(data.cues) == 2
    text = out.getvalue()
    assert "Reps 3   No-reps 1" in text and "hip sag (1 of 4 judged cycles)" in text
    assert str(rec.journal_path) in text and "next time" in text


def test_a_line_torn_by_a_full_disk_does_not_swallow_the_next_one(tmp_path, monkeypatch):
    journal = jr.SessionJournal(tmp_path / "j.journal.jsonl", ballast_bytes=4096)
    assert journal.append({"k": "rep", "seq": 1})
    real_write = os.write
    calls = {"n": 0}

    def short_then_ok(fd, data):
        calls["n"] += 1
        if calls["n"] == 1:  # the disk is full half-way through the line
            return real_write(fd, data[: len(data) // 2])
        return real_write(fd, data)

    monkeypatch.setattr(jr.os, "write", short_then_ok)
    assert journal.append({"k": "rep", "seq": 2})  # freed the ballast, wrote the line again
    monkeypatch.setattr(jr.os, "write", real_write)
    assert journal.append({"k": "rep", "seq": 3})
    journal.close(delete=False)
    assert [r["seq"] for r in jr.read_journal(journal.path)] == [1, 2, 3]
