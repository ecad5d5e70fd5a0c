"""The report's SVG plots, written by hand (no plotting library, no external resource):
elbow angle and body line over time, tempo and score per rep, reps and score per week."""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.history.data import SessionData, StoredRep
from livecoach.history.summary import fault_label, fmt_clock

# Presentation only (colours, sizes); coaching thresholds come from the session's config.
_GOOD = "#1f9d55"
_FAIR = "#d98b00"
_POOR = "#d64545"
_REP_BAND = "rgba(31,157,85,0.09)"
_NOREP_BAND = "rgba(120,120,120,0.13)"
_LINE = "#2b6cb0"
_LINE2 = "#0f9b8e"
_GRID = "#e6e9ef"
_AXIS = "#8a94a6"
_TEXT = "#2d3748"
_MAX_POINTS = 2400  # points per polyline; more is invisible at this width and bloats the file

#: Faults marked on the body-line plot; all others go on the elbow-angle plot.
_BODY_FAULTS = ("hip_sag", "hip_pike", "knees_bent")


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


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


# --------------------------------------------------------------------------- SVG plotting

def nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> List[float]:
    """Round tick values covering [lo, hi] (whole numbers only with ``integer``, for counts)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    steps = [m * mag for m in (1, 2, 2.5, 5, 10)]
    if integer:
        steps = [v for v in steps if v >= 1 and float(v).is_integer()] or [1.0]
    step = next((v for v in steps if v >= raw), steps[-1])
    first = math.ceil(lo / step) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-6:
        ticks.append(round(v, 10))
        v += step
    return ticks


@dataclass
class _Frame:
    """Maps data to pixels inside a plot area."""

    x0: float
    x1: float
    y0: float
    y1: float
    width: int
    height: int
    left: int = 58
    right: int = 18
    top: int = 26
    bottom: int = 34

    def px(self, x: float) -> float:
        span = (self.x1 - self.x0) or 1.0
        return self.left + (x - self.x0) / span * (self.width - self.left - self.right)

    def py(self, y: float) -> float:
        span = (self.y1 - self.y0) or 1.0
        return self.height - self.bottom - (y - self.y0) / span * (self.height - self.top - self.bottom)

    @property
    def plot_top(self) -> float:
        return float(self.top)

    @property
    def plot_bottom(self) -> float:
        return float(self.height - self.bottom)


def _svg_open(frame: _Frame, label: str, css_class: str) -> List[str]:
    return [f'<svg class="{css_class}" viewBox="0 0 {frame.width} {frame.height}" role="img" '
            f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">']


def _y_grid(frame: _Frame, ticks: Sequence[float], fmt: Callable[[float], str]) -> List[str]:
    out = []
    for v in ticks:
        y = frame.py(v)
        out.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{_GRID}" stroke-width="1"/>')
        out.append(f'<text x="{frame.left - 8}" y="{y + 4:.1f}" text-anchor="end" class="tick">{esc(fmt(v))}</text>')
    return out


def _x_time_axis(frame: _Frame) -> List[str]:
    out = []
    for v in nice_ticks(frame.x0, frame.x1, 10):
        x = frame.px(v)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.plot_bottom}" y2="{frame.plot_bottom + 4}" '
                   f'stroke="{_AXIS}"/>')
        out.append(f'<text x="{x:.1f}" y="{frame.plot_bottom + 17}" text-anchor="middle" class="tick">'
                   f'{esc(fmt_clock(v))}</text>')
    out.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
               f'y2="{frame.plot_bottom}" stroke="{_AXIS}"/>')
    return out


def _polyline_path(frame: _Frame, t: np.ndarray, y: np.ndarray) -> str:
    """An SVG path through the finite points; a gap (nan) lifts the pen."""
    n = len(t)
    if n > _MAX_POINTS:
        idx = np.linspace(0, n - 1, _MAX_POINTS).astype(int)
        t, y = t[idx], y[idx]
    parts: List[str] = []
    pen_down = False
    lo, hi = min(frame.y0, frame.y1), max(frame.y0, frame.y1)
    for tv, yv in zip(t, y):
        if not (math.isfinite(tv) and math.isfinite(yv)):
            pen_down = False
            continue
        yv = min(max(yv, lo), hi)
        parts.append(f'{"L" if pen_down else "M"}{frame.px(tv):.1f} {frame.py(yv):.1f}')
        pen_down = True
    return " ".join(parts)


def _rep_bands(frame: _Frame, reps: Sequence[StoredRep]) -> List[str]:
    out = []
    for rep in reps:
        r = rep.record
        if not (math.isfinite(r.t_start_s) and math.isfinite(r.t_end_s)):
            continue
        x0, x1 = frame.px(r.t_start_s), frame.px(r.t_end_s)
        fill = _REP_BAND if r.full else _NOREP_BAND
        tip = (f"Rep {r.index}: score {r.score}" if r.full else f"No-rep: {r.no_rep_reason or 'not counted'}")
        out.append(f'<rect class="rep-band" x="{x0:.1f}" y="{frame.plot_top}" width="{max(1.0, x1 - x0):.1f}" '
                   f'height="{frame.plot_bottom - frame.plot_top:.1f}" fill="{fill}"><title>{esc(tip)}</title></rect>')
        if math.isfinite(r.t_bottom_s):
            xb = frame.px(r.t_bottom_s)
            out.append(f'<line x1="{xb:.1f}" x2="{xb:.1f}" y1="{frame.plot_top}" y2="{frame.plot_bottom}" '
                       f'stroke="{_GOOD if r.full else _AXIS}" stroke-opacity="0.35" stroke-dasharray="2 3"/>')
        label = str(r.index) if r.full else "×"
        out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{frame.plot_top - 8}" text-anchor="middle" '
                   f'class="rep-label{"" if r.full else " norep"}">{esc(label)}</text>')
    return out


def _reference(frame: _Frame, value: Optional[float], label: str) -> List[str]:
    if value is None or not (min(frame.y0, frame.y1) <= value <= max(frame.y0, frame.y1)):
        return []
    y = frame.py(value)
    return [f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_FAIR}" stroke-width="1.2" stroke-dasharray="6 4"/>',
            f'<text x="{frame.width - frame.right - 4}" y="{y - 5:.1f}" text-anchor="end" class="ref">'
            f'{esc(label)}</text>']


def _fault_marks(frame: _Frame, reps: Sequence[StoredRep], names: Callable[[str], bool],
                 t: np.ndarray, y: np.ndarray) -> List[str]:
    out = []
    finite = np.isfinite(t) & np.isfinite(y)
    tt, yy = t[finite], y[finite]
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
        out.append(f'<g class="fault-mark"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{_POOR}" '
                   f'fill-opacity="0.9" stroke="#fff" stroke-width="1.5"/><title>{esc(tip)}</title></g>')
        out.append(f'<text x="{cx:.1f}" y="{cy + 18:.1f}" text-anchor="middle" class="fault-text">'
                   f'{esc(", ".join(fault_label(f.name) for f in faults))}</text>')
    return out


def _empty_svg(frame: _Frame, label: str, message: str) -> str:
    parts = _svg_open(frame, label, "plot")
    parts.append(f'<text x="{frame.width / 2}" y="{frame.height / 2}" text-anchor="middle" class="empty">'
                 f'{esc(message)}</text></svg>')
    return "".join(parts)


def elbow_plot(data: SessionData, width: int = 1040, height: int = 250) -> str:
    """Elbow angle over time with rep bands, bottoms and arm/head fault marks."""
    s = data.series
    t, y = s.t_s, s.elbow_angle_deg
    if not np.isfinite(y).any():
        return _empty_svg(_Frame(0, 1, 0, 1, width, height), "Elbow angle", "no elbow angle was measured")
    t0, t1 = _time_range(data)
    lo = min(40.0, float(np.nanmin(y)) - 5)
    frame = _Frame(t0, t1, max(0.0, lo), 185.0, width, height)
    parts = _svg_open(frame, "Elbow angle over time", "plot elbow-plot")
    parts += _rep_bands(frame, data.reps)
    parts += _y_grid(frame, nice_ticks(frame.y0, frame.y1, 5), lambda v: f"{v:.0f}°")
    parts += _reference(frame, _nested(data.config, "faults", "shallow", "max_bottom_elbow_deg"),
                        "deep enough below this")
    parts += _reference(frame, _nested(data.config, "faults", "no_lockout", "min_top_elbow_deg"), "lockout above this")
    parts += _x_time_axis(frame)
    parts.append(f'<path class="series" d="{_polyline_path(frame, t, y)}" fill="none" stroke="{_LINE}" '
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
        return _empty_svg(_Frame(0, 1, 0, 1, width, height), "Body line", "the body line was not measured")
    t0, t1 = _time_range(data)
    extent = max(10.0, min(40.0, float(np.nanpercentile(np.abs(y), 99)) * 1.2))
    frame = _Frame(t0, t1, -extent, extent, width, height)
    parts = _svg_open(frame, "Body line over time", "plot body-plot")
    parts += _rep_bands(frame, data.reps)
    parts += _y_grid(frame, nice_ticks(-extent, extent, 4),
                     lambda v: "line" if abs(v) < 1e-9 else (f"{abs(v):.0f}% sag" if v < 0 else f"{v:.0f}% pike"))
    sag = _nested(data.config, "faults", "hip_sag", "min_offset_frac")
    pike = _nested(data.config, "faults", "hip_pike", "min_offset_frac")
    parts += _reference(frame, -100.0 * sag if sag is not None else None, "sag limit")
    parts += _reference(frame, 100.0 * pike if pike is not None else None, "pike limit")
    parts += _x_time_axis(frame)
    zero = frame.py(0.0)
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{zero:.1f}" y2="{zero:.1f}" '
                 f'stroke="{_AXIS}" stroke-width="1.2"/>')
    parts.append(f'<path class="series" d="{_polyline_path(frame, t, y)}" fill="none" stroke="{_LINE2}" '
                 f'stroke-width="2" stroke-linejoin="round"/>')
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


def tempo_plot(data: SessionData, width: int = 1040, height: int = 220) -> str:
    """Seconds down and up per rep cycle, as paired bars."""
    reps = [r for r in data.reps if math.isfinite(r.record.seconds_down) or math.isfinite(r.record.seconds_up)]
    if not reps:
        return _empty_svg(_Frame(0, 1, 0, 1, width, height), "Tempo per rep", "no rep cycles")
    top = max([v for r in reps for v in (r.record.seconds_down, r.record.seconds_up) if math.isfinite(v)] + [1.0])
    frame = _Frame(0, len(reps), 0, top * 1.15, width, height)
    parts = _svg_open(frame, "Tempo per rep", "plot tempo-plot")
    parts += _y_grid(frame, nice_ticks(0, top * 1.15, 4), lambda v: f"{v:g} s")
    parts += _reference(frame, _nested(data.config, "faults", "rushed_negative", "min_seconds_down"),
                        "rushed below this")
    slot = (frame.px(1) - frame.px(0))
    bar = max(2.0, min(22.0, slot * 0.36))
    for i, (rep, label) in enumerate(zip(reps, _bar_labels(reps))):
        cx = frame.px(i + 0.5)
        for offset, value, colour, name in ((-bar / 2 - 1, rep.record.seconds_down, _LINE, "down"),
                                            (bar / 2 + 1, rep.record.seconds_up, _LINE2, "up")):
            if not math.isfinite(value):
                continue
            y = frame.py(value)
            opacity = "1" if rep.record.full else "0.45"
            parts.append(f'<rect class="bar" x="{cx + offset - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                         f'height="{frame.plot_bottom - y:.1f}" rx="2" fill="{colour}" fill-opacity="{opacity}">'
                         f'<title>{esc(f"Rep {label}: {value:.2f} s {name}")}</title></rect>')
        parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                     f'{esc(label)}</text>')
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
                 f'y2="{frame.plot_bottom}" stroke="{_AXIS}"/>')
    parts.append(_legend(frame, [(_LINE, "down (lowering)"), (_LINE2, "up (pushing)")]))
    parts.append("</svg>")
    return "".join(parts)


def score_plot(data: SessionData, good: int, fair: int, width: int = 1040, height: int = 200) -> str:
    """Score per rep cycle, bars coloured good / fair / poor, with the mean of counted reps."""
    reps = list(data.reps)
    if not reps:
        return _empty_svg(_Frame(0, 1, 0, 1, width, height), "Score per rep", "no rep cycles")
    frame = _Frame(0, len(reps), 0, 100, width, height)
    parts = _svg_open(frame, "Score per rep", "plot score-plot")
    parts += _y_grid(frame, [0, 25, 50, 75, 100], lambda v: f"{v:.0f}")
    slot = frame.px(1) - frame.px(0)
    bar = max(3.0, min(34.0, slot * 0.62))
    for i, (rep, label) in enumerate(zip(reps, _bar_labels(reps))):
        r = rep.record
        cx = frame.px(i + 0.5)
        y = frame.py(max(0, min(100, r.score)))
        colour = score_colour(r.score, good, fair) if r.full else "#a0aec0"
        tip = f"Rep {r.index}: {r.score}" if r.full else f"No-rep ({r.no_rep_reason or 'not counted'}): {r.score}"
        parts.append(f'<rect class="bar" x="{cx - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                     f'height="{frame.plot_bottom - y:.1f}" rx="2" fill="{colour}"><title>{esc(tip)}</title></rect>')
        if slot >= 16:
            parts.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="bar-value">{r.score}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                     f'{esc(label)}</text>')
    full = [r.record.score for r in reps if r.record.full]
    if full:
        mean = sum(full) / len(full)
        y = frame.py(mean)
        parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{_TEXT}" stroke-width="1" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{frame.left + 4}" y="{y - 5:.1f}" class="ref">mean {mean:.0f}</text>')
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
                 f'y2="{frame.plot_bottom}" stroke="{_AXIS}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(frame: _Frame, items: Sequence[Tuple[str, str]]) -> str:
    x = frame.width - frame.right - 10
    out = []
    for colour, label in reversed(items):
        w = 12 + 7 * len(label)
        x -= w
        out.append(f'<rect x="{x}" y="6" width="10" height="10" rx="2" fill="{colour}"/>'
                   f'<text x="{x + 14}" y="15" class="tick" text-anchor="start">{esc(label)}</text>')
        x -= 10
    return "".join(out)


def score_colour(score: float, good: int, fair: int) -> str:
    return _GOOD if score >= good else _FAIR if score >= fair else _POOR



def trend_plot(weeks: Sequence[Any], width: int = 1040, height: int = 280) -> str:
    """Reps per week (bars, left axis) and mean score per week (line, right axis, 0-100)."""
    if not weeks:
        return _empty_svg(_Frame(0, 1, 0, 1, width, height), "Trend", "no sessions in this period")
    top = max([w.reps + w.no_reps for w in weeks] + [5])
    frame = _Frame(0, len(weeks), 0, top * 1.15, width, height, left=58, right=52, top=44)
    parts = _svg_open(frame, "Reps and mean score per week", "plot trend-plot")
    parts += _y_grid(frame, nice_ticks(0, top * 1.15, 5, integer=True), lambda v: f"{v:.0f}")
    slot = frame.px(1) - frame.px(0)
    bar = max(4.0, min(46.0, slot * 0.55))
    points = []
    for i, w in enumerate(weeks):
        cx = frame.px(i + 0.5)
        y = frame.py(w.reps)
        parts.append(f'<rect class="bar" x="{cx - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                     f'height="{frame.plot_bottom - y:.1f}" rx="3" fill="#90b4e0">'
                     f'<title>{esc(f"{w.label}: {w.reps} reps in {w.sessions} sessions")}</title></rect>')
        if w.no_reps:
            y2 = frame.py(w.reps + w.no_reps)
            parts.append(f'<rect x="{cx - bar / 2:.1f}" y="{y2:.1f}" width="{bar:.1f}" height="{y - y2:.1f}" rx="3" '
                         f'fill="#cbd5e0"><title>{esc(f"{w.no_reps} no-reps")}</title></rect>')
        parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                     f'{esc(w.label)}</text>')
        if w.mean_score is not None:
            sy = frame.plot_bottom - w.mean_score / 100.0 * (frame.plot_bottom - frame.plot_top)
            points.append((cx, sy, w))
    if points:
        d = " ".join(f'{"M" if i == 0 else "L"}{x:.1f} {y:.1f}' for i, (x, y, _w) in enumerate(points))
        parts.append(f'<path class="series" d="{d}" fill="none" stroke="{_GOOD}" stroke-width="2.5"/>')
        for x, y, w in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{_GOOD}" stroke="#fff" stroke-width="1.5">'
                         f'<title>{esc(f"{w.label}: mean score {w.mean_score:.0f}")}</title></circle>'
                         f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" class="bar-value">'
                         f'{w.mean_score:.0f}</text>')
    for v in (0, 50, 100):
        sy = frame.plot_bottom - v / 100.0 * (frame.plot_bottom - frame.plot_top)
        parts.append(f'<text x="{frame.width - frame.right + 8}" y="{sy + 4:.1f}" class="tick" fill="{_GOOD}">'
                     f'{v}</text>')
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
                 f'y2="{frame.plot_bottom}" stroke="{_AXIS}"/>')
    parts.append(_legend(frame, [("#90b4e0", "reps"), ("#cbd5e0", "no-reps"), (_GOOD, "mean score")]))
    parts.append("</svg>")
    return "".join(parts)

