"""Count error under transforms applied one after another:
``python -m tools.chained_transforms MANIFEST turn45+tempo2.5x [hidehands+turn-45 ...]``.

``livecoach eval --augment`` scores each transform alone (and three fixed image pairs). An unseen
clip brings several conditions at once: fast reps filmed from a 3/4 view, hands on a bar seen from
an angle. This chains ``--augment`` names with ``+``: the first may re-run the pose model (an image
or tempo-model transform, from the eval's landmark cache: run ``livecoach eval --augment NAME``
once to fill it); the rest transform the landmark stream in turn (tempo, view turn or raise, hands
unseen, ...). Only counting is scored: the rep-cycle count MAE and within-±1 share over the clips
with push-ups, next to the same for the clips as filmed, and each clip counted outside its
labelled range. Labels are not transformed (counts do not change under these transforms).

Exit 0 when every chain was scored, 2 on a bad manifest, transform name or missing landmarks.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from livecoach.config.schema import Config, load_config
from livecoach.errors import LiveCoachError
from livecoach.evaluation.augment import LANDMARK_KINDS, Augmentation, parse_augmentations
from livecoach.evaluation.cache import ensure_landmarks
from livecoach.evaluation.manifest import ClipSpec, load_manifest
from livecoach.evaluation.metrics import count_metrics, range_error
from livecoach.evaluation.replay import replay_frames
from livecoach.evaluation.stream_transforms import transformed_stream
from livecoach.formats.recording import read_recording

__all__ = ["parse_chain", "count_under_chain", "main"]


def parse_chain(text: str) -> List[Augmentation]:
    """The transforms of ``text`` (``--augment`` names joined by ``+``), in order. Only the first
    may re-run the pose model; raises ``LiveCoachError`` otherwise or on an unknown name."""
    chain: List[Augmentation] = []
    for name in text.split("+"):
        picked = parse_augmentations(name.strip())
        if len(picked) != 1:
            raise LiveCoachError(f"{name!r}: name one transform, not a group")
        chain += picked
    if any(a.kind not in LANDMARK_KINDS for a in chain[1:]):
        raise LiveCoachError(f"{text!r}: only the first transform may re-run the pose model")
    return chain


def count_under_chain(clips: Sequence[ClipSpec], chain: Sequence[Augmentation], config: Config,
                      cache: Path, seed_dir: Optional[Path] = None
                      ) -> Tuple[Dict[str, object], List[Tuple[str, int, int, int]]]:
    """Count metrics over ``clips`` with push-ups after ``chain`` (empty: as filmed), and the clips
    counted outside their labelled range as (file, cycles, low, high). ``seed_dir``: recordings of
    the clips as filmed to fill the cache from (``livecoach eval --seed-dir``)."""
    counted = [c for c in clips if c.count]
    recordings = ensure_landmarks(counted, config, cache, jobs=1, seed_dir=seed_dir, log=lambda _: None)
    first: Optional[Augmentation] = chain[0] if chain and chain[0].kind not in LANDMARK_KINDS else None
    if first is not None:
        recordings = ensure_landmarks(counted, config, cache, jobs=1, log=lambda _: None,
                                      augmentation=first, guides=recordings)
    stream = [a for a in chain if a is not first]
    pairs, off = [], []
    for clip in counted:
        path, error = recordings[clip.file]
        if path is None:
            raise LiveCoachError(f"{clip.file}: no landmarks ({error})")
        header, frames = read_recording(path)
        fps = header.fps
        for augmentation in stream:  # each at the frame rate the last left (a frame-rate one lowers it)
            frames, fps = transformed_stream(frames, augmentation, fps, config)
        cycles = replay_frames(frames, config, clip.variant, fps, clip.file, clip.kind).cycles
        pairs.append((cycles, clip))
        if range_error(cycles, clip.count_min, clip.count_max):
            off.append((clip.file, cycles, clip.count_min, clip.count_max))
    return count_metrics(pairs), off


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.chained_transforms", description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("chains", nargs="+", help="--augment names joined by '+', e.g. turn45+tempo2.5x")
    parser.add_argument("--cache-dir", type=Path, default=None, help="the eval's landmark cache (default: the config's)")
    args = parser.parse_args(argv)
    config = load_config(None)
    cache = (args.cache_dir or Path(config.eval.cache_dir)).expanduser()
    try:
        clips = load_manifest(args.manifest)
        chains = [(text, parse_chain(text)) for text in args.chains]
        rows = [("as filmed", *count_under_chain(clips, [], config, cache))]
        rows += [(text, *count_under_chain(clips, chain, config, cache)) for text, chain in chains]
    except LiveCoachError as exc:
        print(f"chained_transforms: {exc}", file=sys.stderr)
        return 2
    print("| transforms | count MAE | within ±1 | clips | counted outside the label |")
    print("|---|---|---|---|---|")
    for text, metrics, off in rows:
        outside = ", ".join(f"{Path(f).name} {n} of {lo}-{hi}" for f, n, lo, hi in off) or "-"
        print(f"| {text} | {metrics['mae']:.3f} | {metrics['obo']:.0%} | {metrics['clips']} | {outside} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
