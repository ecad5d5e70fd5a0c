"""Push-up fault rules: one small class per fault, thresholds from ``[faults]`` in config.

Each rule looks at one finished rep cycle (a :class:`~livecoach.types.RepWindow`: the
smoothed :class:`~livecoach.types.Features` of every frame of the cycle and of the lockout
before it) and answers with a :class:`~livecoach.types.Fault`, ``None`` (no fault) or
:data:`NOT_JUDGED` (this camera view, or too few measured frames, cannot tell).

Every rule compares a robust statistic of the cycle -- a percentile over its frames,
never a single frame -- with its threshold, so one jittery frame never fires a fault.
:class:`FaultChecker` runs the enabled rules and scores the rep 0-100 from the weights of
the faults found.
"""
from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from livecoach.config.schema import Config
from livecoach.landmarks import Landmark
from livecoach.types import FAULT_NAMES, Fault, Features, RepJudgement, RepWindow, View
from livecoach.logic.rep_frames import (descent_seconds, finite_values, lower_half, percentile_with_time,
                                        plank_frames, value_range)
from livecoach.logic.rep_trust import READS_HANDS, hands_faint, hands_unseen, hands_unsteady, too_small
from livecoach.logic.view import judgeable

__all__ = [
    "NOT_JUDGED", "FaultRule", "FaultChecker", "RULES", "Verdict", "rule_applies_to_view",
    "HipSagRule", "HipPikeRule", "ShallowRule", "NoLockoutRule", "ElbowFlareRule", "ShrugRule",
    "HeadDropRule", "KneesBentRule", "AsymmetryRule", "RushedNegativeRule",
]

L = Landmark


class _NotJudged:
    """Sentinel: the rule cannot judge this rep (view hides it, or too little was measured)."""

    _instance: Optional["_NotJudged"] = None

    def __new__(cls) -> "_NotJudged":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_JUDGED"

    def __bool__(self) -> bool:  # so `if result:` means "a fault was found"
        return False


NOT_JUDGED = _NotJudged()

#: What a rule answers: a fault, no fault, or not judged.
Verdict = Union[Fault, None, _NotJudged]


def rule_applies_to_view(fault_name: str, view: View, config: Optional[Config] = None) -> bool:
    """Whether ``fault_name`` can be judged from ``view``: the ``[view.judgeable]`` table,
    owned by :mod:`livecoach.logic.view` (side views hide the arms' spread, front views flatten
    the body line)."""
    return bool(judgeable(fault_name, view, config))


# ---------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------

class FaultRule:
    """Base of the rules: view gating and the minimum-frames check live here.

    A subclass sets ``name`` and ``joints`` and implements :meth:`measure`, which returns
    ``(value, threshold, t_s, fired)`` or ``None`` when it measured too little.
    """

    name: str = ""
    joints: Tuple[Landmark, ...] = ()

    def __init__(self, config: Config) -> None:
        self.config = config
        self.min_frames = config.faults.min_frames
        self.rule_config = getattr(config.faults, self.name)

    def applies(self, window: RepWindow) -> bool:
        """False when the rule is off for this rep (e.g. knees_bent on knee push-ups)."""
        return True

    def judge(self, window: RepWindow) -> Verdict:
        """A :class:`Fault`, ``None`` (clean) or :data:`NOT_JUDGED`."""
        if not rule_applies_to_view(self.name, window.view, self.config) \
                or too_small(window, self.min_body_px()) \
                or (self.name in READS_HANDS and (hands_unseen(window, self.config)
                                                  or hands_unsteady(window, self.config))):
            return NOT_JUDGED
        measured = self.measure(window)
        if measured is None:
            return NOT_JUDGED
        value, threshold, t_s, fired = measured
        if not fired:
            return None
        # A correction needs a sure yes: a hand the model is unsure of is often its guess, short of
        # the hand, and such a guess bends the elbow at a straight top. A clean reading stands.
        if self.name in READS_HANDS and hands_faint(window, self.config):
            return NOT_JUDGED
        return Fault(name=self.name, cue_key=self.name, t_s=t_s, value=value, threshold=threshold,
                     joints=self.joints)

    def measure(self, window: RepWindow) -> Optional[Tuple[float, float, float, bool]]:
        raise NotImplementedError

    def min_body_px(self) -> float:
        """The least body size (px) this rule judges: ``[faults] min_body_px``."""
        return self.config.faults.min_body_px

    @staticmethod
    def _percentile_check(samples: Sequence[Tuple[float, float]], q: float, threshold: float,
                          fires_above: bool) -> Tuple[float, float, float, bool]:
        """``(value, threshold, t_s, fired)`` for the ``q``-th percentile of ``samples``:
        fired when it is above (``fires_above``) or below the threshold."""
        stat, t_s = percentile_with_time(samples, q)
        return stat, threshold, t_s, (stat > threshold) if fires_above else (stat < threshold)

    def _samples(self, frames: Sequence[Features], attr: str) -> Optional[List[Tuple[float, float]]]:
        samples = finite_values(frames, attr)
        return samples if len(samples) >= self.min_frames else None


def body_line_attr(window: RepWindow) -> str:
    """The Features field that holds the body line for this rep's variant.

    A standard push-up is one straight line head to heels: the hips against the shoulder-ankle
    line (``hip_offset_frac``). On knee push-ups the knees are the pivot and the feet rest behind
    or above them, so the shoulder-ankle line passes above the hips even with a perfect line;
    there the hips are judged against the shoulder-knee line (``hip_offset_knee_frac``).
    """
    return "hip_offset_knee_frac" if window.variant == "knee" else "hip_offset_frac"


class _BodyLineRule(FaultRule):
    """The hips off the body line (:func:`body_line_attr`) through the rep, on the side ``sign``
    says (+1 below it, -1 above), read on the rep's plank frames
    (:func:`~livecoach.logic.rep_frames.plank_frames`). Judged only when the line was so read on
    at least ``[faults] body_line_min_share`` of the rep's frames: near the turn past which it is
    not read, a few frames are no rep's line; and a cycle that ends in a jump or step out of the
    plank (a burpee's feet jumping in) is judged on its plank."""

    joints = (L.LEFT_HIP, L.RIGHT_HIP)
    sign = 1.0

    def measure(self, window: RepWindow):
        samples = self._samples(plank_frames(window, self.config), body_line_attr(window))
        if samples is None or len(samples) < self.config.faults.body_line_min_share * len(window.frames):
            return None
        cfg = self.rule_config
        stat, t_s = percentile_with_time([(t, self.sign * v) for t, v in samples], cfg.percentile)
        return stat, cfg.min_offset_frac, t_s, stat >= cfg.min_offset_frac


class HipSagRule(_BodyLineRule):
    """Hips below the body line (offset > 0): shoulder-ankle line, or shoulder-knee line on knee
    push-ups."""

    name = "hip_sag"


class HipPikeRule(_BodyLineRule):
    """Hips clearly above the body line (offset < 0): pike is the mirror of sag."""

    name = "hip_pike"
    sign = -1.0


class _ElbowAngleRule(FaultRule):
    """A rule reading the image elbow angle: it only judges when the angle visibly moves
    over the cycle (seen end-on from above, the arm hardly seems to bend)."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.min_elbow_range_deg = config.faults.min_elbow_range_deg
        self.range_percentiles = (config.faults.elbow_range_low_percentile,
                                  config.faults.elbow_range_high_percentile)

    def _elbow_samples(self, frames: Sequence[Features]) -> Optional[List[Tuple[float, float]]]:
        samples = self._samples(frames, "elbow_angle_deg")
        if samples is None or value_range(samples, *self.range_percentiles) < self.min_elbow_range_deg:
            return None
        return samples


class ShallowRule(_ElbowAngleRule):
    """The bottom of the cycle stays high. Judged on how far the shoulders drop toward the hands
    (``depth_raw_frac``: 0 at the top, about 0.5 with the upper arms level): its ``drop_percentile``
    and its deepest frame (on which the counter counts a rep: never "go lower" on a counted rep)
    both under the limit; where that is not measured (camera above the back) or only from a top
    never seen (``window.top_seen`` False), on the elbows; not judged from a camera looking down
    from too high to read the drop (``window.drop_read`` False), where the elbows' angle in the
    picture is foreshortened too (the burpees' push-ups, filmed 16 degrees up, read shallow on it)."""

    name = "shallow"
    joints = (L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)

    def measure(self, window: RepWindow):
        cfg = self.rule_config
        drops = self._samples(window.frames, "depth_raw_frac") if window.top_seen and window.drop_read else None
        if drops is not None:
            drop, t_s = percentile_with_time(drops, cfg.drop_percentile)
            # fired only where the deepest frame, which the counter counts a rep on, missed it too
            return drop, cfg.min_shoulder_drop_frac, t_s, max(v for _, v in drops) < cfg.min_shoulder_drop_frac
        samples = self._elbow_samples(window.frames) if window.drop_read else None
        if samples is None:
            return None
        bottom, t_s = percentile_with_time(samples, cfg.bottom_percentile)
        return bottom, cfg.max_bottom_elbow_deg, t_s, bottom > cfg.max_bottom_elbow_deg


class NoLockoutRule(_ElbowAngleRule):
    """The arms never nearly straighten at the top, before or after the cycle. Not judged when the
    top was never seen (straightest only on the window's first frame, or on its last while still
    straightening; a cycle the counter entered on the way down, or ended where the pose went unread
    past its top), nor seen from above (straight arms point away from the camera: angle noise)."""

    name = "no_lockout"
    joints = (L.LEFT_ELBOW, L.RIGHT_ELBOW)

    def measure(self, window: RepWindow):
        samples = self._elbow_samples(tuple(window.top_frames) + tuple(window.frames))
        upright = 2 * sum(f.body_upright_in_image for f in window.frames) > len(window.frames)
        if samples is None or upright or not window.end_seen:  # its end's top passed unseen: not judged
            return None
        value, threshold, t_s, fired = self._percentile_check(samples, self.rule_config.top_percentile,
                                                              self.rule_config.min_top_elbow_deg, fires_above=False)
        # entered on the way down (top_seen False): no lockout before it, its end's top a guess
        if fired and not (window.top_seen and _top_seen([v for _, v in samples])):
            return None
        return value, threshold, t_s, fired


def _top_seen(elbows: Sequence[float]) -> bool:
    """Whether elbow angles in time order show the arms at their straightest at a turn: on a
    frame inside the sequence, or at its end once they stopped straightening."""
    if len(elbows) < 3:
        return False
    straightest = max(elbows)
    return straightest in elbows[1:-1] or elbows[-1] <= elbows[-2]


class ElbowFlareRule(FaultRule):
    """Upper arms spread toward a "T" in the lower half of the cycle, where it loads the shoulder."""

    name = "elbow_flare"
    joints = (L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)

    def measure(self, window: RepWindow):
        lower = lower_half(window.frames, self.config.faults.lower_half_min_depth_frac)
        samples, cfg = self._samples(lower, "elbow_flare_deg"), self.rule_config
        read = [f for f in lower if math.isfinite(f.elbow_flare_deg)]
        # Not judged either where one elbow's place is the pose model's guess (hidden behind the
        # body, the far side of a turned view) on most frames: the spread it reads is one arm's.
        if samples is None or sum(f.elbows_unseen == 0 for f in read) < cfg.min_both_elbows_share * len(read):
            return None
        return self._percentile_check(samples, cfg.percentile, cfg.max_flare_deg, fires_above=True)


class ShrugRule(FaultRule):
    """Shoulders pulled toward the ears near the bottom, relative to the person's own top."""

    name = "shrug"
    joints = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_EAR, L.RIGHT_EAR)

    def measure(self, window: RepWindow):
        top = self._samples(window.top_frames, "shrug_ratio")
        if top is None:  # no lockout frames: use the cycle's own upper half as reference
            low = set(id(f) for f in lower_half(window.frames, self.config.faults.lower_half_min_depth_frac))
            top = self._samples([f for f in window.frames if id(f) not in low], "shrug_ratio")
        bottom = self._samples(lower_half(window.frames, self.config.faults.lower_half_min_depth_frac),
                               "shrug_ratio")
        if top is None or bottom is None:
            return None
        cfg = self.rule_config
        top_ratio = float(np.median([v for _, v in top]))
        if top_ratio <= 0:
            return None
        stat, t_s = percentile_with_time(bottom, cfg.percentile)
        share = stat / top_ratio
        return share, cfg.min_ratio_of_top, t_s, share < cfg.min_ratio_of_top


class HeadDropRule(FaultRule):
    """Head hanging or craning: the neck out of line with the torso."""

    name = "head_drop"
    joints = (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)

    def measure(self, window: RepWindow):
        cfg = self.rule_config
        samples = [(t, abs(v)) for t, v in finite_values(window.frames, "neck_angle_deg")
                   if abs(v) <= cfg.max_plausible_deg]
        if len(samples) < self.min_frames:
            return None
        return self._percentile_check(samples, cfg.percentile, cfg.max_neck_angle_deg, fires_above=True)


class KneesBentRule(FaultRule):
    """Bent knees on a standard push-up, read on the rep's plank frames
    (:func:`~livecoach.logic.rep_frames.plank_frames`); off for knee push-ups, where they are the
    point."""

    name = "knees_bent"
    joints = (L.LEFT_KNEE, L.RIGHT_KNEE)

    def applies(self, window: RepWindow) -> bool:
        return window.variant != "knee"

    def measure(self, window: RepWindow):
        samples = self._samples(plank_frames(window, self.config), "knee_angle_deg")
        if samples is None:
            return None
        cfg = self.rule_config
        return self._percentile_check(samples, cfg.percentile, cfg.min_knee_angle_deg, fires_above=False)


class AsymmetryRule(FaultRule):
    """Left and right arms out of sync: their elbow angles differ through the cycle."""

    name = "asymmetry"
    joints = (L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST)

    def min_body_px(self) -> float:
        """A difference of two elbow angles needs a bigger body than one angle does
        (``[faults.asymmetry] min_body_px``)."""
        return max(self.config.faults.min_body_px, self.rule_config.min_body_px)

    def measure(self, window: RepWindow):
        samples = self._samples(window.frames, "asymmetry_deg")
        if samples is None:
            return None
        cfg = self.rule_config
        return self._percentile_check([(t, abs(v)) for t, v in samples], cfg.percentile, cfg.max_asymmetry_deg,
                                      fires_above=True)


class RushedNegativeRule(FaultRule):
    """The lowering phase (eccentric) is faster than the configured minimum: a drop, not a
    controlled negative. Timed from a clear top to the bottom (:func:`descent_seconds`)."""

    name = "rushed_negative"
    joints = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW)

    def measure(self, window: RepWindow):
        cfg = self.rule_config
        if not math.isfinite(window.depth_frac) or window.depth_frac < cfg.min_depth_frac:
            return None  # a twitch is not a negative
        seconds = descent_seconds(window, cfg.descent_start_frac, cfg.descent_end_frac)
        if seconds is None:
            return None
        return seconds, cfg.min_seconds_down, window.t_bottom_s, seconds < cfg.min_seconds_down


#: Every rule class, by fault name, in the order of :data:`~livecoach.types.FAULT_NAMES`.
RULES: Dict[str, Callable[[Config], FaultRule]] = {
    cls.name: cls for cls in (HipSagRule, HipPikeRule, ShallowRule, NoLockoutRule, ElbowFlareRule,
                              ShrugRule, HeadDropRule, KneesBentRule, AsymmetryRule, RushedNegativeRule)
}
assert tuple(RULES) == FAULT_NAMES, "every fault name needs exactly one rule"


class FaultChecker:
    """Runs the enabled rules on a finished rep cycle and scores it.

    ``judge(window)`` returns a :class:`RepJudgement`: the faults found, the names of the
    rules that could not judge this rep, and a score of 100 minus the weights of the
    faults found (not below 0). Rules that are off for the rep (disabled in config, or
    knees_bent on knee push-ups) appear in neither list.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.rules: List[FaultRule] = [RULES[name](config) for name in FAULT_NAMES
                                       if name in config.faults.enabled]

    def judge(self, window: RepWindow) -> RepJudgement:
        faults: List[Fault] = []
        not_judged: List[str] = []
        penalty = 0
        for rule in self.rules:
            if not rule.applies(window):
                continue
            result = rule.judge(window)
            if result is NOT_JUDGED:
                not_judged.append(rule.name)
            elif isinstance(result, Fault):
                faults.append(result)
                penalty += rule.rule_config.weight
        return RepJudgement(faults=tuple(faults), not_judged=tuple(not_judged), score=max(0, 100 - penalty))
