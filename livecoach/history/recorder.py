"""The live recorder: fills the history database during a session.

:class:`SessionRecorder` is fed every :class:`~livecoach.types.LogicStep` by the main loop
and commits each rep (or no-rep) the moment it ends, with its faults, the cues spoken so far,
the per-frame feature series up to that point and, with consent (``save_frames="bottom"``),
a small JPEG of the user's own frame at the bottom of the rep with the skeleton drawn. A
session killed mid-set (SIGKILL, power cut of the process) keeps every completed rep; it
simply has no end row and reads back as ``interrupted``.
"""
from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

from livecoach.config.schema import config_as_dict
from livecoach.history.data import SessionMeta
from livecoach.history.schema import PHASE_CODES, StoreError, db_path_for
from livecoach.history.store import SessionStore
from livecoach.types import CueEvent, Features, LogicStep, Phase, RepEvent, RepRecord, SessionEnd

# What the session needs to record itself, from one module.
__all__ = ["SAVE_FRAMES_CHOICES", "SessionMeta", "SessionRecorder", "StoreError", "db_path_for"]

SAVE_FRAMES_CHOICES = ("off", "bottom")
_CYCLE_PHASES = (Phase.DESCENT, Phase.BOTTOM, Phase.ASCENT)
_SLOT_S = 0.25    # the recorder keeps the deepest frame of each slot this long...
_MAX_SLOTS = 40   # ...for at most this many slots (10 s; at most ~28 MB of 640 px pictures)


@dataclass
class _Deepest:
    key: Tuple[float, float]
    t_s: float
    picture: Optional[np.ndarray]  # already downscaled, no skeleton yet
    pose: Any


class SessionRecorder:
    """Records one session live into a :class:`SessionStore`.

    Call :meth:`start` once, :meth:`on_step` for every processed frame (with the frame's
    BGR image when pictures are wanted), :meth:`finish` at the end. Everything a rep
    produced is committed when its :class:`~livecoach.types.RepEvent` arrives; cues are
    committed when spoken. Not thread-safe: call it from the logic thread.

    ``save_frames="bottom"`` keeps a small JPEG of the deepest frame of every rep cycle
    (the user's own frame, skeleton drawn, faulty joints in red); ``"off"`` keeps none.
    """

    def __init__(self, store: Union[str, Path, SessionStore], config: Any, save_frames: str = "bottom") -> None:
        if save_frames not in SAVE_FRAMES_CHOICES:
            raise ValueError(f"save_frames must be one of {', '.join(SAVE_FRAMES_CHOICES)}, not {save_frames!r}")
        self._owns_store = not isinstance(store, SessionStore)
        self.store = store if isinstance(store, SessionStore) else SessionStore(store)
        self.config = config
        self.save_frames = save_frames
        self._session = config.session
        self._min_visibility = float(config.features.min_visibility)
        self.session_id: Optional[int] = None
        self._seq = 0
        self._chunk = 0
        self._series: List[Tuple[float, float, float, float, float]] = []
        self._frame_counter = 0
        self._candidates: Dict[int, _Deepest] = {}
        self._finished = False
        self.reps_written = 0

    # -- lifecycle
    def start(self, meta: Union[SessionMeta, Mapping[str, Any]]) -> int:
        """Create the session row (committed) and return its id."""
        if isinstance(meta, Mapping):
            meta = SessionMeta(**meta)
        if meta.config is None:
            meta = SessionMeta(**{**meta.__dict__, "config": config_as_dict(self.config)})
        try:
            self.session_id = self.store.begin_session(meta, self.save_frames)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot record the session in {self.store.path}: {exc}") from None
        return self.session_id

    def on_step(self, step: LogicStep, image: Optional[np.ndarray] = None) -> None:
        """Take one frame's logic result; commits when a rep ends or a cue is spoken."""
        if self.session_id is None:
            raise RuntimeError("SessionRecorder.on_step() before start()")
        self._track_series(step)
        self._track_deepest(step, image)
        dirty = False
        try:
            for event in step.events:
                if isinstance(event, RepEvent):
                    self._write_rep(event.record)
                    dirty = True
                elif isinstance(event, CueEvent):
                    self.store.add_cue(self.session_id, event.cue)
                    dirty = True
                # FaultEvents repeat the faults of the RepRecord, stored with it.
            if dirty or len(self._series) >= self._session.series_flush_frames:
                self._flush_series()
                self.store.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the history database {self.store.path}: {exc}") from None

    def finish(self, end: SessionEnd) -> int:
        """Write what is left and the end row; returns the session id. Idempotent."""
        if self.session_id is None:
            raise RuntimeError("SessionRecorder.finish() before start()")
        if not self._finished:
            try:
                self._flush_series()
                self.store.commit()
                self.store.end_session(self.session_id, end)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write to the history database {self.store.path}: {exc}") from None
            self._finished = True
        return self.session_id

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    # -- internals
    def _track_series(self, step: LogicStep) -> None:
        self._frame_counter += 1
        if (self._frame_counter - 1) % self._session.series_every_n_frames:
            return
        f = step.features
        if f is None:
            row = (step.t_s, math.nan, math.nan, math.nan, float(PHASE_CODES.get(step.phase, 0)))
        else:
            row = (step.t_s, f.elbow_angle_deg, f.hip_offset_frac, f.depth_frac,
                   float(PHASE_CODES.get(step.phase, 0)))
        self._series.append(row)

    def _flush_series(self) -> None:
        if not self._series:
            return
        rows = np.asarray(self._series, dtype=np.float64)
        self.store.add_series_chunk(self.session_id, self._chunk, rows)
        self._chunk += 1
        self._series = []

    @staticmethod
    def _depth_key(features: Features) -> Optional[Tuple[float, float]]:
        depth = features.depth_frac
        elbow = features.elbow_angle_deg
        if not math.isfinite(depth) and not math.isfinite(elbow):
            return None
        # Deeper first by depth, then by a smaller elbow angle.
        return (depth if math.isfinite(depth) else -math.inf, -elbow if math.isfinite(elbow) else -math.inf)

    def _track_deepest(self, step: LogicStep, image: Optional[np.ndarray]) -> None:
        """Keep the deepest frame of each short time slot since the last rep ended, so the
        rep's own bottom is picked inside its [start, end] window even when a false start
        (getting into position, a rest) went deeper before it."""
        if step.features is None or step.phase not in _CYCLE_PHASES:
            return
        key = self._depth_key(step.features)
        if key is None:
            return
        slot = int(math.floor(step.t_s / _SLOT_S))
        current = self._candidates.get(slot)
        if current is not None and key <= current.key:
            return
        picture = None
        if image is not None and self.save_frames == "bottom":
            from livecoach.render.imaging import shrink_fast  # cv2 only when pictures are wanted

            # Twice the final width, cheaply; the one picture kept per rep is scaled properly.
            picture = shrink_fast(image, 2 * self._session.thumbnail_width)
        self._candidates[slot] = _Deepest(key=key, t_s=step.t_s, picture=picture, pose=step.pose)
        while len(self._candidates) > _MAX_SLOTS:
            del self._candidates[min(self._candidates)]

    def _bottom_of(self, record: RepRecord) -> Optional[_Deepest]:
        lo, hi = record.t_start_s - _SLOT_S, record.t_end_s + _SLOT_S
        inside = [c for c in self._candidates.values()
                  if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= c.t_s <= hi]
        return max(inside, key=lambda c: c.key) if inside else None

    def _write_rep(self, record: RepRecord) -> None:
        deepest = self._bottom_of(record)
        if math.isfinite(record.t_end_s):  # what came after this rep's end belongs to the next one
            self._candidates = {k: c for k, c in self._candidates.items() if c.t_s > record.t_end_s}
        else:
            self._candidates = {}
        jpeg = None
        bottom_t = None
        if deepest is not None:
            bottom_t = deepest.t_s
            if deepest.picture is not None:
                from livecoach.render.imaging import bottom_picture, encode_jpeg

                joints = [j for f in record.faults for j in f.joints]
                picture = bottom_picture(deepest.picture, deepest.pose, self._session.thumbnail_width,
                                         self._min_visibility, joints)
                jpeg = encode_jpeg(picture, self._session.jpeg_quality)
        self._seq += 1
        self.store.add_rep(self.session_id, self._seq, record, bottom_t, jpeg)
        self.reps_written += 1
