"""A gzipped landmark recording cut short by a killed session replays up to the cut (issue 12 row 3)."""
from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

from livecoach.formats.recording import GZ_FLUSH_EVERY, read_recording

from conftest import REPO_ROOT

WRITER = textwrap.dedent("""
    import os, sys
    import numpy as np
    from livecoach.formats.recording import LandmarkWriter, RecordingHeader
    from livecoach.landmarks import NUM_LANDMARKS
    from livecoach.types import PoseFrame
    writer = LandmarkWriter(sys.argv[1], RecordingHeader("test", 640, 360, 30.0))
    for i in range(int(sys.argv[2])):
        t = i / 30.0
        pose = PoseFrame(t_s=t, frame_index=i, width=640, height=360,
                         image_xyz=np.full((NUM_LANDMARKS, 3), i % 300, dtype=np.float32),
                         visibility=np.ones(NUM_LANDMARKS, dtype=np.float32),
                         world_xyz=np.zeros((NUM_LANDMARKS, 3), dtype=np.float32))
        writer.write(i, t, pose)
    os._exit(0)  # like SIGKILL: no close, no flush of Python's buffers
""")


def _killed_after(path: Path, frames: int) -> None:
    subprocess.run([sys.executable, "-c", WRITER, str(path), str(frames)], cwd=REPO_ROOT, check=True, timeout=120)


def test_a_killed_gzip_recording_keeps_every_frame_up_to_the_last_sync_point(tmp_path, caplog):
    path = tmp_path / "r.jsonl.gz"
    _killed_after(path, 5 * GZ_FLUSH_EVERY + 7)
    with caplog.at_level(logging.WARNING, logger="livecoach"):
        _header, frames = read_recording(path)
    assert len(frames) >= 5 * GZ_FLUSH_EVERY - 1  # at most the frames after the last sync point are lost
    assert [f.frame_index for f in frames] == list(range(len(frames)))
    assert any("cut short" in r.getMessage() for r in caplog.records)


def test_a_killed_plain_recording_keeps_every_frame(tmp_path):
    path = tmp_path / "r.jsonl"
    _killed_after(path, 95)
    _header, frames = read_recording(path)
    assert len(frames) == 95


def test_the_replay_command_replays_a_cut_short_recording_with_one_notice(tmp_path):
    path = tmp_path / "r.jsonl.gz"
    _killed_after(path, 3 * GZ_FLUSH_EVERY + 5)
    result = subprocess.run([sys.executable, "-m", "livecoach", "replay", str(path), "--no-voice", "--no-history",
                             "--no-report", "--events", "-"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    notices = [line for line in result.stderr.splitlines() if "cut short" in line]
    assert len(notices) == 1 and notices[0].startswith("livecoach")
    end = [line for line in result.stdout.splitlines() if '"session_end"' in line]
    assert end and any(f'"frames": {n},' in end[0] for n in (3 * GZ_FLUSH_EVERY - 1, 3 * GZ_FLUSH_EVERY))
