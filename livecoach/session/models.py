"""A session's pose model: started (one line on failure), switchable to the lighter model when a
live session drops frames, and the worker processes that extract the poses of a video's later
chunks while the session runs the first (``analyze --jobs``)."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable, Iterator, Optional

from livecoach.capture.pose import MediaPipePoseEstimator, PoseModelError, model_installed  # mediapipe when used
from livecoach.config.schema import Config, PoseConfig
from livecoach.errors import PoseModelProblem
from livecoach.session.options import SessionOptions
from livecoach.session.ports import PoseEstimator
from livecoach.session.quality import SwitchableEstimator
from livecoach.session.ticks import Tick
from livecoach.types import Frame, PoseFrame

if TYPE_CHECKING:
    from livecoach.capture.parallel import PoseStream

__all__ = ["pose_model", "start_estimator", "switchable_estimator", "pose_stream", "with_streamed_poses"]


def pose_model(pose: PoseConfig, max_width: int) -> PoseEstimator:
    """BlazePose with these settings: in a process of its own when ``[pose] model_in_own_process``
    (:mod:`livecoach.capture.pose_process`), else on the calling process's threads."""
    if pose.model_in_own_process:
        from livecoach.capture.pose_process import PoseProcessEstimator

        return PoseProcessEstimator(pose, max_width, in_flight=pose.model_frames_in_flight)
    return MediaPipePoseEstimator(pose, max_width)


def start_estimator(config: Config) -> PoseEstimator:
    """The session's pose model, loaded (a failure is one line: :class:`PoseModelProblem`)."""
    try:
        return pose_model(config.pose, config.capture.inference_max_width)
    except PoseModelError as exc:
        raise PoseModelProblem(str(exc)) from None


def pose_stream(options: SessionOptions, config: Config, frame_count: Optional[int]) -> "Optional[PoseStream]":
    """``analyze --jobs N``: the worker processes that extract the poses of the video's later
    chunks while this process runs the first (see :class:`~livecoach.capture.parallel.PoseStream`),
    started; None when one process would do (``--jobs 1``, a short video, or not ``analyze``)."""
    from livecoach.capture.parallel import PoseStream, useful_workers

    if options.mode != "analyze" or options.video is None or frame_count is None:
        return None
    workers = useful_workers(frame_count, options.jobs)
    if workers <= 1:
        return None
    stream = PoseStream(options.video, config.pose, frame_count, workers,
                        max_width=config.capture.inference_max_width)
    stream.start()
    return stream


def with_streamed_poses(ticks: Iterator[Tick], stream: "PoseStream",
                        observe: Optional[Callable[[Frame, Optional[PoseFrame]], None]] = None) -> Iterator[Tick]:
    """The frames of ``ticks``: this process's (before ``stream.in_process_end``) as they are, for
    its own model; the later ones with the pose ``stream``'s workers extracted, each also shown
    to ``observe`` (the second-person look) as the model's would have been."""
    for tick in ticks:
        index = tick.frame_index
        if index < stream.in_process_end:
            yield tick
            continue
        try:
            pose = stream.pose(index)
        except PoseModelError as exc:
            raise PoseModelProblem(str(exc)) from None
        if observe is not None and tick.frame is not None:
            observe(tick.frame, pose)
        yield Tick(tick.t_s, index, tick.frame, pose, pose_known=True)


def switchable_estimator(config: Config, live: bool) -> SwitchableEstimator:
    """The pose model; live, with the lighter one ([pose] fallback_model_complexity) to switch to
    when frames are being dropped (built only then, and offered only when it is installed:
    MediaPipe would otherwise try to download it mid-session)."""
    pose = config.pose
    lighter = pose.fallback_model_complexity
    can_switch = live and lighter < pose.model_complexity and model_installed(lighter)
    make_lighter = (lambda: pose_model(dataclasses.replace(pose, model_complexity=lighter),
                                       config.capture.inference_max_width)) if can_switch else None
    return SwitchableEstimator(start_estimator(config), pose.model_complexity, make_lighter,
                               lighter if can_switch else None)
