"""The one base of every error LiveCoach raises on purpose.

A :class:`LiveCoachError`'s message is the whole story for the user: the command line prints it
as one line (``livecoach: error: ...``) and exits with the class's :attr:`~LiveCoachError.exit_code`.
Anything else that escapes is a bug, and is reported as one.
"""
from __future__ import annotations


class LiveCoachError(Exception):
    """Base class of LiveCoach's own errors; ``exit_code`` is the process exit code the CLI uses."""

    exit_code: int = 1


class SessionError(LiveCoachError):
    """A session that could not start, or that ended on an error, with a one-line message.

    Raised by ``livecoach.session``; the subclasses below give the exit code of its class.
    """


class SpeechFailed(SessionError):
    """The speech thread died mid-session (re-raised on the frame loop's thread)."""
