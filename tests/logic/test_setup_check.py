"""Set-up checks on hand-built poses: one finding at a time, stable, in frame time."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import pytest

from livecoach.config.plans import load_plans
from livecoach.landmarks import NUM_LANDMARKS, Landmark as L
from livecoach.logic.setup_check import SetupChecker, SetupEvent, assess_frame, framing_guide
from livecoach.types import FrameLight, PoseFrame

W, H = 640, 360
FPS = 30.0


@pytest.fixture(scope="module")
def config():
    return load_plans().setup


def side_plank(scale: float = 1.0, dx: float = 0.0, dy: float = 0.0, front: bool = False) -> Dict[L, Sequence[float]]:
    """A side-on plank filling ~60 % of a 640x360 image; scaled about the image centre, then shifted.
    ``front``: the shoulders and hips spread apart as when the camera looks at the head end."""
    base = {
        L.NOSE: (150, 168), L.LEFT_EAR: (168, 160), L.RIGHT_EAR: (170, 161),
        L.LEFT_SHOULDER: (205, 172), L.RIGHT_SHOULDER: (207, 174), L.LEFT_ELBOW: (210, 235),
        L.RIGHT_ELBOW: (212, 236), L.LEFT_WRIST: (205, 298), L.RIGHT_WRIST: (207, 299),
        L.LEFT_HIP: (360, 200), L.RIGHT_HIP: (362, 202), L.LEFT_KNEE: (440, 240), L.RIGHT_KNEE: (442, 241),
        L.LEFT_ANKLE: (520, 285), L.RIGHT_ANKLE: (522, 286), L.LEFT_HEEL: (530, 280), L.RIGHT_HEEL: (532, 281),
        L.LEFT_FOOT_INDEX: (535, 298), L.RIGHT_FOOT_INDEX: (537, 299),
    }
    if front:
        base[L.LEFT_SHOULDER], base[L.RIGHT_SHOULDER] = (205, 120), (207, 230)
        base[L.LEFT_HIP], base[L.RIGHT_HIP] = (360, 160), (362, 240)
    cx, cy = W / 2, H / 2
    return {lm: (cx + (x - cx) * scale + dx, cy + (y - cy) * scale + dy) for lm, (x, y) in base.items()}


def pose(points: Dict[L, Sequence[float]], t: float = 0.0, hidden: Sequence[L] = ()) -> PoseFrame:
    """Named image points -> PoseFrame; landmarks not given are unseen (visibility 0)."""
    xyz = np.zeros((NUM_LANDMARKS, 3), np.float32)
    vis = np.zeros(NUM_LANDMARKS, np.float32)
    for lm, (x, y) in points.items():
        xyz[int(lm), :2] = (x, y)
        vis[int(lm)] = 0.0 if lm in hidden else 0.95
    return PoseFrame(t_s=t, frame_index=int(round(t * FPS)), width=W, height=H, image_xyz=xyz, visibility=vis,
                     world_xyz=xyz * 0.002)


def run(checker: SetupChecker, seconds: float, points: Optional[Dict[L, Sequence[float]]], t0: float = 0.0,
        brightness: Optional[float] = 120.0, people: Optional[int] = 1, hidden: Sequence[L] = ()) -> List[SetupEvent]:
    events: List[SetupEvent] = []
    for k in range(int(round(seconds * FPS))):
        t = t0 + k / FPS
        light = None if brightness is None else FrameLight(brightness)
        events += checker.update(t, None if points is None else pose(points, t, hidden), light, people)
    return events


def first(events: List[SetupEvent]) -> SetupEvent:
    assert events, "nothing was said"
    return events[0]


def test_good_framing_gives_ready_within_two_seconds(config):
    checker = SetupChecker(config)
    events = run(checker, 3.0, side_plank())
    assert [(e.check, e.message) for e in events] == [("ok", "Ready")]
    assert events[0].t_s <= 2.0
    assert checker.status.ready
    assert assess_frame(pose(side_plank()), config).failing == ()


@pytest.mark.parametrize("points,hidden,check,message", [
    (side_plank(dx=160), (), "feet_out_of_view", "Step back so I can see your feet"),   # feet past the right edge
    (side_plank(), (L.LEFT_ANKLE, L.RIGHT_ANKLE), "feet_out_of_view", "Step back so I can see your feet"),
    (side_plank(dx=-170), (), "head_out_of_view", "Move so I can see your head"),      # head past the left edge
    (side_plank(dy=-166), (), "head_out_of_view", "Move so I can see your head"),       # cut at the top... and
    (side_plank(dy=62), (), "hands_out_of_view", "Move so I can see your hands"),      # ...hands cut at the bottom
    (side_plank(scale=0.4), (), "too_far", "Come closer to the camera"),               # small and padded
    (side_plank(scale=1.9), (), "too_close", "Step back from the camera"),             # head and feet cut
    (side_plank(front=True), (), "wrong_view", "Turn side-on to the camera"),
])
def test_each_framing_problem_is_named(config, points, hidden, check, message):
    events = run(SetupChecker(config), 2.0, points, hidden=hidden)
    assert (first(events).check, first(events).message) == (check, message)
    assert first(events).t_s <= 2.0
    assert len(events) == 1


def test_the_top_cut_reads_head_and_the_bottom_cut_hands(config):
    # guard for the two shifted cases above: each cuts exactly one group
    assert assess_frame(pose(side_plank(dy=-166)), config).failing == ("head_out_of_view",)
    assert assess_frame(pose(side_plank(dy=62)), config).failing == ("hands_out_of_view",)


def test_front_view_is_fine_when_the_exercise_does_not_need_the_body_line(config):
    events = run(SetupChecker(config, needs_side_view=False), 2.0, side_plank(front=True))
    assert [e.check for e in events] == ["ok"]


def test_dark_frame_then_light_with_hysteresis(config):
    checker = SetupChecker(config)
    events = run(checker, 2.0, side_plank(), brightness=20.0)
    assert [(e.check, e.message) for e in events] == [("too_dark", "Turn on a light")]
    # between dark_below and light_enough_above: still too dark
    assert run(checker, 2.0, side_plank(), t0=2.0, brightness=35.0) == []
    assert [e.check for e in run(checker, 2.0, side_plank(), t0=4.0, brightness=90.0)] == ["ok"]


def test_nobody_and_two_people(config):
    assert [e.check for e in run(SetupChecker(config), 2.0, None)] == ["no_person"]
    assert [e.message for e in run(SetupChecker(config), 2.0, side_plank(), people=2)] == [
        "Only one person in the picture, please"]


def test_one_thing_at_a_time_in_config_order(config):
    finding = assess_frame(pose(side_plank(dx=160, front=True)), config, FrameLight(10.0))
    assert finding.failing == ("too_dark", "wrong_view", "feet_out_of_view")
    assert finding.check == "too_dark"


def test_a_flickering_landmark_does_not_make_it_chatter(config):
    checker = SetupChecker(config)
    events: List[SetupEvent] = []
    for k in range(int(10 * FPS)):
        t = k / FPS
        hidden = (L.LEFT_ANKLE, L.RIGHT_ANKLE) if k % 4 == 0 else ()  # feet lost on a quarter of the frames
        events += checker.update(t, pose(side_plank(), t, hidden), FrameLight(120.0), 1)
    assert [e.check for e in events] == ["ok"]


def test_walk_out_and_back_in(config):
    checker = SetupChecker(config)
    events = run(checker, 3.0, side_plank())
    events += run(checker, 3.0, None, t0=3.0)
    events += run(checker, 3.0, side_plank(dx=160), t0=6.0)  # back, but too far right
    events += run(checker, 3.0, side_plank(), t0=9.0)
    assert [e.check for e in events] == ["ok", "no_person", "feet_out_of_view", "ok"]
    assert 3.0 < events[1].t_s < 4.5 and 9.0 < events[3].t_s < 11.0


def test_an_unresolved_problem_is_said_again(config):
    events = run(SetupChecker(config), 25.0, side_plank(dx=160))
    assert [e.check for e in events] == ["feet_out_of_view"] * 3
    gaps = np.diff([e.t_s for e in events])
    assert np.all(gaps >= config.repeat_after_s - 1e-6)


def test_event_dict_and_cue(config):
    event = run(SetupChecker(config), 2.0, side_plank(scale=0.4))[0]
    assert event.to_dict() == {"type": "setup", "t": event.t_s, "check": "too_far",
                               "message": "Come closer to the camera"}
    cue = event.cue(priority=40)
    assert (cue.key, cue.text, cue.priority, cue.t_s) == ("setup_too_far", "Come closer to the camera", 40, event.t_s)


def test_framing_guide_box(config):
    checker = SetupChecker(config)
    run(checker, 1.0, side_plank())
    finding = checker.status.finding
    assert finding is not None and finding.body_box is not None
    x0, y0, x1, y1 = finding.body_box
    assert x0 == pytest.approx(150 / W) and x1 == pytest.approx(537 / W)
    assert finding.fill == pytest.approx((537 - 150) / W)


def test_framing_guide_when_ready(config):
    checker = SetupChecker(config)
    run(checker, 3.0, side_plank())
    guide = checker.guide
    m = config.edge_margin_frac
    assert guide.ready and guide.check == "ok"
    assert guide.safe_box == pytest.approx((m, m, 1 - m, 1 - m))
    assert guide.body_box == checker.status.finding.body_box
    assert guide.cut_edges == () and guide.target_box is None


@pytest.mark.parametrize("points,hidden,edges", [
    (side_plank(dx=160), (), ("right",)),                   # feet past the right edge
    (side_plank(dx=-170), (), ("left",)),                   # head past the left edge
    (side_plank(dy=-166), (), ("top",)),                    # head cut at the top
    (side_plank(dy=62), (), ("bottom",)),                   # hands cut at the bottom
    (side_plank(scale=1.9), (), ("right", "bottom")),       # too close: feet off the right, hands off the bottom
    (side_plank(), (L.LEFT_ANKLE, L.RIGHT_ANKLE), ("right",)),  # ankles hidden near the right side
])
def test_framing_guide_marks_the_edge_a_part_is_cut_off_at(config, points, hidden, edges):
    checker = SetupChecker(config)
    run(checker, 2.0, points, hidden=hidden)
    guide = checker.guide
    assert not guide.ready
    assert guide.cut_edges == edges


def test_framing_guide_shows_the_size_to_come_up_to_when_too_far(config):
    checker = SetupChecker(config)
    run(checker, 2.0, side_plank(scale=0.4))
    guide = checker.guide
    assert guide.check == "too_far" and not guide.ready
    x0, y0, x1, y1 = guide.target_box
    bx0, by0, bx1, by1 = guide.body_box
    # the body's proportions and centre, grown to the smallest size that is not too far
    assert x1 - x0 == pytest.approx(config.too_far_below_frac)
    assert (x0 + x1) / 2 == pytest.approx((bx0 + bx1) / 2)
    assert (y1 - y0) / (x1 - x0) == pytest.approx((by1 - by0) / (bx1 - bx0))
    # closer than that: no target box
    run(checker, 2.0, side_plank(), t0=2.0)
    assert checker.guide.target_box is None


# A phone held upright as the webcam: its 9:16 picture in the middle of a 16:9 frame, black bars
# either side (columns 219-421 of 640), as frame_light measures it.
PORTRAIT = FrameLight(120.0, picture=(219 / W, 0.0, 421 / W, 1.0))


def test_a_person_filling_a_letterboxed_picture_is_not_too_far(config):
    body = side_plank(scale=0.465)  # 180 px across: 28 % of the frame, 89 % of the picture
    assert assess_frame(pose(body), config, FrameLight(120.0)).check == "too_far"
    finding = assess_frame(pose(body), config, PORTRAIT)
    assert finding.check == "ok" and finding.fill == pytest.approx(180 / 202, abs=0.02)
    guide = framing_guide(SetupChecker(config).status, config)  # nothing seen yet: the whole frame
    assert guide.safe_box == pytest.approx((0.01, 0.01, 0.99, 0.99))


def test_a_part_in_the_black_bars_is_out_of_the_picture(config):
    """The model still places the feet where it guesses they are, in the bar: cut off, at the
    picture's right edge, and the guide's safe area is the picture's."""
    checker = SetupChecker(config)
    body = side_plank(scale=0.465, dx=40)  # the feet at x 437-442, past the picture's right edge (421)
    assert assess_frame(pose(body), config, FrameLight(120.0)).check == "too_far"
    for k in range(int(2 * FPS)):
        checker.update(k / FPS, pose(body, k / FPS), PORTRAIT, 1)
    assert checker.status.check == "feet_out_of_view"
    guide = checker.guide
    assert guide.cut_edges == ("right",)
    x0, y0, x1, y1 = guide.safe_box
    assert 219 / W < x0 < 0.36 and 0.64 < x1 < 421 / W and (y0, y1) == pytest.approx((0.01, 0.99))


def test_framing_guide_before_anything_was_decided(config):
    checker = SetupChecker(config)
    guide = framing_guide(checker.status, config)
    assert guide.check is None and not guide.ready and guide.body_box is None
