"""Low light (issue 9): which frames are brightened for the pose model, and by how much."""
from __future__ import annotations

import numpy as np
import pytest

from livecoach.capture.light import (brightening_gamma, contrast_stretch, frame_brightening_gamma, frame_light,
                                     gamma_table, picture_mean_luma, stretch_table)


@pytest.mark.parametrize("mean", [5.0, 30.0, 56.0, 69.9])
def test_a_dark_frame_is_brought_to_the_target_mean(mean):
    gamma = brightening_gamma(mean, below=70.0, target=110.0, floor=2.0)
    assert gamma is not None and 0.0 < gamma < 1.0
    # A flat frame at that mean comes out at the target (to the table's rounding).
    assert abs(float(gamma_table(gamma)[int(round(mean))]) - 110.0) <= 255.0 * 0.02 + 1.0


@pytest.mark.parametrize("mean,below,target,floor", [(70.0, 70.0, 110.0, 8.0), (150.0, 70.0, 110.0, 8.0),
                                                     (40.0, 0.0, 110.0, 8.0),  # switched off
                                                     (1.2, 70.0, 110.0, 8.0),  # an end card: no picture
                                                     (7.9, 70.0, 110.0, 8.0),
                                                     (0.4, 70.0, 110.0, 0.0),  # black: nothing to bring out
                                                     (60.0, 70.0, 50.0, 8.0)])  # already brighter than the target
def test_other_frames_are_left_alone(mean, below, target, floor):
    assert brightening_gamma(mean, below, target, floor) is None


def test_the_curve_keeps_black_and_white_and_the_order_of_tones():
    table = gamma_table(0.5)
    assert table.dtype == np.uint8 and table.shape == (256,)
    assert table[0] == 0 and table[255] == 255
    assert (np.diff(table.astype(int)) >= 0).all() and table[64] > 64


def _on_black(picture: np.ndarray, scale: float) -> np.ndarray:
    """``picture`` (grey) shrunk to ``scale`` of its size by dropping pixels, centred on black."""
    h, w = picture.shape
    step = int(round(1 / scale))
    small = picture[::step, ::step]
    out = np.zeros_like(picture)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out


def _room(mean: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(mean, 15.0, (360, 640)), 0, 255).astype(np.uint8)


def test_black_borders_are_left_out_of_the_pictures_luminance():
    lit = _room(120.0)
    framed = _on_black(lit, 0.5)  # a quarter of the frame is picture: its mean is a quarter of the lit one
    assert framed.mean() < 35.0
    assert abs(picture_mean_luma(framed, floor=8.0) - lit.mean()) < 2.0
    bars = lit.copy()
    bars[:, :80] = 0
    bars[:, -80:] = 3  # a letterbox's bars need not be exactly black
    assert abs(picture_mean_luma(bars, floor=8.0) - lit[:, 80:-80].mean()) < 0.5
    assert picture_mean_luma(np.full((10, 10), 5, np.uint8), floor=8.0) == 5.0  # nothing reaches the floor


def test_a_lit_picture_on_black_is_not_brightened_and_a_dark_one_is():
    assert frame_brightening_gamma(_on_black(_room(120.0), 0.5), 70.0, 110.0, 8.0) is None
    dark = _on_black(_room(40.0), 0.5)
    gamma = frame_brightening_gamma(dark, 70.0, 110.0, 8.0)
    # The gamma that brings the dark picture (not the frame with its borders) to the target.
    assert gamma is not None and gamma == pytest.approx(brightening_gamma(picture_mean_luma(dark, 8.0), 70.0, 110.0, 8.0))
    assert abs(float(gamma_table(gamma)[40]) - 110.0) < 6.0


def test_an_end_card_and_a_lit_frame_are_left_alone():
    card = np.zeros((360, 640), np.uint8)
    card[170:190, 300:340] = 200  # a logo on black: no picture, though the logo is bright
    assert frame_brightening_gamma(card, 70.0, 110.0, 8.0) is None
    assert frame_brightening_gamma(_room(120.0), 70.0, 110.0, 8.0) is None
    assert frame_brightening_gamma(_room(40.0), 0.0, 110.0, 8.0) is None  # switched off


def test_frame_light_is_luminance():
    img = np.zeros((40, 60, 3), np.uint8)
    img[..., 1] = 200  # pure green (BGR)
    assert frame_light(img, floor=8.0).luma == pytest.approx(0.587 * 200, abs=0.01)
    assert frame_light(np.full((10, 10), 77, np.uint8), floor=8.0).luma == pytest.approx(77.0)


def test_a_portrait_picture_between_black_bars_is_as_light_as_its_picture():
    """A phone held upright as the webcam: a 9:16 picture in a 16:9 frame, the rest black. A
    picture of 70 (a dim but usable room) reads 22 over the whole frame, under the set-up check's
    dark_below (30: "Turn on a light"). The picture's own light counts."""
    frame = np.zeros((360, 640, 3), np.uint8)
    frame[:, 218:422] = 70  # a dim but usable room, 204 of 640 columns
    assert frame.mean() == pytest.approx(70 * 204 / 640, abs=0.5)  # 22: "too dark" by the whole frame
    assert frame_light(frame, floor=8.0).luma == pytest.approx(70.0, abs=0.5)
    # a dark picture between the bars is still dark, and an all-black frame reads black
    frame[:, 218:422] = 20
    assert frame_light(frame, floor=8.0).luma == pytest.approx(20.0, abs=0.5)
    assert frame_light(np.zeros((360, 640, 3), np.uint8), floor=8.0).luma == 0.0


def test_frame_light_finds_the_picture_between_black_bars():
    """The picture's box, as shares of the frame, for the set-up check's sizes and edges: a 9:16
    phone picture between bars, a letterboxed one, a frame with no bars, a black frame."""
    frame = np.zeros((360, 640, 3), np.uint8)
    frame[:, 218:422] = 90
    # found on every 4th pixel: each edge within 4 px
    assert frame_light(frame, floor=8.0).picture == pytest.approx((218 / 640, 0.0, 422 / 640, 1.0), abs=4 / 640)
    letterbox = np.zeros((360, 640), np.uint8)
    letterbox[40:320] = 150
    assert frame_light(letterbox, floor=8.0).picture == pytest.approx((0.0, 40 / 360, 1.0, 320 / 360), abs=4 / 360)
    assert frame_light(np.full((360, 640), 60, np.uint8), floor=8.0).picture == (0.0, 0.0, 1.0, 1.0)
    assert frame_light(np.zeros((360, 640), np.uint8), floor=8.0).picture == (0.0, 0.0, 1.0, 1.0)


def washed_out_gray(spread: float = 56.0, level: float = 220.0) -> np.ndarray:
    """A 360x640 grey frame washed out toward ``level``: a ramp ``spread`` levels wide below it."""
    return np.tile(np.linspace(level - spread, level, 640), (360, 1)).astype(np.uint8)


def test_a_washed_out_frame_is_stretched_about_mid_grey_to_the_target_spread():
    gain, offset = contrast_stretch(washed_out_gray(), 120.0, 160.0, 3.0, lit_from=70.0, floor=8.0)
    low, high = np.percentile(washed_out_gray()[::4, ::4], (1, 99))
    assert gain == pytest.approx(160.0 / (high - low))
    assert gain * (low + high) / 2 + offset == pytest.approx(127.5)  # its middle tone to mid-grey
    table = stretch_table(gain, offset)
    assert table.dtype == np.uint8 and table.shape == (256,) and (np.diff(table.astype(int)) >= 0).all()
    assert table[int(low)] < 60 and table[int(high)] > 195
    # a nearly flat frame is stretched by at most max_gain: the sensor noise grows as much
    gain, _ = contrast_stretch(washed_out_gray(spread=20.0), 120.0, 160.0, 3.0, lit_from=70.0, floor=8.0)
    assert gain == 3.0


@pytest.mark.parametrize("gray, below, why", [
    (washed_out_gray(spread=150.0), 120.0, "the spread of a lit room as filmed"),
    (washed_out_gray(level=60.0, spread=40.0), 120.0, "a dark frame: brightened instead"),
    (washed_out_gray(), 0.0, "off"),
    (np.full((360, 640), 200, np.uint8), 120.0, "no spread at all: nothing to stretch"),
    (np.zeros((360, 640), np.uint8), 120.0, "black: no picture"),
])
def test_other_frames_keep_their_contrast(gray, below, why):
    assert contrast_stretch(gray, below, 160.0, 3.0, lit_from=70.0, floor=8.0) is None, why


def test_black_borders_are_left_out_of_the_spread():
    framed = np.zeros((360, 640), np.uint8)
    framed[54:306, 96:544] = washed_out_gray()[:252, :448]  # a washed-out picture zoomed out onto black
    assert contrast_stretch(framed, 120.0, 160.0, 3.0, lit_from=70.0, floor=8.0) is not None

