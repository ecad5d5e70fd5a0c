"""Feature functions on hand-built poses, the One-Euro filter and the extractor."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.stream_transforms import turned_view_frames
from livecoach.formats.recording import RecordedFrame
from livecoach.logic.features import FeatureExtractor, OneEuroFilter, folded_arms_unseen, raw_features
from livecoach.logic.geometry import (angle_deg, asymmetry_deg, body_angle_deg, combine_sides,
                                      elbow_abduction_image_deg, elbow_angle_side_deg, elbow_flare_deg,
                                      elbow_spread_frac, facing_side, hip_offset_frac, hip_offset_knee_frac,
                                      knee_angle_deg, neck_angle_deg, shoulder_above_wrist_px,
                                      shrug_ratio, torso_upright_in_image, vectors_angle_deg,
                                      wrist_along_torso_frac)
from livecoach.landmarks import Landmark as L
from livecoach.types import PoseFrame
from helpers import pose_from_points, side_plank, side_pushup_pose, side_view_points

CFG = load_config()
V = CFG.features.min_visibility
M = CFG.features.facing_visibility_margin


def measured(pose: PoseFrame) -> tuple:
    """``(pose, min_visibility, facing side)``: the arguments of the one-side measurements."""
    return pose, V, facing_side(pose, M)


FLARE_ARGS = (CFG.features.upper_arm_shoulder_widths, CFG.features.upright_torso_min_deg,
              CFG.features.flare_max_shoulder_yaw_deg)


def deep_side_on(points) -> PoseFrame:
    """A pose of ``points`` (:func:`helpers.side_plank`'s near side) whose shoulders lie 110 px apart
    along the depth, as in a real side view, so that a camera turned round it
    (:func:`turned_view_frames`) sees a body with depth."""
    joints = {name[5:]: points[L[name]][:2] for name in ("LEFT_SHOULDER", "LEFT_ELBOW", "LEFT_WRIST", "LEFT_HIP",
                                                         "LEFT_KNEE", "LEFT_ANKLE", "LEFT_EAR")}
    return pose_from_points(side_view_points(joints, near_z=-55.0, far_z=55.0))


def test_angle_deg_right_angle_and_degenerate():
    assert angle_deg(np.array([1, 0]), np.array([0, 0]), np.array([0, 1])) == pytest.approx(90.0)
    assert math.isnan(angle_deg(np.array([0, 0]), np.array([0, 0]), np.array([0, 1])))


def test_vectors_angle_is_nan_for_a_nan_or_zero_vector():
    assert vectors_angle_deg(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(90.0)
    assert math.isnan(vectors_angle_deg(np.array([np.nan, 0.0]), np.array([0.0, 2.0])))
    assert math.isnan(vectors_angle_deg(np.array([1.0, 0.0]), np.array([np.nan, np.nan])))
    assert math.isnan(vectors_angle_deg(np.array([0.0, 0.0]), np.array([0.0, 2.0])))


@pytest.mark.parametrize("elbow", [180.0, 120.0, 90.0, 60.0])
def test_elbow_angle_matches_built_pose(elbow):
    pose = pose_from_points(side_plank(elbow_deg=elbow))
    assert elbow_angle_side_deg(pose, "left", V) == pytest.approx(elbow, abs=0.5)


def test_elbow_angle_nan_when_arm_hidden():
    pose = pose_from_points(side_plank(), hidden=(L.LEFT_WRIST,))
    assert math.isnan(elbow_angle_side_deg(pose, "left", V))


@pytest.mark.parametrize("elbow, folded", [(10.0, True), (19.0, True), (25.0, False), (45.0, False), (180.0, False)])
def test_an_arm_folded_past_any_push_up_has_its_hand_unseen(elbow, folded):
    """side_plank bends both arms alike (both sides share the image points): under
    ``[features] min_plausible_elbow_deg`` (20) both hands are set unseen, the rest of the pose kept."""
    pose = pose_from_points(side_plank(elbow_deg=elbow))
    out = folded_arms_unseen(pose, V, CFG.features.min_plausible_elbow_deg)
    hands = [int(lm) for lm in (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_INDEX, L.RIGHT_THUMB)]
    assert bool(np.all(out.visibility[hands] == 0.0)) is folded
    others = [i for i in range(len(pose.visibility)) if i not in
              {int(lm) for lm in (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_PINKY, L.RIGHT_PINKY, L.LEFT_INDEX,
                                  L.RIGHT_INDEX, L.LEFT_THUMB, L.RIGHT_THUMB)}]
    assert np.array_equal(out.visibility[others], pose.visibility[others])
    assert out is pose or folded
    assert folded_arms_unseen(pose, V, 0.0) is pose  # off
    features = FeatureExtractor(CFG.features).update(pose)
    assert features.hands_unseen is folded and math.isnan(features.elbow_angle_deg) is folded


@pytest.mark.parametrize("degrees, judged", [(0.0, True), (20.0, True), (40.0, False), (-60.0, False)])
def test_a_folded_arm_is_judged_only_near_side_on(degrees, judged):
    """The same folded arm (10 degrees) seen from a camera turned round the body: within
    ``[features] folded_arm_max_turn_deg`` (30) of side-on its hand is set unseen; further round
    the picture no longer shows the elbow's true angle, and the pose is kept as it is."""
    side_on = deep_side_on(side_plank(elbow_deg=10.0))
    turned = turned_view_frames([RecordedFrame(0, 0.0, side_on)], degrees)[0].pose
    assert elbow_angle_side_deg(turned, "left", V) < CFG.features.min_plausible_elbow_deg  # reads folded
    out = folded_arms_unseen(turned, V, CFG.features.min_plausible_elbow_deg, CFG.features.folded_arm_max_turn_deg)
    assert (out is not turned) is judged
    assert bool(out.visibility[int(L.LEFT_WRIST)] == 0.0) is judged


def test_combine_sides_prefers_visible_side_and_averages_when_equal():
    assert combine_sides(100.0, 160.0, 0.9, 0.2) == 100.0
    assert combine_sides(100.0, 160.0, 0.2, 0.9) == 160.0
    assert combine_sides(100.0, 160.0, 0.9, 0.85) == 130.0
    assert combine_sides(math.nan, 160.0, 0.9, 0.9) == 160.0


@pytest.mark.parametrize("facing", ["left", "right"])
def test_hip_offset_sign_sag_positive_pike_negative(facing):
    straight = hip_offset_frac(*measured(pose_from_points(side_plank(facing=facing))))
    sag = hip_offset_frac(*measured(pose_from_points(side_plank(hip_dy=30.0, facing=facing))))
    pike = hip_offset_frac(*measured(pose_from_points(side_plank(hip_dy=-30.0, facing=facing))))
    assert abs(straight) < 0.01
    assert sag == pytest.approx(30.0 / np.hypot(300, 20), rel=0.05)
    assert pike < -0.08


def test_hip_offset_sign_does_not_depend_on_head_direction():
    pts = side_plank(hip_dy=30.0)
    mirrored = {lm: (640 - p[0], p[1], p[2]) for lm, p in pts.items()}
    assert hip_offset_frac(*measured(pose_from_points(mirrored))) > 0.08


def test_knee_angle_straight_and_bent():
    assert knee_angle_deg(*measured(pose_from_points(side_plank()))) == pytest.approx(180.0, abs=1.0)
    assert knee_angle_deg(*measured(pose_from_points(side_plank(knee_dy=40.0)))) < 150.0


def test_body_angle_flat_plank_and_standing():
    assert body_angle_deg(pose_from_points(side_plank()), V) < 10.0
    standing = {L.LEFT_SHOULDER: (300, 100), L.RIGHT_SHOULDER: (340, 100), L.LEFT_HIP: (305, 220),
                L.RIGHT_HIP: (335, 220), L.LEFT_ANKLE: (305, 340), L.RIGHT_ANKLE: (335, 340),
                L.LEFT_WRIST: (290, 220), L.RIGHT_WRIST: (350, 220), L.LEFT_ELBOW: (292, 160),
                L.RIGHT_ELBOW: (348, 160)}
    pose = pose_from_points(standing)
    assert body_angle_deg(pose, V) > 80.0
    assert wrist_along_torso_frac(pose, V) == pytest.approx(1.0, abs=0.05)


def test_shoulder_height_above_wrists_drops_with_depth():
    top = shoulder_above_wrist_px(pose_from_points(side_plank(elbow_deg=180)), V)
    bottom = shoulder_above_wrist_px(pose_from_points(side_plank(elbow_deg=70)), V)
    assert top == pytest.approx(120.0, abs=0.5)
    assert bottom < top * 0.7


def test_each_shoulder_is_measured_over_its_own_wrist():
    """Seen side-on from a camera above the floor, the far side lies higher up the picture: the far
    shoulder (seen) over the near wrist (the far one hidden) would add that offset to the height."""
    def plank(drop_px: float, far_up_px: float, far_wrist_seen: bool) -> PoseFrame:
        points = {L.LEFT_SHOULDER: (150, 150 + drop_px), L.LEFT_WRIST: (150, 270),
                  L.RIGHT_SHOULDER: (150, 150 + drop_px - far_up_px), L.RIGHT_WRIST: (150, 270 - far_up_px),
                  L.LEFT_HIP: (300, 160), L.RIGHT_HIP: (300, 160 - far_up_px)}
        return pose_from_points(points, hidden=() if far_wrist_seen else (L.RIGHT_WRIST,))

    for far_up in (0.0, 30.0):
        for seen in (True, False):
            top = shoulder_above_wrist_px(plank(0.0, far_up, seen), V)
            bottom = shoulder_above_wrist_px(plank(60.0, far_up, seen), V)
            assert top == pytest.approx(120.0) and bottom == pytest.approx(60.0)  # half their height, any view
    # neither side shows its shoulder and its wrist: the shoulder seen over the wrist seen
    crossed = pose_from_points({L.LEFT_SHOULDER: (150, 150), L.RIGHT_WRIST: (150, 250)})
    assert shoulder_above_wrist_px(crossed, V) == pytest.approx(100.0)
    assert math.isnan(shoulder_above_wrist_px(pose_from_points({L.LEFT_SHOULDER: (150, 150)}), V))


def test_neck_angle_sign_drop_positive_crane_negative():
    drop = neck_angle_deg(*measured(pose_from_points(side_plank(head_dy=40.0))))
    crane = neck_angle_deg(*measured(pose_from_points(side_plank(head_dy=-40.0))))
    assert drop > 20.0
    assert crane < -20.0


def test_flare_shrug_asymmetry_from_world():
    # front-ish pose in the world: torso along y, arms out at 90 deg (a T) vs along the body
    def pose(arm_dir):
        pts = {L.LEFT_SHOULDER: (280, 100, 0), L.RIGHT_SHOULDER: (360, 100, 0), L.LEFT_HIP: (290, 250, 0),
               L.RIGHT_HIP: (350, 250, 0), L.LEFT_EAR: (300, 60, 0), L.RIGHT_EAR: (340, 60, 0)}
        for side, sx in (("LEFT", -1), ("RIGHT", 1)):
            sh = np.array(pts[L[f"{side}_SHOULDER"]], dtype=float)
            d = np.array([sx * arm_dir[0], arm_dir[1], 0.0])
            pts[L[f"{side}_ELBOW"]] = tuple(sh + 60 * d)
            pts[L[f"{side}_WRIST"]] = tuple(sh + 120 * d)
        return pose_from_points(pts)
    t_pose = pose((1.0, 0.0))
    tucked = pose((0.0, 1.0))
    # torso long and upright in the image: a camera above the back sees the abduction directly
    assert elbow_flare_deg(t_pose, V, *FLARE_ARGS) == pytest.approx(90.0, abs=5.0)
    assert elbow_flare_deg(tucked, V, *FLARE_ARGS) < 10.0
    assert shrug_ratio(t_pose, V) == pytest.approx(np.hypot(20, 40) / np.hypot(10, 150), rel=0.02)
    assert asymmetry_deg(t_pose, V) == pytest.approx(0.0, abs=0.5)


def test_one_euro_filter_smooths_jitter_and_follows_steps():
    f = OneEuroFilter(min_cutoff_hz=1.0, beta=0.0, d_cutoff_hz=1.0)
    rng = np.random.default_rng(0)
    out = [f(i / 30.0, 100.0 + rng.normal(0, 2.0)) for i in range(60)]
    assert np.std(out[30:]) < 1.0
    assert math.isnan(f(2.1, math.nan))
    # after a long gap the filter restarts at the new value instead of gliding to it
    assert f(10.0, 50.0) == 50.0


def test_feature_extractor_outputs_features_and_none_for_no_pose():
    ex = FeatureExtractor(CFG.features)
    assert ex.update(None) is None
    f = ex.update(pose_from_points(side_plank(elbow_deg=90), t_s=0.0))
    assert f is not None and f.elbow_angle_deg == pytest.approx(90.0, abs=1.0)
    assert f.body_angle_deg < 10.0 and not f.body_upright_in_image


# --- elbow flare from the views that show it ---------------------------------------------

def front_bottom(abduction_deg: float, yaw_deg: float = 0.0) -> PoseFrame:
    """Bottom of a push-up seen from the head end, camera at floor level: shoulders across the
    image, torso running away from the camera (hips hidden behind the shoulders), upper arms
    horizontal at ``abduction_deg`` from the torso axis. World coordinates are built in 3-D
    (x across, y down, z away from the camera); the image is their orthographic view, with
    the shoulder line turned ``yaw_deg`` out of the image plane."""
    width = 0.36  # metres between the shoulder landmarks
    arm = CFG.features.upper_arm_shoulder_widths * width
    a = math.radians(abduction_deg)
    world = {}
    for side, sx in (("LEFT", -1.0), ("RIGHT", 1.0)):
        sh = np.array([sx * width / 2, 0.0, 0.0])
        world[L[f"{side}_SHOULDER"]] = sh
        world[L[f"{side}_ELBOW"]] = sh + [sx * arm * math.sin(a), 0.0, arm * math.cos(a)]
        world[L[f"{side}_WRIST"]] = world[L[f"{side}_ELBOW"]] + [0.0, 0.25, 0.0]
        world[L[f"{side}_HIP"]] = np.array([sx * 0.15, -0.05, 0.5])
        world[L[f"{side}_EAR"]] = np.array([sx * 0.07, -0.02, -0.15])
    y = math.radians(yaw_deg)
    rot = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    pts = {}
    for lm, w in world.items():
        r = rot @ w
        pts[lm] = (320 + 400 * r[0], 250 + 400 * r[1], 400 * r[2])
    pose = pose_from_points(pts, world_scale=1.0 / 400)
    # pose_from_points puts the world origin at the hips from the image; z is kept (depth)
    return pose


def test_elbow_flare_from_the_front_reads_the_abduction_from_the_sideways_reach():
    for deg in (20.0, 45.0, 70.0, 90.0):
        pose = front_bottom(deg)
        assert not torso_upright_in_image(pose, V, CFG.features.upright_torso_min_deg)
        assert elbow_spread_frac(pose, V) == pytest.approx(CFG.features.upper_arm_shoulder_widths
                                                            * math.sin(math.radians(deg)), abs=0.01)
        assert elbow_flare_deg(pose, V, *FLARE_ARGS) == pytest.approx(deg, abs=1.0)


def test_elbow_flare_is_not_measured_in_a_three_quarter_view():
    limit = CFG.features.flare_max_shoulder_yaw_deg
    assert math.isfinite(elbow_flare_deg(front_bottom(45.0, yaw_deg=limit / 2), V, *FLARE_ARGS))
    assert math.isnan(elbow_flare_deg(front_bottom(45.0, yaw_deg=limit + 15), V, *FLARE_ARGS))


def test_elbow_flare_from_above_is_the_image_angle_to_the_torso_midline():
    # camera above the back: torso runs down the image, arms out at 60 degrees from it
    pts = {L.LEFT_SHOULDER: (280, 100, 0), L.RIGHT_SHOULDER: (360, 100, 0), L.LEFT_HIP: (295, 260, 0),
           L.RIGHT_HIP: (345, 260, 0)}
    for side, sx in (("LEFT", -1), ("RIGHT", 1)):
        sh = np.array(pts[L[f"{side}_SHOULDER"]][:2], dtype=float)
        el = sh + 70 * np.array([sx * math.sin(math.radians(60)), math.cos(math.radians(60))])
        pts[L[f"{side}_ELBOW"]] = (el[0], el[1], 0)
        pts[L[f"{side}_WRIST"]] = (el[0], el[1] - 60, 0)
    pose = pose_from_points(pts)
    assert torso_upright_in_image(pose, V, CFG.features.upright_torso_min_deg)
    assert elbow_abduction_image_deg(pose, V) == pytest.approx(60.0, abs=0.5)
    assert elbow_flare_deg(pose, V, *FLARE_ARGS) == pytest.approx(60.0, abs=0.5)


def test_elbow_flare_nan_without_shoulders_or_elbows():
    pose = front_bottom(60.0)
    hidden = pose_from_points({lm: tuple(pose.image_xyz[int(lm)]) for lm in L if pose.vis(lm) > 0},
                              hidden=(L.LEFT_ELBOW, L.RIGHT_ELBOW))
    assert math.isnan(elbow_spread_frac(hidden, V))
    assert math.isnan(elbow_flare_deg(hidden, V, *FLARE_ARGS))


# --- knee push-ups: the shoulder-knee line ---------------------------------------------------

def knee_push_up(hip_dy: float = 0.0) -> dict:
    """Side view of a knee push-up: shoulder-hip-knee in line, shins and feet raised behind."""
    pts = side_plank()
    sh = np.array(pts[L.LEFT_SHOULDER][:2])
    knee = np.array([380.0, 170.0])
    hip = (sh + knee) / 2 + [0.0, hip_dy]
    ankle = knee + [60.0, -70.0]  # lower legs kicked up behind
    for prefix, z in (("LEFT", -10.0), ("RIGHT", 10.0)):
        pts[L[f"{prefix}_HIP"]] = (hip[0], hip[1], z)
        pts[L[f"{prefix}_KNEE"]] = (knee[0], knee[1], z)
        pts[L[f"{prefix}_ANKLE"]] = (ankle[0], ankle[1], z)
    return pts


def test_knee_push_up_body_line_uses_the_knees():
    straight = pose_from_points(knee_push_up())
    # against the ankles (raised behind) a straight knee push-up would read as a pike...
    assert abs(hip_offset_frac(straight, V, facing_side(straight, M))) > 0.08
    # ...against the knees it is straight
    assert abs(hip_offset_knee_frac(straight, V, facing_side(straight, M))) < 0.01
    sag = hip_offset_knee_frac(*measured(pose_from_points(knee_push_up(hip_dy=25.0))))
    pike = hip_offset_knee_frac(*measured(pose_from_points(knee_push_up(hip_dy=-25.0))))
    assert sag > 0.08 and pike < -0.08
    assert math.isnan(hip_offset_knee_frac(*measured(pose_from_points(knee_push_up(), hidden=(L.LEFT_KNEE, L.RIGHT_KNEE)))))


def test_feature_extractor_fills_the_new_fields():
    ex = FeatureExtractor(CFG.features)
    f = ex.update(pose_from_points(knee_push_up(), t_s=0.0))
    assert f is not None and abs(f.hip_offset_knee_frac) < 0.01
    g = FeatureExtractor(CFG.features).update(front_bottom(70.0))
    assert g is not None and g.elbow_flare_deg == pytest.approx(70.0, abs=1.0)


def test_vector_length_is_numpys_norm_bit_for_bit_in_the_vectors_precision():
    import numpy as np

    from livecoach.logic.geometry import vector_length

    rng = np.random.default_rng(7)
    for dtype in (np.float32, np.float64):
        for size in (2, 3):
            for _ in range(2000):
                v = (rng.normal(size=size) * rng.uniform(1e-3, 1e3)).astype(dtype)
                expected, got = np.linalg.norm(v), vector_length(v)
                assert got == expected and np.asarray(got).dtype == expected.dtype


def test_body_size_is_measured_in_the_pose_models_input_image():
    """The box diagonal of shoulders, arms, hips and legs, scaled as the frame was for the model:
    a 1920-wide frame is downscaled to [capture] inference_max_width (640) first."""
    from livecoach.logic.continuity import body_anchor_points

    pose = side_pushup_pose(0.0, 0.0)
    diagonal = body_anchor_points(pose)[2]
    assert FeatureExtractor(CFG.features).update(pose).body_size_px == pytest.approx(diagonal)
    wide = dataclasses.replace(pose, width=1920)
    scaled = FeatureExtractor(CFG.features, CFG.capture.inference_max_width).update(wide)
    assert CFG.capture.inference_max_width == 640
    assert scaled.body_size_px == pytest.approx(diagonal / 3.0)
    narrow = FeatureExtractor(CFG.features, 640).update(dataclasses.replace(pose, width=320))
    assert narrow.body_size_px == pytest.approx(diagonal)  # a small frame is not enlarged for the model


# --- the body line from a camera a little off side-on ---------------------------------------

def test_the_body_line_reads_the_same_from_a_camera_turned_off_side_on():
    """A sagging plank, shoulders 110 px apart along the depth (a real side view), seen side-on and
    from cameras turned 20-40 degrees round it (``eval --augment view-turn``'s projection): the
    hips' offset and the knee angle read as side-on, where the picture as seen reads the sag 1 /
    cos(turn) deeper and the slight knee bend deeper still."""
    side_on = deep_side_on(side_plank(hip_dy=20.0, knee_dy=8.0))
    config = load_config().features
    v = config.min_visibility
    truth = raw_features(side_on, config)
    assert truth["hip_offset_frac"] > 0.05 and truth["knee_angle_deg"] < 175.0
    for degrees in (20.0, -30.0, 40.0):
        turned = turned_view_frames([RecordedFrame(0, 0.0, side_on)], degrees)[0].pose
        read = raw_features(turned, config)
        assert read["hip_offset_frac"] == pytest.approx(truth["hip_offset_frac"], rel=0.02)
        assert read["knee_angle_deg"] == pytest.approx(truth["knee_angle_deg"], abs=0.5)
        facing = facing_side(turned, config.facing_visibility_margin)
        assert hip_offset_frac(turned, v, facing) == pytest.approx(
            truth["hip_offset_frac"] / math.cos(math.radians(degrees)), rel=0.02)  # the picture as seen
        assert knee_angle_deg(turned, v, facing) < truth["knee_angle_deg"] - 0.5


@pytest.mark.parametrize("degrees", [50.0, -60.0, 75.0])
def test_the_body_line_is_not_read_from_a_camera_turned_past_the_limit(degrees: float):
    """Past ``[features] body_line_max_turn_deg`` (45) the stretch back would be capped and a straight
    body read as sagging (1 / cos(turn) of what the cap undoes): the hips' offset is not read at all,
    so the body-line rules say "not judged"; the rest of the frame is read as before."""
    side_on = deep_side_on(side_plank(hip_dy=0.0))
    config = load_config().features
    turned = turned_view_frames([RecordedFrame(0, 0.0, side_on)], degrees)[0].pose
    read = raw_features(turned, config)
    assert math.isnan(read["hip_offset_frac"]) and math.isnan(read["hip_offset_knee_frac"])
    assert math.isfinite(read["knee_angle_deg"]) and math.isfinite(read["elbow_angle_deg"])
    within = raw_features(turned_view_frames([RecordedFrame(0, 0.0, side_on)], 40.0)[0].pose, config)
    assert within["hip_offset_frac"] == pytest.approx(0.0, abs=0.01)
