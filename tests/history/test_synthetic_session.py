"""The synthetic session the history tests are built on (tests/helpers.py) has what it is asked for."""
from livecoach.types import RepEvent

from helpers import synthetic_steps


def test_synthetic_session_has_the_cycles_asked_for():
    steps = list(synthetic_steps(reps=4, faults={2: ("hip_sag",)}, no_reps=(3,)))
    recs = [e.record for s, _ in steps for e in s.events if isinstance(e, RepEvent)]
    assert [r.full for r in recs] == [True, True, False, True]
    assert [r.fault_names for r in recs][1] == ("hip_sag",)
    assert steps[-1][0].reps == 3 and steps[-1][0].no_reps == 1
