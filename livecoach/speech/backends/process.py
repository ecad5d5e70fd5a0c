"""Child processes that can be killed with everything they started (espeak-ng's or pyttsx3's
player), from any thread, at any moment."""
from __future__ import annotations

import os
import signal
import subprocess
from typing import Optional, Sequence


def kill_tree(proc: Optional[subprocess.Popen]) -> None:
    """SIGKILL a process and its group (what it started); no-op if it has ended."""
    if proc is None or proc.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)  # the process and anything it started (aplay)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass


def spawn(argv: Sequence[str], **kwargs) -> subprocess.Popen:
    """Popen in its own process group, so a kill also ends what the process started."""
    if os.name == "posix":
        kwargs.setdefault("start_new_session", True)
    else:  # pragma: no cover - Windows
        kwargs.setdefault("creationflags", getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
    return subprocess.Popen(list(argv), **kwargs)


def reap(proc: Optional[subprocess.Popen]) -> None:
    """Close a finished (or killed) process's pipes and collect it."""
    if proc is None:
        return
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=1.0)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass
