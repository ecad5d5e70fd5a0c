"""Speech benchmark: cue latency and the speech thread's cost to the frame loop.

    python -m tools.speech_bench REC.jsonl.gz [REC ...] [--video-dir DIR] [--json OUT]

Each landmark recording (``--record-landmarks`` output, or the evaluation cache) is played
back **paced at real time**, frame by frame, through the real per-frame logic
(:class:`~livecoach.logic.analysis.SessionAnalyzer` with :class:`~livecoach.logic.cues.CuePolicy`),
once with speech off and once with a real speech backend on (espeak-ng subprocess by
default, its audio consumed at real-time speed by a null sink when there is no sound card).
With ``--video-dir`` the recording's source video is decoded by the app's paced
``VideoFileSource`` and MediaPipe runs on every frame instead of the recorded landmarks —
the whole live pipeline but the camera.

Reported:

* **cue latency**: from the moment the frame that ends a rep is due (the moment a camera
  would deliver it) to the backend starting to speak (the first audio samples reaching the
  sound output), p50/p95/max over every spoken rep-end cue; target p95 <= 250 ms;
* **frame-loop cost**: the per-frame processing time with speech off vs on in the same
  run, as throughput (frames per second of processing time) and its ratio; target: with
  speech within 3 % of without. A second, unpaced pass measures frames/s as fast as
  possible while the speech thread is kept talking continuously (worst case).

Counting aloud every rep is switched on for the benchmark (unless ``--count-every``), so
every rep gives the speech thread something to say.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from livecoach.config.schema import Config, load_config
from livecoach.formats.recording import read_recording
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.cues import CuePolicy
from livecoach.speech.chain import backend_chain, speech_config_with
from livecoach.speech.worker import SpeechWorker, WorkerState
from livecoach.types import CueEvent, CueKind, Cue, PoseFrame, RepEvent

BackendMaker = Callable[[], object]


@dataclass
class RunResult:
    clip: str
    speech: bool
    frames: int = 0
    wall_s: float = 0.0
    busy_s: float = 0.0
    frame_busy_s: List[float] = field(default_factory=list)
    busy_while_speaking_s: List[float] = field(default_factory=list)  # speech on: frames during an utterance
    busy_while_silent_s: List[float] = field(default_factory=list)  # speech on: frames between utterances
    speech_child_cpu_s: float = 0.0  # CPU used by speech subprocesses (espeak-ng, pyttsx3 child)
    rep_end_due: Dict[float, float] = field(default_factory=dict)  # rep-end t_s -> due monotonic
    cues: int = 0
    delays_s: List[float] = field(default_factory=list)  # rep end due -> speaking
    say_delays_s: List[float] = field(default_factory=list)  # rep end due -> say() called
    spoken: int = 0
    dropped: Dict[str, int] = field(default_factory=dict)
    reps: int = 0
    backend: str = ""


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# -- frame sources -------------------------------------------------------------------------
def _recorded_frames(path: Path) -> Tuple[str, List[Tuple[int, float, Optional[PoseFrame]]]]:
    header, frames = read_recording(path)
    return header.source, [(f.frame_index, f.t_s, f.pose) for f in frames]


def _paced_recording(frames: List[Tuple[int, float, Optional[PoseFrame]]]) -> Iterator[Tuple[int, float, Optional[PoseFrame], float]]:
    """(index, t_s, pose, due monotonic) at real-time pace, as a camera would deliver them."""
    t0 = time.monotonic() + 0.05
    first_t = frames[0][1] if frames else 0.0
    for index, t_s, pose in frames:
        due = t0 + (t_s - first_t)
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield index, t_s, pose, due


def _paced_video(video: Path, config: Config) -> Iterator[Tuple[int, float, Optional[PoseFrame], float]]:
    """The app's paced video source + MediaPipe pose on every delivered frame."""
    from livecoach.capture.pose import MediaPipePoseEstimator  # cv2 and mediapipe only when asked for
    from livecoach.capture.paced_video import PacedVideoSource

    estimator = MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
    source = PacedVideoSource(video)
    source.open()
    try:
        while True:
            frame = source.read()
            if frame is None:
                break
            yield frame.index, frame.t_s, ("estimate", estimator, frame), frame.captured_monotonic_s  # type: ignore
    finally:
        source.close()
        close = getattr(estimator, "close", None)
        if close:
            close()


# -- one paced run -----------------------------------------------------------------------------
def run_paced(clip: str, frames: Iterator[Tuple[int, float, object, float]], config: Config,
              speech_chain: Optional[list]) -> RunResult:
    """One real-time pass; ``speech_chain`` None = speech off."""

    result = RunResult(clip=clip, speech=speech_chain is not None)
    analyzer = SessionAnalyzer(config, cue_policy=CuePolicy(config))
    worker = None
    clock_origin: List[float] = []
    if speech_chain is not None:
        # Source clock: frame t_s is seconds since the clip's first frame was due.
        worker = SpeechWorker(config.speech, backends=speech_chain,
                              clock=lambda: time.monotonic() - (clock_origin[0] if clock_origin else time.monotonic()),
                              notify=None).start()
        worker.wait_ready(config.speech.probe_timeout_s * 3)
        result.backend = worker.backend_name

    children_cpu0 = _children_cpu()
    started = time.monotonic()
    for index, t_s, pose, due in frames:
        if not clock_origin:
            clock_origin.append(due - t_s)
        speaking = worker is not None and worker.state is WorkerState.SPEAKING
        t_busy = time.perf_counter()
        if isinstance(pose, tuple) and pose and pose[0] == "estimate":
            pose = pose[1].estimate(pose[2])
        step = analyzer.update(t_s, index, pose)  # type: ignore[arg-type]
        for event in step.events:
            if isinstance(event, RepEvent):
                result.rep_end_due[t_s] = due
            elif isinstance(event, CueEvent):
                result.cues += 1
                if worker is not None:
                    said_at = time.monotonic()
                    worker.say(event.cue)
                    if t_s in result.rep_end_due:
                        result.say_delays_s.append(said_at - due)
        busy = time.perf_counter() - t_busy
        result.frame_busy_s.append(busy)
        if worker is not None:
            (result.busy_while_speaking_s if speaking else result.busy_while_silent_s).append(busy)
        result.busy_s += busy
        result.frames += 1
    result.wall_s = time.monotonic() - started
    result.reps = analyzer.reps
    if worker is not None:
        worker.wait_idle(5.0)
        worker.stop(1.0)
        result.speech_child_cpu_s = _children_cpu() - children_cpu0
        stats = worker.stats()
        result.spoken = stats.spoken
        result.dropped = {"stale": stats.stale, "superseded": stats.superseded, "yielded": stats.yielded,
                          "failed": stats.failed}
        for spoken in worker.spoken:
            due = result.rep_end_due.get(spoken.cue.t_s)
            if due is not None and spoken.started_monotonic_s is not None:
                result.delays_s.append(spoken.started_monotonic_s - due)
        result.backend = worker.backend_name
    return result


# -- unpaced pass with the speech thread kept busy -----------------------------------------------
def run_unpaced(frames: List[Tuple[int, float, Optional[PoseFrame]]], config: Config,
                speech_chain: Optional[list], min_seconds: float) -> Tuple[float, int]:
    """Frames per second of the logic as fast as it runs; with speech, the worker is kept
    talking all the time (a filler cue whenever it falls idle). Returns (fps, utterances)."""

    now_t = [0.0]
    worker = None
    if speech_chain is not None:
        worker = SpeechWorker(config.speech, backends=speech_chain, clock=lambda: now_t[0], notify=None).start()
        worker.wait_ready(config.speech.probe_timeout_s * 3)
    filler_text = "Keep one straight line from your head to your heels"
    count = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < min_seconds:  # replay the clips until long enough
        analyzer = SessionAnalyzer(config, cue_policy=CuePolicy(config))
        for index, t_s, pose in frames:
            now_t[0] = t_s
            step = analyzer.update(t_s, index, pose)
            if worker is not None:
                for event in step.events:
                    if isinstance(event, CueEvent):
                        worker.say(event.cue)
                if worker.state is WorkerState.IDLE:
                    worker.say(Cue(t_s=t_s, key="filler", text=filler_text, kind=CueKind.ANNOUNCEMENT,
                                   priority=1))
            count += 1
    elapsed = time.perf_counter() - t0
    utterances = 0
    if worker is not None:
        worker.stop(1.0)
        utterances = len(worker.spoken)
    return count / elapsed, utterances


def make_chain(config: Config, backend: str, sink: str) -> list:
    return backend_chain(speech_config_with(config.speech, backend=backend), sink=sink)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.speech_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("recordings", nargs="+", type=Path, metavar="REC", help="landmark recordings (.jsonl[.gz])")
    parser.add_argument("--backend", default="espeak-ng", choices=("espeak-ng", "pyttsx3", "say", "auto"))
    parser.add_argument("--sink", default="null", choices=("null", "device"),
                        help="where espeak-ng/pyttsx3 audio goes: null = consumed at real-time speed (no sound card)")
    parser.add_argument("--video-dir", type=Path, metavar="DIR",
                        help="run MediaPipe on each recording's source video from DIR instead of replaying landmarks")
    parser.add_argument("--count-every", type=int, default=1, help="count reps aloud every N reps (default 1)")
    parser.add_argument("--unpaced-seconds", type=float, default=8.0,
                        help="length of each unpaced pass (3 per mode, alternating; 0 = skip)")
    parser.add_argument("--config", type=Path, metavar="FILE")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    try:
        config = load_config(args.config)
    except Exception as exc:  # noqa: BLE001 - one line for the user
        print(f"speech_bench: error: {exc}", file=sys.stderr)
        return 1
    config = dataclasses.replace(config, cues=dataclasses.replace(config.cues, count_every=args.count_every))
    chain = make_chain(config, args.backend, args.sink)

    runs: List[RunResult] = []
    clips_frames = []
    load_before = _load()
    for number, path in enumerate(args.recordings):
        try:
            source, frames = _recorded_frames(path)
        except Exception as exc:  # noqa: BLE001
            print(f"speech_bench: error: {path}: {exc}", file=sys.stderr)
            return 1
        clips_frames.append(frames)
        video = args.video_dir / source if args.video_dir else None
        if video is not None and not video.is_file():
            print(f"speech_bench: error: {video} not found", file=sys.stderr)
            return 1
        for speech_on in ((False, True) if number % 2 == 0 else (True, False)):  # spread drift over both
            frame_iter = _paced_video(video, config) if video else _paced_recording(frames)
            result = run_paced(path.name, frame_iter, config, chain if speech_on else None)
            runs.append(result)
            if speech_on and result.backend == "text":
                print(f"speech_bench: error: no {args.backend} speech here (text only); "
                      f"install espeak-ng or pick --backend", file=sys.stderr)
                return 1
            label = "on " if speech_on else "off"
            extra = ""
            if speech_on:
                extra = (f", {result.cues} cues, {result.spoken} spoken via {result.backend}, "
                         f"latency p50 {_ms(_percentile(result.delays_s, 50))} p95 "
                         f"{_ms(_percentile(result.delays_s, 95))} (n={len(result.delays_s)}), dropped {result.dropped}")
            print(f"{path.name:45s} speech {label}: {result.frames} frames in {result.wall_s:5.1f} s, "
                  f"{result.reps} reps, busy {1000 * result.busy_s / max(result.frames, 1):.2f} ms/frame{extra}",
                  flush=True)

    on = [r for r in runs if r.speech]
    off = [r for r in runs if not r.speech]
    delays = [d for r in on for d in r.delays_s]
    say_delays = [d for r in on for d in r.say_delays_s]
    frames_on = sum(r.frames for r in on)
    frames_off = sum(r.frames for r in off)
    cap_on = frames_on / max(sum(r.busy_s for r in on), 1e-9)
    cap_off = frames_off / max(sum(r.busy_s for r in off), 1e-9)
    busy_on = [b for r in on for b in r.frame_busy_s]
    busy_off = [b for r in off for b in r.frame_busy_s]
    speaking = [b for r in on for b in r.busy_while_speaking_s]
    silent = [b for r in on for b in r.busy_while_silent_s]
    summary = {
        "backend": on[0].backend if on else "",
        "sink": args.sink,
        "pose": "mediapipe on video" if args.video_dir else "recorded landmarks",
        "clips": len(args.recordings),
        "rep_end_cues_spoken": len(delays),
        "latency_ms": {"p50": 1000 * _percentile(delays, 50), "p95": 1000 * _percentile(delays, 95),
                       "max": 1000 * max(delays) if delays else float("nan")},
        "frame_to_say_ms": {"p50": 1000 * _percentile(say_delays, 50), "p95": 1000 * _percentile(say_delays, 95)},
        "paced_processing_fps": {"off": cap_off, "on": cap_on, "on_over_off": cap_on / cap_off},
        "paced_frame_ms": {"off_p50": 1000 * _percentile(busy_off, 50), "on_p50": 1000 * _percentile(busy_on, 50),
                           "off_p95": 1000 * _percentile(busy_off, 95), "on_p95": 1000 * _percentile(busy_on, 95)},
        "same_run_frame_ms": {"while_speaking_p50": 1000 * _percentile(speaking, 50),
                              "while_silent_p50": 1000 * _percentile(silent, 50),
                              "while_speaking_mean": 1000 * _mean(speaking),
                              "while_silent_mean": 1000 * _mean(silent),
                              "frames_while_speaking": len(speaking), "frames_while_silent": len(silent),
                              "silent_over_speaking_mean": _mean(silent) / max(_mean(speaking), 1e-12)},
        "speech_subprocess_cpu_s": sum(r.speech_child_cpu_s for r in on),
        "speech_wall_s": sum(r.wall_s for r in on),
        "load_average_1min": {"before": load_before, "after": _load()},
        "dropped": {k: sum(r.dropped.get(k, 0) for r in on) for k in ("stale", "superseded", "yielded", "failed")},
    }
    if args.unpaced_seconds > 0:
        all_frames = [f for frames in clips_frames for f in frames]
        offs, ons, utter = [], [], 0
        for _ in range(3):  # alternate to spread machine noise over both modes
            offs.append(run_unpaced(all_frames, config, None, args.unpaced_seconds)[0])
            fps_on, n = run_unpaced(all_frames, config, chain, args.unpaced_seconds)
            ons.append(fps_on)
            utter += n
        summary["unpaced_fps"] = {"off": statistics.median(offs), "on": statistics.median(ons),
                                  "on_over_off": statistics.median(ons) / statistics.median(offs),
                                  "utterances": utter}
    print()
    print(f"cue latency (rep-end frame due -> backend speaking), {summary['backend']} -> {args.sink} sink, "
          f"{summary['pose']}: p50 {summary['latency_ms']['p50']:.0f} ms, p95 {summary['latency_ms']['p95']:.0f} ms, "
          f"max {summary['latency_ms']['max']:.0f} ms over {len(delays)} cues "
          f"(target p95 <= 250 ms: {'PASS' if summary['latency_ms']['p95'] <= 250 else 'FAIL'})")
    print(f"  of which frame due -> say(): p50 {summary['frame_to_say_ms']['p50']:.1f} ms, "
          f"p95 {summary['frame_to_say_ms']['p95']:.1f} ms")
    p = summary["paced_processing_fps"]
    print(f"paced frame processing: {p['off']:.0f} fps off, {p['on']:.0f} fps on, ratio {p['on_over_off']:.3f} "
          f"(per frame p50 {summary['paced_frame_ms']['off_p50']:.2f} vs {summary['paced_frame_ms']['on_p50']:.2f} ms) "
          f"(target >= 0.97: {'PASS' if p['on_over_off'] >= 0.97 else 'FAIL'})")
    q = summary["same_run_frame_ms"]
    print(f"same run, frames processed while an utterance plays vs between utterances: mean "
          f"{q['while_speaking_mean']:.2f} vs {q['while_silent_mean']:.2f} ms (p50 {q['while_speaking_p50']:.2f} vs "
          f"{q['while_silent_p50']:.2f} ms; {q['frames_while_speaking']} vs {q['frames_while_silent']} frames): "
          f"throughput ratio {q['silent_over_speaking_mean']:.3f}")
    print(f"speech subprocesses used {summary['speech_subprocess_cpu_s']:.2f} s CPU over "
          f"{summary['speech_wall_s']:.0f} s of session "
          f"({100 * summary['speech_subprocess_cpu_s'] / max(summary['speech_wall_s'], 1e-9):.2f} % of one core)")
    if "unpaced_fps" in summary:
        u = summary["unpaced_fps"]
        print(f"unpaced, speech talking all the time: {u['off']:.0f} fps off, {u['on']:.0f} fps on, "
              f"ratio {u['on_over_off']:.3f} ({u['utterances']} utterances)")
    print(f"cues dropped by the speech thread: {summary['dropped']}; machine load average "
          f"{summary['load_average_1min']['before']:.1f} -> {summary['load_average_1min']['after']:.1f} "
          f"(other work on this machine makes the figures noisy)")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - Windows
        return float("nan")


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _ms(seconds: float) -> str:
    return "n/a" if seconds != seconds else f"{1000 * seconds:.0f} ms"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
