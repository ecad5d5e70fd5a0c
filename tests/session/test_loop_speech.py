"""The frame loop and the speech thread: a dead speech thread ends the session like a dead
capture thread."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterator, List, Optional

import numpy as np
import pytest

from livecoach.config.schema import Config, load_config
from livecoach.errors import SpeechFailed
from livecoach.formats.recording import read_recording
from livecoach.session.loop import CoachSession
from livecoach.session.options import SessionOptions
from livecoach.session.ticks import Tick
from livecoach.types import CueEvent, RepEvent, SessionEnd

from conftest import FIXTURES

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
