"""The session loop: frames -> pose -> coaching logic -> overlay, speech, events, history.

One thread runs all stateful logic (pose, analysis, cue policy, recording); the capture
thread only delivers frames and the speech thread only speaks. Whatever ends a session —
end of the video, q/Esc, the window closed, Ctrl-C, the camera unplugged, an exception —
the ``finally`` block closes it the same way: the final event, the history row, the
summary and the report, so no completed rep is ever lost.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from collections import deque
from typing import Any, Callable, Deque, Iterator, List, Optional, TextIO

from livecoach import __version__
from livecoach.config.schema import Config, config_as_dict
from livecoach.formats.events import EventWriter, describe, session_start_dict
from livecoach.types import CueEvent, Frame, LogicStep, PoseFrame, SessionEnd
from livecoach.errors import LiveCoachError


class SessionError(LiveCoachError):
    """Raised with a one-line message for a session that could not start."""


@dataclass(frozen=True)
class SessionOptions:
    """What the user asked for on the command line, independent of argparse."""

    mode: str  # "train" | "analyze" | "replay"
    variant: str = "standard"
    headless: bool = True
    voice: bool = False
    events: Optional[str] = None
    record_landmarks: Optional[Path] = None
    record_video: Optional[Path] = None
    annotated_video: Optional[Path] = None
    history: bool = True
    data_dir: Optional[Path] = None
    save_frames: str = "bottom"
    report: bool = True
    open_report: bool = False
    progress: bool = False
    quiet: bool = False


@dataclass(frozen=True)
class SessionResult:
    end: SessionEnd
    session_id: Optional[int] = None
    report_path: Optional[Path] = None


@dataclass(frozen=True)
class Tick:
    """One unit of work for the loop: a frame (live/analyze) or a recorded pose (replay)."""

    t_s: float
    frame_index: int
    frame: Optional[Frame]
    pose: Optional[PoseFrame]
    pose_known: bool  # True when ``pose`` comes from a recording (no estimator needed)


class _StopFlag:
    """Set by SIGINT/SIGTERM: the loop ends cleanly; a second Ctrl-C interrupts for real."""

    def __init__(self) -> None:
        self.reason: Optional[str] = None
        self._previous: List[Any] = []

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous.append((sig, signal.signal(sig, self._handle)))
            except (ValueError, OSError):  # pragma: no cover - exotic platforms
                pass

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.reason is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.reason = "interrupted"

    def restore(self) -> None:
        for sig, handler in self._previous:
            signal.signal(sig, handler)
        self._previous.clear()


class CoachSession:
    """Runs one session from a tick source to its end.

    Everything stateful is injected (frame source, pose estimator, speaker, window, recorder)
    so tests can drive a session with fakes and no camera, model, sound card or display.
    """

    def __init__(self, config: Config, options: SessionOptions, source_name: str,
                 ticks: Iterator[Tick], estimator: Any = None, speaker: Any = None,
                 window: Any = None, renderer: Any = None, recorder: Any = None,
                 landmark_writer: Any = None, video_writer: Any = None, raw_video_writer: Any = None,
                 dropped_frames: Callable[[], int] = lambda: 0, total_frames: Optional[int] = None,
                 out: TextIO = sys.stdout) -> None:
        from livecoach.logic.analysis import SessionAnalyzer
        from livecoach.logic.cues import CuePolicy

        self.config = config
        self.options = options
        self.source_name = source_name
        self._ticks = ticks
        self._estimator = estimator
        self._speaker = speaker
        self._window = window
        self._renderer = renderer
        self._recorder = recorder
        self._landmarks = landmark_writer
        self._video_writer = video_writer
        self._raw_video_writer = raw_video_writer
        self._dropped = dropped_frames
        self._total = total_frames
        self._out = out
        self.analyzer = SessionAnalyzer(config, variant=options.variant, cue_policy=CuePolicy(config))
        self._events = EventWriter(options.events) if options.events else None
        # Human-readable lines share stdout with `--events -`; then only the JSON goes there.
        self._print_lines = options.headless and not options.quiet and options.events != "-"
        self.frames = 0
        self.frames_with_pose = 0
        self.last_t_s = 0.0
        self.paused = False
        self._last_step: Optional[LogicStep] = None
        self._frame_times: Deque[float] = deque(maxlen=30)  # for the fps shown on the overlay
        self.latencies_s: List[float] = []
        self._progress_shown_at = 0.0
        self._nobody_since: Optional[float] = None
        self._nobody_said = False

    def run(self, stop: Optional[_StopFlag] = None) -> SessionEnd:
        """Process ticks until the source ends, the user quits or a stop is requested."""
        stop = stop or _StopFlag()
        reason = "end_of_source"
        started = time.monotonic()
        failure: Optional[BaseException] = None
        if self._events:
            self._events.write_dict(session_start_dict(self.source_name, self.options.mode,
                                                       self.options.variant, __version__))
        try:
            for tick in self._ticks:
                if stop.reason:
                    reason = stop.reason
                    break
                action = self._process(tick)
                if action == "quit":
                    reason = "quit"
                    break
                if self.options.progress and self._total:
                    self._progress(started)
            else:
                reason = stop.reason or "end_of_source"
        except KeyboardInterrupt:
            reason = "interrupted"
        except Exception as exc:  # noqa: BLE001 - whatever broke, the session is closed and saved
            from livecoach.capture.sources import CameraLost

            reason = "camera_lost" if isinstance(exc, CameraLost) else "error"
            failure = exc
        finally:
            elapsed = max(time.monotonic() - started, 1e-6)
            end = self.analyzer.finish(self.last_t_s, frames=self.frames,
                                       frames_with_pose=self.frames_with_pose,
                                       fps=self.frames / elapsed, dropped=self._dropped(),
                                       reason=reason)
            self._close(end)
        if failure is not None:
            raise failure
        return end

    # -- one frame --------------------------------------------------------------------
    def _process(self, tick: Tick) -> Optional[str]:
        if self.paused and self._window is not None and tick.frame is not None:
            return self._show(tick.frame.image, self._last_step)
        pose = tick.pose if tick.pose_known else self._estimator.estimate(tick.frame)
        step = self.analyzer.update(tick.t_s, tick.frame_index, pose)
        if tick.frame is not None and tick.frame.captured_monotonic_s:
            self.latencies_s.append(time.monotonic() - tick.frame.captured_monotonic_s)
        self._frame_times.append(time.monotonic())
        self.frames += 1
        self.frames_with_pose += pose is not None
        if self._print_lines:
            self._say_if_nobody_in_view(tick.t_s, pose is not None)
        self.last_t_s = tick.t_s
        self._last_step = step
        if self._landmarks is not None:
            self._landmarks.write(tick.frame_index, tick.t_s, pose)
        image = tick.frame.image if tick.frame is not None else None
        if image is not None and self._raw_video_writer is not None:
            self._raw_video_writer.write(image)
        if self._recorder is not None:
            self._record(step, image)
        for event in step.events:
            if self._events:
                self._events.write(event)
            if self._print_lines:
                if self._progress_shown_at:
                    sys.stderr.write("\r\033[K")  # the line goes where the bar was
                print(describe(event), file=self._out, flush=True)
            if isinstance(event, CueEvent) and self._speaker is not None:
                self._speaker.say(event.cue)
        if image is not None and (self._window is not None or self._video_writer is not None):
            drawn = self._renderer.render(image, step, fps=self._fps(), muted=self._muted(),
                                          paused=self.paused)
            if self._video_writer is not None:
                self._video_writer.write(drawn)
            if self._window is not None:
                return self._show(drawn, step, already_drawn=True)
        return None

    def _say_if_nobody_in_view(self, t_s: float, person: bool) -> None:
        """Without a window nothing shows the no-person hint: one line per absence."""
        if person:
            if self._nobody_since is not None and self._nobody_said:
                print(f"[{t_s:7.2f}s] person in view again", file=self._out, flush=True)
            self._nobody_since, self._nobody_said = None, False
            return
        if self._nobody_since is None:
            self._nobody_since = t_s
        elif not self._nobody_said and t_s - self._nobody_since >= self.config.overlay.no_person_notice_s:
            self._nobody_said = True
            print(f"[{t_s:7.2f}s] nobody in view — {self.config.overlay.no_person_hint.lower()}",
                  file=self._out, flush=True)

    def _record(self, step: LogicStep, image: Any) -> None:
        from livecoach.history.store import StoreError

        try:
            self._recorder.on_step(step, image)
        except StoreError as exc:
            # The disk filled up or the database went away: the person is mid-set, so the
            # coaching goes on; what was committed before stays in the history.
            print(f"livecoach: warning: {exc}; going on without the history", file=sys.stderr)
            self._recorder = None

    def _show(self, image: Any, step: Optional[LogicStep], already_drawn: bool = False) -> Optional[str]:
        from livecoach.render.window import KeyAction

        if not already_drawn and step is not None:
            image = self._renderer.render(image, step, fps=self._fps(), muted=self._muted(), paused=True)
        action = self._window.show(image)
        if action == KeyAction.QUIT:
            return "quit"
        if action == KeyAction.PAUSE:
            self.paused = not self.paused
        elif action == KeyAction.MUTE and self._speaker is not None:
            self._speaker.muted = not self._speaker.muted
        elif action == KeyAction.RESET:
            self.analyzer.reset_count()
        return None

    def _muted(self) -> bool:
        return bool(getattr(self._speaker, "muted", False)) or self._speaker is None

    def _fps(self) -> float:
        times = self._frame_times
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / max(times[-1] - times[0], 1e-6)

    def _progress(self, started: float) -> None:
        now = time.monotonic()
        if now - self._progress_shown_at < 0.2 and self.frames < self._total:
            return
        self._progress_shown_at = now
        done = min(self.frames / self._total, 1.0)
        elapsed = time.monotonic() - started
        rate = self.frames / max(elapsed, 1e-6)
        width = 30
        bar = "#" * int(done * width)
        sys.stderr.write(f"\r[{bar:<{width}}] {done * 100:5.1f}%  {self.frames}/{self._total} frames  "
                         f"{rate:5.1f} fps")
        sys.stderr.flush()

    # -- the end ----------------------------------------------------------------------
    def _close(self, end: SessionEnd) -> None:
        """Close every sink; each in its own try so one failure cannot lose the others."""
        if self.options.progress and self._total:
            sys.stderr.write("\n")
        for closer in (self._write_end, self._finish_recorder, self._close_writers,
                       self._stop_speaker, self._close_window):
            try:
                closer(end)
            except Exception as exc:  # noqa: BLE001
                print(f"livecoach: warning: while closing the session: {exc}", file=sys.stderr)

    def _write_end(self, end: SessionEnd) -> None:
        if self._events:
            self._events.write(end)
            self._events.close()
        if self._print_lines:
            print(describe(end), file=self._out, flush=True)

    def _finish_recorder(self, end: SessionEnd) -> None:
        if self._recorder is not None:
            self._recorder.finish(end)

    def _close_writers(self, _end: SessionEnd) -> None:
        for writer in (self._landmarks, self._video_writer):
            if writer is not None:
                writer.close()

    def _stop_speaker(self, _end: SessionEnd) -> None:
        if self._speaker is not None:
            self._speaker.stop(timeout=1.0)

    def _close_window(self, _end: SessionEnd) -> None:
        if self._window is not None:
            self._window.close()


def run_from_args(args: argparse.Namespace, config: Config, mode: str) -> int:
    """Build a session from parsed CLI arguments, run it, print the summary; exit code."""
    from livecoach.cli.main import UserFacingError

    try:
        return _run(args, config, mode)
    except SessionError as exc:
        raise UserFacingError(str(exc)) from None


class _SourceClock:
    """Seconds on the source's clock, for the speech thread's staleness check.

    A live source's ``t_s`` runs with the wall clock; the offset is learnt from each frame.
    """

    def __init__(self) -> None:
        self._offset: Optional[float] = None

    def observe(self, frame: Frame) -> None:
        if frame.captured_monotonic_s:
            self._offset = frame.captured_monotonic_s - frame.t_s

    def __call__(self) -> float:
        return time.monotonic() - (self._offset if self._offset is not None else time.monotonic())


class _LazyLandmarkWriter:
    """Opens the recording on the first frame, when the image size is known."""

    def __init__(self, path: Path, source: str, fps: float, size: Callable[[], Any]) -> None:
        self._path, self._source, self._fps, self._size = path, source, fps, size
        self._writer: Any = None

    def write(self, frame_index: int, t_s: float, pose: Optional[PoseFrame]) -> None:
        if self._writer is None:
            from livecoach.formats.recording import LandmarkWriter, RecordingHeader

            width, height = self._size()
            self._writer = LandmarkWriter(self._path, RecordingHeader(self._source, int(width), int(height),
                                                                      float(self._fps)))
        self._writer.write(frame_index, t_s, pose)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def _capture_ticks(capture: Any, clock: _SourceClock, last_size: List[Any]) -> Iterator[Tick]:
    from livecoach.capture.sources import EndOfStream

    while True:
        try:
            frame = capture.get(timeout=0.25)
        except EndOfStream:
            return
        if frame is None:
            continue
        clock.observe(frame)
        last_size[:] = [frame.width, frame.height]
        yield Tick(frame.t_s, frame.index, frame, None, pose_known=False)


def _replay_ticks(replay: Any) -> Iterator[Tick]:
    for recorded in replay:
        yield Tick(recorded.t_s, recorded.frame_index, None, recorded.pose, pose_known=True)


def _options_from_args(args: argparse.Namespace, mode: str) -> SessionOptions:
    headless = mode != "train" or bool(getattr(args, "headless", False))
    return SessionOptions(
        mode=mode, variant=args.variant, headless=headless,
        voice=mode == "train" and not args.no_voice,
        events=args.events, record_landmarks=args.record_landmarks,
        record_video=getattr(args, "record_video", None),
        annotated_video=getattr(args, "annotated_video", None),
        history=not args.no_history, data_dir=args.data_dir, save_frames=args.save_frames,
        report=not args.no_report, open_report=args.open,
        # A progress bar is for a person watching a terminal, not for a log file.
        progress=(mode == "analyze" and not getattr(args, "no_progress", False) and not args.quiet
                  and sys.stderr.isatty()),
        quiet=args.quiet,
    )


def _run(args: argparse.Namespace, config: Config, mode: str) -> int:
    options = _options_from_args(args, mode)
    if options.voice:
        from livecoach.config.schema import ConfigError
        from livecoach.speech.worker import speech_config_with

        try:
            config = _replace_speech(config, speech_config_with(config.speech, voice=args.voice, rate=args.rate))
        except ConfigError as exc:
            raise SessionError(str(exc)) from None
    if mode == "train" and not options.headless:
        from livecoach.render.window import display_problem

        problem = display_problem()
        if problem:
            raise SessionError(f"{problem} (see `livecoach doctor`)")

    resources: List[Any] = []  # closed last, whatever happens
    capture = None
    try:
        clock = _SourceClock()
        last_size: List[Any] = [0, 0]
        estimator = speaker = None
        if mode == "replay":
            from livecoach.formats.recording import RecordingError, ReplaySource

            try:
                replay = ReplaySource(args.recording)
            except RecordingError as exc:
                raise SessionError(str(exc)) from None
            source_name = str(args.recording)
            ticks: Iterator[Tick] = _replay_ticks(replay)
            last_size[:] = [replay.header.width, replay.header.height]
            fps_of_source, total = replay.header.fps, len(replay)
            if not options.quiet:
                _banner(source_name, options)
        else:
            from livecoach.capture.sources import CameraSource, CaptureError, CaptureThread, VideoFileSource

            if mode == "analyze" or args.video is not None:
                source = VideoFileSource(args.video, paced=mode == "train")
                source_name = str(args.video)
                try:
                    source.open()  # a bad path says so now, not after the model loaded
                except CaptureError as exc:
                    raise SessionError(str(exc)) from None
            else:
                # A camera is opened by the capture thread, which then reads it: some
                # backends want both on one thread.
                source = CameraSource(args.camera, config.capture)
                source_name = f"camera {args.camera}"
            # Everything slow to start comes before the capture: a camera (or a video paced
            # like one) delivers from the moment it starts, and what it delivers while the
            # model loads is lost — often the first rep.
            estimator = _start_estimator(config)
            resources.append(estimator)
            notices = _HeldNotices(enabled=not options.quiet)
            speaker = _start_speaker(config, options, clock, notices)
            if speaker is not None:
                resources.append(speaker)
            capture = CaptureThread.for_config(source, config.capture)
            try:
                capture.start()
            except CaptureError as exc:
                raise SessionError(str(exc)) from None
            if not options.quiet:
                _banner(source_name, options)
            notices.release()  # the speech backend's line, now that the session is on
            ticks = _capture_ticks(capture, clock, last_size)
            fps_of_source, total = source.fps, source.frame_count
        return _run_session(config, options, source_name, ticks, estimator, speaker, capture, last_size,
                            fps_of_source, total, resources)
    finally:
        if capture is not None:
            capture.stop(timeout=1.0)
        for resource in reversed(resources):
            try:
                resource.close()
            except Exception:  # noqa: BLE001 - closing must not mask the session's outcome
                pass


def _banner(source_name: str, options: SessionOptions) -> None:
    print(f"LiveCoach {__version__}: {source_name} ({options.mode}, {options.variant} push-ups)",
          file=sys.stderr)


def _start_estimator(config: Config) -> Any:
    from livecoach.capture.pose import MediaPipePoseEstimator, PoseModelError

    try:
        return MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
    except PoseModelError as exc:
        raise SessionError(str(exc)) from None


def _start_speaker(config: Config, options: SessionOptions, clock: _SourceClock, notices: "_HeldNotices") -> Any:
    if not options.voice:
        return None
    from livecoach.speech.worker import start_speaker

    speaker = start_speaker(config.speech, clock=clock, notify=notices)
    # Let it choose its backend now, while nothing else is starting.
    speaker.wait_ready(timeout=config.speech.probe_timeout_s)
    return _StoppingOnClose(speaker)


class _HeldNotices:
    """The speech thread's one-line notices: held until the session has started (so a
    camera error stays the only line, and no notice lands while the pose model's start-up
    logs are kept off fd 2), printed as they come afterwards."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._held: Optional[List[str]] = []
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self._lock:
            if self._held is not None:
                self._held.append(message)
                return
        if self._enabled:
            _notice(message)

    def release(self) -> None:
        with self._lock:
            held, self._held = self._held or [], None
        if self._enabled:
            for message in held:
                _notice(message)


class _StoppingOnClose:
    """The speaker, closable like the other resources if the session never starts."""

    def __init__(self, speaker: Any) -> None:
        self.speaker = speaker

    def __getattr__(self, name: str) -> Any:
        return getattr(self.speaker, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "speaker":
            object.__setattr__(self, name, value)
        else:
            setattr(self.speaker, name, value)

    def close(self) -> None:
        self.speaker.stop(timeout=1.0)


def _replace_speech(config: Config, speech: Any) -> Config:
    import dataclasses

    return dataclasses.replace(config, speech=speech)


def _run_session(config: Config, options: SessionOptions, source_name: str, ticks: Iterator[Tick],
                 estimator: Any, speaker: Any, capture: Any, last_size: List[Any], fps_of_source: float,
                 total: Optional[int], resources: List[Any]) -> int:
    recorder = None
    if options.history:
        from livecoach.history.recorder import SessionMeta, SessionRecorder, StoreError, db_path_for

        try:
            recorder = SessionRecorder(db_path_for(options.data_dir), config, save_frames=options.save_frames,
                                       notice=lambda message: _notice(f"warning: {message}"))
            resources.append(recorder)
            recorder.start(SessionMeta(source=source_name, mode=options.mode, variant=options.variant,
                                       app_version=__version__, config=config_as_dict(config)))
        except StoreError as exc:
            raise SessionError(str(exc)) from None

    landmark_writer = None
    if options.record_landmarks is not None:
        landmark_writer = _LazyLandmarkWriter(options.record_landmarks, source_name, fps_of_source,
                                              lambda: last_size)
    renderer = window = video_writer = raw_writer = None
    if not options.headless or options.annotated_video is not None:
        from livecoach.render.overlay import OverlayRenderer

        renderer = OverlayRenderer(config.overlay)
    if not options.headless:
        from livecoach.render.window import Window

        window = Window(config.overlay.window_title)
    if options.annotated_video is not None or options.record_video is not None:
        from livecoach.render.video_out import VideoOut

        if options.annotated_video is not None:
            video_writer = VideoOut(options.annotated_video, fps_of_source)
        if options.record_video is not None:
            raw_writer = VideoOut(options.record_video, fps_of_source)
            resources.append(raw_writer)

    session = CoachSession(config, options, source_name, ticks, estimator=estimator, speaker=speaker,
                           window=window, renderer=renderer, recorder=recorder,
                           landmark_writer=landmark_writer, video_writer=video_writer,
                           raw_video_writer=raw_writer,
                           dropped_frames=(lambda: capture.stats().frames_lost) if capture else (lambda: 0),
                           total_frames=total if options.progress else None)
    stop = _StopFlag()
    stop.install()
    failure: Optional[BaseException] = None
    try:
        end = session.run(stop)
    except Exception as exc:  # noqa: BLE001 - the session was saved by run(); say what ended it
        failure = exc
        end = None
    finally:
        stop.restore()

    not_stored = False
    if recorder is not None:
        try:
            recorder.close()  # waits (bounded) for the history's writer thread
            not_stored = not recorder.stored_anywhere
        except StoreError as exc:
            print(f"livecoach: warning: {exc}", file=sys.stderr)
    if recorder is not None and recorder.session_id is not None and recorder.outcome.value == "database":
        from livecoach.history.review import end_of_session

        try:
            end_of_session(recorder.db_path, recorder.session_id, config, data_dir=options.data_dir,
                           report=options.report, open_report=options.open_report, stream=sys.stdout
                           if options.events != "-" else sys.stderr)
        except Exception as exc:  # noqa: BLE001 - the data is saved; only the summary failed
            print(f"livecoach: warning: could not write the summary: {exc}", file=sys.stderr)
    elif recorder is not None and recorder.outcome.value == "journal":
        from livecoach.history.review import end_of_journaled_session

        try:
            end_of_journaled_session(recorder.journal_path, config,
                                     stream=sys.stdout if options.events != "-" else sys.stderr)
        except Exception as exc:  # noqa: BLE001 - the journal is kept; only the summary failed
            print(f"livecoach: warning: could not write the summary: {exc}", file=sys.stderr)
    if failure is not None:
        from livecoach.capture.sources import CaptureError

        if isinstance(failure, CaptureError):  # CameraLost included
            print(f"livecoach: error: {failure} (the session so far is saved)", file=sys.stderr)
            return 1
        if _debug():
            raise failure
        print(f"livecoach: error: {type(failure).__name__}: {failure} (the session so far is saved; "
              f"set LIVECOACH_DEBUG=1 for details)", file=sys.stderr)
        return 1
    if not_stored:
        return 1  # told by the recorder's notice: the session is neither in the database nor in a journal
    return 130 if end is not None and end.reason == "interrupted" else 0


def _notice(message: str) -> None:
    print(f"livecoach: {message}", file=sys.stderr)


def _debug() -> bool:
    import os

    return os.environ.get("LIVECOACH_DEBUG", "") not in ("", "0")
