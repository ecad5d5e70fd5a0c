"""Speed benchmark: bare MediaPipe vs the full LiveCoach pipeline, on the same frames, in one run.

    python -m tools.benchmark [VIDEO ...] [--videos DIR] [--frames N] [--json FILE] [--no-extras]

For each clip (default: three real clips from ``--videos``, itself by default the
``shared/videos`` folder beside the repository) it decodes the first ``--frames`` frames
into memory once, then:

1. **bare**: the pose model alone on those frames (resize + colour conversion + inference,
   the least any app must do), frames per second;
2. **pipeline**: the same frames through the real session loop as `livecoach train` runs it —
   capture thread, the pose model one frame ahead on its own thread, features, rep state
   machine, fault rules, cue policy, event writer and the SQLite recorder with bottom-frame
   pictures — frames per second and the ratio to (1); also the sequential loop
   (``--no-pipeline``) for comparison. (1) and (2) are interleaved: the frames are cut into
   ``--slices`` slices and each slice runs in all three modes, in an order that rotates, so
   the machine's drift weighs on every mode alike (:func:`interleaved_runs`);
3. **live**: the same frames delivered at the clip's frame rate through the capture thread's
   latest-frame-wins slot, as a webcam would, with the capture -> logic-result latency
   p50/p95 and the frames dropped; and again with a camera 10 % slower than the model alone
   (the headroom of a 30 fps camera on a 33 fps model), the frames dropped.

Then, unless ``--no-extras`` or clips are named: ``livecoach analyze`` of the longest shared
clip with ``--jobs 1`` and ``--jobs 2``, run in the order 1, 2, 2, 1 (mean wall time as a
multiple of real time, peak RSS), the start-up time (command to first processed frame), the
cue delay p95 (``tools.speech_bench`` on a recorded clip) and, when it is installed, the lite
model's speed. Absolute figures vary
with the machine: the ratios are the claim.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from livecoach.capture.base import FrameSource
from livecoach.capture.factory import video_source
from livecoach.capture.pose import MediaPipePoseEstimator, model_installed
from livecoach.capture.thread import CaptureThread
from livecoach.clock import SourceClock
from livecoach.config.schema import Config, load_config
from livecoach.config.toml_io import ConfigError
from livecoach.formats.events import EventWriter
from livecoach.history.recorder import SessionMeta, SessionRecorder
from livecoach.session.loop import CoachSession
from livecoach.session.models import switchable_estimator
from livecoach.session.options import SessionOptions
from livecoach.session.pipeline import PosePipeline
from livecoach.session.second_person import watch_for_second_person
from livecoach.session.ticks import FrameSize, Tick, capture_ticks
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


def bare_run(config: Config, images: List[Any], fps: float) -> Dict[str, float]:
    """The pose model alone on ``images``: frames, seconds and frames per second."""
    estimator = MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
    try:
        started = time.perf_counter()
        for i, image in enumerate(images):
            estimator.estimate(Frame(index=i, t_s=i / fps, image=image))
        seconds = time.perf_counter() - started
        return {"frames": len(images), "seconds": seconds, "fps": len(images) / seconds}
    finally:
        estimator.close()


def bare_fps(config: Config, images: List[Any], fps: float) -> float:
    """Frames per second of the pose model alone on ``images``."""
    return bare_run(config, images, fps)["fps"]


class _TimedTicks:
    """Passes ``ticks`` on, noting when the loop first asks for a frame and when none is left.

    The frame loop's speed is the frames over that span: the session's one-off start and end
    (the summary, the history's last writes) are outside it, as the model's loading is outside
    the bare run's time.
    """

    def __init__(self, ticks: Iterator[Tick]) -> None:
        self._ticks = ticks
        self.first_s: Optional[float] = None
        self.exhausted_s: Optional[float] = None

    def __iter__(self) -> "_TimedTicks":
        return self

    def __next__(self) -> Tick:
        if self.first_s is None:
            self.first_s = time.perf_counter()
        try:
            return next(self._ticks)
        except StopIteration:
            self.exhausted_s = time.perf_counter()
            raise


def pipeline_run(config: Config, name: str, images: List[Any], fps: float, paced: bool,
                 pipelined: bool = True) -> Dict[str, float]:
    """The real session loop on ``images``: pipelined (the pose model one frame ahead on its own
    thread, as `livecoach train` runs) or sequential (``--no-pipeline``). ``fps`` and ``seconds``
    are over the frames (from the loop's first request for a frame until none is left)."""
    # The estimator as `train` builds it: the lighter-model fallback's switch and the look for a
    # second person every [capture] second_person_check_s (a second model run, on the pose thread).
    estimator = watch_for_second_person(switchable_estimator(config, live=True), config)
    capture = CaptureThread(MemorySource(name, images, fps, paced))
    with tempfile.TemporaryDirectory() as tmp:
        recorder = SessionRecorder(Path(tmp) / "history.sqlite", config, save_frames="bottom")
        recorder.start(SessionMeta(source=name, mode="benchmark"))
        options = SessionOptions(mode="benchmark", headless=True, events=str(Path(tmp) / "events.jsonl"),
                                 quiet=True)
        capture.start()
        ticks: Iterator[Tick] = capture_ticks(capture, SourceClock(), FrameSize())
        pipeline = (PosePipeline(ticks, estimator, switch_interval_s=config.pose.pipeline_switch_interval_s)
                    if pipelined else None)
        timed = _TimedTicks(iter(pipeline) if pipeline else ticks)
        session = CoachSession(config, options, name, timed,
                               estimator=estimator, recorder=recorder, events=EventWriter(options.events),
                               dropped_frames=lambda: capture.stats().frames_lost)
        started = time.perf_counter()
        end = session.run()
        finished = time.perf_counter()
        elapsed = (timed.exhausted_s or finished) - (timed.first_s or started)
        if pipeline is not None:
            pipeline.close()
        capture.stop()
        recorder.close()
    estimator.close()
    lat = sorted(session.latencies_s)
    return {
        "fps": session.frames / elapsed,
        "frames": session.frames,
        "seconds": elapsed,
        "dropped": end.dropped_frames,
        "latency_p50_ms": 1000 * statistics.median(lat) if lat else float("nan"),
        "latency_p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))] if lat else float("nan"),
        "reps": end.reps,
    }


#: The modes of :func:`interleaved_runs`, in the order of its first slice.
MODES = ("bare", "pipelined", "sequential")


def interleaved_runs(config: Config, name: str, images: List[Any], fps: float, slices: int) -> Dict[str, Any]:
    """The pose model alone, the pipelined loop and the sequential loop over the same frames,
    cut into ``slices`` consecutive slices; each slice is run in all three modes, one after the
    other, the order rotating from slice to slice.

    A shared virtual machine's speed drifts by tens of percent within a minute (one run here:
    12.9 fps alone before the pipeline, 18.5 fps after it), so three long runs one after the
    other measure the drift as much as the code. With short slices in rotating order each
    mode sees the machine's fast and slow moments alike. Each mode's speed is its frames over
    its seconds, summed over the slices; the per-slice ratios show the spread.
    """
    slices = max(1, min(int(slices), len(images) // 30 or 1))
    bounds = [len(images) * k // slices for k in range(slices + 1)]
    totals = {mode: {"frames": 0, "seconds": 0.0} for mode in MODES}
    slice_ratios: List[float] = []
    for k in range(slices):
        part = images[bounds[k]:bounds[k + 1]]
        order = MODES[k % len(MODES):] + MODES[:k % len(MODES)]
        speed: Dict[str, float] = {}
        for mode in order:
            if mode == "bare":
                run = bare_run(config, part, fps)
            else:
                run = pipeline_run(config, name, part, fps, paced=False, pipelined=mode == "pipelined")
            totals[mode]["frames"] += run["frames"]
            totals[mode]["seconds"] += run["seconds"]
            speed[mode] = run["fps"]
        slice_ratios.append(speed["pipelined"] / speed["bare"])
    fps_by_mode = {mode: totals[mode]["frames"] / totals[mode]["seconds"] for mode in MODES}
    return {"fps": fps_by_mode, "slices": slices, "slice_ratios": slice_ratios}


def _clip_seconds(path: Path) -> float:
    probe = video_source(path, paced=False)
    probe.open()
    duration = (probe.frame_count or 0) / probe.fps
    probe.close()
    return duration


def _livecoach(args: List[str]) -> List[str]:
    return [sys.executable, "-m", "livecoach", *args]


def _tree_rss_mb(root: int) -> float:
    """Resident memory (MB) of ``root`` and every process below it, from /proc (0 when gone)."""
    parents: Dict[int, int] = {}
    rss: Dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
            parents[int(entry.name)] = int(fields["PPid"])
            rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
        except (OSError, ValueError, KeyError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree) / 1024


def _run_child(cmd: List[str], timeout: float = 1800) -> Dict[str, Any]:
    """Run ``cmd`` (from the repository root): its wall time, output, and the peak of the
    resident memory of it and its worker processes together (sampled every 0.2 s)."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("DISPLAY", None)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=err, text=True)
        peak_mb = 0.0
        while child.poll() is None:
            peak_mb = max(peak_mb, _tree_rss_mb(child.pid))
            if time.perf_counter() - started > timeout:
                child.kill()
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} exited with {child.returncode}: {stderr.strip()[-300:]}")
    return {"wall_s": elapsed, "stdout": stdout, "stderr": stderr, "peak_rss_mb": peak_mb}


def analyze_run(path: Path, jobs: int) -> Dict[str, float]:
    """Wall time of one whole `livecoach analyze --jobs N` command (start-up, decoding and the
    history included) and the peak resident memory of it and its workers."""
    with tempfile.TemporaryDirectory() as tmp:
        run = _run_child(_livecoach(["analyze", str(path), "--data-dir", tmp, "--quiet", "--no-progress",
                                     "--no-report", "--jobs", str(jobs)]))
    return {"wall_s": run["wall_s"], "peak_rss_mb": run["peak_rss_mb"]}


def analyze_speedup(path: Path, rounds: int = 1) -> Dict[str, Any]:
    """`livecoach analyze` with one and two processes, run in the order 1, 2, 2, 1 (``rounds``
    times), so that a drift of the machine's speed weighs on both alike; each as a multiple of
    real time (the clip's length over the mean wall time), and two over one."""
    duration = _clip_seconds(path)
    walls: Dict[int, List[float]] = {1: [], 2: []}
    peaks: Dict[int, float] = {1: 0.0, 2: 0.0}
    for _ in range(rounds):
        for jobs in (1, 2, 2, 1):
            run = analyze_run(path, jobs)
            walls[jobs].append(run["wall_s"])
            peaks[jobs] = max(peaks[jobs], run["peak_rss_mb"])
    runs = [{"jobs": jobs, "clip_s": duration, "walls_s": walls[jobs], "wall_s": statistics.mean(walls[jobs]),
             "x_realtime": duration / statistics.mean(walls[jobs]), "peak_rss_mb": peaks[jobs]} for jobs in (1, 2)]
    return {"clip": path.name, "runs": runs, "speedup_2_vs_1": runs[0]["wall_s"] / runs[1]["wall_s"]}


#: Run in a child: `livecoach train --video CLIP --headless`, printing the monotonic time when the
#: first frame has been through the loop (the pose model loaded, the capture started), then quitting.
_STARTUP_CHILD = """
import os, sys, time
import livecoach.session.loop as loop
original = loop.CoachSession._process
def first(self, tick):
    out = original(self, tick)
    print("FIRST-FRAME", time.monotonic(), flush=True)
    os._exit(0)
loop.CoachSession._process = first
from livecoach.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def startup_seconds(path: Path, runs: int = 3) -> Dict[str, float]:
    """From starting `livecoach train --video CLIP --headless` to its first processed frame
    (interpreter, imports, config, history, pose model, speech, capture), median of ``runs``."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            started = time.monotonic()
            run = _run_child([sys.executable, "-c", _STARTUP_CHILD, "train", "--video", str(path), "--headless",
                              "--quiet", "--data-dir", tmp, "--no-report"])
            line = next(x for x in run["stdout"].splitlines() if x.startswith("FIRST-FRAME"))
            times.append(float(line.split()[1]) - started)
    return {"median_s": statistics.median(times), "runs": runs}


def cue_delay_p95_ms(recording: Path) -> Optional[float]:
    """``tools.speech_bench``'s cue latency p95 (rep end due -> first audio), espeak-ng to a null sink."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.json"
        try:
            _run_child([sys.executable, "-m", "tools.speech_bench", str(recording), "--unpaced-seconds", "0",
                        "--json", str(out)])
        except RuntimeError as exc:
            print(f"benchmark: speech benchmark failed: {exc}", file=sys.stderr)
            return None
        return float(json.loads(out.read_text())["latency_ms"]["p95"])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("clips", nargs="*", type=Path, metavar="VIDEO",
                        help="videos to measure (default: three clips of --videos)")
    parser.add_argument("--videos", type=Path, default=DEFAULT_VIDEOS, metavar="DIR",
                        help=f"the shared clips' folder (default: {DEFAULT_VIDEOS})")
    parser.add_argument("--frames", type=int, default=450, help="frames per clip (decoded into memory)")
    parser.add_argument("--slices", type=int, default=6,
                        help="slices the frames are cut into for the interleaved bare/pipelined/sequential runs")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--no-extras", action="store_true",
                        help="only the per-clip table (no analyze, start-up, cue delay)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="a TOML file overriding config/default.toml (e.g. [pose] model_in_own_process = false)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 1
    if not args.clips and not args.videos.is_dir():
        print(f"benchmark: no videos folder at {args.videos} (pass --videos DIR or VIDEO files)", file=sys.stderr)
        return 1
    videos = args.clips or [args.videos / name for name in DEFAULT_CLIPS]
    missing = [str(v) for v in videos if not v.is_file()]
    if missing:
        print(f"benchmark: video not found: {', '.join(missing)}", file=sys.stderr)
        return 1
    # Cue policy, events and the recorder are in the pipeline; the speech thread's cost is
    # measured by the speech benchmark (its cue delay is reported below).
    rows = []
    print(f"{'clip':<34} {'size':>9} {'frames':>6} {'bare fps':>9} {'pipe fps':>9} {'ratio':>6} {'seq':>5} "
          f"{'slices':>11}{'live p50':>9} {'live p95':>9} {'dropped':>13} {'cam fps':>6} {'dropped':>11}")
    for video in videos:
        clip = decode(video, args.frames)
        images, fps = clip["images"], clip["fps"]
        height, width = images[0].shape[:2]
        runs = interleaved_runs(config, video.name, images, fps, args.slices)
        bare, full, sequential = (runs["fps"][mode] for mode in MODES)
        live = pipeline_run(config, video.name, images, fps, paced=True)
        dropped_share = live["dropped"] / max(1, live["frames"] + live["dropped"])
        # The issue's live criterion is "at most 1 % dropped at a camera's 30 fps where the model
        # alone reaches 33 fps": 10 % headroom. Where the model alone is slower than that, the
        # same headroom is a camera at the model's own speed / 1.1.
        headroom_fps = min(fps, bare / 1.1)
        headroom = pipeline_run(config, video.name, images, headroom_fps, paced=True)
        headroom_share = headroom["dropped"] / max(1, headroom["frames"] + headroom["dropped"])
        row = {"clip": video.name, "width": width, "height": height, "frames": len(images), "clip_fps": fps,
               "bare_fps": bare, "pipeline_fps": full, "ratio": full / bare,
               "sequential_fps": sequential, "sequential_ratio": sequential / bare,
               "slices": runs["slices"], "slice_ratios": runs["slice_ratios"],
               "live_latency_p50_ms": live["latency_p50_ms"], "live_latency_p95_ms": live["latency_p95_ms"],
               "live_frames_processed": live["frames"], "live_dropped": live["dropped"],
               "live_dropped_share": dropped_share,
               "headroom_camera_fps": headroom_fps, "headroom_dropped": headroom["dropped"],
               "headroom_dropped_share": headroom_share,
               "headroom_latency_p95_ms": headroom["latency_p95_ms"]}
        rows.append(row)
        print(f"{video.name[:34]:<34} {width:>4}x{height:<4} {len(images):>6} {bare:>9.1f} {full:>9.1f} "
              f"{row['ratio']:>6.3f} {row['sequential_ratio']:>5.2f} "
              f"{min(runs['slice_ratios']):>5.2f}-{max(runs['slice_ratios']):<5.2f}"
              f"{live['latency_p50_ms']:>7.1f}ms {live['latency_p95_ms']:>7.1f}ms {live['dropped']:>5} "
              f"({dropped_share:5.1%}) {headroom_fps:>6.1f} {headroom['dropped']:>4} ({headroom_share:5.1%})")
    result: Dict[str, Any] = {"clips": rows, "cpu": _cpu_name(), "cores": os.cpu_count(),
                              "lite_model_installed": model_installed(0)}
    if model_installed(0):
        lite = replace(config, pose=replace(config.pose, model_complexity=0))
        clip = decode(videos[0], args.frames)
        result["lite_fps"] = bare_fps(lite, clip["images"], clip["fps"])
        print(f"\nlite model alone on {videos[0].name}: {result['lite_fps']:.1f} fps")
    else:
        print("\nlite model: not installed (MediaPipe 0.10.21 ships the full model; lite is downloaded on first use)")
    if args.no_extras or args.clips:
        _write(args.json, result)
        return 0
    longest = args.videos / "calimiro__videoplayback.mp4"
    if longest.is_file():
        result["analyze"] = analyze = analyze_speedup(longest)
        for run in analyze["runs"]:
            print(f"livecoach analyze --jobs {run['jobs']} {longest.name}: {run['clip_s']:.1f} s of video in "
                  f"{' and '.join(f'{w:.1f}' for w in run['walls_s'])} s (order 1, 2, 2, 1) = "
                  f"{run['x_realtime']:.2f}x real time; peak RSS {run['peak_rss_mb']:.0f} MB")
        print(f"  two processes vs one: {analyze['speedup_2_vs_1']:.2f}x")
    start = startup_seconds(videos[0])
    result["startup"] = start
    print(f"start-up (command to first processed frame, train --video, median of {start['runs']}): "
          f"{start['median_s']:.2f} s")
    recording = REPO_ROOT / "tests" / "fixtures" / "landmarks" / "vraj__pushups.mp4.jsonl.gz"
    if recording.is_file():
        result["cue_delay_p95_ms"] = cue_delay_p95_ms(recording)
        print(f"cue delay p95 (rep end due -> first audio, espeak-ng): {result['cue_delay_p95_ms']:.0f} ms")
    _write(args.json, result)
    return 0


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _write(path: Optional[Path], result: Dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
