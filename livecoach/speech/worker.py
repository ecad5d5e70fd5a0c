"""The speech thread: speaks cues without ever delaying a frame.

:class:`SpeechWorker` owns its backend — created, used and closed on the worker thread —
and is fed by :meth:`SpeechWorker.say`, which only swaps a one-cue slot under a lock (a
few microseconds, never blocks). The slot holds the cue to say next:

* a newer cue with the same or higher priority **supersedes** the queued one; a lower one
  yields (so a queued count never delays a correction, and never talks over one);
* a cue is **dropped as stale** when it has waited longer than ``speech.stale_after_s`` —
  measured on the source clock (the cue's ``t_s`` against ``clock()``) and on the monotonic
  clock since it was queued — so the person never hears about a rep they did long ago;
* an utterance that has started is never interrupted by another cue.

:meth:`SpeechWorker.stop` cancels the current utterance and joins within its timeout: the
espeak-ng process is killed, a pyttsx3 render is abandoned (pyttsx3 lives in a child
process, see :mod:`livecoach.speech.backends`), and the thread is a daemon, so even a wedged
backend cannot keep the app from exiting.

A backend that cannot start or that fails mid-session is replaced by the next one in the
chain (text-only last) with one line saying so; the session never crashes for speech.
Every notice is kept in :attr:`SpeechWorker.notices`; an unexpected error of the worker
itself is stored in :attr:`SpeechWorker.error` and re-raised by :meth:`SpeechWorker.check`
on the caller's thread.

Backend choice for ``speech.backend = "auto"``:

* Linux: pyttsx3 if it initialises (needs ``libespeak-ng1``) and a sound device plays,
  else the ``espeak-ng`` program, else text only;
* macOS: a ``say`` process per utterance (pyttsx3's NSSpeech driver hangs);
* Windows: pyttsx3 in a process per utterance (its SAPI5 loop hangs when reused).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from livecoach.config.schema import ConfigError, SpeechConfig
from livecoach.speech.backends import (BackendFailed, BackendUnavailable, EspeakNgBackend, Pyttsx3Backend,
                              SpeechBackend, TextBackend, VoiceInfo, espeak_voices, macos_say_backend,
                              render_wav_espeak, render_wav_pyttsx3, say_voices, wav_duration_s)
from livecoach.types import Cue, CueKind

__all__ = ["SpeechWorker", "WorkerState", "SpokenCue", "SpeechStats", "BackendChoice", "backend_chain",
           "speech_config_with", "render_wav", "list_voices", "register", "start_speaker", "probe_speech"]

BackendFactory = Callable[[], SpeechBackend]


@dataclass(frozen=True)
class BackendChoice:
    """A backend to try: its name and how to make it (raises ``BackendUnavailable``)."""

    name: str
    make: BackendFactory


class WorkerState(str, Enum):
    CREATED = "created"
    STARTING = "starting"  # choosing and opening a backend
    IDLE = "idle"
    SPEAKING = "speaking"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"  # the worker itself broke; see SpeechWorker.error


@dataclass(frozen=True)
class SpokenCue:
    """What became of one cue handed to the backend (monotonic times, for benchmarks)."""

    cue: Cue
    backend: str
    queued_monotonic_s: float
    started_monotonic_s: Optional[float]  # first audio reached the output; None if it never did
    finished_monotonic_s: float
    completed: bool  # False: cancelled (stop, mute) or the backend failed


@dataclass(frozen=True)
class SpeechStats:
    received: int
    spoken: int
    superseded: int  # replaced in the slot by a newer cue of equal or higher priority
    yielded: int  # a lower-priority cue refused because a more important one was waiting
    stale: int
    muted: int
    failed: int
    backend: str


def _platform_chain(platform: str) -> Tuple[str, ...]:
    if platform.startswith("linux"):
        return ("pyttsx3", "espeak-ng", "text")
    if platform == "darwin":
        return ("say", "text")
    if platform.startswith("win"):
        return ("pyttsx3", "text")
    return ("pyttsx3", "espeak-ng", "text")


def _factory(name: str, config: SpeechConfig, platform: str, sink_for: Callable[[], object]) -> BackendFactory:
    if name == "pyttsx3":
        mode = "render" if platform.startswith("linux") else "speak"
        return lambda: Pyttsx3Backend(config.rate_wpm, config.voice, config.volume, mode=mode,
                                      sink=sink_for() if mode == "render" else None,
                                      probe_timeout_s=config.probe_timeout_s)
    if name == "espeak-ng":
        return lambda: EspeakNgBackend(config.rate_wpm, config.voice, config.volume, sink=sink_for(),
                                       probe_timeout_s=config.probe_timeout_s)
    if name == "say":
        return lambda: macos_say_backend(config.rate_wpm, config.voice)
    if name == "text":
        return TextBackend
    raise ValueError(f"unknown speech backend {name!r}")


def _shared_sink(kind: str, timeout_s: float) -> Callable[[], object]:
    """A sink maker whose sound-device probe runs once for the whole chain."""
    from livecoach.speech.backends import PlayerSink, find_audio_player, make_sink

    probed: List[Tuple[Optional[List[str]], str]] = []

    def make() -> object:
        if kind != "device":
            return make_sink(kind, timeout_s)
        if not probed:
            probed.append(find_audio_player(timeout_s))
        argv, why = probed[0]
        if argv is None:
            raise BackendUnavailable(why)
        return PlayerSink(argv)

    return make


def backend_chain(config: SpeechConfig, platform: Optional[str] = None,
                  sink: Optional[str] = None) -> List[BackendChoice]:
    """The backends to try in order for ``config.backend`` on ``platform``; text is last.

    A named backend comes first and the platform's usual chain follows it as fallback.
    ``sink`` says where espeak-ng/pyttsx3 audio goes: ``None``/``"device"`` = the sound
    device, ``"null"`` = swallowed at real-time pace, ``"wav:FOLDER"`` = also saved as one
    wav file per utterance (a session on a machine without a sound card).
    """
    platform = platform or sys.platform
    names = list(_platform_chain(platform))
    if config.backend != "auto":
        names = [config.backend] + [n for n in names if n != config.backend]
    sink_for = _shared_sink(sink or "device", config.probe_timeout_s)
    return [BackendChoice(n, _factory(n, config, platform, sink_for)) for n in names]


def _default_notice(line: str) -> None:
    print(f"livecoach: speech: {line}", file=sys.stderr, flush=True)


class SpeechWorker:
    """A thread that speaks cues (see the module doc).

    ``backends``: the chain to try (default: :func:`backend_chain` of ``config``), each made
    on the worker thread. ``clock``: the source clock, in the same seconds as the cues'
    ``t_s``; for a camera, ``lambda: time.monotonic() - (frame.captured_monotonic_s - frame.t_s)``
    of any frame. Without it the worker learns the offset between the monotonic clock and
    ``t_s`` from the cues themselves (the smallest ``monotonic - t_s`` seen at ``say``), which
    assumes the source runs at real-time pace (camera, paced video). ``notify``: receives
    each one-line notice (default: printed to stderr).
    """

    def __init__(self, config: SpeechConfig, backends: Optional[Sequence[BackendChoice]] = None,
                 clock: Optional[Callable[[], float]] = None,
                 notify: Optional[Callable[[str], None]] = _default_notice) -> None:
        self.config = config
        self._chain = list(backends) if backends is not None else backend_chain(config)
        if not self._chain or self._chain[-1].name != "text":
            self._chain.append(BackendChoice("text", TextBackend))
        self._clock = clock or self._learned_clock
        self._auto_clock = clock is None
        self._t0 = time.monotonic()
        self._offset: Optional[float] = None  # learned monotonic - t_s (see _learned_clock)
        self._notify = notify
        self._cond = threading.Condition(threading.Lock())
        self._pending: Optional[Tuple[Cue, float]] = None  # (cue, monotonic time it was queued)
        self._in_flight = False  # a cue taken from the slot is being checked or spoken
        self._stop = threading.Event()
        self._muted = False
        self._backend: Optional[SpeechBackend] = None
        self._backend_name = ""
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="livecoach-speech", daemon=True)
        self._state = WorkerState.CREATED
        self._counts = {"received": 0, "spoken": 0, "superseded": 0, "yielded": 0, "stale": 0,
                        "muted": 0, "failed": 0}
        self.spoken: List[SpokenCue] = []
        self.notices: List[str] = []
        self.backend_errors: List[str] = []
        self.error: Optional[BaseException] = None
        self.current: Optional[Cue] = None  # being spoken now (for the overlay)

    # -- caller's side -----------------------------------------------------------------
    def start(self) -> "SpeechWorker":
        self._state = WorkerState.STARTING
        self._thread.start()
        return self

    def wait_ready(self, timeout: Optional[float] = None) -> bool:
        """Wait until a backend has been chosen (``say`` works before that too)."""
        return self._ready.wait(timeout)

    def say(self, cue: Cue) -> bool:
        """Queue ``cue`` without blocking; False if it was refused (muted or a more
        important cue is waiting)."""
        now = time.monotonic()
        with self._cond:
            self._counts["received"] += 1
            if self._auto_clock:
                # Cues are made at most a little after their frame, never before it, so the
                # smallest (monotonic - t_s) seen is the best estimate of the clocks' offset.
                offset = now - cue.t_s
                if self._offset is None or offset < self._offset:
                    self._offset = offset
            if self._muted or self._stop.is_set():
                self._counts["muted"] += 1
                return False
            if self._pending is not None:
                if cue.priority < self._pending[0].priority:
                    self._counts["yielded"] += 1
                    return False
                self._counts["superseded"] += 1
            self._pending = (cue, now)
            self._cond.notify()
        return True

    @property
    def muted(self) -> bool:
        return self._muted

    @muted.setter
    def muted(self, value: bool) -> None:
        """Muting drops the queued cue and cuts the current utterance short."""
        with self._cond:
            self._muted = bool(value)
            if self._muted:
                if self._pending is not None:
                    self._counts["muted"] += 1
                self._pending = None
        if value:
            self._cancel_current()

    def toggle_mute(self) -> bool:
        self.muted = not self._muted
        return self._muted

    def _learned_clock(self) -> float:
        offset = self._offset
        return time.monotonic() - (self._t0 if offset is None else offset)

    def clock(self) -> float:
        """Now, on the source clock the cues' ``t_s`` are measured on."""
        return self._clock()

    @property
    def state(self) -> WorkerState:
        return self._state

    @property
    def backend_name(self) -> str:
        """The backend in use ("" until one is chosen)."""
        return self._backend_name

    def stats(self) -> SpeechStats:
        with self._cond:
            return SpeechStats(backend=self._backend_name, **self._counts)

    def check(self) -> None:
        """Re-raise, on the caller's thread, an unexpected error of the worker."""
        if self.error is not None:
            raise RuntimeError(f"speech worker failed: {self.error}") from self.error

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or being said (for ``livecoach say`` and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                idle = self._pending is None and not self._in_flight
            if (idle and self._ready.is_set()) or (self._state is not WorkerState.CREATED
                                                   and not self._thread.is_alive()):
                return True
            time.sleep(0.005)
        return False

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop speaking and end the thread; True if it ended within ``timeout`` seconds."""
        if self._state == WorkerState.CREATED:
            self._state = WorkerState.STOPPED
            return True
        with self._cond:
            self._stop.set()
            self._pending = None
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        while True:
            # Cancel again on every round: an utterance that was just starting when the
            # first cancel came would otherwise miss it.
            self._cancel_current()
            self._thread.join(min(0.05, max(0.0, deadline - time.monotonic())))
            if not self._thread.is_alive() or time.monotonic() >= deadline:
                break
        if self._thread.is_alive():
            # A backend that ignores cancel: the daemon thread is abandoned, the app goes on.
            self._note(f"{self._backend_name or 'backend'} did not stop within {timeout:g} s; left behind")
            return False
        return True

    def _cancel_current(self) -> None:
        backend = self._backend
        if backend is not None:
            try:
                backend.cancel()
            except Exception:  # noqa: BLE001 - cancelling is best effort
                pass

    def _note(self, line: str) -> None:
        self.notices.append(line)
        if self._notify is not None:
            try:
                self._notify(line)
            except Exception:  # noqa: BLE001
                pass

    # -- worker thread ---------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._open_backend(0, failure="")
            self._state = WorkerState.IDLE
            self._ready.set()
            while not self._stop.is_set():
                item = self._next()
                try:
                    if item is not None:
                        self._speak(*item)
                finally:
                    with self._cond:
                        self._in_flight = False
            self._state = WorkerState.STOPPING
        except BaseException as exc:  # noqa: BLE001 - stored and re-raised by check()
            self.error = exc
            self._state = WorkerState.FAILED
            self._note(f"stopped by an error: {type(exc).__name__}: {exc}")
        finally:
            self._ready.set()
            self._close_backend()
            if self._state != WorkerState.FAILED:
                self._state = WorkerState.STOPPED

    def _next(self) -> Optional[Tuple[Cue, float]]:
        with self._cond:
            if self._pending is None and not self._stop.is_set():
                self._cond.wait(0.1)
            item, self._pending = self._pending, None
            self._in_flight = item is not None
        if item is None or self._stop.is_set():
            return None
        if self._muted:
            with self._cond:
                self._counts["muted"] += 1
            return None
        if self._is_stale(*item):
            with self._cond:
                self._counts["stale"] += 1
            return None
        return item

    def _is_stale(self, cue: Cue, queued: float) -> bool:
        limit = self.config.stale_after_s
        return self._clock() - cue.t_s > limit or time.monotonic() - queued > limit

    def _speak(self, cue: Cue, queued: float) -> None:
        attempts = 0
        while not self._stop.is_set():
            started: List[float] = []
            self.current = cue
            self._state = WorkerState.SPEAKING
            try:
                completed = self._backend.speak(cue.text, on_start=lambda: started.append(time.monotonic()))
            except Exception as exc:  # noqa: BLE001 - any backend failure means fall back
                completed = False
                self._record(cue, queued, started, False)
                with self._cond:
                    self._counts["failed"] += 1
                attempts += 1
                failed = self._backend_name
                self.backend_errors.append(f"{failed}: {exc}")
                self._close_backend()
                index = [c.name for c in self._chain].index(failed) + 1
                self._open_backend(index, failure=f"{failed} failed ({_line(exc)})")
                # Say the cue again on the new backend if it is still fresh (once).
                if attempts > 1 or self._is_stale(cue, queued) or self._muted:
                    break
                continue
            finally:
                self.current = None
                if not self._stop.is_set():
                    self._state = WorkerState.IDLE
            self._record(cue, queued, started, completed)
            break

    def _record(self, cue: Cue, queued: float, started: List[float], completed: bool) -> None:
        self.spoken.append(SpokenCue(cue, self._backend_name, queued, started[0] if started else None,
                                     time.monotonic(), completed))
        if completed:
            with self._cond:
                self._counts["spoken"] += 1

    def _open_backend(self, index: int, failure: str) -> None:
        """Open the first backend of the chain from ``index`` that works; one line why."""
        reasons: List[str] = []
        for choice in self._chain[index:]:
            try:
                backend = choice.make()
            except Exception as exc:  # noqa: BLE001 - whatever stops a backend, try the next
                reasons.append(f"{choice.name}: {_line(exc)}")
                continue
            self._backend, self._backend_name = backend, choice.name
            why = "; ".join(_group_reasons(reasons))
            lead = f"{failure}; " if failure else ""
            if choice.name == "text":
                self._note(f"{lead}text only, cues are shown but not spoken" + (f" ({why})" if why else ""))
            elif failure:
                self._note(f"{lead}falling back to {choice.name}" + (f" ({why})" if why else ""))
            else:
                detail = getattr(backend, "detail", "")
                self._note(f"using {choice.name}" + (f" [{detail}]" if detail else "")
                           + (f" ({why})" if why else ""))
            return
        # Even the end of the chain failed (a custom chain, or text's stream broke): go silent.
        self._backend, self._backend_name = TextBackend(), "text"
        self._note(f"{failure + '; ' if failure else ''}text only, cues are shown but not spoken "
                   f"({'; '.join(_group_reasons(reasons))})")

    def _close_backend(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            try:
                backend.close()
            except Exception:  # noqa: BLE001
                pass


def _group_reasons(reasons: List[str]) -> List[str]:
    """"a: X", "b: X" -> "a, b: X" (two backends that both lack a sound device)."""
    grouped: List[Tuple[List[str], str]] = []
    for reason in reasons:
        name, sep, why = reason.partition(": ")
        if not sep:
            grouped.append(([], reason))
            continue
        for names, text in grouped:
            if names and text == why:
                names.append(name)
                break
        else:
            grouped.append(([name], why))
    return [f"{', '.join(names)}: {why}" if names else why for names, why in grouped]


def _line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --------------------------------------------------------------------------------------
# helpers for the app and the CLI
# --------------------------------------------------------------------------------------
def speech_config_with(config: SpeechConfig, voice: Optional[str] = None, rate: Optional[int] = None,
                       backend: Optional[str] = None) -> SpeechConfig:
    """``config`` with the ``--voice``/``--rate``/``--backend`` flags applied, validated
    against the same limits as the config file (``ConfigError`` with one line)."""
    changes = {}
    fields = {f.name: f for f in dataclasses.fields(SpeechConfig)}
    for name, flag, value in (("voice", "--voice", voice), ("rate_wpm", "--rate", rate),
                              ("backend", "--backend", backend)):
        if value is None:
            continue
        meta = fields[name].metadata
        lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
        if lo is not None and not (lo <= value <= hi):
            raise ConfigError(f"{flag} {value}: must be between {lo} and {hi}")
        if choices and value not in choices:
            raise ConfigError(f"{flag} {value}: must be one of {', '.join(choices)}")
        changes[name] = value
    return dataclasses.replace(config, **changes)


def start_speaker(config: SpeechConfig, clock: Optional[Callable[[], float]] = None,
                  notify: Optional[Callable[[str], None]] = _default_notice) -> SpeechWorker:
    """A started :class:`SpeechWorker` with the automatic backend chain."""
    return SpeechWorker(config, clock=clock, notify=notify).start()


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
    names = [config.backend] if config.backend != "auto" else list(_platform_chain(platform))
    reasons = []
    for name in names:
        try:
            if name == "espeak-ng":
                return name, espeak_voices()
            if name == "say":
                return name, say_voices()
            if name == "pyttsx3":
                from livecoach.speech.backends import PacedNullSink

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


# --------------------------------------------------------------------------------------
# `livecoach say` and `livecoach voices`
# --------------------------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``say`` and ``voices`` subcommands."""
    say = subparsers.add_parser("say", help="speak a test phrase (or render it to a wav file)",
                                description="Speak TEXT with the configured voice, to check speech works.")
    say.add_argument("text", metavar="TEXT")
    say.add_argument("--wav", type=Path, metavar="FILE", help="write the speech to a wav file instead of playing it")
    _speech_flags(say)
    say.set_defaults(func=_cmd_say)
    voices = subparsers.add_parser("voices", help="list the voices of the speech backend",
                                   description="List voice ids to use with --voice.")
    _speech_flags(voices, with_voice=False)
    voices.set_defaults(func=_cmd_voices)


def _speech_flags(parser: argparse.ArgumentParser, with_voice: bool = True) -> None:
    if with_voice:
        parser.add_argument("--voice", metavar="VOICE", help="voice id or name (see `livecoach voices`)")
        parser.add_argument("--rate", type=int, metavar="WPM", help="words per minute")
    parser.add_argument("--backend", choices=("auto", "pyttsx3", "espeak-ng", "say", "text"),
                        help="speech backend (default: config speech.backend)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="TOML file overriding config/default.toml")


def _speech_config(args: argparse.Namespace) -> SpeechConfig:
    from livecoach.config.schema import load_config

    config = load_config(getattr(args, "config", None)).speech
    return speech_config_with(config, voice=getattr(args, "voice", None), rate=getattr(args, "rate", None),
                              backend=getattr(args, "backend", None))


def _cmd_say(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    text = args.text.strip()
    if not text:
        print("livecoach say: error: nothing to say", file=err)
        return 2
    try:
        config = _speech_config(args)
        if args.wav is not None:
            engine = config.backend if config.backend in ("pyttsx3", "espeak-ng") else "auto"
            seconds = render_wav(text, args.wav, config, engine=engine)
            print(f"wrote {args.wav} ({seconds:.2f} s of speech)", file=out)
            return 0
    except (ConfigError, BackendUnavailable, BackendFailed, OSError) as exc:
        print(f"livecoach say: error: {_line(exc)}", file=err)
        return 1
    notices: List[str] = []
    worker = SpeechWorker(config, notify=notices.append).start()
    try:
        worker.wait_ready(config.probe_timeout_s * 3)
        if worker.backend_name == "text":
            print(f"livecoach say: error: cannot speak: {notices[-1] if notices else 'no backend'}; "
                  f"try --wav FILE", file=err)
            return 1
        worker.say(Cue(t_s=worker.clock(), key="test", text=text, kind=CueKind.ANNOUNCEMENT, priority=100))
        worker.wait_idle(30.0)
    finally:
        worker.stop(1.0)
    last = worker.spoken[-1] if worker.spoken else None
    if last is None or not last.completed:
        reason = worker.backend_errors[-1] if worker.backend_errors else "nothing was spoken"
        print(f"livecoach say: error: {reason}", file=err)
        return 1
    print(f"said it with {last.backend}", file=out)
    return 0


def _cmd_voices(args: argparse.Namespace) -> int:
    try:
        backend, voices = list_voices(_speech_config(args))
    except (ConfigError, BackendUnavailable, BackendFailed, OSError) as exc:
        print(f"livecoach voices: error: {_line(exc)}", file=sys.stderr)
        return 1
    print(f"{len(voices)} voices of {backend} (use the id with --voice):")
    width = max([len(v.id) for v in voices] + [2])
    for v in voices:
        extra = f" [{v.languages}]" if v.languages and v.languages != v.id else ""
        print(f"  {v.id:<{width}}  {v.name}{extra}")
    return 0
