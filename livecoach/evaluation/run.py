"""One ``livecoach eval`` run: manifest -> cached landmarks -> replay -> metrics -> reports."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from livecoach.config.schema import Config
from livecoach.evaluation.cache import ensure_landmarks
from livecoach.evaluation.manifest import EvalError, load_manifest
from livecoach.evaluation.replay import ClipResult, replay_clip
from livecoach.evaluation.report import render_markdown, summarise
from livecoach.formats.recording import RecordingError

__all__ = ["run_eval"]


def run_eval(manifest: Path, config: Config, out_dir: Optional[Path] = None, cache_dir: Optional[Path] = None,
             jobs: int = 2, only: Optional[Sequence[str]] = None, seed_dir: Optional[Path] = None,
             log=print) -> Dict[str, Any]:
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
    results: Dict[str, ClipResult] = {}
    for clip in clips:
        path, error = recordings[clip.file]
        if error or path is None:
            results[clip.file] = ClipResult(clip.file, clip.kind, clip.variant, error=error or "no landmarks")
            continue
        try:
            results[clip.file] = replay_clip(clip, path, config)
        except RecordingError as exc:
            results[clip.file] = ClipResult(clip.file, clip.kind, clip.variant, error=str(exc))
        except Exception as exc:  # a pipeline bug on one clip: report it with the others, keep going
            message = f"{type(exc).__name__} while replaying: {exc}".splitlines()[0]
            results[clip.file] = ClipResult(clip.file, clip.kind, clip.variant, error=message)
    summary = summarise(clips, results, config)
    summary["manifest"] = str(manifest)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "eval.json").write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
        (out_dir / "eval.md").write_text(render_markdown(summary, str(manifest)), encoding="utf-8")
    return summary
