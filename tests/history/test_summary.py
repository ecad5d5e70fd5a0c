"""What a session comes to in words: the depth each rep was judged on, and the trainers' advice."""
from __future__ import annotations

import math

import pytest

from livecoach.history.summary import average_depth_text, depth_notes, depth_text
from livecoach.types import DEPTH_BY_DROP, DEPTH_BY_ELBOWS, DEPTH_BY_USUAL, DEPTH_NOT_JUDGED, RepRecord


def _rep(full: bool = True, by=DEPTH_BY_DROP, value: float = 0.6, limit: float = 0.45) -> RepRecord:
    return RepRecord(index=1, full=full, t_start_s=0.0, t_bottom_s=0.5, t_end_s=1.0, depth_frac=1.0,
                     min_elbow_angle_deg=80.0, seconds_down=0.5, seconds_up=0.5, depth_by=by, depth_value=value,
                     depth_limit=limit, no_rep_reason=None if full else "not deep enough")


@pytest.mark.parametrize("record, long, short", [
    (_rep(value=0.684), "68 %", "68%"),
    (_rep(False, value=0.4499), "44 %", "44%"),  # missed the limit: never reads as the limit itself
    (_rep(value=0.45), "45 %", "45%"),
    (_rep(by=DEPTH_BY_ELBOWS, value=73.2, limit=110.0), "74° elbows", "74° elb"),
    (_rep(False, by=DEPTH_BY_ELBOWS, value=110.3, limit=110.0), "111° elbows", "111° elb"),  # over: never "110°"
    (_rep(False, by=DEPTH_BY_USUAL, value=0.52, limit=math.nan), "52 %, short of your usual bottom", "short"),
    (_rep(False, by=DEPTH_BY_USUAL, value=math.nan, limit=math.nan), "short of your usual bottom", "short"),
    (_rep(by=DEPTH_NOT_JUDGED, value=math.nan, limit=math.nan), "not judged", "n/j"),
    (_rep(by=None, value=math.nan, limit=math.nan), "—", "—"),  # a history from before schema 4
])
def test_the_depth_reads_as_judged_and_never_contradicts_its_limit(record, long, short):
    assert depth_text(record) == long and depth_text(record, short=True) == short


def test_the_notes_name_each_kind_of_depth_shown_with_its_limit():
    records = [_rep(), _rep(False, value=0.3), _rep(by=DEPTH_BY_ELBOWS, value=73.0, limit=110.0),
               _rep(by=DEPTH_NOT_JUDGED, value=math.nan, limit=math.nan)]
    notes = depth_notes(records)
    assert len(notes) == 3
    assert notes[0].startswith("Depth: how far your shoulders came down") and "a rep needs 45 %" in notes[0]
    assert "elbows" in notes[1] and "110° or less" in notes[1] and notes[2].startswith("Not judged")
    assert depth_notes([_rep()]) == notes[:1] and depth_notes([]) == []
    assert "older LiveCoach" in depth_notes([_rep(by=None)])[0]
    assert "a rep needs 45%" in depth_notes(records, short=True)[0]


def test_the_average_depth_is_of_the_counted_reps_as_judged():
    assert average_depth_text([_rep(value=0.6), _rep(value=0.7), _rep(False, value=0.1)]) == "65 %"
    assert average_depth_text([_rep(by=DEPTH_BY_ELBOWS, value=70.0, limit=110.0)]) == "70°"
    assert average_depth_text([_rep(by=DEPTH_NOT_JUDGED, value=math.nan)]) == "—"
    assert average_depth_text([_rep(False)]) == "—"  # no counted rep
