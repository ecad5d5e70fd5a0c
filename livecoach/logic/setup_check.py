"""Camera set-up guidance: is the whole person in the picture, at a usable size, side-on, lit?

:class:`SetupChecker` looks at each frame's :class:`~livecoach.types.PoseFrame` (or ``None``),
plus what the capture side measured -- the light of the frame's picture and where that picture
lies in the frame (:class:`~livecoach.types.FrameLight`: a letterboxing camera's black bars are
neither room nor body, so sizes and edges below are shares of the picture) and, when it has a
detector that can tell, the number of people -- and says **one thing at a time**:

======================  ================================================================
``too_dark``            the picture's mean luminance under ``dark_below`` (clears above ``light_enough_above``)
``two_people``          two or more people: given per frame (``people``), or held from
                        :meth:`SetupChecker.set_people` (the second-person check,
                        :mod:`livecoach.logic.crowd`, while a second person is in view)
``no_person``           no pose, or neither shoulders nor hips seen
``too_close``           the body spans more than ``too_close_above_frac`` of the picture, or
                        ``too_close_cut_groups`` of head / hands / feet are cut off at once
``feet_out_of_view``    no ankle in the picture (hidden, or at / past the edge)
``head_out_of_view``    neither the nose nor an ear in the picture
``hands_out_of_view``   no wrist in the picture
``too_far``             the body spans less than ``too_far_below_frac`` of the picture
``wrong_view``          the exercise needs the body line and the shoulders are not nearly on
                        top of each other (shoulder width / torso length over
                        ``side_on_max_width_ratio``, :func:`livecoach.logic.view.shoulder_width_ratio`)
``ok``                  none of those: "Ready"
======================  ================================================================

Per frame the first failing check in ``order`` is the frame's finding. The spoken check changes
only when a finding holds ``switch_share`` of the last ``window_s`` seconds (so a flickering
landmark does not make it chatter), and an unresolved problem is said again every
``repeat_after_s``. Each change is a :class:`SetupEvent` (``check``, ``message``). Thresholds and
messages are in ``config/plans/_setup.toml`` (:class:`~livecoach.config.plans.SetupConfig`).
Frame time only, never a clock.
"""
from __future__ import annotations

import collections
import math
from dataclasses import dataclass
from typing import Deque, Dict, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.config.plans import SetupConfig
from livecoach.landmarks import Landmark
from livecoach.logic.view import shoulder_width_ratio
from livecoach.types import IMAGE_EDGES, WHOLE_IMAGE, Box, Cue, CueKind, FrameLight, FramingGuide, PoseFrame

__all__ = ["SetupEvent", "SetupStatus", "FrameFinding", "SetupChecker", "assess_frame",
           "framing_guide", "BODY_GROUPS"]

L = Landmark

#: The parts that must be in the picture, each seen when any one of its landmarks is.
BODY_GROUPS: Dict[str, Tuple[Landmark, ...]] = {
    "head": (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR),
    "hands": (L.LEFT_WRIST, L.RIGHT_WRIST),
    "feet": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
}
_GROUP_CHECK = {"head": "head_out_of_view", "hands": "hands_out_of_view", "feet": "feet_out_of_view"}
_CORE = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
#: Landmarks whose box is the body's extent in the image.
_EXTENT = (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW,
           L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE,
           L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)


@dataclass(frozen=True)
class SetupEvent:
    """The set-up advice changed (or an unresolved problem is repeated)."""

    t_s: float
    check: str
    message: str

    def to_dict(self) -> dict:
        return {"type": "setup", "t": self.t_s, "check": self.check, "message": self.message}

    def cue(self, priority: int) -> Cue:
        """The message as an announcement for the speech worker (key ``setup_<check>``)."""
        return Cue(t_s=self.t_s, key=f"setup_{self.check}", text=self.message, kind=CueKind.ANNOUNCEMENT,
                   priority=priority)


@dataclass(frozen=True)
class FrameFinding:
    """What one frame shows: the first failing check, and the measurements behind it."""

    check: str
    failing: Tuple[str, ...]  # every failing check, in config order
    body_box: Optional[Box]  # x0, y0, x1, y1 as shares of the frame
    fill: float  # the body's extent along its longer image side, share of the picture's (nan: unknown)
    width_ratio: float  # shoulder width / torso length in the image (nan: unknown)
    cut_edges: Tuple[str, ...] = ()  # picture edges past which a cut-off part (head/hands/feet) lies
    picture: Box = WHOLE_IMAGE  # where the picture lies in the frame (black bars left out)


@dataclass(frozen=True)
class SetupStatus:
    """The checker's current word, for the overlay's framing guide."""

    check: Optional[str]  # None until enough frames were seen
    message: str
    ready: bool
    finding: Optional[FrameFinding]


def _picture_share(pose: PoseFrame, xy: Sequence[float], picture: Box) -> Tuple[float, float]:
    """A point in pixels as shares of the picture's width and height (0-1 inside it)."""
    x0, y0, x1, y1 = picture
    return ((float(xy[0]) / pose.width - x0) / max(x1 - x0, 1e-6),
            (float(xy[1]) / pose.height - y0) / max(y1 - y0, 1e-6))


def _in_picture(pose: PoseFrame, lm: Landmark, min_visibility: float, margin_frac: float,
                picture: Box = WHOLE_IMAGE) -> bool:
    if pose.vis(lm) < min_visibility:
        return False
    u, v = _picture_share(pose, pose.xy(lm), picture)
    return margin_frac <= u <= 1.0 - margin_frac and margin_frac <= v <= 1.0 - margin_frac


def _nearest_edge(pose: PoseFrame, landmarks: Sequence[Landmark], picture: Box = WHOLE_IMAGE) -> str:
    """The picture edge a cut-off part is beyond or nearest to. The model places a hidden
    landmark where it guesses the part is, often outside the picture; that guess is what
    is used here, visible or not."""
    u, v = _picture_share(pose, np.mean([pose.xy(lm) for lm in landmarks], axis=0), picture)
    distances = {"left": u, "top": v, "right": 1.0 - u, "bottom": 1.0 - v}
    return min(IMAGE_EDGES, key=lambda e: distances[e])


def assess_frame(pose: Optional[PoseFrame], config: SetupConfig, light: Optional[FrameLight] = None,
                 people: Optional[int] = None, needs_side_view: bool = True, dark_now: bool = False) -> FrameFinding:
    """The finding of one frame (see the module docstring). ``light``: the frame's picture, as
    the capture side measured it (None: not measured; the whole frame is the picture).
    ``dark_now``: the spoken check is ``too_dark``, so the light must rise above
    ``light_enough_above`` to clear it."""
    failing: List[str] = []
    limit = config.light_enough_above if dark_now else config.dark_below
    if light is not None and math.isfinite(light.luma) and light.luma < limit:
        failing.append("too_dark")
    picture = light.picture if light is not None else WHOLE_IMAGE
    px0, py0, px1, py1 = picture
    if people is not None and people >= 2:
        failing.append("two_people")
    box: Optional[Box] = None
    fill = ratio = math.nan
    edges: List[str] = []
    core_seen = pose is not None and any(pose.vis(lm) >= config.min_visibility for lm in _CORE)
    if pose is None or not core_seen:
        failing.append("no_person")
    else:
        cut = [g for g, lms in BODY_GROUPS.items()
               if not any(_in_picture(pose, lm, config.min_visibility, config.edge_margin_frac, picture) for lm in lms)]
        pts = [pose.xy(lm) for lm in _EXTENT if pose.vis(lm) >= config.min_visibility]
        if pts:
            xs = [min(max(float(p[0]) / pose.width, px0), px1) for p in pts]
            ys = [min(max(float(p[1]) / pose.height, py0), py1) for p in pts]
            box = (min(xs), min(ys), max(xs), max(ys))
            w, h = box[2] - box[0], box[3] - box[1]
            # along the body's longer image side, as a share of the picture's side
            fill = w / max(px1 - px0, 1e-6) if w * pose.width >= h * pose.height else h / max(py1 - py0, 1e-6)
        if len(cut) >= config.too_close_cut_groups or (not math.isnan(fill) and fill > config.too_close_above_frac):
            failing.append("too_close")
        failing.extend(_GROUP_CHECK[g] for g in cut)
        edges = sorted({_nearest_edge(pose, BODY_GROUPS[g], picture) for g in cut}, key=IMAGE_EDGES.index)
        if not cut and not math.isnan(fill) and fill < config.too_far_below_frac:
            failing.append("too_far")
        ratio = shoulder_width_ratio(pose, config.min_visibility)
        if needs_side_view and not math.isnan(ratio) and ratio > config.side_on_max_width_ratio:
            failing.append("wrong_view")
    ordered = tuple(c for c in config.order if c in failing)
    return FrameFinding(check=ordered[0] if ordered else "ok", failing=ordered, body_box=box, fill=fill,
                        width_ratio=ratio, cut_edges=tuple(edges), picture=picture)


def framing_guide(status: SetupStatus, config: SetupConfig) -> FramingGuide:
    """What the overlay's framing guide shows for ``status``: the safe area (the picture less the
    edge margin), the body's box, the picture edges past which a cut-off part lies,
    and -- while the person is too far -- the smallest box around the body's centre that is
    close enough (the body's own proportions, grown to ``too_far_below_frac``). Boxes are shares
    of the frame; the picture is the frame less any black bars (:class:`FrameFinding`)."""
    m = config.edge_margin_frac
    finding = status.finding
    px0, py0, px1, py1 = finding.picture if finding is not None else WHOLE_IMAGE
    mx, my = m * (px1 - px0), m * (py1 - py0)
    safe = (px0 + mx, py0 + my, px1 - mx, py1 - my)
    box = finding.body_box if finding is not None else None
    cut: Tuple[str, ...] = finding.cut_edges if finding is not None else ()
    target: Optional[Box] = None
    if box is not None and finding is not None:
        if status.check == "too_far" and finding.fill > 0 and math.isfinite(finding.fill):
            grow = config.too_far_below_frac / finding.fill
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            hw, hh = (box[2] - box[0]) * grow / 2, (box[3] - box[1]) * grow / 2
            target = (max(px0, cx - hw), max(py0, cy - hh), min(px1, cx + hw), min(py1, cy + hh))
    return FramingGuide(ready=status.ready, check=status.check, safe_box=safe, body_box=box, cut_edges=cut,
                        target_box=target)


class SetupChecker:
    """Says what to change in the set-up, one thing at a time (see the module docstring).

    ``needs_side_view``: the exercise is judged on the body line (push-ups, planks), so the
    camera must see it side-on; :meth:`set_needs_side_view` changes it when the set changes.
    """

    def __init__(self, config: SetupConfig, needs_side_view: bool = True) -> None:
        self.config = config
        self.needs_side_view = needs_side_view
        self._people: Optional[int] = None
        self.reset()

    def reset(self) -> None:
        """Forget what was said: the next decision is said again (e.g. the person came back)."""
        self._window: Deque[Tuple[float, str]] = collections.deque()
        self._current: Optional[str] = None
        self._said_at = -math.inf
        self._first_t: Optional[float] = None
        self._finding: Optional[FrameFinding] = None

    def set_needs_side_view(self, needs: bool) -> None:
        self.needs_side_view = needs

    def set_people(self, people: Optional[int]) -> None:
        """How many people are in view from now on (None: not known), for frames whose
        :meth:`update` is not given ``people``; kept across :meth:`reset`."""
        self._people = people

    @property
    def status(self) -> SetupStatus:
        check = self._current
        message = self.config.messages[check] if check is not None else ""
        return SetupStatus(check=check, message=message, ready=check == "ok", finding=self._finding)

    @property
    def guide(self) -> FramingGuide:
        """The overlay's framing guide for the frame last seen (:func:`framing_guide`)."""
        return framing_guide(self.status, self.config)

    def update(self, t_s: float, pose: Optional[PoseFrame], light: Optional[FrameLight] = None,
               people: Optional[int] = None) -> Tuple[SetupEvent, ...]:
        """One frame; returns a :class:`SetupEvent` when the advice changes (or is repeated).
        ``light``: the frame's picture as the capture side measured it (None: not measured)."""
        cfg = self.config
        if people is None:
            people = self._people
        finding = assess_frame(pose, cfg, light, people, self.needs_side_view,
                               dark_now=self._current == "too_dark")
        self._finding = finding
        if self._first_t is None:
            self._first_t = t_s
        self._window.append((t_s, finding.check))
        while self._window and t_s - self._window[0][0] > cfg.window_s:
            self._window.popleft()
        if t_s - self._first_t < cfg.min_window_s:
            return ()
        best, share = _majority(self._window)
        if best != self._current and share >= cfg.switch_share:
            self._current = best
            return (self._say(t_s),)
        if (self._current is not None and self._current != "ok" and cfg.repeat_after_s > 0
                and t_s - self._said_at >= cfg.repeat_after_s):
            return (self._say(t_s),)
        return ()

    def _say(self, t_s: float) -> SetupEvent:
        assert self._current is not None
        self._said_at = t_s
        return SetupEvent(t_s=t_s, check=self._current, message=self.config.messages[self._current])


def _majority(window: Sequence[Tuple[float, str]]) -> Tuple[str, float]:
    counts: Dict[str, int] = {}
    for _, check in window:
        counts[check] = counts.get(check, 0) + 1
    best = max(counts, key=lambda c: counts[c])
    return best, counts[best] / len(window)
