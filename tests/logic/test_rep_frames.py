"""The frames of a rep cycle a fault rule reads, and the statistics over them
(:mod:`livecoach.logic.rep_frames`); the plank frames are tested through the rules that read
them (``test_faults_rules.py``)."""
from __future__ import annotations

from livecoach.config.schema import load_config
from livecoach.logic.rep_frames import finite_values, lower_half, percentile_with_time, value_range

from helpers import window

CONFIG = load_config()


def test_percentile_with_time_returns_the_time_of_the_nearest_sample():
    stat, t = percentile_with_time([(0.0, 1.0), (1.0, 5.0), (2.0, 3.0)], 50)
    assert stat == 3.0 and t == 2.0


def test_lower_half_keeps_the_frames_near_the_bottom():
    w = window()
    low = lower_half(w.frames, CONFIG.faults.lower_half_min_depth_frac)
    assert 0 < len(low) < len(w.frames)
    assert max(f.elbow_angle_deg for f in low) <= (170 + 75) / 2 + 1e-6


def test_finite_values_skip_what_was_not_measured_and_value_range_is_the_percentile_spread():
    w = window(knee_angle_deg=[float("nan")] * 10 + [150.0 + i for i in range(20)])
    samples = finite_values(w.frames, "knee_angle_deg")
    assert len(samples) == 20 and samples[0] == (w.frames[10].t_s, 150.0)
    assert value_range(samples, 0, 100) == 19.0
