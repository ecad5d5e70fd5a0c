"""Leave-one-source-out: a parameter's score on a source that took no part in choosing it.

Clips of one source share people, cameras and the labellers' habits; a threshold chosen on
all clips looks better on them than it will on a new user. :func:`leave_one_source_out`
chooses the parameter on every source but one and scores the one left out, for each source
in turn. The held-out scores are the honest figure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence

__all__ = ["LosoFold", "choose_parameter", "leave_one_source_out"]

#: ``score(parameter, sources)`` -> higher is better; ``None`` when those sources have nothing to score.
ScoreFn = Callable[[Any, Sequence[str]], Optional[float]]


@dataclass(frozen=True)
class LosoFold:
    """One fold: the source held out, the parameter chosen without it, and the scores.

    When the other sources had nothing to score, ``chosen`` is the preferred value (e.g. the
    configured one) with ``fallback`` True, or ``None`` without one (then so is
    ``held_out_score``). ``held_out_score`` is ``None`` when the held-out source has nothing
    to score (e.g. no clip with that label).
    """

    held_out: str
    chosen: Any
    train_score: Optional[float]
    held_out_score: Optional[float]
    fallback: bool = False


def choose_parameter(grid: Sequence[Any], score: ScoreFn, sources: Sequence[str],
                     prefer: Any = None) -> Optional[Any]:
    """The grid value with the best ``score`` on ``sources``.

    Ties go to the value nearest ``prefer`` (for numbers, e.g. the configured value), then to
    the earlier value of ``grid``. ``None`` when no value can be scored.
    """
    best: Optional[Any] = None
    best_key: Optional[tuple] = None
    for order, value in enumerate(grid):
        result = score(value, sources)
        if result is None:
            continue
        distance = abs(value - prefer) if isinstance(prefer, (int, float)) and isinstance(value, (int, float)) \
            else 0.0
        key = (-result, distance, order)
        if best_key is None or key < best_key:
            best, best_key = value, key
    return best


def leave_one_source_out(sources: Sequence[str], grid: Sequence[Any], score: ScoreFn,
                         prefer: Any = None) -> List[LosoFold]:
    """For each source: choose the parameter on all the others (:func:`choose_parameter`),
    then score it on the held-out source. Folds come in the order of first appearance in
    ``sources``. When the other sources cannot score any value, the fold keeps ``prefer``."""
    unique = list(dict.fromkeys(sources))
    folds: List[LosoFold] = []
    for held_out in unique:
        train = [s for s in unique if s != held_out]
        chosen = choose_parameter(grid, score, train, prefer)
        fallback = chosen is None
        if fallback:
            chosen = prefer
        if chosen is None:
            folds.append(LosoFold(held_out, None, None, None))
            continue
        folds.append(LosoFold(held_out, chosen, None if fallback else score(chosen, train),
                              score(chosen, [held_out]), fallback))
    return folds
