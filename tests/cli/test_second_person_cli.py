"""`livecoach analyze` on a two-person video made in the test from two shared clips side by side:
one notice line and one ``notice`` event (kind ``second_person``); with ``[capture]
second_person_check_s = 0`` the same events without it; a one-person clip gives none (runs
MediaPipe: marker `model`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import cv2
import numpy as np
import pytest

from cli_helpers import run_cli

pytestmark = pytest.mark.model


def read(path: Path, n: int) -> List[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    while len(out) < n:
        ok, image = cap.read()
        if not ok:
            break
        h, w = image.shape[:2]
        out.append(cv2.resize(image, (round(w * 360 / h), 360), interpolation=cv2.INTER_AREA))
    cap.release()
    return out


def two_person_video(shared_videos: Path, path: Path, seconds: float = 3.0) -> Path:
    """pushfit wrong49 (side view, in a plank from the start) beside vraj (kneeling, then a plank)."""
    n = int(seconds * 30)
    left, right = read(shared_videos / "pushfit__wrong49.mp4", n), read(shared_videos / "vraj__pushups.mp4", n)
    n = min(len(left), len(right))
    size = (left[0].shape[1] + right[0].shape[1], 360)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, size)
    for i in range(n):
        writer.write(np.hstack([left[i], right[i]]))
    writer.release()
    return path


def events_of(path: Path) -> List[Dict[str, Any]]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    lines[-1].pop("fps")  # wall clock
    return lines


def test_a_second_person_is_told_once_and_changes_no_count(shared_videos: Path, tmp_path: Path):
    video = two_person_video(shared_videos, tmp_path / "two.mp4")
    on = run_cli("analyze", str(video), "--no-history", "--events", str(tmp_path / "on.jsonl"))
    assert on.returncode == 0, on.stderr
    notices = [line for line in on.stderr.splitlines() if "second person" in line]
    assert len(notices) == 1 and notices[0].startswith("livecoach: notice: ")
    assert "LiveCoach follows one person" in notices[0]
    events = events_of(tmp_path / "on.jsonl")
    found = [e for e in events if e["type"] == "notice"]
    assert len(found) == 1 and found[0]["kind"] == "second_person" and 1.9 <= found[0]["t"] <= 3.0

    off_config = tmp_path / "off.toml"
    off_config.write_text("[capture]\nsecond_person_check_s = 0\n")
    off = run_cli("analyze", str(video), "--no-history", "--config", str(off_config),
                  "--events", str(tmp_path / "off.jsonl"))
    assert off.returncode == 0, off.stderr
    assert "second person" not in off.stderr
    assert [e for e in events if e["type"] != "notice"] == events_of(tmp_path / "off.jsonl")


def test_one_person_gives_no_notice(shared_videos: Path, tmp_path: Path):
    # pushfit__correct60: 94 frames (one process whatever --jobs says), so two looks (0 s, 2 s).
    result = run_cli("analyze", str(shared_videos / "pushfit__correct60.mp4"), "--no-history",
                     "--jobs", "1", "--events", str(tmp_path / "one.jsonl"))
    assert result.returncode == 0, result.stderr
    assert "second person" not in result.stderr
    events = events_of(tmp_path / "one.jsonl")
    assert not [e for e in events if e["type"] == "notice"]
    assert events[-1]["frames_with_pose"] > 0


def test_a_plan_set_up_check_asks_for_one_person(shared_videos: Path, tmp_path: Path):
    # Left: tayyab's talking-head segment (standing, facing the camera, 25.2-28.7 s), played
    # forward then back; right: vraj kneeling, then in a plank. Whoever is tracked, the plan's
    # set-up check runs before the first set (a plank hold) and hears of the second person.
    cap = cv2.VideoCapture(str(shared_videos / "tayyab__pushup.mp4"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, int(25.3 * cap.get(cv2.CAP_PROP_FPS)))
    standing = []
    while len(standing) < 95:
        ok, image = cap.read()
        if not ok:
            break
        standing.append(cv2.resize(image, (round(image.shape[1] * 360 / image.shape[0]), 360)))
    cap.release()
    left = standing + standing[::-1]
    right = read(shared_videos / "vraj__pushups.mp4", len(left))
    video = tmp_path / "standing_and_kneeling.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 30.0,
                             (left[0].shape[1] + right[0].shape[1], 360))
    for a, b in zip(left, right):
        writer.write(np.hstack([a, b]))
    writer.release()
    result = run_cli("analyze", str(video), "--plan", "back_focused", "--no-history", "--events",
                     str(tmp_path / "plan.jsonl"))
    assert result.returncode == 0, result.stderr
    events = events_of(tmp_path / "plan.jsonl")
    notice = [e["t"] for e in events if e["type"] == "notice"]
    two = [e for e in events if e["type"] == "setup" and e["check"] == "two_people"]
    assert len(notice) == 1 and two and two[0]["t"] > notice[0]
    assert two[0]["message"] == "Only one person in the picture, please"
