"""Tempo-scaled landmark recordings: a label-preserving transform for the rep counter.

A recording played ``factor`` times faster at the same frame rate: output frame ``j`` is the
source frame ``floor(j * factor)`` at time ``t0 + j / fps`` (``factor`` 2 keeps every second
frame, 1.5 drops every third, 0.5 shows each frame twice). The count of a clip is unchanged;
its times are divided by ``factor``.

Run as a script for the tempo table over the labelled clips' cached landmarks::

    PYTHONPATH=. python tests/logic/tempo.py [--manifest ../shared/videos/manifest.json]
        [--cache /work/cache/landmarks] [--tempos 0.5 1 1.5 2 2.5]
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from livecoach.config.schema import Config, load_config
from livecoach.formats.recording import RecordedFrame, read_recording
from livecoach.logic.analysis import SessionAnalyzer

TEMPOS = (0.5, 1.0, 1.5, 2.0, 2.5)


def tempo_scaled(frames: Sequence[RecordedFrame], fps: float, factor: float) -> List[RecordedFrame]:
    """``frames`` (a recording at ``fps``) played ``factor`` times faster at the same fps."""
    if factor <= 0 or not frames:
        raise ValueError("factor must be > 0 and the recording not empty")
    t0 = frames[0].t_s
    out: List[RecordedFrame] = []
    j = 0
    while True:
        src = int(math.floor(j * factor + 1e-9))
        if src >= len(frames):
            return out
        t = t0 + j / fps
        pose = frames[src].pose
        if pose is not None:
            pose = dataclasses.replace(pose, t_s=t, frame_index=j)
        out.append(RecordedFrame(frame_index=j, t_s=t, pose=pose))
        j += 1


def count_cycles(frames: Iterable[RecordedFrame], config: Config, variant: str = "standard") -> int:
    """Rep cycles (reps and no-reps: what the labels count) found by the session logic (with the
    real fault rules) over ``frames``."""
    analyzer = SessionAnalyzer(config, variant=variant)
    for fr in frames:
        analyzer.update(fr.t_s, fr.frame_index, fr.pose)
    return analyzer.reps + analyzer.no_reps


def cached_recording(cache: Path, clip_file: str) -> Optional[Path]:
    """The cached landmark recording of ``clip_file`` (``<file>.<key>.jsonl.gz``), if any."""
    found = sorted(p for p in cache.glob(f"{clip_file}.*.jsonl.gz") if ".tmp" not in p.name)
    return found[0] if found else None


def tempo_table(manifest: Path, cache: Path, tempos: Sequence[float], config: Config) -> Dict[str, object]:
    """Counts, MAE and OBO per tempo over the manifest's labelled clips with a cached recording."""
    from livecoach.evaluation.harness import count_metrics, load_manifest

    clips = [c for c in load_manifest(manifest) if c.kind == "detailed"]
    rows: List[Tuple[str, int, int, List[int]]] = []
    pairs: Dict[float, list] = {t: [] for t in tempos}
    for clip in clips:
        path = cached_recording(cache, clip.file)
        if path is None:
            continue
        header, frames = read_recording(path)
        counts = []
        for t in tempos:
            n = count_cycles(tempo_scaled(frames, header.fps, t), config, clip.variant)
            counts.append(n)
            pairs[t].append((n, clip))
        rows.append((clip.file, clip.count_min, clip.count_max, counts))
    return {"rows": rows, "metrics": {t: count_metrics(pairs[t]) for t in tempos}}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="count per tempo over cached labelled clips")
    parser.add_argument("--manifest", type=Path, default=Path("../shared/videos/manifest.json"))
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/landmarks"))
    parser.add_argument("--tempos", type=float, nargs="+", default=list(TEMPOS))
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args(argv)
    table = tempo_table(args.manifest, args.cache, args.tempos, load_config(args.config))
    head = "".join(f"{t:>6g}x" for t in args.tempos)
    print(f"{'clip':40s} {'label':>7s} {head}")
    for file, lo, hi, counts in table["rows"]:  # type: ignore[union-attr]
        label = f"{lo}" if lo == hi else f"{lo}-{hi}"
        cells = "".join(f"{n:>6d}{'*' if not lo <= n <= hi else ' '}" for n in counts)
        print(f"{file:40s} {label:>7s} {cells}")
    metrics = table["metrics"]
    print(f"{'MAE':48s} " + "".join(f"{metrics[t]['mae']:>7.3f}" for t in args.tempos))  # type: ignore[index]
    print(f"{'OBO':48s} " + "".join(f"{metrics[t]['obo'] * 100:>6.0f}%" for t in args.tempos))  # type: ignore[index]
    print(f"{'exact':48s} " + "".join(f"{metrics[t]['exact'] * 100:>6.0f}%" for t in args.tempos))  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
