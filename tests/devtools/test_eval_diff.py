"""tools.eval_diff: every figure that differs between two eval summaries, including what pooled
figures hide (hand-made summaries; no clip is replayed)."""
from __future__ import annotations

import copy
import json

from tools import eval_diff


def _fault(tp=0, fp=0, fn=0, tn=0, not_judged=0):
    judged = tp + fp
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "not_judged": not_judged,
            "precision": tp / judged if judged else None, "recall": None}


def _summary():
    row = {"counting": {"livecoach": {"mae": 0.0}}, "faults": {"hip_sag": _fault(tp=1, tn=2, not_judged=1)},
           "clips": [{"file": "a.mp4@tempo2x", "cycles": 3}, {"file": "wall.mp4@tempo2x", "cycles": 5}]}
    return {"settings": {"elapsed_s": 12.5}, "faults": {"hip_sag": _fault(tp=1, tn=2, not_judged=1)},
            "clips": [{"file": "a.mp4", "cycles": 3, "faults_predicted": {"hip_sag": True}},
                      {"file": "wall.mp4", "cycles": 5, "faults_predicted": {"hip_sag": False}}],
            "augment": {"original": copy.deepcopy(row), "tempo2x": copy.deepcopy(row)}}


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_two_runs_that_differ_only_in_their_settings_have_no_difference(tmp_path, capsys):
    before, after = _summary(), _summary()
    after["settings"]["elapsed_s"] = 99.0  # how the run was made, not what it measured
    assert eval_diff.main([_write(tmp_path, "b.json", before), _write(tmp_path, "a.json", after)]) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() == "no difference"


def test_a_judgement_lost_on_the_no_side_is_reported_though_precision_and_recall_stay():
    # the wall push-ups' hip sag: "no" -> "not judged" under a transform; P and R do not move
    before, after = _summary(), _summary()
    after["augment"]["tempo2x"]["faults"]["hip_sag"] = _fault(tp=1, tn=1, not_judged=2)
    after["clips"][1]["faults_predicted"]["hip_sag"] = None
    assert after["augment"]["tempo2x"]["faults"]["hip_sag"]["precision"] == before["faults"]["hip_sag"]["precision"]
    lines = eval_diff.diff_summaries(before, after)
    assert lines == ["clips.wall.mp4.faults_predicted.hip_sag: false -> null",
                     "augment.tempo2x.faults.hip_sag.tn: 2 -> 1",
                     "augment.tempo2x.faults.hip_sag.not_judged: 1 -> 2"]


def test_clips_are_matched_by_file_and_a_condition_one_run_lacks_is_named():
    before, after = _summary(), _summary()
    after["augment"]["tempo2x"]["clips"].reverse()  # order is no difference
    after["augment"]["tempo2x"]["clips"][0]["cycles"] = 4
    del after["augment"]["original"]
    lines = eval_diff.diff_summaries(before, after)
    assert lines == ["augment.original: only before", "augment.tempo2x.clips.wall.mp4@tempo2x.cycles: 5 -> 4"]


def test_a_file_that_is_no_eval_summary_is_one_line_and_exit_2(tmp_path, capsys):
    good = _write(tmp_path, "good.json", _summary())
    assert eval_diff.main([good, _write(tmp_path, "list.json", [1, 2])]) == 2
    assert eval_diff.main([good, str(tmp_path / "missing.json")]) == 2
    (tmp_path / "broken.json").write_text("{")
    assert eval_diff.main([str(tmp_path / "broken.json"), good]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("eval_diff: error: ") for line in err)
    assert "list.json" in err[0] and "missing.json" in err[1] and "broken.json" in err[2]


def test_differences_exit_1_and_print_one_line_each(tmp_path, capsys):
    before, after = _summary(), _summary()
    after["clips"][0]["cycles"] = 2
    assert eval_diff.main([_write(tmp_path, "b.json", before), _write(tmp_path, "a.json", after)]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == ["clips.a.mp4.cycles: 3 -> 2"] and out.err.strip() == "1 difference(s)"
