"""The report's SVG plots, written by hand (no plotting library, no external resource):
elbow angle and body line over time, tempo and score per rep, reps and score per week."""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.history.data import SessionData, StoredRep
from livecoach.history.summary import fault_label
from livecoach.history.svg import (AXIS, GOOD, LINE, LINE2, NOREP_BAND, POOR, REP_BAND, TEXT, Frame, empty_svg,
                                   esc, legend, nice_ticks, polyline_path, reference, score_colour, svg_open,
                                   x_time_axis, y_grid)
from livecoach.wording import counted

#: Faults marked on the body-line plot; all others go on the elbow-angle plot.
_BODY_FAULTS = ("hip_sag", "hip_pike", "knees_bent")


def _nested(config: Dict[str, Any], *keys: str) -> Optional[float]:
    node: Any = config
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    try:
        return float(node)
    except (TypeError, ValueError):
        return None


#: Below this many pixels per rep cycle a time plot draws sets, not rep bands and labels...
_DENSE_PX = 10.0
#: ...and below this, fault marks carry no text (the dot's tooltip names the faults).
_TEXT_PX = 56.0
#: A pause longer than this between two rep cycles starts a new set.
SET_GAP_S = 10.0


def session_sets(reps: Sequence[StoredRep], gap_s: float = SET_GAP_S) -> List[List[StoredRep]]:
    """The rep cycles grouped into sets: a pause of more than ``gap_s`` starts a new one."""
    timed = sorted((r for r in reps if math.isfinite(r.record.t_start_s) and math.isfinite(r.record.t_end_s)),
                   key=lambda r: r.record.t_start_s)
    sets: List[List[StoredRep]] = []
    for rep in timed:
        if sets and rep.record.t_start_s - sets[-1][-1].record.t_end_s <= gap_s:
            sets[-1].append(rep)
        else:
            sets.append([rep])
    return sets


def _px_per_cycle(frame: Frame, reps: Sequence[StoredRep]) -> float:
    return (frame.width - frame.left - frame.right) / max(1, len(reps))


def _rep_bands(frame: Frame, reps: Sequence[StoredRep]) -> List[str]:
    """One band per rep cycle, labelled where there is room; sets when the cycles are too many."""
    if _px_per_cycle(frame, reps) < _DENSE_PX:
        return _set_bands(frame, reps)
    out = []
    last_label_x = -math.inf
    for rep in reps:
        r = rep.record
        if not (math.isfinite(r.t_start_s) and math.isfinite(r.t_end_s)):
            continue
        x0, x1 = frame.px(r.t_start_s), frame.px(r.t_end_s)
        fill = REP_BAND if r.full else NOREP_BAND
        tip = (f"Rep {r.index}: score {r.score}" if r.full else f"No-rep: {r.no_rep_reason or 'not counted'}")
        out.append(f'<rect class="rep-band" x="{x0:.1f}" y="{frame.plot_top}" width="{max(1.0, x1 - x0):.1f}" '
                   f'height="{frame.plot_bottom - frame.plot_top:.1f}" fill="{fill}"><title>{esc(tip)}</title></rect>')
        if math.isfinite(r.t_bottom_s):
            xb = frame.px(r.t_bottom_s)
            out.append(f'<line x1="{xb:.1f}" x2="{xb:.1f}" y1="{frame.plot_top}" y2="{frame.plot_bottom}" '
                       f'stroke="{GOOD if r.full else AXIS}" stroke-opacity="0.35" stroke-dasharray="2 3"/>')
        label = str(r.index) if r.full else "×"
        x = (x0 + x1) / 2
        if x - last_label_x >= 8 + 7 * len(label):  # labels never overlap: every other one, or fewer
            last_label_x = x
            out.append(f'<text x="{x:.1f}" y="{frame.plot_top - 8}" text-anchor="middle" '
                       f'class="rep-label{"" if r.full else " norep"}">{esc(label)}</text>')
    return out


def _set_bands(frame: Frame, reps: Sequence[StoredRep]) -> List[str]:
    out = []
    for k, members in enumerate(session_sets(reps), start=1):
        x0, x1 = frame.px(members[0].record.t_start_s), frame.px(members[-1].record.t_end_s)
        full = sum(1 for r in members if r.record.full)
        tip = f"Set {k}: {counted(full, 'rep')}, {counted(len(members) - full, 'no-rep')}"
        out.append(f'<rect class="set-band" x="{x0:.1f}" y="{frame.plot_top}" width="{max(1.0, x1 - x0):.1f}" '
                   f'height="{frame.plot_bottom - frame.plot_top:.1f}" fill="{REP_BAND}"><title>{esc(tip)}</title>'
                   f'</rect>')
        label = f"set {k} · {counted(full, 'rep')}" if x1 - x0 >= 90 else (f"set {k}" if x1 - x0 >= 36 else "")
        if label:
            out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{frame.plot_top - 8}" text-anchor="middle" '
                       f'class="rep-label">{esc(label)}</text>')
    return out


def dense_session(data: SessionData, width: int = 1040) -> bool:
    """Whether the time plots of ``data`` show sets rather than single reps (too many reps)."""
    return (width - 58 - 18) / max(1, len(data.reps)) < _DENSE_PX


def _rep_bottoms_path(frame: Frame, reps: Sequence[StoredRep]) -> str:
    """Each counted rep's deepest elbow angle, joined within a set."""
    parts = []
    for members in session_sets(reps):
        points = [(r.record.t_bottom_s, r.record.min_elbow_angle_deg) for r in members
                  if r.record.full and math.isfinite(r.record.t_bottom_s)
                  and math.isfinite(r.record.min_elbow_angle_deg)]
        lo, hi = min(frame.y0, frame.y1), max(frame.y0, frame.y1)
        parts += [f'{"L" if k else "M"}{frame.px(t):.1f} {frame.py(min(max(v, lo), hi)):.1f}'
                  for k, (t, v) in enumerate(points)]
    return " ".join(parts)


def _fault_marks(frame: Frame, reps: Sequence[StoredRep], names: Callable[[str], bool],
                 t: np.ndarray, y: np.ndarray) -> List[str]:
    out = []
    finite = np.isfinite(t) & np.isfinite(y)
    tt, yy = t[finite], y[finite]
    room = _px_per_cycle(frame, reps)
    radius = 6 if room >= _DENSE_PX else 3.5
    for rep in reps:
        r = rep.record
        faults = [f for f in r.faults if names(f.name)]
        if not faults:
            continue
        when = r.t_bottom_s if math.isfinite(r.t_bottom_s) else faults[0].t_s
        if not math.isfinite(when):
            continue
        yv = float(np.interp(when, tt, yy)) if len(tt) else (frame.y0 + frame.y1) / 2
        yv = min(max(yv, min(frame.y0, frame.y1)), max(frame.y0, frame.y1))
        cx, cy = frame.px(when), frame.py(yv)
        tip = f"{'Rep ' + str(r.index) if r.full else 'No-rep'}: " + ", ".join(fault_label(f.name) for f in faults)
        out.append(f'<g class="fault-mark"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}" fill="{POOR}" '
                   f'fill-opacity="0.9" stroke="#fff" stroke-width="1.5"/><title>{esc(tip)}</title></g>')
        if room >= _TEXT_PX:
            out.append(f'<text x="{cx:.1f}" y="{cy + 18:.1f}" text-anchor="middle" class="fault-text">'
                       f'{esc(", ".join(fault_label(f.name) for f in faults))}</text>')
    return out


def elbow_plot(data: SessionData, width: int = 1040, height: int = 250) -> str:
    """Elbow angle over time with rep bands, bottoms and arm/head fault marks."""
    s = data.series
    t, y = s.t_s, s.elbow_angle_deg
    if not np.isfinite(y).any():
        return empty_svg(Frame(0, 1, 0, 1, width, height), "Elbow angle", "no elbow angle was measured")
    t0, t1 = _time_range(data)
    lo = min(40.0, float(np.nanmin(y)) - 5)
    frame = Frame(t0, t1, max(0.0, lo), 185.0, width, height)
    parts = svg_open(frame, "Elbow angle over time", "plot elbow-plot")
    parts += _rep_bands(frame, data.reps)
    parts += y_grid(frame, nice_ticks(frame.y0, frame.y1, 5), lambda v: f"{v:.0f}°")
    parts += reference(frame, _nested(data.config, "faults", "shallow", "max_bottom_elbow_deg"),
                        "deep enough below this")
    parts += reference(frame, _nested(data.config, "faults", "no_lockout", "min_top_elbow_deg"), "lockout above this")
    parts += x_time_axis(frame)
    if _px_per_cycle(frame, data.reps) < _DENSE_PX:
        # Too many reps to follow the trace: keep it faint, and join each rep's deepest angle.
        parts.append(f'<path class="series" d="{polyline_path(frame, t, y)}" fill="none" stroke="{LINE}" '
                     f'stroke-opacity="0.22" stroke-width="1"/>')
        parts.append(f'<path class="rep-bottoms" d="{_rep_bottoms_path(frame, data.reps)}" fill="none" '
                     f'stroke="{LINE}" stroke-width="2" stroke-linejoin="round"/>')
    else:
        parts.append(f'<path class="series" d="{polyline_path(frame, t, y)}" fill="none" stroke="{LINE}" '
                     f'stroke-width="2" stroke-linejoin="round"/>')
    parts += _fault_marks(frame, data.reps, lambda n: n not in _BODY_FAULTS, t, y)
    parts.append("</svg>")
    return "".join(parts)


def body_line_plot(data: SessionData, width: int = 1040, height: int = 230) -> str:
    """Hip offset from the shoulder-ankle line over time; sag drawn downward, pike upward."""
    s = data.series
    t = s.t_s
    y = -100.0 * s.hip_offset_frac  # % of body length; + is sag in the data, drawn below the line
    if not np.isfinite(y).any():
        return empty_svg(Frame(0, 1, 0, 1, width, height), "Body line", "the body line was not measured")
    t0, t1 = _time_range(data)
    extent = max(10.0, min(40.0, float(np.nanpercentile(np.abs(y), 99)) * 1.2))
    frame = Frame(t0, t1, -extent, extent, width, height)
    parts = svg_open(frame, "Body line over time", "plot body-plot")
    parts += _rep_bands(frame, data.reps)
    parts += y_grid(frame, nice_ticks(-extent, extent, 4),
                     lambda v: "line" if abs(v) < 1e-9 else (f"{abs(v):.0f}% sag" if v < 0 else f"{v:.0f}% pike"))
    sag = _nested(data.config, "faults", "hip_sag", "min_offset_frac")
    pike = _nested(data.config, "faults", "hip_pike", "min_offset_frac")
    parts += reference(frame, -100.0 * sag if sag is not None else None, "sag limit")
    parts += reference(frame, 100.0 * pike if pike is not None else None, "pike limit")
    parts += x_time_axis(frame)
    zero = frame.py(0.0)
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{zero:.1f}" y2="{zero:.1f}" '
                 f'stroke="{AXIS}" stroke-width="1.2"/>')
    faint = _px_per_cycle(frame, data.reps) < _DENSE_PX
    style = 'stroke-opacity="0.45" stroke-width="1"' if faint else 'stroke-width="2" stroke-linejoin="round"'
    parts.append(f'<path class="series" d="{polyline_path(frame, t, y)}" fill="none" stroke="{LINE2}" {style}/>')
    parts += _fault_marks(frame, data.reps, lambda n: n in _BODY_FAULTS, t, y)
    parts.append("</svg>")
    return "".join(parts)


def _time_range(data: SessionData) -> Tuple[float, float]:
    values = [v for v in (data.series.t_s.min() if len(data.series) else math.nan,
                          data.series.t_s.max() if len(data.series) else math.nan) if math.isfinite(v)]
    for rep in data.reps:
        values += [v for v in (rep.record.t_start_s, rep.record.t_end_s) if math.isfinite(v)]
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    return lo, hi if hi > lo else lo + 1.0


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
    dense = (width - 58 - right) / len(reps) < _DENSE_PX
    frame = Frame(*(_time_range(data) if dense else (0, len(reps))), 0, top * 1.15, width, height, right=right)
    parts = svg_open(frame, "Tempo per rep", "plot tempo-plot")
    parts += y_grid(frame, nice_ticks(0, top * 1.15, 4), lambda v: f"{v:g} s")
    if dense:
        parts += _tempo_dots(frame, reps)
        parts += x_time_axis(frame)
    else:
        parts += _tempo_bars(frame, reps)
    # Drawn after the bars, so neither the line nor its label is hidden behind them.
    parts += reference(frame, _nested(data.config, "faults", "rushed_negative", "min_seconds_down"),
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
    dense = (width - 58 - right) / len(reps) < _DENSE_PX
    frame = Frame(*(_time_range(data) if dense else (0, len(reps))), 0, 100, width, height, right=right)
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
