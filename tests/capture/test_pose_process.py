"""The pose model in a process of its own (issue 13, livecoach.capture.pose_process): poses come
back in order for the frames sent, ahead of being collected; a model that fails, raises or dies is
one clear error, never a hang; the child ignores Ctrl-C, stops on close or when the session's
process is killed, and leaves no shared memory behind."""
from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from livecoach.capture.pose import MediaPipePoseEstimator, PoseModelError
from livecoach.capture.pose_process import PoseProcessEstimator
from livecoach.config.schema import load_config
from livecoach.types import Frame

from helpers import FakePictureModel

# The pictures must arrive as sent: the low-light curve (which would lift these dark test frames) is off.
POSE = dataclasses.replace(load_config().pose, low_light_below_luma=0.0)


def fake(behaviour: str = "", in_flight: int = 2, max_width: int = 640) -> PoseProcessEstimator:
    return PoseProcessEstimator(POSE, max_width, in_flight=in_flight,
                                model=functools.partial(FakePictureModel, behaviour=behaviour))


def frame(index: int, width: int = 320, height: int = 180, red: int = 100) -> Frame:
    image = np.zeros((height, width, 3), np.uint8)
    image[..., 2] = red  # BGR: the model gets it as RGB, red first
    image[..., 0] = 7
    return Frame(index=index, t_s=index / 30.0, image=image)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by a parent we do not own) is not running either
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def model() -> Iterator[PoseProcessEstimator]:
    estimator = fake()
    yield estimator
    estimator.close()


def test_each_frame_gets_its_own_pose_in_the_source_frames_pixels(model: PoseProcessEstimator) -> None:
    for index, (width, height, red) in enumerate([(320, 180, 100), (1280, 720, 200), (640, 360, 50)]):
        pose = model.estimate(frame(index, width, height, red))
        assert pose is not None
        assert (pose.frame_index, pose.t_s, pose.width, pose.height) == (index, index / 30.0, width, height)
        assert pose.visibility[0] == pytest.approx(red / 255.0)  # the picture arrived, in RGB order
        seen_width = min(width, 640)  # wider frames are downscaled for the model, here
        assert tuple(pose.image_xyz[1, :2]) == (seen_width, round(height * seen_width / width))


def test_frames_go_ahead_of_their_poses_up_to_the_limit(model: PoseProcessEstimator) -> None:
    model.submit(frame(0, red=10))
    model.submit(frame(1, red=20))
    assert model.pending == 2
    with pytest.raises(RuntimeError, match="more than 2 frames"):
        model.submit(frame(2))
    first, second = model.collect(), model.collect()
    assert first is not None and second is not None
    assert (first.frame_index, second.frame_index) == (0, 1)
    assert second.visibility[0] == pytest.approx(20 / 255.0)  # slot 1 was not overwritten by slot 0
    assert model.pending == 0


@pytest.mark.parametrize("behaviour, message", [
    ("raise", r"^the pose model failed: ValueError: the model broke$"),
    ("die", r"^the pose model's process ended \(exit code 3\)$"),
])
def test_a_model_that_breaks_mid_stream_is_one_error_line(behaviour: str, message: str) -> None:
    with fake(behaviour) as model:
        for index in range(5):
            assert model.estimate(frame(index)) is not None
        with pytest.raises(PoseModelError, match=message):
            model.estimate(frame(5))


def test_a_killed_model_process_is_one_error_line(model: PoseProcessEstimator) -> None:
    assert model.estimate(frame(0)) is not None
    assert model.pid is not None
    os.kill(model.pid, signal.SIGKILL)
    with pytest.raises(PoseModelError, match=r"^the pose model's process ended \(killed by signal 9\)$"):
        model.estimate(frame(1))


def test_a_model_that_does_not_load_fails_at_once_and_leaves_no_process() -> None:
    started = time.monotonic()
    with pytest.raises(PoseModelError, match="RuntimeError: no model file"):
        fake("fail_start")
    assert time.monotonic() - started < 30
    assert not [p for p in multiprocessing.active_children() if p.name == "livecoach-pose-model"]


def test_the_model_process_ignores_ctrl_c(model: PoseProcessEstimator) -> None:
    assert model.pid is not None
    assert model.estimate(frame(0)) is not None
    os.kill(model.pid, signal.SIGINT)  # what the terminal sends to the whole process group
    time.sleep(0.2)
    assert model.estimate(frame(1)) is not None


def test_close_stops_the_child_and_frees_the_shared_pictures() -> None:
    model = fake()
    model.estimate(frame(0, 320, 180))
    model.estimate(frame(1, 640, 360))  # a bigger picture: a second segment
    segments = [s.name for s in model._retired] + [model._pictures.name]  # type: ignore[union-attr]
    assert len(segments) == 2 and all(Path("/dev/shm", name).exists() for name in segments)
    pid = model.pid
    assert pid is not None
    model.close()
    assert not alive(pid)
    assert not any(Path("/dev/shm", name).exists() for name in segments)
    with pytest.raises(PoseModelError, match="closed"):
        model.estimate(frame(2))


def test_close_does_not_wait_long_for_a_busy_model() -> None:
    model = fake("slow")
    model.submit(frame(0))
    model.submit(frame(1))
    started = time.monotonic()
    model.close()
    assert time.monotonic() - started < 3.0


def test_the_model_process_ends_when_the_sessions_process_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import functools, sys, time
        sys.path[:0] = {[str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]!r}
        from helpers import FakePictureModel
        from livecoach.capture.pose_process import PoseProcessEstimator
        from livecoach.config.schema import load_config
        model = PoseProcessEstimator(load_config().pose, model=functools.partial(FakePictureModel))
        print(model.pid, flush=True)
        time.sleep(60)
    """)
    session = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert session.stdout is not None
        child = int(session.stdout.readline())
        assert alive(child)
        session.kill()  # SIGKILL: no clean-up runs in the session's process
        session.wait(5)
        deadline = time.monotonic() + 5
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child)
    finally:
        session.kill()


@pytest.mark.model
def test_the_model_in_its_own_process_finds_the_same_poses(shared_videos: Path) -> None:
    import cv2

    capture = cv2.VideoCapture(str(shared_videos / "tayyab__pushup.mp4"))
    frames = []
    while len(frames) < 30:
        ok, image = capture.read()
        assert ok
        frames.append(Frame(index=len(frames), t_s=len(frames) / 30.0, image=image))
    capture.release()
    config = load_config()
    with MediaPipePoseEstimator(config.pose, config.capture.inference_max_width) as here:
        expected = [here.estimate(f) for f in frames]
    with PoseProcessEstimator(config.pose, config.capture.inference_max_width) as there:
        got = [there.estimate(f) for f in frames]
    assert sum(p is not None for p in expected) >= 25
    for a, b in zip(expected, got):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            np.testing.assert_allclose(b.image_xyz, a.image_xyz, atol=1e-3)
            np.testing.assert_allclose(b.world_xyz, a.world_xyz, atol=1e-5)
