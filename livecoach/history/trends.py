"""Sessions over the weeks: weekly totals, the trend from the first week to the last, and
the ``history`` command's terminal table."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple

from livecoach.history.data import SessionInfo
from livecoach.history.progress import ExerciseWeek, best_set_text
from livecoach.history.store import SessionStore
from livecoach.history.summary import _f, fault_label_plain
from livecoach.wording import verdict_words


@dataclass(frozen=True)
class WeekStats:
    label: str           # e.g. "2026-W47"
    start: datetime      # Monday of the week
    sessions: int
    reps: int
    no_reps: int
    mean_score: Optional[float]
    top_fault: Optional[str]
    fault_share: Dict[str, float]  # fault -> share of the week's cycles


def fault_counts_by_session(store: SessionStore) -> Dict[int, Dict[str, int]]:
    out: Dict[int, Dict[str, int]] = {}
    for sid, name, n in store.connection.execute(
            "SELECT session_id, name, COUNT(DISTINCT rep_id) FROM faults GROUP BY session_id, name"):
        out.setdefault(int(sid), {})[name] = int(n)
    return out


def weekly_stats(sessions: Sequence[SessionInfo], fault_counts: Dict[int, Dict[str, int]]) -> List[WeekStats]:
    """Sessions grouped by ISO week (oldest first) with reps, mean score and top fault."""
    groups: Dict[Tuple[int, int], List[SessionInfo]] = {}
    for s in sessions:
        year, week, _ = s.started_at.isocalendar()
        groups.setdefault((year, week), []).append(s)
    out = []
    for (year, week), members in sorted(groups.items()):
        reps = sum(s.reps for s in members)
        no_reps = sum(s.no_reps for s in members)
        scored = [(s.mean_score, s.reps) for s in members if s.mean_score is not None and s.reps]
        mean = sum(m * n for m, n in scored) / sum(n for _m, n in scored) if scored else None
        faults: Counter = Counter()
        for s in members:
            faults.update(fault_counts.get(s.id, {}))
        top = sorted(faults.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if faults else None
        cycles = max(1, reps + no_reps)
        monday = datetime.fromisocalendar(year, week, 1)
        out.append(WeekStats(label=f"{year}-W{week:02d}", start=monday, sessions=len(members), reps=reps,
                             no_reps=no_reps, mean_score=mean, top_fault=top,
                             fault_share={k: v / cycles for k, v in faults.items()}))
    return out


def trend_lines(weeks: Sequence[WeekStats]) -> List[str]:
    """Plain sentences on the change from the first to the last week of the period."""
    if len(weeks) < 2:
        return ["Train in more than one week to see a trend."] if weeks else []
    first, last = weeks[0], weeks[-1]
    lines = [f"Reps per week: {first.reps} in {first.label} → {last.reps} in {last.label}."]
    if first.mean_score is not None and last.mean_score is not None:
        delta = last.mean_score - first.mean_score
        word = "up" if delta > 0.5 else "down" if delta < -0.5 else "steady"
        lines.append(f"Mean score {word}: {first.mean_score:.0f} → {last.mean_score:.0f}.")
    if first.top_fault:
        name = first.top_fault
        before = first.fault_share.get(name, 0.0)
        after = last.fault_share.get(name, 0.0)
        lines.append(f"{fault_label_plain(name).capitalize()} (most common in {first.label}): on {before:.0%} of "
                     f"cycles then, {after:.0%} in {last.label}.")
    return lines


def exercise_trend_lines(exercise_weeks: Sequence[ExerciseWeek]) -> List[str]:
    """Per exercise done in more than one week: its volume and best set, first week -> last."""
    by_exercise: Dict[str, List[ExerciseWeek]] = {}
    for w in exercise_weeks:
        by_exercise.setdefault(w.exercise, []).append(w)
    lines = []
    for exercise, weeks in sorted(by_exercise.items()):
        weeks = sorted(weeks, key=lambda w: w.start)
        if len(weeks) < 2:
            continue
        first, last = weeks[0], weeks[-1]
        hold = first.reps == 0 and last.reps == 0
        volume = (f"{first.hold_s:.0f} s → {last.hold_s:.0f} s held" if hold else f"{first.reps} → {last.reps} reps")
        line = f"{fault_label_plain(exercise).capitalize()}: {volume} a week ({first.week} → {last.week})"
        best = [(w, best_set_text(w)) for w in weeks if best_set_text(w)]
        if len(best) >= 2:
            line += f"; best set {best[0][1]} → {best[-1][1]}"
        lines.append(line + ".")
    return lines


def format_history(sessions: Sequence[SessionInfo], weeks: Sequence[WeekStats], trend: Sequence[str],
                   exercise_weeks: Sequence[ExerciseWeek] = ()) -> str:
    lines = [f"  {'#':>4}  {'date':<17}{'reps':>5}{'no-reps':>9}{'score':>7}  {'top fault':<16}{'form':<12}source"]
    for s in sessions:
        status = verdict_words(s.form, short=True)
        lines.append(f"  {s.id:>4}  {s.started_at.strftime('%Y-%m-%d %H:%M'):<17}{s.reps:>5}{s.no_reps:>9}"
                     f"{_f(s.mean_score, 0):>7}  {fault_label_plain(s.top_fault or '—'):<16}{status:<12}"
                     f"{_short(s.source)}")
    lines.append("")
    lines.append(f"  {'week':<10}{'sessions':>9}{'reps':>6}{'no-reps':>9}{'score':>7}  most common fault")
    for w in weeks:
        lines.append(f"  {w.label:<10}{w.sessions:>9}{w.reps:>6}{w.no_reps:>9}{_f(w.mean_score, 0):>7}  "
                     f"{fault_label_plain(w.top_fault) if w.top_fault else '—'}")
    if exercise_weeks:
        lines.append("")
        lines.append(f"  {'exercise':<16}{'week':<10}{'sessions':>9}{'sets':>6}{'volume':>8}  best set")
        for w in exercise_weeks:
            volume = f"{w.hold_s:.0f} s" if w.hold_s > 0 and w.reps == 0 else str(w.reps)
            lines.append(f"  {fault_label_plain(w.exercise):<16}{w.week:<10}{w.sessions:>9}{w.sets or '—':>6}"
                         f"{volume:>8}  {best_set_text(w) or '—'}")
    if trend:
        lines.append("")
        lines += ["  " + t for t in trend]
    return "\n".join(lines)


def _short(source: str, n: int = 40) -> str:
    return source if len(source) <= n else "…" + source[-(n - 1):]

