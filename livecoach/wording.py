"""Words shared by everything that talks to the user: the terminal lines, the events' text, the report."""
from __future__ import annotations

import math
import re
from typing import Optional

from livecoach.types import DEPTH_BY_DROP, DEPTH_BY_ELBOWS, DEPTH_BY_USUAL, DEPTH_NOT_JUDGED, RepRecord

__all__ = ["counted", "depth_text", "judged_percent", "one_in_singular", "verdict_words"]

#: The form verdicts as the user reads them, in full and in a list's column (the stored value is
#: the key; the others read as stored).
_VERDICT_WORDS = {"not_judged": ("not judged from this view", "not judged")}


def verdict_words(verdict: str, short: bool = False) -> str:
    """The form verdict (``correct``, ``incorrect``, ``not_judged``) as the terminal, the events and
    (``short``) the history's lists say it."""
    words = _VERDICT_WORDS.get(verdict)
    return verdict if words is None else words[short]


def counted(n: int, noun: str, plural: Optional[str] = None) -> str:
    """``n`` and ``noun`` in the number it takes: ``1 rep``, ``0 reps``, ``3 no-reps``
    (``plural`` when adding an s is wrong)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


# "1 seconds": a cue template's count before its plural unit; not "11 reps" or "0.1 seconds".
_ONE_IN_PLURAL = re.compile(r"(?<![\d.,])(1 (?:second|rep|no-rep|set|round|minute))s\b")


def one_in_singular(text: str) -> str:
    """``text`` with a count of one before a plural unit made singular: a cue template's ``Held
    {good} seconds`` says ``Held 1 second``, ``Set done: {reps} reps`` says ``Set done: 1 rep``."""
    return _ONE_IN_PLURAL.sub(r"\1", text)


def judged_percent(share: float, space: str = " ") -> str:
    """``share`` as a whole percentage, rounded down (``0.446`` -> ``44 %``)."""
    # Rounded down, as an elbow angle is rounded up: a value that missed its limit never reads as
    # the limit itself (a 44.6 % drop beside "a rep needs 45 %" and "not deep enough").
    return f"{math.floor(100 * share + 1e-9):.0f}{space}%"


def depth_text(record: RepRecord, short: bool = False) -> str:
    """The depth a rep cycle was judged on, in words: ``52 %`` (the shoulders' drop toward the
    hands), ``95° elbows`` (bent on a support), ``38 %, short of your usual bottom``, ``not
    judged``; ``—`` where the history did not keep it (before schema 4). The summary's
    ``depth_notes`` says what they mean and the limits. ``short``: the terminal table's ``52%``,
    ``95° elb``, ``short``, ``n/j``."""
    by, value = record.depth_by, record.depth_value
    known = value is not None and math.isfinite(value)
    if by == DEPTH_BY_DROP and known:
        return judged_percent(value, "" if short else " ")
    if by == DEPTH_BY_ELBOWS and known:
        return f"{math.ceil(value - 1e-9):.0f}° {'elb' if short else 'elbows'}"
    if by == DEPTH_BY_USUAL:
        return "short" if short else (f"{judged_percent(value)}, " if known else "") + "short of your usual bottom"
    if by == DEPTH_NOT_JUDGED:
        return "n/j" if short else "not judged"
    return "—"
