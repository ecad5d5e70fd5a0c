"""The app as a person sees it: `livecoach train --video CLIP` in a real window on a virtual
screen (Xvfb), a screenshot taken while a cue is on screen, checked for the overlay."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO_ROOT

CLIP = "kaiakol__pushup_incorrect_001.mp4"  # side view, 2 reps, both with cued faults

# Overlay colours (BGR) from livecoach/overlay.py: the person's left/right bones.
LEFT_BONE = (250, 190, 80)
RIGHT_BONE = (120, 225, 120)


def pixels_near(image: np.ndarray, bgr: tuple, tolerance: int = 12) -> int:
    return int((np.abs(image.astype(int) - np.array(bgr)).max(axis=2) <= tolerance).sum())


def red_pixels(image: np.ndarray) -> int:
    """Strongly red pixels: the correction banner (blended over the frame) and faulty joints."""
    b, g, r = (image[..., i].astype(int) for i in range(3))
    return int(((r > 150) & (g < 110) & (b < 110)).sum())


def run_once(display: str, video: Path, tmp_path: Path) -> "tuple[np.ndarray, subprocess.CompletedProcess]":
    import cv2

    events = tmp_path / "events.jsonl"
    shot = tmp_path / "screen.png"
    env = dict(os.environ, DISPLAY=display)
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "livecoach", "train", "--video", str(video), "--no-voice",
                             "--data-dir", str(tmp_path), "--events", str(events), "--no-report"],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    screen = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if events.exists() and '"type": "cue"' in events.read_text():
                time.sleep(0.3)  # the next frames carry the banner
                subprocess.run(["import", "-display", display, "-window", "root", str(shot)], check=True,
                               timeout=20)
                screen = cv2.imread(str(shot))
                break
            time.sleep(0.05)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return screen, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.display
@pytest.mark.model
def test_train_window_shows_skeleton_and_cue_on_the_person(xvfb: str, shared_videos: Path, tmp_path: Path) -> None:
    if shutil.which("import") is None:
        pytest.skip("ImageMagick's import is not installed (apt install imagemagick)")
    # OpenCV's bundled Qt occasionally leaves a fresh window black on a loaded virtual
    # screen (opencv-python#362); a new process gets a working one.
    for attempt in range(3):
        screen, result = run_once(xvfb, shared_videos / CLIP, tmp_path / f"run{attempt}")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert screen is not None, "no cue appeared while the clip played"
        if screen.mean() > 20:
            break
    else:
        pytest.fail("the window stayed black in three runs")
    bones = pixels_near(screen, LEFT_BONE) + pixels_near(screen, RIGHT_BONE)
    banner = red_pixels(screen)
    assert bones > 150, f"no skeleton on screen ({bones} bone pixels)"
    assert banner > 4000, f"no cue banner on screen ({banner} red pixels)"
    end = json.loads((tmp_path / f"run{attempt}" / "events.jsonl").read_text().splitlines()[-1])
    assert end["type"] == "session_end" and end["reason"] == "end_of_source" and end["reps"] == 2
