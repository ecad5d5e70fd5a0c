"""A session killed with SIGKILL mid-set keeps every rep completed before the kill, and
``summary last`` still renders it (as an interrupted session)."""
from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from livecoach.cli import history_commands
from livecoach.history.recovery import check_database, import_pending, open_store
from livecoach.history.store import DB_FILENAME, SessionStore
from livecoach.types import RepEvent

from helpers import synthetic_steps

REPO = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import sys, time
    from livecoach.config.schema import load_config
    from livecoach.history.recorder import SessionMeta, SessionRecorder
    from livecoach.types import RepEvent
    from helpers import synthetic_steps

    db = sys.argv[1]
    config = load_config()
    recorder = SessionRecorder(db, config, save_frames="bottom")
    recorder.start(SessionMeta(source="synthetic camera", mode="train", app_version="test"))
    steps = synthetic_steps(reps=40, faults={2: ("hip_sag",), 3: ("hip_sag",), 5: ("elbow_flare",)}, no_reps=(4,))
    for step, image in steps:
        recorder.on_step(step, image)
        for event in step.events:
            if isinstance(event, RepEvent):
                # Printed only after on_step returned, i.e. after the commit.
                print("committed", event.record.full, event.record.index, flush=True)
        time.sleep(0.004)  # a live camera: the set goes on until the kill
    print("finished", flush=True)
""")


def _reps_in(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)
        try:
            return int(con.execute("SELECT COUNT(*) FROM reps").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0  # schema not created yet


@pytest.mark.skipif(sys.platform.startswith("win"), reason="SIGKILL is POSIX")
def test_sigkill_mid_set_keeps_completed_reps_and_summary_renders(tmp_path, capsys):
    db = tmp_path / DB_FILENAME
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS)]))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], cwd=str(REPO), env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wanted = 6
    try:
        deadline = time.monotonic() + 60
        while _reps_in(db) < wanted:
            assert child.poll() is None, f"child ended early: {child.stderr.read()}"
            assert time.monotonic() < deadline, "the child never committed enough reps"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    out = child.stdout.read()
    assert child.returncode == -signal.SIGKILL
    assert "finished" not in out
    committed = [line.split()[1:] for line in out.splitlines() if line.startswith("committed")]
    assert len(committed) >= wanted - 1  # the print may lag the commit by one rep

    # Every rep the child saw committed is in the database, exactly as it was sent.
    expected = [e.record for s, _ in synthetic_steps(reps=40, faults={2: ("hip_sag",), 3: ("hip_sag",),
                                                                      5: ("elbow_flare",)}, no_reps=(4,),
                                                     with_images=False)
                for e in s.events if isinstance(e, RepEvent)]
    # The next start adds what the writer thread had not committed yet from the journal.
    assert check_database(db) == []
    with open_store(db) as store:
        import_pending(store)
    with SessionStore(db) as store:
        data = store.load_session(store.resolve("last"))
    stored = [r.record for r in data.reps]
    assert len(stored) >= len(committed)
    assert stored == expected[:len(stored)]
    assert sum(1 for r in data.reps if r.bottom_jpeg) >= len(data.reps) - 1  # the last one may have been in flight
    assert data.info.status == "interrupted" and data.info.ended_at is None
    assert data.info.reps == sum(1 for r in stored if r.full)
    assert len(data.series) > 0

    # `summary last` renders the interrupted session: terminal summary and HTML report.
    parser = argparse.ArgumentParser(prog="livecoach")
    history_commands.register(parser.add_subparsers())
    report = tmp_path / "report.html"
    args = parser.parse_args(["summary", "last", "--data-dir", str(tmp_path), "--out", str(report)])
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    assert "interrupted" in printed
    assert f"Reps {data.info.reps}" in printed
    page = report.read_text(encoding="utf-8")
    assert "ended without saying goodbye" in page and page.count("<svg") >= 4


ANNOUNCING_CHILD = textwrap.dedent("""
    import sys, time
    from livecoach.config.schema import load_config
    from livecoach.history.recorder import SessionMeta, SessionRecorder
    from livecoach.types import RepEvent
    from helpers import synthetic_steps

    config = load_config()
    recorder = SessionRecorder(sys.argv[1], config, save_frames="bottom")
    recorder.start(SessionMeta(source="synthetic camera", mode="train", app_version="test"))
    print("started", flush=True)
    for step, image in synthetic_steps(reps=40, faults={2: ("hip_sag",), 5: ("elbow_flare",)}, no_reps=(4,)):
        recorder.on_step(step, image)
        for event in step.events:
            if isinstance(event, RepEvent):  # what the coach says out loud at this moment
                print("announced", event.record.full, event.record.index, flush=True)
        time.sleep(0.004)
    print("finished", flush=True)
""")


@pytest.mark.skipif(sys.platform.startswith("win"), reason="SIGKILL is POSIX")
def test_sigkill_at_random_points_keeps_every_announced_rep(tmp_path):
    """Killed at random moments (loop): the database always opens and passes quick_check, and
    after the next start's import it holds every rep announced before the kill."""
    rng = random.Random(12)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS)]))
    expected = [e.record for s, _ in synthetic_steps(reps=40, faults={2: ("hip_sag",), 5: ("elbow_flare",)},
                                                     no_reps=(4,), with_images=False)
                for e in s.events if isinstance(e, RepEvent)]
    figures = []
    for attempt in range(6):
        folder = tmp_path / f"run{attempt}"
        folder.mkdir()
        db = folder / DB_FILENAME
        child = subprocess.Popen([sys.executable, "-c", ANNOUNCING_CHILD, str(db)], cwd=str(REPO), env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "started", child.stderr.read()
            time.sleep(rng.uniform(0.0, 4.0))
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        announced = [line for line in child.stdout.read().splitlines() if line.startswith("announced")]
        assert check_database(db) == []  # readable, whatever the moment of the kill
        with SessionStore(db) as store:
            before = len(store.load_session(store.resolve("last")).reps) if store.session_ids() else 0
        with open_store(db) as store:
            import_pending(store)
            data = store.load_session(store.resolve("last"))
        stored = [r.record for r in data.reps]
        figures.append((len(announced), before, len(stored)))
        assert len(stored) >= len(announced)
        assert stored == expected[:len(stored)]
        assert data.info.status == "interrupted"
        assert not list(folder.glob("*.journal.jsonl"))  # imported, then removed
    print("\nSIGKILL runs (announced, in the database at the kill, after the next start):", figures)
