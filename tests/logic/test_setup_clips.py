"""Set-up checks on landmark recordings of real clips (committed fixtures), on a shared clip
darkened in the test, and on a well-framed recording shrunk and padded (person far away).

What each clip shows is from the manifest's notes (/work/shared/videos/manifest.json), not
from this checker's output.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np
import pytest

from livecoach.config.plans import load_plans
from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.capture.light import frame_light
from livecoach.logic.setup_check import SetupChecker, SetupEvent
from livecoach.types import Frame, FrameLight, PoseFrame

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landmarks"
BLACK = load_config().pose.low_light_floor_luma  # black borders are left out of the light


@pytest.fixture(scope="module")
def config():
    return load_plans().setup


def replay(config, name: str, transform=None, brightness: Optional[float] = 120.0) -> List[SetupEvent]:
    _, frames = read_recording(FIXTURES / f"{name}.jsonl.gz")
    checker = SetupChecker(config)
    events: List[SetupEvent] = []
    for f in frames:
        pose = f.pose if f.pose is None or transform is None else transform(f.pose)
        events += checker.update(f.t_s, pose, None if brightness is None else FrameLight(brightness), 1)
    return events


def checks(events: List[SetupEvent]) -> List[Tuple[float, str]]:
    return [(round(e.t_s, 1), e.check) for e in events]


@pytest.mark.parametrize("name", ["pushfit__wrong49.mp4", "fitnesscounter__pushup-sample.mp4"])
def test_well_framed_side_clips_are_ready_within_two_seconds(config, name):
    # wrong49: floor-level side view, whole body in the picture; fitnesscounter: 3/4 side view.
    events = replay(config, name)
    assert events[0].check == "ok" and events[0].t_s <= 2.0
    assert {e.check for e in events} == {"ok"}


def test_walking_out_of_the_picture_with_the_feet_cut_off(config):
    # vraj: phone on the floor, the feet partly off the left edge during the plank (1.6-9.1 s);
    # stands up at 9.2 s and walks out, empty room from 10.6 s.
    events = replay(config, "vraj__pushups.mp4")
    plank = [e for e in events if 1.6 <= e.t_s <= 9.1]
    assert plank and plank[0].check == "feet_out_of_view"
    assert {e.check for e in plank} == {"feet_out_of_view"}
    gone = [e for e in events if e.t_s > 9.2]
    assert gone and gone[-1].check == "no_person" and 10.6 <= gone[-1].t_s <= 12.0


def test_a_talking_head_segment_interrupts_ready_and_it_comes_back(config):
    # tayyab: side view; 0.6-25.1 s reps; 25.2-28.7 s a close-up of him standing, talking;
    # then back to the plank.
    events = replay(config, "tayyab__pushup.mp4")
    ready = [e for e in events if e.check == "ok"]
    assert ready[0].t_s <= 2.0
    middle = [e for e in events if 25.2 <= e.t_s <= 28.7]
    assert middle and all(e.check != "ok" for e in middle)
    assert any(29.0 <= e.t_s <= 31.0 for e in ready)


@pytest.mark.parametrize("name", ["monkeydo__pushup.mov", "calimiro__push-up_12.mp4", "pushfit__wrong58.mp4"])
def test_front_and_three_quarter_front_views_ask_to_turn_side_on(config, name):
    # monkeydo: 3/4 front from above; calimiro_12: head toward the camera; wrong58: front, on a stage.
    events = [e for e in replay(config, name) if e.check != "no_person"]  # monkeydo opens on a title card
    assert events and events[0].check == "wrong_view"
    assert events[0].message == "Turn side-on to the camera"


def shrink(scale: float, pad_to: Tuple[int, int]):
    """The pose as if the frame were downscaled by ``scale`` and padded into a ``pad_to`` canvas."""
    def transform(pose: PoseFrame) -> PoseFrame:
        w, h = pad_to
        xyz = np.array(pose.image_xyz, dtype=np.float32)
        xyz[:, :2] *= scale
        xyz[:, 0] += (w - pose.width * scale) / 2
        xyz[:, 1] += (h - pose.height * scale) / 2
        xyz[:, 2] *= scale
        return dataclasses.replace(pose, width=w, height=h, image_xyz=xyz)
    return transform


def test_far_away_person_downscaled_and_padded(config):
    # wrong49 is well framed (~62 % of the width); a quarter of its size in the same canvas is far.
    events = replay(config, "pushfit__wrong49.mp4", transform=shrink(0.25, (640, 360)))
    assert events[0].check == "too_far" and events[0].t_s <= 2.0
    assert events[0].message == "Come closer to the camera"
    # at 70 % it is still fine
    assert {e.check for e in replay(config, "pushfit__wrong49.mp4", transform=shrink(0.7, (640, 360)))} == {"ok"}


def read_frames(path: Path, limit: int) -> List[np.ndarray]:
    from livecoach.capture.video_file import VideoFileSource  # needs cv2: only this test reads video

    source = VideoFileSource(path)
    source.open()
    images = []
    try:
        while len(images) < limit:
            frame = source.read()
            if frame is None:
                break
            images.append(frame.image)
    finally:
        source.close()
    return images


def test_a_shared_clip_darkened_in_the_test_says_turn_on_a_light(config, shared_videos):
    images = read_frames(shared_videos / "pushfit__wrong49.mp4", 90)
    _, frames = read_recording(FIXTURES / "pushfit__wrong49.mp4.jsonl.gz")
    for factor, expected in ((1.0, "ok"), (0.15, "too_dark")):
        checker = SetupChecker(config)
        events: List[SetupEvent] = []
        for image, f in zip(images, frames):
            dimmed = (image.astype(np.float32) * factor).astype(np.uint8)
            events += checker.update(f.t_s, f.pose, frame_light(dimmed, BLACK), 1)
        assert [e.check for e in events] == [expected]
        assert events[0].t_s <= 2.0
    assert events[0].message == "Turn on a light"


def shrink_image(image: np.ndarray, scale: float) -> np.ndarray:
    """The image downscaled by ``scale`` and centred on a canvas of its own size and mean colour."""
    import cv2  # test-side only, like the pose model this test runs

    h, w = image.shape[:2]
    small = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.empty_like(image)
    canvas[:] = small.mean(axis=(0, 1)).astype(np.uint8)
    y0, x0 = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    canvas[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    return canvas


def checks_through_model(config, path: Path, frames: int, scale: float = 1.0, crop_left: int = 0) -> List[SetupEvent]:
    """The set-up events of a clip's first ``frames`` frames (the left ``crop_left`` columns cut
    off, then downscaled by ``scale`` and padded) through MediaPipe."""
    from livecoach.capture.pose import MediaPipePoseEstimator  # mediapipe: model tests only

    images = [np.ascontiguousarray(image[:, crop_left:]) for image in read_frames(path, frames)]
    fps = 29.97
    checker = SetupChecker(config)
    events: List[SetupEvent] = []
    with MediaPipePoseEstimator(load_config().pose) as estimator:
        for i, image in enumerate(images):
            frame = Frame(index=i, t_s=i / fps, image=shrink_image(image, scale) if scale != 1.0 else image)
            events += checker.update(frame.t_s, estimator.estimate(frame), frame_light(frame.image, BLACK), 1)
    return events


@pytest.mark.model
@pytest.mark.parametrize("scale,expected", [(1.0, "ok"), (0.4, "too_far")])
def test_far_away_through_the_pose_model(config, shared_videos, scale, expected):
    # The real frames of a well-framed clip, downscaled and padded, through MediaPipe. (At a
    # quarter of the size MediaPipe finds nobody: then no_person, which also says how far to stand.)
    events = checks_through_model(config, shared_videos / "pushfit__wrong49.mp4", 60, scale)
    assert [e.check for e in events] == [expected]
    assert events[0].t_s <= 2.0


@pytest.mark.model
def test_a_crop_that_cuts_the_feet_off(config, shared_videos):
    # wrong49 (head right) with its left 110 columns cut off: the ankles (x ~70-100) are gone.
    events = checks_through_model(config, shared_videos / "pushfit__wrong49.mp4", 60, crop_left=110)
    assert [e.check for e in events] == ["feet_out_of_view"]
    assert events[0].t_s <= 2.0


def mirror(pose: PoseFrame) -> PoseFrame:
    xyz = np.array(pose.image_xyz, dtype=np.float32)
    xyz[:, 0] = pose.width - xyz[:, 0]
    return dataclasses.replace(pose, image_xyz=xyz)


@pytest.mark.parametrize("name", ["vraj__pushups.mp4", "pushfit__wrong49.mp4", "monkeydo__pushup.mov"])
def test_mirrored_clips_get_the_same_advice(config, name):
    assert checks(replay(config, name, transform=mirror)) == checks(replay(config, name))


@pytest.mark.model
def test_close_phone_on_the_floor_with_the_legs_cut_off(config, shared_videos):
    # pushfit__wrong106: phone on the floor close by, legs below the knees off the right edge.
    events = checks_through_model(config, shared_videos / "pushfit__wrong106.mp4", 90)
    assert events and events[0].check == "feet_out_of_view" and events[0].t_s <= 2.0
    assert events[0].message == "Step back so I can see your feet"
