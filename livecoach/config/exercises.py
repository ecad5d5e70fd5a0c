"""Exercise profiles: ``config/exercises/*.toml`` read into validated frozen dataclasses.

One TOML file per exercise (push-up variants and holds), named after the exercise. A profile
says *what the exercise is* declaratively -- the posture that counts as "in position", the
signal that counts a rep (or, for a hold, what good form is), which fault rules apply with
which threshold overrides, the cue texts that differ from ``[cues.texts]`` and the trainers'
advice -- and the logic (:mod:`livecoach.logic.exercises`, :mod:`livecoach.logic.holds`, the
rep counter and the fault rules) reads it. Nothing about one exercise is hard-coded.

* ``extends = "standard"`` starts from another profile of the same folder and overrides any
  subset of its keys (tables merge key by key), so ``wide`` only states its hand width.
* Files whose name starts with ``_`` are not profiles: ``_recognition.toml`` holds the
  recogniser's own settings (:class:`RecognitionConfig`).
* A user folder (``load_exercises(user_dir=...)``) adds profiles, or replaces a packaged one of
  the same name; it may also hold a ``_recognition.toml`` laid over the packaged one.

Errors are one line naming the file and the key, as for the main config: unknown key, missing
key, wrong type, value out of range, NaN/inf, a name that does not match its file, an
``extends`` that does not exist or loops, a threshold override that names no rule setting.
"""
from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from livecoach.config import schema
from livecoach.config.toml_io import ConfigError, build, deep_merge, read_toml, setting, to_plain
from livecoach.types import FAULT_NAMES

__all__ = ["ExerciseProfile", "PositionSpec", "RepSpec", "HoldSpec", "RecognitionConfig", "LookalikeConfig",
           "ExerciseLibrary", "load_exercises", "default_exercises_dir", "ConfigError", "SUPPORTS",
           "HOLD_CUE_KEYS"]

#: What carries the body besides the feet (or the knees): see :class:`PositionSpec`.
SUPPORTS: Tuple[str, ...] = ("hands", "forearms", "side_forearm")
#: Which end of the body touches the floor behind the hips.
BODY_ENDS: Tuple[str, ...] = ("feet", "knees")
HAND_WIDTHS: Tuple[str, ...] = ("any", "narrow", "shoulder", "wide")
#: The posture measurements a ``[position]`` range bounds, each with its keys' unit suffix
#: (``<name>_min<suffix>`` / ``<name>_max<suffix>``).
MEASUREMENT_UNITS: Dict[str, str] = {"body_angle": "_deg", "hands_height": "_frac", "forearm_angle": "_deg",
                                     "shoulder_tilt": "_deg", "hip_angle": "_deg", "hip_offset": "_frac",
                                     "knee_angle": "_deg", "knee_above_ankle": "_frac", "hand_width": ""}
MEASUREMENTS: Tuple[str, ...] = tuple(MEASUREMENT_UNITS)
REP_SIGNALS: Tuple[str, ...] = ("elbow_angle", "shoulder_drop", "shoulder_protraction")
DEPTH_REFERENCES: Tuple[str, ...] = ("floor", "support")
#: Cue keys a hold adds to the fault names and the main config's extra keys.
HOLD_CUE_KEYS: Tuple[str, ...] = ("hold_start", "hold_break", "hold_restored", "hold_tick", "hold_done",
                                  "hold_target_reached")
#: Cue keys a profile may override (fault corrections, the main config's extras, hold cues).
CUE_KEYS: Tuple[str, ...] = FAULT_NAMES + ("praise", "count", "no_rep", "set_done", "session_done",
                                           "start") + HOLD_CUE_KEYS


@dataclass(frozen=True)
class PositionSpec:
    """``[position]``: what "in position" is for this exercise.

    Every pair ``*_min`` / ``*_max`` is a range the measured posture must fall in
    (:func:`livecoach.logic.exercises.measure_posture`). Heights and angles to the floor come from the pose
    model's world landmarks (metres, camera-aligned, so the camera must be roughly level); a range whose
    measurement is not made is left out of the match, never guessed, unless ``required`` names it.
    """

    support: str = setting(choices=SUPPORTS, doc="what carries the upper body: hands (arms straight at the "
                           "top), forearms (elbows under the shoulders, forearms on the floor), side_forearm "
                           "(one forearm, body sideways)")
    body_end: str = setting(choices=BODY_ENDS, doc="what touches the floor at the other end: feet or knees; "
                            "the body line runs from the shoulders to it")
    body_angle_min_deg: float = setting(-90.0, 90.0, doc="least angle of the body line to the floor; "
                                        "+ = shoulders higher than the feet/knees, - = feet higher")
    body_angle_max_deg: float = setting(-90.0, 90.0, doc="greatest angle of the body line to the floor")
    hands_height_min_frac: float = setting(-2.0, 2.0, doc="least height of the hands above the body's end on "
                                           "the floor (feet or knees), fraction of the body line's length: "
                                           "~0 hands and feet on the floor, + hands raised (incline, wall), - "
                                           "feet raised (decline)")
    hands_height_max_frac: float = setting(-2.0, 2.0, doc="greatest height of the hands above the body's end")
    forearm_angle_min_deg: float = setting(0.0, 90.0, doc="least angle of the forearms (elbow->wrist) to the "
                                           "floor: ~70-90 on the hands, ~0-25 on the forearms")
    forearm_angle_max_deg: float = setting(0.0, 90.0, doc="greatest angle of the forearms to the floor")
    shoulder_tilt_min_deg: float = setting(0.0, 90.0, doc="least angle of the shoulder line to the floor: "
                                           "~0 square to the floor, ~90 side plank")
    shoulder_tilt_max_deg: float = setting(0.0, 90.0, doc="greatest angle of the shoulder line to the floor")
    hip_angle_min_deg: float = setting(0.0, 180.0, doc="least shoulder-hip-knee angle (180 = straight; a "
                                       "pike folds it)")
    hip_angle_max_deg: float = setting(0.0, 180.0, doc="greatest shoulder-hip-knee angle")
    hip_offset_min_frac: float = setting(-1.0, 1.0, doc="least hip offset from the body line, fraction of "
                                         "its length, + = toward the floor (sag), - = up (pike)")
    hip_offset_max_frac: float = setting(-1.0, 1.0, doc="greatest hip offset from the body line")
    knee_angle_min_deg: float = setting(0.0, 180.0, doc="least hip-knee-ankle angle (straight legs ~170)")
    knee_angle_max_deg: float = setting(0.0, 180.0, doc="greatest hip-knee-ankle angle")
    knee_above_ankle_min_frac: float = setting(-2.0, 2.0, doc="least height of the knees above the ankles, "
                                               "fraction of the shin's length: + feet on the floor behind "
                                               "the knees, <= 0 kneeling (knees on the floor)")
    knee_above_ankle_max_frac: float = setting(-2.0, 2.0, doc="greatest height of the knees above the ankles")
    hand_width: str = setting(choices=HAND_WIDTHS, doc="hand placement this variant needs: any, narrow "
                              "(diamond), shoulder, wide; judged only when the view shows both hands across")
    hand_width_min: float = setting(0.0, 10.0, doc="least wrist distance over shoulder distance (when judged)")
    hand_width_max: float = setting(0.0, 10.0, doc="greatest wrist distance over shoulder distance")
    required: Tuple[str, ...] = setting(choices=MEASUREMENTS, doc="measurements this exercise is told by: where "
                                        "one is not made (landmarks unseen, or the view), nothing matches it")


@dataclass(frozen=True)
class RepSpec:
    """``[rep]``: the signal that counts a rep of this exercise."""

    signal: str = setting(choices=REP_SIGNALS, doc="elbow_angle / shoulder_drop: the arms bend and the "
                          "shoulders drop toward the hands; shoulder_protraction: arms stay straight and "
                          "the shoulders rise and sink between them (scapular push-up)")
    depth_reference: str = setting(choices=DEPTH_REFERENCES, doc="floor: depth = shoulders toward the floor; "
                                   "support: depth is relative to what the hands are on (incline, wall): the "
                                   "chest comes to the support, not to the floor")
    bottom_elbow_max_deg: float = setting(0.0, 180.0, doc="a full rep bends the elbows at least to this "
                                          "(ignored by shoulder_protraction)")
    top_elbow_min_deg: float = setting(0.0, 180.0, doc="arms count as straight at the top from this elbow "
                                       "angle")
    min_shoulder_travel_frac: float = setting(0.0, 1.0, doc="least shoulder travel per rep along the arms, "
                                              "fraction of arm length (scapular: a few cm)")
    max_elbow_range_deg: float = setting(0.0, 180.0, doc="most elbow bend allowed within a rep (scapular: "
                                         "arms stay straight; 180 = no limit)")


@dataclass(frozen=True)
class HoldSpec:
    """``[hold]``: when a hold's time counts (see :class:`livecoach.logic.holds.HoldTimer`)."""

    line_tolerance_frac: float = setting(0.0, 0.5, doc="good form: hips within this fraction of the body "
                                         "line's length from it (one straight line)")
    hips_up_min_frac: float = setting(-1.0, 1.0, doc="side plank: hips at least this far above the "
                                      "shoulder-ankle line toward the ceiling (fraction of its length); "
                                      "-1 = not checked")
    arms_straight_min_deg: float = setting(0.0, 180.0, doc="straight-arm holds: elbow angle at least this "
                                           "(0 = not checked)")
    knees_straight_min_deg: float = setting(0.0, 180.0, doc="with knees_bent enabled: knee angle below this "
                                            "breaks the hold (0 = not checked)")
    break_after_s: float = setting(0.0, 10.0, doc="a fault must last this long to break the hold (one "
                                   "noisy frame does not)")
    restore_after_s: float = setting(0.0, 10.0, doc="good form must be back this long to resume the timer")
    start_after_s: float = setting(0.0, 10.0, doc="position held with good form this long starts the hold")
    end_after_s: float = setting(0.0, 30.0, doc="out of position (or no pose) this long ends the hold")
    tick_every_s: float = setting(0.0, 600.0, doc="say the held time every this many seconds (0 = never)")
    min_hold_s: float = setting(0.0, 60.0, doc="a stretch shorter than this is a pause, not a hold")
    cue_priority: int = setting(0, 100, doc="priority of this hold's spoken cues, on the scale of the main "
                                "config's [cues.priority]: the speech worker drops a lower-priority cue while a "
                                "more important one waits")


@dataclass(frozen=True)
class FaultSpec:
    """``[faults]``: which fault rules judge this exercise, and threshold overrides."""

    enabled: Tuple[str, ...] = setting(choices=FAULT_NAMES, doc="rules that run for this exercise")
    overrides: Dict[str, Dict[str, float]] = setting(choices=FAULT_NAMES, doc="rule -> {setting = value} laid "
                                                     "over [faults.<rule>] of the main config")


@dataclass(frozen=True)
class ExerciseProfile:
    """One exercise (``config/exercises/<name>.toml``)."""

    name: str = setting(doc="the exercise's name; must equal the file name without .toml")
    extends: str = setting(doc="the profile this one starts from ('' = none); its keys are overridden here")
    title: str = setting(doc="shown on the overlay and in the summary")
    kind: str = setting(choices=("reps", "hold"), doc="reps: counted; hold: timed")
    recognise: bool = setting(doc="the recogniser may pick it from the posture (false: only --exercise)")
    regress_to: str = setting(doc="easier exercise when form fails on most reps ('' = none)")
    progress_to: str = setting(doc="harder exercise once form holds ('' = none)")
    advice: str = setting(doc="the trainers' advice for this exercise, shown after a session")
    position: PositionSpec
    faults: FaultSpec
    cues: Dict[str, str] = setting(choices=CUE_KEYS, doc="cue key -> text that differs from [cues.texts]")
    rep: Optional[RepSpec] = None
    hold: Optional[HoldSpec] = None

    @property
    def straight_arm_reps(self) -> bool:
        """Whether its reps keep the arms straight (``[rep] signal = "shoulder_protraction"``: a
        scapular push-up's shoulder blades move, its elbows do not bend)."""
        return self.rep is not None and self.rep.signal == "shoulder_protraction"


@dataclass(frozen=True)
class LookalikeConfig:
    """``[lookalikes]`` of ``_recognition.toml``: thresholds of the look-alike signals."""

    tap_lift_frac: float = setting(0.0, 2.0, doc="shoulder tap: one wrist rises above the other by this share of "
                                   "the arm's length, beyond their usual difference, in picture and world landmarks")
    tap_min_s: float = setting(0.0, 5.0, doc="... for at least this long (a landmark's jump is shorter)")
    floor_window_s: float = setting(0.2, 30.0, doc="the wrists' usual height difference is their median over "
                                    "this much recent time on the hands")
    climber_hip_max_deg: float = setting(0.0, 180.0, doc="mountain climber: one hip flexes below this ...")
    climber_knee_max_deg: float = setting(0.0, 180.0, doc="... with that knee bent below this ...")
    climber_other_hip_min_deg: float = setting(0.0, 180.0, doc="... while the other hip stays open above this")
    climber_arms_min_deg: float = setting(0.0, 180.0, doc="... and the arms stay straight (elbow angle)")
    climber_legs_only_min_frames: int = setting(1, 10, doc="... or, arms unread, on this many frames in a row")
    plank_max_body_deg: float = setting(0.0, 90.0, doc="plank-type look-alikes are looked for only with the "
                                        "body line (and, for bird dog, the torso) flatter than this")
    hands_min_forearm_deg: float = setting(0.0, 90.0, doc="on the hands: forearms steeper than this to the floor")
    forearms_max_forearm_deg: float = setting(0.0, 90.0, doc="on the forearms: forearms flatter than this "
                                              "(between the two the support is unchanged: hysteresis)")
    support_min_s: float = setting(0.0, 10.0, doc="a new support (hands/forearms) counts once held this long")
    support_min_wrist_visibility: float = setting(0.0, 1.0, doc="up-down: a change counts on wrists this sure")
    up_down_window_s: float = setting(0.5, 30.0, doc="plank up-down: two support changes within this long")
    kneel_max_frac: float = setting(-2.0, 2.0, doc="bird dog: knees at most this high above the ankles (shins)")
    quadruped_min_s: float = setting(0.0, 5.0, doc="... in that posture for at least this long (a landmark's "
                                     "jump is shorter)")
    dip_hands_min_frac: float = setting(-2.0, 2.0, doc="dip: hands at least this far above the feet (body "
                                        "lengths): on a bench or chair")
    upright_min_deg: float = setting(0.0, 90.0, doc="torso steeper than this to the floor = upright (dip, squat)")
    dip_wrist_along_min: float = setting(-2.0, 3.0, doc="dip: hands at least this far along shoulder->hip "
                                         "(beside or behind the hips, not under the shoulders)")
    squat_knee_max_deg: float = setting(0.0, 180.0, doc="squat/lunge: standing and a knee bends below this")
    jump_in_hip_max_deg: float = setting(0.0, 180.0, doc="jumping in: both hips flex below this with the "
                                         "hands on the floor (burpee, plank jack)")
    quadruped_hip_max_deg: float = setting(0.0, 180.0, doc="bird dog / quadruped: on the knees with the hips "
                                           "folded below this (thighs under the body, not a knee push-up line)")
    latch_s: float = setting(0.0, 30.0, doc="a look-alike stays flagged this long after its last frame")
    veto_min_share: float = setting(0.0, 1.0, doc="a rep cycle with a look-alike flagged on at least this share "
                                    "of its frames does not count (ExerciseRecognizer.veto); only the look-alike's "
                                    "motion seen during the cycle flags its frames, not a latch from before it")
    history_s: float = setting(1.0, 600.0, doc="look-alike flags kept this long for veto (>= the longest rep "
                                "cycle, [reps] max_cycle_s)")


@dataclass(frozen=True)
class RecognitionConfig:
    """``_recognition.toml``: the recogniser's own settings."""

    min_visibility: float = setting(0.0, 1.0, doc="landmarks below this visibility are not used")
    first_after_s: float = setting(0.0, 30.0, doc="in position this long before a first exercise is named")
    switch_after_s: float = setting(0.0, 60.0, doc="another exercise must win this long before a switch")
    forget_after_s: float = setting(0.0, 600.0, doc="out of position this long: back to 'not recognised'")
    window_s: float = setting(0.2, 30.0, doc="posture votes are taken over this much recent time")
    margin_deg: float = setting(0.0, 45.0, doc="soft edge of every angle range: a value this far outside "
                                "scores 0.5 (noise near an edge never flips a decision)")
    margin_frac: float = setting(0.0, 1.0, doc="soft edge of every fraction range")
    min_confidence: float = setting(0.0, 1.0, doc="best posture match below this = not in position of any "
                                    "exercise")
    confirm_min_confidence: float = setting(0.0, 1.0, doc="a named exercise is confirmed (its profile's fault "
                                            "rules apply; a guess it replaces at once) from this confidence; "
                                            "before a rep is seen a rep exercise scores at most 0.6")
    tie_score: float = setting(0.0, 1.0, doc="candidates within this score of the best are tied: named only "
                               "when the tie is the view's limit (then reported as 'cannot tell')")
    hand_width_min_shoulder_frac: float = setting(0.0, 2.0, doc="hand width is judged only when the image "
                                                  "shoulder width is at least this share of the torso length "
                                                  "(shoulders turned to the camera); a side view cannot tell")
    hands_still_max_frac: float = setting(0.0, 2.0, doc="hands that support the body stay put: their height "
                                          "above the feet varies less than this (fraction of body length) over "
                                          "the window, else not in position (arms swinging in a squat)")
    along_body_min_shoulder_frac: float = setting(0.0, 10.0, doc="image shoulder width at least this share of "
                                                  "the torso length = camera head-on: heights along the body "
                                                  "are not judged")
    upright_image_min_deg: float = setting(0.0, 90.0, doc="torso steeper than this in the image with the "
                                           "shoulders square to the camera = camera above (or someone facing "
                                           "it): heights are not judged either")
    stillness_elbow_deg: float = setting(0.0, 90.0, doc="elbow range over the window below this = still (a "
                                         "hold or a pause), above = moving (reps)")
    moving_after_s: float = setting(0.0, 30.0, doc="a first rep within this long makes a rep exercise; still "
                                    "for longer makes a hold")
    top_pause_hold: str = setting(doc="a still pause at the top of a rep exercise, at least this hold "
                                  "profile's min_hold_s long, is timed as this hold with its form rules "
                                  "('' = pauses are not timed)")
    lookalikes: LookalikeConfig


class ExerciseLibrary(Mapping[str, ExerciseProfile]):
    """The loaded profiles by name, plus the recogniser settings (``recognition``)."""

    def __init__(self, profiles: Mapping[str, ExerciseProfile], recognition: RecognitionConfig,
                 sources: Mapping[str, str]) -> None:
        self._profiles = dict(profiles)
        self.recognition = recognition
        self.sources = dict(sources)

    def __getitem__(self, name: str) -> ExerciseProfile:
        try:
            return self._profiles[name]
        except KeyError:
            raise ConfigError(f"unknown exercise {name!r} (known: {', '.join(sorted(self._profiles))})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._profiles

    def __iter__(self):
        return iter(self._profiles)

    def __len__(self) -> int:
        return len(self._profiles)

    def of_kind(self, kind: str) -> Tuple[ExerciseProfile, ...]:
        return tuple(p for p in self._profiles.values() if p.kind == kind)

    def as_dict(self) -> Dict[str, Any]:
        return {name: to_plain(p) for name, p in self._profiles.items()}


def default_exercises_dir() -> Path:
    """``config/exercises`` of this checkout."""
    return Path(__file__).resolve().parents[2] / "config" / "exercises"


def _check_finite(data: Any, where: str, source: str) -> None:
    """TOML allows ``nan`` and ``inf``; no setting does."""
    if isinstance(data, float) and not math.isfinite(data):
        raise ConfigError(f"{source}: {where} = {data!r}: must be a finite number")
    if isinstance(data, Mapping):
        for key, value in data.items():
            _check_finite(value, f"{where}.{key}" if where else str(key), source)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _check_finite(value, f"{where}[{i}]", source)


def _rule_settings() -> Dict[str, Tuple[str, ...]]:
    """Settings each fault rule has in the main config (read from its schema, so it follows it)."""
    hints = typing.get_type_hints(schema.FaultRulesConfig)
    out = {}
    for name in FAULT_NAMES:
        hint = hints.get(name)
        if hint is not None and dataclasses.is_dataclass(hint):
            out[name] = tuple(f.name for f in dataclasses.fields(hint) if f.name != "weight")
    return out


#: The (min, max) key pairs of :class:`PositionSpec`, and the posture measurement each bounds.
RANGES: Tuple[Tuple[str, str], ...] = tuple((f"{name}_min{unit}", f"{name}_max{unit}")
                                             for name, unit in MEASUREMENT_UNITS.items())


def _validate(profile: ExerciseProfile, source: str) -> None:
    pos = profile.position
    for lo, hi in RANGES:
        if getattr(pos, lo) > getattr(pos, hi):
            raise ConfigError(f"{source}: position.{lo} = {getattr(pos, lo)} is above position.{hi} = "
                              f"{getattr(pos, hi)}")
    if profile.kind == "reps" and profile.rep is None:
        raise ConfigError(f"{source}: kind = 'reps' needs a [rep] table")
    if profile.kind == "hold" and profile.hold is None:
        raise ConfigError(f"{source}: kind = 'hold' needs a [hold] table")
    if profile.kind == "reps" and profile.hold is not None:
        raise ConfigError(f"{source}: [hold] is only for kind = 'hold'")
    if profile.kind == "hold" and profile.rep is not None:
        raise ConfigError(f"{source}: [rep] is only for kind = 'reps'")
    settings = _rule_settings()
    for rule, values in profile.faults.overrides.items():
        known = settings.get(rule, ())
        for key in values:
            if key not in known:
                raise ConfigError(f"{source}: unknown key 'faults.overrides.{rule}.{key}' "
                                  f"(known: {', '.join(known)})")


def _raw_profiles(folder: Path) -> Dict[str, Tuple[Dict[str, Any], str]]:
    out = {}
    for path in sorted(folder.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        data = read_toml(path)
        _check_finite(data, "", str(path))
        out[path.stem] = (data, str(path))
    return out


def _resolve(name: str, raw: Mapping[str, Tuple[Dict[str, Any], str]], seen: Tuple[str, ...] = ()) -> Dict[str, Any]:
    data, source = raw[name]
    parent = data.get("extends", "")
    if parent == "":
        return dict(data, extends="")
    if not isinstance(parent, str) or parent not in raw:
        raise ConfigError(f"{source}: extends = {parent!r}: no such exercise profile "
                          f"(known: {', '.join(sorted(raw))})")
    if parent in seen + (name,):
        raise ConfigError(f"{source}: extends = {parent!r}: profiles extend each other in a loop")
    base = _resolve(parent, raw, seen + (name,))
    base.pop("name", None)
    merged = deep_merge(base, data)
    for section in ("rep", "hold"):  # a hold does not inherit a rep table, and vice versa
        if merged.get("kind") == ("hold" if section == "rep" else "reps") and section not in data:
            merged.pop(section, None)
    return merged


def _parents_first(raw: Mapping[str, Tuple[Dict[str, Any], str]]) -> Tuple[str, ...]:
    """Profile names ordered so that every profile comes after the one it extends."""
    def depth(name: str, seen: Tuple[str, ...] = ()) -> int:
        parent = raw[name][0].get("extends", "")
        if not isinstance(parent, str) or parent not in raw or parent in seen:
            return 0
        return 1 + depth(parent, seen + (name,))

    return tuple(sorted(raw, key=lambda n: (depth(n), n)))


def _build_profile(name: str, data: Dict[str, Any], source: str) -> ExerciseProfile:
    data = dict(data)
    for optional in ("rep", "hold"):
        data.setdefault(optional, None)
    profile = build(ExerciseProfile, data, "", source)
    if profile.name != name:
        raise ConfigError(f"{source}: name = {profile.name!r}: must be the file name {name!r}")
    _validate(profile, source)
    return profile


def load_exercises(folder: Optional[Path] = None, user_dir: Optional[Path] = None) -> ExerciseLibrary:
    """Every profile of ``folder`` (default ``config/exercises``), then those of ``user_dir``.

    A user profile with the name of a packaged one replaces it; ``extends`` may name a profile
    of either folder. Raises :class:`ConfigError` (one line, file and key named).
    """
    folder = Path(folder) if folder is not None else default_exercises_dir()
    if not folder.is_dir():
        raise ConfigError(f"{folder}: exercise profile folder not found")
    raw = _raw_profiles(folder)
    recog_path = folder / "_recognition.toml"
    recog_data = read_toml(recog_path)
    _check_finite(recog_data, "", str(recog_path))
    recog_source = str(recog_path)
    if user_dir is not None:
        user_dir = Path(user_dir)
        if not user_dir.is_dir():
            raise ConfigError(f"{user_dir}: exercise profile folder not found")
        raw.update(_raw_profiles(user_dir))
        user_recog = user_dir / "_recognition.toml"
        if user_recog.exists():
            extra = read_toml(user_recog)
            _check_finite(extra, "", str(user_recog))
            build(RecognitionConfig, deep_merge(recog_data, extra), "", str(user_recog))  # names the user file
            recog_data, recog_source = deep_merge(recog_data, extra), str(user_recog)
    if not raw:
        raise ConfigError(f"{folder}: no exercise profiles (*.toml)")
    profiles = {}
    for name in _parents_first(raw):  # a bad value is reported in the file that holds it
        profiles[name] = _build_profile(name, _resolve(name, raw), raw[name][1])
    profiles = {name: profiles[name] for name in sorted(profiles)}
    for name, profile in profiles.items():
        for key in ("regress_to", "progress_to"):
            target = getattr(profile, key)
            if target and target not in profiles:
                raise ConfigError(f"{raw[name][1]}: {key} = {target!r}: no such exercise profile")
    recognition = build(RecognitionConfig, recog_data, "", recog_source)
    pause = recognition.top_pause_hold
    if pause and (pause not in profiles or profiles[pause].kind != "hold"):
        raise ConfigError(f"{recog_source}: top_pause_hold = {pause!r}: no such hold profile")
    return ExerciseLibrary(profiles, recognition, {n: raw[n][1] for n in raw})
