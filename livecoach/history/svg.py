"""SVG primitives for the report's plots, written by hand (no plotting library, no external
resource): a data-to-pixel frame, ticks, grid, a clock time axis, polylines that stay
readable at any length (gaps lift the pen; more points than pixels become an envelope),
reference lines and legends."""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.history.summary import fmt_clock

# Presentation only (colours, sizes); coaching thresholds come from the session's config.
GOOD = "#1f9d55"
FAIR = "#d98b00"
POOR = "#d64545"
REP_BAND = "rgba(31,157,85,0.09)"
NOREP_BAND = "rgba(120,120,120,0.13)"
LINE = "#2b6cb0"
LINE2 = "#0f9b8e"
GRID = "#e6e9ef"
AXIS = "#8a94a6"
TEXT = "#2d3748"


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


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
class Frame:
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


def svg_open(frame: Frame, label: str, css_class: str) -> List[str]:
    return [f'<svg class="{css_class}" viewBox="0 0 {frame.width} {frame.height}" role="img" '
            f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">']


def y_grid(frame: Frame, ticks: Sequence[float], fmt: Callable[[float], str]) -> List[str]:
    out = []
    for v in ticks:
        y = frame.py(v)
        out.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{frame.left - 8}" y="{y + 4:.1f}" text-anchor="end" class="tick">{esc(fmt(v))}</text>')
    return out


#: Steps of a time axis, seconds: whole clock values only (labels are m:ss, so a half-second step
#: labelled a 3-s clip "0:00 0:00 0:01 0:02 0:02 0:02").
_TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def time_ticks(lo: float, hi: float, count: int = 10) -> List[float]:
    """Tick times (s) covering [lo, hi] at a clock-friendly step (1 s ... 10 min ...)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, count)
    step = next((s for s in _TIME_STEPS if s >= raw), _TIME_STEPS[-1])
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 6) for k in range(int((hi - first) / step + 1e-9) + 1)]


def x_time_axis(frame: Frame) -> List[str]:
    out = []
    for v in time_ticks(frame.x0, frame.x1, 10):
        x = frame.px(v)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.plot_bottom}" y2="{frame.plot_bottom + 4}" '
                   f'stroke="{AXIS}"/>')
        out.append(f'<text x="{x:.1f}" y="{frame.plot_bottom + 17}" text-anchor="middle" class="tick">'
                   f'{esc(fmt_clock(v))}</text>')
    out.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.plot_bottom}" '
               f'y2="{frame.plot_bottom}" stroke="{AXIS}"/>')
    return out


def segments(t: np.ndarray, y: np.ndarray,
             max_gap_s: Optional[float] = None) -> List[Tuple[np.ndarray, np.ndarray]]:
    """The runs of finite points, split where a value is missing (no pose) or where time jumps
    by more than ``max_gap_s`` (default: 3 frame intervals, at least 0.5 s)."""
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(t) & np.isfinite(y)
    if max_gap_s is None:
        dt = np.diff(t[np.isfinite(t)])
        dt = dt[dt > 0]
        max_gap_s = max(0.5, 3.0 * float(np.median(dt))) if len(dt) else math.inf
    out = []
    start = None
    for i in range(len(t) + 1):
        end_run = i == len(t) or not ok[i] or (start is not None and t[i] - t[i - 1] > max_gap_s)
        if end_run and start is not None:
            out.append((t[start:i], y[start:i]))
            start = None
        if i < len(t) and ok[i] and start is None:
            start = i
    return out


def polyline_path(frame: Frame, t: np.ndarray, y: np.ndarray, max_gap_s: Optional[float] = None) -> str:
    """An SVG path through the finite points; a gap (no value, or a jump in time) lifts the
    pen. More points than pixel columns are reduced to each column's min and max, so a long
    session draws the same envelope as every frame would, in a small file."""
    parts: List[str] = []
    lo, hi = min(frame.y0, frame.y1), max(frame.y0, frame.y1)
    for ts, ys in segments(t, y, max_gap_s):
        xs = np.array([frame.px(v) for v in ts])
        if len(xs) > 2 * max(1, frame.width - frame.left - frame.right):
            cols = np.floor(xs).astype(int)
            starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
            xs_out, ys_out = [], []
            for a, b in zip(starts, np.r_[starts[1:], len(cols)]):
                chunk = ys[a:b]
                for k in sorted({int(np.argmin(chunk)), int(np.argmax(chunk))}):
                    xs_out.append(xs[a + k])
                    ys_out.append(chunk[k])
            xs, ys = np.array(xs_out), np.array(ys_out)
        for k, (xv, yv) in enumerate(zip(xs, ys)):
            yv = min(max(float(yv), lo), hi)
            parts.append(f'{"L" if k else "M"}{xv:.1f} {frame.py(yv):.1f}')
    return " ".join(parts)


#: A box on a plot, in pixels: x0, y0, x1, y1 (y down).
Box = Tuple[float, float, float, float]

#: A reference label (class "ref", 11 px type): about this many pixels a character at most, its
#: extent above and below the baseline, and the room kept clear around it.
REF_CHAR_PX = 6.5
REF_ASCENT_PX = 10.0
REF_DESCENT_PX = 3.0
_REF_PAD_PX = 2.0


def _in_plot(frame: Frame, value: Optional[float]) -> bool:
    return value is not None and min(frame.y0, frame.y1) <= value <= max(frame.y0, frame.y1)


def _reference_line(frame: Frame, y: float) -> str:
    return (f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{FAIR}" stroke-width="1.2" stroke-dasharray="6 4"/>')


def reference(frame: Frame, value: Optional[float], label: str, in_margin: bool = False) -> List[str]:
    """A dashed threshold line; its label above the line's right end, or (``in_margin``) in
    the right margin, where no bar or dot can cover it (:func:`references` places labels clear
    of the data inside the plot)."""
    if not _in_plot(frame, value):
        return []
    y = frame.py(value)  # type: ignore[arg-type]
    text = (f'<text x="{frame.width - frame.right + 6}" y="{y + 4:.1f}" text-anchor="start" class="ref">'
            if in_margin else
            f'<text x="{frame.width - frame.right - 4}" y="{y - 5:.1f}" text-anchor="end" class="ref">')
    return [_reference_line(frame, y), f'{text}{esc(label)}</text>']


def label_box(x: float, baseline: float, text: str, anchor: str, char_px: float = REF_CHAR_PX) -> Box:
    """The box a reference label of ``text`` takes, drawn at ``x`` (its ``anchor``: start, end)."""
    width = char_px * len(text)
    x0 = x - width if anchor == "end" else x
    return x0, baseline - REF_ASCENT_PX, x0 + width, baseline + REF_DESCENT_PX


def boxes_meet(a: Box, b: Box) -> bool:
    """Whether two boxes overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_spots(frame: Frame, y: float, text: str) -> List[Tuple[float, float, str]]:
    """Where a reference label may go along its line at ``y``: (x, baseline, anchor), the right end
    first, then the left end, then along the line from right to left; above the line, then below."""
    width = REF_CHAR_PX * len(text)
    right, left = frame.width - frame.right - 4, frame.left + 4
    xs = [(right, "end"), (left, "start")]
    x = right - width / 2
    while x - width >= left:
        xs.append((x, "end"))
        x -= width / 2
    return [(xv, base, anchor) for xv, anchor in xs for base in (y - 5, y + 5 + REF_ASCENT_PX)
            if frame.plot_top <= base - REF_ASCENT_PX and base + REF_DESCENT_PX <= frame.plot_bottom]


def references(frame: Frame, lines: Sequence[Tuple[Optional[float], str]],
               avoid: Sequence[Box] = ()) -> Tuple[List[str], List[str]]:
    """Dashed threshold lines (value, label) and their labels, apart: the lines go under the data,
    the labels over it, each where its box meets none of ``avoid`` (the plot's dots and texts) nor
    a label placed before -- at the line's right end where it is free, else its left end, else
    the first free place along it (above the line, then below). Where no place is free the label
    stays at the right end. Returns (lines, labels) as SVG elements."""
    out_lines: List[str] = []
    out_labels: List[str] = []
    taken = list(avoid)
    for value, label in lines:
        if not _in_plot(frame, value):
            continue
        y = frame.py(value)  # type: ignore[arg-type]
        out_lines.append(_reference_line(frame, y))
        spots = _label_spots(frame, y, label) or [(frame.width - frame.right - 4, y - 5, "end")]
        padded = [(b[0] - _REF_PAD_PX, b[1] - _REF_PAD_PX, b[2] + _REF_PAD_PX, b[3] + _REF_PAD_PX) for b in taken]
        x, base, anchor = next((spot for spot in spots
                                if not any(boxes_meet(label_box(spot[0], spot[1], label, spot[2]), b) for b in padded)),
                               spots[0])
        taken.append(label_box(x, base, label, anchor))
        out_labels.append(f'<text x="{x:.1f}" y="{base:.1f}" text-anchor="{anchor}" class="ref">{esc(label)}</text>')
    return out_lines, out_labels


def empty_svg(frame: Frame, label: str, message: str) -> str:
    parts = svg_open(frame, label, "plot")
    parts.append(f'<text x="{frame.width / 2}" y="{frame.height / 2}" text-anchor="middle" class="empty">'
                 f'{esc(message)}</text></svg>')
    return "".join(parts)


def legend(frame: Frame, items: Sequence[Tuple[str, str]]) -> str:
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
    return GOOD if score >= good else FAIR if score >= fair else POOR
