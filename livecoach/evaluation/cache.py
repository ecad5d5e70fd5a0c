"""The landmark cache of ``livecoach eval`` and the extraction that fills it.

A clip's landmarks are cached under a key made of the video's content hash, the pose
settings and the inference width. On a miss the pose model runs on *every* frame (decoded
by the capture module's every-frame video source, as ``livecoach analyze`` does) and the
landmarks are recorded with :class:`~livecoach.formats.recording.LandmarkWriter`, in worker
processes when several clips miss. Progress is logged clip by clip.

For ``--augment``'s image transforms the same extraction runs on transformed frames; those
landmarks are cached beside the clip's own, keyed by clip and transform.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from livecoach.config.schema import Config, PoseConfig, config_as_dict
from livecoach.evaluation.augment import IMAGE, TEMPO_BLUR, Augmentation, tempo_copies
from livecoach.evaluation.manifest import ClipSpec
from livecoach.formats.recording import SCHEMA_VERSION, LandmarkWriter, RecordingHeader, read_recording

__all__ = ["file_sha256", "cache_key", "augmented_cache_key", "cache_path", "extract_landmarks", "run_extraction_jobs",
           "ensure_landmarks", "remove_stale_temporaries"]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_LIVE_ONLY_POSE_SETTINGS = ("fallback_model_complexity", "pipeline_switch_interval_s", "model_in_own_process",
                            "model_frames_in_flight")


def cache_key(video_sha256: str, config: Config) -> str:
    """What the recorded landmarks depend on: the video bytes, the pose settings, the width."""
    pose = dict(config_as_dict(config)["pose"])
    # Settings of the live loop only (which model a session falls back to when it drops frames,
    # the thread switch interval of the pipelined loop, where the model runs: identical poses)
    # do not change the landmarks extracted here: left out, so adding them did not invalidate every cached recording.
    for live_only in _LIVE_ONLY_POSE_SETTINGS:
        pose.pop(live_only, None)
    if not pose.get("low_light_below_luma"):  # no frame is brightened, so not smoothed either
        pose.pop("low_light_blur_px", None)
    if pose.get("low_light_blur_px", 1) <= 1:  # no frame is smoothed (popped above: none brightened)
        pose.pop("low_light_edge_contrast", None)
    if not pose.get("low_contrast_below_spread"):  # no frame is stretched: the key as before the setting
        for setting in ("low_contrast_below_spread", "low_contrast_target_spread", "low_contrast_max_gain"):
            pose.pop(setting, None)
    settings = {"pose": pose,
                "inference_max_width": config.capture.inference_max_width,
                "recording_schema": SCHEMA_VERSION}
    blob = video_sha256 + json.dumps(settings, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def augmented_cache_key(key: str, augmentation: Optional[Augmentation]) -> str:
    """``key`` (see :func:`cache_key`) for the clip's frames after ``augmentation`` (None: itself)."""
    if augmentation is None:
        return key
    blob = key + json.dumps({"augmentation": augmentation.name, "params": list(augmentation.params)},
                            sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def cache_path(cache_dir: Path, clip: ClipSpec, key: str, augmentation: Optional[Augmentation] = None) -> Path:
    """The cache file of ``clip``'s landmarks (of its frames after ``augmentation``, if given)."""
    name = clip.file if augmentation is None else f"{clip.file}@{augmentation.name}"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    return cache_dir / f"{stem}.{augmented_cache_key(key, augmentation)}.jsonl.gz"


def extract_landmarks(video: Path, out_path: Path, pose_config: PoseConfig, max_width: int,
                      augmentation: Optional[Augmentation] = None, guide: Optional[Path] = None) -> int:
    """Run the pose model on every frame of ``video`` (after ``augmentation``, if given: frames
    dropped or repeated for a tempo, pixels changed for an image transform), record the
    landmarks to ``out_path``; returns the number of frames recorded. A blurred tempo
    (``tempo-blur``) gives the model each output frame as the mean of the source frames it spans.
    ``guide``: the clip's own recorded landmarks, for a transform placed on the person
    (``augmentation.guided``; a frame without a pose there takes the last one before it).

    Decoding goes through the capture module's every-frame video source (the same code as
    ``livecoach analyze``); the recording is written to a temporary name and renamed, so an
    interrupted run never leaves a half file in the cache.
    """
    from livecoach.capture.video_file import VideoFileSource  # adapter modules: cv2 and mediapipe stay out of here
    from livecoach.capture.pose import MediaPipePoseEstimator
    from livecoach.evaluation.image_transforms import Exposure, apply_image_transform  # cv2

    tmp = out_path.with_name(out_path.name + f".{os.getpid()}.tmp.gz")
    guide_poses = {} if guide is None else {r.frame_index: r.pose for r in read_recording(guide)[1]
                                            if r.pose is not None}
    source = VideoFileSource(video)
    frames = 0
    person = None  # the guide's pose of the latest source frame that had one
    speed = augmentation.speed if augmentation is not None else 1.0
    exposure = Exposure() if augmentation is not None and augmentation.kind == TEMPO_BLUR else None
    try:
        source.open()
        fps = float(source.fps)
        header = RecordingHeader(source=video.name, width=int(source.width), height=int(source.height), fps=fps)
        with MediaPipePoseEstimator(pose_config, max_width=max_width) as estimator, \
                LandmarkWriter(tmp, header) as writer:
            source_index, started, t0 = 0, 0, None
            while True:
                frame = source.read()
                if frame is None:
                    break
                t0 = frame.t_s if t0 is None else t0
                person = guide_poses.get(frame.index, person)
                outputs = [frame]
                if speed != 1.0:  # same fps, frames dropped or repeated: re-stamped j, t0 + j / fps
                    copies = tempo_copies(source_index, started, speed)
                    outputs = [dataclasses.replace(frame, index=started + k, t_s=t0 + (started + k) / fps)
                               for k in range(copies)]
                started += len(outputs)
                source_index += 1
                if exposure is not None:  # an output frame is finished when the next one starts
                    outputs = exposure.add(frame.image, outputs)
                for out in outputs:
                    if augmentation is not None and augmentation.kind == IMAGE:
                        out = dataclasses.replace(out, image=apply_image_transform(augmentation, out.image,
                                                                                   out.index, person))
                    writer.write(out.index, out.t_s, estimator.estimate(out))
                    frames += 1
            for out in exposure.flush() if exposure is not None else ():
                writer.write(out.index, out.t_s, estimator.estimate(out))
                frames += 1
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(tmp, out_path)
    return frames


def extract_landmarks_chunked(video: Path, out_path: Path, pose_config: PoseConfig, max_width: int,
                              workers: int) -> int:
    """:func:`extract_landmarks` of one clip by ``workers`` processes over chunks of it (the
    path ``livecoach analyze --jobs`` takes); the same recording format, frame indices and times."""
    from livecoach.capture.parallel import extract_landmarks_parallel  # adapter modules: cv2, mediapipe
    from livecoach.capture.video_file import VideoFileSource

    with VideoFileSource(video) as source:
        fps = float(source.fps)
        header = RecordingHeader(source=video.name, width=int(source.width), height=int(source.height), fps=fps)
    poses = extract_landmarks_parallel(video, pose_config, workers=workers, max_width=max_width)
    tmp = out_path.with_name(out_path.name + f".{os.getpid()}.tmp.gz")
    try:
        with LandmarkWriter(tmp, header) as writer:
            for index, pose in enumerate(poses):
                # The video source stamps frame i at i / fps: a frame without a pose keeps that time.
                writer.write(index, pose.t_s if pose is not None else index / fps, pose)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out_path)
    return len(poses)


#: One extraction job: (position in the run, video, output, pose settings, inference width,
#: image transform or None, the clip's own recording for a guided transform or None).
ExtractJob = Tuple[int, str, str, PoseConfig, int, Optional[Augmentation], Optional[str]]
#: What a job reports back: (position, error line or None, frames, seconds).
ExtractOutcome = Tuple[int, Optional[str], int, float]


def _extract_job(job: ExtractJob) -> ExtractOutcome:
    """Worker-process entry: one clip's extraction, reported as an :data:`ExtractOutcome`.

    The parent's resolved settings travel with the job (a worker never re-reads config
    files, so every clip of a run is extracted with the same settings as its cache key).
    """
    position, video, out, pose_config, max_width, augmentation, guide = job
    started = time.monotonic()
    try:
        frames = extract_landmarks(Path(video), Path(out), pose_config, max_width, augmentation,
                                   Path(guide) if guide else None)
        return position, None, frames, time.monotonic() - started
    except Exception as exc:  # reported per clip; one bad video must not stop the run
        return position, f"{type(exc).__name__}: {exc}".splitlines()[0], 0, time.monotonic() - started


def run_extraction_jobs(work: Sequence[ExtractJob], names: Sequence[str], jobs: int,
                        log: Callable[[str], None]) -> Dict[int, ExtractOutcome]:
    """Run ``work`` (in ``jobs`` spawned processes when there is more than one job), logging
    one line per finished clip: its place, name, frames, its time and the run's elapsed time."""
    started = time.monotonic()
    outcomes: Dict[int, ExtractOutcome] = {}

    def report(outcome: ExtractOutcome) -> None:
        position, error, frames, seconds = outcome
        outcomes[position] = outcome
        done = f"{frames} frames in {seconds:.0f} s" if error is None else f"failed: {error}"
        log(f"  clip {len(outcomes)} of {len(work)}: {names[position]}: {done} "
            f"({time.monotonic() - started:.0f} s elapsed)")

    if jobs > 1 and len(work) > 1:
        with multiprocessing.get_context("spawn").Pool(min(jobs, len(work))) as pool:
            for outcome in pool.imap_unordered(_extract_job, work, chunksize=1):
                report(outcome)
    else:
        for job in work:
            report(_extract_job(job))
    return outcomes


def _run_chunked(work: Sequence[ExtractJob], names: Sequence[str], jobs: int,
                 log: Callable[[str], None]) -> Dict[int, ExtractOutcome]:
    outcomes: Dict[int, ExtractOutcome] = {}
    for position, video, out, pose_config, max_width, _, _ in work:
        started = time.monotonic()
        try:
            frames = extract_landmarks_chunked(Path(video), Path(out), pose_config, max_width, jobs)
            outcomes[position] = (position, None, frames, time.monotonic() - started)
            log(f"  clip {len(outcomes)} of {len(work)}: {names[position]}: {frames} frames in "
                f"{time.monotonic() - started:.0f} s ({jobs} processes over chunks of it)")
        except Exception as exc:  # noqa: BLE001 - reported per clip, like the pool's jobs
            outcomes[position] = (position, f"{type(exc).__name__}: {exc}".splitlines()[0], 0,
                                  time.monotonic() - started)
            log(f"  clip {len(outcomes)} of {len(work)}: {names[position]}: failed: {outcomes[position][1]}")
    return outcomes


#: A recording being written: ``<name>.<pid of the writing process>.tmp.gz``.
_TEMPORARY = re.compile(r"\.(\d+)\.tmp\.gz$")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale_temporaries(cache_dir: Path) -> int:
    """Delete the half-written recordings in ``cache_dir`` whose writing process no longer runs (a
    run killed with SIGKILL, or the machine lost power, cannot delete its own); a run still going
    keeps its files. Returns how many were deleted."""
    removed = 0
    for path in cache_dir.glob("*.tmp.gz"):
        match = _TEMPORARY.search(path.name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:  # another run removed it first
            pass
    return removed


def ensure_landmarks(clips: Sequence[ClipSpec], config: Config, cache_dir: Path, jobs: int = 2,
                     seed_dir: Optional[Path] = None, log: Callable[[str], None] = print,
                     augmentation: Optional[Augmentation] = None,
                     guides: Optional[Dict[str, Tuple[Optional[Path], Optional[str]]]] = None,
                     ) -> Dict[str, Tuple[Optional[Path], Optional[str]]]:
    """For each clip (by its ``file``), the cached recording's path (extracting misses) or an
    error line. With an image ``augmentation``, the landmarks of the transformed frames; a guided
    one (``augmentation.guided``) places its change from the clip's own recording in ``guides``
    (this function's result without an augmentation). Half-written recordings that a killed run
    left behind are deleted first."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    stale = remove_stale_temporaries(cache_dir)
    if stale:
        log(f"deleted {stale} half-written landmark recording(s) left by a run that was killed")
    result: Dict[str, Tuple[Optional[Path], Optional[str]]] = {}
    misses: List[Tuple[ClipSpec, Path]] = []
    for clip in clips:
        if not clip.path.is_file():
            result[clip.file] = (None, f"video not found: {clip.path}")
            continue
        path = cache_path(cache_dir, clip, cache_key(file_sha256(clip.path), config), augmentation)
        if path.is_file():
            result[clip.file] = (path, None)
            continue
        seed = (seed_dir / (clip.file + ".jsonl.gz")) if seed_dir and augmentation is None else None
        if seed is not None and seed.is_file():
            shutil.copyfile(seed, path)
            result[clip.file] = (path, None)
            continue
        if augmentation is not None and augmentation.guided:
            guide, why = (guides or {}).get(clip.file, (None, "its own landmarks were not extracted"))
            if guide is None:
                result[clip.file] = (None, f"{augmentation.name} needs the clip's own landmarks: {why}")
                continue
        misses.append((clip, path))
    if misses:
        what = "" if augmentation is None else f" ({augmentation.name}: {augmentation.description})"
        log(f"extracting landmarks of {len(misses)} clip(s){what} with {min(jobs, len(misses))} process(es)...")
        width = config.capture.inference_max_width
        work = [(i, str(c.path), str(p), config.pose, width, augmentation,
                 str(guides[c.file][0]) if augmentation is not None and augmentation.guided and guides else None)
                for i, (c, p) in enumerate(misses)]
        started = time.monotonic()
        if jobs > 1 and len(misses) < jobs and augmentation is None:
            # Fewer clips than processes: each clip is split over all of them instead.
            outcomes = _run_chunked(work, [c.file for c, _ in misses], jobs, log)
        else:
            outcomes = run_extraction_jobs(work, [c.file for c, _ in misses], jobs, log)
        for i, (clip, path) in enumerate(misses):
            error = outcomes[i][1]
            result[clip.file] = (None, error) if error else (path, None)
        log(f"extracted in {time.monotonic() - started:.0f} s")
    return result
