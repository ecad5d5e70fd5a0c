"""pyttsx3, always in a **child process**, never in the app's process (parent side).

pyttsx3's engine cannot be cut short (``engine.stop()`` does not stop the espeak driver's
blocking ``aplay``), it prints to stdout (which may carry ``--events -``), and on macOS and
Windows it is known to hang. On Linux the child is persistent and only *renders* each cue to a
wav file (pyttsx3's ``save_to_file``, a few ms for a short cue); the wav is then played through
the same killable sink as espeak-ng. Elsewhere (``mode="speak"``) a fresh child speaks each
utterance and is killed to cancel it (the known workaround for pyttsx3's hangs). Either way
cancelling or shutting down never waits for pyttsx3. The child runs
:func:`livecoach.speech.backends.pyttsx3_child.pyttsx3_child_main`.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Dict, List, Optional

import livecoach
from livecoach.speech.backends.base import BackendFailed, BackendUnavailable, OnStart, VoiceInfo
from livecoach.speech.backends.process import kill_tree, spawn
from livecoach.speech.backends.sinks import SinkSpec, pump, resolve_sink

# The child is started with `python -c`: it imports the child module from the folder that
# holds this `livecoach` package (so it works without an install, and with one).
_PACKAGE_PARENT = str(Path(livecoach.__file__).resolve().parents[1])
_CHILD_CODE = ("import sys; sys.path.insert(0, {root!r}); "
               "from livecoach.speech.backends.pyttsx3_child import pyttsx3_child_main; pyttsx3_child_main()")


class _Pyttsx3Child:
    """A pyttsx3 child process and its request/reply pipe.

    Making one only starts the process (fast); :meth:`handshake` waits until pyttsx3 is ready.
    The two are apart so that the backend can publish a starting child before it waits on it,
    and ``cancel()`` can kill it at once instead of waiting for pyttsx3 to load.
    """

    def __init__(self, warm_up: bool = False) -> None:
        argv = [sys.executable, "-c", _CHILD_CODE.format(root=_PACKAGE_PARENT)] + (["--warm-up"] if warm_up else [])
        try:
            self.proc = spawn(argv,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise BackendUnavailable(f"cannot start a Python child for pyttsx3: {exc.strerror or exc}") from None
        self.driver = "?"

    @classmethod
    def start(cls, timeout_s: float, warm_up: bool = False) -> "_Pyttsx3Child":
        """A child that is ready (:class:`BackendUnavailable` with one line if it is not);
        ``warm_up``: it renders a word first (for a child that will render, see the child)."""
        return cls(warm_up).handshake(timeout_s)

    def handshake(self, timeout_s: float) -> "_Pyttsx3Child":
        """Wait for the child's hello; on failure kill it and raise :class:`BackendUnavailable`."""
        hello = self.read_reply(timeout_s)
        if hello is None:
            self.kill()
            raise BackendUnavailable(f"pyttsx3 did not start within {timeout_s:g} s")
        if not hello.get("ok"):
            self.kill()
            raise BackendUnavailable(f"pyttsx3 does not initialise: {hello.get('error', '?')}", fix=_init_fix())
        self.driver = str(hello.get("driver", "?"))
        return self

    def request(self, timeout_s: Optional[float], **req) -> Optional[dict]:
        try:
            self.proc.stdin.write((json.dumps(req) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return None
        return self.read_reply(timeout_s)

    def read_reply(self, timeout_s: Optional[float]) -> Optional[dict]:
        box: List[bytes] = []

        def read() -> None:
            try:
                box.append(self.proc.stdout.readline())
            except (OSError, ValueError):  # the pipe was closed by kill() meanwhile
                pass

        reader = threading.Thread(target=read, daemon=True)
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
        kill_tree(self.proc)
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass


def _pyttsx3_missing() -> BackendUnavailable:
    return BackendUnavailable("pyttsx3 is not installed", fix="reinstall LiveCoach (pyttsx3 is one of its dependencies)")


def _init_fix() -> str:
    if sys.platform.startswith("linux"):
        return "sudo apt install libespeak-ng1"
    if sys.platform.startswith("win"):
        return "install a text-to-speech voice (Settings > Time & language > Speech)"
    return ""


def pyttsx3_installed() -> bool:
    """Whether pyttsx3 can be imported (checked without importing it here)."""
    return importlib.util.find_spec("pyttsx3") is not None


class Pyttsx3Backend:
    """pyttsx3 in a child process (see the module doc for why).

    ``mode="render"`` (Linux): a persistent child renders each cue to a wav file that is
    played through ``sink``; ``mode="speak"`` (Windows, others): a child per utterance lets
    pyttsx3 play by itself and is killed to cancel.
    """

    name = "pyttsx3"

    def __init__(self, rate_wpm: int, voice: str = "", volume: float = 1.0, mode: str = "render",
                 sink: SinkSpec = None, probe_timeout_s: float = 5.0) -> None:
        if not pyttsx3_installed():
            raise _pyttsx3_missing()
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
        self._busy = False  # a child is starting or rendering: cancel() kills it
        child = _Pyttsx3Child.start(probe_timeout_s, warm_up=mode == "render")  # BackendUnavailable: why
        try:
            self._props["voice"] = self._resolve_voice(child, voice) if voice else ""
            reply = child.request(probe_timeout_s, op="setup", **self._props)
            if not reply or not reply.get("ok"):
                raise BackendUnavailable(f"pyttsx3 rejects the settings: {(reply or {}).get('error', 'no reply')}")
            self.driver = child.driver
            self.sink = None
            if mode == "render":
                self.sink = resolve_sink(sink, probe_timeout_s)  # after the engine: say what is missing first
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
        raise BackendUnavailable(f"pyttsx3 has no voice {voice!r}", fix="pick a voice id from `livecoach voices`")

    def speak(self, text: str, on_start: OnStart = None) -> bool:
        self._cancelled.clear()
        return self._speak_rendered(text, on_start) if self.mode == "render" else \
            self._speak_in_child(text, on_start)

    def _speak_rendered(self, text: str, on_start: OnStart) -> bool:
        self._n += 1
        if self._tmpdir is None:
            self._tmpdir = tempfile.mkdtemp(prefix="livecoach-tts-")
        path = os.path.join(self._tmpdir, f"cue{self._n % 4}.wav")
        try:
            with self._lock:
                child = self._child
                fresh = child is None or not child.alive()
                if fresh:  # the child died (or was killed by a cancel): start a new one
                    if self._cancelled.is_set():
                        return False
                    child = self._child = _Pyttsx3Child(warm_up=True)
                self._busy = True
            if fresh:
                child.handshake(self._timeout)
            reply = child.request(self._timeout, op="render", text=text, path=path, **self._props)
        except BackendUnavailable as exc:
            if self._cancelled.is_set():
                return False
            raise BackendFailed(str(exc)) from None
        finally:
            self._busy = False
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
                return pump(fh, self.sink, on_start, self._cancelled)
        finally:
            try:
                os.remove(path)
            except OSError:
                pass

    def _speak_in_child(self, text: str, on_start: OnStart) -> bool:
        try:
            child = _Pyttsx3Child()
        except BackendUnavailable as exc:
            raise BackendFailed(str(exc)) from None
        with self._lock:
            self._child = child
        try:
            if self._cancelled.is_set():
                return False
            try:
                child.handshake(self._timeout)
            except BackendUnavailable as exc:
                if self._cancelled.is_set():
                    return False
                raise BackendFailed(str(exc)) from None
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
            busy = self._busy
        # A render takes a few ms, a child's start a few hundred; if one is running, do not
        # wait for it: kill the child (the next utterance starts a new one).
        if child is not None and (self.mode == "speak" or busy):
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
        child = self._child or _Pyttsx3Child.start(self._timeout)
        try:
            reply = child.request(self._timeout, op="voices") or {}
        finally:
            if child is not self._child:
                child.kill()
        return [VoiceInfo(v["id"], v["name"], v.get("languages", ""), v.get("gender", ""))
                for v in reply.get("voices", [])]


def render_wav_pyttsx3(text: str, path: Path, rate_wpm: int, voice: str = "", volume: float = 1.0,
                       timeout_s: float = 10.0) -> None:
    """pyttsx3's ``save_to_file`` in a child process (its state never leaks into the app)."""
    if not pyttsx3_installed():
        raise _pyttsx3_missing()
    child = _Pyttsx3Child.start(timeout_s, warm_up=True)
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
