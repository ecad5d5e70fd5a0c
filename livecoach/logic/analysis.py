"""The single-threaded per-frame logic: pose → features → view → reps → faults → cues.

:class:`SessionAnalyzer` is what the app, the replay command and the evaluation harness all
run, so a replay of recorded landmarks reproduces a live session exactly (it only ever reads
frame timestamps). Each ``update`` returns one :class:`~livecoach.types.LogicStep` with the
events of that frame: a :class:`~livecoach.types.RepEvent` for each finished cycle (rep or
no-rep), a :class:`~livecoach.types.FaultEvent` per fault of that cycle, and the
:class:`~livecoach.types.CueEvent` s the cue policy chose.

The exercise recogniser (:mod:`livecoach.logic.exercises`) runs on every frame too: a cycle
that ends while it names a look-alike (shoulder taps, climbers...) is dropped -- neither a rep
nor a no-rep -- and every record carries the exercise it belongs to, whose profile decides which
fault rules judge it (:mod:`livecoach.logic.exercise_faults`). A variant the recogniser has named
but not confirmed (a guess from a still posture, before a rep showed it) is not applied: its reps
are filed and judged as standard push-ups, and the rules the two profiles judge differently are
"not judged". Where the exercise's depth is relative to a support (incline, wall) the rep
counter judges a full rep by the bend of the elbows (:class:`~livecoach.logic.depth.ElbowDepth`).
"""
from __future__ import annotations

import dataclasses
import math
from typing import List, Optional, Protocol, Sequence, Tuple

from livecoach.config.exercises import ExerciseLibrary, ExerciseProfile, load_exercises
from livecoach.config.schema import Config
from livecoach.logic.burpee import BurpeeWatch, Outcome
from livecoach.logic.continuity import JumpDetector
from livecoach.logic.depth import body_still, elbow_depth_for
from livecoach.logic.elevation import ElevationWatch, levelled_pose
from livecoach.logic.exercise_faults import ExerciseFaultJudge, restrict
from livecoach.logic.exercises import ExerciseRecognizer, Recognition
from livecoach.logic.faults import FaultChecker
from livecoach.logic.features import FeatureExtractor
from livecoach.logic.holds import HoldEvent, HoldStep, HoldTimer, HoldTimers, TopPauseTimer
from livecoach.logic.reps import (NO_REP_NO_LOCKOUT, NO_REP_NOT_DEEP, FinishedCycle, RepCounter,
                                  arms_straight_throughout, elbows_short_of, hips_folded, make_record,
                                  straight_arms_folded_hips)
from livecoach.logic.tracking import PatchyTrackingWatch
from livecoach.logic.verdict import form_verdict
from livecoach.types import (Cue, CueEvent, CueKind, Event, ExerciseChange, FaultEvent, Features, HoldEnd, HoldStatus,
                             LogicStep, Phase, PoseFrame, RepEvent, RepJudgement, RepRecord, RepWindow, SessionEnd,
                             View)
from livecoach.logic.view import ViewTracker

VARIANTS = ("standard", "knee")
#: ``--exercise auto``: let the recogniser name the exercise.
AUTO = "auto"
#: The exercise a rep is filed under while none is recognised.
DEFAULT_EXERCISE = "standard"
#: The overlay's exercise line names at most this many variants the view cannot tell apart.
MAX_LABEL_ALTERNATIVES = 2

#: A burpee's push-up counts whatever its depth (see :mod:`livecoach.logic.burpee`).
BURPEE_NOT_JUDGED = ("shallow",)

_DEFAULT_LIBRARY: Optional[ExerciseLibrary] = None


def default_library() -> ExerciseLibrary:
    """The packaged profiles (``config/exercises``), read once per process."""
    global _DEFAULT_LIBRARY
    if _DEFAULT_LIBRARY is None:
        _DEFAULT_LIBRARY = load_exercises()
    return _DEFAULT_LIBRARY


class FaultCheckerLike(Protocol):
    def judge(self, window: RepWindow) -> RepJudgement: ...


class CuePolicyLike(Protocol):
    def on_events(self, t_s: float, events: Sequence[Event]) -> Sequence[Cue]: ...


class SessionAnalyzer:
    """Per-frame session logic (see the module docstring).

    ``fault_checker`` defaults to ``livecoach.logic.faults.FaultChecker`` built per exercise
    (the profile's threshold overrides); a checker given here judges every exercise (only the
    profile's ``enabled`` list is applied). ``cue_policy`` (optional) gets every frame's events
    and returns the cues to speak. ``exercise`` (``--exercise``) forces one profile of
    ``library`` (default: the packaged profiles); None or ``"auto"`` lets the recogniser name
    it. ``variant="knee"`` (``--variant knee``) is the alias of ``exercise="knee"``.
    ``hold_target_s`` (``--hold``) is the target of every timed hold (counted down).

    Timed holds (:class:`~livecoach.logic.holds.HoldTimers`) run every frame: their spoken
    events become :class:`~livecoach.types.CueEvent` s (with a cue policy), a finished hold a
    :class:`~livecoach.types.HoldEnd`; a newly named exercise is an
    :class:`~livecoach.types.ExerciseChange`. ``finish`` ends a hold still running; its
    ``HoldEnd`` is then in ``closing_events``.
    """

    def __init__(self, config: Config, variant: str = "standard", cue_policy: Optional[CuePolicyLike] = None,
                 fault_checker: Optional[FaultCheckerLike] = None, exercise: Optional[str] = None,
                 library: Optional[ExerciseLibrary] = None, hold_target_s: Optional[float] = None) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown push-up variant {variant!r} (known: {', '.join(VARIANTS)})")
        if exercise == AUTO:
            exercise = None
        if exercise is None and variant == "knee":
            exercise = "knee"
        self.library = library if library is not None else default_library()
        self.recognizer = ExerciseRecognizer(self.library, forced=exercise)  # unknown name: ConfigError
        self.forced_exercise = exercise
        if exercise is not None and self.library[exercise].position.body_end == "knees":
            variant = "knee"
        self.config = config
        self.variant = variant
        self.cue_policy = cue_policy
        fixed = fault_checker
        if fault_checker is None:
            fault_checker = FaultChecker(config)
            self._judge = ExerciseFaultJudge(config, FaultChecker)
        else:
            self._judge = ExerciseFaultJudge(config, None, fixed=fixed)
        self.fault_checker = fault_checker
        self.recognition: Optional[Recognition] = None
        self.vetoed: List[Tuple[float, float, str]] = []  # (t_start, t_end, look-alike) of dropped cycles
        #: seconds the rep counter's plank gate was on (in a plank on the hands), over the session
        self.plank_s = 0.0
        self._last_t: Optional[float] = None
        self._rep_exercise: Optional[str] = exercise if exercise is None or \
            self.library[exercise].kind == "reps" else None
        self._rep_confirmed = exercise is not None  # forced: never a guess
        self._depth_exercise: Optional[str] = None
        self._body_end = "feet"  # the rep exercise's body line (LogicStep.body_end), set with its depth rules
        self.holds = HoldTimers(self.library, target_s=hold_target_s, texts=dict(config.cues.texts))
        pause_hold = self.library.recognition.top_pause_hold
        # Pauses at the top of a rep exercise, timed as a plank (not when a hold is forced: that
        # hold's own timer times it).
        self.top_pauses = TopPauseTimer(HoldTimer(self.library[pause_hold], self.library.recognition)) \
            if pause_hold and (exercise is None or self.library[exercise].kind == "reps") else None
        self.hold_step: Optional[HoldStep] = None  # the recognised hold's timer after the last frame
        self.exercises: List[str] = []  # exercises named or done, in the order first seen
        self.closing_events: Tuple[Event, ...] = ()
        self._named: Optional[str] = None
        self._counting_unnamed = False  # a rep cycle counted in this stretch in position, no exercise named
        # The body line is read against the floor: levelled by the camera's elevation as the rep
        # counter reads it (the median over its calibration window, once enough frames read it).
        self.features = FeatureExtractor(config.features, config.capture.inference_max_width,
                                         ElevationWatch(config.reps.calibration_window_s,
                                                        config.reps.elevation_min_frames))
        self.views = ViewTracker(config.view, config.features)
        self.counter = RepCounter(config.reps, variant, elbow_views=config.view.elbow_angle_views)
        reps = config.reps
        self.jumps = JumpDetector(reps.max_body_speed_per_s, reps.max_gap_s, reps.calibration_window_s,
                                  reps.jump_own_pace_factor, reps.jump_own_pace_percentile,
                                  reps.body_size_window_s, reps.collapsed_size_frac)
        self.tracking = PatchyTrackingWatch(config.tracking, history_s=config.reps.max_cycle_s)
        self.burpees = BurpeeWatch(reps.burpee_plank_cycles)
        self.records: List[RepRecord] = []
        self._highlight: tuple = ()
        self._last_cue: Optional[Cue] = None
        self.last_features: Optional[Features] = None

    @property
    def reps(self) -> int:
        return self.counter.reps

    @property
    def no_reps(self) -> int:
        """No-reps told so far (a shallow cycle the burpee watch holds back is not, yet)."""
        return self.counter.no_reps - (self.burpees.pending is not None)

    @property
    def rep_exercise(self) -> str:
        """The exercise a rep ending now is filed under: forced, else the last rep exercise
        recognised, else ``standard``."""
        return self._rep_exercise or DEFAULT_EXERCISE

    def _rep_profile(self) -> Optional[ExerciseProfile]:
        """The profile of :attr:`rep_exercise` (None when the library has none by that name)."""
        return self.library[self.rep_exercise] if self.rep_exercise in self.library else None

    def _straight_arm_reps(self) -> bool:
        """Whether the rep exercise's reps keep the arms straight (a scapular push-up's)."""
        profile = self._rep_profile()
        return profile is not None and profile.straight_arm_reps

    def _body_still(self, cycle: FinishedCycle) -> bool:
        """Whether the body stayed still through ``cycle`` (:func:`~livecoach.logic.depth.body_still`),
        unless the rep exercise keeps the arms straight: a scapular push-up's shoulders move a few
        centimetres by design."""
        return not self._straight_arm_reps() and body_still(cycle.window.frames, self.config.reps)

    def _no_push_up_attempt(self, cycle: FinishedCycle) -> bool:
        """Whether a shallow cycle was no attempt at a push-up, seen from where the hips' fold is
        judged (``[view.judgeable] hip_pike``, side-on), by the standard push-up's lines:

        * into or out of a downward dog: the arms straight (not bent below the lockout angle,
          ``[faults.no_lockout] min_top_elbow_deg``, at the cycle's low elbow percentile,
          ``[faults] elbow_range_low_percentile``) and the hips folded beyond a plank's body line
          (``[position] hip_angle_min_deg``): :func:`~livecoach.logic.reps.straight_arms_folded_hips`.
          The plank's line, not the rep exercise's: a downward dog is a pike push-up's top, and a
          "pike push-up" whose elbows never bend is the same stretch;
        * the elbows never left a straight arm's range (the standard push-up's ``[rep]
          top_elbow_min_deg``): :func:`~livecoach.logic.reps.arms_straight_throughout`. Not for
          an exercise whose reps keep the arms straight (a scapular push-up's);
        * the hips folded beyond the rep exercise's own body line (its ``[position]
          hip_angle_min_deg``) at the cycle's median (:func:`~livecoach.logic.reps.hips_folded`)
          while the elbows never bent as far as its full rep's bottom (``[rep]
          bottom_elbow_max_deg``, at the same low percentile:
          :func:`~livecoach.logic.reps.elbows_short_of`): a rest or a stretch in a downward dog
          mid-set whose hands the pose model guesses, so that the arms read half bent. A shallow
          push-up with the hips piked bends the elbows further (PushFit wrong21 and wrong22:
          72-95 degrees, hips at 132-145) and stays a no-rep. Not for a cycle that may be a
          burpee's push-up (its window holds the jump in and out of the plank)."""
        plank = self.library[DEFAULT_EXERCISE] if DEFAULT_EXERCISE in self.library else None
        if plank is None:
            return False
        faults, views = self.config.faults, self.config.view.judgeable.get("hip_pike")
        views = views if views is not None else tuple(v.value for v in View)
        low = faults.elbow_range_low_percentile
        if straight_arms_folded_hips(cycle.window, faults.no_lockout.min_top_elbow_deg,
                                     plank.position.hip_angle_min_deg, low, views=views):
            return True
        profile = self._rep_profile()
        if plank.rep is not None and not self._straight_arm_reps() \
                and arms_straight_throughout(cycle.window, plank.rep.top_elbow_min_deg, low, views=views):
            return True
        own = profile if profile is not None and profile.rep is not None else plank
        return own.rep is not None and hips_folded(cycle.window, own.position.hip_angle_min_deg, views=views) \
            and elbows_short_of(cycle.window, own.rep.bottom_elbow_max_deg, low) \
            and not self.burpees.may_be_burpee(cycle)

    @property
    def view(self) -> View:
        return self.views.view

    def reset_count(self) -> None:
        """Zero the rep and no-rep counts (keeps the person's calibration and the view)."""
        self.counter.reset_count()
        self.burpees.take()
        self.records.clear()
        self._highlight = ()

    def update(self, t_s: float, frame_index: int, pose: Optional[PoseFrame]) -> LogicStep:
        """Process one frame; ``pose`` None means nobody was found in it."""
        patchy = self.tracking.update(t_s, pose is not None)
        jumped = self.jumps.update(t_s, pose)
        if self.jumps.collapsed:  # the model lost the limbs for a frame: no usable pose
            pose = None
        view = self.views.update(t_s, pose)
        if jumped:
            # a cut or a re-found track: no rep spans it, and no smoothing blends across it
            self.counter.interrupt()
            self.features.reset()
        feats = self.features.update(pose, view)
        result = self.counter.update(feats, t_s=t_s, view=view)
        if self.counter.gate.on and self._last_t is not None:
            self.plank_s += max(0.0, t_s - self._last_t)
        self._last_t = t_s
        self.burpees.observe(t_s, pose is not None, self.counter.plank_held, result.phase)
        feats = result.features if result.features is not None else feats
        self.last_features = feats
        events: List[Event] = [patchy] if patchy is not None else []
        # The recogniser reads heights and angles to the floor from the world landmarks: levelled as
        # the body line is (a camera raised 30 degrees made most push-ups side planks), for a camera
        # looking down from higher than a level one reads ([reps] max_camera_elevation_deg). Below
        # it the levelling, on where a frame reads the elevation and off where not, moved a far hand
        # against the near one by its depth x sin(elevation) and read as a shoulder tap; and the few
        # first readings of a camera below (kaiakol's: -30 degrees, -5 over the clip) made a plank
        # up-down of a push-up.
        level = self.features.level_deg
        level = level if level > self.config.reps.max_camera_elevation_deg else 0.0
        recognition = self.recognition = self.recognizer.update(
            t_s, None if pose is None else levelled_pose(pose, level), features=feats)
        if recognition.exercise is not None and recognition.kind == "reps":
            self._rep_exercise = recognition.exercise
            self._rep_confirmed = recognition.confirmed
        if self._depth_exercise != self.rep_exercise:  # the counter's per-exercise depth and top rules
            self._depth_exercise = self.rep_exercise
            profile = self._rep_profile()
            self.counter.elbow_depth = elbow_depth_for(profile, self.config)
            self.counter.straight_elbow_deg = None if profile is None or profile.rep is None \
                or profile.straight_arm_reps else profile.rep.top_elbow_min_deg
            self._body_end = profile.position.body_end if profile is not None else "feet"
        if recognition.exercise is not None and recognition.exercise != self._named:
            self._named = recognition.exercise
            self._seen(recognition.exercise)
            events.append(ExerciseChange(t_s=t_s, exercise=recognition.exercise,
                                         confidence=float(recognition.confidence)))
        cycle = result.finished
        if cycle is not None:
            lookalike = self.recognizer.veto(cycle.window.t_start_s, cycle.window.t_end_s)
            if lookalike is not None:  # not a push-up: neither a rep nor a no-rep
                self.counter.discard(cycle)
                self.vetoed.append((cycle.window.t_start_s, cycle.window.t_end_s, lookalike))
                cycle = None
        if cycle is not None and self._body_still(cycle):
            self.counter.discard(cycle)  # only the hands' landmarks moved: neither a rep nor a no-rep
            cycle = None
        if cycle is not None and cycle.no_rep_reason == NO_REP_NOT_DEEP and self._no_push_up_attempt(cycle):
            self.counter.discard(cycle)  # neither a rep nor a no-rep
            cycle = None
        released = self.burpees.resolve(left_position=result.phase == Phase.NOT_IN_POSITION,
                                        another_cycle=cycle is not None, jumped=jumped)
        if released is not None:  # before this frame's cycle: it came first
            self._file_held_back(t_s, *released, events)
        if cycle is not None and not self.burpees.offer(cycle):
            self._file_cycle(t_s, cycle, events)
        hold_step, finished_holds = self.holds.update(t_s, recognition.posture if pose is not None else None,
                                                      recognition.exercise)
        self.hold_step = hold_step
        for hold in finished_holds:
            self._seen(hold.exercise)
            events.append(HoldEnd(hold))
        if self.top_pauses is not None:
            pause = self.top_pauses.update(t_s, recognition.posture if pose is not None else None, result.phase,
                                           recognition.in_position, feats.elbow_angle_deg if feats else math.nan,
                                           named_hold=recognition.kind == "hold",
                                           exercise=self.library[self._rep_exercise]
                                           if self._rep_exercise in self.library else None)
            if pause is not None:
                self.holds.records.append(pause)
                events.append(HoldEnd(pause))
        if self.cue_policy is not None:
            for cue in self.cue_policy.on_events(t_s, tuple(events)):
                events.append(CueEvent(cue))
                self._last_cue = cue
            for hold_event in (hold_step.events if hold_step is not None else ()):
                cue = hold_cue(hold_event, self.library)
                if cue is not None:  # after the rep cues: the lower priority yields to them
                    events.append(CueEvent(cue))
                    self._last_cue = cue
        if result.phase == Phase.NOT_IN_POSITION:
            self._counting_unnamed = False
        progress = result.depth_frac if result.phase != Phase.NOT_IN_POSITION else 0.0
        return LogicStep(
            t_s=t_s, frame_index=frame_index, pose=pose, features=feats, phase=result.phase,
            reps=self.counter.reps, no_reps=self.no_reps, events=tuple(events),
            highlight=self._highlight, last_cue=self._last_cue,
            rep_progress=float(min(max(progress, 0.0), 1.0)) if math.isfinite(progress) else 0.0,
            exercise_label=self.exercise_label(), body_end=self._body_end,
            hold=None if hold_step is None or hold_step.state == "idle" else HoldStatus(
                exercise=hold_step.exercise, seconds_good=hold_step.seconds_good, state=hold_step.state,
                fault=hold_step.fault, remaining_s=hold_step.remaining_s),
        )

    def _file_cycle(self, t_s: float, cycle: FinishedCycle, events: List[Event],
                    off: Tuple[str, ...] = ()) -> None:
        """Judge a finished cycle, keep its record and add its events (the rules in ``off`` not
        judged)."""
        exercise, unsure_of = self.rep_exercise, None
        if not self._rep_confirmed and exercise != DEFAULT_EXERCISE and DEFAULT_EXERCISE in self.library:
            # a guessed variant: judged as the standard push-up, its differing rules not judged
            unsure_of, exercise = self.library[exercise], DEFAULT_EXERCISE
        profile = self.library[exercise] if exercise in self.library else None
        judgement = self._judge.judge(cycle.window, profile, unsure_of=unsure_of)
        if self.tracking.lost_most_of(cycle.window.t_start_s, cycle.window.t_end_s):
            judgement = restrict(judgement, self.config, tuple(self.config.faults.enabled))
        judgement = restrict(judgement, self.config, off)
        if cycle.no_rep_reason == NO_REP_NO_LOCKOUT and "no_lockout" in judgement.not_judged:
            # The counter ends such a cycle on the shoulders' height alone (they went back down
            # short of their top); whether the arms straightened is the no_lockout rule's to say.
            # Where it cannot (seen from above, elbows unread, top unseen, a support's exercise,
            # tracking lost) the cycle is a rep with its lockout not judged, not a no-rep the app
            # cannot back.
            cycle = self.counter.count_as_rep(cycle)
        record = dataclasses.replace(make_record(cycle, judgement), exercise=exercise)
        if record.full:
            self.recognizer.on_rep(t_s)
        self.records.append(record)
        self._seen(exercise)
        self._counting_unnamed = True
        events.append(RepEvent(record))
        for fault in record.faults:
            events.append(FaultEvent(t_s=t_s, rep_index=record.index, full=record.full, fault=fault))
        joints = []
        for fault in record.faults:
            for j in fault.joints:
                if j not in joints:
                    joints.append(j)
        self._highlight = tuple(joints)

    def _file_held_back(self, t_s: float, cycle: FinishedCycle, outcome: Outcome, events: List[Event]) -> None:
        """File a cycle the burpee watch held back: the no-rep it was, or a burpee's push-up (a
        rep, its depth not judged)."""
        if outcome == Outcome.BURPEE_REP:
            self._file_cycle(t_s, self.counter.count_as_rep(cycle), events, off=BURPEE_NOT_JUDGED)
        else:
            self._file_cycle(t_s, cycle, events)

    def finish(self, t_s: float, frames: int, frames_with_pose: int, fps: float, dropped: int,
               reason: str) -> SessionEnd:
        """The session summary event; the form verdict comes from ``livecoach.logic.verdict``.
        A no-rep the burpee watch still held back is filed first (its events lead
        ``closing_events``; no cue is chosen for it: the session is over)."""
        rep_events: List[Event] = []
        held_back = self.burpees.take()
        if held_back is not None:
            self._file_cycle(t_s, held_back, rep_events)
        verdict = form_verdict(self.records, self.config, self.library)
        closing = self.holds.finish(t_s)
        for hold in closing:
            self._seen(hold.exercise)
        pause = self.top_pauses.finish(t_s) if self.top_pauses is not None else None
        if pause is not None:
            self.holds.records.append(pause)
            closing += (pause,)
        self.closing_events = tuple(rep_events) + tuple(HoldEnd(h) for h in closing)
        return SessionEnd(t_s=t_s, reps=self.counter.reps, no_reps=self.counter.no_reps, frames=frames,
                          frames_with_pose=frames_with_pose, fps=fps, dropped_frames=dropped,
                          form_verdict=verdict, reason=reason, holds=len(self.holds.records),
                          exercises=tuple(self.exercises))

    def exercise_label(self) -> str:
        """One overlay line: the exercise's title (``exercise: ?`` while none is named; once a rep
        is counted with none named, the push-up with "cannot tell" which variant) and the variants
        this view cannot tell it from (a running hold's seconds are ``LogicStep.hold``)."""
        r = self.recognition
        name = r.exercise if r is not None else self.forced_exercise
        if name is None:
            if self._counting_unnamed and DEFAULT_EXERCISE in self.library:
                # push-ups are being counted (as the standard one) but the view shows no variant
                # (head-on, or a camera above): say so rather than "?"
                return self.library[DEFAULT_EXERCISE].title + " (which variant: cannot tell from here)"
            return "exercise: ?"
        label = self.library[name].title if name in self.library else name
        if r is not None and r.exercise is not None and not r.confirmed:
            label += "?"  # a guess from the posture: not confirmed by a rep yet
        if r is not None and r.cannot_tell:
            if len(r.cannot_tell) <= MAX_LABEL_ALTERNATIVES:
                label += " (or " + " / ".join(self.library[n].title if n in self.library else n
                                              for n in r.cannot_tell) + ": cannot tell from here)"
            else:  # a list of six titles runs off the picture and says no more than this
                label += " (which variant: cannot tell from here)"
        return label

    def _seen(self, exercise: str) -> None:
        if exercise not in self.exercises:
            self.exercises.append(exercise)


def hold_cue(event: HoldEvent, library: ExerciseLibrary) -> Optional[Cue]:
    """The spoken cue of a hold event (None when it has no text): a break is a correction naming
    the fault, the rest (start, time, restored, target, end) announcements. Its priority is the
    hold profile's ``[hold] cue_priority``."""
    if not event.text:
        return None
    broke = event.kind == "break"
    hold = library[event.exercise].hold
    if hold is None:  # HoldTimers only times profiles of kind "hold", which the loader gives a [hold]
        raise ValueError(f"hold event for {event.exercise!r}, which is not a hold profile")
    return Cue(t_s=event.t_s, key=event.cue_key or f"hold_{event.kind}", text=event.text,
               kind=CueKind.CORRECTION if broke else CueKind.ANNOUNCEMENT, priority=hold.cue_priority,
               fault=event.fault if broke else None)
