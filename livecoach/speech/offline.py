"""Speech without a session: render a phrase to a wav file, list the voices, and probe which
backend a session would use (for ``livecoach say``, ``livecoach voices`` and ``doctor``)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from livecoach.config.schema import SpeechConfig
from livecoach.speech.backends.base import BackendFailed, BackendUnavailable, VoiceInfo
from livecoach.speech.backends.espeak_ng import espeak_voices, render_wav_espeak
from livecoach.speech.backends.macos_say import say_voices
from livecoach.speech.backends.pyttsx3_backend import Pyttsx3Backend, render_wav_pyttsx3
from livecoach.speech.backends.sinks import NoSoundOutput, PacedNullSink
from livecoach.speech.backends.wav import wav_duration_s
from livecoach.speech.chain import backend_chain, platform_chain

__all__ = ["render_wav", "list_voices", "probe_speech", "explain_unavailable"]


def explain_unavailable(reasons: Sequence[Tuple[str, BaseException]]) -> Tuple[str, str]:
    """(what is wrong, what to do) when no backend but text could start, one short line each.

    ``reasons``: (backend name, the exception that stopped it), as in
    :attr:`SpeechWorker.unavailable`. A missing sound device stops every engine at once, so it
    is said once, without the engines; otherwise each engine's reason is listed, and the fixes
    are merged (``sudo apt install a`` + ``sudo apt install b`` -> ``sudo apt install a b``).
    """
    for _name, exc in reasons:
        if isinstance(exc, NoSoundOutput):
            return str(exc), exc.fix
    whats: List[str] = []
    fixes: List[str] = []
    for name, exc in reasons:
        text = _first_line(exc)
        what = text if text.lower().startswith(name.lower()) else f"{name}: {text}"
        if what not in whats:
            whats.append(what)
        fix = getattr(exc, "fix", "")
        if fix and fix not in fixes:
            fixes.append(fix)
    apt = [f[len(_APT):] for f in fixes if f.startswith(_APT)]
    if len(apt) > 1:
        fixes = [f for f in fixes if not f.startswith(_APT)] + [_APT + " ".join(apt)]
    return "; ".join(whats) or "no speech backend could start", " and ".join(fixes)


_APT = "sudo apt install "


def probe_speech(config: SpeechConfig, platform: Optional[str] = None) -> Tuple[bool, str]:
    """(whether a session would speak, one line saying so — or what is wrong and what to do).

    Opens each backend of the session's chain in turn, as the speech thread would, and closes
    it again without speaking; the sound device is probed once. For ``livecoach doctor``. The
    line reads "cues will be spoken with pyttsx3 (...)" or "cues will be shown, not spoken:
    WHAT — FIX".
    """
    if config.backend == "text":
        return True, 'cues will be shown, not spoken (speech.backend = "text")'
    reasons: List[Tuple[str, BaseException]] = []
    for choice in backend_chain(config, platform=platform):
        if choice.name == "text":
            break
        try:
            backend = choice.make()
        except Exception as exc:  # noqa: BLE001 - whatever stops a backend, the session tries the next
            reasons.append((choice.name, exc))
            continue
        detail = getattr(backend, "detail", "")
        try:
            backend.close()
        except Exception:  # noqa: BLE001 - closing a probe is best effort
            pass
        return True, f"cues will be spoken with {choice.name}" + (f" ({detail})" if detail else "")
    what, fix = explain_unavailable(reasons)
    return False, f"cues will be shown, not spoken: {what}" + (f" — {fix}" if fix else "")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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

