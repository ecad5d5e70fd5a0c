"""Generalisation check of the fault thresholds: ``python -m tools.sensitivity MANIFEST``.

Every clip of the manifest is replayed once through the real pipeline (the same landmark
cache as ``livecoach eval``); the rep windows the counter hands to the fault rules are kept.
Rep counting does not depend on any fault threshold, so each variant of the config is scored
by re-judging those windows only: for every fault threshold the harness re-scores with the
value x0.8 and x1.2 and reports how each labelled fault's precision/recall and the PushFit
verdict accuracy move. A value on a plateau moves little; a value tuned to one clip falls off
a cliff on one side. PushFit verdict accuracy is also reported on two disjoint halves of the
clips (odd vs even clip numbers) to show it does not hinge on a few clips.

Writes ``sensitivity.json`` and ``sensitivity.md`` to ``--out`` when given.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from livecoach.config.schema import Config, ConfigError, load_config
from livecoach.evaluation.cache import ensure_landmarks
from livecoach.evaluation.manifest import LABELLED_FAULTS, ClipSpec, EvalError, load_manifest
from livecoach.evaluation.metrics import fault_metrics, verdict_metrics
from livecoach.evaluation.replay import ClipResult
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.faults import FaultChecker
from livecoach.formats.recording import RecordingError, read_recording
from livecoach.types import RepJudgement, RepRecord, RepWindow
from livecoach.logic.verdict import judge_session

__all__ = ["THRESHOLDS", "ReplayedClip", "replay_windows", "rescore", "scaled_config", "sensitivity_table",
           "pushfit_halves", "run_sensitivity", "main"]

#: (rule section, field) of every fault threshold that is checked.
THRESHOLDS: Tuple[Tuple[str, str], ...] = (
    ("hip_sag", "min_offset_frac"),
    ("hip_pike", "min_offset_frac"),
    ("shallow", "min_shoulder_drop_frac"),
    ("shallow", "max_bottom_elbow_deg"),
    ("no_lockout", "min_top_elbow_deg"),
    ("elbow_flare", "max_flare_deg"),
    ("shrug", "min_ratio_of_top"),
    ("head_drop", "max_neck_angle_deg"),
    ("knees_bent", "min_knee_angle_deg"),
    ("asymmetry", "max_asymmetry_deg"),
    ("rushed_negative", "min_seconds_down"),
)

FACTORS: Tuple[float, ...] = (0.8, 1.2)


@dataclasses.dataclass(frozen=True)
class ReplayedClip:
    """One clip replayed once: its spec and each finished cycle's window with its record."""

    clip: ClipSpec
    cycles: Tuple[Tuple[RepWindow, RepRecord], ...]
    error: Optional[str] = None


class _KeepWindows:
    """A fault checker that judges with the real rules and keeps every window it saw."""

    def __init__(self, config: Config) -> None:
        self.inner = FaultChecker(config)
        self.windows: List[RepWindow] = []

    def judge(self, window: RepWindow) -> RepJudgement:
        self.windows.append(window)
        return self.inner.judge(window)


def replay_windows(clip: ClipSpec, recording: Path, config: Config) -> ReplayedClip:
    """Replay ``recording`` through :class:`SessionAnalyzer`; keep (window, record) per cycle."""
    _, frames = read_recording(recording)
    keeper = _KeepWindows(config)
    analyzer = SessionAnalyzer(config, variant=clip.variant, fault_checker=keeper)
    for rec in frames:
        analyzer.update(rec.t_s, rec.frame_index, rec.pose)
    if len(keeper.windows) != len(analyzer.records):
        raise EvalError(f"{clip.file}: {len(keeper.windows)} windows for {len(analyzer.records)} records")
    return ReplayedClip(clip, tuple(zip(keeper.windows, analyzer.records)))


def scaled_config(config: Config, section: str, name: str, factor: float) -> Config:
    """``config`` with ``[faults.<section>] <name>`` multiplied by ``factor``."""
    rule = getattr(config.faults, section)
    value = getattr(rule, name)
    new_rule = dataclasses.replace(rule, **{name: type(value)(value * factor)})
    return dataclasses.replace(config, faults=dataclasses.replace(config.faults, **{section: new_rule}))


def rescore(replayed: Sequence[ReplayedClip], config: Config) -> Dict[str, Any]:
    """Judge every kept window with ``config``'s rules; fault P/R and verdict accuracy."""
    checker = FaultChecker(config)
    items: List[Tuple[ClipSpec, ClipResult]] = []
    for rc in replayed:
        result = ClipResult(file=rc.clip.file, kind=rc.clip.kind, variant=rc.clip.variant, error=rc.error)
        for window, record in rc.cycles:
            j = checker.judge(window)
            result.records.append(dataclasses.replace(record, faults=j.faults, not_judged=j.not_judged,
                                                      score=j.score))
        judged = judge_session(result.records, config)
        result.verdict, result.verdict_reason = judged.verdict, judged.reason
        items.append((rc.clip, result))
    detailed = [(c, r) for c, r in items if c.kind == "detailed" and not r.error]
    pushfit = [(c, r) for c, r in items if c.kind == "pushfit"]
    faults = fault_metrics(detailed, config.eval.clip_fault_min_share)
    rushed = _rushed_on_good(items)
    return {"faults": {f: {k: m[k] for k in ("tp", "fp", "fn", "tn", "not_judged", "precision", "recall")}
                       for f, m in faults.items()},
            "pushfit": verdict_metrics(pushfit), "pushfit_halves": pushfit_halves(pushfit),
            "rushed_negative_on_good": rushed}


def _rushed_on_good(items: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, int]:
    """How often rushed_negative fires on clips whose own label says good form (correct/good/perfect)."""
    reps = fired = clips = clips_fired = 0
    for clip, result in items:
        if (clip.label or "") not in ("correct", "good", "perfect") or result.error:
            continue
        clips += 1
        judged = [r for r in result.records if "rushed_negative" not in r.not_judged]
        n = sum("rushed_negative" in r.fault_names for r in judged)
        reps += len(judged)
        fired += n
        clips_fired += n > 0
    return {"clips": clips, "clips_fired": clips_fired, "reps_judged": reps, "reps_fired": fired}


def _clip_number(file: str) -> Optional[int]:
    m = re.search(r"(\d+)\D*$", Path(file).stem)
    return int(m.group(1)) if m else None


def pushfit_halves(pushfit: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, Any]:
    """PushFit verdict accuracy on odd- and even-numbered clips separately."""
    odd = [(c, r) for c, r in pushfit if (_clip_number(c.file) or 0) % 2 == 1]
    even = [(c, r) for c, r in pushfit if (_clip_number(c.file) or 0) % 2 == 0]
    return {"odd": verdict_metrics(odd), "even": verdict_metrics(even)}


def sensitivity_table(replayed: Sequence[ReplayedClip], config: Config,
                      thresholds: Sequence[Tuple[str, str]] = THRESHOLDS,
                      factors: Sequence[float] = FACTORS) -> Dict[str, Any]:
    """The base scores and, for each threshold and factor, the re-scored metrics."""
    base = rescore(replayed, config)
    rows = []
    for section, name in thresholds:
        value = getattr(getattr(config.faults, section), name)
        variants = {}
        for factor in factors:
            variants[str(factor)] = rescore(replayed, scaled_config(config, section, name, factor))
        rows.append({"fault": section, "threshold": name, "value": value, "variants": variants})
    return {"base": base, "rows": rows, "factors": list(factors)}


def _pr(m: Dict[str, Any]) -> str:
    def f(v: Optional[float]) -> str:
        return "-" if v is None else f"{v:.2f}"
    return f"{f(m['precision'])}/{f(m['recall'])} ({m['tp']}/{m['fp']}/{m['fn']})"


def _acc(v: Dict[str, Any]) -> str:
    return "-" if v["accuracy"] is None else f"{v['accuracy']:.1%}"


def render_markdown(table: Dict[str, Any]) -> str:
    """Markdown: the base line, the x0.8/x1.2 table, the PushFit halves."""
    base = table["base"]
    lines = ["# Fault threshold sensitivity", "",
             "P/R (TP/FP/FN) of the fault the threshold belongs to, over clips labelled yes/no; "
             "PushFit = clip verdict accuracy on the 100 PushFit clips.", "",
             "| threshold | value | P/R ×0.8 | P/R base | P/R ×1.2 | PushFit ×0.8 | base | ×1.2 |",
             "|---|---|---|---|---|---|---|---|"]
    for row in table["rows"]:
        fault = row["fault"]
        lo, hi = (row["variants"][str(f)] for f in table["factors"])
        if fault in LABELLED_FAULTS:
            pr = [_pr(lo["faults"][fault]), _pr(base["faults"][fault]), _pr(hi["faults"][fault])]
        else:
            pr = ["(not labelled)"] * 3
        if fault == "rushed_negative":
            pr = [f"fires on {v['rushed_negative_on_good']['reps_fired']}/{v['rushed_negative_on_good']['reps_judged']}"
                  f" good-label reps" for v in (lo, base, hi)]
        lines.append(f"| {fault}.{row['threshold']} | {row['value']:g} | {pr[0]} | {pr[1]} | {pr[2]} | "
                     f"{_acc(lo['pushfit'])} | {_acc(base['pushfit'])} | {_acc(hi['pushfit'])} |")
    halves = base["pushfit_halves"]
    lines += ["", f"PushFit verdict accuracy: all {_acc(base['pushfit'])} ({base['pushfit']['clips']} clips), "
                  f"odd-numbered {_acc(halves['odd'])} ({halves['odd']['clips']}), "
                  f"even-numbered {_acc(halves['even'])} ({halves['even']['clips']}).", ""]
    return "\n".join(lines)


def run_sensitivity(manifest: Path, config: Config, cache_dir: Optional[Path] = None,
                    seed_dir: Optional[Path] = None, jobs: int = 2, log=print) -> Dict[str, Any]:
    """Replay every clip once and build the sensitivity table."""
    clips = load_manifest(manifest)
    cache = Path(os.path.expanduser(str(cache_dir or config.eval.cache_dir)))
    recordings = ensure_landmarks(clips, config, cache, jobs=jobs, seed_dir=seed_dir, log=log)
    replayed = []
    for clip in clips:
        path, error = recordings[clip.file]
        if error or path is None:
            replayed.append(ReplayedClip(clip, (), error or "no landmarks"))
            continue
        try:
            replayed.append(replay_windows(clip, path, config))
        except RecordingError as exc:
            replayed.append(ReplayedClip(clip, (), str(exc)))
    return sensitivity_table(replayed, config)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sensitivity",
                                     description="Re-score every fault threshold at x0.8 and x1.2 on labelled clips.")
    parser.add_argument("manifest", type=Path, metavar="MANIFEST")
    parser.add_argument("--out", type=Path, metavar="DIR", help="write sensitivity.json and sensitivity.md here")
    parser.add_argument("--cache", type=Path, metavar="DIR", help="landmark cache (default: [eval] cache_dir)")
    parser.add_argument("--seed", type=Path, metavar="DIR", help="recordings to fill cache misses from")
    parser.add_argument("--jobs", type=int, default=2, metavar="N")
    parser.add_argument("--config", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        table = run_sensitivity(args.manifest, config, cache_dir=args.cache, seed_dir=args.seed, jobs=args.jobs,
                                log=lambda msg: print(msg, file=sys.stderr))
    except (ConfigError, EvalError) as exc:
        print(f"livecoach: error: {exc}", file=sys.stderr)
        return 1
    text = render_markdown(table)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "sensitivity.json").write_text(json.dumps(table, indent=1, default=str), encoding="utf-8")
        (args.out / "sensitivity.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
