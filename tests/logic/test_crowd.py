"""The second-person logic (livecoach.logic.crowd): judging one look, the 2-of-3 hysteresis with
one notice per bout, frame by frame in frame time; the config keys; and the plan's set-up check
saying ``two_people`` while a second person is in view."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import List, Optional

import numpy as np
import pytest

from livecoach.config.plans import load_plans
from livecoach.config.schema import ConfigError, load_config
from livecoach.landmarks import NUM_LANDMARKS, Landmark as L
from livecoach.logic.crowd import (SecondPersonNotice, SecondPersonRules, SecondPersonWatch, Sighting,
                                   judge_other_person, rules_from_config, tracked_person_box)
from livecoach.logic.setup_check import SetupChecker
from livecoach.types import FrameLight, PoseFrame

W, H = 640, 360
RULES = SecondPersonRules(check_s=2.0, min_visibility=0.7, min_size_frac=0.12, mask_pad_frac=0.15,
                          max_overlap=0.2, needed=2, of=3)


def standing(cx: float, top: float = 60.0, height: float = 280.0, vis: float = 0.95) -> tuple:
    """(33, 2) pixel points and visibilities of a person standing facing the camera, centred on
    ``cx``, head at ``top``, ``height`` pixels tall."""
    xy = np.zeros((NUM_LANDMARKS, 2))
    visibility = np.full(NUM_LANDMARKS, vis)
    s = height / 280.0
    for lm in L:
        xy[int(lm)] = (cx, top + 0.5 * height)  # unnamed ones at the middle of the body
    named = {L.NOSE: (0, 10), L.LEFT_SHOULDER: (25, 50), L.RIGHT_SHOULDER: (-25, 50), L.LEFT_HIP: (18, 140),
             L.RIGHT_HIP: (-18, 140), L.LEFT_WRIST: (40, 150), L.RIGHT_WRIST: (-40, 150),
             L.LEFT_ANKLE: (15, 275), L.RIGHT_ANKLE: (-15, 275)}
    for lm, (dx, dy) in named.items():
        xy[int(lm)] = (cx + dx * s, top + dy * s)
    return xy, visibility


def judge(xy, vis, masked=(0.0, 0.0, 300.0, 360.0), rules=RULES) -> Sighting:
    return judge_other_person(1.0, 30, xy, vis, W, H, masked, rules)


# -- one look ------------------------------------------------------------------------
def test_a_clear_person_beside_the_blanked_one_is_seen():
    s = judge(*standing(480))
    assert s.seen and s.reason == "seen" and s.overlap == 0.0 and s.visibility == pytest.approx(0.95)


def test_nobody_found_is_no_sighting():
    assert judge(None, None).reason == "nobody"


def test_a_half_hidden_person_is_not_counted():
    xy, vis = standing(480)
    vis[int(L.RIGHT_HIP)] = 0.6  # under 0.7
    s = judge(xy, vis)
    assert not s.seen and s.reason == "hidden"


def test_a_person_with_a_shoulder_or_hip_outside_the_picture_is_not_counted():
    # a figure cut by the image edge (a mural at the left edge of a dimmed shared clip had its
    # right shoulder and hip placed outside the picture with visibility 0.95)
    xy, vis = standing(630)
    assert xy[int(L.LEFT_SHOULDER), 0] > W
    s = judge(xy, vis)
    assert not s.seen and s.reason == "outside"
    assert judge(*standing(590)).seen


def test_a_small_far_person_is_not_counted():
    # 60 px tall in a 360 px image: the torso is ~19 px, under 12 % of the height (43 px)
    s = judge(*standing(480, top=100, height=60))
    assert not s.seen and s.reason == "small"


def test_a_person_placed_on_the_blank_is_not_counted():
    s = judge(*standing(150))  # the model put a skeleton on the grey box itself
    assert not s.seen and s.reason == "overlaps"


def test_the_tracked_persons_own_limbs_sticking_out_of_the_blank_are_not_counted():
    # Core just right of the blank, but most of the skeleton reaches back into it (a close front
    # view whose tracked landmarks covered only the middle of the body).
    xy, vis = standing(320)
    xy[int(L.LEFT_WRIST)] = (200, 200)
    xy[int(L.RIGHT_WRIST)] = (200, 210)
    s = judge(xy, vis, masked=(0.0, 0.0, 290.0, 360.0))
    assert not s.seen and s.reason == "overlaps" and s.overlap > RULES.max_overlap


def test_non_finite_landmarks_are_not_a_person():
    xy, vis = standing(480)
    xy[int(L.LEFT_HIP)] = (math.nan, 10)
    assert not judge(xy, vis).seen


def test_the_tracked_box_is_padded_and_clipped_to_the_image():
    xyz = np.zeros((NUM_LANDMARKS, 3), np.float32)
    xyz[:, 0] = np.linspace(100, 300, NUM_LANDMARKS)
    xyz[:, 1] = np.linspace(10, 350, NUM_LANDMARKS)
    pose = PoseFrame(t_s=0.0, frame_index=0, width=W, height=H, image_xyz=xyz,
                     visibility=np.zeros(NUM_LANDMARKS, np.float32), world_xyz=xyz)
    x0, y0, x1, y1 = tracked_person_box(pose, 0.15)
    assert (x0, x1) == pytest.approx((100 - 30, 300 + 30))  # hidden landmarks count too
    assert (y0, y1) == (0.0, 360.0)  # clipped


# -- the decision over looks ---------------------------------------------------------------
def feed(pattern: str, rules: SecondPersonRules = RULES, start: float = 0.0) -> List[Optional[SecondPersonNotice]]:
    watch = SecondPersonWatch(rules)
    return [watch.update(Sighting(start + i * rules.check_s, i, c == "x", "seen" if c == "x" else "nobody"))
            for i, c in enumerate(pattern)]


def notice_times(pattern: str) -> List[float]:
    return [n.t_s for n in feed(pattern) if n is not None]


def test_one_sighting_alone_says_nothing():
    assert notice_times("..x...x...x..") == []


def test_two_of_three_looks_give_one_notice_at_the_second():
    out = feed("x.xxxxx")
    assert [i for i, n in enumerate(out) if n is not None] == [2]
    assert out[2].to_dict() == {"type": "notice", "t": 4.0, "kind": "second_person", "message": out[2].message}
    assert "second person" in out[2].message and "one person" in out[2].message


def test_a_new_bout_after_three_empty_looks_gives_a_new_notice():
    assert notice_times("xx...xx") == [2.0, 12.0]


def test_a_bout_does_not_end_on_one_or_two_empty_looks():
    assert notice_times("xx..xx.x") == [2.0]


def test_looks_from_long_ago_are_forgotten():
    watch = SecondPersonWatch(RULES)
    assert watch.update(Sighting(0.0, 0, True, "seen")) is None
    # nobody tracked for a minute (no looks), then one sighting: not two of the last three
    assert watch.update(Sighting(60.0, 1800, True, "seen")) is None
    assert watch.update(Sighting(62.0, 1860, True, "seen")) is not None


def test_counters_for_the_report():
    watch = SecondPersonWatch(RULES)
    for i, c in enumerate("x.xx"):
        watch.update(Sighting(2.0 * i, i, c == "x", "seen"))
    assert (watch.checks, watch.seen, watch.notices, watch.in_view) == (4, 3, 1, True)


def test_needed_cannot_exceed_of():
    with pytest.raises(ValueError):
        SecondPersonWatch(dataclasses.replace(RULES, needed=4, of=3))


# -- config ----------------------------------------------------------------------------
def test_rules_come_from_the_capture_section():
    rules = rules_from_config(load_config().capture)
    assert rules.check_s > 0 and 1 <= rules.needed <= rules.of


@pytest.mark.parametrize("text,words", [
    ("second_person_seen_needed = 4\nsecond_person_seen_of = 3", ["second_person_seen_needed", "second_person_seen_of"]),
    ("second_person_check_s = -1", ["capture.second_person_check_s"]),
    ("second_person_min_visibility = nan", ["capture.second_person_min_visibility"]),
    ("second_person_look_s = 2", ["second_person_look_s"]),
])
def test_bad_second_person_keys_fail_naming_file_and_key(tmp_path: Path, text: str, words: List[str]):
    path = tmp_path / "mine.toml"
    path.write_text(f"[capture]\n{text}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_zero_turns_the_check_off(tmp_path: Path):
    path = tmp_path / "off.toml"
    path.write_text("[capture]\nsecond_person_check_s = 0\n")
    assert load_config(path).capture.second_person_check_s == 0.0


# -- the plan's set-up check ----------------------------------------------------------------
def side_plank_pose(t: float) -> PoseFrame:
    """A well-framed side-on plank (the set-up check says "ok")."""
    pts = {L.NOSE: (150, 168), L.LEFT_EAR: (168, 160), L.RIGHT_EAR: (170, 161), L.LEFT_SHOULDER: (205, 172),
           L.RIGHT_SHOULDER: (207, 174), L.LEFT_ELBOW: (210, 235), L.RIGHT_ELBOW: (212, 236),
           L.LEFT_WRIST: (205, 298), L.RIGHT_WRIST: (207, 299), L.LEFT_HIP: (360, 200), L.RIGHT_HIP: (362, 202),
           L.LEFT_KNEE: (440, 240), L.RIGHT_KNEE: (442, 241), L.LEFT_ANKLE: (520, 285), L.RIGHT_ANKLE: (522, 286),
           L.LEFT_HEEL: (530, 280), L.RIGHT_HEEL: (532, 281), L.LEFT_FOOT_INDEX: (535, 298),
           L.RIGHT_FOOT_INDEX: (537, 299)}
    xyz = np.zeros((NUM_LANDMARKS, 3), np.float32)
    vis = np.zeros(NUM_LANDMARKS, np.float32)
    for lm, (x, y) in pts.items():
        xyz[int(lm), :2] = (x, y)
        vis[int(lm)] = 0.95
    return PoseFrame(t_s=t, frame_index=int(round(t * 30)), width=W, height=H, image_xyz=xyz, visibility=vis,
                     world_xyz=xyz * 0.002)


def test_the_setup_check_says_two_people_while_a_second_person_is_in_view_and_ready_after():
    checker = SetupChecker(load_plans().setup)
    said = []
    for i in range(300):  # 10 s at 30 fps
        t = i / 30
        if i == 90:
            checker.set_people(2)  # the watch's bout starts at 3 s
        if i == 180:
            checker.set_people(None)  # and ends at 6 s
        if i == 120:
            checker.reset()  # a reset (back in view) keeps what is known about people
        said += [(round(e.t_s, 1), e.check) for e in checker.update(t, side_plank_pose(t), FrameLight(120.0))]
    checks = [c for _, c in said]
    assert checks[0] == "ok" and "two_people" in checks and checks[-1] == "ok"
    two = [t for t, c in said if c == "two_people"]
    assert all(3.0 <= t <= 6.0 for t in two)
    back = [t for t, c in said if c == "ok" and t > 6.0]
    assert back and back[0] <= 7.5


def test_people_given_per_frame_wins_over_the_held_count():
    checker = SetupChecker(load_plans().setup)
    checker.set_people(2)
    said = []
    for i in range(60):
        said += [e.check for e in checker.update(i / 30, side_plank_pose(i / 30), FrameLight(120.0), people=1)]
    assert said == ["ok"]
