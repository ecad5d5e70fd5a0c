"""Reviewing sessions after training: the terminal summary, the trainers' advice, and the
``summary``, ``history`` and ``export`` commands.

``end_of_session()`` is what the app calls when a session ends (quit, end of video, Ctrl-C):
it prints the summary and writes the HTML report. The commands re-render any past session
from the history database (``livecoach.history.store``), including one that was killed mid-set.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sqlite3
import sys
import textwrap
import webbrowser
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Dict, List, Optional, Sequence, Tuple, Union

from livecoach.formats.records import finite_round, rep_record_dict
from livecoach.history.store import (SessionData, SessionInfo, SessionStore, StoreError, StoredRep, db_path_for,
                    reports_dir_for)

EXIT_OK = 0
EXIT_ERROR = 1


# --------------------------------------------------------------------------- the summary

@dataclass(frozen=True)
class AdviceItem:
    """Advice for one fault (``fault`` None: the general line for a clean set / no reps)."""

    fault: Optional[str]
    count: int      # cycles with this fault
    judged: int     # cycles where it could be judged from the camera's view
    most: bool      # on at least `most_reps_share` of the judged cycles
    text: str


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
        most = count / judged >= adv.most_reps_share
        table = adv.most_reps if most else adv.some_reps
        text = table.get(name) or adv.some_reps.get(name) or config.cues.texts.get(name, fault_label_plain(name))
        items.append(AdviceItem(fault=name, count=count, judged=judged, most=most, text=text))
    if not items and full:
        items.append(AdviceItem(fault=None, count=0, judged=len(cycles), most=False, text=adv.clean))
    elif not full and cycles:
        items.append(AdviceItem(fault=None, count=0, judged=len(cycles), most=False, text=adv.no_reps))
    elif not cycles:
        items.append(AdviceItem(fault=None, count=0, judged=0, most=False, text=adv.nothing))
    unjudged: Counter = Counter(name for r in cycles for name in r.not_judged)
    not_judged = tuple(sorted(name for name, n in unjudged.items() if 2 * n > len(cycles)))
    return SessionSummary(
        not_judged=not_judged,
        reps=len(full), no_reps=len(cycles) - len(full),
        mean_score=_mean([r.score for r in full]), mean_depth=_mean([r.depth_frac for r in full]),
        mean_down_s=_mean([r.seconds_down for r in full]), mean_up_s=_mean([r.seconds_up for r in full]),
        fault_counts=ordered, advice=tuple(items))


def fault_label_plain(name: str) -> str:
    return name.replace("_", " ")


def _f(value: Optional[float], digits: int = 1, suffix: str = "") -> str:
    if value is None or not math.isfinite(float(value)):
        return "—"
    return f"{float(value):.{digits}f}{suffix}"


def _clock(seconds: Optional[float]) -> str:
    from livecoach.history.report import fmt_clock

    return fmt_clock(seconds if seconds is not None else math.nan)


def format_summary(data: SessionData, summary: SessionSummary, width: int = 88) -> str:
    """The terminal summary: header, totals, per-rep table, top faults with advice."""
    info = data.info
    lines = []
    status = info.verdict if info.status == "finished" and info.verdict else info.status
    if not data.reps and info.status == "finished":
        status = "—"  # nothing to judge
    lines.append(f"Session #{info.id} · {info.started_at.strftime('%a %d %b %Y %H:%M')} · {info.source} · "
                 f"{info.variant} · {_clock(info.duration_s)}")
    if info.status == "interrupted":
        lines.append("  (interrupted: the app stopped without ending the session; totals counted from the "
                     "reps saved)")
    lines.append(f"  Reps {summary.reps}   No-reps {summary.no_reps}   Mean score {_f(summary.mean_score, 0)}   "
                 f"Form: {status}")
    lines.append(f"  Average depth {_f(summary.mean_depth, 2)} · tempo {_f(summary.mean_down_s, 1)} s down / "
                 f"{_f(summary.mean_up_s, 1)} s up")
    if data.reps:
        lines.append("")
        lines.append(f"  {'rep':<8}{'bottom':>7}{'depth':>7}{'elbow':>7}{'down':>7}{'up':>6}{'score':>7}  faults")
        for rep in data.reps:
            r = rep.record
            name = str(r.index) if r.full else "no-rep"
            faults = ", ".join(fault_label_plain(n) for n in r.fault_names) or ("clean" if r.full else "")
            if not r.full:
                faults = f"({r.no_rep_reason or 'not counted'})" + (f" {faults}" if faults else "")
            lines.append(f"  {name:<8}{_clock(r.t_bottom_s):>7}{_f(r.depth_frac, 2):>7}"
                         f"{_f(r.min_elbow_angle_deg, 0, '°'):>7}{_f(r.seconds_down, 1):>7}{_f(r.seconds_up, 1):>6}"
                         f"{r.score:>7}  {faults}")
    if summary.not_judged:
        lines.append("")
        lines.append("  Not judged from this camera view: "
                     + ", ".join(fault_label_plain(n) for n in summary.not_judged))
    if summary.advice:
        lines.append("")
        lines.append("  Coach's advice:")
        for item in summary.advice:
            head = "" if item.fault is None else (f"{fault_label_plain(item.fault)} "
                                                  f"({item.count} of {item.judged} cycles): ")
            wrapped = textwrap.wrap(head + item.text, width=width - 6, break_on_hyphens=False)
            lines.append("  • " + wrapped[0])
            lines += ["    " + w for w in wrapped[1:]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- reports

def write_session_report(data: SessionData, summary: SessionSummary, config: Any, out: Path) -> Path:
    """Render and write the session's HTML report to ``out``."""
    from livecoach.history.report import render_session_html

    out = Path(out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_session_html(data, summary, config), encoding="utf-8")
    return out


def default_report_path(data_dir: Optional[Union[str, Path]], info: SessionInfo) -> Path:
    return reports_dir_for(data_dir) / f"session-{info.id:04d}-{info.started_at.strftime('%Y%m%d-%H%M')}.html"


def open_in_browser(path: Path) -> bool:
    """Open ``path`` in the user's browser; False when no browser could be started."""
    try:
        return bool(webbrowser.open(Path(path).resolve().as_uri()))
    except webbrowser.Error:
        return False


def end_of_session(store: Union[SessionStore, str, Path], session_id: int, config: Any, *,
                   data_dir: Optional[Union[str, Path]] = None, report: bool = True,
                   open_report: bool = False, out: Optional[Path] = None,
                   stream: Optional[IO[str]] = None) -> Optional[Path]:
    """What the app does when a session ends: print the summary, write (and maybe open) the
    report. Returns the report path (None with ``report=False``)."""
    own = not isinstance(store, SessionStore)
    db = SessionStore(store) if own else store
    try:
        data = db.load_session(session_id)
    finally:
        if own:
            db.close()
    stream = stream if stream is not None else sys.stdout
    summary = summarize(data, config)
    print(format_summary(data, summary), file=stream)
    if not report:
        return None
    if data_dir is None and own:
        data_dir = Path(store).parent
    elif data_dir is None:
        data_dir = db.path.parent
    path = write_session_report(data, summary, config, out or default_report_path(data_dir, data.info))
    print(f"  Report: {path}", file=stream)
    if open_report and not open_in_browser(path):
        print("  (no browser could be opened; open the file above yourself)", file=stream)
    return path


# --------------------------------------------------------------------------- history

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


def format_history(sessions: Sequence[SessionInfo], weeks: Sequence[WeekStats], trend: Sequence[str]) -> str:
    lines = [f"  {'#':>4}  {'date':<17}{'reps':>5}{'no-reps':>9}{'score':>7}  {'top fault':<16}{'form':<12}source"]
    for s in sessions:
        status = s.verdict if s.status == "finished" and s.verdict else s.status
        lines.append(f"  {s.id:>4}  {s.started_at.strftime('%Y-%m-%d %H:%M'):<17}{s.reps:>5}{s.no_reps:>9}"
                     f"{_f(s.mean_score, 0):>7}  {fault_label_plain(s.top_fault or '—'):<16}{status:<12}"
                     f"{_short(s.source)}")
    lines.append("")
    lines.append(f"  {'week':<10}{'sessions':>9}{'reps':>6}{'no-reps':>9}{'score':>7}  most common fault")
    for w in weeks:
        lines.append(f"  {w.label:<10}{w.sessions:>9}{w.reps:>6}{w.no_reps:>9}{_f(w.mean_score, 0):>7}  "
                     f"{fault_label_plain(w.top_fault) if w.top_fault else '—'}")
    if trend:
        lines.append("")
        lines += ["  " + t for t in trend]
    return "\n".join(lines)


def _short(source: str, n: int = 40) -> str:
    return source if len(source) <= n else "…" + source[-(n - 1):]


# --------------------------------------------------------------------------- export

EXPORT_FIELDS = ("session", "seq", "rep", "full", "t_start", "t_bottom", "t_end", "depth", "min_elbow_deg",
                 "seconds_down", "seconds_up", "score", "faults", "not_judged", "no_rep_reason", "has_picture")


_num = finite_round


def rep_row(session_id: int, rep: StoredRep) -> Dict[str, Any]:
    fields = rep_record_dict(rep.record)
    return {"session": session_id, "seq": rep.seq, "rep": fields["index"],
            **{k: fields[k] for k in ("full", "t_start", "t_bottom", "t_end", "depth", "min_elbow_deg",
                                      "seconds_down", "seconds_up", "score", "faults", "not_judged")},
            "no_rep_reason": fields["reason"], "has_picture": rep.bottom_jpeg is not None}


def export_csv(data: SessionData) -> str:
    """One row per rep cycle; fault lists joined with ``;``; empty cells for unmeasured values."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for rep in data.reps:
        row = rep_row(data.info.id, rep)
        row["faults"] = ";".join(row["faults"])
        row["not_judged"] = ";".join(row["not_judged"])
        row["full"] = int(row["full"])
        row["has_picture"] = int(row["has_picture"])
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()


def export_json(data: SessionData, config: Any) -> str:
    """The whole session: info, summary, reps with fault details, cues, the feature series."""
    info = data.info
    summary = summarize(data, config)
    reps = []
    for rep in data.reps:
        row = rep_row(info.id, rep)
        row["fault_details"] = [{"name": f.name, "cue_key": f.cue_key, "t": _num(f.t_s), "value": _num(f.value, 4),
                                 "threshold": _num(f.threshold, 4), "joints": [j.name for j in f.joints]}
                                for f in rep.record.faults]
        reps.append(row)
    s = data.series
    doc = {
        "format": "livecoach-session", "version": 1,
        "session": {"id": info.id, "started_at": info.started_at.isoformat(),
                    "ended_at": info.ended_at.isoformat() if info.ended_at else None, "status": info.status,
                    "end_reason": info.end_reason, "source": info.source, "mode": info.mode,
                    "variant": info.variant, "app_version": info.app_version, "duration_s": _num(info.duration_s),
                    "reps": info.reps, "no_reps": info.no_reps, "frames": info.frames,
                    "frames_with_pose": info.frames_with_pose, "fps": _num(info.fps, 2) if info.fps else None,
                    "dropped_frames": info.dropped_frames, "verdict": info.verdict},
        "summary": {"reps": summary.reps, "no_reps": summary.no_reps, "mean_score": _num(summary.mean_score, 1),
                    "mean_depth": _num(summary.mean_depth), "mean_seconds_down": _num(summary.mean_down_s),
                    "mean_seconds_up": _num(summary.mean_up_s), "fault_counts": dict(summary.fault_counts),
                    "advice": [{"fault": a.fault, "count": a.count, "judged": a.judged, "text": a.text}
                               for a in summary.advice]},
        "reps": reps,
        "cues": [{"t": _num(c.t_s), "text": c.text, "key": c.key, "kind": c.kind.value, "fault": c.fault}
                 for c in data.cues],
        "series": {"t": [_num(v) for v in s.t_s], "elbow_angle_deg": [_num(v, 1) for v in s.elbow_angle_deg],
                   "hip_offset_frac": [_num(v, 4) for v in s.hip_offset_frac],
                   "depth_frac": [_num(v, 3) for v in s.depth_frac],
                   "phase": [None if not math.isfinite(v) else int(v) for v in s.phase]},
        "config": data.config,
    }
    return json.dumps(doc, indent=1) + "\n"


# --------------------------------------------------------------------------- commands

def register(subparsers: Any) -> None:
    """Add ``summary``, ``history`` and ``export`` to the CLI's subparsers."""
    summary = subparsers.add_parser("summary", help="show a past session and re-render its HTML report",
                                    description="Print a session's summary and write its HTML report.")
    summary.add_argument("session", nargs="?", default="last", metavar="SESSION",
                         help="session number, or 'last' (default)")
    summary.add_argument("--open", action="store_true", help="open the report in the browser")
    summary.add_argument("--out", type=Path, metavar="FILE", help="write the report here")
    _add_store_options(summary)
    summary.set_defaults(func=cmd_summary)

    history = subparsers.add_parser("history", help="sessions over the weeks, with trends",
                                    description="List sessions and weekly trends; write the history report.")
    history.add_argument("--weeks", type=int, metavar="N", help="only the last N weeks (default from config)")
    history.add_argument("--open", action="store_true", help="open the history report in the browser")
    history.add_argument("--out", type=Path, metavar="FILE", help="write the history report here")
    _add_store_options(history)
    history.set_defaults(func=cmd_history)

    export = subparsers.add_parser("export", help="export a session's reps as CSV or JSON",
                                   description="Export a session (reps, faults, cues, feature series).")
    export.add_argument("session", metavar="SESSION", help="session number, or 'last'")
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (one row per rep) or json")
    export.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    _add_store_options(export)
    export.set_defaults(func=cmd_export)


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="where the session history lives (default: the per-user data folder)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="TOML file overriding config/default.toml")


def _error(message: str) -> int:
    print(f"livecoach: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _context(args: argparse.Namespace) -> Tuple[Any, Optional[Path], SessionStore]:
    from livecoach.config.schema import load_config

    config = load_config(getattr(args, "config", None))
    data_dir = getattr(args, "data_dir", None)
    store = SessionStore(db_path_for(data_dir), create=False)
    return config, data_dir, store


def _run(args: argparse.Namespace, body: Any) -> int:
    from livecoach.config.schema import ConfigError

    try:
        return body(args)
    except (StoreError, ConfigError) as exc:
        return _error(str(exc))
    except sqlite3.Error as exc:  # a damaged database file
        return _error(f"cannot read the session history: {exc}")
    except BrokenPipeError:  # `livecoach export 3 | head`
        return EXIT_OK
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _error(f"{where}{exc.strerror or exc}")


def cmd_summary(args: argparse.Namespace) -> int:
    """``livecoach summary [SESSION|last] [--open] [--out FILE]``."""
    def body(args: argparse.Namespace) -> int:
        config, data_dir, store = _context(args)
        with store:
            session_id = store.resolve(args.session)
            end_of_session(store, session_id, config, data_dir=data_dir if data_dir else store.path.parent,
                           open_report=args.open, out=args.out)
        return EXIT_OK
    return _run(args, body)


def cmd_history(args: argparse.Namespace) -> int:
    """``livecoach history [--weeks N] [--open] [--out FILE]``."""
    def body(args: argparse.Namespace) -> int:
        from livecoach.history.report import render_history_html

        config, data_dir, store = _context(args)
        if args.weeks is not None and args.weeks < 1:
            raise StoreError("--weeks must be at least 1")
        weeks_back = args.weeks or config.session.history_weeks
        with store:
            sessions = store.list_sessions()
            if not sessions:
                raise StoreError(f"no sessions recorded yet in {store.path} (train or analyze a video first)")
            now = datetime.now(sessions[-1].started_at.tzinfo)
            monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
            since = monday - timedelta(weeks=weeks_back - 1)
            chosen = [s for s in sessions if s.started_at >= since.astimezone(s.started_at.tzinfo)]
            counts = fault_counts_by_session(store)
            db_dir = store.path.parent
        if not chosen:
            print(f"No sessions in the last {_plural(weeks_back, 'week')} ({len(sessions)} older; try --weeks "
                  f"{_weeks_to_cover(sessions[0].started_at, now)}).")
            return EXIT_OK
        weeks = weekly_stats(chosen, counts)
        trend = trend_lines(weeks)
        print(f"LiveCoach history · last {_plural(weeks_back, 'week')} · {_plural(len(chosen), 'session')}")
        print(format_history(chosen, weeks, trend))
        period = f"Last {_plural(weeks_back, 'week')} · since {since.strftime('%d %b %Y')}"
        out = Path(args.out) if args.out else reports_dir_for(data_dir if data_dir else db_dir) / "history.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_history_html(chosen, weeks, counts, trend, config, period), encoding="utf-8")
        print(f"  Report: {out}")
        if args.open and not open_in_browser(out):
            print("  (no browser could be opened; open the file above yourself)")
        return EXIT_OK
    return _run(args, body)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _weeks_to_cover(first: datetime, now: datetime) -> int:
    return max(1, int((now - first).days // 7) + 2)


def cmd_export(args: argparse.Namespace) -> int:
    """``livecoach export SESSION|last --format csv|json [--out FILE]``."""
    def body(args: argparse.Namespace) -> int:
        config, _data_dir, store = _context(args)
        with store:
            data = store.load_session(store.resolve(args.session))
        text = export_csv(data) if args.format == "csv" else export_json(data, config)
        if args.out:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"Exported session #{data.info.id} ({len(data.reps)} rep cycles) to {args.out}", file=sys.stderr)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return EXIT_OK
    return _run(args, body)
