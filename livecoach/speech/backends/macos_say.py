"""macOS ``say``: a process per utterance that plays by itself (pyttsx3's NSSpeech driver
hangs); :class:`CommandBackend` runs any such command and is killable."""
from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Callable, List, Optional

from livecoach.speech.backends.base import BackendFailed, BackendUnavailable, OnStart, VoiceInfo, one_line
from livecoach.speech.backends.process import kill_tree, spawn


class CommandBackend:
    """A process per utterance that plays the audio itself (macOS ``say``); killable.

    ``on_start`` fires when the process has started (it gives no earlier signal).
    """

    def __init__(self, name: str, argv_for: Callable[[str], List[str]]) -> None:
        self.name = name
        self.detail = "a process per cue"
        self._argv_for = argv_for
        self._lock = threading.Lock()
        self._proc: Optional[subprocess.Popen] = None
        self._cancelled = threading.Event()

    def speak(self, text: str, on_start: OnStart = None) -> bool:
        self._cancelled.clear()
        with self._lock:
            try:
                self._proc = spawn(self._argv_for(text), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            except OSError as exc:
                raise BackendFailed(f"cannot run {self.name}: {exc.strerror or exc}") from None
            proc = self._proc
        if on_start is not None:
            on_start()
        _, err = proc.communicate()
        if self._cancelled.is_set():
            return False
        if proc.returncode != 0:
            raise BackendFailed(f"{self.name} exited with {proc.returncode}: "
                                f"{one_line(err.decode('utf-8', 'replace'))}")
        return True

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            kill_tree(self._proc)

    def close(self) -> None:
        self.cancel()


def macos_say_backend(rate_wpm: int, voice: str = "") -> CommandBackend:
    exe = shutil.which("say")
    if exe is None:
        raise BackendUnavailable("the macOS `say` command is not available")

    def argv_for(text: str) -> List[str]:
        argv = [exe, "-r", str(int(rate_wpm))]
        if voice:
            argv += ["-v", voice]
        return argv + ["--", text]

    return CommandBackend("say", argv_for)


def say_voices(timeout_s: float = 10.0) -> List[VoiceInfo]:  # pragma: no cover - macOS only
    exe = shutil.which("say")
    if exe is None:
        raise BackendUnavailable("the macOS `say` command is not available")
    proc = subprocess.run([exe, "-v", "?"], capture_output=True, timeout=timeout_s)
    voices = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        head, _, _ = line.partition("#")
        parts = head.split()
        if len(parts) >= 2:
            voices.append(VoiceInfo(id=" ".join(parts[:-1]), name=" ".join(parts[:-1]), languages=parts[-1]))
    return voices
