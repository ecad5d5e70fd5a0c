"""A session as CSV (one row per rep cycle) or JSON (everything stored), for ``export``."""
from __future__ import annotations

import csv
import io
import json
import math
from typing import Any, Dict

from livecoach.formats.records import depth_digits, finite_round, rep_record_dict
from livecoach.history.data import SessionData, StoredRep, hold_to_json, set_to_json
from livecoach.history.summary import average_judged_depth, summarize

#: CSV columns. ``depth`` is the counter's depth in the person's own range (0 top, 1 their full depth);
#: ``depth_by``/``depth_value``/``depth_limit`` are what the rep's depth was judged on, as the report's
#: table and the ``--events`` rep lines give it. Columns added later go at the end, so a reader of an
#: older export finds the first ones where they were.
EXPORT_FIELDS = ("session", "seq", "rep", "full", "t_start", "t_bottom", "t_end", "depth", "min_elbow_deg",
                 "seconds_down", "seconds_up", "score", "faults", "not_judged", "no_rep_reason", "has_picture",
                 "exercise", "depth_by", "depth_value", "depth_limit")


_num = finite_round


def rep_row(session_id: int, rep: StoredRep) -> Dict[str, Any]:
    fields = rep_record_dict(rep.record)
    return {"session": session_id, "seq": rep.seq, "rep": fields["index"],
            **{k: fields[k] for k in ("full", "t_start", "t_bottom", "t_end", "depth", "min_elbow_deg",
                                      "seconds_down", "seconds_up", "score", "faults", "not_judged")},
            "no_rep_reason": fields["reason"], "has_picture": rep.bottom_jpeg is not None,
            "exercise": rep.record.exercise,
            **{k: fields[k] for k in ("depth_by", "depth_value", "depth_limit")}}


def export_csv(data: SessionData) -> str:
    """One row per rep cycle; fault lists joined with ``;``; empty cells for unmeasured values."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for rep in data.reps:
        row = rep_row(data.info.id, rep)
        row["faults"] = ";".join(row["faults"])
        row["not_judged"] = ";".join(row["not_judged"])
        row["full"] = int(row["full"])
        row["has_picture"] = int(row["has_picture"])
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()


def export_json(data: SessionData, config: Any) -> str:
    """The whole session: info, summary, reps with fault details, a plan's sets, holds, cues, the feature series."""
    info = data.info
    summary = summarize(data, config)
    judged = average_judged_depth([rep.record for rep in data.reps])
    reps = []
    for rep in data.reps:
        row = rep_row(info.id, rep)
        row["fault_details"] = [{"name": f.name, "cue_key": f.cue_key, "t": _num(f.t_s), "value": _num(f.value, 4),
                                 "threshold": _num(f.threshold, 4), "joints": [j.name for j in f.joints]}
                                for f in rep.record.faults]
        reps.append(row)
    s = data.series
    doc = {
        "format": "livecoach-session", "version": 1,
        "session": {"id": info.id, "started_at": info.started_at.isoformat(),
                    "ended_at": info.ended_at.isoformat() if info.ended_at else None, "status": info.status,
                    "end_reason": info.end_reason, "source": info.source, "mode": info.mode,
                    "variant": info.variant, "app_version": info.app_version, "duration_s": _num(info.duration_s),
                    "reps": info.reps, "no_reps": info.no_reps, "frames": info.frames,
                    "frames_with_pose": info.frames_with_pose, "fps": _num(info.fps, 2) if info.fps else None,
                    "dropped_frames": info.dropped_frames, "verdict": info.verdict},
        "summary": {"reps": summary.reps, "no_reps": summary.no_reps, "mean_score": _num(summary.mean_score, 1),
                    # mean_depth: in the person's own range; the judged one is what the report shows
                    "mean_depth": _num(summary.mean_depth),
                    "mean_judged_depth": None if judged is None else {
                        "by": judged[0], "value": _num(judged[1], depth_digits(judged[0]))},
                    "mean_seconds_down": _num(summary.mean_down_s),
                    "mean_seconds_up": _num(summary.mean_up_s), "fault_counts": dict(summary.fault_counts),
                    "advice": [{"fault": a.fault, "count": a.count, "judged": a.judged, "text": a.text}
                               for a in summary.advice]},
        "reps": reps,
        "sets": [set_to_json(stored) for stored in data.sets],  # a --plan session's sets, in the order they ended
        "holds": [hold_to_json(stored) for stored in data.holds],  # timed holds and pauses at the top
        "cues": [{"t": _num(c.t_s), "text": c.text, "key": c.key, "kind": c.kind.value, "fault": c.fault}
                 for c in data.cues],
        "series": {"t": [_num(v) for v in s.t_s], "elbow_angle_deg": [_num(v, 1) for v in s.elbow_angle_deg],
                   "hip_offset_frac": [_num(v, 4) for v in s.hip_offset_frac],
                   "depth_frac": [_num(v, 3) for v in s.depth_frac],
                   "phase": [None if not math.isfinite(v) else int(v) for v in s.phase]},
        "config": data.config,
    }
    return json.dumps(doc, indent=1) + "\n"

