"""Screenshot of the LiveCoach window at a chosen moment of a session, on a virtual screen.

    python -m tools.window_shot --video CLIP --at EVENT [--nth N] [--after S] [--out FILE.jpg] [-- TRAIN ARGS...]

Runs ``livecoach train --video CLIP --no-voice --no-history --events F`` (plus TRAIN ARGS,
e.g. ``--plan NAME --plans-dir DIR``) in a real OpenCV window on a private Xvfb screen, waits
for the first (``--nth``: the N-th) ``--events`` object whose ``type`` is EVENT (``rest``, ``cue``, ``setup``, ...),
then ``--after`` seconds more, grabs the screen with ImageMagick's ``import``, crops it to the
window (found by its title with ``xdotool``) and writes it to ``--out``. This is how the
README's window pictures are made: a person's view of the app, not a render of the overlay.

Needs Xvfb, xdotool and ImageMagick (apt install xvfb xdotool imagemagick); exits 2 with one
line when one is missing, 1 when the event never came.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

REPO_ROOT = Path(__file__).resolve().parents[1]
WINDOW_TITLE = "LiveCoach"


def start_xvfb(size: str = "1280x800x24") -> Tuple[subprocess.Popen, str]:
    """A private Xvfb; returns it and its DISPLAY (``-displayfd`` picks a free number)."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    return proc, f":{number}"


def window_geometry(display: str) -> Optional[Tuple[int, int, int, int]]:
    """x, y, width, height of the LiveCoach window, or None when it is not found."""
    env = dict(os.environ, DISPLAY=display)
    found = subprocess.run(["xdotool", "search", "--name", WINDOW_TITLE], capture_output=True, text=True, env=env)
    for wid in found.stdout.split():
        info = subprocess.run(["xdotool", "getwindowgeometry", "--shell", wid], capture_output=True, text=True,
                              env=env)
        values = dict(line.split("=", 1) for line in info.stdout.split() if "=" in line)
        try:
            x, y, w, h = (int(values[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
        except (KeyError, ValueError):
            continue
        if w > 50 and h > 50:
            return x, y, w, h
    return None


def event_time(events: Path, kind: str, nth: int = 1) -> Optional[float]:
    """The ``t`` of the ``nth`` event of type ``kind`` written so far (None: not yet)."""
    if not events.exists():
        return None
    seen = 0
    for line in events.read_text().splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line being written
        if obj.get("type") == kind:
            seen += 1
            if seen == nth:
                return float(obj.get("t", 0.0))
    return None


def shoot(video: Path, at: str, after_s: float, out: Path, train_args: List[str], timeout_s: float = 180.0,
          nth: int = 1) -> int:
    proc_x, display = start_xvfb()
    work = Path(tempfile.mkdtemp(prefix="window_shot_"))
    events = work / "events.jsonl"
    env = dict(os.environ, DISPLAY=display)
    env.pop("WAYLAND_DISPLAY", None)
    cmd = [sys.executable, "-m", "livecoach", "train", "--video", str(video), "--no-voice", "--no-history",
           "--no-report", "--events", str(events), *train_args]
    app = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout_s
        t_event = None
        while time.monotonic() < deadline and app.poll() is None:
            t_event = event_time(events, at, nth)
            if t_event is not None:
                break
            time.sleep(0.05)
        if t_event is None:
            print(f"window_shot: no '{at}' event came (exit {app.poll()})", file=sys.stderr)
            return 1
        time.sleep(after_s)
        shot = work / "screen.png"
        subprocess.run(["import", "-display", display, "-window", "root", str(shot)], check=True, timeout=30)
        geometry = window_geometry(display)
        out.parent.mkdir(parents=True, exist_ok=True)
        if geometry is None:
            if app.poll() is not None:
                print(f"window_shot: livecoach ended (exit {app.returncode}): {app.stderr.read().strip()}",
                      file=sys.stderr)
            shutil.copy(shot, out.with_suffix(".png"))
            print(f"window_shot: the window was not found; the whole screen is in {out.with_suffix('.png')}")
            return 1
        x, y, w, h = geometry
        subprocess.run(["convert", str(shot), "-crop", f"{w}x{h}+{x}+{y}", "+repage", "-quality", "88", str(out)],
                       check=True, timeout=30)
        print(f"{out}: the window {w}x{h}, {after_s:g} s after the '{at}' event at t={t_event:.2f} s of the video")
        return 0
    finally:
        if app.poll() is None:
            app.terminate()
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
        proc_x.terminate()
        proc_x.wait(timeout=5)
        shutil.rmtree(work, ignore_errors=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--video", type=Path, required=True)
    parser.add_argument("--at", required=True, help="the --events type to wait for (rest, cue, setup, ...)")
    parser.add_argument("--nth", type=int, default=1, help="the N-th event of that type (default: the first)")
    parser.add_argument("--after", type=float, default=1.0, help="seconds to wait after the event")
    parser.add_argument("--out", type=Path, default=Path("window.jpg"))
    parser.add_argument("train_args", nargs="*", help="more `livecoach train` arguments (after --)")
    args = parser.parse_args(argv)
    for tool in ("Xvfb", "xdotool", "import", "convert"):
        if shutil.which(tool) is None:
            print(f"window_shot: {tool} is not installed (apt install xvfb xdotool imagemagick)", file=sys.stderr)
            return 2
    if not args.video.is_file():
        print(f"window_shot: no such video: {args.video}", file=sys.stderr)
        return 2
    return shoot(args.video, args.at, args.after, args.out, args.train_args, nth=args.nth)


if __name__ == "__main__":
    sys.exit(main())
