"""Pose extraction on every core: a video split into chunks, one worker process per chunk.

Offline analysis (``analyze``, ``eval``) runs the pose model on every frame, and the model is
nearly all the cost. :func:`extract_landmarks_parallel` splits the video into ``workers``
contiguous chunks; each worker process decodes its chunk in order and runs its own
MediaPipe tracker on it, after first running it over the ``overlap_frames`` frames before the
chunk (their results are discarded) so that at the chunk's first frame the tracker already
follows the person and its landmark smoothing has settled, as in a sequential run. The
chunks come back in order as one per-frame ``PoseFrame | None`` list, identical in length,
frame indices and times to the sequential extraction (``workers=1``, which runs in this
process); the landmarks right after a chunk boundary can differ in the last digits, the
counts and faults of the session logic do not (tested on the regression clips).

The logic itself stays sequential: run it once, in order, over the returned list.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import cv2

from livecoach.capture.base import CaptureError
from livecoach.capture.pose import MediaPipePoseEstimator
from livecoach.capture.video_file import VideoFileSource
from livecoach.config.schema import PoseConfig
from livecoach.types import PoseFrame

__all__ = ["extract_landmarks_parallel", "chunk_bounds", "DEFAULT_OVERLAP_FRAMES", "MIN_CHUNK_FRAMES"]

# One second at 30 fps: MediaPipe's tracker needs a few frames to find the person and its
# landmark filter about as many to settle; a second is ample and costs ~4 % of a 750-frame chunk.
DEFAULT_OVERLAP_FRAMES = 30
# Below this many frames per worker, starting processes and models costs more than it saves.
MIN_CHUNK_FRAMES = 120


@dataclass(frozen=True)
class _Chunk:
    video: str
    pose_config: PoseConfig
    max_width: int
    warm_start: int  # first frame given to the tracker
    start: int  # first frame whose pose is kept
    end: Optional[int]  # one past the last frame kept; None = to the end of the file


def chunk_bounds(frame_count: int, workers: int, overlap_frames: int) -> List[Tuple[int, int, Optional[int]]]:
    """``(warm_start, start, end)`` for each of ``workers`` contiguous chunks of the frames.

    The last chunk's ``end`` is ``None`` (read to the end, whatever the container said).
    """
    workers = max(1, int(workers))
    bounds = []
    for i in range(workers):
        start = frame_count * i // workers
        end = None if i == workers - 1 else frame_count * (i + 1) // workers
        bounds.append((max(0, start - max(0, int(overlap_frames))), start, end))
    return bounds


def _extract_chunk(chunk: _Chunk) -> List[Optional[PoseFrame]]:
    """Worker: the poses of frames ``start..end-1`` (fewer if the file ends first)."""
    source = VideoFileSource(chunk.video)
    source.open()
    try:
        if source.skip(chunk.warm_start) < chunk.warm_start:
            return []  # the file ends before this chunk (shorter than it said)
        poses: List[Optional[PoseFrame]] = []
        with MediaPipePoseEstimator(chunk.pose_config, max_width=chunk.max_width) as estimator:
            while chunk.end is None or len(poses) < chunk.end - chunk.start:
                frame = source.read()
                if frame is None:
                    break
                pose = estimator.estimate(frame)
                if frame.index >= chunk.start:
                    poses.append(pose)
        return poses
    finally:
        source.close()


def _worker_init() -> None:
    # One worker per core already: OpenCV's own thread pool (resize, colour conversion) in
    # every worker would only oversubscribe the cores. Results do not depend on it.
    cv2.setNumThreads(1)


def _stated_frame_count(video: Path) -> Optional[int]:
    with VideoFileSource(video) as source:
        return source.frame_count


def extract_landmarks_parallel(video: Union[str, Path], pose_config: PoseConfig, workers: int = 2,
                               overlap_frames: int = DEFAULT_OVERLAP_FRAMES, max_width: int = 640,
                               min_chunk_frames: int = MIN_CHUNK_FRAMES) -> List[Optional[PoseFrame]]:
    """The pose of every frame of ``video`` (``None`` where nobody is found), in frame order.

    ``workers`` processes (spawned: MediaPipe does not survive a fork) each take one chunk;
    ``workers=1``, a video with fewer than ``min_chunk_frames`` frames per worker, or one
    whose container states no frame count, runs sequentially in this process. A caller run
    as a script needs the ``if __name__ == "__main__":`` guard that spawning requires.
    ``max_width`` is the inference width (``[capture] inference_max_width``). Raises
    :class:`CaptureError` (one line) when the video cannot be read or a worker dies; a
    worker's own exception is re-raised here.
    """
    video = Path(video)
    count = _stated_frame_count(video)  # also: a bad path fails here, in this process, in one line
    if count is None or workers <= 1 or count < max(1, min_chunk_frames) * workers:
        return _extract_chunk(_Chunk(str(video), pose_config, max_width, 0, 0, None))
    chunks = [_Chunk(str(video), pose_config, max_width, warm, start, end)
              for warm, start, end in chunk_bounds(count, workers, overlap_frames)]
    with ProcessPoolExecutor(max_workers=len(chunks), mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init) as pool:
        futures = [pool.submit(_extract_chunk, chunk) for chunk in chunks]
        try:
            parts = [future.result() for future in futures]
        except BrokenProcessPool:
            raise CaptureError(f"pose extraction of {video.name} failed: a worker process died") from None
        except BaseException:  # a worker's error, Ctrl-C: the other workers' chunks are not wanted
            _terminate_workers(pool)
            raise
    return _joined(parts, chunks)


def _terminate_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now rather than after their chunks (minutes of model time)."""
    # The executor has no public terminate(); its process table is the only handle on them.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _joined(parts: Sequence[List[Optional[PoseFrame]]], chunks: Sequence[_Chunk]) -> List[Optional[PoseFrame]]:
    """The chunks' poses as one list; a chunk cut short (the file ended) ends the list."""
    poses: List[Optional[PoseFrame]] = []
    for part, chunk in zip(parts, chunks):
        poses.extend(part)
        if chunk.end is not None and len(part) < chunk.end - chunk.start:
            break  # the file ended inside this chunk: later chunks have nothing either
    return poses
