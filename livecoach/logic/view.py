"""How the camera sees the body, and which fault rules that view lets us judge.

Per frame: a torso running up/down the image with the shoulders apart (camera above the back)
or shoulders wide compared with the visible torso (head toward the camera) is ``FRONT``;
shoulders nearly on top of each other is a side view, the side nearer the camera (smaller z,
higher visibility) naming it, whether the body lies or stands upright (a wall push-up);
anything between is ``ANGLED``. :class:`ViewTracker` decides over a short window with
hysteresis so the view does not flicker. :func:`judgeable` reads the ``[view.judgeable]``
table of the config: a fault whose views do not include the current one is "not judged" (the
config loader rejects a view name there that does not exist).
"""
from __future__ import annotations

import collections
import functools
import math
from typing import Deque, Dict, Optional, Tuple

from livecoach.config.schema import Config, FeaturesConfig, ViewConfig, load_config
from livecoach.logic.geometry import facing_side, torso_upright_in_image, vector_length
from livecoach.landmarks import Landmark
from livecoach.types import FAULT_NAMES, PoseFrame, View

L = Landmark


def shoulder_width_px(pose: PoseFrame) -> float:
    """Left to right shoulder, in the picture's pixels."""
    return float(vector_length(pose.xy(L.LEFT_SHOULDER) - pose.xy(L.RIGHT_SHOULDER)))


def shoulder_width_ratio(pose: PoseFrame, min_visibility: float = 0.0) -> float:
    """Image shoulder width over image torso length (nan if shoulders/hips are unseen)."""
    for lm in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP):
        if pose.vis(lm) < min_visibility:
            return math.nan
    width = shoulder_width_px(pose)
    sh = (pose.xy(L.LEFT_SHOULDER) + pose.xy(L.RIGHT_SHOULDER)) / 2.0
    hp = (pose.xy(L.LEFT_HIP) + pose.xy(L.RIGHT_HIP)) / 2.0
    torso = float(vector_length(sh - hp))
    return width / max(torso, 1e-6)


def classify_view(pose: PoseFrame, config: ViewConfig, features: FeaturesConfig) -> View:
    """The view of a single frame (see the module docstring); ``features`` gives the
    camera-above angle and the facing-side margin, shared with the feature extractor."""
    ratio = shoulder_width_ratio(pose)
    if torso_upright_in_image(pose, config.min_visibility, features.upright_torso_min_deg):
        # A camera above the back sees the shoulders wide apart (0.6-0.9 of the torso on the
        # shared clips); a body upright side-on (a wall push-up, a person standing) overlaps them
        # as any side view does (0.1-0.2): only the first is seen from above.
        if not ratio <= config.side_max_width_ratio:
            return View.FRONT
    elif math.isnan(ratio):
        return View.UNKNOWN
    if ratio >= config.front_min_width_ratio:
        return View.FRONT
    if ratio <= config.side_max_width_ratio:
        return View.SIDE_LEFT if facing_side(pose, features.facing_visibility_margin) == "left" else View.SIDE_RIGHT
    return View.ANGLED


class ViewTracker:
    """The view decided over ``decide_window_s``: a new view takes over only when it holds
    ``switch_share`` of the recent frames. ``update(None)`` (no person) keeps the view."""

    def __init__(self, config: ViewConfig, features: FeaturesConfig) -> None:
        self.config = config
        self.features_config = features
        self.view = View.UNKNOWN
        self._recent: Deque[Tuple[float, View]] = collections.deque()

    def reset(self) -> None:
        self.view = View.UNKNOWN
        self._recent.clear()

    def update(self, t_s: float, pose: Optional[PoseFrame]) -> View:
        if pose is None:
            return self.view
        frame_view = classify_view(pose, self.config, self.features_config)
        if frame_view != View.UNKNOWN:
            self._recent.append((t_s, frame_view))
        while self._recent and t_s - self._recent[0][0] > self.config.decide_window_s:
            self._recent.popleft()
        if not self._recent:
            return self.view
        counts: Dict[View, int] = {}
        for _, v in self._recent:
            counts[v] = counts.get(v, 0) + 1
        best, n = max(counts.items(), key=lambda kv: kv[1])
        if self.view == View.UNKNOWN or (best != self.view and n >= self.config.switch_share * len(self._recent)):
            self.view = best
        return self.view


@functools.lru_cache(maxsize=1)
def default_view_config() -> ViewConfig:
    """The packaged default config's ``[view]`` (read once)."""
    return load_config().view


def judgeable(fault_name: str, view: View, config: Optional[Config] = None) -> bool:
    """Whether ``fault_name`` can be judged from ``view`` (``[view.judgeable]`` in the config).

    ``config`` defaults to the packaged default config. A fault missing from the table is
    judged from every view; an unknown fault name raises ``ValueError``.
    """
    if fault_name not in FAULT_NAMES:
        raise ValueError(f"unknown fault name {fault_name!r}")
    table = (config.view if config is not None else default_view_config()).judgeable
    views = table.get(fault_name)
    if views is None:
        return True
    return View(view).value in views
