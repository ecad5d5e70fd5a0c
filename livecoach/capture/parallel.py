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
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import cv2

from livecoach.capture.base import CaptureError
from livecoach.capture.pose import MediaPipePoseEstimator
from livecoach.capture.video_file import VideoFileSource
from livecoach.config.schema import PoseConfig
from livecoach.types import PoseFrame

__all__ = ["extract_landmarks_parallel", "chunk_bounds", "useful_workers", "DEFAULT_OVERLAP_FRAMES",
           "MIN_CHUNK_FRAMES"]

# One second at 30 fps: MediaPipe's tracker needs a few frames to find the person and its
# landmark filter about as many to settle; a second is ample and costs ~4 % of a 750-frame chunk.
DEFAULT_OVERLAP_FRAMES = 30
# Below this many frames per worker, starting processes and models costs more than it saves.
MIN_CHUNK_FRAMES = 120
# A worker adds its kept frames to the shared progress counter this often (a lock per frame
# would cost more than it tells).
_PROGRESS_EVERY = 15

#: In a worker process: the run's shared count of frames done (set by the pool's initializer).
_done_counter: Any = None


@dataclass(frozen=True)
class _Chunk:
    video: str
    pose_config: PoseConfig
    max_width: int
    warm_start: int  # first frame given to the tracker
    start: int  # first frame whose pose is kept
    end: Optional[int]  # one past the last frame kept; None = to the end of the file


def useful_workers(frame_count: Optional[int], workers: int, min_chunk_frames: int = MIN_CHUNK_FRAMES) -> int:
    """How many of ``workers`` a video of ``frame_count`` frames is worth (1: extract in this process)."""
    if frame_count is None or workers <= 1:
        return 1
    return max(1, min(int(workers), frame_count // max(1, min_chunk_frames)))


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
                    if _done_counter is not None and len(poses) % _PROGRESS_EVERY == 0:
                        with _done_counter.get_lock():
                            _done_counter.value += _PROGRESS_EVERY
        return poses
    finally:
        source.close()


def _worker_init(done_counter: Any = None) -> None:
    # One worker per core already: OpenCV's own thread pool (resize, colour conversion) in
    # every worker would only oversubscribe the cores. Results do not depend on it.
    cv2.setNumThreads(1)
    global _done_counter
    _done_counter = done_counter


def _stated_frame_count(video: Path) -> Optional[int]:
    with VideoFileSource(video) as source:
        return source.frame_count


def extract_landmarks_parallel(video: Union[str, Path], pose_config: PoseConfig, workers: int = 2,
                               overlap_frames: int = DEFAULT_OVERLAP_FRAMES, max_width: int = 640,
                               min_chunk_frames: int = MIN_CHUNK_FRAMES,
                               progress: Optional[Callable[[int, int], None]] = None,
                               ) -> List[Optional[PoseFrame]]:
    """The pose of every frame of ``video`` (``None`` where nobody is found), in frame order.

    ``workers`` processes (spawned: MediaPipe does not survive a fork) each take one chunk,
    fewer when a chunk would have under ``min_chunk_frames`` frames (:func:`useful_workers`);
    one worker, or a video whose container states no frame count, runs sequentially in this
    process. A caller run
    as a script needs the ``if __name__ == "__main__":`` guard that spawning requires.
    ``max_width`` is the inference width (``[capture] inference_max_width``). ``progress``,
    when given, is called about twice a second with (frames done, frames stated) while the
    workers run. Raises
    :class:`CaptureError` (one line) when the video cannot be read or a worker dies; a
    worker's own exception is re-raised here.
    """
    video = Path(video)
    count = _stated_frame_count(video)  # also: a bad path fails here, in this process, in one line
    workers = useful_workers(count, workers, min_chunk_frames)
    if count is None or workers <= 1:
        return _extract_chunk(_Chunk(str(video), pose_config, max_width, 0, 0, None))
    chunks = [_Chunk(str(video), pose_config, max_width, warm, start, end)
              for warm, start, end in chunk_bounds(count, workers, overlap_frames)]
    context = multiprocessing.get_context("spawn")
    done = context.Value("q", 0)
    with ProcessPoolExecutor(max_workers=len(chunks), mp_context=context, initializer=_worker_init,
                             initargs=(done,)) as pool:
        futures = [pool.submit(_extract_chunk, chunk) for chunk in chunks]
        try:
            while True:
                finished, pending = wait(futures, timeout=0.5, return_when=FIRST_EXCEPTION)
                if progress is not None:
                    progress(min(int(done.value), count), count)
                if not pending or any(f.exception() is not None for f in finished):
                    break
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
