"""Camera and video-file sources: bad input gives one-line errors; frames and timestamps.

Synthetic videos are written to tmp_path with OpenCV; the camera is faked through the
``capture_factory`` seam (there is no webcam on CI), except the real "no camera" check.
"""
from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

import cv2
import numpy as np
import pytest

from livecoach.capture.base import CameraLost, CaptureError, EndReason
from livecoach.capture.camera import CameraSource, camera_backend_for, probe_camera
from livecoach.capture.paced_video import PacedVideoSource
from livecoach.capture.thread import CaptureThread
from livecoach.capture.video_file import VideoFileSource
from livecoach.config.schema import load_config

CAPTURE = load_config().capture


def _write_video(path: Path, frames: int, fps: float = 25.0, size=(64, 48), fourcc: str = "mp4v") -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        image = np.zeros((size[1], size[0], 3), np.uint8)
        image[:, :, 1] = (i * 20) % 256  # each frame distinguishable by its green level
        writer.write(image)
    writer.release()
    return path


def _one_line(message: str) -> None:
    assert message and "\n" not in message


# -- video files -------------------------------------------------------------------------

def test_every_frame_mode_yields_all_frames_with_deterministic_times(tmp_path):
    path = _write_video(tmp_path / "ten.mp4", frames=10, fps=25.0)
    source = VideoFileSource(path)
    source.open()
    try:
        assert (source.fps, source.frame_count, source.is_live) == (25.0, 10, False)
        frames = []
        while True:
            frame = source.read()
            if frame is None:
                break
            frames.append(frame)
    finally:
        source.close()
    assert [f.index for f in frames] == list(range(10))
    assert [f.t_s for f in frames] == pytest.approx([i / 25.0 for i in range(10)])
    greens = [int(f.image[:, :, 1].mean()) for f in frames]
    assert greens == sorted(greens) and greens[0] < greens[-1]  # decoded in order, none repeated
    assert frames[0].image.shape == (48, 64, 3)


def test_missing_video_is_a_one_line_error(tmp_path):
    with pytest.raises(CaptureError, match="video not found") as info:
        PacedVideoSource(tmp_path / "nope.mp4").open()
    _one_line(str(info.value))


def test_directory_is_not_a_video(tmp_path):
    with pytest.raises(CaptureError, match="is a directory"):
        VideoFileSource(tmp_path).open()


def test_empty_file_is_not_a_video(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(CaptureError, match="empty"):
        VideoFileSource(path).open()


def test_text_file_renamed_mp4_is_a_one_line_error(tmp_path, capfd):
    path = tmp_path / "notes.mp4"
    path.write_text("these are my workout notes, not a video\n" * 20)
    with pytest.raises(CaptureError, match="is not a video OpenCV can read") as info:
        VideoFileSource(path).open()
    _one_line(str(info.value))
    assert str(path) in str(info.value)
    # FFmpeg's own complaint is quoted in the error, not spilled onto the user's terminal.
    assert "moov atom" not in capfd.readouterr().err


def test_video_without_decodable_frames_is_a_one_line_error(tmp_path):
    # An AVI cut right after its headers: OpenCV opens it (and reports 10 frames) but no
    # frame decodes: the "0 frames" case.
    full = _write_video(tmp_path / "full.avi", frames=10, fourcc="MJPG").read_bytes()
    path = tmp_path / "cut.avi"
    path.write_bytes(full[: full.find(b"movi") + 12])
    with pytest.raises(CaptureError, match="no frames") as info:
        VideoFileSource(path).open()
    _one_line(str(info.value))


def test_video_that_opens_but_never_delivers_through_a_fake_capture(tmp_path):
    class NoFrames:
        def isOpened(self):
            return True

        def read(self):
            return False, None

        def get(self, prop):
            return 0.0

        def release(self):
            self.released = True

    path = tmp_path / "x.mp4"
    path.write_bytes(b"\0" * 100)
    fake = NoFrames()
    with pytest.raises(CaptureError, match="has no frames"):
        VideoFileSource(path, capture_factory=lambda p: fake).open()
    assert fake.released


def test_capture_thread_surfaces_a_bad_video_from_start(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video")
    with pytest.raises(CaptureError, match="not a video"):
        CaptureThread.for_config(PacedVideoSource(path), CAPTURE).start()


def test_paced_synthetic_clip_keeps_times_and_loses_frames_to_a_slow_consumer(tmp_path):
    path = _write_video(tmp_path / "forty.mp4", frames=40, fps=50.0)  # 0.8 s
    source = PacedVideoSource(path)
    thread = CaptureThread(source).start()
    assert thread.latest_wins
    delivered = []
    for frame in thread.frames(timeout=1.0):
        delivered.append(frame)
        time.sleep(0.05)  # 20 fps consumer on a 50 fps clip
    stats = thread.stats()
    assert stats.frames_lost > 0
    assert stats.frames_delivered == len(delivered) < 40
    # t_s stays the video position, whatever was dropped.
    assert all(f.t_s == pytest.approx(f.index / 50.0) for f in delivered)


def test_a_clip_that_decodes_slower_than_it_plays_is_handed_out_late_not_skipped_to_its_end(tmp_path):
    """Every grab and decode takes 1.5 frames' time (a large or lossless clip on a slow
    computer). Skipping cannot catch up then: before, the reader skipped to the end of the file
    and handed out nothing after frame 0 ("stopped sending frames"). Now each frame is handed
    out as soon as it is decoded, in order, with its video time, never before it is due."""
    fps = 50.0
    path = _write_video(tmp_path / "slow.mp4", frames=20, fps=fps)

    class SlowDecoder:
        def __init__(self, file: str) -> None:
            self._cap = cv2.VideoCapture(file)

        def grab(self):
            time.sleep(1.5 / fps)
            return self._cap.grab()

        def read(self):
            time.sleep(1.5 / fps)
            return self._cap.read()

        def __getattr__(self, name):
            return getattr(self._cap, name)

    source = PacedVideoSource(path, capture_factory=SlowDecoder)
    source.open()
    delivered = []
    t0 = None
    while True:
        frame = source.read()
        if frame is None:
            break
        t0 = time.monotonic() if t0 is None else t0
        assert frame.t_s <= time.monotonic() - t0 + 0.005  # never ahead of the clock
        delivered.append(frame.index)
    source.close()
    assert source.end_reason == EndReason.END_OF_SOURCE
    assert delivered == sorted(delivered) and len(delivered) >= 15, delivered
    assert source.frames_skipped + len(delivered) == 20


# -- cameras -----------------------------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks the Linux V4L2 device nodes")
def test_no_camera_at_index_0_is_a_one_line_error_naming_the_fix(capfd):
    if os.path.exists("/dev/video0"):
        pytest.skip("this machine has a camera at /dev/video0")
    source = CameraSource(0, CAPTURE)
    with pytest.raises(CaptureError) as info:
        CaptureThread.for_config(source, CAPTURE).start()
    message = str(info.value)
    assert message == ("no camera at index 0 — use --video PATH to train with a video file, "
                       "or run `livecoach doctor`")
    ok, line = probe_camera(0, CAPTURE)  # doctor's probe: a (False, one line) answer, not a raise
    assert not ok and line == message
    assert "VIDEOIO" not in capfd.readouterr().err  # OpenCV's warnings stay off the terminal


class FakeCamera:
    """A cv2.VideoCapture stand-in: ``frames`` good reads, then failures (unplugged)."""

    def __init__(self, opened: bool = True, frames: Optional[int] = None, fps: float = 30.0) -> None:
        self.opened = opened
        self.frames = frames
        self.fps = fps
        self.reads = 0
        self.sets: List[Tuple[int, float]] = []
        self.released = False

    def isOpened(self) -> bool:
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        self.sets.append((prop, value))
        return True

    def get(self, prop: int) -> float:
        return self.fps if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self):
        self.reads += 1
        if self.frames is not None and self.reads > self.frames:
            return False, None
        time.sleep(0.002)
        return True, np.full((48, 64, 3), self.reads % 256, np.uint8)

    def getBackendName(self) -> str:
        return "FAKE"

    def release(self) -> None:
        self.released = True


def test_camera_that_cannot_be_opened_names_the_fix():
    attempts = []

    def factory(index, api):
        attempts.append((index, api))
        return FakeCamera(opened=False)

    with pytest.raises(CaptureError) as info:
        CameraSource(7, CAPTURE, capture_factory=factory).open()
    assert "camera at index 7" in str(info.value)
    assert "--video PATH" in str(info.value) and "livecoach doctor" in str(info.value)
    _one_line(str(info.value))
    assert attempts[0] == (7, camera_backend_for()) and attempts[-1] == (7, cv2.CAP_ANY)


def test_camera_requests_the_configured_size_and_rate_and_times_frames_from_zero():
    fake = FakeCamera(frames=None, fps=30.0)
    source = CameraSource(0, CAPTURE, capture_factory=lambda i, api: fake)
    source.open()
    try:
        props = dict(fake.sets)
        assert props[cv2.CAP_PROP_FRAME_WIDTH] == CAPTURE.camera_width
        assert props[cv2.CAP_PROP_FRAME_HEIGHT] == CAPTURE.camera_height
        assert props[cv2.CAP_PROP_FPS] == CAPTURE.camera_fps
        frames = [source.read() for _ in range(5)]
    finally:
        source.close()
    assert fake.released
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert frames[0].t_s == 0.0
    times = [f.t_s for f in frames]
    assert times == sorted(times) and times[-1] > 0
    assert source.is_live and source.frame_count is None and source.name == "camera 0"


def test_camera_open_that_never_delivers_a_frame_is_an_error():
    config = dataclasses.replace(CAPTURE, camera_open_timeout_s=0.5)
    fake = FakeCamera(frames=0)
    with pytest.raises(CaptureError, match="sent no frame within 0.5 s"):
        CameraSource(2, config, capture_factory=lambda i, api: fake).open()
    assert fake.released


def test_unplugged_camera_raises_camera_lost_in_the_consumer():
    config = dataclasses.replace(CAPTURE, camera_lost_after_s=0.3)
    fake = FakeCamera(frames=10)
    thread = CaptureThread.for_config(CameraSource(0, config, capture_factory=lambda i, api: fake), config)
    thread.start()
    with pytest.raises(CameraLost, match="camera 0 stopped sending frames") as info:
        for _ in thread.frames(timeout=0.05):
            pass
    _one_line(str(info.value))
    deadline = time.monotonic() + 1.0
    while not fake.released and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.released, "the watchdog wakes the worker, which releases the camera before stop()"
    assert thread.stop(timeout=1.0)
    assert fake.released


def test_probe_camera_answers_ok_and_a_line_for_doctor():
    ok, line = probe_camera(0, CAPTURE, capture_factory=lambda i, api: FakeCamera(fps=30.0))
    assert (ok, line) == (True, "64x48, 30 fps (FAKE)")


def test_probe_camera_answers_not_ok_for_a_silent_camera_without_raising():
    config = dataclasses.replace(CAPTURE, camera_open_timeout_s=0.5)
    fake = FakeCamera(frames=0)
    ok, line = probe_camera(3, config, capture_factory=lambda i, api: fake)
    assert not ok
    # The camera's own open wait and the capture thread's open timeout are both 0.5 s: either says so.
    assert line.startswith(("camera 3 opened but sent no frame within 0.5 s", "camera 3 did not open within 0.5 s"))
    _one_line(line)
    assert fake.released
