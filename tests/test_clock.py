"""The source clock learns the smallest (monotonic - t_s) offset and reads "now" on it."""
from livecoach.clock import SourceClock


class FakeMonotonic:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_counts_from_creation_before_any_observation():
    mono = FakeMonotonic(100.0)
    clock = SourceClock(mono)
    mono.now = 102.5
    assert clock() == 2.5


def test_learns_the_smallest_offset():
    mono = FakeMonotonic(50.0)
    clock = SourceClock(mono)
    clock.observe(t_s=1.0, monotonic_s=11.2)   # made 0.2 s late
    clock.observe(t_s=2.0, monotonic_s=12.0)   # on time: offset 10
    clock.observe(t_s=3.0, monotonic_s=13.5)   # late again: ignored
    mono.now = 14.0
    assert clock() == 4.0


def test_a_replay_without_capture_times_teaches_nothing():
    mono = FakeMonotonic(10.0)
    clock = SourceClock(mono)
    clock.observe(t_s=5.0, monotonic_s=0.0)
    mono.now = 11.0
    assert clock() == 1.0
