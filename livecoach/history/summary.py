"""What a session comes to: totals, averages, fault counts and the trainers' advice
(:class:`SessionSummary`), and the terminal summary printed at the end of a session."""
from __future__ import annotations

import functools
import math
import textwrap
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from livecoach.config.exercises import load_exercises
from livecoach.config.schema import ConfigError
from livecoach.history.data import SessionData, StoredSet
from livecoach.logic.holds import HoldRecord
from livecoach.logic.verdict import judged_shares
from livecoach.types import DEPTH_BY_DROP, DEPTH_BY_ELBOWS, DEPTH_BY_USUAL, DEPTH_NOT_JUDGED, RepRecord
from livecoach.wording import counted, depth_text, verdict_words


def fault_label(name: str) -> str:
    """``hip_sag`` -> ``hip sag``."""
    return name.replace("_", " ")


def fmt_clock(seconds: float) -> str:
    """Seconds from the start as ``m:ss`` (``h:mm:ss`` past an hour)."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def fmt_num(value: Optional[float], digits: int = 1, suffix: str = "") -> str:
    if value is None or not math.isfinite(float(value)):
        return "—"
    return f"{float(value):.{digits}f}{suffix}"


def _percent(share: float, space: str = " ") -> str:
    return f"{100 * share:.0f}{space}%"


def depth_notes(records: Sequence[RepRecord], short: bool = False) -> List[str]:
    """What the depths of ``records`` (:func:`depth_text`) mean, one sentence for each kind
    shown, with the limits they were judged against (``short``: as the terminal table shows them)."""
    def limits(by: str, fmt: Any) -> str:
        values = sorted({r.depth_limit for r in records if r.depth_by == by and math.isfinite(r.depth_limit)})
        return " or ".join(fmt(v) for v in values)

    def pct(share: float) -> str:
        return _percent(share, "" if short else " ")

    kinds = {r.depth_by for r in records}
    notes = []
    if DEPTH_BY_DROP in kinds:
        notes.append("Depth: how far your shoulders came down toward your hands, as a share of their height "
                     f"above them at the top; a rep needs {limits(DEPTH_BY_DROP, pct)} ({pct(0.5)} is about "
                     "your upper arms parallel to the floor).")
    if DEPTH_BY_ELBOWS in kinds:
        notes.append(f"On a support (incline, wall) depth is how far your elbows bent{' (elb)' if short else ''}: "
                     f"a rep bends them to {limits(DEPTH_BY_ELBOWS, lambda v: f'{v:.0f}°')} or less.")
    if DEPTH_BY_USUAL in kinds:
        notes.append(f"{'short' if short else 'Short of your usual bottom'}: you turned back up well above the "
                     "depth of your other reps.")
    if DEPTH_NOT_JUDGED in kinds:
        notes.append(f"{'n/j' if short else 'Not judged'}: the depth could not be measured from this view (a "
                     "camera looking down on you from high up, or from above your back), or you "
                     "came into view on the way down; a burpee's push-up counts without it.")
    if None in kinds:
        notes.append("—: recorded by an older LiveCoach, which did not keep the depth judged.")
    return notes


def average_judged_depth(records: Sequence[RepRecord]) -> Optional[Tuple[str, float]]:
    """The mean depth of the counted reps among ``records`` as it was judged, with what it was judged
    on: the shoulders' drop (``DEPTH_BY_DROP``, a share of their top height) where it was, else the
    elbows' bend on a support (``DEPTH_BY_ELBOWS``, degrees); None for none."""
    full = [r for r in records if r.full]
    for by in (DEPTH_BY_DROP, DEPTH_BY_ELBOWS):
        mean = _mean([r.depth_value for r in full if r.depth_by == by])
        if mean is not None:
            return by, mean
    return None


def average_depth_text(records: Sequence[RepRecord], short: bool = False) -> str:
    """:func:`average_judged_depth` as text: ``52 %`` (the drop), ``95°`` (the elbows), ``—`` for none."""
    judged = average_judged_depth(records)
    if judged is None:
        return "—"
    by, mean = judged
    return _percent(mean, "" if short else " ") if by == DEPTH_BY_DROP else f"{mean:.0f}°"


@dataclass(frozen=True)
class AdviceItem:
    """Advice for one fault (``fault`` None: the general line for a clean set / no reps)."""

    fault: Optional[str]
    count: int      # cycles with this fault
    judged: int     # cycles where it could be judged from the camera's view
    most: bool      # on more than `most_reps_share` of the judged cycles (never of one cycle)
    text: str
    cycles: int = 0  # all rep cycles of the session (judged or not)

    @property
    def share_text(self) -> str:
        """``1 of 27 judged cycles`` (``; 3 not judged`` when the view could not judge some)."""
        text = f"{self.count} of {counted(self.judged, 'judged cycle')}"
        unjudged = self.cycles - self.judged
        return text + (f"; {unjudged} not judged" if unjudged > 0 else "")


@dataclass(frozen=True)
class SessionSummary:
    """What the terminal summary and the report say about a session."""

    reps: int
    no_reps: int
    mean_score: Optional[float]
    mean_depth: Optional[float]
    mean_down_s: Optional[float]
    mean_up_s: Optional[float]
    fault_counts: Tuple[Tuple[str, int], ...]  # most frequent first, over all cycles
    advice: Tuple[AdviceItem, ...]
    not_judged: Tuple[str, ...] = ()  # faults the camera's view could not judge on most cycles


def _mean(values: Sequence[float]) -> Optional[float]:
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(finite) / len(finite) if finite else None


def _clean_advice(cycles: Sequence[Any], adv: Any, min_judged_share: float) -> str:
    """The praise for a set without a fault, claiming only what was judged on at least
    ``min_judged_share`` of its cycles (the verdict's ``[verdict] min_judged_share``, so the praise
    and the verdict agree): "through the full range" where depth was, "one straight line" where
    the body line was."""
    def judged(*names: str) -> bool:
        return all(share >= min_judged_share for share in judged_shares(cycles, names).values())

    depth, line = judged("shallow"), judged("hip_sag", "hip_pike")
    if depth:
        return adv.clean if line else adv.clean_line_not_judged
    return adv.clean_depth_not_judged if line else adv.clean_nothing_judged


def summarize(data: SessionData, config: Any) -> SessionSummary:
    """Totals, averages over counted reps, fault frequencies and the advice to give."""
    full = [r.record for r in data.reps if r.record.full]
    cycles = [r.record for r in data.reps]
    counts: Counter = Counter(f.name for r in cycles for f in {f.name: f for f in r.faults}.values())
    ordered = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    adv = config.advice
    items: List[AdviceItem] = []
    for name, count in ordered[: adv.max_items]:
        judged = max(count, sum(1 for r in cycles if name not in r.not_judged))
        # "Most reps" or "some reps" of a single judged cycle both read wrong: its own words
        one = judged == 1
        most = not one and count / judged > adv.most_reps_share  # "most" is more than half, not one of two
        table = adv.one_rep if one else adv.most_reps if most else adv.some_reps
        text = table.get(name) or adv.some_reps.get(name) or config.cues.texts.get(name, fault_label_plain(name))
        items.append(AdviceItem(fault=name, count=count, judged=judged, most=most, text=text,
                                 cycles=len(cycles)))
    if not items and full:
        praise = _clean_advice(cycles, adv, config.verdict.min_judged_share)
        items.append(AdviceItem(fault=None, count=0, judged=len(cycles), most=False, text=praise))
    elif not full and cycles:
        items.append(AdviceItem(fault=None, count=0, judged=len(cycles), most=False, text=adv.no_reps))
    elif not cycles and not data.holds:
        items.append(AdviceItem(fault=None, count=0, judged=0, most=False, text=adv.nothing))
    unjudged: Counter = Counter(name for r in cycles for name in r.not_judged)
    not_judged = tuple(sorted(name for name, n in unjudged.items() if 2 * n > len(cycles)))
    return SessionSummary(
        not_judged=not_judged,
        reps=len(full), no_reps=len(cycles) - len(full),
        mean_score=_mean([r.score for r in full]), mean_depth=_mean([r.depth_frac for r in full]),
        mean_down_s=_mean([r.seconds_down for r in full]), mean_up_s=_mean([r.seconds_up for r in full]),
        fault_counts=ordered, advice=tuple(items))


fault_label_plain = fault_label
_f = fmt_num


def _clock(seconds: Optional[float]) -> str:
    return fmt_clock(seconds if seconds is not None else math.nan)


@dataclass(frozen=True)
class SetRow:
    """One set of a plan session as the summary and the report show it."""

    label: str      # "main 2/3", "warm-up round 1/2"
    exercise: str
    target: str     # "8-12", "20-30 s"
    done: str       # "10 reps", "10 reps, 2 no-reps", "25 s"
    rest: str       # rest taken before it, "1:02" ("—" for the first set)
    ended: str      # "target", "stood up", ...
    advice: str     # "easier: incline", "" for none


def set_rows(sets: Sequence[StoredSet]) -> List[SetRow]:
    """The rows of the sets table (terminal summary and report)."""
    rows = []
    for stored in sets:
        r = stored.result
        label = (f"{r.block} round {r.round}/{r.rounds}" if r.rounds > 1 else f"{r.block} {r.set}/{r.of}")
        if r.unit == "seconds":
            target, done = f"{r.target_min}-{r.target_max} s", f"{r.hold_s:.0f} s"
        else:
            target = f"{r.target_min}-{r.target_max}"
            done = counted(r.reps, "rep")
            if r.no_reps:
                done += f", {counted(r.no_reps, 'no-rep')}"
        advice = ""
        if stored.advice == "regress":
            advice = f"easier: {fault_label(stored.advice_to or '')}"
        elif stored.advice == "progress":
            advice = ("progress: more reps or a 3 s negative" if stored.advice_to in (None, r.exercise)
                      else f"progress: {fault_label(stored.advice_to or '')}")
        rows.append(SetRow(label=label, exercise=fault_label(r.exercise), target=target, done=done,
                           rest=_clock(r.rest_before_s), ended=fault_label(r.reason), advice=advice))
    return rows


def format_sets(sets: Sequence[StoredSet]) -> List[str]:
    """The terminal lines of a plan session's sets (none without sets)."""
    if not sets:
        return []
    plans = sorted({s.result.plan for s in sets})
    lines = ["", f"  Plan {', '.join(plans)} · {counted(len(sets), 'set')}",
             f"  {'set':<18}{'exercise':<15}{'target':>9}  {'done':<20}{'rest':>6}  {'ended':<16}advice"]
    for row in set_rows(sets):
        lines.append(f"  {row.label:<18}{row.exercise:<15}{row.target:>9}  {row.done:<20}{row.rest:>6}  "
                     f"{row.ended:<16}{row.advice}".rstrip())
    return lines


#: Up to this many rep cycles the terminal summary shows its per-rep table unasked.
PER_REP_TABLE_MAX = 30


def format_summary(data: SessionData, summary: SessionSummary, width: int = 88,
                   per_rep: Optional[bool] = None) -> str:
    """The terminal summary: header, totals, per-rep table, top faults with advice.

    ``per_rep``: show the per-rep table (True), leave it out (False), or show it only for a
    session of at most :data:`PER_REP_TABLE_MAX` cycles (None), so a long session's headline
    and advice stay on the screen.
    """
    info = data.info
    lines = []
    status = info.verdict if info.status == "finished" and info.verdict else info.status
    if not data.reps and info.status == "finished":
        status = "—"  # nothing to judge
    done = ", ".join(exercise_title(name, exercise_titles()) for name in exercises_done(data))
    lines.append(f"Session #{info.id} · {info.started_at.strftime('%a %d %b %Y %H:%M')} · {info.source} · "
                 f"{done} · {_clock(info.duration_s)}")
    if info.status == "interrupted":
        lines.append("  (interrupted: the app stopped without ending the session; totals counted from the "
                     "reps saved)")
    if data.reps or not data.holds:  # a plank on its own has no rep totals to show
        lines.append(f"  Reps {summary.reps}   No-reps {summary.no_reps}   Mean score {_f(summary.mean_score, 0)}   "
                     f"Form: {verdict_words(status)}")
        depth = average_depth_text([r.record for r in data.reps], short=True)
        lines.append(f"  Average depth {depth} · tempo {_f(summary.mean_down_s, 1)} s down / "
                     f"{_f(summary.mean_up_s, 1)} s up")
    lines += format_sets(data.sets)
    show_table = per_rep if per_rep is not None else len(data.reps) <= PER_REP_TABLE_MAX
    if data.reps and not show_table:
        lines.append(f"  {counted(len(data.reps), 'rep cycle')}: every rep is in the report "
                     f"(or ask for the per-rep table: --reps)")
    if data.reps and show_table:
        lines.append("")
        lines.append(f"  {'rep':<8}{'bottom':>7}{'depth':>9}{'elbow':>7}{'down':>7}{'up':>6}{'score':>7}  faults")
        for rep in data.reps:
            r = rep.record
            name = str(r.index) if r.full else "no-rep"
            faults = ", ".join(fault_label_plain(n) for n in r.fault_names) or ("clean" if r.full else "")
            if not r.full:
                faults = f"({r.no_rep_reason or 'not counted'})" + (f" {faults}" if faults else "")
            lines.append(f"  {name:<8}{_clock(r.t_bottom_s):>7}{depth_text(r, short=True):>9}"
                         f"{_f(r.min_elbow_angle_deg, 0, '°'):>7}{_f(r.seconds_down, 1):>7}{_f(r.seconds_up, 1):>6}"
                         f"{r.score:>7}  {faults}")
        for note in depth_notes([rep.record for rep in data.reps], short=True):
            wrapped = textwrap.wrap(note, width=width - 4, break_on_hyphens=False)
            lines += ["  " + wrapped[0]] + ["    " + w for w in wrapped[1:]]
    lines += format_holds([h.record for h in data.holds], exercise_titles())
    if summary.not_judged:
        lines.append("")
        lines.append("  Not judged on most reps (the camera's view, or the exercise): "
                     + ", ".join(fault_label_plain(n) for n in summary.not_judged))
    if summary.advice:
        lines.append("")
        lines.append("  Coach's advice:")
        for item in summary.advice:
            head = "" if item.fault is None else f"{fault_label_plain(item.fault)} ({item.share_text}): "
            wrapped = textwrap.wrap(head + item.text, width=width - 6, break_on_hyphens=False)
            lines.append("  • " + wrapped[0])
            lines += ["    " + w for w in wrapped[1:]]
    return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def exercise_titles() -> Dict[str, str]:
    """Exercise name -> its packaged profile's title ("forearm_plank" -> "Forearm plank"); empty
    when the profiles cannot be read (the names are shown then)."""
    try:
        return {name: profile.title for name, profile in load_exercises().items()}
    except ConfigError:
        return {}


def exercise_title(name: str, titles: Mapping[str, str]) -> str:
    """The title of exercise ``name``; for a profile no longer known, its name in words."""
    return titles.get(name) or fault_label(name).capitalize()


def exercises_done(data: SessionData) -> Tuple[str, ...]:
    """The exercises of a session's rep cycles and timed holds (not its pauses at the top), in
    the order first done; the session's variant when it has neither."""
    done = [(r.record.t_end_s, r.record.exercise) for r in data.reps]
    done += [(h.record.t_start_s, h.record.exercise) for h in data.holds if not h.record.top_pause]
    order: List[str] = []
    for _t, name in sorted(done, key=lambda pair: pair[0] if math.isfinite(pair[0]) else math.inf):
        if name not in order:
            order.append(name)
    return tuple(order) or (data.info.variant,)


@dataclass(frozen=True)
class HoldRow:
    """One timed hold or pause at the top as the summary and the report show it."""

    start: str      # "0:12"
    what: str       # "Forearm plank", "pause at the top (plank)"
    held_s: float
    good_s: float
    target: str     # "30 s (reached)", "" without a target
    broken_by: str  # "hip sag, knees bent", "" when the form held


def hold_rows(holds: Sequence[HoldRecord], titles: Mapping[str, str]) -> List[HoldRow]:
    """The rows of the holds table. ``titles``: exercise name -> its profile's title."""
    rows = []
    for hold in holds:
        title = exercise_title(hold.exercise, titles)
        target = "" if hold.target_s is None else \
            f"{hold.target_s:g} s ({'reached' if hold.reached_target else 'not reached'})"
        rows.append(HoldRow(start=_clock(hold.t_start_s),
                            what=f"pause at the top ({title.lower()})" if hold.top_pause else title,
                            held_s=float(hold.seconds_total), good_s=float(hold.seconds_good), target=target,
                            broken_by=", ".join(fault_label_plain(f) for f in hold.faults)))
    return rows


def format_holds(holds: Sequence[HoldRecord], titles: Mapping[str, str]) -> List[str]:
    """The terminal lines of a session's timed holds and pauses at the top (empty: none):
    seconds in good form of seconds held, the target, and what broke the form."""
    if not holds:
        return []
    lines = ["", "  Holds:"]
    for row in hold_rows(holds, titles):
        target = f"; target {row.target}" if row.target else ""
        broke = f"; broken by {row.broken_by}" if row.broken_by else ""
        lines.append(f"  {row.start:>6}  {row.what}: {row.good_s:.1f} s in good form of {row.held_s:.1f} s"
                     f"{target}{broke}")
    return lines
