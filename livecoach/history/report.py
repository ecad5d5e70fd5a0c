"""Self-contained HTML reports: one session, and the history across sessions.

No external resources at all (a report is mailed, archived, opened offline): inline CSS,
SVG plots written here by hand, bottom-of-rep pictures embedded as base64 JPEG. The page
is rendered from stored data only (:class:`~livecoach.history.store.SessionData`) plus the summary
computed by :mod:`livecoach.history.review`, so ``livecoach summary`` re-renders any past session.
"""
from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.history.store import SessionData, SessionInfo, StoredRep

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


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


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
            f'aria-label="{_esc(label)}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">']


def _y_grid(frame: _Frame, ticks: Sequence[float], fmt: Callable[[float], str]) -> List[str]:
    out = []
    for v in ticks:
        y = frame.py(v)
        out.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{_GRID}" stroke-width="1"/>')
        out.append(f'<text x="{frame.left - 8}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_esc(fmt(v))}</text>')
    return out


def _x_time_axis(frame: _Frame) -> List[str]:
    out = []
    for v in nice_ticks(frame.x0, frame.x1, 10):
        x = frame.px(v)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.plot_bottom}" y2="{frame.plot_bottom + 4}" '
                   f'stroke="{_AXIS}"/>')
        out.append(f'<text x="{x:.1f}" y="{frame.plot_bottom + 17}" text-anchor="middle" class="tick">'
                   f'{_esc(fmt_clock(v))}</text>')
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
                   f'height="{frame.plot_bottom - frame.plot_top:.1f}" fill="{fill}"><title>{_esc(tip)}</title></rect>')
        if math.isfinite(r.t_bottom_s):
            xb = frame.px(r.t_bottom_s)
            out.append(f'<line x1="{xb:.1f}" x2="{xb:.1f}" y1="{frame.plot_top}" y2="{frame.plot_bottom}" '
                       f'stroke="{_GOOD if r.full else _AXIS}" stroke-opacity="0.35" stroke-dasharray="2 3"/>')
        label = str(r.index) if r.full else "×"
        out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{frame.plot_top - 8}" text-anchor="middle" '
                   f'class="rep-label{"" if r.full else " norep"}">{_esc(label)}</text>')
    return out


def _reference(frame: _Frame, value: Optional[float], label: str) -> List[str]:
    if value is None or not (min(frame.y0, frame.y1) <= value <= max(frame.y0, frame.y1)):
        return []
    y = frame.py(value)
    return [f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_FAIR}" stroke-width="1.2" stroke-dasharray="6 4"/>',
            f'<text x="{frame.width - frame.right - 4}" y="{y - 5:.1f}" text-anchor="end" class="ref">'
            f'{_esc(label)}</text>']


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
                   f'fill-opacity="0.9" stroke="#fff" stroke-width="1.5"/><title>{_esc(tip)}</title></g>')
        out.append(f'<text x="{cx:.1f}" y="{cy + 18:.1f}" text-anchor="middle" class="fault-text">'
                   f'{_esc(", ".join(fault_label(f.name) for f in faults))}</text>')
    return out


def _empty_svg(frame: _Frame, label: str, message: str) -> str:
    parts = _svg_open(frame, label, "plot")
    parts.append(f'<text x="{frame.width / 2}" y="{frame.height / 2}" text-anchor="middle" class="empty">'
                 f'{_esc(message)}</text></svg>')
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
                         f'<title>{_esc(f"Rep {label}: {value:.2f} s {name}")}</title></rect>')
        parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                     f'{_esc(label)}</text>')
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
                     f'height="{frame.plot_bottom - y:.1f}" rx="2" fill="{colour}"><title>{_esc(tip)}</title></rect>')
        if slot >= 16:
            parts.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="bar-value">{r.score}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                     f'{_esc(label)}</text>')
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
                   f'<text x="{x + 14}" y="15" class="tick" text-anchor="start">{_esc(label)}</text>')
        x -= 10
    return "".join(out)


def score_colour(score: float, good: int, fair: int) -> str:
    return _GOOD if score >= good else _FAIR if score >= fair else _POOR


# --------------------------------------------------------------------------- page pieces

_CSS = """
:root { --text:#1f2933; --muted:#6b7785; --line:#e4e7ec; --bg:#f5f7fa; --card:#fff;
        --good:#1f9d55; --fair:#d98b00; --poor:#d64545; --accent:#2b6cb0; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text);
       font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 48px; }
header.hero { background: linear-gradient(135deg, #1e3a5f, #2b6cb0); color:#fff; border-radius: 14px;
              padding: 24px 28px; margin-bottom: 20px; }
header.hero h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header.hero .sub { opacity: .85; font-size: 14px; }
.tiles { display:grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; margin-top: 18px; }
.tile { background: rgba(255,255,255,.12); border-radius: 10px; padding: 10px 14px; }
.tile .v { font-size: 26px; font-weight: 700; line-height: 1.2; }
.tile .k { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; opacity: .8; }
.badge { display:inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 600; }
.badge.correct { background:#e3f6ea; color:#1b7a43; } .badge.incorrect { background:#fde8e8; color:#b02a2a; }
.badge.interrupted, .badge.running { background:#fff4db; color:#8a5a00; }
section.card { background: var(--card); border:1px solid var(--line); border-radius: 12px; padding: 18px 22px;
               margin-bottom: 18px; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
section.card h2 { margin: 0 0 4px; font-size: 18px; }
section.card p.note { margin: 0 0 10px; color: var(--muted); font-size: 13px; }
.banner { background:#fff4db; border:1px solid #f3d48b; color:#6b4a00; border-radius:10px; padding:10px 14px;
          margin-bottom:18px; }
svg.plot { width: 100%; height: auto; display:block; }
svg .tick { font-size: 11px; fill: #6b7785; }
svg .ref, svg .fault-text, svg .bar-value { paint-order: stroke; stroke: #fff; stroke-width: 3px;
  stroke-linejoin: round; }
svg .ref { font-size: 11px; fill: #a76a00; }
svg .rep-label { font-size: 11px; fill: #1b7a43; font-weight: 600; } svg .rep-label.norep { fill:#718096; }
svg .fault-text { font-size: 10px; fill: #b02a2a; } svg .bar-value { font-size: 10px; fill:#4a5568; }
svg .empty { font-size: 14px; fill: #8a94a6; }
.advice { list-style:none; padding:0; margin:0; }
.advice li { border-left: 4px solid var(--poor); background:#fdf6f6; padding: 10px 14px; border-radius: 0 8px 8px 0;
             margin-bottom: 10px; }
.advice li.some { border-left-color: var(--fair); background:#fffaf0; }
.advice li.clean { border-left-color: var(--good); background:#f0faf4; }
.advice .what { font-weight: 650; } .advice .share { color: var(--muted); font-size: 13px; margin-left: 6px; }
table.reps { width:100%; border-collapse: collapse; font-size: 14px; }
table.reps th { text-align:left; font-size:12px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted);
                border-bottom: 2px solid var(--line); padding: 6px 8px; }
table.reps td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: middle; }
table.reps td.num { text-align:right; font-variant-numeric: tabular-nums; }
table.reps tr.norep td { color: var(--muted); background: #fafbfc; }
.chip { display:inline-block; background:#fde8e8; color:#a12626; border-radius: 6px; padding: 0 7px; margin: 1px 2px;
        font-size: 12px; }
.chip.ok { background:#e3f6ea; color:#1b7a43; }
.pill { display:inline-block; min-width: 38px; text-align:center; color:#fff; border-radius: 999px; font-weight:650;
        font-size: 13px; padding: 1px 8px; }
.frames { display:grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 14px; }
figure.frame { margin:0; background:#0f1722; border-radius: 10px; overflow:hidden; }
figure.frame img { width:100%; display:block; }
figure.frame figcaption { color:#e2e8f0; font-size: 13px; padding: 8px 12px; }
figure.frame .tag { font-weight:700; text-transform: uppercase; font-size: 11px; letter-spacing:.06em; }
figure.frame .tag.best { color:#68d391; } figure.frame .tag.worst { color:#fc8181; }
ul.cues { columns: 2; padding-left: 18px; margin: 0; font-size: 14px; }
ul.cues li { margin-bottom: 3px; } ul.cues .t { color: var(--muted); font-variant-numeric: tabular-nums; }
footer { color: var(--muted); font-size: 12px; text-align:center; margin-top: 26px; }
.grid2 { display:grid; grid-template-columns: 1fr 1fr; gap: 18px; }
@media (max-width: 820px) { .grid2 { grid-template-columns: 1fr; } ul.cues { columns: 1; } }
@media print { body { background:#fff; } section.card { break-inside: avoid; box-shadow:none; } }
"""


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body><main>{body}</main></body></html>\n")


def _tile(value: str, key: str) -> str:
    return f'<div class="tile"><div class="v">{value}</div><div class="k">{_esc(key)}</div></div>'


def _date(dt: datetime) -> str:
    return dt.strftime("%a %d %b %Y, %H:%M")


def _jpeg_uri(data: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _frame_card(rep: StoredRep, tag: str) -> str:
    r = rep.record
    what = f"Rep {r.index}" if r.full else "No-rep"
    faults = ", ".join(fault_label(f.name) for f in r.faults) or "clean"
    when = fmt_clock(rep.bottom_t_s if rep.bottom_t_s is not None else r.t_bottom_s)
    return (f'<figure class="frame"><img alt="{_esc(what)} at the bottom" src="{_jpeg_uri(rep.bottom_jpeg)}">'
            f'<figcaption><span class="tag {tag}">{tag}</span> · {_esc(what)} · score {r.score} · '
            f'{_esc(faults)} · at {_esc(when)}</figcaption></figure>')


def pick_frames(reps: Sequence[StoredRep], best: int, worst: int) -> Tuple[List[StoredRep], List[StoredRep]]:
    """The best counted reps and the worst rep cycles that have a picture.

    A "worst" cycle must be worse than the best one (a lower score or a fault), so a clean
    set shows its best rep only, never the same good form labelled "worst".
    """
    pictured = [r for r in reps if r.bottom_jpeg]
    best_list = sorted((r for r in pictured if r.record.full),
                       key=lambda r: (-r.record.score, len(r.record.faults), r.seq))[:best]
    chosen = {r.seq for r in best_list}
    top = best_list[0].record.score if best_list else None
    rest = [r for r in pictured if r.seq not in chosen
            and (top is None or r.record.score < top or r.record.faults or not r.record.full)]
    worst_list = sorted(rest, key=lambda r: (r.record.score, -len(r.record.faults), r.seq))[:worst]
    return best_list, worst_list


def render_session_html(data: SessionData, summary: Any, config: Any) -> str:
    """The report of one session as a self-contained HTML page.

    ``summary`` is :class:`livecoach.history.review.SessionSummary`; ``config`` the current
    :class:`~livecoach.config.schema.Config` (for colours' score bands and the number of pictures).
    """
    info = data.info
    sess = config.session
    title = f"Push-ups · {_date(info.started_at)}"
    verdict = info.verdict if info.status == "finished" and info.verdict else info.status
    if not data.reps and info.status == "finished":
        verdict = "nothing"  # no rep cycle: no form to judge
    badge_class = verdict if verdict in ("correct", "incorrect") else "interrupted"
    verdict_text = {"correct": "good form", "incorrect": "form needs work", "interrupted": "interrupted",
                    "running": "still running", "nothing": "no push-ups seen"}.get(verdict, verdict)
    tiles = [
        _tile(str(summary.reps), "reps"),
        _tile(str(summary.no_reps), "no-reps"),
        _tile(fmt_num(summary.mean_score, 0), "mean score"),
        _tile(fmt_num(summary.mean_depth, 2), "avg depth"),
        _tile(f"{fmt_num(summary.mean_down_s, 1)} / {fmt_num(summary.mean_up_s, 1)} s", "avg down / up"),
        _tile(_esc(fmt_clock(info.duration_s)), "duration"),
    ]
    body = [f'<header class="hero"><h1>{_esc(title)}</h1><div class="sub">Session #{info.id} · '
            f'{_esc(info.mode)} · {_esc(info.source)} · {_esc(info.variant)} push-ups · '
            f'<span class="badge {badge_class}">{_esc(verdict_text)}</span></div>'
            f'<div class="tiles">{"".join(tiles)}</div></header>']
    if info.status == "interrupted":
        body.append('<div class="banner">This session ended without saying goodbye (the app was closed or '
                    'crashed). Every rep completed before that is here; the totals are counted from them.</div>')

    # Advice first: it is what a person acts on.
    items = []
    for item in summary.advice:
        kind = "clean" if item.fault is None else ("most" if item.most else "some")
        share = "" if item.fault is None else f'<span class="share">{item.count} of {item.judged} cycles</span>'
        if item.fault is not None:
            what = fault_label(item.fault).capitalize()
        else:
            what = "Well done" if summary.reps else ("Nothing counted" if summary.no_reps else "Nothing seen")
        items.append(f'<li class="{kind}"><span class="what">{_esc(what)}</span>{share}<br>{_esc(item.text)}</li>')
    body.append('<section class="card advice-card"><h2>Coach\'s advice</h2>'
                '<p class="note">From trainers\' guidance, for your most frequent faults.</p>'
                f'<ul class="advice">{"".join(items) or "<li class=clean>No rep cycles to judge.</li>"}</ul>'
                + (f'<p class="note">Not judged from this camera view: '
                   f'{_esc(", ".join(fault_label(n) for n in summary.not_judged))}.</p>' if summary.not_judged else '')
                + '</section>')

    body.append('<section class="card"><h2>Elbow angle</h2><p class="note">Green bands are counted reps (number '
                'on top), grey bands no-reps (×); red dots mark faults at the bottom of the rep.</p>'
                f'{elbow_plot(data)}</section>')
    body.append('<section class="card"><h2>Body line</h2><p class="note">Hips relative to the shoulder–ankle line, '
                'as a share of body length: below the line is a sagging back, above is piking.</p>'
                f'{body_line_plot(data)}</section>')
    body.append('<div class="grid2">'
                f'<section class="card"><h2>Tempo per rep</h2><p class="note">Seconds lowering and pushing up.</p>'
                f'{tempo_plot(data, width=520, height=240)}</section>'
                f'<section class="card"><h2>Score per rep</h2><p class="note">100 = no fault.</p>'
                f'{score_plot(data, sess.good_score, sess.fair_score, width=520, height=240)}</section></div>')

    best, worst = pick_frames(data.reps, sess.report_best_reps, sess.report_worst_reps)
    if best or worst:
        cards = [_frame_card(r, "best") for r in best] + [_frame_card(r, "worst") for r in worst]
        body.append('<section class="card"><h2>You at the bottom</h2><p class="note">Your own frame at the deepest '
                    'point of the rep; joints of a fault in red.</p>'
                    f'<div class="frames">{"".join(cards)}</div></section>')
    elif info.save_frames == "off":
        body.append('<section class="card"><h2>You at the bottom</h2><p class="note">No pictures: this session was '
                    'recorded with --save-frames off.</p></section>')

    body.append(f'<section class="card"><h2>Every rep</h2>{_rep_table(data.reps, sess.good_score, sess.fair_score)}'
                '</section>')
    if data.cues:
        cues = "".join(f'<li><span class="t">{_esc(fmt_clock(c.t_s))}</span> “{_esc(c.text)}”</li>' for c in data.cues)
        body.append(f'<section class="card"><h2>What the coach said</h2><ul class="cues">{cues}</ul></section>')
    end = info.end_reason.replace("_", " ")
    body.append(f'<footer>LiveCoach {_esc(info.app_version or "")} · session #{info.id} · ended: {_esc(end)} · '
                f'{len(data.series)} frames of features · '
                f'{("%.1f fps" % info.fps) if info.fps else ""}</footer>')
    return _page(title, "".join(body))


def _rep_table(reps: Sequence[StoredRep], good: int, fair: int) -> str:
    if not reps:
        return '<p class="note">No rep cycles were recorded.</p>'
    rows = []
    for rep in reps:
        r = rep.record
        chips = "".join(f'<span class="chip">{_esc(fault_label(f.name))}</span>' for f in r.faults)
        if not chips:
            chips = '<span class="chip ok">clean</span>' if r.full else ""
        result = f"rep {r.index}" if r.full else f"no-rep: {_esc(r.no_rep_reason or 'not counted')}"
        colour = score_colour(r.score, good, fair) if r.full else "#a0aec0"
        rows.append(f'<tr class="{"rep" if r.full else "norep"}"><td>{result}</td>'
                    f'<td class="num">{_esc(fmt_clock(r.t_bottom_s))}</td>'
                    f'<td class="num">{fmt_num(r.depth_frac, 2)}</td>'
                    f'<td class="num">{fmt_num(r.min_elbow_angle_deg, 0, "°")}</td>'
                    f'<td class="num">{fmt_num(r.seconds_down, 1, " s")}</td>'
                    f'<td class="num">{fmt_num(r.seconds_up, 1, " s")}</td>'
                    f'<td>{chips}</td>'
                    f'<td class="num"><span class="pill" style="background:{colour}">{r.score}</span></td></tr>')
    return ('<table class="reps"><thead><tr><th>Rep</th><th>Bottom at</th><th>Depth</th><th>Elbow</th>'
            '<th>Down</th><th>Up</th><th>Faults</th><th>Score</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


# --------------------------------------------------------------------------- history

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
                     f'<title>{_esc(f"{w.label}: {w.reps} reps in {w.sessions} sessions")}</title></rect>')
        if w.no_reps:
            y2 = frame.py(w.reps + w.no_reps)
            parts.append(f'<rect x="{cx - bar / 2:.1f}" y="{y2:.1f}" width="{bar:.1f}" height="{y - y2:.1f}" rx="3" '
                         f'fill="#cbd5e0"><title>{_esc(f"{w.no_reps} no-reps")}</title></rect>')
        parts.append(f'<text x="{cx:.1f}" y="{frame.plot_bottom + 16}" text-anchor="middle" class="tick">'
                     f'{_esc(w.label)}</text>')
        if w.mean_score is not None:
            sy = frame.plot_bottom - w.mean_score / 100.0 * (frame.plot_bottom - frame.plot_top)
            points.append((cx, sy, w))
    if points:
        d = " ".join(f'{"M" if i == 0 else "L"}{x:.1f} {y:.1f}' for i, (x, y, _w) in enumerate(points))
        parts.append(f'<path class="series" d="{d}" fill="none" stroke="{_GOOD}" stroke-width="2.5"/>')
        for x, y, w in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{_GOOD}" stroke="#fff" stroke-width="1.5">'
                         f'<title>{_esc(f"{w.label}: mean score {w.mean_score:.0f}")}</title></circle>'
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


def render_history_html(sessions: Sequence[SessionInfo], weeks: Sequence[Any], fault_counts: Dict[int, Dict[str, int]],
                        trend_text: Sequence[str], config: Any, period: str) -> str:
    """The history across sessions: trend plot per week, weekly table, every session."""
    sess = config.session
    total_reps = sum(s.reps for s in sessions)
    scores = [(s.mean_score, s.reps) for s in sessions if s.mean_score is not None and s.reps]
    mean = sum(m * n for m, n in scores) / sum(n for _m, n in scores) if scores else None
    tiles = [_tile(str(len(sessions)), "sessions"), _tile(str(total_reps), "reps"),
             _tile(fmt_num(mean, 0), "mean score"), _tile(str(len(weeks)), "weeks")]
    body = [f'<header class="hero"><h1>Your push-up history</h1><div class="sub">{_esc(period)}</div>'
            f'<div class="tiles">{"".join(tiles)}</div></header>']
    if trend_text:
        body.append('<section class="card"><h2>Trend</h2><ul class="advice">' +
                    "".join(f'<li class="clean">{_esc(t)}</li>' for t in trend_text) + '</ul></section>')
    body.append(f'<section class="card"><h2>Reps and score per week</h2>{trend_plot(weeks)}</section>')
    wrows = "".join(
        f'<tr><td>{_esc(w.label)}</td><td class="num">{w.sessions}</td><td class="num">{w.reps}</td>'
        f'<td class="num">{w.no_reps}</td><td class="num">{fmt_num(w.mean_score, 0)}</td>'
        f'<td>{_esc(fault_label(w.top_fault)) if w.top_fault else "—"}</td></tr>' for w in weeks)
    body.append('<section class="card"><h2>By week</h2><table class="reps"><thead><tr><th>Week</th><th>Sessions</th>'
                '<th>Reps</th><th>No-reps</th><th>Mean score</th><th>Most common fault</th></tr></thead>'
                f'<tbody>{wrows}</tbody></table></section>')
    srows = []
    for s in sessions:
        colour = score_colour(s.mean_score, sess.good_score, sess.fair_score) if s.mean_score is not None else "#a0aec0"
        status = s.verdict if s.status == "finished" and s.verdict else s.status
        srows.append(f'<tr><td class="num">#{s.id}</td><td>{_esc(_date(s.started_at))}</td>'
                     f'<td>{_esc(_short_source(s.source))}</td><td class="num">{s.reps}</td>'
                     f'<td class="num">{s.no_reps}</td><td class="num"><span class="pill" style="background:{colour}">'
                     f'{fmt_num(s.mean_score, 0)}</span></td>'
                     f'<td>{_esc(fault_label(s.top_fault)) if s.top_fault else "—"}</td><td>{_esc(status)}</td></tr>')
    body.append('<section class="card"><h2>Sessions</h2><table class="reps"><thead><tr><th>#</th><th>Date</th>'
                '<th>Source</th><th>Reps</th><th>No-reps</th><th>Score</th><th>Top fault</th><th>Form</th></tr>'
                f'</thead><tbody>{"".join(srows)}</tbody></table></section>')
    body.append('<footer>LiveCoach history · `livecoach summary N` re-renders the report of session N</footer>')
    return _page("LiveCoach history", "".join(body))


def _short_source(source: str) -> str:
    return source if len(source) <= 48 else "…" + source[-47:]
