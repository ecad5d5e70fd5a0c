"""A rep's depth is the normalised one the README defines: 0 at the top, 1 at the person's own full depth."""
from __future__ import annotations

from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.types import RepEvent

from conftest import FIXTURES


def test_full_depth_reps_of_a_real_clip_read_about_one():
    _, frames = read_recording(FIXTURES / "landmarks" / "tayyab__pushup.mp4.jsonl.gz")
    analyzer = SessionAnalyzer(load_config(), exercise="standard")
    depths = []
    for f in frames:
        step = analyzer.update(f.t_s, f.frame_index, f.pose)
        depths += [e.record.depth_frac for e in step.events if isinstance(e, RepEvent) and e.record.full]
    assert len(depths) >= 10
    # before the fix every full rep read 0.55-0.70 (the raw shoulder drop over body length)
    assert 0.85 <= sorted(depths)[len(depths) // 2] <= 1.3
    assert all(d > 0.5 for d in depths)
