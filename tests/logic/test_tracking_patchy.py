"""Patchy tracking: the user is told when the pose model keeps losing them (``livecoach.logic.tracking``).

Frame by frame on hand-made found/lost patterns, then replayed on real landmarks: PushFit correct60
(filmed from above at the head's end; the model found the person on 37 of 94 frames) says so,
clips the model tracks steadily never do.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, List, Tuple

import pytest

from livecoach.config.schema import load_config
from livecoach.formats.events import describe, event_to_dict
from livecoach.formats.recording import read_recording
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.cues import CuePolicy
from livecoach.logic.tracking import PatchyTrackingWatch
from livecoach.types import CueEvent, CueKind, PatchyTracking, RepEvent
from conftest import FIXTURES
from tempo import tempo_scaled

CFG = load_config()
FPS = 30.0
LANDMARKS = FIXTURES / "landmarks"
#: Filmed from above at the head's end, 320x240: the model found the person on 37 of 94 frames.
FROM_ABOVE = LANDMARKS / "pushfit__correct60.mp4.jsonl.gz"


def run(found: Iterable[bool], config=CFG.tracking, t0: float = 0.0) -> List[PatchyTracking]:
    watch = PatchyTrackingWatch(config)
    return [n for n in (watch.update(t0 + i / FPS, seen) for i, seen in enumerate(found)) if n is not None]


def pattern(seconds: float, found_every: int = 1, lost: bool = False) -> List[bool]:
    """``seconds`` of frames: none found (``lost``), or one found in every ``found_every``."""
    return [False if lost else i % found_every == 0 for i in range(int(round(seconds * FPS)))]


def test_steady_tracking_and_walking_out_of_view_say_nothing() -> None:
    assert run(pattern(10)) == []
    assert run(pattern(5) + pattern(10, lost=True) + pattern(5)) == []  # away, then back


def test_found_on_one_frame_in_three_is_said_once_a_full_window_in_and_once_a_bout() -> None:
    notices = run(pattern(20, found_every=3))
    assert len(notices) == 1
    notice = notices[0]
    assert notice.t_s == pytest.approx(CFG.tracking.window_s)  # the first full window
    assert notice.found_share == pytest.approx(1 / 3, abs=0.02) and notice.window_s == CFG.tracking.window_s


def test_just_over_the_share_says_nothing() -> None:
    share = CFG.tracking.min_found_share
    assert share == 0.5  # config/default.toml says why
    assert run(pattern(10, found_every=2)) == []  # 1 in 2: not under the share
    assert len(run(pattern(10, found_every=3))) == 1


def test_a_new_bout_is_said_again_only_after_repeat_after_s() -> None:
    bout, good = pattern(5, found_every=3), pattern(5)
    repeat = CFG.tracking.repeat_after_s
    assert repeat == 60.0
    times = [n.t_s for n in run(bout + good + bout + pattern(repeat) + bout)]
    # The second bout (10-15 s) is inside the minute; the third (from 75 s) is said once the
    # window is mostly patchy again.
    assert len(times) == 2 and times[0] == pytest.approx(3.0) and 75.0 < times[1] < 78.0
    often = dataclasses.replace(CFG.tracking, repeat_after_s=5.0)
    assert len(run(bout + good + bout, config=often)) == 2


def test_a_few_found_frames_are_no_evidence() -> None:
    """Found frames spanning less than half the window: nobody to speak of, not judged."""
    watch = PatchyTrackingWatch(CFG.tracking)
    for i, seen in enumerate(pattern(1.0, found_every=3) + pattern(3.0, lost=True)):
        assert watch.update(i / FPS, seen) is None
        assert i / FPS < 1.5 or watch.found_share() is None


def replay(frames) -> Tuple[List[PatchyTracking], List[CueEvent]]:
    analyzer = SessionAnalyzer(CFG, cue_policy=CuePolicy(CFG))
    notices: List[PatchyTracking] = []
    cues: List[CueEvent] = []
    for f in frames:
        events = analyzer.update(f.t_s, f.frame_index, f.pose).events
        notices += [e for e in events if isinstance(e, PatchyTracking)]
        cues += [e for e in events if isinstance(e, CueEvent) and e.cue.key == "tracking"]
    return notices, cues


def test_pushfit_correct60_filmed_from_above_is_told_and_hears_the_cue() -> None:
    header, frames = read_recording(FROM_ABOVE)
    assert sum(f.pose is not None for f in frames) == 37 and len(frames) == 94
    notices, cues = replay(frames)
    assert len(notices) == 1 and notices[0].found_share < CFG.tracking.min_found_share
    assert [c.cue.text for c in cues] == [CFG.cues.texts["tracking"]]
    assert cues[0].cue.kind is CueKind.ANNOUNCEMENT and cues[0].cue.t_s == notices[0].t_s
    # Half speed (every frame twice): the same gaps, twice as long, said as well.
    slow_notices, _ = replay(tempo_scaled(frames, header.fps, 0.5))
    assert len(slow_notices) == 1


@pytest.mark.parametrize("name", ["tayyab__pushup.mp4", "vraj__pushups.mp4", "monkeydo__pushup.mov",
                                  "pushfit__wrong113.mp4", "pushfit__wrong113.mp4_mirror",
                                  "variants__fitnease__burpees", "variants__fitnease__plank"])
def test_clips_the_model_tracks_or_leaves_cleanly_are_never_told(name: str) -> None:
    """Steady clips, and clips with lost frames that are not patchy: monkeydo (99 of 121 found),
    wrong113 (127 of 140, its fast bottoms), the burpees (standing up out of the frame's view),
    the plank (a title card: nobody, then somebody)."""
    header, frames = read_recording(LANDMARKS / f"{name}.jsonl.gz")
    for factor in (0.5, 1.0, 2.0):
        notices, _ = replay(tempo_scaled(frames, header.fps, factor) if factor != 1.0 else frames)
        assert notices == [], (factor, notices)


def test_the_event_in_the_events_stream_and_the_headless_line() -> None:
    notice = PatchyTracking(t_s=3.36, found_share=0.4921, window_s=3.0)
    assert event_to_dict(notice) == {"type": "tracking", "t": 3.36, "found_share": 0.492, "window_s": 3.0, "v": 2}
    line = describe(notice)
    assert line.startswith("[   3.36s] tracking: you were found on 49% of the frames of the last 3 s")


def test_a_rep_the_model_mostly_lost_still_counts_and_its_form_is_not_judged() -> None:
    """tayyab's last five reps sag (labelled hip_sag yes). With the person lost on 2 of every 3
    frames from 30 s on, those reps still count, every rule on them says "not judged" (the poses
    left are no surer than the lost ones), and no correction is spoken for them; the reps before
    are judged as they were."""
    header, frames = read_recording(LANDMARKS / "tayyab__pushup.mp4.jsonl.gz")
    cut = 30.0
    lossy = [f if f.t_s < cut or f.frame_index % 3 == 0 else dataclasses.replace(f, pose=None) for f in frames]

    def reps(stream):
        analyzer = SessionAnalyzer(CFG, cue_policy=CuePolicy(CFG))
        records, corrections = [], []
        for f in stream:
            for e in analyzer.update(f.t_s, f.frame_index, f.pose).events:
                if isinstance(e, RepEvent):
                    records.append(e.record)
                elif isinstance(e, CueEvent) and e.cue.kind is CueKind.CORRECTION:
                    corrections.append((e.cue.t_s, e.cue.key))
        return records, corrections

    whole, whole_said = reps(frames)
    lost, lost_said = reps(lossy)
    assert len(lost) == len(whole) == 14
    late = [r for r in lost if r.t_start_s >= cut]
    assert late and all(not r.faults and set(r.not_judged) == set(CFG.faults.enabled) for r in late)
    assert any(f.name == "hip_sag" for r in whole if r.t_start_s >= cut for f in r.faults)  # judged when seen
    early = [r for r in lost if r.t_end_s < cut]
    assert [r.faults for r in early] == [r.faults for r in whole if r.t_end_s < cut]
    assert [c for c in lost_said if c[0] >= cut] == [] and [c for c in whole_said if c[0] >= cut]
