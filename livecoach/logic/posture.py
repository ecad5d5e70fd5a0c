"""How the body is supported, measured from one pose frame: the :class:`Posture` the exercise
recogniser and the hold timers match against the exercise profiles.

Angles and heights that describe *how the body is supported* (body line to the floor, hands
raised or feet raised, knees on the floor, forearms or hands, shoulders square or sideways, hips
folded, hand width when the view shows it). Heights and angles to the floor use the pose model's
world landmarks (camera-aligned metres), image points only where a ratio is view-invariant.
Pure numpy, one frame at a time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from livecoach.config.exercises import RecognitionConfig
from livecoach.landmarks import Landmark
from livecoach.logic.features import hand_visibility
from livecoach.logic.geometry import vector_length
from livecoach.types import PoseFrame

L = Landmark
NAN = math.nan

_SIDES = {
    "left": (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right": (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
}



# --------------------------------------------------------------------------- posture
@dataclass(frozen=True)
class Posture:
    """How the body is held in one frame (``nan`` = not measurable here).

    Heights are fractions of the body line's length (shoulders to feet, or to knees), angles to
    the floor are + when the shoulders are higher; ``hip_offset_*`` is + toward the floor.
    """

    t_s: float
    body_angle_feet_deg: float = NAN
    body_angle_knees_deg: float = NAN
    hands_height_feet_frac: float = NAN
    hands_height_knees_frac: float = NAN
    forearm_angle_deg: float = NAN
    shoulder_tilt_deg: float = NAN
    hip_angle_deg: float = NAN
    hip_offset_feet_frac: float = NAN
    hip_offset_knees_frac: float = NAN
    knee_angle_deg: float = NAN
    knee_above_ankle_frac: float = NAN
    hand_width_ratio: float = NAN  # nan also when the view cannot show it
    elbow_angle_deg: float = NAN
    torso_angle_deg: float = NAN
    wrist_along_torso_frac: float = NAN
    hip_angle_left_deg: float = NAN
    hip_angle_right_deg: float = NAN
    knee_angle_left_deg: float = NAN
    knee_angle_right_deg: float = NAN
    wrist_gap_arm_frac: float = NAN  # image height of the left wrist above the right, in arm lengths
    wrist_gap_world_arm_frac: float = NAN  # the same in the world landmarks
    shoulder_over_wrist_arm_frac: float = NAN  # shoulders above the wrists (world), in arm lengths
    hand_visibility: float = NAN  # the better-seen wrist's visibility (how sure the model is of a hand)


#: Posture fields averaged (median) over the recogniser's window.
_NUMERIC = tuple(f.name for f in fields(Posture) if f.name != "t_s")


def _point(pose: PoseFrame, lm: Landmark, min_vis: float) -> Optional[np.ndarray]:
    return pose.world(lm).astype(float) if pose.vis(lm) >= min_vis else None


def _mid(pose: PoseFrame, a: Landmark, b: Landmark, min_vis: float) -> Optional[np.ndarray]:
    pa, pb = _point(pose, a, min_vis), _point(pose, b, min_vis)
    if pa is not None and pb is not None:
        return (pa + pb) / 2.0
    return pa if pa is not None else pb


def _height(p: np.ndarray) -> float:
    return -float(p[1])  # world y points down


def _angle_to_floor_deg(v: np.ndarray, signed: bool = True) -> float:
    horiz = math.hypot(float(v[0]), float(v[2]))
    up = -float(v[1])
    if horiz < 1e-9 and abs(up) < 1e-9:
        return NAN
    ang = math.degrees(math.atan2(up, horiz))
    return ang if signed else abs(ang)


def _joint_angle(a: Optional[np.ndarray], b: Optional[np.ndarray], c: Optional[np.ndarray]) -> float:
    if a is None or b is None or c is None:
        return NAN
    v1, v2 = a - b, c - b
    n = float(vector_length(v1) * vector_length(v2))
    if n <= 1e-12:
        return NAN
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(v1, v2)) / n))))


def _nanmean(values: Sequence[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return float(sum(vals) / len(vals)) if vals else NAN


def _line_offset_frac(start: np.ndarray, end: np.ndarray, point: np.ndarray) -> float:
    """Offset of ``point`` from the line start->end in the vertical plane through it, as a
    fraction of the line's length; + toward the floor. nan for a vertical line."""
    d = end - start
    length = float(vector_length(d))
    if length <= 1e-9:
        return NAN
    du = d / length
    down = np.array([0.0, 1.0, 0.0]) - float(du[1]) * du  # gravity minus its part along the line
    nd = float(vector_length(down))
    if nd < 0.2:  # line within ~12 degrees of vertical: "toward the floor" is not defined
        return NAN
    down /= nd
    rel = point - start
    perp = rel - float(np.dot(rel, du)) * du
    return float(np.dot(perp, down)) / length


def measure_posture(pose: PoseFrame, config: RecognitionConfig) -> Posture:
    """The :class:`Posture` of one frame (see the module docstring)."""
    v = config.min_visibility
    sh = _mid(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, v)
    hip = _mid(pose, L.LEFT_HIP, L.RIGHT_HIP, v)
    knee = _mid(pose, L.LEFT_KNEE, L.RIGHT_KNEE, v)
    ankle = _mid(pose, L.LEFT_ANKLE, L.RIGHT_ANKLE, v)
    wrist = _mid(pose, L.LEFT_WRIST, L.RIGHT_WRIST, v)
    out: Dict[str, float] = {}
    if sh is not None:
        for end, suffix in ((ankle, "feet"), (knee, "knees")):
            if end is None:
                continue
            line = sh - end
            length = float(vector_length(line))
            out[f"body_angle_{suffix}_deg"] = _angle_to_floor_deg(line)
            if wrist is not None and length > 1e-6:
                out[f"hands_height_{suffix}_frac"] = (_height(wrist) - _height(end)) / length
            if hip is not None:
                out[f"hip_offset_{suffix}_frac"] = _line_offset_frac(sh, end, hip)
        if hip is not None:
            out["torso_angle_deg"] = _angle_to_floor_deg(sh - hip)
            if wrist is not None:
                axis = hip - sh
                n2 = float(np.dot(axis, axis))
                if n2 > 1e-9:
                    out["wrist_along_torso_frac"] = float(np.dot(wrist - sh, axis)) / n2
    forearms, elbows, hips, knees, arms = [], [], {}, {}, []
    for name, (s_lm, e_lm, w_lm, h_lm, k_lm, a_lm) in _SIDES.items():
        s, e, w = _point(pose, s_lm, v), _point(pose, e_lm, v), _point(pose, w_lm, v)
        h, k, a = _point(pose, h_lm, v), _point(pose, k_lm, v), _point(pose, a_lm, v)
        if e is not None and w is not None:
            forearms.append(_angle_to_floor_deg(w - e, signed=False))
        elbows.append(_joint_angle(s, e, w))
        hips[name] = _joint_angle(s, h, k)
        knees[name] = _joint_angle(h, k, a)
        if s is not None and e is not None and w is not None:
            arms.append(float(vector_length(s - e) + vector_length(e - w)))
    out["forearm_angle_deg"] = _nanmean(forearms)
    out["elbow_angle_deg"] = _nanmean(elbows)
    out["hip_angle_left_deg"], out["hip_angle_right_deg"] = hips["left"], hips["right"]
    out["knee_angle_left_deg"], out["knee_angle_right_deg"] = knees["left"], knees["right"]
    out["hip_angle_deg"] = _nanmean(list(hips.values()))
    out["knee_angle_deg"] = _nanmean(list(knees.values()))
    ls, rs = _point(pose, L.LEFT_SHOULDER, v), _point(pose, L.RIGHT_SHOULDER, v)
    if ls is not None and rs is not None:
        out["shoulder_tilt_deg"] = _angle_to_floor_deg(ls - rs, signed=False)
    if knee is not None and ankle is not None:
        shin = float(vector_length(knee - ankle))
        if shin > 1e-6:
            out["knee_above_ankle_frac"] = (_height(knee) - _height(ankle)) / shin
    arm = _nanmean(arms) if arms else NAN
    if sh is not None and wrist is not None and arm > 1e-6:
        out["shoulder_over_wrist_arm_frac"] = (_height(sh) - _height(wrist)) / arm
    out["hand_width_ratio"] = _hand_width_ratio(pose, config)
    out["hand_visibility"] = float(hand_visibility(pose))
    out["wrist_gap_arm_frac"], out["wrist_gap_world_arm_frac"] = _wrist_gap(pose, v), _wrist_gap(pose, v, world=True)
    if _looks_along_body(pose, config):
        # Head-on or from above, the pose model's depth along the body is a guess: heights and
        # angles to the floor cannot be told (a plank seen from above reads as standing).
        for name in ALONG_VIEW_UNJUDGED:
            out[name] = NAN
    return Posture(t_s=pose.t_s, **out)


#: Posture fields a camera looking along the body (head-on, or down on the back) cannot give.
ALONG_VIEW_UNJUDGED: Tuple[str, ...] = (
    "body_angle_feet_deg", "body_angle_knees_deg", "hands_height_feet_frac", "hands_height_knees_frac",
    "hip_offset_feet_frac", "hip_offset_knees_frac", "knee_above_ankle_frac", "torso_angle_deg",
    "forearm_angle_deg",  # from above, a vertical forearm points at the camera: its depth is a guess too
)


def _looks_along_body(pose: PoseFrame, config: RecognitionConfig) -> bool:
    """The camera looks along the body: shoulders wide against a foreshortened torso (head-on),
    or square to the camera with the torso running up the image (from above -- or someone
    standing facing the camera, which the image alone cannot tell apart)."""
    v = config.min_visibility
    if any(pose.vis(lm) < v for lm in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)):
        return False
    ls, rs = pose.xy(L.LEFT_SHOULDER).astype(float), pose.xy(L.RIGHT_SHOULDER).astype(float)
    torso = (ls + rs) / 2 - (pose.xy(L.LEFT_HIP).astype(float) + pose.xy(L.RIGHT_HIP).astype(float)) / 2
    length = float(vector_length(torso))
    ratio = float(vector_length(ls - rs)) / max(length, 1e-6)
    if ratio >= config.along_body_min_shoulder_frac:
        return True
    upright = math.degrees(math.atan2(abs(float(torso[1])), abs(float(torso[0])) + 1e-9)) >= config.upright_image_min_deg
    return upright and ratio >= config.hand_width_min_shoulder_frac




def _hand_width_ratio(pose: PoseFrame, config: RecognitionConfig) -> float:
    """Wrist distance over shoulder distance in the image, when the view shows the shoulder line
    (image shoulder width at least ``hand_width_min_shoulder_frac`` of the torso length):
    both distances run across the body and shorten alike as it turns, so the ratio holds from
    a 3/4 view; side-on both shrink to noise and the hand width cannot be told."""
    v = config.min_visibility
    need = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_HIP, L.RIGHT_HIP)
    if any(pose.vis(lm) < v for lm in need):
        return NAN
    ls, rs = pose.xy(L.LEFT_SHOULDER).astype(float), pose.xy(L.RIGHT_SHOULDER).astype(float)
    width = float(vector_length(ls - rs))
    torso = float(vector_length((ls + rs) / 2 - (pose.xy(L.LEFT_HIP) + pose.xy(L.RIGHT_HIP)) / 2))
    if torso <= 1e-6 or width < config.hand_width_min_shoulder_frac * torso:
        return NAN
    return float(vector_length(pose.xy(L.LEFT_WRIST) - pose.xy(L.RIGHT_WRIST))) / width


def _wrist_gap(pose: PoseFrame, min_vis: float, world: bool = False) -> float:
    """How much higher the left wrist is than the right, in arm lengths (each arm's
    shoulder-elbow-wrist path, the longer one seen): in the image, or in the world landmarks."""
    if any(pose.vis(lm) < min_vis for lm in (L.LEFT_WRIST, L.RIGHT_WRIST)):
        return NAN
    point = pose.world if world else pose.xy
    arms = [float(vector_length(point(s_lm) - point(e_lm)) + vector_length(point(e_lm) - point(w_lm)))
            for s_lm, e_lm, w_lm, *_ in _SIDES.values() if pose.vis(s_lm) >= min_vis and pose.vis(e_lm) >= min_vis]
    arm = max(arms) if arms else 0.0
    if arm <= 1e-6:
        return NAN
    return float(point(L.RIGHT_WRIST)[1] - point(L.LEFT_WRIST)[1]) / arm


def nanmedian_columns(arr: np.ndarray, min_share: float = 0.0) -> np.ndarray:
    """Column medians ignoring nan (numpy's nanmedian takes a slow masked path on small arrays);
    nan for a column measured on fewer than ``min_share`` of the rows (or on none)."""
    srt = np.sort(arr, axis=0)  # nan sorts last
    counts = np.sum(~np.isnan(arr), axis=0)
    cols = np.arange(arr.shape[1])
    lo = np.maximum((counts - 1) // 2, 0)
    hi = np.maximum(counts // 2, 0)
    med = (srt[lo, cols] + srt[np.minimum(hi, arr.shape[0] - 1), cols]) / 2.0
    med[(counts == 0) | (counts < min_share * arr.shape[0])] = NAN
    return med


def spread(values: np.ndarray, low_pct: float = 5.0, high_pct: float = 95.0) -> float:
    """High minus low percentile of the finite values (nan with fewer than 3)."""
    finite = np.sort(values[np.isfinite(values)])
    if finite.size < 3:
        return NAN
    return _pct_sorted(finite, high_pct) - _pct_sorted(finite, low_pct)


def _pct_sorted(srt: np.ndarray, pct: float) -> float:
    """Linear-interpolated percentile of an already sorted array (np.percentile's default)."""
    pos = pct / 100.0 * (srt.size - 1)
    i = int(math.floor(pos))
    j = min(i + 1, srt.size - 1)
    return float(srt[i] + (srt[j] - srt[i]) * (pos - i))


def posture_row(posture: Posture) -> Tuple[float, ...]:
    """``posture``'s numeric fields in :func:`median_posture`'s column order (kept beside a window
    of postures so the window's median does not read every field of every posture each frame)."""
    return tuple(getattr(posture, n) for n in _NUMERIC)


def median_posture(postures: Sequence[Posture], rows: Optional[Sequence[Tuple[float, ...]]] = None,
                   ) -> Optional[Posture]:
    """Field-wise median (nan-aware) of ``postures``; the time is the last one's. ``rows``, when
    given, are their :func:`posture_row` s."""
    if not postures:
        return None
    arr = np.array(rows if rows is not None else [posture_row(p) for p in postures], dtype=float)
    # A measurement most of the window could not make is not made: a few frames where the view
    # seemed to allow it (a landmark swap from above) do not decide.
    med = nanmedian_columns(arr, min_share=0.5)
    return Posture(t_s=postures[-1].t_s, **{n: float(x) for n, x in zip(_NUMERIC, med)})


# --------------------------------------------------------------------------- matching
