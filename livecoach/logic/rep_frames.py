"""Which frames of a finished rep cycle a fault rule reads, and robust statistics over them.

Pure functions of a :class:`~livecoach.types.RepWindow` or its frames, shared by the rules of
:mod:`livecoach.logic.faults`: the finite values of one measurement with their times, a
percentile and the time of the frame nearest it, the spread of a measurement, the frames near
the bottom, the frames that hold the exercise's plank, and the time of the descent.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

import numpy as np

from livecoach.config.schema import Config
from livecoach.logic.plank_gate import arms_support, body_flat
from livecoach.types import Features, RepWindow

__all__ = ["finite_values", "percentile_with_time", "lower_half", "plank_frames", "value_range", "descent_seconds"]


def finite_values(frames: Sequence[Features], attr: str) -> List[Tuple[float, float]]:
    """``(t_s, value)`` of every frame whose ``attr`` is a finite number."""
    out = []
    for f in frames:
        value = getattr(f, attr)
        if value is not None and math.isfinite(value):
            out.append((f.t_s, float(value)))
    return out


def percentile_with_time(samples: Sequence[Tuple[float, float]], q: float) -> Tuple[float, float]:
    """The ``q``-th percentile of the values and the time of the sample closest to it."""
    values = np.array([v for _, v in samples], dtype=float)
    stat = float(np.percentile(values, q))
    i = int(np.argmin(np.abs(values - stat)))
    return stat, samples[i][0]


def lower_half(frames: Sequence[Features], min_depth_frac: float) -> List[Features]:
    """Frames of the cycle's lower half (near the bottom), by elbow angle.

    The cycle's own elbow range decides: frames at or below the midpoint between its most
    bent and its straightest measured elbow angle. Falls back to ``depth_frac >=
    min_depth_frac`` (``[faults] lower_half_min_depth_frac``) when the elbow angle was not measured."""
    elbows = [f.elbow_angle_deg for f in frames if math.isfinite(f.elbow_angle_deg)]
    if len(elbows) >= 2:
        mid = (min(elbows) + max(elbows)) / 2.0
        return [f for f in frames if math.isfinite(f.elbow_angle_deg) and f.elbow_angle_deg <= mid]
    return [f for f in frames if math.isfinite(f.depth_frac) and f.depth_frac >= min_depth_frac]


def plank_frames(window: RepWindow, config: Config) -> List[Features]:
    """The frames of ``window`` that hold the exercise's plank: the body line within the plank
    gate's angles and the hips open past its ``gate_min_hip_angle_deg``
    (:func:`~livecoach.logic.plank_gate.body_flat`); or, for an exercise whose own position is
    steeper or more folded (``window.exercise_max_body_angle_deg``, ``exercise_min_hip_angle_deg``:
    a wall push-up's upright body, a pike push-up's hips), a body within that position that the
    arms carry (:func:`~livecoach.logic.plank_gate.arms_support`).

    The gate's debounce lets frames out of the plank into a cycle's ends: a burpee's feet jumping
    in, the person standing up. The line and the legs of a body folding to stand are no plank's,
    and a standing body with the hands at the shoulders is a wall push-up's only on a wall."""
    reps = config.reps
    steepest, most_folded = window.exercise_max_body_angle_deg, window.exercise_min_hip_angle_deg
    own = math.isfinite(steepest) and math.isfinite(most_folded)
    return [f for f in window.frames
            if body_flat(f, reps) or (own and not f.body_angle_deg > steepest
                                      and not f.hip_angle_deg < most_folded and arms_support(f, reps))]


def value_range(samples: Sequence[Tuple[float, float]], low_percentile: float, high_percentile: float) -> float:
    """How much the values of ``samples`` vary: the high minus the low percentile."""
    values = [v for _, v in samples]
    return float(np.percentile(values, high_percentile) - np.percentile(values, low_percentile))


def descent_seconds(window: RepWindow, start_frac: float, end_frac: float) -> Optional[float]:
    """Time the shoulders take from leaving a clear top to reaching the bottom of this rep.

    Measured on the absolute shoulder drop (``depth_raw_frac``: 0 at the person's top height,
    independent of the counter's running calibration, which saturates on a first rep) or, where
    that is not measured (camera above), on the normalised depth. The descent runs from the
    last frame at most ``start_frac`` of the rep's own depth (a clear top) to the first frame at
    ``end_frac`` of it -- the 10-90 % time of the movement, so neither a slow first centimetre
    nor a pause at the bottom counts; a running median of three frames keeps one jittery
    frame from deciding either end. ``None`` when the rep did not start from a clear top (right
    after a rep without lockout; ``window.top_seen`` False) or too few frames were measured.
    """
    if not window.top_seen:
        return None
    frames = [f for f in tuple(window.top_frames) + tuple(window.frames) if f.t_s <= window.t_bottom_s + 1e-9]
    raw = [f for f in frames if math.isfinite(f.depth_raw_frac)]
    attr, frames = ("depth_raw_frac", raw) if len(raw) >= 3 else \
        ("depth_frac", [f for f in frames if math.isfinite(f.depth_frac)])
    if len(frames) < 3:
        return None
    raw_values = [float(getattr(f, attr)) for f in frames]
    # a running median of 3: one jittery frame can neither reach the bottom early nor fake a top
    values = [raw_values[0]] + [float(np.median(raw_values[i - 1:i + 2])) for i in range(1, len(raw_values) - 1)] \
        + [raw_values[-1]]
    peak = max(values)
    if peak <= 0:
        return None
    end = next(i for i, v in enumerate(values) if v >= end_frac * peak)
    tops = [i for i in range(end) if values[i] <= start_frac * peak]
    if not tops:
        return None
    return frames[end].t_s - frames[tops[-1]].t_s
