"""Low light: brightening a dark frame before the pose model sees it.

In a dim room the camera's picture is dark and noisy, and the pose model's landmarks drift.
Measured on shared clips darkened as ``livecoach eval --augment dim`` darkens them (mean
luminance 56–66 of 255), against the landmarks of the clips as filmed: a gamma curve that
brings the frame's mean luminance back to mid-grey cut the median landmark error by 20–40 %
(tayyab 0.025 → 0.017 of the torso length, wrong26 0.026 → 0.021, calimiro push-up_12
0.079 → 0.046). Contrast-limited histogram equalisation (CLAHE) of the luminance helped less
and once lost the person in 3 of 150 frames, so it is not used.

But counting got worse, not better: on the 23 labelled clips darkened by ``--augment dim``,
with the curve at 70 the person was found in more frames (97.9 → 99.1 %), yet the brightened
sensor noise gave extra rep cycles (count MAE 0.110 → 0.125, pooled fault precision
0.83 → 0.71). The pose adapter now smooths a frame before brightening it (a Gaussian,
``[pose] low_light_blur_px``), so the curve lifts the picture rather than its noise: count MAE
on the darkened clips 0.095 → 0.053 with the curve at 70, pooled fault precision 0.92 → 0.86,
the clips as filmed unchanged. But a zoomed-out frame's black border pulls its mean luminance
under 70 with the person lit, and the smoothed, brightened small body counted worse (zoom-out
MAE 0.011 → 0.059). So a frame's darkness is now read from its picture, black borders left out
(:func:`picture_mean_luma`): a letterboxed or zoomed-out frame of a lit room is left alone (at
the zoom-out of ``--augment zoomout``, 0.7, the frame's mean is half its picture's: 104 → 51 on
aigym). With that, the curve is on at 70: on the darkened clips count MAE 0.095 → 0.053 (as
filmed 0.036), frames with a pose 98.1 → 99.2 %, and as filmed and under every other transform
every count is the same (README, "Accuracy"). ``livecoach eval --augment dim --config`` measures
another setting.

The smoothing was a Gaussian, which blurs a dark body's outline as much as the noise; on a
small, dark picture (PushFit correct60, 320x240, darkened) the model then found the person on
15–30 % of the frames and counted 0 of 3–4. It is now a guided filter steered by the luminance
(``[pose] low_light_edge_contrast``: steps above it are kept as edges): count MAE on the
darkened clips 0.048 → 0.016 (as filmed 0.014), correct60 3 of 3–4 (README, "Accuracy").

Washed-out light is the other way a picture loses its body (a bright window behind the person, a
camera over-exposing): every value pulled toward a light grey, the body's edges with them. A lit
frame whose luminance spread is under ``[pose] low_contrast_below_spread`` is stretched back for
the model, linearly about mid-grey (:func:`contrast_stretch`; README, "Washed-out light").

Only frames darker than ``[pose] low_light_below_luma`` or washed out are changed; every other
frame reaches the model untouched. The picture drawn and saved is never changed: only the model's
copy. This module holds the rules (no OpenCV); the pose adapter applies them.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from livecoach.types import FrameLight

__all__ = ["brightening_gamma", "contrast_stretch", "frame_brightening_gamma", "frame_light", "gamma_table",
           "picture_mean_luma", "stretch_table"]


def brightening_gamma(mean_luma: float, below: float, target: float, floor: float) -> Optional[float]:
    """The gamma (< 1) that maps a frame's mean luminance ``mean_luma`` (0–255) to ``target``,
    or None when the frame is not darker than ``below`` (leave it as it is; ``below`` 0: never).

    A frame darker than ``floor`` is left alone too: it is no picture (a covered lens, a black
    end card with a logo), and a curve steep enough to bring it to mid-grey would only bring
    out noise and compression blocks.
    """
    if below <= 0 or not (max(floor, 1.0) <= mean_luma < below) or target <= mean_luma:
        return None
    return math.log(target / 255.0) / math.log(mean_luma / 255.0)


def _picture_bounds(gray: np.ndarray, floor: float) -> Tuple[float, Optional[Tuple[int, int, int, int]]]:
    """The mean luminance of the picture in a grey frame and its first and last row and column:
    the box spanned by the rows and columns with a pixel at least ``floor`` bright (the whole
    frame's mean and None when no pixel reaches ``floor``)."""
    rows = np.flatnonzero(gray.max(axis=1) >= floor)
    if rows.size == 0:
        return float(gray.mean()), None
    cols = np.flatnonzero(gray.max(axis=0) >= floor)
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    return float(gray[r0:r1 + 1, c0:c1 + 1].mean()), (r0, r1, c0, c1)


def picture_mean_luma(gray: np.ndarray, floor: float) -> float:
    """The mean luminance of the picture in a grey frame, black borders left out: the box spanned
    by the rows and columns with a pixel at least ``floor`` bright. A letterboxed camera, or a
    picture shrunk onto black (``--augment zoomout``), has bars that hold no light and say nothing
    about the room: counted in, they halve the mean of a lit frame. The whole frame's mean when no
    pixel reaches ``floor``."""
    return _picture_bounds(gray, floor)[0]


def frame_light(image: np.ndarray, floor: float, step: int = 4) -> FrameLight:
    """The light and the picture of a frame, for the camera set-up check: the mean luminance
    (0-255, Rec. 601 weights) of a BGR uint8 image (or a grey one) on every ``step``-th pixel each
    way (a 640x360 frame costs ~15k pixels), and the box of its picture, black borders left out
    (rows and columns with no pixel ``floor`` bright, as :func:`picture_mean_luma` leaves them
    out). A letterboxed camera or a phone's portrait picture between black bars is no darker a
    room than its picture, and a person who fills that picture is not far away. The whole frame
    is the picture when no pixel reaches ``floor`` (a covered lens)."""
    full = np.asarray(image)
    sample = full[::step, ::step]
    if sample.ndim == 2:
        gray = sample.astype(np.float32)
    else:
        b, g, r = (sample[..., i].astype(np.float32) for i in range(3))
        gray = 0.114 * b + 0.587 * g + 0.299 * r
    luma, bounds = _picture_bounds(gray, floor)
    if bounds is None:
        return FrameLight(luma=luma)
    r0, r1, c0, c1 = bounds
    height, width = full.shape[:2]
    # a sampled row or column stands for the `step` pixels from it on
    picture = (c0 * step / width, r0 * step / height, min((c1 + 1) * step, width) / width,
               min((r1 + 1) * step, height) / height)
    return FrameLight(luma=luma, picture=picture)


def frame_brightening_gamma(gray: np.ndarray, below: float, target: float, floor: float) -> Optional[float]:
    """:func:`brightening_gamma` for a grey frame: None for a frame no darker than ``below`` or,
    as a whole, darker than ``floor`` (no picture: an end card); else the gamma that brings its
    picture (:func:`picture_mean_luma`, black borders left out) to ``target``, None when the
    picture itself is no darker than ``below``."""
    if below <= 0:
        return None
    whole = float(gray.mean())
    # Borders are darker than the picture, so a frame at least `below` as a whole is lit: its
    # borders are not looked for (the common case costs one mean).
    if whole >= below or whole < max(floor, 1.0):
        return None
    return brightening_gamma(picture_mean_luma(gray, floor), below, target, floor)


def gamma_table(gamma: float) -> np.ndarray:
    """The 256-entry uint8 lookup table of ``255 * (x / 255) ** gamma``."""
    return _uint8_table(255.0 * (np.arange(256) / 255.0) ** gamma)


def contrast_stretch(gray: np.ndarray, below_spread: float, target_spread: float, max_gain: float,
                     lit_from: float, floor: float, step: int = 4) -> Optional[Tuple[float, float]]:
    """The gain and offset (``gain * x + offset``) that stretch a washed-out frame for the pose model,
    or None to leave it as it is. Washed out: its picture (black borders left out, as
    :func:`picture_mean_luma` leaves them; read on every ``step``-th pixel each way) is lit -- a mean
    luminance of at least ``lit_from``: a dark frame is brightened instead -- and its luminance
    spread, the 1st to the 99th percentile, is under ``below_spread`` (0: never). A bright window
    behind the person or a camera over-exposing pulls every value toward a light grey: the body's
    edges lose their contrast with it. The stretch is linear about mid-grey, to ``target_spread``,
    multiplying the contrast by at most ``max_gain`` (it multiplies the sensor noise as much)."""
    if below_spread <= 0:
        return None
    sample = gray[::step, ::step]
    mean, bounds = _picture_bounds(sample, floor)
    if bounds is None or mean < lit_from:
        return None
    r0, r1, c0, c1 = bounds
    low, high = np.percentile(sample[r0:r1 + 1, c0:c1 + 1], (1.0, 99.0))
    spread = float(high - low)
    if not (0.0 < spread < below_spread):
        return None
    gain = min(max_gain, target_spread / spread)
    if gain <= 1.0:
        return None
    return gain, 127.5 - gain * float(low + high) / 2.0


def stretch_table(gain: float, offset: float) -> np.ndarray:
    """The 256-entry uint8 lookup table of ``gain * x + offset``, clipped to 0-255."""
    return _uint8_table(gain * np.arange(256, dtype=np.float64) + offset)


def _uint8_table(values: np.ndarray) -> np.ndarray:
    """A lookup table of the 256 ``values`` (one per input level), rounded and clipped to uint8."""
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)
