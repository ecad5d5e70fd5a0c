"""What moved between two ``livecoach eval`` runs: ``python -m tools.eval_diff BEFORE.json AFTER.json``.

A change that claims no behaviour change must leave every figure equal, and one that changes
behaviour should move only what it says it moves. Pooled figures hide moves that cancel out or
that touch only the "no" side: a clip whose fault went from "no" to "not judged" leaves the
pooled precision and recall as they were (stop 56: the wall push-ups lost three judgements that
way under all 33 conditions). So this compares everything but the run's own settings, value for
value: as filmed every clip's record, each fault's TP/FP/FN/TN and not-judged counts, the spoken
corrections, the verdicts, the by-source and leave-one-source-out blocks; and for each
``--augment`` transform both runs have, the same row by row (a clip's count under it, found by
its file name). One line per difference; exit 0 when there is none, 1 when there are some,
2 when a file cannot be read as an eval summary.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["IGNORED", "differences", "diff_summaries", "main"]

#: Top-level blocks that say how the run was made, not what it measured.
IGNORED = ("settings",)


def _keyed(items: Sequence[Any]) -> Optional[Dict[str, Any]]:
    """A list of clip rows as a dict by file name (None when it is not such a list)."""
    if not items or not all(isinstance(i, dict) and "file" in i for i in items):
        return None
    keyed = {i["file"]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def differences(before: Any, after: Any, path: str = "") -> List[str]:
    """Every place where ``after`` differs from ``before``, as ``path: before -> after`` lines:
    dicts key by key, lists of clip rows clip by clip (by file name), other lists item by item."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: List[str] = []
        for key in list(before) + [k for k in after if k not in before]:
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                out.append(f"{where}: only before")
            elif key not in before:
                out.append(f"{where}: only after")
            else:
                out += differences(before[key], after[key], where)
        return out
    if isinstance(before, list) and isinstance(after, list):
        rows_before, rows_after = _keyed(before), _keyed(after)
        if rows_before is not None and rows_after is not None:
            return differences(rows_before, rows_after, path)
        if len(before) == len(after):
            return [line for i, (b, a) in enumerate(zip(before, after)) for line in differences(b, a, f"{path}[{i}]")]
    if before == after:
        return []
    return [f"{path}: {json.dumps(before)} -> {json.dumps(after)}"]


def diff_summaries(before: Dict[str, Any], after: Dict[str, Any]) -> List[str]:
    """The differences between two eval summaries, all but :data:`IGNORED`; the ``augment``
    rows are named by their transform (``augment.tempo2x.faults.hip_pike.tn: 6 -> 7``)."""
    before, after = ({k: v for k, v in summary.items() if k not in IGNORED} for summary in (before, after))
    return differences(before, after)


def _load(path: Path) -> Dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "clips" not in data:
        raise ValueError("not a livecoach eval summary (no 'clips')")
    return data


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.eval_diff",
                                     description="Every figure that differs between two livecoach eval runs.")
    parser.add_argument("before", type=Path, metavar="BEFORE.json")
    parser.add_argument("after", type=Path, metavar="AFTER.json")
    args = parser.parse_args(argv)
    summaries = []
    for path in (args.before, args.after):
        try:
            summaries.append(_load(path))
        except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
            print(f"eval_diff: error: {path}: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
    lines = diff_summaries(*summaries)
    for line in lines:
        print(line)
    print(f"{len(lines)} difference(s)" if lines else "no difference", file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
