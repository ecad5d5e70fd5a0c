"""The cue policy on real rep sequences: recorded landmarks of real clips (tests/fixtures)
replayed through the per-frame logic. The rules must hold whatever the fault rules found:
only the ending rep's own faults are corrected, one cue per cycle, gaps and cooldowns kept,
a clean clip stays silent, and the same replay gives the same cues."""
from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from livecoach.config.schema import load_config
from livecoach.types import Cue, CueEvent, CueKind, RepEvent, RepRecord
from conftest import FIXTURES as FIXTURES_DIR

LANDMARKS = FIXTURES_DIR / "landmarks"
CLIPS = ["tayyab__pushup.mp4", "vraj__pushups.mp4", "pushfit__wrong49.mp4", "fitnesscounter__pushup-sample.mp4"]


def replay(name: str, config) -> Tuple[List[RepRecord], List[Tuple[float, Cue]], Dict[float, RepRecord]]:
    analysis = pytest.importorskip("livecoach.logic.analysis")
    from livecoach.logic.cues import CuePolicy
    from livecoach.formats.recording import read_recording

    path = LANDMARKS / f"{name}.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"fixture {path.name} is absent")
    _, frames = read_recording(path)
    analyzer = analysis.SessionAnalyzer(config, cue_policy=CuePolicy(config))
    records: List[RepRecord] = []
    cues: List[Tuple[float, Cue]] = []
    ends: Dict[float, RepRecord] = {}
    for frame in frames:
        step = analyzer.update(frame.t_s, frame.frame_index, frame.pose)
        cycle_cues = 0
        for event in step.events:
            if isinstance(event, RepEvent):
                records.append(event.record)
                ends[frame.t_s] = event.record
            elif isinstance(event, CueEvent):
                cues.append((frame.t_s, event.cue))
                cycle_cues += 1
        assert cycle_cues <= 1, f"{name}: {cycle_cues} cues at {frame.t_s:.2f} s"
    return records, cues, ends


@pytest.mark.parametrize("name", CLIPS)
def test_policy_rules_hold_on_real_clips(name):
    config = load_config()
    records, cues, ends = replay(name, config)
    for t, cue in cues:
        assert cue.t_s == t
        if cue.kind is CueKind.CORRECTION:
            assert t in ends, f"a correction at {t:.2f} s is not at the end of a rep"
            assert cue.fault in ends[t].fault_names, "corrected a fault this rep did not have"
            # one thing at a time: the rep's most important fault (min_fault_reps is 1 by default)
            assert cue.fault == max(ends[t].fault_names, key=lambda f: config.cues.priority[f])
    coaching = [c for _, c in cues if c.kind in (CueKind.CORRECTION, CueKind.PRAISE)]
    for a, b in zip(coaching, coaching[1:]):
        assert b.t_s - a.t_s >= config.cues.min_gap_s
    faulty = {f for r in records for f in r.fault_names}
    said = {c.fault for _, c in cues if c.kind is CueKind.CORRECTION}
    if faulty:
        # the highest-priority fault seen in the session is always said at least once
        top = max(faulty, key=lambda f: config.cues.priority[f])
        assert top in said, f"{name}: {top} on reps {[r.index for r in records if top in r.fault_names]} never said"
    else:
        assert [c for _, c in cues if c.kind is CueKind.CORRECTION] == []  # a clean clip: no corrections
        assert [c for _, c in cues if c.kind is CueKind.PRAISE] == []


def test_sagging_hips_clip_hears_tuck_your_tailbone_only_on_sagging_reps():
    config = load_config()
    records, cues, ends = replay("tayyab__pushup.mp4", config)
    sag_reps = [r for r in records if "hip_sag" in r.fault_names]
    if not sag_reps:
        pytest.skip("the fault rules flag no hip_sag on this clip at the moment")
    tailbone = [(t, c) for t, c in cues if c.text == config.cues.texts["hip_sag"]]
    assert tailbone, "hip_sag reps but no 'Tuck your tailbone'"
    for t, _ in tailbone:
        assert "hip_sag" in ends[t].fault_names


def test_replay_gives_the_same_cues_twice():
    config = load_config()
    first = replay("tayyab__pushup.mp4", config)[1]
    second = replay("tayyab__pushup.mp4", config)[1]
    assert first == second
