"""Is a second person in view? Sightings from the pose adapter turned into one notice per bout.

MediaPipe's pose tracker follows one person. Every ``[capture] second_person_check_s`` seconds of
source time the adapter (:mod:`livecoach.capture.second_person`) looks again at the frame with the
tracked person's region masked out (:func:`tracked_person_box`) and asks the model, in
single-image mode, whether anybody else is there. What it finds is judged here
(:func:`judge_other_person`: clearly seen shoulders and hips, big enough, not inside the masked
region) into a :class:`Sighting`, and :class:`SecondPersonWatch` turns sightings into a decision
with hysteresis: a second person is *in view* once ``needed`` of the last ``of`` checks saw one,
and no longer once none of the last ``of`` did. Each bout gives one
:class:`SecondPersonNotice`. A false alarm is worse than a miss here (the user is told something
untrue and cannot act on it), so every test is on the strict side.

Numpy only, frame time only (never a clock): a replay gives the same notices.
"""
from __future__ import annotations

import collections
import math
from dataclasses import dataclass
from typing import Deque, Optional, Tuple

import numpy as np

from livecoach.config.schema import CaptureConfig
from livecoach.landmarks import Landmark
from livecoach.types import PoseFrame

__all__ = ["Box", "Sighting", "SecondPersonRules", "SecondPersonNotice", "SecondPersonWatch",
           "tracked_person_box", "judge_other_person", "rules_from_config", "SECOND_PERSON_MESSAGE"]

L = Landmark
#: x0, y0, x1, y1 in pixels.
Box = Tuple[float, float, float, float]

#: The shoulders and hips: a person is only counted when these are clearly seen.
CORE = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)

SECOND_PERSON_MESSAGE = ("a second person is in view; LiveCoach follows one person — the counts and faults "
                         "are of whoever it tracks. Ask them to step out of the picture")


@dataclass(frozen=True)
class SecondPersonRules:
    """The thresholds (``[capture] second_person_*`` in ``config/default.toml``)."""

    check_s: float  # seconds of source time between checks; 0 = off
    min_visibility: float  # every core landmark (shoulders, hips) of the other person at least this visible
    min_size_frac: float  # the other person's torso (shoulder mid to hip mid) at least this share of the image height
    mask_pad_frac: float  # the tracked person's box is grown by this share of its size on each side
    max_overlap: float  # at most this share of the other person's box may lie in the blanked region
    needed: int  # in view once this many ...
    of: int  # ... of the last ``of`` checks saw someone


def rules_from_config(capture: CaptureConfig) -> SecondPersonRules:
    """The rules from ``[capture] second_person_*``."""
    return SecondPersonRules(check_s=capture.second_person_check_s,
                             min_visibility=capture.second_person_min_visibility,
                             min_size_frac=capture.second_person_min_size_frac,
                             mask_pad_frac=capture.second_person_mask_pad_frac,
                             max_overlap=capture.second_person_max_overlap,
                             needed=capture.second_person_seen_needed, of=capture.second_person_seen_of)


@dataclass(frozen=True)
class Sighting:
    """The result of one check: was somebody other than the tracked person seen?

    ``reason`` says why not (``nobody``, ``hidden``, ``outside``, ``small``, ``overlaps``) or ``seen``;
    ``box`` is the box of the other person's 33 landmarks in pixels, when the model found one;
    ``overlap`` the share of it inside the blanked region.
    """

    t_s: float
    frame_index: int
    seen: bool
    reason: str
    box: Optional[Box] = None
    visibility: float = math.nan  # the lowest visibility of the other person's core landmarks
    overlap: float = math.nan


@dataclass(frozen=True)
class SecondPersonNotice:
    """A second person came into view (once per bout)."""

    t_s: float
    message: str = SECOND_PERSON_MESSAGE

    def to_dict(self) -> dict:
        """The ``--events`` object (``notice``, kind ``second_person``), without ``v``."""
        return {"type": "notice", "t": self.t_s, "kind": "second_person", "message": self.message}


def tracked_person_box(pose: PoseFrame, pad_frac: float) -> Box:
    """The tracked person's region: the box of all 33 landmarks (hidden ones too: the model puts
    them where the body most likely is), grown by ``pad_frac`` of its size on each side and by at
    least 2 % of the image, clipped to the image."""
    xy = np.asarray(pose.image_xyz[:, :2], dtype=np.float64)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if len(xy) == 0:
        return (0.0, 0.0, float(pose.width), float(pose.height))
    x0, y0 = xy.min(axis=0)
    x1, y1 = xy.max(axis=0)
    pad_x = max(pad_frac * (x1 - x0), 0.02 * pose.width)
    pad_y = max(pad_frac * (y1 - y0), 0.02 * pose.height)
    return (max(0.0, x0 - pad_x), max(0.0, y0 - pad_y),
            min(float(pose.width), x1 + pad_x), min(float(pose.height), y1 + pad_y))


def judge_other_person(t_s: float, frame_index: int, image_xy: Optional[np.ndarray],
                       visibility: Optional[np.ndarray], width: int, height: int, masked: Box,
                       rules: SecondPersonRules) -> Sighting:
    """Judge what the second look found: ``image_xy`` (33, 2) pixels and ``visibility`` (33,) of
    the person the model found with ``masked`` (the tracked person's region) blanked, or None.

    Counted only when every core landmark is at least ``min_visibility`` visible and inside the
    image (the model's visibility says nothing about the frame's edge: a half-seen poster at the
    edge got 0.95 for a shoulder placed outside the picture), the torso is
    at least ``min_size_frac`` of the image height long, the core's centre is outside the masked
    region (the model can place a person on the blank itself) and at most ``max_overlap`` of the
    box of all 33 landmarks is inside it: when the tracker's landmarks cover only part of the
    body (a close front view), what sticks out of the blank is the same person, and the model
    puts the rest of its skeleton into the blank."""
    if image_xy is None or visibility is None:
        return Sighting(t_s, frame_index, False, "nobody")
    xy = np.asarray(image_xy, dtype=np.float64)[:, :2]
    vis = np.asarray(visibility, dtype=np.float64)
    if not np.all(np.isfinite(xy)):
        return Sighting(t_s, frame_index, False, "hidden")
    core = xy[[int(lm) for lm in CORE]]
    lowest = float(np.nan_to_num(vis[[int(lm) for lm in CORE]], nan=0.0).min())
    x0, y0 = np.clip(xy.min(axis=0), 0.0, [width, height])
    x1, y1 = np.clip(xy.max(axis=0), 0.0, [width, height])
    box: Box = (float(x0), float(y0), float(x1), float(y1))
    overlap = _share_inside(box, masked)
    if lowest < rules.min_visibility:
        return Sighting(t_s, frame_index, False, "hidden", box, lowest, overlap)
    if not (np.all((core[:, 0] >= 0) & (core[:, 0] <= width)) and np.all((core[:, 1] >= 0) & (core[:, 1] <= height))):
        return Sighting(t_s, frame_index, False, "outside", box, lowest, overlap)
    torso = float(np.hypot(*(core[:2].mean(axis=0) - core[2:].mean(axis=0))))
    if torso < rules.min_size_frac * height:
        return Sighting(t_s, frame_index, False, "small", box, lowest, overlap)
    cx, cy = core.mean(axis=0)
    mx0, my0, mx1, my1 = masked
    if (mx0 <= cx <= mx1 and my0 <= cy <= my1) or overlap > rules.max_overlap:
        return Sighting(t_s, frame_index, False, "overlaps", box, lowest, overlap)
    return Sighting(t_s, frame_index, True, "seen", box, lowest, overlap)


def _share_inside(box: Box, region: Box) -> float:
    """The share of ``box``'s area inside ``region`` (a degenerate box: of its extent)."""
    w = max(0.0, min(box[2], region[2]) - max(box[0], region[0]))
    h = max(0.0, min(box[3], region[3]) - max(box[1], region[1]))
    bw, bh = box[2] - box[0], box[3] - box[1]
    if bw <= 0 or bh <= 0:
        return 1.0 if w > 0 or h > 0 else 0.0
    return (w * h) / (bw * bh)


class SecondPersonWatch:
    """Sightings in, one :class:`SecondPersonNotice` per bout out (see the module docstring).

    Checks older than ``of`` check intervals (and a half) are forgotten, so a person seen long ago,
    before a stretch with nobody tracked, does not add to a new bout.
    """

    def __init__(self, rules: SecondPersonRules) -> None:
        if rules.needed < 1 or rules.of < rules.needed:
            raise ValueError("second person: need 1 <= needed <= of")
        self.rules = rules
        self._checks: Deque[Tuple[float, bool]] = collections.deque()
        self.in_view = False
        self.checks = 0
        self.seen = 0
        self.notices = 0

    def update(self, sighting: Sighting) -> Optional[SecondPersonNotice]:
        """One check's result; the notice when a bout starts, else None."""
        rules = self.rules
        self.checks += 1
        self.seen += sighting.seen
        self._checks.append((sighting.t_s, sighting.seen))
        memory_s = (rules.of + 0.5) * rules.check_s
        while len(self._checks) > rules.of or (self._checks and sighting.t_s - self._checks[0][0] > memory_s):
            self._checks.popleft()
        seen = sum(s for _, s in self._checks)
        if not self.in_view and seen >= rules.needed:
            self.in_view = True
            self.notices += 1
            return SecondPersonNotice(sighting.t_s)
        if self.in_view and seen == 0 and len(self._checks) >= rules.of:
            self.in_view = False
        return None
