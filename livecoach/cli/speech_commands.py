"""``livecoach say`` and ``livecoach voices``: check that speech works, list voice ids.

:func:`register` adds both sub-commands to the ``livecoach`` parser; everything they do is in
:mod:`livecoach.speech` (this module only parses flags and prints).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List

from livecoach.config.schema import SpeechConfig, load_config
from livecoach.errors import OutputPathProblem, SpeechFailed, UsageProblem
from livecoach.speech.chain import speech_config_with
from livecoach.speech.offline import explain_unavailable, list_voices, render_wav
from livecoach.speech.worker import SpeechWorker
from livecoach.types import Cue, CueKind

__all__ = ["register"]


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add the ``say`` and ``voices`` subcommands."""
    say = subparsers.add_parser("say", help="speak a test phrase (or render it to a wav file)",
                                description="Speak TEXT with the configured voice, to check speech works.")
    say.add_argument("text", metavar="TEXT")
    say.add_argument("--wav", type=Path, metavar="FILE", help="write the speech to a wav file instead of playing it")
    _speech_flags(say)
    say.set_defaults(func=_cmd_say)
    voices = subparsers.add_parser("voices", help="list the voices of the speech backend",
                                   description="List voice ids to use with --voice.")
    _speech_flags(voices, with_voice=False)
    voices.set_defaults(func=_cmd_voices)


def _speech_flags(parser: argparse.ArgumentParser, with_voice: bool = True) -> None:
    if with_voice:
        parser.add_argument("--voice", metavar="VOICE", help="voice id or name (see `livecoach voices`)")
        parser.add_argument("--rate", type=int, metavar="WPM", help="words per minute")
    parser.add_argument("--backend", choices=("auto", "pyttsx3", "espeak-ng", "say", "text"),
                        help="speech backend (default: config speech.backend)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="TOML file overriding config/default.toml")


def _speech_config(args: argparse.Namespace) -> SpeechConfig:
    config = load_config(getattr(args, "config", None)).speech
    return speech_config_with(config, voice=getattr(args, "voice", None), rate=getattr(args, "rate", None),
                              backend=getattr(args, "backend", None))


def _cmd_say(args: argparse.Namespace) -> int:
    out = sys.stdout
    text = args.text.strip()
    if not text:
        raise UsageProblem("say: nothing to say")
    try:
        config = _speech_config(args)
        if args.wav is not None:
            engine = config.backend if config.backend in ("pyttsx3", "espeak-ng") else "auto"
            seconds = render_wav(text, args.wav, config, engine=engine)
            print(f"wrote {args.wav} ({seconds:.2f} s of speech)", file=out)
            return 0
    except OSError as exc:
        raise OutputPathProblem(f"say: {_line(exc)}") from None
    notices: List[str] = []
    worker = SpeechWorker(config, notify=notices.append).start()
    try:
        worker.wait_ready(config.probe_timeout_s * 3)
        if worker.backend_name == "text":
            raise SpeechFailed(f"say: {_cannot_speak(config, worker)}")
        worker.say(Cue(t_s=worker.clock(), key="test", text=text, kind=CueKind.ANNOUNCEMENT, priority=100))
        worker.wait_idle(30.0)
    finally:
        worker.stop(1.0)
    last = worker.spoken[-1] if worker.spoken else None
    if last is None or not last.completed:
        reason = worker.backend_errors[-1] if worker.backend_errors else "nothing was spoken"
        raise SpeechFailed(f"say: {reason}")
    print(f"said it with {last.backend}", file=out)
    return 0


def _cannot_speak(config: SpeechConfig, worker: SpeechWorker) -> str:
    """One line: why nothing can be spoken here and what to do (at least: --wav FILE)."""
    if config.backend == "text" and not worker.unavailable:
        return 'speech.backend is "text", so nothing is spoken; try --backend auto, or --wav FILE'
    what, fix = explain_unavailable(worker.unavailable)
    return f"cannot speak: {what} — " + (f"{fix}, or write it to a file with --wav FILE" if fix
                                         else "write it to a file with --wav FILE")


def _cmd_voices(args: argparse.Namespace) -> int:
    try:
        backend, voices = list_voices(_speech_config(args))
    except OSError as exc:
        raise SpeechFailed(f"voices: {_line(exc)}") from None
    print(f"{len(voices)} voices of {backend} (use the id with --voice):")
    width = max([len(v.id) for v in voices] + [2])
    for v in voices:
        extra = f" [{v.languages}]" if v.languages and v.languages != v.id else ""
        print(f"  {v.id:<{width}}  {v.name}{extra}")
    return 0


def _line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
