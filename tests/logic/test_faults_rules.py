"""Each fault rule on hand-built rep windows: fires, stays quiet, or is not judged."""
from __future__ import annotations

import dataclasses
import math

import pytest

from livecoach.config.schema import load_config
from livecoach.logic.features import raw_features
from livecoach.logic.faults import (NOT_JUDGED, RULES, AsymmetryRule, ElbowFlareRule, FaultChecker, HeadDropRule,
                              HipPikeRule, HipSagRule, KneesBentRule, NoLockoutRule, RushedNegativeRule,
                              ShallowRule, ShrugRule)
from livecoach.logic.rep_frames import descent_seconds, lower_half, percentile_with_time
from livecoach.landmarks import Landmark
from livecoach.types import FAULT_NAMES, Fault, Features, RepWindow, View

from helpers import clean_frame, elbow_cycle, side_pushup_pose, window

CONFIG = load_config()
SIDE = View.SIDE_LEFT
NAN = math.nan


def rule(cls):
    return cls(CONFIG)


# --- the checker as a whole ---------------------------------------------------------------

def test_clean_rep_has_no_fault_and_full_score():
    judgement = FaultChecker(CONFIG).judge(window())
    assert judgement.faults == ()
    assert judgement.score == 100
    # a side view hides the arms' spread and the left/right comparison
    assert set(judgement.not_judged) == {"elbow_flare", "asymmetry"}


def test_every_fault_name_has_one_rule_with_its_cue_key():
    assert tuple(RULES) == FAULT_NAMES
    w = window(hip_offset_frac=0.12)
    fault = rule(HipSagRule).judge(w)
    assert isinstance(fault, Fault) and fault.cue_key == "hip_sag"
    assert Landmark.LEFT_HIP in fault.joints


def test_score_subtracts_the_weights_of_the_faults_found():
    w = window(hip_offset_frac=0.12, knee_angle_deg=110.0)
    judgement = FaultChecker(CONFIG).judge(w)
    assert {f.name for f in judgement.faults} == {"hip_sag", "knees_bent"}
    expected = 100 - CONFIG.faults.hip_sag.weight - CONFIG.faults.knees_bent.weight
    assert judgement.score == max(0, expected)


def test_disabled_rule_neither_fires_nor_is_reported_not_judged():
    cfg = dataclasses.replace(CONFIG, faults=dataclasses.replace(CONFIG.faults, enabled=("hip_pike",)))
    judgement = FaultChecker(cfg).judge(window(hip_offset_frac=0.2))
    assert judgement.faults == () and judgement.not_judged == ()


# --- hip sag / pike -----------------------------------------------------------------------

def test_hip_sag_fires_on_sagging_rep_and_not_on_straight_line():
    thr = CONFIG.faults.hip_sag.min_offset_frac
    fault = rule(HipSagRule).judge(window(hip_offset_frac=thr * 2))
    assert isinstance(fault, Fault) and fault.value == pytest.approx(thr * 2)
    assert fault.threshold == thr
    assert rule(HipSagRule).judge(window(hip_offset_frac=thr * 0.5)) is None
    assert rule(HipSagRule).judge(window(hip_offset_frac=-thr * 2)) is None  # a pike is not a sag


def test_one_jittery_frame_does_not_fire_hip_sag():
    values = [0.0] * 30
    values[14] = 0.5  # one wild frame at the bottom
    values[15] = NAN  # and one unmeasured
    assert rule(HipSagRule).judge(window(hip_offset_frac=values)) is None


def test_hip_sag_not_judged_from_the_front_or_without_measurements():
    assert rule(HipSagRule).judge(window(view=View.FRONT, hip_offset_frac=0.2)) is NOT_JUDGED
    assert rule(HipSagRule).judge(window(hip_offset_frac=NAN)) is NOT_JUDGED


def test_knee_push_ups_are_judged_against_the_shoulder_knee_line():
    thr = CONFIG.faults.hip_sag.min_offset_frac
    # feet up behind the knees: the shoulder-ankle line reads a big "sag" that is not there
    straight = window(variant="knee", hip_offset_frac=0.2, hip_offset_knee_frac=0.0)
    assert rule(HipSagRule).judge(straight) is None
    assert rule(HipPikeRule).judge(straight) is None
    sagging = window(variant="knee", hip_offset_frac=0.3, hip_offset_knee_frac=thr * 2)
    fault = rule(HipSagRule).judge(sagging)
    assert isinstance(fault, Fault) and fault.value == pytest.approx(thr * 2)
    piking = window(variant="knee", hip_offset_frac=0.0, hip_offset_knee_frac=-0.2)
    assert isinstance(rule(HipPikeRule).judge(piking), Fault)
    # knees not seen: the knee push-up's line cannot be judged (no fallback to the ankle line)
    assert rule(HipSagRule).judge(window(variant="knee", hip_offset_frac=0.2)) is NOT_JUDGED
    judgement = FaultChecker(CONFIG).judge(straight)
    assert judgement.faults == () and "knees_bent" not in judgement.not_judged


def test_standard_push_ups_ignore_the_shoulder_knee_line():
    # bent knees on a standard push-up do not make the knee line the body line
    w = window(hip_offset_frac=0.0, hip_offset_knee_frac=0.3)
    assert rule(HipSagRule).judge(w) is None


@pytest.mark.parametrize("view", [View.FRONT, View.UNKNOWN])
def test_body_line_is_judged_from_side_and_angled_views_only(view):
    # from the head end the hips' offset is no height above or below the line
    assert rule(HipSagRule).judge(window(view=view, hip_offset_frac=0.2)) is NOT_JUDGED
    assert rule(HipPikeRule).judge(window(view=view, hip_offset_frac=-0.2)) is NOT_JUDGED
    assert isinstance(rule(HipSagRule).judge(window(view=View.SIDE_RIGHT, hip_offset_frac=0.2)), Fault)
    # from a 3/4 view the line is read as side-on (the picture stretched back, up to [features]
    # body_line_max_turn_deg; further round it is not read at all: test_features_geometry)
    assert isinstance(rule(HipSagRule).judge(window(view=View.ANGLED, hip_offset_frac=0.2)), Fault)
    assert isinstance(rule(HipPikeRule).judge(window(view=View.ANGLED, hip_offset_frac=-0.2)), Fault)
    assert rule(HipSagRule).judge(window(view=View.ANGLED, hip_offset_frac=0.0)) is None


@pytest.mark.parametrize("view", [View.ANGLED, View.FRONT, View.UNKNOWN])
def test_the_legs_line_is_judged_from_side_views_only(view):
    # a 3/4 view shortens the legs along the view and deepens a slight bend
    limit = CONFIG.faults.knees_bent.min_knee_angle_deg
    assert rule(KneesBentRule).judge(window(view=view, knee_angle_deg=limit - 30)) is NOT_JUDGED
    assert isinstance(rule(KneesBentRule).judge(window(view=View.SIDE_LEFT, knee_angle_deg=limit - 30)), Fault)


def test_the_body_line_is_not_judged_on_a_rep_it_was_read_on_for_less_than_half():
    # turned near the limit the line is read on some frames only: a few frames are no rep's line
    share = CONFIG.faults.body_line_min_share
    n_read = int(30 * share)  # window() has 30 frames
    few = [0.2 if i < n_read - 1 else math.nan for i in range(30)]
    most = [0.2 if i < n_read + 1 else math.nan for i in range(30)]
    assert rule(HipSagRule).judge(window(view=View.ANGLED, hip_offset_frac=few)) is NOT_JUDGED
    assert rule(HipPikeRule).judge(window(view=View.ANGLED, hip_offset_frac=[-v for v in few])) is NOT_JUDGED
    assert isinstance(rule(HipSagRule).judge(window(view=View.ANGLED, hip_offset_frac=most)), Fault)


def test_the_body_line_and_legs_are_judged_on_the_plank_not_on_the_jump_out_of_it():
    # A burpee's push-up: the cycle's last third is the feet jumping in (hips folding to 90
    # degrees, knees bending), which the gate's debounce lets into the cycle. Judged on all the
    # frames that reads a pike and bent knees (the medians fall in the jump once frames are lost).
    gate = CONFIG.reps
    n_out = 16  # of the window's 30 frames: more than half, as at 2x with frames dropped
    hips = [170.0] * (30 - n_out) + [gate.gate_min_hip_angle_deg - 10 - 3 * i for i in range(n_out)]
    knees = [172.0] * (30 - n_out) + [130.0 - 3 * i for i in range(n_out)]
    pike = [0.0] * (30 - n_out) + [-0.1 - 0.02 * i for i in range(n_out)]
    jump = window(hip_angle_deg=hips, knee_angle_deg=knees, hip_offset_frac=pike)
    assert rule(HipPikeRule).judge(jump) is NOT_JUDGED  # its plank: under half the cycle
    assert rule(KneesBentRule).judge(jump) is None
    # the same pike and knees held through the plank are faults
    assert isinstance(rule(HipPikeRule).judge(window(hip_angle_deg=150.0, hip_offset_frac=-0.12)), Fault)
    assert isinstance(rule(KneesBentRule).judge(window(knee_angle_deg=120.0)), Fault)
    # a body stood up out of the plank (its line steeper than the gate takes) is no plank's line
    standing = window(body_angle_deg=[5.0] * 10 + [gate.gate_max_body_angle_deg + 10] * 20, hip_offset_frac=-0.12)
    assert rule(HipPikeRule).judge(standing) is NOT_JUDGED
    # ... and upright in the picture with the hands at the shoulders it is a wall push-up's plank
    # only when judged as an exercise that steep (the wall profile's 90 degrees), not a push-up's
    hands_at_shoulders = (gate.gate_topdown_wrist_min_frac + gate.gate_topdown_wrist_max_frac) / 2
    upright = window(body_angle_deg=75.0, body_upright_in_image=True, wrist_along_torso_frac=hands_at_shoulders,
                     hip_offset_frac=-0.12)
    assert rule(HipPikeRule).judge(upright) is NOT_JUDGED
    on_a_wall = dataclasses.replace(upright, variant="wall", exercise_max_body_angle_deg=90.0,
                                    exercise_min_hip_angle_deg=140.0)
    assert isinstance(rule(HipPikeRule).judge(on_a_wall), Fault)
    assert rule(HipPikeRule).judge(dataclasses.replace(on_a_wall, exercise_max_body_angle_deg=70.0)) is NOT_JUDGED
    # a pike push-up's hips fold past the gate's limit by design: its legs are read on its own position
    pike = window(hip_angle_deg=80.0, knee_angle_deg=120.0, body_angle_deg=30.0, shoulder_above_wrist_px=150.0)
    assert rule(KneesBentRule).judge(pike) is NOT_JUDGED  # no exercise known: the gate's plank only
    assert isinstance(rule(KneesBentRule).judge(dataclasses.replace(
        pike, variant="pike", exercise_max_body_angle_deg=60.0, exercise_min_hip_angle_deg=40.0)), Fault)


def test_hip_pike_fires_when_hips_are_high():
    thr = CONFIG.faults.hip_pike.min_offset_frac
    fault = rule(HipPikeRule).judge(window(hip_offset_frac=-thr * 1.5))
    assert isinstance(fault, Fault) and fault.name == "hip_pike"
    assert rule(HipPikeRule).judge(window(hip_offset_frac=-thr * 0.5)) is None
    assert rule(HipPikeRule).judge(window(hip_offset_frac=thr * 2)) is None
    assert rule(HipPikeRule).judge(window(view=View.FRONT, hip_offset_frac=-0.3)) is NOT_JUDGED


# --- range of motion ----------------------------------------------------------------------

def test_shallow_judges_the_shoulder_drop_when_it_is_measured():
    limit = CONFIG.faults.shallow.min_shoulder_drop_frac
    angles = elbow_cycle()
    deep = [limit + 0.2 * (170 - a) / 95 for a in angles]  # peaks at limit + 0.2 at the bottom
    shallow = [0.6 * limit * (170 - a) / 95 for a in angles]  # peaks at 60 % of the limit
    fault = rule(ShallowRule).judge(window(depth_raw_frac=shallow))
    assert isinstance(fault, Fault) and fault.value < limit and fault.threshold == limit
    assert rule(ShallowRule).judge(window(depth_raw_frac=deep)) is None
    # the shoulder drop wins over a misleading elbow angle (e.g. a slightly angled camera)
    assert rule(ShallowRule).judge(window(depth_raw_frac=deep, bottom=130)) is None


def test_shallow_threshold_matches_the_counters_no_rep_depth():
    """A "not deep enough" no-rep must also carry the shallow fault (and its "Go lower" cue)."""
    assert CONFIG.faults.shallow.min_shoulder_drop_frac >= CONFIG.reps.full_depth_min_frac


def test_shallow_never_contradicts_a_rep_the_counter_counted_on_its_deepest_drop():
    """PushFit wrong26 live: its deepest frame dropped 0.452 and the rep counted (table: "45 %"),
    while the drop's 95th percentile read 0.449: the report called the counted rep shallow ("Go
    lower" its cue). The counter judges the deepest frame; the rule agrees with it."""
    limit = CONFIG.faults.shallow.min_shoulder_drop_frac
    angles = elbow_cycle()
    near = [(limit - 0.005) * (170 - a) / 95 for a in angles]  # peaks just under the limit
    assert isinstance(rule(ShallowRule).judge(window(depth_raw_frac=near)), Fault)
    bottom = max(range(len(near)), key=near.__getitem__)
    reached = near[:bottom] + [limit] + near[bottom + 1:]  # its deepest frame at the limit
    assert percentile_with_time([(0.0, v) for v in reached], CONFIG.faults.shallow.drop_percentile)[0] < limit
    assert rule(ShallowRule).judge(window(depth_raw_frac=reached)) is None


def test_elbow_rules_are_not_judged_when_the_arm_is_seen_end_on():
    # camera above the back: the image elbow angle barely moves over the whole cycle
    flat = [30.0 + 5 * math.sin(i / 5) for i in range(30)]
    w = window(view=View.FRONT, elbow_angle_deg=flat)
    assert rule(ShallowRule).judge(w) is NOT_JUDGED
    assert rule(NoLockoutRule).judge(w) is NOT_JUDGED


def test_shallow_fires_when_elbows_stay_bent_little():
    limit = CONFIG.faults.shallow.max_bottom_elbow_deg
    assert isinstance(rule(ShallowRule).judge(window(bottom=limit + 20)), Fault)
    assert rule(ShallowRule).judge(window(bottom=limit - 30)) is None


def test_shallow_is_robust_to_one_deep_glitch():
    angles = elbow_cycle(30, 170, CONFIG.faults.shallow.max_bottom_elbow_deg + 25)
    angles[15] = 40.0  # one impossible frame
    assert isinstance(rule(ShallowRule).judge(window(elbow_angle_deg=angles)), Fault)


def test_no_lockout_fires_when_arms_never_straighten():
    limit = CONFIG.faults.no_lockout.min_top_elbow_deg
    fault = rule(NoLockoutRule).judge(window(top=limit - 20))
    assert isinstance(fault, Fault) and fault.value < limit
    assert rule(NoLockoutRule).judge(window(top=175)) is None


def test_no_lockout_is_not_judged_when_the_top_was_not_seen():
    """A set's first rep, started as the person came into view on the way down, at a fast pace:
    the cycle ends (shoulders back up) while the elbows are still straightening."""
    limit = CONFIG.faults.no_lockout.min_top_elbow_deg
    angles = elbow_cycle(30, 175, 75)
    w = window(elbow_angle_deg=angles)
    # in view from mid-way down (frame 7) to the cycle's end, still rising under the limit (frame 22)
    assert angles[7] < limit and angles[22] < limit and angles[22] > angles[21]
    for top_frames in ((), w.frames[7:10]):  # none, or "top" frames already bending (3, min_frames)
        unseen = dataclasses.replace(w, frames=w.frames[len(top_frames) + 7:23], top_frames=top_frames)
        assert rule(NoLockoutRule).judge(unseen) is NOT_JUDGED
    # the same cycle after a seen top is judged on it (straight arms: clean)
    assert rule(NoLockoutRule).judge(dataclasses.replace(unseen, top_frames=w.top_frames)) is None
    # arms that stopped short of straight are a fault, seen at the cycle's end (they stop rising)...
    short = elbow_cycle(30, limit - 10, 75)[:28]
    stopped = window(elbow_angle_deg=short + [short[-1]] * 2)
    fault = rule(NoLockoutRule).judge(dataclasses.replace(stopped, top_frames=()))
    assert isinstance(fault, Fault) and fault.value < limit
    # ...or at the top before the cycle, however the cycle ends
    rising = dataclasses.replace(stopped, frames=stopped.frames[:27])
    assert isinstance(rule(NoLockoutRule).judge(rising), Fault)
    assert rule(NoLockoutRule).judge(dataclasses.replace(rising, top_frames=())) is NOT_JUDGED


def test_no_lockout_is_not_judged_on_a_cycle_the_counter_entered_on_the_way_down():
    """PushFit wrong17 darkened: the model found the person only mid-descent (elbows 110, 110, 106
    ...), and the cycle ended where the shoulders were as high as on that first frame, the elbows
    still straightening (93). The two equal first angles read as the arms' straightest at a turn;
    the counter knew the top was unseen (``top_seen`` False), and that decides."""
    limit = CONFIG.faults.no_lockout.min_top_elbow_deg
    down = [110.0, 110.0, 106.0, 103.0, 98.0, 95.0, 88.0, 84.0, 83.0]
    up = [81.0, 79.0, 80.0, 82.0, 83.0, 85.0, 93.0]
    frames = tuple(clean_frame(i / 25.0, a) for i, a in enumerate(down + up))
    entered = RepWindow(t_start_s=0.0, t_bottom_s=0.4, t_end_s=len(frames) / 25.0, frames=frames[3:],
                        top_frames=frames[:3], view=SIDE, variant="standard", depth_frac=0.9,
                        min_elbow_angle_deg=79.0, seconds_down=0.4, seconds_up=0.3, top_seen=False)
    assert max(down + up) < limit
    assert rule(NoLockoutRule).judge(entered) is NOT_JUDGED
    # the same frames after a top the counter saw: the arms' straightest (the tie) is a turn
    assert isinstance(rule(NoLockoutRule).judge(dataclasses.replace(entered, top_seen=True)), Fault)


# --- arms and shoulders -------------------------------------------------------------------

def test_elbow_flare_fires_from_the_front_and_is_not_judged_from_side_or_angled_views():
    limit = CONFIG.faults.elbow_flare.max_flare_deg
    assert isinstance(rule(ElbowFlareRule).judge(window(view=View.FRONT, elbow_flare_deg=limit + 15)), Fault)
    assert rule(ElbowFlareRule).judge(window(view=View.FRONT, elbow_flare_deg=limit - 15)) is None
    assert rule(ElbowFlareRule).judge(window(view=SIDE, elbow_flare_deg=limit + 15)) is NOT_JUDGED
    assert rule(ElbowFlareRule).judge(window(view=View.ANGLED, elbow_flare_deg=limit + 15)) is NOT_JUDGED
    # the feature is nan when the shoulders are not square to the camera: not judged either
    assert rule(ElbowFlareRule).judge(window(view=View.FRONT, elbow_flare_deg=NAN)) is NOT_JUDGED


@pytest.mark.parametrize("unseen_share, judged", [
    (0.0, True), (0.4, True),   # both elbows seen on every frame read, or on most of them
    (0.6, False), (1.0, False),  # one elbow guessed on most of them (hidden, the far side of a turned view)
])
def test_elbow_flare_is_judged_only_with_both_elbows_seen_on_most_frames_it_reads(unseen_share: float, judged: bool):
    limit = CONFIG.faults.elbow_flare.max_flare_deg
    frames = window(view=View.FRONT).frames
    lower = [i for i, f in enumerate(frames) if f in lower_half(frames, CONFIG.faults.lower_half_min_depth_frac)]
    unseen = [0] * len(frames)
    for i in lower[:round(unseen_share * len(lower))]:
        unseen[i] = 1
    verdict = rule(ElbowFlareRule).judge(window(view=View.FRONT, elbow_flare_deg=limit + 25, elbows_unseen=unseen))
    assert isinstance(verdict, Fault) if judged else verdict is NOT_JUDGED


def test_elbows_unseen_counts_the_elbows_under_the_visibility_limit():
    pose = side_pushup_pose(0.0, 0.0)
    assert raw_features(pose, CONFIG.features)["elbows_unseen"] == 0
    for hidden, expected in (((Landmark.LEFT_ELBOW,), 1), ((Landmark.LEFT_ELBOW, Landmark.RIGHT_ELBOW), 2)):
        vis = pose.visibility.copy()
        vis[[int(x) for x in hidden]] = CONFIG.features.min_visibility - 0.1
        assert raw_features(dataclasses.replace(pose, visibility=vis), CONFIG.features)["elbows_unseen"] == expected


def test_elbow_flare_threshold_has_its_biomechanical_meaning():
    """Beyond the trainers' 45-degree "arrow", well short of a 90-degree "T"."""
    assert 45.0 <= CONFIG.faults.elbow_flare.max_flare_deg < 90.0


def test_elbow_flare_looks_at_the_bottom_half_only():
    # flared near the top (arms point at the floor there: meaningless), tucked at the bottom
    angles = elbow_cycle()
    flare = [100.0 if a > 130 else 40.0 for a in angles]
    assert rule(ElbowFlareRule).judge(window(view=View.FRONT, elbow_flare_deg=flare)) is None


def test_shrug_fires_when_ears_and_shoulders_close_in_at_the_bottom():
    angles = elbow_cycle()
    ratio = [0.40 if a > 120 else 0.40 * (CONFIG.faults.shrug.min_ratio_of_top - 0.2) for a in angles]
    assert isinstance(rule(ShrugRule).judge(window(view=View.FRONT, shrug_ratio=ratio)), Fault)
    assert rule(ShrugRule).judge(window(view=View.FRONT)) is None


def test_asymmetry_fires_from_the_front_only():
    limit = CONFIG.faults.asymmetry.max_asymmetry_deg
    assert isinstance(rule(AsymmetryRule).judge(window(view=View.FRONT, asymmetry_deg=limit + 10)), Fault)
    assert rule(AsymmetryRule).judge(window(view=View.FRONT, asymmetry_deg=limit / 3)) is None
    assert rule(AsymmetryRule).judge(window(view=SIDE, asymmetry_deg=limit + 10)) is NOT_JUDGED
    # a 3/4 view half hides the far arm behind the body: its elbow angle is the model's guess
    assert rule(AsymmetryRule).judge(window(view=View.ANGLED, asymmetry_deg=limit + 10)) is NOT_JUDGED


# --- head and legs ------------------------------------------------------------------------

def test_head_drop_fires_for_hanging_and_craning_head():
    limit = CONFIG.faults.head_drop.max_neck_angle_deg
    assert isinstance(rule(HeadDropRule).judge(window(neck_angle_deg=limit + 15)), Fault)
    assert isinstance(rule(HeadDropRule).judge(window(neck_angle_deg=-(limit + 15))), Fault)
    assert rule(HeadDropRule).judge(window(neck_angle_deg=limit / 3)) is None
    assert rule(HeadDropRule).judge(window(view=View.FRONT, neck_angle_deg=limit + 30)) is NOT_JUDGED
    # from an angled camera the spine's image line is foreshortened, and the neck angle with it
    assert rule(HeadDropRule).judge(window(view=View.ANGLED, neck_angle_deg=limit + 30)) is NOT_JUDGED


def test_head_drop_ignores_implausible_neck_angles():
    cfg = CONFIG.faults.head_drop
    assert rule(HeadDropRule).judge(window(view=SIDE, neck_angle_deg=cfg.max_plausible_deg + 20)) is NOT_JUDGED
    mixed = [cfg.max_plausible_deg + 20 if i % 3 == 0 else 10.0 for i in range(30)]
    assert rule(HeadDropRule).judge(window(view=SIDE, neck_angle_deg=mixed)) is None


def test_knees_bent_fires_on_standard_and_is_off_for_knee_push_ups():
    limit = CONFIG.faults.knees_bent.min_knee_angle_deg
    assert isinstance(rule(KneesBentRule).judge(window(knee_angle_deg=limit - 30)), Fault)
    assert rule(KneesBentRule).judge(window(knee_angle_deg=175.0)) is None
    knee = window(variant="knee", knee_angle_deg=90.0)
    judgement = FaultChecker(CONFIG).judge(knee)
    assert "knees_bent" not in [f.name for f in judgement.faults]
    assert "knees_bent" not in judgement.not_judged  # off, not hidden by the view
    # the same rep on a standard push-up is a fault
    standard = FaultChecker(CONFIG).judge(window(knee_angle_deg=90.0))
    assert "knees_bent" in [f.name for f in standard.faults]


# --- tempo --------------------------------------------------------------------------------

def tempo_window(descent_s: float, fps: float = 30.0, top_s: float = 0.4, hold_s: float = 0.2,
                 drop: float = 0.5, attr: str = "depth_raw_frac", spike_at: float = NAN,
                 start_at_top: bool = True) -> RepWindow:
    """A rep whose shoulders drop by ``drop`` (cosine) in ``descent_s``, after ``top_s`` at the top."""
    def depth(t: float) -> float:
        if t < 0:
            return 0.0
        if t < descent_s:
            return drop * (0.5 - 0.5 * math.cos(math.pi * t / descent_s))
        if t < descent_s + hold_s:
            return drop
        return max(0.0, drop * (1 - (t - descent_s - hold_s) / 0.6))

    def frame(t: float) -> Features:
        d = depth(t)
        if math.isfinite(spike_at) and abs(t - spike_at) < 0.5 / fps:
            d = drop  # one jittery frame at the bottom
        f = clean_frame(t, 170 - 180 * d)
        return dataclasses.replace(f, **{attr: d})

    t_bottom = descent_s + hold_s / 2
    n = int(round((descent_s + hold_s + 0.6) * fps))
    frames = tuple(frame(i / fps) for i in range(n + 1))
    tops = tuple(frame(-top_s + i / fps) for i in range(int(top_s * fps))) if start_at_top else ()
    if not start_at_top:
        frames = tuple(f for f in frames if depth(f.t_s) > 0.3 * drop)
    return RepWindow(t_start_s=0.0, t_bottom_s=t_bottom, t_end_s=frames[-1].t_s, frames=frames, top_frames=tops,
                     view=SIDE, variant="standard", depth_frac=drop, min_elbow_angle_deg=80.0,
                     seconds_down=descent_s, seconds_up=0.6)


def test_rushed_negative_fires_on_a_drop_and_not_on_a_controlled_negative():
    limit = CONFIG.faults.rushed_negative.min_seconds_down
    # the 10-90 % time of a cosine descent is ~0.6 of the whole descent
    fault = rule(RushedNegativeRule).judge(tempo_window(descent_s=0.25))
    assert isinstance(fault, Fault) and fault.value < limit and fault.threshold == limit
    assert rule(RushedNegativeRule).judge(tempo_window(descent_s=1.0)) is None
    assert rule(RushedNegativeRule).judge(tempo_window(descent_s=0.8)) is None  # brisk but controlled


def test_rushed_negative_times_a_calibrating_first_rep_on_the_absolute_shoulder_drop():
    # normalised depth saturates early on a first rep (the range is still being calibrated);
    # the shoulder drop does not: a slow rep stays clean even if depth_frac jumps to the bottom
    w = tempo_window(descent_s=1.0)
    jumpy = tuple(dataclasses.replace(f, depth_frac=1.2 if f.depth_raw_frac > 0.05 else 0.0) for f in w.frames)
    assert rule(RushedNegativeRule).judge(dataclasses.replace(w, frames=jumpy)) is None
    # camera above: no shoulder drop measured, the normalised depth is timed instead
    assert isinstance(rule(RushedNegativeRule).judge(tempo_window(0.25, attr="depth_frac")), Fault)


def test_one_jittery_frame_does_not_make_a_slow_negative_rushed():
    assert rule(RushedNegativeRule).judge(tempo_window(descent_s=1.2, spike_at=0.2)) is None


def test_rushed_negative_needs_a_clear_top_and_a_deep_rep():
    # the cycle began mid-way down (after a rep without lockout): the descent cannot be timed
    assert rule(RushedNegativeRule).judge(tempo_window(0.25, start_at_top=False)) is NOT_JUDGED
    shallow_twitch = dataclasses.replace(tempo_window(0.2), depth_frac=CONFIG.faults.rushed_negative.min_depth_frac / 2)
    assert rule(RushedNegativeRule).judge(shallow_twitch) is NOT_JUDGED


def test_descent_seconds_is_the_10_to_90_percent_time():
    w = tempo_window(descent_s=1.0, fps=100.0)
    expected = (math.acos(1 - 2 * 0.9) - math.acos(1 - 2 * 0.1)) / math.pi  # cosine profile
    assert descent_seconds(w, 0.1, 0.9) == pytest.approx(expected, abs=0.02)


# --- a person too small in the picture ------------------------------------------------------

def test_every_rule_says_not_judged_for_a_person_too_small_in_the_picture():
    """Under [faults] min_body_px (the body's box diagonal in the pose model's input image) the
    landmarks are the model's blur, not the person: no rule judges, however clear the fault."""
    limit = CONFIG.faults.min_body_px
    assert limit == 128.0  # half the landmark model's 256-px input
    faulty = dict(hip_offset_frac=0.2, knee_angle_deg=110.0, neck_angle_deg=70.0)
    big = FaultChecker(CONFIG).judge(window(body_size_px=limit * 1.5, **faulty))
    small = FaultChecker(CONFIG).judge(window(body_size_px=limit * 0.75, **faulty))
    assert {f.name for f in big.faults} >= {"hip_sag", "knees_bent", "head_drop"}
    assert small.faults == () and small.score == 100
    assert set(small.not_judged) == set(CONFIG.faults.enabled)


def test_the_size_is_the_median_of_the_rep_and_an_unknown_size_judges():
    limit = CONFIG.faults.min_body_px
    one_small_frame = [limit * 0.5] + [limit * 2] * 29
    assert isinstance(rule(HipSagRule).judge(window(body_size_px=one_small_frame, hip_offset_frac=0.2)), Fault)
    assert isinstance(rule(HipSagRule).judge(window(hip_offset_frac=0.2)), Fault)  # body_size_px nan
    off = dataclasses.replace(CONFIG, faults=dataclasses.replace(CONFIG.faults, min_body_px=0.0))
    assert isinstance(HipSagRule(off).judge(window(body_size_px=10.0, hip_offset_frac=0.2)), Fault)


def test_push_evenly_needs_a_body_the_model_need_not_enlarge():
    """Left against right is a difference of two elbow angles: judged only on a body at least
    [faults.asymmetry] min_body_px (the landmark model's 256-px input), where the other rules judge
    from [faults] min_body_px (half that)."""
    own, general = CONFIG.faults.asymmetry.min_body_px, CONFIG.faults.min_body_px
    assert own == 256.0 > general
    lopsided = dict(view=View.FRONT, asymmetry_deg=CONFIG.faults.asymmetry.max_asymmetry_deg + 10)
    assert isinstance(rule(AsymmetryRule).judge(window(body_size_px=own * 1.1, **lopsided)), Fault)
    big = FaultChecker(CONFIG).judge(window(body_size_px=own * 1.1, **lopsided))
    between = FaultChecker(CONFIG).judge(window(body_size_px=(own + general) / 2, **lopsided))
    assert "asymmetry" not in big.not_judged  # the other rules judge the smaller body as the bigger one
    assert set(between.not_judged) == set(big.not_judged) | {"asymmetry"} and between.faults == ()
    off = dataclasses.replace(CONFIG, faults=dataclasses.replace(
        CONFIG.faults, asymmetry=dataclasses.replace(CONFIG.faults.asymmetry, min_body_px=0.0)))
    assert isinstance(AsymmetryRule(off).judge(window(body_size_px=(own + general) / 2, **lopsided)), Fault)


def test_no_lockout_is_not_judged_from_above():
    """Seen from above the back (the torso up the image), straight arms point down at the floor,
    away from the camera: their image angle is noise, so arms short of straight are not judged."""
    bent_top = dict(top=120.0, bottom=75.0)
    assert isinstance(rule(NoLockoutRule).judge(window(**bent_top)), Fault)
    assert rule(NoLockoutRule).judge(window(body_upright_in_image=True, **bent_top)) is NOT_JUDGED
    half = [i < 15 for i in range(30)]  # half the rep's frames: not a majority
    assert isinstance(rule(NoLockoutRule).judge(window(body_upright_in_image=half, **bent_top)), Fault)


def test_a_rep_whose_top_was_never_seen_is_judged_on_its_elbows_and_not_timed():
    # The person came into view on the way down: the shoulder drop is measured from the highest
    # point seen yet, not from their top, so depth falls back on the elbows, and the descent
    # cannot be timed.
    limit = CONFIG.faults.shallow.min_shoulder_drop_frac
    short_drop = [0.6 * limit * (170 - a) / 95 for a in elbow_cycle()]
    assert isinstance(rule(ShallowRule).judge(window(depth_raw_frac=short_drop)), Fault)
    unseen = dataclasses.replace(window(depth_raw_frac=short_drop), top_seen=False)
    assert rule(ShallowRule).judge(unseen) is None  # elbows at 75 deg: deep
    bent_little = dataclasses.replace(window(depth_raw_frac=short_drop, bottom=CONFIG.faults.shallow.max_bottom_elbow_deg + 20),
                                      top_seen=False)
    assert isinstance(rule(ShallowRule).judge(bent_little), Fault)
    assert isinstance(rule(RushedNegativeRule).judge(tempo_window(0.25)), Fault)
    assert rule(RushedNegativeRule).judge(dataclasses.replace(tempo_window(0.25), top_seen=False)) is NOT_JUDGED


def test_a_rep_whose_drop_cannot_be_read_from_the_cameras_height_is_not_judged_shallow():
    # A camera looking down from higher than [reps] max_camera_elevation_deg: the counter marks the
    # window's drop unread, and the elbows' angle in the picture is foreshortened as well: neither
    # is read, however deep or shallow either looks.
    limit = CONFIG.faults.shallow.min_shoulder_drop_frac
    short_drop = [0.6 * limit * (170 - a) / 95 for a in elbow_cycle()]
    assert isinstance(rule(ShallowRule).judge(window(depth_raw_frac=short_drop)), Fault)
    assert rule(ShallowRule).judge(dataclasses.replace(window(depth_raw_frac=short_drop), drop_read=False)) \
        is NOT_JUDGED
    bent_little = window(depth_raw_frac=short_drop, bottom=CONFIG.faults.shallow.max_bottom_elbow_deg + 20)
    assert isinstance(rule(ShallowRule).judge(dataclasses.replace(bent_little, top_seen=False)), Fault)
    assert rule(ShallowRule).judge(dataclasses.replace(bent_little, drop_read=False)) is NOT_JUDGED
