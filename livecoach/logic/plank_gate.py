"""The plank gate: whether the person is in a supported plank, frame by frame and debounced.

The body carried on the hands at up to ``gate_max_body_angle_deg`` from the floor (a floor,
knee or incline push-up; or, with a camera looking down on the back, the torso upright in the
image with the hands near the shoulders), not folded at the hips, hands toward the shoulders
rather than by the hips. :class:`PlankGate` switches on after ``gate_on_after_s`` of plank
frames and off after ``gate_off_after_s`` without, so one bad frame neither starts nor ends a
set. Standing, walking, sitting, kneeling up, downward dog and lying with the arms by the
sides are outside it. Thresholds: ``[reps] gate_*`` in the config.
"""
from __future__ import annotations

import math
from typing import Optional

from livecoach.config.schema import RepsConfig
from livecoach.types import Features

def plank_posture(f: Features, config: RepsConfig) -> bool:
    """Whether one frame of features looks like a supported plank (hands or knees)."""
    if _folded_at_hips(f, config):
        return False  # downward dog, sitting, kneeling back
    return arms_support(f, config)


def _folded_at_hips(f: Features, config: RepsConfig) -> bool:
    return not math.isnan(f.hip_angle_deg) and f.hip_angle_deg < config.gate_min_hip_angle_deg


def _body_line_flat(f: Features, config: RepsConfig) -> bool:
    """The shoulder-ankle line within ``gate_max_body_angle_deg`` of the floor (in 3-D), or, with
    the feet above the shoulders, within ``gate_max_decline_deg``."""
    if math.isnan(f.body_angle_deg):
        return False
    limit = config.gate_max_decline_deg if feet_above_shoulders(f) else config.gate_max_body_angle_deg
    return f.body_angle_deg <= limit


def feet_above_shoulders(f: Features) -> bool:
    """Whether the body line falls from the feet to the shoulders (in the world landmarks, whose
    axes are the camera's). No standing, sitting or kneeling body does: such a line is a decline,
    or a plank seen head-on from a raised camera, whose far feet it puts above the shoulders by
    the camera's own tilt."""
    return not math.isnan(f.body_rise_deg) and f.body_rise_deg < 0.0


def arms_support(f: Features, config: RepsConfig) -> bool:
    """Whether the arms carry the upper body as in a plank -- :func:`plank_posture` without its
    hip check: body flat (or a plank seen from above), hands below the shoulders and toward
    them rather than by the hips. True too when the hips fold with the hands still on the
    floor (a burpee's jump in, a push-up pushed back into downward dog): a push-up's lockout is
    the arms' work, and the rep counter takes such a frame as a lockout (standing up after a
    cut is not one)."""
    wrist_t = f.wrist_along_torso_frac
    if camera_above(f, config):
        # Camera above the back (or a person standing facing it): only hands held near the
        # shoulders, as in a plank seen from above, pass; arms by the sides do not. Nor do hands
        # that swing (someone standing up with the hands at the chest): planted hands stay put.
        return (not math.isnan(wrist_t)
                and config.gate_topdown_wrist_min_frac <= wrist_t <= config.gate_topdown_wrist_max_frac
                and not f.hand_speed_torso_per_s > config.gate_topdown_max_hand_speed_torso_per_s)
    if not _body_line_flat(f, config):
        return False
    if math.isnan(f.shoulder_above_wrist_px) or f.shoulder_above_wrist_px <= 0:
        return False  # hands must be below the shoulders (supporting the body)
    if not math.isnan(wrist_t) and wrist_t > config.gate_max_wrist_along_torso_frac:
        return False  # hands by the hips: lying flat resting, or arms hanging
    return True


def body_flat(f: Features, config: RepsConfig) -> bool:
    """Whether the body lies flat as in a plank, not folded at the hips (:func:`plank_posture`
    without its hand checks), seen in a picture whose camera is not above the back."""
    return body_lying(f, config) and not _folded_at_hips(f, config)


def body_lying(f: Features, config: RepsConfig) -> bool:
    """Whether the body line lies as in a plank (the gate's angle to the floor, or a decline), seen
    in a picture whose camera is not above the back: :func:`body_flat` without its hip check. A
    person standing up or jumping is not lying; hips read folded may be a misread."""
    return not camera_above(f, config) and _body_line_flat(f, config)


def body_from_above(f: Features, config: RepsConfig) -> bool:
    """Whether the body, seen by a camera above the back (:func:`camera_above`), is not folded at
    the hips: the camera-above route of :func:`plank_posture` without its hand checks, as
    :func:`body_flat` is the other route's."""
    return camera_above(f, config) and not _folded_at_hips(f, config)


def camera_above(f: Features, config: RepsConfig) -> bool:
    """Torso up/down the image and not flat in 3-D: a camera looking down on the back (the
    pose model then reads the body as upright) — or someone standing."""
    return bool(f.body_upright_in_image) and not _body_line_flat(f, config)


class PlankGate:
    """Debounced plank posture: on after ``gate_on_after_s`` of plank frames, off after
    ``gate_off_after_s`` of non-plank frames (or a pose gap longer than ``max_gap_s``)."""

    def __init__(self, config: RepsConfig) -> None:
        self.config = config
        self.on = False
        self._since: Optional[float] = None  # start of the current contrary run
        self.upright_mode = False

    def reset(self) -> None:
        self.on = False
        self._since = None

    def update(self, t_s: float, posture: Optional[bool]) -> bool:
        """``posture`` None = no usable pose this frame (it counts against the gate)."""
        wanted = bool(posture)
        if wanted == self.on:
            self._since = None
            return self.on
        if self._since is None:
            self._since = t_s
        hold = self.config.gate_on_after_s if wanted else self.config.gate_off_after_s
        if t_s - self._since >= hold - 1e-9:
            self.on = wanted
            self._since = None
        return self.on
