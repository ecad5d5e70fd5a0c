"""The session's collaborators, as typed protocols.

:class:`~livecoach.session.loop.CoachSession` is written against these, not against the
concrete classes (the MediaPipe estimator, the speech worker, the OpenCV window, the SQLite
recorder...), so a test drives a session with small fakes and no camera, model, sound card,
display or disk.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Protocol

from livecoach.logic.holds import HoldRecord
from livecoach.types import Cue, Event, Frame, FramingGuide, LogicStep, PoseFrame, RepRecord, SessionEnd

Image = Any  # an HxWx3 uint8 BGR numpy array


class PoseEstimator(Protocol):
    """Finds the person in a frame (``livecoach.capture.pose``)."""

    def estimate(self, frame: Frame) -> Optional[PoseFrame]: ...


class AsynchronousPoseEstimator(PoseEstimator, Protocol):
    """A pose estimator that takes frames ahead of their poses
    (``livecoach.capture.pose_process.PoseProcessEstimator``): up to ``in_flight`` frames may be
    submitted and not yet collected; :meth:`collect` returns their poses in order."""

    asynchronous: bool
    in_flight: int

    def submit(self, frame: Frame) -> None: ...

    def collect(self) -> Optional[PoseFrame]: ...


class Speaker(Protocol):
    """Speaks cues off the frame loop (``livecoach.speech.worker.SpeechWorker``)."""

    muted: bool

    def say(self, cue: Cue) -> bool: ...

    def check(self) -> None:
        """Raise, on the caller's thread, the error that ended the speech thread."""

    def wait_idle(self, timeout: float) -> bool: ...

    def stop(self, timeout: float = 1.0) -> bool: ...


class KeyActionLike(Protocol):
    """What a window's key press asks for (``livecoach.render.window.KeyAction``)."""

    value: str


class SessionWindow(Protocol):
    """Shows a frame and reports the key pressed (``livecoach.render.window.Window``)."""

    def show(self, image: Image) -> KeyActionLike: ...

    def close(self) -> None: ...


class Overlay(Protocol):
    """Draws a step on a frame (``livecoach.render.overlay.OverlayRenderer``)."""

    def render(self, image: Image, step: LogicStep, fps: float, muted: bool = False,
               paused: bool = False, plan_line: Optional[str] = None,
               setup_line: Optional[str] = None, lite_model: bool = False,
               framing: Optional[FramingGuide] = None) -> Image: ...


class HistoryRecorder(Protocol):
    """Keeps the session in the history (``livecoach.history.store.SessionRecorder``)."""

    def on_step(self, step: LogicStep, image: Optional[Image]) -> None: ...

    def record_hold(self, record: HoldRecord) -> None:
        """A hold from the analyzer's closing events (still running when the session ended)."""

    def record_rep(self, record: RepRecord) -> None:
        """A rep cycle from the analyzer's closing events (a no-rep held back until the end)."""

    def finish(self, end: SessionEnd) -> None: ...


class EventSink(Protocol):
    """The ``--events`` stream (``livecoach.formats.events.EventWriter``)."""

    def write(self, event: Event) -> None: ...

    def write_dict(self, data: Dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class VideoWriter(Protocol):
    """A video file being written (``livecoach.render.video_out.VideoOut``)."""

    def write(self, image: Image) -> None: ...

    def close(self) -> None: ...


class LandmarkSink(Protocol):
    """Every frame's landmarks, for ``livecoach replay`` (``--record-landmarks``)."""

    def write(self, frame_index: int, t_s: float, pose: Optional[PoseFrame]) -> None: ...

    def close(self) -> None: ...
