"""A second look for a second person: the adapter side of :mod:`livecoach.logic.crowd`.

MediaPipe's legacy pose solution (the pinned 0.10.21) tracks one person. Every
``[capture] second_person_check_s`` seconds of source time, :class:`SecondPersonWatchingEstimator`
(a wrapper around the session's estimator) blanks the tracked person's region out of the frame and
runs a second, single-image BlazePose (:class:`SecondPersonDetector`) on what is left; the
logic's :func:`~livecoach.logic.crowd.judge_other_person` says whether that is a person.

The second model is a separate graph, so the tracker's own landmarks -- and so the counts and
faults -- are the same with the check on or off. It runs at most once per interval, only on
frames where somebody is tracked, on a thread of its own (so its model time overlaps the
tracker's instead of adding to it). The frame loop takes each sighting
(:meth:`SecondPersonWatchingEstimator.take_sightings`) at the first frame ``deliver_after_s`` of
source time after the looked-at one, waiting for the look if it is not done, so a pipelined
run and a sequential one see the same sightings on the same frames whatever the threads'
timing.
"""
from __future__ import annotations

import collections
import logging
import queue
import threading
from typing import Any, Deque, List, Optional, Tuple

import numpy as np

from livecoach.capture.native import native_stderr_captured, pass_on_non_native_lines
from livecoach.capture.pose import PoseEstimator, PoseModelError, import_mediapipe
from livecoach.capture.wrapping import ForwardsAsynchrony
from livecoach.landmarks import NUM_LANDMARKS
from livecoach.logic.crowd import SecondPersonRules, Sighting, judge_other_person, tracked_person_box
from livecoach.types import Frame, PoseFrame

__all__ = ["SecondPersonDetector", "SecondPersonWatchingEstimator", "mask_box"]

log = logging.getLogger(__name__)

#: The blanked region is flat mid-grey: no texture or edges inside it for the detector to read.
_MASK_GREY = 127


def mask_box(image: np.ndarray, box: Tuple[float, float, float, float]) -> np.ndarray:
    """A copy of ``image`` with ``box`` (x0, y0, x1, y1 pixels) filled flat grey."""
    out = np.array(image, copy=True)
    h, w = out.shape[:2]
    x0, y0 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
    x1, y1 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    if x1 > x0 and y1 > y0:
        out[y0:y1, x0:x1] = _MASK_GREY
    return out


class SecondPersonDetector:
    """BlazePose in single-image mode (a person detector, then the landmarks of the best one).

    ``model_complexity``: the tracker's (``[pose]``). The pinned wheel ships only the full
    landmark model (1); the lite and heavy ones would be downloaded on first use.
    """

    def __init__(self, rules: SecondPersonRules, model_complexity: int = 1, max_width: int = 640,
                 min_detection_confidence: float = 0.5) -> None:
        self.rules = rules
        self._model_complexity = model_complexity
        self._min_detection_confidence = min_detection_confidence
        self._max_width = max_width
        self._quiet = True
        self._pose: Any = None
        self._cv2: Any = None

    def load(self) -> None:
        """Load the model (done by the first :meth:`look` otherwise; on the thread that will look:
        MediaPipe's graph stays on one thread). Raises :class:`PoseModelError` (one line)."""
        if self._pose is not None:
            return
        mp = import_mediapipe()  # quiet C++ logs, as for the tracker
        import cv2

        self._cv2 = cv2
        try:
            with native_stderr_captured():
                pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=self._model_complexity,
                                              smooth_landmarks=False, enable_segmentation=False,
                                              min_detection_confidence=self._min_detection_confidence)
                pose.process(np.zeros((256, 256, 3), dtype=np.uint8))
        except Exception as exc:  # model file missing or unreadable
            raise PoseModelError(f"cannot load the BlazePose model for the second-person check: {exc}") from None
        self._pose = pose

    def look(self, frame: Frame, tracked: PoseFrame) -> Sighting:
        """Whether somebody besides ``tracked`` is in ``frame``."""
        self.load()
        image = frame.image
        height, width = image.shape[:2]
        box = tracked_person_box(tracked, self.rules.mask_pad_frac)
        scale = 1.0
        if width > self._max_width:
            scale = self._max_width / width
            image = self._cv2.resize(image, (self._max_width, max(1, round(height * scale))),
                                     interpolation=self._cv2.INTER_AREA)
        rgb = self._cv2.cvtColor(mask_box(image, tuple(v * scale for v in box)), self._cv2.COLOR_BGR2RGB)
        if self._quiet:
            # The graph logs when its landmark model first runs (the first look that finds
            # somebody): fd 2 is redirected until then. fd 2 is process-wide, so what the loop's
            # thread printed meanwhile (a notice, the progress bar) is passed on afterwards.
            caught: List[str] = []
            with native_stderr_captured(caught):
                result = self._pose.process(rgb)
            self._quiet = result.pose_landmarks is None
            pass_on_non_native_lines("".join(caught))
        else:
            result = self._pose.process(rgb)
        xy: Optional[np.ndarray] = None
        visibility: Optional[np.ndarray] = None
        if result.pose_landmarks is not None:
            xy = np.empty((NUM_LANDMARKS, 2), dtype=np.float64)
            visibility = np.empty(NUM_LANDMARKS, dtype=np.float64)
            for i, lm in enumerate(result.pose_landmarks.landmark):
                xy[i] = (lm.x * width, lm.y * height)  # pixels of the source frame
                visibility[i] = lm.visibility
        return judge_other_person(frame.t_s, frame.index, xy, visibility, width, height, box, self.rules)

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None


class _Look:
    """One look handed to the look thread: the frame's source time and, once done, its sighting."""

    __slots__ = ("t_s", "done", "sighting", "error")

    def __init__(self, t_s: float) -> None:
        self.t_s = t_s
        self.done = threading.Event()
        self.sighting: Optional[Sighting] = None
        self.error: Optional[BaseException] = None


_STOP = object()


class SecondPersonWatchingEstimator(ForwardsAsynchrony):
    """``estimator``, plus a :class:`SecondPersonDetector` look every ``rules.check_s`` seconds of
    source time on frames where somebody is tracked (see the module docstring).

    The looks run on their own thread, so the second model's time is not added to the pose
    model's: on two cores it overlaps the tracker instead of delaying the next frame (the
    benchmark's pipelined loop on calimiro: 0.961 of the bare model's speed with the look on
    the pose thread, 0.977 with it on its own, 0.987 with no look at all). A look's sighting is handed to the frame loop at the first frame
    at least ``deliver_after_s`` of source time after the looked-at frame, waiting for the look
    there if it is not done yet (``wait_s`` at most): which frame a sighting arrives on does
    not depend on thread timing, so replays, pipelined or not, see the same notices.
    """

    def __init__(self, estimator: PoseEstimator, detector: "SecondPersonDetector", deliver_after_s: float = 0.25,
                 wait_s: float = 5.0, join_timeout_s: float = 2.0, load_wait_s: float = 120.0) -> None:
        self._estimator = estimator
        self._detector = detector
        self._interval_s = detector.rules.check_s
        self._deliver_after_s = deliver_after_s
        self._wait_s = wait_s
        self._join_timeout_s = join_timeout_s
        self._load_wait_s = load_wait_s
        self._loaded = threading.Event()  # the model's load is over (done or failed)
        self._next_t: Optional[float] = None
        self._pending: Deque[_Look] = collections.deque()
        self._submitted: Deque[Frame] = collections.deque()  # asynchronous tracker: awaiting their poses
        self._lock = threading.Lock()
        # Two looks queued at most (4 s of video at the default interval): a look thread that far
        # behind holds the pose thread back rather than letting looks pile up in memory.
        self._work: "queue.Queue[object]" = queue.Queue(maxsize=2)
        self._thread: Optional[threading.Thread] = None
        self.looks = 0
        self.failed = False
        # The look thread starts now and loads the detector's model first (MediaPipe's graph
        # stays on the thread that uses it); :meth:`wait_until_loaded` waits for that.
        self._start_thread()

    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        pose = self._estimator.estimate(frame)
        self.observe(frame, pose)
        return pose

    def submit(self, frame: Frame) -> None:
        """Hand ``frame`` to an asynchronous tracker; looked at when its pose is collected."""
        self._estimator.submit(frame)  # type: ignore[attr-defined]
        self._submitted.append(frame)

    def collect(self) -> Optional[PoseFrame]:
        """The pose of the oldest frame submitted and not yet collected (and its look, if due)."""
        pose = self._estimator.collect()  # type: ignore[attr-defined]
        self.observe(self._submitted.popleft(), pose)
        return pose

    def observe(self, frame: Frame, pose: Optional[PoseFrame]) -> None:
        """Look at ``frame`` for a second person if one is due, ``pose`` being the tracked person's
        there (from this estimator, or from another process's tracker: ``analyze --jobs``)."""
        if pose is not None and not self.failed and (self._next_t is None or frame.t_s >= self._next_t):
            self._next_t = frame.t_s + self._interval_s
            look = _Look(frame.t_s)
            # A copy: the frame loop draws its overlay on this frame while the look may still run.
            image = np.array(frame.image, copy=True)
            with self._lock:
                self._pending.append(look)
            self._start_thread()
            self._work.put((look, Frame(index=frame.index, t_s=frame.t_s, image=image), pose))
            self.looks += 1

    def _start_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._look_loop, name="livecoach-second-person", daemon=True)
            self._thread.start()

    def _look_loop(self) -> None:
        not_loaded: Optional[Exception] = None
        try:
            load = getattr(self._detector, "load", None)
            if load is not None:
                load()
        except Exception as exc:  # noqa: BLE001 - the check is a notice: the session goes on without it
            not_loaded = exc
            self._give_up(str(exc))
        finally:
            self._loaded.set()
        while True:
            item = self._work.get()
            if item is _STOP:
                return
            look, frame, pose = item  # type: ignore[misc]
            try:
                if not_loaded is not None:
                    raise not_loaded
                look.sighting = self._detector.look(frame, pose)
            except Exception as exc:  # noqa: BLE001 - handed to the frame loop, which reports it
                look.error = exc
            finally:
                look.done.set()

    def wait_until_loaded(self, timeout_s: float) -> bool:
        """Wait for the second model's load to be over (done or failed); False on timeout."""
        return self._loaded.wait(timeout_s)

    @property
    def inner(self) -> PoseEstimator:
        """The wrapped estimator (the session's tracker)."""
        return self._estimator

    def take_sightings(self, up_to_t_s: float) -> List[Sighting]:
        """The sightings of looks at frames up to ``up_to_t_s - deliver_after_s`` not taken yet, in
        frame order (called by the frame loop; the estimator may be a frame ahead on the pose
        worker). Waits for such a look if it is still running. A look that failed, or did not
        finish within ``wait_s``, turns the check off with a warning: it is a notice, and the
        coaching goes on without it."""
        out: List[Sighting] = []
        while True:
            with self._lock:
                if not self._pending or self._pending[0].t_s > up_to_t_s - self._deliver_after_s:
                    return out
                look = self._pending.popleft()
            # The first look may wait for the model's load too (seconds on a busy machine).
            if not self._loaded.wait(self._load_wait_s):
                self._give_up(f"its model did not load within {self._load_wait_s:g} s")
                return out
            if not look.done.wait(self._wait_s):
                self._give_up(f"a look took over {self._wait_s:g} s")
                return out
            if look.error is not None:
                self._give_up(str(look.error))
                return out
            assert look.sighting is not None
            out.append(look.sighting)

    def _give_up(self, why: str) -> None:
        with self._lock:
            self._pending.clear()
            if self.failed:  # said once
                return
            self.failed = True
        log.warning("the second-person check failed (%s); going on without it", why)

    def close(self) -> None:
        try:
            if self._thread is not None:
                while True:  # make room for the stop marker (a blocked pose thread is gone by now)
                    try:
                        self._work.put_nowait(_STOP)
                        break
                    except queue.Full:
                        try:
                            self._work.get_nowait()
                        except queue.Empty:
                            pass
                self._thread.join(self._join_timeout_s)
        finally:
            try:
                if self._thread is None or not self._thread.is_alive():
                    self._detector.close()  # not under a look still running: its graph is in use
            finally:
                self._estimator.close()
