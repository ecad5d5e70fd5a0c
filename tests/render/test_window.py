"""The window: key mapping and display detection (pure), and the real window under Xvfb.

The window tests start their own Xvfb and run the window code in a child process:
``cv2.imshow`` without a display aborts the whole process, which must never be pytest.
They skip when Xvfb (or ImageMagick's ``import``, or ``xdotool`` for keys) is absent.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import List

import cv2
import numpy as np
import pytest

from livecoach.render import window as window_module
from livecoach.render.window import KeyAction, display_available, display_problem, key_action

REPO_ROOT = Path(__file__).resolve().parents[2]
TITLE = "LiveCoach window test"


# -- pure --------------------------------------------------------------------------------

@pytest.mark.parametrize("key,action", [
    (ord("q"), KeyAction.QUIT), (ord("Q"), KeyAction.QUIT), (27, KeyAction.QUIT),
    (ord(" "), KeyAction.PAUSE), (ord("m"), KeyAction.MUTE), (ord("M"), KeyAction.MUTE),
    (ord("r"), KeyAction.RESET), (ord("R"), KeyAction.RESET),
    (ord("n"), KeyAction.NEXT_SET), (ord("N"), KeyAction.NEXT_SET), (ord("b"), KeyAction.BACK),
    (ord("B"), KeyAction.BACK),
    (-1, KeyAction.NONE), (ord("x"), KeyAction.NONE), (0x100000 | ord("q"), KeyAction.QUIT),
])
def test_keys_map_to_actions(key, action):
    assert key_action(key) is action


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_desktop_platforms_always_have_a_display(platform):
    assert display_available(platform, {}) and display_problem(platform, {}) is None


def test_linux_without_display_says_so_and_names_the_fix():
    problem = display_problem("linux", {})
    assert problem is not None and "--headless" in problem and "\n" not in problem
    assert not display_available("linux", {})


def test_a_stale_display_variable_is_not_a_display(tmp_path):
    number = next(n for n in range(9871, 9999) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    problem = display_problem("linux", {"DISPLAY": f":{number}"})
    assert problem is not None and "no X server answers" in problem
    assert display_problem("linux", {"DISPLAY": "garbage"}) is not None


def test_wayland_only_depends_on_whether_this_opencv_needs_x11(monkeypatch):
    monkeypatch.setattr(window_module, "_opencv_needs_x11", lambda: True)
    problem = display_problem("linux", {"WAYLAND_DISPLAY": "wayland-0"})
    assert problem is not None and "XWayland" in problem
    monkeypatch.setattr(window_module, "_opencv_needs_x11", lambda: False)
    assert display_problem("linux", {"WAYLAND_DISPLAY": "wayland-0"}) is None


@pytest.mark.parametrize("size,box,opens_at", [
    ((640, 360), (1280, 720), (1280, 720)),   # a small webcam or clip: scaled up to be read from the floor
    ((426, 240), (1280, 720), (1278, 720)),   # the picture's shape is kept
    ((1920, 1080), (1280, 720), (1280, 720)),  # a 1080p camera: no larger than a laptop screen
    ((238, 426), (1280, 720), (402, 720)),    # a portrait clip: as tall as the box, not as wide
    ((1280, 720), (1280, 720), (1280, 720)),
])
def test_the_window_opens_as_large_as_fits_in_its_box(size, box, opens_at):
    assert window_module.fitted_size(*size, box) == opens_at


# -- under Xvfb --------------------------------------------------------------------------

# The child shows a real overlay frame and reports every key action on stdout.
_CHILD = r"""
import sys, time
import cv2, numpy as np
from livecoach.config.schema import load_config
from livecoach.render.overlay import OverlayRenderer
from livecoach.types import Cue, CueKind, LogicStep, Phase
from livecoach.render.window import KeyAction, Window, display_available

assert display_available(), "child: no display"
height, width = int(sys.argv[4]), int(sys.argv[3])
image = np.zeros((height, width, 3), np.uint8)
image[:] = np.linspace(40, 200, width, dtype=np.uint8)[None, :, None]
step = LogicStep(t_s=5.0, frame_index=150, pose=None, features=None, phase=Phase.DESCENT, reps=7, no_reps=1,
                 last_cue=Cue(4.8, "shallow", "Go lower", CueKind.CORRECTION, 40, "shallow"), rep_progress=0.6)
shown = OverlayRenderer(load_config().overlay).render(image, step, fps=30.0, muted=True)
cv2.imwrite(sys.argv[1], shown)
window = Window(sys.argv[2], fit_box=(int(sys.argv[5]), int(sys.argv[6])))
deadline = time.monotonic() + 60  # the test kills it sooner
first = True
while time.monotonic() < deadline:
    action = window.show(shown)
    if first:
        print("shown", flush=True)
        first = False
    if action is not KeyAction.NONE:
        print(action.name, flush=True)
    if action.quits:
        break
window.close()
print("closed", window.closed, flush=True)
"""


class Child:
    """The child process showing a ``size`` (width, height) overlay frame in a window that opens to fit
    ``fit_box`` (by default the frame's own size, so the screen shows it pixel for pixel)."""

    def __init__(self, display: str, tmp_path: Path, size: "tuple[int, int]" = (640, 360),
                 fit_box: "tuple[int, int] | None" = None) -> None:
        self.expected_path = tmp_path / "shown.png"
        env = dict(os.environ, DISPLAY=display)
        env.pop("WAYLAND_DISPLAY", None)
        box = fit_box or size
        args = [str(self.expected_path), TITLE, *map(str, size), *map(str, box)]
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD, *args], cwd=REPO_ROOT,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def expect(self, wanted: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        seen: List[str] = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            seen.append(line)
            if line == wanted:
                return
        err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"child never printed {wanted!r}; saw {seen}; exit {self.proc.poll()}; stderr: {err[-800:]}")

    def finish(self) -> int:
        try:
            return self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def _window_id(display: str) -> str:
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt install xdotool)")
    out = subprocess.run(["xdotool", "search", "--name", TITLE], env=dict(os.environ, DISPLAY=display),
                         capture_output=True, text=True, timeout=10).stdout.split()
    assert out, "the window is not on the X display"
    return out[0]


def _overlay_on_screen(display: str, expected: np.ndarray, shot_path: Path, wait_s: float) -> "tuple[float, float]":
    """Screenshot the root window until ``expected`` appears on it; (best match, mean level)."""
    deadline = time.monotonic() + wait_s
    while True:
        time.sleep(0.3)
        subprocess.run(["import", "-display", display, "-window", "root", str(shot_path)], check=True, timeout=20)
        screen = cv2.imread(str(shot_path))
        assert screen is not None
        # The overlay frame is on screen, pixel for pixel (wherever the window landed).
        score = cv2.minMaxLoc(cv2.matchTemplate(screen, expected, cv2.TM_CCOEFF_NORMED))[1]
        if score > 0.95 or time.monotonic() > deadline:
            return score, float(screen.mean())


@pytest.mark.display
def test_window_shows_the_overlay_on_screen(xvfb, tmp_path):
    if shutil.which("import") is None:
        pytest.skip("ImageMagick's import is not installed (apt install imagemagick)")
    # The Qt build inside the opencv wheels now and then leaves a new window black for good
    # (opencv/opencv-python#362; here about 1 window in 5 on a heavily loaded machine). A user
    # sees it as a black window at start-up; the test gives each try a fresh process.
    attempts = []
    for _ in range(3):
        child = Child(xvfb, tmp_path)
        try:
            child.expect("shown")
            expected = cv2.imread(str(child.expected_path))
            assert expected is not None
            score, level = _overlay_on_screen(xvfb, expected, tmp_path / "screen.png", wait_s=5.0)
        finally:
            child.proc.kill()
            child.finish()
        attempts.append((round(score, 3), round(level, 1)))
        if score > 0.95:
            break
    assert attempts[-1][0] > 0.95, f"overlay never appeared on screen; (match, mean level) per try: {attempts}"
    assert attempts[-1][1] > 10, "the screen is black"
    if len(attempts) > 1:
        warnings.warn(f"the window stayed black on {len(attempts) - 1} try/tries before showing the overlay")


def _window_geometry(display: str) -> "dict[str, int]":
    out = subprocess.run(["xdotool", "getwindowgeometry", "--shell", _window_id(display)],
                         env=dict(os.environ, DISPLAY=display), capture_output=True, text=True, timeout=10).stdout
    return {key: int(value) for key, value in (line.split("=", 1) for line in out.split())}


def _window_size(display: str) -> "tuple[int, int]":
    geometry = _window_geometry(display)
    return geometry["WIDTH"], geometry["HEIGHT"]


def _window_position(display: str) -> "tuple[int, int]":
    geometry = _window_geometry(display)
    return geometry["X"], geometry["Y"]


@pytest.mark.display
def test_a_small_picture_opens_a_window_scaled_up_to_its_box(xvfb, tmp_path):
    child = Child(xvfb, tmp_path, size=(320, 180), fit_box=(1280, 720))
    try:
        child.expect("shown")
        deadline = time.monotonic() + 5.0
        while (size := _window_size(xvfb)) != (1280, 720) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert size == (1280, 720)
        # ... and the picture fills it: the child's 40-200 grey ramp runs from edge to edge (Qt's
        # HighGUI would show it at 320x180 in the middle of its light grey canvas).
        if shutil.which("import") is None:
            pytest.skip("ImageMagick's import is not installed (apt install imagemagick)")
        x, y = _window_position(xvfb)
        shot = tmp_path / "screen.png"
        while True:
            time.sleep(0.3)
            subprocess.run(["import", "-display", xvfb, "-window", "root", str(shot)], check=True, timeout=20)
            row = cv2.imread(str(shot))[y + 360, x:x + 1280, 1].astype(int)
            ramp = (row[5], row[640], row[1274])
            # a loaded machine may show the window some seconds before its first picture is painted
            # (all black: seen once with two evals running beside the tests)
            if (ramp[0] < 70 and abs(ramp[1] - 120) < 25 and ramp[2] > 170) or time.monotonic() > deadline + 25.0:
                break
        assert ramp[0] < 70 and abs(ramp[1] - 120) < 25 and ramp[2] > 170, f"left, middle, right of the window: {ramp}"
    finally:
        child.proc.kill()
        child.finish()


@pytest.mark.display
def test_keys_reach_the_app_as_actions(xvfb, tmp_path):
    child = Child(xvfb, tmp_path)
    try:
        child.expect("shown")
        window_id = _window_id(xvfb)
        env = dict(os.environ, DISPLAY=xvfb)
        for key, action in (("m", "MUTE"), ("space", "PAUSE"), ("r", "RESET"), ("q", "QUIT")):
            subprocess.run(["xdotool", "key", "--window", window_id, key], env=env, check=True, timeout=10)
            child.expect(action)
        child.expect("closed True")
        assert child.finish() == 0
    finally:
        if child.proc.poll() is None:
            child.proc.kill()


def _send_wm_delete(display: str, window_id: int) -> None:
    """What a window manager's close button does: a WM_DELETE_WINDOW client message."""
    name = ctypes.util.find_library("X11")
    if name is None:
        pytest.skip("libX11 not found")
    x11 = ctypes.CDLL(name)

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]

    class XEvent(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    assert dpy, f"cannot open {display}"
    try:
        event = XEvent()
        event.xclient.type = 33  # ClientMessage
        event.xclient.window = window_id
        event.xclient.message_type = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        assert x11.XSendEvent(dpy, window_id, 0, 0, ctypes.byref(event))
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


def test_quitting_actions():
    assert KeyAction.QUIT.quits and KeyAction.WINDOW_CLOSED.quits
    assert not any(a.quits for a in (KeyAction.NONE, KeyAction.PAUSE, KeyAction.MUTE, KeyAction.RESET,
                                     KeyAction.NEXT_SET, KeyAction.BACK))
    assert KeyAction.WINDOW_CLOSED.value == "window closed"


@pytest.mark.display
def test_window_destroyed_without_a_window_manager_is_noticed(xvfb, tmp_path):
    # Xvfb runs no window manager: `xdotool windowclose` destroys the X window outright and
    # Qt never tells OpenCV (getWindowProperty keeps saying "visible").
    child = Child(xvfb, tmp_path)
    try:
        child.expect("shown")
        window_id = _window_id(xvfb)
        subprocess.run(["xdotool", "windowclose", window_id], env=dict(os.environ, DISPLAY=xvfb), check=True,
                       timeout=10)
        t0 = time.monotonic()
        child.expect("WINDOW_CLOSED", timeout=5.0)
        assert time.monotonic() - t0 < 2.0  # noticed within the watch interval, not at the end
        child.expect("closed True")
        assert child.finish() == 0
    finally:
        if child.proc.poll() is None:
            child.proc.kill()


@pytest.mark.display
def test_closing_the_window_quits(xvfb, tmp_path):
    child = Child(xvfb, tmp_path)
    try:
        child.expect("shown")
        _send_wm_delete(xvfb, int(_window_id(xvfb)))
        child.expect("QUIT")
        child.expect("closed True")
        assert child.finish() == 0
    finally:
        if child.proc.poll() is None:
            child.proc.kill()
