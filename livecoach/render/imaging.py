"""cv2 adapter for session pictures: JPEG encode/decode, resizing, and the small
bottom-of-rep pictures kept for the report (skeleton drawn by ``livecoach.render.overlay``)."""
from __future__ import annotations

from typing import Iterable, Optional

import cv2
import numpy as np

from livecoach.landmarks import Landmark
from livecoach.types import PoseFrame
from livecoach.errors import LiveCoachError
from livecoach.render.overlay import draw_skeleton


class ImagingError(LiveCoachError, ValueError):
    """An image could not be encoded or decoded; the message is one line."""


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    """``image`` (BGR uint8) as JPEG bytes at ``quality`` (10-100)."""
    ok, buf = cv2.imencode(".jpg", image, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        raise ImagingError(f"cannot encode a {image.shape} image as JPEG")
    return buf.tobytes()


def decode_jpeg(data: bytes) -> np.ndarray:
    """JPEG bytes back to a BGR uint8 image."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImagingError("not a decodable JPEG image")
    return image


def resize_to_width(image: np.ndarray, width: int) -> np.ndarray:
    """A copy of ``image`` scaled to ``width`` pixels wide (never upscaled)."""
    h, w = image.shape[:2]
    if w <= width:
        return image.copy()
    height = max(1, int(round(h * width / w)))
    return cv2.resize(image, (int(width), height), interpolation=cv2.INTER_AREA)


def shrink_fast(image: np.ndarray, width: int) -> np.ndarray:
    """A quick copy of ``image`` at most ``width`` wide (bilinear; for a picture that will be
    scaled down again with :func:`resize_to_width`, so it costs ~0.2 ms, not ~4 ms, a frame)."""
    h, w = image.shape[:2]
    if w <= width:
        return image.copy()
    return cv2.resize(image, (int(width), max(1, int(round(h * width / w)))), interpolation=cv2.INTER_LINEAR)


def bottom_picture(image: np.ndarray, pose: Optional[PoseFrame], width: int, min_visibility: float,
                   highlight: Iterable[Landmark] = ()) -> np.ndarray:
    """The small picture kept for a rep: ``image`` scaled to ``width`` with the skeleton."""
    small = resize_to_width(image, width)
    if pose is None:
        return small
    # The same drawing as the live window, so the report shows what the person saw.
    return draw_skeleton(small, pose, highlight, min_visibility=min_visibility)
