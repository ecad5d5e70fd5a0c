"""``livecoach`` command line: train, analyze, replay, doctor, eval, say, voices, summary,
history, export.

Every failure a user can cause (no camera, a bad path, a bad config, speech missing) ends
with one line on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from livecoach import __version__
from livecoach.logic.analysis import VARIANTS
from livecoach.errors import LiveCoachError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2



def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="TOML file overriding any of config/default.toml's keys")
    parser.add_argument("--events", metavar="FILE",
                        help="write events as JSON Lines to FILE ('-' for stdout)")
    parser.add_argument("--record-landmarks", type=Path, metavar="FILE",
                        help="record every frame's landmarks (.jsonl or .jsonl.gz) for `livecoach replay`")
    parser.add_argument("--variant", choices=VARIANTS, default="standard",
                        help="push-up variant (knee: bent knees are not a fault)")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livecoach",
        description="Real-time push-up coach: counts reps, checks form, speaks short cues.",
    )
    parser.add_argument("--version", action="version", version=f"livecoach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser("train", help="train in front of the webcam (default command)",
                           description="Train live: webcam (or a video paced like one) -> pose -> coaching.")
    src = train.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, metavar="N", help="camera index (default 0)")
    src.add_argument("--video", type=Path, metavar="PATH", help="use a video file, paced like a live camera")
    train.add_argument("--headless", action="store_true",
                       help="no window: print events as lines (for a machine without a display)")
    train.add_argument("--record-video", type=Path, metavar="FILE",
                       help="also save the camera video (off by default: only bottom-of-rep pictures are kept)")
    _add_common(train)
    train.set_defaults(func=_cmd_train)

    analyze = sub.add_parser("analyze", help="analyse a recorded video, every frame, as fast as possible",
                             description="Offline analysis of a video: no pacing, no window.")
    analyze.add_argument("video", type=Path, metavar="VIDEO")
    analyze.add_argument("--annotated-video", type=Path, metavar="FILE",
                         help="write the video with the overlay drawn on it")
    analyze.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_common(analyze)
    analyze.set_defaults(func=_cmd_analyze)

    replay = sub.add_parser("replay", help="run recorded landmarks through the coaching logic",
                            description="Replay a --record-landmarks file through the same logic (no video, no model).")
    replay.add_argument("recording", type=Path, metavar="FILE")
    _add_common(replay)
    replay.set_defaults(func=_cmd_replay)

    doctor = sub.add_parser("doctor", help="check camera, pose model, speech and display; say how to fix")
    doctor.add_argument("--camera", type=int, default=0, metavar="N")
    doctor.add_argument("--config", type=Path, metavar="FILE")
    doctor.add_argument("--data-dir", type=Path, metavar="DIR")
    doctor.set_defaults(func=_cmd_doctor)

    show = sub.add_parser("config", help="print every setting: its value, allowed range and meaning",
                          description="The resolved configuration (defaults + --config FILE), key by key.")
    show.add_argument("--config", type=Path, metavar="FILE")
    show.set_defaults(func=_cmd_config)

    # Commands owned by their modules (each adds its parser with set_defaults(func=...)).
    from livecoach.cli import evaluate as evaluation
    from livecoach.history import review
    from livecoach.speech import worker as speech

    for module in (evaluation, speech, review):
        module.register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``livecoach`` console script."""
    args_list: List[str] = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list or args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version"):
        args_list = ["train"] + args_list  # `livecoach` alone starts training
    args = parser.parse_args(args_list)
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("livecoach: interrupted", file=sys.stderr)
        return 130
    except UserFacingError as exc:
        print(f"livecoach: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `livecoach config | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


class UserFacingError(LiveCoachError):
    """An error whose message is the whole story for the user (printed as one line)."""


def _load_config(args: argparse.Namespace):
    from livecoach.config.schema import ConfigError, load_config

    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        raise UserFacingError(f"bad config: {exc}") from None
    return config


def _cmd_train(args: argparse.Namespace) -> int:
    from livecoach.session.app import run_from_args

    return run_from_args(args, _load_config(args), mode="train")


def _cmd_analyze(args: argparse.Namespace) -> int:
    from livecoach.session.app import run_from_args

    return run_from_args(args, _load_config(args), mode="analyze")


def _cmd_replay(args: argparse.Namespace) -> int:
    from livecoach.session.app import run_from_args

    return run_from_args(args, _load_config(args), mode="replay")


def _toml_value(value: object) -> str:
    import json

    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)  # strings, numbers, booleans, lists: same in TOML


def _cmd_config(args: argparse.Namespace) -> int:
    from livecoach.config.toml_io import describe_fields

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


def _cmd_doctor(args: argparse.Namespace) -> int:
    from livecoach.cli.doctor import run_doctor

    return run_doctor(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
