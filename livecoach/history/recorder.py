"""The live recorder: records a session into the history without ever making the frame loop
wait on the disk.

:class:`SessionRecorder` is fed every :class:`~livecoach.types.LogicStep` by the main loop.
When a rep (or no-rep) ends it is appended to the session's journal (one ``write``, so a
SIGKILL right after cannot lose it) and handed to the history's writer thread
(:mod:`livecoach.history.writer`) with ``put_nowait``; the writer commits it to the database
with its faults, the cues spoken so far, the per-frame feature series up to that point and,
with consent (``save_frames="bottom"``), a small JPEG of the user's own frame at the bottom of
the rep with the skeleton drawn. A locked database is retried in the background; a full or
damaged one leaves the session in the journal, imported on the next start. A session killed
mid-set keeps every completed rep; it reads back as ``interrupted``.
"""
from __future__ import annotations

import logging
import math
import os
import socket
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from livecoach.config.schema import config_as_dict
from livecoach.history import journal as jr
from livecoach.history.data import SessionMeta, StoredHold, StoredSet
from livecoach.history.schema import PHASE_CODES, StoreError, db_path_for
from livecoach.history.store import SessionStore
from livecoach.history.writer import (BeginItem, CueItem, EndItem, HistoryWriter, HoldItem, RepItem, SeriesItem,
                                      SetItem, StoreOutcome, now_iso)
from livecoach.landmarks import Landmark
from livecoach.logic.holds import HoldRecord
from livecoach.logic.plan_events import Advice, SetResult
from livecoach.logic.view import judgeable
from livecoach.types import (Cue, CueEvent, Features, HoldEnd, LogicStep, Phase, PoseFrame, RepEvent, RepRecord,
                             SessionEnd)

# What the session needs to record itself, from one module.
__all__ = ["SAVE_FRAMES_CHOICES", "SessionMeta", "SessionRecorder", "StoreError", "StoreOutcome", "db_path_for"]

log = logging.getLogger("livecoach.history")

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


def _log_notice(message: str) -> None:
    log.warning("%s", message)


class SessionRecorder:
    """Records one session into the history; no call made during the session waits on SQLite.

    Call :meth:`start` once, :meth:`on_step` for every processed frame (with the frame's BGR
    image when pictures are wanted), :meth:`finish` at the end, then :meth:`close`, which
    waits (at most ``close_timeout_s``) for the writer thread and says where the session
    ended up (:class:`~livecoach.history.writer.StoreOutcome`; :attr:`stored_anywhere`). Not
    thread-safe: call it from the logic thread.

    ``save_frames="bottom"`` keeps a small JPEG of the deepest frame of every rep cycle
    (the user's own frame, skeleton drawn, faulty joints in red); ``"off"`` keeps none.
    ``notice`` is called (from any thread) with one line for the user when the history
    cannot be written as usual (default: a ``livecoach.history`` logging warning).
    """

    def __init__(self, store: Union[str, Path, SessionStore], config: Any, save_frames: str = "bottom", *,
                 notice: Optional[Callable[[str], None]] = None, queue_size: int = 512,
                 start_wait_s: float = 1.0, close_timeout_s: float = 5.0, lock_notice_s: float = 10.0,
                 busy_timeout_ms: int = 100) -> None:
        if save_frames not in SAVE_FRAMES_CHOICES:
            raise ValueError(f"save_frames must be one of {', '.join(SAVE_FRAMES_CHOICES)}, not {save_frames!r}")
        self._given_store = store if isinstance(store, SessionStore) else None
        self.db_path = store.path if isinstance(store, SessionStore) else Path(store).expanduser()
        self.config = config
        self.save_frames = save_frames
        self._notice = notice or _log_notice
        self._queue_size = int(queue_size)
        self._start_wait_s = float(start_wait_s)
        self._close_timeout_s = float(close_timeout_s)
        self._lock_notice_s = float(lock_notice_s)
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._session = config.session
        self._min_visibility = float(config.features.min_visibility)
        self._elbow_views = frozenset(config.view.elbow_angle_views)
        self._writer: Optional[HistoryWriter] = None
        self._imaging: Any = None  # livecoach.render.imaging, once pictures are wanted
        self.journal: Optional[jr.SessionJournal] = None
        self._seq = 0
        self._sets = 0
        self._holds = 0
        self._chunk = 0
        self._series: List[Tuple[float, float, float, float, float]] = []
        self._frame_counter = 0
        self._candidates: Dict[int, _Deepest] = {}
        self._finished = False
        self._outcome: Optional[StoreOutcome] = None
        self.reps_written = 0  # reps handed to the history (journal and writer)

    # -- lifecycle
    def start(self, meta: Union[SessionMeta, Mapping[str, Any]]) -> Optional[int]:
        """Begin the session; returns its id once the writer has created its row (waiting at
        most ``start_wait_s``, before the session's first frame), else None (a locked
        database: the id comes later, :attr:`session_id`)."""
        if self._writer is not None:
            raise RuntimeError("SessionRecorder.start() called twice")
        if isinstance(meta, Mapping):
            meta = SessionMeta(**meta)
        if meta.config is None:
            meta = replace(meta, config=config_as_dict(self.config))
        if meta.started_at is None:
            meta = replace(meta, started_at=datetime.now(timezone.utc).astimezone().replace(microsecond=0))
        if self.save_frames == "bottom" and self._imaging is None:
            # cv2 only when pictures are wanted; imported and warmed here, before the first
            # frame: importing cv2 (~100 ms) or the overlay (~20 ms, on the writer thread, with
            # the GIL) in the middle of the first rep would stall the frame loop.
            from livecoach.render import imaging  # imports the overlay too (its draw_skeleton)

            blank = PoseFrame(t_s=0.0, frame_index=0, width=16, height=16, image_xyz=np.zeros((33, 3), np.float32),
                              visibility=np.ones(33, np.float32), world_xyz=np.zeros((33, 3), np.float32))
            imaging.encode_jpeg(imaging.bottom_picture(np.zeros((16, 16, 3), np.uint8), blank, 16, 0.5, ()),
                                self._session.jpeg_quality)
            self._imaging = imaging
        pid, host = os.getpid(), socket.gethostname()
        self.journal = jr.SessionJournal(self._free_journal_path(meta.started_at, pid))
        self.journal.append(jr.begin_record(meta, self.save_frames, meta.started_at, pid, host,
                                            dict(meta.config or {})))
        self._writer = HistoryWriter(self._given_store or self.db_path, self.journal,
                                     self._encode_picture if self.save_frames == "bottom" else None, self._notice,
                                     queue_size=self._queue_size, lock_notice_s=self._lock_notice_s,
                                     busy_timeout_ms=self._busy_timeout_ms)
        self._writer.start()
        self._writer.submit(BeginItem(meta=meta, save_frames=self.save_frames, pid=pid, host=host))
        self._writer.session_started.wait(self._start_wait_s)
        self.check()
        return self._writer.session_id

    def _free_journal_path(self, started_at: datetime, pid: int) -> Path:
        path = jr.journal_path_for(self.db_path, started_at, pid)
        n = 1
        while path.exists():  # a second session in the same second by this process (tests)
            n += 1
            path = path.with_name(path.name.replace(jr.JOURNAL_SUFFIX, f"-{n}{jr.JOURNAL_SUFFIX}"))
        return path

    @property
    def session_id(self) -> Optional[int]:
        """The session's id in the database (None until its row exists, or if it never will)."""
        return self._writer.session_id if self._writer is not None else None

    @property
    def store(self) -> Optional[SessionStore]:
        """The writer's store; only for use after :meth:`close` (the writer owns it before)."""
        return self._writer.store if self._writer is not None else None

    @property
    def sets_written(self) -> int:
        """Plan sets handed to the history so far (:meth:`record_set`)."""
        return self._sets

    @property
    def holds_written(self) -> int:
        """Timed holds and pauses at the top handed to the history so far (:meth:`record_hold`)."""
        return self._holds

    @property
    def journal_path(self) -> Optional[Path]:
        return self.journal.path if self.journal is not None else None

    def on_step(self, step: LogicStep, image: Optional[np.ndarray] = None) -> None:
        """Take one frame's logic result; never waits on the database. Raises
        :class:`StoreError` if the writer thread died of an unexpected error."""
        if self._writer is None:
            raise RuntimeError("SessionRecorder.on_step() before start()")
        self.check()
        self._track_series(step)
        self._track_deepest(step, image)
        dirty = False
        for event in step.events:
            if isinstance(event, RepEvent):
                self._write_rep(event.record)
                dirty = True
            elif isinstance(event, CueEvent):
                self.journal.append(jr.cue_line(event.cue))
                self._writer.submit(CueItem(event.cue))
                dirty = True
            elif isinstance(event, HoldEnd):
                self.record_hold(event.record)
                dirty = True
            # FaultEvents repeat the faults of the RepRecord, stored with it.
        if dirty or len(self._series) >= self._session.series_flush_frames:
            self._flush_series()

    def record_set(self, result: SetResult, advice: Optional[Advice] = None) -> None:
        """Keep one finished set of a plan session (and the advice given after it); like a rep,
        journaled at once and handed to the writer without waiting. Raises :class:`StoreError`
        if the writer thread died of an unexpected error."""
        if self._writer is None:
            raise RuntimeError("SessionRecorder.record_set() before start()")
        self.check()
        self._sets += 1
        stored = StoredSet(seq=self._sets, result=result, advice=advice.kind if advice is not None else None,
                           advice_to=advice.to_exercise if advice is not None else None)
        self.journal.append(jr.set_line(stored))
        self._writer.submit(SetItem(stored))

    def record_hold(self, record: HoldRecord) -> None:
        """Keep one finished timed hold or pause at the top (a hold still running when the
        session ends comes from the analyzer's closing events, not from a step); journaled at
        once and handed to the writer without waiting."""
        if self._writer is None:
            raise RuntimeError("SessionRecorder.record_hold() before start()")
        self.check()
        self._holds += 1
        stored = StoredHold(seq=self._holds, record=record)
        self.journal.append(jr.hold_line(stored))
        self._writer.submit(HoldItem(stored))

    def record_rep(self, record: RepRecord) -> None:
        """Keep one rep or no-rep that came from the analyzer's closing events rather than a step
        (a no-rep held back until the session ended); journaled at once, without waiting."""
        if self._writer is None:
            raise RuntimeError("SessionRecorder.record_rep() before start()")
        self.check()
        self._write_rep(record)

    def record_cue(self, cue: Cue) -> None:
        """Keep a line said outside the logic's own events (a plan's announcement, counts, set-up
        advice); without waiting."""
        if self._writer is None:
            raise RuntimeError("SessionRecorder.record_cue() before start()")
        self.check()
        self.journal.append(jr.cue_line(cue))
        self._writer.submit(CueItem(cue))

    def finish(self, end: SessionEnd) -> Optional[int]:
        """Hand over what is left and the end of the session (without waiting); returns the
        session id if known. Idempotent."""
        if self._writer is None:
            raise RuntimeError("SessionRecorder.finish() before start()")
        if not self._finished:
            self._flush_series()
            ended_at = now_iso()
            self.journal.append(jr.end_line(end, datetime.fromisoformat(ended_at)))
            self._writer.submit(EndItem(end=end, ended_at=ended_at))
            self._finished = True
        return self.session_id

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until the writer has handled everything handed over so far (tests; not for
        the frame loop)."""
        return self._writer.wait_idle(timeout) if self._writer is not None else True

    def check(self) -> None:
        """Re-raise, as :class:`StoreError`, an unexpected error of the writer thread."""
        error = self._writer.error if self._writer is not None else None
        if error is not None:
            raise StoreError(f"the history writer failed: {type(error).__name__}: {error}") from error

    @property
    def outcome(self) -> StoreOutcome:
        """Where the session is stored (``PENDING`` until :meth:`close`)."""
        return self._outcome or StoreOutcome.PENDING

    @property
    def stored_anywhere(self) -> bool:
        """After :meth:`close`: whether the session is in the database or in its journal."""
        return self.outcome in (StoreOutcome.DATABASE, StoreOutcome.JOURNAL)

    def close(self, timeout: Optional[float] = None) -> StoreOutcome:
        """Wait for the writer (a lock held longer than ``timeout`` is given up: the rest
        stays in the journal), close the journal (deleted when everything is in the database)
        and the database. Re-raises a writer crash as :class:`StoreError`. Idempotent."""
        if self._outcome is not None:
            return self._outcome
        writer, journal = self._writer, self.journal
        if writer is None or journal is None:
            self._outcome = StoreOutcome.NOWHERE if writer is not None else StoreOutcome.PENDING
            return self.outcome
        writer.stop(self._close_timeout_s if timeout is None else timeout)
        if writer.database_complete() and not writer.alive:
            self._outcome = StoreOutcome.DATABASE
        elif not journal.failed and journal.usable:
            self._outcome = StoreOutcome.JOURNAL
        else:
            self._outcome = StoreOutcome.NOWHERE
        journal.close(delete=self._outcome is StoreOutcome.DATABASE)
        if self._outcome is StoreOutcome.NOWHERE:
            self._notice(f"this session could not be stored: the history database {self.db_path} failed "
                         f"({writer.db_failure or 'unknown'}) and so did its journal ({journal.error or 'unknown'})")
        if writer.store is not None and self._given_store is None and not writer.alive:
            writer.store.close()
        self.check()
        return self._outcome

    # -- internals
    def _track_series(self, step: LogicStep) -> None:
        self._frame_counter += 1
        if (self._frame_counter - 1) % self._session.series_every_n_frames:
            return
        f = step.features
        if f is None:
            row = (step.t_s, math.nan, math.nan, math.nan, float(PHASE_CODES.get(step.phase, 0)))
        else:
            # Kept only where the view shows them true: the elbow angle side-on or at an angle
            # ([view] elbow_angle_views), the body line side-on (as the hip sag rule reads it);
            # from the front or above the report says they were not read, not a wrong curve.
            # The line is the rep exercise's: on knee push-ups shoulders to knees, as the rule
            # judges it (to the ankles, a clean knee push-up reads as a sagging back throughout).
            elbow = f.elbow_angle_deg if f.view.value in self._elbow_views else math.nan
            line = f.hip_offset_knee_frac if step.body_end == "knees" else f.hip_offset_frac
            hips = line if judgeable("hip_sag", f.view, self.config) else math.nan
            row = (step.t_s, elbow, hips, f.depth_frac, float(PHASE_CODES.get(step.phase, 0)))
        self._series.append(row)

    def _flush_series(self) -> None:
        if not self._series:
            return
        rows = np.asarray(self._series, dtype=np.float64)
        self.journal.append(jr.series_line(self._chunk, rows))
        self._writer.submit(SeriesItem(self._chunk, rows))
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
        if image is not None and self._imaging is not None:
            # Twice the final width, cheaply; the one picture kept per rep is scaled properly.
            picture = self._imaging.shrink_fast(image, 2 * self._session.thumbnail_width)
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
        self._seq += 1
        bottom_t = deepest.t_s if deepest is not None else None
        self.journal.append(jr.rep_line(self._seq, record, bottom_t))
        # The picture is drawn and encoded on the writer thread.
        self._writer.submit(RepItem(seq=self._seq, record=record, bottom_t_s=bottom_t,
                                    picture=deepest.picture if deepest is not None else None,
                                    pose=deepest.pose if deepest is not None else None,
                                    joints=tuple(j for f in record.faults for j in f.joints)))
        self.reps_written += 1

    def _encode_picture(self, picture: np.ndarray, pose: Optional[PoseFrame], joints: Sequence[Landmark]) -> bytes:
        """Runs on the writer thread."""
        image = self._imaging.bottom_picture(picture, pose, self._session.thumbnail_width, self._min_visibility,
                                             list(joints))
        return self._imaging.encode_jpeg(image, self._session.jpeg_quality)
