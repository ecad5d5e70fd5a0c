"""Which speech backend a session uses: the chain to try, in order, and how to make each.

Backend choice for ``speech.backend = "auto"``:

* Linux: pyttsx3 if it initialises (needs ``libespeak-ng1``) and a sound device plays,
  else the ``espeak-ng`` program, else text only;
* macOS: a ``say`` process per utterance (pyttsx3's NSSpeech driver hangs);
* Windows: pyttsx3 in a process per utterance (its SAPI5 loop hangs when reused).

A named backend comes first and the platform's usual chain follows it as fallback; text only
is always last. Each :class:`BackendChoice` only says how to make its backend: the speech
thread makes it (:mod:`livecoach.speech.worker`).
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from livecoach.config.schema import ConfigError, SpeechConfig
from livecoach.speech.backends import sinks
from livecoach.speech.backends.base import SpeechBackend
from livecoach.speech.backends.espeak_ng import EspeakNgBackend
from livecoach.speech.backends.macos_say import macos_say_backend
from livecoach.speech.backends.pyttsx3_backend import Pyttsx3Backend
from livecoach.speech.backends.text import TextBackend

__all__ = ["BACKEND_NAMES", "BackendChoice", "BackendFactory", "backend_chain", "platform_chain",
           "speech_config_with"]

BackendFactory = Callable[[], SpeechBackend]

#: Every backend a chain can name (``speech.backend`` also accepts ``"auto"``).
BACKEND_NAMES = ("pyttsx3", "espeak-ng", "say", "text")


@dataclass(frozen=True)
class BackendChoice:
    """A backend to try: its name and how to make it (raises ``BackendUnavailable``)."""

    name: str
    make: BackendFactory


def platform_chain(platform: str) -> Tuple[str, ...]:
    """The backends to try for ``speech.backend = "auto"`` on ``platform`` (``sys.platform``)."""
    if platform.startswith("linux"):
        return ("pyttsx3", "espeak-ng", "text")
    if platform == "darwin":
        return ("say", "text")
    if platform.startswith("win"):
        return ("pyttsx3", "text")
    return ("pyttsx3", "espeak-ng", "text")


def _factory(name: str, config: SpeechConfig, platform: str, sink_for: Callable[[], sinks.AudioSink]) -> BackendFactory:
    # The sink maker is passed uncalled: each backend checks its engine before the sound device.
    if name == "pyttsx3":
        mode = "render" if platform.startswith("linux") else "speak"
        return lambda: Pyttsx3Backend(config.rate_wpm, config.voice, config.volume, mode=mode,
                                      sink=sink_for if mode == "render" else None,
                                      probe_timeout_s=config.probe_timeout_s)
    if name == "espeak-ng":
        return lambda: EspeakNgBackend(config.rate_wpm, config.voice, config.volume, sink=sink_for,
                                       probe_timeout_s=config.probe_timeout_s)
    if name == "say":
        return lambda: macos_say_backend(config.rate_wpm, config.voice)
    if name == "text":
        return TextBackend
    raise ValueError(f"unknown speech backend {name!r}")


def _shared_sink(kind: str, timeout_s: float) -> Callable[[], sinks.AudioSink]:
    """A sink maker whose sound-device probe runs once for the whole chain."""
    probed: List[Tuple[Optional[List[str]], str]] = []

    def make() -> sinks.AudioSink:
        if kind != "device":
            return sinks.make_sink(kind, timeout_s)
        if not probed:
            probed.append(sinks.find_audio_player(timeout_s))
        argv, why = probed[0]
        if argv is None:
            raise sinks.no_sound_output(why)
        return sinks.PlayerSink(argv)

    return make


def backend_chain(config: SpeechConfig, platform: Optional[str] = None,
                  sink: Optional[str] = None) -> List[BackendChoice]:
    """The backends to try in order for ``config.backend`` on ``platform``; text is last.

    A named backend comes first and the platform's usual chain follows it as fallback.
    ``sink`` says where espeak-ng/pyttsx3 audio goes: ``None``/``"device"`` = the sound
    device, ``"null"`` = swallowed at real-time pace, ``"wav:FOLDER"`` = also saved as one
    wav file per utterance (a session on a machine without a sound card).
    """
    platform = platform or sys.platform
    names = list(platform_chain(platform))
    if config.backend != "auto":
        names = [config.backend] + [n for n in names if n != config.backend]
    sink_for = _shared_sink(sink or "device", config.probe_timeout_s)
    return [BackendChoice(n, _factory(n, config, platform, sink_for)) for n in names]


def speech_config_with(config: SpeechConfig, voice: Optional[str] = None, rate: Optional[int] = None,
                       backend: Optional[str] = None) -> SpeechConfig:
    """``config`` with the ``--voice``/``--rate``/``--backend`` flags applied, validated
    against the same limits as the config file (``ConfigError`` with one line)."""
    changes = {}
    fields = {f.name: f for f in dataclasses.fields(SpeechConfig)}
    for name, flag, value in (("voice", "--voice", voice), ("rate_wpm", "--rate", rate),
                              ("backend", "--backend", backend)):
        if value is None:
            continue
        meta = fields[name].metadata
        lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
        if lo is not None and not (lo <= value <= hi):
            raise ConfigError(f"{flag} {value}: must be between {lo} and {hi}")
        if choices and value not in choices:
            raise ConfigError(f"{flag} {value}: must be one of {', '.join(choices)}")
        changes[name] = value
    return dataclasses.replace(config, **changes)
