"""What a session with no rep cycle and no hold says at its end (session.build.nothing_done_advice)."""
from __future__ import annotations

from livecoach.config.schema import load_config
from livecoach.session.build import nothing_done_advice


def test_what_is_said_when_nothing_was_done_follows_what_the_camera_saw() -> None:
    advice = load_config().advice
    share, plank = advice.in_view_min_share, advice.in_plank_min_s
    assert nothing_done_advice(advice, share - 0.01, plank + 5.0) == advice.nothing  # mostly out of view
    assert nothing_done_advice(advice, share, 0.0) == advice.nothing_in_view  # squats, dips: never in a plank
    assert nothing_done_advice(advice, share, plank - 0.1) == advice.nothing_in_view  # a plank-like moment
    assert nothing_done_advice(advice, 1.0, plank) == advice.nothing_in_plank  # mountain climbers
