"""A workout plan inside a session: the :class:`~livecoach.logic.plans.PlanRunner` fed with the
analyzer's outputs, and the :class:`~livecoach.logic.setup_check.SetupChecker` outside sets.

:class:`PlanDriver` is what the frame loop (:mod:`livecoach.session.loop`) talks to when
``--plan NAME`` was given. Per frame :meth:`PlanDriver.on_step` turns the frame's
:class:`~livecoach.types.LogicStep` into the plan's events (``SetStart``, ``SetEnd``, ``Rest``,
``Advice``, ...), the set-up advice (:class:`~livecoach.logic.setup_check.SetupEvent`) and the
lines to say (:class:`~livecoach.types.CueEvent`); the loop writes, prints and speaks them like
its own events. The keys n (next set), b (back) and space (pause) go to :meth:`on_key`.

Who is heard (the speaker keeps one waiting cue and a newer one replaces it unless it is less
important): the plan's lines rank above every form correction (their priorities are raised
past the highest ``[cues.priority]``), corrections above the set-up messages, and set-up
messages are only looked for outside a set -- before the first set starts, and while nobody is
in position between sets. The first set waits while the set-up check says too dark, too far or
two people (``[setup] first_set_waits_for``; at most ``first_set_waits_s`` of the person in
position): there the joints cannot be measured, so the set would count and judge wrongly.
While a plan runs, the cue policy's own counting aloud and its "set
done" announcement are off (:func:`config_for_plan`): the plan says those.

The history: :meth:`PlanDriver.attach_history` (called by the session build once the recorder
has begun, before the first frame) reads the progress rule's input -- how many sessions in a row
each exercise was clean at the top of its range -- from the history, and from then on every
finished set (with the advice after it) and every plan and set-up line said go to the recorder,
which journals them and hands them to its writer thread: the frame loop never waits on SQLite.

Frame time only; pure logic apart from the light the loop measures on the frame (:class:`~livecoach.types.FrameLight`).
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Protocol, Sequence, Tuple

from livecoach.config.exercises import ExerciseLibrary, load_exercises
from livecoach.config.plans import Plan, PlanLibrary
from livecoach.config.schema import Config
from livecoach.formats.events import EVENTS_SCHEMA_VERSION
from livecoach.formats.records import finite_round
from livecoach.history.progress import previous_clean_sessions
from livecoach.history.schema import StoreError
from livecoach.logic.plans import (Advice, PlanDone, PlanPaused, PlanResumed, PlanRunner, PlanStatus, RepOutcome,
                                   Rest, RunnerState, SetEnd, SetResult, SetStart)
from livecoach.logic.holds import HoldTimer
from livecoach.logic.plan_events import PersonState, PlanInput
from livecoach.logic.setup_check import SetupChecker, SetupEvent
from livecoach.types import Cue, CueEvent, FrameLight, FramingGuide, LogicStep, Phase, RepEvent
from livecoach.wording import counted

__all__ = ["PlanDriver", "config_for_plan", "plan_event_dict", "describe_plan_event", "plan_line",
           "recognised_exercise", "SETUP_PRIORITY", "PLAN_EVENT_TYPES"]

log = logging.getLogger(__name__)

#: Priority of a spoken set-up message: under every correction and every plan line.
SETUP_PRIORITY = 1
#: The non-cue objects the driver hands out (each has ``to_dict()``).
PLAN_EVENT_TYPES = (SetStart, SetEnd, Rest, Advice, PlanPaused, PlanResumed, PlanDone, SetupEvent)


class SetRecorder(Protocol):
    """Where a plan's sets and lines are kept (``livecoach.history.recorder.SessionRecorder``)."""

    def record_set(self, result: SetResult, advice: Optional[Advice] = None) -> None: ...

    def record_cue(self, cue: Cue) -> None: ...


def recognised_exercise(analyzer: Any) -> Tuple[Optional[str], Tuple[str, ...]]:
    """What the exercise recogniser of ``analyzer`` (a :class:`~livecoach.logic.analysis.SessionAnalyzer`)
    makes of the person now, for :meth:`PlanDriver.on_step`: the rep exercise it has settled on
    and the ones this view cannot tell from it; ``(None, ())`` while it has not settled, when it
    names a hold, or when ``--exercise`` forced the exercise (nothing was recognised then)."""
    recognition = getattr(analyzer, "recognition", None)
    if recognition is None or getattr(analyzer, "forced_exercise", None) is not None:
        return None, ()
    if recognition.exercise is None or recognition.kind != "reps":
        return None, ()
    return recognition.exercise, tuple(recognition.cannot_tell)


def _rep_outcomes(events: Sequence[Any], exercise: Optional[str],
                  candidates: Sequence[str]) -> Tuple[RepOutcome, ...]:
    """The plan's view of the rep cycles among ``events``, filed under ``exercise``."""
    return tuple(RepOutcome.from_record(ev.record, exercise=exercise, candidates=candidates)
                 for ev in events if isinstance(ev, RepEvent))


def config_for_plan(config: Config) -> Config:
    """``config`` with the cue policy's counting aloud and "set done" off (the plan says them)."""
    return dataclasses.replace(config, cues=dataclasses.replace(config.cues, count_every=0, set_rest_s=0.0))


def plan_event_dict(event: Any) -> Dict[str, Any]:
    """The ``--events`` object of a plan or set-up event: its ``to_dict()``, ``t`` rounded like
    the other events', and the schema version ``v``."""
    obj = dict(event.to_dict())
    obj["t"] = finite_round(obj["t"])
    obj["v"] = EVENTS_SCHEMA_VERSION
    return obj


def describe_plan_event(event: Any) -> str:
    """A human-readable line for ``--headless`` output."""
    t = f"[{event.t_s:7.2f}s]"
    if isinstance(event, SetStart):
        unit = "s" if event.unit == "seconds" else "reps"
        target = f"{event.target_min}-{event.target_max} {unit}"
        return f"{t} set {event.set} of {event.of} starts: {event.exercise}, {target}"
    if isinstance(event, SetEnd):
        done = (f"held {event.hold_s:.1f} s" if event.hold_s > 0
                else f"{counted(event.reps, 'rep')}, {counted(event.no_reps, 'no-rep')}")
        return f"{t} set ends ({event.reason}): {event.exercise}, {done}"
    if isinstance(event, Rest):
        return f"{t} rest {event.seconds:g} s, next: {event.next_exercise}"
    if isinstance(event, Advice):
        return f"{t} advice: {event.kind} {event.from_exercise} -> {event.to_exercise} ({event.reason})"
    if isinstance(event, PlanPaused):
        return f"{t} plan paused ({event.reason})"
    if isinstance(event, PlanResumed):
        return f"{t} plan resumed"
    if isinstance(event, PlanDone):
        return f"{t} plan done: {counted(event.sets, 'set')}, {counted(event.reps, 'rep')}"
    if isinstance(event, SetupEvent):
        return f"{t} set-up: {event.check}: {event.message}"
    return repr(event)


def plan_line(status: PlanStatus, spoken_name: Any, is_hold: bool = False) -> str:
    """The overlay's plan line: "Set 2 of 3: wide 8-12 -- 5 reps", "Rest 0:42 -- next: diamond
    push-ups" (``spoken_name``: exercise -> its words, from the plan rules; ``is_hold``: the set
    is timed, so its count is good-form seconds)."""
    if status.state == RunnerState.DONE:
        return "Workout done"
    if status.state == RunnerState.REST:
        left = int(round(status.rest_left_s))
        line = f"Rest {left // 60}:{left % 60:02d} \u2014 next: {spoken_name(status.exercise)}"
    else:
        done = f"{int(status.hold_s)} s" if is_hold else counted(status.reps, "rep")
        unit = " s" if is_hold else ""
        head = f"Set {status.set} of {status.of}: {status.exercise} {status.target_min}-{status.target_max}{unit}"
        line = f"{head} \u2014 {done}" if status.state == RunnerState.ACTIVE else f"{head} \u2014 get in position"
    return f"{line} (paused)" if status.paused else line


class PlanDriver:
    """Runs ``plan`` (from ``library``) on a session's logic steps (see the module docstring)."""

    def __init__(self, plan: Plan, library: PlanLibrary, config: Config,
                 exercises: Optional[ExerciseLibrary] = None) -> None:
        self.plan = plan
        # A hold set's good-form seconds come from a HoldTimer of the set's exercise.
        self.exercises = exercises if exercises is not None else load_exercises()
        self._hold: Optional[Tuple[int, HoldTimer]] = None
        self.library = library
        self.runner = PlanRunner(plan, library.rules, clean_sessions={}, words_per_minute=config.speech.rate_wpm,
                                 pad_s=config.cues.utterance_pad_s)
        self.setup = SetupChecker(library.setup, needs_side_view=True)
        # Plan lines outrank every correction the cue policy can say.
        self._boost = max(config.cues.priority.values(), default=0) + 1
        self._started_a_set = False
        self._in_position_since: Optional[float] = None
        self._setup_active = False
        self._setup_message = ""
        self._last_t = 0.0
        self._recorder: Optional[SetRecorder] = None
        self._sets_recorded = 0

    # -- the history ---------------------------------------------------------------------------
    def attach_history(self, recorder: Optional[SetRecorder], history_db: Optional[Path] = None) -> Dict[str, int]:
        """Keep this plan's sets and lines in ``recorder`` from now on, and read the progress
        rule's input from the history database ``history_db`` (None: none; e.g. ``--no-history``).
        Call before the first frame. Returns the ``clean_sessions`` read (exercise -> sessions)."""
        self._recorder = recorder
        clean: Dict[str, int] = {}
        if history_db is not None:
            clean = previous_clean_sessions(history_db, self.library.rules.progression.progress_max_fault_share)
        self.runner.clean_sessions = dict(clean)
        return clean

    def _keep(self, events: Sequence[Any]) -> None:
        """Hand the sets finished and the lines said to the recorder (never waits on the disk)."""
        if self._recorder is None:
            return
        try:
            for event in events:
                if isinstance(event, CueEvent):
                    self._recorder.record_cue(event.cue)
            results = self.runner.results
            while self._sets_recorded < len(results):
                result = results[self._sets_recorded]
                self._sets_recorded += 1
                self._recorder.record_set(result, self._advice_after(result))
        except StoreError as exc:
            # As the loop does for reps: the coaching goes on; what was kept so far stays kept.
            log.warning("%s; the plan goes on without the history", exc)
            self._recorder = None

    def _advice_after(self, result: SetResult) -> Optional[Advice]:
        for advice in self.runner.advice:
            if advice.t_s == result.t_end_s and advice.from_exercise == result.exercise:
                return advice
        return None

    # -- per frame ---------------------------------------------------------------------------
    def wants_light(self, step: Optional[LogicStep] = None) -> bool:
        """Whether the set-up check runs now (so the loop measures the frame's light and picture)."""
        return self._setup_wanted(step)

    def on_step(self, step: LogicStep, light: Optional[FrameLight] = None,
                exercise: Optional[str] = None, candidates: Sequence[str] = ()) -> List[Any]:
        """The events of one frame, in the order to write them (see the module docstring).

        ``exercise`` / ``candidates``: what the exercise recogniser made of the frame's reps
        (None: not recognised, so no "this set is ..." remark)."""
        t = step.t_s
        self._last_t = t
        reps = _rep_outcomes(step.events, exercise, candidates)
        in_position = step.phase != Phase.NOT_IN_POSITION
        person = self.runner.person(step.features, in_position)
        out: List[Any] = []
        if self._setup_wanted(step):
            if not self._setup_active:
                self.setup.reset()  # back in view / between sets: say the advice afresh
                self._setup_active = True
            for ev in self.setup.update(t, step.pose, light):
                out.append(ev)
                out.append(CueEvent(ev.cue(SETUP_PRIORITY)))
            self._setup_message = self.setup.status.message
        else:
            self._setup_active = False
            self._setup_message = ""
        if self._first_set_waits(t, person):
            # Until the set-up is ready the first set is not begun: neither being in position,
            # a rep nor a held position starts it (those reps count in the session, not the set;
            # a hold is timed from the set's start).
            person, reps, hold_seconds = (PersonState.ON_FLOOR if person == PersonState.IN_POSITION else person), (), None
            self._hold = None
        else:
            hold_seconds = self._hold_seconds(step)
        out.extend(self._boosted(self.runner.update(PlanInput(t, person, reps, hold_seconds))))
        self._keep(out)
        return out

    def on_key(self, action: str, t_s: float) -> List[Any]:
        """A window key: ``"next set"`` (n), ``"back"`` (b) or ``"pause"`` (space)."""
        t = max(t_s, self._last_t)
        self._last_t = t
        out: List[Any] = []
        if action == "next set":
            out = self._boosted(self.runner.next_set(t))
        elif action == "back":
            out = self._boosted(self.runner.back(t))
        elif action == "pause":
            out = self._boosted(self.runner.toggle_pause(t))
        self._keep(out)
        return out

    def finish(self, t_s: float, closing_events: Sequence[Any] = (), exercise: Optional[str] = None,
               candidates: Sequence[str] = ()) -> List[Any]:
        """The session ends: a set under way ends as ``session_end``; every waiting line.

        ``closing_events``: the logic's own last events (``SessionAnalyzer.closing_events``); a
        rep cycle among them (a no-rep held back until the end) is counted in the set under way."""
        late = _rep_outcomes(closing_events, exercise, candidates)
        out = self._boosted(self.runner.finish(max(t_s, self._last_t), late))
        self._keep(out)
        return out

    # -- for the overlay -----------------------------------------------------------------------
    def overlay_lines(self) -> Tuple[str, Optional[str]]:
        """The plan line and, during set-up, the set-up message (None when there is none)."""
        cur = self.runner.current
        line = plan_line(self.runner.status(), self.library.rules.spoken_name, cur is not None and cur.is_hold)
        return line, (self._setup_message or None) if self._setup_active else None

    def framing_guide(self) -> Optional[FramingGuide]:
        """The framing guide while the set-up check runs (None in a set and before it decides)."""
        if not self._setup_active or self.setup.status.check is None:
            return None
        return self.setup.guide

    # -- helpers ---------------------------------------------------------------------------------
    def _hold_seconds(self, step: LogicStep) -> Optional[float]:
        """The good-form seconds of the hold under way when the set is a hold, else None."""
        cur = self.runner.current
        if cur is None or not cur.is_hold or cur.exercise not in self.exercises:
            self._hold = None
            return None
        if self._hold is None or self._hold[0] != self.runner.index or self._hold[1].profile.name != cur.exercise:
            self._hold = (self.runner.index, HoldTimer(self.exercises[cur.exercise], self.exercises.recognition))
        return self._hold[1].update(step.t_s, step.pose).seconds_good

    def _first_set_waits(self, t: float, person: PersonState) -> bool:
        """Whether the first set is held back this frame: the set-up check says one of
        ``first_set_waits_for`` (before it has decided: this frame shows one), and the person
        has not yet been in position for ``first_set_waits_s``. A good set-up is not delayed."""
        setup = self.library.setup
        if self._started_a_set or not self._setup_active or setup.first_set_waits_s <= 0:
            self._in_position_since = None
            return False  # the common case, every frame of a set: decided without building a status
        status = self.setup.status
        if status.check is not None:
            blocked = status.check in setup.first_set_waits_for
        else:
            failing = status.finding.failing if status.finding is not None else ()
            blocked = any(check in setup.first_set_waits_for for check in failing)
        if not blocked:
            self._in_position_since = None
            return False
        if person != PersonState.IN_POSITION:
            self._in_position_since = None
            return True
        if self._in_position_since is None:
            self._in_position_since = t
        return t - self._in_position_since < setup.first_set_waits_s

    def _setup_wanted(self, step: Optional[LogicStep]) -> bool:
        state = self.runner.state
        if state in (RunnerState.ACTIVE, RunnerState.DONE):
            self._started_a_set = self._started_a_set or state == RunnerState.ACTIVE
            return False
        if not self._started_a_set:
            return True
        return step is None or step.phase == Phase.NOT_IN_POSITION

    def _boosted(self, events: Sequence[Any]) -> List[Any]:
        out: List[Any] = []
        for ev in events:
            if isinstance(ev, SetStart):
                self._started_a_set = True
            if isinstance(ev, CueEvent):
                cue: Cue = ev.cue
                ev = CueEvent(dataclasses.replace(cue, priority=cue.priority + self._boost))
            out.append(ev)
        return out
