"""Graceful on a slow computer (issue 13): a live session that drops frames switches, once, to the
lighter pose model and says so on screen and in the events; a fast one never does."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import threading
import time
from typing import Any, List, Optional

import pytest

from livecoach.capture.thread import CaptureThread
from livecoach.clock import SourceClock
from livecoach.config.schema import load_config
from livecoach.session.loop import CoachSession
from livecoach.session.options import SessionOptions
from livecoach.session.pipeline import PosePipeline
from livecoach.session.quality import SwitchableEstimator
from livecoach.session.ticks import FrameSize, capture_ticks
from livecoach.types import Frame, PoseFrame

from helpers import EventLines, PacedFakeCamera, plank_pose


class TimedEstimator:
    """A pose model taking ``delay_s`` per frame (sleeping, so the test does not need the CPU);
    records the frames it saw and whether it was closed."""

    def __init__(self, delay_s: float, name: str = "model") -> None:
        self.delay_s, self.name = delay_s, name
        self.frames: List[int] = []
        self.threads: set = set()
        self.closed = False

    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        assert not self.closed, f"{self.name} used after close"
        self.threads.add(threading.get_ident())
        self.frames.append(frame.index)
        time.sleep(self.delay_s)
        return plank_pose(frame.t_s, frame.index, bend=0.0)

    def close(self) -> None:
        self.closed = True


class AsynchronousTimedEstimator(TimedEstimator):
    """:class:`TimedEstimator` taking frames ahead of their poses (the model in its own process)."""

    asynchronous = True
    in_flight = 2

    def __init__(self, delay_s: float, name: str = "model") -> None:
        super().__init__(delay_s, name)
        self.pending: List[Frame] = []

    def submit(self, frame: Frame) -> None:
        assert not self.closed, f"{self.name} used after close"
        self.frames.append(frame.index)
        self.pending.append(frame)

    def collect(self) -> Optional[PoseFrame]:
        assert not self.closed, f"{self.name} closed with a pose still to collect"
        frame = self.pending.pop(0)
        return plank_pose(frame.t_s, frame.index, bend=0.0)


# -- the estimator that switches ----------------------------------------------------------

def test_the_switch_happens_at_the_next_frame_on_the_models_thread_and_only_once() -> None:
    full, lite = TimedEstimator(0.0, "full"), TimedEstimator(0.0, "lite")
    made: List[int] = []

    def make() -> TimedEstimator:
        made.append(1)
        return lite

    model = SwitchableEstimator(full, 1, make, 0)
    frame = Frame(0, 0.0, None)  # type: ignore[arg-type]
    model.estimate(frame)
    change = model.request_lighter(3.0, 0.4)
    assert change is not None and (change.model_complexity_from, change.model_complexity_to) == (1, 0)
    assert not full.closed and made == []  # nothing happens off the model's thread
    model.estimate(Frame(1, 0.03, None))  # type: ignore[arg-type]
    assert full.closed and made == [1] and lite.frames == [1] and model.model_complexity == 0
    assert model.request_lighter(9.0, 0.5) is None  # once per session
    model.close()
    assert lite.closed


def test_with_frames_ahead_the_switch_waits_until_the_current_models_poses_are_collected() -> None:
    full, lite = AsynchronousTimedEstimator(0.0, "full"), AsynchronousTimedEstimator(0.0, "lite")
    model = SwitchableEstimator(full, 1, lambda: lite, 0)
    assert model.asynchronous and model.in_flight == 2
    model.submit(Frame(0, 0.0, None))  # type: ignore[arg-type]
    model.submit(Frame(1, 0.03, None))  # type: ignore[arg-type]
    assert model.request_lighter(3.0, 0.4) is not None
    submitting = threading.Thread(target=model.submit, args=(Frame(2, 0.06, None),))  # type: ignore[arg-type]
    submitting.start()
    time.sleep(0.2)
    assert submitting.is_alive() and not full.closed  # two poses of the full model still to come
    first = model.collect()
    time.sleep(0.1)
    assert submitting.is_alive() and first is not None and first.frame_index == 0
    second = model.collect()
    submitting.join(2.0)
    assert not submitting.is_alive() and second is not None and second.frame_index == 1
    assert full.closed and full.frames == [0, 1] and lite.frames == [2] and model.model_complexity == 0
    third = model.collect()
    assert third is not None and third.frame_index == 2
    model.close()
    assert lite.closed


def test_no_lighter_model_means_no_switch() -> None:
    model = SwitchableEstimator(TimedEstimator(0.0), 0)
    assert model.request_lighter(1.0, 0.9) is None


def test_a_lighter_model_that_fails_to_load_leaves_the_current_one_running() -> None:
    full = TimedEstimator(0.0)

    def broken() -> TimedEstimator:
        raise RuntimeError("model file missing")

    model = SwitchableEstimator(full, 1, broken, 0)
    assert model.request_lighter(1.0, 0.5) is not None
    assert model.estimate(Frame(0, 0.0, None)) is not None  # type: ignore[arg-type]
    assert not full.closed and model.model_complexity == 1


# -- a live session on a paced fake camera ------------------------------------------------

def live_session(delay_s: float, lite_delay_s: float = 0.002, seconds: float = 4.0):
    """``seconds`` of a 30 fps fake camera through the capture thread, the pipelined pose worker
    and the loop, with a model taking ``delay_s`` per frame (a lighter one ``lite_delay_s``)."""
    config = load_config()
    config = dataclasses.replace(config, session=dataclasses.replace(
        config.session, dropped_frames_notice_share=0.15, dropped_frames_window_s=1.0))
    full, lite = TimedEstimator(delay_s, "full"), TimedEstimator(lite_delay_s, "lite")
    model = SwitchableEstimator(full, 1, lambda: lite, 0)
    capture = CaptureThread(PacedFakeCamera(seconds))
    capture.start()
    pipeline = PosePipeline(capture_ticks(capture, SourceClock(), FrameSize()), model)
    sink, err = EventLines(), io.StringIO()
    session = CoachSession(config, SessionOptions(mode="train", headless=True), "fake camera", iter(pipeline),
                           estimator=model, events=sink, out=io.StringIO(),
                           dropped_frames=lambda: capture.stats().frames_lost, quality=model)
    with contextlib.redirect_stderr(err):
        end = session.run()
    capture.stop(timeout=1.0)
    model.close()
    return session, end, sink.lines, err.getvalue(), full, lite


def test_a_model_too_slow_for_the_camera_switches_to_the_lighter_one_and_says_so_once() -> None:
    # 80 ms per frame against a 30 fps camera: about 60 % of the frames are lost.
    session, end, lines, err, full, lite = live_session(delay_s=0.08)
    switches = [line for line in lines if line["type"] == "quality"]
    assert len(switches) == 1, lines
    assert switches[0]["model_complexity_from"] == 1 and switches[0]["model_complexity_to"] == 0
    assert switches[0]["dropped_share"] > 0.15 and 1.0 <= switches[0]["t"] < 3.0
    assert session.lighter_model and full.closed and len(lite.frames) > 0
    assert len(full.threads | lite.threads) == 1  # one model thread throughout
    notices = [line for line in err.splitlines() if "switched to the lighter pose model" in line]
    assert len(notices) == 1 and "frames were dropped" in notices[0]
    assert "cannot keep up" not in err  # the lighter model keeps up: no second notice


def test_a_model_that_keeps_up_never_switches() -> None:
    session, end, lines, err, full, lite = live_session(delay_s=0.002, seconds=3.0)
    assert [line for line in lines if line["type"] == "quality"] == []
    assert not session.lighter_model and lite.frames == [] and "notice" not in err
    assert end.dropped_frames <= 0.05 * session.frames


@pytest.mark.parametrize("lighter, live, installed, switches", [
    (0, True, True, True), (1, True, True, False), (2, True, True, False), (0, False, True, False),
    (0, True, False, False)])
def test_the_lighter_model_is_offered_live_only_when_it_is_lighter_and_installed(
        monkeypatch: pytest.MonkeyPatch, lighter: int, live: bool, installed: bool, switches: bool) -> None:
    from livecoach.session import models

    config = load_config()
    assert config.pose.model_complexity == 1
    config = dataclasses.replace(config, pose=dataclasses.replace(config.pose, fallback_model_complexity=lighter))
    monkeypatch.setattr(models, "start_estimator", lambda config: TimedEstimator(0.0))
    monkeypatch.setattr(models, "model_installed", lambda complexity: installed)
    assert models.switchable_estimator(config, live=live).can_switch is switches


def test_which_pose_models_are_installed_is_read_from_the_mediapipe_package(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from livecoach.capture.pose import model_installed

    folder = tmp_path / "mediapipe" / "modules" / "pose_landmark"
    folder.mkdir(parents=True)
    (tmp_path / "mediapipe" / "__init__.py").write_text("")
    (folder / "pose_landmark_full.tflite").write_bytes(b"model")
    monkeypatch.syspath_prepend(str(tmp_path))
    import sys

    monkeypatch.delitem(sys.modules, "mediapipe", raising=False)
    assert model_installed(1) and not model_installed(0) and not model_installed(2)
