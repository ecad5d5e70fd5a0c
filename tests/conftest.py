"""Shared fixtures: where the real videos live, and skipping cleanly when they don't."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator, Tuple

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = REPO_ROOT.parent / "shared" / "videos"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _livecoach_logger_restored() -> Iterator[None]:
    """Each test starts and ends with the ``livecoach`` logger as it found it. ``cli.main`` points
    it at the stderr of its moment and stops it propagating: a later test in the same process then
    lost its worker threads' warnings to a closed captured stream, and ``caplog`` saw none (an
    order-dependent failure under xdist)."""
    import logging

    log = logging.getLogger("livecoach")
    saved = (list(log.handlers), log.level, log.propagate)
    yield
    log.handlers[:], log.level, log.propagate = saved[0], saved[1], saved[2]


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    """``../shared/videos`` beside the checkout; tests using it skip when it is absent."""
    if not (SHARED_VIDEOS / "manifest.json").is_file():
        pytest.skip(f"real videos not available ({SHARED_VIDEOS} is absent)")
    return SHARED_VIDEOS


def _start_xvfb() -> Tuple[subprocess.Popen, str]:
    """Xvfb on a free display number, once it accepts connections."""
    from livecoach.render.window import display_problem as _display_problem

    rng = random.Random()
    for _ in range(20):
        number = rng.randrange(200, 2000)
        if os.path.exists(f"/tmp/.X{number}-lock") or os.path.exists(f"/tmp/.X11-unix/X{number}"):
            continue
        display = f":{number}"
        proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            if _display_problem("linux", {"DISPLAY": display}) is None:  # a live server is detected
                return proc, display
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    pytest.skip("could not start Xvfb")


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private Xvfb for one test; yields its DISPLAY."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt install xvfb)")
    proc, display = _start_xvfb()
    try:
        yield display
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
