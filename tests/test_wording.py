"""The user-facing count words: "1 rep", never "1 reps"."""
from __future__ import annotations

import pytest

from livecoach.formats.events import describe
from livecoach.types import SessionEnd
from livecoach.wording import counted


@pytest.mark.parametrize("n, noun, plural, expected", [
    (1, "rep", None, "1 rep"), (0, "rep", None, "0 reps"), (3, "no-rep", None, "3 no-reps"),
    (1, "rep cycle", None, "1 rep cycle"), (2, "rep cycle", None, "2 rep cycles"), (2, "person", "people", "2 people"),
])
def test_counted_puts_the_noun_in_the_number_it_takes(n, noun, plural, expected):
    assert counted(n, noun, plural) == expected


def test_the_session_end_line_says_1_rep_not_1_reps():
    line = describe(SessionEnd(t_s=18.65, reps=1, no_reps=1, frames=560, frames_with_pose=527, fps=52.5))
    assert "session end: 1 rep, 1 no-rep, 560 frames" in line
    assert "0 reps, 2 no-reps" in describe(SessionEnd(t_s=1.0, reps=0, no_reps=2, frames=3, frames_with_pose=3, fps=30))
