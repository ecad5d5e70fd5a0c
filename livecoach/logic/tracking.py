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

The same share over one rep's frames decides whether its form can be judged: a rep on which the
person was found on fewer than ``min_found_share`` of the frames has every fault rule "not
judged" (it still counts). The frames the model does give around its gaps are often garbled
(wrists placed above the shoulders, shoulders on the hips), and a correction read off them is
a guess.

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

    def __init__(self, config: TrackingConfig, history_s: float = 0.0) -> None:
        self.config = config
        # Frames kept: the window, or longer for :meth:`found_share_between` (a rep's frames).
        self._history_s = max(config.window_s, history_s)
        self._frames: Deque[Tuple[float, bool]] = collections.deque()
        self._first_t: Optional[float] = None
        self._in_bout = False
        self._last_notice_t: Optional[float] = None

    def update(self, t_s: float, found: bool) -> Optional[PatchyTracking]:
        cfg = self.config
        if self._first_t is None:
            self._first_t = t_s
        self._frames.append((t_s, found))
        while self._frames and t_s - self._frames[0][0] > self._history_s:
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
        if not self._frames:
            return None
        since = self._frames[-1][0] - self.config.window_s
        found = 0
        newest = oldest = None  # (position from the newest frame, time) of the found frames at each end
        for k, (t, seen) in enumerate(reversed(self._frames)):
            if t < since:
                break
            if seen:
                found += 1
                oldest = (k, t)
                if newest is None:
                    newest = (k, t)
        if found < 2 or newest[1] - oldest[1] < self.config.window_s / 2:
            return None
        return found / (oldest[0] - newest[0] + 1)

    def found_share_between(self, t_start_s: float, t_end_s: float) -> Optional[float]:
        """The share of frames from ``t_start_s`` to ``t_end_s`` (a rep's) with a person found;
        None when none of those frames is still kept (older than ``history_s``)."""
        seen = [found for t, found in self._frames if t_start_s <= t <= t_end_s]
        return sum(seen) / len(seen) if seen else None

    def lost_most_of(self, t_start_s: float, t_end_s: float) -> bool:
        """Whether the person was found on fewer than ``min_found_share`` of the frames from
        ``t_start_s`` to ``t_end_s``: the poses the model did give there are no surer than the
        frames it lost (garbled landmarks come with the gaps), so a rep there is not judged."""
        share = self.found_share_between(t_start_s, t_end_s)
        return share is not None and share < self.config.min_found_share
