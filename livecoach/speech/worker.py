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

Which backends are tried, in which order, is :mod:`livecoach.speech.chain`'s job; speaking
without a session (a wav file, the voice list, the doctor's probe) is
:mod:`livecoach.speech.offline`'s; the ``say``/``voices`` commands live in
:mod:`livecoach.cli.speech_commands`.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from enum import Enum
from typing import Callable, List, Optional, Sequence, Tuple

from livecoach.clock import SourceClock
from livecoach.config.schema import SpeechConfig
from livecoach.errors import EXIT_SPEECH, LiveCoachError
from livecoach.speech.backends.base import SpeechBackend
from livecoach.speech.backends.text import TextBackend
from livecoach.speech.chain import BackendChoice, backend_chain, speech_config_with
from livecoach.types import Cue

# backend_chain and speech_config_with are re-exported for callers that still import them
# from here (session/app.py, cli/doctor.py); their home is livecoach.speech.chain.
__all__ = ["SpeechWorker", "SpeechWorkerError", "WorkerState", "SpokenCue", "SpeechStats", "start_speaker",
           "BackendChoice", "backend_chain", "speech_config_with"]


class SpeechWorkerError(LiveCoachError, RuntimeError):
    """The speech thread died; raised on the caller's side by :meth:`SpeechWorker.check`."""

    exit_code = EXIT_SPEECH


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



def _default_notice(line: str) -> None:
    print(f"livecoach: speech: {line}", file=sys.stderr, flush=True)


class SpeechWorker:
    """A thread that speaks cues (see the module doc).

    ``backends``: the chain to try (default: :func:`backend_chain` of ``config``), each made
    on the worker thread. ``clock``: the source clock, in the same seconds as the cues'
    ``t_s``; for a camera, ``lambda: time.monotonic() - (frame.captured_monotonic_s - frame.t_s)``
    of any frame. Without it the worker learns the offset between the monotonic clock and
    ``t_s`` from the cues themselves (a :class:`~livecoach.clock.SourceClock`: the smallest
    ``monotonic - t_s`` seen at ``say``), which assumes the source runs at real-time pace
    (camera, paced video). ``notify``: receives each one-line notice (default: stderr).
    """

    def __init__(self, config: SpeechConfig, backends: Optional[Sequence[BackendChoice]] = None,
                 clock: Optional[Callable[[], float]] = None,
                 notify: Optional[Callable[[str], None]] = _default_notice) -> None:
        self.config = config
        self._chain = list(backends) if backends is not None else backend_chain(config)
        if not self._chain or self._chain[-1].name != "text":
            self._chain.append(BackendChoice("text", TextBackend))
        # Without a clock, learn it from the cues: they are made at most a little after their
        # frame, never before it, so the smallest (monotonic - t_s) seen is the best estimate.
        self._learned_clock: Optional[SourceClock] = SourceClock() if clock is None else None
        self._clock: Callable[[], float] = clock if clock is not None else self._learned_clock
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
        self.unavailable: List[Tuple[str, BaseException]] = []  # (backend, why) for each that did not open
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
            if self._learned_clock is not None:
                self._learned_clock.observe(cue.t_s, now)
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
        """Raise :class:`SpeechWorkerError` (from the original) if the speech thread died.

        Call it from the frame loop, as a capture thread's error surfaces there. A backend that
        fails is not such an error (the worker falls back to the next one and says so); this is
        the thread itself ending on an exception: a bug, or one no backend may raise.
        """
        error = self.error
        if error is not None:
            raise SpeechWorkerError(f"the speech thread stopped: {type(error).__name__}: {_line(error)}") from error

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
                self.unavailable.append((choice.name, exc))
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



def start_speaker(config: SpeechConfig, clock: Optional[Callable[[], float]] = None,
                  notify: Optional[Callable[[str], None]] = _default_notice) -> SpeechWorker:
    """A started :class:`SpeechWorker` with the automatic backend chain."""
    return SpeechWorker(config, clock=clock, notify=notify).start()
