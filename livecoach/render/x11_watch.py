"""Noticing that our window was destroyed behind OpenCV's back (X11, no window manager).

With a window manager, closing a window sends ``WM_DELETE_WINDOW`` and OpenCV's Qt hides
the window, which :class:`~livecoach.render.window.Window` sees. Without one (a kiosk, a
bare X server, Xvfb) another client can destroy the window outright (``xdotool
windowclose``, ``xkill -id``): Qt is not told, ``cv2.getWindowProperty`` keeps saying
"visible", and a session would run on with no window. So we ask the X server ourselves,
over a private XCB connection (XCB reports a missing window as a reply error; Xlib would
call a process-wide error handler, which by default exits).

Only ctypes and libxcb: when either is missing (macOS, Windows, Wayland without X), or the
window is never found, :class:`X11WindowWatch` answers ``None`` ("cannot tell").
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from typing import Any, List, Optional

__all__ = ["X11WindowWatch"]

_XCB_ATOM_STRING = 31
_XCB_ATOM_CARDINAL = 6
_XCB_ATOM_WM_NAME = 39
_XCB_GET_PROPERTY_TYPE_ANY = 0
_MAX_WINDOWS_SEARCHED = 5000  # a desktop has hundreds; the bound keeps a pathological tree cheap


class _Cookie(ctypes.Structure):
    _fields_ = [("sequence", ctypes.c_uint)]


class _ScreenIterator(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("rem", ctypes.c_int), ("index", ctypes.c_int)]


class _QueryTreeReply(ctypes.Structure):
    _fields_ = [("response_type", ctypes.c_uint8), ("pad0", ctypes.c_uint8), ("sequence", ctypes.c_uint16),
                ("length", ctypes.c_uint32), ("root", ctypes.c_uint32), ("parent", ctypes.c_uint32),
                ("children_len", ctypes.c_uint16), ("pad1", ctypes.c_uint8 * 14)]


class _GetPropertyReply(ctypes.Structure):
    _fields_ = [("response_type", ctypes.c_uint8), ("format", ctypes.c_uint8), ("sequence", ctypes.c_uint16),
                ("length", ctypes.c_uint32), ("type", ctypes.c_uint32), ("bytes_after", ctypes.c_uint32),
                ("value_len", ctypes.c_uint32), ("pad0", ctypes.c_uint8 * 12)]


class _InternAtomReply(ctypes.Structure):
    _fields_ = [("response_type", ctypes.c_uint8), ("pad0", ctypes.c_uint8), ("sequence", ctypes.c_uint16),
                ("length", ctypes.c_uint32), ("atom", ctypes.c_uint32)]


def _load() -> Optional[Any]:
    name = ctypes.util.find_library("xcb")
    if name is None:
        return None
    global _LIBC
    try:
        xcb = ctypes.CDLL(name)
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):
        return None
    libc.free.argtypes = [ctypes.c_void_p]
    _LIBC = libc
    p, u8, u16, u32 = ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32
    err = ctypes.POINTER(ctypes.c_void_p)
    sigs = {
        "xcb_connect": ([ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)], p),
        "xcb_connection_has_error": ([p], ctypes.c_int),
        "xcb_disconnect": ([p], None),
        "xcb_get_setup": ([p], p),
        "xcb_setup_roots_iterator": ([p], _ScreenIterator),
        "xcb_screen_next": ([ctypes.POINTER(_ScreenIterator)], None),
        "xcb_query_tree": ([p, u32], _Cookie),
        "xcb_query_tree_reply": ([p, _Cookie, err], ctypes.POINTER(_QueryTreeReply)),
        "xcb_query_tree_children": ([ctypes.POINTER(_QueryTreeReply)], ctypes.POINTER(u32)),
        "xcb_query_tree_children_length": ([ctypes.POINTER(_QueryTreeReply)], ctypes.c_int),
        "xcb_get_property": ([p, u8, u32, u32, u32, u32, u32], _Cookie),
        "xcb_get_property_reply": ([p, _Cookie, err], ctypes.POINTER(_GetPropertyReply)),
        "xcb_get_property_value": ([ctypes.POINTER(_GetPropertyReply)], p),
        "xcb_get_property_value_length": ([ctypes.POINTER(_GetPropertyReply)], ctypes.c_int),
        "xcb_intern_atom": ([p, u8, u16, ctypes.c_char_p], _Cookie),
        "xcb_intern_atom_reply": ([p, _Cookie, err], ctypes.POINTER(_InternAtomReply)),
        "xcb_get_window_attributes": ([p, u32], _Cookie),
        "xcb_get_window_attributes_reply": ([p, _Cookie, err], p),
    }
    try:
        for fn, (argtypes, restype) in sigs.items():
            f = getattr(xcb, fn)
            f.argtypes, f.restype = argtypes, restype
    except AttributeError:
        return None
    return xcb


_LIBC: Any = None  # for free(): XCB replies and errors are malloc'ed for the caller


def _free(pointer: Any) -> None:
    if pointer:
        _LIBC.free(ctypes.cast(pointer, ctypes.c_void_p))


class X11WindowWatch:
    """Finds this process's top-level X window titled ``title`` and says whether it still exists.

    ``display`` defaults to ``$DISPLAY``. Call :meth:`exists` as often as needed (one round
    trip to the X server, well under a millisecond locally); until the window has been found
    (it appears once Qt maps it) each call also searches for it. :meth:`close` drops the
    connection.
    """

    def __init__(self, title: str, display: Optional[str] = None) -> None:
        self._title = title.encode("utf-8")
        self._pid = os.getpid()
        self._window: Optional[int] = None
        self._conn: Any = None
        self._xcb = _load() if os.name == "posix" else None
        display = os.environ.get("DISPLAY", "") if display is None else display
        if self._xcb is None or not display:
            return
        screen = ctypes.c_int(0)
        conn = self._xcb.xcb_connect(display.encode(), ctypes.byref(screen))
        if not conn or self._xcb.xcb_connection_has_error(conn):
            if conn:
                self._xcb.xcb_disconnect(conn)
            return
        self._conn = conn
        it = self._xcb.xcb_setup_roots_iterator(self._xcb.xcb_get_setup(conn))
        for _ in range(max(0, screen.value)):
            self._xcb.xcb_screen_next(ctypes.byref(it))
        self._root = ctypes.cast(it.data, ctypes.POINTER(ctypes.c_uint32))[0]  # xcb_screen_t.root
        self._net_wm_pid = self._atom(b"_NET_WM_PID")
        self._net_wm_name = self._atom(b"_NET_WM_NAME")

    @property
    def usable(self) -> bool:
        """False when there is no X server to ask (the answers are then always ``None``)."""
        return self._conn is not None

    @property
    def window_id(self) -> Optional[int]:
        return self._window

    def _atom(self, name: bytes) -> int:
        reply = self._xcb.xcb_intern_atom_reply(
            self._conn, self._xcb.xcb_intern_atom(self._conn, 0, len(name), name), None)
        if not reply:
            return 0
        atom = int(reply.contents.atom)
        _free(reply)
        return atom

    def _property(self, window: int, atom: int) -> Optional[bytes]:
        if not atom:
            return None
        cookie = self._xcb.xcb_get_property(self._conn, 0, window, atom, _XCB_GET_PROPERTY_TYPE_ANY, 0, 256)
        error = ctypes.c_void_p()
        reply = self._xcb.xcb_get_property_reply(self._conn, cookie, ctypes.byref(error))
        _free(error)
        if not reply:
            return None
        try:
            length = self._xcb.xcb_get_property_value_length(reply)
            if length <= 0:
                return None
            return ctypes.string_at(self._xcb.xcb_get_property_value(reply), length)
        finally:
            _free(reply)

    def _children(self, window: int) -> List[int]:
        error = ctypes.c_void_p()
        reply = self._xcb.xcb_query_tree_reply(self._conn, self._xcb.xcb_query_tree(self._conn, window),
                                               ctypes.byref(error))
        _free(error)
        if not reply:
            return []
        try:
            n = self._xcb.xcb_query_tree_children_length(reply)
            children = self._xcb.xcb_query_tree_children(reply)
            return [int(children[i]) for i in range(n)]
        finally:
            _free(reply)

    def _is_ours(self, window: int) -> bool:
        pid = self._property(window, self._net_wm_pid)
        if pid is None or len(pid) < 4 or int.from_bytes(pid[:4], sys.byteorder) != self._pid:
            return False
        name = self._property(window, self._net_wm_name) or self._property(window, _XCB_ATOM_WM_NAME)
        return name == self._title

    def find(self) -> Optional[int]:
        """Search the window tree (breadth first: top-level windows, then inside WM frames)."""
        if self._conn is None:
            return None
        queue, seen = [self._root], 0
        while queue and seen < _MAX_WINDOWS_SEARCHED:
            window = queue.pop(0)
            for child in self._children(window):
                seen += 1
                if self._is_ours(child):
                    self._window = child
                    return child
                queue.append(child)
        return None

    def exists(self) -> Optional[bool]:
        """True/False once the window was found; ``None`` while it cannot be told."""
        if self._conn is None:
            return None
        if self._xcb.xcb_connection_has_error(self._conn):
            return None
        if self._window is None and self.find() is None:
            return None
        error = ctypes.c_void_p()
        reply = self._xcb.xcb_get_window_attributes_reply(
            self._conn, self._xcb.xcb_get_window_attributes(self._conn, self._window), ctypes.byref(error))
        failed = bool(error.value)
        _free(error)
        _free(reply)
        return not failed and bool(reply)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._xcb is not None:
            self._xcb.xcb_disconnect(conn)


