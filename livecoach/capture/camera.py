"""A webcam by index, through the platform's native OpenCV backend; and the camera probe."""
from __future__ import annotations

import math
import os
import sys
import threading
import time
from typing import Any, Callable, List, Optional, Tuple

import cv2

from livecoach.capture.base import MAX_PLAUSIBLE_FPS, POLL_S, CaptureError, EndOfStream, FrameSource
from livecoach.capture.native import native_stderr_captured
from livecoach.capture.thread import CaptureThread
from livecoach.config.schema import CaptureConfig
from livecoach.types import Frame

__all__ = ["CameraSource", "RUN_DOCTOR", "camera_backend_for", "probe_camera"]


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


#: The end of a camera problem's fix: ``livecoach doctor`` checks the rest (it leaves this out of its own lines).
RUN_DOCTOR = ", or run `livecoach doctor`"


def _no_camera_message(index: int) -> str:
    hint = f"use --video PATH to train with a video file{RUN_DOCTOR}"
    device = f"/dev/video{index}"
    if sys.platform.startswith("linux") and os.path.exists(device):
        return (f"camera at index {index} ({device}) cannot be opened — is another app using it, "
                f"or are you missing permission (group 'video')? Or {hint}")
    return f"no camera at index {index} — {hint}"


class CameraSource(FrameSource):
    """A webcam by index. ``t_s`` is seconds since the first frame (monotonic clock).

    ``read()`` waits (polling, woken by ``interrupt()``) while the camera sends nothing: a
    camera that stopped for good is noticed by the :class:`CaptureThread` watchdog
    (``camera_lost_after_s``), the one place that also sees a driver call that never returns.

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
                                   f"Or use --video PATH{RUN_DOCTOR}")
            self._wake.wait(POLL_S)
        reported_fps = cap.get(cv2.CAP_PROP_FPS)
        if math.isfinite(reported_fps) and 0 < reported_fps <= MAX_PLAUSIBLE_FPS:
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
            self._wake.wait(POLL_S)

    def interrupt(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._wake.set()
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()


def probe_camera(index: int, config: CaptureConfig,
                 capture_factory: Optional[Callable[[int, int], Any]] = None) -> Tuple[bool, str]:
    """Open camera ``index`` the way a session does, read one frame, close it.

    Returns ``(True, "640x480, 30 fps (V4L2)")`` or ``(False, <the one-line CaptureError>)``;
    never raises for a missing, busy or silent camera. For ``livecoach doctor``.
    """
    source = CameraSource(index, config, capture_factory=capture_factory)
    thread = CaptureThread.for_config(source, config)
    try:
        thread.start()
        frame = thread.get(timeout=config.camera_open_timeout_s)
    except CaptureError as exc:
        return False, str(exc)
    except EndOfStream:  # the worker ended without a frame (interrupted while opening)
        frame = None
    finally:
        thread.stop()
    if frame is None:
        return False, (f"camera {index} opened but sent no frame within {config.camera_open_timeout_s:g} s"
                       " — is another app using it?")
    backend = f" ({source.backend_name})" if source.backend_name else ""
    return True, f"{frame.width}x{frame.height}, {source.fps:.0f} fps{backend}"
