"""Dim light: the pose model's left/right swaps must not look like reps.

In a dark picture BlazePose loses track of which side of the person is which and swaps them back
and forth, the two shoulder landmarks crossing through each other on the way. The fixtures are
real: the landmarks the pose model gave on jtnicastro's overhead clip as filmed, and on the same
clip darkened as ``livecoach eval --augment dim`` darkens it (gamma 2.2, gain 0.6, sensor noise
sigma 6).
"""
from __future__ import annotations

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.landmarks import Landmark as L
from livecoach.logic.geometry import body_scale_px
from conftest import FIXTURES
from helpers import pose_from_points
from tempo import count_cycles

CFG = load_config()
V = CFG.features.min_visibility
FILMED = FIXTURES / "landmarks" / "jtnicastro__pushup.mp4.jsonl.gz"
DARKENED = FIXTURES / "landmarks" / "jtnicastro__pushup.mp4_dim.jsonl.gz"
LABELLED = (9, 10)  # ../shared/videos/manifest.json: count_min, count_max


def overhead_plank(left_shoulder_x: float, right_shoulder_x: float):
    """A camera above the back: torso down the image, mid-shoulder at x 320 when symmetric."""
    return pose_from_points({L.LEFT_SHOULDER: (left_shoulder_x, 100, 0), L.RIGHT_SHOULDER: (right_shoulder_x, 100, 0),
                             L.LEFT_HIP: (295, 260, 0), L.RIGHT_HIP: (345, 260, 0)})


def test_body_scale_is_the_same_through_a_left_right_swap():
    steady = body_scale_px(overhead_plank(250, 390), V)
    assert steady == pytest.approx(160.0)
    # mid-swap the shoulders cross (here at 11 px apart, then swapped): the size is unchanged
    for left, right in ((314.5, 325.5), (390, 250)):
        assert body_scale_px(overhead_plank(left, right), V) == pytest.approx(steady)


def test_darkened_fixture_is_the_swapping_kind():
    """The darkened recording shows the failure (else the next test would prove nothing): its
    shoulder landmarks pass within 50 px of each other (150 px apart in the plank) on 28 frames,
    against 3 as filmed (one swap, at 18.3 s)."""
    def widths(path):
        _header, frames = read_recording(path)
        return np.array([np.linalg.norm(f.pose.xy(L.LEFT_SHOULDER) - f.pose.xy(L.RIGHT_SHOULDER))
                         for f in frames if f.pose is not None])
    filmed, darkened = widths(FILMED), widths(DARKENED)
    assert (filmed < 50.0).sum() <= 5
    assert (darkened < 50.0).sum() >= 20


def test_darkened_recording_counts_as_filmed():
    filmed = count_cycles(read_recording(FILMED)[1], CFG)
    darkened = count_cycles(read_recording(DARKENED)[1], CFG)
    assert LABELLED[0] <= filmed <= LABELLED[1]
    # as filmed 9; darkened it was 33 while the shoulder width was part of the body's size
    assert abs(darkened - filmed) <= 1 and LABELLED[0] - 1 <= darkened <= LABELLED[1], (filmed, darkened)
