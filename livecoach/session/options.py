"""What the user asked a session to do, independent of argparse.

``livecoach.cli`` builds a :class:`SessionOptions` from the command line; nothing below ``cli/``
sees an argparse namespace.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

MODES = ("train", "analyze", "replay")


@dataclass(frozen=True)
class SessionOptions:
    """One session's choices: its source, its outputs and how much it prints.

    ``mode`` is ``"train"`` (live: a camera, or ``video`` paced like one), ``"analyze"`` (every
    frame of ``video``, as fast as possible) or ``"replay"`` (the landmarks in ``recording``).
    """

    mode: str  # "train" | "analyze" | "replay"
    variant: str = "standard"
    exercise: str = "auto"  # a profile name of config/exercises, or "auto" (recognised)
    hold_target_s: Optional[float] = None  # --hold: every timed hold's target
    headless: bool = True
    voice: bool = False
    events: Optional[str] = None  # a path, or "-" for stdout
    record_landmarks: Optional[Path] = None
    record_video: Optional[Path] = None
    annotated_video: Optional[Path] = None
    history: bool = True  # keep the session in the history
    summary: bool = True  # print the summary at the end (from a throwaway store when not ``history``)
    data_dir: Optional[Path] = None
    save_frames: str = "bottom"
    report: bool = True
    open_report: bool = False
    progress: bool = False
    quiet: bool = False
    per_rep: Optional[bool] = None  # the summary's per-rep table: None = only for short sessions
    # Run the pose model on its own thread, one frame ahead of the logic (livecoach.session.pipeline).
    pipelined: bool = True
    jobs: int = 1  # analyze: processes extracting poses in parallel (chunks of the video)
    # The source: a camera index (train), a video file (train --video, analyze) or a recording (replay).
    camera: int = 0
    video: Optional[Path] = None
    recording: Optional[Path] = None
    # Speech overrides from the command line (None: the config's).
    voice_id: Optional[str] = None
    rate_wpm: Optional[int] = None
    # A workout plan to run set by set (``livecoach plans``), and a folder of the user's own plans.
    plan: Optional[str] = None
    plans_dir: Optional[Path] = None
