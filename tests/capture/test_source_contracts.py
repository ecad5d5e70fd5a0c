"""The FrameSource contract, checked on every backend (model: DeepLabCut-live-GUI's
tests/test_generic_contracts.py).

Every backend: open/read/close, ``close()`` safe twice (and before ``open()``), frames are
:class:`Frame` with increasing ``index`` and ``t_s``, the end of the stream (``None``, and
``None`` again), ``interrupt()`` waking a reader, reading a closed source is a
:class:`CaptureError`, a missing device or file is a one-line :class:`CaptureError`, and the
source runs behind a :class:`CaptureThread`. The camera backend runs on a fake
``cv2.VideoCapture`` (monkeypatched: there is no webcam here); the video backends run on a
small synthetic clip, and on real shared clips when ``../shared/videos`` is present.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

import cv2
import numpy as np
import pytest

from livecoach.capture.base import CaptureError, EndOfStream, EndReason, FrameSource, WorkerState
from livecoach.capture.camera import CameraSource
from livecoach.capture.factory import make_source, video_source
from livecoach.capture.paced_video import PacedVideoSource
from livecoach.capture.thread import CaptureThread
from livecoach.capture.video_file import VideoFileSource
from livecoach.config.schema import load_config
from livecoach.types import Frame

CAPTURE = load_config().capture
CLIP_FRAMES = 12
CLIP_FPS = 100.0  # a paced pass over the clip takes 0.12 s


class FakeVideoCapture:
    """``cv2.VideoCapture(index, api)`` for a camera: ``frames`` good reads (None: endless),
    then failed reads as from an unplugged camera; not opened at all for index 99."""

    frames: Optional[int] = None

    def __init__(self, index: int, api: int = 0) -> None:
        self.index = index
        self.reads = 0
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 - cv2's spelling
        return self.index != 99

    def set(self, prop: int, value: float) -> bool:
        return True

    def get(self, prop: int) -> float:
        return 30.0 if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self):
        self.reads += 1
        if self.frames is not None and self.reads > self.frames:
            return False, None
        time.sleep(0.001)  # a camera's frames are apart in time
        return True, np.full((48, 64, 3), self.reads % 256, np.uint8)

    def getBackendName(self) -> str:  # noqa: N802
        return "FAKE"

    def release(self) -> None:
        self.released = True


def _write_clip(path: Path, frames: int = CLIP_FRAMES, fps: float = CLIP_FPS) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    assert writer.isOpened()
    for i in range(frames):
        writer.write(np.full((48, 64, 3), (i * 15) % 256, np.uint8))
    writer.release()
    return path


@dataclass
class Backend:
    """How to make a source of one backend, and what its stream looks like."""

    make: Callable[[], FrameSource]
    make_missing: Callable[[], FrameSource]
    missing_message: str
    live: bool
    finite: Optional[int]  # frames before the end of the stream; None = endless (camera)


@pytest.fixture
def fake_camera(monkeypatch):
    monkeypatch.setattr(cv2, "VideoCapture", FakeVideoCapture)
    monkeypatch.setattr(FakeVideoCapture, "frames", None)
    return FakeVideoCapture


def _backend(kind: str, tmp_path: Path, request) -> Backend:
    if kind == "camera":
        request.getfixturevalue("fake_camera")
        return Backend(lambda: CameraSource(0, CAPTURE), lambda: CameraSource(99, CAPTURE),
                       "no camera at index 99", live=True, finite=None)
    clip = _write_clip(tmp_path / "clip.mp4")
    missing = tmp_path / "missing.mp4"
    cls = PacedVideoSource if kind == "paced_video" else VideoFileSource
    return Backend(lambda: cls(clip), lambda: cls(missing), "video not found",
                   live=kind == "paced_video", finite=CLIP_FRAMES)


BACKENDS = ["camera", "video_file", "paced_video"]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Backend:
    return _backend(request.param, tmp_path, request)


def _read_n(source: FrameSource, n: int) -> List[Frame]:
    frames = []
    for _ in range(n):
        frame = source.read()
        if frame is None:
            break
        frames.append(frame)
    return frames


def test_open_read_close_gives_frames_with_increasing_times(backend):
    source = backend.make()
    source.open()
    try:
        assert source.is_live is backend.live
        assert source.fps > 0
        assert source.frame_count == backend.finite
        assert isinstance(source.name, str) and source.name
        frames = _read_n(source, 8)
    finally:
        source.close()
    assert len(frames) == 8
    assert all(isinstance(f, Frame) for f in frames)
    assert [f.index for f in frames] == list(range(8))
    assert frames[0].t_s == 0.0
    assert all(b.t_s > a.t_s for a, b in zip(frames, frames[1:]))
    assert all(f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8 for f in frames)
    assert all(f.captured_monotonic_s > 0 for f in frames)


def test_close_is_idempotent_and_safe_before_open(backend):
    never_opened = backend.make()
    never_opened.close()
    never_opened.close()
    source = backend.make()
    source.open()
    source.close()
    source.close()


def test_read_after_close_is_a_capture_error(backend):
    source = backend.make()
    source.open()
    source.close()
    with pytest.raises(CaptureError, match="is not open"):
        source.read()


def test_context_manager_opens_and_closes(backend):
    with backend.make() as source:
        assert source.read() is not None
    with pytest.raises(CaptureError):
        source.read()


def test_missing_device_or_file_is_a_one_line_capture_error(backend):
    with pytest.raises(CaptureError, match=backend.missing_message) as info:
        backend.make_missing().open()
    message = str(info.value)
    assert message and "\n" not in message


def test_end_of_stream_is_none_and_stays_none(backend):
    source = backend.make()
    source.open()
    try:
        if backend.finite is None:
            # An endless source ends only when interrupted (how a worker stops it).
            assert source.read() is not None
            source.interrupt()
            FakeVideoCapture.frames = 0  # and a camera that sends nothing stays ended
            assert source.read() is None
            return
        assert source.end_reason is None  # not ended yet
        frames = _read_n(source, backend.finite + 5)
        assert [f.index for f in frames] == list(range(backend.finite))
        assert source.read() is None
        assert source.read() is None
        assert source.end_reason is EndReason.END_OF_SOURCE and source.end_notice is None
    finally:
        source.close()


def test_interrupt_wakes_a_waiting_read(backend):
    source = backend.make()
    source.open()
    try:
        assert source.read() is not None
        if backend.finite is None:
            FakeVideoCapture.frames = 0  # the camera goes silent: read() waits
        source.interrupt()
        t0 = time.monotonic()
        frame = source.read()
        # Every-frame video has nothing to wait for and may hand out the next frame.
        assert frame is None or not backend.live
        assert time.monotonic() - t0 < 0.5
    finally:
        source.close()


def test_runs_behind_a_capture_thread(backend):
    thread = CaptureThread.for_config(backend.make(), CAPTURE)
    assert thread.latest_wins is backend.live
    thread.start()
    got: List[Frame] = []
    try:
        while len(got) < 6:
            try:
                frame = thread.get(timeout=2.0)
            except EndOfStream:
                break
            assert frame is not None
            got.append(frame)
    finally:
        assert thread.stop(timeout=1.0)
    assert len(got) == 6
    indices = [f.index for f in got]
    assert indices == sorted(set(indices))
    assert thread.state is WorkerState.STOPPED
    stats = thread.stats()
    assert stats.frames_delivered == 6
    assert stats.frames_read >= 6


def test_factory_makes_each_backend(tmp_path, fake_camera):
    clip = _write_clip(tmp_path / "clip.mp4")
    assert type(make_source(CAPTURE, camera=0)) is CameraSource
    assert type(make_source(CAPTURE, video=clip)) is VideoFileSource
    assert type(make_source(CAPTURE, video=clip, paced=True)) is PacedVideoSource
    assert video_source(clip, paced=True).paced and not video_source(clip, paced=False).paced
    with pytest.raises(ValueError):
        make_source(CAPTURE)
    with pytest.raises(ValueError):
        make_source(CAPTURE, camera=0, video=clip)


# -- real clips ---------------------------------------------------------------------------

REAL_CLIPS = ("pushfit/correct1.mp4", "pushfit/correct10.mp4")


@pytest.mark.parametrize("name", REAL_CLIPS)
def test_every_frame_backend_reads_a_real_clip_to_its_stated_frame_count(shared_videos, name):
    path = shared_videos / name
    if not path.is_file():
        pytest.skip(f"{name} not in {shared_videos}")
    with VideoFileSource(path) as source:
        count = source.frame_count
        frames = 0
        last_t = -1.0
        while True:
            frame = source.read()
            if frame is None:
                break
            assert frame.index == frames and frame.t_s > last_t
            last_t = frame.t_s
            frames += 1
    assert count is not None and frames == count
