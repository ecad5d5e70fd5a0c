"""One ``livecoach eval`` run: manifest -> cached landmarks -> replay -> metrics -> reports.

With ``augment`` every clip is also scored under each label-preserving transform of
:mod:`livecoach.evaluation.augment`: tempo transforms resample the cached landmark stream;
tempo-model and image transforms run the pose model on transformed frames (cached per clip
and transform).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from livecoach.config.schema import Config
from livecoach.evaluation.augment import LANDMARK_KINDS, Augmentation, transform_clip
from livecoach.evaluation.cache import ensure_landmarks
from livecoach.evaluation.generalisation import generalisation_summary, robustness_summary
from livecoach.evaluation.manifest import ClipSpec, EvalError, load_manifest
from livecoach.evaluation.replay import ClipResult, replay_frames
from livecoach.evaluation.report import render_markdown, summarise
from livecoach.evaluation.stream_transforms import transformed_stream
from livecoach.formats.recording import RecordingError, read_recording

__all__ = ["run_eval", "replay_all"]

Recordings = Dict[str, Tuple[Optional[Path], Optional[str]]]


def _replay_one(clip: ClipSpec, path: Optional[Path], error: Optional[str], config: Config,
                augmentation: Optional[Augmentation]) -> ClipResult:
    """``clip`` replayed from its recording (transformed for a landmark-kind ``augmentation``);
    an unreadable recording or a pipeline bug becomes the result's one-line error."""
    if error or path is None:
        return ClipResult(clip.file, clip.kind, clip.variant, error=error or "no landmarks")
    try:
        header, frames = read_recording(path)
        frames, fps = transformed_stream(frames, augmentation, header.fps, config)
        return replay_frames(frames, config, clip.variant, fps, clip.file, clip.kind)
    except RecordingError as exc:
        return ClipResult(clip.file, clip.kind, clip.variant, error=str(exc))
    except Exception as exc:  # a pipeline bug on one clip: report it with the others, keep going
        message = f"{type(exc).__name__} while replaying: {exc}".splitlines()[0]
        return ClipResult(clip.file, clip.kind, clip.variant, error=message)


def replay_all(clips: Sequence[ClipSpec], recordings: Recordings, config: Config,
               augmentation: Optional[Augmentation] = None) -> Tuple[List[ClipSpec], Dict[str, ClipResult]]:
    """Every clip replayed; with ``augmentation``, the transformed clips (labels transformed,
    ``file`` suffixed ``@name``) and their results. ``recordings`` are keyed by the original file."""
    specs: List[ClipSpec] = []
    results: Dict[str, ClipResult] = {}
    for clip in clips:
        spec = clip if augmentation is None else transform_clip(clip, augmentation)
        path, error = recordings[clip.file]
        specs.append(spec)
        results[spec.file] = _replay_one(spec, path, error, config, augmentation)
    return specs, results


def run_augmentations(clips: Sequence[ClipSpec], recordings: Recordings, config: Config, cache: Path,
                      augmentations: Sequence[Augmentation], jobs: int = 2,
                      log: Callable[[str], None] = print) -> Dict[str, Any]:
    """Each augmentation's scores over ``clips`` (see :func:`robustness_summary`)."""
    out: Dict[str, Any] = {}
    for augmentation in augmentations:
        started = time.monotonic()
        if augmentation.kind in LANDMARK_KINDS:
            source = recordings
        else:
            source = ensure_landmarks(clips, config, cache, jobs=jobs, log=log, augmentation=augmentation,
                                      guides=recordings)
        specs, results = replay_all(clips, source, config, augmentation)
        out[augmentation.name] = robustness_summary([(c, results[c.file]) for c in specs], config, augmentation)
        log(f"augment {augmentation.name}: {len(specs)} clip(s) scored in {time.monotonic() - started:.0f} s")
    return out


def run_eval(manifest: Path, config: Config, out_dir: Optional[Path] = None, cache_dir: Optional[Path] = None,
             jobs: int = 2, only: Optional[Sequence[str]] = None, seed_dir: Optional[Path] = None,
             log: Callable[[str], None] = print, augment: Sequence[Augmentation] = ()) -> Dict[str, Any]:
    """The whole evaluation; returns the summary (also written to ``out_dir`` if given)."""
    clips = load_manifest(manifest)
    if only:
        wanted = set(only)
        clips = [c for c in clips if c.file in wanted or Path(c.file).name in wanted
                 or Path(c.file).stem in wanted]
        if not clips:
            raise EvalError(f"--only matched no clip of {manifest}")
    cache = Path(os.path.expanduser(str(cache_dir or config.eval.cache_dir)))
    recordings = ensure_landmarks(clips, config, cache, jobs=jobs, seed_dir=seed_dir, log=log)
    _, results = replay_all(clips, recordings, config)
    summary = summarise(clips, results, config)
    summary["manifest"] = str(manifest)
    items = [(c, results[c.file]) for c in clips]
    summary.update(generalisation_summary(items, config))
    if augment:
        summary["augment"] = {"original": robustness_summary(items, config, None),
                              **run_augmentations(clips, recordings, config, cache, augment, jobs, log)}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "eval.json").write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
        (out_dir / "eval.md").write_text(render_markdown(summary, str(manifest)), encoding="utf-8")
    return summary
