"""The report's tempo section: every clip with push-ups counted as filmed and at every tempo of
``--augment``, the issue's test of a counter that assumes no pace."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from livecoach.evaluation.augment import TEMPO, TEMPO_BLUR, TEMPO_MODEL

__all__ = ["markdown_tempo"]

_TEMPO_KINDS = ("original", TEMPO, TEMPO_MODEL, TEMPO_BLUR)


def _cell(clip: Dict[str, Any]) -> str:
    """A clip's count at one tempo; outside its labelled range in bold, with its labelled time per
    rep at that tempo (the pace it failed at)."""
    if not clip["count_error"]:
        return str(clip["cycles"])
    pace = clip.get("seconds_per_rep")
    return f"**{clip['cycles']}**" + (f" ({pace:.2f} s)" if pace else "")


def _range(clip: Dict[str, Any]) -> Optional[str]:
    lo, hi = clip.get("count_range") or (None, None)
    if lo is None or not hi:
        return None  # unlabelled, or a clip with no push-up (its false counts have their own column)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def markdown_tempo(summary: Dict[str, Any]) -> List[str]:
    """The tempo table (only in summaries made with ``--augment`` including a tempo transform):
    the clips whose count is outside their labelled range at some tempo, or changes with it."""
    rows = {name: row for name, row in summary.get("augment", {}).items() if row["kind"] in _TEMPO_KINDS}
    if len(rows) < 2:
        return []
    names = sorted(rows, key=lambda n: (_TEMPO_KINDS.index(rows[n]["kind"]), rows[n].get("speed", 1.0)))
    heads = ["as filmed" if rows[n]["kind"] == "original" else n for n in names]
    per_clip: Dict[str, Dict[str, Dict[str, Any]]] = {}
    for name in names:
        for clip in rows[name]["clips"]:
            per_clip.setdefault(clip["file"].split("@")[0], {})[name] = clip
    labelled = {f: cells for f, cells in per_clip.items() if _range(next(iter(cells.values()))) is not None}
    off = {f: cells for f, cells in labelled.items()
           if any(c["count_error"] for c in cells.values()) or len({c["cycles"] for c in cells.values()}) > 1}
    same = (f"{len(labelled) - len(off)} of {len(labelled)} clips count the same, within their range, at every "
            f"tempo" + ("; the others:" if off else "."))
    lines = ["## Every clip at every tempo", "",
             "Rep cycles of each clip with push-ups as filmed and at every tempo transform; **bold**: outside the "
             "labelled range, with the clip's labelled time per rep at that tempo. " + same, ""]
    if off:
        lines += ["| clip | labelled | " + " | ".join(heads) + " |", "|---|---|" + "---|" * len(names)]
        for file, cells in sorted(off.items()):
            first = next(iter(cells.values()))
            lines.append(f"| {file} | {_range(first)} | " +
                         " | ".join(_cell(cells[n]) if n in cells else "-" for n in names) + " |")
        lines.append("")
    return lines
