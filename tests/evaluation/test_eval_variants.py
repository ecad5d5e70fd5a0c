"""The variants manifest's labels in ``livecoach eval``: exercises, rep exercises and holds read
from the manifest, kept by the replay, and scored (false counts on clips with no push-up,
exercise recognition, hold time error), on hand-made manifests and results."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.generalisation import by_source, generalisation_summary
from livecoach.evaluation.manifest import ClipSpec, EvalError, HoldLabel, load_manifest
from livecoach.evaluation.metrics import exercise_recognition, false_counts, hold_timing, match_holds
from livecoach.evaluation.replay import ClipResult, replay_frames
from livecoach.evaluation.report import print_table, render_markdown, summarise
from livecoach.formats.recording import read_recording
from livecoach.logic.holds import HoldRecord
from livecoach.types import RepRecord

from conftest import FIXTURES

CONFIG = load_config()


def rec(t: float, full: bool = True, exercise: str = "standard") -> RepRecord:
    return RepRecord(index=1, full=full, t_start_s=t - 0.5, t_bottom_s=t, t_end_s=t + 0.5, depth_frac=1.0,
                     min_elbow_angle_deg=70, seconds_down=0.5, seconds_up=0.5, exercise=exercise,
                     no_rep_reason=None if full else "not deep enough")


def hold(exercise: str, start: float, end: float, good: float) -> HoldRecord:
    return HoldRecord(exercise=exercise, t_start_s=start, t_end_s=end, seconds_total=end - start,
                      seconds_good=good, faults=(), breaks=())


def spec(name="a.mp4", count=0, exercises=None, holds=None, source="s", rep_exercises=None) -> ClipSpec:
    return ClipSpec(file=name, path=Path(name), kind="detailed", count=count, count_min=count, count_max=count,
                    active_span_s=(0.0, 10.0), exercises=exercises, rep_exercises=rep_exercises, holds=holds,
                    source=source)


def result(name="a.mp4", records=(), seconds=None, holds=(), error=None) -> ClipResult:
    return ClipResult(name, "detailed", "standard", records=list(records), exercise_seconds=dict(seconds or {}),
                      holds=list(holds), error=error)


def write_manifest(tmp_path: Path, clips) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"clips": clips}))
    return path


# --- manifest -----------------------------------------------------------------------------

def test_manifest_reads_exercises_rep_exercises_and_holds(tmp_path):
    path = write_manifest(tmp_path, [
        {"file": "wall.mp4", "count": 2, "exercises": ["wall"], "rep_exercises": ["wall", "wall"],
         "holds": [{"exercise": "plank_hold", "start_s": 5.0, "end_s": 8.0, "good_form_s": 2.5,
                    "is_top_pause": True}]},
        {"file": "plank.mp4", "count": 0, "exercises": [], "rep_exercises": [],
         "holds": [{"exercise": "forearm_plank_hold", "start_s": 0, "end_s": 8.45, "good_form_s": 8.4}]},
        {"file": "wide.mp4", "count": 5, "exercises": None, "holds": []},
        {"file": "main.mp4", "count": 3}])
    wall, plank, wide, main = load_manifest(path)
    assert wall.exercises == ("wall",) and wall.rep_exercises == ("wall", "wall")
    assert wall.holds == (HoldLabel("plank", 5.0, 8.0, 2.5, True),)  # the label's name mapped to the profile's
    assert plank.exercises == () and plank.holds == (HoldLabel("forearm_plank", 0.0, 8.45, 8.4, False),)
    assert wide.exercises is None and wide.rep_exercises is None and wide.holds == ()
    assert (main.exercises, main.rep_exercises, main.holds) == (None, None, None)
    assert [c.has_variant_labels for c in (wall, plank, wide, main)] == [True, True, True, False]


@pytest.mark.parametrize("fields, key, message", [
    ({"exercises": ["standrd"]}, "exercises", "unknown exercise 'standrd'"),
    ({"exercises": "wall"}, "exercises", "expected a list"),
    ({"rep_exercises": ["wall", "hop"]}, "rep_exercises", "unknown exercise 'hop'"),
    ({"holds": {"exercise": "plank_hold"}}, "holds", "expected a list"),
    ({"holds": [{"exercise": "plank", "start_s": 0, "end_s": 1, "good_form_s": 1}]}, "exercise", "unknown hold"),
    ({"holds": [{"exercise": "plank_hold", "start_s": 0, "end_s": 1}]}, "holds[0]", "missing 'good_form_s'"),
    ({"holds": [{"exercise": "plank_hold", "start_s": 0, "end_s": 1, "good_form_s": 1, "colour": "red"}]},
     "holds[0]", "unknown key 'colour'"),
    ({"holds": [{"exercise": "plank_hold", "start_s": 3, "end_s": 1, "good_form_s": 1}]}, "holds[0]",
     "before start_s"),
    ({"holds": [{"exercise": "plank_hold", "start_s": 0, "end_s": 2, "good_form_s": 2.5}]}, "holds[0]",
     "longer than the hold"),
    ({"holds": [{"exercise": "plank_hold", "start_s": 0, "end_s": 2, "good_form_s": "2"}]}, "good_form_s",
     "expected seconds"),
    ({"holds": [{"exercise": "plank_hold", "start_s": 0, "end_s": 2, "good_form_s": 1, "is_top_pause": "yes"}]},
     "is_top_pause", "expected true or false"),
])
def test_bad_variant_labels_fail_naming_the_file_the_clip_and_the_key(tmp_path, fields, key, message):
    path = write_manifest(tmp_path, [{"file": "ok.mp4", "count": 1}, {"file": "bad.mp4", "count": 1, **fields}])
    with pytest.raises(EvalError) as err:
        load_manifest(path)
    text = str(err.value)
    assert str(path) in text and "clips[1] (bad.mp4)" in text and key in text and message in text
    assert "\n" not in text


# --- replay -------------------------------------------------------------------------------

def test_recognised_exercise_is_the_one_named_longest_in_position():
    assert result(seconds={"pike": 0.9, "standard": 4.0, "knee": 4.0}).recognised_exercise == "knee"  # tie: a-z
    assert result(seconds={"pike": 5.0, "standard": 4.0}).recognised_exercise == "pike"
    assert result().recognised_exercise is None


def test_replay_keeps_the_recognised_exercise_and_the_timed_hold():
    header, frames = read_recording(FIXTURES / "landmarks" / "variants__fitnease__plank.jsonl.gz")
    replayed = replay_frames(frames, CONFIG, "standard", header.fps, "plank.mp4")
    assert replayed.recognised_exercise in ("plank", "forearm_plank")
    # named in position for most of the ~8.4 s clip (a hold is recognised a few seconds in)
    assert 3.0 <= replayed.exercise_seconds[replayed.recognised_exercise] <= frames[-1].t_s
    assert len(replayed.holds) == 1 and replayed.holds[0].exercise == replayed.recognised_exercise
    assert replayed.holds[0].seconds_good > 5.0 and replayed.cycles == 0


# --- metrics ------------------------------------------------------------------------------

def test_false_counts_are_every_cycle_on_clips_labelled_with_no_push_up():
    items = [(spec("plank.mp4", 0), result("plank.mp4", [rec(1.0), rec(3.0, full=False)])),
             (spec("squat.mp4", 0), result("squat.mp4")),
             (spec("pushup.mp4", 4), result("pushup.mp4", [rec(1.0)] * 6)),  # miscounted, but not a false count
             (spec("broken.mp4", 0), result("broken.mp4", error="no landmarks"))]
    m = false_counts(items)
    assert (m["clips"], m["cycles"], m["reps"], m["no_reps"], m["clips_with_false_counts"]) == (2, 2, 1, 1, 1)
    assert m["per_clip"][0] == {"file": "plank.mp4", "cycles": 2, "reps": 1, "no_reps": 1}


def test_exercise_recognition_scores_only_clips_with_a_labelled_push_up():
    items = [(spec("wall.mp4", 2, ("wall",)), result("wall.mp4", [rec(1, exercise="wall"), rec(2, exercise="standard")],
                                                     {"wall": 9.0, "plank": 2.0})),
             (spec("burpee.mp4", 3, ("standard",)), result("burpee.mp4", seconds={"pike": 0.9})),
             (spec("knee.mp4", 4, ("knee", "standard")), result("knee.mp4", seconds={"standard": 3.0})),
             (spec("none.mp4", 0, ()), result("none.mp4", seconds={"plank": 8.0})),  # no push-up: not scored
             (spec("wide.mp4", 5, None), result("wide.mp4", seconds={"standard": 8.0})),  # labellers disagree
             (spec("blank.mp4", 2, ("decline",)), result("blank.mp4"))]  # nothing recognised: a miss
    m = exercise_recognition(items)
    assert (m["clips"], m["right"]) == (4, 2) and m["accuracy"] == pytest.approx(0.5)
    assert [(x["file"], x["recognised"]) for x in m["misses"]] == [("burpee.mp4", "pike"), ("blank.mp4", None)]
    assert (m["cycles"], m["cycles_filed_right"]) == (2, 1)
    assert exercise_recognition([(spec(exercises=None), result())])["accuracy"] is None


def test_timed_holds_go_to_the_label_they_overlap_longest():
    labels = (HoldLabel("plank", 0.0, 2.0, 2.0), HoldLabel("plank", 10.0, 14.0, 3.0))
    a, b, c, d = hold("plank", 1.0, 3.0, 1.5), hold("plank", 9.0, 12.0, 2.0), hold("plank", 12.5, 13.5, 1.0), \
        hold("side_plank", 5.0, 8.0, 3.0)
    matched, unlabelled = match_holds(labels, [a, b, c, d])
    assert matched == [[a], [b, c]] and unlabelled == [d]
    straddling = hold("plank", 1.0, 11.5, 5.0)  # 1 s on the first label, 1.5 s on the second
    assert match_holds(labels, [straddling])[0] == [[], [straddling]]
    assert match_holds((), [a]) == ([], [a])


def test_hold_timing_errors_target_and_top_pauses_apart():
    plank = spec("plank.mp4", 0, (), (HoldLabel("forearm_plank", 0.0, 8.45, 8.4),))
    wall = spec("wall.mp4", 5, ("wall",), (HoldLabel("plank", 5.77, 8.25, 2.43, True),
                                           HoldLabel("plank", 10.0, 12.0, 1.0, True)))
    items = [(plank, result("plank.mp4", holds=[hold("forearm_plank", 0.5, 8.4, 7.6)])),
             (wall, result("wall.mp4", holds=[hold("plank", 10.5, 12.0, 1.5), hold("plank", 20.0, 25.0, 4.0)])),
             (spec("main.mp4", 3), result("main.mp4", holds=[hold("plank", 0.0, 5.0, 5.0)]))]  # holds not labelled
    m = hold_timing(items, target_s=1.0)
    errors = [(row["file"], row["error_s"], row["exercise_right"]) for row in m["per_hold"]]
    assert errors == [("plank.mp4", pytest.approx(0.8), True), ("wall.mp4", pytest.approx(2.43), False),
                      ("wall.mp4", pytest.approx(0.5), True)]
    assert m["clips"] == 2 and m["all"]["holds"] == 3 and m["all"]["within_target"] == 2
    assert m["all"]["mean_error_s"] == pytest.approx((0.8 + 2.43 + 0.5) / 3)
    assert m["all"]["max_error_s"] == pytest.approx(2.43)
    assert m["deliberate"] == {"holds": 1, "within_target": 1, "mean_error_s": pytest.approx(0.8),
                               "max_error_s": pytest.approx(0.8)}
    assert (m["top_pauses"]["holds"], m["top_pauses"]["within_target"]) == (2, 1)
    assert [(u["file"], u["t_start_s"]) for u in m["unlabelled"]] == [("wall.mp4", 20.0)]
    assert hold_timing(items, target_s=0.5)["all"]["within_target"] == 1


# --- report -------------------------------------------------------------------------------

def _variant_run():
    clips = [spec("plank.mp4", 0, (), (HoldLabel("forearm_plank", 0.0, 8.0, 8.0),), source="A"),
             spec("climbers.mp4", 0, (), (), source="A"),
             spec("wall.mp4", 2, ("wall",), (), source="B"),
             spec("burpee.mp4", 3, ("standard",), (), source="B")]
    results = {"plank.mp4": result("plank.mp4", seconds={"forearm_plank": 8.0},
                                   holds=[hold("forearm_plank", 0.0, 8.0, 7.9)]),
               "climbers.mp4": result("climbers.mp4", [rec(1.0)], {"standard": 4.0}),
               "wall.mp4": result("wall.mp4", [rec(1, exercise="wall"), rec(2, exercise="wall")], {"wall": 6.0}),
               "burpee.mp4": result("burpee.mp4", seconds={"pike": 0.9})}
    return clips, results


def test_summary_and_reports_carry_the_variant_scores():
    clips, results = _variant_run()
    summary = summarise(clips, results, CONFIG)
    assert summary["no_pushup_clips"]["cycles"] == 1
    assert (summary["exercise_recognition"]["right"], summary["exercise_recognition"]["clips"]) == (1, 2)
    assert summary["hold_timing"]["all"]["within_target"] == 1
    row = next(r for r in summary["clips"] if r["file"] == "burpee.mp4")
    assert row["recognised_exercise"] == "pike" and row["exercises_labelled"] == ["standard"]
    summary.update(generalisation_summary([(c, results[c.file]) for c in clips], CONFIG))
    assert summary["by_source"]["A"]["no_pushup_clips"]["cycles"] == 1
    assert "exercise_recognition" not in summary["by_source"]["A"]  # A has no push-up clip to recognise
    assert summary["by_source"]["B"]["exercise_recognition"]["right"] == 1
    text = render_markdown(summary, "m.json")
    assert "False counts: **1** rep cycles" in text and "Right: **1 of 2**" in text
    assert "burpee.mp4 (standard recognised as pike)" in text
    assert "| plank.mp4 | forearm_plank | 0–8 | 8 | 7.90 | forearm_plank | 0.10 |" in text
    assert "| A | 1 on 2 clips | - | 1 of 1 (≤ 1 s) | 0.10 | 0.10 | 0 |" in text  # the by-source table
    assert "| B | - | 1 of 2 | none labelled | - | - | 0 |" in text
    printed = []
    print_table(summary, type("Out", (), {"write": staticmethod(printed.append)})())
    assert any(line.startswith("false counts on clips with no push-up: 1 cycles") for line in printed)
    assert any("exercise recognition 1 of 2" in line for line in printed)


def test_clips_without_variant_labels_report_as_before():
    clips = [spec("a.mp4", 3), spec("b.mp4", 2)]
    results = {"a.mp4": result("a.mp4", [rec(1), rec(2), rec(3)], {"standard": 5.0}, [hold("plank", 0, 5, 5)]),
               "b.mp4": result("b.mp4", [rec(1)])}
    summary = summarise(clips, results, CONFIG)
    assert not {"no_pushup_clips", "exercise_recognition", "hold_timing"} & set(summary)
    assert not {"recognised_exercise", "holds_timed"} & set(summary["clips"][0])
    sources = by_source([(c, results[c.file]) for c in clips], CONFIG)
    assert set(sources["s"]) == {"clips", "detailed", "counting", "faults_pooled", "verdict"}
    text = render_markdown(summary, "m.json")
    assert "Exercise recognition" not in text and "Hold timing" not in text and "no push-up" not in text


def test_each_transform_reports_the_exercise_recognised_and_the_holds_timed_against_scaled_labels():
    from livecoach.evaluation.augment import AUGMENTATIONS, transform_clip
    from livecoach.evaluation.generalisation import robustness_summary
    tempo2x = next(a for a in AUGMENTATIONS if a.name == "tempo2x")
    clips, results = _variant_run()
    fast = [transform_clip(c, tempo2x) for c in clips]
    assert fast[0].holds == (HoldLabel("forearm_plank", 0.0, 4.0, 4.0),)  # the hold's times at 2x
    # at 2x the app times the 8-s plank as 4 s (3.9 good): within the target of the scaled label,
    # not of the unscaled one (8 s)
    timed = {"plank.mp4": result("plank.mp4@tempo2x", seconds={"forearm_plank": 4.0},
                                 holds=[hold("forearm_plank", 0.0, 4.0, 3.9)]),
             "burpee.mp4": result("burpee.mp4@tempo2x", seconds={"standard": 0.5})}
    items = [(f, timed.get(c.file, results[c.file])) for c, f in zip(clips, fast)]
    summary = summarise(clips, results, CONFIG)
    summary["augment"] = {"original": robustness_summary([(c, results[c.file]) for c in clips], CONFIG, None),
                          "tempo2x": robustness_summary(items, CONFIG, tempo2x)}
    original, row = summary["augment"]["original"], summary["augment"]["tempo2x"]
    assert original["exercise_recognition"] == {"clips": 2, "right": 1, "accuracy": 0.5,
                                                "misses": {"burpee.mp4": "pike"}}
    assert row["exercise_recognition"] == {"clips": 2, "right": 2, "accuracy": 1.0, "misses": {}}
    assert (row["hold_timing"]["holds"], row["hold_timing"]["within_target"]) == (1, 1)
    assert row["hold_timing"]["mean_error_s"] == pytest.approx(0.1)
    assert "no_pushup_clips" not in row and row["zero_count_clips"]["cycles"] == 1
    text = render_markdown(summary, "m.json")
    assert row["hold_timing"]["deliberate"] == {"holds": 1, "within_target": 1}
    assert row["hold_timing"]["top_pauses"] == {"holds": 0, "within_target": 0}
    assert "| original | 1 of 2 | burpee.mp4 (pike) | 1 of 1 (≤ 1 s; deliberate 1 of 1) | 0.10 | 0 |" in text
    assert "| tempo2x | 2 of 2 | none | 1 of 1 (≤ 1 s; deliberate 1 of 1) | 0.10 | 0 |" in text
    plain = robustness_summary([(spec("a.mp4", 3), result("a.mp4", [rec(1), rec(2), rec(3)], {"standard": 5.0}))],
                               CONFIG, tempo2x)
    assert not {"exercise_recognition", "hold_timing"} & set(plain)  # the main set's rows as before
