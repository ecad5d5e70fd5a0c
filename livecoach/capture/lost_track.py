"""Whether the pose model's tracking has lost the body, so that it should look for it afresh.

BlazePose in video mode finds a person once, then follows them from picture to picture: each
picture's crop is placed where the last one put the body. When the body moves further between two
pictures than that crop allows (a burpee's jump back into the plank, a fast rep on a 15 fps
camera), the landmark model reads the part of the body left in the crop and draws a skeleton
shrunk to it: the shared burpee clip's torso read 9-27 px for up to 0.8 s where the frames before
and after show 55-67 px. Its confidence stays above ``min_tracking_confidence``, so the model
does not look again by itself; the skeleton's hips then read folded and the plank is lost.

:class:`LostTrackCheck` tells such a picture by its torso (shoulders' midpoint to hips' midpoint,
in the picture) shrinking under ``retrack_below_torso_share`` of its median over the last
``retrack_window_s``: no body shrinks to half in a second in front of a camera. The estimator then
restarts the model's tracking and reads the same picture again from a fresh detection. Where that
detection finds the torso as short (the person did turn head-on, or walk away), the shrink is
real: the check starts its median over from there and does not ask again.
"""
from __future__ import annotations

import collections
import math
from typing import Deque, Optional, Tuple

import numpy as np

from livecoach.logic.geometry import body_scale_px
from livecoach.logic.view import shoulder_width_px
from livecoach.types import PoseFrame


class LostTrackCheck:
    """Per stream: :meth:`lost` for each pose the model tracked; after a fresh detection of the
    same picture, :meth:`redetected` with its pose. ``below_share`` 0 turns the check off."""

    #: Torso lengths read before the median is trusted.
    MIN_SAMPLES = 3

    def __init__(self, below_share: float, window_s: float, side_on_width_share: float) -> None:
        self.below_share = float(below_share)
        self.window_s = float(window_s)
        self.side_on_width_share = float(side_on_width_share)
        self._torsos: Deque[Tuple[float, float, float]] = collections.deque()  # time, torso, shoulder width
        #: Fresh detections asked for so far.
        self.redetections = 0

    def _median(self) -> float:
        """The torso's median length over the window, where the body was seen side-on there (nan
        otherwise: seen from the front or behind the torso foreshortens toward the camera, and a
        head-on plank's reads a few pixels at the bottom of each rep)."""
        if len(self._torsos) < self.MIN_SAMPLES:
            return math.nan
        torso = float(np.median([length for _, length, _ in self._torsos]))
        width = float(np.median([w for _, _, w in self._torsos]))
        return torso if width < self.side_on_width_share * torso else math.nan

    def _forget_before(self, t_s: float) -> None:
        """Drops the readings older than the window at ``t_s``: after a stretch without a pose the
        median is of the last second only, not of the body seen before the gap."""
        while self._torsos and t_s - self._torsos[0][0] > self.window_s:
            self._torsos.popleft()

    def _shrunk(self, torso: float) -> bool:
        """Whether ``torso`` reads under ``below_share`` of the window's side-on median (never
        when the check is off: its median is not computed then)."""
        if self.below_share <= 0.0:
            return False
        median = self._median()
        return math.isfinite(median) and torso < self.below_share * median

    def _add(self, t_s: float, torso: float, width: float) -> None:
        if math.isfinite(torso) and math.isfinite(width):
            self._torsos.append((t_s, torso, width))

    def lost(self, t_s: float, pose: Optional[PoseFrame]) -> bool:
        """Whether ``pose`` (the tracked reading of the picture at ``t_s``) lost the body. When
        False the pose is taken into the median; when True the caller detects afresh."""
        if pose is None:
            return False
        self._forget_before(t_s)
        torso = body_scale_px(pose, 0.0)  # the torso's length in the picture, whatever its visibility
        if self._shrunk(torso):
            self.redetections += 1
            return True
        self._add(t_s, torso, shoulder_width_px(pose))
        return False

    def redetected(self, t_s: float, pose: Optional[PoseFrame]) -> None:
        """The fresh detection's reading of the same picture (None: nobody found)."""
        if pose is None:
            return
        self._forget_before(t_s)
        torso = body_scale_px(pose, 0.0)  # the torso's length in the picture, whatever its visibility
        if self._shrunk(torso):
            self._torsos.clear()  # found as short again: the body did shrink in the picture
        self._add(t_s, torso, shoulder_width_px(pose))
