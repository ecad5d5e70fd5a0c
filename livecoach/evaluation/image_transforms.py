"""Adapter: the pixels of ``livecoach eval --augment``'s image transforms [cv2, numpy].

Each transform keeps the frame's size, so recorded landmarks stay in the frame's pixel
coordinates and the app sees a camera of the same resolution. Sensor noise is seeded by
the frame index: a transformed clip is the same on every run (and in every cache).
Only :mod:`livecoach.evaluation.cache` imports this module, inside the extraction worker.
"""
from __future__ import annotations

import dataclasses
from typing import List, Optional, Sequence

import cv2
import numpy as np

from livecoach.evaluation.augment import IMAGE, Augmentation
from livecoach.landmarks import HAND_LANDMARKS_BY_SIDE, Landmark
from livecoach.types import Frame, PoseFrame

__all__ = ["apply_image_transform", "dim", "washed_out", "low_res", "mirror", "zoom_out", "zoom_in", "rotate",
           "hide_hands", "Exposure"]

#: Each side's elbow (for the forearm's length) and the landmarks of its hand.
_HANDS = tuple((Landmark[f"{side.upper()}_ELBOW"], hand) for side, hand in HAND_LANDMARKS_BY_SIDE.items())


def dim(image: np.ndarray, gamma: float, gain: float, noise_sigma: float, seed: int) -> np.ndarray:
    """Dim light: ``gain * (x / 255) ** gamma`` (darker mid-tones), plus Gaussian sensor noise."""
    lut = np.clip(255.0 * gain * (np.arange(256) / 255.0) ** gamma, 0, 255).astype(np.float32)
    return _with_sensor_noise(lut[image], noise_sigma, seed)


def washed_out(image: np.ndarray, contrast: float, level: float, noise_sigma: float, seed: int) -> np.ndarray:
    """Washed-out light (a bright window behind the person, a camera over-exposing): every value
    pulled toward ``level``, ``contrast`` of its distance from it kept, plus Gaussian sensor noise."""
    return _with_sensor_noise(level + contrast * (image.astype(np.float32) - level), noise_sigma, seed)


def _with_sensor_noise(values: np.ndarray, noise_sigma: float, seed: int) -> np.ndarray:
    """``values`` (float pixels) plus Gaussian sensor noise of ``noise_sigma``, seeded by ``seed`` (the
    frame's index: the same frame gets the same noise on every run), as uint8."""
    if noise_sigma > 0:
        values = values + np.random.default_rng(seed).normal(0.0, noise_sigma, size=values.shape).astype(np.float32)
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def low_res(image: np.ndarray, max_side_px: float, jpeg_quality: float) -> np.ndarray:
    """A cheap webcam's picture: the frame shrunk until its longer side is at most ``max_side_px``
    (a smaller frame keeps its size: halving a picture already that small would leave a body no
    camera anyone trains in front of gives), JPEG-compressed at ``jpeg_quality`` (blocks, smeared
    edges), and scaled back up to its size."""
    h, w = image.shape[:2]
    scale = min(1.0, max_side_px / max(h, w))
    small = cv2.resize(image, (max(1, int(round(w * scale))), max(1, int(round(h * scale)))),
                       interpolation=cv2.INTER_AREA) if scale < 1.0 else image
    ok, encoded = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, int(round(jpeg_quality))])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return cv2.resize(cv2.imdecode(encoded, cv2.IMREAD_COLOR), (w, h), interpolation=cv2.INTER_LINEAR)


def mirror(image: np.ndarray) -> np.ndarray:
    """Left-right mirror image."""
    return np.ascontiguousarray(image[:, ::-1])


def zoom_out(image: np.ndarray, scale: float) -> np.ndarray:
    """The frame shrunk to ``scale`` of its size, centred on black: the person further away."""
    h, w = image.shape[:2]
    sw, sh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    out = np.zeros_like(image)
    y, x = (h - sh) // 2, (w - sw) // 2
    out[y:y + sh, x:x + sw] = small
    return out


def zoom_in(image: np.ndarray, keep: float) -> np.ndarray:
    """The frame's central ``keep`` (of its width and height) scaled up to the full size: the
    camera closer, so a body that filled the frame loses its ends (the feet, the head) at the edges."""
    h, w = image.shape[:2]
    cw, ch = max(1, int(round(w * keep))), max(1, int(round(h * keep)))
    x, y = (w - cw) // 2, (h - ch) // 2
    return cv2.resize(image[y:y + ch, x:x + cw], (w, h), interpolation=cv2.INTER_LINEAR)


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """The frame rotated ``degrees`` (counter-clockwise) about its centre, black corners."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(0, 0, 0))


def hide_hands(image: np.ndarray, pose: Optional[PoseFrame], radius_forearms: float,
               blur_sigma_px: float) -> np.ndarray:
    """``image`` with each hand of ``pose`` (the person's landmarks in this frame) blurred out: the
    union of discs of ``radius_forearms`` forearm lengths (elbow to wrist, at least 8 px) around
    the wrist, pinky, index and thumb, filled from the picture blurred with ``blur_sigma_px``, so
    the hand melts into what is around it. No pose: the frame unchanged."""
    if pose is None:
        return image
    mask = np.zeros(image.shape[:2], np.uint8)
    for elbow, hand in _HANDS:
        forearm = float(np.linalg.norm(pose.xy(elbow) - pose.xy(hand[0])))
        radius = max(8, int(round(radius_forearms * forearm)))
        for landmark in hand:
            x, y = pose.xy(landmark)
            if np.isfinite(x) and np.isfinite(y):
                cv2.circle(mask, (int(round(x)), int(round(y))), radius, 255, -1)
    if not mask.any():
        return image
    blurred = cv2.GaussianBlur(image, (0, 0), blur_sigma_px)
    return np.where(mask[..., None] > 0, blurred, image)


def apply_image_transform(augmentation: Augmentation, image: np.ndarray, frame_index: int,
                          guide: Optional[PoseFrame] = None) -> np.ndarray:
    """``image`` (BGR uint8) after the image transform ``augmentation`` (each of its steps in turn);
    ``guide``: the person's landmarks in the untransformed frame, for a step placed on the person
    (``augmentation.guided``)."""
    if augmentation.kind != IMAGE:
        raise ValueError(f"{augmentation.name} is not an image transform")
    for step in augmentation.image_steps:
        if step == "hidehands":
            image = hide_hands(image, guide, augmentation.param("radius_forearms"),
                               augmentation.param("blur_sigma_px"))
        else:
            image = _apply_step(step, augmentation, image, frame_index)
    return image


def _apply_step(step: str, augmentation: Augmentation, image: np.ndarray, frame_index: int) -> np.ndarray:
    if step == "dim":
        return dim(image, augmentation.param("gamma"), augmentation.param("gain"),
                   augmentation.param("noise_sigma"), seed=frame_index)
    if step == "washedout":
        return washed_out(image, augmentation.param("contrast"), augmentation.param("level"),
                          augmentation.param("noise_sigma"), seed=frame_index)
    if step == "lowres":
        return low_res(image, augmentation.param("max_side_px"), augmentation.param("jpeg_quality"))
    if step == "mirror":
        return mirror(image)
    if step == "zoomout":
        return zoom_out(image, augmentation.param("scale"))
    if step == "zoomin":
        return zoom_in(image, augmentation.param("keep"))
    if step == "rotate":
        return rotate(image, augmentation.param("degrees"))
    raise ValueError(f"no pixel transform for {step} (in {augmentation.name})")


class Exposure:
    """The frames of a clip sped up (``tempo-blur``) as a camera whose shutter stays open the whole
    frame records them: each output frame the mean of the source frames from the one it starts on
    up to the next output's. :meth:`add` takes each source image with the output frames that start
    on it (at most one, as the speed is above 1) and returns the output finished by it;
    :meth:`flush` the last one."""

    def __init__(self) -> None:
        self._started: Optional[Frame] = None
        self._sum: Optional[np.ndarray] = None
        self._count = 0

    def add(self, image: np.ndarray, starts: Sequence[Frame]) -> List[Frame]:
        if len(starts) > 1:
            raise ValueError("a blurred tempo needs a speed above 1: one output frame per source frame at most")
        if not starts:
            if self._sum is not None:  # frames before the first output start are in no exposure
                self._sum += image
                self._count += 1
            return []
        done = self.flush()
        self._started, self._sum, self._count = starts[0], image.astype(np.float32), 1
        return done

    def flush(self) -> List[Frame]:
        if self._started is None or self._sum is None:
            return []
        mean = np.clip(np.rint(self._sum / self._count), 0, 255).astype(np.uint8)
        out = dataclasses.replace(self._started, image=mean)
        self._started, self._sum, self._count = None, None, 0
        return [out]
