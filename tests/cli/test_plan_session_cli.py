"""``livecoach replay RECORDING --plan NAME --events -`` on committed landmark recordings of real
clips: the set events come out in order, through the same ``--events`` stream as the reps; and
``livecoach train --video CLIP --plan NAME --headless`` on a shared clip darkened and shrunk in
the test: the set-up advice, and the first set waiting for it; on a real clip, the set ending
when he stands up and walks out.

tayyab__pushup.mp4 (manifest notes): nine good reps 0.6-25.1 s, stands and talks 25.2-28.7 s, then
five more (three sagging). vraj__pushups.mp4: four reps 1.6-9.1 s, stands up from 9.2 s and walks
out; an empty room from 10.6 s to the end (12.0 s).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest
from cli_helpers import run_cli
from helpers import read_video, write_video
from conftest import REPO_ROOT

from livecoach.formats.events import EVENTS_SCHEMA_VERSION
from livecoach.formats.recording import LandmarkWriter, read_recording

LANDMARKS = REPO_ROOT / "tests" / "fixtures" / "landmarks"

PLAN = """
name = "two_steps"
title = "Two steps"
description = "Standard push-ups, then decline push-ups."
adapt = false

[[blocks]]
name = "main"
rounds = 1
rest_s = {rest}
sets = 1

  [[blocks.entries]]
  exercise = "standard"
  target_min = 8
  target_max = 12

  [[blocks.entries]]
  exercise = "decline"
  target_min = 4
  target_max = 5
"""

PLAN_TYPES = ("set_start", "set_end", "rest", "advice", "setup", "plan_paused", "plan_resumed", "plan_done")


def replay_with_plan(tmp_path: Path, clip: str, rest_s: float) -> List[Dict[str, Any]]:
    (tmp_path / "two_steps.toml").write_text(PLAN.format(rest=rest_s))
    result = run_cli("replay", str(LANDMARKS / clip), "--plan", "two_steps", "--plans-dir", str(tmp_path),
                     "--events", "-", "--no-history")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert all(e["v"] == EVENTS_SCHEMA_VERSION for e in events)
    assert events[0]["type"] == "session_start" and events[-1]["type"] == "session_end"
    return events


def test_a_plan_replayed_on_a_real_clip_emits_its_sets_in_order(tmp_path: Path) -> None:
    events = replay_with_plan(tmp_path, "tayyab__pushup.mp4.jsonl.gz", rest_s=2.0)
    plan = [e for e in events if e["type"] in PLAN_TYPES]
    assert [e["type"] for e in plan] == ["set_start", "set_end", "rest", "set_start", "set_end", "advice",
                                         "plan_done"]
    first, end1, rest, second, end2, advice, done = plan
    assert (first["plan"], first["set"], first["of"], first["exercise"], first["target_min"],
            first["target_max"]) == ("two_steps", 1, 1, "standard", 8, 12)
    assert first["t"] < 1.0
    assert (end1["reps"], end1["reason"]) == (9, "stood_up") and 25.2 < end1["t"] < 25.2 + 3.0
    assert rest["seconds"] == 2.0 and rest["next"] == "decline"
    assert second["exercise"] == "decline" and 28.7 < second["t"] < 33.0
    assert (end2["reps"], end2["reason"]) == (5, "target")
    assert (advice["kind"], advice["from"], advice["to"]) == ("regress", "decline", "standard")
    assert (done["sets"], done["reps"]) == (2, 14)
    times = [e["t"] for e in plan]
    assert times == sorted(times)
    # The reps of the session are the sets' reps: one stream, the rep events between the set events.
    reps = [e for e in events if e["type"] == "rep"]
    assert len(reps) == 14 and all(first["t"] <= r["t"] <= end2["t"] for r in reps)
    said = [e["text"] for e in events if e["type"] == "cue"]
    assert said[0] == "Set 1 of 1: standard push-ups, 8 to 12 reps"
    assert "Set done: 9 reps" in said and said[-1] == "Workout done: 2 sets, 14 reps"
    # The cue policy's own counting and "set done" are off while a plan runs: the plan says them.
    assert not [e for e in events if e["type"] == "cue" and e["key"] in ("count", "set_done")]


def test_the_set_ends_when_the_person_stands_up_and_walks_out(tmp_path: Path) -> None:
    # vraj gets up from 9.2 s and is out of view from 10.3 s; his recording ends 1.7 s later. A set
    # ends 2 s after the person stands or leaves, and his crouch on the way up (filmed from 13 degrees
    # below) reads 53-62 degrees from the floor, standing (60) only from 10.17 s: the empty room goes
    # on here for another second.
    header, frames = read_recording(LANDMARKS / "vraj__pushups.mp4.jsonl.gz")
    step_s = frames[-1].t_s - frames[-2].t_s
    clip = tmp_path / "vraj_then_an_empty_room.jsonl.gz"
    with LandmarkWriter(clip, header) as writer:
        for frame in frames:
            writer.write(frame.frame_index, frame.t_s, frame.pose)
        for k in range(1, int(round(1.0 / step_s)) + 1):
            writer.write(frames[-1].frame_index + k, frames[-1].t_s + k * step_s, None)
    events = replay_with_plan(tmp_path, str(clip), rest_s=60.0)
    plan = [e for e in events if e["type"] in PLAN_TYPES]
    assert [e["type"] for e in plan][:4] == ["set_start", "set_end", "rest", "advice"]
    start, end, rest, advice = plan[:4]
    assert start["t"] < 1.6  # in position before the first rep
    assert (end["reps"], end["reason"]) == (4, "stood_up")
    assert 10.1 + 2.0 < end["t"] < 10.3 + 2.0 + 0.2  # 2 s after he stands (10.17 s) or leaves (10.3 s)
    assert rest["seconds"] == 60.0
    assert (advice["kind"], advice["from"], advice["to"]) == ("regress", "standard", "incline")
    assert not [e for e in plan if e["type"] == "set_start" and e["t"] > end["t"]]  # nobody came back


HOLD_PLAN = """
name = "hold_then_reps"
title = "Hold, then reps"
description = "A forearm plank, then standard push-ups."
adapt = false

[[blocks]]
name = "main"
rounds = 1
rest_s = 5.0
sets = 1

  [[blocks.entries]]
  exercise = "forearm_plank"
  target_min = 5
  target_max = 8

  [[blocks.entries]]
  exercise = "standard"
  target_min = 4
  target_max = 5
"""


def test_a_hold_set_is_timed_on_a_real_clip_and_ends_at_its_target(tmp_path: Path) -> None:
    # variants/fitnease plank: a forearm plank in good form for about 8.4 s (manifest)
    (tmp_path / "hold_then_reps.toml").write_text(HOLD_PLAN)
    result = run_cli("replay", str(LANDMARKS / "variants__fitnease__plank.jsonl.gz"), "--plan", "hold_then_reps",
                     "--plans-dir", str(tmp_path), "--events", "-", "--no-history")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    plan = [e for e in events if e["type"] in PLAN_TYPES]
    assert [e["type"] for e in plan][:3] == ["set_start", "set_end", "rest"]
    start, end, rest = plan[:3]
    assert (start["exercise"], start["unit"]) == ("forearm_plank", "seconds")
    assert (end["reason"], end["reps"]) == ("target", 0) and end["hold_s"] >= 8.0
    assert 7.0 <= end["t"] - start["t"] <= 10.0  # timed from the first frame in position
    assert rest["next"] == "standard"


def write_setup_video(source: Path, target: Path) -> float:
    """``source`` (a well-framed side view, in position from the first frame) rewritten as: its
    first 2.5 s darkened to 15 % (a dim room), the next 2.5 s shrunk to 40 % and padded (too far
    away), the rest as it is. Returns the frame rate."""
    import cv2  # test-side only: building the clip

    fps, frames = read_video(source)
    height, width = frames[0].shape[:2]
    changed = []
    for i, image in enumerate(frames):
        t = i / fps
        if t < 2.5:
            image = (image.astype(np.float32) * 0.15).astype(np.uint8)
        elif t < 5.0:
            small = cv2.resize(image, (int(width * 0.4), int(height * 0.4)), interpolation=cv2.INTER_AREA)
            canvas = np.empty_like(image)
            canvas[:] = small.mean(axis=(0, 1)).astype(np.uint8)
            y0, x0 = (height - small.shape[0]) // 2, (width - small.shape[1]) // 2
            canvas[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
            image = canvas
        changed.append(image)
    write_video(target, changed, fps)
    return fps


@pytest.mark.model
def test_train_on_a_dark_then_far_then_well_framed_clip_says_each_and_waits_for_it(tmp_path: Path,
                                                                                  shared_videos: Path) -> None:
    # pushfit__wrong49: floor-level side view, the whole body in the picture, in position at once.
    video = tmp_path / "dark_far_ok.mp4"
    write_setup_video(shared_videos / "pushfit__wrong49.mp4", video)
    (tmp_path / "two_steps.toml").write_text(PLAN.format(rest=30.0))  # set 1: standard push-ups, 8-12
    result = run_cli("train", "--video", str(video), "--plan", "two_steps", "--plans-dir", str(tmp_path),
                     "--headless", "--no-history", "--no-voice", "--events", "-")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    setup = [(e["t"], e["check"], e["message"]) for e in events if e["type"] == "setup"]
    checks = [c for _t, c, _m in setup]
    assert checks == ["too_dark", "too_far", "ok"], setup
    (t_dark, _, dark), (t_far, _, far), (t_ok, _, ok) = setup
    assert t_dark <= 2.0 and dark == "Turn on a light"
    assert 2.5 < t_far < 5.0 and far == "Come closer to the camera"
    assert 5.0 < t_ok <= 7.5 and ok == "Ready"
    # the first set waited through the dark and the far part (he was in position all along)
    start = next(e for e in events if e["type"] == "set_start")
    assert start["t"] >= 5.0
    said = [e["text"] for e in events if e["type"] == "cue"]
    assert "Turn on a light" in said and "Come closer to the camera" in said


@pytest.mark.model
def test_train_on_a_real_clip_ends_the_set_when_he_stands_up_and_walks_out(tmp_path: Path,
                                                                           shared_videos: Path) -> None:
    # vraj: four reps 1.6-9.1 s, stands up at 9.2 s and walks out; the room is empty from 10.6 s.
    # Three more seconds of the empty room are added so that the set can end before the video does.
    fps, frames = read_video(shared_videos / "vraj__pushups.mp4")
    video = tmp_path / "vraj_and_empty_room.mp4"
    write_video(video, frames + [frames[-1]] * int(3 * fps), fps)
    (tmp_path / "two_steps.toml").write_text(PLAN.format(rest=30.0))
    result = run_cli("train", "--video", str(video), "--plan", "two_steps", "--plans-dir", str(tmp_path),
                     "--headless", "--no-history", "--no-voice", "--events", "-")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    plan = [e for e in events if e["type"] in ("set_start", "set_end", "rest")]
    assert [e["type"] for e in plan] == ["set_start", "set_end", "rest"]
    start, end, rest = plan
    assert start["t"] < 2.5 and (start["exercise"], start["target_min"]) == ("standard", 8)
    assert end["reason"] == "stood_up" and 9.2 < end["t"] < 13.0
    assert end["reps"] >= 3  # live, paced: a loaded machine may drop the frames of one rep
    assert rest["seconds"] == 30.0 and rest["next"] == "decline"  # nobody came back: set 2 never starts
