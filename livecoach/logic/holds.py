"""Timed holds (plank, forearm plank, side plank, scapular wall hold), one frame at a time.

:class:`HoldTimer` times one hold profile on frame timestamps. The clock runs only on frames
that are in the profile's position *and* in good form: the hips within ``line_tolerance_frac``
of the body line (side plank: not more than ``-hips_up_min_frac`` below it), arms straight for
straight-arm holds, knees straight where ``knees_bent`` is enabled. A fault that lasts
``break_after_s`` breaks the hold (event ``break`` naming the fault: the cue to speak), good form
back for ``restore_after_s`` restores it; out of position (or no pose: ``update(t, None)``) for
``end_after_s`` ends it, and a hold of at least ``min_hold_s`` becomes a :class:`HoldRecord`.
Spoken-time ``tick`` events come every ``tick_every_s`` of good-form time; with a target the
step carries the countdown and a ``target`` event fires once when it is reached.

:class:`HoldTimers` runs one timer per hold profile on every frame (cheap) and reports only the
one the recogniser names: a hold is recognised a few seconds after it starts (it must be seen
to stay still), and its timer has been counting from the first frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple, Union

from livecoach.config.exercises import ExerciseLibrary, ExerciseProfile, RecognitionConfig
from livecoach.logic.exercises import match_profile
from livecoach.logic.posture import Posture, measure_posture
from livecoach.types import Phase, PoseFrame
from livecoach.wording import one_in_singular

#: Hold event kinds, in the order they can happen.
HOLD_EVENT_KINDS = ("start", "tick", "break", "restored", "target", "end")


@dataclass(frozen=True)
class HoldEvent:
    """Something that happened to a hold at ``t_s``; ``cue_key``/``text`` is what to say."""

    kind: str
    t_s: float
    exercise: str
    seconds_good: float
    seconds_total: float
    fault: Optional[str] = None
    cue_key: str = ""
    text: str = ""


@dataclass(frozen=True)
class HoldRecord:
    """One finished hold: how long, how long in good form, and what broke it."""

    exercise: str
    t_start_s: float
    t_end_s: float
    seconds_total: float
    seconds_good: float
    faults: Tuple[str, ...]  # faults that broke the hold, first occurrence order
    breaks: Tuple[Tuple[float, str], ...]  # (t_s, fault) of every break
    target_s: Optional[float] = None
    top_pause: bool = False  # a pause at the top of a rep exercise (:class:`TopPauseTimer`), not a hold set

    @property
    def reached_target(self) -> bool:
        return self.target_s is not None and self.seconds_good >= self.target_s - 1e-9


@dataclass(frozen=True)
class HoldStep:
    """The timer after one frame. ``state``: idle | holding | broken."""

    t_s: float
    exercise: str
    state: str
    seconds_good: float
    seconds_total: float
    fault: Optional[str]
    remaining_s: Optional[float]
    events: Tuple[HoldEvent, ...] = ()
    record: Optional[HoldRecord] = None


def _fmt(text: str, **values: object) -> str:
    try:
        return one_in_singular(text.format(**values))
    except (KeyError, IndexError, ValueError):
        return text


class HoldTimer:
    """Times one hold profile (see the module docstring).

    ``texts`` maps cue keys to texts (the main config's ``[cues.texts]``); the profile's own
    ``[cues]`` win. ``tick_every_s`` None takes the profile's ``hold.tick_every_s``.
    """

    def __init__(self, profile: ExerciseProfile, recognition: RecognitionConfig, target_s: Optional[float] = None,
                 tick_every_s: Optional[float] = None, texts: Optional[Mapping[str, str]] = None) -> None:
        if profile.kind != "hold" or profile.hold is None:
            raise ValueError(f"exercise {profile.name!r} is not a hold")
        if target_s is not None and not (math.isfinite(target_s) and target_s > 0):
            raise ValueError(f"hold target must be a positive number of seconds, got {target_s!r}")
        self.profile = profile
        self.spec = profile.hold
        self.recognition = recognition
        self.target_s = target_s
        self.tick_every_s = self.spec.tick_every_s if tick_every_s is None else float(tick_every_s)
        self.texts: Dict[str, str] = dict(texts or {})
        self.texts.update(profile.cues)
        self._reset()

    def _reset(self) -> None:
        self.state = "idle"
        self.seconds_good = 0.0
        self._t_start: Optional[float] = None
        self._t_last_in: Optional[float] = None
        self._t_prev: Optional[float] = None
        self._good_since: Optional[float] = None
        self._fault: Optional[str] = None
        self._fault_since: Optional[float] = None
        self._fault_candidate: Optional[str] = None
        self._pending_good = 0.0  # good time seen before the hold was confirmed
        self._breaks: List[Tuple[float, str]] = []
        self._ticks = 0
        self._target_done = False

    # -- per-frame judgement
    def judge(self, posture: Posture) -> Tuple[bool, Optional[str]]:
        """(in position, fault or None) for one frame's posture."""
        if match_profile(posture, self.profile, self.recognition).score < self.recognition.min_confidence:
            return False, None
        if not self.arms_straight(posture):
            return False, None  # bent arms: a push-up, not a straight-arm hold
        return True, self.form_fault(posture)

    def arms_straight(self, posture: Posture) -> bool:
        """The arms are as straight as the hold needs (always true for a hold on bent arms)."""
        limit = self.spec.arms_straight_min_deg
        return not limit > 0 or posture.elbow_angle_deg >= limit

    def form_fault(self, posture: Posture, within: Optional[ExerciseProfile] = None) -> Optional[str]:
        """The hold's form fault on this posture (None: good form, or not measurable). Bent knees
        come first: the hips' line to the ankles presumes straight legs (knees down, a straight
        shoulder-hip-knee line reads as hips sagging under it), and "legs straight" is the fix.

        ``within``: the rep exercise whose top this hold is (a pause between its reps): only the
        hold's rules that exercise judges too, on its body line. A knee push-up's top is a plank
        on the knees (its line runs to the knees, its knees bend by design), a pike push-up's
        has the hips up."""
        spec = self.spec
        body_end = (within or self.profile).position.body_end
        enabled = self.profile.faults.enabled
        if within is not None:
            enabled = tuple(f for f in enabled if f in within.faults.enabled)
        if "knees_bent" in enabled and spec.knees_straight_min_deg > 0 \
                and posture.knee_angle_deg < spec.knees_straight_min_deg:
            return "knees_bent"
        offset = getattr(posture, f"hip_offset_{body_end}_frac")
        if not math.isnan(offset):
            if spec.hips_up_min_frac > -1.0:
                if -offset < spec.hips_up_min_frac and "hip_sag" in enabled:
                    return "hip_sag"
            else:
                if offset > spec.line_tolerance_frac and "hip_sag" in enabled:
                    return "hip_sag"
                if offset < -spec.line_tolerance_frac and "hip_pike" in enabled:
                    return "hip_pike"
        return None

    def _event(self, kind: str, t_s: float, fault: Optional[str] = None, key: str = "", **values: object) -> HoldEvent:
        text = _fmt(self.texts.get(key, ""), **values) if key else ""
        return HoldEvent(kind, t_s, self.profile.name, round(self.seconds_good, 3), round(self._total(t_s), 3),
                         fault, key, text)

    def _total(self, t_s: float) -> float:
        if self._t_start is None:
            return 0.0
        end = self._t_last_in if self._t_last_in is not None else t_s
        return max(0.0, end - self._t_start)

    def update(self, t_s: float, frame: Union[Posture, PoseFrame, None]) -> HoldStep:
        """One frame: a :class:`Posture`, a :class:`PoseFrame` (measured here) or None (no pose)."""
        posture = measure_posture(frame, self.recognition) if isinstance(frame, PoseFrame) else frame
        spec = self.spec
        events: List[HoldEvent] = []
        record: Optional[HoldRecord] = None
        in_pos, fault = self.judge(posture) if posture is not None else (False, None)
        dt = 0.0 if self._t_prev is None else max(0.0, min(t_s - self._t_prev, spec.end_after_s))
        self._t_prev = t_s
        if in_pos:
            self._t_last_in = t_s
            if self._t_start is None:
                self._t_start = t_s
            good = fault is None
            if good:
                if self.state == "idle":
                    self._pending_good += dt if self._good_since is not None else 0.0
                else:
                    self.seconds_good += dt
            if self.state == "idle":
                if good:
                    self._good_since = self._good_since if self._good_since is not None else t_s
                    if t_s - self._good_since >= spec.start_after_s - 1e-9:
                        self.state = "holding"
                        self.seconds_good += self._pending_good
                        self._pending_good = 0.0
                        events.append(self._event("start", t_s, key="hold_start"))
                else:
                    self._good_since = None
                    self._t_start = None  # not a hold yet: start when the form is good
                    self._pending_good = 0.0
            else:
                events.extend(self._form(t_s, fault))
            if self.state != "idle":
                events.extend(self._ticks_and_target(t_s))
        elif self._t_start is not None and self._t_last_in is not None and t_s - self._t_last_in >= spec.end_after_s - 1e-9:
            record = self._end(t_s, events)
        remaining = None if self.target_s is None else max(0.0, self.target_s - self.seconds_good)
        return HoldStep(t_s, self.profile.name, self.state, round(self.seconds_good, 3), round(self._total(t_s), 3),
                        self._fault, remaining, tuple(events), record)

    def _form(self, t_s: float, fault: Optional[str]) -> List[HoldEvent]:
        spec = self.spec
        out: List[HoldEvent] = []
        if fault is None:
            self._fault_since = None
            if self.state == "broken":
                self._good_since = self._good_since if self._good_since is not None else t_s
                if t_s - self._good_since >= spec.restore_after_s - 1e-9:
                    self.state, self._fault = "holding", None
                    out.append(self._event("restored", t_s, key="hold_restored"))
            return out
        self._good_since = None
        if self.state == "holding":
            if self._fault_since is None or fault != self._fault_candidate:
                self._fault_since, self._fault_candidate = t_s, fault
            if t_s - self._fault_since >= spec.break_after_s - 1e-9:
                self.state, self._fault = "broken", fault
                self._breaks.append((t_s, fault))
                key = fault if fault in self.texts else "hold_break"
                out.append(self._event("break", t_s, fault=fault, key=key))
        return out

    def _ticks_and_target(self, t_s: float) -> List[HoldEvent]:
        out: List[HoldEvent] = []
        if self.tick_every_s > 0:
            n = int(self.seconds_good // self.tick_every_s + 1e-9)
            if n > self._ticks:
                self._ticks = n
                secs = int(round(n * self.tick_every_s))
                out.append(self._event("tick", t_s, key="hold_tick", seconds=secs))
        if self.target_s is not None and not self._target_done and self.seconds_good >= self.target_s - 1e-9:
            self._target_done = True
            out.append(self._event("target", t_s, key="hold_target_reached", target=int(round(self.target_s))))
        return out

    def _end(self, t_s: float, events: List[HoldEvent]) -> Optional[HoldRecord]:
        record = None
        total = self._total(t_s)
        if self.state != "idle" and total >= self.spec.min_hold_s - 1e-9:
            faults: List[str] = []
            for _, f in self._breaks:
                if f not in faults:
                    faults.append(f)
            record = HoldRecord(self.profile.name, float(self._t_start), float(self._t_last_in), round(total, 3),
                                round(self.seconds_good, 3), tuple(faults), tuple(self._breaks), self.target_s)
            events.append(self._event("end", t_s, key="hold_done", good=int(round(self.seconds_good)),
                                      total=int(round(total))))
        self._reset()
        return record

    def finish(self, t_s: float) -> Optional[HoldRecord]:
        """End of the source: close an active hold (its record, or None)."""
        if self._t_start is None:
            return None
        return self._end(t_s, [])


class HoldTimers:
    """One :class:`HoldTimer` per hold profile, fed every frame; reports the recognised one.

    ``update(t_s, frame, recognised)`` returns the :class:`HoldStep` of the hold named by
    ``recognised`` (None when it is not a hold); its events are the ones to speak. A hold record
    is kept when the recogniser named that hold at any time during it (``records``). Pass the
    recogniser's ``Recognition.posture`` (the window's median: steadier than one frame) as
    ``frame``, or None on a frame without a pose.
    """

    def __init__(self, library: ExerciseLibrary, target_s: Optional[float] = None,
                 tick_every_s: Optional[float] = None, texts: Optional[Mapping[str, str]] = None) -> None:
        self.recognition = library.recognition
        self.timers = {p.name: HoldTimer(p, library.recognition, target_s, tick_every_s, texts)
                       for p in library.of_kind("hold")}
        self._named: Dict[str, bool] = {name: False for name in self.timers}
        self.records: List[HoldRecord] = []

    def update(self, t_s: float, frame: Union[Posture, PoseFrame, None],
               recognised: Optional[str]) -> Tuple[Optional[HoldStep], Tuple[HoldRecord, ...]]:
        """(step of the recognised hold or None, records finished on this frame)."""
        posture = measure_posture(frame, self.recognition) if isinstance(frame, PoseFrame) else frame
        shown: Optional[HoldStep] = None
        finished: List[HoldRecord] = []
        for name, timer in self.timers.items():
            step = timer.update(t_s, posture)
            if name == recognised and timer.state != "idle":
                self._named[name] = True
            if step.record is not None:
                if self._named[name]:
                    finished.append(step.record)
                self._named[name] = False
            elif timer.state == "idle" and step.seconds_total == 0.0:
                self._named[name] = False
            if name == recognised:
                shown = step
        self.records.extend(finished)
        return shown, tuple(finished)

    def finish(self, t_s: float) -> Tuple[HoldRecord, ...]:
        out = []
        for name, timer in self.timers.items():
            rec = timer.finish(t_s)
            if rec is not None and self._named[name]:
                out.append(rec)
            self._named[name] = False
        self.records.extend(out)
        return tuple(out)


#: The rep counter's phases inside a cycle: a pause at the top ends when one of them starts.
_IN_A_CYCLE = frozenset((Phase.DESCENT, Phase.BOTTOM, Phase.ASCENT))


class TopPauseTimer:
    """A still pause at the top of a rep exercise, timed as the hold ``timer`` times (the
    recogniser's ``top_pause_hold``: the plank).

    Trainers treat the top of a push-up as a plank, and a person who waits there before the
    first rep, between reps or after the last holds one. Frames count while the person is in
    position and the rep counter is at the top (before its first rep: the arms straight); a
    stretch of them (gaps up to the hold's ``break_after_s`` bridged; a rep cycle, however
    quick, ends it) at least the hold's ``min_hold_s`` long becomes a :class:`HoldRecord` with
    ``top_pause`` set. Good-form seconds are judged by the hold's form rules (the body one line
    from head to heels, the knees straight) that the rep exercise judges too, on its body line
    (:meth:`HoldTimer.form_fault` ``within``: the last rep exercise passed during the pause --
    the analyzer passes the one its reps are filed under, forced or named, which the recogniser
    may name only a moment after the pause began -- judged when the pause ends): a knee
    push-up's top is a plank on the knees, the line from the shoulders to the knees, its bent
    knees no fault. Before any rep exercise is known, the plank's own rules.
    Nothing is spoken. A stretch during which the recogniser names a hold is that hold's, not a
    pause (``named_hold``).
    """

    def __init__(self, timer: HoldTimer) -> None:
        self.timer = timer
        self.spec = timer.spec
        self._reset()

    def _reset(self) -> None:
        self._t_start: Optional[float] = None
        self._t_last: Optional[float] = None
        self._frames: List[Tuple[float, Posture]] = []  # (seconds since the previous, posture), judged at the end
        self._exercise: Optional[ExerciseProfile] = None
        self._named_hold = False

    def update(self, t_s: float, posture: Optional[Posture], phase: Phase, in_position: bool,
               elbow_deg: float = math.nan, named_hold: bool = False,
               exercise: Optional[ExerciseProfile] = None) -> Optional[HoldRecord]:
        """One frame: the rep counter's ``phase``, the recogniser's ``in_position`` and ``posture``
        (None: no pose), the elbow angle of this frame (``elbow_deg``: the recogniser's posture
        is a window's median and lags a second), the exercise it names (``exercise``; only a
        rep exercise's profile is taken). Returns the record of a pause that ended here."""
        record: Optional[HoldRecord] = None
        # At the top: the counter says so, or (before it has seen the person settle, the first
        # pause) the arms are as straight as the hold needs.
        waiting_straight = phase == Phase.NOT_IN_POSITION and elbow_deg >= self.spec.arms_straight_min_deg
        paused = in_position and posture is not None and (phase == Phase.TOP or waiting_straight)
        if self._t_last is not None and (t_s - self._t_last > self.spec.break_after_s or phase in _IN_A_CYCLE):
            # Away from the top longer than a break, or a cycle started (a rep or a no-rep, however
            # quick: the tops between fast reps are no pause): the pause is over.
            record = self._end()
        if paused:
            assert posture is not None
            if self._t_start is None:
                self._t_start = t_s
            else:
                self._frames.append((t_s - (self._t_last if self._t_last is not None else t_s), posture))
            self._t_last = t_s
            self._named_hold = self._named_hold or named_hold
            if exercise is not None and exercise.kind == "reps":
                self._exercise = exercise
        return record

    def finish(self, t_s: float) -> Optional[HoldRecord]:
        """The session ended: the pause running, if long enough."""
        return self._end()

    def _end(self) -> Optional[HoldRecord]:
        start, last, named, frames, within = self._t_start, self._t_last, self._named_hold, self._frames, self._exercise
        self._reset()
        if start is None or last is None or named or last - start < self.spec.min_hold_s - 1e-9:
            return None
        good = 0.0
        faults: Dict[str, float] = {}
        for dt, posture in frames:
            fault = self.timer.form_fault(posture, within)
            if fault is None:
                good += dt
            else:
                faults[fault] = faults.get(fault, 0.0) + dt
        lasting = tuple(f for f, secs in faults.items() if secs >= self.spec.break_after_s - 1e-9)
        return HoldRecord(exercise=self.timer.profile.name, t_start_s=start, t_end_s=last,
                          seconds_total=last - start, seconds_good=min(good, last - start),
                          faults=lasting, breaks=(), top_pause=True)
