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

``analyze --jobs N`` does not wait for the whole list: :class:`PoseStream` runs the first chunk
in this process, as a one-process run would (the session's own model, the pipelined loop and
the logic on the frames as they come), while N−1 worker processes extract the later chunks and
send their poses back as they go. When the session reaches a worker's chunk, its poses are
waiting (the worker had no logic to run), so the logic never waits for all the extraction to
end and nothing is decoded twice for it. Measured on calimiro (55 s, 640×360, this 2-core VM):
extracting everything first, then running the logic over it, left one core idle for the ~6 s
of the logic pass.
"""
from __future__ import annotations

import logging
import multiprocessing
import queue
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import cv2

from livecoach.capture.base import CaptureError
from livecoach.capture.pose import MediaPipePoseEstimator
from livecoach.capture.video_file import VideoFileSource
from livecoach.config.schema import PoseConfig
from livecoach.types import PoseFrame

__all__ = ["extract_landmarks_parallel", "chunk_bounds", "stream_chunk_bounds", "useful_workers", "PoseStream", "DEFAULT_OVERLAP_FRAMES",
           "MIN_CHUNK_FRAMES"]

log = logging.getLogger(__name__)

# One second at 30 fps: MediaPipe's tracker needs a few frames to find the person and its
# landmark filter about as many to settle; a second is ample and costs ~4 % of a 750-frame chunk.
DEFAULT_OVERLAP_FRAMES = 30
# Below this many frames per worker, starting processes and models costs more than it saves.
MIN_CHUNK_FRAMES = 120
# In ``analyze --jobs``, the session's logic runs over the workers' poses this many times faster
# than one model extracts them (measured on calimiro, 640x360, this 2-core VM: the model at
# 17.5 fps while two extract, the session's logic over the worker's frames at 227 fps): the
# session's own chunk is shortened by it (:func:`stream_chunk_bounds`).
SESSION_CATCH_UP_RATIO = 0.08
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


def stream_chunk_bounds(frame_count: int, workers: int, overlap_frames: int,
                        catch_up_ratio: float = SESSION_CATCH_UP_RATIO) -> List[Tuple[int, int, Optional[int]]]:
    """:func:`chunk_bounds` for :class:`PoseStream`: the first chunk (the session's own, whose
    logic runs as its model goes) shorter than the others, so the workers' chunks end when the
    session's logic has caught up with them rather than before.

    With equal chunks, the workers finish about when the session finishes its own chunk; the
    session's logic then runs over all their frames alone, one core idle (measured on calimiro,
    ``--jobs 2``: 2.6 s of 52 s). Shortening the session's chunk by what that catch-up takes
    lets it overlap the workers' last frames instead. ``catch_up_ratio``: model fps over the
    session's logic fps over ready poses (0: equal chunks).
    """
    workers = max(1, int(workers))
    if workers == 1:
        return chunk_bounds(frame_count, 1, overlap_frames)
    others = workers - 1
    rho = min(max(0.0, float(catch_up_ratio)), 0.5)
    overlap = max(0, int(overlap_frames))
    # The session reaches its chunk's end at s1/r and catches up over the rest at r/rho fps; a
    # worker ends its chunk (with its warm-up frames) at (w + overlap)/r, w = (N - s1)/others:
    # s1 + (N - s1)*rho = (N - s1)/others + overlap.
    first = (frame_count / others + overlap - frame_count * rho) / (1.0 - rho + 1.0 / others)
    first = int(round(min(max(first, frame_count / (2 * workers)), frame_count / workers)))
    bounds: List[Tuple[int, int, Optional[int]]] = [(0, 0, first)]
    for i in range(others):
        start = first + (frame_count - first) * i // others
        end = None if i == others - 1 else first + (frame_count - first) * (i + 1) // others
        bounds.append((max(0, start - overlap), start, end))
    return bounds


def _extract_chunk(chunk: _Chunk, batch: Optional[Callable[[List[Optional[PoseFrame]]], None]] = None,
                   ) -> List[Optional[PoseFrame]]:
    """Worker: the poses of frames ``start..end-1`` (fewer if the file ends first).

    With ``batch``, the poses are handed to it every ``_PROGRESS_EVERY`` frames (and the rest at
    the end) instead of being returned.
    """
    source = VideoFileSource(chunk.video)
    source.open()
    try:
        if source.skip(chunk.warm_start) < chunk.warm_start:
            return []  # the file ends before this chunk (shorter than it said)
        poses: List[Optional[PoseFrame]] = []
        with MediaPipePoseEstimator(chunk.pose_config, max_width=chunk.max_width) as estimator:
            kept = 0
            while chunk.end is None or kept < chunk.end - chunk.start:
                frame = source.read()
                if frame is None:
                    break
                pose = estimator.estimate(frame)
                if frame.index >= chunk.start:
                    poses.append(pose)
                    kept += 1
                    if kept % _PROGRESS_EVERY == 0:
                        if batch is not None:
                            batch(poses)
                            poses = []
                        if _done_counter is not None:
                            with _done_counter.get_lock():
                                _done_counter.value += _PROGRESS_EVERY
        if batch is not None and poses:
            batch(poses)
            poses = []
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


# -- streaming: the first chunk in this process, the others sent back as they are extracted -----

def _stream_chunk(chunk: _Chunk, out: Any) -> None:
    """Worker process: extract ``chunk``, putting ``("poses", [...])`` batches on ``out``, then
    ``("end", None)``, or ``("error", exception)`` when it fails."""
    cv2.setNumThreads(1)  # as in _worker_init: one process per core already
    try:
        _extract_chunk(chunk, batch=lambda poses: out.put(("poses", poses)))
    except BaseException as exc:  # noqa: BLE001 - re-raised in the session's process
        try:
            out.put(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its text then
            out.put(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        return
    out.put(("end", None))


class _StreamedChunk:
    """This process's end of one worker: its process, its queue and the poses received so far."""

    def __init__(self, chunk: _Chunk, context: Any, worker: Callable[[_Chunk, Any], None]) -> None:
        self.chunk = chunk
        self.queue = context.Queue()
        self.process = context.Process(target=worker, args=(chunk, self.queue),
                                       name=f"livecoach-poses-{chunk.start}", daemon=True)
        self.poses: Dict[int, Optional[PoseFrame]] = {}
        self.received = 0  # frames received: the chunk's indices start..start+received-1
        self.ended = False


class PoseStream:
    """The poses of a video's frames from ``in_process_end`` on, extracted by worker processes over
    overlapping chunks while this process runs frames ``0..in_process_end-1`` itself.

    :meth:`start` spawns the workers (MediaPipe does not survive a fork); :meth:`pose` gives
    frame ``index``'s pose, waiting for its worker to get there; :meth:`close` stops them.
    A worker's exception is re-raised by :meth:`pose`; a worker that dies raises
    :class:`CaptureError` (one line). Frames past the end of what a worker read (the file
    ended before it said) have no pose (None), as with :func:`extract_landmarks_parallel`.
    """

    def __init__(self, video: Union[str, Path], pose_config: PoseConfig, frame_count: int, workers: int,
                 overlap_frames: int = DEFAULT_OVERLAP_FRAMES, max_width: int = 640,
                 wait_poll_s: float = 0.5, worker: Callable[[_Chunk, Any], None] = _stream_chunk) -> None:
        self.video = Path(video)
        bounds = stream_chunk_bounds(frame_count, workers, overlap_frames)
        #: The first frame whose pose comes from a worker; the frames before it are this process's.
        self.in_process_end = bounds[1][1] if len(bounds) > 1 else frame_count
        self._chunks = [_Chunk(str(self.video), pose_config, max_width, warm, start, end)
                        for warm, start, end in bounds[1:]]
        self._context = multiprocessing.get_context("spawn")
        self._streams: List[_StreamedChunk] = []
        self._wait_poll_s = wait_poll_s
        self._worker = worker  # a module-level function (spawned processes import it); tests fake it

    def start(self) -> None:
        """Start the workers (each loads its own model: seconds, while this process loads its own)."""
        for chunk in self._chunks:
            stream = _StreamedChunk(chunk, self._context, self._worker)
            stream.process.start()
            self._streams.append(stream)

    def pose(self, index: int) -> Optional[PoseFrame]:
        """Frame ``index``'s pose (``index >= in_process_end``), waiting for it if need be."""
        stream = self._stream_of(index)
        if stream is None:
            return None
        while index not in stream.poses:
            if stream.ended:
                return None  # the worker's file ended before this frame
            self._receive(stream)
        # A frame's pose is asked for once, in order: what is before it is not needed again.
        return stream.poses.pop(index)

    def _stream_of(self, index: int) -> Optional[_StreamedChunk]:
        for stream in reversed(self._streams):
            if index >= stream.chunk.start:
                if stream.chunk.end is not None and index >= stream.chunk.end:
                    return None
                return stream
        raise ValueError(f"frame {index} is this process's (before frame {self.in_process_end})")

    def _receive(self, stream: _StreamedChunk) -> None:
        try:
            kind, payload = stream.queue.get(timeout=self._wait_poll_s)
        except queue.Empty:
            if not stream.process.is_alive():
                try:  # what it put just before it ended may still be on its way
                    kind, payload = stream.queue.get(timeout=self._wait_poll_s)
                except queue.Empty:
                    raise CaptureError(f"pose extraction of {self.video.name} failed: a worker process "
                                       f"died (exit code {stream.process.exitcode})") from None
            else:
                return
        if kind == "poses":
            for offset, pose in enumerate(payload):
                stream.poses[stream.chunk.start + stream.received + offset] = pose
            stream.received += len(payload)
        elif kind == "end":
            stream.ended = True
        else:
            raise payload

    def close(self) -> None:
        """Stop the workers (at once if they are not done: their chunks are not wanted any more)."""
        for stream in self._streams:
            if stream.process.is_alive() and not stream.ended:
                stream.process.terminate()
            stream.process.join(2.0)
            if stream.process.is_alive():
                stream.process.kill()
                stream.process.join(2.0)
            stream.queue.close()
            stream.queue.cancel_join_thread()
        self._streams = []
