"""The poses of a video's later chunks, extracted by worker processes while the session runs the
first chunk itself (``analyze --jobs``, issue 13): handed over in frame order; a worker's error,
or its death, reaches the session in one line; closing stops the workers at once.

The workers here are spawned processes running :func:`helpers.fake_pose_chunk` (no model, no
video): the real extraction is ``_extract_chunk``'s, checked in test_parallel_extraction.py, and
the whole path against one process in tests/cli/test_cli_pipeline.py (``model``).
"""
from __future__ import annotations

import contextlib
import time
from typing import Iterator

import pytest

from helpers import fake_pose_chunk
from livecoach.capture.base import CaptureError
from livecoach.capture.parallel import PoseStream, stream_chunk_bounds
from livecoach.config.schema import load_config

POSE = load_config().pose


@contextlib.contextmanager
def _stream(name: str, frames: int = 300, workers: int = 2) -> Iterator[PoseStream]:
    """Started fake workers over a video called ``name``; closed on leaving the block."""
    stream = PoseStream(f"/nowhere/{name}.mp4", POSE, frames, workers, overlap_frames=30, worker=fake_pose_chunk)
    stream.start()
    try:
        yield stream
    finally:
        stream.close()


@pytest.mark.parametrize("frames,workers", [(300, 2), (361, 3)])
def test_the_workers_poses_come_in_frame_order_from_the_first_frame_not_run_here(frames, workers):
    with _stream(f"clip-{frames}", frames, workers) as stream:
        assert stream.in_process_end == stream_chunk_bounds(frames, workers, 30)[1][1]
        with pytest.raises(ValueError):
            stream.pose(stream.in_process_end - 1)  # this process's own frame
        poses = [stream.pose(i) for i in range(stream.in_process_end, frames)]
        assert [p.frame_index for p in poses] == list(range(stream.in_process_end, frames))
        # The last chunk reads to the end of the file, whatever the container said: none here.
        assert stream.pose(frames + 100) is None


def test_frames_after_a_worker_ran_out_of_video_have_no_pose():
    with _stream("short") as stream:
        first = stream.in_process_end
        assert [stream.pose(i) is not None for i in range(first, first + 12)] == [True] * 10 + [False] * 2


def test_a_workers_error_is_raised_where_its_pose_is_asked_for():
    with _stream("fail") as stream:
        first = stream.in_process_end
        assert stream.pose(first) is not None  # the frames before the failure still come
        with pytest.raises(ValueError, match="the model broke"):
            for i in range(first, first + 20):
                stream.pose(i)


def test_a_worker_that_dies_is_one_line_naming_the_video():
    with _stream("die") as stream:
        with pytest.raises(CaptureError) as info:
            stream.pose(stream.in_process_end)
        assert "die.mp4" in str(info.value) and "exit code 3" in str(info.value)
        assert "\n" not in str(info.value)


def test_closing_stops_busy_workers_at_once():
    with _stream("slow") as stream:
        stream.pose(stream.in_process_end)
        processes = [s.process for s in stream._streams]
        started = time.monotonic()
        stream.close()
        assert time.monotonic() - started < 3.0
        assert not any(p.is_alive() for p in processes)
