"""The cue policy: which words to say, and when, from the rep and fault events.

Pure and deterministic: :class:`CuePolicy` sees only events and the frame timestamps they
carry (never a clock), so the same rep/fault sequence always gives the same cues — in a
live session, in ``livecoach analyze`` and in tests.

The rules (every number and text is in ``config/default.toml`` under ``[cues]``):

* **At most one cue per rep cycle**, decided when the cycle ends, on *that cycle's* faults
  only: a fault the person has fixed since an earlier rep is therefore never cued.
* **Corrections by priority.** The cycle's highest-priority fault (back and safety first) is
  the one to correct, once it has been on ``min_fault_reps`` cycles in a row. While that
  fault is in its cooldown nothing else is corrected: one thing at a time, as a trainer
  would ("focus"), rather than cycling through every fault the rep had.
* **Never nagging.** The same cue is not repeated within ``cooldown_s``; two corrections (or
  praise) are at least ``min_gap_s`` apart.
* **Positive feedback.** When a fault that was corrected stays away for
  ``praise_after_reps`` judged cycles, "Better!" is said once (a correction due in the same
  cycle wins; the praise waits for a later cycle while the fault stays away).
* **Counting aloud** every ``count_every`` reps and **"No rep"** for a cycle that did not
  count. They never talk over a correction: a count in a cycle that has a correction or
  praise is dropped, and so is a count that would start while the previous utterance is
  still being spoken (its length is estimated from the words and ``speech.rate_wpm``).
* **Announcements**: "Set done" after ``set_rest_s`` without a cycle (needs ``on_events``
  to be called every frame, with an empty list when nothing happened), the session total at
  :class:`~livecoach.types.SessionEnd`, and :meth:`CuePolicy.announce` for the app's own
  prompts such as ``"start"`` ("Get into a plank").

Only :class:`~livecoach.types.RepEvent` (its record's faults),
:class:`~livecoach.types.PatchyTracking` (said as the ``tracking`` announcement: the user can
fix the light or the camera) and :class:`~livecoach.types.SessionEnd` are used;
:class:`~livecoach.types.FaultEvent` s repeat what the rep record already holds and are ignored.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set

from livecoach.config.schema import CUE_EXTRA_KEYS, CUE_PLACEHOLDERS, Config, ConfigError
from livecoach.types import FAULT_NAMES, Cue, CueKind, Event, PatchyTracking, RepEvent, RepRecord, SessionEnd
from livecoach.wording import one_in_singular

__all__ = ["CuePolicy", "ALL_CUE_KEYS"]

#: Every key that needs a text and a priority in ``[cues]``.
ALL_CUE_KEYS = tuple(FAULT_NAMES) + tuple(CUE_EXTRA_KEYS)

# Placeholders each text may use (the config loader checks them; the policy checks again when
# it is built, for texts that did not come through the loader).
_PLACEHOLDERS: Dict[str, Dict[str, int]] = {key: {name: 1 for name in names}
                                             for key, names in CUE_PLACEHOLDERS.items()}


class CuePolicy:
    """Turns the logic's events into :class:`~livecoach.types.Cue` s (see the module doc).

    ``on_events(t_s, events)`` is called by the analysis loop with the events of the frame
    at ``t_s``; calling it on every frame (with ``[]``) also enables the time-based
    "set done" announcement.
    """

    def __init__(self, config: Config) -> None:
        self._cfg = config.cues
        self._rate_wpm = config.speech.rate_wpm
        self._texts = dict(self._cfg.texts)
        self._priority = dict(self._cfg.priority)
        self._validate()
        self._fault_order = {name: i for i, name in enumerate(FAULT_NAMES)}
        self.reset()

    # -- public API ------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the session so far (a new set of counting starts from scratch)."""
        self._last_said: Dict[str, float] = {}  # cue key -> t_s it was last emitted
        self._last_coaching_t: Optional[float] = None  # last correction or praise
        self._busy_until = float("-inf")  # estimated end of the last emitted utterance
        self._streak: Dict[str, int] = {name: 0 for name in FAULT_NAMES}
        self._awaiting_praise: Dict[str, int] = {}  # corrected fault -> clean cycles since
        self._praise_ready: Set[str] = set()
        self._set_reps = 0
        self._set_no_reps = 0
        self._last_cycle_t: Optional[float] = None

    def on_events(self, t_s: float, events: Sequence[Event]) -> List[Cue]:
        """The cues to say for the events of the frame at ``t_s`` (usually none or one)."""
        cues: List[Cue] = []
        saw_cycle = False
        for event in events:
            if isinstance(event, RepEvent):
                saw_cycle = True
                cue = self._on_cycle(t_s, event.record)
                if cue is not None:
                    cues.append(cue)
            elif isinstance(event, PatchyTracking):
                cues.append(self._emit(t_s, "tracking", CueKind.ANNOUNCEMENT))
            elif isinstance(event, SessionEnd):
                if self._cfg.announce_session_end:
                    cues.append(self._emit(t_s, "session_done", CueKind.ANNOUNCEMENT,
                                           reps=event.reps, no_reps=event.no_reps))
        if not saw_cycle:
            cue = self._maybe_set_done(t_s)
            if cue is not None:
                cues.append(cue)
        return cues

    def announce(self, key: str, t_s: float, **fields: int) -> Cue:
        """An announcement the app asks for, e.g. ``announce("start", t)`` -> "Get into a plank".

        Not subject to gaps or cooldowns; ``fields`` fill the text's placeholders.
        """
        if key not in self._texts:
            raise KeyError(f"no cue text for {key!r} in [cues.texts]")
        return self._emit(t_s, key, CueKind.ANNOUNCEMENT, **fields)

    def text(self, key: str) -> str:
        """The configured words for ``key`` (placeholders unfilled)."""
        return self._texts[key]

    # -- one rep cycle -----------------------------------------------------------------
    def _on_cycle(self, t_s: float, record: RepRecord) -> Optional[Cue]:
        faults = set(record.fault_names)
        not_judged = set(record.not_judged)
        self._last_cycle_t = t_s
        if record.full:
            self._set_reps += 1
        else:
            self._set_no_reps += 1
        for name in FAULT_NAMES:
            if name in faults:
                self._streak[name] += 1
            elif name not in not_judged:  # a cycle that could not judge it neither breaks nor extends
                self._streak[name] = 0
        self._track_praise(faults, not_judged)

        correction = self._choose_correction(faults)
        if correction is not None:
            if self._coaching_allowed(t_s, correction):
                self._awaiting_praise[correction] = 0
                self._praise_ready.discard(correction)
                return self._emit(t_s, correction, CueKind.CORRECTION, fault=correction)
            # The most important fault is on cooldown: say nothing else about form now.
        elif self._praise_ready and self._coaching_allowed(t_s, "praise"):
            self._praise_ready.clear()
            return self._emit(t_s, "praise", CueKind.PRAISE)

        if correction is not None and self._coaching_recent(t_s):
            return None  # a count right after a correction would crowd it
        if t_s < self._busy_until:
            return None  # still speaking: a count is dropped rather than queued behind it
        if record.full:
            every = self._cfg.count_every
            if every > 0 and record.index % every == 0:
                return self._emit(t_s, "count", CueKind.COUNT, n=record.index)
        elif self._cfg.no_rep_cue:
            return self._emit(t_s, "no_rep", CueKind.COUNT)
        return None

    def _choose_correction(self, faults: Set[str]) -> Optional[str]:
        ready = [f for f in faults if f in self._streak and self._streak[f] >= self._cfg.min_fault_reps]
        if not ready:
            return None
        return min(ready, key=lambda f: (-self._priority[f], self._fault_order[f]))

    def _track_praise(self, faults: Set[str], not_judged: Set[str]) -> None:
        need = self._cfg.praise_after_reps
        if need <= 0:
            self._awaiting_praise.clear()
            return
        for name in list(self._awaiting_praise):
            if name in faults:
                self._awaiting_praise[name] = 0
            elif name not in not_judged:
                self._awaiting_praise[name] += 1
                if self._awaiting_praise[name] >= need:
                    del self._awaiting_praise[name]
                    self._praise_ready.add(name)
        # A fault that came back before its praise was said loses the praise.
        self._praise_ready -= faults

    def _coaching_allowed(self, t_s: float, key: str) -> bool:
        if self._coaching_recent(t_s):
            return False
        last = self._last_said.get(key)
        return last is None or t_s - last >= self._cfg.cooldown_s

    def _coaching_recent(self, t_s: float) -> bool:
        return self._last_coaching_t is not None and t_s - self._last_coaching_t < self._cfg.min_gap_s

    def _maybe_set_done(self, t_s: float) -> Optional[Cue]:
        rest = self._cfg.set_rest_s
        if rest <= 0 or self._set_reps == 0 or self._last_cycle_t is None:
            return None
        if t_s - self._last_cycle_t < rest:
            return None
        cue = self._emit(t_s, "set_done", CueKind.ANNOUNCEMENT, reps=self._set_reps,
                         no_reps=self._set_no_reps)
        self._set_reps = 0
        self._set_no_reps = 0
        return cue

    # -- making a cue --------------------------------------------------------------------
    def _emit(self, t_s: float, key: str, kind: CueKind, fault: Optional[str] = None, **fields: int) -> Cue:
        text = one_in_singular(self._texts[key].format(**fields)) if fields or key in _PLACEHOLDERS \
            else self._texts[key]
        cue = Cue(t_s=t_s, key=key, text=text, kind=kind, priority=int(self._priority[key]), fault=fault)
        self._last_said[key] = t_s
        if kind in (CueKind.CORRECTION, CueKind.PRAISE):
            self._last_coaching_t = t_s
        self._busy_until = max(self._busy_until, t_s) + self.estimated_duration_s(text)
        return cue

    def estimated_duration_s(self, text: str) -> float:
        """How long saying ``text`` takes, roughly: words at ``speech.rate_wpm`` plus padding."""
        words = max(1, len(text.split()))
        return words * 60.0 / self._rate_wpm + self._cfg.utterance_pad_s

    def _validate(self) -> None:
        for table, values in (("texts", self._texts), ("priority", self._priority)):
            for key in ALL_CUE_KEYS:
                if key not in values:
                    raise ConfigError(f"config: missing key 'cues.{table}.{key}'")
        for key, text in self._texts.items():
            if not text.strip():
                raise ConfigError(f"config: cues.texts.{key} is empty")
            try:
                text.format(**_PLACEHOLDERS.get(key, {}))
            except (KeyError, IndexError, ValueError) as exc:
                allowed = ", ".join("{" + p + "}" for p in _PLACEHOLDERS.get(key, {})) or "none"
                raise ConfigError(f"config: cues.texts.{key} = {text!r}: bad placeholder ({exc}); "
                                  f"allowed: {allowed}") from None
