"""The scores of ``livecoach eval``, as pure functions of labels and replayed records.

Counts are scored against the manifest's ``count_min..count_max`` range (inside = exact,
outside = the distance to the range); faults clip by clip against the labellers' consensus;
the correct/incorrect verdict against the clips' labels.

Clips labelled with the variants manifest's fields (see :mod:`livecoach.evaluation.manifest`)
are also scored on what a push-up counter must not do and on what else it must do: cycles
counted on clips with no push-up (:func:`false_counts`), the exercise recognised
(:func:`exercise_recognition`) and the good-form seconds of the holds (:func:`hold_timing`).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from livecoach.evaluation.manifest import LABELLED_FAULTS, ClipSpec, HoldLabel
from livecoach.evaluation.replay import ClipResult
from livecoach.logic.holds import HoldRecord
from livecoach.logic.verdict import CORRECT, INCORRECT, NOT_JUDGED
from livecoach.types import RepRecord

__all__ = ["HOLD_ERROR_TARGET_S", "range_error", "count_metrics", "split_agreement", "reps_outside_span",
           "clip_fault_prediction", "fault_metrics", "pooled_fault_metrics", "verdict_metrics", "false_counts",
           "exercise_recognition", "match_holds", "hold_timing", "spoken_corrections", "scored_fault_label",
           "tracking_told"]

#: The target of issue 10 for a hold: its seconds in good form within this of ``good_form_s``.
HOLD_ERROR_TARGET_S = 1.0


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


def scored_fault_label(clip: ClipSpec, fault: str) -> Optional[str]:
    """The clip's consensus label for ``fault`` ("yes", "no", "uncertain", "not_visible"), or None
    where it is not scored: no label, or knees_bent on deliberate knee push-ups (bent knees are
    that variant, not a fault)."""
    if fault == "knees_bent" and clip.variant == "knee":
        return None
    return clip.faults.get(fault)


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
            label = scored_fault_label(clip, fault)
            if label not in ("yes", "no") or result.error:
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


def spoken_corrections(items: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, Any]:
    """What the coach would have said, against the clips' fault labels: every correction the cue
    policy spoke (:attr:`ClipResult.corrections`) is ``right`` on a clip labelled yes for that
    fault, ``wrong`` on one labelled no, else ``unlabelled`` (not visible, uncertain, a fault the
    labellers did not judge, knees_bent on deliberate knee push-ups). Precision = right / (right
    + wrong): the share of spoken corrections a trainer would have agreed with, where one could
    tell. Per fault, and the clips with a wrong one."""
    per_fault: Dict[str, Dict[str, int]] = {}
    wrong_clips: Dict[str, List[str]] = {}
    for clip, result in items:
        if result.error:
            continue
        for fault in result.corrections:
            label = scored_fault_label(clip, fault)
            kind = "right" if label == "yes" else "wrong" if label == "no" else "unlabelled"
            per_fault.setdefault(fault, {"right": 0, "wrong": 0, "unlabelled": 0})[kind] += 1
            if kind == "wrong":
                wrong_clips.setdefault(clip.file, []).append(fault)
    sums = {k: sum(m[k] for m in per_fault.values()) for k in ("right", "wrong", "unlabelled")}
    judged = sums["right"] + sums["wrong"]
    return {"spoken": sum(sums.values()), **sums, "precision": sums["right"] / judged if judged else None,
            "per_fault": dict(sorted(per_fault.items())), "wrong_clips": wrong_clips}


def tracking_told(items: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, Any]:
    """The clips on which the user was told that the pose model kept losing them
    (:attr:`ClipResult.tracking_notices`), and how that goes with counting: of the clips with a
    labelled count, how many were counted outside their range, and how many of those were told."""
    ok = [(c, r) for c, r in items if not r.error]
    told = sorted(c.file for c, r in ok if r.tracking_notices)
    count_error = {c.file: range_error(r.cycles, c.count_min, c.count_max) for c, r in ok
                   if c.count_min is not None and c.count_max is not None}
    return {"clips": len(ok), "told": told, "counted_wrong": sum(1 for e in count_error.values() if e),
            "counted_wrong_and_told": sum(1 for f in told if count_error.get(f)),
            "counted_right_and_told": sum(1 for f in told if count_error.get(f) == 0)}


def verdict_metrics(items: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, Any]:
    """Accuracy of the verdict against the clips' correct/incorrect labels, a "not judged"
    verdict counted as wrong; how many were not judged and the accuracy on the others; the
    confusion."""
    pairs = [(clip.label, result.verdict) for clip, result in items
             if clip.label in (CORRECT, INCORRECT) and not result.error]
    n = len(pairs)
    judged = [(a, b) for a, b in pairs if b != NOT_JUDGED]
    confusion = {f"{t}->{p}": sum(1 for a, b in pairs if a == t and b == p)
                 for t in (CORRECT, INCORRECT) for p in (CORRECT, INCORRECT, NOT_JUDGED)}
    return {"clips": n, "accuracy": (sum(a == b for a, b in pairs) / n) if n else None,
            "not_judged": n - len(judged),
            "judged_accuracy": (sum(a == b for a, b in judged) / len(judged)) if judged else None,
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


def false_counts(items: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, Any]:
    """Rep cycles counted on the clips labelled with no push-up (count range 0-0): every one
    is a false count (must be 0). ``cycles`` = ``reps`` + ``no_reps``, the same count the
    count MAE scores; per clip too. Clips that failed to replay are left out."""
    zero = [(c, r) for c, r in items if c.kind == "detailed" and c.count_max == 0 and not r.error]
    per_clip = [{"file": c.file, "cycles": r.cycles, "reps": r.reps, "no_reps": r.no_reps} for c, r in zero]
    return {"clips": len(zero), "cycles": sum(row["cycles"] for row in per_clip),
            "reps": sum(row["reps"] for row in per_clip), "no_reps": sum(row["no_reps"] for row in per_clip),
            "clips_with_false_counts": sum(row["cycles"] > 0 for row in per_clip), "per_clip": per_clip}


def exercise_recognition(items: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, Any]:
    """Exercise recognition over the clips whose ``exercises`` label is a non-empty list.

    A clip is right when its recognised exercise (:attr:`ClipResult.recognised_exercise`: the
    one named for the most seconds in position) is in the labelled list; a clip where nothing
    was recognised is a miss. Beside it, the counted cycles filed under a labelled exercise
    (each cycle's ``RepRecord.exercise``). Clips labelled ``null`` (labellers disagree) or
    ``[]`` (no push-up) and clips that failed to replay are not scored.
    """
    rows: List[Dict[str, Any]] = []
    for clip, result in items:
        if not clip.exercises or result.error:
            continue
        recognised = result.recognised_exercise
        filed = [r.exercise for r in result.records]
        rows.append({"file": clip.file, "labelled": list(clip.exercises), "recognised": recognised,
                     "right": recognised in clip.exercises,
                     "seconds": {k: round(v, 2) for k, v in sorted(result.exercise_seconds.items(),
                                                                    key=lambda kv: -kv[1])},
                     "cycles": len(filed), "cycles_filed_right": sum(e in clip.exercises for e in filed)})
    n, right = len(rows), sum(row["right"] for row in rows)
    cycles, filed_right = sum(row["cycles"] for row in rows), sum(row["cycles_filed_right"] for row in rows)
    return {"clips": n, "right": right, "accuracy": right / n if n else None,
            "rule": "right when the exercise recognised for the most seconds in position is in the labelled list",
            "misses": [row for row in rows if not row["right"]], "per_clip": rows,
            "cycles": cycles, "cycles_filed_right": filed_right,
            "cycles_filed_right_share": filed_right / cycles if cycles else None}


def _overlap(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    return min(a_end, b_end) - max(a_start, b_start)


def match_holds(labels: Sequence[HoldLabel],
                timed: Sequence[HoldRecord]) -> Tuple[List[List[HoldRecord]], List[HoldRecord]]:
    """Each timed hold goes to the labelled hold it overlaps longest in time (ties: the
    earlier label); returns the timed holds of each label, in ``labels`` order, and those
    that overlap no label (timed where nothing is labelled)."""
    matched: List[List[HoldRecord]] = [[] for _ in labels]
    unlabelled: List[HoldRecord] = []
    for hold in timed:
        overlaps = [_overlap(hold.t_start_s, hold.t_end_s, lab.start_s, lab.end_s) for lab in labels]
        best = max(range(len(labels)), key=lambda i: (overlaps[i], -i)) if labels else None
        if best is None or overlaps[best] <= 0:
            unlabelled.append(hold)
        else:
            matched[best].append(hold)
    return matched, unlabelled


def _error_stats(rows: Sequence[Dict[str, Any]], target_s: float) -> Dict[str, Any]:
    errors = [row["error_s"] for row in rows]
    return {"holds": len(rows), "within_target": sum(e <= target_s + 1e-9 for e in errors),
            "mean_error_s": sum(errors) / len(errors) if errors else None,
            "max_error_s": max(errors) if errors else None}


def hold_timing(items: Sequence[Tuple[ClipSpec, ClipResult]],
                target_s: float = HOLD_ERROR_TARGET_S) -> Dict[str, Any]:
    """Hold time error over the clips whose ``holds`` are labelled (``[]`` included).

    Per labelled hold: the good-form seconds of the timed holds matched to it
    (:func:`match_holds`), summed; error = ``|timed good-form seconds - good_form_s|`` (a
    hold the app did not time scores 0 s timed); within target when error <= ``target_s``.
    ``exercise_right``: the label's hold exercise is among the matched holds' exercises.
    Figures for all labelled holds, the deliberate holds and the top pauses (a pause at the
    top of push-ups) apart; timed holds that overlap no labelled hold are listed.
    """
    rows: List[Dict[str, Any]] = []
    unlabelled: List[Dict[str, Any]] = []
    clips = 0
    for clip, result in items:
        if clip.holds is None or result.error:
            continue
        clips += 1
        matched, extra = match_holds(clip.holds, result.holds)
        for label, timed in zip(clip.holds, matched):
            good = sum(h.seconds_good for h in timed)
            rows.append({"file": clip.file, "exercise": label.exercise, "start_s": label.start_s,
                         "end_s": label.end_s, "good_form_s": label.good_form_s, "is_top_pause": label.is_top_pause,
                         "timed_good_s": round(good, 3), "timed_total_s": round(sum(h.seconds_total for h in timed), 3),
                         "timed_exercises": sorted({h.exercise for h in timed}),
                         "exercise_right": any(h.exercise == label.exercise for h in timed),
                         "error_s": round(abs(good - label.good_form_s), 3)})
        unlabelled += [{"file": clip.file, "exercise": h.exercise, "t_start_s": round(h.t_start_s, 2),
                        "t_end_s": round(h.t_end_s, 2), "seconds_total": round(h.seconds_total, 2),
                        "seconds_good": round(h.seconds_good, 2)} for h in extra]
    deliberate = [row for row in rows if not row["is_top_pause"]]
    top = [row for row in rows if row["is_top_pause"]]
    return {"target_s": target_s, "clips": clips, "all": _error_stats(rows, target_s),
            "deliberate": _error_stats(deliberate, target_s), "top_pauses": _error_stats(top, target_s),
            "per_hold": rows, "unlabelled": unlabelled}
