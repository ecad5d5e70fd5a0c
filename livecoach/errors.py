"""The one base of every error LiveCoach raises on purpose, and the exit codes.

A :class:`LiveCoachError`'s message is the whole story for the user: the command line prints it
as one line (``livecoach: error: ...``) and exits with the class's :attr:`~LiveCoachError.exit_code`.
Anything else that escapes is a bug, and is reported as one (exit code 1).

Exit codes (the README's table):

====  =====================================================================================
0     done
1     internal error (a bug; ``--verbose`` shows the traceback)
2     usage: an unknown command or option, a bad option value
3     config: a config file that does not load (file and key named)
4     input: the camera, the video or the landmark recording cannot be read, or was lost
5     output: an ``--events`` / ``--record-*`` / ``--annotated-video`` path cannot be written
6     history: the history database cannot be opened or written
7     speech: the speech thread died mid-session
8     pose model: MediaPipe cannot be loaded
9     display: a window was asked for and there is no display
130   stopped by Ctrl-C (SIGINT); the session so far is saved
143   stopped by SIGTERM; the session so far is saved
====  =====================================================================================
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_INPUT = 4
EXIT_OUTPUT = 5
EXIT_HISTORY = 6
EXIT_SPEECH = 7
EXIT_POSE_MODEL = 8
EXIT_DISPLAY = 9
EXIT_SIGINT = 130  # 128 + SIGINT
EXIT_SIGTERM = 143  # 128 + SIGTERM


class Terminated(BaseException):
    """SIGTERM outside a running session (loading, starting up, or a command that is not a
    session): it unwinds like Ctrl-C, closing what was opened, and the command exits 143."""


class LiveCoachError(Exception):
    """Base class of LiveCoach's own errors; ``exit_code`` is the process exit code the CLI uses."""

    exit_code: int = EXIT_INTERNAL


class SessionError(LiveCoachError):
    """A session that could not start, or that ended on an error, with a one-line message.

    Raised by ``livecoach.session``; the subclasses below give the exit code of its class.
    """


class ConfigProblem(SessionError):
    """The config (or a command-line override of it) is invalid."""

    exit_code = EXIT_CONFIG


class InputProblem(SessionError):
    """The source cannot be read: camera, video file or landmark recording (or it was lost)."""

    exit_code = EXIT_INPUT


class OutputPathProblem(SessionError):
    """An output file cannot be written where the user asked."""

    exit_code = EXIT_OUTPUT


class HistoryProblem(SessionError):
    """The history database cannot be opened or written."""

    exit_code = EXIT_HISTORY


class SpeechFailed(SessionError):
    """The speech thread died mid-session (re-raised on the frame loop's thread)."""

    exit_code = EXIT_SPEECH


class PoseModelProblem(SessionError):
    """The pose model cannot be loaded."""

    exit_code = EXIT_POSE_MODEL


class DisplayProblem(SessionError):
    """A window was asked for and none can be opened."""

    exit_code = EXIT_DISPLAY


class UsageProblem(LiveCoachError):
    """A command was given arguments it cannot work with (beyond what argparse checks)."""

    exit_code = EXIT_USAGE
