"""Pooled fault metrics, scores by source and leave-one-source-out, on toy data with known answers."""
from __future__ import annotations

from pathlib import Path

import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.generalisation import (by_source, fault_share_loso, unique_footage,
                                                 verdict_share_loso)
from livecoach.evaluation.loso import choose_parameter, leave_one_source_out
from livecoach.evaluation.manifest import ClipSpec
from livecoach.evaluation.metrics import fault_metrics, pooled_fault_metrics
from livecoach.evaluation.replay import ClipResult
from livecoach.logic.verdict import judge_session
from livecoach.types import Fault, RepRecord

CONFIG = load_config()


# --- the LOSO machinery -------------------------------------------------------------------

BEST = {"A": 1, "B": 1, "C": 3}  # each source's own best parameter


def squared_loss_score(p, sources):
    """Higher is better; the best parameter for a set of sources is their mean best."""
    return -sum((p - BEST[s]) ** 2 for s in sources) if sources else None


def test_loso_chooses_on_the_other_sources_and_scores_the_held_out_one():
    folds = leave_one_source_out(["A", "B", "C", "A"], [0, 1, 2, 3], squared_loss_score)
    assert [f.held_out for f in folds] == ["A", "B", "C"]
    by = {f.held_out: f for f in folds}
    assert by["A"].chosen == 2 and by["A"].held_out_score == -1  # B, C -> mean best 2
    assert by["B"].chosen == 2 and by["B"].held_out_score == -1
    assert by["C"].chosen == 1 and by["C"].held_out_score == -4  # A, B -> 1; C wanted 3
    assert by["C"].train_score == 0 and not any(f.fallback for f in folds)


def test_choose_parameter_breaks_ties_towards_the_preferred_value_then_grid_order():
    flat = lambda p, sources: 1.0  # noqa: E731 - every value scores the same
    assert choose_parameter([0.1, 0.3, 0.5], flat, ["A"], prefer=0.5) == 0.5
    assert choose_parameter([0.1, 0.3, 0.5], flat, ["A"], prefer=0.35) == 0.3
    assert choose_parameter([0.1, 0.3, 0.5], flat, ["A"]) == 0.1
    assert choose_parameter([0.1, 0.3], lambda p, s: None, ["A"]) is None


def test_loso_keeps_the_preferred_value_when_the_others_cannot_score():
    def score(p, sources):
        return None if sources == ["B"] else -abs(p - 2)

    folds = {f.held_out: f for f in leave_one_source_out(["A", "B"], [1, 2, 3], score, prefer=3)}
    assert folds["A"].chosen == 3 and folds["A"].fallback and folds["A"].train_score is None
    assert folds["A"].held_out_score == -1
    assert folds["B"].chosen == 2 and not folds["B"].fallback
    assert leave_one_source_out(["A", "B"], [1], lambda p, s: None)[0].chosen is None


# --- pooled faults ------------------------------------------------------------------------

def rec(faults=(), not_judged=()) -> RepRecord:
    return RepRecord(index=1, full=True, t_start_s=0.0, t_bottom_s=0.5, t_end_s=1.0, depth_frac=1.0,
                     min_elbow_angle_deg=70, seconds_down=0.5, seconds_up=0.5,
                     faults=tuple(Fault(n, n, 0.5, 1.0, 0.5) for n in faults), not_judged=tuple(not_judged),
                     no_rep_reason=None)


def item(name, source, fault_share=None, labels=None, label=None, kind="detailed", same_as=None, cycles=10,
         fault="hip_sag"):
    """A clip whose ``fault`` is on ``fault_share`` of its ``cycles`` rep cycles."""
    on = round((fault_share or 0.0) * cycles)
    records = [rec((fault,) if i < on else ()) for i in range(cycles)]
    spec = ClipSpec(file=name, path=Path(name), kind=kind, count=cycles, count_min=cycles, count_max=cycles,
                    faults=labels or {}, label=label, source=source, same_as=same_as)
    result = ClipResult(name, kind, "standard", frames=100, frames_with_pose=90, records=records,
                        baseline_count=cycles - 1, verdict=judge_session(records, CONFIG).verdict)
    return spec, result


def test_pooled_fault_metrics_sum_every_fault():
    items = [item("a", "S", 0.5, {"hip_sag": "yes", "shallow": "no"}),  # hip_sag TP, shallow TN
             item("b", "S", 0.5, {"hip_sag": "no", "shallow": "yes"}),  # hip_sag FP, shallow FN
             item("c", "S", 0.0, {"hip_sag": "yes"}),  # FN
             item("d", "S", 0.4, {"hip_sag": "yes", "head_drop": "yes"}, fault="head_drop")]  # hip FN, head TP
    per = fault_metrics(items, 0.3)
    pooled = pooled_fault_metrics(per)
    assert (pooled["tp"], pooled["fp"], pooled["fn"], pooled["tn"]) == (2, 1, 3, 1)
    assert pooled["precision"] == pytest.approx(2 / 3) and pooled["recall"] == pytest.approx(2 / 5)
    assert pooled["tp"] == sum(m["tp"] for m in per.values())
    empty = pooled_fault_metrics(fault_metrics([], 0.3))
    assert empty["precision"] is None and empty["recall"] is None


# --- by source and the two LOSO tables ------------------------------------------------------

def test_by_source_scores_each_source_with_the_configured_thresholds():
    items = [item("a", "S1", 0.5, {"hip_sag": "yes"}), item("b", "S1", 0.0, {"hip_sag": "no"}),
             item("c", "S2", 0.5, {"hip_sag": "no"}),
             item("p", "S2", 0.0, label="correct", kind="pushfit")]
    table = by_source(items, CONFIG)
    assert list(table) == ["S1", "S2"]
    assert table["S1"]["faults_pooled"]["precision"] == 1.0 and table["S1"]["faults_pooled"]["recall"] == 1.0
    assert table["S2"]["faults_pooled"]["fp"] == 1 and table["S2"]["clips"] == 2 and table["S2"]["detailed"] == 1
    assert table["S2"]["verdict"]["clips"] == 1 and table["S2"]["verdict"]["accuracy"] == 1.0
    assert table["S1"]["counting"]["livecoach"]["mae"] == 0.0
    assert table["S1"]["counting"]["baseline"]["mae"] == pytest.approx(0.1)  # one short of 10


def test_fault_share_loso_picks_the_share_that_separates_the_other_sources():
    # Real faults are on 60 % of cycles, clean clips show 20 % noise: any share in (0.2, 0.6] separates them.
    items = []
    for s in ("S1", "S2", "S3"):
        items += [item(f"{s}-yes", s, 0.6, {"hip_sag": "yes"}), item(f"{s}-no", s, 0.2, {"hip_sag": "no"})]
    result = fault_share_loso(items, CONFIG)
    for fold in result["folds"]:
        assert 0.2 < fold["chosen"] <= 0.6 and fold["train_f05"] == 1.0
        assert fold["held_out_counts"]["tp"] == 1 and fold["held_out_counts"]["fp"] == 0
    assert result["held_out_pooled"]["precision"] == 1.0 and result["held_out_pooled"]["recall"] == 1.0
    assert result["folds"][0]["chosen"] == pytest.approx(CONFIG.eval.clip_fault_min_share)  # tie -> configured


def test_fault_share_loso_shows_a_source_whose_noise_is_higher():
    items = [item("S1-yes", "S1", 0.6, {"hip_sag": "yes"}), item("S1-no", "S1", 0.2, {"hip_sag": "no"}),
             item("S2-yes", "S2", 0.6, {"hip_sag": "yes"}), item("S2-no", "S2", 0.2, {"hip_sag": "no"}),
             item("S3-no", "S3", 0.5, {"hip_sag": "no"})]  # a camera where the rule fires on half the reps
    folds = {f["held_out"]: f for f in fault_share_loso(items, CONFIG)["folds"]}
    assert folds["S3"]["held_out_counts"]["fp"] == 1  # chosen on S1+S2 (0.3): S3's clean clip is flagged
    assert folds["S1"]["chosen"] == pytest.approx(0.6)  # S2+S3: only 0.6 keeps S3 clean and finds S2's fault


def test_verdict_share_loso_uses_one_copy_of_reuploaded_footage():
    items = [item("d1", "K", 0.5, label="incorrect"), item("d2", "K", 0.0, label="correct"),
             item("p1", "P", 0.5, label="incorrect", kind="pushfit", same_as="d1"),
             item("p2", "P", 0.2, label="correct", kind="pushfit"), item("p3", "P", 0.6, label="incorrect",
                                                                       kind="pushfit")]
    assert [c.file for c, _ in unique_footage(items)] == ["d1", "d2", "p2", "p3"]
    result = verdict_share_loso(items, CONFIG)
    folds = {f["held_out"]: f for f in result["folds"]}
    assert folds["K"]["held_out_clips"] == 2 and folds["P"]["held_out_clips"] == 2
    assert folds["K"]["chosen"] > 0.2 and folds["K"]["held_out_accuracy"] == 1.0  # P: 0.2 correct, 0.6 not
    assert result["held_out_pooled"]["clips"] == 4 and result["with_configured"]["clips"] == 4


def test_robustness_row_reports_what_was_counted_on_clips_without_push_ups():
    from livecoach.evaluation.generalisation import robustness_summary

    plank_hold = item("hold", "S", 0.0, cycles=2)
    plank_hold = (ClipSpec(file="hold", path=Path("hold"), kind="detailed", count=0, count_min=0, count_max=0,
                           source="S"), plank_hold[1])
    row = robustness_summary([item("a", "S", 0.0, cycles=4), plank_hold], CONFIG, None)
    assert row["kind"] == "original" and row["counting"]["livecoach"]["clips"] == 1  # count 0: not in MAE
    assert row["zero_count_clips"] == {"clips": 1, "cycles": 2, "baseline": 1}
    assert row["frames_with_pose_share"] == pytest.approx(0.9)
    assert [c["count_error"] for c in row["clips"]] == [0, 2]
