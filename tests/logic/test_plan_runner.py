"""The plan runner on synthetic frame streams: the spoken script, line by line, with frame time only."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import pytest

from livecoach.config.plans import load_plans
from livecoach.logic.plans import (Advice, PersonState, PlanDone, PlanInput, PlanPaused, PlanResumed, PlanRunner,
                                   RepOutcome, Rest, RunnerState, SetEnd, SetStart, person_state)
from livecoach.types import CueEvent, Features

IN, FLOOR, STAND, AWAY = (PersonState.IN_POSITION, PersonState.ON_FLOOR, PersonState.STANDING,
                          PersonState.OUT_OF_VIEW)
FPS = 10.0

CLEAN = RepOutcome(full=True, exercise="standard")
SAG = RepOutcome(full=True, exercise="standard", faults=("hip_sag",))
NO_REP = RepOutcome(full=False, exercise="standard", faults=("shallow",))

TWO_STEP_PLAN = """
name = "two_step"
title = "Two steps"
description = "A short plan for tests."
adapt = {adapt}

[[blocks]]
name = "main"
rounds = 1
rest_s = 20.0
sets = 2

  [[blocks.entries]]
  exercise = "standard"
  target_min = 3
  target_max = 5

  [[blocks.entries]]
  exercise = "wide"
  sets = 1
  target_min = 2
  target_max = 3
"""


class Driver:
    """Feeds the runner frames at ``FPS``; keeps every event and the spoken lines with their times."""

    def __init__(self, runner: PlanRunner) -> None:
        self.runner = runner
        self.t = 0.0
        self.events: List = []

    def run(self, seconds: float, person: PersonState = IN, reps: Sequence[Tuple[float, RepOutcome]] = (),
            hold: Optional[Sequence[float]] = None) -> None:
        """``seconds`` of frames; ``reps``: (offset in s, outcome) pairs; ``hold``: per-frame hold seconds."""
        n = int(round(seconds * FPS))
        pending = sorted(reps, key=lambda r: r[0])
        start = self.t
        for k in range(n):
            now = round(start + k / FPS, 6)
            due = tuple(o for off, o in pending if start + off <= now + 1e-9)
            pending = [(off, o) for off, o in pending if start + off > now + 1e-9]
            self.events += self.runner.update(PlanInput(t_s=now, person=person, reps=due,
                                                        hold_seconds=None if hold is None else hold[k]))
        self.t = round(start + n / FPS, 6)
        assert not pending, f"reps scheduled after the end of the run: {pending}"

    def reps(self, outcomes: Sequence[RepOutcome], every_s: float = 2.0) -> None:
        """One rep per ``every_s`` in position."""
        self.run(every_s * len(outcomes) + 0.15, IN, [(every_s * (i + 1), o) for i, o in enumerate(outcomes)])

    def key(self, name: str) -> None:
        self.events += getattr(self.runner, name)(self.t)

    def said(self) -> List[str]:
        return [e.cue.text for e in self.events if isinstance(e, CueEvent)]

    def of_type(self, cls: type) -> list:
        return [e for e in self.events if isinstance(e, cls)]


@pytest.fixture
def library(tmp_path: Path):
    def make(adapt: bool = False, clean_sessions=None) -> Tuple[PlanRunner, Driver]:
        folder = tmp_path / ("adapt" if adapt else "plain")
        folder.mkdir(exist_ok=True)
        (folder / "two_step.toml").write_text(TWO_STEP_PLAN.format(adapt=str(adapt).lower()))
        lib = load_plans(user_dir=folder)
        runner = PlanRunner(lib.get("two_step"), lib.rules, clean_sessions=clean_sessions)
        return runner, Driver(runner)
    return make


def test_a_plan_runs_end_to_end_and_the_spoken_script_is_exact(library):
    runner, d = library()
    d.run(1.0, FLOOR)                      # set 1 is called; the person is still getting down
    d.reps([CLEAN] * 5)                    # 5 clean reps: the set ends at target_max
    d.run(20.5, FLOOR)                     # the rest, counted down; set 2 is called
    d.run(0.5, IN)
    d.reps([SAG, SAG, NO_REP, SAG])        # form breaks: 3 sagging reps and a no-rep, then he stands up
    d.run(2.5, STAND)
    d.run(20.5, STAND)                     # rest, then the wide set is called
    d.reps([RepOutcome(True, "wide")] * 3, every_s=2.5)
    d.run(10.0, FLOOR)                     # the last lines are said
    assert d.said() == [
        "Set 1 of 2: standard push-ups, 3 to 5 reps",
        "Two more",
        "One more",
        "That's 3. Up to 5 if your form holds",
        "Set done: 5 reps",
        "Rest 20 seconds",
        "Next: standard push-ups",
        "3", "2", "1",
        "Set 2 of 2: standard push-ups, 3 to 5 reps",
        "Two more",
        "One more",
        "That's 3. Up to 5 if your form holds",
        "Set done: 3 reps",
        "Rest 20 seconds",
        "Your form broke down. Try incline push-ups instead of standard push-ups",
        "Next: wide push-ups",
        "3", "2", "1",
        "Set 1 of 1: wide push-ups, 2 to 3 reps",
        "One more",
        "That's 2. Up to 3 if your form holds",
        "Set done: 3 reps",
        "Workout done: 3 sets, 11 reps",
    ]
    starts = d.of_type(SetStart)
    assert [(s.exercise, s.set, s.of, s.target_min, s.target_max) for s in starts] == [
        ("standard", 1, 2, 3, 5), ("standard", 2, 2, 3, 5), ("wide", 1, 1, 2, 3)]
    assert starts[0].t_s == pytest.approx(1.0)  # the set starts when the person is in position
    ends = d.of_type(SetEnd)
    assert [(e.reps, e.no_reps, e.reason) for e in ends] == [(5, 0, "target"), (3, 1, "stood_up"), (3, 0, "target")]
    assert [r.seconds for r in d.of_type(Rest)] == [20.0, 20.0]
    assert [(a.kind, a.from_exercise, a.to_exercise, a.reason) for a in d.of_type(Advice)] == [
        ("regress", "standard", "incline", "form")]
    assert d.of_type(PlanDone)[0].reps == 11
    assert runner.state == RunnerState.DONE
    assert [r.bad_cycles for r in runner.results] == [0, 4, 0]
    assert runner.results[1].rest_before_s == pytest.approx(runner.results[1].t_start_s - runner.results[0].t_end_s)
    assert runner.results[0].rest_before_s is None


def test_event_dicts_carry_the_issue_fields(library):
    _, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN] * 5)
    start, end, rest = d.of_type(SetStart)[0], d.of_type(SetEnd)[0], d.of_type(Rest)[0]
    assert {"type", "plan", "set", "of", "exercise", "target_min", "target_max"} <= set(start.to_dict())
    assert end.to_dict()["reps"] == 5 and end.to_dict()["reason"] == "target"
    assert rest.to_dict()["seconds"] == 20.0
    advice = Advice(t_s=1.0, kind="regress", from_exercise="standard", to_exercise="knee").to_dict()
    assert (advice["kind"], advice["from"], advice["to"]) == ("regress", "standard", "knee")


def test_adapt_moves_the_remaining_sets_to_the_easier_variant(library):
    runner, d = library(adapt=True)
    d.run(0.5, IN)
    d.reps([SAG, SAG, SAG])
    d.run(42.0, FLOOR)  # rests on the floor without a rep: the set ends, then the rest runs out
    assert d.of_type(SetEnd)[0].reason == "rested_too_long"
    assert runner.sets[1].exercise == "incline" and runner.sets[2].exercise == "wide"
    assert "Next: incline push-ups" in d.said()
    assert d.said()[-1] == "Set 2 of 2: incline push-ups, 3 to 5 reps"


def test_missing_the_target_widely_regresses_even_with_clean_reps(library):
    _, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN])  # 1 of a 3-5 target, under 60 % of 3
    d.run(8.0, STAND)
    assert [(a.kind, a.to_exercise, a.reason) for a in d.of_type(Advice)] == [("regress", "incline", "missed_target")]
    assert "That was a hard set. Try incline push-ups instead of standard push-ups" in d.said()


def test_progress_after_two_clean_sessions_at_the_top(library):
    runner, d = library(clean_sessions={"standard": 1})
    d.run(0.5, IN)
    d.reps([CLEAN] * 5)
    d.run(20.5, FLOOR)
    d.reps([CLEAN] * 5)
    d.run(10.0, FLOOR)
    advice = d.of_type(Advice)
    assert [(a.kind, a.from_exercise, a.to_exercise) for a in advice] == [("progress", "standard", "decline")]
    assert "Clean sets at the top of the range. Next time, try decline push-ups" in d.said()
    assert runner.clean_exercises() == ("standard",)


def test_one_clean_session_is_not_enough_to_progress(library):
    runner, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN] * 5)
    d.run(20.5, FLOOR)
    d.reps([CLEAN] * 5)
    assert d.of_type(Advice) == []
    assert runner.clean_exercises() == ("standard",)


def test_wrong_exercise_is_said_once_per_set_after_two_reps(library):
    _, d = library()
    d.run(0.5, IN)
    wide = RepOutcome(True, "wide")
    d.reps([wide, CLEAN, wide, wide, wide])
    assert d.said().count("This set is standard push-ups") == 1
    # a candidate the view cannot tell apart is not "wrong"
    _, d2 = library()
    d2.run(0.5, IN)
    d2.reps([RepOutcome(True, "wide", candidates=("standard", "wide"))] * 4)
    assert "This set is standard push-ups" not in d2.said()


def test_a_wrong_exercise_line_still_waiting_when_the_set_ends_is_not_said(library):
    # Quick reps: the set's announcement is still being said when the set ends at its target.
    _, d = library()
    d.run(0.5, IN)
    d.reps([RepOutcome(True, "wide")] * 5, every_s=0.3)
    assert [e.reason for e in d.of_type(SetEnd)] == ["target"]
    d.run(25.0, FLOOR)
    assert "This set is standard push-ups" not in d.said()
    assert "Set done: 5 reps" in d.said()


def test_keys_next_back_and_pause(library):
    runner, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN])
    d.key("next_set")  # skip the rest of set 1: no rest, set 2 called
    assert d.of_type(SetEnd)[-1].reason == "skipped"
    assert runner.index == 1 and d.of_type(Rest) == []
    d.run(2.0, FLOOR)  # the line under way ends, then the call is said
    assert d.said()[-1] == "Set 2 of 2: standard push-ups, 3 to 5 reps"
    d.key("back")
    assert runner.index == 0
    d.run(4.0, FLOOR)
    assert d.said()[-1] == "Set 1 of 2: standard push-ups, 3 to 5 reps"
    d.run(0.5, IN)
    d.reps([CLEAN] * 5)  # rest of 20 s starts
    d.key("toggle_pause")
    d.run(30.0, FLOOR)  # paused: the rest does not run out
    assert runner.state == RunnerState.REST and "3" not in d.said()
    d.key("toggle_pause")
    assert [type(e) for e in d.events if isinstance(e, (PlanPaused, PlanResumed))] == [PlanPaused, PlanResumed]
    d.run(20.5, FLOOR)
    assert d.said()[-4:] == ["3", "2", "1", "Set 2 of 2: standard push-ups, 3 to 5 reps"]
    d.key("next_set")
    d.key("next_set")  # ends the plan
    assert runner.state == RunnerState.DONE


def test_auto_pause_when_away_during_a_rest_and_resume_on_return(library):
    runner, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN] * 5)
    d.run(3.0, AWAY)  # leaves during the rest: paused after 2 s
    assert d.of_type(PlanPaused)[0].reason == "away"
    left = runner.status().rest_left_s
    d.run(60.0, AWAY)
    assert runner.status().rest_left_s == pytest.approx(left)
    d.run(2.0, FLOOR)
    assert d.of_type(PlanResumed) and d.said()[-1] == "Let's go on"
    d.run(left - 2.0 + 0.2 + 1.0, FLOOR)
    assert d.said()[-1] == "Set 2 of 2: standard push-ups, 3 to 5 reps"


def test_a_hold_set_ends_at_its_target_seconds():
    lib = load_plans()
    runner = PlanRunner(lib.get("activation"), lib.rules)
    d = Driver(runner)
    d.run(1.0, FLOOR)
    d.run(31.0, IN, hold=[k / FPS for k in range(310)])
    d.run(4.0, FLOOR)
    assert d.said()[:4] == ["Round 1 of 2: scapular wall hold, hold 20 to 30 seconds",
                            "That's 20. Up to 30 if your form holds", "Held 30 seconds", "Rest 30 seconds"]
    end = d.of_type(SetEnd)[0]
    assert (end.exercise, end.reason, end.hold_s) == ("scapular_wall_hold", "target", pytest.approx(30.0))
    assert d.of_type(Advice) == []  # holds are not judged by the rep rule


def test_back_focused_plan_starts_with_the_warm_up_then_the_main_sets():
    lib = load_plans()
    plan = lib.get("back_focused")
    seq = [(s.block, s.exercise, s.target_min, s.target_max) for s in plan.sets()]
    assert seq[:4] == [("warm-up", "plank", 20, 30), ("warm-up", "scapular", 10, 15)] * 2
    main = ["standard", "wide", "diamond", "decline", "scapular"]
    assert [s[1] for s in seq[4:]] == [name for name in main for _ in range(3)]
    assert seq[7][2:] == (8, 12) and seq[-1][2:] == (15, 20)
    runner = PlanRunner(plan, lib.rules)
    d = Driver(runner)
    d.run(0.2, FLOOR)
    assert d.said() == ["Round 1 of 2: plank, hold 20 to 30 seconds"]


def test_frames_must_not_go_back_in_time(library):
    runner, _ = library()
    runner.update(PlanInput(1.0, IN))
    with pytest.raises(ValueError):
        runner.update(PlanInput(0.5, IN))


def test_person_state_from_features():
    flat = Features(t_s=0.0, frame_index=0, body_angle_deg=10.0)
    upright = Features(t_s=0.0, frame_index=0, body_angle_deg=80.0)
    assert person_state(None, False, 60.0) == AWAY
    assert person_state(flat, True, 60.0) == IN
    assert person_state(flat, False, 60.0) == FLOOR
    assert person_state(upright, False, 60.0) == STAND
    # the feet above the shoulders: a plank filmed head-on from a raised camera, never standing
    head_on_from_above = Features(t_s=0.0, frame_index=0, body_angle_deg=70.0, body_rise_deg=-70.0)
    assert person_state(head_on_from_above, True, 60.0) == IN
    assert person_state(Features(t_s=0.0, frame_index=0, body_angle_deg=70.0, body_rise_deg=70.0), True, 60.0) == STAND


def test_walking_off_through_a_floor_frame_still_ends_the_set(library):
    _, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN] * 4)
    d.run(0.8, STAND)
    d.run(0.3, FLOOR)  # read as on the floor for a moment on the way out
    d.run(1.0, AWAY)
    ends = d.of_type(SetEnd)
    assert [(e.reps, e.reason) for e in ends] == [(4, "stood_up")]
    assert ends[0].t_s == pytest.approx(d.t - 1.0 + 0.9, abs=0.11)  # 2 s after he stood up


def test_kneeling_down_for_a_while_undoes_a_stand_up(library):
    _, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN] * 2)
    d.run(1.5, STAND)
    d.run(1.5, FLOOR)  # kneels down again: longer than floor_resets_after_s
    d.run(1.5, STAND)
    assert d.of_type(SetEnd) == []
    d.run(0.7, STAND)  # 2 s standing since he got up again
    assert [e.reason for e in d.of_type(SetEnd)] == ["stood_up"]


def test_a_called_set_waits_for_the_person_without_pausing(library):
    runner, d = library()
    d.run(30.0, AWAY)  # nobody there yet: the set is called and waits, silently
    assert d.said() == ["Set 1 of 2: standard push-ups, 3 to 5 reps"]
    assert runner.state == RunnerState.CALLED and not runner.paused
    d.run(0.5, IN)
    assert d.of_type(SetStart)[0].t_s == pytest.approx(30.0)


@pytest.mark.parametrize("name", ["back_focused", "floor_progression", "activation"])
def test_each_shipped_plan_runs_to_the_end(name):
    lib = load_plans()
    runner = PlanRunner(lib.get(name), lib.rules)
    d = Driver(runner)
    d.run(0.5, FLOOR)
    guard = 0
    while runner.state != RunnerState.DONE and guard < 100:
        guard += 1
        cur = runner.current
        assert cur is not None and runner.state == RunnerState.CALLED
        if cur.is_hold:
            d.run(cur.target_max + 0.5, IN, hold=[k / FPS for k in range(int((cur.target_max + 0.5) * FPS))])
        else:
            d.reps([RepOutcome(True, cur.exercise)] * cur.target_max, every_s=1.5)
        if runner.state == RunnerState.REST:
            status = runner.status()
            assert status.rest_left_s == pytest.approx(cur.rest_s, abs=0.6)
            assert status.exercise == runner.sets[status.index].exercise
            d.run(cur.rest_s + 0.2, FLOOR)
    d.run(10.0, FLOOR)
    n = len(runner.sets)
    assert [e.reason for e in d.of_type(SetEnd)] == ["target"] * n
    assert len(d.of_type(Rest)) == n - 1 and len(d.of_type(SetStart)) == n
    assert d.of_type(Advice) == []  # clean sets, first session: nothing to suggest
    assert d.said()[-1].startswith(f"Workout done: {n} sets")


def test_a_hold_dropped_to_the_floor_ends_after_the_rest_limit():
    lib = load_plans()
    runner = PlanRunner(lib.get("activation"), lib.rules)
    d = Driver(runner)
    d.run(12.0, IN, hold=[k / FPS for k in range(120)])  # 12 s held
    d.run(lib.rules.timing.rested_too_long_s + 0.5, FLOOR, hold=[12.0] * 205)
    end = d.of_type(SetEnd)[0]
    assert (end.reason, end.hold_s) == ("rested_too_long", pytest.approx(12.0))
    assert "Held 12 seconds" in d.said()


def test_reps_filed_at_the_session_end_count_only_in_a_set_under_way(library):
    runner, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN] * 2)
    d.events += runner.finish(d.t, late_reps=(NO_REP,))
    assert [(e.reason, e.reps, e.no_reps) for e in d.of_type(SetEnd)] == [("session_end", 2, 1)]
    assert runner.state == RunnerState.DONE
    # during a rest there is no set to put them in: the finished set keeps its tally
    runner, d = library()
    d.run(0.5, IN)
    d.reps([CLEAN] * 5)
    assert runner.state == RunnerState.REST
    d.events += runner.finish(d.t, late_reps=(NO_REP,))
    assert [(e.reason, e.reps, e.no_reps) for e in d.of_type(SetEnd)] == [("target", 5, 0)]
