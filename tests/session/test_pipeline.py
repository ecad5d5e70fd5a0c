"""The pipelined loop (issue 13): the pose model one frame ahead on its own thread gives the same
events as the sequential loop; its errors reach the loop; it stops when the loop stops."""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.session.loop import CoachSession
from livecoach.session.options import SessionOptions
from livecoach.session.pipeline import PosePipeline
from livecoach.session.ticks import Tick
from livecoach.types import Frame, PoseFrame

from helpers import EventLines
from conftest import FIXTURES

RECORDINGS = ["vraj__pushups.mp4.jsonl.gz", "pushfit__wrong58.mp4.jsonl.gz"]


class RecordedEstimator:
    """Gives each frame the pose recorded for it, taking ``delay_s`` like a model would; checks it
    is called in frame order from a single thread (MediaPipe's tracker needs both)."""

    def __init__(self, poses: Dict[int, Optional[PoseFrame]], delay_s: float = 0.0) -> None:
        self.poses, self.delay_s = poses, delay_s
        self.threads: set = set()
        self.order: List[int] = []

    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        self.threads.add(threading.get_ident())
        self.order.append(frame.index)
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.poses[frame.index]



def frame_ticks(name: str, fail_at: Optional[int] = None) -> Iterator[Tick]:
    _, frames = read_recording(FIXTURES / "landmarks" / name)
    image = np.zeros((8, 8, 3), np.uint8)
    for n, f in enumerate(frames):
        if fail_at is not None and n == fail_at:
            raise OSError("camera thread died")
        yield Tick(f.t_s, f.frame_index, Frame(f.frame_index, f.t_s, image), None, pose_known=False)


def poses_of(name: str) -> Dict[int, Optional[PoseFrame]]:
    _, frames = read_recording(FIXTURES / "landmarks" / name)
    return {f.frame_index: f.pose for f in frames}


def run_events(name: str, pipelined: bool, delay_s: float = 0.0) -> List[Dict[str, Any]]:
    estimator = RecordedEstimator(poses_of(name), delay_s)
    ticks: Iterator[Tick] = frame_ticks(name)
    if pipelined:
        ticks = iter(PosePipeline(ticks, estimator))
    sink = EventLines()
    CoachSession(load_config(), SessionOptions(mode="analyze", quiet=True), name, ticks, estimator=estimator,
                 events=sink).run()
    assert len(estimator.threads) == 1 and estimator.order == sorted(estimator.order)
    if pipelined:
        assert estimator.threads != {threading.get_ident()}  # the model ran on the pipeline's thread
    lines = sink.lines
    lines[-1].pop("fps")  # processing speed: the one wall-clock figure in the stream
    return lines


@pytest.mark.parametrize("name", RECORDINGS)
def test_the_pipelined_loop_gives_the_same_events_as_the_sequential_one(name: str) -> None:
    sequential = run_events(name, pipelined=False)
    assert sum(line["type"] in ("rep", "no_rep") for line in sequential) >= 4
    assert run_events(name, pipelined=True) == sequential
    assert run_events(name, pipelined=True, delay_s=0.001) == sequential


def test_a_failure_in_the_pipeline_reaches_the_loop_after_the_frames_before_it() -> None:
    name = RECORDINGS[0]
    estimator = RecordedEstimator(poses_of(name))
    pipeline = PosePipeline(frame_ticks(name, fail_at=250), estimator)
    session = CoachSession(load_config(), SessionOptions(mode="analyze", quiet=True), name, iter(pipeline),
                           estimator=estimator)
    with pytest.raises(OSError, match="camera thread died"):
        session.run()
    assert session.frames == 250
    assert not pipeline.alive


def test_the_pipeline_stops_when_the_loop_stops_early() -> None:
    name = RECORDINGS[0]
    estimator = RecordedEstimator(poses_of(name), delay_s=0.001)
    pipeline = PosePipeline(frame_ticks(name), estimator)
    ticks = iter(pipeline)
    for n, _tick in enumerate(ticks):
        if n == 20:
            break
    ticks.close()  # what the loop's end does (the generator's finally)
    pipeline.close()
    assert not pipeline.alive
    assert len(estimator.order) <= 20 + 3  # at most the handed-over frames and one in flight


def test_the_thread_switch_interval_is_short_while_the_pipeline_runs_and_restored_after() -> None:
    name = RECORDINGS[0]
    before = sys.getswitchinterval()
    seen: List[float] = []

    class Watching(RecordedEstimator):
        def estimate(self, frame: Frame) -> Optional[PoseFrame]:
            seen.append(sys.getswitchinterval())
            return super().estimate(frame)

    pipeline = PosePipeline(frame_ticks(name), Watching(poses_of(name)), switch_interval_s=0.0007)
    assert sum(1 for _ in pipeline) > 100
    assert seen and all(abs(s - 0.0007) < 1e-9 for s in seen)
    assert sys.getswitchinterval() == before
    untouched = PosePipeline(frame_ticks(name), Watching(poses_of(name)))
    seen.clear()
    assert sum(1 for _ in untouched) > 100
    assert all(s == before for s in seen)
