"""The speech backend contract, its two errors and what every backend shares.

Contract (:class:`SpeechBackend`)::

    name: str
    speak(text, on_start=None) -> bool   # blocks until said (True) or cancelled (False)
    cancel()                              # any thread: cut the current utterance short
    close()                               # release processes; idempotent; not used again

``speak`` calls ``on_start()`` the moment the first audio reaches the sound output (for the
latency benchmark) and raises :class:`BackendFailed` when the backend breaks mid-session;
constructors raise :class:`BackendUnavailable` with a one-line reason. The contract tests in
``tests/speech/test_backend_contracts.py`` hold every backend to this.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from livecoach.errors import EXIT_SPEECH, LiveCoachError

try:  # Protocol is typing-only here; keep Python 3.9 happy either way
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore

OnStart = Optional[Callable[[], None]]


class BackendUnavailable(LiveCoachError, RuntimeError):
    """A backend cannot be used on this machine; the message is one line saying why.

    ``fix``: what the user can do about it, one line ("" when there is nothing to say).
    """

    exit_code = EXIT_SPEECH

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


class BackendFailed(LiveCoachError, RuntimeError):
    """A backend broke while speaking; the worker falls back to the next one."""

    exit_code = EXIT_SPEECH


class SpeechBackend(Protocol):
    name: str

    def speak(self, text: str, on_start: OnStart = None) -> bool: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: str = ""
    gender: str = ""


def one_line(text: str, limit: int = 160) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    # ALSA prints several lines of config noise; the last line is the one that explains.
    line = lines[-1] if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
