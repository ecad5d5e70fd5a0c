"""The report's per-rep and per-week SVG plots, written by hand (no plotting library, no external
resource): tempo and score per rep, reps and score per week, the best set. The plots over time
are in :mod:`livecoach.history.time_plots`."""
from __future__ import annotations

import math
from typing import Any, List, Sequence

from livecoach.history.data import SessionData, StoredRep
from livecoach.history.summary import fault_label
from livecoach.history.svg import (AXIS, GOOD, LINE, LINE2, TEXT, Frame, empty_svg, esc, legend, nice_ticks,
                                   reference, score_colour, svg_open, x_time_axis, y_grid)
from livecoach.history.time_plots import DENSE_PX, config_number, time_range
from livecoach.wording import counted


def _bar_labels(reps: Sequence[StoredRep]) -> List[str]:
    return [str(r.record.index) if r.record.full else "×" for r in reps]


def _bar_label_every(slot_px: float, labels: Sequence[str]) -> int:
    widest = max((len(x) for x in labels), default=1)
    return max(1, math.ceil((8 + 7 * widest) / max(slot_px, 1e-6)))


def tempo_plot(data: SessionData, width: int = 1040, height: int = 220) -> str:
    """Seconds down and up per rep cycle: paired bars, or two dots per cycle over time when
    the cycles are too many for bars."""
    reps = [r for r in data.reps if math.isfinite(r.record.seconds_down) or math.isfinite(r.record.seconds_up)]
    if not reps:
        return empty_svg(Frame(0, 1, 0, 1, width, height), "Tempo per rep", "no rep cycles")
    top = max([v for r in reps for v in (r.record.seconds_down, r.record.seconds_up) if math.isfinite(v)] + [1.0])
    right = 84  # the threshold's label lives in the right margin, clear of the bars
    dense = (width - 58 - right) / len(reps) < DENSE_PX
    frame = Frame(*(time_range(data) if dense else (0, len(reps))), 0, top * 1.15, width, height, right=right)
    parts = svg_open(frame, "Tempo per rep", "plot tempo-plot")
    parts += y_grid(frame, nice_ticks(0, top * 1.15, 4), lambda v: f"{v:g} s")
    if dense:
        parts += _tempo_dots(frame, reps)
        parts += x_time_axis(frame)
    else:
        parts += _tempo_bars(frame, reps)
    # Drawn after the bars, so neither the line nor its label is hidden behind them.
    parts += reference(frame, config_number(data.config, "faults", "rushed_negative", "min_seconds_down"),
                       "rushed below", in_margin=True)
    parts.append(legend(frame, [(LINE, "down (lowering)"), (LINE2, "up (pushing)")]))
    parts.append("</svg>")
    return "".join(parts)


def _tempo_bars(frame: Frame, reps: Sequence[StoredRep]) -> List[str]:
    parts = []
    slot = (frame.px(1) - frame.px(0))
    bar = max(2.0, min(22.0, slot * 0.36))
    labels = _bar_labels(reps)
    every = _bar_label_every(slot, labels)
    for i, (rep, label) in enumerate(zip(reps, labels)):
        cx = frame.px(i + 0.5)
        for offset, value, colour, name in ((-bar / 2 - 1, rep.record.seconds_down, LINE, "down"),
                                            (bar / 2 + 1, rep.record.seconds_up, LINE2, "up")):
            if not math.isfinite(value):
                continue
            y = frame.py(value)
            opacity = "1" if rep.record.full else "0.45"
            parts.append(f'<rect class="bar" x="{cx + offset - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                         f'height="{frame.plot_bottom - y:.1f}" rx="2" fill="{colour}" fill-opacity="{opacity}">'
                         f'<title>{esc(f"Rep {label}: {value:.2f} s {name}")}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                         f'{esc(label)}</text>')
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
                 f'y2="{frame.plot_bottom}" stroke="{AXIS}"/>')
    return parts


def _tempo_dots(frame: Frame, reps: Sequence[StoredRep]) -> List[str]:
    parts = []
    for rep, label in zip(reps, _bar_labels(reps)):
        r = rep.record
        when = r.t_bottom_s if math.isfinite(r.t_bottom_s) else r.t_end_s
        if not math.isfinite(when):
            continue
        for value, colour, name in ((r.seconds_down, LINE, "down"), (r.seconds_up, LINE2, "up")):
            if math.isfinite(value):
                parts.append(f'<circle cx="{frame.px(when):.1f}" cy="{frame.py(value):.1f}" r="2.2" fill="{colour}" '
                             f'fill-opacity="{0.85 if r.full else 0.35}"><title>'
                             f'{esc(f"Rep {label}: {value:.2f} s {name}")}</title></circle>')
    return parts


def score_plot(data: SessionData, good: int, fair: int, width: int = 1040, height: int = 200) -> str:
    """Score per rep cycle coloured good / fair / poor (bars, or dots over time when the
    cycles are too many for bars), with the mean of counted reps."""
    reps = list(data.reps)
    if not reps:
        return empty_svg(Frame(0, 1, 0, 1, width, height), "Score per rep", "no rep cycles")
    right = 60  # the mean's label lives in the right margin, clear of the bars
    dense = (width - 58 - right) / len(reps) < DENSE_PX
    frame = Frame(*(time_range(data) if dense else (0, len(reps))), 0, 100, width, height, right=right)
    parts = svg_open(frame, "Score per rep", "plot score-plot")
    parts += y_grid(frame, [0, 25, 50, 75, 100], lambda v: f"{v:.0f}")
    slot = frame.px(1) - frame.px(0)
    bar = max(3.0, min(34.0, slot * 0.62))
    labels = _bar_labels(reps)
    every = _bar_label_every(slot, labels)
    for i, (rep, label) in enumerate(zip(reps, labels)):
        r = rep.record
        y = frame.py(max(0, min(100, r.score)))
        colour = score_colour(r.score, good, fair) if r.full else "#a0aec0"
        tip = f"Rep {r.index}: {r.score}" if r.full else f"No-rep ({r.no_rep_reason or 'not counted'}): {r.score}"
        if dense:
            when = r.t_bottom_s if math.isfinite(r.t_bottom_s) else r.t_end_s
            if math.isfinite(when):
                parts.append(f'<circle cx="{frame.px(when):.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                             f'<title>{esc(tip)}</title></circle>')
            continue
        cx = frame.px(i + 0.5)
        parts.append(f'<rect class="bar" x="{cx - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                     f'height="{frame.plot_bottom - y:.1f}" rx="2" fill="{colour}"><title>{esc(tip)}</title></rect>')
        if slot >= 16:
            parts.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="bar-value">{r.score}</text>')
        if i % every == 0:
            parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                         f'{esc(label)}</text>')
    full = [r.record.score for r in reps if r.record.full]
    if full:
        mean = sum(full) / len(full)
        y = frame.py(mean)
        parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{TEXT}" stroke-width="1" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{frame.width - frame.right + 6}" y="{y + 4:.1f}" class="ref">mean {mean:.0f}</text>')
    if dense:
        parts += x_time_axis(frame)
    else:
        parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
                     f'y2="{frame.plot_bottom}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    return "".join(parts)


def trend_plot(weeks: Sequence[Any], width: int = 1040, height: int = 280) -> str:
    """Reps per week (bars, left axis) and mean score per week (line, right axis, 0-100)."""
    if not weeks:
        return empty_svg(Frame(0, 1, 0, 1, width, height), "Trend", "no sessions in this period")
    top = max([w.reps + w.no_reps for w in weeks] + [5])
    frame = Frame(0, len(weeks), 0, top * 1.15, width, height, left=58, right=52, top=44)
    parts = svg_open(frame, "Reps and mean score per week", "plot trend-plot")
    parts += y_grid(frame, nice_ticks(0, top * 1.15, 5, integer=True), lambda v: f"{v:.0f}")
    slot = frame.px(1) - frame.px(0)
    bar = max(4.0, min(46.0, slot * 0.55))
    points = []
    for i, w in enumerate(weeks):
        cx = frame.px(i + 0.5)
        y = frame.py(w.reps)
        tip = f"{w.label}: {counted(w.reps, 'rep')} in {counted(w.sessions, 'session')}"
        parts.append(f'<rect class="bar" x="{cx - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                     f'height="{frame.plot_bottom - y:.1f}" rx="3" fill="#90b4e0">'
                     f'<title>{esc(tip)}</title></rect>')
        if w.no_reps:
            y2 = frame.py(w.reps + w.no_reps)
            parts.append(f'<rect x="{cx - bar / 2:.1f}" y="{y2:.1f}" width="{bar:.1f}" height="{y - y2:.1f}" rx="3" '
                         f'fill="#cbd5e0"><title>{esc(counted(w.no_reps, "no-rep"))}</title></rect>')
        parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                     f'{esc(w.label)}</text>')
        if w.mean_score is not None:
            sy = frame.plot_bottom - w.mean_score / 100.0 * (frame.plot_bottom - frame.plot_top)
            points.append((cx, sy, w))
    if points:
        d = " ".join(f'{"M" if i == 0 else "L"}{x:.1f} {y:.1f}' for i, (x, y, _w) in enumerate(points))
        parts.append(f'<path class="series" d="{d}" fill="none" stroke="{GOOD}" stroke-width="2.5"/>')
        for x, y, w in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{GOOD}" stroke="#fff" stroke-width="1.5">'
                         f'<title>{esc(f"{w.label}: mean score {w.mean_score:.0f}")}</title></circle>'
                         f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" class="bar-value">'
                         f'{w.mean_score:.0f}</text>')
    for v in (0, 50, 100):
        sy = frame.plot_bottom - v / 100.0 * (frame.plot_bottom - frame.plot_top)
        parts.append(f'<text x="{frame.width - frame.right + 8}" y="{sy + 4:.1f}" class="tick" fill="{GOOD}">'
                     f'{v}</text>')
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
                 f'y2="{frame.plot_bottom}" stroke="{AXIS}"/>')
    parts.append(legend(frame, [("#90b4e0", "reps"), ("#cbd5e0", "no-reps"), (GOOD, "mean score")]))
    parts.append("</svg>")
    return "".join(parts)



#: Line colours of the exercises on the best-set plot, in the order of their names.
_EXERCISE_COLOURS = ("#2b6cb0", "#1f9d55", "#d98b00", "#805ad5", "#d64545", "#319795", "#718096")


def best_set_plot(exercise_weeks: Sequence[Any], width: int = 1040, height: int = 260) -> str:
    """The best plan set of each rep exercise per week (most reps in one set), one line each;
    ``exercise_weeks``: :class:`livecoach.history.progress.ExerciseWeek` rows. Holds are left out
    (seconds, not reps: the table beside it has them)."""
    weeks = sorted({(w.start, w.week) for w in exercise_weeks})
    rows = [w for w in exercise_weeks if w.best_reps > 0]
    if not rows:
        return ""
    index = {label: i for i, (_start, label) in enumerate(weeks)}
    top = max([w.best_reps for w in rows] + [5])
    frame = Frame(0, len(weeks), 0, top * 1.2, width, height, left=58, right=24, top=44)
    parts = svg_open(frame, "Best set per exercise and week", "plot best-set-plot")
    parts += y_grid(frame, nice_ticks(0, top * 1.2, 5, integer=True), lambda v: f"{v:.0f}")
    for _start, label in weeks:
        parts.append(f'<text x="{frame.px(index[label] + 0.5):.1f}" y="{frame.plot_bottom + 16}" '
                     f'text-anchor="middle" class="tick">{esc(label)}</text>')
    items = []
    for k, exercise in enumerate(sorted({w.exercise for w in rows})):
        colour = _EXERCISE_COLOURS[k % len(_EXERCISE_COLOURS)]
        points = sorted((index[w.week], w.best_reps) for w in rows if w.exercise == exercise)
        d = " ".join(f'{"M" if i == 0 else "L"}{frame.px(x + 0.5):.1f} {frame.py(y):.1f}'
                     for i, (x, y) in enumerate(points))
        parts.append(f'<path class="series" d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for x, y in points:
            cx, cy = frame.px(x + 0.5), frame.py(y)
            tip = f"{fault_label(exercise)}: best set {counted(y, 'rep')}"
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{colour}" stroke="#fff" '
                         f'stroke-width="1.5"><title>{esc(tip)}</title>'
                         f'</circle><text x="{cx:.1f}" y="{cy - 9:.1f}" text-anchor="middle" class="bar-value">'
                         f'{y}</text>')
        items.append((colour, fault_label(exercise)))
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
                 f'y2="{frame.plot_bottom}" stroke="{AXIS}"/>')
    parts.append(legend(frame, items))
    parts.append("</svg>")
    return "".join(parts)
