"""The plan runner: a workout plan done set by set, driven by frame time and the logic's outputs.

:class:`PlanRunner` is a deterministic state machine. Each frame the session hands it one
:class:`PlanInput` (the frame's ``t_s``, where the person is -- :class:`PersonState` -- the rep
cycles that ended in that frame as :class:`RepOutcome` s, and a hold's good-form seconds so far)
and gets back the events of that frame. It never reads a clock, so a replay gives the same
script. All rules and texts come from ``config/plans/_rules.toml`` (:class:`PlanRules`).

The set cycle::

    CALLED --(in position, or a rep)--> ACTIVE --(target / stood up / rested too long / n)--> REST
      ^                                                                                      |
      +------------------------- rest counted down (or n) ----------------------------------+

* **CALLED**: "Set 2 of 3: wide push-ups, 8 to 12 reps" is said; the set starts (:class:`SetStart`)
  when the person is in position.
* **ACTIVE**: reps and no-reps are counted; "Two more" toward ``target_min``; "That's 8..." at
  ``target_min``; the set ends (:class:`SetEnd`) at ``target_max`` (``target``), after standing
  or being out of view for ``stood_up_after_s`` (``stood_up``), after ``rested_too_long_s``
  without a rep or hold time (``rested_too_long``), or on the n key (``skipped``). Reps
  recognised as another exercise ``wrong_exercise_after_reps`` times in a row get "This set is
  wide push-ups", once per set.
* After a rep set, :class:`Advice`: ``regress`` (to the easier variant of ``[easier]``) when at
  least ``regress_fault_share`` of its cycles had a body-line fault or were no-reps, or the reps
  fell below ``regress_missed_share`` of ``target_min``; ``progress`` after the last set of an
  exercise when every one of its sets was clean at the top of the range and the history says
  the previous ``progress_after_sessions - 1`` sessions were too (``clean_sessions``). A plan
  with ``adapt = true`` moves its remaining sets of that exercise to the easier variant.
* **REST**: :class:`Rest` and "Rest 60 seconds", the advice, "Next: diamond push-ups" at
  ``announce_next_at_s`` before the end, "3", "2", "1", then the next set is called.
* Pause: :meth:`toggle_pause` (space), or automatically when the person is out of view
  during a rest for ``stood_up_after_s``; it resumes when they come back. Timers stop meanwhile.
  :meth:`next_set` (n) and :meth:`back` (b) move between sets.

Everything said is a :class:`~livecoach.types.CueEvent` (kind announcement or count, key
``plan_<text key>``), so the speech and overlay paths of the session need nothing new. Lines
are paced: the speech worker holds one cue and a newer one replaces it, so the runner hands
out a line only when the previous one is estimated to be said (words at ``words_per_minute``
plus ``pad_s``), and drops a count that would come more than ``count_late_drop_s`` late. The
input and event types live in :mod:`livecoach.logic.plan_events` and are re-exported here.
"""
from __future__ import annotations

import dataclasses
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from livecoach.config.plans import Plan, PlanRules, PlanSet
from livecoach.logic.plan_events import (SET_END_REASONS, Advice, PersonState, PlanDone, PlanEvent, PlanInput,
                                         PlanPaused, PlanResumed, PlanStatus, RepOutcome, Rest, RunnerState, SetEnd,
                                         SetResult, SetStart, clean_exercises, person_state, set_is_clean)
from livecoach.types import Cue, CueEvent, CueKind, Features
from livecoach.wording import one_in_singular

__all__ = ["PlanRunner", "PersonState", "RepOutcome", "PlanInput", "SetStart", "SetEnd", "Rest", "Advice",
           "PlanPaused", "PlanResumed", "PlanDone", "PlanEvent", "SetResult", "PlanStatus", "RunnerState",
           "person_state", "SET_END_REASONS"]


class PlanRunner:
    """Runs ``plan`` under ``rules`` (see the module docstring).

    ``clean_sessions``: exercise -> how many sessions in a row before this one had every set of
    it clean at the top of its range (from the history; empty = none). ``words_per_minute`` and
    ``pad_s`` (the main config's ``speech.rate_wpm`` and ``cues.utterance_pad_s``) pace the
    spoken lines: one is handed out only when the previous one is estimated to be said.
    """

    def __init__(self, plan: Plan, rules: PlanRules, clean_sessions: Optional[Mapping[str, int]] = None,
                 words_per_minute: float = 175.0, pad_s: float = 0.3) -> None:
        self.plan = plan
        self.words_per_minute = float(words_per_minute)
        self.pad_s = float(pad_s)
        self._lines: List[Tuple[float, str, str, CueKind]] = []
        self._busy_until = float("-inf")
        self.rules = rules
        self.clean_sessions = dict(clean_sessions or {})
        self.sets: List[PlanSet] = list(plan.sets())
        self.results: List[SetResult] = []
        self.advice: List[Advice] = []
        self.state = RunnerState.CALLED
        self.index = 0
        self.paused = False
        self._pause_reason = ""
        self._paused_at = 0.0
        self._away_since: Optional[float] = None
        self._started = False
        self._last_t: Optional[float] = None
        self._rest_end = 0.0
        self._rest_started = 0.0
        self._rest_said_next = False
        self._rest_counted: set = set()
        self._last_set_end: Optional[float] = None
        self._reset_set()

    # -- public API ----------------------------------------------------------------------
    @property
    def current(self) -> Optional[PlanSet]:
        return self.sets[self.index] if self.index < len(self.sets) else None

    def status(self) -> PlanStatus:
        cur = self.current or self.sets[-1]
        rest_left = max(0.0, self._rest_end - (self._last_t or 0.0)) if self.state == RunnerState.REST else 0.0
        if self.paused and self.state == RunnerState.REST:
            rest_left = max(0.0, self._rest_end - self._paused_at)
        return PlanStatus(state=self.state, paused=self.paused, index=self.index, total=len(self.sets),
                          exercise=cur.exercise, set=cur.round if cur.rounds > 1 else cur.set,
                          of=cur.rounds if cur.rounds > 1 else cur.of, reps=self._reps, target_min=cur.target_min,
                          target_max=cur.target_max, hold_s=self._hold_best, rest_left_s=rest_left)

    def person(self, features: Optional[Features], in_position: bool) -> PersonState:
        """:func:`person_state` for the set under way (its exercise may be done upright)."""
        cur = self.current
        upright = cur is not None and cur.exercise in self.rules.timing.upright_exercises
        return person_state(features, in_position, self.rules.timing.standing_min_body_angle_deg, upright)

    def update(self, frame: PlanInput) -> Tuple[PlanEvent, ...]:
        """The events of one frame (see the module docstring). Frames must come in time order."""
        t = frame.t_s
        if self._last_t is not None and t < self._last_t:
            raise ValueError(f"frame time went back: {t} after {self._last_t}")
        self._last_t = t
        out: List[PlanEvent] = []
        if not self._started:
            self._started = True
            self._call(t, out)
        if self.state == RunnerState.DONE:
            return self._flush(t, out)
        if self.paused:
            if self._pause_reason == "away" and frame.person != PersonState.OUT_OF_VIEW:
                self._resume(t, out)
            else:
                return self._flush(t, out)
        if self.state == RunnerState.CALLED:
            if frame.person == PersonState.IN_POSITION or frame.reps or (frame.hold_seconds or 0) > 0:
                self._begin(t, out)
        if self.state == RunnerState.ACTIVE:
            self._active(frame, out)
        elif self.state == RunnerState.REST:
            self._rest(t, out)
        if self.state == RunnerState.REST:  # a called set just waits; a rest's countdown must stop
            self._watch_away(frame, out)
        return self._flush(t, out)

    def next_set(self, t_s: float) -> Tuple[PlanEvent, ...]:
        """The n key: end the set under way as ``skipped`` (or cut the rest short) and call the next."""
        out: List[PlanEvent] = []
        if self.state == RunnerState.DONE:
            return ()
        self._unpause_for_control(t_s, out)
        if self.state in (RunnerState.CALLED, RunnerState.ACTIVE):
            self._end_set(t_s, "skipped", out, rest=False)
        elif self.state == RunnerState.REST:
            self._call(t_s, out)
        return self._flush(t_s, out)

    def back(self, t_s: float) -> Tuple[PlanEvent, ...]:
        """The b key: call the previous set again (during a rest: the set just done)."""
        out: List[PlanEvent] = []
        if self.state == RunnerState.DONE or not self.sets:
            return ()
        self._unpause_for_control(t_s, out)
        if self.state == RunnerState.ACTIVE and (self._reps or self._no_reps or self._hold_best > 0):
            self._record(t_s, "skipped", out)
        # During a rest self.index is the upcoming set, so one back is the set just done.
        self.index = max(0, self.index - 1)
        self._call(t_s, out)
        return self._flush(t_s, out)

    def toggle_pause(self, t_s: float) -> Tuple[PlanEvent, ...]:
        """The space key: pause (timers stop, nothing counts) or resume."""
        out: List[PlanEvent] = []
        if self.state == RunnerState.DONE:
            return ()
        if self.paused:
            self._resume(t_s, out)
        else:
            self._pause(t_s, "key", out)
        return self._flush(t_s, out)

    def finish(self, t_s: float, late_reps: Sequence[RepOutcome] = ()) -> Tuple[PlanEvent, ...]:
        """The session ends (quit, end of the video): a set under way ends as ``session_end``
        and is judged for advice like any other; nothing more is called, and every line still
        waiting to be said is handed out now (for the summary; the speaker may drop them).

        ``late_reps``: cycles the logic files only at the session's end (a shallow first cycle
        held back as a possible burpee): counted into the set under way, with no cue (the session
        is over). With no set under way they are in the session's counts only."""
        out: List[PlanEvent] = []
        if self.state == RunnerState.ACTIVE:
            s = self.sets[self.index]
            for rep in late_reps:
                self._tally(rep)
            result = self._record(t_s, "session_end", out)
            for advice in self._advise(t_s, s, result):
                self._say_advice(advice, out)
        self.state = RunnerState.DONE
        return self._flush(t_s, out, everything=True)

    def clean_exercises(self) -> Tuple[str, ...]:
        """Exercises whose every rep set this session was clean at the top of its range (for the
        history's ``clean_sessions`` count)."""
        return clean_exercises(self.results, self.rules.progression.progress_max_fault_share)

    # -- states ----------------------------------------------------------------------------
    def _reset_set(self) -> None:
        self._reps = 0
        self._no_reps = 0
        self._bad = 0
        self._hold_best = 0.0
        self._t_begin: Optional[float] = None
        self._last_activity = 0.0
        self._stood_since: Optional[float] = None
        self._down_since: Optional[float] = None
        self._wrong_streak = 0
        self._wrong_said = False
        self._left_said: set = set()
        self._target_said = False

    def _call(self, t: float, out: List[PlanEvent]) -> None:
        """Announce set ``self.index`` and wait for the person to get into position."""
        if self.index >= len(self.sets):
            self._finish(t, out)
            return
        self._reset_set()
        self.state = RunnerState.CALLED
        s = self.sets[self.index]
        key = {(False, False): "set_start", (False, True): "round_start", (True, False): "hold_start",
               (True, True): "hold_round_start"}[(s.is_hold, s.rounds > 1)]
        self._say(t, key, out, set=s.set, of=s.of, round=s.round, rounds=s.rounds,
                  exercise=self.rules.spoken_name(s.exercise), min=s.target_min, max=s.target_max)

    def _begin(self, t: float, out: List[PlanEvent]) -> None:
        s = self.sets[self.index]
        self.state = RunnerState.ACTIVE
        self._t_begin = t
        self._last_activity = t
        out.append(SetStart(t_s=t, plan=self.plan.name, block=s.block, set=s.set, of=s.of, round=s.round,
                            rounds=s.rounds, exercise=s.exercise, target_min=s.target_min,
                            target_max=s.target_max, unit="seconds" if s.is_hold else "reps"))

    def _active(self, frame: PlanInput, out: List[PlanEvent]) -> None:
        t = frame.t_s
        s = self.sets[self.index]
        timing = self.rules.timing
        for rep in frame.reps:
            self._last_activity = t
            self._tally(rep)
            self._check_exercise(t, s, rep, out)
            if s.is_hold or not rep.full:
                continue
            if self._reps >= s.target_max:
                self._end_set(t, "target", out)
                return
            left = s.target_min - self._reps
            if 1 <= left <= timing.reps_left_from and left not in self._left_said:
                self._left_said.add(left)
                self._say(t, "reps_left", out, kind=CueKind.COUNT, left=self.rules.number(left))
            elif left == 0 and not self._target_said:
                self._target_said = True
                self._say(t, "target_reached", out, reps=self._reps, min=s.target_min, max=s.target_max)
        if s.is_hold and frame.hold_seconds is not None:
            if frame.hold_seconds > self._hold_best:
                self._hold_best = float(frame.hold_seconds)
                self._last_activity = t
            if self._hold_best >= s.target_min and not self._target_said and s.target_max > s.target_min:
                self._target_said = True
                self._say(t, "target_reached", out, reps=int(self._hold_best), min=s.target_min, max=s.target_max)
            if self._hold_best >= s.target_max:
                self._end_set(t, "target", out)
                return
        if s.is_hold and frame.person == PersonState.IN_POSITION:
            self._last_activity = t
        if frame.person in (PersonState.STANDING, PersonState.OUT_OF_VIEW):
            self._down_since = None
            if self._stood_since is None:
                self._stood_since = t
            if t - self._stood_since >= timing.stood_up_after_s:
                self._end_set(t, "stood_up", out)
                return
        else:
            # Back in position undoes a stand-up in progress at once; on the floor only after a
            # while (a person walking off is read "on the floor" in a frame or two on the way).
            if self._down_since is None:
                self._down_since = t
            if frame.person == PersonState.IN_POSITION or t - self._down_since >= timing.floor_resets_after_s:
                self._stood_since = None
            if self._stood_since is None and t - self._last_activity >= timing.rested_too_long_s:
                self._end_set(t, "rested_too_long", out)

    def _tally(self, rep: RepOutcome) -> None:
        """Count ``rep`` into the set under way: a rep or a no-rep, and a bad one (a no-rep or a
        body-line fault) for the progression."""
        if rep.full:
            self._reps += 1
        else:
            self._no_reps += 1
        if not rep.full or set(rep.faults) & set(self.rules.progression.body_line_faults):
            self._bad += 1

    def _check_exercise(self, t: float, s: PlanSet, rep: RepOutcome, out: List[PlanEvent]) -> None:
        wrong = (rep.exercise is not None and rep.exercise != s.exercise and s.exercise not in rep.candidates)
        self._wrong_streak = self._wrong_streak + 1 if wrong else 0
        if (wrong and not self._wrong_said
                and self._wrong_streak >= self.rules.timing.wrong_exercise_after_reps):
            self._wrong_said = True
            self._say(t, "wrong_exercise", out, exercise=self.rules.spoken_name(s.exercise))

    def _end_set(self, t: float, reason: str, out: List[PlanEvent], rest: bool = True) -> None:
        s = self.sets[self.index]
        result = self._record(t, reason, out)
        if reason != "skipped":
            if s.is_hold:
                self._say(t, "hold_done", out, seconds=int(round(self._hold_best)))
            else:
                self._say(t, "set_done", out, reps=self._reps)
        advice = self._advise(t, s, result)
        self.index += 1
        if self.index >= len(self.sets):
            for a in advice:
                self._say_advice(a, out)
            self._finish(t, out)
            return
        if not rest or s.rest_s <= 0:
            for a in advice:
                self._say_advice(a, out)
            self._call(t, out)
            return
        self.state = RunnerState.REST
        self._rest_started = t
        self._rest_end = t + s.rest_s
        self._rest_said_next = False
        self._rest_counted = set()
        nxt = self.sets[self.index]
        out.append(Rest(t_s=t, seconds=s.rest_s, next_exercise=nxt.exercise))
        self._say(t, "rest", out, seconds=_seconds_text(s.rest_s))
        for a in advice:
            self._say_advice(a, out)
        self._rest(t, out)

    def _record(self, t: float, reason: str, out: List[PlanEvent]) -> SetResult:
        s = self.sets[self.index]
        # "This set is wide push-ups" still waiting to be said is moot once the set is over.
        self._lines = [line for line in self._lines if line[1] != "wrong_exercise"]
        t_start = self._t_begin if self._t_begin is not None else t
        rest_before = (t_start - self._last_set_end) if self._last_set_end is not None else None
        result = SetResult(plan=self.plan.name, block=s.block, exercise=s.exercise, target_min=s.target_min,
                           target_max=s.target_max, unit="seconds" if s.is_hold else "reps", reps=self._reps,
                           no_reps=self._no_reps, bad_cycles=self._bad, hold_s=self._hold_best, reason=reason,
                           t_start_s=t_start, t_end_s=t, rest_before_s=rest_before, set=s.set, of=s.of,
                           round=s.round, rounds=s.rounds)
        if self._t_begin is not None:
            self.results.append(result)
            self._last_set_end = t
            out.append(SetEnd(t_s=t, plan=self.plan.name, exercise=s.exercise, reps=self._reps,
                              no_reps=self._no_reps, hold_s=self._hold_best, reason=reason))
        return result

    def _advise(self, t: float, s: PlanSet, result: SetResult) -> List[Advice]:
        if s.is_hold or result.reason == "skipped" or self._t_begin is None:
            return []
        rules = self.rules.progression
        cycles = result.reps + result.no_reps
        broke = cycles >= rules.regress_min_cycles and result.bad_cycles >= rules.regress_fault_share * cycles
        # A set cut short by the end of the session did not miss its target: only its form counts.
        missed = result.reason != "session_end" and result.reps < rules.regress_missed_share * s.target_min
        out: List[Advice] = []
        easier = self.rules.easier.get(s.exercise)
        if (broke or missed) and easier is not None:
            out.append(Advice(t_s=t, kind="regress", from_exercise=s.exercise, to_exercise=easier,
                              reason="form" if broke else "missed_target"))
            if self.plan.adapt:
                for i in range(self.index + 1, len(self.sets)):
                    nxt = self.sets[i]
                    if nxt.exercise == s.exercise and nxt.block_index == s.block_index:
                        self.sets[i] = dataclasses.replace(nxt, exercise=easier)
        elif not any(x.exercise == s.exercise for x in self.sets[self.index + 1:]):
            mine = [r for r in self.results if r.exercise == s.exercise and r.unit == "reps" and r.reason != "skipped"]
            share_ok = all(set_is_clean(r, rules.progress_max_fault_share) for r in mine)
            if mine and share_ok and self.clean_sessions.get(s.exercise, 0) + 1 >= rules.progress_after_sessions:
                harder = self.rules.harder.get(s.exercise, s.exercise)
                out.append(Advice(t_s=t, kind="progress", from_exercise=s.exercise, to_exercise=harder,
                                  reason="clean_at_top"))
        self.advice.extend(out)
        return out

    def _say_advice(self, advice: Advice, out: List[PlanEvent]) -> None:
        out.append(advice)
        if advice.kind == "progress" and advice.to_exercise == advice.from_exercise:
            self._say(advice.t_s, "progress_reps", out, exercise=self.rules.spoken_name(advice.from_exercise))
        else:
            key = "regress_missed" if advice.reason == "missed_target" else advice.kind
            self._say(advice.t_s, key, out, from_exercise=self.rules.spoken_name(advice.from_exercise),
                      to_exercise=self.rules.spoken_name(advice.to_exercise))

    def _rest(self, t: float, out: List[PlanEvent]) -> None:
        left = self._rest_end - t
        timing = self.rules.timing
        total = self._rest_end - self._rest_started
        if not self._rest_said_next and left <= timing.announce_next_at_s:
            self._rest_said_next = True
            self._say(t, "next", out, exercise=self.rules.spoken_name(self.sets[self.index].exercise))
        due = [n for n in range(1, timing.countdown_from + 1) if left <= n < total and n not in self._rest_counted]
        if due and left > 0:
            n = min(due)
            self._rest_counted.update(range(n, timing.countdown_from + 1))
            self._say(t, "countdown", out, kind=CueKind.COUNT, n=n)
        if left <= 0:
            self._call(t, out)

    def _watch_away(self, frame: PlanInput, out: List[PlanEvent]) -> None:
        if frame.person != PersonState.OUT_OF_VIEW:
            self._away_since = None
            return
        if self._away_since is None:
            self._away_since = frame.t_s
        if frame.t_s - self._away_since >= self.rules.timing.stood_up_after_s and not self.paused:
            self._pause(frame.t_s, "away", out)

    def _pause(self, t: float, reason: str, out: List[PlanEvent]) -> None:
        self.paused = True
        self._pause_reason = reason
        self._paused_at = t
        out.append(PlanPaused(t_s=t, reason=reason))
        self._say(t, "paused", out)

    def _resume(self, t: float, out: List[PlanEvent]) -> None:
        shift = t - self._paused_at
        self.paused = False
        self._away_since = None
        self._rest_end += shift
        self._rest_started += shift
        self._last_activity += shift
        self._stood_since = None
        self._down_since = None
        out.append(PlanResumed(t_s=t))
        self._say(t, "resumed", out)

    def _unpause_for_control(self, t: float, out: List[PlanEvent]) -> None:
        if self.paused:
            self._resume(t, out)

    def _finish(self, t: float, out: List[PlanEvent]) -> None:
        self.state = RunnerState.DONE
        self.index = len(self.sets)
        reps = sum(r.reps for r in self.results if r.unit == "reps")
        out.append(PlanDone(t_s=t, plan=self.plan.name, sets=len(self.results), reps=reps))
        self._say(t, "plan_done", out, sets=len(self.results), reps=reps)

    def _say(self, t: float, key: str, out: List[PlanEvent], kind: CueKind = CueKind.ANNOUNCEMENT,
             **fields: Any) -> None:
        """Queue a line; :meth:`_flush` hands it out when the previous one has been said."""
        text = one_in_singular(self.rules.texts[key].format(**fields))
        self._lines.append((t, key, text, kind))

    def _flush(self, t: float, out: List[PlanEvent], everything: bool = False) -> Tuple[PlanEvent, ...]:
        """Hand out queued lines one at a time, each once the last is estimated to be said
        (the speaker holds one cue and a newer one replaces it, so lines handed out together
        would be lost). A count that could not start within ``count_late_drop_s`` is dropped:
        "3" said late is wrong."""
        while self._lines and (everything or self._busy_until <= t):
            t_req, key, text, kind = self._lines.pop(0)
            if (not everything and kind == CueKind.COUNT
                    and t - t_req > self.rules.timing.count_late_drop_s):
                continue
            out.append(CueEvent(Cue(t_s=t, key=f"plan_{key}", text=text, kind=kind,
                                    priority=int(self.rules.priority[key]))))
            words = max(1, len(text.split()))
            self._busy_until = t + words * 60.0 / self.words_per_minute + self.pad_s
        return tuple(out)


def _seconds_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
