"""Patchy tracking: the pose model keeps losing a person who is there.

A person the pose model finds on only some frames (dim light, a camera above or behind, a body
too close to the lens) is counted badly and silently: a rep whose frames are missing is no rep.
Measured on the shared clips: PushFit correct60, filmed from above at the head's end, has a
person on 37 of its 94 frames and counts 2 of 3 as filmed, 0 of 3 when darkened.
:class:`PatchyTrackingWatch` says so while it happens, so the user can change the light or the
camera instead of wondering why nothing counts.

Over the last ``[tracking] window_s`` seconds of frame time it takes the frames from the first
to the last one with a person and the share of them that had one. A person who walks out of
view leaves one run of empty frames after the last found one: not patchy (the "nobody in
view" hint covers that). Under ``min_found_share``, on a stretch of at least half the window,
it is patchy: one :class:`~livecoach.types.PatchyTracking` per bout (the share back over the
line, or nobody found, ends a bout), and not again within ``repeat_after_s``.

Pure and on frame timestamps: a replay says the same at the same frames.
"""
from __future__ import annotations

import collections
from typing import Deque, Optional, Tuple

from livecoach.config.schema import TrackingConfig
from livecoach.types import PatchyTracking

__all__ = ["PatchyTrackingWatch"]


class PatchyTrackingWatch:
    """``update(t_s, found)`` per frame; returns a :class:`PatchyTracking` when a bout starts."""

    def __init__(self, config: TrackingConfig) -> None:
        self.config = config
        self._frames: Deque[Tuple[float, bool]] = collections.deque()
        self._first_t: Optional[float] = None
        self._in_bout = False
        self._last_notice_t: Optional[float] = None

    def update(self, t_s: float, found: bool) -> Optional[PatchyTracking]:
        cfg = self.config
        if self._first_t is None:
            self._first_t = t_s
        self._frames.append((t_s, found))
        while self._frames and t_s - self._frames[0][0] > cfg.window_s:
            self._frames.popleft()
        share = self.found_share()
        if share is None or share >= cfg.min_found_share:
            self._in_bout = False
            return None
        if self._in_bout or t_s - self._first_t < cfg.window_s:
            return None
        self._in_bout = True
        if self._last_notice_t is not None and t_s - self._last_notice_t < cfg.repeat_after_s:
            return None
        self._last_notice_t = t_s
        return PatchyTracking(t_s=t_s, found_share=share, window_s=cfg.window_s)

    def found_share(self) -> Optional[float]:
        """The share of frames with a person, from the first to the last found one in the window;
        None when fewer than two were found or they span less than half the window."""
        found = [i for i, (_, seen) in enumerate(self._frames) if seen]
        if len(found) < 2:
            return None
        first, last = found[0], found[-1]
        if self._frames[last][0] - self._frames[first][0] < self.config.window_s / 2:
            return None
        return len(found) / (last - first + 1)
