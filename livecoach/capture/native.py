"""Keeping native libraries' log lines (FFmpeg, OpenCV, MediaPipe/TFLite) off the terminal.

They write straight to file descriptor 2, below Python; the user should see LiveCoach's own
one-line messages instead. What they wrote is kept, so an error can quote the telling line.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Optional


# fd 2 is process-wide: two threads redirecting it at once (the capture thread opening a
# video while the main thread starts the pose model) would restore each other's copy.
_FD2_LOCK = threading.RLock()


@contextmanager
def native_stderr_captured(sink: Optional[List[str]] = None) -> Iterator[None]:
    """Collect what native code writes to fd 2 meanwhile (appended to ``sink`` if given)."""
    stderr_fd = 2  # native code writes to fd 2 whatever Python's sys.stderr is
    with _FD2_LOCK:
        try:
            if sys.stderr is not None:
                sys.stderr.flush()
            saved = os.dup(stderr_fd)
        except (OSError, ValueError):  # fd 2 closed (some GUI launchers): nothing to protect
            yield
            return
        with tempfile.TemporaryFile(mode="w+b") as tmp:
            os.dup2(tmp.fileno(), stderr_fd)
            try:
                yield
            finally:
                _flush_c_stdio()  # text a library left in C's stdio buffer belongs to this window
                os.dup2(saved, stderr_fd)
                os.close(saved)
                if sink is not None:
                    tmp.seek(0)
                    sink.append(tmp.read().decode("utf-8", "replace"))


#: A glog/absl line (MediaPipe, TFLite): "W0000 00:00:1796209684.454057   25515 file.cc:186] ...".
_NATIVE_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d")


def pass_on_non_native_lines(text: str) -> None:
    """Write to stderr the lines of ``text`` (fd 2 captured by :func:`native_stderr_captured`)
    that are not MediaPipe's own log lines: fd 2 is process-wide, so what another thread printed
    meanwhile (a notice, the progress bar) was captured too and must still reach the user."""
    kept = [line for line in text.splitlines(keepends=True) if not _NATIVE_LOG_LINE.match(line)]
    if kept and sys.stderr is not None:
        sys.stderr.write("".join(kept))
        sys.stderr.flush()


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C runtime to reach (e.g. Windows)
        pass


# -- FFmpeg's own log level ----------------------------------------------------------------
#
# A damaged or cut-short video makes FFmpeg print lines like "[h264 @ 0x..] Invalid NAL unit
# size" from inside cv2's read(), at any frame. Redirecting fd 2 around every read would cost
# ~0.3 ms a frame and swallow whatever another thread prints meanwhile; FFmpeg's log level is
# the precise switch. OpenCV sets it (to AV_LOG_ERROR) once, at its first FFmpeg open, and
# exposes no setter, so it is set here through the libavutil that cv2 loaded. Where that
# library cannot be reached (a build with FFmpeg linked in statically, e.g. the Windows
# wheels), nothing changes: the lines show, and the source still reports the early end.

_AV_LOG_QUIET = -8
_HUSH_LOCK = threading.Lock()
_hush_users = 0
_hush_openers = 0  # opens in progress, which want FFmpeg's reason for a refusal
_hush_saved_level: Optional[int] = None
_libavutil: Any = None
_libavutil_searched = False


def _find_libavutil() -> Any:
    """The libavutil already loaded in this process (cv2's), or ``None``."""
    global _libavutil, _libavutil_searched
    if _libavutil_searched:
        return _libavutil
    _libavutil_searched = True
    candidates: List[str] = []
    try:
        with open("/proc/self/maps") as maps:  # Linux: exactly the copy that is mapped
            candidates += sorted({line.split()[-1] for line in maps if "libavutil" in line.rsplit("/", 1)[-1]})
    except OSError:
        pass
    spec = importlib.util.find_spec("cv2")
    if spec is not None and spec.origin:
        package = Path(spec.origin).resolve().parent
        for folder in (package / ".dylibs", *package.parent.glob("opencv*.libs")):  # macOS / Linux wheels
            candidates += sorted(str(p) for p in folder.glob("libavutil*"))
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
            lib.av_log_set_level.argtypes = [ctypes.c_int]
            lib.av_log_set_level.restype = None
            lib.av_log_get_level.argtypes = []
            lib.av_log_get_level.restype = ctypes.c_int
        except (OSError, AttributeError):
            continue
        _libavutil = lib
        break
    return _libavutil


class FFmpegHush:
    """Keeps FFmpeg quiet while held (reference counted across holders and threads).

    ``hold()`` after the capture is open (OpenCV sets the level at its first open);
    ``keep()`` before each read re-asserts it (~1 µs) in case something reset it;
    ``release()`` when done (safe twice). The level before the first holder comes back
    when the last one releases. ``opening()`` wraps an open: FFmpeg may speak meanwhile
    (its reason for refusing a file is quoted in the error), even while others hold.
    """

    def __init__(self) -> None:
        self._held = False

    @property
    def available(self) -> bool:
        return _find_libavutil() is not None

    def hold(self) -> bool:
        """Silence FFmpeg; False when its level cannot be reached here."""
        global _hush_users, _hush_saved_level
        lib = _find_libavutil()
        if lib is None or self._held:
            return lib is not None
        with _HUSH_LOCK:
            if _hush_users == 0:
                _hush_saved_level = lib.av_log_get_level()
            _hush_users += 1
            lib.av_log_set_level(_AV_LOG_QUIET)
        self._held = True
        return True

    def keep(self) -> None:
        if self._held and not _hush_openers:
            _libavutil.av_log_set_level(_AV_LOG_QUIET)

    @contextmanager
    def opening(self) -> Iterator[None]:
        global _hush_openers
        lib = _find_libavutil()
        with _HUSH_LOCK:
            _hush_openers += 1
            if lib is not None and _hush_users and _hush_saved_level is not None:
                lib.av_log_set_level(_hush_saved_level)
        try:
            yield
        finally:
            with _HUSH_LOCK:
                _hush_openers -= 1
                if lib is not None and _hush_users and not _hush_openers:
                    lib.av_log_set_level(_AV_LOG_QUIET)

    def release(self) -> None:
        global _hush_users, _hush_saved_level
        if not self._held:
            return
        self._held = False
        with _HUSH_LOCK:
            _hush_users -= 1
            if _hush_users == 0 and _hush_saved_level is not None:
                _libavutil.av_log_set_level(_hush_saved_level)
                _hush_saved_level = None
