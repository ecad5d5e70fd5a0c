"""Graceful on a slow computer: noticing dropped frames, and the lighter pose model.

A live session whose pose model cannot keep up with the camera loses frames (the capture
thread keeps only the newest); past a share of them, reps and faults are missed. The
:class:`DroppedFramesWatch` says when that share is crossed over a window of source time;
the loop then asks the :class:`SwitchableEstimator` for its lighter model
(``[pose] fallback_model_complexity``), once per session, and says so once on screen and in
the events. Where the model would switch to is no lighter (or the source is not live), the
notice says what the user can do instead.

The switch happens on the thread that runs the model (the pose worker of the pipelined loop,
or the loop itself), at its next frame: a MediaPipe graph is used from one thread only.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, Optional, Tuple

from livecoach.capture.wrapping import ForwardsAsynchrony
from livecoach.session.ports import PoseEstimator
from livecoach.types import Frame, PoseFrame

__all__ = ["DroppedFramesWatch", "SwitchableEstimator", "QualityChange"]

log = logging.getLogger(__name__)


class DroppedFramesWatch:
    """Says when a live source drops more than ``share`` of its frames over ``window_s`` seconds.

    ``update`` gets the frame's source time and the running totals of frames processed and
    frames lost; it returns the dropped share the first time it is over the limit over a full
    window, then nothing until the share has fallen back under the limit (one notice per bout).
    """

    def __init__(self, share: float, window_s: float) -> None:
        self.share, self.window_s = share, window_s
        self._samples: Deque[Tuple[float, int, int]] = deque()
        self._over = False

    def update(self, t_s: float, processed: int, dropped: int) -> Optional[float]:
        self._samples.append((t_s, processed, dropped))
        while len(self._samples) > 2 and t_s - self._samples[1][0] >= self.window_s:
            self._samples.popleft()
        t0, processed0, dropped0 = self._samples[0]
        if t_s - t0 < self.window_s:
            return None  # not a full window yet
        lost, done = dropped - dropped0, processed - processed0
        share = lost / max(lost + done, 1)
        if share <= self.share:
            self._over = False
            return None
        if self._over:
            return None
        self._over = True
        # The lighter model (if any) starts now: the next window is measured from here.
        self._samples.clear()
        return share


@dataclass(frozen=True)
class QualityChange:
    """The pose model a live session switched to because frames were being dropped."""

    t_s: float
    dropped_share: float
    model_complexity_from: int
    model_complexity_to: int


class SwitchableEstimator(ForwardsAsynchrony):
    """A pose estimator that can be swapped, once, for a lighter one built by ``make_lighter``.

    :meth:`request_lighter` (any thread) asks for the switch; the next :meth:`estimate` (on
    the model's own thread) builds the lighter estimator, closes the current one and carries on
    with the new one. ``make_lighter=None``: no lighter model to switch to.
    """

    def __init__(self, estimator: PoseEstimator, model_complexity: int,
                 make_lighter: Optional[Callable[[], PoseEstimator]] = None,
                 lighter_complexity: Optional[int] = None) -> None:
        self._estimator = estimator
        self.model_complexity = model_complexity
        self._make_lighter = make_lighter
        self._lighter_complexity = lighter_complexity
        self._requested = threading.Event()
        self._lock = threading.Lock()  # estimate() and close() may come from two threads
        self._drained = threading.Condition(self._lock)
        self._pending = 0  # frames submitted and not collected (asynchronous estimators)
        self._closed = False

    @property
    def can_switch(self) -> bool:
        return self._make_lighter is not None and not self._requested.is_set()

    def request_lighter(self, t_s: float, dropped_share: float) -> Optional[QualityChange]:
        """Ask for the lighter model; the change to announce, or None when there is none to make."""
        if not self.can_switch:
            return None
        self._requested.set()
        assert self._lighter_complexity is not None
        return QualityChange(t_s, dropped_share, self.model_complexity, self._lighter_complexity)

    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        with self._lock:
            self._switch_if_requested()
            return self._estimator.estimate(frame)

    def submit(self, frame: Frame) -> None:
        """Hand ``frame`` to an asynchronous model. A requested switch waits until every pose
        submitted to the current model has been collected."""
        with self._drained:
            if self._requested.is_set() and self._make_lighter is not None:
                while self._pending and not self._closed:
                    self._drained.wait(0.5)
                self._switch_if_requested()
            self._estimator.submit(frame)  # type: ignore[attr-defined]
            self._pending += 1

    def collect(self) -> Optional[PoseFrame]:
        """The pose of the oldest frame submitted and not yet collected."""
        try:
            return self._estimator.collect()  # type: ignore[attr-defined]
        finally:
            with self._drained:
                self._pending -= 1
                self._drained.notify_all()

    def _switch_if_requested(self) -> None:
        if self._requested.is_set() and self._make_lighter is not None and not self._closed:
            make, self._make_lighter = self._make_lighter, None
            try:
                lighter = make()  # built first: if it fails, the current model carries on
            except Exception:  # noqa: BLE001 - a slower session beats an ended one
                log.warning("the lighter pose model could not be loaded; keeping the current one",
                            exc_info=True)
            else:
                self._estimator.close()
                self._estimator = lighter
                if self._lighter_complexity is not None:
                    self.model_complexity = self._lighter_complexity

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._estimator.close()
