"""One way to print a user-facing error: ``livecoach: error: <one line>`` and the class's exit code."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest

from livecoach.cli import main as cli
from livecoach.errors import EXIT_SPEECH, LiveCoachError, SessionError, SpeechFailed
from livecoach.session import build
from livecoach.session import models as pose_models


def tiny_video(path: Path, frames: int = 45, fps: float = 30.0) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for n in range(frames):
        writer.write(np.full((48, 64, 3), n % 255, np.uint8))
    writer.release()
    return path


class NobodyEstimator:
    def estimate(self, frame: Any) -> None:
        return None

    def close(self) -> None:
        pass


class DyingSpeechWorker:
    """A speech worker whose thread died after ``frames`` frames (``check()`` raises from then on)."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.checks = 0
        self.muted = False
        self.stopped = False

    def wait_ready(self, timeout: Optional[float] = None) -> bool:
        return True

    def say(self, cue: Any) -> bool:
        return True

    def check(self) -> None:
        self.checks += 1
        if self.checks > self.frames:
            raise RuntimeError("speech worker failed: espeak-ng exited with status -9")

    def wait_idle(self, timeout: float) -> bool:
        return True

    def stop(self, timeout: float = 1.0) -> bool:
        self.stopped = True
        return True


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("livecoach: error: ") and "Traceback" not in err
    return lines[0]


def test_a_dead_speech_thread_is_one_line_and_a_non_zero_exit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture) -> None:
    worker = DyingSpeechWorker(frames=10)
    monkeypatch.setattr(pose_models, "start_estimator", lambda config: NobodyEstimator())
    monkeypatch.setattr(build, "start_speaker", lambda *args, **kwargs: worker)
    video = tiny_video(tmp_path / "clip.avi")
    events = tmp_path / "events.jsonl"
    code = cli.main(["train", "--headless", "--video", str(video), "--quiet", "--no-history",
                     "--events", str(events)])
    line = one_error_line(capsys.readouterr().err)
    assert code == SpeechFailed.exit_code == EXIT_SPEECH
    assert "espeak-ng exited" in line and "the session so far is saved" in line
    assert worker.stopped
    assert '"reason": "error"' in events.read_text().splitlines()[-1]


def test_every_livecoach_error_is_printed_the_same_way(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    class Odd(LiveCoachError):
        exit_code = 42

    def fail(options: Any, config: Any) -> int:
        raise Odd("the reason, and the fix")

    monkeypatch.setattr(cli, "run_session", fail)
    code = cli.main(["replay", "whatever.jsonl"])
    assert code == 42
    assert one_error_line(capsys.readouterr().err) == "livecoach: error: the reason, and the fix"


def test_a_bug_is_one_line_without_verbose_and_a_traceback_with_it(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture) -> None:
    def fail(options: Any, config: Any) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "run_session", fail)
    assert cli.main(["replay", "whatever.jsonl"]) == cli.EXIT_INTERNAL
    line = one_error_line(capsys.readouterr().err)
    assert "internal error: ZeroDivisionError" in line and "--verbose" in line
    assert cli.main(["--verbose", "replay", "whatever.jsonl"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().splitlines()[-1].startswith("livecoach: error: internal error")


def test_verbose_goes_before_the_command_and_train_stays_the_default() -> None:
    assert cli._with_default_command(["--verbose"]) == ["--verbose", "train"]
    assert cli._with_default_command(["-v", "--headless"]) == ["-v", "train", "--headless"]
    assert cli._with_default_command(["--verbose", "replay", "x"]) == ["--verbose", "replay", "x"]
    assert cli._with_default_command(["--help"]) == ["--help"]
    args = cli.build_parser().parse_args(["--verbose", "replay", "x.jsonl"])
    assert args.verbose and cli.session_options(args).recording == Path("x.jsonl")


def test_session_options_carry_no_argparse() -> None:
    args = cli.build_parser().parse_args(["train", "--headless", "--video", "v.mp4", "--voice", "en", "--rate", "150"])
    options = cli.session_options(args)
    assert options.mode == "train" and options.headless and options.voice
    assert (options.video, options.voice_id, options.rate_wpm) == (Path("v.mp4"), "en", 150)
    assert issubclass(SpeechFailed, SessionError)
