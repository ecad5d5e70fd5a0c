"""What the plan runner takes in and hands out: frozen dataclasses only.

Per frame the session builds one :class:`PlanInput` (where the person is, the rep cycles that
ended, a hold's seconds); :class:`~livecoach.logic.plans.PlanRunner` answers with
:data:`PlanEvent` s. Each event's ``to_dict()`` is its ``--events`` object (``type``, ``t`` and
the fields named in the issue; the writer adds the schema version). :class:`SetResult` is one
finished set for the history and the summary; :class:`PlanStatus` what the overlay shows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from livecoach.logic.plank_gate import feet_above_shoulders
from livecoach.types import CueEvent, Features, RepRecord

__all__ = ["PersonState", "RepOutcome", "PlanInput", "SetStart", "SetEnd", "Rest", "Advice", "PlanPaused",
           "PlanResumed", "PlanDone", "PlanEvent", "SetResult", "PlanStatus", "RunnerState", "person_state",
           "SET_END_REASONS", "set_is_clean", "clean_exercises", "clean_session_streaks"]

SET_END_REASONS = ("target", "stood_up", "rested_too_long", "skipped", "session_end")


class PersonState(str, Enum):
    """Where the person is, as far as a plan cares."""

    IN_POSITION = "in_position"  # in the set's position: plank gate on, or holding
    ON_FLOOR = "on_floor"  # in view, not in position, not standing: resting, kneeling
    STANDING = "standing"
    OUT_OF_VIEW = "out_of_view"


def person_state(features: Optional[Features], in_position: bool, standing_min_body_angle_deg: float,
                 upright_exercise: bool = False) -> PersonState:
    """The :class:`PersonState` of one frame from the logic's features and its position gate.

    Standing = the shoulder-ankle line steeper than ``standing_min_body_angle_deg`` from the
    floor (world landmarks), the shoulders above the feet (:func:`feet_above_shoulders` is never
    a standing body). It wins over the position gate, which lets an upright body pass (that is
    how it accepts a camera looking down on the back), except for an exercise done upright
    (``upright_exercise``: wall push-ups, the scapular wall hold), where only the gate is
    trusted. A camera above the back also reads steep: the set-up check asks for a side view.
    """
    if features is None:
        return PersonState.OUT_OF_VIEW
    angle = features.body_angle_deg
    if math.isnan(angle) and not in_position:
        return PersonState.OUT_OF_VIEW  # not even the hips are seen: mostly out of the picture
    steep = not math.isnan(angle) and angle >= standing_min_body_angle_deg and not feet_above_shoulders(features)
    if in_position and (upright_exercise or not steep):
        return PersonState.IN_POSITION
    if steep:
        return PersonState.STANDING
    return PersonState.ON_FLOOR


@dataclass(frozen=True)
class RepOutcome:
    """One finished rep cycle as a plan sees it.

    ``exercise`` is what the recogniser made of it (None: not recognised); ``candidates`` the
    exercises the view cannot tell from it (hand width from the side), none of which is wrong.
    """

    full: bool
    exercise: Optional[str] = None
    faults: Tuple[str, ...] = ()
    candidates: Tuple[str, ...] = ()

    @classmethod
    def from_record(cls, record: RepRecord, exercise: Optional[str] = None,
                    candidates: Sequence[str] = ()) -> "RepOutcome":
        return cls(full=record.full, exercise=exercise, faults=record.fault_names, candidates=tuple(candidates))


@dataclass(frozen=True)
class PlanInput:
    """What the runner needs from one frame."""

    t_s: float
    person: PersonState
    reps: Tuple[RepOutcome, ...] = ()
    hold_seconds: Optional[float] = None  # good-form seconds of the hold under way (holds only)


# ----------------------------------------------------------------------------- events
@dataclass(frozen=True)
class SetStart:
    t_s: float
    plan: str
    block: str
    set: int
    of: int
    round: int
    rounds: int
    exercise: str
    target_min: int
    target_max: int
    unit: str  # "reps" or "seconds"

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "set_start", "t": self.t_s, "plan": self.plan, "block": self.block, "set": self.set,
                "of": self.of, "round": self.round, "rounds": self.rounds, "exercise": self.exercise,
                "target_min": self.target_min, "target_max": self.target_max, "unit": self.unit}


@dataclass(frozen=True)
class SetEnd:
    t_s: float
    plan: str
    exercise: str
    reps: int
    no_reps: int
    hold_s: float  # good-form seconds (holds; 0 for rep sets)
    reason: str  # one of SET_END_REASONS

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "set_end", "t": self.t_s, "plan": self.plan, "exercise": self.exercise, "reps": self.reps,
                "no_reps": self.no_reps, "hold_s": round(self.hold_s, 2), "reason": self.reason}


@dataclass(frozen=True)
class Rest:
    t_s: float
    seconds: float
    next_exercise: str

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "rest", "t": self.t_s, "seconds": self.seconds, "next": self.next_exercise}


@dataclass(frozen=True)
class Advice:
    t_s: float
    kind: str  # "regress" or "progress"
    from_exercise: str
    to_exercise: str  # the same exercise when progressing means more reps or a slower negative
    reason: str = ""  # "form" (body line / no-reps), "missed_target", or "clean_at_top"

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "advice", "t": self.t_s, "kind": self.kind, "from": self.from_exercise,
                "to": self.to_exercise, "reason": self.reason}


@dataclass(frozen=True)
class PlanPaused:
    t_s: float
    reason: str  # "key" or "away"

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "plan_paused", "t": self.t_s, "reason": self.reason}


@dataclass(frozen=True)
class PlanResumed:
    t_s: float

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "plan_resumed", "t": self.t_s}


@dataclass(frozen=True)
class PlanDone:
    t_s: float
    plan: str
    sets: int
    reps: int

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "plan_done", "t": self.t_s, "plan": self.plan, "sets": self.sets, "reps": self.reps}


PlanEvent = Union[SetStart, SetEnd, Rest, Advice, PlanPaused, PlanResumed, PlanDone, CueEvent]


@dataclass(frozen=True)
class SetResult:
    """One finished set, for the history and the summary."""

    plan: str
    block: str
    exercise: str
    target_min: int
    target_max: int
    unit: str
    reps: int
    no_reps: int
    bad_cycles: int  # cycles with a body-line fault, or no-reps
    hold_s: float
    reason: str
    t_start_s: float
    t_end_s: float
    rest_before_s: Optional[float]  # rest actually taken before it (None for the first set)
    # Where the set sits in the plan: set ``set`` of ``of`` of its block, in round ``round`` of ``rounds``.
    set: int = 1
    of: int = 1
    round: int = 1
    rounds: int = 1

    @property
    def clean_at_top(self) -> bool:
        """No body-line fault and no no-rep, and ended at the top of the range."""
        return set_is_clean(self, 0.0)


def set_is_clean(result: SetResult, max_fault_share: float) -> bool:
    """Whether a rep set counts toward progressing: it ended at the top of its range (``target``)
    with at most ``max_fault_share`` of its cycles bad (``[progression] progress_max_fault_share``)."""
    cycles = max(1, result.reps + result.no_reps)
    return result.unit == "reps" and result.reason == "target" and result.bad_cycles <= max_fault_share * cycles


def clean_exercises(results: Sequence[SetResult], max_fault_share: float) -> Tuple[str, ...]:
    """The exercises whose every rep set in ``results`` (one session; skipped sets left out) was
    clean at the top of its range (:func:`set_is_clean`)."""
    by_ex: Dict[str, List[SetResult]] = {}
    for r in results:
        if r.unit == "reps" and r.reason != "skipped":
            by_ex.setdefault(r.exercise, []).append(r)
    return tuple(sorted(ex for ex, rs in by_ex.items() if all(set_is_clean(r, max_fault_share) for r in rs)))


def clean_session_streaks(sessions: Sequence[Sequence[SetResult]], max_fault_share: float) -> Dict[str, int]:
    """Exercise -> how many sessions in a row, counting back from the newest, had every rep set of
    it clean at the top of its range. ``sessions`` oldest first, each its sets; a session without a
    (non-skipped) rep set of an exercise neither counts nor breaks that exercise's streak. This is
    the runner's ``clean_sessions`` input, read from the history before a session starts."""
    streak: Dict[str, int] = {}
    broken: set = set()
    for results in reversed(list(sessions)):
        done = {r.exercise for r in results if r.unit == "reps" and r.reason != "skipped"}
        clean = set(clean_exercises(results, max_fault_share))
        for ex in done - broken:
            if ex in clean:
                streak[ex] = streak.get(ex, 0) + 1
            else:
                broken.add(ex)
                streak.setdefault(ex, 0)
    return {ex: n for ex, n in streak.items() if n > 0}


class RunnerState(str, Enum):
    CALLED = "called"
    ACTIVE = "active"
    REST = "rest"
    DONE = "done"


@dataclass(frozen=True)
class PlanStatus:
    """What the overlay shows: the set, its count and target, the rest left."""

    state: RunnerState
    paused: bool
    index: int  # 0-based set of the plan (the upcoming one during a rest)
    total: int
    exercise: str
    set: int
    of: int
    reps: int
    target_min: int
    target_max: int
    hold_s: float
    rest_left_s: float
