"""The single-threaded per-frame logic: pose → features → view → reps → faults → cues.

:class:`SessionAnalyzer` is what the app, the replay command and the evaluation harness all
run, so a replay of recorded landmarks reproduces a live session exactly (it only ever reads
frame timestamps). Each ``update`` returns one :class:`~livecoach.types.LogicStep` with the
events of that frame: a :class:`~livecoach.types.RepEvent` for each finished cycle (rep or
no-rep), a :class:`~livecoach.types.FaultEvent` per fault of that cycle, and the
:class:`~livecoach.types.CueEvent` s the cue policy chose.
"""
from __future__ import annotations

import math
from typing import Any, List, Optional, Protocol, Sequence

from livecoach.config.schema import Config
from livecoach.logic.continuity import JumpDetector
from livecoach.logic.features import FeatureExtractor
from livecoach.logic.reps import RepCounter, make_record
from livecoach.types import (Cue, CueEvent, Event, FaultEvent, Features, LogicStep, Phase, PoseFrame,
                    RepEvent, RepJudgement, RepRecord, RepWindow, SessionEnd, View)
from livecoach.logic.view import ViewTracker

VARIANTS = ("standard", "knee")


class FaultCheckerLike(Protocol):
    def judge(self, window: RepWindow) -> RepJudgement: ...


class CuePolicyLike(Protocol):
    def on_events(self, t_s: float, events: Sequence[Event]) -> Sequence[Cue]: ...


class SessionAnalyzer:
    """Per-frame session logic (see the module docstring).

    ``fault_checker`` defaults to ``livecoach.logic.faults.FaultChecker(config)``; ``cue_policy``
    (optional) gets every frame's events and returns the cues to speak.
    """

    def __init__(self, config: Config, variant: str = "standard", cue_policy: Optional[CuePolicyLike] = None,
                 fault_checker: Optional[FaultCheckerLike] = None) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown push-up variant {variant!r} (known: {', '.join(VARIANTS)})")
        self.config = config
        self.variant = variant
        self.cue_policy = cue_policy
        if fault_checker is None:
            from livecoach.logic.faults import FaultChecker  # lazy: the rules module is optional for the counter

            fault_checker = FaultChecker(config)
        self.fault_checker = fault_checker
        self.features = FeatureExtractor(config.features)
        self.views = ViewTracker(config.view, config.features)
        self.counter = RepCounter(config.reps, variant)
        self.jumps = JumpDetector(config.reps.max_body_speed_per_s, config.reps.max_gap_s)
        self.records: List[RepRecord] = []
        self._highlight: tuple = ()
        self._last_cue: Optional[Cue] = None
        self.last_features: Optional[Features] = None

    @property
    def reps(self) -> int:
        return self.counter.reps

    @property
    def no_reps(self) -> int:
        return self.counter.no_reps

    @property
    def view(self) -> View:
        return self.views.view

    def reset_count(self) -> None:
        """Zero the rep and no-rep counts (keeps the person's calibration and the view)."""
        self.counter.reset_count()
        self.records.clear()
        self._highlight = ()

    def update(self, t_s: float, frame_index: int, pose: Optional[PoseFrame]) -> LogicStep:
        """Process one frame; ``pose`` None means nobody was found in it."""
        view = self.views.update(t_s, pose)
        if self.jumps.update(t_s, pose):
            # a cut or a re-found track: no rep spans it, and no smoothing blends across it
            self.counter.interrupt()
            self.features.reset()
        feats = self.features.update(pose, view)
        result = self.counter.update(feats, t_s=t_s, view=view)
        feats = result.features if result.features is not None else feats
        self.last_features = feats
        events: List[Event] = []
        if result.finished is not None:
            cycle = result.finished
            judgement = self.fault_checker.judge(cycle.window)
            record = make_record(cycle, judgement)
            self.records.append(record)
            events.append(RepEvent(record))
            for fault in record.faults:
                events.append(FaultEvent(t_s=t_s, rep_index=record.index, full=record.full, fault=fault))
            joints = []
            for fault in record.faults:
                for j in fault.joints:
                    if j not in joints:
                        joints.append(j)
            self._highlight = tuple(joints)
        if self.cue_policy is not None:
            for cue in self.cue_policy.on_events(t_s, tuple(events)):
                events.append(CueEvent(cue))
                self._last_cue = cue
        progress = result.depth_frac if result.phase != Phase.NOT_IN_POSITION else 0.0
        return LogicStep(
            t_s=t_s, frame_index=frame_index, pose=pose, features=feats, phase=result.phase,
            reps=self.counter.reps, no_reps=self.counter.no_reps, events=tuple(events),
            highlight=self._highlight, last_cue=self._last_cue,
            rep_progress=float(min(max(progress, 0.0), 1.0)) if math.isfinite(progress) else 0.0,
        )

    def finish(self, t_s: float, frames: int, frames_with_pose: int, fps: float, dropped: int,
               reason: str) -> SessionEnd:
        """The session summary event; the form verdict comes from ``livecoach.logic.verdict``."""
        verdict = _form_verdict(self.records, self.config)
        return SessionEnd(t_s=t_s, reps=self.counter.reps, no_reps=self.counter.no_reps, frames=frames,
                          frames_with_pose=frames_with_pose, fps=fps, dropped_frames=dropped,
                          form_verdict=verdict, reason=reason)


def _form_verdict(records: Sequence[RepRecord], config: Config) -> str:
    try:
        from livecoach.logic.verdict import form_verdict
    except ImportError:  # the verdict rule is optional: no fault at all = correct
        return "correct" if not any(r.faults for r in records) else "incorrect"
    result: Any = form_verdict(records, config)
    return str(result)
