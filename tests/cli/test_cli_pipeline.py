"""`livecoach analyze` in one process with the pipelined loop and with --no-pipeline: the same events;
with --jobs 2 (poses extracted by two processes over chunks of the video): the same reps and faults."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli


@pytest.mark.model
def test_analyze_pipelined_and_sequential_give_the_same_events(tmp_path: Path, shared_videos: Path) -> None:
    clip = shared_videos / "pushfit__correct60.mp4"  # 94 frames, 3 reps: the stream is compared event by event
    streams = []
    for flags in (["--jobs", "1"], ["--jobs", "1", "--no-pipeline"]):
        events = tmp_path / f"events{len(flags)}.jsonl"
        result = run_cli("analyze", str(clip), "--no-history", "--quiet", "--events", str(events), *flags,
                         timeout=600)
        assert result.returncode == 0, result.stderr
        lines = [json.loads(line) for line in events.read_text().splitlines()]
        lines[-1].pop("fps")  # processing speed: the one wall-clock figure in the stream
        streams.append(lines)
    assert streams[0] == streams[1]
    assert streams[0][-1]["reps"] >= 1


def _reps_and_faults(events: Path) -> list:
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    return [(e["type"], e.get("index"), tuple(e.get("faults", ())), e.get("reason")) for e in lines
            if e["type"] in ("rep", "no_rep", "session_end")] + [
        (e["reps"], e["no_reps"], e["frames"], e["form_verdict"]) for e in lines if e["type"] == "session_end"]


def _frames_with_pose(events: Path) -> int:
    return [json.loads(line) for line in events.read_text().splitlines()][-1]["frames_with_pose"]


@pytest.mark.model
def test_analyze_with_two_processes_gives_the_reps_and_faults_of_one(tmp_path: Path, shared_videos: Path) -> None:
    clip = shared_videos / "aigym__pushup.mp4"  # 264 frames of 640x360: two chunks of 132
    results, with_pose = [], []
    for jobs in ("1", "2"):
        events = tmp_path / f"events{jobs}.jsonl"
        result = run_cli("analyze", str(clip), "--no-history", "--quiet", "--events", str(events), "--jobs", jobs,
                         timeout=600)
        assert result.returncode == 0, result.stderr
        results.append(_reps_and_faults(events))
        with_pose.append(_frames_with_pose(events))
    assert results[0] == results[1]
    # The second chunk's tracker starts on its own (warmed on the frames before it): the person
    # can be found a frame or two sooner or later there, never with other reps or faults.
    assert abs(with_pose[0] - with_pose[1]) <= 0.02 * 264
    assert results[0][-1][0] >= 1  # reps counted


def test_analyze_refuses_a_bad_jobs_count(tmp_path: Path) -> None:
    result = run_cli("analyze", str(tmp_path / "clip.mp4"), "--jobs", "0")
    assert result.returncode == 2 and "--jobs" in result.stderr and "Traceback" not in result.stderr
