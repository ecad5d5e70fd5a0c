"""Replaying recorded landmarks through the real pipeline and the naive baseline.

:func:`replay_frames` runs a clip's recorded frames through the real
:class:`~livecoach.logic.analysis.SessionAnalyzer` (rep state machine + fault rules) and, in
the same pass, the naive elbow-angle counter of :mod:`livecoach.evaluation.baseline`; the
clip-level verdict comes from :func:`livecoach.logic.verdict.judge_session`.

The replay also keeps what the exercise recogniser and the hold timers made of the clip: the
seconds each exercise was recognised while the person was in its position
(:attr:`ClipResult.exercise_seconds`) and the timed holds (:attr:`ClipResult.holds`); and what
the coach would have said: the corrections the live session's cue policy
(:class:`~livecoach.logic.cues.CuePolicy`, same config) chose (:attr:`ClipResult.corrections`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from livecoach.config.schema import Config
from livecoach.evaluation.baseline import NaiveElbowCounter
from livecoach.evaluation.manifest import ClipSpec
from livecoach.formats.recording import RecordedFrame, read_recording
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.cues import CuePolicy
from livecoach.logic.holds import HoldRecord
from livecoach.logic.verdict import judge_session
from livecoach.types import CueEvent, CueKind, PatchyTracking, RepEvent, RepRecord

__all__ = ["ClipResult", "replay_frames", "replay_clip", "replay_summary"]


@dataclass
class ClipResult:
    """What the pipeline and the baseline made of one clip.

    ``exercise_seconds``: per exercise, the seconds of frames on which the recogniser named it
    and the person was in its position (each frame counts the time since the previous one).
    ``holds``: the hold timers' finished holds, those closed by the end of the clip included.
    ``corrections``: the faults whose correction the cue policy spoke, in order (a fault once
    per spoken cue). ``tracking_notices``: when the user was told the pose model kept losing them.
    """

    file: str
    kind: str
    variant: str
    frames: int = 0
    frames_with_pose: int = 0
    duration_s: float = 0.0
    records: List[RepRecord] = field(default_factory=list)
    baseline_count: int = 0
    session_verdict: Optional[str] = None  # SessionEnd.form_verdict from the analyzer
    verdict: Optional[str] = None  # verdict.judge_session on the records
    verdict_reason: str = ""
    error: Optional[str] = None
    exercise_seconds: Dict[str, float] = field(default_factory=dict)
    holds: List[HoldRecord] = field(default_factory=list)
    corrections: List[str] = field(default_factory=list)
    tracking_notices: List[float] = field(default_factory=list)

    @property
    def recognised_exercise(self) -> Optional[str]:
        """The clip's exercise as the app recognised it: the one named for the most seconds in
        position (ties: the first name alphabetically); None if none was ever named in position."""
        if not self.exercise_seconds:
            return None
        return min(self.exercise_seconds, key=lambda name: (-self.exercise_seconds[name], name))

    @property
    def reps(self) -> int:
        return sum(1 for r in self.records if r.full)

    @property
    def no_reps(self) -> int:
        return sum(1 for r in self.records if not r.full)

    @property
    def cycles(self) -> int:
        return len(self.records)


def replay_frames(frames: Sequence[RecordedFrame], config: Config, variant: str, fps: float = 0.0,
                  file: str = "", kind: str = "detailed", exercise: Optional[str] = None) -> ClipResult:
    """Run recorded frames through SessionAnalyzer (with the real FaultChecker) and the baseline.
    ``exercise`` None = recognised (``--exercise auto``), else forced."""
    analyzer = SessionAnalyzer(config, variant=variant, exercise=exercise, cue_policy=CuePolicy(config))
    baseline = NaiveElbowCounter(config.eval.baseline_up_deg, config.eval.baseline_down_deg)
    result = ClipResult(file=file, kind=kind, variant=variant)
    last_t = 0.0
    previous_t: Optional[float] = None
    for rec in frames:
        step = analyzer.update(rec.t_s, rec.frame_index, rec.pose)
        for event in step.events:
            if isinstance(event, RepEvent):
                result.records.append(event.record)
            elif isinstance(event, CueEvent) and event.cue.kind == CueKind.CORRECTION:
                result.corrections.append(event.cue.key)
            elif isinstance(event, PatchyTracking):
                result.tracking_notices.append(event.t_s)
        recognition = analyzer.recognition
        if previous_t is not None and recognition is not None and recognition.exercise and recognition.in_position:
            seconds = result.exercise_seconds.get(recognition.exercise, 0.0)
            result.exercise_seconds[recognition.exercise] = seconds + max(0.0, rec.t_s - previous_t)
        previous_t = rec.t_s
        baseline.update(rec.t_s, rec.pose)
        result.frames += 1
        result.frames_with_pose += rec.pose is not None
        last_t = rec.t_s
    end = analyzer.finish(last_t, result.frames, result.frames_with_pose, fps, 0, "end_of_source")
    # a no-rep the burpee watch still held back when the clip ended
    result.records += [e.record for e in analyzer.closing_events if isinstance(e, RepEvent)]
    result.duration_s = last_t
    result.baseline_count = baseline.count
    result.session_verdict = end.form_verdict
    result.holds = list(analyzer.holds.records)
    judged = judge_session(result.records, config, analyzer.library)
    result.verdict, result.verdict_reason = judged.verdict, judged.reason
    return result


def replay_clip(clip: ClipSpec, recording: Path, config: Config) -> ClipResult:
    header, frames = read_recording(recording)
    return replay_frames(frames, config, clip.variant, header.fps, clip.file, clip.kind)


def replay_summary(recording: Path, config: Config, variant: str) -> Dict[str, Any]:
    """A compact, comparable summary of one recording replayed through the pipeline:
    counts, each cycle's faults, the verdict and the baseline's count (the regression
    fixtures' expected files hold exactly this)."""
    header, frames = read_recording(recording)
    # The labelled variant is forced as the exercise: the fixtures pin counting and the fault rules
    # of that exercise; recognition is measured on its own (tools/exercise_report.py, livecoach eval).
    result = replay_frames(frames, config, variant, header.fps, Path(recording).name, exercise=variant)
    return {
        "variant": variant,
        "frames": result.frames,
        "frames_with_pose": result.frames_with_pose,
        "reps": result.reps,
        "no_reps": result.no_reps,
        "cycles": [{"full": r.full, "t_bottom": round(r.t_bottom_s, 2), "faults": sorted(r.fault_names),
                    "not_judged": sorted(r.not_judged), "score": r.score, "reason": r.no_rep_reason}
                   for r in result.records],
        "verdict": result.verdict,
        "session_verdict": result.session_verdict,
        "baseline_count": result.baseline_count,
    }
