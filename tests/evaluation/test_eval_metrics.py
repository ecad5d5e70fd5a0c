"""The evaluation's pure parts: manifest, range scoring, metrics, the naive baseline."""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest

from livecoach.cli.main import main as livecoach_main

from livecoach.evaluation.baseline import NaiveElbowCounter, count_angles
from livecoach.config.schema import load_config
from livecoach.cli.evaluate import handle_eval, register
from livecoach.evaluation.manifest import ClipSpec, EvalError, load_manifest, variant_from_text
from livecoach.evaluation.metrics import (clip_fault_prediction, count_metrics, fault_metrics, range_error,
                                          reps_outside_span, spoken_corrections, split_agreement, tracking_told,
                                          verdict_metrics)
from livecoach.evaluation.replay import ClipResult, replay_frames
from livecoach.formats.recording import read_recording
from livecoach.types import Fault, RepRecord

CONFIG = load_config()


def rec(t: float, full: bool = True, faults=(), not_judged=()) -> RepRecord:
    return RepRecord(index=1, full=full, t_start_s=t - 0.5, t_bottom_s=t, t_end_s=t + 0.5, depth_frac=1.0,
                     min_elbow_angle_deg=70, seconds_down=0.5, seconds_up=0.5,
                     faults=tuple(Fault(n, n, t, 1.0, 0.5) for n in faults), not_judged=tuple(not_judged),
                     no_rep_reason=None if full else "not deep enough")


def clip(name="a.mp4", count=4, lo=None, hi=None, full=None, partial=None, faults=None, label=None,
         span=(0.0, 10.0), kind="detailed") -> ClipSpec:
    return ClipSpec(file=name, path=Path(name), kind=kind, count=count, count_min=count if lo is None else lo,
                    count_max=count if hi is None else hi, full_reps=full, partial_reps=partial,
                    active_span_s=span, faults=faults or {}, label=label)


def write_manifest(tmp_path: Path, data) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


# --- manifest -----------------------------------------------------------------------------

def test_manifest_paths_are_relative_to_its_folder_and_variants_mapped(tmp_path):
    path = write_manifest(tmp_path, {
        "clips": [{"file": "sub/a.mp4", "count": 3, "count_min": 2, "count_max": 3, "full_reps": 3,
                   "partial_reps": 0, "active_span_s": [0.5, 9.0], "faults": {"hip_sag": "yes"},
                   "variant": "knee push-up (feet kick up)", "source_label": "wrong"}],
        "pushfit": [{"file": "pf/correct1.mp4", "label": "correct"}]})
    clips = load_manifest(path)
    assert clips[0].path == tmp_path / "sub" / "a.mp4"
    assert (clips[0].count_min, clips[0].count_max, clips[0].active_span_s) == (2, 3, (0.5, 9.0))
    assert clips[0].variant == "knee" and clips[0].label == "incorrect"
    assert clips[1].kind == "pushfit" and clips[1].label == "correct" and clips[1].variant == "standard"


@pytest.mark.parametrize("text, variant", [
    ("standard", "standard"), ("knee push-up (feet kick up behind)", "knee"), ("Knee push-ups", "knee"),
    ("standard; knees stay straight", "standard"), ("push-ups on push-up bars", "standard"), ("", "standard")])
def test_variant_from_text(text, variant):
    assert variant_from_text(text) == variant


@pytest.mark.parametrize("content, message", [
    (None, "not found"), ("{not json", "not valid JSON"), ([1, 2], "not a clip manifest"),
    ({"clips": []}, "no clips"), ({"clips": [{"file": "a.mp4"}]}, "bad entry (missing 'count')"),
    ({"pushfit": [{"file": "a.mp4", "label": "meh"}]}, "label must be")])
def test_bad_manifests_give_one_line_errors(tmp_path, content, message):
    path = tmp_path / "manifest.json" if content is None else write_manifest(tmp_path, content)
    with pytest.raises(EvalError) as err:
        load_manifest(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_cli_handler_prints_one_line_error_for_a_missing_manifest(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["eval", str(tmp_path / "nope.json"), "--cache", str(tmp_path / "c")])
    assert args.func is handle_eval
    # the handler raises; cli.main prints every error the same way, as one line
    assert livecoach_main(["eval", str(tmp_path / "nope.json"), "--cache", str(tmp_path / "c")]) == 4
    err = capsys.readouterr().err.strip()
    assert err.startswith("livecoach: error:") and "manifest not found" in err and "\n" not in err


def test_cli_handler_reports_a_missing_video_per_clip(tmp_path, capsys):
    path = write_manifest(tmp_path, {"clips": [{"file": "missing.mp4", "count": 2}]})
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["eval", str(path), "--cache", str(tmp_path / "c"), "--out", str(tmp_path / "o")])
    assert args.func(args) == 1  # every clip failed
    out = capsys.readouterr().out
    assert "video not found" in out
    assert json.loads((tmp_path / "o" / "eval.json").read_text())["errors"]


# --- counting -----------------------------------------------------------------------------

@pytest.mark.parametrize("pred, lo, hi, err", [(3, 3, 4, 0), (4, 3, 4, 0), (2, 3, 4, 1), (7, 3, 4, 3), (0, 1, 1, 1)])
def test_range_error_is_zero_inside_and_distance_outside(pred, lo, hi, err):
    assert range_error(pred, lo, hi) == err


def test_count_metrics_on_a_tiny_manifest():
    clips = [clip("a", 10, 10, 11), clip("b", 4), clip("c", 2, 2, 2), clip("d", 0)]
    m = count_metrics([(11, clips[0]), (6, clips[1]), (1, clips[2]), (3, clips[3])])
    assert m["clips"] == 3  # a zero-count clip has no relative error
    assert m["mae"] == pytest.approx((0 / 10 + 2 / 4 + 1 / 2) / 3)
    assert m["obo"] == pytest.approx(2 / 3)
    assert m["exact"] == pytest.approx(1 / 3)


def test_split_agreement_uses_the_count_range_for_full_reps():
    spec = clip(count=3, lo=3, hi=4, full=2, partial=1)
    ok = ClipResult("a", "detailed", "standard", records=[rec(1), rec(2), rec(3), rec(4, full=False)])
    assert split_agreement(ok, spec) == {"full_ok": True, "no_rep_ok": True, "agree": True}
    bad = ClipResult("a", "detailed", "standard", records=[rec(1), rec(2), rec(3)])
    assert split_agreement(bad, spec)["agree"] is False
    assert split_agreement(ok, clip(full=None, partial=None)) is None


def test_reps_outside_the_active_span():
    records = [rec(0.5), rec(3.0), rec(9.8), rec(12.0), rec(12.5, full=False)]
    assert reps_outside_span(records, (1.0, 10.0)) == 2
    assert reps_outside_span(records, (1.0, 10.0), full_only=False) == 3
    assert reps_outside_span(records, None) == 0


def test_naive_baseline_counts_down_then_up():
    angles = [170, 150, 100, 85, 95, 150, 165, 170, 120, 89, 120, 159, 100, 80, 161]
    up, down = CONFIG.eval.baseline_up_deg, CONFIG.eval.baseline_down_deg
    assert (up, down) == (160.0, 90.0)  # the rule the common open-source counters use
    assert count_angles(angles, up, down) == 2  # the second dip ends at 159 (< 160), completed by the third
    jitter = [170, 89, 91, 89, 91, 161, 159, 161, math.nan, 80, 170]
    assert count_angles(jitter, up, down) == 2
    counter = NaiveElbowCounter(160, 90)
    assert counter.update(0.0, None) is False and counter.count == 0
    with pytest.raises(ValueError):
        NaiveElbowCounter(90, 160)


# --- faults and verdict -------------------------------------------------------------------

def test_clip_fault_prediction_uses_the_share_of_judged_cycles():
    records = [rec(1, faults=["hip_sag"]), rec(2), rec(3), rec(4, not_judged=["hip_sag"])]
    assert clip_fault_prediction(records, "hip_sag", 0.3) is True  # 1 of 3 judged
    assert clip_fault_prediction(records, "hip_sag", 0.5) is False
    assert clip_fault_prediction([rec(1, not_judged=["hip_sag"])], "hip_sag", 0.3) is None
    assert clip_fault_prediction([], "hip_sag", 0.3) is None


def test_fault_metrics_precision_recall_and_skips():
    items = [
        (clip("tp", faults={"hip_sag": "yes"}), ClipResult("tp", "detailed", "standard", records=[rec(1, faults=["hip_sag"])])),
        (clip("fn", faults={"hip_sag": "yes"}), ClipResult("fn", "detailed", "standard", records=[rec(1)])),
        (clip("fp", faults={"hip_sag": "no"}), ClipResult("fp", "detailed", "standard", records=[rec(1, faults=["hip_sag"])])),
        (clip("tn", faults={"hip_sag": "no"}), ClipResult("tn", "detailed", "standard", records=[rec(1)])),
        (clip("tn2", faults={"hip_sag": "no"}), ClipResult("tn2", "detailed", "standard", records=[rec(1)])),
        (clip("nv", faults={"hip_sag": "not_visible"}), ClipResult("nv", "detailed", "standard", records=[rec(1, faults=["hip_sag"])])),
        (clip("unc", faults={"hip_sag": "uncertain"}), ClipResult("unc", "detailed", "standard", records=[rec(1)])),
        (clip("nj", faults={"hip_sag": "yes"}), ClipResult("nj", "detailed", "standard",
                                                           records=[rec(1, not_judged=["hip_sag"])])),
    ]
    m = fault_metrics(items, 0.3)["hip_sag"]
    assert (m["tp"], m["fp"], m["fn"], m["tn"], m["not_judged"]) == (1, 1, 1, 2, 1)
    assert m["precision"] == pytest.approx(0.5) and m["recall"] == pytest.approx(0.5)


def test_spoken_corrections_are_scored_against_the_fault_labels():
    """Each spoken correction: right on a clip labelled yes, wrong on one labelled no, otherwise
    unlabelled (not visible, a fault the labels do not cover, knees_bent on knee push-ups)."""
    def said(name, faults, corrections, variant="standard"):
        spec = ClipSpec(file=name, path=Path(name), kind="detailed", variant=variant, count=1, count_min=1,
                        count_max=1, faults=faults)
        return spec, ClipResult(name, "detailed", variant, records=[rec(1)], corrections=list(corrections))

    m = spoken_corrections([
        said("sag", {"hip_sag": "yes", "shallow": "no"}, ["hip_sag", "hip_sag", "shallow"]),
        said("hidden", {"hip_sag": "not_visible"}, ["hip_sag", "rushed_negative"]),
        said("knee", {"knees_bent": "yes"}, ["knees_bent"], variant="knee"),
        said("quiet", {"hip_sag": "no"}, []),
    ])
    assert (m["spoken"], m["right"], m["wrong"], m["unlabelled"]) == (6, 2, 1, 3)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["per_fault"]["hip_sag"] == {"right": 2, "wrong": 0, "unlabelled": 1}
    assert m["wrong_clips"] == {"sag": ["shallow"]}
    assert spoken_corrections([])["precision"] is None


def test_tracking_told_lists_the_clips_told_and_how_they_were_counted():
    def told(name, cycles, notices, count=3, kind="detailed"):
        spec = clip(name, count=count, kind=kind) if kind == "detailed" else ClipSpec(file=name, path=Path(name),
                                                                                       kind=kind, label="correct")
        return spec, ClipResult(name, kind, "standard", records=[rec(i + 1) for i in range(cycles)],
                                tracking_notices=list(notices))

    m = tracking_told([told("lost_and_wrong", 1, [3.4]), told("lost_but_right", 3, [3.0, 70.0]),
                       told("wrong_unseen", 2, []), told("fine", 3, []), told("pf", 0, [4.0], kind="pushfit")])
    assert m == {"clips": 5, "told": ["lost_and_wrong", "lost_but_right", "pf"], "counted_wrong": 2,
                 "counted_wrong_and_told": 1, "counted_right_and_told": 1}


def test_the_replay_keeps_the_corrections_the_coach_would_speak():
    """tayyab's reps sag (labelled hip_sag yes): the replay's cue policy says "Tuck your tailbone",
    as the live session's would, no more often than its cooldown allows."""
    header, frames = read_recording(Path(__file__).parents[1] / "fixtures" / "landmarks" / "tayyab__pushup.mp4.jsonl.gz")
    result = replay_frames(frames, CONFIG, "standard", header.fps, "tayyab__pushup.mp4")
    assert result.corrections and set(result.corrections) >= {"hip_sag"}
    assert len(result.corrections) <= result.cycles
    assert len(result.corrections) <= 1 + result.duration_s / CONFIG.cues.min_gap_s


def test_knees_bent_is_not_scored_on_deliberate_knee_push_ups():
    spec = ClipSpec(file="k", path=Path("k"), kind="detailed", variant="knee", count=1, count_min=1, count_max=1,
                    faults={"knees_bent": "yes"})
    m = fault_metrics([(spec, ClipResult("k", "detailed", "knee", records=[rec(1)]))], 0.3)["knees_bent"]
    assert m["tp"] + m["fp"] + m["fn"] + m["tn"] + m["not_judged"] == 0


def test_verdict_accuracy_and_confusion():
    items = [(clip("a", label="correct", kind="pushfit"), ClipResult("a", "pushfit", "standard", verdict="correct")),
             (clip("b", label="incorrect", kind="pushfit"), ClipResult("b", "pushfit", "standard", verdict="correct")),
             (clip("c", label="incorrect", kind="pushfit"), ClipResult("c", "pushfit", "standard", verdict="incorrect")),
             (clip("d", label=None, kind="pushfit"), ClipResult("d", "pushfit", "standard", verdict="incorrect"))]
    m = verdict_metrics(items)
    assert m["clips"] == 3 and m["accuracy"] == pytest.approx(2 / 3)
    assert m["confusion"]["incorrect->correct"] == 1


def test_a_verdict_not_judged_counts_as_wrong_and_is_reported_apart():
    items = [(clip("a", label="correct", kind="pushfit"), ClipResult("a", "pushfit", "standard", verdict="correct")),
             (clip("b", label="incorrect", kind="pushfit"), ClipResult("b", "pushfit", "standard", verdict="not_judged")),
             (clip("c", label="correct", kind="pushfit"), ClipResult("c", "pushfit", "standard", verdict="incorrect"))]
    m = verdict_metrics(items)
    assert m["clips"] == 3 and m["accuracy"] == pytest.approx(1 / 3)
    assert m["not_judged"] == 1 and m["judged_accuracy"] == pytest.approx(1 / 2)
    assert m["confusion"]["incorrect->not_judged"] == 1
