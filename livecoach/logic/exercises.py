"""Which exercise is being done: posture measured per frame, matched against the profiles.

Three layers, all numpy, one frame at a time, on frame timestamps:

1. :func:`measure_posture` -- one :class:`Posture` per pose frame: angles and heights that
   describe *how the body is supported* (body line to the floor, hands raised or feet raised,
   knees on the floor, forearms or hands, shoulders square or sideways, hips folded, hand width
   when the view shows it). Heights and angles to the floor use the pose model's world
   landmarks (camera-aligned metres), image points only where a ratio is view-invariant (hand
   width over shoulder width: both run across the body and shorten alike when it turns).
2. :func:`match_profile` -- how well a posture fits one profile's ``[position]`` ranges: 1 inside
   every range, falling off over a soft margin outside; ranges the view cannot measure are
   listed as unjudged and left out, never guessed.
3. :class:`ExerciseRecognizer` -- medians over a short window, the motion seen in the current
   stretch in position (the first rep: elbows bending; straight-arm shoulder travel; or still),
   hysteresis before naming or switching an exercise, a "cannot tell" list when the best
   candidates differ only in what this view cannot see, and look-alike flags (shoulder taps,
   mountain climbers, jumping in, up-downs, bird dog, dips, squats/lunges).
"""
from __future__ import annotations

import collections
import math
from dataclasses import dataclass, field, fields
from typing import Deque, Dict, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.config.exercises import ExerciseLibrary, ExerciseProfile, RecognitionConfig
from livecoach.landmarks import Landmark
from livecoach.types import Features, PoseFrame

L = Landmark
NAN = math.nan

_SIDES = {
    "left": (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right": (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
}

#: Look-alike names reported by the recogniser.
LOOKALIKES: Tuple[str, ...] = ("shoulder_tap", "mountain_climber", "jump_in", "up_down", "bird_dog", "dip",
                               "squat")


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
    shoulder_over_wrist_arm_frac: float = NAN  # shoulders above the wrists (world), in arm lengths


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
    n = float(np.linalg.norm(v1) * np.linalg.norm(v2))
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
    length = float(np.linalg.norm(d))
    if length <= 1e-9:
        return NAN
    du = d / length
    down = np.array([0.0, 1.0, 0.0]) - float(du[1]) * du  # gravity minus its part along the line
    nd = float(np.linalg.norm(down))
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
            length = float(np.linalg.norm(line))
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
            arms.append(float(np.linalg.norm(s - e) + np.linalg.norm(e - w)))
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
        shin = float(np.linalg.norm(knee - ankle))
        if shin > 1e-6:
            out["knee_above_ankle_frac"] = (_height(knee) - _height(ankle)) / shin
    arm = _nanmean(arms) if arms else NAN
    if sh is not None and wrist is not None and arm > 1e-6:
        out["shoulder_over_wrist_arm_frac"] = (_height(sh) - _height(wrist)) / arm
    out["hand_width_ratio"] = _hand_width_ratio(pose, config)
    out["wrist_gap_arm_frac"] = _wrist_gap(pose, v)
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
    length = float(np.linalg.norm(torso))
    ratio = float(np.linalg.norm(ls - rs)) / max(length, 1e-6)
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
    width = float(np.linalg.norm(ls - rs))
    torso = float(np.linalg.norm((ls + rs) / 2 - (pose.xy(L.LEFT_HIP) + pose.xy(L.RIGHT_HIP)) / 2))
    if torso <= 1e-6 or width < config.hand_width_min_shoulder_frac * torso:
        return NAN
    return float(np.linalg.norm(pose.xy(L.LEFT_WRIST) - pose.xy(L.RIGHT_WRIST))) / width


def _wrist_gap(pose: PoseFrame, min_vis: float) -> float:
    """How much higher the left wrist is than the right in the image, in image arm lengths."""
    if any(pose.vis(lm) < min_vis for lm in (L.LEFT_WRIST, L.RIGHT_WRIST)):
        return NAN
    arms = []
    for s_lm, e_lm, w_lm, *_ in _SIDES.values():
        if pose.vis(s_lm) >= min_vis and pose.vis(e_lm) >= min_vis:
            arms.append(float(np.linalg.norm(pose.xy(s_lm) - pose.xy(e_lm)) + np.linalg.norm(pose.xy(e_lm) - pose.xy(w_lm))))
    arm = max(arms) if arms else 0.0
    if arm <= 1e-6:
        return NAN
    return float(pose.xy(L.RIGHT_WRIST)[1] - pose.xy(L.LEFT_WRIST)[1]) / arm


def _nanmedian_columns(arr: np.ndarray) -> np.ndarray:
    """Column medians ignoring nan (numpy's nanmedian takes a slow masked path on small arrays)."""
    srt = np.sort(arr, axis=0)  # nan sorts last
    counts = np.sum(~np.isnan(arr), axis=0)
    cols = np.arange(arr.shape[1])
    lo = np.maximum((counts - 1) // 2, 0)
    hi = np.maximum(counts // 2, 0)
    med = (srt[lo, cols] + srt[np.minimum(hi, arr.shape[0] - 1), cols]) / 2.0
    med[counts == 0] = NAN
    return med


def _spread(values: np.ndarray, low_pct: float = 5.0, high_pct: float = 95.0) -> float:
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


def median_posture(postures: Sequence[Posture]) -> Optional[Posture]:
    """Field-wise median (nan-aware) of ``postures``; the time is the last one's."""
    if not postures:
        return None
    arr = np.array([[getattr(p, n) for n in _NUMERIC] for p in postures], dtype=float)
    med = _nanmedian_columns(arr)
    return Posture(t_s=postures[-1].t_s, **{n: float(x) for n, x in zip(_NUMERIC, med)})


# --------------------------------------------------------------------------- matching
#: ``[position]`` range -> the posture field it bounds (``{end}`` = the profile's body_end).
_RANGE_FIELDS: Tuple[Tuple[str, str], ...] = (
    ("body_angle", "body_angle_{end}_deg"), ("hands_height", "hands_height_{end}_frac"),
    ("forearm_angle", "forearm_angle_deg"), ("shoulder_tilt", "shoulder_tilt_deg"),
    ("hip_angle", "hip_angle_deg"), ("hip_offset", "hip_offset_{end}_frac"),
    ("knee_angle", "knee_angle_deg"), ("knee_above_ankle", "knee_above_ankle_frac"),
    ("hand_width", "hand_width_ratio"),
)
_SUFFIX = {"body_angle": "_deg", "hands_height": "_frac", "forearm_angle": "_deg", "shoulder_tilt": "_deg",
           "hip_angle": "_deg", "hip_offset": "_frac", "knee_angle": "_deg", "knee_above_ankle": "_frac",
           "hand_width": ""}
#: Measurements whose absence is the view's limit, with the reason given.
UNJUDGED_REASONS: Dict[str, str] = {
    "hand_width": "hand width is not visible from this view (side-on)",
    **{key: "heights along the body are not visible from this view (camera head-on or above)"
       for key in ("body_angle", "hands_height", "hip_offset", "knee_above_ankle", "forearm_angle")},
}


@dataclass(frozen=True)
class Match:
    """How well a posture fits one profile: ``score`` in [0, 1]; ``unjudged`` = ranges not measured."""

    name: str
    score: float
    unjudged: Tuple[str, ...]
    worst: str = ""  # the range that limited the score


def _range_score(value: float, lo: float, hi: float, margin: float) -> float:
    if lo <= value <= hi:
        return 1.0
    d = (lo - value) if value < lo else (value - hi)
    return max(0.0, 1.0 - 0.5 * d / max(margin, 1e-9))


_COMPILED: Dict[int, Tuple[ExerciseProfile, Tuple[Tuple[str, str, float, float, bool], ...]]] = {}


def _compiled(profile: ExerciseProfile) -> Tuple[Tuple[str, str, float, float, bool], ...]:
    """(range key, posture field, lo, hi, is_angle) of a profile's ranges, built once per profile."""
    hit = _COMPILED.get(id(profile))
    if hit is not None and hit[0] is profile:
        return hit[1]
    pos = profile.position
    rows = []
    for key, fname in _RANGE_FIELDS:
        if key == "hand_width" and pos.hand_width == "any":
            continue  # this exercise takes any hand placement
        suffix = _SUFFIX[key]
        rows.append((key, fname.format(end=pos.body_end), float(getattr(pos, f"{key}_min{suffix}")),
                     float(getattr(pos, f"{key}_max{suffix}")), suffix == "_deg"))
    _COMPILED[id(profile)] = (profile, tuple(rows))
    return tuple(rows)


def match_profile(posture: Posture, profile: ExerciseProfile, config: RecognitionConfig) -> Match:
    """Score ``posture`` against ``profile.position`` (the minimum over its ranges)."""
    score, worst, unjudged = 1.0, "", []
    for key, fname, lo, hi, is_angle in _compiled(profile):
        value = getattr(posture, fname)
        if value != value:  # nan: not measurable in this view
            unjudged.append(key)
            continue
        if lo <= value <= hi:
            continue
        s = _range_score(value, lo, hi, config.margin_deg if is_angle else config.margin_frac)
        if s < score:
            score, worst = s, key
    return Match(profile.name, score, tuple(unjudged), worst)


# --------------------------------------------------------------------------- recogniser
@dataclass(frozen=True)
class Recognition:
    """The recogniser's answer for one frame.

    ``exercise`` is the stable decision (``None`` = not recognised yet / not in position);
    ``changed`` is true on the frame it changed. ``cannot_tell`` names the other exercises the
    view cannot tell apart from it and ``undetermined`` says why (e.g. hand width from the
    side). ``lookalikes`` are the look-alike movements seen in the last ``latch_s``: while any is
    on, nothing should be counted.
    """

    t_s: float
    exercise: Optional[str]
    confidence: float
    kind: Optional[str]
    in_position: bool
    changed: bool = False
    candidate: Optional[str] = None  # this frame's best match (before hysteresis)
    cannot_tell: Tuple[str, ...] = ()
    undetermined: str = ""
    motion: str = "unknown"  # unknown | still | elbows | scapular
    lookalikes: Tuple[str, ...] = ()
    posture: Optional[Posture] = None
    matches: Tuple[Match, ...] = ()

    @property
    def is_lookalike(self) -> bool:
        return bool(self.lookalikes)


class ExerciseRecognizer:
    """Per-frame exercise recognition with hysteresis (see the module docstring).

    ``update(t_s, pose, features=None)`` -> :class:`Recognition`; ``pose`` None = no person in
    this frame. ``forced`` (``--exercise NAME``) pins the exercise: it is still measured and
    look-alikes are still flagged, but never switched. ``on_rep(t_s)`` tells it a rep was
    counted (the first rep confirms a rep exercise even when its elbow swing was small).
    """

    def __init__(self, library: ExerciseLibrary, forced: Optional[str] = None) -> None:
        self.library = library
        self.config = library.recognition
        if forced is not None:
            library[forced]  # raises ConfigError for an unknown name
        self.forced = forced
        self._profiles = [p for p in library.values() if p.recognise or p.name == forced]
        self.exercise: Optional[str] = forced
        self.confidence = 1.0 if forced else 0.0
        self._window: Deque[Posture] = collections.deque()
        self._motion: Deque[Tuple[float, float, float]] = collections.deque()  # t, elbow, shoulder/arm
        self._stretch_start: Optional[float] = None
        self._last_in_position: Optional[float] = None
        self._stretch_motion = "unknown"
        self._pending: Optional[str] = None
        self._pending_since: Optional[float] = None
        self._rep_seen = False
        self._hands: Deque[Tuple[float, float]] = collections.deque()
        self._scap_state = 0
        self._scap_flips: Deque[float] = collections.deque()
        self._gap_base: Deque[Tuple[float, float]] = collections.deque()
        self._latched: Dict[str, float] = {}
        self._support_now: Optional[str] = None
        self._support_new: Optional[str] = None
        self._support_new_since: Optional[float] = None
        self._support_changes: Deque[float] = collections.deque()
        self._tap_since: Optional[float] = None
        self._history: Deque[Tuple[float, Tuple[str, ...]]] = collections.deque()

    # -- public
    def lookalike_during(self, t_start_s: float, t_end_s: float) -> Tuple[Optional[str], float]:
        """The look-alike flagged most within [t_start_s, t_end_s] and the share of that stretch's
        frames it was flagged on (``(None, 0.0)`` when none was)."""
        frames = [names for t, names in self._history if t_start_s - 1e-9 <= t <= t_end_s + 1e-9]
        if not frames:
            return None, 0.0
        counts: Dict[str, int] = {}
        for names in frames:
            for n in names:
                counts[n] = counts.get(n, 0) + 1
        if not counts:
            return None, 0.0
        name = max(counts, key=counts.get)
        return name, counts[name] / len(frames)

    def veto(self, t_start_s: float, t_end_s: float) -> Optional[str]:
        """The look-alike that vetoes a rep cycle spanning [t_start_s, t_end_s]: flagged on at least
        ``lookalikes.veto_min_share`` of its frames (a burpee's push-up keeps its rep; a shoulder
        tap's dip does not count). None = the rep stands."""
        name, share = self.lookalike_during(t_start_s, t_end_s)
        return name if name is not None and share >= self.config.lookalikes.veto_min_share else None

    def on_rep(self, t_s: float) -> None:
        """A rep was counted at ``t_s`` (the rep counter's decision)."""
        self._rep_seen = True
        if self._stretch_motion in ("unknown", "still"):
            self._stretch_motion = "elbows"

    def update(self, t_s: float, pose: Optional[PoseFrame], features: Optional[Features] = None) -> Recognition:
        cfg = self.config
        posture = measure_posture(pose, cfg) if pose is not None else None
        if posture is not None:
            self._window.append(posture)
        while self._window and t_s - self._window[0].t_s > cfg.window_s:
            self._window.popleft()
        med = median_posture(list(self._window))
        matches = tuple(sorted((match_profile(med, p, cfg) for p in self._profiles),
                               key=lambda m: -m.score)) if med is not None else ()
        lookalikes = self._lookalikes(t_s, posture, med)
        if posture is not None and not math.isnan(posture.hands_height_feet_frac):
            self._hands.append((t_s, posture.hands_height_feet_frac))
        while self._hands and t_s - self._hands[0][0] > cfg.window_s:
            self._hands.popleft()
        # In position: some profile fits, the hands stay put (they carry the body), and no
        # look-alike movement is going on (nothing is recognised or counted during one).
        in_position = bool(matches) and matches[0].score >= cfg.min_confidence and posture is not None \
            and self._hands_still() and not lookalikes
        if lookalikes:  # a look-alike interrupts the stretch: its motion evidence starts again
            self._stretch_start, self._stretch_motion = None, "unknown"
            self._motion.clear()
            self._scap_flips.clear()
        self._track_stretch(t_s, in_position, posture, features)
        candidate, conf, cannot, why = self._choose(matches) if in_position else (None, 0.0, (), "")
        changed = self._hysteresis(t_s, candidate, conf, in_position)
        kind = self.library[self.exercise].kind if self.exercise else None
        self._history.append((t_s, lookalikes))
        while self._history and t_s - self._history[0][0] > cfg.lookalikes.history_s:
            self._history.popleft()
        settled = candidate is not None and self.exercise == candidate
        return Recognition(t_s=t_s, exercise=self.exercise, confidence=self.confidence if self.exercise else 0.0,
                           kind=kind, in_position=in_position, changed=changed, candidate=candidate,
                           cannot_tell=cannot if settled or candidate is None else (),
                           undetermined=why if settled or candidate is None else "",
                           motion=self._stretch_motion, lookalikes=lookalikes, posture=med, matches=matches)

    def _hands_still(self) -> bool:
        """Supporting hands stay put: their height above the feet hardly varies over the window
        (in a squat with the arms held forward they ride up and down with the body)."""
        spread = _spread(np.array([h for _, h in self._hands], dtype=float), 10.0, 90.0)
        return math.isnan(spread) or spread <= self.config.hands_still_max_frac

    # -- motion within the current stretch in position
    def _track_stretch(self, t_s: float, in_position: bool, posture: Optional[Posture],
                       features: Optional[Features]) -> None:
        cfg = self.config
        if in_position:
            if self._stretch_start is None or (self._last_in_position is not None
                                               and t_s - self._last_in_position > cfg.forget_after_s):
                self._stretch_start, self._stretch_motion = t_s, "unknown"
                self._motion.clear()
                self._scap_flips.clear()
                self._rep_seen = False
            self._last_in_position = t_s
            elbow = posture.elbow_angle_deg if posture is not None else NAN
            if features is not None and not math.isnan(features.elbow_angle_deg):
                elbow = features.elbow_angle_deg  # the extractor's smoothed value is steadier
            travel = posture.shoulder_over_wrist_arm_frac if posture is not None else NAN
            self._motion.append((t_s, elbow, travel))
        elif self._last_in_position is not None and t_s - self._last_in_position > cfg.forget_after_s:
            self._stretch_start = None
            self._stretch_motion = "unknown"
            self._motion.clear()
        horizon = max(cfg.moving_after_s, 2.0 * cfg.window_s)
        while self._motion and t_s - self._motion[0][0] > horizon:
            self._motion.popleft()
        if not self._motion or self._stretch_start is None:
            return
        arr = np.array([(e, s) for _, e, s in self._motion], dtype=float)
        elbow_range = _spread(arr[:, 0])
        travel_range = _spread(arr[:, 1])
        scap = [p for p in self._profiles if p.rep is not None and p.rep.signal == "shoulder_protraction"]
        if scap and not math.isnan(travel_range):
            # Straight-arm shoulder travel counted as up/down swings past the recent median by
            # half the profile's least travel: a few swings, not one noisy range, make it scapular.
            band = 0.5 * min(p.rep.min_shoulder_travel_frac for p in scap)
            ref = float(_nanmedian_columns(arr[:, 1:2])[0])
            now = self._motion[-1][2]
            state = 1 if now > ref + band else -1 if now < ref - band else 0
            if state and state != self._scap_state:
                if self._scap_state:
                    self._scap_flips.append(t_s)
                self._scap_state = state
        while self._scap_flips and t_s - self._scap_flips[0] > horizon:
            self._scap_flips.popleft()
        if not math.isnan(elbow_range) and elbow_range >= cfg.stillness_elbow_deg:
            self._stretch_motion = "elbows"
        elif self._stretch_motion in ("unknown", "still") and scap and len(self._scap_flips) >= 3 \
                and float(_nanmedian_columns(arr[:, 0:1])[0]) >= min(p.rep.top_elbow_min_deg for p in scap) \
                and elbow_range <= min(p.rep.max_elbow_range_deg for p in scap):
            self._stretch_motion = "scapular"
        elif self._stretch_motion == "unknown" and t_s - self._stretch_start >= cfg.moving_after_s:
            self._stretch_motion = "still"

    def _motion_factor(self, profile: ExerciseProfile) -> float:
        """1 when the stretch's motion fits the profile's kind, 0.3 against; with no evidence yet
        0.6 for reps and 0.5 for holds and scapular reps (a push-up is named first; a hold once it
        stays still, a scapular push-up once straight-arm shoulder swings are seen)."""
        motion = self._stretch_motion
        scapular = profile.rep is not None and profile.rep.signal == "shoulder_protraction"
        if motion == "unknown":
            return 0.6 if profile.kind == "reps" and not scapular else 0.5
        if profile.kind == "hold":
            return 1.0 if motion == "still" else 0.3
        if motion == "still":
            return 0.3
        return 1.0 if (motion == "scapular") == scapular else 0.3

    def _choose(self, matches: Sequence[Match]) -> Tuple[Optional[str], float, Tuple[str, ...], str]:
        cfg = self.config
        scored = sorted(((m.score * self._motion_factor(self.library[m.name]), m) for m in matches),
                        key=lambda x: -x[0])
        best_score, best = scored[0]
        if best_score < cfg.min_confidence * 0.6:
            return None, best_score, (), ""
        tied = [m for s, m in scored if s >= best_score - cfg.tie_score and m.name != best.name]
        # Tied only because of something the view cannot measure (same kind, same position but
        # for ranges that were not measured): say so, and take the common base.
        view_limited = [m for m in tied if self._differ_only_in(best, m)]
        if tied and len(view_limited) == len(tied):
            group = [best] + tied
            names = {m.name for m in group}
            base = next((m for m in group if not self.library[m.name].extends
                         or self.library[m.name].extends not in names), best)
            reasons = sorted({UNJUDGED_REASONS.get(k, f"{k} not measurable from this view")
                              for m in group for k in m.unjudged})
            others = tuple(sorted(n for n in names if n != base.name))
            return base.name, best_score, others, "; ".join(reasons)
        if tied:  # a genuine tie in what was measured: not decided yet
            kinds = {self.library[m.name].kind for m in tied} | {self.library[best.name].kind}
            why = ("same position for reps and a hold: waiting for the first rep or a still hold"
                   if len(kinds) > 1 and self._stretch_motion == "unknown" else "postures of several exercises fit equally")
            return None, best_score, tuple(sorted({m.name for m in tied} | {best.name})), why
        return best.name, best_score, (), ""

    def _differ_only_in(self, a: Match, b: Match) -> bool:
        """Whether profiles ``a`` and ``b`` are the same kind and their positions differ only in
        ranges this frame could not measure."""
        pa, pb = self.library[a.name], self.library[b.name]
        if pa.kind != pb.kind or (pa.rep and pb.rep and pa.rep.signal != pb.rep.signal):
            return False
        unmeasured = set(a.unjudged) | set(b.unjudged)
        for key, _ in _RANGE_FIELDS:
            suffix = _SUFFIX[key]
            names = (f"{key}_min{suffix}", f"{key}_max{suffix}") + (("hand_width",) if key == "hand_width" else ())
            if key not in unmeasured and any(getattr(pa.position, n) != getattr(pb.position, n) for n in names):
                return False
        return pa.position.body_end == pb.position.body_end

    def _hysteresis(self, t_s: float, candidate: Optional[str], conf: float, in_position: bool) -> bool:
        cfg = self.config
        if self.forced is not None:
            return False
        if not in_position:
            if self.exercise is not None and self._last_in_position is not None \
                    and t_s - self._last_in_position > cfg.forget_after_s:
                self.exercise, self.confidence = None, 0.0
                self._pending = None
                return True
            return False
        if candidate is None or candidate == self.exercise:
            self._pending, self._pending_since = None, None
            if candidate is not None:
                self.confidence = conf
            return False
        if candidate != self._pending:
            self._pending, self._pending_since = candidate, t_s
        need = cfg.first_after_s if self.exercise is None else cfg.switch_after_s
        if self._pending_since is not None and t_s - self._pending_since >= need - 1e-9:
            self.exercise, self.confidence = candidate, conf
            self._pending, self._pending_since = None, None
            return True
        return False

    # -- look-alikes
    def _support(self, t_s: float, med: Posture, flat: bool) -> Optional[str]:
        """Hands or forearms under a flat body, with hysteresis; a change counts once the new
        support has held ``support_min_s`` (for the up-down signal)."""
        lk = self.config.lookalikes
        angle = med.forearm_angle_deg
        if not flat or math.isnan(angle):
            self._support_new, self._support_new_since = None, None
            return self._support_now
        new = "hands" if angle >= lk.hands_min_forearm_deg else "forearms" if angle <= lk.forearms_max_forearm_deg \
            else self._support_now
        if new == self._support_now:
            self._support_new, self._support_new_since = None, None
        elif new != self._support_new:
            self._support_new, self._support_new_since = new, t_s
        elif self._support_new_since is not None and t_s - self._support_new_since >= lk.support_min_s - 1e-9:
            if self._support_now is not None:
                self._support_changes.append(t_s)
            self._support_now, self._support_new, self._support_new_since = new, None, None
        return self._support_now

    def _lookalikes(self, t_s: float, posture: Optional[Posture], med: Optional[Posture]) -> Tuple[str, ...]:
        lk = self.config.lookalikes
        seen: List[str] = []
        if posture is not None and med is not None:
            flat = not math.isnan(med.body_angle_feet_deg) and med.body_angle_feet_deg <= lk.plank_max_body_deg
            support = self._support(t_s, med, flat)
            on_hands = flat and support == "hands"
            # Shoulder tap: one wrist leaves the floor while the other stays (relative to their
            # usual height difference, so a tilted or moving camera does not matter), for a
            # moment longer than a landmark's jump.
            if on_hands and not math.isnan(posture.wrist_gap_arm_frac):
                self._gap_base.append((t_s, posture.wrist_gap_arm_frac))
            while self._gap_base and t_s - self._gap_base[0][0] > lk.floor_window_s:
                self._gap_base.popleft()
            lifted = False
            if on_hands and len(self._gap_base) >= 3 and not math.isnan(posture.wrist_gap_arm_frac):
                base = float(_nanmedian_columns(np.array([[g] for _, g in self._gap_base]))[0])
                lifted = abs(posture.wrist_gap_arm_frac - base) >= lk.tap_lift_frac
            if lifted:
                self._tap_since = self._tap_since if self._tap_since is not None else t_s
                if t_s - self._tap_since >= lk.tap_min_s - 1e-9:
                    seen.append("shoulder_tap")
            else:
                self._tap_since = None
            hips = (posture.hip_angle_left_deg, posture.hip_angle_right_deg)
            knees = (posture.knee_angle_left_deg, posture.knee_angle_right_deg)
            arms_straight = not math.isnan(posture.elbow_angle_deg) and posture.elbow_angle_deg >= lk.climber_arms_min_deg
            if on_hands and arms_straight and not any(math.isnan(x) for x in hips + knees):
                for i in (0, 1):
                    if hips[i] <= lk.climber_hip_max_deg and knees[i] <= lk.climber_knee_max_deg \
                            and hips[1 - i] >= lk.climber_other_hip_min_deg:
                        seen.append("mountain_climber")
                        break
                if max(hips) <= lk.jump_in_hip_max_deg and max(knees) <= lk.climber_knee_max_deg:
                    seen.append("jump_in")
            # Up-down: hands -> forearms -> hands (or back), each held a moment, within the window.
            while self._support_changes and t_s - self._support_changes[0] > lk.up_down_window_s:
                self._support_changes.popleft()
            if len(self._support_changes) >= 2:
                seen.append("up_down")
            # Bird dog / quadruped: on the knees with the hips folded (thighs under the body).
            if not math.isnan(posture.knee_above_ankle_frac) and posture.knee_above_ankle_frac <= lk.kneel_max_frac \
                    and not math.isnan(posture.hip_angle_deg) and posture.hip_angle_deg <= lk.quadruped_hip_max_deg \
                    and not math.isnan(posture.torso_angle_deg) and abs(posture.torso_angle_deg) <= lk.plank_max_body_deg:
                seen.append("bird_dog")
            upright = not math.isnan(posture.torso_angle_deg) and posture.torso_angle_deg >= lk.upright_min_deg
            if upright and not math.isnan(posture.wrist_along_torso_frac) \
                    and posture.wrist_along_torso_frac >= lk.dip_wrist_along_min \
                    and not math.isnan(posture.hands_height_feet_frac) and posture.hands_height_feet_frac > lk.dip_hands_min_frac:
                seen.append("dip")  # upright, hands beside/behind the hips on a raised support
            bent = [x for x in knees + (posture.knee_angle_deg,) if not math.isnan(x)]
            if upright and "dip" not in seen and not math.isnan(posture.body_angle_feet_deg) \
                    and posture.body_angle_feet_deg >= lk.upright_min_deg and bent and min(bent) <= lk.squat_knee_max_deg:
                seen.append("squat")  # standing on the feet and the knees bend
        for name in seen:
            self._latched[name] = t_s
        return tuple(n for n in LOOKALIKES if n in self._latched and t_s - self._latched[n] <= lk.latch_s)
