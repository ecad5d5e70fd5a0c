"""Making a frame source from plain options (a camera index, or a video path and a pace)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional, Union

from livecoach.capture.base import FrameSource
from livecoach.capture.camera import CameraSource
from livecoach.capture.paced_video import PacedVideoSource
from livecoach.capture.video_file import VideoFileSource
from livecoach.config.schema import CaptureConfig

__all__ = ["make_source", "video_source"]


def video_source(path: Union[str, Path], paced: bool,
                 capture_factory: Optional[Callable[[str], Any]] = None) -> VideoFileSource:
    """A video file source: ``paced`` plays it in real time like a camera (frames a slow
    reader cannot take are lost), otherwise every frame is read as fast as it decodes."""
    cls = PacedVideoSource if paced else VideoFileSource
    return cls(path, capture_factory=capture_factory)


def make_source(config: CaptureConfig, *, camera: Optional[int] = None,
                video: Union[str, Path, None] = None, paced: bool = False) -> FrameSource:
    """The source for exactly one of ``camera`` (an index) or ``video`` (a path), not opened.

    Open a video right away to report a bad path before anything slow starts; leave a camera
    to :class:`~livecoach.capture.thread.CaptureThread`, which opens and reads it on one
    thread (some camera backends want that).
    """
    if (camera is None) == (video is None):
        raise ValueError("give exactly one of camera= or video=")
    if video is not None:
        return video_source(video, paced=paced)
    return CameraSource(int(camera), config)  # type: ignore[arg-type]
