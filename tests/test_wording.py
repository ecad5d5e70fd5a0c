"""The user-facing words: "1 rep", never "1 reps"; a rep's depth as it was judged."""
from __future__ import annotations

import math

import pytest

from livecoach.formats.events import describe, event_to_dict
from livecoach.types import DEPTH_BY_DROP, DEPTH_BY_ELBOWS, DEPTH_NOT_JUDGED, RepEvent, RepRecord, SessionEnd
from livecoach.wording import counted, one_in_singular


@pytest.mark.parametrize("n, noun, plural, expected", [
    (1, "rep", None, "1 rep"), (0, "rep", None, "0 reps"), (3, "no-rep", None, "3 no-reps"),
    (1, "rep cycle", None, "1 rep cycle"), (2, "rep cycle", None, "2 rep cycles"), (2, "person", "people", "2 people"),
])
def test_counted_puts_the_noun_in_the_number_it_takes(n, noun, plural, expected):
    assert counted(n, noun, plural) == expected


@pytest.mark.parametrize("said, expected", [
    ("Held 1 seconds in good form", "Held 1 second in good form"), ("Set done: 1 reps", "Set done: 1 rep"),
    ("Held 1 seconds, 1 no-reps", "Held 1 second, 1 no-rep"), ("Set done: 11 reps", "Set done: 11 reps"),
    ("Held 21 seconds", "Held 21 seconds"), ("Rest 0.1 seconds", "Rest 0.1 seconds"), ("Round 1 of 3", "Round 1 of 3"),
])
def test_a_spoken_count_of_one_takes_the_singular(said, expected):
    assert one_in_singular(said) == expected


def test_the_session_end_line_says_1_rep_not_1_reps():
    line = describe(SessionEnd(t_s=18.65, reps=1, no_reps=1, frames=560, frames_with_pose=527, fps=52.5))
    assert "session end: 1 rep, 1 no-rep, 560 frames" in line
    assert "0 reps, 2 no-reps" in describe(SessionEnd(t_s=1.0, reps=0, no_reps=2, frames=3, frames_with_pose=3, fps=30))


def test_a_session_end_with_no_rep_cycle_does_not_blame_the_view():
    nothing = describe(SessionEnd(t_s=9.0, reps=0, no_reps=0, frames=270, frames_with_pose=250, fps=30.0,
                                  form_verdict="not_judged"))
    assert nothing.endswith("no rep to judge") and "view" not in nothing  # squats: nothing to judge
    one = describe(SessionEnd(t_s=9.0, reps=1, no_reps=0, frames=270, frames_with_pose=250, fps=30.0,
                              form_verdict="not_judged"))
    assert one.endswith("form not judged from this view")  # a rep the view could not judge


def _rep(full: bool, by: str, value: float, limit: float, reason=None) -> RepRecord:
    return RepRecord(index=1, full=full, t_start_s=0.0, t_bottom_s=0.8, t_end_s=1.6, depth_frac=1.04,
                     min_elbow_angle_deg=95.0, seconds_down=0.8, seconds_up=0.8, no_rep_reason=reason,
                     depth_by=by, depth_value=value, depth_limit=limit)


def test_a_reps_line_and_event_give_the_depth_it_was_judged_on_not_the_normalised_one():
    """wrong58's no-reps read "depth 1.02" beside "not deep enough": the normalised depth is about 1
    on every rep of someone whose every rep is shallow. The line and the event give the judged one."""
    shallow = _rep(False, DEPTH_BY_DROP, 0.446, 0.45, reason="not deep enough")
    line = describe(RepEvent(shallow))
    assert "not deep enough (depth 44 %)" in line and "1.0" not in line
    assert "rep 1: depth 62 %," in describe(RepEvent(_rep(True, DEPTH_BY_DROP, 0.62, 0.45)))
    assert "rep 1: depth 96° elbows," in describe(RepEvent(_rep(True, DEPTH_BY_ELBOWS, 95.2, 110.0)))
    assert "rep 1: depth not judged," in describe(RepEvent(_rep(True, DEPTH_NOT_JUDGED, math.nan, math.nan)))
    event = event_to_dict(RepEvent(shallow))
    assert (event["depth"], event["depth_by"], event["depth_value"], event["depth_limit"]) == (1.04, "drop", 0.446, 0.45)
    unjudged = event_to_dict(RepEvent(_rep(True, DEPTH_NOT_JUDGED, math.nan, math.nan)))
    assert (unjudged["depth_by"], unjudged["depth_value"], unjudged["depth_limit"]) == ("none", None, None)
    assert event_to_dict(RepEvent(_rep(True, DEPTH_BY_ELBOWS, 95.24, 110.0)))["depth_value"] == 95.2
