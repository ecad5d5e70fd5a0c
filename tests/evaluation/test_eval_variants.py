"""The variants manifest's labels in ``livecoach eval``: exercises, rep exercises and holds read
from the manifest and kept by the replay, on hand-made manifests and results."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.manifest import ClipSpec, EvalError, HoldLabel, load_manifest
from livecoach.evaluation.replay import ClipResult, replay_frames
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
