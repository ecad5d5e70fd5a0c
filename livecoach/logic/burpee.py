"""The push-up inside a burpee: one push-up between coming into the plank and leaving it.

A burpee drops into a squat, jumps the feet back into a plank, does one push-up, jumps the feet
in and stands up. Its push-up counts (a burpee is a conditioning drill: it is judged for being
done, not for a chest-to-floor depth), and its depth is "not judged". Measured on the shared
burpee clip, the shoulders drop 30-41 % of their height there (elbows 101-114 degrees in the
picture), as labelled-shallow reps elsewhere do: no depth or size measure tells the two apart,
so the rep counter makes each a no-rep "not deep enough". What tells them apart is the stretch
around the cycle: in a burpee the person was out of the plank just before it and is out of it
again just after, with no other cycle in between.

:class:`BurpeeWatch` holds back such a cycle's no-rep "not deep enough" until the stretch shows
which it is:

* the person leaves the plank (the plank gate closes, or they are out of view) with no other
  cycle finished, within ``burpee_plank_cycles`` of the cycle's own durations of its lockout:
  a burpee's push-up, counted as a rep with depth "not judged";
* another cycle finishes, the plank is held longer than that, the body jumps (a cut, a re-found
  track) or the session ends: the no-rep stands, as it would have without the wait.

A cycle is held back only when it is the first of its stretch in position, the stretch was
entered from a pose seen out of the plank (not from the first frames of a video, nor from out
of view), and the push-up started within ``burpee_plank_cycles`` durations of that entry. Both
bounds are in the cycle's own duration, so they hold at any tempo. Every other cycle is
decided at its lockout, as before; a shallow first rep of an ordinary set is told at most a
few of its durations late (or at the next rep's lockout).
"""
from __future__ import annotations

import enum
import math
from typing import Optional, Tuple

from livecoach.logic.reps import NO_REP_NOT_DEEP, FinishedCycle
from livecoach.types import Phase


class Outcome(enum.Enum):
    """What becomes of a held-back cycle."""

    NO_REP = "no_rep"  # the no-rep stands
    BURPEE_REP = "burpee_rep"  # a burpee's push-up: a rep, depth not judged


class BurpeeWatch:
    """Decides whether a shallow first cycle of a stretch in position is a burpee's push-up.

    Per frame, call :meth:`observe` with the rep counter's phase and whether the frame held a
    plank, then :meth:`resolve` (which may release the held-back cycle), then :meth:`offer` for
    a cycle that finished on this frame. ``plank_cycles`` 0 turns the watch off.
    """

    def __init__(self, plank_cycles: float) -> None:
        self.plank_cycles = float(plank_cycles)
        self.pending: Optional[FinishedCycle] = None
        self._in_stretch = False
        self._cycles_in_stretch = 0
        self._last_out_of_plank_t: Optional[float] = None  # a pose seen, not holding a plank
        self._entered_from_t: Optional[float] = None  # that time, when the current stretch began
        self._last_held_t: Optional[float] = None

    def _bound_s(self, cycle: FinishedCycle) -> float:
        return self.plank_cycles * max(cycle.window.t_end_s - cycle.window.t_start_s, 0.0)

    def observe(self, t_s: float, pose_seen: bool, plank_held: bool, phase: Phase) -> None:
        """One frame: ``phase`` is the rep counter's after this frame, ``plank_held`` whether the
        frame's posture held a plank (the gate's input, before its delays)."""
        in_position = phase != Phase.NOT_IN_POSITION
        if in_position and not self._in_stretch:
            self._entered_from_t = self._last_out_of_plank_t
            self._cycles_in_stretch = 0
        self._in_stretch = in_position
        if pose_seen and plank_held:
            self._last_held_t = t_s
        elif pose_seen and not in_position:
            self._last_out_of_plank_t = t_s

    def resolve(self, left_position: bool, another_cycle: bool,
                jumped: bool) -> Optional[Tuple[FinishedCycle, Outcome]]:
        """The held-back cycle and what becomes of it, released on this frame (None: it waits, or
        there is none). ``left_position``: the counter is out of position now; ``another_cycle``:
        a cycle finished on this frame; ``jumped``: the body jumped (a cut, a re-found track)."""
        cycle = self.pending
        if cycle is None:
            return None
        held_after_s = (self._last_held_t if self._last_held_t is not None else cycle.window.t_end_s) \
            - cycle.window.t_end_s
        if another_cycle or jumped or held_after_s > self._bound_s(cycle):
            outcome = Outcome.NO_REP
        elif left_position:
            outcome = Outcome.BURPEE_REP
        else:
            return None
        self.pending = None
        return cycle, outcome

    def may_be_burpee(self, cycle: FinishedCycle) -> bool:
        """Whether ``cycle`` (finished on this frame, not yet offered) is one :meth:`offer` would
        hold back: a no-rep "not deep enough", the first of its stretch in position, begun within
        ``plank_cycles`` of its durations of entering the plank from a pose seen out of it."""
        if self.plank_cycles <= 0 or self._cycles_in_stretch > 0 or cycle.full \
                or cycle.no_rep_reason != NO_REP_NOT_DEEP:
            return False
        entered = self._entered_from_t
        if entered is None or not math.isfinite(cycle.window.t_start_s):
            return False
        return cycle.window.t_start_s - entered <= self._bound_s(cycle)

    def offer(self, cycle: FinishedCycle) -> bool:
        """Whether to hold back ``cycle`` (finished on this frame, to be counted): True when it is
        a no-rep "not deep enough" that may be a burpee's push-up (then it is :attr:`pending`)."""
        held = self.may_be_burpee(cycle)
        self._cycles_in_stretch += 1
        if held:
            self.pending = cycle
        return held

    def take(self) -> Optional[FinishedCycle]:
        """The held-back cycle, released (the session ends, or the count is reset)."""
        cycle, self.pending = self.pending, None
        return cycle
