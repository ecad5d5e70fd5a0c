"""What the history holds about a session, as frozen values: the recorder's input
(:class:`SessionMeta`) and what the store reads back (:class:`SessionData` and its parts)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from livecoach.landmarks import Landmark
from livecoach.logic.holds import HoldRecord
from livecoach.logic.plan_events import SetResult
from livecoach.types import Cue, CueKind, Fault, RepRecord, SessionEnd


@dataclass(frozen=True)
class SessionMeta:
    """What the recorder knows at the start of a session."""

    source: str                       # "camera 0", a video path, a recording path
    mode: str                         # train | analyze | replay
    variant: str = "standard"
    app_version: str = ""
    config: Optional[Mapping[str, Any]] = None  # resolved config as plain data
    started_at: Optional[datetime] = None       # default: now (wall clock, local time zone)


@dataclass(frozen=True)
class SessionInfo:
    """One row of ``sessions``, with counts derived from the reps for interrupted sessions."""

    id: int
    started_at: datetime
    ended_at: Optional[datetime]
    source: str
    mode: str
    variant: str
    app_version: str
    save_frames: str
    status: str               # finished | interrupted | running
    end_reason: str           # SessionEnd.reason, or "interrupted"/"running"
    duration_s: float         # source seconds (last frame seen for an interrupted session)
    reps: int
    no_reps: int
    frames: Optional[int]
    frames_with_pose: Optional[int]
    fps: Optional[float]
    dropped_frames: Optional[int]
    verdict: Optional[str]    # None for an interrupted session
    mean_score: Optional[float]
    top_fault: Optional[str]
    holds: int = 0            # timed holds (not pauses at the top of push-ups)

    @property
    def form(self) -> str:
        """The session's form as the history lists it: its verdict, ``held`` for a hold on its own
        (no rep form to judge), else its status (``interrupted``, ``running``)."""
        if self.status == "finished" and self.reps + self.no_reps == 0 and self.holds:
            return "held"
        return self.verdict if self.status == "finished" and self.verdict else self.status


@dataclass(frozen=True)
class StoredRep:
    """A rep or no-rep as stored, in the order it ended (``seq``)."""

    seq: int
    record: RepRecord
    bottom_t_s: Optional[float]
    bottom_jpeg: Optional[bytes]


@dataclass(frozen=True)
class StoredSet:
    """A set of a plan session as stored, in the order it ended (``seq``), with the advice given
    after it (``advice`` "regress"/"progress" and the exercise suggested, or None)."""

    seq: int
    result: SetResult
    advice: Optional[str] = None
    advice_to: Optional[str] = None


@dataclass(frozen=True)
class StoredHold:
    """A timed hold (or a pause at the top of push-ups, ``record.top_pause``) as stored, in the
    order it ended (``seq``)."""

    seq: int
    record: HoldRecord


@dataclass(frozen=True)
class FrameSeries:
    """The per-frame features kept for plots: equal-length float arrays (nan = not measured)."""

    t_s: np.ndarray
    elbow_angle_deg: np.ndarray
    hip_offset_frac: np.ndarray  # from the rep exercise's body line: shoulder-ankle, shoulder-knee on knees
    depth_frac: np.ndarray
    phase: np.ndarray  # codes of PHASE_CODES; nan for none

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


@dataclass(frozen=True)
class SessionData:
    """Everything stored about one session."""

    info: SessionInfo
    config: Dict[str, Any]
    reps: Tuple[StoredRep, ...]
    cues: Tuple[Cue, ...]
    series: FrameSeries
    sets: Tuple["StoredSet", ...] = ()  # the sets of a --plan session, in the order they ended
    holds: Tuple[StoredHold, ...] = ()  # timed holds and pauses at the top, in the order they ended

    @property
    def full_reps(self) -> Tuple[StoredRep, ...]:
        return tuple(r for r in self.reps if r.record.full)

    @property
    def no_reps(self) -> Tuple[StoredRep, ...]:
        return tuple(r for r in self.reps if not r.record.full)



# --------------------------------------------------------------------------- plain-data codecs
# Shared by the database (NaN stored as NULL) and the session journal (JSON lines).

def num_or_none(value: Any) -> Optional[float]:
    """A finite float, or None for None/NaN/inf (SQLite and JSON keep no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def float_or_nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def fault_to_json(fault: Fault) -> Dict[str, Any]:
    return {"name": fault.name, "cue_key": fault.cue_key, "t": num_or_none(fault.t_s),
            "value": num_or_none(fault.value), "threshold": num_or_none(fault.threshold),
            "joints": [int(j) for j in fault.joints]}


def fault_from_json(obj: Mapping[str, Any]) -> Fault:
    return Fault(name=obj["name"], cue_key=obj.get("cue_key") or obj["name"], t_s=float_or_nan(obj.get("t")),
                 value=float_or_nan(obj.get("value")), threshold=float_or_nan(obj.get("threshold")),
                 joints=tuple(Landmark(int(j)) for j in obj.get("joints", ())))


_REP_FLOATS = ("t_start_s", "t_bottom_s", "t_end_s", "depth_frac", "min_elbow_angle_deg", "seconds_down",
               "seconds_up", "depth_value", "depth_limit")


def rep_to_json(record: RepRecord) -> Dict[str, Any]:
    """Every field of a :class:`RepRecord`, losslessly (NaN as null)."""
    out: Dict[str, Any] = {"index": int(record.index), "full": bool(record.full)}
    out.update({k: num_or_none(getattr(record, k)) for k in _REP_FLOATS})
    out.update({"faults": [fault_to_json(f) for f in record.faults], "not_judged": list(record.not_judged),
                "score": int(record.score), "no_rep_reason": record.no_rep_reason, "exercise": record.exercise,
                "depth_by": record.depth_by})
    return out


def rep_from_json(obj: Mapping[str, Any]) -> RepRecord:
    return RepRecord(index=int(obj["index"]), full=bool(obj["full"]),
                     **{k: float_or_nan(obj.get(k)) for k in _REP_FLOATS},
                     faults=tuple(fault_from_json(f) for f in obj.get("faults", ())),
                     not_judged=tuple(obj.get("not_judged", ())), score=int(obj["score"]),
                     no_rep_reason=obj.get("no_rep_reason"), exercise=obj.get("exercise") or "standard",
                     depth_by=obj.get("depth_by"))  # None in a journal written before it was kept


def set_to_json(stored: StoredSet) -> Dict[str, Any]:
    """Every field of a :class:`StoredSet` (for the session journal)."""
    r = stored.result
    return {"seq": int(stored.seq), "plan": r.plan, "block": r.block, "set": int(r.set), "of": int(r.of),
            "round": int(r.round), "rounds": int(r.rounds), "exercise": r.exercise, "unit": r.unit,
            "target_min": int(r.target_min), "target_max": int(r.target_max), "reps": int(r.reps),
            "no_reps": int(r.no_reps), "bad_cycles": int(r.bad_cycles), "hold_s": num_or_none(r.hold_s),
            "rest_before_s": num_or_none(r.rest_before_s), "reason": r.reason, "t_start": num_or_none(r.t_start_s),
            "t_end": num_or_none(r.t_end_s), "advice": stored.advice, "advice_to": stored.advice_to}


def set_from_json(obj: Mapping[str, Any]) -> StoredSet:
    result = SetResult(plan=obj["plan"], block=obj.get("block", ""), exercise=obj["exercise"],
                       target_min=int(obj["target_min"]), target_max=int(obj["target_max"]),
                       unit=obj.get("unit", "reps"), reps=int(obj["reps"]), no_reps=int(obj.get("no_reps", 0)),
                       bad_cycles=int(obj.get("bad_cycles", 0)), hold_s=float(obj.get("hold_s") or 0.0),
                       reason=obj["reason"], t_start_s=float_or_nan(obj.get("t_start")),
                       t_end_s=float_or_nan(obj.get("t_end")),
                       rest_before_s=None if obj.get("rest_before_s") is None else float(obj["rest_before_s"]),
                       set=int(obj.get("set", 1)), of=int(obj.get("of", 1)), round=int(obj.get("round", 1)),
                       rounds=int(obj.get("rounds", 1)))
    return StoredSet(seq=int(obj["seq"]), result=result, advice=obj.get("advice"), advice_to=obj.get("advice_to"))


def hold_to_json(stored: StoredHold) -> Dict[str, Any]:
    """Every field of a :class:`StoredHold` (for the session journal)."""
    h = stored.record
    return {"seq": int(stored.seq), "exercise": h.exercise, "t_start": num_or_none(h.t_start_s),
            "t_end": num_or_none(h.t_end_s), "seconds_total": float(h.seconds_total),
            "seconds_good": float(h.seconds_good), "faults": list(h.faults),
            "breaks": [[num_or_none(t), fault] for t, fault in h.breaks], "target_s": num_or_none(h.target_s),
            "top_pause": bool(h.top_pause)}


def hold_from_json(obj: Mapping[str, Any]) -> StoredHold:
    record = HoldRecord(exercise=obj["exercise"], t_start_s=float_or_nan(obj.get("t_start")),
                        t_end_s=float_or_nan(obj.get("t_end")), seconds_total=float(obj["seconds_total"]),
                        seconds_good=float(obj["seconds_good"]), faults=tuple(obj.get("faults", ())),
                        breaks=tuple((float_or_nan(t), str(f)) for t, f in obj.get("breaks", ())),
                        target_s=None if obj.get("target_s") is None else float(obj["target_s"]),
                        top_pause=bool(obj.get("top_pause", False)))
    return StoredHold(seq=int(obj["seq"]), record=record)


def cue_to_json(cue: Cue) -> Dict[str, Any]:
    return {"t": float(cue.t_s), "key": cue.key, "text": cue.text, "kind": cue.kind.value, "fault": cue.fault,
            "priority": int(cue.priority)}


def cue_from_json(obj: Mapping[str, Any]) -> Cue:
    return Cue(t_s=float(obj["t"]), key=obj.get("key") or "", text=obj["text"],
               kind=CueKind(obj["kind"]) if obj.get("kind") else CueKind.CORRECTION,
               priority=int(obj.get("priority") or 0), fault=obj.get("fault"))


def end_to_json(end: SessionEnd) -> Dict[str, Any]:
    return {"t_s": num_or_none(end.t_s), "reps": int(end.reps), "no_reps": int(end.no_reps),
            "frames": int(end.frames), "frames_with_pose": int(end.frames_with_pose), "fps": num_or_none(end.fps),
            "dropped_frames": int(end.dropped_frames), "form_verdict": end.form_verdict, "reason": end.reason}


def end_from_json(obj: Mapping[str, Any]) -> SessionEnd:
    return SessionEnd(t_s=float_or_nan(obj.get("t_s")), reps=int(obj["reps"]), no_reps=int(obj["no_reps"]),
                      frames=int(obj["frames"]), frames_with_pose=int(obj["frames_with_pose"]),
                      fps=float_or_nan(obj.get("fps")), dropped_frames=int(obj.get("dropped_frames", 0)),
                      form_verdict=obj.get("form_verdict", "correct"), reason=obj.get("reason", "end_of_source"))
