"""Tick sources: what the frame loop consumes, one unit of work at a time.

A live or analysed video gives frames (the loop runs the pose model on them); a replay gives
recorded poses (no model, no image). Both arrive as :class:`Tick` s, so the loop is the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, List, Optional, Protocol

from livecoach.capture.base import EndOfStream
from livecoach.clock import SourceClock
from livecoach.types import Frame, PoseFrame


@dataclass(frozen=True)
class Tick:
    """One unit of work for the loop: a frame (live/analyze) or a recorded pose (replay)."""

    t_s: float
    frame_index: int
    frame: Optional[Frame]
    pose: Optional[PoseFrame]
    pose_known: bool  # True when ``pose`` comes from a recording (no estimator needed)


class FrameCapture(Protocol):
    """The capture thread's consumer side (``livecoach.capture.thread.CaptureThread``)."""

    def get(self, timeout: float) -> Optional[Frame]:
        """The newest frame, None if none came within ``timeout``; raises ``EndOfStream`` at the end."""


class RecordedPose(Protocol):
    """One frame of a landmark recording (``livecoach.formats.recording``)."""

    t_s: float
    frame_index: int
    pose: Optional[PoseFrame]


class FrameSize:
    """The size of the last frame seen (for a landmark recording opened on the first frame)."""

    def __init__(self, width: int = 0, height: int = 0) -> None:
        self.width, self.height = width, height

    def __call__(self) -> List[int]:
        return [self.width, self.height]


def capture_ticks(capture: FrameCapture, clock: SourceClock, size: FrameSize,
                  on_end_notice: Optional[Callable[[str], None]] = None) -> Iterator[Tick]:
    """Frames from the capture thread until the source ends; teaches ``clock`` the source's time.

    ``on_end_notice`` gets the source's one-line notice when its end is worth telling (a video
    that ended early)."""

    while True:
        try:
            frame = capture.get(timeout=0.25)
        except EndOfStream as end:
            if end.notice and on_end_notice is not None:
                on_end_notice(end.notice)
            return
        if frame is None:
            continue
        if frame.captured_monotonic_s:
            clock.observe(frame.t_s, frame.captured_monotonic_s)
        size.width, size.height = frame.width, frame.height
        yield Tick(frame.t_s, frame.index, frame, None, pose_known=False)


def replay_ticks(recording: Iterable[RecordedPose]) -> Iterator[Tick]:
    """The recorded poses of a landmark recording, in order."""
    for recorded in recording:
        yield Tick(recorded.t_s, recorded.frame_index, None, recorded.pose, pose_known=True)
