"""The frame loop: ticks -> pose -> coaching logic -> overlay, speech, events, history.

One thread runs all stateful logic (pose, analysis, cue policy, recording); the capture
thread only delivers frames and the speech thread only speaks. Whatever ends a session —
end of the video, q/Esc, the window closed, Ctrl-C, the camera unplugged, an exception —
the ``finally`` block closes it the same way: the final event and the history row, so no
completed rep is ever lost.
"""
from __future__ import annotations

import dataclasses
import logging
import signal
import sys
import threading
import time
from collections import deque
from types import FrameType
from typing import Any, Callable, Deque, Iterator, List, Optional, Sequence, TextIO, Tuple

from livecoach import __version__
from livecoach.capture.base import CameraLost
from livecoach.config.schema import Config
from livecoach.errors import SpeechFailed
from livecoach.formats.events import describe, quality_dict, session_start_dict
from livecoach.history.store import StoreError
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.cues import CuePolicy
from livecoach.logic.reps import plank_posture
from livecoach.session.options import SessionOptions
from livecoach.session.plan_driver import (PlanDriver, config_for_plan, describe_plan_event, plan_event_dict,
                                           recognised_exercise)
from livecoach.session.quality import DroppedFramesWatch, SwitchableEstimator
from livecoach.session.second_person import SecondPersonNotices
from livecoach.session.ports import (EventSink, HistoryRecorder, Image, LandmarkSink, Overlay, PoseEstimator,
                                     SessionWindow, Speaker, VideoWriter)
from livecoach.session.ticks import Tick
from livecoach.types import Cue, CueEvent, FrameLight, HoldEnd, LogicStep, Phase, RepEvent, SessionEnd

log = logging.getLogger(__name__)


# How long a speech backend may take to start an utterance (a child process, a first audio
# buffer) when the session waits for its closing words before stopping the speaker.
_SPEECH_START_S = 2.0


class StopFlag:
    """Set by SIGINT/SIGTERM: the loop ends cleanly; a second Ctrl-C interrupts for real."""

    def __init__(self) -> None:
        self.reason: Optional[str] = None
        self.signal: Optional[int] = None  # the first signal received (SIGINT or SIGTERM)
        self._previous: List[Tuple[int, Any]] = []

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous.append((sig, signal.signal(sig, self._handle)))
            except (ValueError, OSError):  # pragma: no cover - exotic platforms
                pass

    def _handle(self, signum: int, _frame: Optional[FrameType]) -> None:
        if self.reason is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.reason = "interrupted"
        if self.signal is None:
            self.signal = signum

    def restore(self) -> None:
        for sig, handler in self._previous:
            signal.signal(sig, handler)
        self._previous.clear()


class CoachSession:
    """Runs one session from a tick source to its end.

    Everything stateful is injected (pose estimator, speaker, window, overlay, recorder, event
    and recording sinks) so tests can drive a session with fakes and no camera, model, sound
    card or display.
    """

    def __init__(self, config: Config, options: SessionOptions, source_name: str,
                 ticks: Iterator[Tick], estimator: Optional[PoseEstimator] = None,
                 speaker: Optional[Speaker] = None, window: Optional[SessionWindow] = None,
                 renderer: Optional[Overlay] = None, recorder: Optional[HistoryRecorder] = None,
                 landmark_writer: Optional[LandmarkSink] = None, video_writer: Optional[VideoWriter] = None,
                 raw_video_writer: Optional[VideoWriter] = None, events: Optional[EventSink] = None,
                 dropped_frames: Callable[[], int] = lambda: 0, total_frames: Optional[int] = None,
                 out: TextIO = sys.stdout, plan: Optional[PlanDriver] = None,
                 light: Optional[Callable[[Image], FrameLight]] = None,
                 quality: Optional[SwitchableEstimator] = None) -> None:
        # A plan says the counts and "set done" itself (livecoach.session.plan_driver).
        config = config_for_plan(config) if plan is not None else config
        self.config = config
        self._plan = plan
        self._light = light  # the frame's light and picture (black bars out), for the set-up check
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
        self._cue_policy = CuePolicy(config)
        self.analyzer = SessionAnalyzer(config, variant=options.variant, cue_policy=self._cue_policy,
                                        exercise=options.exercise, hold_target_s=options.hold_target_s)
        # A live session opens with "Get into a plank" (cue key "start") unless the person is in
        # one already; a video or a replay is not talking to anyone.
        self._start_cue_due = options.mode == "train" and plan is None  # a plan calls its first set
        self._tick_t = 0.0
        self._closing_cues: List[Cue] = []
        self._events = events
        # Human-readable lines share stdout with `--events -`; then only the JSON goes there.
        self._print_lines = options.headless and not options.quiet and options.events != "-"
        self.frames = 0
        self.frames_with_pose = 0
        self.last_t_s = 0.0
        self.last_frame_index = -1
        self.paused = False
        self._last_step: Optional[LogicStep] = None
        self._frame_times: Deque[float] = deque(maxlen=30)  # for the fps shown on the overlay
        self.latencies_s: List[float] = []
        self._progress_shown_at = 0.0
        self._nobody_since: Optional[float] = None
        self._nobody_said = False
        self.cycles = 0  # rep cycles (reps and no-reps) seen, whatever the count was reset to
        self.holds_ended = 0  # timed holds and pauses at the top that ended (a session without history counts them)
        self._quality = quality  # the lighter pose model to switch to when frames are dropped
        self.lighter_model = False
        self._drops = DroppedFramesWatch(config.session.dropped_frames_notice_share,
                                         config.session.dropped_frames_window_s) if options.mode == "train" else None
        # A second person in view: notices from the estimator's looks ([capture] second_person_check_s).
        self._second_person = SecondPersonNotices.for_estimator(estimator, config, quiet=options.quiet)

    def run(self, stop: Optional[StopFlag] = None) -> SessionEnd:
        """Process ticks until the source ends, the user quits or a stop is requested."""
        stop = stop or StopFlag()
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
            reason = "camera_lost" if _is_camera_lost(exc) else "error"
            failure = exc
        finally:
            elapsed = max(time.monotonic() - started, 1e-6)
            end = self.analyzer.finish(self.last_t_s, frames=self.frames,
                                       frames_with_pose=self.frames_with_pose,
                                       fps=self.frames / elapsed, dropped=self._dropped(),
                                       reason=reason)
            # The logic's last events (a hold still running, a no-rep held back to the end), then the
            # plan's: the set cut short by the end counts that no-rep, and its line comes after it.
            self._write_closing_events()
            self._finish_plan()
            # (a session without a rep cycle, nobody in view or only standing, has its verdict
            # "not judged" from the logic: livecoach.logic.verdict)
            self._tally(self.analyzer.closing_events)
            # The session total ("Session done. Reps: 12"), when [cues] announce_session_end.
            self._closing_cues = list(self._cue_policy.on_events(end.t_s, [end]))
            self._close(end)
        if failure is not None:
            raise failure
        return end

    # -- one frame --------------------------------------------------------------------
    def _process(self, tick: Tick) -> Optional[str]:
        self._tick_t = tick.t_s
        if self._speaker is not None:
            self._check_speaker()
        if self.paused and self._window is not None and tick.frame is not None:
            return self._show(tick.frame.image, self._last_step)
        pose = tick.pose
        if not tick.pose_known:
            if self._estimator is None or tick.frame is None:
                raise ValueError("a frame tick needs a pose estimator")
            pose = self._estimator.estimate(tick.frame)
        step = self.analyzer.update(tick.t_s, tick.frame_index, pose)
        if self._start_cue_due:
            self._start_cue_due = False
            if not self._in_a_plank(step):
                step = dataclasses.replace(step, events=step.events + (
                    CueEvent(self._cue_policy.announce("start", tick.t_s)),))
        if tick.frame is not None and tick.frame.captured_monotonic_s:
            self.latencies_s.append(time.monotonic() - tick.frame.captured_monotonic_s)
        self._frame_times.append(time.monotonic())
        self.frames += 1
        self.frames_with_pose += pose is not None
        self._tally(step.events)
        if self._drops is not None:
            share = self._drops.update(tick.t_s, self.frames, self._dropped())
            if share is not None:
                self._frames_dropped(tick.t_s, share)
        if self._print_lines:
            self._say_if_nobody_in_view(tick.t_s, pose is not None)
        self.last_t_s = tick.t_s
        self.last_frame_index = tick.frame_index
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
        if self._second_person is not None:
            self._second_person.on_frame(tick.t_s, self._events, self._plan)
        if self._plan is not None:
            light = None
            if image is not None and self._light is not None and self._plan.wants_light(step):
                light = self._light(image)
            exercise, candidates = recognised_exercise(self.analyzer)  # for "This set is wide push-ups"
            self._emit_plan(self._plan.on_step(step, light, exercise=exercise, candidates=candidates))
        if image is not None and (self._window is not None or self._video_writer is not None):
            drawn = self._draw(image, step, paused=self.paused)
            if self._video_writer is not None:
                self._video_writer.write(drawn)
            if self._window is not None:
                return self._show(drawn, step, already_drawn=True)
        return None

    def _frames_dropped(self, t_s: float, share: float) -> None:
        """Too many frames lost: the lighter pose model (once), or what the user can do."""
        assert self._drops is not None
        change = self._quality.request_lighter(t_s, share) if self._quality is not None else None
        lost = f"{share:.0%} of the camera's frames were dropped over the last {self._drops.window_s:g} s"
        if change is not None:
            self.lighter_model = True
            if self._events:
                self._events.write_dict(quality_dict(change.t_s, change.dropped_share,
                                                     change.model_complexity_from, change.model_complexity_to))
            line = (f"{lost}: switched to the lighter pose model so that reps are not missed (set "
                    f"[pose] fallback_model_complexity = {change.model_complexity_from} in a --config file to "
                    f"keep the full one)")
        else:
            line = (f"{lost}: this computer cannot keep up, so reps and faults may be missed. Close other "
                    f"programs, or use the lighter pose model ([pose] model_complexity = 0 in a --config file; "
                    f"MediaPipe downloads it once)")
        if not self.options.quiet:
            print(f"livecoach: notice: {line}", file=sys.stderr, flush=True)

    def _in_a_plank(self, step: LogicStep) -> bool:
        """The counter is in position, or this frame already looks like a plank (the counter
        needs a few frames to decide)."""
        if step.phase is not Phase.NOT_IN_POSITION:
            return True
        return step.features is not None and plank_posture(step.features, self.config.reps)

    def _check_speaker(self) -> None:
        """A dead speech thread ends the session like a dead capture thread: the user must know
        the cues have stopped being spoken."""
        assert self._speaker is not None
        try:
            self._speaker.check()
        except Exception as exc:  # noqa: BLE001 - whatever killed it, it is the speech that failed
            raise SpeechFailed(str(exc)) from exc

    def _draw(self, image: Image, step: LogicStep, paused: bool) -> Image:
        if self._renderer is None:
            return image
        if self._plan is not None:
            plan_line, setup_line = self._plan.overlay_lines()
            return self._renderer.render(image, step, fps=self._fps(), muted=self._muted(), paused=paused,
                                         plan_line=plan_line, setup_line=setup_line, lite_model=self.lighter_model,
                                         framing=self._plan.framing_guide())
        return self._renderer.render(image, step, fps=self._fps(), muted=self._muted(), paused=paused,
                                     lite_model=self.lighter_model)

    def _emit_plan(self, events: List[Any]) -> None:
        """The plan's and the set-up check's events: to ``--events``, the headless lines and the
        speaker, like the logic's own."""
        for event in events:
            is_cue = isinstance(event, CueEvent)
            if self._events:
                if is_cue:
                    self._events.write(event)
                else:
                    self._events.write_dict(plan_event_dict(event))
            if self._print_lines:
                print(describe(event) if is_cue else describe_plan_event(event), file=self._out, flush=True)
            if is_cue and self._speaker is not None:
                self._speaker.say(event.cue)

    def _finish_plan(self) -> None:
        """The plan's last events (a set cut short by the end, "Workout done"), before the session's."""
        if self._plan is None:
            return
        try:
            exercise, candidates = recognised_exercise(self.analyzer)
            self._emit_plan(self._plan.finish(self.last_t_s, self.analyzer.closing_events,
                                              exercise=exercise, candidates=candidates))
        except Exception as exc:  # noqa: BLE001 - the session must still close and be saved
            log.warning("while ending the plan: %s", exc)

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

    def _record(self, step: LogicStep, image: Optional[Image]) -> None:
        assert self._recorder is not None
        try:
            self._recorder.on_step(step, image)
        except StoreError as exc:
            # The disk filled up or the database went away: the person is mid-set, so the
            # coaching goes on; what was committed before stays in the history.
            log.warning("%s; going on without the history", exc)
            self._recorder = None

    def _show(self, image: Image, step: Optional[LogicStep], already_drawn: bool = False) -> Optional[str]:
        assert self._window is not None
        if not already_drawn and step is not None:
            image = self._draw(image, step, paused=True)
        action = self._window.show(image).value
        # KeyAction's values (livecoach.render.window, which needs cv2): compared by value so
        # the loop itself runs without OpenCV.
        if action in ("quit", "window closed"):  # q/Esc, or the window destroyed under us
            return "quit"
        if action == "pause":
            self.paused = not self.paused
            if self._plan is not None:
                self._emit_plan(self._plan.on_key("pause", self._tick_t))
        elif action in ("next set", "back") and self._plan is not None:
            self.paused = False  # the plan resumes to call the set: so does the picture
            self._emit_plan(self._plan.on_key(action, self._tick_t))
        elif action == "mute" and self._speaker is not None:
            self._speaker.muted = not self._speaker.muted
        elif action == "reset":
            self.analyzer.reset_count()
        return None

    def _muted(self) -> bool:
        return self._speaker is None or bool(self._speaker.muted)

    def _fps(self) -> float:
        times = self._frame_times
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / max(times[-1] - times[0], 1e-6)

    def _progress(self, started: float) -> None:
        assert self._total
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
        for closer in (self._announce_end, self._write_end, self._finish_recorder, self._close_writers,
                       self._stop_speaker, self._close_window):
            try:
                closer(end)
            except Exception as exc:  # noqa: BLE001
                log.warning("while closing the session: %s", exc)

    def _announce_end(self, _end: SessionEnd) -> None:
        """The closing cues go out like any other (events, lines, speech) and are heard out:
        the speaker is stopped right after."""
        for cue in self._closing_cues:
            event = CueEvent(cue)
            if self._events:
                self._events.write(event)
            if self._print_lines:
                print(describe(event), file=self._out, flush=True)
            if self._speaker is not None and self._speaker.say(cue):
                self._speaker.wait_idle(self._utterance_s(cue.text) + _SPEECH_START_S)

    def _utterance_s(self, text: str) -> float:
        return 60.0 * len(text.split()) / self.config.speech.rate_wpm + self.config.cues.utterance_pad_s

    def _write_closing_events(self) -> None:
        """The analyzer's closing events to ``--events`` and the headless lines."""
        try:
            for event in self.analyzer.closing_events:
                if self._events:
                    self._events.write(event)
                if self._print_lines:
                    print(describe(event), file=self._out, flush=True)
        except Exception as exc:  # noqa: BLE001 - the session must still close and be saved
            log.warning("while writing the last events: %s", exc)

    def _write_end(self, end: SessionEnd) -> None:
        if self._events:
            self._events.write(end)
            self._events.close()
        if self._print_lines:
            print(describe(end), file=self._out, flush=True)

    def _tally(self, events: Sequence[object]) -> None:
        """Count the rep cycles and ended holds among ``events`` (one pass: every frame comes here)."""
        for event in events:
            if isinstance(event, RepEvent):
                self.cycles += 1
            elif isinstance(event, HoldEnd):
                self.holds_ended += 1

    def _finish_recorder(self, end: SessionEnd) -> None:
        if self._recorder is not None:
            for event in self.analyzer.closing_events:  # a hold still running, a held-back no-rep
                if isinstance(event, HoldEnd):
                    self._recorder.record_hold(event.record)
                elif isinstance(event, RepEvent):
                    self._recorder.record_rep(event.record)
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


def _is_camera_lost(exc: BaseException) -> bool:
    """True for :class:`livecoach.capture.base.CameraLost` (``capture.base`` needs no cv2)."""
    return isinstance(exc, CameraLost)
