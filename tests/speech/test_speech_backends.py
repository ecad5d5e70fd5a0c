"""Real speech backends, checked without a sound card: rendered to wav, or played into a
sink that consumes audio at real-time speed. Skipped where espeak-ng / pyttsx3 are missing."""
from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import threading
import time
import wave
from pathlib import Path
from typing import List

import pytest

from livecoach.errors import LiveCoachError

from livecoach.cli.speech_commands import register
from livecoach.config.schema import load_config
from livecoach.speech import backends as sb
from livecoach.speech.chain import BackendChoice, backend_chain, speech_config_with
from livecoach.speech.offline import render_wav
from livecoach.speech.worker import SpeechWorker, WorkerState
from livecoach.types import Cue, CueKind

SPEECH = load_config().speech

needs_espeak = pytest.mark.skipif(sb.find_espeak() is None, reason="espeak-ng is not installed")
posix_only = pytest.mark.skipif(os.name != "posix", reason="uses POSIX shell scripts")


def _pyttsx3_or_skip(**kwargs) -> sb.Pyttsx3Backend:
    try:
        return sb.Pyttsx3Backend(SPEECH.rate_wpm, sink=sb.PacedNullSink(), **kwargs)
    except sb.BackendUnavailable as exc:
        pytest.skip(f"pyttsx3 does not initialise here: {exc}")


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getnframes() / w.getframerate()


def _wav_peak(path: Path) -> int:
    import array

    with wave.open(str(path), "rb") as w:
        samples = array.array("h", w.readframes(w.getnframes()))
    return max(abs(s) for s in samples)


@needs_espeak
def test_espeak_renders_a_cue_to_a_wav_of_plausible_length(tmp_path):
    out = tmp_path / "cue.wav"
    seconds = render_wav("Tuck your tailbone", out, SPEECH, engine="espeak-ng")
    assert 0.5 <= _wav_seconds(out) <= 3.0
    assert seconds == pytest.approx(_wav_seconds(out))
    assert _wav_peak(out) > 1000  # speech, not silence
    slow, fast = tmp_path / "slow.wav", tmp_path / "fast.wav"
    render_wav("Tuck your tailbone", slow, speech_config_with(SPEECH, rate=100), engine="espeak-ng")
    render_wav("Tuck your tailbone", fast, speech_config_with(SPEECH, rate=300), engine="espeak-ng")
    assert _wav_seconds(slow) > 1.5 * _wav_seconds(fast)  # --rate really reaches the voice


def test_pyttsx3_renders_a_cue_to_wav_in_a_child_process(tmp_path):
    out = tmp_path / "cue.wav"
    imported_before = "pyttsx3" in sys.modules
    try:
        render_wav("Tuck your tailbone", out, SPEECH, engine="pyttsx3")
    except sb.BackendUnavailable as exc:
        pytest.skip(f"pyttsx3 does not initialise here: {exc}")
    assert 0.5 <= _wav_seconds(out) <= 3.0
    assert _wav_peak(out) > 1000
    assert ("pyttsx3" in sys.modules) == imported_before  # not imported into the app's process


@needs_espeak
def test_espeak_backend_plays_in_real_time_and_is_cut_short(tmp_path):
    backend = sb.EspeakNgBackend(SPEECH.rate_wpm, sink=sb.PacedNullSink())
    length = render_wav("Tuck your tailbone", tmp_path / "ref.wav", SPEECH, engine="espeak-ng")
    starts = []
    t0 = time.monotonic()
    assert backend.speak("Tuck your tailbone", on_start=lambda: starts.append(time.monotonic())) is True
    took = time.monotonic() - t0
    assert len(starts) == 1 and starts[0] - t0 < 0.5
    assert 0.8 * length <= took <= length + 1.0  # paced like a sound card
    long_text = "Keep one straight line from your head to your heels and lower slowly to the floor"
    threading.Timer(0.3, backend.cancel).start()
    t0 = time.monotonic()
    assert backend.speak(long_text) is False
    assert time.monotonic() - t0 < 1.0
    assert backend.speak("Go lower") is True  # usable again after a cancel
    spare = backend._spare
    assert spare is not None and spare.poll() is None  # the next cue's process waits, warm
    backend.close()
    assert spare.poll() is not None  # and closing leaves no process behind


@needs_espeak
def test_worker_with_real_espeak_stops_mid_utterance_within_a_second():
    backend_box = []

    def make():
        backend_box.append(sb.EspeakNgBackend(SPEECH.rate_wpm, sink=sb.PacedNullSink()))
        return backend_box[0]

    worker = SpeechWorker(SPEECH, backends=[BackendChoice("espeak-ng", make)], notify=None).start()
    worker.wait_ready(5.0)
    worker.say(Cue(t_s=worker.clock(), key="x", kind=CueKind.ANNOUNCEMENT, priority=50,
                   text="Keep one straight line from your head to your heels and lower slowly"))
    deadline = time.monotonic() + 3.0
    while worker.state is not WorkerState.SPEAKING and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    t0 = time.monotonic()
    assert worker.stop(timeout=1.0)
    assert time.monotonic() - t0 < 1.0
    assert worker.spoken and worker.spoken[0].started_monotonic_s is not None
    assert not worker.spoken[0].completed


@posix_only
@needs_espeak
def test_audio_player_dying_mid_session_falls_back_to_text(tmp_path):
    player = tmp_path / "player"
    player.write_text("#!/bin/sh\ncat > /dev/null\necho 'audio open error: device unplugged' >&2\nexit 1\n")
    player.chmod(player.stat().st_mode | stat.S_IEXEC)
    notices = []
    chain = [BackendChoice("espeak-ng", lambda: sb.EspeakNgBackend(SPEECH.rate_wpm, sink=sb.PlayerSink([str(player)])))]
    worker = SpeechWorker(SPEECH, backends=chain, notify=notices.append).start()
    worker.wait_ready(5.0)
    worker.say(Cue(t_s=worker.clock(), key="shallow", text="Go lower", kind=CueKind.CORRECTION, priority=40))
    assert worker.wait_idle(5.0)
    worker.stop()
    assert worker.backend_name == "text"
    assert notices[-1].startswith("espeak-ng failed (player: audio open error: device unplugged)")
    assert [(s.backend, s.completed) for s in worker.spoken] == [("espeak-ng", False), ("text", True)]


@posix_only
def test_find_audio_player_plays_silence_to_check_the_device(tmp_path, monkeypatch):
    if not sys.platform.startswith("linux"):
        pytest.skip("the player probe is for Linux")
    cat = shutil.which("cat")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "aplay").write_text(f"#!/bin/sh\n{cat} > /dev/null\necho 'aplay: main:831: audio open error: No such file' >&2\nexit 1\n")
    (bad / "aplay").chmod(0o755)
    monkeypatch.setenv("PATH", str(bad))
    argv, why = sb.find_audio_player(2.0)
    assert argv is None
    assert why == "no audio output (aplay: main:831: audio open error: No such file; paplay not installed)"
    good = tmp_path / "good"
    good.mkdir()
    log = tmp_path / "got.wav"
    (good / "aplay").write_text(f"#!/bin/sh\n{cat} > {log}\n")
    (good / "aplay").chmod(0o755)
    monkeypatch.setenv("PATH", str(good))
    argv, why = sb.find_audio_player(2.0)
    assert argv == [str(good / "aplay"), "-q", "-"]
    assert log.read_bytes()[:4] == b"RIFF"  # it was fed a real wav


def test_pyttsx3_backend_speaks_and_cancels_in_its_child():
    imported_before = "pyttsx3" in sys.modules
    backend = _pyttsx3_or_skip()
    starts = []
    t0 = time.monotonic()
    assert backend.speak("Go lower", on_start=lambda: starts.append(time.monotonic())) is True
    assert starts and starts[0] - t0 < 3.0  # a loose sanity bound; latency is the benchmark's job
    threading.Timer(0.3, backend.cancel).start()
    t0 = time.monotonic()
    assert backend.speak("Keep one straight line from your head to your heels and lower slowly") is False
    assert time.monotonic() - t0 < 1.0
    child = backend._child
    assert child is not None and child.alive()
    assert backend.speak("Lower slowly") is True
    backend.close()
    assert not child.alive()
    assert ("pyttsx3" in sys.modules) == imported_before


def test_pyttsx3_unknown_voice_is_one_line():
    with pytest.raises(sb.BackendUnavailable, match="no voice 'zzqq'"):
        try:
            sb.Pyttsx3Backend(SPEECH.rate_wpm, voice="zzqq", sink=sb.PacedNullSink())
        except sb.BackendUnavailable as exc:
            if "initialise" in str(exc) or "not installed" in str(exc):
                pytest.skip(str(exc))
            raise


@needs_espeak
def test_espeak_unknown_voice_is_one_line():
    with pytest.raises(sb.BackendUnavailable, match="no voice 'zzqq'"):
        sb.EspeakNgBackend(SPEECH.rate_wpm, voice="zzqq", sink=sb.PacedNullSink())


@posix_only
def test_command_backend_is_killable_and_reports_failures():
    backend = sb.CommandBackend("sleeper", lambda text: ["sleep", "5"])
    threading.Timer(0.2, backend.cancel).start()
    t0 = time.monotonic()
    assert backend.speak("x") is False
    assert time.monotonic() - t0 < 1.0
    failing = sb.CommandBackend("say", lambda text: ["sh", "-c", "echo 'no voice' >&2; exit 3"])
    with pytest.raises(sb.BackendFailed, match="say exited with 3: no voice"):
        failing.speak("x")


def test_wav_stream_header_is_parsed():
    head = sb.silent_wav_bytes(0.01, rate=16000)[:44]
    assert sb.parse_wav_stream_header(head) == (16000, 1, 2)
    with pytest.raises(sb.BackendFailed):
        sb.parse_wav_stream_header(b"not a wav" * 10)


@needs_espeak
def test_say_command_writes_a_wav(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    out = tmp_path / "say.wav"
    args = parser.parse_args(["say", "Go lower", "--wav", str(out), "--backend", "espeak-ng"])
    assert args.func(args) == 0
    assert 0.3 <= _wav_seconds(out) <= 3.0
    assert "wrote" in capsys.readouterr().out
    args = parser.parse_args(["say", "Go lower", "--wav", str(tmp_path / "no" / "x.wav")])
    with pytest.raises(LiveCoachError) as raised:  # cli.main prints it as one line
        args.func(args)
    assert "does not exist" in str(raised.value) and "\n" not in str(raised.value)
    args = parser.parse_args(["voices", "--backend", "espeak-ng"])
    assert args.func(args) == 0
    listing = capsys.readouterr().out
    assert "en-us" in listing


@needs_espeak
def test_wav_folder_sink_keeps_each_utterance(tmp_path):
    notices = []
    config = speech_config_with(SPEECH, backend="espeak-ng")
    chain = backend_chain(config, platform="linux", sink=f"wav:{tmp_path / 'said'}")
    worker = SpeechWorker(config, backends=chain, notify=notices.append).start()
    worker.wait_ready(10.0)
    for text in ("Tuck your tailbone", "Better!"):
        worker.say(Cue(t_s=worker.clock(), key="k", text=text, kind=CueKind.CORRECTION, priority=50))
        assert worker.wait_idle(5.0)
    worker.stop()
    assert notices == ["using espeak-ng [espeak-ng process per cue, played by wav]"]
    files = sorted((tmp_path / "said").glob("*.wav"))
    assert [f.name for f in files] == ["001.wav", "002.wav"]
    first, second = (_wav_seconds(f) for f in files)
    assert 0.5 <= first <= 3.0 and 0.2 <= second < first
    assert _wav_peak(files[0]) > 1000


def test_pyttsx3_process_per_utterance_mode_runs_and_leaves_no_child():
    # The Windows path (pyttsx3 plays by itself in a fresh child each time), run here on
    # whatever driver this machine has; with no sound card its player fails inside the child.
    try:
        backend = sb.Pyttsx3Backend(SPEECH.rate_wpm, mode="speak")
    except sb.BackendUnavailable as exc:
        pytest.skip(f"pyttsx3 does not initialise here: {exc}")
    starts = []
    assert backend.speak("Go lower", on_start=lambda: starts.append(1)) is True
    assert starts == [1]
    assert backend._child is None  # the child is gone after each utterance
    backend.cancel()
    backend.close()


_SLOW_HELLO_CHILD = """
import json, os, sys, time
time.sleep(float(os.environ.get('LIVECOACH_TEST_HELLO_DELAY', '0')))
sys.stdout.write(json.dumps(dict(ok=True, driver='stand-in')) + chr(10)); sys.stdout.flush()
for line in sys.stdin:
    sys.stdout.write(json.dumps(dict(ok=True)) + chr(10)); sys.stdout.flush()
"""


@pytest.mark.parametrize("mode", ["render", "speak"])
def test_pyttsx3_cancel_while_a_child_starts_does_not_wait_for_it(mode, monkeypatch):
    # A stand-in child that takes 5 s to say hello (pyttsx3 loading on a very busy machine): a
    # render-mode child that died is restarted by the next speak, a speak-mode child is started
    # by every speak. cancel() (the worker's stop) must kill it, not wait for it.
    if not sb.pyttsx3_installed():
        pytest.skip("pyttsx3 is not installed")
    from livecoach.speech.backends import pyttsx3_backend

    monkeypatch.setattr(pyttsx3_backend, "_CHILD_CODE", _SLOW_HELLO_CHILD)
    backend = sb.Pyttsx3Backend(SPEECH.rate_wpm, mode=mode, sink=sb.PacedNullSink() if mode == "render" else None)
    if backend._child is not None:
        backend._child.kill()  # as a cancel during a render does
    monkeypatch.setenv("LIVECOACH_TEST_HELLO_DELAY", "5")
    took: List[float] = []

    def cancel() -> None:
        t0 = time.monotonic()
        backend.cancel()
        took.append(time.monotonic() - t0)

    timer = threading.Timer(0.3, cancel)
    timer.start()
    t0 = time.monotonic()
    assert backend.speak("Go lower") is False
    assert time.monotonic() - t0 < 1.3
    timer.join()
    assert took[0] < 0.2
    backend.close()
