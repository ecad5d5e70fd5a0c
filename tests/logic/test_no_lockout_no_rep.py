"""A cycle that goes back down short of its top is a no-rep "no lockout" only where the app
judges the lockout (livecoach.logic.analysis: ``SessionAnalyzer._file_cycle``).

The rep counter splits such a cycle on the shoulders' height alone. Whether the arms straightened
is the ``no_lockout`` rule's to say; where it says "not judged" (seen from above, elbows unread,
top unseen, a support's exercise) the cycle is a rep with its lockout not judged.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

from livecoach.config.schema import load_config
from livecoach.evaluation.replay import replay_frames
from livecoach.formats.recording import read_recording
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.reps import NO_REP_NO_LOCKOUT
from livecoach.types import RepEvent, RepRecord

from conftest import FIXTURES
from helpers import side_pushup_pose

CFG = load_config()
FPS = 30.0


def _side_records(segments: Sequence[Tuple[float, float]],
                  unseen: Tuple[float, float] = (-1.0, -1.0)) -> List[RepRecord]:
    """Side-view push-up poses whose depth moves linearly to each (end s, depth) in turn from 0;
    no pose from ``unseen[0]`` s up to ``unseen[1]`` s (the model lost the person)."""
    records: List[RepRecord] = []
    analyzer = SessionAnalyzer(CFG, variant="standard")
    t, depth = 0.0, 0.0
    for end, target in segments:
        start, from_depth = t, depth
        while t < end:
            depth = from_depth + (target - from_depth) * (t - start) / (end - start)
            pose = None if unseen[0] <= t < unseen[1] else side_pushup_pose(t, depth)
            step = analyzer.update(t, int(round(t * FPS)), pose)
            records += [e.record for e in step.events if isinstance(e, RepEvent)]
            t = round(t + 1 / FPS, 6)
        depth = target
    return records


def test_seen_from_the_side_with_bent_arms_between_the_bottoms_it_stays_a_no_rep():
    # a full rep; down, up only 0.7 of the way (elbows still bent), down again; up to the top
    records = _side_records([(1.5, 0.0), (2.2, 1.0), (2.9, 0.0), (3.6, 1.0), (4.1, 0.3), (4.8, 1.0),
                             (5.5, 0.0), (7.0, 0.0)])
    assert [(r.full, r.no_rep_reason) for r in records] == [(True, None), (False, NO_REP_NO_LOCKOUT), (True, None)]
    assert "no_lockout" not in records[1].not_judged


def test_filmed_from_above_a_split_cycle_is_a_rep_with_its_lockout_not_judged():
    """jtnicastro__pushup (camera straight overhead, 9 reps labelled full, no_lockout "no"). The
    body's size in the picture, its only depth signal there, does not come back to the top
    between the first two reps, so the counter ends the first one as no lockout; the lockout rule
    does not judge a view from above. It was 8 reps and a no-rep "no lockout"."""
    header, frames = read_recording(FIXTURES / "landmarks" / "jtnicastro__pushup.mp4.jsonl.gz")
    records = replay_frames(frames, CFG, "standard", fps=header.fps).records
    assert [r.full for r in records] == [True] * 9
    assert all("no_lockout" in r.not_judged for r in records)
    assert np.all(np.diff([r.index for r in records]) == 1)



# A full rep; down (at the bottom at 3.6 s); up 0.7 of the way by 3.9 s; ...
_FULL_REP_AND_DOWN = [(1.5, 0.0), (2.2, 1.0), (2.9, 0.0), (3.6, 1.0), (3.9, 0.3)]


def test_pose_lost_across_the_top_long_enough_to_pass_it_the_lockout_is_not_judged():
    """PushFit correct60 (filmed from above the head end, 320x240): the model lost the person
    for 0.56 s right after a rep's highest frame (three quarters of the way up) and found them at
    the next bottom. Nothing showed the lockout missed, only unseen: the cycle is a rep with its
    lockout not judged, not a "no lockout" no-rep."""
    # ... on to the top and the next bottom unseen for 0.76 s (at the speed of the rise, 0.7 of
    # the depth in 0.3 s, the 0.3 left and the 1.0 back down take 0.56 s), then up to the top
    records = _side_records(_FULL_REP_AND_DOWN + [(4.1, 0.0), (4.7, 1.0), (5.4, 0.0), (7.0, 0.0)],
                            unseen=(3.94, 4.7))
    assert [r.full for r in records] == [True, True, True]
    assert "no_lockout" in records[1].not_judged and "no_lockout" not in records[0].not_judged


def test_pose_lost_at_the_trough_too_briefly_to_pass_the_top_the_no_rep_stands():
    # ... back down from 0.3 with 0.26 s unseen (the 1.3 of the depth to the top and back take
    # 0.56 s at the rise's speed), then up to the top: the lockout was missed
    records = _side_records(_FULL_REP_AND_DOWN + [(4.4, 1.0), (5.1, 0.0), (7.0, 0.0)], unseen=(3.94, 4.2))
    assert [(r.full, r.no_rep_reason) for r in records] == [(True, None), (False, NO_REP_NO_LOCKOUT), (True, None)]
    assert "no_lockout" not in records[1].not_judged
