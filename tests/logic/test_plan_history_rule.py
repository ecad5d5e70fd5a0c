"""The progress rule's history input, pure: which sets are clean at the top of their range, and how
many sessions in a row each exercise was (``clean_session_streaks``)."""
from __future__ import annotations

from livecoach.logic.plan_events import SetResult, clean_exercises, clean_session_streaks, set_is_clean


def done(exercise: str = "standard", reps: int = 12, reason: str = "target", bad: int = 0, no_reps: int = 0,
         unit: str = "reps") -> SetResult:
    return SetResult(plan="p", block="main", exercise=exercise, target_min=8, target_max=12, unit=unit, reps=reps,
                     no_reps=no_reps, bad_cycles=bad, hold_s=0.0, reason=reason, t_start_s=0.0, t_end_s=30.0,
                     rest_before_s=None)


def test_a_clean_set_ends_at_the_top_with_few_enough_bad_cycles():
    assert set_is_clean(done(), 0.0)
    assert not set_is_clean(done(reason="stood_up", reps=10), 0.0)  # not at the top of the range
    assert not set_is_clean(done(bad=1), 0.0)
    assert set_is_clean(done(bad=1), 0.1)  # 1 of 12 cycles under a 10 % allowance
    assert not set_is_clean(done(bad=1, no_reps=1), 0.05)
    assert not set_is_clean(done(unit="seconds"), 0.0)  # a hold does not progress by this rule
    assert done().clean_at_top and not done(bad=1).clean_at_top


def test_every_set_of_an_exercise_must_be_clean_and_skipped_sets_do_not_count():
    sets = [done(), done(reason="skipped", reps=2), done("wide"), done("wide", reason="stood_up", reps=7)]
    assert clean_exercises(sets, 0.0) == ("standard",)


def test_streaks_count_back_from_the_newest_session_and_stop_at_the_first_unclean_one():
    sessions = [
        [done("wide")],                      # oldest
        [done(), done("wide", bad=3)],
        [done(), done()],
        [done("diamond", reason="skipped")],  # no standard or wide: neither counts nor breaks
        [done(), done("wide")],              # newest
    ]
    assert clean_session_streaks(sessions, 0.0) == {"standard": 3, "wide": 1}
    assert clean_session_streaks(sessions, 0.25) == {"standard": 3, "wide": 3}
    assert clean_session_streaks([], 0.0) == {}
    assert clean_session_streaks([[done(bad=1)]], 0.0) == {}
