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


class AsynchronousRecordedEstimator(RecordedEstimator):
    """:class:`RecordedEstimator` taking frames ahead of their poses, as the model in its own
    process does (``submit``, then ``collect`` in order); checks no more than ``in_flight`` are
    ever pending and that submitting and collecting each stay on one thread."""

    asynchronous = True

    def __init__(self, poses: Dict[int, Optional[PoseFrame]], delay_s: float = 0.0, in_flight: int = 2) -> None:
        super().__init__(poses, delay_s)
        self.in_flight = in_flight
        self.pending: List[Frame] = []
        self.most_pending = 0
        self.collecting_threads: set = set()
        self.lock = threading.Lock()

    def submit(self, frame: Frame) -> None:
        self.threads.add(threading.get_ident())
        self.order.append(frame.index)
        with self.lock:
            self.pending.append(frame)
            self.most_pending = max(self.most_pending, len(self.pending))
            assert len(self.pending) <= self.in_flight

    def collect(self) -> Optional[PoseFrame]:
        self.collecting_threads.add(threading.get_ident())
        if self.delay_s:
            time.sleep(self.delay_s)
        with self.lock:
            frame = self.pending.pop(0)
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


def run_events(name: str, pipelined: bool, delay_s: float = 0.0, asynchronous: bool = False) -> List[Dict[str, Any]]:
    estimator = (AsynchronousRecordedEstimator if asynchronous else RecordedEstimator)(poses_of(name), delay_s)
    ticks: Iterator[Tick] = frame_ticks(name)
    if pipelined:
        ticks = iter(PosePipeline(ticks, estimator))
    sink = EventLines()
    CoachSession(load_config(), SessionOptions(mode="analyze", quiet=True), name, ticks, estimator=estimator,
                 events=sink).run()
    assert len(estimator.threads) == 1 and estimator.order == sorted(estimator.order)
    if pipelined:
        assert estimator.threads != {threading.get_ident()}  # the model ran on the pipeline's thread
    if isinstance(estimator, AsynchronousRecordedEstimator):
        assert len(estimator.collecting_threads) == 1 and estimator.collecting_threads != estimator.threads
        assert estimator.most_pending == 2  # the next frame was handed over before the last pose came
    lines = sink.lines
    lines[-1].pop("fps")  # processing speed: the one wall-clock figure in the stream
    return lines


@pytest.mark.parametrize("name", RECORDINGS)
def test_the_pipelined_loop_gives_the_same_events_as_the_sequential_one(name: str) -> None:
    sequential = run_events(name, pipelined=False)
    assert sum(line["type"] in ("rep", "no_rep") for line in sequential) >= 4
    assert run_events(name, pipelined=True) == sequential
    assert run_events(name, pipelined=True, delay_s=0.001) == sequential
    assert run_events(name, pipelined=True, delay_s=0.001, asynchronous=True) == sequential


@pytest.mark.parametrize("estimator_class", [RecordedEstimator, AsynchronousRecordedEstimator],
                         ids=["synchronous", "frames_ahead_of_poses"])
def test_a_failure_in_the_pipeline_reaches_the_loop_after_the_frames_before_it(estimator_class: type) -> None:
    name = RECORDINGS[0]
    estimator = estimator_class(poses_of(name))
    pipeline = PosePipeline(frame_ticks(name, fail_at=250), estimator)
    session = CoachSession(load_config(), SessionOptions(mode="analyze", quiet=True), name, iter(pipeline),
                           estimator=estimator)
    with pytest.raises(OSError, match="camera thread died"):
        session.run()
    assert session.frames == 250
    assert not pipeline.alive


def test_a_model_error_on_collecting_reaches_the_loop() -> None:
    name = RECORDINGS[0]

    class Dying(AsynchronousRecordedEstimator):
        def collect(self) -> Optional[PoseFrame]:
            if len(self.order) > 40:
                raise RuntimeError("the pose model's process ended (killed by signal 9)")
            return super().collect()

    pipeline = PosePipeline(frame_ticks(name), Dying(poses_of(name)))
    seen = 0
    with pytest.raises(RuntimeError, match="killed by signal 9"):
        for _ in pipeline:
            seen += 1
    assert 35 <= seen <= 40
    assert not pipeline.alive


@pytest.mark.parametrize("kind", [RecordedEstimator, AsynchronousRecordedEstimator])
def test_the_pipeline_stops_when_the_loop_stops_early(kind: Any) -> None:
    name = RECORDINGS[0]
    estimator = kind(poses_of(name), delay_s=0.001)
    pipeline = PosePipeline(frame_ticks(name), estimator)
    ticks = iter(pipeline)
    for n, _tick in enumerate(ticks):
        if n == 20:
            break
    ticks.close()  # what the loop's end does (the generator's finally)
    pipeline.close()
    assert not pipeline.alive
    # at most the handed-over frames, one waiting for the loop and the model's own: one, or the
    # frames in flight and the one being collected
    ahead = 1 if kind is RecordedEstimator else estimator.in_flight + 1
    assert len(estimator.order) <= 20 + 2 + ahead


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
