"""The frame-source contract, its errors and the capture worker's states (no cv2 here).

A :class:`FrameSource` yields :class:`~livecoach.types.Frame` s: ``open()``, ``read()``
(``None`` at the end of the stream), ``close()``, and the properties ``name``, ``fps``,
``frame_count`` (``None`` when unknown or endless) and ``is_live``. The backends, one per
module, are :mod:`.camera`, :mod:`.video_file` and :mod:`.paced_video`; :mod:`.factory`
makes one from plain options and :mod:`.thread` runs one on a worker thread.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Enum
from typing import Optional

from livecoach.errors import EXIT_INPUT, LiveCoachError
from livecoach.types import Frame

__all__ = ["CaptureError", "CameraLost", "EndOfStream", "EndReason", "WorkerState", "FrameSource",
           "FALLBACK_FPS", "camera_lost_message"]

# Containers that report no usable frame rate (some .mov/.webm files say 0 or 90000) are
# timed at this rate; it is the common webcam/phone rate, not a tuning knob.
FALLBACK_FPS = 30.0
MAX_PLAUSIBLE_FPS = 1000.0

# How often a blocked worker or a failing camera read re-checks the stop event. Short enough
# that stop() joins well within a second, long enough not to spin.
POLL_S = 0.02


class CaptureError(LiveCoachError, RuntimeError):
    """A frame source cannot be opened or read. The message is one line, fit for the user."""

    exit_code = EXIT_INPUT


class CameraLost(CaptureError):
    """A live source stopped delivering frames (camera unplugged, driver hung)."""


class EndReason(str, Enum):
    """Why a stream ended (the value is what a session records as its end reason)."""

    END_OF_SOURCE = "end_of_source"  # every frame the source had was read
    ENDED_EARLY = "video_ended_early"  # the file stopped decoding before its stated length
    STOPPED = "stopped"  # stop() or interrupt() ended it


class EndOfStream(LiveCoachError):
    """The source has no more frames (end of a video file); raised by ``CaptureThread.get``.

    ``reason`` says why (:class:`EndReason`); ``notice`` is a one-line message for the user
    when the end is worth telling (a video that ended early), else ``None``.
    """

    def __init__(self, source_name: str, reason: EndReason = EndReason.END_OF_SOURCE,
                 notice: Optional[str] = None) -> None:
        super().__init__(source_name)
        self.reason = reason
        self.notice = notice


class WorkerState(str, Enum):
    """Life cycle of a :class:`~livecoach.capture.thread.CaptureThread`."""

    IDLE = "idle"  # constructed, not started
    RUNNING = "running"  # source open, frames flowing
    STOPPING = "stopping"  # stop() asked, worker not yet finished
    STOPPED = "stopped"  # finished: stopped on request or end of stream
    FAILED = "failed"  # the source raised (open or read) or the camera was lost


def camera_lost_message(source_name: str, after_s: float) -> str:
    """The one line the user reads when a live source went silent."""
    return f"{source_name} stopped sending frames (none for {after_s:g} s) — was it unplugged?"


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

    @property
    def end_reason(self) -> Optional[EndReason]:
        """Why ``read()`` returned ``None`` (``None`` while the stream goes on, or when the
        source cannot tell); a video file says whether it ended before its stated length."""
        return None

    @property
    def end_notice(self) -> Optional[str]:
        """A one-line message for the user about how the stream ended, when there is one."""
        return None

    def __enter__(self) -> "FrameSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
