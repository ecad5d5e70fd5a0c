"""The scores of ``livecoach eval``, as pure functions of labels and replayed records.

Counts are scored against the manifest's ``count_min..count_max`` range (inside = exact,
outside = the distance to the range); faults clip by clip against the labellers' consensus;
the correct/incorrect verdict against the clips' labels.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

from livecoach.evaluation.manifest import LABELLED_FAULTS, ClipSpec
from livecoach.evaluation.replay import ClipResult
from livecoach.types import RepRecord

__all__ = ["range_error", "count_metrics", "split_agreement", "reps_outside_span", "clip_fault_prediction",
           "fault_metrics", "pooled_fault_metrics", "verdict_metrics"]


def range_error(predicted: int, lo: int, hi: int) -> int:
    """0 inside ``lo..hi``, else the distance to the nearer end."""
    if predicted < lo:
        return lo - predicted
    if predicted > hi:
        return predicted - hi
    return 0


def count_metrics(pairs: Sequence[Tuple[int, ClipSpec]]) -> Dict[str, Any]:
    """MAE (mean error / true count), OBO (share with error <= 1) and exact share.

    ``pairs`` are (predicted count, clip); clips whose true count is 0 are skipped (the
    relative error is undefined).
    """
    errors = []
    for predicted, clip in pairs:
        if not clip.count:
            continue
        err = range_error(predicted, clip.count_min, clip.count_max)
        errors.append((err, err / clip.count))
    n = len(errors)
    if n == 0:
        return {"clips": 0, "mae": None, "obo": None, "exact": None}
    return {"clips": n, "mae": sum(rel for _, rel in errors) / n,
            "obo": sum(err <= 1 for err, _ in errors) / n,
            "exact": sum(err == 0 for err, _ in errors) / n}


def split_agreement(result: ClipResult, clip: ClipSpec) -> Optional[Dict[str, Any]]:
    """Full reps vs no-reps against the labels (None where the labellers disagreed on depth).

    Full reps must fall in the range the clip's count allows (a cut half-cycle may be
    counted or not); no-reps must match ``partial_reps`` exactly.
    """
    if clip.full_reps is None or clip.partial_reps is None or clip.count is None:
        return None
    lo = clip.full_reps - (clip.count - clip.count_min)
    hi = clip.full_reps + (clip.count_max - clip.count)
    full_ok = range_error(result.reps, max(0, lo), hi) == 0
    no_rep_ok = result.no_reps == clip.partial_reps
    return {"full_ok": full_ok, "no_rep_ok": no_rep_ok, "agree": full_ok and no_rep_ok}


def reps_outside_span(records: Sequence[RepRecord], span: Optional[Tuple[float, float]],
                      full_only: bool = True) -> int:
    """Reps whose bottom lies outside the labelled active span, or that ended before it began."""
    if span is None:
        return 0
    start, end = span
    n = 0
    for r in records:
        if full_only and not r.full:
            continue
        if not (start <= r.t_bottom_s <= end) or r.t_end_s < start:
            n += 1
    return n


def clip_fault_prediction(records: Sequence[RepRecord], fault: str, min_share: float) -> Optional[bool]:
    """Whether a clip shows ``fault``: on at least ``min_share`` of the cycles that judged it.

    ``None`` when no cycle could judge it (no cycles, or the view hides it).
    """
    judged = [r for r in records if fault not in r.not_judged]
    if not judged:
        return None
    share = sum(fault in r.fault_names for r in judged) / len(judged)
    return share >= min_share and share > 0


def fault_metrics(items: Sequence[Tuple[ClipSpec, ClipResult]], min_share: float) -> Dict[str, Dict[str, Any]]:
    """Per fault: precision/recall over clips whose consensus is yes/no and that the app judged.

    Clips labelled ``not_visible`` or ``uncertain`` are skipped; so is knees_bent on
    deliberate knee push-ups. Clips labelled yes/no that the app could not judge (view,
    no cycles) are counted as ``not_judged``, outside precision/recall.
    """
    out: Dict[str, Dict[str, Any]] = {}
    for fault in LABELLED_FAULTS:
        tp = fp = fn = tn = not_judged = 0
        clips_detail = []
        for clip, result in items:
            label = clip.faults.get(fault)
            if label not in ("yes", "no") or result.error:
                continue
            if fault == "knees_bent" and clip.variant == "knee":
                continue
            predicted = clip_fault_prediction(result.records, fault, min_share)
            if predicted is None:
                not_judged += 1
                clips_detail.append((clip.file, label, None))
                continue
            truth = label == "yes"
            tp += truth and predicted
            fp += (not truth) and predicted
            fn += truth and not predicted
            tn += (not truth) and not predicted
            clips_detail.append((clip.file, label, predicted))
        out[fault] = {
            "tp": tp, "fp": fp, "fn": fn, "tn": tn, "not_judged": not_judged,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "clips": clips_detail,
        }
    return out


def verdict_metrics(items: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, Any]:
    """Accuracy of the correct/incorrect verdict against the clips' labels, with the confusion."""
    pairs = [(clip.label, result.verdict) for clip, result in items
             if clip.label in ("correct", "incorrect") and not result.error]
    n = len(pairs)
    confusion = {f"{t}->{p}": sum(1 for a, b in pairs if a == t and b == p)
                 for t in ("correct", "incorrect") for p in ("correct", "incorrect")}
    return {"clips": n, "accuracy": (sum(a == b for a, b in pairs) / n) if n else None,
            "confusion": confusion}


def pooled_fault_metrics(per_fault: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """All faults together: the sums of :func:`fault_metrics`' counts, and their precision/recall.

    This is what a user hears: of all the corrections the app would give (clip level), how
    many were right, and how many of the real faults it found.
    """
    sums = {key: sum(m[key] for m in per_fault.values()) for key in ("tp", "fp", "fn", "tn", "not_judged")}
    tp, fp, fn = sums["tp"], sums["fp"], sums["fn"]
    return {**sums, "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None}
