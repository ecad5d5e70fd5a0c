"""The source clock: "now" in the seconds a frame's ``t_s`` is measured in.

A live source's timestamps run with the wall clock but start at its own zero; the speech thread
needs "now" on that clock to drop a cue that has gone stale. The offset is learnt from pairs
(monotonic time an item was made, its source time ``t_s``). Items are made at most a little
after their frame, never before it, so the smallest ``monotonic - t_s`` seen is the best
estimate of the offset.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Optional


class SourceClock:
    """Seconds on the source's clock, learnt from observed (monotonic, ``t_s``) pairs.

    Before the first observation it counts from its own creation. Thread-safe: observed on one
    thread and read on another.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._t0 = monotonic()
        self._offset: Optional[float] = None
        self._lock = threading.Lock()

    def observe(self, t_s: float, monotonic_s: Optional[float] = None) -> None:
        """Learn from an item with source time ``t_s`` made at ``monotonic_s`` (default: now)."""
        made = self._monotonic() if monotonic_s is None else monotonic_s
        if not made:
            return  # a source without capture times (a replay) teaches nothing
        offset = made - t_s
        with self._lock:
            if self._offset is None or offset < self._offset:
                self._offset = offset

    def __call__(self) -> float:
        with self._lock:
            offset = self._offset
        return self._monotonic() - (self._t0 if offset is None else offset)
