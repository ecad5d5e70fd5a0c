"""espeak-ng: an ``espeak-ng --stdout`` process per utterance whose audio is pumped into an
audio sink (killable at any moment); rendering to a wav file; its voices."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import List, Optional

from livecoach.speech.backends.base import BackendFailed, BackendUnavailable, OnStart, VoiceInfo, one_line
from livecoach.speech.backends.process import kill_tree, reap, spawn
from livecoach.speech.backends.sinks import SinkSpec, pump, resolve_sink


VOICE_FIX = "pick a voice id from `livecoach voices`"


def espeak_missing() -> BackendUnavailable:
    return BackendUnavailable("espeak-ng is not installed", fix="sudo apt install espeak-ng")


def find_espeak() -> Optional[str]:
    return shutil.which("espeak-ng") or shutil.which("espeak")


def espeak_argv(exe: str, text: str, rate_wpm: int, voice: str, volume: float,
                out: Optional[str] = None) -> List[str]:
    argv = [exe, "-s", str(int(rate_wpm)), "-a", str(int(round(volume * 100)))]
    if voice:
        argv += ["-v", voice]
    argv += ["-w", out] if out else ["--stdout"]
    return argv + ["--", text]


class EspeakNgBackend:
    """``espeak-ng --stdout`` per utterance, audio pumped into ``sink``; cut short by a kill.

    The next utterance's process is started ahead of time and waits for its text on stdin
    (a *warm spare*, no CPU while it waits), so starting to speak costs a pipe write
    instead of a process start and a voice load — what matters on a busy 2-core laptop.
    """

    name = "espeak-ng"

    def __init__(self, rate_wpm: int, voice: str = "", volume: float = 1.0,
                 sink: SinkSpec = None, probe_timeout_s: float = 5.0) -> None:
        exe = find_espeak()
        if exe is None:
            raise espeak_missing()
        self._exe = exe
        self._rate, self._voice, self._volume = rate_wpm, voice, volume
        if voice:
            check = subprocess.run(espeak_argv(exe, "", rate_wpm, voice, volume, out=os.devnull),
                                   capture_output=True, timeout=probe_timeout_s)
            err = check.stderr.decode("utf-8", "replace")
            if check.returncode != 0 or "voice" in err.lower():
                raise BackendUnavailable(f"espeak-ng has no voice {voice!r}", fix=VOICE_FIX)
        self.sink = resolve_sink(sink, probe_timeout_s)  # after the engine: say what is missing first
        self.detail = f"{os.path.basename(exe)} process per cue, played by {self.sink.name}"
        self._lock = threading.Lock()
        self._proc: Optional[subprocess.Popen] = None
        self._spare: Optional[subprocess.Popen] = None
        self._cancelled = threading.Event()
        self._closed = False
        self._spare = self._spawn()

    def _spawn(self) -> subprocess.Popen:
        argv = espeak_argv(self._exe, "", self._rate, self._voice, self._volume)[:-2]  # text from stdin
        try:
            return spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE)
        except OSError as exc:
            raise BackendFailed(f"cannot run espeak-ng: {exc.strerror or exc}") from None

    def speak(self, text: str, on_start: OnStart = None) -> bool:
        self._cancelled.clear()
        with self._lock:
            proc, self._spare = self._spare, None
            if proc is None or proc.poll() is not None:
                reap(proc)
                proc = self._spawn()
            self._proc = proc
            if self._cancelled.is_set():  # cancelled while starting: do not say it at all
                kill_tree(proc)
        try:
            try:
                proc.stdin.write(text.replace("\n", " ").encode("utf-8") + b"\n")
                proc.stdin.close()
            except (BrokenPipeError, OSError, ValueError):
                if not self._cancelled.is_set():
                    raise BackendFailed("espeak-ng stopped before it got the text") from None
            self.sink.begin()
            done = pump(proc.stdout, self.sink, on_start, self._cancelled)
        except BackendFailed:
            kill_tree(proc)
            reap(proc)
            raise
        finally:
            proc.stdout.close()
        rc = proc.wait()
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        proc.stderr.close()
        with self._lock:
            if self._spare is None and not self._closed:
                try:
                    self._spare = self._spawn()  # ready for the next cue, off the critical path
                except BackendFailed:
                    pass  # speak() will try again and report
        if self._cancelled.is_set():
            return False
        if rc != 0:
            raise BackendFailed(f"espeak-ng exited with {rc}: {one_line(err)}")
        return done

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            kill_tree(self._proc)
        self.sink.abort()

    def close(self) -> None:
        self.cancel()
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
        kill_tree(spare)
        reap(spare)


def render_wav_espeak(text: str, path: Path, rate_wpm: int, voice: str = "", volume: float = 1.0,
                      timeout_s: float = 10.0) -> None:
    exe = find_espeak()
    if exe is None:
        raise espeak_missing()
    try:
        proc = subprocess.run(espeak_argv(exe, text, rate_wpm, voice, volume, out=str(path)),
                              capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise BackendFailed(f"espeak-ng did not finish within {timeout_s:g} s") from None
    if proc.returncode != 0 or not Path(path).is_file():
        raise BackendFailed(f"espeak-ng could not write {path}: "
                            f"{one_line(proc.stderr.decode('utf-8', 'replace')) or proc.returncode}")


def espeak_voices(timeout_s: float = 10.0) -> List[VoiceInfo]:
    exe = find_espeak()
    if exe is None:
        raise espeak_missing()
    proc = subprocess.run([exe, "--voices"], capture_output=True, timeout=timeout_s)
    voices = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:  # Pty Language Age/Gender VoiceName File [Other Languages]
            gender = parts[2].split("/")[-1]
            voices.append(VoiceInfo(id=parts[1], name=parts[3], languages=parts[1], gender=gender))
    return voices
