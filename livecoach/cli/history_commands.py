"""``livecoach summary``, ``history`` and ``export``: their arguments and handlers.

The work is done in :mod:`livecoach.history`; here only argparse, and turning errors into
one line on stderr.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Optional, Tuple

from livecoach.config.schema import ConfigError, load_config
from livecoach.errors import LiveCoachError
from livecoach.history.export import export_csv, export_json
from livecoach.history.report import render_history_html
from livecoach.history.journal import pending_journals
from livecoach.history.progress import exercise_weeks
from livecoach.history.recovery import import_pending, open_store
from livecoach.history.review import end_of_session, open_in_browser
from livecoach.history.schema import StoreError, db_path_for, reports_dir_for
from livecoach.history.store import SessionStore
from livecoach.history.summary import PER_REP_TABLE_MAX
from livecoach.history.trends import (exercise_trend_lines, fault_counts_by_session, format_history, trend_lines,
                                     weekly_stats)
from livecoach.wording import counted

EXIT_OK = 0
EXIT_ERROR = 1


def register(subparsers: Any) -> None:
    """Add ``summary``, ``history`` and ``export`` to the CLI's subparsers."""
    summary = subparsers.add_parser("summary", help="show a past session and re-render its HTML report",
                                    description="Print a session's summary and write its HTML report.")
    summary.add_argument("session", nargs="?", default="last", metavar="SESSION",
                         help="session number, or 'last' (default)")
    summary.add_argument("--open", action="store_true", help="open the report in the browser")
    summary.add_argument("--out", type=Path, metavar="FILE", help="write the report here")
    summary.add_argument("--reps", action="store_true", default=None,
                         help="print the per-rep table even for a long session (shown unasked up to "
                              f"{PER_REP_TABLE_MAX} rep cycles)")
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
    """Raised, not printed: ``cli.main`` prints every error the same way (exit 1)."""
    raise LiveCoachError(message)


def _notice(message: str) -> None:
    print(f"livecoach: {message}", file=sys.stderr)


def _context(args: argparse.Namespace) -> Tuple[Any, Optional[Path], SessionStore]:
    """The config and the store, after the history was made whole: a damaged database moved
    aside, sessions left in journals (a lock, a full disk, a kill) imported."""
    config = load_config(getattr(args, "config", None))
    data_dir = getattr(args, "data_dir", None)
    path = db_path_for(data_dir)
    if not path.exists() and not pending_journals(path):
        store = SessionStore(path, create=False)  # raises: nothing recorded yet
    else:
        store = open_store(path, _notice)
        import_pending(store, _notice)
    return config, data_dir, store


def _run(args: argparse.Namespace, body: Any) -> int:
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
                           open_report=args.open, out=args.out, per_rep=args.reps)
        return EXIT_OK
    return _run(args, body)


def cmd_history(args: argparse.Namespace) -> int:
    """``livecoach history [--weeks N] [--open] [--out FILE]``."""
    def body(args: argparse.Namespace) -> int:
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
            by_exercise = exercise_weeks(store, chosen)
            db_dir = store.path.parent
        if not chosen:
            print(f"No sessions in the last {counted(weeks_back, 'week')} ({len(sessions)} older; try --weeks "
                  f"{_weeks_to_cover(sessions[0].started_at, now)}).")
            return EXIT_OK
        weeks = weekly_stats(chosen, counts)
        trend = trend_lines(weeks) + exercise_trend_lines(by_exercise)
        print(f"LiveCoach history · last {counted(weeks_back, 'week')} · {counted(len(chosen), 'session')}")
        print(format_history(chosen, weeks, trend, by_exercise))
        period = f"Last {counted(weeks_back, 'week')} · since {since.strftime('%d %b %Y')}"
        out = Path(args.out) if args.out else reports_dir_for(data_dir if data_dir else db_dir) / "history.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_history_html(chosen, weeks, counts, trend, config, period, by_exercise),
                       encoding="utf-8")
        print(f"  Report: {out}")
        if args.open and not open_in_browser(out):
            print("  (no browser could be opened; open the file above yourself)")
        return EXIT_OK
    return _run(args, body)


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
            print(f"Exported session #{data.info.id} ({counted(len(data.reps), 'rep cycle')}) to {args.out}",
                  file=sys.stderr)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return EXIT_OK
    return _run(args, body)
