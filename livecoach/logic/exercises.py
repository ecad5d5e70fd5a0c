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
from dataclasses import dataclass
from typing import Deque, Dict, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.config.exercises import MEASUREMENT_UNITS, ExerciseLibrary, ExerciseProfile, RecognitionConfig
from livecoach.logic.posture import (NAN, Posture, measure_posture, median_posture, nanmedian_columns, posture_row,
                                     spread)
from livecoach.types import Features, PoseFrame

#: Look-alike names reported by the recogniser.
LOOKALIKES: Tuple[str, ...] = ("shoulder_tap", "mountain_climber", "jump_in", "up_down", "bird_dog", "dip",
                               "squat")


#: ``[position]`` range -> the posture field it bounds (``{end}`` = the profile's body_end).
_RANGE_FIELDS: Tuple[Tuple[str, str], ...] = (
    ("body_angle", "body_angle_{end}_deg"), ("hands_height", "hands_height_{end}_frac"),
    ("forearm_angle", "forearm_angle_deg"), ("shoulder_tilt", "shoulder_tilt_deg"),
    ("hip_angle", "hip_angle_deg"), ("hip_offset", "hip_offset_{end}_frac"),
    ("knee_angle", "knee_angle_deg"), ("knee_above_ankle", "knee_above_ankle_frac"),
    ("hand_width", "hand_width_ratio"),
)
_SUFFIX = MEASUREMENT_UNITS
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
    """Score ``posture`` against ``profile.position`` (the minimum over its ranges); 0 when one of
    its ``required`` measurements was not made."""
    score, worst, unjudged = 1.0, "", []
    for key, fname, lo, hi, is_angle in _compiled(profile):
        value = getattr(posture, fname)
        if value != value:  # nan: not measurable in this view
            unjudged.append(key)
            if key in profile.position.required:
                score, worst = 0.0, key
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
    ``changed`` is true on the frame it changed. ``confirmed`` says the decision rests on more
    than the posture of a still stretch: its confidence reached ``confirm_min_confidence``,
    which a rep exercise only does once its motion (a rep) was seen. An exercise named but not
    confirmed is a guess: a variant's fault profile is not applied on it. ``cannot_tell`` names the other exercises the
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
    confirmed: bool = False
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
        self._window_rows: Deque[Tuple[float, ...]] = collections.deque()  # posture_row of each
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
        self._gap_base: Deque[Tuple[float, float, float]] = collections.deque()
        self._latched: Dict[str, float] = {}
        self._support_now: Optional[str] = None
        self._support_new: Optional[str] = None
        self._support_new_since: Optional[float] = None
        self._support_changes: Deque[float] = collections.deque()
        self._tap_since: Optional[float] = None
        self._quadruped_since: Optional[float] = None
        self._legs_drive_frames = 0  # consecutive frames whose legs alone showed a knee drive
        # (t, ((look-alike flagged, time of the frame that last showed its motion), ...)) per frame
        self._history: Deque[Tuple[float, Tuple[Tuple[str, float], ...]]] = collections.deque()

    # -- public
    @property
    def confirmed(self) -> bool:
        """The named exercise is forced, or its confidence reached ``confirm_min_confidence``
        (for a rep exercise: a rep was seen); False while nothing is named."""
        if self.exercise is None:
            return False
        return self.forced is not None or self.confidence >= self.config.confirm_min_confidence - 1e-9

    def lookalike_during(self, t_start_s: float, t_end_s: float) -> Tuple[Optional[str], float]:
        """The look-alike flagged most within [t_start_s, t_end_s] and the share of that stretch's
        frames it was flagged on (``(None, 0.0)`` when none was). A frame counts only while the
        flag rests on the look-alike's motion seen within the stretch: the ``latch_s`` that
        bridges the frames between two knee drives does not carry a movement made before the
        stretch began (a burpee's jump back into the plank) into it."""
        frames = [flags for t, flags in self._history if t_start_s - 1e-9 <= t <= t_end_s + 1e-9]
        if not frames:
            return None, 0.0
        counts: Dict[str, int] = {}
        for flags in frames:
            for n, seen_t in flags:
                if seen_t >= t_start_s - 1e-9:
                    counts[n] = counts.get(n, 0) + 1
        if not counts:
            return None, 0.0
        name = max(counts, key=counts.get)
        return name, counts[name] / len(frames)

    def veto(self, t_start_s: float, t_end_s: float) -> Optional[str]:
        """The look-alike that vetoes a rep cycle spanning [t_start_s, t_end_s]: its motion seen
        during the cycle and flagged on at least ``lookalikes.veto_min_share`` of its frames (a
        burpee's push-up keeps its rep, whatever the jump back into the plank just before it
        looked like; a shoulder tap's dip does not count). None = the rep stands."""
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
            self._window_rows.append(posture_row(posture))
        while self._window and t_s - self._window[0].t_s > cfg.window_s:
            self._window.popleft()
            self._window_rows.popleft()
        med = median_posture(list(self._window), list(self._window_rows))
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
        self._history.append((t_s, tuple((n, self._latched[n]) for n in lookalikes)))
        while self._history and t_s - self._history[0][0] > cfg.lookalikes.history_s:
            self._history.popleft()
        settled = candidate is not None and self.exercise == candidate
        return Recognition(t_s=t_s, exercise=self.exercise, confidence=self.confidence if self.exercise else 0.0,
                           kind=kind, in_position=in_position, changed=changed, confirmed=self.confirmed,
                           candidate=candidate,
                           cannot_tell=cannot if settled or candidate is None else (),
                           undetermined=why if settled or candidate is None else "",
                           motion=self._stretch_motion, lookalikes=lookalikes, posture=med, matches=matches)

    def _hands_still(self) -> bool:
        """Supporting hands stay put: their height above the feet hardly varies over the window
        (in a squat with the arms held forward they ride up and down with the body)."""
        hands_spread = spread(np.array([h for _, h in self._hands], dtype=float), 10.0, 90.0)
        return math.isnan(hands_spread) or hands_spread <= self.config.hands_still_max_frac

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
        elbow_range = spread(arr[:, 0])
        travel_range = spread(arr[:, 1])
        scap = [p for p in self._profiles if p.straight_arm_reps]
        if scap and not math.isnan(travel_range):
            # Straight-arm shoulder travel counted as up/down swings past the recent median by
            # half the profile's least travel: a few swings, not one noisy range, make it scapular.
            band = 0.5 * min(p.rep.min_shoulder_travel_frac for p in scap)
            ref = float(nanmedian_columns(arr[:, 1:2])[0])
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
                and float(nanmedian_columns(arr[:, 0:1])[0]) >= min(p.rep.top_elbow_min_deg for p in scap) \
                and elbow_range <= min(p.rep.max_elbow_range_deg for p in scap):
            self._stretch_motion = "scapular"
        elif self._stretch_motion == "unknown" and t_s - self._stretch_start >= cfg.moving_after_s:
            self._stretch_motion = "still"

    def _motion_factor(self, profile: ExerciseProfile) -> float:
        """1 when the stretch's motion fits the profile's kind, 0.3 against; with no evidence yet
        0.6 for reps and 0.5 for holds and scapular reps (a push-up is named first; a hold once it
        stays still, a scapular push-up once straight-arm shoulder swings are seen)."""
        motion = self._stretch_motion
        scapular = profile.straight_arm_reps
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
        need = cfg.first_after_s if self.exercise is None or self._replaces_guess(candidate, conf) \
            else cfg.switch_after_s
        if self._pending_since is not None and t_s - self._pending_since >= need - 1e-9:
            self.exercise, self.confidence = candidate, conf
            self._pending, self._pending_since = None, None
            return True
        return False

    def _replaces_guess(self, candidate: str, conf: float) -> bool:
        """Whether ``candidate`` replaces the named exercise as a first naming would: the named
        one is an unconfirmed guess (taken from a still posture before any rep) and the
        candidate, an exercise of the same kind, is confirmed by what the rep showed. A guess
        is not defended like a decision (e.g. a sloppy push-up whose top posture fits the knee
        variant but whose first rep fits the standard one)."""
        if self.exercise is None or self.confirmed or conf < self.config.confirm_min_confidence - 1e-9:
            return False
        return self.library[candidate].kind == self.library[self.exercise].kind

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
            # An up-down's change is read only on hands the model is sure of: an unsure hand is its
            # guess, often short of the hand, and guessed wrists under a push-up's bottom read
            # forearms lying flat (an up-down that is not there, and the rep vetoed).
            if self._support_now is not None and med.hand_visibility >= lk.support_min_wrist_visibility:
                self._support_changes.append(t_s)
            self._support_now, self._support_new, self._support_new_since = new, None, None
        return self._support_now

    def _lookalikes(self, t_s: float, posture: Optional[Posture], med: Optional[Posture]) -> Tuple[str, ...]:
        lk = self.config.lookalikes
        seen: List[str] = []
        legs_drive_frames = 0
        if posture is not None and med is not None:
            flat = not math.isnan(med.body_angle_feet_deg) and med.body_angle_feet_deg <= lk.plank_max_body_deg
            support = self._support(t_s, med, flat)
            on_hands = flat and support == "hands"
            # Shoulder tap: one wrist leaves the floor while the other stays (relative to their
            # usual height difference, so a tilted or moving camera does not matter), for a
            # moment longer than a landmark's jump. Read in the picture and in the world
            # landmarks, and a lift only where both show it: each alone misreads a steady
            # difference as a lift from some views (the picture's arm shortens as it bends seen
            # from behind; a hidden hand's guessed depth turns into height seen from above).
            gaps = (posture.wrist_gap_arm_frac, posture.wrist_gap_world_arm_frac)
            gaps_read = not any(math.isnan(g) for g in gaps)
            if on_hands and gaps_read:
                self._gap_base.append((t_s, *gaps))
            while self._gap_base and t_s - self._gap_base[0][0] > lk.floor_window_s:
                self._gap_base.popleft()
            lifted = False
            if on_hands and len(self._gap_base) >= 3 and gaps_read:
                bases = nanmedian_columns(np.array([row[1:] for row in self._gap_base]))
                lifted = all(abs(g - float(b)) >= lk.tap_lift_frac for g, b in zip(gaps, bases))
            if lifted:
                self._tap_since = self._tap_since if self._tap_since is not None else t_s
                if t_s - self._tap_since >= lk.tap_min_s - 1e-9:
                    seen.append("shoulder_tap")
            else:
                self._tap_since = None
            hips = (posture.hip_angle_left_deg, posture.hip_angle_right_deg)
            knees = (posture.knee_angle_left_deg, posture.knee_angle_right_deg)
            arms_straight = not math.isnan(posture.elbow_angle_deg) and posture.elbow_angle_deg >= lk.climber_arms_min_deg
            # With the hands unseen (a bar, the body seen from behind) the arms cannot be read, and
            # the legs alone tell a knee drive: no push-up folds one hip and knee while the other stays open.
            legs_only = flat and math.isnan(med.forearm_angle_deg) and math.isnan(posture.elbow_angle_deg)
            if ((on_hands and arms_straight) or legs_only) and not any(math.isnan(x) for x in hips + knees):
                drive = any(hips[i] <= lk.climber_hip_max_deg and knees[i] <= lk.climber_knee_max_deg
                            and hips[1 - i] >= lk.climber_other_hip_min_deg for i in (0, 1))
                # Read from the legs alone (no straight arms beside them), one frame is not enough: a
                # hip and knee misplaced for one frame is a landmark's jump, not a knee drive.
                legs_drive_frames = self._legs_drive_frames + 1 if drive and legs_only else 0
                if drive and (not legs_only or legs_drive_frames >= lk.climber_legs_only_min_frames):
                    seen.append("mountain_climber")
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
                self._quadruped_since = self._quadruped_since if self._quadruped_since is not None else t_s
                if t_s - self._quadruped_since >= lk.quadruped_min_s - 1e-9:
                    seen.append("bird_dog")
            else:
                self._quadruped_since = None
            upright = not math.isnan(posture.torso_angle_deg) and posture.torso_angle_deg >= lk.upright_min_deg
            if upright and not math.isnan(posture.wrist_along_torso_frac) \
                    and posture.wrist_along_torso_frac >= lk.dip_wrist_along_min \
                    and not math.isnan(posture.hands_height_feet_frac) and posture.hands_height_feet_frac > lk.dip_hands_min_frac:
                seen.append("dip")  # upright, hands beside/behind the hips on a raised support
            bent = [x for x in knees + (posture.knee_angle_deg,) if not math.isnan(x)]
            if upright and "dip" not in seen and not math.isnan(posture.body_angle_feet_deg) \
                    and posture.body_angle_feet_deg >= lk.upright_min_deg and bent and min(bent) <= lk.squat_knee_max_deg:
                seen.append("squat")  # standing on the feet and the knees bend
        self._legs_drive_frames = legs_drive_frames
        for name in seen:
            self._latched[name] = t_s
        return tuple(n for n in LOOKALIKES if n in self._latched and t_s - self._latched[n] <= lk.latch_s)
