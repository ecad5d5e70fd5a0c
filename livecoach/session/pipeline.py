"""A pipelined tick source: the pose model runs on its own thread, one frame ahead of the loop.

While the frame loop runs the logic, overlay, window and recorders of frame n−1, this worker
runs the pose model on frame n (and the capture thread decodes n+1), so the second core does
everything but the model. All stateful logic stays on the loop's thread; the estimator sees the
frames in order on one thread, so the events are the same as with the sequential loop. The
capture thread's latest-frame-wins semantics stay: the worker takes the newest frame each time
it is ready for one.

MediaPipe's ``process()`` holds Python's interpreter lock for much of its work, and Python lets
a thread that wants the lock wait one switch interval (5 ms by default) before it asks the
holder to let go: the loop's Python (logic, overlay) then keeps the model waiting. While the
worker runs, the interval is ``switch_interval_s`` (``[pose] pipeline_switch_interval_s``);
the process's own is restored on :meth:`close`.

With a model in a process of its own (:mod:`livecoach.capture.pose_process`, an *asynchronous*
estimator: ``submit`` then ``collect``), the worker only hands frames over: it submits up to the
estimator's ``in_flight`` frames ahead and a second thread collects the poses in order, so the
next frame is already waiting when the model finishes one, whichever thread of this process
holds the interpreter lock at that moment.

The worker's exception (a lost camera, a failing model) is re-raised on the loop's side, after
the frames it finished before failing, as the capture thread does.
"""
from __future__ import annotations

import queue
import sys
import threading
from typing import Iterator, Optional, Union, cast

from livecoach.session.ports import AsynchronousPoseEstimator, PoseEstimator
from livecoach.session.ticks import Tick

_END = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class PosePipeline:
    """Iterates ``ticks`` (frames) with their poses, estimated ``ahead`` frames ahead on a worker thread.

    Use as an iterator; :meth:`close` (also called at the end of the iteration) stops the worker.
    ``switch_interval_s``, when given, is Python's thread switch interval while the worker runs
    (None: left as it is).
    """

    def __init__(self, ticks: Iterator[Tick], estimator: PoseEstimator, ahead: int = 1,
                 join_timeout_s: float = 2.0, switch_interval_s: Optional[float] = None) -> None:
        self._ticks = ticks
        self._estimator = estimator
        self._queue: "queue.Queue[Union[Tick, _Failure, object]]" = queue.Queue(maxsize=max(1, ahead))
        self._stop = threading.Event()
        self._join_timeout_s = join_timeout_s
        self._asynchronous = bool(getattr(estimator, "asynchronous", False))
        self._thread = threading.Thread(target=self._work_asynchronously if self._asynchronous else self._work,
                                        name="livecoach-pose", daemon=True)
        # Asynchronous estimators: the frames submitted (and recorded poses passing through), in
        # order, for the collecting thread; a slot per frame the estimator may hold at once.
        in_flight = max(1, int(getattr(estimator, "in_flight", 1)))
        self._submitted: "queue.Queue[Union[Tick, _Failure, object]]" = queue.Queue(maxsize=in_flight + 1)
        self._slots = threading.Semaphore(in_flight)
        self._collector = threading.Thread(target=self._collect, name="livecoach-pose-collect", daemon=True)
        self._started = False
        self._switch_interval_s = switch_interval_s
        self._saved_switch_interval_s: Optional[float] = None

    # -- the loop's side ---------------------------------------------------------------
    def __iter__(self) -> Iterator[Tick]:
        if not self._started:
            self._started = True
            if self._switch_interval_s is not None:
                self._saved_switch_interval_s = sys.getswitchinterval()
                sys.setswitchinterval(self._switch_interval_s)
            self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                assert isinstance(item, Tick)
                yield item
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker (it may be blocked handing over a frame) and wait for it."""
        self._stop.set()
        while True:  # unblock a worker waiting to put
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        if self._started and self._thread.is_alive():
            self._thread.join(self._join_timeout_s)
        if self._collector.is_alive():
            self._collector.join(self._join_timeout_s)
        if self._saved_switch_interval_s is not None:
            sys.setswitchinterval(self._saved_switch_interval_s)
            self._saved_switch_interval_s = None

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() or self._collector.is_alive()

    # -- the worker ---------------------------------------------------------------------
    def _work(self) -> None:
        try:
            for tick in self._ticks:
                if self._stop.is_set():
                    return
                pose = tick.pose
                if not tick.pose_known:
                    if tick.frame is None:
                        raise ValueError("a frame tick without a frame")
                    pose = self._estimator.estimate(tick.frame)
                if not self._put(Tick(tick.t_s, tick.frame_index, tick.frame, pose, pose_known=True)):
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised on the loop's side
            self._put(_Failure(exc))
            return
        self._put(_END)

    def _work_asynchronously(self) -> None:
        """Submit each frame to the estimator, up to its ``in_flight`` ahead of the poses collected."""
        self._collector.start()
        estimator = cast(AsynchronousPoseEstimator, self._estimator)
        try:
            for tick in self._ticks:
                if self._stop.is_set():
                    return
                if not tick.pose_known:
                    if tick.frame is None:
                        raise ValueError("a frame tick without a frame")
                    if not self._take_slot():
                        return
                    estimator.submit(tick.frame)
                if not self._put(tick, self._submitted):
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised on the loop's side, in its turn
            self._put(_Failure(exc), self._submitted)
            return
        self._put(_END, self._submitted)

    def _collect(self) -> None:
        """Collect the submitted frames' poses, in order, and hand the ticks to the loop."""
        estimator = cast(AsynchronousPoseEstimator, self._estimator)
        while not self._stop.is_set():
            try:
                item = self._submitted.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(item, Tick) and not item.pose_known:
                try:
                    pose = estimator.collect()
                except BaseException as exc:  # noqa: BLE001 - re-raised on the loop's side
                    self._put(_Failure(exc))
                    return
                finally:
                    self._slots.release()
                item = Tick(item.t_s, item.frame_index, item.frame, pose, pose_known=True)
            if not self._put(item) or item is _END or isinstance(item, _Failure):
                return

    def _take_slot(self) -> bool:
        while not self._stop.is_set():
            if self._slots.acquire(timeout=0.1):
                return True
        return False

    def _put(self, item: object, into: "Optional[queue.Queue[Union[Tick, _Failure, object]]]" = None) -> bool:
        """Hand ``item`` over (to the loop, or ``into``), waiting while it is full; False once stopped."""
        target = self._queue if into is None else into
        while not self._stop.is_set():
            try:
                target.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

