"""``livecoach`` command line: train, analyze, replay, doctor, config, eval, say, voices,
summary, history, export, plans.

Every sub-command is registered here, in :data:`REGISTRARS`. Every failure a user can cause
(no camera, a bad path, a bad config, speech missing) is a
:class:`~livecoach.errors.LiveCoachError`: :func:`main` prints it as one line
(``livecoach: error: ...``) on stderr and exits with its ``exit_code``, never a traceback.
Diagnostics go through :mod:`logging` (``--verbose``: everything, tracebacks included).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from livecoach import __version__
from livecoach.cli.doctor import run_doctor
from livecoach.config.schema import Config, ConfigError, load_config
from livecoach.config.toml_io import describe_fields
from livecoach.errors import (EXIT_INTERNAL, EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE, ConfigProblem,
                              LiveCoachError, Terminated)
from livecoach.config.exercises import default_exercises_dir
from livecoach.logic.analysis import AUTO, VARIANTS
from livecoach.session.build import run_session
from livecoach.session.options import SessionOptions
# The sub-commands other packages own (each module has `register(subparsers)`).
from livecoach.cli.evaluate import register as register_eval_commands
from livecoach.cli.speech_commands import register as register_speech_commands
from livecoach.cli.history_commands import register as register_history_commands
from livecoach.cli.plan_commands import register as register_plan_commands

log = logging.getLogger("livecoach")

# -- train, analyze, replay ---------------------------------------------------------------

def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="TOML file overriding any of config/default.toml's keys")
    parser.add_argument("--events", metavar="FILE",
                        help="write events as JSON Lines to FILE ('-' for stdout)")
    parser.add_argument("--record-landmarks", type=Path, metavar="FILE",
                        help="record every frame's landmarks (.jsonl or .jsonl.gz) for `livecoach replay`")
    parser.add_argument("--exercise", choices=_exercise_choices(), default=None, metavar="NAME",
                        help="the exercise (profiles of config/exercises: " + ", ".join(_exercise_choices()[1:])
                        + "); auto (default): recognised from the posture")
    parser.add_argument("--variant", choices=VARIANTS, default="standard",
                        help="alias kept from before --exercise: knee = --exercise knee")
    parser.add_argument("--hold", type=_hold_seconds, default=None, metavar="SECONDS",
                        help="target time of every timed hold (plank...): counted down, announced when reached")
    parser.add_argument("--no-voice", action="store_true", help="do not speak cues (they are still shown and logged)")
    parser.add_argument("--voice", metavar="VOICE", help="speech voice id or name (see `livecoach voices`)")
    parser.add_argument("--rate", type=int, metavar="WPM", help="speech rate in words per minute")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="where the session history lives (default: the per-user data folder)")
    parser.add_argument("--no-history", action="store_true", help="do not record this session in the history")
    parser.add_argument("--save-frames", choices=("bottom", "off"), default="bottom",
                        help="keep a small picture of you at the bottom of each rep for the report (default: bottom)")
    parser.add_argument("--no-report", action="store_true", help="do not write the HTML report at the end")
    parser.add_argument("--open", action="store_true", help="open the HTML report in the browser at the end")
    parser.add_argument("--quiet", action="store_true", help="print only errors and the final summary")
    parser.add_argument("--reps", action="store_true", default=None,
                        help="print the per-rep table in the summary even for a long session")
    parser.add_argument("--plan", metavar="NAME",
                        help="run a workout plan set by set (see `livecoach plans`)")
    parser.add_argument("--plans-dir", type=Path, metavar="DIR",
                        help="a folder of your own plan files (read after the shipped ones)")


def _exercise_choices() -> List[str]:
    """``auto`` and the packaged profile names (file names; ``_*.toml`` are not profiles)."""
    return [AUTO] + sorted(p.stem for p in default_exercises_dir().glob("*.toml") if not p.name.startswith("_"))


def _hold_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (0.0 < value < 24 * 3600.0):  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


#: ``analyze --jobs``' default: every core, up to four (each process holds its own pose model).
DEFAULT_ANALYZE_JOBS = max(1, min(os.cpu_count() or 1, 4))


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be between 1 and 64, got {text!r}")
    return value


def _add_pipeline_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-pipeline", action="store_true",
                        help="run the pose model on the frame loop's thread (slower; same results)")


def register_session_commands(sub: "argparse._SubParsersAction") -> None:
    """``train``, ``analyze`` and ``replay``: the three ways to run a session."""
    train = sub.add_parser("train", help="train in front of the webcam (default command)",
                           description="Train live: webcam (or a video paced like one) -> pose -> coaching.")
    src = train.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, metavar="N", help="camera index (default 0)")
    src.add_argument("--video", type=Path, metavar="PATH", help="use a video file, paced like a live camera")
    train.add_argument("--headless", action="store_true",
                       help="no window: print events as lines (for a machine without a display)")
    train.add_argument("--record-video", type=Path, metavar="FILE",
                       help="also save the camera video (off by default: only bottom-of-rep pictures are kept)")
    _add_pipeline_flag(train)
    _add_common(train)
    train.set_defaults(func=_cmd_session, mode="train")

    analyze = sub.add_parser("analyze", help="analyse a recorded video, every frame, as fast as possible",
                             description="Offline analysis of a video: no pacing, no window.")
    analyze.add_argument("video", type=Path, metavar="VIDEO")
    analyze.add_argument("--annotated-video", type=Path, metavar="FILE",
                         help="write the video with the overlay drawn on it")
    analyze.add_argument("--no-progress", action="store_true", help="no progress bar")
    analyze.add_argument("--jobs", type=_jobs, default=DEFAULT_ANALYZE_JOBS, metavar="N",
                         help="processes running the pose model over chunks of the video "
                              f"(default {DEFAULT_ANALYZE_JOBS}: this computer's cores, at most 4; 1 = one "
                              "process, the pose model one frame ahead of the logic)")
    _add_pipeline_flag(analyze)
    _add_common(analyze)
    analyze.set_defaults(func=_cmd_session, mode="analyze")

    replay = sub.add_parser("replay", help="run recorded landmarks through the coaching logic",
                            description="Replay a --record-landmarks file through the same logic (no video, no model).")
    replay.add_argument("recording", type=Path, metavar="FILE")
    replay.add_argument("--save", action="store_true",
                        help="also keep the replayed session in the history (off: it was kept when recorded)")
    _add_common(replay)
    replay.set_defaults(func=_cmd_session, mode="replay")


def session_options(args: argparse.Namespace) -> SessionOptions:
    """The :class:`SessionOptions` of a parsed ``train`` / ``analyze`` / ``replay`` command line."""
    mode = args.mode
    headless = mode != "train" or bool(getattr(args, "headless", False))
    # --exercise wins; without it --variant knee (the old flag) forces knee push-ups.
    exercise = args.exercise or ("knee" if args.variant == "knee" else AUTO)
    return SessionOptions(
        mode=mode, variant="knee" if exercise == "knee" else args.variant, exercise=exercise,
        hold_target_s=args.hold, headless=headless,
        voice=mode == "train" and not args.no_voice,
        events=args.events, record_landmarks=args.record_landmarks,
        record_video=getattr(args, "record_video", None),
        annotated_video=getattr(args, "annotated_video", None),
        # A replay is a session already done: kept again only on request, or weekly totals count it twice.
        history=not args.no_history and (mode != "replay" or args.save), summary=not args.no_history,
        data_dir=args.data_dir, save_frames=args.save_frames,
        report=not args.no_report, open_report=args.open,
        # A progress bar is for a person watching a terminal, not for a log file.
        progress=(mode == "analyze" and not getattr(args, "no_progress", False) and not args.quiet
                  and sys.stderr.isatty()),
        quiet=args.quiet,
        per_rep=args.reps,
        pipelined=not getattr(args, "no_pipeline", False),
        jobs=getattr(args, "jobs", 1),
        camera=getattr(args, "camera", 0) or 0,
        video=getattr(args, "video", None),
        recording=getattr(args, "recording", None),
        voice_id=args.voice, rate_wpm=args.rate,
        plan=args.plan, plans_dir=args.plans_dir,
    )


def _cmd_session(args: argparse.Namespace) -> int:
    return run_session(session_options(args), _load_config(args))


# -- doctor, config -----------------------------------------------------------------------

def register_doctor_command(sub: "argparse._SubParsersAction") -> None:
    doctor = sub.add_parser("doctor", help="check camera, pose model, speech and display; say how to fix")
    doctor.add_argument("--camera", type=int, default=0, metavar="N")
    doctor.add_argument("--config", type=Path, metavar="FILE")
    doctor.add_argument("--data-dir", type=Path, metavar="DIR")
    doctor.set_defaults(func=_cmd_doctor)


def _cmd_doctor(args: argparse.Namespace) -> int:
    return run_doctor(camera=args.camera, config_path=args.config, data_dir=args.data_dir)


def register_config_command(sub: "argparse._SubParsersAction") -> None:
    show = sub.add_parser("config", help="print every setting: its value, allowed range and meaning",
                          description="The resolved configuration (defaults + --config FILE), key by key.")
    show.add_argument("--config", type=Path, metavar="FILE")
    show.set_defaults(func=_cmd_config)


def _toml_value(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)  # strings, numbers, booleans, lists: same in TOML


def _cmd_config(args: argparse.Namespace) -> int:
    config = _load_config(args)
    section = None
    for key, value, allowed, meaning in describe_fields(config):
        head = key.rsplit(".", 1)[0]
        if head != section:
            section = head
            print(f"\n[{section}]")
        text = _toml_value(value)
        extra = "  ".join(part for part in (f"({allowed})" if allowed else "", meaning) if part)
        print(f"{key.rsplit('.', 1)[1]} = {text}" + (f"    # {extra}" if extra else ""))
    return EXIT_OK


def _load_config(args: argparse.Namespace) -> Config:
    try:
        return load_config(getattr(args, "config", None))
    except ConfigError as exc:
        raise ConfigProblem(f"bad config: {exc}") from None


# -- the parser -----------------------------------------------------------------------------

#: Every sub-command, in the order ``livecoach --help`` lists them.
REGISTRARS: Tuple[Callable[["argparse._SubParsersAction"], None], ...] = (
    register_session_commands,
    register_doctor_command,
    register_config_command,
    register_eval_commands,
    register_speech_commands,
    register_history_commands,
    register_plan_commands,
)

_TOP_LEVEL_FLAGS = ("-v", "--verbose")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livecoach",
        description="Real-time push-up coach: counts reps, checks form, speaks short cues.",
    )
    parser.add_argument("--version", action="version", version=f"livecoach {__version__}")
    parser.add_argument(*_TOP_LEVEL_FLAGS, dest="verbose", action="store_true",
                        help="print diagnostics (and the traceback of an unexpected error) on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


class _LineFormatter(logging.Formatter):
    """``livecoach: warning: ...`` for the user; the logger's name too at debug level."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno <= logging.DEBUG:
            line = f"livecoach: debug: {record.name}: {message}"
        else:
            line = f"livecoach: {record.levelname.lower()}: {message}"
        if record.exc_info and record.levelno <= logging.DEBUG:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(verbose: bool) -> None:
    """The ``livecoach`` loggers to stderr: warnings always, everything with ``--verbose``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LineFormatter())
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.WARNING)
    log.propagate = False


def _with_default_command(argv: List[str]) -> List[str]:
    """`livecoach` alone (or with only options) starts training."""
    n = 0
    while n < len(argv) and argv[n] in _TOP_LEVEL_FLAGS:
        n += 1
    rest = argv[n:]
    if not rest or rest[0].startswith("-") and rest[0] not in ("-h", "--help", "--version"):
        return argv[:n] + ["train"] + rest
    return argv


def _stop_on_sigterm() -> object:
    # A session installs its own handler while it runs (it stops the loop and saves the
    # session); everywhere else SIGTERM's default would end the process without a word.
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(_signum: int, _frame: object) -> None:
        raise Terminated

    try:
        return signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):  # pragma: no cover - exotic platforms
        return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``livecoach`` console script."""
    args_list = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(args_list)
    configure_logging(args.verbose or os.environ.get("LIVECOACH_DEBUG", "") not in ("", "0"))
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_USAGE
    previous = _stop_on_sigterm()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("livecoach: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:
        print("livecoach: stopped (SIGTERM)", file=sys.stderr)
        return EXIT_SIGTERM
    except LiveCoachError as exc:
        log.debug("%s", type(exc).__name__, exc_info=True)
        print(f"livecoach: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `livecoach config | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - a bug: still one line; --verbose shows the traceback
        log.debug("unexpected error", exc_info=True)
        print(f"livecoach: error: internal error: {type(exc).__name__}: {exc} "
              f"(run with --verbose for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if previous is not None:  # main() called from Python (tests, tools): leave things as found
            signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
