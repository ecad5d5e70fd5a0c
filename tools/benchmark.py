"""Speed benchmark: bare MediaPipe vs the full LiveCoach pipeline, on the same frames.

    python -m tools.benchmark [VIDEO ...] [--videos DIR] [--frames N] [--json FILE]

For each clip (default: three real clips from ``--videos``, itself by default the
``shared/videos`` folder beside the repository) it decodes the first
``--frames`` frames into memory once, then, in one run:

1. **bare**: the pose model alone on those frames (resize + colour conversion + inference,
   the least any app must do), frames per second;
2. **pipeline**: the same frames through the real session loop — capture thread (every
   frame), pose adapter, features, rep state machine, fault rules, cue policy, event
   writer and the SQLite recorder with bottom-frame pictures — frames per second and the
   ratio to (1);
3. **live**: the same frames delivered at the clip's frame rate through the capture thread's
   latest-frame-wins slot, as a webcam would, with the capture -> logic-result latency
   p50/p95 and the frames dropped.

It also times ``livecoach analyze`` (decoding included) on the longest shared clip and
reports it as a multiple of real time. Figures vary with the machine: compare ratios.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List, Optional

from livecoach.capture.base import FrameSource
from livecoach.capture.factory import video_source
from livecoach.capture.pose import MediaPipePoseEstimator
from livecoach.capture.thread import CaptureThread
from livecoach.cli.main import main as livecoach_main
from livecoach.clock import SourceClock
from livecoach.config.schema import Config, load_config
from livecoach.formats.events import EventWriter
from livecoach.history.recorder import SessionMeta, SessionRecorder
from livecoach.session.loop import CoachSession
from livecoach.session.options import SessionOptions
from livecoach.session.ticks import FrameSize, capture_ticks
from livecoach.types import Frame

#: The repository's root (this file is ``tools/benchmark.py``), not the installed package's.
REPO_ROOT = Path(__file__).resolve().parents[1]
#: The shared clips beside the repository: ``<repo>/../shared/videos``.
DEFAULT_VIDEOS = REPO_ROOT.parent / "shared" / "videos"
DEFAULT_CLIPS = ("tayyab__pushup.mp4", "calimiro__videoplayback.mp4", "fitnesscounter__pushup-sample.mp4")


class MemorySource(FrameSource):
    """Pre-decoded frames; ``paced`` hands them out at ``fps`` like a camera would."""

    def __init__(self, name: str, images: List[Any], fps: float, paced: bool) -> None:
        self._name, self._images, self._fps, self._paced = name, images, fps, paced
        self._next = 0
        self._clock0 = 0.0
        self._wake = threading.Event()

    name = property(lambda self: f"memory {self._name}")
    fps = property(lambda self: self._fps)
    frame_count = property(lambda self: len(self._images))
    is_live = property(lambda self: self._paced)

    def open(self) -> None:
        self._next = 0
        self._clock0 = time.monotonic()

    def read(self) -> Optional[Frame]:
        if self._next >= len(self._images):
            return None
        index = self._next
        if self._paced:
            due = self._clock0 + index / self._fps
            delay = due - time.monotonic()
            if delay > 0 and self._wake.wait(delay):
                return None
        self._next += 1
        return Frame(index=index, t_s=index / self._fps, image=self._images[index],
                     captured_monotonic_s=time.monotonic())

    def close(self) -> None:
        self._wake.set()

    def interrupt(self) -> None:
        self._wake.set()


def decode(path: Path, max_frames: int) -> Dict[str, Any]:
    source = video_source(path, paced=False)
    source.open()
    images = []
    try:
        while len(images) < max_frames:
            frame = source.read()
            if frame is None:
                break
            images.append(frame.image)
    finally:
        source.close()
    return {"images": images, "fps": source.fps}


def bare_fps(config: Config, images: List[Any], fps: float) -> float:
    estimator = MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
    try:
        started = time.perf_counter()
        for i, image in enumerate(images):
            estimator.estimate(Frame(index=i, t_s=i / fps, image=image))
        return len(images) / (time.perf_counter() - started)
    finally:
        estimator.close()


def pipeline_run(config: Config, name: str, images: List[Any], fps: float, paced: bool) -> Dict[str, float]:
    estimator = MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
    capture = CaptureThread(MemorySource(name, images, fps, paced))
    with tempfile.TemporaryDirectory() as tmp:
        recorder = SessionRecorder(Path(tmp) / "history.sqlite", config, save_frames="bottom")
        recorder.start(SessionMeta(source=name, mode="benchmark"))
        options = SessionOptions(mode="benchmark", headless=True, events=str(Path(tmp) / "events.jsonl"),
                                 quiet=True)
        capture.start()
        session = CoachSession(config, options, name, capture_ticks(capture, SourceClock(), FrameSize()),
                               estimator=estimator, recorder=recorder, events=EventWriter(options.events),
                               dropped_frames=lambda: capture.stats().frames_lost)
        started = time.perf_counter()
        end = session.run()
        elapsed = time.perf_counter() - started
        capture.stop()
        recorder.close()
    estimator.close()
    lat = sorted(session.latencies_s)
    return {
        "fps": session.frames / elapsed,
        "frames": session.frames,
        "dropped": end.dropped_frames,
        "latency_p50_ms": 1000 * statistics.median(lat) if lat else float("nan"),
        "latency_p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))] if lat else float("nan"),
        "reps": end.reps,
    }


def analyze_realtime(path: Path) -> Dict[str, float]:
    """Wall time of the whole `livecoach analyze` path (decoding included) vs clip length."""
    probe = video_source(path, paced=False)
    probe.open()
    duration = (probe.frame_count or 0) / probe.fps
    probe.close()
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["analyze", str(path), "--data-dir", tmp, "--quiet", "--no-progress", "--no-report"]
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = livecoach_main(argv)
        elapsed = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"livecoach analyze {path.name} exited with {code}")
    return {"clip_s": duration, "wall_s": elapsed, "x_realtime": duration / elapsed}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("clips", nargs="*", type=Path, metavar="VIDEO",
                        help="videos to measure (default: three clips of --videos)")
    parser.add_argument("--videos", type=Path, default=DEFAULT_VIDEOS, metavar="DIR",
                        help=f"the shared clips' folder (default: {DEFAULT_VIDEOS})")
    parser.add_argument("--frames", type=int, default=450, help="frames per clip (decoded into memory)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    config = load_config()
    if not args.clips and not args.videos.is_dir():
        print(f"benchmark: no videos folder at {args.videos} (pass --videos DIR or VIDEO files)", file=sys.stderr)
        return 1
    videos = args.clips or [args.videos / name for name in DEFAULT_CLIPS]
    missing = [str(v) for v in videos if not v.is_file()]
    if missing:
        print(f"benchmark: video not found: {', '.join(missing)}", file=sys.stderr)
        return 1
    # The speech thread is left out: the speech benchmark (python -m tools.speech_bench)
    # measures it. Cue policy, events and the recorder are in.
    config = replace(config)
    rows = []
    print(f"{'clip':<36} {'size':>9} {'frames':>6} {'bare fps':>9} {'pipe fps':>9} {'ratio':>6} "
          f"{'live p50':>9} {'live p95':>9} {'dropped':>8}")
    for video in videos:
        clip = decode(video, args.frames)
        images, fps = clip["images"], clip["fps"]
        height, width = images[0].shape[:2]
        bare = bare_fps(config, images, fps)
        full = pipeline_run(config, video.name, images, fps, paced=False)
        live = pipeline_run(config, video.name, images, fps, paced=True)
        row = {"clip": video.name, "width": width, "height": height, "frames": len(images), "clip_fps": fps,
               "bare_fps": bare, "pipeline_fps": full["fps"], "ratio": full["fps"] / bare,
               "live_latency_p50_ms": live["latency_p50_ms"], "live_latency_p95_ms": live["latency_p95_ms"],
               "live_frames_processed": live["frames"], "live_dropped": live["dropped"]}
        rows.append(row)
        print(f"{video.name[:36]:<36} {width:>4}x{height:<4} {len(images):>6} {bare:>9.1f} {full['fps']:>9.1f} "
              f"{row['ratio']:>6.2f} {live['latency_p50_ms']:>7.1f}ms {live['latency_p95_ms']:>7.1f}ms "
              f"{live['dropped']:>8}")
    longest = args.videos / "calimiro__videoplayback.mp4"
    result: Dict[str, Any] = {"clips": rows}
    if longest.is_file() and not args.clips:
        rt = analyze_realtime(longest)
        result["analyze_longest"] = {"clip": longest.name, **rt}
        print(f"\nlivecoach analyze {longest.name}: {rt['clip_s']:.1f} s of video in {rt['wall_s']:.1f} s "
              f"= {rt['x_realtime']:.2f}x real time")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
