"""The sliding-window statistics of the rep counter's calibration give numpy's exact results."""
from __future__ import annotations

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.logic.rolling import (SortedWindow, median_abs_deviation_sorted, median_sorted,
                                     percentile_sorted)


@pytest.mark.parametrize("kind", ["normal", "ties", "rounded"])
def test_matches_numpy_bit_for_bit(kind):
    rng = np.random.default_rng(7)
    for _ in range(400):
        n = int(rng.integers(1, 80))
        if kind == "normal":
            x = rng.normal(size=n)
        elif kind == "ties":
            x = rng.integers(-3, 4, size=n).astype(float)
        else:
            x = np.round(rng.normal(size=n) * 100) / 7
        s = sorted(x.tolist())
        for q in (0.0, 5.0, 33.3, 50.0, 95.0, 100.0):
            assert percentile_sorted(s, q) == float(np.percentile(x, q))
        assert median_sorted(s) == float(np.median(x))
        assert median_abs_deviation_sorted(s) == float(np.median(np.abs(x - np.median(x))))


def test_sorted_window_drops_old_values():
    w = SortedWindow(span_s=1.0)
    gone = []
    for i, v in enumerate([5.0, 1.0, 3.0, 2.0, 4.0]):
        gone += w.add(i * 0.4, v)
    assert gone == [5.0, 1.0]  # t=0.0 and t=0.4 are more than 1 s before t=1.6
    assert w.sorted == [2.0, 3.0, 4.0] and len(w) == 3
    assert w.median() == 3.0 and w.percentile(100) == 4.0


def test_depth_channel_range_and_noise_as_the_full_recomputation():
    """The counter's channel over a long noisy signal: range and noise equal numpy's over the
    window, at every frame, while the window slides."""
    from livecoach.logic.depth import ChannelSpec, DepthChannel

    cfg = load_config().reps
    ch = DepthChannel(ChannelSpec("height", 0.3, True, None), cfg)
    rng = np.random.default_rng(3)
    hist = []
    for i in range(1500):  # 50 s at 30 fps: the 30 s window slides
        t = i / 30.0
        v = 100 + 40 * np.sin(t * 2.5) + rng.normal() * 2
        ch.add(t, float(v))
        hist.append((t, float(v)))
        hist = [(ht, hv) for ht, hv in hist if t - ht <= cfg.calibration_window_s]
        if i % 37 == 0:
            vals = np.array([hv for _, hv in hist])
            assert ch.hi == float(np.percentile(vals, cfg.range_high_percentile))
            assert ch.lo == float(np.percentile(vals, cfg.range_low_percentile))
            if vals.size >= 5:
                d2 = vals[2:] - 2.0 * vals[1:-1] + vals[:-2]
                assert ch.noise == float(1.4826 * np.median(np.abs(d2 - np.median(d2)))) / np.sqrt(6.0)
