"""The second-person check in a session: the estimator's sightings to a notice, an event and the
plan's set-up check.

:func:`watch_for_second_person` wraps the session's pose estimator when ``[capture]
second_person_check_s`` is above 0 (:mod:`livecoach.capture.second_person`); the frame loop
(:mod:`livecoach.session.loop`) then calls :meth:`SecondPersonNotices.on_frame` once a frame.
That takes the sightings of frames up to the loop's frame (the pose worker may be one ahead),
runs :class:`~livecoach.logic.crowd.SecondPersonWatch` on the loop's thread, and, when a bout
starts, prints one notice line, writes a ``notice`` event (``kind: second_person``) and tells the
plan's :class:`~livecoach.logic.setup_check.SetupChecker` (``two_people``) while the person is there.
"""
from __future__ import annotations

import logging
import sys
from typing import Any, List, Optional, Protocol, TextIO

from livecoach.capture.second_person import SecondPersonDetector, SecondPersonWatchingEstimator
from livecoach.config.schema import Config
from livecoach.formats.events import EVENTS_SCHEMA_VERSION
from livecoach.formats.records import finite_round
from livecoach.logic.crowd import SecondPersonNotice, SecondPersonWatch, Sighting, rules_from_config

__all__ = ["SightingSource", "SecondPersonNotices", "watch_for_second_person", "unwrapped", "notice_dict"]

log = logging.getLogger(__name__)


class SightingSource(Protocol):
    """An estimator that looks for a second person
    (:class:`livecoach.capture.second_person.SecondPersonWatchingEstimator`)."""

    def take_sightings(self, up_to_t_s: float) -> List[Sighting]: ...


#: How long a session's start waits for the second model (then its first look waits on).
MODEL_LOAD_WAIT_S = 120.0


def watch_for_second_person(estimator: Any, config: Config) -> Any:
    """``estimator`` wrapped to look for a second person every ``[capture] second_person_check_s``
    seconds; ``estimator`` itself when that is 0. Returns once the second model has loaded (on
    the looks' thread): loading beside the first frames took the interpreter lock from the frame
    loop. When it cannot load, a warning says so and the session goes on without the check (it
    is a notice, not worth failing a session for)."""
    rules = rules_from_config(config.capture)
    if rules.check_s <= 0:
        return estimator
    detector = SecondPersonDetector(rules, model_complexity=config.pose.model_complexity,
                                    max_width=config.capture.inference_max_width,
                                    min_detection_confidence=config.pose.min_detection_confidence)
    watching = SecondPersonWatchingEstimator(estimator, detector)
    watching.wait_until_loaded(MODEL_LOAD_WAIT_S)
    return watching


def unwrapped(estimator: Any) -> Any:
    """The estimator inside the second-person wrapper (``estimator`` itself when not wrapped), for
    what needs the session's own estimator (the quality fallback's switch)."""
    return estimator.inner if isinstance(estimator, SecondPersonWatchingEstimator) else estimator


def notice_dict(notice: SecondPersonNotice) -> dict:
    """The ``--events`` object of a notice (``t`` rounded like the other events', ``v``)."""
    obj = notice.to_dict()
    obj["t"] = finite_round(obj["t"])
    obj["v"] = EVENTS_SCHEMA_VERSION
    return obj


class SecondPersonNotices:
    """Per frame: sightings in; the notice line, the event and the plan's set-up input out."""

    def __init__(self, source: SightingSource, config: Config, quiet: bool = False,
                 stream: Optional[TextIO] = None) -> None:
        self._source = source
        self.watch = SecondPersonWatch(rules_from_config(config.capture))
        self._quiet = quiet
        self._stream = stream
        self.notices: List[SecondPersonNotice] = []

    @classmethod
    def for_estimator(cls, estimator: Any, config: Config, quiet: bool = False) -> Optional["SecondPersonNotices"]:
        """The notices of ``estimator``'s sightings, or None when it does not look for a second person."""
        if estimator is None or not callable(getattr(estimator, "take_sightings", None)):
            return None
        return cls(estimator, config, quiet=quiet)

    def on_frame(self, t_s: float, events: Any = None, plan: Any = None) -> List[SecondPersonNotice]:
        """The frame at ``t_s``: its notices (written to ``events`` and printed); ``plan``'s set-up
        check learns whether a second person is in view."""
        out: List[SecondPersonNotice] = []
        for sighting in self._source.take_sightings(t_s):
            notice = self.watch.update(sighting)
            if notice is not None:
                out.append(notice)
        for notice in out:
            self.notices.append(notice)
            if events is not None:
                events.write_dict(notice_dict(notice))
            if not self._quiet:
                print(f"livecoach: notice: [{notice.t_s:.1f} s] {notice.message}", file=self._stream or sys.stderr,
                      flush=True)
        if plan is not None:
            plan.setup.set_people(2 if self.watch.in_view else None)
        return out
