"""Speech backends behind one contract (:mod:`.base`), one engine per module.

* :mod:`.espeak_ng` — :class:`EspeakNgBackend`: an ``espeak-ng --stdout`` subprocess whose audio
  is pumped into an audio sink; killable at any moment.
* :mod:`.pyttsx3_backend` — :class:`Pyttsx3Backend`: pyttsx3 in a **child process**
  (:mod:`.pyttsx3_child`, the only module that imports ``pyttsx3``), never in the app's process.
* :mod:`.macos_say` — :class:`CommandBackend`: a process per utterance that plays by itself
  (macOS ``say``).
* :mod:`.text` — :class:`TextBackend`: no sound; the cue is only shown.
* :mod:`.sinks` — where espeak-ng / pyttsx3 audio goes: a player process, a real-time null
  sink, or a folder of wav files; :mod:`.wav` — wav helpers; :mod:`.process` — killable child
  processes.

Which backend a session uses is decided by :mod:`livecoach.speech.chain`.
"""
from livecoach.speech.backends.base import BackendFailed, BackendUnavailable, OnStart, SpeechBackend, VoiceInfo
from livecoach.speech.backends.espeak_ng import (EspeakNgBackend, espeak_argv, espeak_voices, find_espeak,
                                                 render_wav_espeak)
from livecoach.speech.backends.macos_say import CommandBackend, macos_say_backend, say_voices
from livecoach.speech.backends.pyttsx3_backend import Pyttsx3Backend, pyttsx3_installed, render_wav_pyttsx3
from livecoach.speech.backends.sinks import (AudioSink, NoSoundOutput, PacedNullSink, PlayerSink, WavDirSink,
                                             find_audio_player, make_sink, no_sound_output)
from livecoach.speech.backends.text import TextBackend
from livecoach.speech.backends.wav import parse_wav_stream_header, silent_wav_bytes, wav_duration_s

__all__ = [
    "AudioSink", "BackendFailed", "BackendUnavailable", "CommandBackend", "EspeakNgBackend", "NoSoundOutput", "OnStart",
    "PacedNullSink", "PlayerSink", "Pyttsx3Backend", "SpeechBackend", "TextBackend", "VoiceInfo", "WavDirSink",
    "espeak_argv", "espeak_voices", "find_audio_player", "find_espeak", "macos_say_backend", "make_sink", "no_sound_output",
    "parse_wav_stream_header", "pyttsx3_installed", "render_wav_espeak", "render_wav_pyttsx3", "say_voices",
    "silent_wav_bytes", "wav_duration_s",
]
