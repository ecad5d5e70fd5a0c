"""Self-contained HTML reports: one session, and the history across sessions.

No external resources at all (a report is mailed, archived, opened offline): inline CSS, SVG
plots (:mod:`livecoach.history.time_plots`, :mod:`livecoach.history.plots`), bottom-of-rep
pictures embedded as base64 JPEG.
The page is rendered from stored data only (:class:`~livecoach.history.data.SessionData`)
plus the summary computed by :mod:`livecoach.history.summary`, so ``livecoach summary``
re-renders any past session.
"""
from __future__ import annotations

import base64
import math
from datetime import datetime
from typing import Any, Dict, List, Sequence, Tuple

from livecoach.history.data import SessionData, SessionInfo, StoredRep
from livecoach.history.plots import best_set_plot, score_plot, tempo_plot, trend_plot
from livecoach.history.time_plots import (SET_GAP_S, body_line_plot, body_line_read, dense_session, depth_plot,
                                          elbow_angle_read, elbow_plot)
from livecoach.history.progress import ExerciseWeek, best_set_text
from livecoach.history.summary import (PER_REP_TABLE_MAX, average_depth_text, depth_notes, depth_text, exercise_title,
                                      exercise_titles, exercises_done, fault_label, fmt_clock, fmt_num, hold_rows,
                                      set_rows)
from livecoach.history.svg import esc, score_colour
from livecoach.wording import counted, verdict_words


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
.tile .v { font-size: 26px; font-weight: 700; line-height: 1.2; white-space: nowrap; }
.tile .v .u { font-size: 15px; font-weight: 600; opacity: .85; }
.tile .k { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; opacity: .8; }
.badge { display:inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 600; }
.badge.correct { background:#e3f6ea; color:#1b7a43; } .badge.incorrect { background:#fde8e8; color:#b02a2a; }
.badge.interrupted, .badge.running { background:#fff4db; color:#8a5a00; }
.badge.hold { background:#e6effa; color:#1e4e8c; }
.badge.not_judged { background:#eceff3; color:#4a5563; }
.holdbar { display:inline-block; width:140px; height:10px; border-radius:5px; background:#fde8e8;
           vertical-align:middle; overflow:hidden; } .holdbar span { display:block; height:100%; background:var(--good); }
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
table.reps th.num { text-align:right; }
details > summary { cursor: pointer; color: var(--accent); margin: 4px 0 8px; }
table.reps tr.norep td { color: var(--muted); background: #fafbfc; }
.chip { display:inline-block; background:#fde8e8; color:#a12626; border-radius: 6px; padding: 0 7px; margin: 1px 2px;
        font-size: 12px; }
.chip.ok { background:#e3f6ea; color:#1b7a43; }
table.by-exercise .best { color: var(--muted); font-size: 12px; } .scroll { overflow-x: auto; }
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
            f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>{body}</main></body></html>\n")


def _tile(value: str, key: str) -> str:
    return f'<div class="tile"><div class="v">{value}</div><div class="k">{esc(key)}</div></div>'


def _date(dt: datetime) -> str:
    return dt.strftime("%a %d %b %Y, %H:%M")


def _jpeg_uri(data: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _frame_card(rep: StoredRep, tag: str) -> str:
    r = rep.record
    what = f"Rep {r.index}" if r.full else "No-rep"
    faults = ", ".join(fault_label(f.name) for f in r.faults) or "clean"
    # The rep's bottom as the table says it (the picture's frame can be a few frames off).
    when = fmt_clock(r.t_bottom_s if math.isfinite(r.t_bottom_s) else (rep.bottom_t_s or math.nan))
    return (f'<figure class="frame"><img alt="{esc(what)} at the bottom" src="{_jpeg_uri(rep.bottom_jpeg)}">'
            f'<figcaption><span class="tag {tag}">{tag}</span> · {esc(what)} · score {r.score} · '
            f'{esc(faults)} · at {esc(when)}</figcaption></figure>')


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
    done = ", ".join(exercise_title(name, exercise_titles()) for name in exercises_done(data))
    holds_only = not data.reps and bool(data.holds)  # a plank on its own: no rep to show
    title = f"{done if holds_only else 'Push-ups'} · {_date(info.started_at)}"
    verdict = info.verdict if info.status == "finished" and info.verdict else info.status
    if not data.reps and info.status == "finished":
        verdict = "hold" if holds_only else "nothing"  # no rep cycle: no form verdict
    badge_class = verdict if verdict in ("correct", "incorrect", "hold", "not_judged") else "interrupted"
    verdict_text = {"correct": "good form", "incorrect": "form needs work", "interrupted": "interrupted",
                    "not_judged": "form not judged from this view",
                    "running": "still running", "nothing": "no push-ups seen", "hold": "timed hold"}.get(verdict, verdict)
    tiles = [] if holds_only else [
        _tile(str(summary.reps), "reps"),
        _tile(str(summary.no_reps), "no-reps"),
        _tile(fmt_num(summary.mean_score, 0), "mean score"),
        _tile(esc(average_depth_text([r.record for r in data.reps])), "avg depth"),
        _tile(f'{fmt_num(summary.mean_down_s, 1)} / {fmt_num(summary.mean_up_s, 1)}<span class="u"> s</span>',
              "avg down / up"),
    ]
    timed = [h.record for h in data.holds if not h.record.top_pause]  # holds, not pauses between reps
    if timed or holds_only:
        timed = timed or [h.record for h in data.holds]
        tiles += [_tile(f'{sum(h.seconds_good for h in timed):.1f}<span class="u"> s</span>', "held in good form"),
                  _tile(f'{sum(h.seconds_total for h in timed):.1f}<span class="u"> s</span>', "held")]
    tiles.append(_tile(esc(fmt_clock(info.duration_s)), "duration"))
    body = [f'<header class="hero"><h1>{esc(title)}</h1><div class="sub">Session #{info.id} · '
            f'{esc(info.mode)} · {esc(info.source)} · {esc(done)} · '
            f'<span class="badge {badge_class}">{esc(verdict_text)}</span></div>'
            f'<div class="tiles">{"".join(tiles)}</div></header>']
    if info.status == "interrupted":
        body.append('<div class="banner">This session ended without saying goodbye (the app was closed or '
                    'crashed). Every rep completed before that is here; the totals are counted from them.</div>')

    if holds_only:  # the holds, the body line over time and what was said: no rep to plot
        body.append(_holds_card(data))
        body.append(_body_line_card(data))
        body += _cues_and_footer(data)
        return _page(title, "".join(body))

    # Advice first: it is what a person acts on.
    items = []
    for item in summary.advice:
        # the general line is praise (green) only when reps were counted; "Nothing counted" is not
        kind = ("clean" if summary.reps else "some") if item.fault is None else ("most" if item.most else "some")
        share = "" if item.fault is None else f'<span class="share">{esc(item.share_text)}</span>'
        if item.fault is not None:
            what = fault_label(item.fault).capitalize()
        else:
            what = "Well done" if summary.reps else ("Nothing counted" if summary.no_reps else "Nothing seen")
        items.append(f'<li class="{kind}"><span class="what">{esc(what)}</span>{share}<br>{esc(item.text)}</li>')
    body.append('<section class="card advice-card"><h2>Coach\'s advice</h2>'
                '<p class="note">From trainers\' guidance, for your most frequent faults.</p>'
                f'<ul class="advice">{"".join(items) or "<li class=clean>No rep cycles to judge.</li>"}</ul>'
                + (f'<p class="note">Not judged on most reps (the camera\'s view, or the exercise): '
                   f'{esc(", ".join(fault_label(n) for n in summary.not_judged))}.</p>' if summary.not_judged else '')
                + '</section>')

    if data.sets:
        body.append(_sets_card(data))
    if data.holds:
        body.append(_holds_card(data))

    body.append(_motion_card(data))
    body.append(_body_line_card(data))
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

    table = _rep_table(data.reps, sess.good_score, sess.fair_score)
    if len(data.reps) > PER_REP_TABLE_MAX:  # a long session: the table on request, the page stays short
        table = f'<details><summary>Show all {counted(len(data.reps), "rep cycle")}</summary>{table}</details>'
    body.append(f'<section class="card"><h2>Every rep</h2>{table}</section>')
    body += _cues_and_footer(data)
    return _page(title, "".join(body))


def _motion_card(data: SessionData) -> str:
    """The elbow angle over time; filmed from the front or above, where the elbow angle is not
    read true, the depth over time instead, saying why."""
    elbow = elbow_angle_read(data)
    what = "rep's deepest elbow angle" if elbow else "rep's bottom"
    if dense_session(data):
        note = (f'Green bands are sets (a pause of more than {SET_GAP_S:g} s starts a new one); the dark line '
                f'joins each {what}, the faint one is every frame; red dots mark faults.')
    else:
        note = ('Green bands are counted reps (number on top), grey bands no-reps (×); red dots mark faults at '
                'the bottom of the rep.')
    if elbow:
        return f'<section class="card"><h2>Elbow angle</h2><p class="note">{esc(note)}</p>{elbow_plot(data)}</section>'
    why = ('The elbow angle is read only with the camera side-on or at an angle; this one saw you from the front '
           'or from above, so this shows how far down you went (0 = the top, 1 = your usual bottom).')
    return f'<section class="card"><h2>Depth</h2><p class="note">{esc(why)} {esc(note)}</p>{depth_plot(data)}</section>'


def _body_line_card(data: SessionData) -> str:
    if not body_line_read(data):
        return ('<section class="card"><h2>Body line</h2><p class="note">Not read: the hips against the '
                'shoulder–ankle line show a sagging or piking back only with the camera side-on, and this one '
                'saw you from the front or from above.</p></section>')
    return ('<section class="card"><h2>Body line</h2><p class="note">Hips relative to the shoulder–ankle line '
            '(the shoulder–knee line on knee push-ups), as a share of body length: below the line is a sagging '
            'back, above is piking.</p>'
            f'{body_line_plot(data)}</section>')


def _cues_and_footer(data: SessionData) -> List[str]:
    """What the coach said, and the footer."""
    info = data.info
    body = []
    if data.cues:
        cues = "".join(f'<li><span class="t">{esc(fmt_clock(c.t_s))}</span> “{esc(c.text)}”</li>' for c in data.cues)
        said = f'<ul class="cues">{cues}</ul>'
        if len(data.cues) > PER_REP_TABLE_MAX:
            said = f'<details><summary>Show all {len(data.cues)} cues</summary>{said}</details>'
        body.append(f'<section class="card"><h2>What the coach said</h2>{said}</section>')
    end = info.end_reason.replace("_", " ")
    body.append(f'<footer>LiveCoach {esc(info.app_version or "")} · session #{info.id} · ended: {esc(end)} · '
                f'{len(data.series)} frames of features · '
                f'{("%.1f fps" % info.fps) if info.fps else ""}</footer>')
    return body


def _holds_card(data: SessionData) -> str:
    """Timed holds and pauses at the top: seconds held, seconds in good form (a bar), the target,
    what broke the form."""
    rows = []
    for row in hold_rows([h.record for h in data.holds], exercise_titles()):
        share = row.good_s / row.held_s if row.held_s > 0 else 0.0
        rows.append(f'<tr><td class="num">{esc(row.start)}</td><td>{esc(row.what)}</td>'
                    f'<td class="num">{row.held_s:.1f} s</td><td class="num">{row.good_s:.1f} s</td>'
                    f'<td><span class="holdbar" title="{100 * share:.0f} % in good form">'
                    f'<span style="width:{100 * share:.1f}%"></span></span></td>'
                    f'<td>{esc(row.target) or "—"}</td><td>{esc(row.broken_by) or "—"}</td></tr>')
    return ('<section class="card"><h2>Holds</h2><p class="note">Seconds in good form count only while the position '
            'is held in one straight line; a pause at the top of your push-ups is timed as a plank.</p>'
            '<table class="reps holds"><thead><tr><th class="num">Start</th><th>Hold</th><th class="num">Held</th>'
            '<th class="num">In good form</th><th></th><th>Target</th><th>Broken by</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _sets_card(data: SessionData) -> str:
    """The sets of a plan session: target, what was done, the rest taken, why it ended, advice."""
    plans = ", ".join(sorted({s.result.plan for s in data.sets}))
    rows = "".join(
        f'<tr><td>{esc(row.label)}</td><td>{esc(row.exercise)}</td><td class="num">{esc(row.target)}</td>'
        f'<td class="num">{esc(row.done)}</td><td class="num">{esc(row.rest)}</td><td>{esc(row.ended)}</td>'
        f'<td>{esc(row.advice) or "—"}</td></tr>' for row in set_rows(data.sets))
    return (f'<section class="card"><h2>Sets</h2><p class="note">Plan {esc(plans)}: {len(data.sets)} '
            f'set{"" if len(data.sets) == 1 else "s"}; rest is the time taken before the set.</p>'
            '<table class="reps sets"><thead><tr><th>Set</th><th>Exercise</th><th class="num">Target</th>'
            '<th class="num">Done</th><th class="num">Rest</th><th>Ended</th><th>Advice</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></section>')


def _exercise_card(exercise_weeks: Sequence[ExerciseWeek]) -> str:
    """Per exercise (rows) and week (columns, oldest first): the volume (counted reps, or seconds
    held) and, under it, the best set of a plan."""
    weeks = sorted({(w.start, w.week) for w in exercise_weeks})
    exercises = sorted({w.exercise for w in exercise_weeks})
    cell = {(w.exercise, w.week): w for w in exercise_weeks}
    head = "".join(f'<th class="num">{esc(label)}</th>' for _start, label in weeks)
    plot = best_set_plot(exercise_weeks)
    if plot:
        plot = '<p class="note">Best set of each exercise per week, in reps:</p>' + plot
    rows = []
    for exercise in exercises:
        tds = []
        for _start, label in weeks:
            w = cell.get((exercise, label))
            if w is None:
                tds.append('<td class="num">—</td>')
                continue
            volume = f"{w.hold_s:.0f} s" if w.hold_s > 0 and w.reps == 0 else counted(w.reps, "rep")
            best = best_set_text(w)
            tds.append(f'<td class="num">{esc(volume)}' + (f'<br><span class="best">best {esc(best)}</span>'
                                                             if best else "") + '</td>')
        rows.append(f'<tr><td>{esc(fault_label(exercise))}</td>{"".join(tds)}</tr>')
    return ('<section class="card"><h2>By exercise</h2><p class="note">Volume per week: counted reps, filed under '
            'the exercise recognised (seconds held for holds). Best: the most reps, or the longest hold, in one set '
            'of a plan.</p><div class="scroll"><table class="reps by-exercise"><thead><tr><th>Exercise</th>'
            f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>{plot}</section>')


def _rep_table(reps: Sequence[StoredRep], good: int, fair: int) -> str:
    if not reps:
        return '<p class="note">No rep cycles were recorded.</p>'
    rows = []
    for rep in reps:
        r = rep.record
        chips = "".join(f'<span class="chip">{esc(fault_label(f.name))}</span>' for f in r.faults)
        if not chips:
            chips = '<span class="chip ok">clean</span>' if r.full else ""
        result = f"rep {r.index}" if r.full else f"no-rep: {esc(r.no_rep_reason or 'not counted')}"
        colour = score_colour(r.score, good, fair) if r.full else "#a0aec0"
        rows.append(f'<tr class="{"rep" if r.full else "norep"}"><td>{result}</td>'
                    f'<td class="num">{esc(fmt_clock(r.t_bottom_s))}</td>'
                    f'<td class="num depth">{esc(depth_text(r))}</td>'
                    f'<td class="num">{fmt_num(r.min_elbow_angle_deg, 0, "°")}</td>'
                    f'<td class="num">{fmt_num(r.seconds_down, 1, " s")}</td>'
                    f'<td class="num">{fmt_num(r.seconds_up, 1, " s")}</td>'
                    f'<td>{chips}</td>'
                    f'<td class="num"><span class="pill" style="background:{colour}">{r.score}</span></td></tr>')
    notes = "".join(f'<p class="note depth-note">{esc(n)}</p>' for n in depth_notes([rep.record for rep in reps]))
    return (f'{notes}<table class="reps"><thead><tr><th>Rep</th><th class="num">Bottom at</th>'
            '<th class="num">Depth</th>'
            '<th class="num">Elbow</th><th class="num">Down</th><th class="num">Up</th><th>Faults</th>'
            '<th class="num">Score</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')



def render_history_html(sessions: Sequence[SessionInfo], weeks: Sequence[Any], fault_counts: Dict[int, Dict[str, int]],
                        trend_text: Sequence[str], config: Any, period: str,
                        exercise_weeks: Sequence[ExerciseWeek] = ()) -> str:
    """The history across sessions: trend plot per week, weekly table, per exercise and week
    (volume and best set), every session."""
    sess = config.session
    total_reps = sum(s.reps for s in sessions)
    scores = [(s.mean_score, s.reps) for s in sessions if s.mean_score is not None and s.reps]
    mean = sum(m * n for m, n in scores) / sum(n for _m, n in scores) if scores else None
    tiles = [_tile(str(len(sessions)), "sessions"), _tile(str(total_reps), "reps"),
             _tile(fmt_num(mean, 0), "mean score"), _tile(str(len(weeks)), "weeks")]
    body = [f'<header class="hero"><h1>Your push-up history</h1><div class="sub">{esc(period)}</div>'
            f'<div class="tiles">{"".join(tiles)}</div></header>']
    if trend_text:
        body.append('<section class="card"><h2>Trend</h2><ul class="advice">' +
                    "".join(f'<li class="clean">{esc(t)}</li>' for t in trend_text) + '</ul></section>')
    body.append(f'<section class="card"><h2>Reps and score per week</h2>{trend_plot(weeks)}</section>')
    wrows = "".join(
        f'<tr><td>{esc(w.label)}</td><td class="num">{w.sessions}</td><td class="num">{w.reps}</td>'
        f'<td class="num">{w.no_reps}</td><td class="num">{fmt_num(w.mean_score, 0)}</td>'
        f'<td>{esc(fault_label(w.top_fault)) if w.top_fault else "—"}</td></tr>' for w in weeks)
    body.append('<section class="card"><h2>By week</h2><table class="reps"><thead><tr><th>Week</th>'
                '<th class="num">Sessions</th><th class="num">Reps</th><th class="num">No-reps</th>'
                '<th class="num">Mean score</th><th>Most common fault</th></tr></thead>'
                f'<tbody>{wrows}</tbody></table></section>')
    if exercise_weeks:
        body.append(_exercise_card(exercise_weeks))
    srows = []
    for s in sessions:
        colour = score_colour(s.mean_score, sess.good_score, sess.fair_score) if s.mean_score is not None else "#a0aec0"
        status = verdict_words(s.form, short=True)
        srows.append(f'<tr><td class="num">#{s.id}</td><td>{esc(_date(s.started_at))}</td>'
                     f'<td>{esc(_short_source(s.source))}</td><td class="num">{s.reps}</td>'
                     f'<td class="num">{s.no_reps}</td><td class="num"><span class="pill" style="background:{colour}">'
                     f'{fmt_num(s.mean_score, 0)}</span></td>'
                     f'<td>{esc(fault_label(s.top_fault)) if s.top_fault else "—"}</td><td>{esc(status)}</td></tr>')
    body.append('<section class="card"><h2>Sessions</h2><table class="reps"><thead><tr><th class="num">#</th>'
                '<th>Date</th><th>Source</th><th class="num">Reps</th><th class="num">No-reps</th>'
                '<th class="num">Score</th><th>Top fault</th><th>Form</th></tr>'
                f'</thead><tbody>{"".join(srows)}</tbody></table></section>')
    body.append('<footer>LiveCoach history · `livecoach summary N` re-renders the report of session N</footer>')
    return _page("LiveCoach history", "".join(body))


def _short_source(source: str) -> str:
    return source if len(source) <= 48 else "…" + source[-47:]
