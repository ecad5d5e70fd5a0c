"""A session's pose model: started (one line on failure), switchable to the lighter model when a
live session drops frames, or replaced by poses extracted beforehand by several processes
(``analyze --jobs``)."""
from __future__ import annotations

import dataclasses
import sys
import time
from typing import Iterator, List, Optional, Sequence

from livecoach.capture.base import CaptureError
from livecoach.capture.pose import MediaPipePoseEstimator, PoseModelError, model_installed  # mediapipe when used
from livecoach.config.schema import Config
from livecoach.errors import InputProblem, PoseModelProblem
from livecoach.session.options import SessionOptions
from livecoach.session.quality import SwitchableEstimator
from livecoach.session.ticks import Tick
from livecoach.types import PoseFrame

__all__ = ["start_estimator", "switchable_estimator", "poses_in_parallel", "with_poses"]


def start_estimator(config: Config) -> MediaPipePoseEstimator:
    try:
        return MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
    except PoseModelError as exc:
        raise PoseModelProblem(str(exc)) from None


def poses_in_parallel(options: SessionOptions, config: Config,
                       frame_count: Optional[int]) -> Optional[List[Optional[PoseFrame]]]:
    """``analyze --jobs N``: every frame's pose, extracted by N worker processes over chunks of
    the video, before the session runs; None when one process would do (``--jobs 1``, a
    short video, or not ``analyze``)."""
    from livecoach.capture.parallel import extract_landmarks_parallel, useful_workers

    if options.mode != "analyze" or options.video is None:
        return None
    workers = useful_workers(frame_count, options.jobs)
    if workers <= 1:
        return None
    show = options.progress
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if show and total:
            bar = "#" * int(30 * done / total)
            sys.stderr.write(f"\rposes [{bar:<30}] {100 * done / total:5.1f}%  {done}/{total} frames  "
                             f"{done / max(time.monotonic() - started, 1e-6):5.1f} fps ({workers} processes)")
            sys.stderr.flush()

    try:
        poses = extract_landmarks_parallel(options.video, config.pose, workers=workers,
                                           max_width=config.capture.inference_max_width, progress=progress)
    except PoseModelError as exc:
        raise PoseModelProblem(str(exc)) from None
    except CaptureError as exc:
        raise InputProblem(str(exc)) from None
    finally:
        if show:
            sys.stderr.write("\r\033[K")
    return poses


def with_poses(ticks: Iterator[Tick], poses: Sequence[Optional[PoseFrame]]) -> Iterator[Tick]:
    """The frames of ``ticks`` with their poses extracted beforehand (by frame index)."""
    for tick in ticks:
        index = tick.frame_index
        pose = poses[index] if 0 <= index < len(poses) else None
        yield Tick(tick.t_s, index, tick.frame, pose, pose_known=True)


def switchable_estimator(config: Config, live: bool) -> SwitchableEstimator:
    """The pose model; live, with the lighter one ([pose] fallback_model_complexity) to switch to
    when frames are being dropped (built only then, and offered only when it is installed:
    MediaPipe would otherwise try to download it mid-session)."""
    pose = config.pose
    lighter = pose.fallback_model_complexity
    can_switch = live and lighter < pose.model_complexity and model_installed(lighter)
    make_lighter = (lambda: MediaPipePoseEstimator(dataclasses.replace(pose, model_complexity=lighter),
                                                   config.capture.inference_max_width)) if can_switch else None
    return SwitchableEstimator(start_estimator(config), pose.model_complexity, make_lighter,
                               lighter if can_switch else None)
