"""Words shared by everything that talks to the user: the terminal lines, the events' text, the report."""
from __future__ import annotations

from typing import Optional

__all__ = ["counted"]


def counted(n: int, noun: str, plural: Optional[str] = None) -> str:
    """``n`` and ``noun`` in the number it takes: ``1 rep``, ``0 reps``, ``3 no-reps``
    (``plural`` when adding an s is wrong)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
