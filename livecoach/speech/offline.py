"""Speech without a session: render a phrase to a wav file, list the voices, and probe which
backend a session would use (for ``livecoach say``, ``livecoach voices`` and ``doctor``)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional, Tuple

from livecoach.config.schema import SpeechConfig
from livecoach.speech.backends.base import BackendFailed, BackendUnavailable, VoiceInfo
from livecoach.speech.backends.espeak_ng import espeak_voices, render_wav_espeak
from livecoach.speech.backends.macos_say import say_voices
from livecoach.speech.backends.pyttsx3_backend import Pyttsx3Backend, render_wav_pyttsx3
from livecoach.speech.backends.sinks import PacedNullSink
from livecoach.speech.backends.wav import wav_duration_s
from livecoach.speech.chain import platform_chain
from livecoach.speech.worker import SpeechWorker

__all__ = ["render_wav", "list_voices", "probe_speech"]


def probe_speech(config: SpeechConfig) -> Tuple[str, str]:
    """(the backend a session would use, the one line saying which and why), without
    speaking — for ``livecoach doctor``."""
    notices: List[str] = []
    worker = SpeechWorker(config, notify=notices.append).start()
    worker.wait_ready(config.probe_timeout_s * 3)
    worker.stop(1.0)
    return worker.backend_name, (notices[0] if notices else "")


def render_wav(text: str, path: Path, config: SpeechConfig, engine: str = "auto") -> float:
    """Render ``text`` to a wav file at ``path`` (no sound card needed); its length in s.

    ``engine``: ``"espeak-ng"``, ``"pyttsx3"`` (in a child process) or ``"auto"``
    (the configured backend when it can render, else espeak-ng, else pyttsx3).
    """
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise BackendFailed(f"folder {path.parent} does not exist")
    order = {"espeak-ng": ["espeak-ng"], "pyttsx3": ["pyttsx3"]}.get(engine)
    if order is None:
        order = ["pyttsx3", "espeak-ng"] if config.backend == "pyttsx3" else ["espeak-ng", "pyttsx3"]
    reasons = []
    for name in order:
        render = render_wav_espeak if name == "espeak-ng" else render_wav_pyttsx3
        try:
            render(text, path, config.rate_wpm, config.voice, config.volume, timeout_s=max(10.0, config.probe_timeout_s))
            return wav_duration_s(path)
        except BackendUnavailable as exc:
            reasons.append(str(exc))
    raise BackendUnavailable("; ".join(reasons))


def list_voices(config: SpeechConfig, platform: Optional[str] = None) -> Tuple[str, List[VoiceInfo]]:
    """(backend name, its voices) for the configured backend on this platform."""
    platform = platform or sys.platform
    names = [config.backend] if config.backend != "auto" else list(platform_chain(platform))
    reasons = []
    for name in names:
        try:
            if name == "espeak-ng":
                return name, espeak_voices()
            if name == "say":
                return name, say_voices()
            if name == "pyttsx3":
                backend = Pyttsx3Backend(config.rate_wpm, "", config.volume, mode="render",
                                         sink=PacedNullSink(), probe_timeout_s=config.probe_timeout_s)
                try:
                    return name, backend.voices()
                finally:
                    backend.close()
        except BackendUnavailable as exc:
            reasons.append(f"{name}: {exc}")
    raise BackendUnavailable("no backend can list voices (" + "; ".join(reasons) + ")"
                             if reasons else "the text-only backend has no voices")

