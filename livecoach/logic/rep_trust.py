"""Whether a rep's landmarks can support a fault rule's judgement at all, whatever the view: a
person big enough in the picture (:func:`too_small`), hands that are seen (:func:`hands_unseen`) and
read as planted (:func:`hands_unsteady`). A rule on a rep that fails one says "not judged". A hands'
rule that flags a fault on hands the pose model was unsure of (:func:`hands_faint`) says "not
judged" too: a correction needs a sure yes."""
from __future__ import annotations

import math

import numpy as np

from livecoach.config.schema import Config
from livecoach.types import RepWindow

#: The rules that read the hands, through the shoulders' height above the wrists or the elbow angle
#: (shallow, no lockout, push evenly, lower slowly): judged only while the hands read as planted.
READS_HANDS = frozenset(("shallow", "no_lockout", "asymmetry", "rushed_negative"))


def _rep_median(window: RepWindow, name: str) -> float:
    """The median of the rep's frames' ``name`` where measured (nan when never: every check
    below then says no)."""
    values = [v for v in (getattr(f, name) for f in window.frames) if math.isfinite(v)]
    return float(np.median(values)) if values else math.nan


def too_small(window: RepWindow, min_body_px: float) -> bool:
    """Whether the rep's median ``body_size_px`` is under ``min_body_px`` (a rule's floor: ``[faults]
    min_body_px`` or its own; unknown: no)."""
    return _rep_median(window, "body_size_px") < min_body_px


def hands_unsteady(window: RepWindow, config: Config) -> bool:
    """Whether the rep's hands moved faster than planted hands do: the median of its frames'
    ``hand_speed_torso_per_s`` over ``[faults] max_hand_speed_torso_per_s`` (unknown: no). A
    push-up's hands stay put; the pose model's guesses of hands it cannot see jump."""
    return _rep_median(window, "hand_speed_torso_per_s") > config.faults.max_hand_speed_torso_per_s


def hands_faint(window: RepWindow, config: Config) -> bool:
    """Whether the pose model was unsure of the hands through the rep: the median of its frames'
    ``hand_visibility`` (the better-seen wrist's) under ``[faults] min_hand_visibility`` (unknown:
    no). A hand it cannot see (a bar, equipment, the body in the way) it may still call seen, less
    surely, and its guess of the wrist falls short of the hand: the elbow reads bent at a straight
    top. The hands' rules flag no fault on such a rep (they say "not judged" instead)."""
    return _rep_median(window, "hand_visibility") < config.faults.min_hand_visibility


def hands_unseen(window: RepWindow, config: Config) -> bool:
    """Whether the pose model saw neither hand (``hands_unseen``: a bar, equipment, the body seen
    from behind, dim light) on most of the rep's frames, or through a stretch of it longer than
    ``[faults] max_hands_unread_share`` of its time (:func:`hands_unread_share`): what the hands'
    rules would read is its guess, or misses the part of the rep they judge."""
    return 2 * sum(1 for f in window.frames if f.hands_unseen) > len(window.frames) \
        or hands_unread_share(window) > config.faults.max_hands_unread_share


def hands_unread_share(window: RepWindow) -> float:
    """The longest stretch of the rep, from its start to its end, without a frame on which a hand
    was seen, as a share of the rep's time. Such a stretch is where the hands were unseen or the
    pose lost: the counter steps over the frames whose depth it cannot read, so the window may not
    hold them at all, and only their times tell."""
    seen = sorted(f.t_s for f in window.frames if not f.hands_unseen)
    times = [window.t_start_s] + [t for t in seen if window.t_start_s < t < window.t_end_s] + [window.t_end_s]
    span = window.t_end_s - window.t_start_s
    if not span > 0.0:
        return 0.0
    return max(b - a for a, b in zip(times, times[1:])) / span
