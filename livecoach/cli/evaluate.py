"""``livecoach eval MANIFEST``: run labelled clips through the real pipeline and score it.

For every clip of the manifest (paths relative to the manifest's folder) the evaluation

1. gets the clip's landmarks from a cache keyed by the video's content hash, the pose
   settings and the inference width, running the pose model on every frame on a miss
   (:mod:`livecoach.evaluation.cache`);
2. replays them through the real pipeline and the naive baseline counter
   (:mod:`livecoach.evaluation.replay`);
3. scores counts, the full/no-rep split, reps outside the active span, per-fault
   precision/recall and the correct/incorrect verdict (:mod:`livecoach.evaluation.metrics`);

and prints a per-clip table, writing ``eval.json`` and ``eval.md`` to ``--out``
(:mod:`livecoach.evaluation.report`), with scores by source and leave-one-source-out
(:mod:`livecoach.evaluation.generalisation`). ``--augment`` also scores every clip under
label-preserving transforms (:mod:`livecoach.evaluation.augment`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from livecoach.config.schema import load_config
from livecoach.errors import UsageProblem
from livecoach.evaluation.augment import AUGMENTATIONS, parse_augmentations
from livecoach.evaluation.report import print_table
from livecoach.evaluation.run import run_eval

__all__ = ["register", "handle_eval"]


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add ``livecoach eval`` to the CLI."""
    parser = subparsers.add_parser(
        "eval", help="score counting, faults and verdicts on labelled clips",
        description="Run every clip of MANIFEST through the real pipeline (landmarks cached) and score "
                    "it against the labels, next to a naive elbow-angle counter.")
    parser.add_argument("manifest", type=Path, metavar="MANIFEST", help="manifest.json (clip paths relative to it)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="write eval.json and eval.md here")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        help="landmark cache (default: [eval] cache_dir, ~/.cache/livecoach/landmarks)")
    parser.add_argument("--seed", type=Path, metavar="DIR",
                        help="take cache misses from recordings named <clip file>.jsonl.gz in DIR, made with "
                             "the same pose settings, instead of running the model")
    parser.add_argument("--jobs", type=int, default=2, metavar="N", help="processes for landmark extraction")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these clips (file, name or stem)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="TOML file overriding config/default.toml")
    parser.add_argument("--augment", nargs="?", const="all", metavar="LIST",
                        help="also score every clip under label-preserving transforms: 'all' (the default), "
                             "'tempo', 'frame-rate', 'zoom-drift', 'frame-drops', 'view-turn', 'view-raise' and "
                             "'hands-unseen' (on the cached landmarks, fast), 'tempo-model', 'tempo-blur' and "
                             "'image' (run the pose model on transformed frames, slow), 'combined', or names, "
                             "comma-separated: "
                             + ", ".join(a.name for a in AUGMENTATIONS))
    parser.set_defaults(func=handle_eval)


def handle_eval(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # a ConfigError is printed by cli.main as one line
    if args.jobs < 1:
        raise UsageProblem("--jobs must be at least 1")
    augment = parse_augmentations(getattr(args, "augment", None))
    summary = run_eval(args.manifest, config, out_dir=args.out, cache_dir=args.cache, jobs=args.jobs,
                       only=args.only, seed_dir=args.seed, log=lambda msg: print(msg, file=sys.stderr),
                       augment=augment)
    print_table(summary)
    if args.out:
        print(f"wrote {args.out / 'eval.json'} and {args.out / 'eval.md'}")
    return 1 if summary["errors"] and len(summary["errors"]) == len(summary["clips"]) else 0
