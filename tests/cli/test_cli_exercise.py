"""--exercise / --variant / --hold on train, analyze and replay: parsed into SessionOptions."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from livecoach.cli import main as cli
from livecoach.config.exercises import load_exercises
from livecoach.config.schema import load_config
from livecoach.history.store import DB_FILENAME, SessionStore
from conftest import FIXTURES
from cli_helpers import run_cli


def options(*argv: str):
    return cli.session_options(cli.build_parser().parse_args(list(argv)))


@pytest.mark.parametrize("mode", [["train", "--headless"], ["analyze", "v.mp4"], ["replay", "x.jsonl"]])
def test_exercise_default_auto_forced_and_the_variant_alias(mode):
    assert options(*mode).exercise == "auto"
    assert options(*mode, "--exercise", "incline").exercise == "incline"
    knee = options(*mode, "--variant", "knee")
    assert (knee.exercise, knee.variant) == ("knee", "knee")
    assert options(*mode, "--exercise", "knee").variant == "knee"
    assert options(*mode, "--hold", "30").hold_target_s == 30.0
    assert options(*mode).hold_target_s is None


def test_exercise_choices_are_the_library_plus_auto():
    assert cli._exercise_choices() == ["auto"] + sorted(load_exercises())


@pytest.mark.parametrize("argv", [["--exercise", "handstand"], ["--hold", "-5"], ["--hold", "nan"],
                                  ["--hold", "soon"]])
def test_bad_exercise_or_hold_is_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.build_parser().parse_args(["replay", "x.jsonl", *argv])
    assert exc.value.code == 2


def test_replay_with_a_forced_exercise_files_every_rep_under_it(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    result = run_cli("replay", str(FIXTURES / "landmarks" / "variants__fitnease__knee_pushups.jsonl.gz"),
                     "--exercise", "knee", "--events", str(events), "--no-history")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    reps = [line for line in lines if line["type"] == "rep"]
    assert reps and all(r["exercise"] == "knee" and "knees_bent" not in r["faults"] for r in reps)
    assert [line["exercise"] for line in lines if line["type"] == "exercise"] == ["knee"]
    assert lines[-1]["exercises"] == ["knee"]


def test_a_person_in_a_plank_doing_no_push_up_is_told_so_not_to_move_the_camera(tmp_path: Path) -> None:
    """Mountain climbers (a person in view, in a plank on the hands, never in a push-up): the
    closing line said to put the camera at floor level, side-on, which the camera already was,
    and then that they were never in a plank, which they were."""
    config = load_config()
    result = run_cli("replay", str(FIXTURES / "landmarks" / "variants__fitnease__mountain_climbers_slow.jsonl.gz"),
                     "--save", "--data-dir", str(tmp_path), "--no-voice")
    assert result.returncode == 0, result.stderr
    assert config.advice.nothing_in_plank in result.stdout and "Nothing was added to the history" in result.stdout
    assert config.advice.nothing not in result.stdout and config.advice.nothing_in_view not in result.stdout
    assert "(replay, exercise: auto, from your posture)" in result.stderr


def test_without_a_history_a_session_with_no_push_up_still_says_why(tmp_path: Path) -> None:
    """--no-history writes no summary; a session that counted nothing said only "0 reps"."""
    config = load_config()
    result = run_cli("replay", str(FIXTURES / "landmarks" / "variants__fitnease__mountain_climbers_slow.jsonl.gz"),
                     "--no-history", "--no-voice")
    assert result.returncode == 0, result.stderr
    assert config.advice.nothing_in_plank in result.stdout and "history" not in result.stdout
    plank = run_cli("replay", str(FIXTURES / "landmarks" / "variants__fitnease__plank.jsonl.gz"), "--no-history",
                    "--no-voice")  # a timed hold is something: nothing to explain
    assert plank.returncode == 0 and "No push-up was seen" not in plank.stdout



def test_a_plank_on_its_own_is_kept_in_the_history_and_summarised_as_a_hold(tmp_path: Path) -> None:
    result = run_cli("replay", str(FIXTURES / "landmarks" / "variants__fitnease__plank.jsonl.gz"),
                     "--save", "--data-dir", str(tmp_path), "--quiet", "--no-report")
    assert result.returncode == 0, result.stderr
    assert "Forearm plank: 8.4 s in good form of 8.4 s" in result.stdout
    assert "No push-up was seen" not in result.stdout and "Nothing was added" not in result.stdout
    assert "Reps 0" not in result.stdout  # no rep totals for a hold on its own
    with SessionStore(tmp_path / DB_FILENAME) as store:
        (hold,) = store.load_session(1).holds
    assert (hold.seq, hold.record.exercise, hold.record.top_pause) == (1, "forearm_plank", False)
    assert round(hold.record.seconds_good, 1) == round(hold.record.seconds_total, 1) == 8.4


def test_the_summary_lists_pauses_at_the_top_after_the_reps(tmp_path: Path) -> None:
    result = run_cli("replay", str(FIXTURES / "landmarks" / "variants__fitnease__wide_arm_pushups.jsonl.gz"),
                     "--data-dir", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    summary = result.stdout[result.stdout.index("Reps 5"):]
    holds = summary[summary.index("Holds:"):].split("\n\n")[0].splitlines()[1:]
    assert len(holds) == 2 and all("pause at the top (plank):" in line for line in holds)
    assert "2.2 s in good form of 2.2 s" in holds[0] and "broken by hip pike" in holds[1]


def test_a_hold_still_running_when_the_replay_ends_is_kept(tmp_path):
    """The first 5 s of the forearm-plank recording: the plank is still held at the end."""
    short = tmp_path / "plank_first_5s.jsonl.gz"
    with gzip.open(FIXTURES / "landmarks" / "variants__fitnease__plank.jsonl.gz", "rt") as src, \
            gzip.open(short, "wt") as dst:
        for line in src:
            row = json.loads(line)
            if "t" in row and row["t"] > 5.0:
                break
            dst.write(line)
    result = run_cli("replay", str(short), "--save", "--data-dir", str(tmp_path / "data"), "--quiet", "--no-report")
    assert result.returncode == 0, result.stderr
    with SessionStore(tmp_path / "data" / DB_FILENAME) as store:
        (hold,) = store.load_session(1).holds
    assert hold.record.exercise == "forearm_plank" and hold.record.t_end_s == pytest.approx(5.0, abs=0.1)
    assert 4.0 <= hold.record.seconds_good <= 5.0
    assert "Forearm plank: " in result.stdout
