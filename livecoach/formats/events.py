"""The ``--events`` stream: one JSON object per line, schema versioned, stable.

Every object has ``type``, ``t`` (seconds from the start of the source) and ``v`` (the
schema version). Types: ``session_start``, ``rep``, ``no_rep``, ``fault``, ``cue``,
``session_end``. The README documents each field; change them only with a version bump.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import IO, Any, Dict, Optional, Union

from livecoach.types import CueEvent, Event, FaultEvent, RepEvent, RepRecord, SessionEnd

EVENTS_SCHEMA_VERSION = 1


def _num(value: float, digits: int = 3) -> Optional[float]:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), digits)


def rep_fields(record: RepRecord) -> Dict[str, Any]:
    return {
        "index": record.index,
        "full": record.full,
        "t_start": _num(record.t_start_s),
        "t_bottom": _num(record.t_bottom_s),
        "t_end": _num(record.t_end_s),
        "depth": _num(record.depth_frac),
        "min_elbow_deg": _num(record.min_elbow_angle_deg, 1),
        "seconds_down": _num(record.seconds_down),
        "seconds_up": _num(record.seconds_up),
        "faults": list(record.fault_names),
        "not_judged": list(record.not_judged),
        "score": record.score,
    }


def event_to_dict(event: Event) -> Dict[str, Any]:
    """The JSON object for ``event`` (see the module docstring)."""
    if isinstance(event, RepEvent):
        r = event.record
        out: Dict[str, Any] = {"type": "rep" if r.full else "no_rep", "t": _num(r.t_end_s)}
        out.update(rep_fields(r))
        if not r.full:
            out["reason"] = r.no_rep_reason
        return _versioned(out)
    if isinstance(event, FaultEvent):
        f = event.fault
        return _versioned({"type": "fault", "t": _num(event.t_s), "fault": f.name,
                           "rep": event.rep_index, "full": event.full, "value": _num(f.value),
                           "threshold": _num(f.threshold), "cue_key": f.cue_key})
    if isinstance(event, CueEvent):
        c = event.cue
        return _versioned({"type": "cue", "t": _num(c.t_s), "text": c.text, "key": c.key,
                           "kind": c.kind.value, "fault": c.fault})
    if isinstance(event, SessionEnd):
        return _versioned({"type": "session_end", "t": _num(event.t_s), "reps": event.reps,
                           "no_reps": event.no_reps, "frames": event.frames,
                           "frames_with_pose": event.frames_with_pose, "fps": _num(event.fps, 2),
                           "dropped_frames": event.dropped_frames,
                           "form_verdict": event.form_verdict, "reason": event.reason})
    raise TypeError(f"not an event: {event!r}")


def session_start_dict(source: str, mode: str, variant: str, version: str) -> Dict[str, Any]:
    return _versioned({"type": "session_start", "t": 0.0, "source": source, "mode": mode,
                       "variant": variant, "app_version": version})


def _versioned(obj: Dict[str, Any]) -> Dict[str, Any]:
    obj["v"] = EVENTS_SCHEMA_VERSION
    return obj


class EventWriter:
    """Writes events as JSON Lines to a file or, for ``-``, to stdout; flushed per line."""

    def __init__(self, target: Union[str, Path]) -> None:
        if str(target) == "-":
            self._fh: IO[str] = sys.stdout
            self._owned = False
        else:
            path = Path(target)
            if path.parent and not path.parent.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "w", encoding="utf-8")
            self._owned = True

    def write_dict(self, obj: Dict[str, Any]) -> None:
        self._fh.write(json.dumps(obj) + "\n")
        self._fh.flush()

    def write(self, event: Event) -> None:
        self.write_dict(event_to_dict(event))

    def close(self) -> None:
        if self._owned and not self._fh.closed:
            self._fh.close()


def describe(event: Event) -> str:
    """A human-readable line for ``--headless`` output."""
    if isinstance(event, RepEvent):
        r = event.record
        faults = ", ".join(r.fault_names) or "clean"
        if r.full:
            return (f"[{r.t_end_s:7.2f}s] rep {r.index}: depth {r.depth_frac:.2f}, "
                    f"down {r.seconds_down:.1f}s up {r.seconds_up:.1f}s, score {r.score}, {faults}")
        return f"[{r.t_end_s:7.2f}s] no-rep: {r.no_rep_reason}"
    if isinstance(event, FaultEvent):
        return f"[{event.t_s:7.2f}s]   fault: {event.fault.name}"
    if isinstance(event, CueEvent):
        return f"[{event.cue.t_s:7.2f}s]   cue: \"{event.cue.text}\""
    if isinstance(event, SessionEnd):
        dropped = f", {event.dropped_frames} dropped" if event.dropped_frames else ""
        return (f"[{event.t_s:7.2f}s] session end: {event.reps} reps, {event.no_reps} no-reps, "
                f"{event.frames} frames ({event.frames_with_pose} with a person{dropped}), "
                f"{event.fps:.1f} fps, form {event.form_verdict}")
    return repr(event)
