"""Frame sources and the capture thread (adapter: the only capture code that imports cv2).

A :class:`FrameSource` yields :class:`~livecoach.types.Frame` s: ``open()``, ``read()``
(``None`` at the end of the stream), ``close()``, and the properties ``name``, ``fps``,
``frame_count`` (``None`` when unknown or endless) and ``is_live``. Two implementations:

* :class:`CameraSource` — a webcam by index, through the platform's native backend.
* :class:`VideoFileSource` — a video file, either *paced* to real time (it stands in for a
  webcam: frames the pipeline is too slow for are lost, exactly as with a camera) or
  *every frame* (offline analysis and deterministic tests).

:class:`CaptureThread` runs a source on a worker thread (modelled on DeepLabCut-live-GUI's
camera workers): a :class:`WorkerState`, a stop event, a size-1 latest-frame-wins slot with
counted drops (live sources) or a blocking hand-off that loses nothing (every-frame
sources), ``get(timeout)`` for the main loop, :class:`EndOfStream` at the end, the worker's
exception stored and re-raised on the consumer's side, and :class:`CameraLost` when a live
source stops delivering.

All cv2 calls on a source happen on the worker thread (some backends, e.g. MSMF on
Windows, do not like a capture opened on one thread and read on another).
"""
from __future__ import annotations

import math
import os
import sys
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Union

import cv2

from livecoach.config.schema import CaptureConfig
from livecoach.capture.native import native_stderr_captured
from livecoach.types import Frame
from livecoach.errors import LiveCoachError

__all__ = [
    "CaptureError", "CameraLost", "EndOfStream", "WorkerState", "CaptureStats", "FrameSource",
    "CameraSource", "VideoFileSource", "CaptureThread", "camera_backend_for", "probe_camera",
]

# Containers that report no usable frame rate (some .mov/.webm files say 0 or 90000) are
# timed at this rate; it is the common webcam/phone rate, not a tuning knob.
FALLBACK_FPS = 30.0
_MAX_PLAUSIBLE_FPS = 1000.0

# How often a blocked worker or a failing camera read re-checks the stop event. Short enough
# that stop() joins well within a second, long enough not to spin.
_POLL_S = 0.02


class CaptureError(LiveCoachError, RuntimeError):
    """A frame source cannot be opened or read. The message is one line, fit for the user."""


class CameraLost(CaptureError):
    """A live source stopped delivering frames (camera unplugged, driver hung)."""


class EndOfStream(LiveCoachError):
    """The source has no more frames (end of a video file); raised by ``CaptureThread.get``."""


class WorkerState(str, Enum):
    """Life cycle of a :class:`CaptureThread`."""

    IDLE = "idle"  # constructed, not started
    RUNNING = "running"  # source open, frames flowing
    STOPPING = "stopping"  # stop() asked, worker not yet finished
    STOPPED = "stopped"  # finished: stopped on request or end of stream
    FAILED = "failed"  # the source raised (open or read) or the camera was lost


# --------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------


class FrameSource(ABC):
    """Where frames come from. Implementations are used from one thread at a time.

    ``read()`` blocks until the next frame is due and returns it, or ``None`` at the end of
    the stream. ``interrupt()`` may be called from another thread to wake a blocked
    ``read()`` (it then returns soon, possibly ``None``) so a worker can stop promptly.
    """

    @property
    @abstractmethod
    def name(self) -> str:
        """Human-readable name for messages, e.g. ``camera 0`` or ``video clip.mp4``."""

    @property
    @abstractmethod
    def fps(self) -> float:
        """Nominal frame rate (after ``open()``)."""

    @property
    @abstractmethod
    def frame_count(self) -> Optional[int]:
        """Frames in the stream as the container reports it, or ``None`` (camera, unknown)."""

    @property
    @abstractmethod
    def is_live(self) -> bool:
        """True when frames arrive at wall-clock pace whether or not anyone reads them
        (camera, paced video): a slow consumer must lose frames rather than fall behind."""

    @abstractmethod
    def open(self) -> None:
        """Open the source; raises :class:`CaptureError` with a one-line reason."""

    @abstractmethod
    def read(self) -> Optional[Frame]:
        """The next frame, or ``None`` at the end of the stream."""

    @abstractmethod
    def close(self) -> None:
        """Release the device/file. Safe to call twice."""

    def interrupt(self) -> None:
        """Wake a ``read()`` blocked in a wait (default: nothing to wake)."""

    def __enter__(self) -> "FrameSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _decoder_reason(captured: str) -> str:
    """The most telling line FFmpeg printed (e.g. ``moov atom not found``), or ``''``."""
    for line in captured.splitlines():
        line = line.strip()
        # FFmpeg lines look like "[mov,mp4,... @ 0x55d..] moov atom not found".
        if line.startswith("[") and "@ 0x" in line and "]" in line:
            return line.split("]", 1)[1].strip()
    return ""


def camera_backend_for(platform: str = sys.platform) -> int:
    """The OpenCV capture API to try first on ``platform`` (``CAP_ANY`` is the fallback).

    Linux: V4L2 directly (``CAP_ANY`` also probes GStreamer/obsensor, slower and noisy);
    macOS: AVFoundation; Windows: DirectShow (opens fast and honours the requested size;
    MSMF, the other native API, can take many seconds to open some webcams).
    """
    if platform.startswith("linux"):
        return cv2.CAP_V4L2
    if platform == "darwin":
        return cv2.CAP_AVFOUNDATION
    if platform.startswith("win"):
        return cv2.CAP_DSHOW
    return cv2.CAP_ANY


def _no_camera_message(index: int) -> str:
    hint = "use --video PATH to train with a video file, or run `livecoach doctor`"
    device = f"/dev/video{index}"
    if sys.platform.startswith("linux") and os.path.exists(device):
        return (f"camera at index {index} ({device}) cannot be opened — is another app using it, "
                f"or are you missing permission (group 'video')? Or {hint}")
    return f"no camera at index {index} — {hint}"


class CameraSource(FrameSource):
    """A webcam by index. ``t_s`` is seconds since the first frame (monotonic clock).

    ``capture_factory(index, api)`` makes the ``cv2.VideoCapture``; tests inject a fake.
    """

    def __init__(self, index: int, config: CaptureConfig, backend: Optional[int] = None,
                 capture_factory: Optional[Callable[[int, int], Any]] = None) -> None:
        self._index = int(index)
        self._config = config
        self._backend = camera_backend_for() if backend is None else backend
        self._factory = capture_factory or cv2.VideoCapture
        self._cap: Any = None
        self._fps = float(config.camera_fps)
        self._t0 = 0.0
        self._next_index = 0
        self._first: Optional[Frame] = None
        self._wake = threading.Event()
        self.backend_name = ""
        self.width = 0
        self.height = 0

    @property
    def name(self) -> str:
        return f"camera {self._index}"

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def frame_count(self) -> Optional[int]:
        return None

    @property
    def is_live(self) -> bool:
        return True

    def open(self) -> None:
        if self._cap is not None:
            return
        captured: List[str] = []
        cap = None
        with native_stderr_captured(captured):
            for api in dict.fromkeys((self._backend, cv2.CAP_ANY)):  # preferred, then any
                cap = self._factory(self._index, api)
                if cap is not None and cap.isOpened():
                    break
                if cap is not None:
                    cap.release()
                cap = None
        if cap is None:
            raise CaptureError(_no_camera_message(self._index))
        cfg = self._config
        if self._backend == getattr(cv2, "CAP_V4L2", -1):
            # Most USB webcams deliver 720p at 30 fps only as MJPG (raw YUYV manages ~10 fps).
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, cfg.camera_width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, cfg.camera_height)
        cap.set(cv2.CAP_PROP_FPS, cfg.camera_fps)
        # A short driver queue keeps latency low; not every backend supports it (ignored then).
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._cap = cap
        self._wake.clear()
        # The camera is open when it delivers: some report success and then send nothing
        # (in use elsewhere, privacy shutter, a virtual device with no producer).
        deadline = time.monotonic() + cfg.camera_open_timeout_s
        while True:
            ok, image = cap.read()
            now = time.monotonic()
            if ok and image is not None and image.size:
                break
            if now >= deadline or self._wake.is_set():
                self.close()
                raise CaptureError(f"camera {self._index} opened but sent no frame within "
                                   f"{cfg.camera_open_timeout_s:g} s — is another app using it? "
                                   f"Or use --video PATH, or run `livecoach doctor`")
            self._wake.wait(_POLL_S)
        reported_fps = cap.get(cv2.CAP_PROP_FPS)
        if math.isfinite(reported_fps) and 0 < reported_fps <= _MAX_PLAUSIBLE_FPS:
            self._fps = float(reported_fps)
        try:
            self.backend_name = cap.getBackendName()
        except Exception:  # fakes, old builds
            self.backend_name = ""
        self.height, self.width = image.shape[:2]
        self._t0 = now
        self._first = Frame(index=0, t_s=0.0, image=image, captured_monotonic_s=now)
        self._next_index = 1

    def read(self) -> Optional[Frame]:
        if self._cap is None:
            raise CaptureError(f"{self.name} is not open")
        if self._first is not None:
            frame, self._first = self._first, None
            return frame
        last_ok = time.monotonic()
        while True:
            ok, image = self._cap.read()
            now = time.monotonic()
            if ok and image is not None and image.size:
                frame = Frame(index=self._next_index, t_s=now - self._t0, image=image,
                              captured_monotonic_s=now)
                self._next_index += 1
                return frame
            if self._wake.is_set():
                return None
            if now - last_ok > self._config.camera_lost_after_s:
                raise CameraLost(f"{self.name} stopped sending frames (none for "
                                 f"{self._config.camera_lost_after_s:g} s) — was it unplugged?")
            self._wake.wait(_POLL_S)

    def interrupt(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._wake.set()
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()


class VideoFileSource(FrameSource):
    """A video file; ``t_s = frame_index / fps`` (deterministic whatever the pace).

    ``paced=True`` stands in for a webcam: ``read()`` hands out each frame when it is due on
    the wall clock (clock started by the first ``read()``), and when the reader has fallen
    more than a frame behind it skips the frames already superseded (counted in
    ``frames_skipped``), so the video never runs slower than real time. Behind a
    :class:`CaptureThread` a slow consumer then loses frames exactly as with a camera.
    At the end it waits out the last frame's duration, so a paced clip lasts
    ``frames / fps`` seconds of wall time.

    ``paced=False`` returns every frame as fast as it decodes (offline analysis, tests).
    """

    def __init__(self, path: Union[str, Path], paced: bool,
                 capture_factory: Optional[Callable[[str], Any]] = None) -> None:
        self._path = Path(path)
        self._paced = bool(paced)
        self._factory = capture_factory or cv2.VideoCapture
        self._cap: Any = None
        self._fps = FALLBACK_FPS
        self._fps_reported = False
        self._frame_count: Optional[int] = None
        self._first_image: Any = None
        self._next_index = 0
        self._clock0: Optional[float] = None
        self._wake = threading.Event()
        self.frames_skipped = 0
        self.width = 0
        self.height = 0

    @property
    def name(self) -> str:
        return f"video {self._path.name}"

    @property
    def path(self) -> Path:
        return self._path

    @property
    def paced(self) -> bool:
        return self._paced

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def fps_reported(self) -> bool:
        """False when the container gave no usable frame rate and ``FALLBACK_FPS`` is used."""
        return self._fps_reported

    @property
    def frame_count(self) -> Optional[int]:
        return self._frame_count

    @property
    def is_live(self) -> bool:
        return self._paced

    @property
    def duration_s(self) -> Optional[float]:
        return None if self._frame_count is None else self._frame_count / self._fps

    def open(self) -> None:
        if self._cap is not None:
            return
        path = self._path
        if not path.exists():
            raise CaptureError(f"video not found: {path}")
        if path.is_dir():
            raise CaptureError(f"{path} is a directory, not a video file")
        try:
            with open(path, "rb") as fh:
                fh.read(1)
        except OSError as exc:
            raise CaptureError(f"cannot read {path}: {exc.strerror}") from None
        if path.stat().st_size == 0:
            raise CaptureError(f"{path} is empty (0 bytes), not a video")
        captured: List[str] = []
        with native_stderr_captured(captured):
            cap = self._factory(str(path))
            opened = cap is not None and cap.isOpened()
            ok, image = cap.read() if opened else (False, None)
        if not opened:
            reason = _decoder_reason("".join(captured))
            raise CaptureError(f"{path} is not a video OpenCV can read "
                               + (f"({reason})" if reason else "(not a video, an unsupported codec, or no frames)"))
        if not ok or image is None or not image.size:
            cap.release()
            raise CaptureError(f"{path} has no frames that can be decoded")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self._fps_reported = math.isfinite(fps) and 0 < fps <= _MAX_PLAUSIBLE_FPS
        self._fps = float(fps) if self._fps_reported else FALLBACK_FPS
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self._frame_count = int(count) if math.isfinite(count) and count > 0 else None
        self.height, self.width = image.shape[:2]
        self._cap = cap
        self._first_image = image
        self._next_index = 1
        self._clock0 = None
        self.frames_skipped = 0
        self._wake.clear()

    def _due(self, index: int) -> float:
        assert self._clock0 is not None
        return self._clock0 + index / self._fps

    def _wait_until(self, moment: float) -> bool:
        """Sleep until ``moment`` (monotonic); False if interrupted first."""
        while True:
            remaining = moment - time.monotonic()
            if remaining <= 0:
                return True
            if self._wake.wait(remaining):
                return False

    def _frame(self, index: int, image: Any) -> Frame:
        return Frame(index=index, t_s=index / self._fps, image=image, captured_monotonic_s=time.monotonic())

    def read(self) -> Optional[Frame]:
        cap = self._cap
        if cap is None:
            raise CaptureError(f"{self.name} is not open")
        if self._first_image is not None:
            image, self._first_image = self._first_image, None
            if self._paced:
                self._clock0 = time.monotonic()
            return self._frame(0, image)
        index = self._next_index
        if self._paced:
            # Frame `index` is stale once frame `index + 1` is due: skip (grab decodes but
            # skips the colour conversion) until the next one is the one to show.
            while time.monotonic() >= self._due(index + 1):
                if self._wake.is_set() or not cap.grab():
                    return self._end(index)
                index += 1
                self.frames_skipped += 1
            if not self._wait_until(self._due(index)):
                return None
        ok, image = cap.read()
        self._next_index = index + 1
        if not ok or image is None:
            return self._end(index)
        return self._frame(index, image)

    def _end(self, index: int) -> None:
        """End of stream; a paced clip first plays out to its full duration."""
        self._next_index = index
        if self._paced and self._clock0 is not None:
            self._wait_until(self._due(index))
        return None

    def interrupt(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._wake.set()
        cap, self._cap = self._cap, None
        self._first_image = None
        if cap is not None:
            cap.release()


# --------------------------------------------------------------------------------------
# The capture thread
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureStats:
    """Counters of a :class:`CaptureThread` (a snapshot).

    ``frames_read = frames_delivered + frames_dropped + frames_pending``.
    ``frames_dropped`` counts frames replaced in the latest-frame-wins slot before the
    consumer took them; ``frames_skipped_by_source`` counts frames a paced video skipped
    because the reader itself fell behind real time (never read, never in the slot).
    """

    state: WorkerState
    frames_read: int
    frames_delivered: int
    frames_dropped: int
    frames_pending: int
    frames_skipped_by_source: int

    @property
    def frames_lost(self) -> int:
        """Every frame of the source that the consumer did not get."""
        return self.frames_dropped + self.frames_skipped_by_source


class CaptureThread:
    """Runs a :class:`FrameSource` on a worker thread and hands frames to one consumer.

    * ``latest_wins`` (default: ``source.is_live``): a size-1 slot where a new frame
      replaces an unconsumed one (counted in ``frames_dropped``) — a slow consumer always
      gets the newest frame, never a backlog. Otherwise a blocking hand-off: the worker
      waits (polling the stop event) until the consumer took the previous frame, so every
      frame arrives.
    * ``get(timeout)`` returns the next frame, ``None`` if none came within ``timeout``,
      raises :class:`EndOfStream` once the stream ended and every frame was handed out
      (or once ``stop()`` was called), and re-raises the worker's exception (open or read
      failure) right after the frame read before it.
    * ``lost_after_s``: for live sources, ``get`` raises :class:`CameraLost` when no frame
      arrived for that long (a source blocked inside ``read`` can't report it itself).
    * ``start()`` opens the source (on the worker thread) and waits up to
      ``open_timeout_s`` for it: opening errors raise right there, in the caller.
    * ``stop(timeout)`` sets the stop event, wakes the source and joins the worker.
    """

    def __init__(self, source: FrameSource, *, latest_wins: Optional[bool] = None,
                 lost_after_s: Optional[float] = None, open_timeout_s: Optional[float] = None) -> None:
        self._source = source
        self._latest_wins = source.is_live if latest_wins is None else bool(latest_wins)
        self._lost_after_s = lost_after_s
        self._open_timeout_s = open_timeout_s
        self._cond = threading.Condition()
        self._stop_event = threading.Event()
        self._opened = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._state = WorkerState.IDLE
        self._slot: Optional[Frame] = None
        self._end_of_stream = False
        self._stop_requested = False
        self._error: Optional[BaseException] = None
        self._last_frame_monotonic = 0.0
        self._read = 0
        self._delivered = 0
        self._dropped = 0

    @classmethod
    def for_config(cls, source: FrameSource, config: CaptureConfig, **kwargs: Any) -> "CaptureThread":
        """A capture thread with the camera timeouts of ``config`` (``[capture]``)."""
        kwargs.setdefault("lost_after_s", config.camera_lost_after_s)
        kwargs.setdefault("open_timeout_s", config.camera_open_timeout_s)
        return cls(source, **kwargs)

    # -- properties --------------------------------------------------------------------

    @property
    def source(self) -> FrameSource:
        return self._source

    @property
    def state(self) -> WorkerState:
        return self._state

    @property
    def latest_wins(self) -> bool:
        return self._latest_wins

    @property
    def error(self) -> Optional[BaseException]:
        """The exception the worker stored, if any."""
        return self._error

    @property
    def frames_read(self) -> int:
        return self._read

    @property
    def frames_delivered(self) -> int:
        return self._delivered

    @property
    def dropped(self) -> int:
        """Frames replaced in the slot before the consumer took them."""
        return self._dropped

    def stats(self) -> CaptureStats:
        with self._cond:
            return CaptureStats(state=self._state, frames_read=self._read, frames_delivered=self._delivered,
                                frames_dropped=self._dropped, frames_pending=int(self._slot is not None),
                                frames_skipped_by_source=int(getattr(self._source, "frames_skipped", 0)))

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> "CaptureThread":
        """Open the source on the worker thread and start reading; raises the open error."""
        with self._cond:
            if self._state is not WorkerState.IDLE:
                raise RuntimeError(f"capture thread already {self._state.value}")
            self._state = WorkerState.RUNNING
        self._thread = threading.Thread(target=self._run, name=f"capture[{self._source.name}]", daemon=True)
        self._thread.start()
        if not self._opened.wait(self._open_timeout_s):
            self._fail(CaptureError(f"{self._source.name} did not open within {self._open_timeout_s:g} s"
                                    f" — run `livecoach doctor`"))
            self._stop_event.set()
            self._source.interrupt()
        with self._cond:
            error = self._error
        if error is not None:
            raise error
        return self

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the worker to stop and join it; True if it finished within ``timeout``.

        The source is closed by the worker as it exits. A worker stuck inside a driver call
        that never returns is left behind (it is a daemon thread) and False is returned.
        """
        with self._cond:
            self._stop_requested = True
            if self._state is WorkerState.RUNNING:
                self._state = WorkerState.STOPPING
            elif self._state is WorkerState.IDLE:
                self._state = WorkerState.STOPPED
            self._stop_event.set()
            self._cond.notify_all()
        self._source.interrupt()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def __enter__(self) -> "CaptureThread":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _fail(self, error: BaseException) -> None:
        with self._cond:
            if self._error is None:
                self._error = error
            self._state = WorkerState.FAILED
            self._cond.notify_all()

    # -- worker ------------------------------------------------------------------------

    def _run(self) -> None:
        source = self._source
        reached_end = False
        try:
            try:
                source.open()
            except BaseException as exc:
                self._fail(exc)  # before waking start(), so it sees the error
                return
            finally:
                with self._cond:
                    self._last_frame_monotonic = time.monotonic()
                self._opened.set()
            while not self._stop_event.is_set():
                frame = source.read()
                if frame is None:
                    reached_end = not self._stop_event.is_set()
                    break
                self._hand_over(frame)
        except BaseException as exc:  # stored and re-raised in the consumer's get()
            self._fail(exc)
        finally:
            try:
                source.close()
            except Exception as exc:  # a close failure must not hide an earlier error
                if self._error is None:
                    self._fail(exc)
            with self._cond:
                # Set only now, with the source closed: a consumer seeing the end may exit.
                self._end_of_stream = reached_end
                if self._state is not WorkerState.FAILED:
                    self._state = WorkerState.STOPPED
                self._cond.notify_all()

    def _hand_over(self, frame: Frame) -> None:
        with self._cond:
            self._read += 1
            self._last_frame_monotonic = time.monotonic()
            if self._latest_wins:
                if self._slot is not None:
                    self._dropped += 1
                self._slot = frame
                self._cond.notify_all()
                return
            while self._slot is not None and not self._stop_event.is_set():
                self._cond.wait(_POLL_S * 5)
            if self._stop_event.is_set():
                return  # read, never handed over; stop() is discarding the rest anyway
            self._slot = frame
            self._cond.notify_all()

    # -- consumer ----------------------------------------------------------------------

    def get(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next frame; ``None`` if none arrived within ``timeout`` seconds.

        Raises :class:`EndOfStream` after the last frame (or once ``stop()`` was called), the
        worker's stored exception if it failed (after the frames it read before failing), and :class:`CameraLost` when a live source has sent
        nothing for ``lost_after_s``.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if self._stop_requested:
                    raise EndOfStream(self._source.name)
                # Frames read before a failure still go out first, in order.
                if self._slot is not None:
                    frame, self._slot = self._slot, None
                    self._delivered += 1
                    self._cond.notify_all()
                    return frame
                if self._error is not None:
                    raise self._error
                if self._state is WorkerState.IDLE:
                    raise RuntimeError("capture thread not started")
                if self._end_of_stream or self._state in (WorkerState.STOPPED, WorkerState.STOPPING):
                    raise EndOfStream(self._source.name)
                now = time.monotonic()
                wait = None if deadline is None else deadline - now
                if self._lost_after_s is not None and self._source.is_live:
                    silent_s = now - self._last_frame_monotonic
                    if silent_s > self._lost_after_s:
                        self._error = CameraLost(f"{self._source.name} stopped sending frames (none for "
                                                 f"{self._lost_after_s:g} s) — was it unplugged?")
                        self._state = WorkerState.FAILED
                        self._stop_event.set()
                        raise self._error
                    watchdog = self._lost_after_s - silent_s + _POLL_S
                    wait = watchdog if wait is None else min(wait, watchdog)
                if wait is not None and wait <= 0:
                    return None
                self._cond.wait(wait)

    def frames(self, timeout: float = 0.1) -> Iterator[Frame]:
        """Every frame the consumer gets, until the end of the stream (errors propagate)."""
        while True:
            try:
                frame = self.get(timeout)
            except EndOfStream:
                return
            if frame is not None:
                yield frame


def probe_camera(index: int, config: CaptureConfig) -> str:
    """Open camera ``index``, read one frame, close it; a one-line description.

    Raises :class:`CaptureError` (one line) when there is no usable camera. For ``doctor``.
    """
    source = CameraSource(index, config)
    thread = CaptureThread.for_config(source, config)
    thread.start()
    try:
        frame = thread.get(timeout=config.camera_open_timeout_s)
        if frame is None:
            raise CaptureError(f"camera {index} opened but sent no frame within {config.camera_open_timeout_s:g} s")
    finally:
        thread.stop()
    backend = f" via {source.backend_name}" if source.backend_name else ""
    return f"camera {index}: {frame.width}x{frame.height} at {source.fps:.0f} fps{backend}"
