"""The speech backend contract (livecoach.speech.backends.base), checked over every backend.

Modelled on DeepLabCut-live-GUI's tests/cameras/backends/test_generic_contracts.py: one table of
cases, one per backend (and per mode where a backend has two), and every contract test runs over
the whole table. A case that cannot run here skips with the reason; a new backend cannot be added
without a case (``test_every_backend_has_a_contract_case``).

The contract: construct (or :class:`BackendUnavailable` with a one-line message); ``speak`` says
the text, calls ``on_start`` once and returns True; its audio rendered to a wav file is speech of
a plausible length; ``cancel`` from another thread ends ``speak`` within 1 s (returning False) and
the backend is usable again; ``close`` is idempotent and leaves no child process behind; a broken
engine or sound output raises :class:`BackendFailed` with a one-line message.

No sound card is needed: audio goes into a :class:`WavDirSink` (consumed at real-time speed and
kept as wav files). Stand-ins are used only where this machine cannot show the behaviour (a
pyttsx3 child that plays for seconds, an audio player that fails); each says so.
"""
from __future__ import annotations

import array
import io
import os
import shutil
import sys
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import pytest

from livecoach.config.schema import load_config
from livecoach.errors import LiveCoachError
from livecoach.speech import backends as sb
from livecoach.speech.backends import pyttsx3_backend
from livecoach.speech.chain import BACKEND_NAMES

SPEECH = load_config().speech
PHRASE = "Tuck your tailbone"
LONG = "Keep one straight line from your head to your heels and lower slowly all the way to the floor"
ESPEAK = sb.find_espeak()
LINUX = sys.platform.startswith("linux")
MACOS = sys.platform == "darwin"

Make = Callable[[Path, pytest.MonkeyPatch], object]


@dataclass
class Case:
    """How to hold one backend to the contract.

    ``make``: a working backend (or ``pytest.skip`` with the reason). ``wav_of``: where the audio
    of the first utterance of a backend made by ``make`` ends up (None: ``no_wav`` says why).
    ``make_long``: a backend whose ``LONG`` utterance lasts seconds (default ``make``).
    ``unavailable``: label -> something that must raise BackendUnavailable (empty:
    ``always_available`` says why). ``failing``: label -> a backend whose ``speak`` must raise
    BackendFailed.
    """

    name: str
    make: Make
    wav_of: Optional[Callable[[Path], Path]] = None
    no_wav: str = ""
    make_long: Optional[Make] = None
    cancellable: bool = True
    unavailable: Dict[str, Callable[[Path, pytest.MonkeyPatch], object]] = field(default_factory=dict)
    always_available: str = ""
    failing: Dict[str, Make] = field(default_factory=dict)
    covers: Tuple[type, ...] = ()


# -- stand-ins ---------------------------------------------------------------------------------------
def _script(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def _failing_player(tmp: Path) -> sb.PlayerSink:
    """An audio player that takes the audio and then fails, as ALSA does when a device goes away."""
    cat = shutil.which("cat")
    player = _script(tmp / "bin-player", "player", f"{cat} > /dev/null\necho 'audio open error: device unplugged' >&2\nexit 1\n")
    return sb.PlayerSink([str(player)])


def _path_without(tmp: Path, mp: pytest.MonkeyPatch, *keep: Tuple[str, Optional[str]]) -> Path:
    """PATH = one folder holding only the given programs (name, real path or None)."""
    folder = tmp / "bin-only"
    folder.mkdir(parents=True, exist_ok=True)
    for name, real in keep:
        if real:
            (folder / name).symlink_to(real)
    mp.setenv("PATH", str(folder))
    return folder


# A pyttsx3 child stand-in (the child protocol of pyttsx3_child.py): `speak`/`render` do what
# STAND_IN_OP says. No braces: the parent formats the -c code with str.format.
_STAND_IN_CHILD = """
import json, sys, time
def out(**reply):
    sys.stdout.write(json.dumps(reply) + chr(10)); sys.stdout.flush()
HELLO
for line in sys.stdin:
    op = json.loads(line).get('op')
    if op in ('speak', 'render'):
        OP
    else:
        out(ok=True, voices=[])
"""


def _stand_in_child(mp: pytest.MonkeyPatch, hello: str = "out(ok=True, driver='stand-in')",
                    op: str = "out(ok=True)") -> None:
    mp.setattr(pyttsx3_backend, "_CHILD_CODE", _STAND_IN_CHILD.replace("HELLO", hello).replace("OP", op))


# -- cases ---------------------------------------------------------------------------------------------
def _pyttsx3(tmp: Path, mp: pytest.MonkeyPatch, mode: str = "render", **kwargs) -> sb.Pyttsx3Backend:
    try:
        return sb.Pyttsx3Backend(SPEECH.rate_wpm, mode=mode, probe_timeout_s=kwargs.pop("probe_timeout_s", 10.0),
                                 **kwargs)
    except sb.BackendUnavailable as exc:
        if "not installed" in str(exc) or "initialise" in str(exc):
            pytest.skip(f"pyttsx3 does not initialise here: {exc}")
        raise


def _espeak(tmp: Path, mp: pytest.MonkeyPatch, **kwargs) -> sb.EspeakNgBackend:
    if ESPEAK is None:
        pytest.skip("espeak-ng is not installed")
    return sb.EspeakNgBackend(SPEECH.rate_wpm, probe_timeout_s=10.0, **kwargs)


def _said(tmp: Path) -> Path:
    return tmp / "said" / "001.wav"


def _espeak_that_fails(tmp: Path, mp: pytest.MonkeyPatch) -> sb.EspeakNgBackend:
    """espeak-ng itself breaks (a stand-in program that reads the text and exits 1)."""
    cat = shutil.which("cat")
    _script(tmp / "bin-espeak", "espeak-ng", f"{cat} > /dev/null\necho 'espeak-ng: voice data damaged' >&2\nexit 1\n")
    mp.setenv("PATH", str(tmp / "bin-espeak"))
    return sb.EspeakNgBackend(SPEECH.rate_wpm, sink=sb.PacedNullSink())


def _no_sound_device(tmp: Path, mp: pytest.MonkeyPatch, make: Callable[[], object]) -> object:
    """No sound device: the only player on PATH fails to open one, as aplay does without a card."""
    cat = shutil.which("cat")
    folder = _path_without(tmp, mp, ("espeak-ng", ESPEAK))
    _script(folder, "aplay", f"{cat} > /dev/null\necho 'aplay: main:831: audio open error: No such file or directory' >&2\nexit 1\n")
    return make()


def _posix_or_skip() -> None:
    if os.name != "posix":
        pytest.skip("uses a POSIX shell")


def _command_stand_in(tmp: Path, seconds: float = 3.0) -> sb.CommandBackend:
    """A process per utterance like macOS `say` (which is not on Linux): it writes the speech to a
    wav file with espeak-ng, then 'plays' it for ``seconds``."""
    if ESPEAK is None or os.name != "posix":
        pytest.skip("the command stand-in needs espeak-ng and a POSIX shell")
    out = tmp / "command.wav"
    return sb.CommandBackend("command", lambda text: ["sh", "-c", f'"$0" -w "$1" -- "$2" && sleep {seconds}',
                                                      ESPEAK, str(out), text])


def _macos_say(tmp: Path, mp: pytest.MonkeyPatch) -> sb.CommandBackend:
    if not MACOS:
        pytest.skip("macOS `say` exists only on macOS (its command is covered by the 'command' case)")
    out = tmp / "say.wav"
    exe = shutil.which("say")
    return sb.CommandBackend("say", lambda text: [exe, "-r", str(SPEECH.rate_wpm), "-o", str(out),
                                                  "--file-format=WAVE", "--data-format=LEI16@22050", "--", text])


def _macos_say_playing(tmp: Path, mp: pytest.MonkeyPatch) -> sb.CommandBackend:
    if not MACOS:
        pytest.skip("macOS only")
    return sb.macos_say_backend(SPEECH.rate_wpm)


def _text(tmp: Path, mp: pytest.MonkeyPatch) -> sb.TextBackend:
    return sb.TextBackend(io.StringIO())


def _text_to_closed_stream(tmp: Path, mp: pytest.MonkeyPatch) -> sb.TextBackend:
    stream = io.StringIO()
    stream.close()
    return sb.TextBackend(stream)


CASES: List[Case] = [
    Case(
        "pyttsx3",
        make=lambda tmp, mp: _pyttsx3(tmp, mp, sink=sb.WavDirSink(tmp / "said")),
        wav_of=_said,
        unavailable={
            "not installed": lambda tmp, mp: (mp.setattr(pyttsx3_backend, "pyttsx3_installed", lambda: False),
                                              sb.Pyttsx3Backend(SPEECH.rate_wpm, sink=sb.PacedNullSink())),
            "engine does not initialise": lambda tmp, mp: (
                _stand_in_child(mp, hello="out(ok=False, error='RuntimeError: libespeak.so.1: cannot open it')"),
                sb.Pyttsx3Backend(SPEECH.rate_wpm, sink=sb.PacedNullSink())),
            "child never answers": lambda tmp, mp: (
                _stand_in_child(mp, hello="time.sleep(30)"),
                sb.Pyttsx3Backend(SPEECH.rate_wpm, sink=sb.PacedNullSink(), probe_timeout_s=0.5)),
            "no sound device": lambda tmp, mp: (
                _stand_in_child(mp),
                _no_sound_device(tmp, mp, lambda: sb.Pyttsx3Backend(SPEECH.rate_wpm, probe_timeout_s=5.0))),
        },
        failing={
            "player dies": lambda tmp, mp: _pyttsx3(tmp, mp, sink=_failing_player(tmp)),
            "engine fails to render": lambda tmp, mp: (
                _stand_in_child(mp, op="out(ok=False, error='OSError: driver broke')"),
                sb.Pyttsx3Backend(SPEECH.rate_wpm, sink=sb.PacedNullSink()))[1],
        },
        covers=(sb.Pyttsx3Backend,),
    ),
    Case(
        "pyttsx3-speak",  # the Windows mode: a child per utterance plays by itself
        make=lambda tmp, mp: _pyttsx3(tmp, mp, mode="speak"),
        no_wav="plays by itself (no audio reaches LiveCoach); pyttsx3's audio is checked by the 'pyttsx3' case",
        # No sound card here: pyttsx3 would fail to play at once, so a stand-in child 'plays' for 5 s.
        make_long=lambda tmp, mp: (_stand_in_child(mp, op="time.sleep(5); out(ok=True)"),
                                   sb.Pyttsx3Backend(SPEECH.rate_wpm, mode="speak"))[1],
        unavailable={
            "not installed": lambda tmp, mp: (mp.setattr(pyttsx3_backend, "pyttsx3_installed", lambda: False),
                                              sb.Pyttsx3Backend(SPEECH.rate_wpm, mode="speak")),
            "engine does not initialise": lambda tmp, mp: (
                _stand_in_child(mp, hello="out(ok=False, error='RuntimeError: no SAPI5 voice')"),
                sb.Pyttsx3Backend(SPEECH.rate_wpm, mode="speak")),
        },
        failing={
            "engine fails to speak": lambda tmp, mp: (
                _stand_in_child(mp, op="out(ok=False, error='OSError: driver broke')"),
                sb.Pyttsx3Backend(SPEECH.rate_wpm, mode="speak"))[1],
        },
        covers=(sb.Pyttsx3Backend,),
    ),
    Case(
        "espeak-ng",
        make=lambda tmp, mp: _espeak(tmp, mp, sink=sb.WavDirSink(tmp / "said")),
        wav_of=_said,
        unavailable={
            "not installed": lambda tmp, mp: (_path_without(tmp, mp),
                                              sb.EspeakNgBackend(SPEECH.rate_wpm, sink=sb.PacedNullSink())),
            "unknown voice": lambda tmp, mp: _espeak(tmp, mp, voice="zzqq", sink=sb.PacedNullSink()),
            "no sound device": lambda tmp, mp: (
                _espeak(tmp, mp) if ESPEAK is None else
                _no_sound_device(tmp, mp, lambda: sb.EspeakNgBackend(SPEECH.rate_wpm, probe_timeout_s=5.0))),
        },
        failing={
            "player dies": lambda tmp, mp: _espeak(tmp, mp, sink=_failing_player(tmp)),
            "espeak-ng fails": _espeak_that_fails,
        },
        covers=(sb.EspeakNgBackend,),
    ),
    Case(
        "say",
        make=_macos_say,
        wav_of=lambda tmp: tmp / "say.wav",
        make_long=_macos_say_playing,
        unavailable={"not on PATH": lambda tmp, mp: (_path_without(tmp, mp), sb.macos_say_backend(SPEECH.rate_wpm))},
        failing={"unknown voice": lambda tmp, mp: (_macos_say(tmp, mp), sb.macos_say_backend(SPEECH.rate_wpm,
                                                                                              voice="zzqq"))[1]},
        covers=(sb.CommandBackend,),
    ),
    Case(
        "command",  # CommandBackend with a stand-in for `say` on every POSIX machine
        make=lambda tmp, mp: _command_stand_in(tmp),
        wav_of=lambda tmp: tmp / "command.wav",
        always_available="a CommandBackend is given its command; availability is the job of the factory that "
                         "makes it (macos_say_backend: the 'say' case)",
        failing={"command fails": lambda tmp, mp: (
            _posix_or_skip(), sb.CommandBackend("say", lambda text: ["sh", "-c", "echo 'no voice' >&2; exit 3"]))[1]},
        covers=(sb.CommandBackend,),
    ),
    Case(
        "text",
        make=_text,
        no_wav="text only has no audio by design",
        cancellable=False,
        always_available="text only is always available: it is the end of every chain",
        failing={"stream closed": _text_to_closed_stream},
        covers=(sb.TextBackend,),
    ),
]
CASE_IDS = [c.name for c in CASES]


def _unavailable_cases():
    for case in CASES:
        if not case.unavailable:
            yield pytest.param(case, None, id=f"{case.name}")
        for label in case.unavailable:
            yield pytest.param(case, label, id=f"{case.name}-{label}")


def _failing_cases():
    for case in CASES:
        for label in case.failing:
            yield pytest.param(case, label, id=f"{case.name}-{label}")


# -- helpers -----------------------------------------------------------------------------------------
def _children() -> set:
    """Live (not zombie) child processes of this process (Linux /proc)."""
    me, kids = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            kids.add(int(entry))
    return kids


def _assert_one_line(exc: BaseException, *words: str) -> None:
    text = str(exc)
    assert isinstance(exc, LiveCoachError)
    assert text.strip() and "\n" not in text and len(text) <= 200, repr(text)
    assert "Traceback" not in text
    for word in words:
        assert word in text, text


def _check_speech_wav(path: Path) -> float:
    assert path.is_file(), f"no wav at {path}"
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        seconds = w.getnframes() / w.getframerate()
        samples = array.array("h", w.readframes(w.getnframes()))
    assert 0.5 <= seconds <= 3.0, f"{seconds:.2f} s for {PHRASE!r}"
    assert max(abs(s) for s in samples) > 1000  # speech, not silence
    return seconds


@pytest.fixture
def close_later():
    made: List[object] = []
    yield made.append
    for backend in made:
        backend.close()


# -- the contract ------------------------------------------------------------------------------------
def test_every_backend_has_a_contract_case():
    names = set(CASE_IDS)
    assert set(BACKEND_NAMES) <= names, f"no contract case for {set(BACKEND_NAMES) - names}"
    classes = {obj for obj in vars(sb).values()
               if isinstance(obj, type) and all(hasattr(obj, m) for m in ("speak", "cancel", "close"))
               and obj is not sb.SpeechBackend}  # the contract itself
    covered = {cls for case in CASES for cls in case.covers}
    assert classes and classes <= covered, f"no contract case for {classes - covered}"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_speak_says_it_and_signals_the_start_once(case, tmp_path, monkeypatch, close_later):
    backend = case.make(tmp_path, monkeypatch)
    close_later(backend)
    assert isinstance(backend.name, str) and backend.name
    starts: List[float] = []
    t0 = time.monotonic()
    assert backend.speak(PHRASE, on_start=lambda: starts.append(time.monotonic())) is True
    assert len(starts) == 1 and t0 <= starts[0] <= time.monotonic()


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_its_speech_rendered_to_wav_is_speech_of_plausible_length(case, tmp_path, monkeypatch, close_later):
    if case.wav_of is None:
        pytest.skip(case.no_wav)
    backend = case.make(tmp_path, monkeypatch)
    close_later(backend)
    assert backend.speak(PHRASE) is True
    _check_speech_wav(case.wav_of(tmp_path))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_cancel_from_another_thread_ends_speak_within_a_second(case, tmp_path, monkeypatch, close_later):
    backend = (case.make_long or case.make)(tmp_path, monkeypatch)
    close_later(backend)
    cancelled_at: List[float] = []

    def cancel() -> None:
        cancelled_at.append(time.monotonic())
        backend.cancel()

    timer = threading.Timer(0.3, cancel)
    timer.start()
    t0 = time.monotonic()
    result = backend.speak(LONG)
    ended = time.monotonic()
    timer.join()
    if case.cancellable:
        assert result is False, "the utterance was not cut short"
        assert ended - cancelled_at[0] < 1.0, f"speak returned {ended - cancelled_at[0]:.2f} s after cancel"
    else:
        assert result is True and ended - t0 < 1.0
    backend.cancel()  # cancelling when nothing is said is harmless
    if case.make_long is None:  # usable again after a cancel
        assert backend.speak("Go lower") is True


@pytest.mark.skipif(not LINUX, reason="counts child processes in /proc")
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_close_is_idempotent_and_leaves_no_process_behind(case, tmp_path, monkeypatch):
    before = _children()
    unused = case.make(tmp_path, monkeypatch)
    unused.close()
    unused.close()
    backend = case.make(tmp_path / "2", monkeypatch)
    assert backend.speak("Go lower") is True
    backend.close()
    backend.close()
    backend.cancel()  # after close: harmless
    deadline = time.monotonic() + 2.0
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _children() - before


@pytest.mark.parametrize("case,condition", list(_unavailable_cases()))
def test_unavailable_raises_backend_unavailable_with_one_line(case, condition, tmp_path, monkeypatch):
    if condition is None:
        pytest.skip(case.always_available)
    made: List[object] = []
    with pytest.raises(sb.BackendUnavailable) as info:
        made.append(case.unavailable[condition](tmp_path, monkeypatch))
    _assert_one_line(info.value)
    assert isinstance(info.value.fix, str) and "\n" not in info.value.fix  # what to do, if anything


@pytest.mark.parametrize("case,condition", list(_failing_cases()))
def test_a_broken_engine_or_output_raises_backend_failed_with_one_line(case, condition, tmp_path, monkeypatch,
                                                                       close_later):
    backend = case.failing[condition](tmp_path, monkeypatch)
    close_later(backend)
    with pytest.raises(sb.BackendFailed) as info:
        backend.speak(PHRASE)
    _assert_one_line(info.value)
