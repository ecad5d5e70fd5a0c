"""Recorded landmarks: a JSON Lines format written during a session and replayed later.

Everything after the pose stage can then run without MediaPipe or video: in tests, in the
evaluation harness's cache and in ``livecoach replay``. A path ending in ``.gz`` is gzipped.

Format (schema version 1)::

    {"format": "livecoach-landmarks", "schema_version": 1, "source": "...", "width": 640,
     "height": 360, "fps": 25.0, "landmarks": ["NOSE", ...]}
    {"i": 0, "t": 0.0, "pose": null}                       # nobody found in frame 0
    {"i": 1, "t": 0.04, "xyz": [x0, y0, z0, x1, ...], "vis": [...], "world": [...]}

``xyz`` are pixels (99 numbers, landmark-major), ``vis`` 33 visibilities, ``world`` 99
numbers in metres; every frame of the source has a line, with or without a pose.
"""
from __future__ import annotations

import gzip
import io
import json
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from livecoach.landmarks import NUM_LANDMARKS, Landmark
from livecoach.types import PoseFrame
from livecoach.errors import EXIT_INPUT, LiveCoachError

FORMAT_NAME = "livecoach-landmarks"
SCHEMA_VERSION = 1


log = logging.getLogger(__name__)

#: A gzipped recording is made readable up to here every this many frames (about 1 s of video).
GZ_FLUSH_EVERY = 30


class RecordingError(LiveCoachError, ValueError):
    """A landmark recording is missing, unreadable or of another format/version."""

    exit_code = EXIT_INPUT


@dataclass(frozen=True)
class RecordingHeader:
    source: str
    width: int
    height: int
    fps: float
    schema_version: int = SCHEMA_VERSION


@dataclass(frozen=True)
class RecordedFrame:
    """One source frame: its index, time and the pose found in it (or ``None``)."""

    frame_index: int
    t_s: float
    pose: Optional[PoseFrame]


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, mode + "b"), encoding="utf-8")
    return open(path, mode, encoding="utf-8")


class LandmarkWriter:
    """Appends frames to a recording; each line is flushed so a crash loses at most one."""

    def __init__(self, path: Union[str, Path], header: RecordingHeader) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = _open(self.path, "w")
        head = {"format": FORMAT_NAME, "schema_version": SCHEMA_VERSION, "source": header.source,
                "width": header.width, "height": header.height, "fps": header.fps,
                "landmarks": [lm.name for lm in Landmark]}
        self._fh.write(json.dumps(head) + "\n")
        self._gz = self.path.suffix == ".gz"
        self._lines = 0

    def write(self, frame_index: int, t_s: float, pose: Optional[PoseFrame]) -> None:
        line: Dict[str, Any] = {"i": int(frame_index), "t": round(float(t_s), 4)}
        if pose is None:
            line["pose"] = None
        else:
            line["xyz"] = [round(float(v), 2) for v in pose.image_xyz.reshape(-1)]
            line["vis"] = [round(float(v), 3) for v in pose.visibility]
            line["world"] = [round(float(v), 4) for v in pose.world_xyz.reshape(-1)]
        self._fh.write(json.dumps(line, separators=(",", ":")) + "\n")
        self._lines += 1
        # A plain file is flushed every line. gzip is flushed (a sync point a reader can decode up
        # to) every GZ_FLUSH_EVERY lines: a killed session then loses at most that many frames,
        # and the compression barely suffers.
        if not self._gz or self._lines % GZ_FLUSH_EVERY == 0:
            self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> "LandmarkWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_header(path: Union[str, Path]) -> RecordingHeader:
    header, _ = _read(Path(path), frames=False)
    return header


def read_recording(path: Union[str, Path]) -> Tuple[RecordingHeader, List[RecordedFrame]]:
    """The header and every frame of the recording at ``path``.

    A truncated last line (the app was killed mid-write) is ignored, not an error.
    """
    return _read(Path(path), frames=True)


def _read(path: Path, frames: bool) -> Tuple[RecordingHeader, List[RecordedFrame]]:
    try:
        fh = _open(path, "r")
    except FileNotFoundError:
        raise RecordingError(f"{path}: no such landmark recording") from None
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    out: List[RecordedFrame] = []
    with fh:
        try:
            first = fh.readline()
            head = json.loads(first)
        except (json.JSONDecodeError, UnicodeDecodeError, OSError, EOFError):
            raise RecordingError(f"{path}: not a LiveCoach landmark recording") from None
        if not isinstance(head, dict) or head.get("format") != FORMAT_NAME:
            raise RecordingError(f"{path}: not a LiveCoach landmark recording")
        if head.get("schema_version") != SCHEMA_VERSION:
            raise RecordingError(f"{path}: recording schema version {head.get('schema_version')} "
                                 f"is not supported (this LiveCoach reads {SCHEMA_VERSION})")
        header = RecordingHeader(source=str(head.get("source", "")), width=int(head["width"]),
                                 height=int(head["height"]), fps=float(head["fps"]))
        if not frames:
            return header, out
        lines: List[str] = []
        try:
            for text in fh:
                lines.append(text)
        except (OSError, EOFError, zlib.error):  # gzip cut short by a crash: keep every whole line read
            log.warning("%s was cut short (the recording stopped mid-write): replaying the %d frames "
                        "before the cut", path.name, max(0, len(lines) - 1))
        for number, text in enumerate(lines, start=2):
            try:
                line = json.loads(text)
            except json.JSONDecodeError:
                if number == len(lines) + 1:
                    break  # torn last line
                raise RecordingError(f"{path}:{number}: corrupt line") from None
            out.append(_frame_from_line(line, header, path, number))
    return header, out


def _frame_from_line(line: Dict[str, Any], header: RecordingHeader, path: Path, number: int) -> RecordedFrame:
    try:
        index, t_s = int(line["i"]), float(line["t"])
        if "xyz" not in line:
            return RecordedFrame(index, t_s, None)
        pose = PoseFrame(
            t_s=t_s, frame_index=index, width=header.width, height=header.height,
            image_xyz=np.asarray(line["xyz"], dtype=np.float32).reshape(NUM_LANDMARKS, 3),
            visibility=np.asarray(line["vis"], dtype=np.float32),
            world_xyz=np.asarray(line["world"], dtype=np.float32).reshape(NUM_LANDMARKS, 3),
        )
        return RecordedFrame(index, t_s, pose)
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordingError(f"{path}:{number}: bad frame ({exc})") from None


class ReplaySource:
    """Recorded frames in order, as the pose stage would have produced them."""

    def __init__(self, path: Union[str, Path]) -> None:
        self.header, self.frames = read_recording(path)

    def __iter__(self) -> Iterator[RecordedFrame]:
        return iter(self.frames)

    def __len__(self) -> int:
        return len(self.frames)
