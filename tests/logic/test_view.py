"""How the camera sees the body: a torso up the picture is a camera above the back only when the
shoulders sit apart; a body upright side-on (a wall push-up) is a side view."""
from __future__ import annotations

from collections import Counter

import pytest

from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.landmarks import Landmark as L
from livecoach.logic.view import classify_view
from livecoach.types import View
from conftest import FIXTURES
from helpers import pose_from_points

CFG = load_config()


def upright_torso(shoulder_gap_px: float):
    """A torso running down the picture (shoulders above the hips, 160 px), its shoulders
    ``shoulder_gap_px`` apart across it; the left side nearer the camera."""
    half = shoulder_gap_px / 2.0
    return pose_from_points({L.LEFT_SHOULDER: (320 - half, 100, -10), L.RIGHT_SHOULDER: (320 + half, 100, 10),
                             L.LEFT_HIP: (320 - half / 2, 260, -10), L.RIGHT_HIP: (320 + half / 2, 260, 10)})


@pytest.mark.parametrize("gap_px, expected", [
    (150.0, View.FRONT),      # 0.94 of the torso: the shoulders apart, as from above the back
    (100.0, View.FRONT),      # 0.63
    (25.0, View.SIDE_LEFT),   # 0.16: overlapping, as a person upright side-on (a wall push-up)
])
def test_a_torso_up_the_picture_is_seen_from_above_only_with_the_shoulders_apart(gap_px, expected):
    assert classify_view(upright_torso(gap_px), CFG.view, CFG.features) == expected


@pytest.mark.parametrize("name, expected", [
    ("variants__fitnease__wall_pushups.jsonl.gz", View.SIDE_RIGHT),  # labelled: side, head right
    ("jtnicastro__pushup.mp4.jsonl.gz", View.FRONT),                  # labelled: from above
])
def test_real_recordings_classify_as_labelled(name, expected):
    _header, frames = read_recording(FIXTURES / "landmarks" / name)
    views = Counter(classify_view(f.pose, CFG.view, CFG.features) for f in frames if f.pose is not None)
    side = views[View.SIDE_LEFT] + views[View.SIDE_RIGHT]
    assert (side if expected != View.FRONT else views[View.FRONT]) > 0.8 * sum(views.values()), views
