"""The pre-split import path of the frame sources, kept so callers can move at their pace.

New code imports from the modules themselves: :mod:`.base` (contract, errors, worker
states), :mod:`.camera`, :mod:`.video_file`, :mod:`.paced_video`, :mod:`.factory` and
:mod:`.thread`. Here ``VideoFileSource(path, paced=...)`` is the old constructor: it
returns a :class:`~.paced_video.PacedVideoSource` or an every-frame
:class:`~.video_file.VideoFileSource`, both of which answer ``.paced``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional, Union

from livecoach.capture import video_file
from livecoach.capture.base import (FALLBACK_FPS, CameraLost, CaptureError, EndOfStream, FrameSource,
                                    WorkerState)
from livecoach.capture.camera import CameraSource, camera_backend_for, probe_camera
from livecoach.capture.factory import make_source, video_source
from livecoach.capture.paced_video import PacedVideoSource
from livecoach.capture.thread import CaptureStats, CaptureThread

__all__ = [
    "CaptureError", "CameraLost", "EndOfStream", "WorkerState", "CaptureStats", "FrameSource",
    "CameraSource", "VideoFileSource", "PacedVideoSource", "CaptureThread", "camera_backend_for",
    "probe_camera", "make_source", "video_source", "FALLBACK_FPS",
]


def VideoFileSource(path: Union[str, Path], paced: bool,  # noqa: N802 - the old class's name
                    capture_factory: Optional[Callable[[str], Any]] = None) -> video_file.VideoFileSource:
    """The old ``VideoFileSource(path, paced)``: see :func:`~.factory.video_source`."""
    return video_source(path, paced=paced, capture_factory=capture_factory)
