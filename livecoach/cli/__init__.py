"""The `livecoach` command line: every sub-command, and `doctor`.

:func:`run` is the console script's entry point: it loads :mod:`livecoach.cli.main` (OpenCV,
NumPy and the rest take half a second or more) under its own SIGTERM handler, so that a Ctrl-C
or SIGTERM in that time ends in one line and the documented exit code (130, 143) rather than a
traceback or a silent death.
"""
from __future__ import annotations

import signal
import sys
import threading
from typing import Optional, Sequence

from livecoach.errors import EXIT_SIGINT, EXIT_SIGTERM, Terminated

__all__ = ["run"]


def _raise_terminated(_signum: int, _frame: object) -> None:
    raise Terminated


def run(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``livecoach`` console script (and ``python -m livecoach``)."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        try:
            previous = signal.signal(signal.SIGTERM, _raise_terminated)
        except (ValueError, OSError):  # pragma: no cover - exotic platforms
            previous = None
    try:
        from livecoach.cli.main import main  # the slow part

        return main(argv)  # installs its own handlers, and restores this one when it returns
    except KeyboardInterrupt:  # Ctrl-C while the modules loaded
        print("livecoach: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:  # before main() installed its own handler
        print("livecoach: stopped (SIGTERM)", file=sys.stderr)
        return EXIT_SIGTERM
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
