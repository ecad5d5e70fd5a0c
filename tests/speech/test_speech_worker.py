"""SpeechWorker with fake backends: never blocks, drops stale cues, supersedes, stops fast,
falls back when a backend breaks, and records when each cue started."""
from __future__ import annotations

import argparse
import dataclasses
import threading
import time
from typing import List, Optional, Tuple

import pytest

from livecoach.cli.speech_commands import register
from livecoach.config.schema import ConfigError, load_config
from livecoach.speech.backends import BackendFailed, BackendUnavailable
from livecoach.speech.backends import sinks as speech_sinks
from livecoach.speech.chain import BackendChoice, backend_chain, speech_config_with
from livecoach.errors import LiveCoachError
from livecoach.speech.worker import SpeechWorker, SpeechWorkerError, WorkerState
from livecoach.types import Cue, CueKind

SPEECH = load_config().speech  # stale_after_s = 1.5


class FakeBackend:
    """Records (monotonic time, text); each utterance lasts ``seconds`` unless cancelled."""

    def __init__(self, name: str = "fake", seconds: float = 0.05, fail_on: Optional[str] = None,
                 ignore_cancel: bool = False, gate: Optional[threading.Event] = None) -> None:
        self.name = name
        self.seconds = seconds
        self.fail_on = fail_on
        self.ignore_cancel = ignore_cancel
        self.gate = gate  # when given, each utterance lasts until the gate is set
        self.said: List[Tuple[float, str]] = []
        self.started = threading.Event()
        self.cancelled = threading.Event()
        self.closed = False
        self.thread: Optional[str] = None
        self.made_on: Optional[str] = threading.current_thread().name

    def speak(self, text, on_start=None):
        self.thread = threading.current_thread().name
        if self.fail_on is not None and self.fail_on in text:
            raise BackendFailed(f"{self.name} broke saying {text!r}")
        self.cancelled.clear()
        if on_start:
            on_start()
        self.said.append((time.monotonic(), text))
        self.started.set()
        if self.gate is not None:
            while not self.gate.wait(0.01):
                if self.cancelled.is_set() and not self.ignore_cancel:
                    return False
            return True
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            if self.cancelled.is_set() and not self.ignore_cancel:
                return False
            time.sleep(0.002)
        return True

    def cancel(self):
        self.cancelled.set()

    def close(self):
        self.closed = True

    @property
    def texts(self):
        return [t for _, t in self.said]


def cue(text: str, t_s: float, priority: int = 50, kind: CueKind = CueKind.CORRECTION) -> Cue:
    return Cue(t_s=t_s, key=text, text=text, kind=kind, priority=priority,
               fault="hip_sag" if kind is CueKind.CORRECTION else None)


class Clock:
    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.t0


def start_worker(*backends: FakeBackend, config=SPEECH, clock=None) -> Tuple[SpeechWorker, List[str]]:
    notices: List[str] = []
    chain = [BackendChoice(b.name, (lambda b=b: b)) for b in backends]
    worker = SpeechWorker(config, backends=chain, clock=clock or Clock(), notify=notices.append).start()
    assert worker.wait_ready(2.0)
    return worker, notices


def wait_for(predicate, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def test_speaks_on_its_own_thread_and_records_start_times():
    fake = FakeBackend()
    worker, notices = start_worker(fake)
    assert worker.say(cue("Tuck your tailbone", worker.clock()))
    assert worker.wait_idle(2.0)
    worker.stop()
    assert fake.texts == ["Tuck your tailbone"]
    assert fake.thread == "livecoach-speech"
    assert notices == ["using fake"]
    spoken = worker.spoken[0]
    assert spoken.completed and spoken.backend == "fake"
    assert spoken.queued_monotonic_s <= spoken.started_monotonic_s <= spoken.finished_monotonic_s
    assert worker.stats().spoken == 1
    assert fake.closed and worker.state is WorkerState.STOPPED


def test_backend_is_created_inside_the_worker_thread():
    made_on: List[str] = []

    def make():
        made_on.append(threading.current_thread().name)
        return FakeBackend()

    worker = SpeechWorker(SPEECH, backends=[BackendChoice("fake", make)], notify=None).start()
    worker.wait_ready(2.0)
    worker.stop()
    assert made_on == ["livecoach-speech"]


def test_say_never_blocks_even_while_speaking():
    gate = threading.Event()
    fake = FakeBackend(gate=gate)
    worker, _ = start_worker(fake)
    worker.say(cue("long one", worker.clock()))
    assert fake.started.wait(2.0)
    worst = 0.0
    t_all = time.perf_counter()
    for i in range(1000):
        t0 = time.perf_counter()
        worker.say(cue(f"cue {i}", worker.clock(), priority=i % 100))
        worst = max(worst, time.perf_counter() - t0)
    total = time.perf_counter() - t_all
    gate.set()
    worker.stop()
    # Loose sanity bounds only (a loaded CI machine); the benchmark measures real numbers.
    assert total < 0.05, f"1000 puts took {total * 1000:.1f} ms"
    assert worst < 0.02
    assert worker.stats().received == 1001


def test_stale_cue_is_dropped_by_source_clock():
    fake = FakeBackend()
    worker, _ = start_worker(fake)
    now = worker.clock()
    worker.say(cue("from two seconds ago", now - 2.0))
    time.sleep(0.2)
    worker.say(cue("fresh", worker.clock()))
    assert worker.wait_idle(2.0)
    worker.stop()
    assert fake.texts == ["fresh"]
    assert worker.stats().stale == 1


def test_without_a_clock_the_worker_learns_the_source_clock_from_the_cues():
    fake = FakeBackend()
    notices: List[str] = []
    worker = SpeechWorker(SPEECH, backends=[BackendChoice("fake", lambda: fake)], notify=notices.append).start()
    worker.wait_ready(2.0)
    start = time.monotonic()
    # a camera session whose frames are stamped from 1000 s: fresh cues are spoken...
    worker.say(cue("fresh", 1000.0))
    assert worker.wait_idle(2.0)
    assert abs(worker.clock() - (1000.0 + time.monotonic() - start)) < 0.1
    # ...and a cue made from a frame 2 s old (a lagging loop) is dropped
    worker.say(cue("two seconds late", 1000.0 + (time.monotonic() - start) - 2.0))
    assert worker.wait_idle(2.0)
    assert worker.stats().stale == 1
    worker.say(Cue(t_s=1000.0 + time.monotonic() - start, key="k", text="on time", kind=CueKind.COUNT, priority=1))
    assert worker.wait_idle(2.0)
    worker.stop()
    assert fake.texts == ["fresh", "on time"]


def test_cue_that_waited_too_long_behind_an_utterance_is_dropped():
    config = dataclasses.replace(SPEECH, stale_after_s=0.3)
    gate = threading.Event()
    fake = FakeBackend(gate=gate)
    worker, _ = start_worker(fake, config=config)
    worker.say(cue("first", worker.clock()))
    assert fake.started.wait(2.0)
    worker.say(cue("queued behind", worker.clock()))
    time.sleep(0.5)  # longer than stale_after_s
    gate.set()
    assert worker.wait_idle(2.0)
    worker.stop()
    assert fake.texts == ["first"]
    assert worker.stats().stale == 1


def test_newer_higher_priority_cue_supersedes_queued_one_and_counts_yield():
    gate = threading.Event()
    fake = FakeBackend(gate=gate)
    worker, _ = start_worker(fake)
    worker.say(cue("first", worker.clock()))
    assert fake.started.wait(2.0)
    assert worker.say(cue("7", worker.clock(), priority=10, kind=CueKind.COUNT))
    assert worker.say(cue("Go lower", worker.clock(), priority=40))  # supersedes the count
    assert worker.say(cue("Tuck your tailbone", worker.clock(), priority=90))  # supersedes again
    assert not worker.say(cue("8", worker.clock(), priority=10, kind=CueKind.COUNT))  # yields
    gate.set()
    assert worker.wait_idle(2.0)
    worker.stop()
    assert fake.texts == ["first", "Tuck your tailbone"]
    stats = worker.stats()
    assert stats.superseded == 2 and stats.yielded == 1


def test_equal_priority_newest_wins():
    gate = threading.Event()
    fake = FakeBackend(gate=gate)
    worker, _ = start_worker(fake)
    worker.say(cue("first", worker.clock()))
    assert fake.started.wait(2.0)
    worker.say(cue("older", worker.clock(), priority=50))
    worker.say(cue("newer", worker.clock(), priority=50))
    gate.set()
    assert worker.wait_idle(2.0)
    worker.stop()
    assert fake.texts == ["first", "newer"]


def test_stop_while_speaking_returns_within_a_second():
    fake = FakeBackend(seconds=10.0)
    worker, _ = start_worker(fake)
    worker.say(cue("a very long sentence", worker.clock()))
    assert fake.started.wait(2.0)
    t0 = time.monotonic()
    assert worker.stop(timeout=1.0)
    assert time.monotonic() - t0 < 1.0
    assert fake.cancelled.is_set() and fake.closed
    assert worker.state is WorkerState.STOPPED
    assert not worker.spoken[0].completed


def test_stop_returns_even_if_the_backend_ignores_cancel():
    fake = FakeBackend(seconds=5.0, ignore_cancel=True)  # like a wedged pyttsx3 engine
    worker, notices = start_worker(fake)
    worker.say(cue("stuck", worker.clock()))
    assert fake.started.wait(2.0)
    t0 = time.monotonic()
    assert worker.stop(timeout=0.3) is False
    assert time.monotonic() - t0 < 1.0
    assert "did not stop" in notices[-1]


def test_backend_failing_mid_session_falls_back_and_repeats_the_cue():
    broken = FakeBackend(name="espeak-ng", fail_on="tailbone")
    spare = FakeBackend(name="text")
    worker, notices = start_worker(broken, spare)
    worker.say(cue("Go lower", worker.clock()))
    assert worker.wait_idle(2.0)
    worker.say(cue("Tuck your tailbone", worker.clock()))
    assert worker.wait_idle(2.0)
    worker.say(cue("Lower slowly", worker.clock()))
    assert worker.wait_idle(2.0)
    worker.stop()
    assert broken.texts == ["Go lower"] and broken.closed
    assert spare.texts == ["Tuck your tailbone", "Lower slowly"]
    assert worker.backend_name == "text"
    assert notices[0] == "using espeak-ng"
    assert len(notices) == 2 and notices[1].startswith("espeak-ng failed (espeak-ng broke saying")
    assert "text only" in notices[1]
    assert worker.stats().failed == 1 and worker.error is None
    worker.check()  # nothing to re-raise: a backend failure is not a worker failure


def test_unavailable_backends_are_skipped_with_one_line_why():
    def missing():
        raise BackendUnavailable("pyttsx3 is not installed")

    fake = FakeBackend(name="espeak-ng")
    worker = SpeechWorker(SPEECH, backends=[BackendChoice("pyttsx3", missing), BackendChoice("espeak-ng", lambda: fake)],
                          notify=None).start()
    worker.wait_ready(2.0)
    worker.stop()
    assert worker.backend_name == "espeak-ng"
    assert worker.notices == ["using espeak-ng (pyttsx3: pyttsx3 is not installed)"]


def test_no_sound_device_gives_text_only_with_one_notice(monkeypatch):
    monkeypatch.setattr(speech_sinks, "find_audio_player",
                        lambda timeout_s=5.0: (None, "no audio output (aplay: audio open error)"))
    auto = speech_config_with(SPEECH, backend="auto")
    notices: List[str] = []
    worker = SpeechWorker(auto, backends=backend_chain(auto, platform="linux"), notify=notices.append).start()
    worker.wait_ready(10.0)
    worker.say(cue("Go lower", worker.clock()))
    assert worker.wait_idle(2.0)
    worker.stop()
    assert worker.backend_name == "text"
    assert len(notices) == 1
    # issue 12: the notice says what is wrong in plain words, not the player's raw message
    assert notices[0].startswith("text only") and "no sound device (aplay cannot open one)" in notices[0]
    assert "audio open error" not in notices[0]
    assert [s.cue.text for s in worker.spoken] == ["Go lower"]


def test_mute_drops_cues_and_cuts_the_current_one():
    fake = FakeBackend(seconds=5.0)
    worker, _ = start_worker(fake)
    worker.say(cue("talking", worker.clock()))
    assert fake.started.wait(2.0)
    t0 = time.monotonic()
    worker.muted = True
    assert wait_for(lambda: worker.state is WorkerState.IDLE)
    assert time.monotonic() - t0 < 1.0
    assert not worker.say(cue("while muted", worker.clock()))
    assert worker.toggle_mute() is False
    fake.seconds = 0.05
    worker.say(cue("after", worker.clock()))
    assert worker.wait_idle(2.0)
    worker.stop()
    assert fake.texts == ["talking", "after"]
    assert worker.stats().muted == 1


def test_worker_error_is_stored_and_reraised_on_the_callers_side():
    def broken_clock() -> float:
        raise ZeroDivisionError("clock broke")

    fake = FakeBackend()
    worker = SpeechWorker(SPEECH, backends=[BackendChoice("fake", lambda: fake)], clock=broken_clock,
                          notify=None).start()
    worker.say(Cue(t_s=0.0, key="x", text="x", kind=CueKind.COUNT, priority=1))
    assert wait_for(lambda: worker.state is WorkerState.FAILED)
    with pytest.raises(RuntimeError, match="clock broke"):
        worker.check()
    assert worker.stop() is True
    assert fake.closed


def test_backend_chain_per_platform():
    names = lambda cfg, plat: [c.name for c in backend_chain(cfg, platform=plat)]  # noqa: E731
    auto = speech_config_with(SPEECH, backend="auto")
    assert names(auto, "linux") == ["pyttsx3", "espeak-ng", "text"]
    assert names(auto, "darwin") == ["say", "text"]
    assert names(auto, "win32") == ["pyttsx3", "text"]
    assert names(speech_config_with(SPEECH, backend="espeak-ng"), "linux") == ["espeak-ng", "pyttsx3", "text"]
    assert names(speech_config_with(SPEECH, backend="text"), "linux") == ["text", "pyttsx3", "espeak-ng"]


def test_voice_and_rate_overrides_are_validated():
    cfg = speech_config_with(SPEECH, voice="en-us", rate=150)
    assert cfg.voice == "en-us" and cfg.rate_wpm == 150 and cfg.stale_after_s == SPEECH.stale_after_s
    with pytest.raises(ConfigError, match="--rate 5000"):
        speech_config_with(SPEECH, rate=5000)
    with pytest.raises(ConfigError, match="--backend"):
        speech_config_with(SPEECH, backend="festival")


def test_register_adds_say_and_voices():
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["say", "Tuck your tailbone", "--wav", "x.wav", "--voice", "en-us", "--rate", "150"])
    assert callable(args.func) and args.text == "Tuck your tailbone" and args.rate == 150
    args = parser.parse_args(["voices", "--backend", "espeak-ng"])
    assert callable(args.func)


def test_a_backend_that_crashes_while_starting_never_takes_the_worker_down():
    def crashes():
        raise RuntimeError("driver exploded")

    worker = SpeechWorker(SPEECH, backends=[BackendChoice("pyttsx3", crashes)], notify=None).start()
    worker.wait_ready(2.0)
    worker.say(cue("Go lower", worker.clock()))
    assert worker.wait_idle(2.0)
    worker.stop()
    assert worker.backend_name == "text" and worker.error is None
    assert worker.notices == ["text only, cues are shown but not spoken (pyttsx3: driver exploded)"]
    assert [s.completed for s in worker.spoken] == [True]


class _Escaped(BaseException):
    """Not an Exception: what a library's sys.exit() or a signal handler raises on a thread."""


@pytest.mark.parametrize("where", ["speak", "make"])
def test_backend_that_raises_through_the_worker_thread_is_reraised_by_check(where):
    class Raising(FakeBackend):
        def speak(self, text, on_start=None):
            raise _Escaped(f"backend raised while saying {text!r}")

    backend = Raising()

    def make():
        if where == "make":
            raise _Escaped("backend raised while starting")
        return backend

    worker = SpeechWorker(SPEECH, backends=[BackendChoice("fake", make)], clock=Clock(), notify=None).start()
    assert worker.wait_ready(2.0)
    if where == "speak":
        worker.check()  # the backend opened: nothing to raise yet
    worker.say(cue("Go lower", worker.clock()))
    assert wait_for(lambda: worker.state is WorkerState.FAILED)
    with pytest.raises(SpeechWorkerError, match="the speech thread stopped: _Escaped: backend raised") as info:
        worker.check()
    assert isinstance(info.value, LiveCoachError) and isinstance(info.value.__cause__, _Escaped)
    with pytest.raises(SpeechWorkerError):
        worker.check()  # every time it is asked, like a capture thread's error
    assert worker.stop() is True
    assert worker.notices[-1].startswith("stopped by an error: _Escaped")
    if where == "speak":
        assert backend.closed
