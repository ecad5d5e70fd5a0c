"""Reviewing a session when it ends: the terminal summary, the HTML report, the browser.

``end_of_session()`` is what the app calls when a session ends (quit, end of video, Ctrl-C):
it prints the summary and writes the HTML report. ``livecoach summary`` (in
:mod:`livecoach.cli.history_commands`) calls it for any past session, including one that was
killed mid-set.
"""
from __future__ import annotations

import sys
import webbrowser
from pathlib import Path
from typing import IO, Any, Optional, Union

from livecoach.history.data import SessionData, SessionInfo
from livecoach.history.recovery import load_journal_session
from livecoach.history.report import render_session_html
from livecoach.history.schema import reports_dir_for
from livecoach.history.store import SessionStore
from livecoach.history.summary import SessionSummary, format_summary, summarize


def write_session_report(data: SessionData, summary: SessionSummary, config: Any, out: Path) -> Path:
    """Render and write the session's HTML report to ``out``."""
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
                   stream: Optional[IO[str]] = None, per_rep: Optional[bool] = None) -> Optional[Path]:
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
    print(format_summary(data, summary, per_rep=per_rep), file=stream)
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



def end_of_journaled_session(journal_path: Path, config: Any, *, stream: Optional[IO[str]] = None,
                             per_rep: Optional[bool] = None) -> SessionData:
    """The summary of a session kept only in its journal (the database failed): printed from
    the journal, with where the session is; the report comes once it is in the history."""
    data = load_journal_session(journal_path)
    stream = stream if stream is not None else sys.stdout
    print(format_summary(data, summarize(data, config), per_rep=per_rep), file=stream)
    print(f"  Kept in {journal_path}: added to the history (with its report) the next time LiveCoach starts.",
          file=stream)
    return data
