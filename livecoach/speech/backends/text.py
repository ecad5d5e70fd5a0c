"""The text-only backend: no sound, the cue is only shown (the end of every chain)."""
from __future__ import annotations

from typing import IO, Optional

from livecoach.speech.backends.base import BackendFailed, OnStart


class TextBackend:
    """No sound: the cue is shown on the overlay and logged; optionally echoed to ``stream``."""

    name = "text"

    def __init__(self, stream: Optional[IO[str]] = None) -> None:
        self._stream = stream

    def speak(self, text: str, on_start: OnStart = None) -> bool:
        if on_start is not None:
            on_start()
        if self._stream is not None:
            try:
                self._stream.write(f"(speech) {text}\n")
                self._stream.flush()
            except (OSError, ValueError) as exc:  # a closed stream or a broken pipe
                raise BackendFailed(f"cannot write the cue: {exc}") from None
        return True

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass
