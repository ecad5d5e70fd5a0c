"""A video file read frame by frame, as fast as it decodes (offline analysis, tests)."""
from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any, Callable, List, Optional, Union

import cv2

from livecoach.capture.base import FALLBACK_FPS, MAX_PLAUSIBLE_FPS, CaptureError, FrameSource
from livecoach.capture.native import native_stderr_captured
from livecoach.types import Frame

__all__ = ["VideoFileSource", "decoder_reason"]


def decoder_reason(captured: str) -> str:
    """The most telling line FFmpeg printed (e.g. ``moov atom not found``), or ``''``."""
    for line in captured.splitlines():
        line = line.strip()
        # FFmpeg lines look like "[mov,mp4,... @ 0x55d..] moov atom not found".
        if line.startswith("[") and "@ 0x" in line and "]" in line:
            return line.split("]", 1)[1].strip()
    return ""


class VideoFileSource(FrameSource):
    """A video file, every frame in order; ``t_s = frame_index / fps`` (deterministic).

    ``read()`` returns each frame as fast as it decodes. :class:`~.paced_video.PacedVideoSource`
    is the same file played at wall-clock pace, standing in for a camera.

    ``capture_factory(path)`` makes the ``cv2.VideoCapture``; tests inject a fake.
    """

    def __init__(self, path: Union[str, Path],
                 capture_factory: Optional[Callable[[str], Any]] = None) -> None:
        self._path = Path(path)
        self._factory = capture_factory or cv2.VideoCapture
        self._cap: Any = None
        self._fps = FALLBACK_FPS
        self._fps_reported = False
        self._frame_count: Optional[int] = None
        self._first_image: Any = None
        self._next_index = 0
        self._wake = threading.Event()
        self.frames_skipped = 0  # frames never read because a paced reader fell behind
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
        """True when frames are handed out at wall-clock pace (a camera's stand-in)."""
        return False

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
        return self.paced

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
            reason = decoder_reason("".join(captured))
            raise CaptureError(f"{path} is not a video OpenCV can read "
                               + (f"({reason})" if reason else "(not a video, an unsupported codec, or no frames)"))
        if not ok or image is None or not image.size:
            cap.release()
            raise CaptureError(f"{path} has no frames that can be decoded")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self._fps_reported = math.isfinite(fps) and 0 < fps <= MAX_PLAUSIBLE_FPS
        self._fps = float(fps) if self._fps_reported else FALLBACK_FPS
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self._frame_count = int(count) if math.isfinite(count) and count > 0 else None
        self.height, self.width = image.shape[:2]
        self._cap = cap
        self._first_image = image
        self._next_index = 1
        self.frames_skipped = 0
        self._wake.clear()
        self._opened()

    def _opened(self) -> None:
        """Hook for subclasses: the file was just (re)opened."""

    def _frame(self, index: int, image: Any) -> Frame:
        return Frame(index=index, t_s=index / self._fps, image=image, captured_monotonic_s=time.monotonic())

    def _require_open(self) -> Any:
        if self._cap is None:
            raise CaptureError(f"{self.name} is not open")
        return self._cap

    def _take_first(self) -> Optional[Frame]:
        """Frame 0, decoded by ``open()`` to prove the file has frames; ``None`` once taken."""
        if self._first_image is None:
            return None
        image, self._first_image = self._first_image, None
        return self._frame(0, image)

    def _decode(self, index: int) -> Optional[Frame]:
        """Decode frame ``index`` (the next one in the file); ``None`` at the end."""
        ok, image = self._cap.read()
        self._next_index = index + 1
        if not ok or image is None:
            return self._end(index)
        return self._frame(index, image)

    def _end(self, index: int) -> None:
        """End of stream at frame ``index`` (the first one that did not decode)."""
        self._next_index = index
        return None

    def read(self) -> Optional[Frame]:
        self._require_open()
        first = self._take_first()
        if first is not None:
            return first
        return self._decode(self._next_index)

    def interrupt(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._wake.set()
        cap, self._cap = self._cap, None
        self._first_image = None
        if cap is not None:
            cap.release()
