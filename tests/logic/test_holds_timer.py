"""HoldTimer frame by frame: good-form seconds, breaks and restores, ticks, target, gaps, fixtures."""
from __future__ import annotations

import dataclasses
from typing import List, Optional

import pytest

from conftest import FIXTURES
from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.logic.exercises import ExerciseRecognizer
from livecoach.logic.posture import measure_posture
from livecoach.logic.holds import HoldStep, HoldTimer, HoldTimers
from test_exercise_poses import CFG, FOREARM_PLANK, KNEE_TOP, LIB, STANDARD_TOP, STANDARD_BOTTOM, make_pose

FPS = 30.0
DT = 1.0 / FPS
PLANK = measure_posture(make_pose(STANDARD_TOP), CFG)
SAGGING = dataclasses.replace(PLANK, hip_offset_feet_frac=0.12)
PIKED = dataclasses.replace(PLANK, hip_offset_feet_frac=-0.12)
BENT_ARMS = measure_posture(make_pose(STANDARD_BOTTOM), CFG)
TEXTS = dict(load_config().cues.texts)


def feed(timer: HoldTimer, posture, t0: float, seconds: float) -> List[HoldStep]:
    n = int(round(seconds * FPS))
    return [timer.update(t0 + i * DT, posture) for i in range(n)]


def events(steps, kind: Optional[str] = None):
    return [e for s in steps for e in s.events if kind is None or e.kind == kind]


def test_a_hold_whose_form_breaks_and_recovers():
    timer = HoldTimer(LIB["plank"], CFG, texts=TEXTS)
    steps = feed(timer, PLANK, 0.0, 5.0)            # 0-5 s good
    steps += feed(timer, SAGGING, 5.0, 2.0)         # 5-7 s hips sag
    steps += feed(timer, PLANK, 7.0, 6.0)           # 7-13 s good again
    steps += feed(timer, None, 13.0, 2.0)           # nobody in view: the hold ends
    spec = LIB["plank"].hold
    (start,) = events(steps, "start")
    assert start.t_s == pytest.approx(spec.start_after_s, abs=DT) and start.text == "Hold"
    (brk,) = events(steps, "break")
    assert brk.fault == "hip_sag" and brk.text == "Tuck your tailbone"
    assert brk.t_s == pytest.approx(5.0 + spec.break_after_s, abs=2 * DT)
    assert brk.seconds_good == pytest.approx(5.0, abs=2 * DT)  # the clock stopped when the hips dropped
    (restored,) = events(steps, "restored")
    assert restored.t_s == pytest.approx(7.0 + spec.restore_after_s, abs=2 * DT) and restored.text == "Good, hold it"
    (tick,) = events(steps, "tick")
    assert tick.text == "10 seconds" and tick.seconds_good == pytest.approx(10.0, abs=DT)
    (end,) = events(steps, "end")
    records = [s.record for s in steps if s.record is not None]
    assert len(records) == 1
    rec = records[0]
    assert rec.seconds_good == pytest.approx(11.0, abs=3 * DT)  # 5 s + 6 s in good form
    assert rec.seconds_total == pytest.approx(13.0 - DT, abs=2 * DT)
    assert rec.faults == ("hip_sag",) and len(rec.breaks) == 1
    assert end.text == "Held 11 seconds in good form"
    assert steps[-1].state == "idle" and steps[-1].seconds_good == 0.0


def test_a_one_second_hold_is_said_in_the_singular():
    """Live, PushFit wrong26's sagging plank was held 1 s in good form: "Held 1 seconds in good form"."""
    timer = HoldTimer(LIB["plank"], CFG, texts=TEXTS)
    spec = LIB["plank"].hold
    steps = feed(timer, PLANK, 0.0, spec.start_after_s + 1.0)
    steps += feed(timer, SAGGING, spec.start_after_s + 1.0, 3.0)
    steps += feed(timer, None, spec.start_after_s + 4.0, 2.0)
    (end,) = events(steps, "end")
    assert end.text == "Held 1 second in good form"


def test_a_pike_breaks_with_its_own_fault_and_a_blip_does_not_break():
    timer = HoldTimer(LIB["plank"], CFG, texts=TEXTS)
    steps = feed(timer, PLANK, 0.0, 2.0)
    steps += feed(timer, PIKED, 2.0, 0.2)           # shorter than break_after_s
    steps += feed(timer, PLANK, 2.2, 1.0)
    assert not events(steps, "break")
    steps += feed(timer, PIKED, 3.2, 1.0)
    (brk,) = events(steps, "break")
    assert brk.fault == "hip_pike" and brk.text == "Hips down, one straight line"


def test_side_plank_breaks_only_when_the_hips_drop():
    side = measure_posture(make_pose(FOREARM_PLANK, roll_deg=80), CFG)
    timer = HoldTimer(LIB["side_plank"], CFG, texts=TEXTS)
    steps = feed(timer, side, 0.0, 2.0)
    steps += feed(timer, dataclasses.replace(side, hip_offset_feet_frac=-0.15), 2.0, 1.0)  # hips high: fine
    assert not events(steps, "break") and events(steps, "start")
    steps += feed(timer, dataclasses.replace(side, hip_offset_feet_frac=0.12), 3.0, 1.5)
    (brk,) = events(steps, "break")
    assert brk.fault == "hip_sag" and brk.text == "Hips up"


def test_target_counts_down_and_fires_once():
    timer = HoldTimer(LIB["plank"], CFG, target_s=3.0, tick_every_s=1.0, texts=TEXTS)
    steps = feed(timer, PLANK, 0.0, 5.0)
    assert steps[0].remaining_s == pytest.approx(3.0)
    assert steps[int(2 * FPS)].remaining_s == pytest.approx(1.0, abs=2 * DT)
    assert steps[-1].remaining_s == 0.0
    (target,) = events(steps, "target")
    assert target.text == "Time! 3 seconds" and target.seconds_good == pytest.approx(3.0, abs=DT)
    assert [e.text for e in events(steps, "tick")] == ["1 second", "2 seconds", "3 seconds", "4 seconds"]
    rec = timer.finish(5.0)
    assert rec is not None and rec.reached_target


def test_short_gaps_do_not_end_a_hold_and_bent_arms_are_out_of_position():
    timer = HoldTimer(LIB["plank"], CFG, texts=TEXTS)
    steps = feed(timer, PLANK, 0.0, 3.0)
    steps += feed(timer, None, 3.0, 0.5)            # a few frames without a pose
    steps += feed(timer, PLANK, 3.5, 2.0)
    assert not [s for s in steps if s.record is not None]
    assert steps[-1].seconds_good == pytest.approx(5.0, abs=3 * DT)  # 3 s + 2 s: the 0.5 s gap is not counted
    steps = feed(timer, BENT_ARMS, 5.5, 2.0)        # a push-up, not a straight-arm hold
    (rec,) = [s.record for s in steps if s.record is not None]
    assert rec.seconds_good == pytest.approx(5.0, abs=3 * DT) and rec.faults == ()


def test_a_stretch_shorter_than_min_hold_is_a_pause_not_a_hold():
    timer = HoldTimer(LIB["plank"], CFG, texts=TEXTS)
    steps = feed(timer, PLANK, 0.0, 1.0) + feed(timer, None, 1.0, 2.0)
    assert not [s for s in steps if s.record is not None]
    assert events(steps, "start") and not events(steps, "end")


def test_rep_profiles_are_not_holds():
    with pytest.raises(ValueError, match="not a hold"):
        HoldTimer(LIB["standard"], CFG)
    with pytest.raises(ValueError, match="positive"):
        HoldTimer(LIB["plank"], CFG, target_s=0.0)


def replay_holds(name: str):
    _, frames = read_recording(FIXTURES / "landmarks" / f"variants__{name}.jsonl.gz")
    rec = ExerciseRecognizer(LIB)
    timers = HoldTimers(LIB, texts=TEXTS)
    for f in frames:
        r = rec.update(f.t_s, f.pose)
        timers.update(f.t_s, r.posture if f.pose is not None else None, r.exercise)
    timers.finish(frames[-1].t_s)
    return timers.records


@pytest.mark.parametrize("name,exercise,good_form_s", [
    ("fitnease__plank", "forearm_plank", 8.4),           # labelled good form (manifest), 1.0 s allowed
    ("fitnease__side_knee_plank", "side_plank", 6.47),
])
def test_recorded_holds_are_timed_within_a_second(name, exercise, good_form_s):
    (record,) = replay_holds(name)
    assert record.exercise == exercise
    assert abs(record.seconds_good - good_form_s) <= 1.0


def test_recorded_mountain_climbers_and_knee_push_ups_time_no_long_hold():
    for name in ("fitnease__mountain_climbers_slow", "fitnease__knee_pushups"):
        assert all(r.seconds_good < 2.5 for r in replay_holds(name)), name


# --------------------------------------------------------------------------- pauses at the top
from livecoach.logic.holds import TopPauseTimer  # noqa: E402
from livecoach.types import Phase  # noqa: E402

KNEES_BENT = dataclasses.replace(PLANK, knee_angle_deg=90.0)


def pause_timer() -> TopPauseTimer:
    return TopPauseTimer(HoldTimer(LIB["plank"], CFG))


def feed_pause(timer: TopPauseTimer, posture, t0: float, seconds: float, phase: Phase = Phase.TOP,
               in_position: bool = True, elbow_deg: float = 170.0, named_hold: bool = False, exercise=None):
    n = int(round(seconds * FPS))
    return [r for i in range(n)
            for r in [timer.update(t0 + i * DT, posture, phase, in_position, elbow_deg, named_hold, exercise)]
            if r is not None]


def test_a_pause_at_the_top_as_long_as_a_plank_is_timed_with_the_planks_form_rules():
    timer = pause_timer()
    assert feed_pause(timer, PLANK, 0.0, 2.0) + feed_pause(timer, SAGGING, 2.0, 1.0) == []
    (pause,) = feed_pause(timer, PLANK, 3.0, 1.0, phase=Phase.DESCENT)  # the next rep starts: it is over
    assert pause.top_pause and pause.exercise == "plank"
    assert pause.t_start_s == 0.0 and pause.seconds_total == pytest.approx(3.0 - DT)
    assert pause.seconds_good == pytest.approx(2.0, abs=2 * DT) and pause.faults == ("hip_sag",)


def test_a_top_between_reps_shorter_than_a_plank_hold_is_no_pause():
    timer = pause_timer()
    spec = LIB["plank"].hold
    for rep in range(4):  # the top of each rep lasts just under min_hold_s
        t0 = rep * (spec.min_hold_s + 1.0)
        assert feed_pause(timer, PLANK, t0, spec.min_hold_s - 0.1) == []
        assert feed_pause(timer, BENT_ARMS, t0 + spec.min_hold_s - 0.1, 1.1, phase=Phase.BOTTOM) == []
    assert timer.finish(99.0) is None


def test_fast_reps_with_short_tops_are_no_pause_however_short_their_cycles():
    """Six quick cycles (0.15 s at the top, 0.3 s down and up: shorter than the hold's
    ``break_after_s``) over 2.7 s: each cycle ends the stretch at the top, so no pause is timed
    (a bridged stretch once made 2.9 s of "plank" out of PushFit wrong58's seven quick no-reps)."""
    timer = pause_timer()
    spec = LIB["plank"].hold
    assert 0.3 < spec.break_after_s and 6 * 0.45 >= spec.min_hold_s
    found = []
    for rep in range(6):
        t0 = rep * 0.45
        found += feed_pause(timer, PLANK, t0, 0.15)
        found += feed_pause(timer, BENT_ARMS, t0 + 0.15, 0.3, phase=Phase.DESCENT)
    assert found == [] and timer.finish(2.7) is None


def test_knee_push_ups_pause_with_bent_knees_so_not_a_second_of_it_is_in_good_form():
    timer = pause_timer()
    feed_pause(timer, KNEES_BENT, 0.0, 2.5)
    pause = timer.finish(2.5)
    assert pause is not None and pause.seconds_good == 0.0 and pause.faults == ("knees_bent",)


def test_a_knee_push_ups_top_breaks_a_plank_by_its_bent_knees_not_by_hip_sag():
    """Knees down and feet raised, the shoulder-hip-knee line straight: the hips sit under the
    shoulder-ankle line (a plank's "hip sag") only because the knees bend. The fault named, and
    the hold's spoken fix, is the knees ("legs straight"), not "tuck your tailbone"."""
    knee_top = measure_posture(make_pose(KNEE_TOP), CFG)
    assert knee_top.hip_offset_feet_frac > LIB["plank"].hold.line_tolerance_frac  # reads as a sag
    assert HoldTimer(LIB["plank"], CFG).form_fault(knee_top) == "knees_bent"
    timer = pause_timer()
    feed_pause(timer, knee_top, 0.0, 2.5)
    pause = timer.finish(2.5)
    assert pause is not None and pause.seconds_good == 0.0 and pause.faults == ("knees_bent",)


def test_a_pause_at_the_top_of_knee_push_ups_is_judged_as_a_plank_on_the_knees():
    """Named knee push-ups (even a moment after the pause began, as the recogniser names them):
    the line runs from the shoulders to the knees and the bent knees are the exercise, so a
    straight shoulder-hip-knee line is in good form, and hips under it sag."""
    knee_top = measure_posture(make_pose(KNEE_TOP), CFG)
    assert HoldTimer(LIB["plank"], CFG).form_fault(knee_top, within=LIB["knee"]) is None
    timer = pause_timer()
    feed_pause(timer, knee_top, 0.0, 0.5)  # not named yet
    feed_pause(timer, knee_top, 0.5, 2.0, exercise=LIB["knee"])
    pause = timer.finish(2.5)
    assert pause is not None and pause.faults == () and pause.seconds_good == pytest.approx(2.5 - DT)
    sagging = dataclasses.replace(knee_top, hip_offset_knees_frac=0.12)
    feed_pause(timer, sagging, 10.0, 2.5, exercise=LIB["knee"])
    pause = timer.finish(12.5)
    assert pause is not None and pause.faults == ("hip_sag",) and pause.seconds_good == 0.0


def test_a_pause_at_the_top_of_pike_push_ups_is_no_pike_and_a_hold_profile_is_no_rep_exercise():
    timer = pause_timer()
    feed_pause(timer, PIKED, 0.0, 2.5, exercise=LIB["pike"])
    pause = timer.finish(2.5)
    assert pause is not None and pause.faults == () and pause.seconds_good > 2.4
    feed_pause(timer, PIKED, 10.0, 2.5, exercise=LIB["side_plank"])  # not a rep exercise: the plank's rules
    pause = timer.finish(12.5)
    assert pause is not None and pause.faults == ("hip_pike",)


def test_a_short_gap_is_bridged_a_long_one_ends_the_pause():
    timer = pause_timer()
    spec = LIB["plank"].hold
    feed_pause(timer, PLANK, 0.0, 1.2)
    feed_pause(timer, None, 1.2, spec.break_after_s - 0.1)  # no pose for a moment
    assert feed_pause(timer, PLANK, 1.2 + spec.break_after_s - 0.1, 1.2) == []
    (pause,) = feed_pause(timer, PLANK, 10.0, 0.1)  # back after a long gap: a new stretch
    assert pause.t_start_s == 0.0 and pause.seconds_total >= spec.min_hold_s


def test_before_the_counter_has_settled_only_straight_arms_are_a_pause():
    timer = pause_timer()
    feed_pause(timer, PLANK, 0.0, 3.0, phase=Phase.NOT_IN_POSITION, elbow_deg=100.0)  # resting on bent arms
    assert timer.finish(3.0) is None
    feed_pause(timer, PLANK, 0.0, 3.0, phase=Phase.NOT_IN_POSITION, elbow_deg=165.0)
    assert timer.finish(3.0) is not None


def test_a_stretch_the_recogniser_names_a_hold_is_that_holds_not_a_pause_nor_out_of_position():
    timer = pause_timer()
    feed_pause(timer, PLANK, 0.0, 2.0)
    feed_pause(timer, PLANK, 2.0, 2.0, named_hold=True)
    assert timer.finish(4.0) is None
    feed_pause(timer, PLANK, 5.0, 3.0, in_position=False)
    assert timer.finish(8.0) is None
