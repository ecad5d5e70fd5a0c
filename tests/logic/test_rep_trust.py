"""Whether a rep's landmarks support a judgement at all: hands that read as planted, and seen
surely where a rule flags a fault on them.

Hands the pose model cannot see it still calls seen, less surely, and guesses afresh each frame:
the guesses jump. The rules that read the hands (through the shoulders' height above the wrists
or the elbow angle) then say "not judged"; the others judge as before.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.landmarks import Landmark as L
from livecoach.logic.faults import NOT_JUDGED, FaultChecker, NoLockoutRule
from livecoach.logic.features import FeatureExtractor
from livecoach.logic.rep_trust import READS_HANDS, hands_faint, hands_unread_share, hands_unseen, hands_unsteady
from livecoach.types import Fault, FAULT_NAMES

from helpers import plank_pose, window, with_points

CONFIG = load_config()
LIMIT = CONFIG.faults.max_hand_speed_torso_per_s


def test_every_rule_that_reads_the_hands_says_not_judged_when_they_jump_and_the_rest_judge():
    faulty = dict(top=120.0, hip_offset_frac=0.2, neck_angle_deg=70.0)  # arms short of straight, hips sag, head
    steady = FaultChecker(CONFIG).judge(window(hand_speed_torso_per_s=0.3 * LIMIT, **faulty))
    jumpy = FaultChecker(CONFIG).judge(window(hand_speed_torso_per_s=2.0 * LIMIT, **faulty))
    assert READS_HANDS <= set(FAULT_NAMES) and {"shallow", "no_lockout"} <= READS_HANDS
    judged_steady = set(CONFIG.faults.enabled) - set(steady.not_judged)
    assert {"no_lockout", "shallow"} <= judged_steady and "no_lockout" in {f.name for f in steady.faults}
    assert set(jumpy.not_judged) == set(steady.not_judged) | (READS_HANDS & set(CONFIG.faults.enabled))
    assert {f.name for f in jumpy.faults} == {f.name for f in steady.faults} - READS_HANDS
    assert {"hip_sag", "head_drop"} <= {f.name for f in jumpy.faults}  # the body line needs no hand


def test_the_speed_is_the_reps_median_and_an_unknown_speed_judges():
    bent_top = dict(top=120.0, bottom=75.0)
    a_few_jumps = [3.0 * LIMIT if i < 10 else 0.2 * LIMIT for i in range(30)]  # a third of the frames
    assert isinstance(NoLockoutRule(CONFIG).judge(window(hand_speed_torso_per_s=a_few_jumps, **bent_top)), Fault)
    assert isinstance(NoLockoutRule(CONFIG).judge(window(**bent_top)), Fault)  # never measured: nan
    assert NoLockoutRule(CONFIG).judge(window(hand_speed_torso_per_s=1.5 * LIMIT, **bent_top)) is NOT_JUDGED
    assert not hands_unsteady(window(hand_speed_torso_per_s=LIMIT), CONFIG)  # at the limit: still planted


def with_wrists_at(pose, dx: float):
    return with_points(pose, {w: pose.xy(w) + (dx, 0.0) for w in (L.LEFT_WRIST, L.RIGHT_WRIST)})


def test_the_extractor_measures_the_wrists_speed_in_torso_lengths_a_second():
    extractor = FeatureExtractor(CONFIG.features)
    base = plank_pose(0.0, 0, bend=0.0)
    speeds = []
    for i in range(5):  # the wrists move 6 px a frame at 30 fps: 180 px a second
        pose = with_wrists_at(dataclasses.replace(base, t_s=i / 30.0, frame_index=i), 6.0 * i)
        speeds.append(extractor.update(pose).hand_speed_torso_per_s)
    assert math.isnan(speeds[0])  # nothing to compare the first frame with
    mid = lambda p, a, b: (p.xy(a) + p.xy(b)) / 2  # noqa: E731
    torso = float(np.linalg.norm(mid(base, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(base, L.LEFT_HIP, L.RIGHT_HIP)))
    assert speeds[1:] == pytest.approx([180.0 / torso] * 4, rel=1e-3)
    # after a gap longer than the filters' reset, the first frame back has no speed
    later = with_wrists_at(dataclasses.replace(base, t_s=5.0, frame_index=150), 0.0)
    assert math.isnan(extractor.update(later).hand_speed_torso_per_s)


def test_a_rep_whose_hands_went_unseen_through_a_long_stretch_is_not_judged_on_them():
    """A bottom or a top that falls in a stretch without the hands is not read: the hands' rules
    say "not judged" when such a stretch is longer than [faults] max_hands_unread_share of the rep."""
    limit = CONFIG.faults.max_hands_unread_share
    bent_top = dict(top=120.0, bottom=75.0)  # a 1-s rep whose arms never straighten: "Lock out at the top"
    assert 0.0 < limit < 1.0 and isinstance(NoLockoutRule(CONFIG).judge(window(**bent_top)), Fault)

    def unseen_between(first: int, last: int):  # frames first..last (of 30, 1/30 s apart) without hands
        return [first <= i <= last for i in range(30)]

    short = window(hands_unseen=unseen_between(10, 10 + int(limit * 30) - 3), **bent_top)
    long = window(hands_unseen=unseen_between(5, 5 + int(limit * 30) + 2), **bent_top)
    assert hands_unread_share(short) < limit < hands_unread_share(long)
    assert isinstance(NoLockoutRule(CONFIG).judge(short), Fault) and not hands_unseen(short, CONFIG)
    assert NoLockoutRule(CONFIG).judge(long) is NOT_JUDGED and hands_unseen(long, CONFIG)
    judged = FaultChecker(CONFIG).judge(long)
    assert READS_HANDS & set(CONFIG.faults.enabled) <= set(judged.not_judged)
    assert "hip_sag" not in judged.not_judged  # the body line needs no hand
    # frames the counter stepped over (their depth needs the hands) are not in the window at all:
    # only their times tell the stretch
    gap = window(**bent_top)
    kept = tuple(f for f in gap.frames if not 0.2 < f.t_s < 0.2 + limit + 0.1)
    thinned = dataclasses.replace(gap, frames=kept)
    assert not any(f.hands_unseen for f in kept)  # every frame it holds saw the hands
    assert hands_unread_share(thinned) > limit and NoLockoutRule(CONFIG).judge(thinned) is NOT_JUDGED
    assert hands_unread_share(gap) == pytest.approx(1 / 30 / gap.t_end_s, abs=0.02)  # every frame seen


def test_a_rule_that_reads_the_hands_flags_no_fault_on_hands_the_model_is_unsure_of():
    """[faults] min_hand_visibility (the better-seen wrist's visibility, median over the rep): a fault
    the hands' rules would flag there is "not judged"; a clean reading stands; the body's rules judge."""
    limit = CONFIG.faults.min_hand_visibility
    faulty = dict(top=120.0, hip_offset_frac=0.2, neck_angle_deg=70.0)  # arms short of straight, hips sag, head
    sure = FaultChecker(CONFIG).judge(window(hand_visibility=0.97, **faulty))
    unsure = FaultChecker(CONFIG).judge(window(hand_visibility=limit - 0.05, **faulty))
    flagged_on_hands = {f.name for f in sure.faults} & READS_HANDS
    assert 0.5 < limit < 0.97 and "no_lockout" in flagged_on_hands
    assert set(unsure.not_judged) == set(sure.not_judged) | flagged_on_hands
    assert {f.name for f in unsure.faults} == {f.name for f in sure.faults} - READS_HANDS
    assert {"hip_sag", "head_drop"} <= {f.name for f in unsure.faults}  # the body line needs no hand
    clean = FaultChecker(CONFIG).judge(window(hand_visibility=limit - 0.05))  # straight arms, full depth
    assert not clean.faults and not {"no_lockout", "shallow"} & set(clean.not_judged)
    # the median decides: unsure on a third of the frames still flags; never measured (nan) flags
    a_third = [limit - 0.3 if i < 10 else 0.97 for i in range(30)]
    assert not hands_faint(window(hand_visibility=a_third), CONFIG)
    assert isinstance(NoLockoutRule(CONFIG).judge(window(hand_visibility=a_third, **faulty)), Fault)
    assert not hands_faint(window(), CONFIG) and isinstance(NoLockoutRule(CONFIG).judge(window(**faulty)), Fault)
    assert hands_faint(window(hand_visibility=limit - 0.05), CONFIG)
    assert NoLockoutRule(CONFIG).judge(window(hand_visibility=limit - 0.05, **faulty)) is NOT_JUDGED


def test_the_extractor_reads_the_better_seen_wrists_visibility():
    pose = plank_pose(0.0, 0, bend=0.0)
    visibility = pose.visibility.copy()
    visibility[int(L.LEFT_WRIST)], visibility[int(L.RIGHT_WRIST)] = 0.4, 0.75
    features = FeatureExtractor(CONFIG.features).update(dataclasses.replace(pose, visibility=visibility))
    assert features.hand_visibility == pytest.approx(0.75)
