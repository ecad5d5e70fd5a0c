"""One rep record as plain data: the single RepRecord -> dict used by --events, export and eval."""
from __future__ import annotations

import math
from typing import Any, Dict, Optional

from livecoach.types import DEPTH_BY_ELBOWS, RepRecord


def finite_round(value: Optional[float], digits: int = 3) -> Optional[float]:
    """``value`` rounded to ``digits``, or ``None`` when it is missing, NaN or infinite (JSON has no NaN)."""
    if value is None or not math.isfinite(float(value)):
        return None
    return round(float(value), digits)


def depth_digits(depth_by: Optional[str]) -> int:
    """Decimals a depth judged on ``depth_by`` is given to: 1 for degrees of elbow bend, 3 for a share."""
    return 1 if depth_by == DEPTH_BY_ELBOWS else 3


def rep_record_dict(record: RepRecord) -> Dict[str, Any]:
    """Every field of a rep or no-rep, in the order the events schema lists them.

    Times and depth are rounded to 3 decimals, the elbow angle (and a depth judged by it) to 1;
    unmeasured values are ``None``. Consumers pick the keys they publish (``--events``, CSV/JSON
    export, eval JSON).
    """
    digits = depth_digits(record.depth_by)
    return {
        "index": record.index,
        "full": record.full,
        "t_start": finite_round(record.t_start_s),
        "t_bottom": finite_round(record.t_bottom_s),
        "t_end": finite_round(record.t_end_s),
        "depth": finite_round(record.depth_frac),
        "depth_by": record.depth_by,
        "depth_value": finite_round(record.depth_value, digits),
        "depth_limit": finite_round(record.depth_limit, digits),
        "min_elbow_deg": finite_round(record.min_elbow_angle_deg, 1),
        "seconds_down": finite_round(record.seconds_down),
        "seconds_up": finite_round(record.seconds_up),
        "faults": list(record.fault_names),
        "not_judged": list(record.not_judged),
        "score": record.score,
        "reason": record.no_rep_reason,
    }
