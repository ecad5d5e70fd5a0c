"""Pure per-frame geometry of a :class:`~livecoach.types.PoseFrame`: angles, offsets and
distances of the push-up, each a function of one pose (units in the names, ``nan`` when a
landmark it needs is below the visibility threshold).

Conventions: image y grows downward; "toward the floor" is +y in the image for an upright
camera, so a sagging hip (below the shoulder-ankle line) gives a positive offset whichever
way the person faces. World landmarks (metres, y down) are used for angles that must not
depend on the camera angle (asymmetry, body angle); elbow flare is read in the image, in
the views where the torso's frontal plane faces the camera.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Dict, Optional, Tuple

import numpy as np

from livecoach.landmarks import Landmark
from livecoach.types import PoseFrame

L = Landmark
NAN = math.nan

#: Landmarks of one side of the body, by role.
SIDES: Dict[str, Dict[str, Landmark]] = {
    "left": dict(shoulder=L.LEFT_SHOULDER, elbow=L.LEFT_ELBOW, wrist=L.LEFT_WRIST, hip=L.LEFT_HIP,
                 knee=L.LEFT_KNEE, ankle=L.LEFT_ANKLE, ear=L.LEFT_EAR),
    "right": dict(shoulder=L.RIGHT_SHOULDER, elbow=L.RIGHT_ELBOW, wrist=L.RIGHT_WRIST, hip=L.RIGHT_HIP,
                  knee=L.RIGHT_KNEE, ankle=L.RIGHT_ANKLE, ear=L.RIGHT_EAR),
}


# --------------------------------------------------------------------------- geometry
def vector_length(v: np.ndarray) -> Any:
    """``vector_length(v)`` of a 1-D float vector with the same arithmetic (the square root of
    ``v.dot(v)``, in ``v``'s precision: a float32 vector gives a float32 length), without the
    general function's checks: it runs ~50 times a frame, and they were 8 % of the logic's time."""
    squared = v.dot(v)
    return math.sqrt(squared) if v.dtype == np.float64 else np.sqrt(squared)


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ABC at vertex ``b`` in degrees (2-D or 3-D points); nan if a segment is degenerate."""
    v1 = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    v2 = np.asarray(c, dtype=float) - np.asarray(b, dtype=float)
    n = float(vector_length(v1) * vector_length(v2))
    if not math.isfinite(n) or n <= 1e-9:
        return NAN
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(v1, v2)) / n))))


def vectors_angle_deg(u: np.ndarray, v: np.ndarray) -> float:
    """Angle between two vectors in degrees (0..180)."""
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    n = float(vector_length(u) * vector_length(v))
    if not n > 1e-9:  # a zero-length or nan vector (min/max below would turn nan into 0 degrees)
        return NAN
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / n))))


def _visible(pose: PoseFrame, min_visibility: float, *landmarks: Landmark) -> bool:
    return all(pose.vis(lm) >= min_visibility for lm in landmarks)


def side_visibility(pose: PoseFrame, side: str) -> float:
    """Mean visibility of the shoulder, elbow and wrist of ``side`` ("left"/"right")."""
    s = SIDES[side]
    return (pose.vis(s["shoulder"]) + pose.vis(s["elbow"]) + pose.vis(s["wrist"])) / 3.0


def elbow_angle_side_deg(pose: PoseFrame, side: str, min_visibility: float) -> float:
    """Image-plane elbow angle of one arm (180 = straight), nan if the arm is not visible."""
    s = SIDES[side]
    if not _visible(pose, min_visibility, s["shoulder"], s["elbow"], s["wrist"]):
        return NAN
    return angle_deg(pose.xy(s["shoulder"]), pose.xy(s["elbow"]), pose.xy(s["wrist"]))


def elbow_angle_world_side_deg(pose: PoseFrame, side: str, min_visibility: float) -> float:
    """3-D (world landmark) elbow angle of one arm, nan if the arm is not visible."""
    s = SIDES[side]
    if not _visible(pose, min_visibility, s["shoulder"], s["elbow"], s["wrist"]):
        return NAN
    return angle_deg(pose.world(s["shoulder"]), pose.world(s["elbow"]), pose.world(s["wrist"]))


def combine_sides(left: float, right: float, vis_left: float, vis_right: float,
                  both_margin: float = 0.15) -> float:
    """Visibility-weighted choice of a two-sided value.

    When both sides are measured and about equally visible (front view) they are averaged;
    otherwise the better-seen side (the one facing the camera) wins.
    """
    if math.isnan(left) and math.isnan(right):
        return NAN
    if math.isnan(left):
        return right
    if math.isnan(right):
        return left
    if abs(vis_left - vis_right) <= both_margin:
        return (left + right) / 2.0
    return left if vis_left > vis_right else right


def facing_side(pose: PoseFrame, visibility_margin: float,
                visibilities: Optional[Tuple[float, float]] = None) -> str:
    """The side of the body nearer the camera: the clearly better-seen arm (visibilities
    differing by more than ``visibility_margin``), else the one with the smaller z.

    ``visibilities``: the (left, right) :func:`side_visibility` when already computed."""
    vl, vr = visibilities if visibilities is not None else (side_visibility(pose, "left"),
                                                            side_visibility(pose, "right"))
    if abs(vl - vr) > visibility_margin:
        return "left" if vl > vr else "right"
    zl = float(pose.image_xyz[int(L.LEFT_SHOULDER), 2])
    zr = float(pose.image_xyz[int(L.RIGHT_SHOULDER), 2])
    return "left" if zl <= zr else "right"


def mid_xy(pose: PoseFrame, a: Landmark, b: Landmark, min_visibility: float) -> Optional[np.ndarray]:
    """Midpoint of a left/right pair in the image, or the visible one alone, or None."""
    va, vb = pose.vis(a) >= min_visibility, pose.vis(b) >= min_visibility
    if va and vb:
        return (pose.xy(a).astype(float) + pose.xy(b).astype(float)) / 2.0
    if va:
        return pose.xy(a).astype(float)
    if vb:
        return pose.xy(b).astype(float)
    return None


def _mid_world(pose: PoseFrame, a: Landmark, b: Landmark) -> np.ndarray:
    return (pose.world(a).astype(float) + pose.world(b).astype(float)) / 2.0


def signed_offset_from_line_frac(start: np.ndarray, end: np.ndarray, point: np.ndarray) -> float:
    """Distance of ``point`` from the line start->end as a fraction of its length, signed
    positive toward image +y (the floor, for an upright camera)."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    d = end - start
    length = float(vector_length(d))
    if length <= 1e-9:
        return NAN
    normal = np.array([-d[1], d[0]]) / length
    if normal[1] < 0:  # make the normal point toward the floor (+y)
        normal = -normal
    return float(np.dot(np.asarray(point, dtype=float) - start, normal)) / length


def hip_offset_frac(pose: PoseFrame, min_visibility: float, facing: str) -> float:
    """Hip offset from the shoulder-ankle line (knee when the feet are out of view) as a
    fraction of that line's length: + = hips toward the floor (sag), - = hips up (pike).
    ``facing``: the side toward the camera (:func:`facing_side`)."""
    side = SIDES[facing]
    if not _visible(pose, min_visibility, side["shoulder"], side["hip"]):
        return NAN
    for far in ("ankle", "knee"):
        if _visible(pose, min_visibility, side[far]):
            return signed_offset_from_line_frac(pose.xy(side["shoulder"]), pose.xy(side[far]),
                                                pose.xy(side["hip"]))
    return NAN


def hip_offset_knee_frac(pose: PoseFrame, min_visibility: float, facing: str) -> float:
    """Hip offset from the shoulder-knee line as a fraction of its length (+ = sag, - = pike).

    The body line of a knee push-up: the knees are the pivot and the feet rest behind or
    above them, so the shoulder-ankle line is not the line the hips should hold."""
    side = SIDES[facing]
    if not _visible(pose, min_visibility, side["shoulder"], side["hip"], side["knee"]):
        return NAN
    return signed_offset_from_line_frac(pose.xy(side["shoulder"]), pose.xy(side["knee"]), pose.xy(side["hip"]))


def knee_angle_deg(pose: PoseFrame, min_visibility: float, facing: str) -> float:
    """Hip-knee-ankle angle of the side facing the camera (``facing``; 180 = straight legs)."""
    side = SIDES[facing]
    if not _visible(pose, min_visibility, side["hip"], side["knee"], side["ankle"]):
        return NAN
    return angle_deg(pose.xy(side["hip"]), pose.xy(side["knee"]), pose.xy(side["ankle"]))


def hip_angle_deg(pose: PoseFrame, min_visibility: float) -> float:
    """Shoulder-hip-knee angle in 3-D (180 = body straight, ~90 = downward dog or sitting)."""
    vals = []
    for s in SIDES.values():
        if _visible(pose, min_visibility, s["shoulder"], s["hip"], s["knee"]):
            vals.append(angle_deg(pose.world(s["shoulder"]), pose.world(s["hip"]), pose.world(s["knee"])))
    return float(np.mean(vals)) if vals else NAN


def body_angle_deg(pose: PoseFrame, min_visibility: float) -> float:
    """Angle of the shoulder->ankle line (knee, then hip, when those are hidden) from the
    horizontal, from world landmarks (so a head-on camera still sees a plank as flat)."""
    return abs(body_rise_deg(pose, min_visibility))


def body_rise_deg(pose: PoseFrame, min_visibility: float, along_body: bool = False,
                  camera_elevation_deg: float = 0.0) -> float:
    """How far the shoulders rise above the feet: the angle of the ankle->shoulder line (knee, then
    hip, when those are hidden) above the horizontal, from world landmarks; negative when the
    shoulders are lower. The world landmarks' horizontal is the camera's: ``camera_elevation_deg``
    (how far it looks down, :mod:`livecoach.logic.elevation`; 0 or nan: level) tilts the line
    back to the floor's first. A camera looking down tilts every line toward it by its elevation
    in the plane of the view: a body standing side-on, filmed from 30 degrees up, rises 60 degrees
    from the camera's horizontal; a plank's line, across the view, is not tilted.

    ``along_body``: the shoulders' height above the feet over the body's length through the hips
    (shoulder->hip->feet) instead of over the straight line's, as the angle whose sine that is:
    the same for a straight body, and unchanged when the hips fold with the shoulders held up (a
    pike or downward dog shortens the line and steepens it, not the shoulders' height)."""
    sh = _mid_world(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    for a, b in ((L.LEFT_ANKLE, L.RIGHT_ANKLE), (L.LEFT_KNEE, L.RIGHT_KNEE), (L.LEFT_HIP, L.RIGHT_HIP)):
        if pose.vis(a) >= min_visibility or pose.vis(b) >= min_visibility:
            end = _mid_world(pose, a, b)
            d = end - sh
            if math.isfinite(camera_elevation_deg) and camera_elevation_deg != 0.0:
                d = camera_tilt(camera_elevation_deg).T @ d
            if not along_body or a == L.LEFT_HIP:
                return math.degrees(math.atan2(float(d[1]), math.hypot(float(d[0]), float(d[2]))))
            hip = _mid_world(pose, L.LEFT_HIP, L.RIGHT_HIP)
            length = float(vector_length(hip - sh) + vector_length(end - hip))  # a length: no tilt
            return math.degrees(math.asin(min(1.0, max(-1.0, float(d[1]) / length)))) if length > 1e-9 else NAN
    return NAN


def camera_tilt(degrees: float) -> np.ndarray:
    """The rotation, on world column vectors (y down, z away), of a camera raised ``degrees`` about
    the picture's horizontal axis, looking down more: y' = c y - s z, z' = s y + c z. Its
    transpose levels what a camera looking down by ``degrees`` sees."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def mid_wrist_xy(pose: PoseFrame, min_visibility: float) -> Optional[np.ndarray]:
    """The image midpoint of the wrists seen at ``min_visibility`` (the one seen alone; None: neither)."""
    return mid_xy(pose, L.LEFT_WRIST, L.RIGHT_WRIST, min_visibility)


def shoulder_above_wrist_px(pose: PoseFrame, min_visibility: float) -> float:
    """How far the shoulders are above the wrists in the image (pixels, + = above).

    Each shoulder over its own wrist (the sides where both are seen), else the shoulders' midpoint
    over the wrists'. A camera above the floor sees what lies further away higher up the picture;
    a side's shoulder and wrist lie at about the same depth, but both shoulders over the near wrist
    alone (side-on) add half the far side's lift, which shrinks the drop as a share of the height.
    (PushFit wrong26, side-on, its far shoulder 9 px above the near one: a first rep at 44 %, a
    no-rep "not deep enough" against the 45 % a rep needs; 49 % over its own wrist.)"""
    sides = [float(pose.xy(wrist)[1] - pose.xy(shoulder)[1])
             for shoulder, wrist in ((L.LEFT_SHOULDER, L.LEFT_WRIST), (L.RIGHT_SHOULDER, L.RIGHT_WRIST))
             if pose.vis(shoulder) >= min_visibility and pose.vis(wrist) >= min_visibility]
    if sides:
        return sum(sides) / len(sides)
    sh = mid_xy(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, min_visibility)
    wr = mid_xy(pose, L.LEFT_WRIST, L.RIGHT_WRIST, min_visibility)
    return NAN if sh is None or wr is None else float(wr[1] - sh[1])


def body_scale_px(pose: PoseFrame, min_visibility: float) -> float:
    """Torso length in the image (mid-shoulder to mid-hip): grows as the body nears the camera.

    Mid-points only, not the shoulder width: in dim light the pose model swaps the person's left
    and right sides back and forth, and while it does the two shoulder landmarks cross through
    each other (their distance fell from 150 to 11 px and back within 0.2 s on a darkened
    overhead clip), which the rep counter took for reps. The mid-points stay put through a swap."""
    if not _visible(pose, min_visibility, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP):
        return NAN
    sh = (pose.xy(L.LEFT_SHOULDER) + pose.xy(L.RIGHT_SHOULDER)) / 2.0
    hp = (pose.xy(L.LEFT_HIP) + pose.xy(L.RIGHT_HIP)) / 2.0
    return float(vector_length(sh - hp))


def wrist_along_torso_frac(pose: PoseFrame, min_visibility: float) -> float:
    """Wrists projected on the shoulder->hip axis (world landmarks, so a foreshortened torso
    does not matter): 0 at the shoulders, 1 at the hips. Hands under the shoulders give
    ~0-0.4; arms hanging by the sides ~1."""
    for a, b in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_WRIST, L.RIGHT_WRIST)):
        if pose.vis(a) < min_visibility and pose.vis(b) < min_visibility:
            return NAN
    sh = _mid_world(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hp = _mid_world(pose, L.LEFT_HIP, L.RIGHT_HIP)
    wr = _mid_world(pose, L.LEFT_WRIST, L.RIGHT_WRIST)
    axis = hp - sh
    n2 = float(np.dot(axis, axis))
    if n2 <= 1e-9:
        return NAN
    return float(np.dot(wr - sh, axis)) / n2


def torso_upright_in_image(pose: PoseFrame, min_visibility: float, min_upright_deg: float) -> bool:
    """True when the shoulder->hip line runs up/down the image (steeper than ``min_upright_deg``)
    with the hips below the shoulders and the torso long compared with the shoulder width:
    a camera looking down on a plank, or a person standing."""
    sh = mid_xy(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, min_visibility)
    hp = mid_xy(pose, L.LEFT_HIP, L.RIGHT_HIP, min_visibility)
    if sh is None or hp is None:
        return False
    d = hp - sh
    if d[1] <= 0:
        return False
    steep = math.degrees(math.atan2(float(d[1]), abs(float(d[0])))) >= min_upright_deg
    width = float(vector_length(pose.xy(L.LEFT_SHOULDER) - pose.xy(L.RIGHT_SHOULDER)))
    return steep and float(vector_length(d)) > width


def elbow_spread_frac(pose: PoseFrame, min_visibility: float) -> float:
    """How far each elbow sits outside its shoulder along the shoulder line in the image, in
    image shoulder widths (mean of the visible sides; negative = elbow inside the shoulder).

    Meaningful when the shoulder line is parallel to the image (camera in front of the head or
    above the back): then the arm's sideways reach is seen at full length whatever the depth.
    """
    if not _visible(pose, min_visibility, L.LEFT_SHOULDER, L.RIGHT_SHOULDER):
        return NAN
    across = pose.xy(L.LEFT_SHOULDER).astype(float) - pose.xy(L.RIGHT_SHOULDER).astype(float)
    width = float(vector_length(across))
    if width <= 1e-6:
        return NAN
    outward = {"left": across / width, "right": -across / width}
    vals = []
    for name, s in SIDES.items():
        if _visible(pose, min_visibility, s["elbow"]):
            reach = pose.xy(s["elbow"]).astype(float) - pose.xy(s["shoulder"]).astype(float)
            vals.append(float(np.dot(reach, outward[name])) / width)
    return float(np.mean(vals)) if vals else NAN


def elbow_abduction_image_deg(pose: PoseFrame, min_visibility: float) -> float:
    """Angle in the image between each upper arm (shoulder->elbow) and the torso midline
    (mid-shoulder->mid-hip), mean of the visible sides: 0 = arm along the body, 90 = a "T".

    This is the abduction in the torso's frontal plane only when the camera looks down on the
    back (the image plane is then the frontal plane); other views foreshorten the torso.
    """
    if not _visible(pose, min_visibility, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP):
        return NAN
    sh = (pose.xy(L.LEFT_SHOULDER).astype(float) + pose.xy(L.RIGHT_SHOULDER).astype(float)) / 2.0
    hp = (pose.xy(L.LEFT_HIP).astype(float) + pose.xy(L.RIGHT_HIP).astype(float)) / 2.0
    vals = []
    for s in SIDES.values():
        if _visible(pose, min_visibility, s["elbow"]):
            ang = vectors_angle_deg(pose.xy(s["elbow"]).astype(float) - pose.xy(s["shoulder"]).astype(float),
                                    hp - sh)
            if not math.isnan(ang):
                vals.append(ang)
    return float(np.mean(vals)) if vals else NAN


def shoulder_yaw_deg(pose: PoseFrame) -> float:
    """How far the shoulder line turns out of the image plane (world landmarks): ~0 when the
    camera faces the chest/back square-on or looks straight down, ~90 side-on."""
    d = pose.world(L.LEFT_SHOULDER).astype(float) - pose.world(L.RIGHT_SHOULDER).astype(float)
    return math.degrees(math.atan2(abs(float(d[2])), math.hypot(float(d[0]), float(d[1]))))


def body_turn_deg(pose: PoseFrame) -> float:
    """How far a camera is turned from square to the body's side: the shoulder line's angle away from
    pointing at it (``90 - shoulder_yaw_deg``); ``nan`` when the world shoulders coincide."""
    if float(vector_length(pose.world(L.LEFT_SHOULDER) - pose.world(L.RIGHT_SHOULDER))) < 1e-6:
        return NAN
    return 90.0 - shoulder_yaw_deg(pose)


def square_on_pose(pose: PoseFrame, max_turn_deg: float, turn_deg: Optional[float] = None) -> PoseFrame:
    """``pose`` as a camera square to the body's side would see it: the picture stretched along its
    width by 1 / cos(turn), where the turn is how far the shoulder line is from pointing at the camera
    (``90 - shoulder_yaw_deg``), at most ``max_turn_deg``. A camera turned about the vertical shortens
    what runs across the picture (a plank's length) and not what runs up it (the hips' drop), so lines
    and angles in the body's own plane read as side-on again; ``pose`` itself when not turned (or
    its world shoulders coincide: no turn to read). ``turn_deg``: :func:`body_turn_deg` of ``pose``,
    when already computed."""
    turn = min(body_turn_deg(pose) if turn_deg is None else turn_deg, max_turn_deg)
    if not turn > 0.0:
        return pose
    xyz = np.array(pose.image_xyz, dtype=np.float64)
    xyz[:, 0] /= math.cos(math.radians(turn))
    return dataclasses.replace(pose, image_xyz=xyz.astype(np.float32))


def elbow_flare_deg(pose: PoseFrame, min_visibility: float, upper_arm_shoulder_widths: float,
                    min_upright_deg: float, max_shoulder_yaw_deg: float,
                    upright: Optional[bool] = None) -> float:
    """Abduction of the upper arms in the torso's frontal plane -- what a trainer standing at
    the head or above the back sees: ~45 = the "arrow" trainers teach, 90 = a "T".

    * Camera above the back (torso long and upright in the image): measured directly, the
      image angle between upper arm and torso midline (:func:`elbow_abduction_image_deg`).
    * Otherwise (camera in front of the head, torso foreshortened): from the elbows' sideways
      reach, ``asin(spread / upper_arm_shoulder_widths)``, where the upper arm's image length in
      shoulder widths is an anthropometric constant from the config.

    World landmarks are not used: their depth (the torso axis, seen head-on) is too noisy to
    separate a tucked arm from a flared one. ``nan`` when the shoulder line is turned more than
    ``max_shoulder_yaw_deg`` out of the image plane (a 3/4 view: the shoulder width shrinks and
    the arms' backward reach shows as sideways reach). ``upright``: :func:`torso_upright_in_image`
    with the same limits, when already computed.
    """
    if not _visible(pose, min_visibility, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) \
            or shoulder_yaw_deg(pose) > max_shoulder_yaw_deg:
        return NAN
    if upright is None:
        upright = torso_upright_in_image(pose, min_visibility, min_upright_deg)
    if upright:
        return elbow_abduction_image_deg(pose, min_visibility)
    spread = elbow_spread_frac(pose, min_visibility)
    if math.isnan(spread) or upper_arm_shoulder_widths <= 0:
        return NAN
    return math.degrees(math.asin(max(0.0, min(1.0, spread / upper_arm_shoulder_widths))))


def shrug_ratio(pose: PoseFrame, min_visibility: float) -> float:
    """Ear-to-shoulder distance over shoulder-to-hip distance (world), mean of visible sides;
    it shrinks when the shoulders creep up to the ears."""
    vals = []
    for s in SIDES.values():
        if _visible(pose, min_visibility, s["ear"], s["shoulder"], s["hip"]):
            torso = float(vector_length(pose.world(s["hip"]) - pose.world(s["shoulder"])))
            if torso > 1e-6:
                vals.append(float(vector_length(pose.world(s["ear"]) - pose.world(s["shoulder"]))) / torso)
    return float(np.mean(vals)) if vals else NAN


def neck_angle_deg(pose: PoseFrame, min_visibility: float, facing: str) -> float:
    """Angle of the shoulder->ear line against the hip->shoulder line in the image, signed:
    + = head dropped toward the floor, - = craned up; 0 = head in line with the spine.
    ``facing``: the side toward the camera."""
    side = SIDES[facing]
    if not _visible(pose, min_visibility, side["hip"], side["shoulder"], side["ear"]):
        return NAN
    hip, sh, ear = (pose.xy(side[k]).astype(float) for k in ("hip", "shoulder", "ear"))
    spine = sh - hip
    neck = ear - sh
    ang = vectors_angle_deg(spine, neck)
    if math.isnan(ang):
        return NAN
    offset = signed_offset_from_line_frac(hip, sh, ear)
    return ang if offset >= 0 else -ang


def asymmetry_deg(pose: PoseFrame, min_visibility: float) -> float:
    """|left - right| world elbow angle; only when both arms are clearly visible."""
    left = elbow_angle_world_side_deg(pose, "left", min_visibility)
    right = elbow_angle_world_side_deg(pose, "right", min_visibility)
    if math.isnan(left) or math.isnan(right):
        return NAN
    return abs(left - right)
