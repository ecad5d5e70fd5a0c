"""OverlayRenderer on hand-built LogicSteps: the pixels change where each element belongs.

No MediaPipe, no display: a synthetic side-view plank pose on a plain grey frame.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Dict, Tuple

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.landmarks import NUM_LANDMARKS, Landmark as L
from livecoach.render.overlay import OverlayRenderer, draw_skeleton
from livecoach.types import Cue, CueKind, FramingGuide, HoldStatus, LogicStep, Phase, PoseFrame

CONFIG = load_config().overlay
GREY = 110

# A side-view plank, head to the left, in a 640x360 frame (the person's left side faces the
# camera, so the right side is drawn a few pixels off and with low visibility).
_PLANK_640: Dict[L, Tuple[float, float]] = {
    L.NOSE: (150, 172), L.LEFT_EYE_INNER: (156, 162), L.LEFT_EYE: (158, 161), L.LEFT_EYE_OUTER: (160, 161),
    L.RIGHT_EYE_INNER: (156, 163), L.RIGHT_EYE: (158, 162), L.RIGHT_EYE_OUTER: (160, 162),
    L.LEFT_EAR: (172, 160), L.RIGHT_EAR: (174, 161), L.MOUTH_LEFT: (154, 178), L.MOUTH_RIGHT: (155, 179),
    L.LEFT_SHOULDER: (200, 170), L.LEFT_ELBOW: (212, 232), L.LEFT_WRIST: (204, 292),
    L.LEFT_PINKY: (196, 298), L.LEFT_INDEX: (190, 298), L.LEFT_THUMB: (194, 296),
    L.LEFT_HIP: (380, 182), L.LEFT_KNEE: (480, 192), L.LEFT_ANKLE: (580, 204),
    L.LEFT_HEEL: (590, 200), L.LEFT_FOOT_INDEX: (600, 226),
}


def plank_pose(width: int = 640, height: int = 360, right_visibility: float = 0.3) -> PoseFrame:
    sx, sy = width / 640, height / 360
    xyz = np.zeros((NUM_LANDMARKS, 3), np.float32)
    vis = np.zeros(NUM_LANDMARKS, np.float32)
    for lm in L:
        if lm in _PLANK_640:
            x, y = _PLANK_640[lm]
            vis[lm] = 0.95
        else:  # the far (right) side: mirror of the left, slightly offset
            x, y = _PLANK_640[L[lm.name.replace("RIGHT_", "LEFT_")]]
            x, y = x + 6, y - 6
            vis[lm] = right_visibility
        xyz[lm] = (x * sx, y * sy, 0.0)
    return PoseFrame(t_s=10.0, frame_index=300, width=width, height=height, image_xyz=xyz, visibility=vis,
                     world_xyz=np.zeros((NUM_LANDMARKS, 3), np.float32))


def make_step(pose=None, **changes) -> LogicStep:
    base = dict(t_s=10.0, frame_index=300, pose=pose, features=None, phase=Phase.DESCENT, reps=3, no_reps=1,
                highlight=(), last_cue=None, rep_progress=0.5)
    base.update(changes)
    return LogicStep(**base)


def cue(t_s: float = 9.5, text: str = "Tuck your tailbone", kind: CueKind = CueKind.CORRECTION) -> Cue:
    return Cue(t_s=t_s, key="hip_sag", text=text, kind=kind, priority=90, fault="hip_sag")


def frame(width: int = 640, height: int = 360) -> np.ndarray:
    return np.full((height, width, 3), GREY, np.uint8)


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mask of pixels that differ between two images."""
    return np.any(a.astype(int) != b.astype(int), axis=2)


def is_red(pixel: np.ndarray) -> bool:
    b, g, r = (int(v) for v in pixel)
    return r > 170 and g < 110 and b < 110


def region(mask: np.ndarray, x0, y0, x1, y1) -> float:
    return float(mask[y0:y1, x0:x1].mean())


@pytest.fixture
def renderer() -> OverlayRenderer:
    return OverlayRenderer(CONFIG)


def test_render_returns_a_new_image_and_leaves_the_input_alone(renderer):
    image = frame()
    out = renderer.render(image, make_step(plank_pose()), fps=30.0)
    assert out is not image and out.shape == image.shape and out.dtype == np.uint8
    assert (image == GREY).all()


def test_skeleton_is_drawn_along_the_bones(renderer):
    image = frame()
    out = renderer.render(image, make_step(plank_pose()), fps=30.0)
    mask = changed(image, out)
    for a, b in ((L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.LEFT_ELBOW, L.LEFT_WRIST), (L.LEFT_HIP, L.LEFT_KNEE),
                 (L.LEFT_KNEE, L.LEFT_ANKLE), (L.LEFT_SHOULDER, L.LEFT_HIP)):
        (xa, ya), (xb, yb) = _PLANK_640[a], _PLANK_640[b]
        mx, my = int((xa + xb) / 2), int((ya + yb) / 2)
        assert mask[my - 1:my + 2, mx - 1:mx + 2].any(), f"nothing drawn on {a.name}-{b.name}"
    # Far from any bone and any panel: untouched.
    assert not mask[300:340, 300:360].any()


def test_low_visibility_joints_are_dimmed(renderer):
    image = frame()
    pose = plank_pose(right_visibility=0.1)
    out = renderer.render(image, make_step(pose), fps=30.0)
    x, y = (int(v) for v in pose.xy(L.RIGHT_KNEE))
    near = out[y - 2:y + 3, x - 2:x + 3].reshape(-1, 3).astype(int)
    # Drawn grey (no colour), unlike the visible left knee which gets the side colour.
    assert (np.ptp(near, axis=1) < 25).all()
    lx, ly = _PLANK_640[L.LEFT_KNEE]
    assert np.ptp(out[ly, lx].astype(int)) > 60


def test_highlighted_joints_are_red_with_a_halo(renderer):
    image = frame()
    out = renderer.render(image, make_step(plank_pose(), highlight=(L.LEFT_HIP,)), fps=30.0)
    x, y = _PLANK_640[L.LEFT_HIP]
    assert is_red(out[y, x])
    # The halo tints a ring around the joint red, beyond the joint dot itself.
    ring = [out[y + 9, x], out[y + 7, x - 5], out[y + 7, x + 5]]  # below: off the bones
    assert all(int(p[2]) > int(p[1]) + 40 for p in ring), ring
    # A joint that is not highlighted is not red.
    ex, ey = _PLANK_640[L.LEFT_ELBOW]
    assert not is_red(out[ey, ex])
    plain = renderer.render(image, make_step(plank_pose()), fps=30.0)
    assert not is_red(plain[y, x])


def test_pose_from_a_larger_frame_is_scaled_to_the_image(renderer):
    image = frame(640, 360)
    pose = plank_pose(1280, 720)  # landmarks in the 1280x720 source frame's pixels
    out = renderer.render(image, make_step(pose, highlight=(L.LEFT_HIP,)), fps=30.0)
    x, y = _PLANK_640[L.LEFT_HIP]
    assert is_red(out[y, x])


def test_current_cue_is_a_banner_that_expires(renderer):
    image = frame()
    pose = plank_pose()
    without = renderer.render(image, make_step(pose), fps=30.0)
    fresh = renderer.render(image, make_step(pose, last_cue=cue(t_s=9.5)), fps=30.0)
    old = renderer.render(image, make_step(pose, last_cue=cue(t_s=10.0 - CONFIG.cue_display_s - 0.1)), fps=30.0)
    band = (200, 300, 440, 350)  # bottom centre
    assert region(changed(without, fresh), *band) > 0.3
    assert not changed(without, old).any()
    # A correction is shown on red.
    b, g, r = fresh[300:350, 200:440].reshape(-1, 3).mean(axis=0)
    assert r > g + 30 and r > b + 30
    praise = renderer.render(image, make_step(pose, last_cue=cue(kind=CueKind.PRAISE, text="Better!")), fps=30.0)
    b, g, r = praise[300:350, 280:360].reshape(-1, 3).mean(axis=0)
    assert g > r + 20


def test_long_and_non_ascii_cues_fit_the_frame(renderer):
    image = frame()
    text = "Shoulders down, away from your ears \u2014 and keep the neck long, eyes to the floor"
    out = renderer.render(image, make_step(plank_pose(), last_cue=cue(text=text)), fps=30.0)
    mask = changed(frame(), out)
    cols = np.where(mask[320:350].any(axis=0))[0]
    assert cols.min() > 0 and cols.max() < 639  # the banner shrank to fit inside the frame


def test_counts_panel_shows_the_numbers(renderer):
    image = frame()
    three = renderer.render(image, make_step(plank_pose(), reps=3), fps=30.0)
    twelve = renderer.render(image, make_step(plank_pose(), reps=12), fps=30.0)
    no_reps = renderer.render(image, make_step(plank_pose(), reps=3, no_reps=4), fps=30.0)
    top_left = (0, 0, 160, 90)
    assert region(changed(image, three), *top_left) > 0.3
    assert changed(three, twelve)[0:90, 0:160].any()
    assert changed(three, no_reps)[0:90, 0:160].any()
    assert not changed(three, twelve)[120:, :].any()  # only the panel differs


def test_phase_is_shown(renderer):
    image = frame()
    descent = renderer.render(image, make_step(plank_pose(), phase=Phase.DESCENT), fps=30.0)
    bottom = renderer.render(image, make_step(plank_pose(), phase=Phase.BOTTOM), fps=30.0)
    assert changed(descent, bottom)[0:100, 0:160].any()


def test_fps_muted_and_paused_badges(renderer):
    image = frame()
    step = make_step(plank_pose())
    plain = renderer.render(image, step, fps=30.0)
    other_fps = renderer.render(image, step, fps=12.0)
    muted = renderer.render(image, step, fps=30.0, muted=True)
    paused = renderer.render(image, step, fps=30.0, paused=True)
    top_right = (540, 0, 640, 80)
    assert region(changed(plain, other_fps), *top_right) > 0
    assert region(changed(plain, muted), *top_right) > 0.05
    assert region(changed(plain, muted), 0, 100, 500, 360) == 0  # the badge only
    # Paused: the picture is dimmed and a PAUSED banner appears.
    assert paused[300:340, 300:360].mean() < GREY * 0.7
    assert region(changed(plain, paused), 540, 30, 640, 80) > 0.05
    # The lighter pose model (frames were being dropped): a badge, nothing else.
    lite = renderer.render(image, step, fps=30.0, lite_model=True)
    assert region(changed(plain, lite), 500, 30, 640, 80) > 0.05
    assert region(changed(plain, lite), 0, 100, 500, 360) == 0


def test_hint_when_nobody_is_in_view(renderer):
    image = frame()
    nobody = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION, rep_progress=0.0), fps=30.0)
    someone = renderer.render(image, make_step(plank_pose()), fps=30.0)
    centre = (120, 160, 520, 200)
    assert region(changed(image, nobody), *centre) > 0.3
    assert region(changed(image, someone), 120, 300, 520, 340) == 0  # no hint while training
    # Standing about (a pose, not in position): the hint moves to the bottom.
    standing = renderer.render(image, make_step(plank_pose(), phase=Phase.NOT_IN_POSITION), fps=30.0)
    assert region(changed(someone, standing), 120, 290, 520, 340) > 0.2
    # The depth bar is hidden while not in position.
    assert region(changed(image, nobody), 610, 100, 630, 270) == 0


def test_depth_bar_follows_rep_progress(renderer):
    image = frame()
    pose = plank_pose()
    top = renderer.render(image, make_step(pose, rep_progress=0.0), fps=30.0)
    half = renderer.render(image, make_step(pose, rep_progress=0.5), fps=30.0)
    full = renderer.render(image, make_step(pose, rep_progress=1.0), fps=30.0)
    nan = renderer.render(image, make_step(pose, rep_progress=math.nan), fps=30.0)
    bar = (600, 60, 640, 300)
    d_half = region(changed(top, half), *bar)
    d_full = region(changed(top, full), *bar)
    assert 0 < d_half < d_full
    assert region(changed(top, nan), *bar) == 0  # unknown depth: empty bar, no crash
    # Full depth turns the bar green.
    diff = changed(top, full)
    b, g, r = full[diff].reshape(-1, 3).mean(axis=0)
    assert g > r and g > b


def test_a_running_hold_shows_its_seconds_in_place_of_the_rep_count_and_no_depth_bar(renderer):
    image, pose = frame(), plank_pose()
    reps = renderer.render(image, make_step(pose, phase=Phase.TOP, rep_progress=0.0), fps=30.0)
    holding = renderer.render(image, make_step(pose, phase=Phase.TOP, rep_progress=0.0,
                                               hold=HoldStatus("plank", 12.0, "holding")), fps=30.0)
    broken = renderer.render(image, make_step(pose, phase=Phase.TOP, rep_progress=0.0,
                                              hold=HoldStatus("plank", 12.0, "broken", fault="hip_sag")), fps=30.0)
    to_go = renderer.render(image, make_step(pose, phase=Phase.TOP, rep_progress=0.0,
                                             hold=HoldStatus("plank", 12.0, "holding", remaining_s=18.0)), fps=30.0)
    panel = (0, 0, 160, 90)  # at 640 x 360 (scale 0.5) the panel is about 150 x 85
    assert region(changed(reps, holding), *panel) > 0.05  # "HOLD 12 s" instead of "REPS 3 NO-REPS 1"
    bar = (600, 60, 640, 300)
    nobody = renderer.render(image, make_step(None, phase=Phase.TOP, rep_progress=0.0,
                                              hold=HoldStatus("plank", 12.0, "holding")), fps=30.0)
    assert region(changed(nobody, reps), *bar) > 0.1  # the rep count's depth bar (and the skeleton)...
    assert region(changed(nobody, holding), *bar) < 0.01  # ...only the skeleton during a hold
    state_line = (10, 60, 160, 80)
    assert color_share(broken, (40, 40, 235), *state_line, tolerance=60) > 0.02  # the fault that broke it, red
    assert color_share(holding, (40, 40, 235), *state_line, tolerance=60) == 0.0
    assert color_share(holding, (90, 210, 90), *state_line, tolerance=60) > 0.02  # "GOOD FORM" in green
    assert region(changed(holding, to_go), *state_line) > 0.02  # "18 s TO GO" with a target


def test_overlay_scales_with_the_image_size(renderer):
    small_image, large_image = frame(640, 360), frame(1920, 1080)
    small = renderer.render(small_image, make_step(plank_pose(640, 360)), fps=30.0)
    large = renderer.render(large_image, make_step(plank_pose(1920, 1080)), fps=30.0)

    def panel_height(before, after):
        rows = np.where(changed(before, after)[:, : before.shape[1] // 4].any(axis=1))[0]
        rows = rows[rows < before.shape[0] // 3]  # the counts panel, not the skeleton
        return rows.max() - rows.min()

    ratio = panel_height(large_image, large) / panel_height(small_image, small)
    assert 2.5 < ratio < 3.5, ratio


def test_tiny_and_portrait_frames_do_not_crash(renderer):
    for w, h in ((160, 120), (416, 960), (1, 1)):
        out = renderer.render(frame(w, h), make_step(plank_pose(w, h), last_cue=cue(),
                                                     highlight=(L.LEFT_HIP,)), fps=30.0, muted=True, paused=True)
        assert out.shape == (h, w, 3)


def test_nan_landmarks_are_skipped():
    pose = plank_pose()
    xyz = np.array(pose.image_xyz)
    xyz[L.LEFT_ELBOW] = np.nan
    broken = dataclasses.replace(pose, image_xyz=xyz)
    image = frame()
    out = draw_skeleton(image, broken, highlight=(L.LEFT_ELBOW,))
    assert out is image  # draws in place
    assert changed(frame(), out).any()


def test_draw_skeleton_in_place_matches_the_renderer():
    image = frame()
    draw_skeleton(image, plank_pose(), highlight=(L.LEFT_HIP,))
    x, y = _PLANK_640[L.LEFT_HIP]
    assert is_red(image[y, x])


def test_rejects_a_grey_image(renderer):
    with pytest.raises(ValueError, match="BGR"):
        renderer.render(np.zeros((10, 10), np.uint8), make_step(None), fps=1.0)


def test_only_the_visible_side_of_a_highlighted_pair_is_drawn(renderer):
    image = frame()
    pose = plank_pose(right_visibility=0.1)
    out = renderer.render(image, make_step(pose, highlight=(L.LEFT_HIP, L.RIGHT_HIP)), fps=30.0)
    (lx, ly), (rx, ry) = pose.xy(L.LEFT_HIP), pose.xy(L.RIGHT_HIP)
    assert is_red(out[int(ly), int(lx)])
    # The far side's shoulder-hip bone stays dim, not a second red line.
    (sx, sy) = pose.xy(L.RIGHT_SHOULDER)
    mx, my = int((sx + rx) / 2), int((sy + ry) / 2)
    assert not is_red(out[my, mx])
    # When no highlighted joint is visible, they are all shown anyway.
    only_far = renderer.render(image, make_step(pose, highlight=(L.RIGHT_HIP,)), fps=30.0)
    assert is_red(only_far[int(ry), int(rx)])


def test_a_plan_line_is_drawn_along_the_bottom_and_the_setup_message_mid_frame(renderer):
    image = frame()
    plain = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION), fps=30.0)
    with_plan = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION), fps=30.0,
                                plan_line="Rest 0:42 \u2014 next: diamond push-ups",
                                setup_line="Step back so I can see your feet")
    mask = changed(plain, with_plan)
    height = image.shape[0]
    assert region(mask, 0, height - 30, 640, height - 5) > 0.05  # the plan line's banner
    assert region(mask, 100, height // 2 - 10, 540, height // 2 + 10) > 0.05  # the set-up message replaces the hint
    # the cue banner moves up above the plan line instead of covering it
    big = frame(1280, 720)  # scale 1: the cue banner is centred 60 px above the bottom, 100 px with a plan line
    step = make_step(None, phase=Phase.NOT_IN_POSITION, last_cue=cue(t_s=10.0))
    cue_only = changed(big, renderer.render(big, step, fps=30.0))
    cue_and_plan = changed(big, renderer.render(big, step, fps=30.0, plan_line="Set 1 of 3: standard 10-15"))
    assert region(cue_only, 400, 600, 880, 620) == 0.0 < region(cue_and_plan, 400, 600, 880, 620)


def test_exercise_line_is_drawn_bottom_left(renderer):
    image = frame()
    plain = renderer.render(image, make_step(plank_pose()), fps=30.0)
    named = renderer.render(image, make_step(plank_pose(), exercise_label="Knee push-up"), fps=30.0)
    unknown = renderer.render(image, make_step(plank_pose(), exercise_label="exercise: ?"), fps=30.0)
    h, w = image.shape[:2]
    assert changed(plain, named)[h - 40:h, 0:w // 2].any()
    assert changed(named, unknown)[h - 40:h, 0:w // 2].any()
    assert not changed(plain, named)[0:h - 60, :].any()  # one line, nothing else moves


def color_share(image: np.ndarray, bgr, x0, y0, x1, y1, tolerance: int = 30) -> float:
    """Share of the pixels in a region within ``tolerance`` of a colour."""
    part = image[y0:y1, x0:x1].astype(int)
    return float((np.abs(part - np.array(bgr)).max(axis=2) <= tolerance).mean())


def guide(**changes) -> FramingGuide:
    base = dict(ready=True, check="ok", safe_box=(0.02, 0.02, 0.98, 0.98), body_box=(0.25, 0.30, 0.75, 0.80))
    base.update(changes)
    return FramingGuide(**base)


def box_edge_color(out: np.ndarray) -> np.ndarray:
    """The colour on the body box's left side (x = 0.25 * 639), above the mid-frame hint banner."""
    x = int(round(0.25 * 639))
    return out[125, x - 1:x + 2].astype(int).max(axis=0)


def test_framing_guide_body_box_is_green_when_ready_and_amber_while_not(renderer):
    image = frame()
    ready = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION), fps=30.0, framing=guide())
    wrong = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION), fps=30.0,
                            framing=guide(ready=False, check="wrong_view"))
    b, g, r = box_edge_color(ready)
    assert g > 180 and r < 140 and b < 140  # green
    b, g, r = box_edge_color(wrong)
    assert r > 220 and 150 < g < 220 and b < 80  # amber
    # the corner marks of the safe area, bottom left and bottom right (the top ones sit under the panels)
    y = int(round(0.98 * 359))
    assert color_share(ready, (235, 235, 235), 14, y, 36, y + 1) > 0.9
    assert color_share(ready, (235, 235, 235), 604, y, 624, y + 1) > 0.9
    assert color_share(ready, (235, 235, 235), 60, y, 580, y + 1) == 0.0  # marks, not a frame
    # nothing drawn without a guide
    plain = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION), fps=30.0)
    assert (plain[125, 150:170] == GREY).all() and (plain[y, 14:36] == GREY).all()


def test_framing_guide_marks_the_cut_edge_red(renderer):
    image = frame()
    out = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION), fps=30.0,
                          framing=guide(ready=False, check="feet_out_of_view", cut_edges=("right",)))
    right = out[100:260, 636:640]
    left = out[100:260, 0:4]
    assert all(is_red(p) for p in right.reshape(-1, 3)[::7])
    assert not any(is_red(p) for p in left.reshape(-1, 3))


def test_framing_guide_dashed_target_box_when_too_far(renderer):
    image = frame()
    target = (0.2, 0.25, 0.8, 0.85)
    out = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION), fps=30.0,
                          framing=guide(ready=False, check="too_far", body_box=(0.4, 0.45, 0.6, 0.65),
                                        target_box=target))
    y = int(round(0.85 * 359))
    row = np.abs(out[y, 140:500].astype(int) - 235).max(axis=1) <= 30
    # dashes: light pixels along the box's bottom side, with gaps between them
    assert 0.3 < row.mean() < 0.7
    assert np.count_nonzero(np.diff(row.astype(int)) == 1) >= 8


def test_no_framing_guide_while_paused(renderer):
    image = frame()
    out = renderer.render(image, make_step(None, phase=Phase.NOT_IN_POSITION), fps=30.0, paused=True,
                          framing=guide(ready=False, check="feet_out_of_view", cut_edges=("right",)))
    assert not any(is_red(p) for p in out[100:260, 636:640].reshape(-1, 3))


def test_exercise_line_sits_above_the_plan_line_not_under_it(renderer):
    image = frame(1280, 720)
    label = "Push-up (or Decline push-up / Diamond push-up: cannot tell from here)"
    plan = "Rest 0:59 - next: diamond push-ups"
    with_plan = renderer.render(image, make_step(plank_pose(1280, 720)), fps=30.0, plan_line=plan)
    both = renderer.render(image, make_step(plank_pose(1280, 720), exercise_label=label), fps=30.0, plan_line=plan)
    rows = np.flatnonzero(changed(with_plan, both).any(axis=1))
    # the plan banner covers the bottom ~50 px; the label's pixels are all above it
    banner_rows = np.flatnonzero(changed(image, with_plan)[:, 600:680].any(axis=1))
    banner_top = banner_rows[banner_rows > 600].min()
    assert rows.size and rows.max() < banner_top
