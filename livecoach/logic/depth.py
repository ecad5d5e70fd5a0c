"""Depth signals of the rep counter, each normalised to the person's own range.

A :class:`DepthChannel` tracks one signal that is bigger higher up (shoulder height above the
wrists, elbow angle, log torso length in the image when the camera is above, the body
line's angle to the floor), keeps its range
(percentiles over ``[reps] calibration_window_s`` of plank time, never narrower than a minimum
span so jitter cannot look like a rep) and its frame-to-frame noise, and maps a value to 0 at
the person's top and 1 at their bottom. The counter drives its phases with the cleanest channel
(largest range over noise). :class:`ElbowDepth` judges whether a cycle went deep enough where
depth is relative to a support (incline, wall), by the bend of the elbows.
"""
from __future__ import annotations

import bisect
import collections
import math
from dataclasses import dataclass
from typing import Deque, Dict, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.config.exercises import ExerciseProfile
from livecoach.config.schema import Config, RepsConfig
from livecoach.logic.rep_frames import finite_values, value_range
from livecoach.logic.rolling import SortedWindow, median_abs_deviation_sorted, per_sample_noise
from livecoach.types import Features, View

NAN = math.nan


@dataclass(frozen=True)
class ChannelSpec:
    """What a depth signal is: its name, least span (absolute, or a fraction of its top value)
    and the gate mode it is used in (camera above = upright, or flat; None = both)."""

    name: str
    min_span: float
    relative_span: bool  # min_span is a fraction of the top value
    upright: Optional[bool]  # only for this gate mode (None = both)


class DepthChannel:
    """One depth signal (bigger = higher up), normalised to the person's own range.

    The range (``hi``/``lo`` percentiles) and the noise (robust sigma of the second
    difference) are over the last ``calibration_window_s`` of samples; both are kept in sorted
    windows and computed only when read, so a frame costs O(log n) however long the window."""

    def __init__(self, spec: ChannelSpec, config: RepsConfig) -> None:
        self.spec = spec
        self.config = config
        self._values = SortedWindow(config.calibration_window_s)
        self._d2: Deque[float] = collections.deque()  # second differences of consecutive samples
        self._d2_sorted: List[float] = []
        self._stats: Optional[Tuple[float, float, float]] = None  # (hi, lo, noise), None = stale

    def reset(self) -> None:
        self._values.clear()
        self._d2.clear()
        self._d2_sorted.clear()
        self._stats = None

    def add(self, t_s: float, value: float) -> None:
        if not math.isfinite(value):
            return
        items = self._values.items
        self._values.items.append((t_s, value))
        bisect.insort(self._values.sorted, value)
        if len(items) >= 3:
            d2 = items[-1][1] - 2.0 * items[-2][1] + items[-3][1]
            self._d2.append(d2)
            bisect.insort(self._d2_sorted, d2)
        while items and t_s - items[0][0] > self.config.calibration_window_s:
            if self._d2:
                old = self._d2.popleft()
                del self._d2_sorted[bisect.bisect_left(self._d2_sorted, old)]
            self._values.drop_oldest()
        self._stats = None

    def _compute(self) -> Tuple[float, float, float]:
        if self._stats is None:
            if not self._values.sorted:
                self._stats = (NAN, NAN, NAN)
            else:
                hi = self._values.percentile(self.config.range_high_percentile)
                lo = self._values.percentile(self.config.range_low_percentile)
                noise = NAN
                if len(self._values) >= 5:
                    noise = float(per_sample_noise(median_abs_deviation_sorted(self._d2_sorted)))
                self._stats = (hi, lo, noise)
        return self._stats

    @property
    def hi(self) -> float:
        """The person's top: the ``range_high_percentile`` of the window (nan before any sample)."""
        return self._compute()[0]

    @property
    def lo(self) -> float:
        """The person's bottom: the ``range_low_percentile`` of the window."""
        return self._compute()[1]

    @property
    def noise(self) -> float:
        """Per-sample noise (nan with fewer than 5 samples)."""
        return self._compute()[2]

    @property
    def min_span(self) -> float:
        if self.spec.relative_span:
            return self.spec.min_span * abs(self.hi) if math.isfinite(self.hi) else NAN
        return self.spec.min_span

    @property
    def span(self) -> float:
        return self.hi - self.lo if math.isfinite(self.hi) else NAN

    def quality(self) -> float:
        """Range over noise: how clearly this signal shows the movement (0 if unknown)."""
        if len(self._values) < 5 or not math.isfinite(self.span):
            return 0.0
        floor = max(abs(self.span) * 1e-3, 1e-9)
        return self.span / max(self.noise if math.isfinite(self.noise) else floor, floor)

    def normalise(self, value: float) -> float:
        """0 at the person's top, 1 at their bottom (may overshoot a little)."""
        if not math.isfinite(value) or not math.isfinite(self.hi):
            return NAN
        span = max(self.span, self.min_span)
        if span <= 0:
            return NAN
        return (self.hi - value) / span


def channel_values(f: Features) -> Dict[str, float]:
    """Each channel's raw value in one frame of features (nan where not measured)."""
    scale = f.body_scale_px
    return {
        "height": f.shoulder_above_wrist_px,
        "elbow": f.elbow_angle_deg,
        "scale": math.log(scale) if math.isfinite(scale) and scale > 0 else NAN,
        "body": f.body_rise_deg,
    }


def body_still(frames: Sequence[Features], config: RepsConfig) -> bool:
    """Whether the body itself stayed still over a cycle's ``frames``, read on the signals that
    do not need the hands: the shoulders' rise above the feet (``body_rise_deg``), their travel in
    the picture (``shoulders_x_px``/``_y_px``, in torso lengths) and the body's size in it (log
    ``body_scale_px``, toward a camera above), each moving under ``still_body_span_share`` of the
    least span its depth signal calls a rep (``min_span_body_deg``; ``min_span_height_frac`` of a
    top height of about one torso length; ``min_span_scale_log``), between the range percentiles.
    A push-up moves the shoulders; a cycle that only the pose model's guesses of hidden hands made
    does not. A signal read on fewer than 3 frames cannot show stillness: then False."""
    share = config.still_body_span_share
    if share <= 0.0:
        return False
    torso = [(t, v) for t, v in finite_values(frames, "body_scale_px") if v > 0]
    signals = (finite_values(frames, "body_rise_deg"), [(t, math.log(v)) for t, v in torso],
               finite_values(frames, "shoulders_x_px"), finite_values(frames, "shoulders_y_px"))
    if any(len(samples) < 3 for samples in signals):
        return False
    rise, scale, across, down = (value_range(samples, config.range_low_percentile, config.range_high_percentile)
                                 for samples in signals)
    travel = math.hypot(across, down) / float(np.median([v for _, v in torso]))
    return rise < share * config.min_span_body_deg and scale < share * config.min_span_scale_log \
        and travel < share * config.min_span_height_frac


# --------------------------------------------------------------------------- depth to a support
@dataclass(frozen=True)
class ElbowDepth:
    """Whether a cycle went deep enough, judged by the bend of the elbows: for exercises whose
    depth is relative to a support (incline, wall: ``[rep] depth_reference = "support"``). There
    the shoulders' drop toward the hands -- the floor push-up's depth -- is not a measure of
    depth: on a raised support the chest comes to the support, and the arms bend as far as on the
    floor (upper arms about square to the body). So a full rep bends the elbows to the profile's
    ``[rep] bottom_elbow_max_deg``, read like the shallow rule's elbow fallback (the
    ``bottom_percentile`` of the cycle's elbow angles). ``reached`` says None -- not judged --
    when the view cannot show the elbow angle (``[view.judgeable] shallow``), the elbow was
    measured on too few frames, or it hardly seemed to bend (seen end-on)."""

    max_bottom_elbow_deg: float
    bottom_percentile: float
    min_range_deg: float
    range_percentiles: Tuple[float, float]
    min_frames: int
    views: Tuple[str, ...]

    def reached(self, frames: Sequence[Features], view: View) -> Optional[bool]:
        """Whether ``frames`` bent the elbows to the limit (None: not judged, see the class)."""
        bottom = self.bottom_deg(frames, view)
        return None if bottom is None else bool(bottom <= self.max_bottom_elbow_deg)

    def bottom_deg(self, frames: Sequence[Features], view: View) -> Optional[float]:
        """The elbow angle at the cycle's bottom as judged (the ``bottom_percentile`` of its
        angles), or None where it is not judged (the view, too few frames, hardly a bend)."""
        if view.value not in self.views:
            return None
        elbows = sorted(f.elbow_angle_deg for f in frames if math.isfinite(f.elbow_angle_deg))
        if len(elbows) < max(self.min_frames, 1):
            return None
        arr = np.array(elbows, dtype=float)
        low, high = np.percentile(arr, self.range_percentiles)
        if high - low < self.min_range_deg:
            return None
        return float(np.percentile(arr, self.bottom_percentile))


def elbow_depth_for(profile: Optional[ExerciseProfile], config: Config) -> Optional[ElbowDepth]:
    """The :class:`ElbowDepth` of ``profile`` when its depth is relative to a support, else None
    (depth toward the floor: the rep counter's shoulder drop)."""
    if profile is None or profile.rep is None or profile.rep.depth_reference != "support":
        return None
    faults = config.faults
    return ElbowDepth(max_bottom_elbow_deg=profile.rep.bottom_elbow_max_deg,
                      bottom_percentile=faults.shallow.bottom_percentile,
                      min_range_deg=faults.min_elbow_range_deg,
                      range_percentiles=(faults.elbow_range_low_percentile, faults.elbow_range_high_percentile),
                      min_frames=faults.min_frames, views=tuple(config.view.judgeable.get("shallow", ())))
