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
import json
import math
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from livecoach.config.schema import Config, load_config
from livecoach.evaluation.stream_transforms import tempo_frames
from livecoach.formats.recording import RecordedFrame, read_recording
from livecoach.logic.analysis import SessionAnalyzer

TEMPOS = (0.5, 1.0, 1.5, 2.0, 2.5)

#: A push-up cannot be much faster than this (a full-depth descent cannot beat free fall: 25 cm
#: in 0.23 s). A clip sped up past it shows no human movement; the table marks those cells.
FASTEST_PLAUSIBLE_REP_S = 0.35


def tempo_scaled(frames: Sequence[RecordedFrame], fps: float, factor: float) -> List[RecordedFrame]:
    """``frames`` (a recording at ``fps``) played ``factor`` times faster at the same fps: the
    eval's own tempo transform (:func:`livecoach.evaluation.augment.tempo_frames`)."""
    if factor <= 0 or not frames:
        raise ValueError("factor must be > 0 and the recording not empty")
    return tempo_frames(frames, factor, fps)


def slowed_smoothly(frames: Sequence[RecordedFrame], fps: float, factor: float) -> List[RecordedFrame]:
    """``frames`` played ``factor`` (< 1) times as fast at the same fps, each new frame's landmarks
    interpolated between the two recorded frames around it (a slow mover, where
    :func:`tempo_scaled` would repeat frames and stand still between them). Where either
    neighbour has no pose, the nearer one's is kept (a gap stays a gap)."""
    if not 0 < factor <= 1 or len(frames) < 2:
        raise ValueError("factor must be in (0, 1] and the recording hold 2 frames or more")
    t0 = frames[0].t_s
    out: List[RecordedFrame] = []
    j = 0
    while True:
        x = j * factor
        i = int(math.floor(x + 1e-9))
        if i >= len(frames) - 1:
            return out
        a, b, w = frames[i].pose, frames[i + 1].pose, x - i
        t = t0 + j / fps
        if a is None or b is None:
            near = a if w < 0.5 else b
            pose = None if near is None else dataclasses.replace(near, t_s=t, frame_index=j)
        else:
            pose = dataclasses.replace(a, t_s=t, frame_index=j, image_xyz=(1 - w) * a.image_xyz + w * b.image_xyz,
                                       visibility=(1 - w) * a.visibility + w * b.visibility,
                                       world_xyz=(1 - w) * a.world_xyz + w * b.world_xyz)
        out.append(RecordedFrame(frame_index=j, t_s=t, pose=pose))
        j += 1


def looped(frames: Sequence[RecordedFrame], fps: float, t_from: float, t_to: float, times: int) -> List[RecordedFrame]:
    """The frames from ``t_from`` to ``t_to`` (top to top of the same reps) played ``times`` times
    back to back at ``fps``, restamped: a long continuous set from a short clip."""
    section = [f for f in frames if t_from <= f.t_s < t_to]
    if not section:
        raise ValueError("no frame in the section")
    out: List[RecordedFrame] = []
    for _ in range(times):
        for rec in section:
            j = len(out)
            pose = None if rec.pose is None else dataclasses.replace(rec.pose, t_s=j / fps, frame_index=j)
            out.append(RecordedFrame(frame_index=j, t_s=j / fps, pose=pose))
    return out


def rep_depths(rep_s: float, fps: float, reps: int, hold_top_s: float = 1.0, bottom_pause_s: float = 0.0) -> List[float]:
    """Depth (0 top .. 1 bottom) per frame: a top hold, then ``reps`` cosine reps of ``rep_s``
    seconds (plus a pause at the bottom), then a top hold."""
    out = [0.0] * int(hold_top_s * fps)
    move = max(rep_s - bottom_pause_s, 1e-6)
    for _ in range(reps):
        n = int(round(rep_s * fps))
        for k in range(n):
            t = k / fps
            if t < move / 2:
                out.append((1 - math.cos(math.pi * t / (move / 2))) / 2)
            elif t < move / 2 + bottom_pause_s:
                out.append(1.0)
            else:
                u = (t - move / 2 - bottom_pause_s) / (move / 2)
                out.append((1 + math.cos(math.pi * min(u, 1.0))) / 2)
    out += [0.0] * int(hold_top_s * fps)
    return out


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
    from livecoach.evaluation.manifest import load_manifest
    from livecoach.evaluation.metrics import count_metrics

    clips = [c for c in load_manifest(manifest) if c.kind == "detailed"]
    periods = {c["file"]: _median_period(c.get("rep_bottoms_s") or [])
               for c in json.loads(manifest.read_text(encoding="utf-8"))["clips"]}
    rows: List[Tuple[str, int, int, List[int], List[bool]]] = []
    pairs: Dict[float, list] = {t: [] for t in tempos}
    plausible_pairs: Dict[float, list] = {t: [] for t in tempos}
    for clip in clips:
        path = cached_recording(cache, clip.file)
        if path is None:
            continue
        header, frames = read_recording(path)
        counts, plausible = [], []
        for t in tempos:
            n = count_cycles(tempo_scaled(frames, header.fps, t), config, clip.variant)
            ok = not (periods.get(clip.file, math.inf) / t < FASTEST_PLAUSIBLE_REP_S)
            counts.append(n)
            plausible.append(ok)
            pairs[t].append((n, clip))
            if ok:
                plausible_pairs[t].append((n, clip))
        rows.append((clip.file, clip.count_min, clip.count_max, counts, plausible))
    return {"rows": rows, "metrics": {t: count_metrics(pairs[t]) for t in tempos},
            "plausible": {t: count_metrics(plausible_pairs[t]) for t in tempos}}


def _median_period(bottoms: Sequence[float]) -> float:
    gaps = sorted(b - a for a, b in zip(bottoms, bottoms[1:]))
    if not gaps:
        return math.inf
    mid = len(gaps) // 2
    return gaps[mid] if len(gaps) % 2 else (gaps[mid - 1] + gaps[mid]) / 2.0


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
    for file, lo, hi, counts, plausible in table["rows"]:  # type: ignore[union-attr]
        label = f"{lo}" if lo == hi else f"{lo}-{hi}"
        cells = "".join(f"{n:>6d}{'*' if not lo <= n <= hi else ' '}" if ok else f"{f'({n})':>6s}{'*' if not lo <= n <= hi else ' '}"
                        for n, ok in zip(counts, plausible))
        print(f"{file:40s} {label:>7s} {cells}")
    print("(n): reps faster than %.2f s at this tempo (not humanly possible); * outside the labelled range"
          % FASTEST_PLAUSIBLE_REP_S)
    for name, key in (("all cells", "metrics"), ("plausible tempos", "plausible")):
        m = table[key]
        print(f"{'MAE, ' + name:48s} " + "".join(f"{m[t]['mae']:>7.3f}" for t in args.tempos))  # type: ignore[index]
        print(f"{'OBO, ' + name:48s} " + "".join(f"{m[t]['obo'] * 100:>6.0f}%" for t in args.tempos))  # type: ignore[index]
        print(f"{'clips, ' + name:48s} " + "".join(f"{m[t]['clips']:>7d}" for t in args.tempos))  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
