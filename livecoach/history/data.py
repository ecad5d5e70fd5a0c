"""What the history holds about a session, as frozen values: the recorder's input
(:class:`SessionMeta`) and what the store reads back (:class:`SessionData` and its parts)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from livecoach.types import Cue, RepRecord


@dataclass(frozen=True)
class SessionMeta:
    """What the recorder knows at the start of a session."""

    source: str                       # "camera 0", a video path, a recording path
    mode: str                         # train | analyze | replay
    variant: str = "standard"
    app_version: str = ""
    config: Optional[Mapping[str, Any]] = None  # resolved config as plain data
    started_at: Optional[datetime] = None       # default: now (wall clock, local time zone)


@dataclass(frozen=True)
class SessionInfo:
    """One row of ``sessions``, with counts derived from the reps for interrupted sessions."""

    id: int
    started_at: datetime
    ended_at: Optional[datetime]
    source: str
    mode: str
    variant: str
    app_version: str
    save_frames: str
    status: str               # finished | interrupted | running
    end_reason: str           # SessionEnd.reason, or "interrupted"/"running"
    duration_s: float         # source seconds (last frame seen for an interrupted session)
    reps: int
    no_reps: int
    frames: Optional[int]
    frames_with_pose: Optional[int]
    fps: Optional[float]
    dropped_frames: Optional[int]
    verdict: Optional[str]    # None for an interrupted session
    mean_score: Optional[float]
    top_fault: Optional[str]


@dataclass(frozen=True)
class StoredRep:
    """A rep or no-rep as stored, in the order it ended (``seq``)."""

    seq: int
    record: RepRecord
    bottom_t_s: Optional[float]
    bottom_jpeg: Optional[bytes]


@dataclass(frozen=True)
class FrameSeries:
    """The per-frame features kept for plots: equal-length float arrays (nan = not measured)."""

    t_s: np.ndarray
    elbow_angle_deg: np.ndarray
    hip_offset_frac: np.ndarray
    depth_frac: np.ndarray
    phase: np.ndarray  # codes of PHASE_CODES; nan for none

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


@dataclass(frozen=True)
class SessionData:
    """Everything stored about one session."""

    info: SessionInfo
    config: Dict[str, Any]
    reps: Tuple[StoredRep, ...]
    cues: Tuple[Cue, ...]
    series: FrameSeries

    @property
    def full_reps(self) -> Tuple[StoredRep, ...]:
        return tuple(r for r in self.reps if r.record.full)

    @property
    def no_reps(self) -> Tuple[StoredRep, ...]:
        return tuple(r for r in self.reps if not r.record.full)

