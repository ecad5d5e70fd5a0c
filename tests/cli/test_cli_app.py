"""The command line and the session loop: exit codes, one-line errors, and a session that
always closes cleanly (end of source, quit, Ctrl-C, a failing thread) without losing reps."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest

from livecoach.session.loop import CoachSession
from livecoach.session.options import SessionOptions
from livecoach.session.ticks import Tick

from livecoach.config.schema import load_config
from livecoach.errors import EXIT_CONFIG, EXIT_DISPLAY, EXIT_INPUT
from livecoach.formats.recording import read_recording
from livecoach.types import CueEvent, Frame, RepEvent

from cli_helpers import reps_written
from conftest import FIXTURES, REPO_ROOT

RECORDING = FIXTURES / "landmarks" / "vraj__pushups.mp4.jsonl.gz"
EXPECTED = json.loads((FIXTURES / "expected" / "vraj__pushups.mp4.json").read_text())


def run_cli(*args: str, timeout: float = 120, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment.pop("DISPLAY", None)  # never let a test open a real window
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "livecoach", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout, env=environment)


def assert_one_line_error(result: subprocess.CompletedProcess, exit_code: int, *fragments: str) -> None:
    assert result.returncode == exit_code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("livecoach: error:"), lines[0]
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


# -- bad input: one line, the exit code of its class --------------------------------------------------------

def test_no_camera_names_the_fixes(tmp_path: Path) -> None:
    result = run_cli("train", "--headless", "--camera", "7", "--data-dir", str(tmp_path))
    assert_one_line_error(result, EXIT_INPUT, "camera", "--video", "doctor")


def test_window_without_display_is_refused_before_any_window_call(tmp_path: Path) -> None:
    result = run_cli("train", "--video", str(RECORDING), "--data-dir", str(tmp_path))
    assert_one_line_error(result, EXIT_DISPLAY, "display", "--headless")


def test_missing_video(tmp_path: Path) -> None:
    result = run_cli("analyze", str(tmp_path / "nope.mp4"), "--data-dir", str(tmp_path))
    assert_one_line_error(result, EXIT_INPUT, "not found")


def test_non_video_file(tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video\n" * 50)
    result = run_cli("train", "--headless", "--video", str(fake), "--data-dir", str(tmp_path))
    assert_one_line_error(result, EXIT_INPUT, "not a video")


@pytest.mark.parametrize("body, fragment", [
    ("[reps]\nmin_rep_s = -1\n", "reps.min_rep_s"),
    ("[nonsense]\nx = 1\n", "unknown key 'nonsense'"),
    ("[speech]\nrate_wpm = 'fast'\n", "speech.rate_wpm"),
    ("this is = = not toml", "not valid TOML"),
])
def test_bad_config_names_file_and_key(tmp_path: Path, body: str, fragment: str) -> None:
    config = tmp_path / "mine.toml"
    config.write_text(body)
    result = run_cli("replay", str(RECORDING), "--config", str(config), "--no-history")
    assert_one_line_error(result, EXIT_CONFIG, str(config), fragment)


def test_bad_recording(tmp_path: Path) -> None:
    bogus = tmp_path / "x.jsonl"
    bogus.write_text('{"hello": 1}\n')
    result = run_cli("replay", str(bogus), "--no-history")
    assert_one_line_error(result, EXIT_INPUT, "not a LiveCoach landmark recording")


def test_unknown_variant_is_a_usage_error() -> None:
    result = run_cli("replay", str(RECORDING), "--variant", "one-armed")
    assert result.returncode == 2 and "invalid choice" in result.stderr


# -- replay: the same logic as live, deterministic ---------------------------------------

def test_replay_writes_the_documented_event_stream(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    result = run_cli("replay", str(RECORDING), "--events", str(events), "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines[0]["type"] == "session_start" and lines[-1]["type"] == "session_end"
    assert all(line["v"] == 2 and "t" in line for line in lines)
    reps = [line for line in lines if line["type"] == "rep"]
    assert len(reps) == EXPECTED["reps"]
    for rep in reps:
        assert {"index", "t_start", "t_bottom", "t_end", "full", "faults", "score", "exercise"} <= rep.keys()
        assert rep["t_start"] <= rep["t_bottom"] <= rep["t_end"]
    end = lines[-1]
    assert end["reps"] == EXPECTED["reps"] and end["frames"] == EXPECTED["frames"]
    assert end["frames_with_pose"] == EXPECTED["frames_with_pose"]
    assert end["form_verdict"] in ("correct", "incorrect")
    # v2: the exercises named (exercise events) are the session's list; a push-up clip has no hold
    named = [line["exercise"] for line in lines if line["type"] == "exercise"]
    assert end["holds"] == 0 and set(end["exercises"]) >= set(named) | {rep["exercise"] for rep in reps}
    assert all(0.0 <= line["confidence"] <= 1.0 for line in lines if line["type"] == "exercise")
    # The human summary went to stdout; a replay is not kept in the history unless --save.
    assert "Reps 4" in result.stdout
    assert not (tmp_path / "livecoach.db").exists()


def test_replay_is_kept_in_the_history_only_with_save(tmp_path: Path) -> None:
    saved = run_cli("replay", str(RECORDING), "--save", "--no-report", "--data-dir", str(tmp_path))
    assert saved.returncode == 0, saved.stderr
    assert "Reps 4" in saved.stdout and (tmp_path / "livecoach.db").exists()
    again = run_cli("replay", str(RECORDING), "--no-report", "--data-dir", str(tmp_path))
    assert again.returncode == 0 and "Reps 4" in again.stdout
    from livecoach.history.store import SessionStore

    with SessionStore(tmp_path / "livecoach.db", create=False) as store:
        assert len(store.session_ids()) == 1  # the second replay was not stored


def test_replay_is_deterministic(tmp_path: Path) -> None:
    outputs = []
    for run in range(2):
        path = tmp_path / f"events{run}.jsonl"
        assert run_cli("replay", str(RECORDING), "--events", str(path), "--no-history").returncode == 0
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        lines[-1].pop("fps")  # processing speed: the one wall-clock figure in the stream
        outputs.append(lines)
    assert outputs[0] == outputs[1]


def test_events_to_stdout_is_pure_json(tmp_path: Path) -> None:
    result = run_cli("replay", str(RECORDING), "--events", "-", "--no-history")
    assert result.returncode == 0
    for line in result.stdout.splitlines():
        json.loads(line)


def test_record_landmarks_round_trip(tmp_path: Path) -> None:
    copy = tmp_path / "copy.jsonl"
    assert run_cli("replay", str(RECORDING), "--record-landmarks", str(copy), "--no-history").returncode == 0
    header_a, frames_a = read_recording(RECORDING)
    header_b, frames_b = read_recording(copy)
    assert (header_b.width, header_b.height) == (header_a.width, header_a.height)
    assert len(frames_a) == len(frames_b)
    for a, b in zip(frames_a, frames_b):
        assert a.frame_index == b.frame_index and a.t_s == pytest.approx(b.t_s, abs=1e-4)
        assert (a.pose is None) == (b.pose is None)
        if a.pose is not None:
            assert abs(a.pose.image_xyz - b.pose.image_xyz).max() < 0.01
            assert abs(a.pose.world_xyz - b.pose.world_xyz).max() < 1e-3


# -- the session loop with fakes ---------------------------------------------------------

class FakeSpeaker:
    def __init__(self) -> None:
        self.said: List[str] = []
        self.muted = False
        self.stopped = False

    def say(self, cue: Any) -> bool:
        self.said.append(cue.text)
        return True

    def check(self) -> None:
        pass

    def wait_idle(self, timeout: float) -> bool:
        return True

    def stop(self, timeout: float = 1.0) -> bool:
        self.stopped = True
        return True


class FakeRecorder:
    def __init__(self) -> None:
        self.reps: List[Any] = []
        self.finished: Any = None

    def on_step(self, step: Any, image: Any) -> None:
        self.reps += [e.record for e in step.events if isinstance(e, RepEvent)]

    def finish(self, end: Any) -> None:
        self.finished = end


def recorded_ticks(limit: Optional[int] = None, fail_at: Optional[int] = None) -> Iterator[Tick]:
    _, frames = read_recording(RECORDING)
    for n, recorded in enumerate(frames):
        if limit is not None and n >= limit:
            return
        if fail_at is not None and n == fail_at:
            raise OSError("camera thread died")
        yield Tick(recorded.t_s, recorded.frame_index, None, recorded.pose, pose_known=True)


def make_session(ticks: Iterator[Tick], **kwargs: Any) -> CoachSession:
    options = SessionOptions(mode="replay", headless=True, quiet=True)
    return CoachSession(load_config(), options, "test", ticks, **kwargs)


def test_session_speaks_every_cue_the_policy_emits_and_records_every_rep() -> None:
    speaker, recorder = FakeSpeaker(), FakeRecorder()
    session = make_session(recorded_ticks(), speaker=speaker, recorder=recorder)
    cues: List[str] = []
    original = session.analyzer.update

    def spy(*args: Any) -> Any:
        step = original(*args)
        cues.extend(e.cue.text for e in step.events if isinstance(e, CueEvent))
        return step

    session.analyzer.update = spy  # type: ignore[assignment]
    end = session.run()
    assert end.reason == "end_of_source" and end.reps == EXPECTED["reps"]
    assert speaker.said == cues and speaker.stopped
    assert [r.index for r in recorder.reps if r.full] == list(range(1, EXPECTED["reps"] + 1))
    assert recorder.finished is end


def test_a_failing_source_still_closes_and_keeps_completed_reps() -> None:
    recorder = FakeRecorder()
    fail_at = 300  # after the third rep of the clip
    session = make_session(recorded_ticks(fail_at=fail_at), recorder=recorder, speaker=FakeSpeaker())
    with pytest.raises(OSError, match="camera thread died"):
        session.run()
    assert recorder.finished is not None and recorder.finished.reason == "error"
    assert recorder.finished.frames == fail_at
    assert recorder.finished.reps == len([r for r in recorder.reps if r.full]) >= 2


class QuitAfter:
    """A fake window: quits after ``n`` frames; records what it was shown."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.shown = 0
        self.closed = False

    def show(self, image: Any) -> Any:
        from livecoach.render.window import KeyAction

        self.shown += 1
        return KeyAction.QUIT if self.shown >= self.n else KeyAction.NONE

    def close(self) -> None:
        self.closed = True


class NullRenderer:
    def render(self, image: Any, step: Any, **kwargs: Any) -> Any:
        return image


def test_quitting_from_the_window_ends_the_session_as_quit() -> None:
    import numpy as np

    def frames() -> Iterator[Tick]:
        for tick in recorded_ticks():
            yield Tick(tick.t_s, tick.frame_index, Frame(tick.frame_index, tick.t_s, np.zeros((4, 4, 3), np.uint8)),
                       tick.pose, pose_known=True)

    window = QuitAfter(50)
    session = make_session(frames(), window=window, renderer=NullRenderer())
    end = session.run()
    assert end.reason == "quit" and end.frames == 50 and window.closed


# -- signals: Ctrl-C mid-session keeps everything ---------------------------------------

def test_ctrl_c_ends_cleanly_with_summary_and_history(tmp_path: Path, shared_videos: Path) -> None:
    clip = shared_videos / "calimiro__videoplayback.mp4"
    events = tmp_path / "events.jsonl"
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "livecoach", "train", "--headless", "--video", str(clip),
                             "--no-voice", "--data-dir", str(tmp_path), "--events", str(events), "--no-report"],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    # Wait until at least two reps were counted, then press Ctrl-C.
    while time.monotonic() < deadline:
        if reps_written(events) >= 2:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    end = lines[-1]
    assert end["type"] == "session_end" and end["reason"] == "interrupted"
    reps = [line for line in lines if line["type"] == "rep"]
    assert end["reps"] == len(reps) >= 2
    assert f"Reps {len(reps)}" in out
    summary = run_cli("summary", "last", "--data-dir", str(tmp_path))
    assert summary.returncode == 0 and f"Reps {len(reps)}" in summary.stdout


def test_config_command_prints_every_setting_as_loadable_toml(tmp_path: Path) -> None:
    from livecoach.config.toml_io import read_toml
    from livecoach.config.schema import config_as_dict

    result = run_cli("config")
    assert result.returncode == 0, result.stderr
    printed = tmp_path / "printed.toml"
    printed.write_text(result.stdout)
    # What it prints is a complete config file: loading it gives the defaults back.
    assert read_toml(printed) == config_as_dict(load_config())
    assert load_config(printed) == load_config()
    assert "# (0.0 .. 1.0)" in result.stdout  # ranges and meanings ride along as comments


def test_sigkill_mid_set_keeps_every_completed_rep(tmp_path: Path, shared_videos: Path) -> None:
    """kill -9 (no chance to clean up): reps committed as they ended are all in the history."""
    clip = shared_videos / "calimiro__videoplayback.mp4"
    events = tmp_path / "events.jsonl"
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "livecoach", "train", "--headless", "--video", str(clip),
                             "--no-voice", "--data-dir", str(tmp_path), "--events", str(events)],
                            cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if reps_written(events) >= 3:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=10)
    reps_seen = [json.loads(line) for line in events.read_text().splitlines() if '"type": "rep"' in line]
    assert len(reps_seen) >= 3
    summary = run_cli("summary", "last", "--data-dir", str(tmp_path), "--out", str(tmp_path / "report.html"))
    assert summary.returncode == 0, summary.stderr
    assert "interrupted" in summary.stdout.lower()
    exported = run_cli("export", "last", "--format", "json", "--data-dir", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    stored = json.loads(exported.stdout)
    stored_reps = [r for r in stored["reps"] if r["full"]]
    # Every rep the app announced before the kill is in the history (the event line is written
    # after the rep is committed, so the database can only be ahead).
    assert len(stored_reps) >= len(reps_seen)
    for seen, kept in zip(reps_seen, stored_reps):
        assert kept["rep"] == seen["index"] and kept["t_end"] == pytest.approx(seen["t_end"], abs=1e-3)
    assert (tmp_path / "report.html").stat().st_size > 10_000


@pytest.mark.model
def test_analyze_writes_an_annotated_video(tmp_path: Path, shared_videos: Path) -> None:
    clip = shared_videos / "kaiakol__pushup_correct_001.mp4"
    out = tmp_path / "annotated.mp4"
    result = run_cli("analyze", str(clip), "--annotated-video", str(out), "--no-history", "--events",
                     str(tmp_path / "ev.jsonl"))
    assert result.returncode == 0, result.stderr
    from livecoach.capture.video_file import VideoFileSource

    written, original = VideoFileSource(out), VideoFileSource(clip)
    written.open()
    original.open()
    try:
        assert written.frame_count == original.frame_count
        assert (written.width, written.height) == (original.width, original.height)
        first_written, first_original = written.read(), original.read()
        # The overlay is drawn on it: the frames differ where the panels and skeleton are.
        diff = abs(first_written.image.astype(int) - first_original.image.astype(int)).mean()
        assert diff > 3
    finally:
        written.close()
        original.close()


def test_headless_says_once_when_nobody_is_in_view() -> None:
    import io

    def ticks() -> Iterator[Tick]:
        _, frames = read_recording(RECORDING)
        for n, recorded in enumerate(frames[:200]):
            gone = 50 <= n < 170  # the person walks out for 4 s (30 fps), then comes back
            yield Tick(recorded.t_s, recorded.frame_index, None, None if gone else recorded.pose, pose_known=True)

    out = io.StringIO()
    options = SessionOptions(mode="replay", headless=True)
    CoachSession(load_config(), options, "test", ticks(), out=out).run()
    lines = out.getvalue().splitlines()
    nobody = [line for line in lines if "nobody in view" in line]
    assert len(nobody) == 1 and "get into a plank" in nobody[0]
    assert sum("person in view again" in line for line in lines) == 1
