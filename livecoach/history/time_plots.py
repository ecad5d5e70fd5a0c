"""The report's plots over time, written by hand as SVG: the elbow angle (or, filmed from the front
or above where the elbow angle does not read true, the depth) and the body line, with rep bands
and fault marks; and the time helpers the per-rep plots share (:mod:`livecoach.history.plots`)."""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.history.data import SessionData, StoredRep
from livecoach.history.summary import fault_label
from livecoach.history.svg import (AXIS, GOOD, LINE, LINE2, NOREP_BAND, POOR, REP_BAND, Box, Frame, empty_svg, esc,
                                   nice_ticks, polyline_path, references, svg_open, x_time_axis, y_grid)
from livecoach.types import DEPTH_BY_DROP, DEPTH_BY_ELBOWS
from livecoach.wording import counted

#: Faults marked on the body-line plot; all others go on the elbow-angle plot.
_BODY_FAULTS = ("hip_sag", "hip_pike", "knees_bent")


def config_number(config: Dict[str, Any], *keys: str) -> Optional[float]:
    """The number at ``keys`` in a session's stored config (None where it is missing or not a number)."""
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
DENSE_PX = 10.0
#: ...and below this, fault marks carry no text (the dot's tooltip names the faults).
_TEXT_PX = 56.0
#: A fault mark's text (10 px type): about this many pixels a character, for keeping labels apart.
_FAULT_CHAR_PX = 6.0
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


def px_per_cycle(frame: Frame, reps: Sequence[StoredRep]) -> float:
    """Pixels of the plot's width per rep cycle."""
    return (frame.width - frame.left - frame.right) / max(1, len(reps))


def _rep_bands(frame: Frame, reps: Sequence[StoredRep]) -> List[str]:
    """One band per rep cycle, labelled where there is room; sets when the cycles are too many."""
    if px_per_cycle(frame, reps) < DENSE_PX:
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
    return (width - 58 - 18) / max(1, len(data.reps)) < DENSE_PX


def _rep_bottoms_path(frame: Frame, reps: Sequence[StoredRep], value: Callable[[Any], float]) -> str:
    """Each counted rep's ``value`` at its bottom (its deepest elbow angle, or its depth), joined
    within a set."""
    parts = []
    for members in session_sets(reps):
        points = [(r.record.t_bottom_s, value(r.record)) for r in members
                  if r.record.full and math.isfinite(r.record.t_bottom_s) and math.isfinite(value(r.record))]
        lo, hi = min(frame.y0, frame.y1), max(frame.y0, frame.y1)
        parts += [f'{"L" if k else "M"}{frame.px(t):.1f} {frame.py(min(max(v, lo), hi)):.1f}'
                  for k, (t, v) in enumerate(points)]
    return " ".join(parts)


def _fault_marks(frame: Frame, reps: Sequence[StoredRep], names: Callable[[str], bool],
                 t: np.ndarray, y: np.ndarray) -> Tuple[List[str], List[Box]]:
    """The fault marks (a dot at the rep's bottom on the trace, its faults' text under it where
    there is room) and the boxes they cover, for the reference labels to keep clear of."""
    out = []
    boxes: List[Box] = []
    finite = np.isfinite(t) & np.isfinite(y)
    tt, yy = t[finite], y[finite]
    room = px_per_cycle(frame, reps)
    radius = 6 if room >= DENSE_PX else 3.5
    text_end = -math.inf  # right end of the last fault text placed: texts never overlap
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
        edge = radius + 0.75  # the white outline's half
        boxes.append((cx - edge, cy - edge, cx + edge, cy + edge))
        if room >= _TEXT_PX:
            placed = _place_fault_text(frame, cx, text_end, [fault_label(f.name) for f in faults])
            if placed is not None:
                x, text = placed
                text_end = x + _FAULT_CHAR_PX * len(text) / 2
                out.append(f'<text x="{x:.1f}" y="{cy + 18:.1f}" text-anchor="middle" class="fault-text">'
                           f'{esc(text)}</text>')
                boxes.append((x - _FAULT_CHAR_PX * len(text) / 2, cy + 18 - 8, text_end, cy + 18 + 3))
    return out, boxes


def _place_fault_text(frame: Frame, cx: float, after: float, labels: Sequence[str]) -> Optional[Tuple[float, str]]:
    """Where a fault mark's text goes (its centre, inside the plot) and what it says: all its
    faults, else the first and how many more (\"shallow +3\"); None where neither fits right of
    ``after`` (the last text's end): the dot's tooltip still names them."""
    lo, hi = frame.left, frame.width - frame.right
    for text in (", ".join(labels), f"{labels[0]} +{len(labels) - 1}" if len(labels) > 1 else None):
        if text is None:
            continue
        half = _FAULT_CHAR_PX * len(text) / 2
        x = min(max(cx, lo + half), hi - half)
        if x - half >= after + _FAULT_CHAR_PX and abs(x - cx) <= half:
            return x, text
    return None


def elbow_angle_read(data: SessionData) -> bool:
    """Whether the session's elbow angle was read on most of the frames whose depth was (or nothing
    was measured at all: the elbow plot then says so). It is kept only from the views it reads
    true from (``[view] elbow_angle_views``: side-on or at an angle, not from the front or above),
    so a session filmed head-on has none, or a few frames where the view wavered, and the report
    plots its depth instead."""
    s = data.series
    depths = int(np.isfinite(s.depth_frac).sum())
    return depths == 0 or 2 * int(np.isfinite(s.elbow_angle_deg).sum()) > depths


def depth_judged_by_elbows(reps: Sequence[StoredRep]) -> bool:
    """Whether most of the reps whose depth was judged were judged by the bend of the elbows (an
    exercise on a support: incline, wall). Elsewhere depth is the shoulders' drop, and an elbow
    line marked "deep enough" would contradict a rep past it that was not deep enough (side-on,
    kaiakol's shallow rep bends the elbows to 92 degrees)."""
    judged = [r.record.depth_by for r in reps if r.record.depth_by in (DEPTH_BY_DROP, DEPTH_BY_ELBOWS)]
    return 2 * judged.count(DEPTH_BY_ELBOWS) > len(judged)


def elbow_plot(data: SessionData, width: int = 1040, height: int = 250) -> str:
    """Elbow angle over time with rep bands, bottoms and arm/head fault marks."""
    s = data.series
    t, y = s.t_s, s.elbow_angle_deg
    if not np.isfinite(y).any():
        return empty_svg(Frame(0, 1, 0, 1, width, height), "Elbow angle", "no elbow angle was measured")
    t0, t1 = time_range(data)
    lo = min(40.0, float(np.nanmin(y)) - 5)
    frame = Frame(t0, t1, max(0.0, lo), 185.0, width, height)
    parts = svg_open(frame, "Elbow angle over time", "plot elbow-plot")
    parts += _rep_bands(frame, data.reps)
    parts += y_grid(frame, nice_ticks(frame.y0, frame.y1, 5), lambda v: f"{v:.0f}°")
    deep = config_number(data.config, "faults", "shallow", "max_bottom_elbow_deg")
    lockout = config_number(data.config, "faults", "no_lockout", "min_top_elbow_deg")
    refs = ([(deep, "deep enough below this")] if depth_judged_by_elbows(data.reps) else []) \
        + [(lockout, "lockout above this")]
    return _trace(frame, data, t, y, lambda r: r.min_elbow_angle_deg, parts, refs)


def depth_plot(data: SessionData, width: int = 1040, height: int = 250) -> str:
    """How far down each frame was (0 = the top, 1 = the person's own full depth, drawn downward)
    with rep bands, bottoms and arm/head fault marks: the elbow plot's stand-in for a session whose
    elbow angle was not read (:func:`elbow_angle_read`)."""
    s = data.series
    t, y = s.t_s, s.depth_frac
    if not np.isfinite(y).any():
        return empty_svg(Frame(0, 1, 0, 1, width, height), "Depth", "no depth was measured")
    t0, t1 = time_range(data)
    deepest = max(1.2, min(2.0, float(np.nanpercentile(y, 99)) + 0.1))
    frame = Frame(t0, t1, deepest, min(0.0, float(np.nanmin(y))), width, height)  # deeper is lower
    parts = svg_open(frame, "Depth over time", "plot depth-plot")
    parts += _rep_bands(frame, data.reps)
    parts += y_grid(frame, [0.0, 0.5, 1.0], lambda v: {0.0: "top", 1.0: "bottom"}.get(v, f"{v:g}"))
    return _trace(frame, data, t, y, lambda r: r.depth_frac, parts)


def _trace(frame: Frame, data: SessionData, t: np.ndarray, y: np.ndarray, at_bottom: Callable[[Any], float],
           parts: List[str], refs: Sequence[Tuple[Optional[float], str]] = ()) -> str:
    """The time axis, the reference lines ``refs`` (value, label), the series (faint, with each
    rep's ``at_bottom`` value joined, when the reps are too many to follow), the arm/head fault
    marks and the reference labels clear of them, after ``parts``; the closed SVG."""
    marks, covered = _fault_marks(frame, data.reps, lambda n: n not in _BODY_FAULTS, t, y)
    lines, labels = references(frame, refs, avoid=covered)
    parts += lines
    parts += x_time_axis(frame)
    if px_per_cycle(frame, data.reps) < DENSE_PX:
        # Too many reps to follow the trace: keep it faint, and join each rep's bottom.
        parts.append(f'<path class="series" d="{polyline_path(frame, t, y)}" fill="none" stroke="{LINE}" '
                     f'stroke-opacity="0.22" stroke-width="1"/>')
        parts.append(f'<path class="rep-bottoms" d="{_rep_bottoms_path(frame, data.reps, at_bottom)}" fill="none" '
                     f'stroke="{LINE}" stroke-width="2" stroke-linejoin="round"/>')
    else:
        parts.append(f'<path class="series" d="{polyline_path(frame, t, y)}" fill="none" stroke="{LINE}" '
                     f'stroke-width="2" stroke-linejoin="round"/>')
    parts += marks
    parts += labels  # last: nothing drawn over them
    parts.append("</svg>")
    return "".join(parts)


def body_line_read(data: SessionData) -> bool:
    """Whether the session's body line was read on any frame, or nothing was measured at all (the
    plot then says so): it is kept only side-on (as the hip sag rule reads it), so a session filmed
    from the front or above has none."""
    s = data.series
    return bool(np.isfinite(s.hip_offset_frac).any() or not np.isfinite(s.depth_frac).any())


def body_line_plot(data: SessionData, width: int = 1040, height: int = 230) -> str:
    """Hip offset from the body line over time (shoulder-ankle; shoulder-knee on knee push-ups, as
    the recorder keeps it); sag drawn downward, pike upward."""
    s = data.series
    t = s.t_s
    y = -100.0 * s.hip_offset_frac  # % of body length; + is sag in the data, drawn below the line
    if not np.isfinite(y).any():
        return empty_svg(Frame(0, 1, 0, 1, width, height), "Body line", "the body line was not measured")
    t0, t1 = time_range(data)
    extent = max(10.0, min(40.0, float(np.nanpercentile(np.abs(y), 99)) * 1.2))
    frame = Frame(t0, t1, -extent, extent, width, height)
    parts = svg_open(frame, "Body line over time", "plot body-plot")
    parts += _rep_bands(frame, data.reps)
    parts += y_grid(frame, nice_ticks(-extent, extent, 4),
                     lambda v: "line" if abs(v) < 1e-9 else (f"{abs(v):.0f}% sag" if v < 0 else f"{v:.0f}% pike"))
    sag = config_number(data.config, "faults", "hip_sag", "min_offset_frac")
    pike = config_number(data.config, "faults", "hip_pike", "min_offset_frac")
    marks, covered = _fault_marks(frame, data.reps, lambda n: n in _BODY_FAULTS, t, y)
    # Each label where no dot or fault text covers it (the sag limit's right end had tayyab's last
    # sagging rep's dot on it).
    lines, labels = references(frame, [(-100.0 * sag if sag is not None else None, "sag limit"),
                                       (100.0 * pike if pike is not None else None, "pike limit")], avoid=covered)
    parts += lines
    parts += x_time_axis(frame)
    zero = frame.py(0.0)
    parts.append(f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{zero:.1f}" y2="{zero:.1f}" '
                 f'stroke="{AXIS}" stroke-width="1.2"/>')
    faint = px_per_cycle(frame, data.reps) < DENSE_PX
    style = 'stroke-opacity="0.45" stroke-width="1"' if faint else 'stroke-width="2" stroke-linejoin="round"'
    parts.append(f'<path class="series" d="{polyline_path(frame, t, y)}" fill="none" stroke="{LINE2}" {style}/>')
    parts += marks
    parts += labels  # last: nothing drawn over them
    parts.append("</svg>")
    return "".join(parts)


def time_range(data: SessionData) -> Tuple[float, float]:
    """The session's time span: its frames' and its rep cycles'."""
    values = [v for v in (data.series.t_s.min() if len(data.series) else math.nan,
                          data.series.t_s.max() if len(data.series) else math.nan) if math.isfinite(v)]
    for rep in data.reps:
        values += [v for v in (rep.record.t_start_s, rep.record.t_end_s) if math.isfinite(v)]
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    return lo, hi if hi > lo else lo + 1.0
