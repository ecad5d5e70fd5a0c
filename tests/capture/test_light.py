"""Low light (issue 9): which frames are brightened for the pose model, and by how much."""
from __future__ import annotations

import numpy as np
import pytest

from livecoach.capture.light import brightening_gamma, gamma_table


@pytest.mark.parametrize("mean", [5.0, 30.0, 56.0, 69.9])
def test_a_dark_frame_is_brought_to_the_target_mean(mean):
    gamma = brightening_gamma(mean, below=70.0, target=110.0, floor=2.0)
    assert gamma is not None and 0.0 < gamma < 1.0
    # A flat frame at that mean comes out at the target (to the table's rounding).
    assert abs(float(gamma_table(gamma)[int(round(mean))]) - 110.0) <= 255.0 * 0.02 + 1.0


@pytest.mark.parametrize("mean,below,target,floor", [(70.0, 70.0, 110.0, 8.0), (150.0, 70.0, 110.0, 8.0),
                                                     (40.0, 0.0, 110.0, 8.0),  # switched off
                                                     (1.2, 70.0, 110.0, 8.0),  # an end card: no picture
                                                     (7.9, 70.0, 110.0, 8.0),
                                                     (0.4, 70.0, 110.0, 0.0),  # black: nothing to bring out
                                                     (60.0, 70.0, 50.0, 8.0)])  # already brighter than the target
def test_other_frames_are_left_alone(mean, below, target, floor):
    assert brightening_gamma(mean, below, target, floor) is None


def test_the_curve_keeps_black_and_white_and_the_order_of_tones():
    table = gamma_table(0.5)
    assert table.dtype == np.uint8 and table.shape == (256,)
    assert table[0] == 0 and table[255] == 255
    assert (np.diff(table.astype(int)) >= 0).all() and table[64] > 64
