"""The check that tells a pose whose tracking lost the body (livecoach.capture.lost_track)."""
from __future__ import annotations

import pytest

from livecoach.capture.lost_track import LostTrackCheck
from livecoach.config.schema import load_config
from livecoach.landmarks import Landmark as L
from livecoach.logic.geometry import body_scale_px
from livecoach.logic.view import shoulder_width_px
from livecoach.types import PoseFrame
from helpers import pose_from_points

FPS = 15.0


def torso_pose(t_s: float, torso_px: float, shoulder_width: float = 0.0) -> PoseFrame:
    """Shoulders ``shoulder_width`` apart (0: side-on, one behind the other), hips ``torso_px``
    to the right of their midpoint: a plank seen from the side, or from the head end."""
    half = shoulder_width / 2.0
    return pose_from_points({L.LEFT_SHOULDER: (200.0, 150.0 - half), L.RIGHT_SHOULDER: (200.0, 150.0 + half),
                             L.LEFT_HIP: (200.0 + torso_px, 150.0), L.RIGHT_HIP: (200.0 + torso_px, 150.0)},
                            t_s=t_s)


def check_from_config() -> LostTrackCheck:
    pose = load_config().pose
    return LostTrackCheck(pose.retrack_below_torso_share, pose.retrack_window_s, pose.retrack_side_on_width_share)


def feed(check: LostTrackCheck, seconds: float, torso_px: float, shoulder_width: float = 0.0,
         start_s: float = 0.0) -> list:
    n = int(round(seconds * FPS))
    return [check.lost(start_s + i / FPS, torso_pose(start_s + i / FPS, torso_px, shoulder_width)) for i in range(n)]


def test_the_measures_read_the_named_landmarks():
    pose = torso_pose(0.0, 60.0, shoulder_width=20.0)
    assert body_scale_px(pose, 0.0) == pytest.approx(60.0)
    assert shoulder_width_px(pose) == pytest.approx(20.0)


def test_a_side_on_torso_shrunk_to_a_fifth_in_one_frame_is_a_lost_track():
    check = check_from_config()
    assert not any(feed(check, 1.0, 60.0))
    assert check.lost(1.0, torso_pose(1.0, 12.0))  # the burpee clip's collapse: 9-27 px after 55-67
    assert check.redetections == 1


def test_a_side_on_torso_that_stays_its_length_or_varies_a_little_is_never_lost():
    check = check_from_config()
    lengths = [60.0, 52.0, 66.0, 45.0, 58.0, 40.0, 62.0] * 10  # a rep's foreshortening, the model's jitter
    assert not any(check.lost(i / FPS, torso_pose(i / FPS, length)) for i, length in enumerate(lengths))
    assert check.redetections == 0


def test_a_head_on_torso_is_not_judged_it_foreshortens_at_every_bottom():
    """Seen from the head end the torso reads a few pixels at a rep's bottom (dollarpy's 8 px after
    140): the shoulders' width says the view is not side-on, so nothing is asked."""
    check = check_from_config()
    assert not any(feed(check, 1.0, 140.0, shoulder_width=275.0))
    assert not check.lost(1.0, torso_pose(1.0, 8.0, shoulder_width=275.0))


def test_a_fresh_detection_as_short_starts_the_median_over():
    """When a fresh detection finds the torso as short, the body did shrink in the picture (turned
    head-on, walked away): the check asks once, not on every frame after."""
    check = check_from_config()
    feed(check, 1.0, 60.0)
    assert check.lost(1.0, torso_pose(1.0, 20.0))
    check.redetected(1.0, torso_pose(1.0, 20.0))
    assert not any(feed(check, 1.0, 20.0, start_s=1.0 + 1 / FPS))
    assert check.redetections == 1


def test_a_fresh_detection_of_the_whole_body_keeps_the_median():
    check = check_from_config()
    feed(check, 1.0, 60.0)
    assert check.lost(1.0, torso_pose(1.0, 15.0))
    check.redetected(1.0, torso_pose(1.0, 58.0))
    assert check.lost(1.0 + 1 / FPS, torso_pose(1.0 + 1 / FPS, 15.0))  # lost again next frame: asked again


def test_no_pose_and_too_few_frames_ask_nothing():
    check = check_from_config()
    assert not check.lost(0.0, None)
    check.lost(0.0, torso_pose(0.0, 60.0))
    check.lost(0.1, torso_pose(0.1, 60.0))
    assert not check.lost(0.2, torso_pose(0.2, 5.0))  # two frames are no median yet


def test_the_median_is_of_the_last_window_only_after_a_stretch_without_a_pose():
    """A person who left the picture for two seconds and came back smaller (further away) was found
    by a fresh detection already: the readings from before the gap say nothing of the body now."""
    check = check_from_config()
    feed(check, 1.0, 60.0)
    assert not check.lost(3.0, torso_pose(3.0, 20.0))
    assert not any(feed(check, 1.0, 20.0, start_s=3.0 + 1 / FPS))
    assert check.redetections == 0


def test_share_zero_turns_the_check_off():
    check = LostTrackCheck(0.0, 1.0, 0.5)
    feed(check, 1.0, 60.0)
    assert not check.lost(1.0, torso_pose(1.0, 5.0))
