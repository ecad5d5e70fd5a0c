"""A plan session in the history, end to end through the CLI on a replayed recording of a real
clip (tayyab__pushup.mp4: nine clean reps 0.6-25.1 s, he stands 25.2-28.7 s, then five reps with
sagging hips): its sets are stored, shown in the summary and the report, counted in `livecoach
history`, and the second session's progress rule reads the first one's clean set from the history.
The plan driver's recogniser input and what it hands to the recorder are tested with fakes.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest

from livecoach.config.plans import load_plans
from livecoach.config.schema import load_config
from livecoach.history.schema import StoreError
from livecoach.logic.plans import SetResult
from livecoach.session.plan_driver import PlanDriver, recognised_exercise
from livecoach.types import CueEvent, LogicStep, Phase, RepEvent, RepRecord

from conftest import FIXTURES, REPO_ROOT

RECORDING = FIXTURES / "landmarks" / "tayyab__pushup.mp4.jsonl.gz"

PLAN = """
name = "progress_check"
title = "Progress check"
description = "Standard push-ups 5-6, then decline push-ups 4-5."
adapt = false

[[blocks]]
name = "main"
rounds = 1
rest_s = 2.0
sets = 1

  [[blocks.entries]]
  exercise = "standard"
  target_min = 5
  target_max = 6

  [[blocks.entries]]
  exercise = "decline"
  target_min = 4
  target_max = 5
"""


def _livecoach(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, "-m", "livecoach", *args], cwd=str(REPO_ROOT), env=env,
                          capture_output=True, text=True, timeout=300)


def _events(path: Path, kind: str) -> List[dict]:
    return [e for e in map(json.loads, path.read_text().splitlines()) if e["type"] == kind]


@pytest.fixture(scope="module")
def two_sessions(tmp_path_factory):
    """The plan replayed twice into one history."""
    root = tmp_path_factory.mktemp("plan-history")
    (root / "plans").mkdir()
    (root / "plans" / "progress_check.toml").write_text(PLAN)
    runs = []
    for i in (1, 2):
        events = root / f"events{i}.jsonl"
        run = _livecoach("replay", str(RECORDING), "--save", "--data-dir", str(root / "data"), "--plan",
                         "progress_check", "--plans-dir", str(root / "plans"), "--no-voice", "--quiet",
                         "--events", str(events))
        assert run.returncode == 0, run.stderr
        runs.append((run, events))
    return root, runs


def test_sets_are_stored_with_their_targets_reps_rest_and_end_reason(two_sessions):
    root, _runs = two_sessions
    con = sqlite3.connect(str(root / "data" / "livecoach.db"))
    rows = con.execute("SELECT session_id, seq, plan, set_no, set_of, exercise, target_min, target_max, reps,"
                       " no_reps, bad_cycles, reason, round(rest_before_s, 1), advice, advice_to FROM sets"
                       " ORDER BY session_id, seq").fetchall()
    con.close()
    first = [(1, 1, "progress_check", 1, 1, "standard", 5, 6, 6, 0, 0, "target", None, None, None),
             # He stands up after rep 9 (25.2 s): the set ends as stood_up, 3 of 4-5; the rest was 2 s.
             (1, 2, "progress_check", 1, 1, "decline", 4, 5, 3, 0, 0, "stood_up", 2.0, None, None)]
    assert rows[:2] == first
    # The second session: the same sets, and the progress advice after the clean standard set.
    assert rows[2:] == [(2,) + r[1:13] + ("progress", "decline") if r[5] == "standard" else (2,) + r[1:]
                        for r in first]


def test_the_second_session_progresses_from_the_history(two_sessions):
    _root, runs = two_sessions
    (run1, events1), (run2, events2) = runs
    # One clean session at the top of the range is not enough (progress_after_sessions = 2)...
    assert _events(events1, "advice") == []
    # ...the first one read from the history makes two.
    advice = _events(events2, "advice")
    assert [(a["kind"], a["from"], a["to"], a["reason"]) for a in advice] == [
        ("progress", "standard", "decline", "clean_at_top")]
    said = [e["text"] for e in _events(events2, "cue")]
    assert "Clean sets at the top of the range. Next time, try decline push-ups" in said
    assert "progress: decline" in run2.stdout


def test_the_recognised_exercise_reaches_the_plan(two_sessions):
    _root, runs = two_sessions
    (_run1, events1), _ = runs
    # The decline set is done as standard push-ups (the recogniser says so): said once.
    said = [e["text"] for e in _events(events1, "cue")]
    assert said.count("This set is decline push-ups") == 1
    assert "This set is standard push-ups" not in said


def test_summary_report_and_history_show_the_sets(two_sessions):
    root, runs = two_sessions
    run1, _ = runs[0]
    lines = run1.stdout.splitlines()
    head = lines.index(next(line for line in lines if line.strip().startswith("Plan progress_check")))
    assert lines[head].split() == ["Plan", "progress_check", "·", "2", "sets"]
    assert lines[head + 2].split() == ["main", "1/1", "standard", "5-6", "6", "reps", "—", "target"]
    assert lines[head + 3].split() == ["main", "1/1", "decline", "4-5", "3", "reps", "0:02", "stood", "up"]
    report = Path(re.search(r"Report: (\S+)", run1.stdout).group(1))
    page = report.read_text(encoding="utf-8")
    assert "<h2>Sets</h2>" in page and "Plan progress_check: 2 sets" in page
    assert "<td>main 1/1</td><td>decline</td><td class=\"num\">4-5</td><td class=\"num\">3 reps</td>" in page

    history = _livecoach("history", "--data-dir", str(root / "data"))
    assert history.returncode == 0, history.stderr
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in history.stdout.splitlines()
            if line.strip().startswith(("standard ", "decline "))}
    week = next(k[1] for k in rows)
    # Volume: every counted rep of both sessions, filed under the exercise recognised (standard);
    # best set: the most reps in one plan set of each exercise.
    assert rows[("standard", week)] == ["2", "2", "28", "6", "reps"]
    assert rows[("decline", week)] == ["2", "2", "0", "3", "reps"]
    page = (root / "data" / "reports" / "history.html").read_text(encoding="utf-8")
    assert "By exercise" in page


# --------------------------------------------------------------------------- the driver, with fakes

class FakeRecorder:
    def __init__(self, fail_after: int = 99) -> None:
        self.sets: List[Any] = []
        self.cues: List[str] = []
        self.fail_after = fail_after

    def record_set(self, result: SetResult, advice: Any = None) -> None:
        if len(self.sets) >= self.fail_after:
            raise StoreError("the history writer failed: boom")
        self.sets.append((result, advice))

    def record_cue(self, cue: Any) -> None:
        self.cues.append(cue.text)


class _Recognition:
    def __init__(self, exercise, kind="reps", cannot_tell=()):
        self.exercise, self.kind, self.cannot_tell = exercise, kind, cannot_tell


class _Analyzer:
    def __init__(self, recognition, forced=None):
        self.recognition, self.forced_exercise = recognition, forced


def test_recognised_exercise_is_the_settled_rep_exercise_only():
    assert recognised_exercise(_Analyzer(_Recognition("wide", cannot_tell=("standard",)))) == ("wide", ("standard",))
    assert recognised_exercise(_Analyzer(_Recognition(None))) == (None, ())
    assert recognised_exercise(_Analyzer(_Recognition("plank", kind="hold"))) == (None, ())
    assert recognised_exercise(_Analyzer(_Recognition("wide"), forced="wide")) == (None, ())  # --exercise: not recognised
    assert recognised_exercise(_Analyzer(None)) == (None, ())


def _driver(tmp_path: Path) -> PlanDriver:
    (tmp_path / "progress_check.toml").write_text(PLAN)
    library = load_plans(user_dir=tmp_path)
    return PlanDriver(library.get("progress_check"), library, load_config())


def _rep_step(t: float, index: int) -> LogicStep:
    record = RepRecord(index=index, full=True, t_start_s=t - 1.0, t_bottom_s=t - 0.5, t_end_s=t, depth_frac=1.0,
                       min_elbow_angle_deg=80.0, seconds_down=0.5, seconds_up=0.5)
    return LogicStep(t_s=t, frame_index=int(t * 30), pose=None, features=None, phase=Phase.TOP, reps=index,
                     no_reps=0, events=(RepEvent(record),))


def test_the_driver_hands_each_set_once_with_its_advice_and_its_lines(tmp_path):
    driver = _driver(tmp_path)
    recorder = FakeRecorder(fail_after=1)
    assert driver.attach_history(recorder, tmp_path / "no-history.db") == {}  # no history yet: nothing clean
    driver.runner.clean_sessions = {"standard": 1}  # as if the history had one clean session
    for i in range(1, 7):  # six clean reps (no features: seen as away, so quick ones): the top of 5-6
        driver.on_step(_rep_step(1.0 + 0.3 * i, i), exercise="standard")
    assert [(r.exercise, r.reps, r.reason) for r, _a in recorder.sets] == [("standard", 6, "target")]
    advice = recorder.sets[0][1]
    assert (advice.kind, advice.from_exercise, advice.to_exercise) == ("progress", "standard", "decline")
    assert "Set 1 of 1: standard push-ups, 5 to 6 reps" in recorder.cues  # the plan's lines are kept too
    # The next set ends; the recorder's writer has died meanwhile: the plan goes on without the history.
    driver.on_step(dataclasses.replace(_rep_step(19.0, 6), events=()))  # the rest is over: set 2 is called
    for i in range(1, 6):
        driver.on_step(_rep_step(20.0 + 0.3 * i, 6 + i), exercise="standard")
    assert [r.reason for r in driver.runner.results] == ["target", "target"]
    assert len(recorder.sets) == 1 and driver.finish(30.0)  # "Workout done" is still said


def test_no_history_means_no_progress_input(tmp_path):
    driver = _driver(tmp_path)
    assert driver.attach_history(None, None) == {} and driver.runner.clean_sessions == {}
    events = driver.on_key("next set", 1.0)
    assert any(isinstance(e, CueEvent) for e in events)


PLANK_PLAN = """
name = "plank_only"
title = "Plank"
description = "One plank hold."
adapt = false

[[blocks]]
name = "core"
rounds = 1
rest_s = 10.0
sets = 1

  [[blocks.entries]]
  exercise = "plank"
  target_min = 10
  target_max = 20
"""


def test_a_plan_session_of_holds_only_is_kept_for_its_sets(tmp_path):
    # No rep cycle at all (a forearm plank, variants__fitnease__plank): before sets were stored such a
    # session was dropped from the history as "nothing happened"; its set is something.
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "plank_only.toml").write_text(PLANK_PLAN)
    run = _livecoach("replay", str(FIXTURES / "landmarks" / "variants__fitnease__plank.jsonl.gz"), "--save",
                     "--data-dir", str(tmp_path / "data"), "--plan", "plank_only", "--plans-dir",
                     str(tmp_path / "plans"), "--no-voice", "--quiet", "--no-report")
    assert run.returncode == 0, run.stderr
    assert "Nothing was added to the history" not in run.stdout
    con = sqlite3.connect(str(tmp_path / "data" / "livecoach.db"))
    rows = con.execute("SELECT exercise, unit, target_min, target_max, reason FROM sets").fetchall()
    con.close()
    assert rows == [("plank", "seconds", 10, 20, "session_end")]
