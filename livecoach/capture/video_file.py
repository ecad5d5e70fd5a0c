"""A video file read frame by frame, as fast as it decodes (offline analysis, tests)."""
from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any, Callable, List, Optional, Union

import cv2

from livecoach.capture.base import FALLBACK_FPS, MAX_PLAUSIBLE_FPS, CaptureError, EndReason, FrameSource
from livecoach.capture.native import FFmpegHush, native_stderr_captured
from livecoach.types import Frame

__all__ = ["VideoFileSource", "decoder_reason", "ended_early"]

# A file "ended early" when it decodes fewer frames than its container states, beyond this
# slack. MP4/MOV state the exact count (every shared clip decodes to it exactly); WebM/MKV
# estimate it from the duration, which can be a frame or two off. A cut-short file is far off.
_END_SLACK_FRAMES = 2
_END_SLACK_SHARE = 0.02


def decoder_reason(captured: str) -> str:
    """The most telling line FFmpeg printed (e.g. ``moov atom not found``), or ``''``."""
    for line in captured.splitlines():
        line = line.strip()
        # FFmpeg lines look like "[mov,mp4,... @ 0x55d..] moov atom not found".
        if line.startswith("[") and "@ 0x" in line and "]" in line:
            return line.split("]", 1)[1].strip()
    return ""


def ended_early(decoded: int, stated: Optional[int]) -> bool:
    """Whether ``decoded`` frames fall short of the container's ``stated`` count."""
    if stated is None:
        return False
    return decoded < stated - max(_END_SLACK_FRAMES, _END_SLACK_SHARE * stated)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{secs:04.1f}"


class VideoFileSource(FrameSource):
    """A video file, every frame in order; ``t_s = frame_index / fps`` (deterministic).

    ``read()`` returns each frame as fast as it decodes. :class:`~.paced_video.PacedVideoSource`
    is the same file played at wall-clock pace, standing in for a camera.

    FFmpeg is kept quiet while the file is open (:class:`~.native.FFmpegHush`): a damaged
    file ends the stream instead of printing decoder lines, and :attr:`end_reason` /
    :attr:`end_notice` then say the video ended early (frames decoded vs the count the
    container states), which a session prints as one line.

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
        self._hush = FFmpegHush()
        self._end_reason: Optional[EndReason] = None
        self._frames_decoded = 0
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
        with self._hush.opening(), native_stderr_captured(captured):
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
        self._end_reason = None
        self._frames_decoded = 0
        self._wake.clear()
        self._hush.hold()  # after the open: OpenCV sets FFmpeg's level at its first open
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
        self._hush.keep()
        ok, image = self._cap.read()
        self._next_index = index + 1
        if not ok or image is None:
            return self._end(index)
        return self._frame(index, image)

    def _end(self, index: int) -> None:
        """End of stream at frame ``index`` (the first one that did not decode)."""
        self._next_index = index
        self._frames_decoded = index
        self._end_reason = (EndReason.ENDED_EARLY if ended_early(index, self._frame_count)
                            else EndReason.END_OF_SOURCE)
        return None

    def _stopped(self) -> None:
        """``read()`` was interrupted: the stream ends without having reached its end."""
        self._end_reason = EndReason.STOPPED
        return None

    @property
    def end_reason(self) -> Optional[EndReason]:
        return self._end_reason

    @property
    def frames_decoded(self) -> int:
        """Frames the file yielded (read or skipped) before its end; valid once it ended."""
        return self._frames_decoded

    @property
    def end_notice(self) -> Optional[str]:
        if self._end_reason is not EndReason.ENDED_EARLY or self._frame_count is None:
            return None
        decoded, stated = self._frames_decoded, self._frame_count
        return (f"{self._path.name} ended early, at {_clock(decoded / self._fps)} of "
                f"{_clock(stated / self._fps)} ({decoded} of its {stated} frames decode) — "
                f"the file looks cut short or damaged")

    def skip(self, count: int) -> int:
        """Pass over the next ``count`` frames without converting them; how many there were.

        They are decoded in order (``grab``), not sought: the frames read afterwards are
        exactly, index for index, those a full read gives (a seek lands on an estimate).
        """
        self._require_open()
        skipped = 0
        if count > 0 and self._first_image is not None:
            self._first_image = None  # frame 0, decoded by open()
            skipped = 1
        while skipped < count:
            self._hush.keep()
            if not self._cap.grab():
                self._end(self._next_index)
                break
            self._next_index += 1
            skipped += 1
        return skipped

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
        self._hush.release()
