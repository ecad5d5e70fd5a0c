"""Every exercise profile on hand-built poses: the posture each profile describes matches it best.

Poses are built in metres in the body's sagittal plane (``x`` toward the head, ``h`` height
above the floor, ``z`` across the body: left +, right -) and seen by an orthographic camera
turned ``yaw_deg`` from side-on (0 = the person's left side faces the camera, 90 = head-on);
world landmarks are camera-aligned and centred between the hips, as MediaPipe's are. The
builders are imported by the other exercise and hold tests.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Dict, Optional, Tuple

import numpy as np
import pytest

from livecoach.config.exercises import load_exercises
from livecoach.landmarks import NUM_LANDMARKS, Landmark as L
from livecoach.logic.exercises import match_profile
from livecoach.logic.posture import measure_posture
from livecoach.types import PoseFrame

LIB = load_exercises()
CFG = LIB.recognition

Point = Tuple[float, float]
PX_PER_M = 200.0

#: Which landmarks follow which sagittal joint (left/right pairs).
_PAIRS = {
    "shoulder": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), "elbow": (L.LEFT_ELBOW, L.RIGHT_ELBOW),
    "wrist": (L.LEFT_WRIST, L.RIGHT_WRIST), "hip": (L.LEFT_HIP, L.RIGHT_HIP), "knee": (L.LEFT_KNEE, L.RIGHT_KNEE),
    "ankle": (L.LEFT_ANKLE, L.RIGHT_ANKLE), "ear": (L.LEFT_EAR, L.RIGHT_EAR),
}
_HALF = {"shoulder": 0.18, "elbow": 0.2, "wrist": 0.2, "hip": 0.12, "knee": 0.11, "ankle": 0.1, "ear": 0.07}


def make_pose(joints: Dict[str, Point], t_s: float = 0.0, yaw_deg: float = 0.0, roll_deg: float = 0.0,
              hand_half_m: Optional[float] = None, left: Optional[Dict[str, Point]] = None,
              right: Optional[Dict[str, Point]] = None, frame_index: int = 0) -> PoseFrame:
    """A PoseFrame from sagittal joints (x, h) in metres; ``left``/``right`` override one side.

    ``roll_deg`` turns the body about its long axis (90 = lying on its right side: a side
    plank); ``hand_half_m`` is half the distance between the wrists.
    """
    xyz_world = np.zeros((NUM_LANDMARKS, 3))
    vis = np.zeros(NUM_LANDMARKS)
    roll = math.radians(roll_deg)
    for name, (lm_left, lm_right) in _PAIRS.items():
        half = hand_half_m if (name == "wrist" and hand_half_m is not None) else _HALF[name]
        for lm, sign, side in ((lm_left, 1.0, left), (lm_right, -1.0, right)):
            x, h = (side or {}).get(name, joints[name])
            z = sign * half
            # roll about the long axis: the across-body offset turns into height
            xyz_world[int(lm)] = (x, h + z * math.sin(roll), z * math.cos(roll))
            vis[int(lm)] = 0.95
    nose = np.array(joints.get("nose", (joints["ear"][0] + 0.08, joints["ear"][1] - 0.03)))
    xyz_world[int(L.NOSE)] = (nose[0], nose[1], 0.0)
    vis[int(L.NOSE)] = 0.95
    yaw = math.radians(yaw_deg)
    x, h, z = xyz_world[:, 0], xyz_world[:, 1], xyz_world[:, 2]
    cam_x = x * math.cos(yaw) + z * math.sin(yaw)
    cam_depth = -x * math.sin(yaw) + z * math.cos(yaw)
    cam = np.stack([cam_x, -h, cam_depth], axis=1)  # camera-aligned, y down
    hips = (cam[int(L.LEFT_HIP)] + cam[int(L.RIGHT_HIP)]) / 2.0
    world = cam - hips
    image = np.stack([100.0 + cam_x * PX_PER_M, 400.0 - h * PX_PER_M, cam_depth * PX_PER_M], axis=1)
    return PoseFrame(t_s=t_s, frame_index=frame_index, width=640, height=480, image_xyz=image,
                     visibility=vis, world_xyz=world)


def _line(a: Point, b: Point, f: float) -> Point:
    return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)


def plank_joints(shoulder: Point = (1.25, 0.58), ankle: Point = (0.0, 0.08), wrist: Point = (1.25, 0.04),
                 sag_m: float = 0.0) -> Dict[str, Point]:
    """A straight-arm plank (standard push-up top); ``sag_m`` drops the hips below the line."""
    hip = _line(ankle, shoulder, 0.6)
    hip = (hip[0], hip[1] - sag_m)
    return {"shoulder": shoulder, "elbow": _line(shoulder, wrist, 0.5), "wrist": wrist, "hip": hip,
            "knee": _line(ankle, hip, 0.5), "ankle": ankle, "ear": (shoulder[0] + 0.2, shoulder[1] + 0.06)}


STANDARD_TOP = plank_joints()
STANDARD_BOTTOM = {**plank_joints(shoulder=(1.3, 0.16)), "elbow": (1.05, 0.3), "wrist": (1.25, 0.04)}
KNEE_TOP = {"shoulder": (1.27, 0.54), "elbow": (1.28, 0.29), "wrist": (1.27, 0.04), "hip": (0.86, 0.3),
            "knee": (0.45, 0.06), "ankle": (0.1, 0.22), "ear": (1.47, 0.6)}
# Incline: hands on a ~0.45 m bench, body at 38 degrees, arms square to it.
INCLINE_TOP = plank_joints(shoulder=(1.064, 0.91), wrist=(1.43, 0.44))
# Wall: hands on the wall at ~1.2 m, body leaning at 75 degrees.
WALL_TOP = plank_joints(shoulder=(0.35, 1.38), wrist=(0.93, 1.22))
# Decline: feet on a 0.6 m box.
DECLINE_TOP = plank_joints(shoulder=(1.3, 0.62), ankle=(0.0, 0.65), wrist=(1.3, 0.04))
PIKE_TOP = {"shoulder": (1.0, 0.45), "elbow": (1.07, 0.25), "wrist": (1.15, 0.04), "hip": (0.6, 0.9),
            "knee": (0.3, 0.5), "ankle": (0.0, 0.08), "ear": (1.1, 0.35)}
FOREARM_PLANK = {**plank_joints(shoulder=(1.25, 0.34), wrist=(1.5, 0.04)), "elbow": (1.25, 0.04)}
STANDING_SQUAT = {"shoulder": (0.0, 1.1), "elbow": (0.28, 1.1), "wrist": (0.55, 1.1), "hip": (-0.15, 0.6),
                  "knee": (0.15, 0.45), "ankle": (0.0, 0.08), "ear": (0.05, 1.25)}
BENCH_DIP = {"shoulder": (0.0, 0.85), "elbow": (-0.2, 0.7), "wrist": (-0.1, 0.45), "hip": (0.05, 0.3),
             "knee": (0.5, 0.45), "ankle": (0.55, 0.08), "ear": (0.05, 1.0)}


def posture_of(joints: Dict[str, Point], **kw):
    return measure_posture(make_pose(joints, **kw), CFG)


def best_rep_profile(posture) -> str:
    matches = sorted((match_profile(posture, p, CFG) for p in LIB.values() if p.kind == "reps"),
                     key=lambda m: -m.score)
    assert matches[0].score >= CFG.min_confidence, matches[:3]
    # ties (e.g. standard/wide/diamond from the side) resolve to the one every other extends
    tied = [m.name for m in matches if m.score >= matches[0].score - CFG.tie_score]
    return "standard" if "standard" in tied else tied[0]


# --------------------------------------------------------------------------- geometry
def test_posture_of_a_standard_plank_from_the_side():
    p = posture_of(STANDARD_TOP)
    assert p.body_angle_feet_deg == pytest.approx(21.7, abs=1.0)
    assert p.hands_height_feet_frac == pytest.approx(-0.03, abs=0.02)
    assert p.forearm_angle_deg == pytest.approx(90.0, abs=1.0)
    assert p.shoulder_tilt_deg == pytest.approx(0.0, abs=1.0)
    assert p.hip_angle_deg == pytest.approx(180.0, abs=6.0)  # shoulders wider than hips: not exactly 180
    assert p.hip_offset_feet_frac == pytest.approx(0.0, abs=0.01)
    assert p.knee_angle_deg == pytest.approx(180.0, abs=6.0)
    assert p.knee_above_ankle_frac > 0.2
    assert math.isnan(p.hand_width_ratio)  # side-on: the view cannot show the hand width


def test_posture_does_not_depend_on_the_camera_yaw():
    side, angled = posture_of(STANDARD_TOP), posture_of(STANDARD_TOP, yaw_deg=50)
    for name in ("body_angle_feet_deg", "hands_height_feet_frac", "forearm_angle_deg", "hip_angle_deg",
                 "knee_angle_deg", "knee_above_ankle_frac"):
        assert getattr(angled, name) == pytest.approx(getattr(side, name), abs=1e-3), name


def test_sagging_hips_read_positive_offset_toward_the_floor():
    assert posture_of(plank_joints(sag_m=0.12)).hip_offset_feet_frac == pytest.approx(0.12 * math.cos(math.radians(21.7)) / 1.35, abs=0.01)
    assert posture_of(plank_joints(sag_m=-0.12)).hip_offset_feet_frac < -0.07


def test_hand_width_is_measured_from_a_three_quarter_view():
    p = posture_of(STANDARD_TOP, yaw_deg=60, hand_half_m=0.2)
    assert p.hand_width_ratio == pytest.approx(0.2 / 0.18, rel=0.02)  # wrists 0.4 m, shoulders 0.36 m
    assert math.isnan(posture_of(STANDARD_TOP, yaw_deg=10).hand_width_ratio)


# --------------------------------------------------------------------------- one test per profile
@pytest.mark.parametrize("joints,expected", [
    (STANDARD_TOP, "standard"), (STANDARD_BOTTOM, "standard"), (KNEE_TOP, "knee"), (INCLINE_TOP, "incline"),
    (WALL_TOP, "wall"), (DECLINE_TOP, "decline"), (PIKE_TOP, "pike"),
])
def test_each_rep_profile_matches_its_own_posture_best(joints, expected):
    assert best_rep_profile(posture_of(joints)) == expected


@pytest.mark.parametrize("half,expected", [(0.22, "standard"), (0.36, "wide"), (0.06, "diamond")])
def test_hand_width_variants_from_a_view_that_shows_it(half, expected):
    posture = posture_of(STANDARD_TOP, yaw_deg=60, hand_half_m=half)
    scores = {n: match_profile(posture, LIB[n], CFG).score for n in ("standard", "wide", "diamond")}
    assert max(scores, key=scores.get) == expected
    assert sorted(scores.values())[-2] < scores[expected] - CFG.tie_score


def test_side_view_cannot_tell_hand_width_apart():
    posture = posture_of(STANDARD_TOP, hand_half_m=0.33)
    for name in ("standard", "wide", "diamond"):
        m = match_profile(posture, LIB[name], CFG)
        assert m.score == 1.0 and m.unjudged == ("hand_width",)


def test_knee_push_up_is_not_a_standard_push_up_and_vice_versa():
    knee = posture_of(KNEE_TOP)
    assert match_profile(knee, LIB["standard"], CFG).score <= match_profile(knee, LIB["knee"], CFG).score - 0.25
    assert match_profile(posture_of(STANDARD_TOP), LIB["knee"], CFG).score < 0.5



def test_knee_push_up_with_flat_shins_is_a_known_tie():
    # Shins flat on the floor: the knee reads ~150 degrees (the thigh rises ~30 degrees) and the
    # knee is level with the ankle; a standard push-up seen by a camera above can read the same
    # knee height. Both profiles fit: the recogniser must not guess (see the recogniser tests).
    flat = posture_of({**KNEE_TOP, "ankle": (0.05, 0.06)})
    assert match_profile(flat, LIB["knee"], CFG).score == 1.0
    assert match_profile(flat, LIB["standard"], CFG).score == 1.0


def test_pike_is_not_a_standard_push_up():
    assert match_profile(posture_of(PIKE_TOP), LIB["standard"], CFG).score < 0.5


def _ankles_unseen(pose: PoseFrame) -> PoseFrame:
    vis = pose.visibility.copy()
    vis[[int(L.LEFT_ANKLE), int(L.RIGHT_ANKLE)]] = 0.1  # as dim light leaves the feet
    return dataclasses.replace(pose, visibility=vis)


def test_a_pike_push_up_is_told_by_the_hips_above_the_line_to_the_feet_not_by_a_folded_hip_alone():
    """With the feet unseen the hips' height above the shoulder-feet line is not measured, and the
    pike's posture matches nothing: a folded hip angle (here the pike's own) does not name it."""
    seen = measure_posture(make_pose(PIKE_TOP), CFG)
    assert match_profile(seen, LIB["pike"], CFG).score == 1.0
    unseen = measure_posture(_ankles_unseen(make_pose(PIKE_TOP)), CFG)
    assert math.isnan(unseen.hip_offset_feet_frac) and 40 <= unseen.hip_angle_deg <= 130
    match = match_profile(unseen, LIB["pike"], CFG)
    assert (match.score, match.worst) == (0.0, "hip_offset") and "hip_offset" in match.unjudged
    assert LIB["pike"].position.required == ("hip_offset",) and LIB["standard"].position.required == ()


def test_the_measurements_a_profile_may_require_are_the_ones_its_ranges_bound():
    from livecoach.config.exercises import MEASUREMENTS
    from livecoach.logic.exercises import _RANGE_FIELDS

    assert MEASUREMENTS == tuple(key for key, _ in _RANGE_FIELDS)


def test_decline_needs_feet_clearly_raised():
    low_step = plank_joints(shoulder=(1.3, 0.6), ankle=(0.0, 0.25), wrist=(1.3, 0.04))  # ~17 cm: standard
    assert best_rep_profile(posture_of(low_step)) == "standard"


def test_hold_profiles_match_their_postures():
    assert match_profile(posture_of(STANDARD_TOP), LIB["plank"], CFG).score == 1.0
    assert match_profile(posture_of(FOREARM_PLANK), LIB["forearm_plank"], CFG).score == 1.0
    assert match_profile(posture_of(FOREARM_PLANK), LIB["plank"], CFG).score < 0.5
    side = posture_of(FOREARM_PLANK, roll_deg=80)
    assert match_profile(side, LIB["side_plank"], CFG).score == 1.0
    assert match_profile(side, LIB["forearm_plank"], CFG).score < 0.5
    assert match_profile(posture_of(WALL_TOP), LIB["scapular_wall_hold"], CFG).score == 1.0


def test_lookalike_postures_fit_no_push_up():
    for joints in (STANDING_SQUAT, BENCH_DIP):
        posture = posture_of(joints)
        assert all(match_profile(posture, p, CFG).score < 0.5 for p in LIB.values() if p.kind == "reps"), joints


def test_profiles_are_distinct_where_it_matters():
    # Each variant's declared differences (the list) are in its profile.
    assert "knees_bent" not in LIB["knee"].faults.enabled and LIB["knee"].position.body_end == "knees"
    assert "hip_pike" not in LIB["pike"].faults.enabled and LIB["pike"].position.hip_angle_max_deg <= 135
    assert LIB["incline"].rep.depth_reference == "support" and LIB["wall"].rep.depth_reference == "support"
    assert LIB["decline"].position.hands_height_max_frac < 0
    assert LIB["scapular"].rep.signal == "shoulder_protraction"
    assert LIB["side_plank"].cues["hip_sag"] == "Hips up"
    assert LIB["plank"].cues["hip_sag"] == "Tuck your tailbone"
    assert {p.name for p in LIB.values() if p.kind == "hold"} == {"plank", "forearm_plank", "side_plank",
                                                                   "scapular_wall_hold"}
    assert dataclasses.is_dataclass(LIB["standard"]) and LIB["standard"].advice
