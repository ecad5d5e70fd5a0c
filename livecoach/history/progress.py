"""What the history says about progress, for the plan runner and the trends report.

* :func:`previous_clean_sessions` -- the plan runner's ``clean_sessions`` input: exercise -> how
  many sessions in a row before this one had every rep set of it clean at the top of its range.
  Read once, before the session starts (never on the frame loop), over a read-only connection
  that never waits more than ``timeout_s`` on a lock; anything wrong reads as "no history".
* :func:`exercise_weeks` -- per exercise and ISO week: the volume (counted reps, good-form hold
  seconds) and the best set, for ``livecoach history`` and its report.
"""
from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from livecoach.history.data import SessionInfo
from livecoach.history.store import SessionStore
from livecoach.logic.plan_events import SetResult, clean_session_streaks
from livecoach.wording import counted

log = logging.getLogger("livecoach.history")

__all__ = ["ExerciseWeek", "best_set_text", "exercise_weeks", "previous_clean_sessions"]


def previous_clean_sessions(db_path: Path, max_fault_share: float, timeout_s: float = 1.0) -> Dict[str, int]:
    """Exercise -> the number of sessions in a row, newest first, whose every (non-skipped) rep
    set of it ended at the top of its range with at most ``max_fault_share`` of its cycles bad
    (:func:`~livecoach.logic.plan_events.clean_session_streaks`). Empty when there is no history,
    it predates sets (schema 1), or it cannot be read now (locked, damaged): a warning is logged
    and the plan simply does not suggest progressing from the history this time."""
    path = Path(db_path).expanduser()
    if not path.exists():
        return {}
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout_s)
    except sqlite3.Error as exc:
        log.warning("could not read the history for the progress rule: %s", exc)
        return {}
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "sets" not in tables:
            return {}
        by_session: Dict[int, List[SetResult]] = {}
        for sid, exercise, unit, reps, no_reps, bad, reason, tmin, tmax in con.execute(
                "SELECT session_id, exercise, unit, reps, no_reps, bad_cycles, reason, target_min, target_max"
                " FROM sets ORDER BY session_id, seq"):
            by_session.setdefault(int(sid), []).append(SetResult(
                plan="", block="", exercise=exercise, target_min=int(tmin), target_max=int(tmax), unit=unit,
                reps=int(reps), no_reps=int(no_reps), bad_cycles=int(bad), hold_s=0.0, reason=reason,
                t_start_s=0.0, t_end_s=0.0, rest_before_s=None))
    except sqlite3.Error as exc:
        log.warning("could not read the history for the progress rule: %s", exc)
        return {}
    finally:
        con.close()
    return clean_session_streaks([by_session[k] for k in sorted(by_session)], max_fault_share)


@dataclass(frozen=True)
class ExerciseWeek:
    """One exercise in one ISO week."""

    exercise: str
    week: str               # e.g. "2026-W47"
    start: datetime         # Monday of the week
    sessions: int           # sessions with a rep (or hold set) of it
    reps: int               # counted reps (rep exercises)
    hold_s: float           # good-form seconds held (hold exercises)
    sets: int               # plan sets of it
    best_reps: int          # most counted reps in one plan set (0: no plan set)
    best_hold_s: float      # longest good-form hold in one plan set or timed hold


def exercise_weeks(store: SessionStore, sessions: Sequence[SessionInfo]) -> List[ExerciseWeek]:
    """Per exercise (by name) and week (oldest first) over ``sessions``: the volume -- counted reps
    of every session, filed under the exercise each rep was recognised as (a rep stored before
    schema 2: the session's variant), and good-form seconds of plan hold sets and of timed holds
    outside them (not pauses at the top of push-ups) -- and the best plan set (for a hold, the
    longest in good form, of a plan or not)."""
    if not sessions:
        return []
    ids = [s.id for s in sessions]
    marks = ",".join("?" * len(ids))
    week_of: Dict[int, Tuple[str, datetime]] = {}
    for s in sessions:
        year, week, _ = s.started_at.isocalendar()
        week_of[s.id] = (f"{year}-W{week:02d}", datetime.fromisocalendar(year, week, 1))
    acc: Dict[Tuple[str, str], Dict[str, float]] = {}
    seen: Dict[Tuple[str, str], set] = {}

    def entry(exercise: str, sid: int) -> Dict[str, float]:
        key = (week_of[sid][0], exercise)
        seen.setdefault(key, set()).add(sid)
        return acc.setdefault(key, {"reps": 0, "hold_s": 0.0, "sets": 0, "best_reps": 0, "best_hold_s": 0.0})

    conn = store.connection
    for sid, exercise, n in conn.execute(
            "SELECT r.session_id, COALESCE(r.exercise, s.variant), COUNT(*) FROM reps r JOIN sessions s"
            f" ON s.id = r.session_id WHERE r.full = 1 AND r.session_id IN ({marks}) GROUP BY 1, 2", ids):
        entry(exercise, int(sid))["reps"] += int(n)
    planned = set()  # (session, exercise) of plan sets: their holds are counted by the set
    for sid, sets in store.load_sets(ids).items():
        for stored in sets:
            r = stored.result
            planned.add((sid, r.exercise))
            if r.reason == "skipped" and r.reps == 0 and r.hold_s <= 0:
                continue
            e = entry(r.exercise, sid)
            e["sets"] += 1
            if r.unit == "seconds":
                e["hold_s"] += r.hold_s
                e["best_hold_s"] = max(e["best_hold_s"], r.hold_s)
            else:
                e["best_reps"] = max(e["best_reps"], r.reps)
    for sid, holds in store.load_holds(ids).items():
        for stored in holds:
            h = stored.record
            if not h.top_pause and (sid, h.exercise) not in planned:
                e = entry(h.exercise, sid)
                e["hold_s"] += h.seconds_good
                e["best_hold_s"] = max(e["best_hold_s"], h.seconds_good)  # a hold on its own is a set of one
    out = []
    starts = {label: start for label, start in week_of.values()}
    for (week, exercise), e in sorted(acc.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        out.append(ExerciseWeek(exercise=exercise, week=week, start=starts[week], sessions=len(seen[(week, exercise)]),
                                reps=int(e["reps"]), hold_s=float(e["hold_s"]), sets=int(e["sets"]),
                                best_reps=int(e["best_reps"]), best_hold_s=float(e["best_hold_s"])))
    return out


def best_set_text(week: ExerciseWeek) -> Optional[str]:
    """``12 reps`` / ``1 rep`` / ``35 s`` for the week's best plan set; None without one."""
    if week.best_hold_s > 0:
        return f"{week.best_hold_s:.0f} s"
    if week.best_reps > 0:
        return counted(week.best_reps, "rep")
    return None
