"""Soak test: one long headless ``livecoach train`` session on a looped shared clip.

    python -m tools.soak [--video CLIP] [--minutes 60] [--interval 10] [--workdir DIR] [--json FILE]

The clip (default ``calimiro__videoplayback.mp4`` of the shared videos, 640x360) is
written ``minutes`` long into ``--workdir`` by looping it, then run through the real CLI,
paced like a camera (``livecoach train --video LOOP --headless``, voice, events, landmark
recording and history all on), as a user would leave it running. Every ``--interval``
seconds the child's resident memory (VmRSS), threads and open file descriptors are read
from ``/proc``; at the end the processed frames per minute come from the landmark
recording, and the reps announced (events) are compared with the reps stored (history).

Pass/fail (printed, exit 1 on a failure): RSS growth after the first 5 minutes at most
``--max-rss-growth-mb`` (10), no growth in threads or fds after the first 5 minutes, and
every announced rep stored. Linux only (``/proc``).

RSS growth is the median of the last minute's samples minus the median of the first minute's
after the warm-up: single samples swing by several MB as the allocators take and give back
memory (394.8 to 409.6 MB within minutes on a 60-minute run), so one low sample at 5:00 made a
run whose five-minute means rose 4.7 MB read +11.6 MB. The single-sample figure and the
least-squares slope (MB per hour, after the warm-up) are printed beside it.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = REPO_ROOT.parent / "shared" / "videos" / "calimiro__videoplayback.mp4"
WARM_UP_S = 300.0


def looped_video(video: Path, minutes: float, workdir: Path) -> Path:
    """``video`` repeated to ``minutes`` long (cached in ``workdir`` by name and length)."""
    import cv2  # a developer tool: cv2 comes with LiveCoach's dependencies

    out = workdir / f"{video.stem}_loop{minutes:g}min.mp4"
    if out.is_file() and out.stat().st_size > 0:
        return out
    source = cv2.VideoCapture(str(video))
    fps = source.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, image = source.read()
        if not ok:
            break
        frames.append(image)
    source.release()
    if not frames:
        raise SystemExit(f"soak: cannot read {video}")
    height, width = frames[0].shape[:2]
    total = int(round(minutes * 60 * fps))
    partial = out.with_suffix(".part.mp4")
    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for i in range(total):
        writer.write(frames[i % len(frames)])
    writer.release()
    partial.replace(out)
    return out


def sample(pid: int) -> Optional[Dict[str, float]]:
    """RSS (MB), peak RSS (MB), threads and open fds of ``pid``; None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "hwm_mb": int(fields["VmHWM"].split()[0]) / 1024,
            "threads": int(fields["Threads"]), "fds": fds}


def fps_per_minute(recording: Path) -> List[float]:
    """Frames processed in each minute of source time (paced: source time = wall time)."""
    counts: Dict[int, int] = {}
    with gzip.open(recording, "rt") as fh:
        next(fh, None)  # header
        for line in fh:
            try:
                t = json.loads(line)["t"]
            except (ValueError, KeyError):
                break  # the last line of a killed writer
            counts[int(t // 60)] = counts.get(int(t // 60), 0) + 1
    # The last minute is cut short by the end of the video: left out.
    return [counts.get(m, 0) / 60.0 for m in range(max(counts))] if counts else []


def stored_reps(data_dir: Path) -> int:
    dbs = list(data_dir.rglob("livecoach.db"))
    if not dbs:
        return -1
    with sqlite3.connect(dbs[0]) as db:
        return int(db.execute("SELECT COUNT(*) FROM reps").fetchone()[0])


def rss_growth(after: List[Dict[str, float]], window_s: float = 60.0) -> Tuple[float, float]:
    """RSS growth over ``after`` (the samples after the warm-up): the median of the last
    ``window_s`` of samples minus the median of the first ``window_s``; and the least-squares
    slope in MB per hour."""
    t0, t1 = after[0]["t_s"], after[-1]["t_s"]
    first = [s["rss_mb"] for s in after if s["t_s"] <= t0 + window_s]
    last = [s["rss_mb"] for s in after if s["t_s"] >= t1 - window_s]
    growth = statistics.median(last) - statistics.median(first)
    if len(after) < 2 or t1 <= t0:
        return growth, 0.0
    ts = [s["t_s"] for s in after]
    rs = [s["rss_mb"] for s in after]
    mt, mr = statistics.fmean(ts), statistics.fmean(rs)
    slope = sum((t - mt) * (r - mr) for t, r in zip(ts, rs)) / sum((t - mt) ** 2 for t in ts)
    return growth, slope * 3600.0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/livecoach-soak"))
    parser.add_argument("--max-rss-growth-mb", type=float, default=10.0)
    parser.add_argument("--json", type=Path, help="also write the samples and figures as JSON")
    args = parser.parse_args(argv)
    if not Path("/proc/self/status").is_file():
        print("soak: needs Linux /proc", file=sys.stderr)
        return 2
    if not args.video.is_file():
        print(f"soak: video not found: {args.video}", file=sys.stderr)
        return 2
    args.workdir.mkdir(parents=True, exist_ok=True)
    loop = looped_video(args.video, args.minutes, args.workdir)
    run_dir = args.workdir / time.strftime("run-%Y%m%d-%H%M%S")
    run_dir.mkdir()
    events, recording = run_dir / "events.jsonl", run_dir / "landmarks.jsonl.gz"
    cmd = [sys.executable, "-m", "livecoach", "train", "--video", str(loop), "--headless", "--quiet",
           "--events", str(events), "--record-landmarks", str(recording), "--data-dir", str(run_dir / "data"),
           "--no-report"]
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    print(f"soak: {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    with open(run_dir / "stdout.txt", "w") as out, open(run_dir / "stderr.txt", "w") as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=REPO_ROOT)
        samples: List[Dict[str, Any]] = []
        while child.poll() is None:
            snap = sample(child.pid)
            if snap is not None:
                snap["t_s"] = round(time.monotonic() - started, 1)
                samples.append(snap)
                if len(samples) % max(1, int(300 / args.interval)) == 1:
                    print(f"soak: {snap['t_s'] / 60:5.1f} min  rss {snap['rss_mb']:.1f} MB  threads "
                          f"{snap['threads']}  fds {snap['fds']}", flush=True)
            time.sleep(args.interval)
    wall_s = time.monotonic() - started
    announced = [json.loads(line) for line in events.read_text().splitlines() if line.strip()]
    # Every rep cycle (a counted rep or a no-rep) is one row of the history's reps table.
    reps_announced = sum(1 for e in announced if e.get("type") in ("rep", "no_rep"))
    end = next((e for e in announced if e.get("type") == "session_end"), {})
    after = [s for s in samples if s["t_s"] >= WARM_UP_S] or samples
    growth, slope = rss_growth(after)
    fpm = fps_per_minute(recording)
    figures = {
        "video": args.video.name, "minutes": args.minutes, "wall_s": round(wall_s, 1), "exit_code": child.returncode,
        "rss_mb_first": round(samples[0]["rss_mb"], 1), "rss_mb_after_warmup": round(after[0]["rss_mb"], 1),
        "rss_mb_end": round(samples[-1]["rss_mb"], 1), "rss_mb_peak": round(max(s["hwm_mb"] for s in samples), 1),
        "rss_growth_after_warmup_mb": round(growth, 1),
        "rss_growth_single_samples_mb": round(samples[-1]["rss_mb"] - after[0]["rss_mb"], 1),
        "rss_slope_mb_per_hour": round(slope, 1),
        "threads_after_warmup": [min(s["threads"] for s in after), max(s["threads"] for s in after)],
        "fds_after_warmup": [min(s["fds"] for s in after), max(s["fds"] for s in after)],
        "fps_per_minute_min": round(min(fpm), 1) if fpm else None,
        "fps_per_minute_median": round(statistics.median(fpm), 1) if fpm else None,
        "frames_dropped": end.get("dropped_frames"), "cycles_announced": reps_announced,
        "reps_counted": end.get("reps"), "no_reps": end.get("no_reps"), "cycles_stored": stored_reps(run_dir / "data"),
    }
    checks = {
        "exit 0": child.returncode == 0,
        f"RSS growth after warm-up <= {args.max_rss_growth_mb:g} MB":
            figures["rss_growth_after_warmup_mb"] <= args.max_rss_growth_mb,
        "no thread growth after warm-up": after[-1]["threads"] <= after[0]["threads"],
        "no fd growth after warm-up": after[-1]["fds"] <= after[0]["fds"],
        "every announced rep stored": figures["cycles_stored"] >= reps_announced,
    }
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    for name, ok in checks.items():
        print(f"{'ok' if ok else 'FAIL':>6}  {name}")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "checks": checks, "samples": samples,
                                         "fps_per_minute": fpm}, indent=1))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
