"""Video file writer adapter (OpenCV): ``--annotated-video`` and ``--record-video``."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import cv2
import numpy as np
from livecoach.errors import EXIT_OUTPUT, LiveCoachError


class VideoOutError(LiveCoachError, RuntimeError):
    """The output video cannot be written (one-line message)."""

    exit_code = EXIT_OUTPUT


class VideoOut:
    """Writes BGR frames to an MP4 (``mp4v``) file, opened on the first frame's size."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = Path(path)
        self.fps = fps if fps and fps > 0 else 30.0
        self._writer: Optional[Any] = None
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            height, width = image.shape[:2]
            writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (width, height))
            if not writer.isOpened():
                raise VideoOutError(f"cannot write a video to {self.path}")
            self._writer = writer
        self._writer.write(image)
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
