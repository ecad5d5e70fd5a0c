"""A real clip paced to real time stands in for a webcam (behavioural check, real video).

Skips when ``../shared/videos`` is absent (a user's fresh checkout).
"""
from __future__ import annotations

import time

import pytest

from livecoach.capture.paced_video import PacedVideoSource
from livecoach.capture.thread import CaptureThread
from livecoach.config.schema import load_config

CLIPS = ("kaiakol__pushup_correct_001.mp4", "pushfit/correct1.mp4")


def duration_of(source: PacedVideoSource) -> float:
    return source.frame_count / source.fps


@pytest.fixture(scope="module")
def clip(shared_videos):
    for name in CLIPS:
        if (shared_videos / name).is_file():
            return shared_videos / name
    pytest.skip(f"none of {CLIPS} in {shared_videos}")


@pytest.mark.parametrize("consumer_s", [0.0, 0.06], ids=["fast-consumer", "slow-consumer"])
def test_paced_clip_plays_in_real_time_whatever_the_consumer(clip, consumer_s):
    source = PacedVideoSource(clip)
    thread = CaptureThread.for_config(source, load_config().capture)
    t0 = time.monotonic()
    thread.start()
    delivered = []
    for frame in thread.frames(timeout=1.0):
        elapsed = time.monotonic() - t0
        delivered.append(frame)
        # Never ahead of the clock: a frame is handed out no earlier than its video time.
        assert frame.t_s <= elapsed + 0.005, (frame.index, frame.t_s, elapsed)
        if consumer_s:
            time.sleep(consumer_s)
    end = time.monotonic()
    # Playback starts with frame 0 (opening the file and the decoder is not playback).
    wall_s = end - delivered[0].captured_monotonic_s
    assert delivered[0].index == 0
    assert end - t0 < duration_of(source) + 1.0  # and opening took well under a second
    duration_s = source.frame_count / source.fps
    assert abs(wall_s - duration_s) <= 0.05 * duration_s, f"wall {wall_s:.3f} s vs clip {duration_s:.3f} s"
    stats = thread.stats()
    assert stats.frames_read + stats.frames_skipped_by_source == source.frame_count
    if consumer_s:
        # ~16 fps consumer on a 25-30 fps clip: frames are lost, not queued up.
        assert stats.frames_lost > 0.2 * source.frame_count
        assert delivered[-1].index == source.frame_count - 1
    else:
        assert stats.frames_lost < 0.1 * source.frame_count  # an idle consumer keeps up
