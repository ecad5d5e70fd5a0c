"""Building a session from :class:`~livecoach.session.options.SessionOptions`, running it, and
closing it: the config's speech overrides, the source (camera, video or recording), the pose
model, the speaker, the history recorder, the window and overlay, the recorders.

Everything that can fail because of the user's input fails here, as a
:class:`~livecoach.errors.SessionError` with one line, before the session starts.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator, List, Optional, Protocol, TextIO

from livecoach import __version__
from livecoach.capture.base import CaptureError
from livecoach.capture.light import frame_light
from livecoach.capture.thread import CaptureThread  # threading only: cv2 comes with the sources
from livecoach.clock import SourceClock
from livecoach.config.plans import load_plans
from livecoach.config.schema import AdviceConfig, Config, ConfigError, config_as_dict
from livecoach.errors import (EXIT_SIGINT, ConfigProblem, DisplayProblem, HistoryProblem, InputProblem,
                              SessionError)
from livecoach.formats.events import EventWriter
from livecoach.formats.recording import RecordingError, ReplaySource
from livecoach.history.recorder import SessionMeta, SessionRecorder, StoreError, StoreOutcome, db_path_for
from livecoach.history.review import end_of_journaled_session, end_of_session
from livecoach.history.store import SessionStore
from livecoach.session.loop import CoachSession, StopFlag
from livecoach.session.options import SessionOptions
from livecoach.session.plan_driver import PlanDriver
from livecoach.session import models as pose_models
from livecoach.session.pipeline import PosePipeline
from livecoach.session.quality import SwitchableEstimator
from livecoach.session.second_person import unwrapped, watch_for_second_person
from livecoach.session.outputs import LazyLandmarkWriter, check_outputs
from livecoach.session.ports import Overlay, PoseEstimator, SessionWindow, Speaker, VideoWriter
from livecoach.session.ticks import FrameSize, Tick, capture_ticks, replay_ticks
from livecoach.speech.worker import SpeechWorker, speech_config_with, start_speaker
from livecoach.types import SessionEnd

log = logging.getLogger(__name__)

class Closable(Protocol):
    def close(self) -> None: ...


class DroppedFrames(Protocol):
    """The capture thread's counters (``livecoach.capture.thread.CaptureThread.stats``)."""

    def stats(self) -> Any: ...


def run_session(options: SessionOptions, config: Config) -> int:
    """Build the session ``options`` describe, run it, print the summary; the exit code.

    Raises :class:`~livecoach.errors.SessionError` (one line for the user) when the session
    cannot start, or when it ended on an error (after saving what it had).
    """
    if options.voice:
        try:
            config = dataclasses.replace(config, speech=speech_config_with(
                config.speech, voice=options.voice_id, rate=options.rate_wpm))
        except ConfigError as exc:
            raise ConfigProblem(str(exc)) from None
    check_outputs(options)  # a bad output path says so now, not after the model loaded
    plan = _plan_driver(options, config)  # an unknown plan says so now too
    if options.mode == "train" and not options.headless:
        from livecoach.render.window import display_problem  # render needs cv2

        problem = display_problem()
        if problem:
            raise DisplayProblem(f"{problem} (see `livecoach doctor`)")

    resources: List[Closable] = []  # closed last, whatever happens
    capture = None
    try:
        # The history opens before the model loads (a locked or broken database says so now);
        # its session row is begun only once every output is open.
        recorder = _open_recorder(config, options, resources)
        clock = SourceClock()
        size = FrameSize()
        estimator: Optional[PoseEstimator] = None
        speaker: Optional[Speaker] = None
        if options.mode == "replay":
            assert options.recording is not None
            try:
                replay = ReplaySource(options.recording)
            except RecordingError as exc:
                raise InputProblem(str(exc)) from None
            source_name = str(options.recording)
            ticks: Iterator[Tick] = replay_ticks(replay)
            size.width, size.height = replay.header.width, replay.header.height
            fps_of_source, total = replay.header.fps, len(replay)
            if not options.quiet:
                _banner(source_name, options)
        else:
            # capture needs cv2 and mediapipe; a replay runs without them.
            from livecoach.capture.camera import CameraSource
            from livecoach.capture.factory import video_source

            if options.mode == "analyze" or options.video is not None:
                assert options.video is not None
                source = video_source(options.video, paced=options.mode == "train")
                source_name = str(options.video)
                try:
                    source.open()  # a bad path says so now, not after the model loaded
                except CaptureError as exc:
                    raise InputProblem(str(exc)) from None
            else:
                # A camera is opened by the capture thread, which then reads it: some
                # backends want both on one thread.
                source = CameraSource(options.camera, config.capture)
                source_name = f"camera {options.camera}"
            # Everything slow to start comes before the capture: a camera (or a video paced
            # like one) delivers from the moment it starts, and what it delivers while the
            # model loads is lost — often the first rep.
            # analyze --jobs N: the workers for the video's later chunks start first, so their
            # model loading overlaps this process's.
            stream = pose_models.pose_stream(options, config, source.frame_count)
            if stream is not None:
                resources.append(stream)
            model = watch_for_second_person(pose_models.switchable_estimator(config, live=options.mode == "train"),
                                            config)  # [capture] second_person_check_s
            resources.append(model)
            estimator = model
            notices = HeldNotices(enabled=not options.quiet)
            stopping_speaker = _start_speaker(config, options, clock, notices)
            if stopping_speaker is not None:
                resources.append(stopping_speaker)
                speaker = stopping_speaker
            capture = CaptureThread.for_config(source, config.capture)
            try:
                capture.start()
            except CaptureError as exc:
                raise InputProblem(str(exc)) from None
            if not options.quiet:
                _banner(source_name, options)
            notices.release()  # the speech backend's line, now that the session is on
            ticks = capture_ticks(capture, clock, size, on_end_notice=lambda line: _notice(f"notice: {line}"))
            if stream is not None:
                ticks = pose_models.with_streamed_poses(ticks, stream, observe=getattr(model, "observe", None))
            if options.pipelined:
                pipeline = PosePipeline(ticks, model, switch_interval_s=config.pose.pipeline_switch_interval_s)
                resources.append(pipeline)  # stopped before the model is closed (reverse order)
                ticks = iter(pipeline)
            if stream is not None:
                # Closed first: a pose thread still waiting on a worker then stops at once.
                resources.remove(stream)
                resources.append(stream)
            fps_of_source, total = source.fps, source.frame_count
        return _run_built(config, options, source_name, ticks, estimator, speaker, capture, size,
                          fps_of_source, total, recorder, resources, plan)
    finally:
        if capture is not None:
            capture.stop(timeout=1.0)
        for resource in reversed(resources):
            try:
                resource.close()
            except Exception:  # noqa: BLE001 - closing must not mask the session's outcome
                log.debug("closing %r failed", resource, exc_info=True)


def _plan_driver(options: SessionOptions, config: Config) -> Optional[PlanDriver]:
    """The ``--plan`` to run, or None; a plan that does not load is a config problem."""
    if options.plan is None:
        return None
    try:
        library = load_plans(user_dir=options.plans_dir)
        return PlanDriver(library.get(options.plan), library, config)
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None


def _banner(source_name: str, options: SessionOptions) -> None:
    # the mode, not a claim: nothing is recognised yet when this is printed
    what = "exercise: auto, from your posture" if options.exercise == "auto" else f"exercise: {options.exercise}"
    print(f"LiveCoach {__version__}: {source_name} ({options.mode}, {what})",
          file=sys.stderr)


def _start_speaker(config: Config, options: SessionOptions, clock: SourceClock,
                   notices: "HeldNotices") -> Optional["StoppingOnClose"]:
    if not options.voice:
        return None
    speaker = start_speaker(config.speech, clock=clock, notify=notices)
    # Let it choose its backend now, while nothing else is starting.
    speaker.wait_ready(timeout=config.speech.probe_timeout_s)
    return StoppingOnClose(speaker)


class HeldNotices:
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


class StoppingOnClose:
    """The speech worker as the session's :class:`~livecoach.session.ports.Speaker`, closable
    like the other resources if the session never starts."""

    def __init__(self, worker: SpeechWorker) -> None:
        self.worker = worker

    @property
    def muted(self) -> bool:
        return self.worker.muted

    @muted.setter
    def muted(self, value: bool) -> None:
        self.worker.muted = value

    def say(self, cue: Any) -> bool:
        return self.worker.say(cue)

    def check(self) -> None:
        self.worker.check()

    def wait_idle(self, timeout: float) -> bool:
        return self.worker.wait_idle(timeout)

    def stop(self, timeout: float = 1.0) -> bool:
        return self.worker.stop(timeout=timeout)

    def close(self) -> None:
        self.worker.stop(timeout=1.0)


def _run_built(config: Config, options: SessionOptions, source_name: str, ticks: Iterator[Tick],
               estimator: Optional[PoseEstimator], speaker: Optional[Speaker], capture: Optional[DroppedFrames],
               size: FrameSize, fps_of_source: float, total: Optional[int], recorder: Optional[SessionRecorder],
               resources: List[Closable], plan: Optional[PlanDriver] = None) -> int:
    # The output files first, the history row last: a failure in between leaves no empty session.
    events = EventWriter(options.events) if options.events else None
    if events is not None:
        resources.append(events)
    landmark_writer = None
    if options.record_landmarks is not None:
        landmark_writer = LazyLandmarkWriter(options.record_landmarks, source_name, fps_of_source, size)
    renderer: Optional[Overlay] = None
    window: Optional[SessionWindow] = None
    video_writer: Optional[VideoWriter] = None
    raw_writer: Optional[VideoWriter] = None
    # render needs cv2: imported only when a window or a video is asked for.
    if not options.headless or options.annotated_video is not None:
        from livecoach.render.overlay import OverlayRenderer

        renderer = OverlayRenderer(config.overlay)
    if options.annotated_video is not None or options.record_video is not None:
        from livecoach.render.video_out import VideoOut

        if options.annotated_video is not None:
            video_writer = VideoOut(options.annotated_video, fps_of_source)
        if options.record_video is not None:
            raw = VideoOut(options.record_video, fps_of_source)
            resources.append(raw)
            raw_writer = raw
    if recorder is not None:
        _begin(recorder, config, options, source_name)
    if plan is not None:  # the plan's sets go to the history; its progress rule reads it (not on the frame loop)
        plan.attach_history(recorder, db_path_for(options.data_dir) if options.history else None)
    if not options.headless:
        from livecoach.render.window import Window

        window = Window(config.overlay.window_title,
                        fit_box=(config.overlay.window_width, config.overlay.window_height))

    session = CoachSession(config, options, source_name, ticks, estimator=estimator, speaker=speaker,
                           window=window, renderer=renderer, recorder=recorder,
                           landmark_writer=landmark_writer, video_writer=video_writer,
                           raw_video_writer=raw_writer, events=events,
                           dropped_frames=(lambda: capture.stats().frames_lost) if capture else (lambda: 0),
                           total_frames=total if options.progress else None, plan=plan,
                           light=functools.partial(frame_light, floor=config.pose.low_light_floor_luma)
                           if plan is not None else None,
                           quality=unwrapped(estimator) if isinstance(unwrapped(estimator), SwitchableEstimator) else None)
    stop = StopFlag()
    stop.install()
    failure: Optional[BaseException] = None
    end: Optional[SessionEnd] = None
    try:
        try:
            end = session.run(stop)
        except Exception as exc:  # noqa: BLE001 - the session was saved by run(); say what ended it
            failure = exc
        out = sys.stdout if options.events != "-" else sys.stderr
        in_view = session.frames_with_pose / max(1, session.frames)
        if recorder is not None:
            # Still under the session's handler: a SIGTERM or Ctrl-C while the history closes and
            # the summary is written is noted, not obeyed mid-write (a second Ctrl-C is).
            _after_session(recorder, session.cycles, config, options, out, in_view=in_view,
                           plank_s=session.analyzer.plank_s)
        elif session.cycles == 0 and session.holds_ended == 0 and plan is None and failure is None:
            # Without a history there is no summary, but "0 reps" alone does not say why.
            print(nothing_done_advice(config.advice, in_view, session.analyzer.plank_s), file=out)
    finally:
        stop.restore()
    if failure is not None:
        raise _ended_on(failure) from failure
    if recorder is not None and options.history and recorder.outcome is StoreOutcome.NOWHERE:
        # The recorder has said why; the exit code says it to scripts.
        raise HistoryProblem("this session could not be stored in the history or in a journal beside it")
    if stop.signal is not None:  # during the session, or while it was being closed
        return 128 + stop.signal
    if end is not None and end.reason == "interrupted":
        return EXIT_SIGINT
    return 0


def nothing_done_advice(advice: AdviceConfig, in_view: float, plank_s: float) -> str:
    """What to tell a person when a session had no rep cycle and no hold: ``in_view`` is the share
    of frames with a person, ``plank_s`` the seconds they held a plank on their hands. Not in
    view: where to put the camera; in view, never in a plank: get into one; in a plank: it takes
    lowering the chest (mountain climbers, shoulder taps)."""
    if in_view < advice.in_view_min_share:
        return advice.nothing
    return advice.nothing_in_plank if plank_s >= advice.in_plank_min_s else advice.nothing_in_view


def _after_session(recorder: SessionRecorder, cycles: int, config: Config, options: SessionOptions,
                   out: TextIO, in_view: float = 0.0, plank_s: float = 0.0) -> None:
    """Close the history (bounded wait for its writer thread), then the summary and report from
    wherever the session is stored: the database, or its journal when the database failed.
    ``in_view``, ``plank_s``: for what to say when nothing happened (:func:`nothing_done_advice`)."""
    try:
        outcome = recorder.close()
    except StoreError as exc:
        _notice(f"warning: {exc}")
        return
    if cycles == 0 and not recorder.sets_written and not recorder.holds_written:
        # Nothing happened (nobody in view, or only standing): no empty row in the history.
        # A plan's hold sets and a timed hold (a plank) are something, though there is no rep cycle.
        if outcome is StoreOutcome.DATABASE and recorder.session_id is not None:
            _forget(recorder.db_path, recorder.session_id)
        said = nothing_done_advice(config.advice, in_view, plank_s)
        print(f"{said} (Nothing was added to the history.)", file=out)
        return
    try:
        if outcome is StoreOutcome.DATABASE and recorder.session_id is not None:
            end_of_session(recorder.db_path, recorder.session_id, config, data_dir=options.data_dir,
                           report=options.report and options.history, open_report=options.open_report,
                           stream=out, per_rep=options.per_rep)
        elif outcome is StoreOutcome.JOURNAL and recorder.journal_path is not None:
            end_of_journaled_session(recorder.journal_path, config, stream=out, per_rep=options.per_rep)
    except Exception as exc:  # noqa: BLE001 - the data is saved; only the summary failed
        log.warning("could not write the summary: %s", exc)


def _open_recorder(config: Config, options: SessionOptions, resources: List[Closable]) -> Optional[SessionRecorder]:
    """The history recorder; without the history, a throwaway one when the summary is still
    wanted (``replay`` without ``--save``)."""
    if options.history:
        path = db_path_for(options.data_dir)
        save_frames = options.save_frames
    elif options.summary:
        scratch = _ScratchFolder()
        resources.append(scratch)  # closed after the recorder (resources close in reverse)
        path, save_frames = scratch.path / "summary.db", "off"
    else:
        return None
    try:
        # The writer thread opens the database later: a folder that cannot exist is said now,
        # before the model loads.
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryProblem(f"cannot create the history folder {path.parent}: {exc.strerror or exc} "
                             f"(pass --data-dir DIR, or run with --no-history)") from None
    try:
        recorder = SessionRecorder(path, config, save_frames=save_frames,
                                   notice=lambda message: _notice(f"warning: {message}"))
    except StoreError as exc:
        raise HistoryProblem(f"{exc} (or run with --no-history)") from None
    resources.append(recorder)
    return recorder


def _begin(recorder: SessionRecorder, config: Config, options: SessionOptions, source_name: str) -> None:
    try:
        recorder.start(SessionMeta(source=source_name, mode=options.mode, variant=options.variant,
                                   app_version=__version__, config=config_as_dict(config)))
    except StoreError as exc:
        raise HistoryProblem(f"{exc} (or run with --no-history)") from None


class _ScratchFolder:
    """A temporary folder, removed on close (for a summary that is not kept)."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="livecoach-")
        self.path = Path(self._folder.name)

    def close(self) -> None:
        self._folder.cleanup()


def _forget(db_path: Path, session_id: int) -> None:
    try:
        store = SessionStore(db_path, create=False)
        try:
            store.delete_session(session_id)
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - an empty row left behind is not worth failing for
        log.warning("could not remove the empty session from the history: %s", exc)


def _ended_on(failure: BaseException) -> SessionError:
    """The one-line error for a session that ended on ``failure`` (after saving what it had)."""
    if isinstance(failure, SessionError):  # the speech thread died
        return type(failure)(f"{failure} (the session so far is saved)")
    if _is_capture_error(failure):  # CameraLost included
        return InputProblem(f"{failure} (the session so far is saved)")
    log.debug("the session ended on an unexpected error", exc_info=failure)
    return SessionError(f"{type(failure).__name__}: {failure} (the session so far is saved; "
                        f"run with --verbose for details)")


def _is_capture_error(exc: BaseException) -> bool:
    return isinstance(exc, CaptureError)


def _notice(message: str) -> None:
    print(f"livecoach: {message}", file=sys.stderr)
