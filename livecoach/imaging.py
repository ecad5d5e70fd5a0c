"""cv2 adapter for session pictures: JPEG encode/decode, resizing, and the skeleton drawn on
the small bottom-of-rep pictures kept for the report.

The live overlay (``livecoach.overlay``) is separate: this module only draws what a still
picture in the report needs (bones, joints, the rep's faulty joints in red).
"""
from __future__ import annotations

from typing import Iterable, Optional

import cv2
import numpy as np

from .landmarks import SKELETON_EDGES, SKELETON_JOINTS, Landmark
from .types import PoseFrame

# BGR colours of the report pictures (presentation, not coaching thresholds).
_BONE = (235, 206, 135)      # light sky blue
_JOINT = (255, 255, 255)
_FAULT = (60, 60, 235)       # red
_OUTLINE = (40, 40, 40)


class ImagingError(ValueError):
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


def draw_skeleton(image: np.ndarray, pose: PoseFrame, min_visibility: float,
                  highlight: Iterable[Landmark] = ()) -> np.ndarray:
    """A copy of ``image`` with ``pose``'s skeleton drawn, ``highlight`` joints (and their
    bones) in red. Pose pixel coordinates are scaled from the pose's frame size to the
    image's, so a downscaled picture gets the same skeleton."""
    out = image.copy()
    h, w = out.shape[:2]
    sx = w / float(pose.width) if pose.width else 1.0
    sy = h / float(pose.height) if pose.height else 1.0
    thickness = max(1, int(round(w / 200.0)))
    radius = max(2, int(round(w / 130.0)))
    marked = {Landmark(j) for j in highlight}

    def point(lm: Landmark) -> Optional[tuple]:
        if pose.vis(lm) < min_visibility:
            return None
        x, y = pose.xy(lm)
        if not (np.isfinite(x) and np.isfinite(y)):
            return None
        return int(round(x * sx)), int(round(y * sy))

    # Faulty bones and joints last, so the other side's bones never hide them.
    edges = sorted(SKELETON_EDGES, key=lambda e: e[0] in marked or e[1] in marked)
    for a, b in edges:
        pa, pb = point(a), point(b)
        if pa is None or pb is None:
            continue
        faulty = a in marked or b in marked
        width = thickness + (1 if faulty else 0)
        cv2.line(out, pa, pb, _OUTLINE, width + 2, cv2.LINE_AA)
        cv2.line(out, pa, pb, _FAULT if faulty else _BONE, width, cv2.LINE_AA)
    for lm in sorted(SKELETON_JOINTS, key=lambda j: j in marked):
        p = point(lm)
        if p is None:
            continue
        faulty = lm in marked
        cv2.circle(out, p, radius + (3 if faulty else 0), _OUTLINE, -1, cv2.LINE_AA)
        cv2.circle(out, p, radius + (2 if faulty else -1), _FAULT if faulty else _JOINT, -1, cv2.LINE_AA)
    return out


def bottom_picture(image: np.ndarray, pose: Optional[PoseFrame], width: int, min_visibility: float,
                   highlight: Iterable[Landmark] = ()) -> np.ndarray:
    """The small picture kept for a rep: ``image`` scaled to ``width`` with the skeleton."""
    small = resize_to_width(image, width)
    if pose is None:
        return small
    return draw_skeleton(small, pose, min_visibility, highlight)
