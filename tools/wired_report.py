"""Replay cached landmarks through the wired SessionAnalyzer (recogniser, veto, holds, profile
fault rules) and print one row per clip: counts vs the labelled range, look-alike vetoes,
recognition, holds vs good_form_s, and the variant faults (knees_bent/shallow/no_lockout).

    PYTHONPATH=. python tools/wired_report.py ../shared/videos/variants/manifest.json \
        ../shared/videos/manifest.json [--cache /work/cache/landmarks]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exercise_report import find_recording  # noqa: E402

from livecoach.config.schema import load_config  # noqa: E402
from livecoach.formats.recording import read_recording  # noqa: E402
from livecoach.logic.analysis import SessionAnalyzer  # noqa: E402

WATCH = ("knees_bent", "shallow", "no_lockout")


def labelled(clip: Dict[str, Any]) -> Optional[List[str]]:
    if "exercises" in clip:
        return clip["exercises"]
    text = str(clip.get("variant", "standard"))
    return ["knee"] if re.search(r"\bknee[- ]?push", text, flags=re.IGNORECASE) else ["standard"]


def run(path: Path, config) -> Dict[str, Any]:
    _, frames = read_recording(path)
    analyzer = SessionAnalyzer(config)
    time_in: Dict[str, float] = defaultdict(float)
    prev = None
    for rec in frames:
        analyzer.update(rec.t_s, rec.frame_index, rec.pose)
        r = analyzer.recognition
        if prev is not None and r.exercise and r.in_position:
            time_in[r.exercise] += max(0.0, rec.t_s - prev)
        prev = rec.t_s
    end = analyzer.finish(prev or 0.0, len(frames), 0, 0.0, 0, "end_of_source")
    faults = defaultdict(int)
    for record in analyzer.records:
        for f in record.fault_names:
            if f in WATCH:
                faults[f] += 1
    return {"reps": analyzer.reps, "no_reps": analyzer.no_reps, "vetoed": [v[2] for v in analyzer.vetoed],
            "recognised": max(time_in, key=time_in.get) if time_in else None,
            "rep_exercises": sorted({r.exercise for r in analyzer.records}), "exercises": list(end.exercises),
            "holds": analyzer.holds.records, "faults": dict(faults)}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifests", type=Path, nargs="+")
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/landmarks"))
    args = parser.parse_args(argv)
    config = load_config()
    print("| clip | labelled | range | reps | no-reps | vetoed | in range | recognised (majority) | rep exercise "
          "| holds: good s vs good_form_s | knees_bent/shallow/no_lockout |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for manifest in args.manifests:
        for clip in json.loads(manifest.read_text())["clips"]:
            path = find_recording(args.cache, clip["file"])
            if path is None:
                print(f"| {clip['file']} | no cached landmarks |")
                continue
            res = run(path, config)
            lo, hi = clip.get("count_min", clip.get("count")), clip.get("count_max", clip.get("count"))
            inrange = "?" if lo is None else ("yes" if lo <= res["reps"] <= hi else "NO")
            lab = labelled(clip)
            holds = []
            for hold in clip.get("holds") or []:
                timed = sum(h.seconds_good for h in res["holds"]
                            if h.t_end_s >= hold["start_s"] and h.t_start_s <= hold["end_s"])
                holds.append(f"{hold['exercise']}{' (top pause)' if hold.get('is_top_pause') else ''}: "
                             f"{timed:.1f} vs {hold['good_form_s']} ({timed - hold['good_form_s']:+.1f})")
            unl = [f"{h.exercise} {h.seconds_good:.1f}" for h in res["holds"]
                   if not any(h.t_end_s >= lab_["start_s"] and h.t_start_s <= lab_["end_s"]
                              for lab_ in clip.get("holds") or [])]
            if unl:
                holds.append("unlabelled: " + ", ".join(unl))
            faults = "/".join(str(res["faults"].get(f, 0)) for f in WATCH)
            print(f"| {clip['file']} | {'null' if lab is None else ','.join(lab) or 'none'} | "
                  f"{'?' if lo is None else (lo if lo == hi else f'{lo}-{hi}')} | {res['reps']} | {res['no_reps']} | "
                  f"{len(res['vetoed'])}{' ' + ','.join(sorted(set(res['vetoed']))) if res['vetoed'] else ''} | "
                  f"{inrange} | {res['recognised']} | {','.join(res['rep_exercises']) or '-'} | "
                  f"{'; '.join(holds) or '-'} | {faults} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
