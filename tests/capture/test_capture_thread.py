"""CaptureThread with fake sources injected: drops, hand-off, stop, errors, end, camera lost.

Fast (no video, no camera): each fake produces tiny frames on its own schedule.
"""
from __future__ import annotations

import threading
import time
from typing import List, Optional

import numpy as np
import pytest

from livecoach.capture.base import CameraLost, CaptureError, EndOfStream, FrameSource, WorkerState
from livecoach.capture.thread import CaptureThread
from livecoach.types import Frame

_IMAGE = np.zeros((4, 4, 3), np.uint8)


class FakeSource(FrameSource):
    """Frames 0..count-1 (endless if count is None), one every ``interval_s``.

    ``fail_at``: raise ``error`` instead of that frame. ``stall_at``: from that frame on,
    block inside read() like a hung camera driver (until interrupted, if ``interruptible``).
    ``open_blocks``: open() hangs until interrupted.
    """

    def __init__(self, count: Optional[int] = None, interval_s: float = 0.0, live: bool = True,
                 fail_at: Optional[int] = None, error: Optional[BaseException] = None,
                 stall_at: Optional[int] = None, interruptible: bool = True,
                 open_error: Optional[BaseException] = None, open_blocks: bool = False) -> None:
        self.count = count
        self.interval_s = interval_s
        self.live = live
        self.fail_at = fail_at
        self.error = error or ValueError("decoder exploded")
        self.stall_at = stall_at
        self.interruptible = interruptible
        self.open_error = open_error
        self.open_blocks = open_blocks
        self.next_index = 0
        self.opened = False
        self.closed = False
        self.read_thread: Optional[str] = None
        self._wake = threading.Event()

    name = "fake source"  # type: ignore[assignment]

    @property
    def fps(self) -> float:
        return 1.0 / self.interval_s if self.interval_s else 100.0

    @property
    def frame_count(self) -> Optional[int]:
        return self.count

    @property
    def is_live(self) -> bool:
        return self.live

    def open(self) -> None:
        if self.open_blocks:
            self._wake.wait(30)
        if self.open_error is not None:
            raise self.open_error
        self.opened = True

    def read(self) -> Optional[Frame]:
        self.read_thread = threading.current_thread().name
        i = self.next_index
        if self.count is not None and i >= self.count:
            return None
        if self.fail_at is not None and i >= self.fail_at:
            raise self.error
        if self.stall_at is not None and i >= self.stall_at:
            if self.interruptible:
                self._wake.wait(30)
                return None
            time.sleep(1.5)  # a driver call that ignores interrupts
            return None
        if self.interval_s:
            if self._wake.wait(self.interval_s):
                return None
        self.next_index += 1
        return Frame(index=i, t_s=i / self.fps, image=_IMAGE, captured_monotonic_s=time.monotonic())

    def interrupt(self) -> None:
        if self.interruptible:
            self._wake.set()

    def close(self) -> None:
        self.closed = True


def _drain(thread: CaptureThread, per_frame_s: float = 0.0, timeout: float = 2.0) -> List[Frame]:
    frames = []
    while True:
        try:
            frame = thread.get(timeout=timeout)
        except EndOfStream:
            return frames
        assert frame is not None, "no frame and no end of stream within the timeout"
        frames.append(frame)
        if per_frame_s:
            time.sleep(per_frame_s)


def test_slow_consumer_loses_frames_to_the_newest_and_counts_them():
    source = FakeSource(count=60, interval_s=0.005, live=True)
    thread = CaptureThread(source).start()
    frames = _drain(thread, per_frame_s=0.03)
    stats = thread.stats()
    indices = [f.index for f in frames]
    assert thread.latest_wins
    assert stats.frames_read == 60
    assert stats.frames_dropped > 20, stats
    assert stats.frames_delivered == len(frames) < 40
    assert stats.frames_read == stats.frames_delivered + stats.frames_dropped + stats.frames_pending
    assert stats.frames_pending == 0
    assert indices == sorted(indices) and len(set(indices)) == len(indices)
    assert max(np.diff(indices)) > 1  # frames were skipped, not queued
    assert indices[-1] == 59  # the newest frame survives to the end of the stream
    assert stats.state is WorkerState.STOPPED


def test_every_frame_mode_hands_over_every_frame_to_a_slow_consumer():
    source = FakeSource(count=200, live=False)
    thread = CaptureThread(source).start()
    assert not thread.latest_wins
    frames = []
    for i, frame in enumerate(thread.frames(timeout=2.0)):
        frames.append(frame)
        if i % 20 == 0:
            time.sleep(0.02)  # the producer must wait, not drop
    assert [f.index for f in frames] == list(range(200))
    stats = thread.stats()
    assert stats.frames_dropped == 0 and stats.frames_delivered == 200 == stats.frames_read


def test_latest_wins_can_be_forced_on_a_non_live_source():
    source = FakeSource(count=50, live=False)
    thread = CaptureThread(source, latest_wins=True).start()
    time.sleep(0.3)  # the worker reads everything while nobody consumes
    frames = _drain(thread)
    assert [f.index for f in frames] == [49]
    assert thread.dropped == 49


def test_end_of_stream_is_raised_after_the_last_frame_and_stays_raised():
    source = FakeSource(count=5, live=False)
    thread = CaptureThread(source).start()
    assert [f.index for f in thread.frames(timeout=2.0)] == [0, 1, 2, 3, 4]
    with pytest.raises(EndOfStream):
        thread.get(timeout=0.5)
    with pytest.raises(EndOfStream):
        thread.get(timeout=0.5)
    assert thread.state is WorkerState.STOPPED
    assert source.closed, "the worker closes the source at the end"


def test_get_returns_none_when_no_frame_arrives_in_time():
    source = FakeSource(count=3, interval_s=0.5, live=True)
    thread = CaptureThread(source).start()
    try:
        t0 = time.monotonic()
        assert thread.get(timeout=0.05) is None
        assert time.monotonic() - t0 < 0.4
    finally:
        thread.stop()


@pytest.mark.parametrize("live", [True, False])
def test_stop_joins_within_a_second(live):
    source = FakeSource(count=None, interval_s=0.01 if live else 0.0, live=live)
    thread = CaptureThread(source).start()
    assert thread.get(timeout=2.0) is not None
    time.sleep(0.1)  # every-frame mode: the worker is now blocked handing over a frame
    t0 = time.monotonic()
    assert thread.stop(timeout=1.0)
    assert time.monotonic() - t0 < 1.0
    assert thread.state is WorkerState.STOPPED
    assert source.closed
    with pytest.raises(EndOfStream):
        thread.get(timeout=0.1)


def test_stop_wakes_a_source_blocked_in_read():
    source = FakeSource(count=None, stall_at=2, live=True)
    thread = CaptureThread(source).start()
    _ = thread.get(timeout=1.0)
    time.sleep(0.1)
    t0 = time.monotonic()
    assert thread.stop(timeout=1.0)
    assert time.monotonic() - t0 < 1.0


def test_stop_reports_a_worker_stuck_in_a_driver_call():
    source = FakeSource(count=None, stall_at=1, live=True, interruptible=False)
    thread = CaptureThread(source).start()
    _ = thread.get(timeout=1.0)
    t0 = time.monotonic()
    assert thread.stop(timeout=0.2) is False  # left behind as a daemon thread, not waited on
    assert time.monotonic() - t0 < 0.5


def test_source_exception_is_reraised_in_the_consumer():
    error = ValueError("decoder exploded")
    source = FakeSource(count=None, fail_at=3, error=error, live=False)
    thread = CaptureThread(source).start()
    got = []
    with pytest.raises(ValueError) as info:
        while True:
            frame = thread.get(timeout=2.0)
            assert frame is not None
            got.append(frame.index)
    assert info.value is error
    assert got == [0, 1, 2]
    assert thread.state is WorkerState.FAILED
    assert thread.error is error
    with pytest.raises(ValueError):  # and on every later get
        thread.get(timeout=0.1)
    assert source.closed
    assert source.read_thread is not None and source.read_thread.startswith("capture[")


def test_open_error_raises_from_start():
    source = FakeSource(open_error=CaptureError("no camera at index 3"))
    thread = CaptureThread(source)
    with pytest.raises(CaptureError, match="no camera at index 3"):
        thread.start()
    assert thread.state is WorkerState.FAILED


def test_open_that_hangs_times_out_with_a_clear_error():
    source = FakeSource(open_blocks=True)
    thread = CaptureThread(source, open_timeout_s=0.2)
    t0 = time.monotonic()
    with pytest.raises(CaptureError, match="did not open within 0.2 s"):
        thread.start()
    assert time.monotonic() - t0 < 1.0
    assert thread.state is WorkerState.FAILED


def test_live_source_that_stops_delivering_raises_camera_lost():
    source = FakeSource(count=None, stall_at=3, live=True, interval_s=0.01)
    thread = CaptureThread(source, lost_after_s=0.3).start()
    got = []
    t0 = None
    with pytest.raises(CameraLost, match="fake source stopped sending frames") as info:
        while True:
            frame = thread.get(timeout=0.05)
            if frame is not None:
                got.append(frame.index)
                t0 = time.monotonic()
    lost_after = time.monotonic() - t0
    assert got == [0, 1, 2]
    assert 0.25 < lost_after < 1.0
    assert isinstance(info.value, CaptureError)  # the CLI prints every CaptureError as one line
    assert thread.state is WorkerState.FAILED
    assert thread.stop(timeout=1.0)


def test_a_slow_non_live_source_is_not_camera_lost():
    source = FakeSource(count=3, interval_s=0.4, live=False)
    thread = CaptureThread(source, lost_after_s=0.2).start()
    assert [f.index for f in thread.frames(timeout=0.05)] == [0, 1, 2]


def test_get_before_start_is_a_programming_error():
    with pytest.raises(RuntimeError, match="not started"):
        CaptureThread(FakeSource(count=1)).get(timeout=0.01)


def test_start_twice_is_refused():
    thread = CaptureThread(FakeSource(count=1, live=False)).start()
    with pytest.raises(RuntimeError):
        thread.start()
    thread.stop()
