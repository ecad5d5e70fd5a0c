"""The pose model in a process of its own (``[pose] model_in_own_process``).

MediaPipe's ``process()`` holds Python's interpreter lock for much of its work. With the model on
a thread of the session's process, the frame loop's Python (logic, overlay, recorders) and the
model take turns more than they overlap: measured here, a Python thread kept busy beside it
slowed the model from 26 to 16 frames a second, while a busy *process* beside it cost 2 %
(26.1 -> 25.5 fps, calimiro, 300 frames). So :class:`PoseProcessEstimator` keeps the model in a
spawned child process and this process sends it each frame's model picture
(:class:`~livecoach.capture.pose.ModelInput`: downscaled and in RGB, made here so the child's
core does nothing but the model) and gets the pose back; it satisfies the same
:class:`~livecoach.capture.pose.PoseEstimator` contract as the in-process estimator, so the
pipelined loop, the lighter-model switch and the second-person look work on it unchanged.

The child never outlives the session: it stops when asked, when its pipe closes (the session's
process ended, even by SIGKILL) and, being a daemon, when the session's process exits. It
ignores Ctrl-C (the terminal sends SIGINT to both): the session decides when it stops. A child
that fails to load the model, raises, or dies is one :class:`PoseModelError` line on the
session's side, never a hang: the model's start waits at most ``start_timeout_s``.
"""
from __future__ import annotations

import multiprocessing
import signal
import threading
from multiprocessing import shared_memory
from typing import Any, Callable, List, Optional, Protocol, Tuple

import numpy as np

from livecoach.capture.pose import MediaPipePoseEstimator, ModelInput, PoseModelError
from livecoach.config.schema import PoseConfig
from livecoach.types import Frame, PoseFrame

__all__ = ["PoseProcessEstimator"]

#: How long :meth:`PoseProcessEstimator.close` waits for the child to stop before killing it.
STOP_TIMEOUT_S = 2.0


class PreparedPictureEstimator(Protocol):
    """What the child runs: a pose model given :class:`~livecoach.capture.pose.ModelInput` 's
    picture of a frame (:class:`~livecoach.capture.pose.MediaPipePoseEstimator`, or a fake)."""

    def estimate_prepared(self, rgb: np.ndarray, t_s: float, frame_index: int,
                          width: int, height: int) -> Optional[PoseFrame]: ...

    def close(self) -> None: ...


def _serve(conn: Any, config: PoseConfig, max_width: int,
           model: Callable[[PoseConfig, int], PreparedPictureEstimator]) -> None:
    """The child: load the model, then answer each frame's picture with its pose until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the session's to handle
    try:
        estimator = model(config, max_width)
    except PoseModelError as exc:
        conn.send(("error", str(exc)))
        return
    except BaseException as exc:  # noqa: BLE001 - reported on the session's side
        conn.send(("error", f"the pose model failed to start: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    pictures: Optional[shared_memory.SharedMemory] = None
    try:
        while True:
            try:
                header = conn.recv()
            except (EOFError, OSError):  # the session's process is gone
                return
            if header is None:
                return
            t_s, frame_index, width, height, shape, segment, offset = header
            if pictures is None or pictures.name != segment:
                if pictures is not None:
                    pictures.close()
                pictures = shared_memory.SharedMemory(name=segment)
            rgb = np.ndarray(shape, dtype=np.uint8, buffer=pictures.buf, offset=offset)
            try:
                pose = estimator.estimate_prepared(rgb, t_s, frame_index, width, height)
            except Exception as exc:  # noqa: BLE001 - reported on the session's side
                conn.send(("error", f"the pose model failed: {type(exc).__name__}: {exc}"))
                return
            del rgb  # the segment can only be closed with no view of it left
            conn.send(("pose", pose))
    finally:
        estimator.close()
        if pictures is not None:
            pictures.close()


class PoseProcessEstimator:
    """BlazePose in a spawned child process.

    :meth:`estimate` sends the frame's model picture and waits for its pose. :meth:`submit` and
    :meth:`collect` split that in two, so up to ``in_flight`` frames can be on their way to the
    model at once (the pipelined loop keeps the next frame waiting while the model works on
    one: the model never waits for this process). The pictures go through a shared-memory
    segment of ``in_flight`` slots, not the pipe: a pipe hands a 640x360 picture over in several
    writes, each needing this process's interpreter lock back. Frames are submitted from one
    thread and collected from one thread (the same or another); :meth:`close` may come from any.
    The constructor returns once the model is loaded; ``model`` builds it in the child (a
    picklable callable: tests pass a fake).
    """

    asynchronous = True

    def __init__(self, config: PoseConfig, max_width: int = 640, in_flight: int = 2,
                 start_timeout_s: float = 120.0,
                 model: Callable[[PoseConfig, int], PreparedPictureEstimator] = MediaPipePoseEstimator) -> None:
        self._input = ModelInput(config, max_width)
        self.in_flight = max(1, int(in_flight))
        self._submitted = 0
        self._collected = 0
        self._pictures: Optional[shared_memory.SharedMemory] = None
        self._retired: List[shared_memory.SharedMemory] = []  # older segments, maybe still being read
        self._slot_bytes = 0
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe(duplex=True)
        self._process = context.Process(target=_serve, args=(child_conn, config, max_width, model),
                                        name="livecoach-pose-model", daemon=True)
        self._closed = False
        # close() (another thread) must not write its stop into the pipe while a frame's header
        # is being written.
        self._send_lock = threading.Lock()
        self._process.start()
        child_conn.close()  # the child holds the only other end: its death is our EOF
        try:
            if not self._conn.poll(start_timeout_s):
                raise PoseModelError(f"the pose model did not start within {start_timeout_s:.0f} s")
            kind, detail = self._receive()
            if kind != "ready":
                raise PoseModelError(str(detail))
        except BaseException:
            self.close()
            raise

    @property
    def brightened(self) -> int:
        """Frames brightened for the model so far (``[pose] low_light_below_luma``)."""
        return self._input.brightened

    @property
    def pid(self) -> Optional[int]:
        """The child's process id (tests, diagnostics)."""
        return self._process.pid

    @property
    def pending(self) -> int:
        """Frames submitted whose pose has not been collected."""
        return self._submitted - self._collected

    def estimate(self, frame: Frame) -> Optional[PoseFrame]:
        self.submit(frame)
        return self.collect()

    def submit(self, frame: Frame) -> None:
        """Send ``frame`` to the model; its pose is a later :meth:`collect` 's (in order). At most
        ``in_flight`` frames may be pending."""
        if self._closed:
            raise PoseModelError("the pose model was closed")
        if self.pending >= self.in_flight:
            raise RuntimeError(f"more than {self.in_flight} frames submitted and not collected")
        height, width = frame.image.shape[:2]
        rgb = self._input(frame.image)
        if rgb.nbytes > self._slot_bytes:
            self._new_segment(rgb.nbytes)
        assert self._pictures is not None
        offset = (self._submitted % self.in_flight) * self._slot_bytes
        np.ndarray(rgb.shape, dtype=np.uint8, buffer=self._pictures.buf, offset=offset)[...] = rgb
        try:
            with self._send_lock:
                self._conn.send((frame.t_s, frame.index, width, height, rgb.shape, self._pictures.name, offset))
        except (OSError, ValueError):  # the child is gone (broken pipe) or we were closed
            raise PoseModelError(self._ended()) from None
        self._submitted += 1

    def _new_segment(self, picture_bytes: int) -> None:
        # Pictures pending in the old segment are still read from it: it is unlinked at close.
        if self._pictures is not None:
            self._retired.append(self._pictures)
        self._slot_bytes = picture_bytes
        self._pictures = shared_memory.SharedMemory(create=True, size=picture_bytes * self.in_flight)

    def collect(self) -> Optional[PoseFrame]:
        """The pose of the oldest frame submitted and not yet collected (waits for it)."""
        kind, detail = self._receive()
        if kind == "pose":
            self._collected += 1
            return detail
        raise PoseModelError(str(detail))

    def _receive(self) -> Tuple[str, Any]:
        try:
            reply = self._conn.recv()
        except (EOFError, OSError):
            raise PoseModelError(self._ended()) from None
        return reply[0], reply[1]

    def _ended(self) -> str:
        if self._closed:
            return "the pose model was closed"
        self._process.join(0.5)
        code = self._process.exitcode
        how = "" if code is None else (f" (killed by signal {-code})" if code < 0 else f" (exit code {code})")
        return f"the pose model's process ended{how}"

    def close(self) -> None:
        """Stop the child (killed if it does not stop within :data:`STOP_TIMEOUT_S`) and free the
        pictures' shared memory."""
        if self._closed:
            return
        self._closed = True
        if self._send_lock.acquire(timeout=0.5):  # else the pose thread is stuck sending: kill
            try:
                self._conn.send(None)
            except (OSError, ValueError):
                pass
            finally:
                self._send_lock.release()
        self._process.join(STOP_TIMEOUT_S)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(STOP_TIMEOUT_S)
        self._conn.close()
        for segment in self._retired + ([self._pictures] if self._pictures is not None else []):
            try:
                segment.close()
                segment.unlink()
            except (OSError, BufferError):  # already gone; or a view still open (freed at exit)
                pass
        self._retired, self._pictures = [], None

    def __enter__(self) -> "PoseProcessEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
