"""Helpers for the command-line tests: run ``livecoach`` as a subprocess, small generated inputs."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import numpy as np

from conftest import REPO_ROOT


def run_cli(*args: str, timeout: float = 120, env: Optional[dict] = None,
            block_mediapipe: Optional[Path] = None) -> subprocess.CompletedProcess:
    """``python -m livecoach ARGS`` from the repository root, without a display.

    ``block_mediapipe``: a scratch folder; the run then cannot import mediapipe, so a run that
    loads the pose model fails with the pose-model error (proof that an error came before it).
    """
    environment = dict(os.environ)
    environment.pop("DISPLAY", None)  # never let a test open a real window
    environment.update(env or {})
    if block_mediapipe is not None:
        package = block_mediapipe / "mediapipe"
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text('raise ImportError("mediapipe is blocked by the test")\n')
        environment["PYTHONPATH"] = os.pathsep.join([str(block_mediapipe), str(REPO_ROOT),
                                                     environment.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "livecoach", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout, env=environment)


def one_error_line(result: subprocess.CompletedProcess, exit_code: int, *fragments: str) -> str:
    """The run failed with ``exit_code`` and one ``livecoach: error:`` line holding ``fragments``."""
    assert result.returncode == exit_code, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("livecoach: error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def tiny_video(path: Path, frames: int = 45, fps: float = 30.0, size: tuple = (64, 48)) -> Path:
    """A small MJPG video of plain grey frames (nobody in it)."""
    import cv2

    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    for n in range(frames):
        writer.write(np.full((height, width, 3), 60 + n % 100, np.uint8))
    writer.release()
    return path


def stored_sessions(data_dir: Path) -> int:
    """How many sessions the history in ``data_dir`` holds (0 when there is no database)."""
    from livecoach.history.store import SessionStore, db_path_for

    path = db_path_for(data_dir)
    if not path.exists():
        return 0
    with SessionStore(path, create=False) as store:
        return len(store.session_ids())


def reps_written(events: Path) -> int:
    """How many rep lines a running app has written to ``events`` so far (0 before the file is
    there: at start-up the app also creates and removes it once, to check it can write there)."""
    try:
        return events.read_text().count('"type": "rep"')
    except FileNotFoundError:
        return 0
