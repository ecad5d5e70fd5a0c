"""A rep is a movement, not a cut: detect a jump of the body that no person can make.

Two speeds are measured between consecutive pose frames, both in body lengths per second:

* **where the body is** -- the mid-shoulder and the mid-hip in the image (the slower of the two),
  over the body's size in the image (the diagonal of its shoulders, arms, hips and legs);
* **what shape it has** -- the median speed of those twelve joints in the pose model's world
  landmarks (metres, centred on the hips), over a standing body length (``BODY_LENGTH_M``).

Even the fastest plausible push-up (0.35 s a rep: the shoulders travel ~0.3 m down and back,
peaking near 2.7 m/s) keeps both under ~1.5 body lengths per second: the hips move half as
much as the shoulders and the legs hardly move. A cut in the video or a lost and re-found
track changes place *and* shape at once, in one frame, out of a body that was moving at a human
pace. When both speeds exceed ``[reps] max_body_speed_per_s`` while the frame before moved at
most half that (the fastest plausible pace), the frame is a jump and the counter ends its cycle
without counting it (issue 12: a cut to the person standing between two plank stretches was counted
as a rep). Requiring both keeps one jittery measure (the world landmarks' depth, a small
person's image landmarks) from ending a real rep; requiring a sudden change keeps a stretch of
shaky tracking on a fast close-up rep (every frame moving a lot) from ending it frame by frame.
The limit also follows the person's own pace, as the rep counter does: it is twice their fast
frames (the 90th percentile over ``[reps] calibration_window_s``) when that is higher, so a set
filmed or played faster, or a shaky track, does not end reps that the same set at its own speed
keeps, while a cut (tens of body lengths a second) still stands out.

Landmark positions are used whatever their visibility (the pose model estimates hidden ones),
so a side passing out of view does not look like a jump of the mid-point.

The body's size, the unit of the place speed, is never taken below its median over the last
``[reps] body_size_window_s``: a body does not shrink by half in a frame, but the pose model's
outline of it does when it loses the limbs (at the bottom of a fast push-up filmed from the head
end), and measured against that outline its glitch read as a cut. A frame whose body is smaller
than ``[reps] collapsed_size_frac`` of that median is such a glitch: it is reported as
``collapsed`` for the caller to take as no pose, and is not compared. A real change of size (a
cut to a wider shot) passes within half the window, as the median follows it.
"""
from __future__ import annotations

import collections
import math
import statistics
from typing import Deque, Optional, Tuple

import numpy as np

from livecoach.landmarks import Landmark
from livecoach.types import PoseFrame

L = Landmark

#: Landmarks whose image extent is the body's size.
_BODY = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST,
         L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)
_BODY_IDX = [int(lm) for lm in _BODY]

#: A standing adult's height (m): the unit of the world-landmark speed. Anthropometry, not fitted.
BODY_LENGTH_M = 1.7
#: Frame speeds needed before the person's own pace may raise the jump limit (a third of a second).
MIN_OWN_PACE_FRAMES = 10


def body_anchor_points(pose: PoseFrame) -> Tuple[np.ndarray, np.ndarray, float]:
    """(mid-shoulder, mid-hip, body size) in image pixels; size = diagonal of the bounding box
    of shoulders, arms, hips and legs."""
    xy = pose.image_xyz[:, :2].astype(float)
    shoulders = (xy[int(L.LEFT_SHOULDER)] + xy[int(L.RIGHT_SHOULDER)]) / 2.0
    hips = (xy[int(L.LEFT_HIP)] + xy[int(L.RIGHT_HIP)]) / 2.0
    body = xy[_BODY_IDX]
    size = float(np.hypot(*(body.max(axis=0) - body.min(axis=0))))
    return shoulders, hips, size


class JumpDetector:
    """``update(t_s, pose)`` -> True when the body jumped since the previous pose frame.

    Both speeds of the module docstring must exceed ``max_body_speed_per_s``; they are per
    second of the time between the frames (so a lower frame rate or a dropped frame is allowed
    proportionally more). ``max_gap_s``: after a longer gap without a pose the counter has
    already started over, and nothing is compared. ``collapsed`` after ``update``: the frame's
    body was under ``collapsed_size_frac`` of its median size over ``size_window_s`` (a tracking
    glitch; 0 turns the check off).
    """

    def __init__(self, max_body_speed_per_s: float, max_gap_s: float, own_pace_window_s: float = 30.0,
                 own_pace_factor: float = 2.0, own_pace_percentile: float = 90.0,
                 size_window_s: float = 1.0, collapsed_size_frac: float = 0.0) -> None:
        self.max_body_speed_per_s = max_body_speed_per_s
        self.max_gap_s = max_gap_s
        self.own_pace_window_s = own_pace_window_s
        self.own_pace_factor = own_pace_factor
        self.own_pace_percentile = own_pace_percentile
        self.size_window_s = size_window_s
        self.collapsed_size_frac = collapsed_size_frac
        self.collapsed = False  # the last frame's body shrank to a glitch
        self._sizes: Deque[Tuple[float, float]] = collections.deque()  # (t_s, body size px) of the window
        self._recent: Deque[Tuple[float, float]] = collections.deque()  # (t_s, speed) of the window
        self._last: Optional[Tuple[float, np.ndarray, np.ndarray, float, np.ndarray]] = None
        self.last_speed = math.nan  # the smaller of the two speeds at the last frame (body lengths/s)
        self._speed_before = math.nan

    def reset(self) -> None:
        self._last = None
        self.last_speed = math.nan
        self._speed_before = math.nan
        self._recent.clear()
        self._sizes.clear()
        self.collapsed = False

    def limit(self) -> float:
        """The speed above which a frame is a jump: ``max_body_speed_per_s``, or ``own_pace_factor``
        times the person's own fast frames (``own_pace_percentile`` of the last
        ``own_pace_window_s``) when higher, so the check follows the person's pace (a video sped
        up, or a shaky track) as the rep counter does, and a cut (tens of body lengths a second)
        still stands out."""
        if len(self._recent) < MIN_OWN_PACE_FRAMES:
            return self.max_body_speed_per_s
        own = float(np.percentile([s for _, s in self._recent], self.own_pace_percentile))
        return max(self.max_body_speed_per_s, self.own_pace_factor * own)

    def _usual_size(self, t_s: float, size: float) -> float:
        """The median body size (px) of the last ``size_window_s``, this frame's included."""
        if math.isfinite(size):
            self._sizes.append((t_s, size))
        while self._sizes and t_s - self._sizes[0][0] > self.size_window_s:
            self._sizes.popleft()
        # statistics.median: the same value as numpy's, a tenth of its cost on a second of frames
        return float(statistics.median([s for _, s in self._sizes])) if self._sizes else math.nan

    def update(self, t_s: float, pose: Optional[PoseFrame]) -> bool:
        if pose is None:
            self.collapsed = False
            return False
        shoulders, hips, size = body_anchor_points(pose)
        usual_size = self._usual_size(t_s, size)
        self.collapsed = size < self.collapsed_size_frac * usual_size
        if self.collapsed:
            return False
        world = pose.world_xyz[_BODY_IDX].astype(float)
        last, self._last = self._last, (t_s, shoulders, hips, size, world)
        self._speed_before, self.last_speed = self.last_speed, math.nan
        if last is None:
            return False
        t0, s0, h0, size0, world0 = last
        dt = t_s - t0
        scale = max((size + size0) / 2.0, usual_size)
        if dt <= 0 or dt > self.max_gap_s or not math.isfinite(scale) or scale <= 1e-6:
            return False
        moved = min(float(np.hypot(*(shoulders - s0))), float(np.hypot(*(hips - h0))))
        place_speed = moved / scale / dt
        shape_speed = float(np.median(np.linalg.norm(world - world0, axis=1))) / BODY_LENGTH_M / dt
        self.last_speed = min(place_speed, shape_speed)
        # The limit is never below the absolute one: the person's own pace (a percentile over
        # up to a window of frames) is looked at only for a frame that fast, not every frame.
        jump = False
        if self.last_speed > self.max_body_speed_per_s:
            limit = self.limit()
            sudden = not (self._speed_before > limit / 2.0)  # nan (unknown) counts as calm
            jump = self.last_speed > limit and sudden
        if not jump:  # a jump is not the person's pace
            self._recent.append((t_s, self.last_speed))
            while self._recent and t_s - self._recent[0][0] > self.own_pace_window_s:
                self._recent.popleft()
        return jump
