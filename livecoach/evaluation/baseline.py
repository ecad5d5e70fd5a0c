"""The naive push-up counter the evaluation compares LiveCoach against.

This is the rule most open-source push-up counters use: one elbow angle (shoulder-elbow-
wrist in the image, on the side whose three landmarks are more visible), "up" above
``up_deg``, "down" below ``down_deg``, and a rep counted on each down -> up transition.
No plank gate, no smoothing, no calibration. Its thresholds are in ``[eval]`` of the
config (160 and 90 degrees, the usual values).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, List, Optional

import numpy as np

from livecoach.landmarks import Landmark
from livecoach.types import PoseFrame

__all__ = ["NaiveElbowCounter", "BaselineRep", "visible_elbow_angle_deg", "count_angles"]

_SIDES = (
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
)


def _angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle at ``b`` of the triangle a-b-c, degrees."""
    u, v = a - b, c - b
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0.0 or nv == 0.0:
        return math.nan
    cos = float(np.dot(u, v)) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def visible_elbow_angle_deg(pose: PoseFrame) -> float:
    """Image-plane elbow angle of the side whose shoulder, elbow and wrist are more visible."""
    best = max(_SIDES, key=lambda side: sum(pose.vis(lm) for lm in side))
    shoulder, elbow, wrist = (pose.xy(lm).astype(float) for lm in best)
    return _angle_deg(shoulder, elbow, wrist)


@dataclass(frozen=True)
class BaselineRep:
    index: int
    t_s: float  # when the angle went back above the "up" threshold


class NaiveElbowCounter:
    """Counts a rep each time the elbow angle goes below ``down_deg`` and then above ``up_deg``."""

    def __init__(self, up_deg: float, down_deg: float) -> None:
        if not down_deg < up_deg:
            raise ValueError("down_deg must be below up_deg")
        self.up_deg = up_deg
        self.down_deg = down_deg
        self.down = False
        self.reps: List[BaselineRep] = []

    @property
    def count(self) -> int:
        return len(self.reps)

    def update_angle(self, t_s: float, angle_deg: float) -> bool:
        """Feed one angle (``nan`` = not measured); True when this frame completes a rep."""
        if angle_deg is None or not math.isfinite(angle_deg):
            return False
        if not self.down and angle_deg < self.down_deg:
            self.down = True
        elif self.down and angle_deg > self.up_deg:
            self.down = False
            self.reps.append(BaselineRep(len(self.reps) + 1, t_s))
            return True
        return False

    def update(self, t_s: float, pose: Optional[PoseFrame]) -> bool:
        """Feed one frame's pose (``None`` = nobody found: ignored)."""
        if pose is None:
            return False
        return self.update_angle(t_s, visible_elbow_angle_deg(pose))


def count_angles(angles: Iterable[float], up_deg: float, down_deg: float) -> int:
    """Reps the naive rule counts in a sequence of elbow angles (one per frame)."""
    counter = NaiveElbowCounter(up_deg, down_deg)
    for i, angle in enumerate(angles):
        counter.update_angle(float(i), angle)
    return counter.count
