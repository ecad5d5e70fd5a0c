"""The frame loop and the speech thread: a dead speech thread ends the session like a dead
capture thread; the start cue and the session total have a call path."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterator, List, Optional

import pytest

from livecoach.config.schema import Config, load_config
from livecoach.errors import SpeechFailed
from livecoach.formats.recording import read_recording
from livecoach.session.loop import CoachSession
from livecoach.session.options import SessionOptions
from livecoach.session.ticks import Tick
from livecoach.types import CueEvent, RepEvent, SessionEnd

from conftest import FIXTURES
from helpers import scripted_poses

RECORDING = FIXTURES / "landmarks" / "vraj__pushups.mp4.jsonl.gz"


class FakeSpeaker:
    """Records what it is asked to say; ``check()`` raises from its ``fail_after``-th call on."""

    def __init__(self, fail_after: Optional[int] = None) -> None:
        self.said: List[str] = []
        self.muted = False
        self.stopped = False
        self.checks = 0
        self.fail_after = fail_after
        self.idle_waits: List[float] = []

    def say(self, cue: Any) -> bool:
        self.said.append(cue.text)
        return True

    def check(self) -> None:
        self.checks += 1
        if self.fail_after is not None and self.checks >= self.fail_after:
            raise RuntimeError("speech worker failed: the backend process vanished")

    def wait_idle(self, timeout: float) -> bool:
        self.idle_waits.append(timeout)
        return True

    def stop(self, timeout: float = 1.0) -> bool:
        self.stopped = True
        return True


class FakeRecorder:
    def __init__(self) -> None:
        self.reps: List[Any] = []
        self.finished: Optional[SessionEnd] = None

    def on_step(self, step: Any, image: Any) -> None:
        self.reps += [e.record for e in step.events if isinstance(e, RepEvent)]

    def record_rep(self, record: Any) -> None:
        self.reps.append(record)

    def record_hold(self, record: Any) -> None:
        pass

    def finish(self, end: SessionEnd) -> None:
        self.finished = end


class ListSink:
    def __init__(self) -> None:
        self.events: List[Any] = []
        self.closed = False

    def write(self, event: Any) -> None:
        self.events.append(event)

    def write_dict(self, data: Any) -> None:
        self.events.append(data)

    def close(self) -> None:
        self.closed = True


def recorded_ticks() -> Iterator[Tick]:
    _, frames = read_recording(RECORDING)
    for recorded in frames:
        yield Tick(recorded.t_s, recorded.frame_index, None, recorded.pose, pose_known=True)


def with_cues(config: Config, **changes: Any) -> Config:
    return dataclasses.replace(config, cues=dataclasses.replace(config.cues, **changes))


def test_a_dead_speech_thread_ends_the_session_and_keeps_what_was_done() -> None:
    speaker, recorder = FakeSpeaker(fail_after=300), FakeRecorder()
    session = CoachSession(load_config(), SessionOptions(mode="replay", quiet=True), "test", recorded_ticks(),
                           speaker=speaker, recorder=recorder)
    with pytest.raises(SpeechFailed, match="backend process vanished"):
        session.run()
    assert session.frames == 299  # checked before each frame: the failing check stops the loop
    assert recorder.finished is not None and recorder.finished.reason == "error"
    assert recorder.finished.reps == len([r for r in recorder.reps if r.full]) >= 1
    assert speaker.stopped


def test_a_healthy_speech_thread_is_checked_every_frame() -> None:
    speaker = FakeSpeaker()
    session = CoachSession(load_config(), SessionOptions(mode="replay", quiet=True), "test", recorded_ticks(),
                           speaker=speaker)
    end = session.run()
    assert end.reason == "end_of_source" and speaker.checks == end.frames


def test_a_train_session_starts_with_the_start_cue_while_nobody_is_in_a_plank() -> None:
    config = load_config()
    speaker, sink = FakeSpeaker(), ListSink()
    session = CoachSession(config, SessionOptions(mode="train", quiet=True), "test", recorded_ticks(),
                           speaker=speaker, events=sink)
    session.run()
    assert speaker.said[0] == config.cues.texts["start"] == "Get into a plank"
    assert speaker.said.count("Get into a plank") == 1
    cues = [e.cue for e in sink.events if isinstance(e, CueEvent)]
    assert cues[0].key == "start" and cues[0].t_s == pytest.approx(read_recording(RECORDING)[1][0].t_s)


def test_the_start_cue_is_not_said_to_someone_already_in_a_plank() -> None:
    from livecoach.logic.features import FeatureExtractor
    from livecoach.logic.reps import plank_posture
    from livecoach.logic.view import ViewTracker

    config = load_config()
    _, frames = read_recording(RECORDING)
    views, features = ViewTracker(config.view, config.features), FeatureExtractor(config.features)

    def looks_like_a_plank(n: int) -> bool:
        f = frames[n]
        feats = features.update(f.pose, views.update(f.t_s, f.pose))
        return feats is not None and plank_posture(feats, config.reps)

    first = next(n for n in range(len(frames)) if looks_like_a_plank(n))
    assert first > 0  # the clip opens before the plank: the first test above covers that
    speaker = FakeSpeaker()
    ticks = (Tick(f.t_s, f.frame_index, None, f.pose, pose_known=True) for f in frames[first:])
    CoachSession(config, SessionOptions(mode="train", quiet=True), "test", ticks, speaker=speaker).run()
    assert "Get into a plank" not in speaker.said


def test_replay_and_analyze_say_no_start_cue() -> None:
    speaker, sink = FakeSpeaker(), ListSink()
    CoachSession(load_config(), SessionOptions(mode="replay", quiet=True), "test", recorded_ticks(),
                 speaker=speaker, events=sink).run()
    assert "Get into a plank" not in speaker.said
    assert all(e.cue.key != "start" for e in sink.events if isinstance(e, CueEvent))


@pytest.mark.parametrize("announce", [True, False])
def test_the_session_total_is_announced_when_configured(announce: bool) -> None:
    config = with_cues(load_config(), announce_session_end=announce)
    speaker, sink = FakeSpeaker(), ListSink()
    end = CoachSession(config, SessionOptions(mode="replay", quiet=True), "test", recorded_ticks(),
                       speaker=speaker, events=sink).run()
    total = f"Session done. Reps: {end.reps}"
    assert end.reps == 4
    assert isinstance(sink.events[-1], SessionEnd) and sink.closed
    if announce:
        assert speaker.said[-1] == total
        assert isinstance(sink.events[-2], CueEvent) and sink.events[-2].cue.text == total
        assert speaker.idle_waits and speaker.idle_waits[-1] > 0  # it is heard before the speaker stops
    else:
        assert total not in speaker.said and not speaker.idle_waits


def test_a_no_rep_held_back_when_the_session_ends_is_written_and_kept() -> None:
    """Seen getting into the plank, one shallow push-up, and the session ends in the plank: the
    burpee watch (livecoach.logic.burpee) was still waiting to see the person leave it. The no-rep
    goes to the events before the session's end, and to the history."""
    poses = scripted_poses([("stand", 1.0, 0), ("top", 0.5, 0), ("cycle", 1.0, 0.45), ("top", 0.5, 0)])
    ticks = [Tick(p.t_s, p.frame_index, None, p, pose_known=True) for p in poses]
    sink, recorder = ListSink(), FakeRecorder()
    end = CoachSession(load_config(), SessionOptions(mode="replay", quiet=True), "test", iter(ticks),
                       events=sink, recorder=recorder).run()
    reps = [e.record for e in sink.events if isinstance(e, RepEvent)]
    assert [(r.full, r.no_rep_reason) for r in reps] == [(False, "not deep enough")]
    assert isinstance(sink.events[-1], SessionEnd) and sink.events.index(next(
        e for e in sink.events if isinstance(e, RepEvent))) < len(sink.events) - 1
    assert recorder.reps == reps and end.no_reps == 1 and recorder.finished.no_reps == 1
