"""The fault rules as an exercise profile sets them: which rules judge a rep, with which thresholds.

A profile's ``[faults]`` says which rules run for it (``enabled``) and lays threshold overrides
over the main config's ``[faults.<rule>]`` (``overrides``). A rule the main config runs but the
profile turns off is reported as *not judged* for that rep (it was not looked at), never as
clean. Where depth is relative to a support (``[rep] depth_reference = "support"``: incline,
wall) the shoulders' drop toward the hands measures nothing, so ``shallow`` is judged there on the
bend of the elbows alone (or not judged where the view cannot show it), as the rep counter judges
a full rep there (:class:`~livecoach.logic.depth.ElbowDepth`); ``no_lockout`` is not judged. A rep of an exercise the
recogniser has only guessed is judged with the fallback profile, and the rules the two profiles
judge differently are not judged (:func:`rules_judged_differently`).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Dict, Optional, Tuple

from livecoach.config.exercises import ExerciseProfile
from livecoach.config.schema import Config
from livecoach.types import FAULT_NAMES, RepJudgement, RepWindow

#: Rules not judged where depth is to a support (incline, wall): the top elbow angle of the
#: lockout rule read low on the shared wall clip (a standing body seen in a portrait video), and
#: nothing else says what a lockout against a support looks like. ``shallow`` is judged there on
#: the bend of the elbows (:func:`support_depth_window`).
FLOOR_DEPTH_RULES: Tuple[str, ...] = ("no_lockout",)


def profile_config(config: Config, profile: ExerciseProfile) -> Config:
    """``config`` with the profile's ``[faults.overrides]`` laid over ``[faults.<rule>]``."""
    if not profile.faults.overrides:
        return config
    rules = {rule: dataclasses.replace(getattr(config.faults, rule), **values)
             for rule, values in profile.faults.overrides.items()}
    return dataclasses.replace(config, faults=dataclasses.replace(config.faults, **rules))


def rules_off(profile: ExerciseProfile) -> Tuple[str, ...]:
    """Fault names this profile does not judge: not in ``enabled``, or floor-depth rules on a support."""
    off = [name for name in FAULT_NAMES if name not in profile.faults.enabled]
    if profile.rep is not None and profile.rep.depth_reference == "support":
        off.extend(name for name in FLOOR_DEPTH_RULES if name not in off)
    return tuple(off)


def support_depth_window(window: RepWindow) -> RepWindow:
    """``window`` with the shoulders' drop toward the hands (``depth_raw_frac``) left out: where
    depth is relative to a support it measures nothing, and the shallow rule judges on the bend
    of the elbows instead -- as the rep counter does there (:class:`~livecoach.logic.depth.ElbowDepth`),
    or says *not judged* when the view cannot show it."""
    return dataclasses.replace(window, frames=tuple(dataclasses.replace(f, depth_raw_frac=math.nan)
                                                    for f in window.frames))


def window_variant(profile: ExerciseProfile) -> str:
    """The ``RepWindow.variant`` the rules read: ``knee`` wherever the body line ends at the knees
    (the rules then judge the hips on the shoulder-knee line), else the exercise's name."""
    return "knee" if profile.position.body_end == "knees" else profile.name


def rules_judged_differently(a: ExerciseProfile, b: ExerciseProfile) -> Tuple[str, ...]:
    """Fault names two profiles judge differently: run by one and not the other, on another body
    line (shoulder-ankle vs shoulder-knee: the hip rules), or with other threshold overrides."""
    off_a, off_b = set(rules_off(a)), set(rules_off(b))
    out = set(off_a ^ off_b)
    depth = tuple(p.rep.depth_reference if p.rep is not None else "" for p in (a, b))
    if depth[0] != depth[1] and not ("shallow" in off_a and "shallow" in off_b):
        out.add("shallow")  # on the shoulders' drop toward the floor, or on the elbows only
    if a.position.body_end != b.position.body_end:
        out.update(name for name in ("hip_sag", "hip_pike") if name not in off_a or name not in off_b)
    for name in FAULT_NAMES:
        if a.faults.overrides.get(name, {}) != b.faults.overrides.get(name, {}) and not (name in off_a and name in off_b):
            out.add(name)
    return tuple(name for name in FAULT_NAMES if name in out)


def restrict(judgement: RepJudgement, config: Config, off: Tuple[str, ...]) -> RepJudgement:
    """``judgement`` with the faults of rules in ``off`` moved to ``not_judged`` and the score
    recomputed from the faults that remain (a rule the main config does not run stays absent)."""
    if not off:
        return judgement
    faults = tuple(f for f in judgement.faults if f.name not in off)
    not_judged = tuple(n for n in judgement.not_judged if n not in off) + tuple(
        n for n in config.faults.enabled if n in off)
    penalty = sum(getattr(config.faults, f.name).weight for f in faults)
    return RepJudgement(faults=faults, not_judged=not_judged, score=max(0, 100 - penalty))


class ExerciseFaultJudge:
    """Judges a finished rep cycle with the rules and thresholds of the exercise it belongs to.

    ``make_checker(config)`` builds a fault checker for a config (the main one, or one with a
    profile's overrides); ``fixed`` is a checker used for every exercise (the caller supplied
    its own: only ``enabled`` is then applied, not the threshold overrides).
    """

    def __init__(self, config: Config, make_checker, fixed=None) -> None:
        self.config = config
        self._make = make_checker
        self._fixed = fixed
        self._checkers: Dict[str, object] = {}

    def _checker(self, profile: Optional[ExerciseProfile]):
        if self._fixed is not None:
            return self._fixed
        key = profile.name if profile is not None else ""
        checker = self._checkers.get(key)
        if checker is None:
            cfg = profile_config(self.config, profile) if profile is not None else self.config
            checker = self._checkers[key] = self._make(cfg)
        return checker

    def judge(self, window: RepWindow, profile: Optional[ExerciseProfile],
              unsure_of: Optional[ExerciseProfile] = None) -> RepJudgement:
        """The judgement of ``window`` under ``profile`` (None = the main config as it is).

        ``unsure_of``: an exercise the recogniser named but has not confirmed (a guess). The rep
        is judged under ``profile`` (the fallback), and the rules the two profiles judge
        differently are *not judged*: neither profile's verdict on them would be more than a
        guess (a sagging push-up's hips against a knee push-up's line, bent knees on a
        possible knee push-up)."""
        if profile is None:
            return self._checker(None).judge(window)
        window = dataclasses.replace(window, variant=window_variant(profile),
                                     exercise_max_body_angle_deg=profile.position.body_angle_max_deg,
                                     exercise_min_hip_angle_deg=profile.position.hip_angle_min_deg)
        off = rules_off(profile)
        if unsure_of is not None and unsure_of.name != profile.name:
            off = off + tuple(n for n in rules_judged_differently(profile, unsure_of) if n not in off)
        checker = self._checker(profile)
        judgement = checker.judge(window)
        if profile.rep is not None and profile.rep.depth_reference == "support" and "shallow" not in off:
            # depth on a support: the shallow rule's verdict on the elbows, the others as they were
            on_elbows = checker.judge(support_depth_window(window))
            judgement = RepJudgement(
                faults=tuple(f for f in judgement.faults if f.name != "shallow")
                + tuple(f for f in on_elbows.faults if f.name == "shallow"),
                not_judged=tuple(n for n in judgement.not_judged if n != "shallow")
                + tuple(n for n in on_elbows.not_judged if n == "shallow"),
                score=judgement.score)
            penalty = sum(getattr(self.config.faults, f.name).weight for f in judgement.faults
                          if hasattr(self.config.faults, f.name))
            judgement = dataclasses.replace(judgement, score=max(0, 100 - penalty))
        return restrict(judgement, self.config, off)
