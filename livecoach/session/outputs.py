"""The session's output files: checked before anything slow starts, opened before the history
row is written.

``--events``, ``--record-landmarks``, ``--record-video`` and ``--annotated-video`` name files the
user wants; a path that cannot be written (a folder, a folder that cannot be made, a file in the
way, no permission) is refused with one line before the pose model loads, so a typo costs no
wait and leaves no empty session in the history.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from livecoach.errors import OutputPathProblem
from livecoach.formats.recording import LandmarkWriter, RecordingHeader
from livecoach.session.options import SessionOptions
from livecoach.types import PoseFrame


def requested_outputs(options: SessionOptions) -> List[Tuple[str, Path]]:
    """(flag, path) of every output file ``options`` ask for (``--events -`` is stdout: none)."""
    wanted: List[Tuple[str, Optional[Path]]] = [
        ("--events", Path(options.events) if options.events and options.events != "-" else None),
        ("--record-landmarks", options.record_landmarks),
        ("--record-video", options.record_video),
        ("--annotated-video", options.annotated_video),
    ]
    return [(flag, Path(path)) for flag, path in wanted if path is not None]


def check_output_path(flag: str, path: Path) -> None:
    """Raise :class:`OutputPathProblem` unless a file can be written at ``path``.

    Missing folders are made (as the writers would); a file created only to test is removed.
    """
    where = f"{flag} {path}"
    if path.is_dir():
        raise OutputPathProblem(f"{where}: is a folder; give a file name inside it, e.g. {path / path_hint(flag)}")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputPathProblem(f"{where}: {_first_file_in(parent)} is a file, not a folder; "
                                f"choose another path") from None
    except OSError as exc:
        raise OutputPathProblem(f"{where}: cannot make the folder {parent} ({_why(exc)}); "
                                f"choose a folder you can write to") from None
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise OutputPathProblem(f"{where}: cannot write there ({_why(exc)}); "
                                f"choose a folder you can write to") from None
    if not existed:
        try:
            os.unlink(path)
        except OSError:  # pragma: no cover - it was just made; the writer will truncate it anyway
            pass


def check_outputs(options: SessionOptions) -> None:
    """:func:`check_output_path` for every output file of ``options``; two flags may not share a file."""
    seen = {}
    for flag, path in requested_outputs(options):
        key = os.path.abspath(path)
        if key in seen:
            raise OutputPathProblem(f"{flag} {path}: the same file as {seen[key]}; give each output its own file")
        seen[key] = flag
        check_output_path(flag, path)


def path_hint(flag: str) -> str:
    return {"--events": "events.jsonl", "--record-landmarks": "landmarks.jsonl.gz"}.get(flag, "video.mp4")


def _first_file_in(folder: Path) -> Path:
    """The first component of ``folder`` that exists and is not a folder."""
    for candidate in reversed([folder, *folder.parents]):
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return folder


def _why(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied" if exc.errno != errno.EROFS else "read-only file system"
    return exc.strerror or type(exc).__name__


class LazyLandmarkWriter:
    """Opens the recording on the first frame, when the image size is known."""

    def __init__(self, path: Path, source: str, fps: float, size: Callable[[], List[int]]) -> None:
        self._path, self._source, self._fps, self._size = path, source, fps, size
        self._writer: Optional[LandmarkWriter] = None

    def write(self, frame_index: int, t_s: float, pose: Optional[PoseFrame]) -> None:
        if self._writer is None:
            width, height = self._size()
            self._writer = LandmarkWriter(self._path, RecordingHeader(self._source, int(width), int(height),
                                                                      float(self._fps)))
        self._writer.write(frame_index, t_s, pose)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
