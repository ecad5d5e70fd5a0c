"""The logic's per-frame cost over a long replay (developer tool, not installed).

Replays a landmark recording through :class:`~livecoach.logic.analysis.SessionAnalyzer` with
the real fault rules and cue policy (as a session runs them), looping the recording with its
timestamps shifted until at least ``--seconds`` of session time, and prints the mean cost of
``update`` per frame (ms, ``time.perf_counter``) over the second around each ``--at`` time.
The whole replay is repeated ``--repeat`` times and the median of each figure is printed, so
one scheduling hiccup on a busy machine does not decide the result.

    PYTHONPATH=. python tools/logic_cost.py [RECORDING] [--seconds 65] [--at 5 60] [--repeat 3]

Default recording: ``tests/fixtures/landmarks/tayyab__pushup.mp4.jsonl.gz`` (47 s, 23 reps).
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from livecoach.config.schema import Config, load_config  # noqa: E402
from livecoach.formats.recording import read_recording  # noqa: E402
from livecoach.logic.analysis import SessionAnalyzer  # noqa: E402
from livecoach.logic.cues import CuePolicy  # noqa: E402
from livecoach.types import PoseFrame  # noqa: E402

DEFAULT_RECORDING = REPO_ROOT / "tests" / "fixtures" / "landmarks" / "tayyab__pushup.mp4.jsonl.gz"


def looped_frames(path: Path, min_seconds: float) -> List[Tuple[float, int, Optional[PoseFrame]]]:
    """``(t_s, frame_index, pose)`` of the recording played again and again (each pass shifted
    by the recording's length plus one frame) until ``min_seconds`` is reached."""
    header, frames = read_recording(path)
    if not frames:
        raise SystemExit(f"{path}: no frames")
    frame_s = 1.0 / header.fps if header.fps > 0 else 1.0 / 30.0
    length = frames[-1].t_s - frames[0].t_s + frame_s
    out: List[Tuple[float, int, Optional[PoseFrame]]] = []
    shift, index = 0.0, 0
    while not out or out[-1][0] < min_seconds:
        for fr in frames:
            t = fr.t_s - frames[0].t_s + shift
            pose = dataclasses.replace(fr.pose, t_s=t, frame_index=index) if fr.pose is not None else None
            out.append((t, index, pose))
            index += 1
        shift += length
    return out


def frame_costs_ms(config: Config, frames: Sequence[Tuple[float, int, Optional[PoseFrame]]],
                   cpu: bool = False) -> List[float]:
    """The cost of ``SessionAnalyzer.update`` for every frame, in ms (one fresh session):
    wall time (``time.perf_counter``), or with ``cpu`` this thread's CPU time
    (``time.thread_time``: less disturbed by other processes on a busy machine)."""
    analyzer = SessionAnalyzer(config, cue_policy=CuePolicy(config))
    costs = []
    clock = time.thread_time if cpu else time.perf_counter
    for t, index, pose in frames:
        start = clock()
        analyzer.update(t, index, pose)
        costs.append((clock() - start) * 1000.0)
    return costs


def window_mean(frames: Sequence[Tuple[float, int, Optional[PoseFrame]]], costs: Sequence[float],
                centre_s: float, width_s: float = 1.0) -> float:
    """Mean cost of the frames within ``width_s`` around ``centre_s``."""
    sel = [c for (t, _, _), c in zip(frames, costs) if abs(t - centre_s) <= width_s / 2.0]
    return statistics.fmean(sel) if sel else float("nan")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording", nargs="?", type=Path, default=DEFAULT_RECORDING)
    parser.add_argument("--seconds", type=float, default=65.0, help="session length to reach by looping")
    parser.add_argument("--at", type=float, nargs="+", default=[5.0, 60.0], help="times to report (s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported")
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--cpu", action="store_true", help="this thread's CPU time instead of wall time")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    frames = looped_frames(args.recording, args.seconds)
    runs: Dict[float, List[float]] = {at: [] for at in args.at}
    totals = []
    for _ in range(max(1, args.repeat)):
        costs = frame_costs_ms(config, frames, cpu=args.cpu)
        totals.append(statistics.fmean(costs))
        for at in args.at:
            runs[at].append(window_mean(frames, costs, at))
    print(f"recording {args.recording.name}: {len(frames)} frames, {frames[-1][0]:.1f} s looped, "
          f"{args.repeat} run(s), median of runs, {'CPU' if args.cpu else 'wall'} time")
    for at in args.at:
        print(f"  logic cost around {at:5.1f} s: {statistics.median(runs[at]):.3f} ms/frame "
              f"(runs: {', '.join(f'{v:.3f}' for v in runs[at])})")
    print(f"  mean over the whole replay: {statistics.median(totals):.3f} ms/frame")
    return 0


if __name__ == "__main__":
    sys.exit(main())
