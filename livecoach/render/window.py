"""The on-screen window (adapter: cv2 HighGUI).

:class:`Window` shows overlay images and turns key presses into :class:`KeyAction` s:
q/Esc quit, space pause, m mute, r reset the count, n next set and b back (a workout plan); closing the window also quits, and a
window destroyed behind OpenCV's back (no window manager) is reported as
:attr:`KeyAction.WINDOW_CLOSED`, which quits too (:attr:`KeyAction.quits`).

``cv2.imshow`` with no display aborts the whole process (Qt's "could not connect to
display" is fatal, not an exception), so callers check :func:`display_problem` /
:func:`display_available` first and fall back to headless mode.
"""
from __future__ import annotations

import os
import socket
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Mapping, Optional, Tuple

import cv2
import numpy as np

from livecoach.render.x11_watch import X11WindowWatch

__all__ = ["KeyAction", "key_action", "Window", "display_available", "display_problem", "fitted_size"]


class KeyAction(Enum):
    """What a key press (or closing the window) asks the app to do."""

    NONE = "none"
    QUIT = "quit"
    PAUSE = "pause"  # toggles
    MUTE = "mute"  # toggles
    RESET = "reset"  # reset the rep count
    NEXT_SET = "next set"  # a workout plan: end the set (or the rest) and call the next
    BACK = "back"  # a workout plan: call the previous set again
    WINDOW_CLOSED = "window closed"  # the window was destroyed without the app being told

    @property
    def quits(self) -> bool:
        """True for the actions that end the session (q/Esc, and the window gone)."""
        return self in (KeyAction.QUIT, KeyAction.WINDOW_CLOSED)


_ESC = 27
_KEYS = {
    ord("q"): KeyAction.QUIT, ord("Q"): KeyAction.QUIT, _ESC: KeyAction.QUIT,
    ord(" "): KeyAction.PAUSE,
    ord("m"): KeyAction.MUTE, ord("M"): KeyAction.MUTE,
    ord("r"): KeyAction.RESET, ord("R"): KeyAction.RESET,
    ord("n"): KeyAction.NEXT_SET, ord("N"): KeyAction.NEXT_SET,
    ord("b"): KeyAction.BACK, ord("B"): KeyAction.BACK,
}


def key_action(code: int) -> KeyAction:
    """The action for a ``cv2.waitKey`` code (``-1`` = no key)."""
    if code is None or code < 0:
        return KeyAction.NONE
    return _KEYS.get(code & 0xFF, KeyAction.NONE)


# -- is there a display? ---------------------------------------------------------------

def _x_server_answers(display: str, timeout_s: float = 0.5) -> bool:
    """Whether an X server accepts connections at ``display`` (``[host]:N[.screen]``).

    Only the socket is tried (no X protocol, no auth): enough to tell a live display from
    a stale ``DISPLAY`` left over from an old ssh session, which would abort ``imshow``.
    """
    if display.startswith("/"):  # a launchd socket path (XQuartz)
        return os.path.exists(display.split(":")[0]) or os.path.exists(display)
    host, sep, rest = display.rpartition(":")
    if not sep:
        return False
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        candidates = [path]
        if sys.platform.startswith("linux"):
            candidates.insert(0, "\0" + path)  # Linux abstract socket, what Xorg/Xvfb listen on first
        for address in candidates:
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(timeout_s)
                    sock.connect(address)
                    return True
            except OSError:
                continue
        return False
    try:
        with socket.create_connection((host.strip("[]"), 6000 + int(number)), timeout=timeout_s):
            return True
    except OSError:
        return False


def _opencv_needs_x11() -> bool:
    """True when this OpenCV's HighGUI is the pip wheels' Qt with only the X11 (xcb) plugin."""
    platforms = Path(cv2.__file__).resolve().parent / "qt" / "plugins" / "platforms"
    if not platforms.is_dir():
        return False  # a system build (GTK, or Qt with its own plugins): trust WAYLAND_DISPLAY
    return not any("wayland" in p.name for p in platforms.iterdir())


def display_problem(platform: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """Why a window cannot be shown here, in one line, or ``None`` if it can.

    macOS and Windows always have a display for a desktop session. On Linux/BSD an X
    server must answer at ``$DISPLAY`` (OpenCV's pip wheels draw through X11 only, so a
    pure Wayland session needs XWayland), or ``$WAYLAND_DISPLAY`` must be set for an
    OpenCV build that can use it.
    """
    platform = sys.platform if platform is None else platform
    env = os.environ if environ is None else environ
    if platform == "darwin" or platform.startswith("win") or platform == "cygwin":
        return None
    display = env.get("DISPLAY", "")
    if display:
        if _x_server_answers(display):
            return None
        return f"DISPLAY={display} is set but no X server answers there — use --headless, or run under Xvfb"
    if env.get("WAYLAND_DISPLAY"):
        if not _opencv_needs_x11():
            return None
        return ("only Wayland is available (no DISPLAY) and OpenCV's window needs X11 — enable XWayland, "
                "or use --headless")
    return "no display (DISPLAY is not set) — use --headless, or run under Xvfb"


def display_available(platform: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> bool:
    """True when :class:`Window` can show images here (see :func:`display_problem`)."""
    return display_problem(platform, environ) is None


# -- the window --------------------------------------------------------------------------

def fitted_size(width: int, height: int, box: Tuple[int, int]) -> Tuple[int, int]:
    """A ``width`` x ``height`` picture scaled, up or down, to the largest size that fits in ``box``
    (width, height) with its shape kept: the size the window opens at, and the size a picture
    smaller than the window is shown at."""
    scale = min(box[0] / max(1, width), box[1] / max(1, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class Window:
    """An OpenCV window created on the first :meth:`show`.

    ``WINDOW_NORMAL`` lets the user resize it (the overlay scales with the image, so a
    bigger window reads from further away); ``WINDOW_GUI_NORMAL`` drops Qt's toolbar and
    status bar, which only clutter a coaching view. The window opens as large as fits in
    ``fit_box`` (:func:`fitted_size`): a 1080p camera does not open a window larger than
    a laptop screen, and a 640x360 one not a window too small to read from the floor.

    On X11 the window is also watched on the X server itself, every ``watch_interval_s``
    (one round trip, ~0.2 ms): without a window manager another client can destroy it
    and Qt never tells OpenCV (see :mod:`livecoach.render.x11_watch`).
    """

    def __init__(self, title: str, wait_ms: int = 1, fit_box: Tuple[int, int] = (1280, 720),
                 watch_interval_s: float = 0.25) -> None:
        self._title = title
        self._wait_ms = max(1, int(wait_ms))
        self._fit_box = fit_box
        self._watch_interval_s = watch_interval_s
        self._watch: Optional[X11WindowWatch] = None
        self._next_watch = 0.0
        self._created = False
        self._closed = False
        self._closed_action = KeyAction.QUIT

    @property
    def title(self) -> str:
        return self._title

    @property
    def closed(self) -> bool:
        """True once the user closed the window (or :meth:`close` was called)."""
        return self._closed

    def _user_closed(self) -> bool:
        try:
            return cv2.getWindowProperty(self._title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:  # the window no longer exists
            return True

    def _destroyed_behind_our_back(self) -> bool:
        """The X window is gone though OpenCV still reports it visible (checked at intervals)."""
        if self._watch is None:
            return False
        now = time.monotonic()
        if now < self._next_watch:
            return False
        self._next_watch = now + self._watch_interval_s
        return self._watch.exists() is False

    def _start_watch(self) -> None:
        if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and os.environ.get("DISPLAY"):
            watch = X11WindowWatch(self._title)
            self._watch = watch if watch.usable else None

    def show(self, image: np.ndarray) -> KeyAction:
        """Show ``image``, pump GUI events for ``wait_ms`` and return the key's action.

        Returns :attr:`KeyAction.QUIT` once the user closed the window (it is not
        re-opened: ``imshow`` on a closed window would silently create a new one), and
        :attr:`KeyAction.WINDOW_CLOSED` once it was destroyed without OpenCV noticing.
        """
        if self._closed:
            return self._closed_action
        if not self._created:
            cv2.namedWindow(self._title, cv2.WINDOW_NORMAL | cv2.WINDOW_GUI_NORMAL)
            height, width = image.shape[:2]
            cv2.resizeWindow(self._title, *fitted_size(width, height, self._fit_box))
            self._created = True
            self._start_watch()
        elif self._destroyed_behind_our_back():
            self._closed = True
            self._closed_action = KeyAction.WINDOW_CLOSED
            return KeyAction.WINDOW_CLOSED
        elif self._user_closed():
            self._closed = True
            return KeyAction.QUIT
        cv2.imshow(self._title, self._filling_the_window(image))
        action = key_action(cv2.waitKey(self._wait_ms))
        if action is KeyAction.NONE and self._user_closed():
            self._closed = True
            return KeyAction.QUIT
        return action

    def _filling_the_window(self, image: np.ndarray) -> np.ndarray:
        """``image`` scaled up to fill the window. Qt's HighGUI shrinks a picture larger than its
        window but shows a smaller one at its own size in the middle (a 320x180 picture in a
        1280x720 window, measured): a small camera picture would stay small however large the window."""
        try:
            x, y, width, height = cv2.getWindowImageRect(self._title)
        except cv2.error:
            return image
        if width <= 0 or height <= 0:
            return image
        # The picture is drawn centred, so the window is its size plus twice its offset.
        size = fitted_size(image.shape[1], image.shape[0], (2 * x + width, 2 * y + height))
        if size[0] <= image.shape[1]:  # fills the window already, or larger: the window shrinks it itself
            return image
        return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)

    def close(self) -> None:
        """Destroy the window (safe to call twice, or when it was never shown)."""
        if self._created:
            try:
                cv2.destroyWindow(self._title)
                cv2.waitKey(1)  # let the GUI thread process the destroy
            except cv2.error:
                pass
        self._created = False
        self._closed = True
        if self._watch is not None:
            self._watch.close()
            self._watch = None

    def __enter__(self) -> "Window":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
