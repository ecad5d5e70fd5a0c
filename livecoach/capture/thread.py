"""The capture thread: a frame source on a worker thread, handed to one consumer.

Modelled on DeepLabCut-live-GUI's camera workers: a :class:`WorkerState`, a stop event, a
size-1 latest-frame-wins slot with counted drops (live sources) or a blocking hand-off that
loses nothing (every-frame sources), ``get(timeout)`` for the main loop,
:class:`EndOfStream` at the end, the worker's exception stored and re-raised on the
consumer's side, and :class:`CameraLost` when a live source stops delivering (detected here
only: the watchdog sees both a read that keeps failing and one that never returns).

All calls on a source happen on the worker thread (some backends, e.g. MSMF on Windows, do
not like a capture opened on one thread and read on another).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from livecoach.capture.base import (POLL_S, CameraLost, CaptureError, EndOfStream, EndReason, FrameSource,
                                    WorkerState, camera_lost_message)
from livecoach.config.schema import CaptureConfig
from livecoach.types import Frame

__all__ = ["CaptureStats", "CaptureThread"]


@dataclass(frozen=True)
class CaptureStats:
    """Counters of a :class:`CaptureThread` (a snapshot).

    ``frames_read = frames_delivered + frames_dropped + frames_pending``.
    ``frames_dropped`` counts frames replaced in the latest-frame-wins slot before the
    consumer took them; ``frames_skipped_by_source`` counts frames a paced video skipped
    because the reader itself fell behind real time (never read, never in the slot).
    """

    state: WorkerState
    frames_read: int
    frames_delivered: int
    frames_dropped: int
    frames_pending: int
    frames_skipped_by_source: int

    @property
    def frames_lost(self) -> int:
        """Every frame of the source that the consumer did not get."""
        return self.frames_dropped + self.frames_skipped_by_source


class CaptureThread:
    """Runs a :class:`FrameSource` on a worker thread and hands frames to one consumer.

    * ``latest_wins`` (default: ``source.is_live``): a size-1 slot where a new frame
      replaces an unconsumed one (counted in ``frames_dropped``) — a slow consumer always
      gets the newest frame, never a backlog. Otherwise a blocking hand-off: the worker
      waits (polling the stop event) until the consumer took the previous frame, so every
      frame arrives.
    * ``get(timeout)`` returns the next frame, ``None`` if none came within ``timeout``,
      raises :class:`EndOfStream` once the stream ended and every frame was handed out
      (or once ``stop()`` was called), and re-raises the worker's exception (open or read
      failure) right after the frame read before it.
    * ``lost_after_s``: for live sources, ``get`` raises :class:`CameraLost` when no frame
      arrived for that long. This is the one place camera loss is detected: it covers a
      read that keeps failing and a driver call that never returns (which the source
      itself could not report). Set it with :meth:`for_config`.
    * ``start()`` opens the source (on the worker thread) and waits up to
      ``open_timeout_s`` for it: opening errors raise right there, in the caller.
    * ``stop(timeout)`` sets the stop event, wakes the source and joins the worker.
    """

    def __init__(self, source: FrameSource, *, latest_wins: Optional[bool] = None,
                 lost_after_s: Optional[float] = None, open_timeout_s: Optional[float] = None) -> None:
        self._source = source
        self._latest_wins = source.is_live if latest_wins is None else bool(latest_wins)
        self._lost_after_s = lost_after_s
        self._open_timeout_s = open_timeout_s
        self._cond = threading.Condition()
        self._stop_event = threading.Event()
        self._opened = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._state = WorkerState.IDLE
        self._slot: Optional[Frame] = None
        self._end_of_stream = False
        self._end_reason: Optional[EndReason] = None
        self._end_notice: Optional[str] = None
        self._stop_requested = False
        self._error: Optional[BaseException] = None
        self._last_frame_monotonic = 0.0
        self._read = 0
        self._delivered = 0
        self._dropped = 0

    @classmethod
    def for_config(cls, source: FrameSource, config: CaptureConfig, **kwargs: Any) -> "CaptureThread":
        """A capture thread with the camera timeouts of ``config`` (``[capture]``)."""
        kwargs.setdefault("lost_after_s", config.camera_lost_after_s)
        kwargs.setdefault("open_timeout_s", config.camera_open_timeout_s)
        return cls(source, **kwargs)

    # -- properties --------------------------------------------------------------------

    @property
    def source(self) -> FrameSource:
        return self._source

    @property
    def state(self) -> WorkerState:
        return self._state

    @property
    def latest_wins(self) -> bool:
        return self._latest_wins

    @property
    def error(self) -> Optional[BaseException]:
        """The exception the worker stored, if any."""
        return self._error

    @property
    def frames_read(self) -> int:
        return self._read

    @property
    def frames_delivered(self) -> int:
        return self._delivered

    @property
    def dropped(self) -> int:
        """Frames replaced in the slot before the consumer took them."""
        return self._dropped

    def stats(self) -> CaptureStats:
        with self._cond:
            return CaptureStats(state=self._state, frames_read=self._read, frames_delivered=self._delivered,
                                frames_dropped=self._dropped, frames_pending=int(self._slot is not None),
                                frames_skipped_by_source=int(getattr(self._source, "frames_skipped", 0)))

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> "CaptureThread":
        """Open the source on the worker thread and start reading; raises the open error."""
        with self._cond:
            if self._state is not WorkerState.IDLE:
                raise RuntimeError(f"capture thread already {self._state.value}")
            self._state = WorkerState.RUNNING
        self._thread = threading.Thread(target=self._run, name=f"capture[{self._source.name}]", daemon=True)
        self._thread.start()
        if not self._opened.wait(self._open_timeout_s):
            self._fail(CaptureError(f"{self._source.name} did not open within {self._open_timeout_s:g} s"
                                    f" — run `livecoach doctor`"))
            self._stop_event.set()
            self._source.interrupt()
        with self._cond:
            error = self._error
        if error is not None:
            raise error
        return self

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the worker to stop and join it; True if it finished within ``timeout``.

        The source is closed by the worker as it exits. A worker stuck inside a driver call
        that never returns is left behind (it is a daemon thread) and False is returned.
        """
        with self._cond:
            self._stop_requested = True
            if self._state is WorkerState.RUNNING:
                self._state = WorkerState.STOPPING
            elif self._state is WorkerState.IDLE:
                self._state = WorkerState.STOPPED
            self._stop_event.set()
            self._cond.notify_all()
        self._source.interrupt()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def __enter__(self) -> "CaptureThread":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _fail(self, error: BaseException) -> None:
        with self._cond:
            if self._error is None:
                self._error = error
            self._state = WorkerState.FAILED
            self._cond.notify_all()

    # -- worker ------------------------------------------------------------------------

    def _run(self) -> None:
        source = self._source
        reached_end = False
        end_reason: Optional[EndReason] = None
        end_notice: Optional[str] = None
        try:
            try:
                source.open()
            except BaseException as exc:
                self._fail(exc)  # before waking start(), so it sees the error
                return
            finally:
                with self._cond:
                    self._last_frame_monotonic = time.monotonic()
                self._opened.set()
            while not self._stop_event.is_set():
                frame = source.read()
                if frame is None:
                    reached_end = not self._stop_event.is_set()
                    end_reason = getattr(source, "end_reason", None)  # duck-typed sources may not say
                    end_notice = getattr(source, "end_notice", None)
                    break
                self._hand_over(frame)
        except BaseException as exc:  # stored and re-raised in the consumer's get()
            self._fail(exc)
        finally:
            try:
                source.close()
            except Exception as exc:  # a close failure must not hide an earlier error
                if self._error is None:
                    self._fail(exc)
            with self._cond:
                # Set only now, with the source closed: a consumer seeing the end may exit.
                self._end_of_stream = reached_end
                self._end_reason, self._end_notice = end_reason, end_notice
                if self._state is not WorkerState.FAILED:
                    self._state = WorkerState.STOPPED
                self._cond.notify_all()

    def _hand_over(self, frame: Frame) -> None:
        with self._cond:
            self._read += 1
            self._last_frame_monotonic = time.monotonic()
            if self._latest_wins:
                if self._slot is not None:
                    self._dropped += 1
                self._slot = frame
                self._cond.notify_all()
                return
            while self._slot is not None and not self._stop_event.is_set():
                self._cond.wait(POLL_S * 5)
            if self._stop_event.is_set():
                return  # read, never handed over; stop() is discarding the rest anyway
            self._slot = frame
            self._cond.notify_all()

    # -- consumer ----------------------------------------------------------------------

    def get(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next frame; ``None`` if none arrived within ``timeout`` seconds.

        Raises :class:`EndOfStream` after the last frame (its ``reason`` and ``notice`` are
        the source's, e.g. a video that ended early) or once ``stop()`` was called
        (``EndReason.STOPPED``); the worker's stored exception if it failed (after the frames
        it read before failing); and :class:`CameraLost` when a live source has sent nothing
        for ``lost_after_s``.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if self._stop_requested:
                    raise EndOfStream(self._source.name, EndReason.STOPPED)
                # Frames read before a failure still go out first, in order.
                if self._slot is not None:
                    frame, self._slot = self._slot, None
                    self._delivered += 1
                    self._cond.notify_all()
                    return frame
                if self._error is not None:
                    raise self._error
                if self._state is WorkerState.IDLE:
                    raise RuntimeError("capture thread not started")
                if self._end_of_stream:
                    raise EndOfStream(self._source.name, self._end_reason or EndReason.END_OF_SOURCE,
                                      self._end_notice)
                if self._state in (WorkerState.STOPPED, WorkerState.STOPPING):
                    raise EndOfStream(self._source.name, EndReason.STOPPED)
                now = time.monotonic()
                wait = None if deadline is None else deadline - now
                if self._lost_after_s is not None and self._source.is_live:
                    silent_s = now - self._last_frame_monotonic
                    if silent_s > self._lost_after_s:
                        self._error = CameraLost(camera_lost_message(self._source.name, self._lost_after_s))
                        self._state = WorkerState.FAILED
                        self._stop_event.set()
                        # A camera read that keeps failing polls until woken: let the worker
                        # close the device now rather than at stop().
                        self._source.interrupt()
                        raise self._error
                    watchdog = self._lost_after_s - silent_s + POLL_S
                    wait = watchdog if wait is None else min(wait, watchdog)
                if wait is not None and wait <= 0:
                    return None
                self._cond.wait(wait)

    def frames(self, timeout: float = 0.1) -> Iterator[Frame]:
        """Every frame the consumer gets, until the end of the stream (errors propagate)."""
        while True:
            try:
                frame = self.get(timeout)
            except EndOfStream:
                return
            if frame is not None:
                yield frame
