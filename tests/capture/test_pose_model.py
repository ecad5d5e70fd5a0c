"""The pose adapter on real frames (runs MediaPipe: marker `model`)."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List, Tuple

import numpy as np
import pytest

from livecoach.capture.video_file import VideoFileSource
from livecoach.config.schema import load_config
from livecoach.landmarks import Landmark as L
from livecoach.logic.geometry import body_scale_px
from livecoach.capture.pose import MediaPipePoseEstimator, ModelInput
from livecoach.types import Frame
from helpers import read_video

pytestmark = pytest.mark.model


def frame_at(path: Path, index: int) -> Frame:
    source = VideoFileSource(path)
    source.open()
    try:
        for _ in range(index + 1):
            frame = source.read()
        assert frame is not None
        return frame
    finally:
        source.close()


@pytest.fixture(scope="module")
def estimator():
    config = load_config()
    with MediaPipePoseEstimator(config.pose, config.capture.inference_max_width) as est:
        yield est


def test_real_side_view_frame_gives_33_named_landmarks_on_the_person(shared_videos: Path, estimator) -> None:
    frame = frame_at(shared_videos / "tayyab__pushup.mp4", 60)  # 2 s in: in a plank, side-on
    pose = estimator.estimate(frame)
    assert pose is not None
    assert pose.image_xyz.shape == (33, 3) and pose.world_xyz.shape == (33, 3)
    assert (pose.width, pose.height) == (frame.width, frame.height) == (1280, 720)
    # The body joints are seen and inside the picture.
    for lm in (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_HIP, L.LEFT_ANKLE):
        x, y = pose.xy(lm)
        assert 0 <= x < frame.width and 0 <= y < frame.height
    assert pose.vis(L.LEFT_SHOULDER) > 0.5 or pose.vis(L.RIGHT_SHOULDER) > 0.5
    # A side-on plank: head to heels runs across the image, the wrists are below the shoulders.
    span_x = abs(pose.xy(L.LEFT_ANKLE)[0] - pose.xy(L.NOSE)[0])
    assert span_x > 0.4 * frame.width
    assert pose.xy(L.LEFT_WRIST)[1] > pose.xy(L.LEFT_SHOULDER)[1]
    # World landmarks are metres around the hips: a body is 1-2.5 m from head to ankle.
    height_m = np.linalg.norm(pose.world(L.NOSE) - pose.world(L.LEFT_ANKLE))
    assert 1.0 < height_m < 2.5
    assert pose.t_s == frame.t_s and pose.frame_index == frame.index


def test_frames_larger_than_the_inference_width_keep_source_pixel_coordinates(shared_videos: Path) -> None:
    """A 1080p frame is downscaled for the model; landmarks still come in 1080p pixels."""
    import cv2

    frame = frame_at(shared_videos / "calimiro__push-up_37.mp4", 30)
    assert frame.width == 1920
    config = load_config()
    with MediaPipePoseEstimator(config.pose, 640) as est:
        full = est.estimate(frame)
    small = Frame(frame.index, frame.t_s, cv2.resize(frame.image, (640, 360), interpolation=cv2.INTER_AREA))
    with MediaPipePoseEstimator(config.pose, 640) as est:
        reference = est.estimate(small)
    assert full is not None and reference is not None
    body = [int(lm) for lm in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW)]
    assert np.allclose(full.image_xyz[body, :2], reference.image_xyz[body, :2] * 3.0, atol=3.0)


def test_nobody_in_the_frame_is_none(estimator) -> None:
    empty = Frame(0, 0.0, np.full((360, 640, 3), 90, dtype=np.uint8))
    assert estimator.estimate(empty) is None


def test_a_dark_frame_is_brightened_for_the_model_only(shared_videos: Path) -> None:
    frame = frame_at(shared_videos / "tayyab__pushup.mp4", 60)
    dark = Frame(frame.index, frame.t_s, (frame.image * 0.25).astype(np.uint8))
    before = dark.image.copy()
    config = load_config()
    assert config.pose.low_light_below_luma == 70.0  # on by default (config/default.toml says why)
    with MediaPipePoseEstimator(config.pose, config.capture.inference_max_width) as est:
        assert est.estimate(frame) is not None and est.brightened == 0  # a lit frame: untouched
        assert est.estimate(dark) is not None and est.brightened == 1
    assert (dark.image == before).all()  # the picture drawn and saved is not changed


def test_a_dark_frame_is_smoothed_before_it_is_brightened() -> None:
    """The curve that brightens a dark frame would lift its sensor noise with it: the frame is
    smoothed first (``[pose] low_light_blur_px``), and only a frame that is brightened."""
    rng = np.random.default_rng(0)
    scene = np.tile(np.linspace(20, 60, 64, dtype=np.float32), (48, 1))[:, :, None].repeat(3, axis=2)
    noisy = np.clip(scene + rng.normal(0, 6, scene.shape), 0, 255).astype(np.uint8)
    pose = dataclasses.replace(load_config().pose, low_light_below_luma=70.0)

    def noise_after(blur_px: int, edge_contrast: float) -> float:
        prepare = ModelInput(dataclasses.replace(pose, low_light_blur_px=blur_px,
                                                 low_light_edge_contrast=edge_contrast))
        out, clean = prepare(noisy).astype(float), prepare(scene.astype(np.uint8)).astype(float)
        assert prepare.brightened == 2
        return float(np.std(out - clean))

    for edge_contrast in (pose.low_light_edge_contrast, 0.0):  # edge-preserving (default), Gaussian
        assert noise_after(5, edge_contrast) < 0.5 * noise_after(1, edge_contrast)
    lit = np.clip(scene * 4 + rng.normal(0, 6, scene.shape), 0, 255).astype(np.uint8)  # 80-240: lit, contrasty
    prepare = ModelInput(pose)
    assert (prepare(lit) == lit[:, :, ::-1]).all() and prepare.brightened == 0  # a lit frame: untouched
    framed = np.zeros((96, 128, 3), np.uint8)
    framed[24:72, 32:96] = lit  # the lit frame zoomed out onto black: darker than 70 as a whole
    assert framed.mean() < 70.0
    assert (prepare(framed) == framed[:, :, ::-1]).all() and prepare.brightened == 0


def test_a_washed_out_frame_is_stretched_for_the_model_and_a_dark_one_brightened() -> None:
    """A bright window behind the person pulls every value toward a light grey (``[pose]
    low_contrast_below_spread``): the model gets the frame's contrast stretched back; a dark frame
    of as little contrast is brightened (not stretched); with the setting at 0 nothing changes."""
    rng = np.random.default_rng(3)
    scene = np.tile(np.linspace(0, 255, 64, dtype=np.float32), (48, 1))[:, :, None].repeat(3, axis=2)
    washed = np.clip(220 + 0.35 * (scene - 220) + rng.normal(0, 3, scene.shape), 0, 255).astype(np.uint8)
    prepare = ModelInput(load_config().pose)
    out = prepare(washed)
    assert prepare.stretched == 1 and prepare.brightened == 0
    low, high = np.percentile(out, (1, 99))
    assert 140 < high - low < 190 and abs(float(out.mean()) - 127.5) < 25
    dark = np.clip(20 + 0.15 * scene + rng.normal(0, 3, scene.shape), 0, 255).astype(np.uint8)
    prepare(dark)
    assert prepare.stretched == 1 and prepare.brightened == 1
    off = ModelInput(dataclasses.replace(load_config().pose, low_contrast_below_spread=0.0))
    assert (off(washed) == washed[:, :, ::-1]).all() and off.stretched == 0


def test_the_smoothing_of_a_dark_frame_keeps_the_edges_of_the_body() -> None:
    """A dark body's outline against a dark floor is a step of a few dozen grey levels; the
    sensor's noise is a few levels. The default smoothing (``[pose] low_light_edge_contrast``)
    keeps steps above its contrast and smooths what is below it: at the outline the brightened
    picture keeps a sharper step than after a Gaussian of the same size, with no more noise."""
    rng = np.random.default_rng(1)
    scene = np.full((48, 64, 3), 20.0, np.float32)
    scene[:, 32:] = 45.0  # the body's outline: a step of 25 levels at column 32
    noisy = np.clip(scene + rng.normal(0, 6, scene.shape), 0, 255).astype(np.uint8)
    pose = dataclasses.replace(load_config().pose, low_light_below_luma=70.0)
    assert pose.low_light_edge_contrast == 10.0 and pose.low_light_blur_px == 5  # config/default.toml says why

    def step_and_noise(edge_contrast: float) -> Tuple[float, float]:
        out = ModelInput(dataclasses.replace(pose, low_light_edge_contrast=edge_contrast))(noisy).astype(float)
        return float(out[:, 32].mean() - out[:, 31].mean()), float(out[:, 4:26].std())

    kept_step, kept_noise = step_and_noise(pose.low_light_edge_contrast)
    gauss_step, gauss_noise = step_and_noise(0.0)
    raw = ModelInput(dataclasses.replace(pose, low_light_blur_px=1))(noisy).astype(float)
    assert kept_step > 1.5 * gauss_step
    assert kept_noise <= gauss_noise < 0.5 * float(raw[:, 4:26].std())


def test_without_opencvs_contrib_modules_a_dark_frame_is_smoothed_by_the_gaussian(monkeypatch) -> None:
    """The guided filter is in OpenCV's contrib modules; a cv2 without them (opencv-python
    installed over opencv-contrib-python) smooths as ``low_light_edge_contrast = 0`` does."""
    import cv2

    rng = np.random.default_rng(2)
    dark = np.clip(20 + rng.normal(0, 6, (48, 64, 3)), 0, 255).astype(np.uint8)
    pose = dataclasses.replace(load_config().pose, low_light_below_luma=70.0)
    gaussian = ModelInput(dataclasses.replace(pose, low_light_edge_contrast=0.0))
    assert ModelInput(pose).keeps_edges and not gaussian.keeps_edges
    assert not (ModelInput(pose)(dark) == gaussian(dark)).all()
    monkeypatch.delattr(cv2, "ximgproc")
    without = ModelInput(pose)
    assert not without.keeps_edges
    assert (without(dark) == gaussian(dark)).all() and without.brightened == 1


def test_mediapipe_is_imported_without_pyplot_which_still_imports_when_used() -> None:
    """``import_mediapipe`` skips the half-second ``matplotlib.pyplot`` import mediapipe's drawing
    helpers do, without breaking them or a later real import (a fresh interpreter)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from livecoach.capture.pose import import_mediapipe\n"
        "mp = import_mediapipe()\n"
        "print('pyplot loaded', 'matplotlib.pyplot' in sys.modules)\n"
        "from mediapipe.python.solutions import drawing_utils\n"
        "print('helpers', callable(drawing_utils.plt.figure))\n"  # the stand-in imports the real one
        "import matplotlib.pyplot as plt\n"
        "print('real', plt is sys.modules['matplotlib.pyplot'], type(plt).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.split("\n")[:3] == ["pyplot loaded False", "helpers True", "real True module"]


def _burpees_at(shared_videos: Path, speed: float, retrack_share: float) -> Tuple[List[float], int]:
    """The torso's length in each posed picture of the shared burpee clip played ``speed`` times
    as fast (every ``speed``-th frame at the same frame rate), and the fresh detections asked for."""
    fps, frames = read_video(shared_videos / "variants" / "fitnease__burpees.mp4")
    config = dataclasses.replace(load_config().pose, retrack_below_torso_share=retrack_share)
    estimator = MediaPipePoseEstimator(config)
    torsos = []
    try:
        j = 0
        while int(j * speed) < len(frames):
            pose = estimator.estimate(Frame(index=j, t_s=j / fps, image=frames[int(j * speed)]))
            if pose is not None:
                torsos.append(body_scale_px(pose, 0.0))
            j += 1
        return torsos, estimator.redetections
    finally:
        estimator.close()


def test_a_body_the_tracking_lost_on_a_fast_jump_is_found_afresh(shared_videos: Path) -> None:
    """The burpee clip (side-on, the torso's median 55-62 px) at 1.5x: the jump back moves the
    body out of the tracked crop, and without a fresh detection the model draws the torso at
    9-17 px on eight pictures (a sixth of its median at the least). With it, three pictures are
    read again and no torso reads under 0.45 of the median (here 0.49)."""
    lost, asked_lost = _burpees_at(shared_videos, 1.5, retrack_share=0.0)
    found, asked_found = _burpees_at(shared_videos, 1.5, retrack_share=load_config().pose.retrack_below_torso_share)
    assert asked_lost == 0 and 1 <= asked_found <= 6
    assert min(lost) < 0.25 * float(np.median(lost))
    assert min(found) > 0.45 * float(np.median(found))
