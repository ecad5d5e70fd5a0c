"""The clip/session-level form verdict: ``"correct"``, ``"incorrect"`` or ``"not_judged"``.

A session is incorrect when one of the faults named in ``[verdict] faults`` is on at
least ``min_fault_share`` of the rep cycles that could judge it (counted reps and no-reps
alike: a shallow no-rep is a form problem too), or when the mean rep score is below
``min_mean_score``. It is correct only where the faults in ``must_judge`` (the body line and
the depth) were each judged on at least ``min_judged_share`` of the cycles whose exercise
judges them; where the view could not show one, no fault found is no evidence of good form,
and the verdict is not judged. With fewer than ``min_cycles`` cycles there is nothing to
judge. The rule is deliberately simple and interpretable: the summary can say *which* fault
made the verdict, or which one could not be judged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

from livecoach.config.exercises import ExerciseProfile
from livecoach.config.schema import Config, VerdictConfig
from livecoach.logic.exercise_faults import rules_off
from livecoach.types import RepRecord

__all__ = ["CORRECT", "INCORRECT", "NOT_JUDGED", "VerdictResult", "fault_shares", "judged_shares",
           "judge_session", "form_verdict"]

CORRECT = "correct"
INCORRECT = "incorrect"
#: Nothing to judge (no rep cycle), or the view could not show what a correct verdict needs.
NOT_JUDGED = "not_judged"


@dataclass(frozen=True)
class VerdictResult:
    """The verdict and why: the fault that decided it (if any) and every fault's share."""

    verdict: str
    reason: str
    deciding_fault: Optional[str]
    shares: Tuple[Tuple[str, float], ...]  # (fault name, share of judged cycles), largest first
    cycles: int
    mean_score: float


def fault_shares(records: Sequence[RepRecord]) -> Dict[str, float]:
    """For each fault seen, the share of the cycles that judged it on which it was found.

    A cycle whose view could not judge a fault (``not_judged``) is left out of that
    fault's denominator.
    """
    names = {name for r in records for name in r.fault_names}
    shares: Dict[str, float] = {}
    for name in names:
        judged = [r for r in records if name not in r.not_judged]
        if judged:
            shares[name] = sum(name in r.fault_names for r in judged) / len(judged)
    return shares


def judged_shares(records: Sequence[RepRecord], names: Sequence[str],
                  library: Optional[Mapping[str, ExerciseProfile]] = None) -> Dict[str, float]:
    """For each fault in ``names``, the share of the cycles on which it was judged, among the
    cycles whose exercise's rules judge it (all cycles without a ``library``); a fault no
    cycle's exercise judges is left out."""
    shares: Dict[str, float] = {}
    for name in names:
        judging = [r for r in records
                   if library is None or r.exercise not in library or name not in rules_off(library[r.exercise])]
        if judging:
            shares[name] = sum(name not in r.not_judged for r in judging) / len(judging)
    return shares


def _verdict_config(config: Union[Config, VerdictConfig]) -> VerdictConfig:
    return config.verdict if isinstance(config, Config) else config


def judge_session(records: Sequence[RepRecord], config: Union[Config, VerdictConfig],
                  library: Optional[Mapping[str, ExerciseProfile]] = None) -> VerdictResult:
    """The verdict on a session's rep cycles (reps and no-reps), with its reason. ``library``:
    the exercise profiles, so that a rule a cycle's exercise never runs (hip sag on a pike
    push-up) does not leave its verdict unjudged."""
    cfg = _verdict_config(config)
    cycles = len(records)
    mean_score = sum(r.score for r in records) / cycles if cycles else 100.0
    shares = fault_shares(records)
    ordered = tuple(sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])))
    if cycles < cfg.min_cycles:
        return VerdictResult(NOT_JUDGED, f"only {cycles} rep cycle(s): nothing to judge", None, ordered,
                             cycles, mean_score)
    for name, share in ordered:
        if name in cfg.faults and share >= cfg.min_fault_share:
            return VerdictResult(INCORRECT, f"{name} on {share:.0%} of rep cycles", name, ordered,
                                 cycles, mean_score)
    if mean_score < cfg.min_mean_score:
        return VerdictResult(INCORRECT, f"mean score {mean_score:.0f} below {cfg.min_mean_score}", None,
                             ordered, cycles, mean_score)
    unseen = [(share, name) for name, share in judged_shares(records, cfg.must_judge, library).items()
              if share < cfg.min_judged_share]
    if unseen:
        share, name = min(unseen)
        return VerdictResult(NOT_JUDGED, f"{name} judged on only {share:.0%} of rep cycles: the view could not "
                             "show it", None, ordered, cycles, mean_score)
    return VerdictResult(CORRECT, "no fault on enough rep cycles", None, ordered, cycles, mean_score)


def form_verdict(records: Sequence[RepRecord], config: Union[Config, VerdictConfig],
                 library: Optional[Mapping[str, ExerciseProfile]] = None) -> str:
    """``"correct"``, ``"incorrect"`` or ``"not_judged"`` (see :func:`judge_session`)."""
    return judge_session(records, config, library).verdict
