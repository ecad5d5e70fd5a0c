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
    result = run_cli("analyze", str(shared_videos / "kaiakol__pushup_incorrect_001.mp4"), "--no-history",
                     "--events", str(tmp_path / "one.jsonl"))
    assert result.returncode == 0, result.stderr
    assert "second person" not in result.stderr
    events = events_of(tmp_path / "one.jsonl")
    assert not [e for e in events if e["type"] == "notice"]
    assert events[-1]["frames_with_pose"] > 0
