"""Keeping native libraries' log lines (FFmpeg, OpenCV, MediaPipe/TFLite) off the terminal.

They write straight to file descriptor 2, below Python; the user should see LiveCoach's own
one-line messages instead. What they wrote is kept, so an error can quote the telling line.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator, List, Optional


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


def _flush_c_stdio() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C runtime to reach (e.g. Windows)
        pass
