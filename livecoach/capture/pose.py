"""Pose adapter: the only module that imports MediaPipe.

:class:`MediaPipePoseEstimator` turns a :class:`~livecoach.types.Frame` into a
:class:`~livecoach.types.PoseFrame` (33 named landmarks) or ``None`` when nobody is found.
Anything that can estimate a pose from a frame (a fake in tests, a recorded replay, another
model) satisfies :class:`PoseEstimator`.
"""
from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any, List, Optional, Protocol

import numpy as np

from livecoach.config.schema import PoseConfig
from livecoach.landmarks import NUM_LANDMARKS
from livecoach.capture.lost_track import LostTrackCheck
from livecoach.capture.light import contrast_stretch, frame_brightening_gamma, gamma_table, stretch_table
from livecoach.capture.native import native_stderr_captured, pass_on_non_native_lines
from livecoach.types import Frame, PoseFrame
from livecoach.errors import EXIT_POSE_MODEL, LiveCoachError


class PoseModelError(LiveCoachError, RuntimeError):
    """The pose model could not be loaded (the message says why, in one line)."""

    exit_code = EXIT_POSE_MODEL


class PoseEstimator(Protocol):
    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        """Landmarks of the person in ``frame``, or ``None`` if nobody is found."""

    def close(self) -> None:
        ...


def _quiet_native_logs() -> None:
    # MediaPipe's C++ side logs to stderr through glog/absl; keep the user's terminal for
    # LiveCoach's own lines unless they asked for more.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class _ImportedOnFirstUse(types.ModuleType):
    """Stands in for a module until an attribute of it is first read, then imports it."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def import_mediapipe() -> Any:
    """The ``mediapipe`` package (:class:`PoseModelError`, one line, when it is not installed).

    ``import mediapipe`` imports its drawing helpers, and they import ``matplotlib.pyplot``,
    which LiveCoach never uses: half a second of CPU in every process that loads a model
    (measured: 1.19 -> 0.73 s for ``import mediapipe`` here), three of them in
    ``analyze --jobs 2``. While mediapipe is imported, ``matplotlib.pyplot`` is a stand-in
    that imports the real module if it is ever used; afterwards an import of it is real.
    """
    _quiet_native_logs()
    if "mediapipe" in sys.modules:
        return sys.modules["mediapipe"]
    stand_in = None
    if "matplotlib.pyplot" not in sys.modules:
        stand_in = sys.modules["matplotlib.pyplot"] = _ImportedOnFirstUse("matplotlib.pyplot")
    try:
        import cv2  # the adapters' other native dependency: a broken install says so here
        import mediapipe
        del cv2  # only its import is checked
    except ImportError as exc:  # broken install
        raise PoseModelError(f"MediaPipe is not installed ({exc}); run: pip install -e .") from None
    finally:
        if stand_in is not None and sys.modules.get("matplotlib.pyplot") is stand_in:
            del sys.modules["matplotlib.pyplot"]
    return mediapipe


_MODEL_FILES = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite", 2: "pose_landmark_heavy.tflite"}


def model_installed(model_complexity: int) -> bool:
    """Whether BlazePose's landmark model of ``model_complexity`` is on this computer.

    MediaPipe 0.10.21's wheel ships only the full model (1); it downloads the lite (0) and heavy
    (2) ones on first use, which fails without the internet. Looked up without importing
    MediaPipe (its package folder), so asking costs nothing.
    """
    import importlib.util

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return False
    name = _MODEL_FILES.get(int(model_complexity))
    return name is not None and any(
        os.path.isfile(os.path.join(folder, "modules", "pose_landmark", name))
        for folder in spec.submodule_search_locations)


class ModelInput:
    """The picture the pose model is given for a frame: downscaled to ``max_width`` (the model's
    input is 256x256, so a 1080p frame at full size only costs time), smoothed (keeping edges) and
    brightened when darker than ``[pose] low_light_below_luma``, its contrast stretched when washed out
    (``[pose] low_contrast_below_spread``; both :mod:`livecoach.capture.light`), in RGB order. The
    frame's own image is never changed. :attr:`brightened` and :attr:`stretched` count those frames."""

    def __init__(self, config: PoseConfig, max_width: int = 640) -> None:
        import cv2

        self._cv2 = cv2
        self._max_width = max_width
        self._below = config.low_light_below_luma
        self._target = config.low_light_target_luma
        self._floor = config.low_light_floor_luma
        self._blur = config.low_light_blur_px | 1  # an odd kernel size
        # The guided filter's eps is a variance: steps of luminance above the contrast are kept.
        self._edge_eps = config.low_light_edge_contrast ** 2
        # The guided filter is one of OpenCV's contrib modules (opencv-contrib-python, which
        # mediapipe pulls in); a cv2 without them (opencv-python installed over it) smooths with
        # the Gaussian rather than failing: `livecoach doctor` says so.
        guided = getattr(getattr(cv2, "ximgproc", None), "guidedFilter", None)
        wanted = self._edge_eps > 0 and self._blur > 1
        self._guided = guided if wanted else None
        #: Whether dark frames are smoothed keeping their edges (False: by a Gaussian, or not at all).
        self.keeps_edges = self._guided is not None
        #: The config asks for edge-keeping smoothing and this cv2 lacks it (the Gaussian stands in).
        self.edge_filter_missing = wanted and guided is None
        self._contrast = (config.low_contrast_below_spread, config.low_contrast_target_spread,
                          config.low_contrast_max_gain)
        self.brightened = 0
        self.stretched = 0

    def __call__(self, image: np.ndarray) -> np.ndarray:
        cv2 = self._cv2
        height, width = image.shape[:2]
        if width > self._max_width:
            scale = self._max_width / width
            image = cv2.resize(image, (self._max_width, max(1, round(height * scale))),
                               interpolation=cv2.INTER_AREA)
        if self._below > 0 or self._contrast[0] > 0:
            gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
            gamma = frame_brightening_gamma(gray, self._below, self._target, self._floor)
            if gamma is not None:
                if self._blur > 1:  # smoothed first: the curve lifts the picture, not its sensor noise
                    image = self._smoothed(image, gray)
                image = cv2.LUT(image, gamma_table(gamma))
                self.brightened += 1
            else:
                stretch = contrast_stretch(gray, *self._contrast, lit_from=self._below, floor=self._floor)
                if stretch is not None:
                    image = cv2.LUT(image, stretch_table(*stretch))
                    self.stretched += 1
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def _smoothed(self, image: np.ndarray, gray: np.ndarray) -> np.ndarray:
        """``image`` smoothed over the ``low_light_blur_px`` window. With an edge contrast, by a
        guided filter steered by the luminance ``gray``: in the dark a body's outline against the
        floor is a step of a few dozen grey levels, which a Gaussian blurs as much as the noise;
        the guided filter keeps steps above the contrast and smooths the noise below it, at
        about 3 ms for a 640x360 frame (a luminance guide: a colour guide cost 17 ms)."""
        if self._guided is not None:
            return self._guided(gray, image, self._blur // 2, self._edge_eps)
        return self._cv2.GaussianBlur(image, (self._blur, self._blur), 0)


class MediaPipePoseEstimator:
    """BlazePose (``mp.solutions.pose``) in video mode; one instance per stream.

    The model sees :class:`ModelInput`'s picture of each frame (downscaled to ``max_width``,
    brightened when dark); landmarks come back in the source frame's pixels either way.
    :attr:`brightened` counts the frames brightened for it.
    """

    def __init__(self, config: PoseConfig, max_width: int = 640) -> None:
        mp = import_mediapipe()
        self._input = ModelInput(config, max_width)
        self._lost_track = LostTrackCheck(config.retrack_below_torso_share, config.retrack_window_s,
                                          config.retrack_side_on_width_share)
        # The graph logs a screenful of TFLite/absl warnings while it starts and when its
        # landmark model first runs (the first frame with a person); none of it is actionable.
        self._quiet = True
        try:
            with native_stderr_captured():
                self._pose = mp.solutions.pose.Pose(
                    static_image_mode=False,
                    model_complexity=config.model_complexity,
                    smooth_landmarks=config.smooth_landmarks,
                    enable_segmentation=False,
                    min_detection_confidence=config.min_detection_confidence,
                    min_tracking_confidence=config.min_tracking_confidence,
                )
                # The graph loads its models on its own threads, logging as it goes; one
                # frame through it now keeps that inside this quiet window.
                self._pose.process(np.zeros((256, 256, 3), dtype=np.uint8))
        except Exception as exc:  # model file missing or unreadable
            raise PoseModelError(f"cannot load the BlazePose model: {exc}") from None

    @property
    def brightened(self) -> int:
        """Frames brightened for the model so far (``[pose] low_light_below_luma``)."""
        return self._input.brightened

    @property
    def edge_filter_missing(self) -> bool:
        """The config asks for edge-keeping smoothing and this cv2 lacks it (:class:`ModelInput`)."""
        return self._input.edge_filter_missing

    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        height, width = frame.image.shape[:2]
        return self.estimate_prepared(self._input(frame.image), frame.t_s, frame.index, width, height)

    def estimate_prepared(self, rgb: np.ndarray, t_s: float, frame_index: int,
                          width: int, height: int) -> Optional[PoseFrame]:
        """The pose in ``rgb``, the picture :class:`ModelInput` made of a ``width`` x ``height``
        frame (landmarks come back in that frame's pixels)."""
        pose = self._read(rgb, t_s, frame_index, width, height)
        if self._lost_track.lost(t_s, pose):
            # the tracked crop lost the body (see livecoach.capture.lost_track): find it afresh
            self._pose.reset()
            self._quiet = True  # the restarted graph logs its models' start again (not actionable)
            pose = self._read(rgb, t_s, frame_index, width, height)
            self._lost_track.redetected(t_s, pose)
        return pose

    @property
    def redetections(self) -> int:
        """Pictures read again from a fresh detection because the tracking lost the body."""
        return self._lost_track.redetections

    def _read(self, rgb: np.ndarray, t_s: float, frame_index: int,
              width: int, height: int) -> Optional[PoseFrame]:
        if self._quiet:
            # fd 2 is redirected until the landmark model first runs (the first frame with a
            # person), and it is process-wide: what the loop's thread printed meanwhile (the
            # dropped-frames notice while nobody is in view) is passed on afterwards.
            caught: List[str] = []
            with native_stderr_captured(caught):
                result = self._pose.process(rgb)
            self._quiet = result.pose_landmarks is None
            pass_on_non_native_lines("".join(caught))
        else:
            result = self._pose.process(rgb)
        if result.pose_landmarks is None or result.pose_world_landmarks is None:
            return None
        image_xyz = np.empty((NUM_LANDMARKS, 3), dtype=np.float32)
        visibility = np.empty(NUM_LANDMARKS, dtype=np.float32)
        world_xyz = np.empty((NUM_LANDMARKS, 3), dtype=np.float32)
        for i, lm in enumerate(result.pose_landmarks.landmark):
            # Normalised [0,1] coordinates -> pixels of the *source* frame; z uses x's scale.
            image_xyz[i] = (lm.x * width, lm.y * height, lm.z * width)
            visibility[i] = lm.visibility
        for i, lm in enumerate(result.pose_world_landmarks.landmark):
            world_xyz[i] = (lm.x, lm.y, lm.z)
        return PoseFrame(t_s=t_s, frame_index=frame_index, width=width, height=height,
                         image_xyz=image_xyz, visibility=visibility, world_xyz=world_xyz)

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> "MediaPipePoseEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
