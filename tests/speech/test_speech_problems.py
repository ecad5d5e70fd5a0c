"""What a user reads when speech cannot work (issue 12): one line saying what is wrong and what
to do, for `livecoach say`, the session's notice and `doctor` (through probe_speech)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from livecoach.config.schema import load_config
from livecoach.speech import backends as sb
from livecoach.speech.backends import pyttsx3_backend, sinks
from livecoach.speech.chain import speech_config_with
from livecoach.speech.offline import explain_unavailable, probe_speech

SPEECH = load_config().speech
ROOT = Path(__file__).resolve().parents[2]
# What aplay says on this kind of machine (a container or server without a sound card).
RAW_NO_CARD = "no audio output (aplay: main:831: audio open error: No such file or directory; paplay not installed)"


def _one_line(text: str) -> None:
    assert text and "\n" not in text.strip() and len(text) <= 220, repr(text)
    for raw in ("main:831", "audio open error", "Traceback"):
        assert raw not in text, text


@pytest.mark.parametrize("raw,what,fix_word", [
    (RAW_NO_CARD, "no sound device (aplay cannot open one)", "speakers"),
    ("no audio output (aplay: device_list:274: no soundcards found...; paplay not installed)",
     "no sound device (aplay cannot open one)", "speakers"),
    ("no audio output (aplay: main:831: audio open error: Device or resource busy; paplay not installed)",
     "the sound device is busy", "close"),
    ("no audio output (aplay not installed; paplay: Connection failure: Connection refused)",
     "the sound server is not running", "PulseAudio"),
    ("no audio output (aplay not installed; paplay not installed)", "no audio player (aplay is not installed)",
     "sudo apt install alsa-utils"),
    ("no audio output (aplay did not finish in 5 s; paplay not installed)",
     "the sound device does not respond (aplay hangs)", "speakers"),
    ("no audio output (aplay: something nobody has seen before; paplay not installed)",
     "no sound output (aplay: something nobody has seen before)", "speakers"),
])
def test_no_sound_output_says_what_is_wrong_in_plain_words(raw, what, fix_word):
    problem = sb.no_sound_output(raw)
    assert isinstance(problem, sb.BackendUnavailable)
    assert str(problem) == what
    assert fix_word in problem.fix
    assert problem.detail == raw  # the player's own words are kept for the logs
    _one_line(f"{problem} — {problem.fix}")


def test_a_missing_sound_device_is_said_once_not_per_engine():
    no_card = sb.no_sound_output(RAW_NO_CARD)
    what, fix = explain_unavailable([("pyttsx3", no_card), ("espeak-ng", no_card)])
    assert what == "no sound device (aplay cannot open one)"
    assert fix == "connect speakers or headphones (`aplay -l` lists the sound devices)"
    # it is the cause even when another engine is missing as well
    what, _ = explain_unavailable([("pyttsx3", sb.BackendUnavailable("pyttsx3 is not installed")), ("espeak-ng", no_card)])
    assert what == "no sound device (aplay cannot open one)"


def test_missing_engines_are_listed_and_their_apt_fixes_merged():
    what, fix = explain_unavailable([
        ("pyttsx3", sb.BackendUnavailable("pyttsx3 does not initialise: OSError: libespeak-ng.so.1: cannot open",
                                          fix="sudo apt install libespeak-ng1")),
        ("espeak-ng", sb.BackendUnavailable("espeak-ng is not installed", fix="sudo apt install espeak-ng")),
    ])
    assert what == ("pyttsx3 does not initialise: OSError: libespeak-ng.so.1: cannot open; "
                    "espeak-ng is not installed")
    assert fix == "sudo apt install libespeak-ng1 espeak-ng"
    what, fix = explain_unavailable([("pyttsx3", RuntimeError("driver exploded\nand more"))])
    assert (what, fix) == ("pyttsx3: driver exploded", "")


def test_probe_speech_without_a_sound_device_is_one_line_with_the_fix(monkeypatch):
    monkeypatch.setattr(sinks, "find_audio_player", lambda timeout_s=5.0: (None, RAW_NO_CARD))
    ok, line = probe_speech(speech_config_with(SPEECH, backend="auto"), platform="linux")
    assert ok is False
    assert line == ("cues will be shown, not spoken: no sound device (aplay cannot open one) — "
                    "connect speakers or headphones (`aplay -l` lists the sound devices)")
    _one_line(line)


def test_probe_speech_with_a_player_names_the_backend_a_session_would_use(monkeypatch):
    cat = shutil.which("cat")
    if cat is None or sb.find_espeak() is None:
        pytest.skip("needs cat (a stand-in player) and espeak-ng")
    monkeypatch.setattr(sinks, "find_audio_player", lambda timeout_s=5.0: ([cat], "cat plays"))
    ok, line = probe_speech(speech_config_with(SPEECH, backend="espeak-ng"), platform="linux")
    assert ok is True
    assert line == "cues will be spoken with espeak-ng (espeak-ng process per cue, played by cat)"


def test_probe_speech_without_engines_lists_them_with_one_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(pyttsx3_backend, "pyttsx3_installed", lambda: False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng
    ok, line = probe_speech(speech_config_with(SPEECH, backend="auto"), platform="linux")
    assert ok is False
    assert line == ("cues will be shown, not spoken: pyttsx3 is not installed; espeak-ng is not installed — "
                    "reinstall LiveCoach (pyttsx3 is one of its dependencies) and sudo apt install espeak-ng")


def test_probe_speech_when_text_only_is_chosen():
    assert probe_speech(speech_config_with(SPEECH, backend="text")) == (
        True, 'cues will be shown, not spoken (speech.backend = "text")')


@pytest.mark.skipif(os.name != "posix" or sb.find_espeak() is None, reason="needs espeak-ng and a POSIX shell")
def test_say_without_a_sound_device_prints_one_clean_line(tmp_path):
    # PATH as on a machine without a sound card: espeak-ng, and an aplay that cannot open a device.
    cat = shutil.which("cat")
    (tmp_path / "espeak-ng").symlink_to(sb.find_espeak())
    (tmp_path / "aplay").write_text(f"#!/bin/sh\n{cat} > /dev/null\n"
                                    "echo 'aplay: main:831: audio open error: No such file or directory' >&2\nexit 1\n")
    (tmp_path / "aplay").chmod(0o755)
    env = dict(os.environ, PATH=str(tmp_path), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "livecoach", "say", "Go lower"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 7  # EXIT_SPEECH
    assert proc.stdout == ""
    assert proc.stderr == ("livecoach: error: say: cannot speak: no sound device (aplay cannot open one) — connect "
                           "speakers or headphones (`aplay -l` lists the sound devices), or write it to a file "
                           "with --wav FILE\n")
    _one_line(proc.stderr)
