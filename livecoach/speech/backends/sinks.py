"""Audio sinks: where espeak-ng's and pyttsx3's wav audio goes.

:class:`PlayerSink` streams into a player process (``aplay``/``paplay``, found and checked by
:func:`find_audio_player`, which plays a few ms of silence, so "no sound card" is detected up
front rather than failing silently), :class:`PacedNullSink` swallows the audio at real-time
speed (benchmarks and tests on machines without a sound card) and :class:`WavDirSink` also
keeps every utterance as a wav file (to listen to a session that ran without a sound card).
:func:`pump` copies a wav byte stream into a sink and signals the first audio.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path
from typing import IO, Callable, List, Optional, Sequence, Tuple, Union

from livecoach.speech.backends.base import BackendFailed, BackendUnavailable, OnStart, one_line
from livecoach.speech.backends.process import kill_tree, spawn
from livecoach.speech.backends.wav import parse_wav_stream_header, silent_wav_bytes


class AudioSink:
    """Where a backend's audio goes. One utterance: ``begin``, ``write``..., ``finish``.

    ``abort`` may be called from any thread and makes a blocked ``write``/``finish`` return.
    """

    name = "sink"

    def begin(self) -> None:
        raise NotImplementedError

    def write(self, chunk: bytes) -> None:
        raise NotImplementedError

    def finish(self) -> bool:
        """Wait until everything written has been played; False if aborted."""
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class PlayerSink(AudioSink):
    """Streams wav audio into a player process's stdin (``aplay -q``); killable."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.name = os.path.basename(self.argv[0])
        self._proc: Optional[subprocess.Popen] = None
        self._lock = threading.Lock()
        self._aborted = False

    def begin(self) -> None:
        with self._lock:
            self._aborted = False
            try:
                self._proc = spawn(self.argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            except OSError as exc:
                raise BackendFailed(f"cannot start {self.name}: {exc.strerror or exc}") from None

    def write(self, chunk: bytes) -> None:
        proc = self._proc
        if proc is None or self._aborted:
            return
        try:
            proc.stdin.write(chunk)  # blocks while the player's buffer is full: real-time pace
        except (BrokenPipeError, OSError, ValueError):
            if not self._aborted:
                self._fail()

    def finish(self) -> bool:
        proc = self._proc
        if proc is None:
            return not self._aborted
        try:
            proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass
        rc = proc.wait()
        if self._aborted:
            return False
        if rc != 0:
            self._fail()
        return True

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            kill_tree(self._proc)

    def _fail(self) -> None:
        proc = self._proc
        kill_tree(proc)
        err = ""
        if proc is not None and proc.stderr is not None:
            try:
                err = proc.stderr.read().decode("utf-8", "replace")
            except (OSError, ValueError):
                pass
        raise BackendFailed(f"{self.name}: {one_line(err) or 'audio player failed'}")


class PacedNullSink(AudioSink):
    """Discards audio at real-time speed, as a sound card would consume it.

    Stands in for a sound card on machines without one (benchmarks, tests), so an
    utterance takes as long as it would when heard and cancelling mid-utterance is real.
    """

    name = "null"

    def __init__(self) -> None:
        self._abort = threading.Event()
        self._head = b""
        self._bytes_per_s = 0.0
        self._played = 0
        self._t0 = 0.0

    def begin(self) -> None:
        self._abort.clear()
        self._head = b""
        self._bytes_per_s = 0.0
        self._played = 0
        self._t0 = 0.0

    def write(self, chunk: bytes) -> None:
        if self._bytes_per_s == 0.0:
            self._head += chunk
            if len(self._head) < 44:
                return
            rate, channels, width = parse_wav_stream_header(self._head)
            self._bytes_per_s = float(rate * channels * width)
            self._t0 = time.monotonic()
            chunk = self._head[44:]
        self._played += len(chunk)
        self._wait_until(self._t0 + self._played / self._bytes_per_s - 0.2)  # ~200 ms device buffer

    def finish(self) -> bool:
        if self._bytes_per_s:
            self._wait_until(self._t0 + self._played / self._bytes_per_s)
        return not self._abort.is_set()

    def abort(self) -> None:
        self._abort.set()

    def _wait_until(self, deadline: float) -> None:
        delay = deadline - time.monotonic()
        if delay > 0:
            self._abort.wait(delay)


class WavDirSink(PacedNullSink):
    """Like :class:`PacedNullSink`, and also keeps each utterance as ``NNN.wav`` in a folder,
    so a session on a machine without a sound card can be listened to afterwards."""

    name = "wav"

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self._audio = bytearray()
        self._format: Optional[Tuple[int, int, int]] = None

    def begin(self) -> None:
        super().begin()
        self._audio = bytearray()
        self._format = None

    def write(self, chunk: bytes) -> None:
        if self._format is None:
            head = self._head + chunk
            if len(head) >= 44:
                self._format = parse_wav_stream_header(head)
                self._audio += head[44:]
        else:
            self._audio += chunk
        super().write(chunk)

    def finish(self) -> bool:
        done = super().finish()
        if self._format is not None:
            self.count += 1
            rate, channels, width = self._format
            with wave.open(str(self.folder / f"{self.count:03d}.wav"), "wb") as w:
                w.setnchannels(channels)
                w.setsampwidth(width)
                w.setframerate(rate)
                w.writeframes(bytes(self._audio))
        return done


def find_audio_player(timeout_s: float = 5.0) -> Tuple[Optional[List[str]], str]:
    """A player command that really opens a sound device here, or ``(None, why not)``.

    Plays 50 ms of silence through each candidate; ALSA with no card fails at once.
    """
    candidates = [["aplay", "-q", "-"], ["paplay"]] if sys.platform.startswith("linux") else []
    reasons = []
    for argv in candidates:
        exe = shutil.which(argv[0])
        if exe is None:
            reasons.append(f"{argv[0]} not installed")
            continue
        try:
            proc = subprocess.run([exe] + argv[1:], input=silent_wav_bytes(), capture_output=True,
                                  timeout=timeout_s)
        except subprocess.TimeoutExpired:
            reasons.append(f"{argv[0]} did not finish in {timeout_s:g} s")
            continue
        except OSError as exc:
            reasons.append(f"{argv[0]}: {exc.strerror or exc}")
            continue
        if proc.returncode == 0:
            return [exe] + argv[1:], f"{argv[0]} plays"
        reasons.append(one_line(proc.stderr.decode("utf-8", "replace")) or f"{argv[0]} failed")
    if not candidates:
        return None, "no audio player for this platform"
    return None, "no audio output (" + "; ".join(reasons) + ")"


class NoSoundOutput(BackendUnavailable):
    """No audio player can open a sound device. The message says what is wrong in the user's
    words; ``detail`` keeps the players' own (for logs), ``fix`` what to do."""

    def __init__(self, message: str, fix: str = "", detail: str = "") -> None:
        super().__init__(message, fix)
        self.detail = detail


# Substrings of ALSA (aplay) and PulseAudio (paplay) errors, lower case.
_BUSY = ("device or resource busy",)
_NO_DEVICE = ("audio open error", "no soundcards", "unknown pcm", "cannot find card", "no such device",
              "cannot open device")
_NO_SERVER = ("connection refused", "connection failure", "pa_context_connect")
_DEVICE_FIX = "connect speakers or headphones (`aplay -l` lists the sound devices)"


def no_sound_output(why: str) -> NoSoundOutput:
    """:class:`NoSoundOutput` for :func:`find_audio_player`'s ``why``: one line saying what is
    wrong and what to do, instead of the players' raw messages (kept as ``detail``)."""
    low = why.lower()
    inner = why[why.find("(") + 1:why.rfind(")")] if why.startswith("no audio output (") else why
    parts = [p.strip() for p in inner.split(";") if p.strip()]
    player = next((name for name in ("aplay", "paplay") if name in low), "the audio player")
    if any(key in low for key in _BUSY):
        what, fix = "the sound device is busy", "close the program that is using it, or pick another output"
    elif any(key in low for key in _NO_DEVICE):
        what, fix = f"no sound device ({player} cannot open one)", _DEVICE_FIX
    elif any(key in low for key in _NO_SERVER):
        what, fix = "the sound server is not running", "start PulseAudio or PipeWire (log in to a desktop session)"
    elif "did not finish" in low:
        what, fix = f"the sound device does not respond ({player} hangs)", _DEVICE_FIX
    elif parts and all(p.endswith("not installed") for p in parts):
        what, fix = "no audio player (aplay is not installed)", "sudo apt install alsa-utils"
    elif "for this platform" in low:
        what, fix = "no audio player on this platform", ""
    else:
        what, fix = f"no sound output ({one_line(parts[0] if parts else why, 100)})", _DEVICE_FIX
    return NoSoundOutput(what, fix=fix, detail=why)


def make_sink(kind: str, probe_timeout_s: float = 5.0) -> AudioSink:
    """``"device"``: the first working player (else :class:`NoSoundOutput`); ``"null"``;
    ``"wav:FOLDER"``: each utterance kept as a wav file in FOLDER."""
    if kind == "null":
        return PacedNullSink()
    if kind.startswith("wav:"):
        return WavDirSink(Path(kind[4:]))
    if kind != "device":
        raise ValueError(f"unknown audio sink {kind!r}")
    argv, why = find_audio_player(probe_timeout_s)
    if argv is None:
        raise no_sound_output(why)
    return PlayerSink(argv)


SinkSpec = Union[AudioSink, Callable[[], AudioSink], None]


def resolve_sink(sink: SinkSpec, probe_timeout_s: float = 5.0) -> AudioSink:
    """A sink, a function that makes one (called now), or None: the sound device (probed).

    Backends take a sink maker so that they check their engine before the sound device: a
    missing engine is then reported as such, not as a missing sound device.
    """
    if sink is None:
        return make_sink("device", probe_timeout_s)
    if isinstance(sink, AudioSink):
        return sink
    return sink()


def pump(source: IO[bytes], sink: AudioSink, on_start: OnStart, cancelled: threading.Event) -> bool:
    """Copies a wav byte stream into ``sink``; calls ``on_start`` with the first audio."""
    started = False
    got = 0
    while not cancelled.is_set():
        chunk = source.read1(65536) if hasattr(source, "read1") else source.read(65536)
        if not chunk:
            break
        got += len(chunk)
        if not started and got > 44:  # past the wav header: real samples reach the sink now
            started = True
            if on_start is not None:
                on_start()
        sink.write(chunk)
    if cancelled.is_set():
        return False
    return sink.finish()
