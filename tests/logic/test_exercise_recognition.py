"""ExerciseRecognizer frame by frame: naming, hysteresis, "cannot tell", look-alikes, fixtures."""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

import pytest

from conftest import FIXTURES
from livecoach.evaluation.stream_transforms import hands_unseen_frames
from livecoach.formats.recording import RecordedFrame, read_recording
from livecoach.logic.exercises import ExerciseRecognizer, Recognition
from livecoach.types import PoseFrame
from test_exercise_poses import (BENCH_DIP, DECLINE_TOP, FOREARM_PLANK, KNEE_TOP, LIB, STANDARD_BOTTOM,
                                 STANDARD_TOP, STANDING_SQUAT, WALL_TOP, make_pose)

FPS = 30.0


def run(rec: ExerciseRecognizer, joints, seconds: float, t0: float = 0.0, rep_every_s: Optional[float] = None,
        **kw) -> List[Recognition]:
    """Feed a static pose for ``seconds``; ``rep_every_s`` alternates top/bottom elbows (reps)."""
    out = []
    n = int(round(seconds * FPS))
    for i in range(n):
        t = t0 + i / FPS
        j = joints
        if rep_every_s:
            phase = (t % rep_every_s) / rep_every_s
            if 0.35 < phase < 0.65 and joints is STANDARD_TOP:
                j = STANDARD_BOTTOM
            elif 0.35 < phase < 0.65:
                j = {**joints, "elbow": _bent_elbow(joints)}
        out.append(rec.update(t, make_pose(j, t_s=t, **kw)))
    return out


def _bent_elbow(joints) -> tuple:
    """Move the elbow out of the shoulder-wrist line: the arm bends by ~60 degrees."""
    (sx, sh), (wx, wh) = joints["shoulder"], joints["wrist"]
    mx, mh = (sx + wx) / 2, (sh + wh) / 2
    dx, dh = wx - sx, wh - sh
    n = math.hypot(dx, dh)
    return (mx - dh / n * 0.15, mh + dx / n * 0.15)


def first_time(steps: Sequence[Recognition], name: Optional[str]) -> Optional[float]:
    return next((s.t_s for s in steps if s.exercise == name), None)


def test_standard_push_ups_are_named_after_a_short_stretch_not_at_once():
    rec = ExerciseRecognizer(LIB)
    steps = run(rec, STANDARD_TOP, 3.0, rep_every_s=1.5)
    assert steps[0].exercise is None
    t = first_time(steps, "standard")
    assert t is not None and LIB.recognition.first_after_s - 0.05 <= t <= 1.5
    assert steps[-1].exercise == "standard" and steps[-1].kind == "reps" and steps[-1].motion == "elbows"
    assert sum(s.changed for s in steps) == 1


def test_side_view_says_it_cannot_tell_the_hand_width():
    steps = run(ExerciseRecognizer(LIB), STANDARD_TOP, 2.0, rep_every_s=1.5, hand_half_m=0.35)
    last = steps[-1]
    assert last.exercise == "standard"
    assert set(last.cannot_tell) == {"wide", "diamond"} and "hand width" in last.undetermined


def test_a_view_that_shows_the_hands_names_wide_push_ups():
    steps = run(ExerciseRecognizer(LIB), STANDARD_TOP, 2.5, rep_every_s=1.5, hand_half_m=0.36, yaw_deg=60)
    assert steps[-1].exercise == "wide" and steps[-1].cannot_tell == ()


@pytest.mark.parametrize("joints,expected", [(KNEE_TOP, "knee"), (WALL_TOP, "wall"), (DECLINE_TOP, "decline")])
def test_variants_are_named_from_posture_and_the_first_rep(joints, expected):
    steps = run(ExerciseRecognizer(LIB), joints, 3.0, rep_every_s=1.5)
    assert steps[-1].exercise == expected


def test_a_still_plank_becomes_a_plank_hold():
    rec = ExerciseRecognizer(LIB)
    steps = run(rec, STANDARD_TOP, 6.0)
    assert steps[int(1.0 * FPS)].exercise == "standard"  # a push-up is assumed first ...
    assert steps[-1].exercise == "plank" and steps[-1].kind == "hold" and steps[-1].motion == "still"
    switch = first_time(steps, "plank")
    cfg = LIB.recognition
    assert cfg.moving_after_s + cfg.switch_after_s - 0.1 <= switch <= cfg.moving_after_s + cfg.switch_after_s + 0.5


def test_forearm_plank_has_no_rep_twin_and_is_named_at_once():
    steps = run(ExerciseRecognizer(LIB), FOREARM_PLANK, 2.0)
    assert first_time(steps, "forearm_plank") <= LIB.recognition.first_after_s + 0.1


def test_switch_from_knee_to_standard_only_after_a_stable_stretch():
    rec = ExerciseRecognizer(LIB)
    run(rec, KNEE_TOP, 3.0, rep_every_s=1.5)
    assert rec.exercise == "knee"
    # one second of standard push-ups is not enough to switch ...
    steps = run(rec, STANDARD_TOP, 1.0, t0=3.0, rep_every_s=1.5)
    steps += run(rec, KNEE_TOP, 1.0, t0=4.0, rep_every_s=1.5)
    assert all(s.exercise == "knee" for s in steps)
    # ... a sustained stretch is
    steps = run(rec, STANDARD_TOP, 4.0, t0=5.0, rep_every_s=1.5)
    switched = [s for s in steps if s.changed]
    assert len(switched) == 1 and switched[0].exercise == "standard"
    assert switched[0].t_s - 5.0 >= LIB.recognition.switch_after_s - 0.05


def test_no_pose_frames_keep_the_exercise_then_forget_it():
    rec = ExerciseRecognizer(LIB)
    run(rec, STANDARD_TOP, 2.0, rep_every_s=1.5)
    assert rec.exercise == "standard"
    r = rec.update(2.1, None)
    assert r.exercise == "standard" and not r.in_position
    gap = LIB.recognition.forget_after_s + 0.2
    r = rec.update(2.1 + gap, None)
    assert r.exercise is None and r.changed


def test_forced_exercise_is_never_switched():
    rec = ExerciseRecognizer(LIB, forced="knee")
    steps = run(rec, STANDARD_TOP, 4.0, rep_every_s=1.5)
    assert all(s.exercise == "knee" and not s.changed for s in steps)
    assert steps[-1].candidate == "standard"  # what it would have said


def test_unknown_forced_exercise_is_a_config_error():
    from livecoach.config.exercises import ConfigError

    with pytest.raises(ConfigError, match="unknown exercise"):
        ExerciseRecognizer(LIB, forced="burpee")


# --------------------------------------------------------------------------- look-alikes
def test_mountain_climber_is_flagged_and_not_named():
    rec = ExerciseRecognizer(LIB)
    run(rec, STANDARD_TOP, 1.0)
    drive = {**STANDARD_TOP}
    left = {"knee": (0.95, 0.25), "ankle": (0.6, 0.12)}
    r = rec.update(1.05, make_pose(drive, t_s=1.05, left=left))
    assert "mountain_climber" in r.lookalikes and r.is_lookalike and not r.in_position


def _hands_unseen(pose: PoseFrame) -> PoseFrame:
    """``pose`` with both hands reported unseen, as ``--augment handsunseen`` does: the arms unread."""
    return hands_unseen_frames([RecordedFrame(pose.frame_index, pose.t_s, pose)], 0.05)[0].pose


def test_with_the_arms_unread_a_knee_drive_needs_two_frames_of_legs():
    rec = ExerciseRecognizer(LIB)
    for i in range(int(1.5 * FPS)):
        rec.update(i / FPS, _hands_unseen(make_pose(STANDARD_TOP, t_s=i / FPS)))
    left = {"knee": (0.95, 0.25), "ankle": (0.6, 0.12)}
    r = rec.update(1.5, _hands_unseen(make_pose(STANDARD_TOP, t_s=1.5, left=left)))
    assert "mountain_climber" not in r.lookalikes  # one frame of legs: a landmark's jump
    steps = [rec.update(1.5 + i / FPS, _hands_unseen(make_pose(STANDARD_TOP, t_s=1.5 + i / FPS)))
             for i in range(1, 10)]
    assert not any(s.lookalikes for s in steps)  # nothing latched from it either
    for i in range(LIB.recognition.lookalikes.climber_legs_only_min_frames):
        r = rec.update(2.0 + i / FPS, _hands_unseen(make_pose(STANDARD_TOP, t_s=2.0 + i / FPS, left=left)))
    assert "mountain_climber" in r.lookalikes and r.is_lookalike


def test_shoulder_tap_is_flagged_when_one_hand_leaves_the_floor():
    rec = ExerciseRecognizer(LIB)
    steps = run(rec, STANDARD_TOP, 1.5, yaw_deg=30)
    assert not any(s.lookalikes for s in steps)
    tap = {"wrist": (1.05, 0.45), "elbow": (1.2, 0.45)}
    r = rec.update(1.55, make_pose(STANDARD_TOP, t_s=1.55, yaw_deg=30, right=tap))
    assert not r.lookalikes  # one frame could be a landmark jumping
    for i in range(1, 6):
        r = rec.update(1.55 + i / FPS, make_pose(STANDARD_TOP, t_s=1.55 + i / FPS, yaw_deg=30, right=tap))
    assert "shoulder_tap" in r.lookalikes and not r.in_position
    # the flag is latched briefly, then clears
    steps = run(rec, STANDARD_TOP, 1.0, t0=1.75, yaw_deg=30)
    assert steps[0].lookalikes and not steps[-1].lookalikes


#: On hands and knees, the hips folded square and the back flat: a bird dog's (quadruped's) base.
QUADRUPED = {"shoulder": (1.0, 0.55), "elbow": (1.0, 0.3), "wrist": (1.0, 0.04), "hip": (0.45, 0.55),
             "knee": (0.45, 0.06), "ankle": (0.0, 0.06), "ear": (1.2, 0.6)}


def test_a_bird_dog_is_flagged_once_held_not_on_one_misplaced_frame():
    rec = ExerciseRecognizer(LIB)
    run(rec, STANDARD_TOP, 1.5)
    r = rec.update(1.5, make_pose(QUADRUPED, t_s=1.5))
    assert "bird_dog" not in r.lookalikes  # one frame: a landmark jump in a push-up
    steps = run(rec, STANDARD_TOP, 1.0, t0=1.5 + 1 / FPS)
    assert not any("bird_dog" in s.lookalikes for s in steps)  # nothing latched from it either
    steps = run(rec, QUADRUPED, 0.5, t0=3.0)
    held = next(s.t_s for s in steps if "bird_dog" in s.lookalikes) - 3.0
    assert abs(held - LIB.recognition.lookalikes.quadruped_min_s) <= 1.01 / FPS  # held that long: a bird dog
    assert "bird_dog" in steps[-1].lookalikes and not steps[-1].in_position


def test_squat_and_bench_dip_are_flagged_and_fit_no_push_up():
    rec = ExerciseRecognizer(LIB)
    r = run(rec, STANDING_SQUAT, 1.0)[-1]
    assert r.lookalikes == ("squat",) and r.exercise is None
    r = run(ExerciseRecognizer(LIB), BENCH_DIP, 1.0)[-1]
    assert r.lookalikes == ("dip",) and r.exercise is None


def test_jumping_in_with_hands_down_is_flagged():
    rec = ExerciseRecognizer(LIB)
    run(rec, STANDARD_TOP, 1.0)
    crouch = {"knee": (0.95, 0.3), "ankle": (0.65, 0.08), "hip": (0.75, 0.55)}
    r = rec.update(1.05, make_pose(STANDARD_TOP, t_s=1.05, left=crouch, right=crouch))
    assert "jump_in" in r.lookalikes


# --------------------------------------------------------------------------- recorded variant clips
def replay(name: str) -> List[Recognition]:
    _, frames = read_recording(FIXTURES / "landmarks" / f"variants__{name}.jsonl.gz")
    rec = ExerciseRecognizer(LIB)
    return [rec.update(f.t_s, f.pose) for f in frames]


def time_named(steps: Sequence[Recognition]) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for a, b in zip(steps, steps[1:]):
        if a.exercise and a.in_position:
            out[a.exercise] = out.get(a.exercise, 0.0) + (b.t_s - a.t_s)
    return out


def test_recorded_knee_push_ups_are_knee_push_ups():
    steps = replay("fitnease__knee_pushups")
    times = time_named(steps)
    assert max(times, key=times.get) == "knee" and times["knee"] >= 7.0
    assert not any(s.lookalikes for s in steps)


def test_recorded_forearm_plank_is_a_forearm_plank():
    times = time_named(replay("fitnease__plank"))
    assert set(times) == {"forearm_plank"} and times["forearm_plank"] >= 7.0


def test_recorded_side_plank_is_a_side_plank():
    times = time_named(replay("fitnease__side_knee_plank"))
    assert set(times) == {"side_plank"} and times["side_plank"] >= 5.0


def test_recorded_mountain_climbers_are_flagged():
    steps = replay("fitnease__mountain_climbers_slow")
    flagged = sum(b.t_s - a.t_s for a, b in zip(steps, steps[1:]) if "mountain_climber" in a.lookalikes)
    assert flagged >= 3.0
    # no rep exercise is confirmed by a rep: the arms never bend
    assert all(s.motion != "elbows" for s in steps)


def test_veto_drops_a_rep_cycle_filled_by_a_lookalike_but_keeps_one_beside_it():
    rec = ExerciseRecognizer(LIB)
    run(rec, STANDARD_TOP, 1.0)
    left = {"knee": (0.95, 0.25), "ankle": (0.6, 0.12)}
    t = 1.0
    for i in range(int(1.0 * FPS)):  # one second of knee drives
        t = 1.0 + i / FPS
        rec.update(t, make_pose(STANDARD_TOP, t_s=t, left=left))
    run(rec, STANDARD_TOP, 2.0, t0=2.0, rep_every_s=1.5)  # then a clean push-up
    assert rec.veto(1.0, 2.0) == "mountain_climber"
    name, share = rec.lookalike_during(1.0, 2.0)
    assert name == "mountain_climber" and share > 0.9
    # a cycle that only touches the flagged stretch at its start keeps its rep
    assert rec.lookalike_during(2.3, 3.9)[1] < LIB.recognition.lookalikes.veto_min_share
    assert rec.veto(2.3, 3.9) is None
    assert rec.veto(10.0, 11.0) is None  # nothing recorded there


def _knee_drives(rec: ExerciseRecognizer, t0: float, seconds: float) -> float:
    left = {"knee": (0.95, 0.25), "ankle": (0.6, 0.12)}
    t = t0
    for i in range(int(seconds * FPS)):
        t = t0 + i / FPS
        rec.update(t, make_pose(STANDARD_TOP, t_s=t, left=left))
    return t


def test_a_lookalike_before_a_cycle_does_not_veto_it_one_during_it_does():
    latch = LIB.recognition.lookalikes.latch_s
    rec = ExerciseRecognizer(LIB)
    run(rec, STANDARD_TOP, 1.0)
    last = _knee_drives(rec, 1.0, 1.0)  # legs moving (a burpee's jump back into the plank) ...
    steps = run(rec, STANDARD_TOP, 3.0, t0=last + 1 / FPS, rep_every_s=1.5)  # ... then a push-up from the plank
    # the flag is latched into the cycle's start for latch_s, over a third of a short cycle ...
    start, end = last + 1 / FPS, last + 1 / FPS + 1.2 * latch
    flagged = [s for s in steps if start <= s.t_s <= end]
    assert sum("mountain_climber" in s.lookalikes for s in flagged) >= 0.5 * len(flagged)
    # ... but the motion was before the cycle: the rep stands
    assert rec.lookalike_during(start, end) == (None, 0.0)
    assert rec.veto(start, end) is None
    # a cycle the knee drives fall in is still dropped, latch and all
    assert rec.veto(last - 0.5, last + 0.3) == "mountain_climber"

    # knee drives in the middle of a cycle that began in a clean plank: vetoed
    rec = ExerciseRecognizer(LIB)
    run(rec, STANDARD_TOP, 1.0)
    last = _knee_drives(rec, 1.0, 0.6)
    run(rec, STANDARD_TOP, 1.0, t0=last + 1 / FPS)
    assert rec.veto(0.8, last + 0.3) == "mountain_climber"


# --------------------------------------------------------------------------- a guess is not a decision
#: A sloppy push-up's top, as pushfit wrong49 starts: hips high, knees hanging bent just above the
#: floor, toes down. The still posture fits the knee push-up better than the standard one (knee
#: angle ~126 degrees) ...
SLOPPY_START = {**STANDARD_TOP, "hip": (0.85, 0.32), "knee": (0.6, 0.04), "ankle": (0.0, 0.1)}
#: ... and the later tops fit both (knee angle ~139), while the bottoms have the legs straight.
SLOPPY_TOP = {**STANDARD_TOP, "hip": (0.85, 0.32), "knee": (0.58, 0.09), "ankle": (0.0, 0.1)}


def _sloppy_reps(rec: ExerciseRecognizer, seconds: float, t0: float, rep_s: float = 2.0) -> List[Recognition]:
    """Reps from SLOPPY_TOP whose bottom is a standard push-up's (legs straight on the floor)."""
    out = []
    for i in range(int(round(seconds * FPS))):
        t = t0 + i / FPS
        phase = (t - t0) % rep_s / rep_s
        out.append(rec.update(t, make_pose(STANDARD_BOTTOM if 0.3 < phase < 0.7 else SLOPPY_TOP, t_s=t)))
    return out


def test_a_variant_guessed_from_a_still_top_is_unconfirmed_and_the_first_rep_replaces_it():
    rec = ExerciseRecognizer(LIB)
    still = run(rec, SLOPPY_START, 1.0)
    assert still[-1].exercise == "knee" and not still[-1].confirmed  # a guess, and said to be one
    assert still[-1].confidence < LIB.recognition.confirm_min_confidence
    steps = _sloppy_reps(rec, 6.0, t0=1.0)
    switched = [s for s in steps if s.changed]
    assert [s.exercise for s in switched] == ["standard"]
    # replaced within the first rep (2 s), not after the switch_after_s a confirmed exercise gets
    assert switched[0].t_s - 1.0 < 2.0
    assert steps[-1].exercise == "standard" and steps[-1].confirmed


def test_real_knee_push_ups_are_confirmed_by_their_first_rep():
    steps = run(ExerciseRecognizer(LIB), KNEE_TOP, 3.0, rep_every_s=1.5)
    assert steps[-1].exercise == "knee" and steps[-1].confirmed
    assert steps[-1].confidence >= LIB.recognition.confirm_min_confidence


def test_a_confirmed_exercise_is_defended_by_the_full_switch_delay():
    rec = ExerciseRecognizer(LIB)
    run(rec, KNEE_TOP, 3.0, rep_every_s=1.5)
    assert rec.confirmed
    steps = _sloppy_reps(rec, 1.5, t0=3.0)  # the standard bottom lasts less than switch_after_s
    assert all(s.exercise == "knee" for s in steps)


def test_a_forced_exercise_is_confirmed():
    rec = ExerciseRecognizer(LIB, forced="incline")
    assert rec.update(0.0, None).confirmed


# --- views along the body: a variant defined by heights is never named from there ---------------

def test_a_measurement_most_of_the_window_could_not_make_is_not_made():
    """The posture window's median of a field is nan when fewer than half its frames measured it."""
    import dataclasses

    from livecoach.logic.posture import measure_posture, median_posture

    frames = [measure_posture(make_pose(STANDARD_BOTTOM, t_s=i / FPS), LIB.recognition) for i in range(5)]
    assert math.isfinite(frames[0].body_angle_feet_deg)
    unseen = [dataclasses.replace(p, body_angle_feet_deg=math.nan) for p in frames]
    assert math.isfinite(median_posture(unseen[:2] + frames[2:]).body_angle_feet_deg)  # 3 of 5 measured
    assert math.isnan(median_posture(unseen[:3] + frames[3:]).body_angle_feet_deg)  # 2 of 5


@pytest.mark.parametrize("clip,guessed", [("jtnicastro__pushup.mp4", "wall"), ("calimiro__push-up_12.mp4", "pike")])
def test_push_ups_filmed_from_above_or_head_on_are_never_filed_under_a_variant_of_heights(clip, guessed):
    """jtnicastro (camera straight above the back) and calimiro push-up_12 (head-on): heights and
    angles to the floor cannot be seen, yet a few frames that seemed to show them (a left/right
    swap, a frame read as side-on) named a wall push-up (3 of 9 reps) and a pike push-up (1 of 2)."""
    from livecoach.config.schema import load_config
    from livecoach.logic.analysis import SessionAnalyzer

    _header, frames = read_recording(FIXTURES / "landmarks" / f"{clip}.jsonl.gz")
    analyzer = SessionAnalyzer(load_config())
    for f in frames:
        analyzer.update(f.t_s, f.frame_index, f.pose)
    assert analyzer.records and guessed not in {r.exercise for r in analyzer.records}
    assert guessed not in analyzer.exercises
