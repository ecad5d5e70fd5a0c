"""The ``--events`` stream: one JSON object per line, schema versioned, stable.

Every object has ``type``, ``t`` (seconds from the start of the source) and ``v`` (the
schema version). Types: ``session_start``, ``rep``, ``no_rep``, ``fault``, ``cue``,
``exercise``, ``hold``, ``tracking``, ``quality``, ``session_end`` (and a plan's ``set_start``, ``set_end``,
``rest``, ``setup``, ``advice``), and ``notice`` (``kind``: ``second_person``; ``message``, written
by ``livecoach.session.second_person``). The README documents each field; change them only
with a version bump (a new event type is not a change: readers skip types they do not know).

v2 (from v1): ``rep``/``no_rep`` gain ``exercise``; new ``exercise`` (the recognised exercise
changed: ``exercise``, ``confidence``) and ``hold`` (a timed hold ended: ``exercise``,
``t_start``, ``t_end``, ``seconds_total``, ``seconds_good``, ``faults``); ``session_end``
gains ``holds`` (count) and ``exercises`` (list, in the order first seen).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any, Dict, Union

from livecoach.formats.records import finite_round, rep_record_dict
from livecoach.types import (CueEvent, Event, ExerciseChange, FaultEvent, HoldEnd, PatchyTracking, RepEvent, RepRecord,
                             SessionEnd)
from livecoach.wording import counted, depth_text, verdict_words

EVENTS_SCHEMA_VERSION = 2


_num = finite_round


def rep_fields(record: RepRecord) -> Dict[str, Any]:
    """The fields a ``rep``/``no_rep`` event shares (``reason`` is added to no-reps only)."""
    fields = rep_record_dict(record)
    del fields["reason"]
    fields["exercise"] = record.exercise
    return fields


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
    if isinstance(event, ExerciseChange):
        return _versioned({"type": "exercise", "t": _num(event.t_s), "exercise": event.exercise,
                           "confidence": _num(event.confidence)})
    if isinstance(event, HoldEnd):
        h = event.record
        return _versioned({"type": "hold", "t": _num(h.t_end_s), "exercise": h.exercise,
                           "t_start": _num(h.t_start_s), "t_end": _num(h.t_end_s),
                           "seconds_total": _num(h.seconds_total), "seconds_good": _num(h.seconds_good),
                           "faults": list(h.faults), "top_pause": h.top_pause})
    if isinstance(event, PatchyTracking):
        return _versioned({"type": "tracking", "t": _num(event.t_s), "found_share": _num(event.found_share, 3),
                           "window_s": _num(event.window_s)})
    if isinstance(event, SessionEnd):
        return _versioned({"type": "session_end", "t": _num(event.t_s), "reps": event.reps,
                           "no_reps": event.no_reps, "frames": event.frames,
                           "frames_with_pose": event.frames_with_pose, "fps": _num(event.fps, 2),
                           "dropped_frames": event.dropped_frames,
                           "form_verdict": event.form_verdict, "reason": event.reason,
                           "holds": event.holds, "exercises": list(event.exercises)})
    raise TypeError(f"not an event: {event!r}")


def quality_dict(t_s: float, dropped_share: float, model_complexity_from: int,
                 model_complexity_to: int) -> Dict[str, Any]:
    """``quality``: a live session switched to a lighter pose model because frames were dropped."""
    return _versioned({"type": "quality", "t": _num(t_s), "dropped_share": _num(dropped_share, 3),
                       "model_complexity_from": int(model_complexity_from),
                       "model_complexity_to": int(model_complexity_to)})


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
            return (f"[{r.t_end_s:7.2f}s] rep {r.index}: depth {depth_text(r)}, "
                    f"down {r.seconds_down:.1f}s up {r.seconds_up:.1f}s, score {r.score}, {faults}")
        return f"[{r.t_end_s:7.2f}s] no-rep: {r.no_rep_reason} (depth {depth_text(r)})"
    if isinstance(event, FaultEvent):
        return f"[{event.t_s:7.2f}s]   fault: {event.fault.name}"
    if isinstance(event, CueEvent):
        return f"[{event.cue.t_s:7.2f}s]   cue: \"{event.cue.text}\""
    if isinstance(event, ExerciseChange):
        return f"[{event.t_s:7.2f}s] exercise: {event.exercise} (confidence {event.confidence:.2f})"
    if isinstance(event, HoldEnd):
        h = event.record
        broke = f", broken by {', '.join(h.faults)}" if h.faults else ""
        what = "pause at the top, as a " if h.top_pause else "hold "
        return (f"[{h.t_end_s:7.2f}s] {what}{h.exercise}: {h.seconds_good:.1f}s in good form of "
                f"{h.seconds_total:.1f}s{broke}")
    if isinstance(event, PatchyTracking):
        return (f"[{event.t_s:7.2f}s] tracking: you were found on {event.found_share:.0%} of the frames of the "
                f"last {event.window_s:g} s; reps it cannot see are not counted (more light, or move the camera)")
    if isinstance(event, SessionEnd):
        dropped = f", {event.dropped_frames} dropped" if event.dropped_frames else ""
        # no rep cycle is no form to judge, whatever the view (not "not judged from this view")
        form = "no rep to judge" if event.reps + event.no_reps == 0 else f"form {verdict_words(event.form_verdict)}"
        return (f"[{event.t_s:7.2f}s] session end: {counted(event.reps, 'rep')}, {counted(event.no_reps, 'no-rep')}, "
                f"{event.frames} frames ({event.frames_with_pose} with a person{dropped}), "
                f"{event.fps:.1f} fps, {form}")
    return repr(event)
