"""Speech backends behind one contract; the only module that imports ``pyttsx3``.

Contract (:class:`SpeechBackend`)::

    name: str
    speak(text, on_start=None) -> bool   # blocks until said (True) or cancelled (False)
    cancel()                              # any thread: cut the current utterance short
    close()                               # release processes; the backend is not used again

``speak`` calls ``on_start()`` the moment the first audio reaches the sound output (for the
latency benchmark) and raises :class:`BackendFailed` when the backend breaks mid-session;
constructors raise :class:`BackendUnavailable` with a one-line reason.

Backends
--------
* :class:`EspeakNgBackend` — an ``espeak-ng --stdout`` subprocess whose audio this module
  pumps into an audio sink; killable at any moment.
* :class:`Pyttsx3Backend` — pyttsx3 in a **child process**, never in the app's process:
  pyttsx3's engine cannot be cut short (``engine.stop()`` does not stop the espeak driver's
  blocking ``aplay``), it prints to stdout (which may carry ``--events -``), and on macOS and
  Windows it is known to hang. On Linux the child is persistent and only *renders* each cue
  to a wav file (pyttsx3's ``save_to_file``, a few ms for a short cue); the wav is then
  played through the same killable sink as espeak-ng. Elsewhere (``mode="speak"``) a fresh
  child speaks each utterance and is killed to cancel it (the known workaround for pyttsx3's
  hangs). Either way cancelling or shutting down never waits for pyttsx3.
* :class:`CommandBackend` — a process per utterance that plays by itself: macOS ``say``.
* :class:`TextBackend` — no sound; the cue is only shown (optionally echoed to a stream).

Audio sinks (where espeak-ng / pyttsx3 audio goes): :class:`PlayerSink` streams into a
player process (``aplay``/``paplay``, found and checked by :func:`find_audio_player`, which
plays a few ms of silence, so "no sound card" is detected up front rather than failing
silently), :class:`PacedNullSink` swallows the audio at real-time speed (benchmarks and
tests on machines without a sound card) and :class:`WavDirSink` also keeps every utterance
as a wav file (to listen to a session that ran without a sound card).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Dict, List, Optional, Sequence, Tuple

from livecoach.errors import LiveCoachError

try:  # Protocol is typing-only here; keep Python 3.9 happy either way
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore

OnStart = Optional[Callable[[], None]]


class BackendUnavailable(LiveCoachError, RuntimeError):
    """A backend cannot be used on this machine; the message is one line saying why."""


class BackendFailed(LiveCoachError, RuntimeError):
    """A backend broke while speaking; the worker falls back to the next one."""


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


def _one_line(text: str, limit: int = 160) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    # ALSA prints several lines of config noise; the last line is the one that explains.
    line = lines[-1] if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _kill(proc: Optional[subprocess.Popen]) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)  # the process and anything it started (aplay)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass


def _popen(argv: Sequence[str], **kwargs) -> subprocess.Popen:
    """Popen in its own process group, so a kill also ends what the process started."""
    if os.name == "posix":
        kwargs.setdefault("start_new_session", True)
    else:  # pragma: no cover - Windows
        kwargs.setdefault("creationflags", getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
    return subprocess.Popen(list(argv), **kwargs)


# --------------------------------------------------------------------------------------
# wav helpers
# --------------------------------------------------------------------------------------
def silent_wav_bytes(seconds: float = 0.05, rate: int = 22050) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(rate * seconds))
    return buf.getvalue()


def parse_wav_stream_header(head: bytes) -> Tuple[int, int, int]:
    """(sample rate, channels, bytes per sample) from the start of a wav stream.

    espeak-ng's ``--stdout`` header carries placeholder sizes, so :mod:`wave` cannot read
    the stream; the format chunk is all we need to pace it.
    """
    if len(head) < 36 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise BackendFailed("audio stream is not a wav stream")
    channels, rate = struct.unpack("<HI", head[22:28])
    bits = struct.unpack("<H", head[34:36])[0]
    return int(rate), max(1, int(channels)), max(1, int(bits) // 8)


def wav_duration_s(path: Path) -> float:
    """Length of a wav file from its header (frames / rate)."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


# --------------------------------------------------------------------------------------
# audio sinks
# --------------------------------------------------------------------------------------
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
                self._proc = _popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
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
            _kill(self._proc)

    def _fail(self) -> None:
        proc = self._proc
        _kill(proc)
        err = ""
        if proc is not None and proc.stderr is not None:
            try:
                err = proc.stderr.read().decode("utf-8", "replace")
            except (OSError, ValueError):
                pass
        raise BackendFailed(f"{self.name}: {_one_line(err) or 'audio player failed'}")


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
        reasons.append(_one_line(proc.stderr.decode("utf-8", "replace")) or f"{argv[0]} failed")
    if not candidates:
        return None, "no audio player for this platform"
    return None, "no audio output (" + "; ".join(reasons) + ")"


def make_sink(kind: str, probe_timeout_s: float = 5.0) -> AudioSink:
    """``"device"``: the first working player (else :class:`BackendUnavailable`); ``"null"``;
    ``"wav:FOLDER"``: each utterance kept as a wav file in FOLDER."""
    if kind == "null":
        return PacedNullSink()
    if kind.startswith("wav:"):
        return WavDirSink(Path(kind[4:]))
    if kind != "device":
        raise ValueError(f"unknown audio sink {kind!r}")
    argv, why = find_audio_player(probe_timeout_s)
    if argv is None:
        raise BackendUnavailable(why)
    return PlayerSink(argv)


def _pump(source: IO[bytes], sink: AudioSink, on_start: OnStart, cancelled: threading.Event) -> bool:
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


# --------------------------------------------------------------------------------------
# backends
# --------------------------------------------------------------------------------------
class TextBackend:
    """No sound: the cue is shown on the overlay and logged; optionally echoed to ``stream``."""

    name = "text"

    def __init__(self, stream: Optional[IO[str]] = None) -> None:
        self._stream = stream

    def speak(self, text: str, on_start: OnStart = None) -> bool:
        if on_start is not None:
            on_start()
        if self._stream is not None:
            self._stream.write(f"(speech) {text}\n")
            self._stream.flush()
        return True

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass


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
                 sink: Optional[AudioSink] = None, probe_timeout_s: float = 5.0) -> None:
        exe = find_espeak()
        if exe is None:
            raise BackendUnavailable("espeak-ng is not installed (apt install espeak-ng)")
        self._exe = exe
        self._rate, self._voice, self._volume = rate_wpm, voice, volume
        if voice:
            check = subprocess.run(espeak_argv(exe, "", rate_wpm, voice, volume, out=os.devnull),
                                   capture_output=True, timeout=probe_timeout_s)
            err = check.stderr.decode("utf-8", "replace")
            if check.returncode != 0 or "voice" in err.lower():
                raise BackendUnavailable(f"espeak-ng has no voice {voice!r} (see `livecoach voices`)")
        self.sink = sink if sink is not None else make_sink("device", probe_timeout_s)
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
            return _popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE)
        except OSError as exc:
            raise BackendFailed(f"cannot run espeak-ng: {exc.strerror or exc}") from None

    def speak(self, text: str, on_start: OnStart = None) -> bool:
        self._cancelled.clear()
        with self._lock:
            proc, self._spare = self._spare, None
            if proc is None or proc.poll() is not None:
                _reap(proc)
                proc = self._spawn()
            self._proc = proc
            if self._cancelled.is_set():  # cancelled while starting: do not say it at all
                _kill(proc)
        try:
            try:
                proc.stdin.write(text.replace("\n", " ").encode("utf-8") + b"\n")
                proc.stdin.close()
            except (BrokenPipeError, OSError, ValueError):
                if not self._cancelled.is_set():
                    raise BackendFailed("espeak-ng stopped before it got the text") from None
            self.sink.begin()
            done = _pump(proc.stdout, self.sink, on_start, self._cancelled)
        except BackendFailed:
            _kill(proc)
            _reap(proc)
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
            raise BackendFailed(f"espeak-ng exited with {rc}: {_one_line(err)}")
        return done

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            _kill(self._proc)
        self.sink.abort()

    def close(self) -> None:
        self.cancel()
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
        _kill(spare)
        _reap(spare)


def _reap(proc: Optional[subprocess.Popen]) -> None:
    """Close a finished (or killed) process's pipes and collect it."""
    if proc is None:
        return
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=1.0)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


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
                self._proc = _popen(self._argv_for(text), stdin=subprocess.DEVNULL,
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
                                f"{_one_line(err.decode('utf-8', 'replace'))}")
        return True

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            _kill(self._proc)

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


# -- pyttsx3, always in a child process --------------------------------------------------
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_CHILD_CODE = ("import sys; sys.path.insert(0, {root!r}); "
               "from livecoach.speech.backends import pyttsx3_child_main; pyttsx3_child_main()")


def pyttsx3_child_main() -> None:  # pragma: no cover - runs in the child process
    """The pyttsx3 child: JSON requests on stdin, one JSON reply per request on stdout.

    pyttsx3's own prints (``Audio saved to ...``) are sent to /dev/null so they never mix
    with the replies.
    """
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    def reply(**obj) -> None:
        replies.write(json.dumps(obj) + "\n")
        replies.flush()

    try:
        import pyttsx3

        engine = pyttsx3.init()
    except Exception as exc:  # noqa: BLE001 - report any init failure as one line
        reply(ok=False, error=f"{type(exc).__name__}: {_one_line(str(exc)) or 'init failed'}")
        return
    driver = type(getattr(engine.proxy, "_driver", engine)).__module__.rsplit(".", 1)[-1]
    reply(ok=True, driver=driver)
    for line in sys.stdin:
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "voices":
                voices = [{"id": str(v.id), "name": str(v.name),
                           "languages": ",".join(str(x) for x in (v.languages or [])),
                           "gender": str(v.gender or "")} for v in engine.getProperty("voices")]
                reply(ok=True, voices=voices)
                continue
            if "rate" in req:
                engine.setProperty("rate", int(req["rate"]))
            if "volume" in req:
                engine.setProperty("volume", float(req["volume"]))
            if req.get("voice"):
                engine.setProperty("voice", req["voice"])
            if op == "setup":
                reply(ok=True)
            elif op == "render":
                # pyttsx3's espeak driver now and then writes a wav with a header and no
                # samples (audio that arrives in the same callback as the end-of-message
                # event is dropped); one more render gets the audio.
                for _attempt in range(2):
                    engine.save_to_file(req["text"], req["path"])
                    engine.runAndWait()
                    ok = os.path.exists(req["path"]) and os.path.getsize(req["path"]) > 44
                    if ok:
                        break
                reply(ok=ok, error="" if ok else "pyttsx3 wrote no audio")
            elif op == "speak":
                engine.say(req["text"])
                engine.runAndWait()
                reply(ok=True)
            else:
                reply(ok=False, error=f"unknown op {op!r}")
        except Exception as exc:  # noqa: BLE001
            reply(ok=False, error=f"{type(exc).__name__}: {_one_line(str(exc))}")


class _Pyttsx3Child:
    """A pyttsx3 child process and its request/reply pipe."""

    def __init__(self, timeout_s: float) -> None:
        try:
            self.proc = _popen([sys.executable, "-c", _CHILD_CODE.format(root=_PACKAGE_PARENT)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise BackendUnavailable(f"cannot start a Python child for pyttsx3: {exc.strerror or exc}") from None
        hello = self.read_reply(timeout_s)
        if hello is None:
            self.kill()
            raise BackendUnavailable(f"pyttsx3 did not start within {timeout_s:g} s")
        if not hello.get("ok"):
            self.kill()
            raise BackendUnavailable(f"pyttsx3 does not initialise: {hello.get('error', '?')}")
        self.driver = str(hello.get("driver", "?"))

    def request(self, timeout_s: Optional[float], **req) -> Optional[dict]:
        try:
            self.proc.stdin.write((json.dumps(req) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return None
        return self.read_reply(timeout_s)

    def read_reply(self, timeout_s: Optional[float]) -> Optional[dict]:
        box: List[bytes] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout_s)
        if not box or not box[0]:
            return None
        try:
            return json.loads(box[0].decode("utf-8"))
        except ValueError:
            return None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        _kill(self.proc)
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass


def pyttsx3_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyttsx3") is not None


class Pyttsx3Backend:
    """pyttsx3 in a child process (see the module doc for why).

    ``mode="render"`` (Linux): a persistent child renders each cue to a wav file that is
    played through ``sink``; ``mode="speak"`` (Windows, others): a child per utterance lets
    pyttsx3 play by itself and is killed to cancel.
    """

    name = "pyttsx3"

    def __init__(self, rate_wpm: int, voice: str = "", volume: float = 1.0, mode: str = "render",
                 sink: Optional[AudioSink] = None, probe_timeout_s: float = 5.0) -> None:
        if not pyttsx3_installed():
            raise BackendUnavailable("pyttsx3 is not installed")
        if mode not in ("render", "speak"):
            raise ValueError(f"unknown pyttsx3 mode {mode!r}")
        self.mode = mode
        self._timeout = probe_timeout_s
        self._props = {"rate": int(rate_wpm), "volume": float(volume)}
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._child: Optional[_Pyttsx3Child] = None
        self._tmpdir: Optional[str] = None  # made on first use, removed by close()
        self._n = 0
        self._rendering = False
        child = _Pyttsx3Child(probe_timeout_s)  # raises BackendUnavailable: one line why
        try:
            self._props["voice"] = self._resolve_voice(child, voice) if voice else ""
            reply = child.request(probe_timeout_s, op="setup", **self._props)
            if not reply or not reply.get("ok"):
                raise BackendUnavailable(f"pyttsx3 rejects the settings: {(reply or {}).get('error', 'no reply')}")
            self.driver = child.driver
            self.sink = None
            if mode == "render":
                self.sink = sink if sink is not None else make_sink("device", probe_timeout_s)
                self.detail = f"{self.driver} driver in a child process, played by {self.sink.name}"
            else:
                self.detail = f"{self.driver} driver, a child process per cue"
        except BaseException:
            child.kill()
            raise
        if mode == "render":
            self._child = child
        else:
            child.kill()  # one child per utterance from now on

    @staticmethod
    def _resolve_voice(child: _Pyttsx3Child, voice: str) -> str:
        reply = child.request(5.0, op="voices") or {}
        want = voice.lower()
        for v in reply.get("voices", []):
            if want in (v["id"].lower(), v["name"].lower()):
                return v["id"]
        for v in reply.get("voices", []):  # a language code such as "en-us"
            if want in v["languages"].lower().split(","):
                return v["id"]
        raise BackendUnavailable(f"pyttsx3 has no voice {voice!r} (see `livecoach voices`)")

    def speak(self, text: str, on_start: OnStart = None) -> bool:
        self._cancelled.clear()
        return self._speak_rendered(text, on_start) if self.mode == "render" else \
            self._speak_in_child(text, on_start)

    def _speak_rendered(self, text: str, on_start: OnStart) -> bool:
        with self._lock:
            if self._child is None or not self._child.alive():
                if self._cancelled.is_set():
                    return False
                try:
                    self._child = _Pyttsx3Child(self._timeout)
                except BackendUnavailable as exc:
                    raise BackendFailed(str(exc)) from None
            child = self._child
        self._n += 1
        if self._tmpdir is None:
            self._tmpdir = tempfile.mkdtemp(prefix="livecoach-tts-")
        path = os.path.join(self._tmpdir, f"cue{self._n % 4}.wav")
        self._rendering = True
        try:
            reply = child.request(self._timeout, op="render", text=text, path=path, **self._props)
        finally:
            self._rendering = False
        if self._cancelled.is_set():
            return False
        if reply is None:
            child.kill()
            raise BackendFailed("pyttsx3 child stopped answering")
        if not reply.get("ok"):
            raise BackendFailed(f"pyttsx3: {reply.get('error', 'render failed')}")
        try:
            self.sink.begin()
            with open(path, "rb") as fh:
                return _pump(fh, self.sink, on_start, self._cancelled)
        finally:
            try:
                os.remove(path)
            except OSError:
                pass

    def _speak_in_child(self, text: str, on_start: OnStart) -> bool:
        try:
            child = _Pyttsx3Child(self._timeout)
        except BackendUnavailable as exc:
            raise BackendFailed(str(exc)) from None
        with self._lock:
            self._child = child
        try:
            if self._cancelled.is_set():
                return False
            if on_start is not None:
                on_start()
            reply = child.request(None, op="speak", text=text, **self._props)
            if self._cancelled.is_set():
                return False
            if reply is None or not reply.get("ok"):
                raise BackendFailed(f"pyttsx3: {(reply or {}).get('error', 'child stopped answering')}")
            return True
        finally:
            with self._lock:
                self._child = None
            child.kill()

    def cancel(self) -> None:
        self._cancelled.set()
        if self.sink is not None:
            self.sink.abort()
        with self._lock:
            child = self._child
        # A render takes a few ms; if one is running, do not wait for it: kill the child
        # (the next utterance starts a new one).
        if child is not None and (self.mode == "speak" or self._rendering):
            child.kill()

    def close(self) -> None:
        self.cancel()
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            child.kill()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def voices(self) -> List[VoiceInfo]:
        child = self._child or _Pyttsx3Child(self._timeout)
        try:
            reply = child.request(self._timeout, op="voices") or {}
        finally:
            if child is not self._child:
                child.kill()
        return [VoiceInfo(v["id"], v["name"], v.get("languages", ""), v.get("gender", ""))
                for v in reply.get("voices", [])]


# --------------------------------------------------------------------------------------
# rendering to wav and listing voices (no sound card needed)
# --------------------------------------------------------------------------------------
def render_wav_espeak(text: str, path: Path, rate_wpm: int, voice: str = "", volume: float = 1.0,
                      timeout_s: float = 10.0) -> None:
    exe = find_espeak()
    if exe is None:
        raise BackendUnavailable("espeak-ng is not installed (apt install espeak-ng)")
    try:
        proc = subprocess.run(espeak_argv(exe, text, rate_wpm, voice, volume, out=str(path)),
                              capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise BackendFailed(f"espeak-ng did not finish within {timeout_s:g} s") from None
    if proc.returncode != 0 or not Path(path).is_file():
        raise BackendFailed(f"espeak-ng could not write {path}: "
                            f"{_one_line(proc.stderr.decode('utf-8', 'replace')) or proc.returncode}")


def render_wav_pyttsx3(text: str, path: Path, rate_wpm: int, voice: str = "", volume: float = 1.0,
                       timeout_s: float = 10.0) -> None:
    """pyttsx3's ``save_to_file`` in a child process (its state never leaks into the app)."""
    if not pyttsx3_installed():
        raise BackendUnavailable("pyttsx3 is not installed")
    child = _Pyttsx3Child(timeout_s)
    try:
        props: Dict[str, object] = {"rate": int(rate_wpm), "volume": float(volume)}
        if voice:
            props["voice"] = Pyttsx3Backend._resolve_voice(child, voice)
        reply = child.request(timeout_s, op="render", text=text, path=str(Path(path).resolve()), **props)
    finally:
        child.kill()
    if reply is None:
        raise BackendFailed(f"pyttsx3 did not finish within {timeout_s:g} s")
    if not reply.get("ok"):
        raise BackendFailed(f"pyttsx3 could not write {path}: {reply.get('error', '?')}")


def espeak_voices(timeout_s: float = 10.0) -> List[VoiceInfo]:
    exe = find_espeak()
    if exe is None:
        raise BackendUnavailable("espeak-ng is not installed (apt install espeak-ng)")
    proc = subprocess.run([exe, "--voices"], capture_output=True, timeout=timeout_s)
    voices = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:  # Pty Language Age/Gender VoiceName File [Other Languages]
            gender = parts[2].split("/")[-1]
            voices.append(VoiceInfo(id=parts[1], name=parts[3], languages=parts[1], gender=gender))
    return voices


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
