"""The data that crosses module boundaries: frozen dataclasses only.

Flow: a frame source yields :class:`Frame`; the pose adapter turns it into a
:class:`PoseFrame` (or ``None`` when nobody is found); the analysis logic turns pose
frames into :class:`Features`, :class:`RepRecord` s, :class:`Fault` s and :class:`Cue` s,
and reports each processed frame as one :class:`LogicStep`.

Times are always ``t_s``: seconds from the start of the source, taken from the frame
(video position, or monotonic clock at capture for a camera). Logic never reads the wall
clock, so replaying recorded landmarks reproduces a session exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional, Tuple, Union

import numpy as np

from livecoach.landmarks import NUM_LANDMARKS, Landmark

NAN = math.nan

#: Fault names used in events, config and reports. Stable: other tools depend on them.
FAULT_NAMES: Tuple[str, ...] = (
    "hip_sag",
    "hip_pike",
    "shallow",
    "no_lockout",
    "elbow_flare",
    "shrug",
    "head_drop",
    "knees_bent",
    "asymmetry",
    "rushed_negative",
)


def _readonly(array: np.ndarray, dtype=np.float32) -> np.ndarray:
    out = np.array(array, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Frame:
    """One image from a frame source.

    ``captured_monotonic_s`` is the wall-clock (``time.monotonic``) moment the capture
    thread got the frame; it is used only to measure latency, never by coaching logic.
    """

    index: int
    t_s: float
    image: np.ndarray  # BGR, uint8, H x W x 3
    captured_monotonic_s: float = 0.0

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class PoseFrame:
    """33 named landmarks of one person in one frame; model-independent.

    * ``image_xyz``: (33, 3) float32. x, y in pixels of the source image; z is the model's
      relative depth in the same scale as x (smaller = nearer the camera).
    * ``visibility``: (33,) float32 in [0, 1], how likely the landmark is visible.
    * ``world_xyz``: (33, 3) float32, metres, origin between the hips, y down (MediaPipe
      world landmarks). Angles that must not depend on the camera angle use these.
    """

    t_s: float
    frame_index: int
    width: int
    height: int
    image_xyz: np.ndarray
    visibility: np.ndarray
    world_xyz: np.ndarray

    def __post_init__(self) -> None:
        for name, shape in (("image_xyz", (NUM_LANDMARKS, 3)), ("visibility", (NUM_LANDMARKS,)),
                            ("world_xyz", (NUM_LANDMARKS, 3))):
            value = getattr(self, name)
            if np.shape(value) != shape:
                raise ValueError(f"PoseFrame.{name} must have shape {shape}, got {np.shape(value)}")
            object.__setattr__(self, name, _readonly(value))

    def xy(self, landmark: Landmark) -> np.ndarray:
        """Pixel position (x, y) of ``landmark``."""
        return self.image_xyz[int(landmark), :2]

    def world(self, landmark: Landmark) -> np.ndarray:
        """World position (x, y, z) of ``landmark`` in metres."""
        return self.world_xyz[int(landmark)]

    def vis(self, landmark: Landmark) -> float:
        """Visibility of ``landmark`` in [0, 1]."""
        return float(self.visibility[int(landmark)])


class Phase(str, Enum):
    """Where the person is in the push-up cycle."""

    NOT_IN_POSITION = "not in position"  # standing, kneeling, resting, nobody in view
    TOP = "top"
    DESCENT = "descent"
    BOTTOM = "bottom"
    ASCENT = "ascent"


class View(str, Enum):
    """How the camera sees the body; decides which rules can be judged."""

    UNKNOWN = "unknown"
    SIDE_LEFT = "side_left"  # the person's left side faces the camera
    SIDE_RIGHT = "side_right"
    FRONT = "front"  # head toward the camera (or camera above, looking down the body)
    ANGLED = "angled"


@dataclass(frozen=True)
class Features:
    """Per-frame measurements derived from one :class:`PoseFrame` (units in the names).

    Values that cannot be measured in this frame are ``nan``. ``hip_offset_frac`` is
    positive when the hips are below the shoulder-ankle line (sag), negative above (pike),
    as a fraction of body length.
    """

    t_s: float
    frame_index: int
    view: View = View.UNKNOWN
    in_plank: bool = False
    elbow_angle_deg: float = NAN
    elbow_angle_left_deg: float = NAN
    elbow_angle_right_deg: float = NAN
    depth_frac: float = NAN
    hip_offset_frac: float = NAN
    knee_angle_deg: float = NAN
    body_angle_deg: float = NAN
    elbow_flare_deg: float = NAN
    shrug_ratio: float = NAN
    neck_angle_deg: float = NAN
    asymmetry_deg: float = NAN
    depth_raw_frac: float = NAN  # shoulder drop toward the wrists: 1 - height / calibrated top height
    shoulder_above_wrist_px: float = NAN  # image height of the shoulders above the wrists
    body_scale_px: float = NAN  # torso length in the image (distance to camera)
    wrist_along_torso_frac: float = NAN  # wrists projected on shoulder->hip, 0 = shoulders, 1 = hips
    hip_angle_deg: float = NAN  # shoulder-hip-knee angle, 180 = straight
    body_upright_in_image: bool = False  # torso runs up/down the image (camera above or facing)
    body_size_px: float = NAN  # the body's extent in the pose model's input image (box diagonal)
    hand_speed_torso_per_s: float = NAN  # the mid-wrist's speed in the image, torso lengths a second
    body_rise_deg: float = NAN  # the shoulders' height above the feet over the body's length, as an angle (signed)
    hands_unseen: bool = False  # both wrists under the visibility the hands' measurements need
    hand_visibility: float = NAN  # the pose model's visibility of the better-seen wrist
    camera_elevation_deg: float = NAN  # how far the camera looks down on the body (world landmarks)
    elbows_unseen: int = 0  # how many elbows (0-2) the pose model saw under that visibility
    shoulders_x_px: float = NAN  # the shoulders' midpoint in the image (x, y in pixels): how far they travel
    shoulders_y_px: float = NAN
    elbow_spread_frac: float = NAN  # elbows outside the shoulders along the shoulder line, in shoulder widths
    hip_offset_knee_frac: float = NAN  # hip offset from the shoulder-knee line (knee push-ups), + = sag


@dataclass(frozen=True)
class Fault:
    """A form fault found in one rep.

    ``value`` is what was measured and ``threshold`` the config limit it crossed, in the
    rule's own unit; ``joints`` are the landmarks the overlay highlights.
    """

    name: str
    cue_key: str
    t_s: float
    value: float
    threshold: float
    joints: Tuple[Landmark, ...] = ()

    def __post_init__(self) -> None:
        if self.name not in FAULT_NAMES:
            raise ValueError(f"unknown fault name {self.name!r}")


#: What a rep cycle's depth was judged on (:attr:`RepRecord.depth_by`): the shoulders' drop toward
#: the hands, as a share of their height at the top, against ``[reps] full_depth_min_frac``...
DEPTH_BY_DROP = "drop"
#: ...the bend of the elbows against the exercise's ``[rep] bottom_elbow_max_deg`` (an exercise on
#: a support: incline, wall, where the shoulders' drop toward the raised hands is no measure)...
DEPTH_BY_ELBOWS = "elbows"
#: ...the person's own usual bottom: a dip that turned back up well above it (a no-rep "not deep
#: enough" whatever the drop; ``depth_value`` keeps the drop, when measured, for the record)...
DEPTH_BY_USUAL = "usual"
#: ...or nothing: the view could not show it (camera above, elbows unread), the top was never seen
#: (the person came into view on the way down), or a burpee's push-up (counted without its depth).
DEPTH_NOT_JUDGED = "none"


def depth_reached(by: Optional[str], value: float, limit: float) -> Optional[bool]:
    """Whether a cycle's depth, judged on ``by`` (a ``DEPTH_*`` name), reached ``limit``: a drop
    at least ``limit``, elbows bent to ``limit`` degrees or less, never short of the usual bottom;
    None where it was not judged or not recorded (``by`` None: a history older than these fields)."""
    if by == DEPTH_BY_USUAL:
        return False
    if by not in (DEPTH_BY_DROP, DEPTH_BY_ELBOWS) or not (math.isfinite(value) and math.isfinite(limit)):
        return None
    return value >= limit if by == DEPTH_BY_DROP else value <= limit


@dataclass(frozen=True)
class RepRecord:
    """One rep cycle: a counted rep (``full``) or a no-rep with its reason.

    ``depth_frac`` is normalised to the person's own range (the counter's phases); the depth the
    cycle was judged on is ``depth_by`` (a ``DEPTH_*`` name; None in a history written before it
    was kept), ``depth_value`` (a share of the top height, or degrees of elbow) and ``depth_limit``.
    """

    index: int  # 1-based; counted reps and no-reps are numbered separately
    full: bool
    t_start_s: float
    t_bottom_s: float
    t_end_s: float
    depth_frac: float  # 0 = top, 1 = the person's calibrated full depth
    min_elbow_angle_deg: float
    seconds_down: float
    seconds_up: float
    faults: Tuple[Fault, ...] = ()
    not_judged: Tuple[str, ...] = ()  # fault names this view cannot judge
    score: int = 100
    no_rep_reason: Optional[str] = None
    exercise: str = "standard"  # the recognised (or forced) exercise; "standard" while unknown
    depth_by: Optional[str] = None  # what the depth was judged on: DEPTH_BY_DROP, ..., DEPTH_NOT_JUDGED
    depth_value: float = NAN  # the shoulders' peak drop (share of top height), or the bottom elbow angle
    depth_limit: float = NAN  # the limit it was judged against (nan: none)

    @property
    def fault_names(self) -> Tuple[str, ...]:
        return tuple(f.name for f in self.faults)

    @property
    def deep_enough(self) -> Optional[bool]:
        """Whether the judged depth reached its limit (:func:`depth_reached`)."""
        return depth_reached(self.depth_by, self.depth_value, self.depth_limit)


class CueKind(str, Enum):
    CORRECTION = "correction"
    PRAISE = "praise"
    COUNT = "count"
    ANNOUNCEMENT = "announcement"


@dataclass(frozen=True)
class Cue:
    """Something to say. ``fault`` is the fault it corrects, ``None`` for counts and praise."""

    t_s: float
    key: str
    text: str
    kind: CueKind
    priority: int
    fault: Optional[str] = None


@dataclass(frozen=True)
class RepEvent:
    """A rep (``record.full``) or a no-rep ended at ``record.t_end_s``."""

    record: RepRecord


@dataclass(frozen=True)
class FaultEvent:
    t_s: float
    rep_index: int
    full: bool
    fault: Fault


@dataclass(frozen=True)
class CueEvent:
    cue: Cue


@dataclass(frozen=True)
class ExerciseChange:
    """The recognised (or forced) exercise became ``exercise`` at ``t_s``."""

    t_s: float
    exercise: str
    confidence: float


@dataclass(frozen=True)
class HoldEnd:
    """A timed hold ended: ``record`` is a ``livecoach.logic.holds.HoldRecord`` (exercise,
    t_start_s, t_end_s, seconds_total, seconds_good, faults)."""

    record: Any

    @property
    def t_s(self) -> float:
        return float(self.record.t_end_s)


@dataclass(frozen=True)
class PatchyTracking:
    """The pose model kept losing the person: of the frames between the first and the last one
    it found them in, over the last ``window_s`` seconds to ``t_s``, only ``found_share`` had them
    (the counter misses reps it cannot see, so the user is told why)."""

    t_s: float
    found_share: float
    window_s: float


@dataclass(frozen=True)
class SessionEnd:
    t_s: float
    reps: int
    no_reps: int
    frames: int
    frames_with_pose: int
    fps: float
    dropped_frames: int = 0
    form_verdict: str = "correct"  # or "incorrect", or "not_judged" (livecoach.logic.verdict)
    reason: str = "end_of_source"  # quit | end_of_source | interrupted | camera_lost | error
    holds: int = 0  # timed holds recorded
    exercises: Tuple[str, ...] = ()  # exercises done, in the order first seen


Event = Union[RepEvent, FaultEvent, CueEvent, ExerciseChange, HoldEnd, PatchyTracking, SessionEnd]


@dataclass(frozen=True)
class HoldStatus:
    """A timed hold while it runs, for the overlay: the seconds in good form (the count of a
    hold), whether the form holds (``state`` "holding") or is broken ("broken", by ``fault``),
    and the seconds left to a target (None without one)."""

    exercise: str
    seconds_good: float
    state: str
    fault: Optional[str] = None
    remaining_s: Optional[float] = None


@dataclass(frozen=True)
class LogicStep:
    """What the logic made of one frame: everything the overlay, the recorder and the
    event writers need, so none of them re-derives state."""

    t_s: float
    frame_index: int
    pose: Optional[PoseFrame]
    features: Optional[Features]
    phase: Phase
    reps: int
    no_reps: int
    events: Tuple[Event, ...] = ()
    highlight: Tuple[Landmark, ...] = ()  # joints of the faults of the last rep
    last_cue: Optional[Cue] = None
    rep_progress: float = 0.0  # 0 at the top, 1 at full depth (for the overlay bar)
    exercise_label: str = ""  # the recognised exercise as one overlay line ("exercise: ?" while unknown)
    hold: Optional[HoldStatus] = None  # a timed hold running (not a pause at the top): shown instead of the count
    # The body line the rep exercise's hip rules read: "feet" (shoulders to ankles) or "knees"
    # (shoulders to knees, knee push-ups: there the ankles sit off the line by design).
    body_end: str = "feet"


@dataclass(frozen=True)
class RepWindow:
    """Everything the fault rules need to judge one finished rep cycle (built by the rep state
    machine): ``frames``, the smoothed features of every frame with a pose from the start of the
    descent to the return to the top; ``top_frames``, those of the lockout before it. False
    ``top_seen``: the person came into view on the way down (the shoulder drop ``depth_raw_frac``,
    the descent and a lockout it seems to miss are not judged). False ``end_seen``: the cycle ended
    at the highest point between two bottoms with the pose unread long enough to have reached the
    top unseen (nor is a missed lockout). False ``drop_read``: the camera looks down from higher
    than ``[reps] max_camera_elevation_deg`` (nor is depth on the shoulders' drop). The position of
    the exercise the rep is judged as, from its profile's ``[position]``: ``exercise_max_body_angle_deg``
    and ``exercise_min_hip_angle_deg`` (a wall push-up's 90, a pike's 40; nan: the gate's alone)."""

    t_start_s: float
    t_bottom_s: float
    t_end_s: float
    frames: Tuple[Features, ...]
    top_frames: Tuple[Features, ...]
    view: View
    variant: str
    depth_frac: float
    min_elbow_angle_deg: float
    seconds_down: float
    seconds_up: float
    top_seen: bool = True
    end_seen: bool = True
    drop_read: bool = True
    exercise_max_body_angle_deg: float = NAN
    exercise_min_hip_angle_deg: float = NAN


@dataclass(frozen=True)
class RepJudgement:
    """The fault rules' verdict on one :class:`RepWindow`."""

    faults: Tuple[Fault, ...]
    not_judged: Tuple[str, ...]
    score: int


#: A box in an image as shares of its width and height: x0, y0, x1, y1 (0-1).
Box = Tuple[float, float, float, float]

#: The image edges a :class:`FramingGuide` may name.
IMAGE_EDGES: Tuple[str, ...] = ("left", "top", "right", "bottom")

#: The whole image as a :data:`Box`.
WHOLE_IMAGE: Box = (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class FrameLight:
    """What the capture side measured of one frame for the camera set-up check: the mean
    luminance of its picture (0-255) and where that picture lies in the frame. A camera or phone
    that letterboxes its picture sends black bars that are neither room nor body: the light is
    read without them, and the person's size and the edges they run into are measured against
    the picture, not the frame (``livecoach.capture.light.frame_light``)."""

    luma: float
    picture: Box = WHOLE_IMAGE


@dataclass(frozen=True)
class FramingGuide:
    """The overlay's framing guide during the camera set-up: where the whole body must be,
    where it is, and what is wrong with it (``livecoach.logic.setup_check``)."""

    ready: bool  # the set-up check says "Ready"
    check: Optional[str]  # the set-up check said now (None: not decided yet)
    safe_box: Box  # the whole body must lie inside this (the edge margin taken off)
    body_box: Optional[Box]  # the body's extent in this frame (None: nobody seen)
    cut_edges: Tuple[str, ...] = ()  # image edges (IMAGE_EDGES) the body runs into
    target_box: Optional[Box] = None  # too far: the smallest body box that is close enough
