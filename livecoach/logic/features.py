"""Per-frame push-up measurements, smoothed: one :class:`~livecoach.types.Features` per
:class:`~livecoach.types.PoseFrame`.

:func:`raw_features` takes every measurement of :mod:`livecoach.logic.geometry` from one pose
(the side facing the camera and the torso's orientation computed once and shared);
:class:`OneEuroFilter` smooths each one; :class:`FeatureExtractor` is the stateful stage the
session runs.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Dict, Optional, Tuple

import numpy as np

from livecoach.config.schema import FeaturesConfig
from livecoach.landmarks import HAND_LANDMARKS_BY_SIDE, Landmark
from livecoach.logic.continuity import body_anchor_points
from livecoach.logic.elevation import ElevationWatch, camera_elevation_deg
from livecoach.logic.geometry import (asymmetry_deg, body_rise_deg, body_scale_px, body_turn_deg, combine_sides,
                                      elbow_angle_side_deg, elbow_flare_deg, elbow_spread_frac, facing_side,
                                      hip_angle_deg, hip_offset_frac, hip_offset_knee_frac, knee_angle_deg,
                                      mid_wrist_xy, mid_xy, neck_angle_deg, shoulder_above_wrist_px, shrug_ratio,
                                      side_visibility, square_on_pose, torso_upright_in_image,
                                      wrist_along_torso_frac)
from livecoach.types import Features, PoseFrame, View

NAN = math.nan


# --------------------------------------------------------------------------- smoothing
class OneEuroFilter:
    """One-Euro filter (Casiez et al. 2012): little lag when the value moves fast, strong
    smoothing when it is still. ``nan`` input passes through and does not disturb the state;
    a gap longer than ``reset_after_s`` restarts the filter."""

    def __init__(self, min_cutoff_hz: float, beta: float, d_cutoff_hz: float, reset_after_s: float = 0.5) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.reset_after_s = reset_after_s
        self._x: Optional[float] = None
        self._dx = 0.0
        self._t: Optional[float] = None

    @staticmethod
    def _alpha(cutoff_hz: float, dt: float) -> float:
        tau = 1.0 / (2.0 * math.pi * cutoff_hz)
        return 1.0 / (1.0 + tau / dt)

    def reset(self) -> None:
        self._x, self._dx, self._t = None, 0.0, None

    def __call__(self, t_s: float, x: float) -> float:
        if x is None or not math.isfinite(x):
            return NAN
        if self._x is None or self._t is None or t_s - self._t > self.reset_after_s or t_s <= self._t:
            if self._t is not None and t_s <= self._t and self._x is not None:
                return self._x  # repeated timestamp: keep the estimate
            self._x, self._dx, self._t = float(x), 0.0, t_s
            return float(x)
        dt = t_s - self._t
        dx = (x - self._x) / dt
        a_d = self._alpha(self.d_cutoff_hz, dt)
        self._dx = a_d * dx + (1.0 - a_d) * self._dx
        cutoff = self.min_cutoff_hz + self.beta * abs(self._dx)
        a = self._alpha(cutoff, dt)
        self._x = a * float(x) + (1.0 - a) * self._x
        self._t = t_s
        return self._x


def folded_arms_unseen(pose: PoseFrame, min_visibility: float, min_elbow_deg: float,
                       max_turn_deg: float = 90.0) -> PoseFrame:
    """``pose`` with the hand of each arm whose image-plane elbow angle reads under
    ``min_elbow_deg`` set unseen (visibility 0): no arm that carries a body folds that far (the
    deepest rep bottoms of the shared clips read 27-45 degrees), so the hand is the pose model's
    guess (a hand hidden from the camera it calls seen). Only for a body seen within
    ``max_turn_deg`` of side-on (:func:`~livecoach.logic.geometry.body_turn_deg`), where the
    picture shows the elbow's true angle: from further round, an arm reaching toward the camera
    reads folded. ``pose`` itself when no arm is found folded (``min_elbow_deg`` 0 = off)."""
    if not min_elbow_deg > 0.0 or not body_turn_deg(pose) <= max_turn_deg:
        return pose
    folded = [side for side in ("left", "right") if elbow_angle_side_deg(pose, side, min_visibility) < min_elbow_deg]
    if not folded:
        return pose
    visibility = np.array(pose.visibility, dtype=np.float32)
    for side in folded:
        visibility[[int(lm) for lm in HAND_LANDMARKS_BY_SIDE[side]]] = 0.0
    return dataclasses.replace(pose, visibility=visibility)


#: Features smoothed by the extractor (the booleans and nan-only values are not).
_SMOOTHED: Tuple[str, ...] = (
    "elbow_angle_deg", "elbow_angle_left_deg", "elbow_angle_right_deg", "hip_offset_frac",
    "knee_angle_deg", "body_angle_deg", "body_rise_deg", "elbow_flare_deg", "shrug_ratio", "neck_angle_deg",
    "asymmetry_deg", "shoulder_above_wrist_px", "body_scale_px", "wrist_along_torso_frac",
    "hip_angle_deg", "elbow_spread_frac", "hip_offset_knee_frac",
)


def hand_visibility(pose: PoseFrame) -> float:
    """The better-seen wrist's visibility: how sure the pose model is of a hand."""
    return max(pose.vis(Landmark.LEFT_WRIST), pose.vis(Landmark.RIGHT_WRIST))


def raw_features(pose: PoseFrame, config: FeaturesConfig, level_deg: float = 0.0,
                 elevation_deg: Optional[float] = None) -> Dict[str, object]:
    """All per-frame measurements of ``pose``, unsmoothed, as a dict of Features fields.

    ``level_deg``: the camera's elevation the body line's angle (``body_angle_deg``) is read against
    the floor by (0: the camera's horizontal). ``elevation_deg``: this frame's own reading of it,
    when already taken."""
    v = config.min_visibility
    if elevation_deg is None:
        elevation_deg = camera_elevation_deg(pose, v, config.elevation_min_depth_share)
    left = elbow_angle_side_deg(pose, "left", v)
    right = elbow_angle_side_deg(pose, "right", v)
    # computed once per frame and shared by the measurements that need them
    visibilities = (side_visibility(pose, "left"), side_visibility(pose, "right"))
    facing = facing_side(pose, config.facing_visibility_margin, visibilities)
    upright = torso_upright_in_image(pose, v, config.upright_torso_min_deg)
    hands_seen = hand_visibility(pose)
    # the body line read as side-on (not for a camera above: its picture is not the body's side)
    turn = body_turn_deg(pose)
    line = pose if upright else square_on_pose(pose, config.body_line_max_turn_deg, turn)
    # Turned further than that, the stretch back is capped and the hips' drop reads deeper than it
    # is (a straight body turned 52-67 degrees read 0.08-0.09 of its length): the line is not read.
    line_read = upright or not turn > config.body_line_max_turn_deg
    rise = body_rise_deg(pose, v, camera_elevation_deg=level_deg)
    shoulders = mid_xy(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, v)
    return dict(
        elbow_angle_left_deg=left,
        elbow_angle_right_deg=right,
        elbow_angle_deg=combine_sides(left, right, visibilities[0], visibilities[1],
                                      config.both_sides_visibility_margin),
        hip_offset_frac=hip_offset_frac(line, v, facing) if line_read else NAN,
        knee_angle_deg=knee_angle_deg(line, v, facing),
        body_angle_deg=abs(rise),
        # Not levelled: a depth signal whose range is learnt, which a levelling that settles as the
        # elevation's median does would move mid-set (a constant tilt the percentiles absorb).
        body_rise_deg=body_rise_deg(pose, v, along_body=True),
        elbow_flare_deg=elbow_flare_deg(pose, v, config.upper_arm_shoulder_widths, config.upright_torso_min_deg,
                                        config.flare_max_shoulder_yaw_deg, upright),
        elbow_spread_frac=elbow_spread_frac(pose, v),
        hip_offset_knee_frac=hip_offset_knee_frac(line, v, facing) if line_read else NAN,
        shrug_ratio=shrug_ratio(pose, v),
        neck_angle_deg=neck_angle_deg(line, v, facing),
        asymmetry_deg=asymmetry_deg(pose, v),
        shoulder_above_wrist_px=shoulder_above_wrist_px(pose, v),
        body_scale_px=body_scale_px(pose, v),
        wrist_along_torso_frac=wrist_along_torso_frac(pose, config.wrist_min_visibility),
        hip_angle_deg=hip_angle_deg(pose, v),
        body_upright_in_image=upright,
        hands_unseen=bool(hands_seen < v),  # neither wrist seen
        hand_visibility=hands_seen,
        camera_elevation_deg=elevation_deg,
        elbows_unseen=int(pose.vis(Landmark.LEFT_ELBOW) < v) + int(pose.vis(Landmark.RIGHT_ELBOW) < v),
        shoulders_x_px=NAN if shoulders is None else float(shoulders[0]),
        shoulders_y_px=NAN if shoulders is None else float(shoulders[1]),
    )


class FeatureExtractor:
    """Stateful: pose frames in, smoothed :class:`Features` out (one per frame).

    ``update(pose)`` returns ``None`` for ``None`` (no person); filters restart after gaps.
    ``view`` and ``in_plank`` are filled later by the view tracker and the rep counter.
    """

    def __init__(self, config: FeaturesConfig, inference_max_width: Optional[int] = None,
                 elevation: Optional[ElevationWatch] = None) -> None:
        self.config = config
        #: The pose model's input width ([capture] inference_max_width): ``body_size_px`` is
        #: measured in that image, the one the model saw (None: in the frame's own pixels).
        self.inference_max_width = inference_max_width
        #: The camera's elevation the body line is levelled by (None: read against the camera's
        #: horizontal). Not reset with the filters: a re-found track does not move the camera.
        self.elevation = elevation
        #: The elevation the last frame was levelled by (0: not levelled), for the other readers of
        #: its floor (the exercise recogniser).
        self.level_deg = 0.0
        self._filters = {name: OneEuroFilter(config.one_euro_min_cutoff_hz, config.one_euro_beta,
                                             config.one_euro_d_cutoff_hz, config.filter_reset_after_s)
                         for name in _SMOOTHED}
        self._hands: Optional[Tuple[float, float, float]] = None  # (t_s, x, y) of the last mid-wrist

    def reset(self) -> None:
        for f in self._filters.values():
            f.reset()
        self._hands = None

    def _hand_speed(self, pose: PoseFrame, torso: float) -> float:
        """How fast the mid-wrist moved since the last frame, in torso lengths a second (nan on
        the first frame after a gap). Planted hands hardly move (median over a rep 0.24 on the
        shared clips); hands the model cannot see, it guesses afresh each frame, and the guesses
        jump (:func:`livecoach.logic.rep_trust.hands_unsteady`). ``torso``: this frame's torso
        length in pixels (its raw ``body_scale_px``)."""
        hands = mid_wrist_xy(pose, self.config.wrist_min_visibility)
        last, self._hands = self._hands, None if hands is None else (pose.t_s, float(hands[0]), float(hands[1]))
        if hands is None or last is None or not pose.t_s > last[0] or not torso > 0 \
                or pose.t_s - last[0] > self.config.filter_reset_after_s:
            return NAN
        moved = math.hypot(float(hands[0]) - last[1], float(hands[1]) - last[2])
        return moved / torso / (pose.t_s - last[0])

    def update(self, pose: Optional[PoseFrame], view: View = View.UNKNOWN) -> Optional[Features]:
        if pose is None:
            return None
        pose = folded_arms_unseen(pose, self.config.min_visibility, self.config.min_plausible_elbow_deg,
                                  self.config.folded_arm_max_turn_deg)
        reading = camera_elevation_deg(pose, self.config.min_visibility, self.config.elevation_min_depth_share)
        level = 0.0
        if self.elevation is not None:
            self.elevation.update(pose.t_s, reading)
            # Levelled only on a frame that reads the elevation itself (its lines across the body lie
            # along the depth): seen head-on or from above along the body, the few frames that read
            # it say little (jtnicastro, filmed from above, read 33 degrees on 4 frames), and the line
            # of a camera above the back reads upright whatever its tilt. nan until enough frames did.
            level = self.elevation.elevation_deg if math.isfinite(reading) else 0.0
        self.level_deg = level if math.isfinite(level) else 0.0
        raw = raw_features(pose, self.config, level, reading)
        raw["hand_speed_torso_per_s"] = self._hand_speed(pose, float(raw["body_scale_px"]))  # type: ignore[arg-type]
        values = {}
        for name, value in raw.items():
            if name in self._filters:
                values[name] = self._filters[name](pose.t_s, float(value))  # type: ignore[arg-type]
            else:
                values[name] = value
        downscale = min(1.0, self.inference_max_width / pose.width) \
            if self.inference_max_width and pose.width > 0 else 1.0
        values["body_size_px"] = body_anchor_points(pose)[2] * downscale
        return Features(t_s=pose.t_s, frame_index=pose.frame_index, view=view, **values)  # type: ignore[arg-type]
