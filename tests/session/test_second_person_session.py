"""The second-person check inside the frame loop, with a fake second look (no model): one notice
event per bout, the same events pipelined and sequential, counts and faults untouched, the looks
rare and on the pose worker's thread, and the plan's set-up check saying ``two_people``.

Driven by the committed landmark recording of vraj__pushups.mp4 (kneeling at the start, four reps
1.6-9.1 s, then he stands up and walks out of the picture at ~10.6 s)."""
from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import numpy as np
import pytest

from livecoach.capture.pose import PoseModelError
from livecoach.capture.second_person import SecondPersonWatchingEstimator
from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.logic.crowd import Sighting, rules_from_config
from livecoach.session.loop import CoachSession
from livecoach.session.options import SessionOptions
from livecoach.session.pipeline import PosePipeline
from livecoach.session.second_person import SecondPersonNotices
from livecoach.session.ticks import Tick
from livecoach.types import Frame, PoseFrame

from helpers import EventLines
from conftest import FIXTURES
from test_loop_speech import FakeSpeaker
from test_plan_loop import driver

RECORDING = FIXTURES / "landmarks" / "vraj__pushups.mp4.jsonl.gz"
_, FRAMES = read_recording(RECORDING)
IMAGE = np.zeros((8, 8, 3), np.uint8)


class RecordedEstimator:
    def __init__(self, poses: Dict[int, Optional[PoseFrame]]) -> None:
        self.poses = poses

    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        return self.poses[frame.index]

    def close(self) -> None:
        pass


class AsynchronousRecordedEstimator(RecordedEstimator):
    """Takes frames ahead of their poses, as the model in its own process does."""

    asynchronous = True
    in_flight = 2

    def __init__(self, poses: Dict[int, Optional[PoseFrame]]) -> None:
        super().__init__(poses)
        self.pending: List[Frame] = []

    def submit(self, frame: Frame) -> None:
        self.pending.append(frame)

    def collect(self) -> Optional[PoseFrame]:
        return self.poses[self.pending.pop(0).index]


class FakeDetector:
    """A second look that 'sees' somebody when ``present(t)``, taking ``look_s`` of wall time;
    records when and on which thread."""

    def __init__(self, present: Callable[[float], bool], look_s: float = 0.0, load_s: float = 0.0,
                 load_error: Optional[Exception] = None) -> None:
        self.rules = rules_from_config(load_config().capture)
        self.present = present
        self.look_s = look_s
        self.load_s = load_s
        self.load_error = load_error
        self.loaded_on: Optional[int] = None
        self.looked_at: List[float] = []
        self.threads: set = set()
        self.closed = False

    def load(self) -> None:
        self.loaded_on = threading.get_ident()
        time.sleep(self.load_s)
        if self.load_error is not None:
            raise self.load_error

    def look(self, frame: Frame, tracked: PoseFrame) -> Sighting:
        assert tracked is not None
        self.looked_at.append(frame.t_s)
        self.threads.add(threading.get_ident())
        if self.look_s:
            time.sleep(self.look_s)
        seen = self.present(frame.t_s)
        return Sighting(frame.t_s, frame.index, seen, "seen" if seen else "nobody")

    def close(self) -> None:
        self.closed = True



def frame_ticks(lead_in_s: float = 0.0) -> Iterator[Tick]:
    """Frames of the recording, after ``lead_in_s`` s of its first pose held (waiting to start)."""
    n = 0
    while n / 30.0 < lead_in_s:
        yield Tick(n / 30.0, n, Frame(n, n / 30.0, IMAGE), None, pose_known=False)
        n += 1
    for f in FRAMES:
        t = lead_in_s + f.t_s
        yield Tick(t, n, Frame(n, t, IMAGE), None, pose_known=False)
        n += 1


def poses(lead_in_s: float = 0.0) -> Dict[int, Optional[PoseFrame]]:
    out: Dict[int, Optional[PoseFrame]] = {}
    n = 0
    while n / 30.0 < lead_in_s:
        out[n] = FRAMES[0].pose
        n += 1
    for f in FRAMES:
        out[n] = f.pose
        n += 1
    return out


def run(present: Optional[Callable[[float], bool]], pipelined: bool, mode: str = "analyze",
        plan: Any = None, lead_in_s: float = 0.0, speaker: Any = None, look_s: float = 0.0,
        asynchronous: bool = False):
    inner = (AsynchronousRecordedEstimator if asynchronous else RecordedEstimator)(poses(lead_in_s))
    detector = FakeDetector(present, look_s) if present is not None else None
    estimator: Any = SecondPersonWatchingEstimator(inner, detector) if detector is not None else inner
    ticks: Iterator[Tick] = frame_ticks(lead_in_s)
    if pipelined:
        ticks = iter(PosePipeline(ticks, estimator))
    sink = EventLines()
    CoachSession(load_config(), SessionOptions(mode=mode, quiet=True), "test", ticks, estimator=estimator,
                 events=sink, plan=plan, speaker=speaker).run()
    estimator.close()
    sink.lines[-1].pop("fps")  # the one wall-clock figure
    return sink.lines, detector


def between(t0: float, t1: float) -> Callable[[float], bool]:
    return lambda t: t0 <= t < t1


def test_a_second_person_gives_one_notice_event_and_changes_nothing_else():
    plain, _ = run(None, pipelined=False)
    lines, detector = run(between(3.0, 8.0), pipelined=False)
    notices = [e for e in lines if e["type"] == "notice"]
    assert len(notices) == 1
    notice = notices[0]
    assert notice["kind"] == "second_person" and notice["v"] == 2 and "second person" in notice["message"]
    # looks every 2 s from the first tracked frame: seen at the looks in 3-8 s, the notice at the second
    seen_looks = [t for t in detector.looked_at if 3.0 <= t < 8.0]
    assert notice["t"] == pytest.approx(seen_looks[1], abs=1e-3)
    assert [e for e in lines if e["type"] != "notice"] == plain  # counts, faults, cues: the same
    assert sum(e["type"] == "rep" for e in plain) == 4


def test_the_looks_are_rare_and_only_where_somebody_is_tracked():
    _, detector = run(lambda t: False, pipelined=False)
    looks = detector.looked_at
    assert all(b - a >= 2.0 - 1e-9 for a, b in zip(looks, looks[1:]))
    assert len(looks) <= FRAMES[-1].t_s / 2.0 + 1
    tracked = {round(f.t_s, 6) for f in FRAMES if f.pose is not None}
    assert all(round(t, 6) in tracked for t in looks)  # never on a frame with nobody tracked
    assert len(looks) >= 4


def test_pipelined_and_sequential_runs_give_the_same_notices_and_events():
    sequential, _ = run(between(3.0, 8.0), pipelined=False)
    pipelined, detector = run(between(3.0, 8.0), pipelined=True)
    assert pipelined == sequential
    assert detector.threads and threading.get_ident() not in detector.threads  # on the look thread
    ahead, detector = run(between(3.0, 8.0), pipelined=True, asynchronous=True)  # model in its own process
    assert ahead == sequential and len(detector.looked_at) >= 4
    assert sum(line["type"] == "notice" for line in sequential) == 1


def test_one_sighting_in_a_session_says_nothing():
    lines, detector = run(between(3.0, 5.0), pipelined=True)
    assert sum(detector.present(t) for t in detector.looked_at) == 1
    assert not [e for e in lines if e["type"] == "notice"]


def test_the_notice_line_and_quiet():
    class Source:
        def __init__(self) -> None:
            self.sightings = [Sighting(0.0, 0, True, "seen"), Sighting(2.0, 60, True, "seen"),
                              Sighting(4.0, 120, True, "seen")]

        def take_sightings(self, up_to_t_s: float) -> List[Sighting]:
            out = [s for s in self.sightings if s.t_s <= up_to_t_s]
            self.sightings = [s for s in self.sightings if s.t_s > up_to_t_s]
            return out

    for quiet in (False, True):
        stream = io.StringIO()
        notices = SecondPersonNotices(Source(), load_config(), quiet=quiet, stream=stream)
        said = [n for t in (0.0, 1.0, 2.0, 3.0, 4.0) for n in notices.on_frame(t)]
        assert [n.t_s for n in said] == [2.0]
        text = stream.getvalue()
        if quiet:
            assert text == ""
        else:
            assert text.startswith("livecoach: notice: [2.0 s] a second person is in view; LiveCoach follows one "
                                   "person") and text.count("\n") == 1


def test_an_estimator_without_the_check_gets_no_notices():
    assert SecondPersonNotices.for_estimator(RecordedEstimator({}), load_config()) is None
    assert SecondPersonNotices.for_estimator(None, load_config()) is None


def test_the_plan_setup_check_says_two_people_before_the_first_set(tmp_path: Path):
    # 6 s waiting on his knees before the recording: somebody else is seen in 0-5 s.
    speaker = FakeSpeaker()
    lines, _ = run(between(0.0, 5.0), pipelined=True, mode="train", plan=driver(tmp_path), lead_in_s=6.0,
                   speaker=speaker)
    types = [e["type"] for e in lines]
    setups = [(e["t"], e["check"]) for e in lines if e["type"] == "setup"]
    two = [t for t, c in setups if c == "two_people"]
    assert two and 2.0 <= two[0] <= 4.0
    assert types.index("setup") < types.index("set_start")
    assert "Only one person in the picture, please" in speaker.said
    # without the second person: no two_people
    alone, _ = run(lambda t: False, pipelined=True, mode="train", plan=driver(tmp_path), lead_in_s=6.0)
    assert not [e for e in alone if e["type"] == "setup" and e["check"] == "two_people"]


def test_a_failing_look_turns_the_check_off_and_the_session_goes_on(caplog):
    def broken(t: float) -> bool:
        raise RuntimeError("graph failed")

    plain, _ = run(None, pipelined=True)
    lines, detector = run(broken, pipelined=True)
    assert len(detector.looked_at) == 1  # tried once, then off
    assert lines == plain
    assert "second-person check failed" in caplog.text


def test_the_quality_fallback_still_finds_the_sessions_own_estimator_inside_the_wrapper():
    from livecoach.session.second_person import unwrapped

    inner = RecordedEstimator({})
    wrapped = SecondPersonWatchingEstimator(inner, FakeDetector(lambda t: False))
    assert unwrapped(wrapped) is inner and unwrapped(inner) is inner
    wrapped.close()


def test_slow_looks_change_nothing_and_run_beside_the_pose_thread():
    # A look taking 60 ms (a slow machine's second model) against frames replayed as fast as
    # they come: the notices arrive on the same frames as with instant looks, pipelined or not.
    fast, _ = run(between(3.0, 9.0), pipelined=True)
    slow_pipelined, detector = run(between(3.0, 9.0), pipelined=True, look_s=0.06)
    slow_sequential, _ = run(between(3.0, 9.0), pipelined=False, look_s=0.06)
    assert slow_pipelined == fast and slow_sequential == fast
    assert any(e["type"] == "notice" for e in fast)
    assert len(detector.threads) == 1 and threading.get_ident() not in detector.threads


def test_a_look_is_handed_over_a_quarter_second_after_its_frame():
    pose = FRAMES[0].pose
    assert pose is not None
    detector = FakeDetector(lambda t: True, look_s=0.2)
    wrapped = SecondPersonWatchingEstimator(RecordedEstimator({0: pose}), detector)
    wrapped.estimate(Frame(0, 1.0, IMAGE))
    started = time.monotonic()
    assert wrapped.take_sightings(1.2) == []  # not due yet: returns at once
    assert time.monotonic() - started < 0.1
    sightings = wrapped.take_sightings(1.25)  # due: waits for the look
    assert [s.t_s for s in sightings] == [1.0] and sightings[0].seen
    look_thread = wrapped._thread
    wrapped.close()
    assert detector.closed
    assert look_thread is not None and not look_thread.is_alive()


def test_a_look_that_hangs_turns_the_check_off(caplog):
    pose = FRAMES[0].pose
    detector = FakeDetector(lambda t: True, look_s=1.0)
    wrapped = SecondPersonWatchingEstimator(RecordedEstimator({0: pose, 1: pose}), detector, wait_s=0.1)
    wrapped.estimate(Frame(0, 0.0, IMAGE))
    assert wrapped.take_sightings(5.0) == [] and wrapped.failed
    assert "second-person check failed" in caplog.text
    wrapped.estimate(Frame(1, 5.0, IMAGE))  # no more looks once off
    assert wrapped.looks == 1
    wrapped.close()


def test_the_second_model_loads_on_the_look_thread_while_the_session_goes_on():
    pose = FRAMES[0].pose
    detector = FakeDetector(lambda t: True, load_s=0.5)
    started = time.monotonic()
    wrapped = SecondPersonWatchingEstimator(RecordedEstimator({0: pose}), detector)
    assert time.monotonic() - started < 0.2  # not waiting for the load
    assert not wrapped.wait_until_loaded(0.05) and wrapped.wait_until_loaded(5.0)
    wrapped.estimate(Frame(0, 1.0, IMAGE))
    sightings = wrapped.take_sightings(1.25)  # the first look waits for the load, then for itself
    assert [s.t_s for s in sightings] == [1.0] and not wrapped.failed
    assert detector.loaded_on is not None and detector.threads == {detector.loaded_on} != {threading.get_ident()}
    wrapped.close()


def test_a_second_model_that_cannot_load_turns_the_check_off_once_and_the_session_goes_on(caplog):
    pose = FRAMES[0].pose
    detector = FakeDetector(lambda t: True, load_error=PoseModelError("cannot load the BlazePose model: gone"))
    wrapped = SecondPersonWatchingEstimator(RecordedEstimator({0: pose, 1: pose}), detector)
    assert wrapped.estimate(Frame(0, 0.0, IMAGE)) is pose  # the tracker's pose, whatever the check does
    assert wrapped.take_sightings(5.0) == []
    assert wrapped.estimate(Frame(1, 5.0, IMAGE)) is pose
    assert wrapped.take_sightings(10.0) == [] and wrapped.failed and detector.looked_at == []
    assert caplog.text.count("second-person check failed (cannot load the BlazePose model: gone)") == 1
    wrapped.close()
