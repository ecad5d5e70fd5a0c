"""Scores by source and leave-one-source-out (LOSO) for ``livecoach eval``.

No threshold is fitted automatically today: every threshold in ``config/`` was set by hand.
So this module reports (1) each source's scores with the thresholds from config, and (2) the
LOSO machinery applied to the two clip-level thresholds that an evaluation selects:
``[eval] clip_fault_min_share`` (when a clip counts as showing a fault) and
``[verdict] min_fault_share`` (when a clip is judged incorrect). For each source the value is
chosen on the other sources only, from a grid, and scored on the held-out source.

A clip whose footage is another clip of the run (``same_as``: a re-upload) is left out of the
verdict pools, so one video is never on both sides of a fold.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Sequence, Tuple

from livecoach.config.schema import Config
from livecoach.evaluation.augment import (FRAME_DROPS, HANDS_UNSEEN, LANDMARK_KINDS, TEMPO_BLUR, TEMPO_MODEL,
                                         VIEW_RAISE, VIEW_TURN, ZOOM_DRIFT, Augmentation)
from livecoach.evaluation.loso import leave_one_source_out
from livecoach.evaluation.manifest import ClipSpec
from livecoach.evaluation.metrics import (count_metrics, exercise_recognition, false_counts, fault_metrics,
                                          hold_timing, pooled_fault_metrics, range_error, spoken_corrections,
                                          tracking_told,
                                          verdict_metrics)
from livecoach.evaluation.replay import ClipResult
from livecoach.logic.analysis import default_library
from livecoach.logic.verdict import judge_session

__all__ = ["SHARE_GRID", "LOSO_NOTE", "unique_footage", "by_source", "fault_share_loso", "verdict_share_loso",
           "generalisation_summary", "robustness_summary"]

Item = Tuple[ClipSpec, ClipResult]

#: The values LOSO chooses from, for both clip-level shares (an evaluation grid, not a threshold).
SHARE_GRID: Tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)

LOSO_NOTE = ("No threshold is fitted automatically: all come from config. By source: scores with the config's "
             "thresholds. LOSO: clip_fault_min_share and the verdict's min_fault_share chosen on all sources "
             "but one (grid {grid}; ties to the configured value, which is also kept when the other sources "
             "cannot score any value), scored on the one held out.")


def unique_footage(items: Sequence[Item]) -> List[Item]:
    """``items`` without the clips whose ``same_as`` twin is also among them."""
    files = {clip.file for clip, _ in items}
    return [(c, r) for c, r in items if not (c.same_as and c.same_as in files)]


def _verdict_items(items: Sequence[Item]) -> List[Item]:
    return [(c, r) for c, r in unique_footage(items) if c.label in ("correct", "incorrect") and not r.error]


def _detailed(items: Sequence[Item]) -> List[Item]:
    return [(c, r) for c, r in items if c.kind == "detailed" and not r.error]


def _pooled(items: Sequence[Item], min_share: float) -> Dict[str, Any]:
    return pooled_fault_metrics(fault_metrics(items, min_share))


def by_source(items: Sequence[Item], config: Config) -> Dict[str, Dict[str, Any]]:
    """Per source (``provenance.repo``): counting (LiveCoach and the naive baseline), pooled
    fault precision/recall and verdict accuracy, all with the config's thresholds; where the
    source has such clips, the false counts on clips with no push-up (``no_pushup_clips``),
    exercise recognition (``exercise_recognition``) and hold timing (``hold_timing``)."""
    min_share = config.eval.clip_fault_min_share
    out: Dict[str, Dict[str, Any]] = {}
    for source in sorted({c.source for c, _ in items}):
        mine = [(c, r) for c, r in items if c.source == source]
        detailed = _detailed(mine)
        out[source] = {
            "clips": len(mine), "detailed": len(detailed),
            "counting": {"livecoach": count_metrics([(r.cycles, c) for c, r in detailed]),
                         "baseline": count_metrics([(r.baseline_count, c) for c, r in detailed])},
            "faults_pooled": _pooled(detailed, min_share),
            "verdict": verdict_metrics(_verdict_items(mine)),
        }
        out[source].update(variant_figures(mine))
    return out


def variant_figures(items: Sequence[Item]) -> Dict[str, Any]:
    """The variants manifest's figures in short, where ``items`` has clips they score: false
    counts on clips with no push-up (``no_pushup_clips``), exercise recognition
    (``exercise_recognition``, with the clips missed) and hold timing (``hold_timing``: all
    labelled holds, and how many of the deliberate holds and of the top pauses were within
    target)."""
    out: Dict[str, Any] = {}
    zero, recognition = false_counts(items), exercise_recognition(items)
    if zero["clips"]:
        out["no_pushup_clips"] = {k: zero[k] for k in ("clips", "cycles", "reps", "clips_with_false_counts")}
    if recognition["clips"]:
        out["exercise_recognition"] = {**{k: recognition[k] for k in ("clips", "right", "accuracy")},
                                       "misses": {m["file"]: m["recognised"] for m in recognition["misses"]}}
    if any(c.holds is not None for c, _ in items):
        timing = hold_timing(items)
        out["hold_timing"] = {**timing["all"], "target_s": timing["target_s"],
                              "unlabelled": len(timing["unlabelled"]),
                              **{part: {k: timing[part][k] for k in ("holds", "within_target")}
                                 for part in ("deliberate", "top_pauses")}}
    return out


def _f_half(tp: int, fp: int, fn: int, tn: int) -> Optional[float]:
    """F0.5: precision weighs twice recall (a wrong correction costs more trust than a missed one).

    Clips that are all correctly clean (only true negatives) score 1; no judged clip: ``None``.
    """
    if tp + fp + fn == 0:
        return 1.0 if tn else None
    return 1.25 * tp / (1.25 * tp + 0.25 * fn + fp)


def fault_share_loso(items: Sequence[Item], config: Config,
                     grid: Sequence[float] = SHARE_GRID) -> Dict[str, Any]:
    """LOSO of ``[eval] clip_fault_min_share``, chosen by pooled F0.5 over the labelled faults.

    The held-out figures are the pooled counts of every fold's held-out source, each judged
    with the value its fold chose.
    """
    detailed = _detailed(items)

    def pooled_on(share: float, sources: Sequence[str]) -> Dict[str, Any]:
        return _pooled([(c, r) for c, r in detailed if c.source in sources], share)

    def score(share: float, sources: Sequence[str]) -> Optional[float]:
        m = pooled_on(share, sources)
        return _f_half(m["tp"], m["fp"], m["fn"], m["tn"])

    configured = config.eval.clip_fault_min_share
    folds = leave_one_source_out([c.source for c, _ in detailed], grid, score, prefer=configured)
    rows, totals = [], {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "not_judged": 0}
    for fold in folds:
        held = pooled_on(fold.chosen, [fold.held_out]) if fold.chosen is not None else None
        if held is not None:
            for key in totals:
                totals[key] += held[key]
        rows.append({"held_out": fold.held_out, "chosen": fold.chosen, "fallback": fold.fallback,
                     "train_f05": fold.train_score, "held_out_f05": fold.held_out_score,
                     "held_out_counts": held})
    tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
    return {"configured": configured, "grid": list(grid), "score": "pooled F0.5 over labelled faults",
            "folds": rows,
            "held_out_pooled": {**totals, "precision": tp / (tp + fp) if tp + fp else None,
                                "recall": tp / (tp + fn) if tp + fn else None},
            "with_configured": _pooled(detailed, configured)}


def verdict_share_loso(items: Sequence[Item], config: Config,
                       grid: Sequence[float] = SHARE_GRID) -> Dict[str, Any]:
    """LOSO of ``[verdict] min_fault_share``, chosen by verdict accuracy on the clips with a
    correct/incorrect label (PushFit and the detailed clips' source labels)."""
    labelled = _verdict_items(items)
    verdicts: Dict[Tuple[float, str], str] = {}
    library = default_library()  # the profiles the clips were replayed with

    def verdict(share: float, clip: ClipSpec, result: ClipResult) -> str:
        key = (share, clip.file)
        if key not in verdicts:
            cfg = dataclasses.replace(config.verdict, min_fault_share=share)
            verdicts[key] = judge_session(result.records, cfg, library).verdict
        return verdicts[key]

    def counts(share: float, sources: Sequence[str]) -> Tuple[int, int]:
        pairs = [(c, r) for c, r in labelled if c.source in sources]
        return sum(verdict(share, c, r) == c.label for c, r in pairs), len(pairs)

    def score(share: float, sources: Sequence[str]) -> Optional[float]:
        right, n = counts(share, sources)
        return right / n if n else None

    configured = config.verdict.min_fault_share
    folds = leave_one_source_out([c.source for c, _ in labelled], grid, score, prefer=configured)
    rows, right_total, n_total = [], 0, 0
    for fold in folds:
        right, n = counts(fold.chosen, [fold.held_out]) if fold.chosen is not None else (0, 0)
        right_total, n_total = right_total + right, n_total + n
        rows.append({"held_out": fold.held_out, "chosen": fold.chosen, "fallback": fold.fallback,
                     "train_accuracy": fold.train_score,
                     "held_out_clips": n, "held_out_accuracy": fold.held_out_score})
    right_cfg, n_cfg = counts(configured, sorted({c.source for c, _ in labelled}))
    return {"configured": configured, "grid": list(grid), "score": "verdict accuracy", "folds": rows,
            "held_out_pooled": {"clips": n_total, "accuracy": right_total / n_total if n_total else None},
            "with_configured": {"clips": n_cfg, "accuracy": right_cfg / n_cfg if n_cfg else None}}


def generalisation_summary(items: Sequence[Item], config: Config) -> Dict[str, Any]:
    """The ``faults_pooled``, ``by_source`` and ``loso`` sections of the eval report."""
    return {
        "faults_pooled": _pooled(_detailed(items), config.eval.clip_fault_min_share),
        "by_source": by_source(items, config),
        "loso": {"note": LOSO_NOTE.format(grid=", ".join(f"{v:g}" for v in SHARE_GRID)),
                 "clip_fault_min_share": fault_share_loso(items, config),
                 "verdict_min_fault_share": verdict_share_loso(items, config)},
    }


def robustness_summary(items: Sequence[Item], config: Config,
                       augmentation: Optional[Augmentation]) -> Dict[str, Any]:
    """One row of the augmentation table: counting (LiveCoach and the naive baseline), pooled
    and per-fault precision/recall, the spoken corrections against the labels, verdict accuracy,
    the share of frames with a pose, and each clip's count; on a manifest with such labels, the
    exercise recognised and the holds timed (:func:`variant_figures`). ``augmentation`` None is
    the original clips."""
    min_share = config.eval.clip_fault_min_share
    detailed = _detailed(items)
    per_fault = fault_metrics(detailed, min_share)
    ok = [(c, r) for c, r in items if not r.error]
    frames = sum(r.frames for _, r in ok)
    zero = [(c, r) for c, r in detailed if c.count == 0]
    if augmentation is None:
        kind, landmarks = "original", "cached landmarks of the clip"
    elif augmentation.kind in LANDMARK_KINDS:
        kind = augmentation.kind
        done = {ZOOM_DRIFT: "scaled", FRAME_DROPS: "thinned", VIEW_TURN: "turned", VIEW_RAISE: "raised",
                HANDS_UNSEEN: "with its hands unseen"}.get(augmentation.kind, "resampled")
        landmarks = f"the clip's cached landmark stream {done} (the pose model is not re-run)"
    else:
        kind, landmarks = augmentation.kind, "the pose model on the transformed frames (cached per clip and transform)"
        if augmentation.kind == TEMPO_MODEL:
            landmarks = "the pose model on the video's frames dropped or repeated (cached per clip and transform)"
        elif augmentation.kind == TEMPO_BLUR:
            landmarks = ("the pose model on the means of the video's frames each output frame spans "
                         "(cached per clip and transform)")
    return {
        "kind": kind, "description": augmentation.description if augmentation else "the clips as they are",
        "landmarks": landmarks,
        "counting": {"livecoach": count_metrics([(r.cycles, c) for c, r in detailed]),
                     "livecoach_full_reps_only": count_metrics([(r.reps, c) for c, r in detailed]),
                     "baseline": count_metrics([(r.baseline_count, c) for c, r in detailed])},
        "faults_pooled": pooled_fault_metrics(per_fault),
        "faults": {f: {k: m[k] for k in ("tp", "fp", "fn", "tn", "not_judged", "precision", "recall")}
                   for f, m in per_fault.items()},
        "spoken_corrections": {k: v for k, v in spoken_corrections(detailed).items() if k != "per_fault"},
        "verdict": {"pushfit": verdict_metrics([(c, r) for c, r in items if c.kind == "pushfit"]),
                    "detailed_source_labels": verdict_metrics(detailed)},
        "frames_with_pose_share": (sum(r.frames_with_pose for _, r in ok) / frames) if frames else None,
        "tracking_told": tracking_told(items),
        # Count MAE skips clips with no push-up (relative error undefined): what was counted there.
        "zero_count_clips": {"clips": len(zero), "cycles": sum(r.cycles for _, r in zero),
                             "baseline": sum(r.baseline_count for _, r in zero)},
        "speed": augmentation.speed if augmentation else 1.0,
        "clips": [{"file": c.file, "cycles": r.cycles, "reps": r.reps, "baseline": r.baseline_count,
                   "count_range": [c.count_min, c.count_max], "seconds_per_rep": c.seconds_per_rep,
                   "count_error": range_error(r.cycles, c.count_min, c.count_max),
                   "baseline_error": range_error(r.baseline_count, c.count_min, c.count_max)}
                  for c, r in detailed],
        "errors": {c.file: r.error for c, r in items if r.error},
        **{k: v for k, v in variant_figures(items).items() if k != "no_pushup_clips"},  # zero_count_clips has it
    }
