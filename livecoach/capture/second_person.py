"""A second look for a second person: the adapter side of :mod:`livecoach.logic.crowd`.

MediaPipe's legacy pose solution (the pinned 0.10.21) tracks one person. Every
``[capture] second_person_check_s`` seconds of source time, :class:`SecondPersonWatchingEstimator`
(a wrapper around the session's estimator) blanks the tracked person's region out of the frame and
runs a second, single-image BlazePose (:class:`SecondPersonDetector`) on what is left; the
logic's :func:`~livecoach.logic.crowd.judge_other_person` says whether that is a person.

The second model is a separate graph, so the tracker's own landmarks -- and so the counts and
faults -- are the same with the check on or off. It runs on the thread that calls ``estimate``
(the pose worker when the loop is pipelined), at most once per interval, and only on frames where
somebody is tracked. Its sightings wait in a thread-safe queue until the frame loop takes them
(:meth:`SecondPersonWatchingEstimator.take_sightings`), in frame order, up to the frame it is
on, so a pipelined run and a sequential one see the same sightings on the same frames.
"""
from __future__ import annotations

import collections
import logging
import os
import threading
from typing import Deque, List, Optional, Tuple

import numpy as np

from livecoach.capture.native import native_stderr_captured, pass_on_non_native_lines
from livecoach.capture.pose import PoseEstimator, PoseModelError
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
        # As for the tracker (livecoach.capture.pose): MediaPipe's C++ start-up logs are not for the user.
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        try:
            import cv2
            import mediapipe as mp
        except ImportError as exc:  # broken install
            raise PoseModelError(f"MediaPipe is not installed ({exc}); run: pip install -e .") from None
        self._cv2 = cv2
        self.rules = rules
        self._max_width = max_width
        self._quiet = True
        try:
            with native_stderr_captured():
                self._pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=model_complexity,
                                                    smooth_landmarks=False, enable_segmentation=False,
                                                    min_detection_confidence=min_detection_confidence)
                self._pose.process(np.zeros((256, 256, 3), dtype=np.uint8))
        except Exception as exc:  # model file missing or unreadable
            raise PoseModelError(f"cannot load the BlazePose model for the second-person check: {exc}") from None

    def look(self, frame: Frame, tracked: PoseFrame) -> Sighting:
        """Whether somebody besides ``tracked`` is in ``frame``."""
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
        self._pose.close()


class SecondPersonWatchingEstimator:
    """``estimator``, plus a :class:`SecondPersonDetector` look every ``rules.check_s`` seconds of
    source time on frames where somebody is tracked (see the module docstring)."""

    def __init__(self, estimator: PoseEstimator, detector: "SecondPersonDetector") -> None:
        self._estimator = estimator
        self._detector = detector
        self._interval_s = detector.rules.check_s
        self._next_t: Optional[float] = None
        self._sightings: Deque[Sighting] = collections.deque()
        self._lock = threading.Lock()
        self.looks = 0
        self.failed = False

    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        pose = self._estimator.estimate(frame)
        if pose is not None and not self.failed and (self._next_t is None or frame.t_s >= self._next_t):
            self._next_t = frame.t_s + self._interval_s
            try:
                sighting = self._detector.look(frame, pose)
            except Exception as exc:  # noqa: BLE001 - the check is a notice; the coaching goes on without it
                self.failed = True
                log.warning("the second-person check failed (%s); going on without it", exc)
                return pose
            self.looks += 1
            with self._lock:
                self._sightings.append(sighting)
        return pose

    @property
    def inner(self) -> PoseEstimator:
        """The wrapped estimator (the session's tracker)."""
        return self._estimator

    def take_sightings(self, up_to_t_s: float) -> List[Sighting]:
        """The sightings of frames up to ``up_to_t_s`` not taken yet, in frame order (called by
        the frame loop; the estimator may be a frame ahead on the pose worker)."""
        out: List[Sighting] = []
        with self._lock:
            while self._sightings and self._sightings[0].t_s <= up_to_t_s:
                out.append(self._sightings.popleft())
        return out

    def close(self) -> None:
        try:
            self._detector.close()
        finally:
            self._estimator.close()
