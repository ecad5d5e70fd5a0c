"""The ``[faults]`` section of the configuration: one table per fault rule.

Each class is owned by the rule that uses it in ``livecoach.logic.faults`` (named in its
docstring); :mod:`livecoach.config.schema` builds them into ``Config.faults``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from livecoach.config.toml_io import setting
from livecoach.types import FAULT_NAMES

__all__ = ["FaultRulesConfig"]


@dataclass(frozen=True)
class HipSagRuleConfig:
    """``[faults.hip_sag]``: hips below the shoulder-ankle line (lower back arching)."""

    min_offset_frac: float = setting(0.0, 0.5, doc="fault when the rep's hip offset (below the line) "
                                     "is at least this fraction of body length")
    percentile: float = setting(0.0, 100.0, doc="percentile of the rep's frames compared (50 = median)")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class HipPikeRuleConfig:
    """``[faults.hip_pike]``: hips clearly above the shoulder-ankle line."""

    min_offset_frac: float = setting(0.0, 0.5, doc="fault when the hips are at least this fraction of body "
                                     "length above the line")
    percentile: float = setting(0.0, 100.0, doc="percentile of the rep's frames compared (50 = median)")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class ShallowRuleConfig:
    """``[faults.shallow]``: the bottom of the rep stays too high.

    Judged on the shoulders' drop toward the hands (``depth_raw_frac``: 0 at the top,
    about 0.5 with the upper arms parallel to the floor); where that is not measured
    (camera above the back) on the elbow angle instead.
    """

    min_shoulder_drop_frac: float = setting(0.0, 1.0, doc="fault when the shoulders drop less than this share "
                                            "of their top height above the hands")
    drop_percentile: float = setting(0.0, 100.0, doc="high percentile of the rep's shoulder drop taken as "
                                     "its bottom (robust to one jittery frame)")
    max_bottom_elbow_deg: float = setting(30.0, 180.0, doc="fallback: fault when the elbow angle at the bottom "
                                          "stays above this")
    bottom_percentile: float = setting(0.0, 100.0, doc="low percentile of the rep's elbow angles taken as "
                                       "its bottom")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class NoLockoutRuleConfig:
    """``[faults.no_lockout]``: the arms never straighten at the top."""

    min_top_elbow_deg: float = setting(90.0, 180.0, doc="fault when the elbow angle at the top stays below this")
    top_percentile: float = setting(0.0, 100.0, doc="high percentile of the rep's elbow angles taken as its top")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class ElbowFlareRuleConfig:
    """``[faults.elbow_flare]``: upper arms near 90 degrees from the torso (a "T")."""

    max_flare_deg: float = setting(0.0, 180.0, doc="fault when upper arm vs torso exceeds this near the bottom")
    percentile: float = setting(0.0, 100.0, doc="percentile of the lower-half frames compared")
    min_both_elbows_share: float = setting(0.0, 1.0, doc="judged only when both elbows are seen on at least this "
                                           "share of the lower-half frames it reads")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class ShrugRuleConfig:
    """``[faults.shrug]``: shoulders pulled up to the ears."""

    min_ratio_of_top: float = setting(0.0, 1.0, doc="fault when the ear-shoulder distance in the lower half "
                                      "of the rep falls below this share of its value at the top")
    percentile: float = setting(0.0, 100.0, doc="percentile of the rep's frames compared (50 = median)")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class HeadDropRuleConfig:
    """``[faults.head_drop]``: head hanging or craning, out of line with the spine."""

    max_neck_angle_deg: float = setting(0.0, 180.0, doc="fault when the head deviates from the torso line "
                                        "by more than this")
    max_plausible_deg: float = setting(0.0, 180.0, doc="frames reading more than this are not anatomy but a "
                                       "foreshortened view (head toward the camera) and are left out")
    percentile: float = setting(0.0, 100.0, doc="percentile of the rep's frames compared (50 = median)")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class KneesBentRuleConfig:
    """``[faults.knees_bent]``: knees bent on a standard push-up (off for knee push-ups)."""

    min_knee_angle_deg: float = setting(90.0, 180.0, doc="fault when the knee angle stays below this")
    percentile: float = setting(0.0, 100.0, doc="percentile of the rep's frames compared (50 = median)")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class AsymmetryRuleConfig:
    """``[faults.asymmetry]``: left and right arms out of sync."""

    max_asymmetry_deg: float = setting(0.0, 180.0, doc="fault when left/right elbow angles differ by more")
    min_body_px: float = setting(0.0, 4096.0, doc="judged only on a body at least this big in the pose model's "
                                 "input image (as [faults] min_body_px, which still applies)")
    percentile: float = setting(0.0, 100.0, doc="percentile of the rep's frames compared (50 = median)")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class RushedNegativeRuleConfig:
    """``[faults.rushed_negative]``: the lowering phase is too fast."""

    min_seconds_down: float = setting(0.0, 10.0, doc="fault when the descent (timed from descent_start_frac to "
                                      "descent_end_frac of the rep's depth) takes less than this")
    min_depth_frac: float = setting(0.0, 2.0, doc="judged only on reps at least this deep (a twitch is not a "
                                    "negative)")
    descent_start_frac: float = setting(0.0, 0.5, doc="the descent is timed from the last frame at most this "
                                        "share of the rep's depth (a clear top)")
    descent_end_frac: float = setting(0.5, 1.0, doc="... to the first frame at this share of the rep's depth")
    weight: int = setting(0, 100, doc="score points a rep loses for this fault")


@dataclass(frozen=True)
class FaultRulesConfig:
    """Used by ``livecoach.logic.faults``: thresholds of each fault rule, one sub-table per rule."""

    enabled: Tuple[str, ...] = setting(choices=FAULT_NAMES, doc="rules that run")
    min_frames: int = setting(1, 1000, doc="a rule needs at least this many frames with its measurement, "
                              "else the rep is not judged for it")
    body_line_min_share: float = setting(0.0, 1.0, doc="the body-line rules (hip sag, pike) judge a rep only when "
                                         "its line was read on at least this share of its frames")
    min_elbow_range_deg: float = setting(0.0, 180.0, doc="elbow-angle rules judge only when the cycle's elbow "
                                         "angle varies at least this much (less: the arm seen end-on)")
    min_body_px: float = setting(0.0, 2000.0, doc="rules judge only a body at least this big in the pose model's "
                                 "input image (the diagonal of the box around it); 0 = any")
    max_hand_speed_torso_per_s: float = setting(0.0, 100.0, doc="rules that read the hands judge only a rep whose "
                                                "wrists moved at most this fast (median, torso lengths a second): "
                                                "planted hands hardly move, guessed ones jump")
    max_hands_unread_share: float = setting(0.0, 1.0, doc="rules that read the hands judge only a rep with no "
                                            "stretch longer than this share of its time without a hand seen")
    min_hand_visibility: float = setting(0.0, 1.0, doc="rules that read the hands flag a fault only on a rep whose "
                                         "better-seen wrist the pose model reports at least this visible (median "
                                         "over the rep; else not judged): a hand it cannot see it still calls seen, "
                                         "less surely, and guesses")
    elbow_range_low_percentile: float = setting(0.0, 50.0, doc="the cycle's elbow-angle range is the high "
                                                "minus this low percentile of its frames")
    elbow_range_high_percentile: float = setting(50.0, 100.0, doc="... and this high percentile")
    lower_half_min_depth_frac: float = setting(0.0, 1.0, doc="no elbow angles: frames this deep are the lower half")
    hip_sag: HipSagRuleConfig
    hip_pike: HipPikeRuleConfig
    shallow: ShallowRuleConfig
    no_lockout: NoLockoutRuleConfig
    elbow_flare: ElbowFlareRuleConfig
    shrug: ShrugRuleConfig
    head_drop: HeadDropRuleConfig
    knees_bent: KneesBentRuleConfig
    asymmetry: AsymmetryRuleConfig
    rushed_negative: RushedNegativeRuleConfig
