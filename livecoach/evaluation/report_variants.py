"""The report's sections for a variants manifest (clips with no push-up, exercise recognition,
hold timing), in Markdown and for the terminal, and :func:`fmt`, the number format every
section of the report uses."""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

__all__ = ["fmt", "markdown_variants", "print_variants"]


def fmt(value: Optional[float], pct: bool = False, digits: int = 3) -> str:
    """``value`` for a report: a percentage with one decimal (``pct``) or ``digits`` decimals;
    "-" for none or nan."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1%}" if pct else f"{value:.{digits}f}"


def _hold_stats(m: Dict[str, Any], target_s: float) -> str:
    if not m["holds"]:
        return "none labelled"
    return (f"{m['within_target']} of {m['holds']} within {target_s:g} s, "
            f"mean error {fmt(m['mean_error_s'], digits=2)} s, "
            f"max {fmt(m['max_error_s'], digits=2)} s")


def markdown_variants(summary: Dict[str, Any]) -> List[str]:
    """Clips with no push-up, exercise recognition and hold timing (variants manifest only)."""
    lines: List[str] = []
    zero = summary.get("no_pushup_clips")
    if zero:
        lines += ["## Clips with no push-up (count 0)", "",
                  f"False counts: **{zero['cycles']}** rep cycles ({zero['reps']} reps, {zero['no_reps']} no-reps) on "
                  f"{zero['clips_with_false_counts']} of {zero['clips']} clips (must be 0).", "",
                  "| clip | cycles | reps | no-reps |", "|---|---|---|---|"]
        lines += [f"| {row['file']} | {row['cycles']} | {row['reps']} | {row['no_reps']} |" for row in zero["per_clip"]]
        lines.append("")
    rec = summary.get("exercise_recognition")
    if rec:
        lines += ["## Exercise recognition", "",
                  f"Over the {rec['clips']} clips whose `exercises` label is a non-empty list; {rec['rule']}. "
                  f"Right: **{rec['right']} of {rec['clips']}** ({fmt(rec['accuracy'], True)}). Counted cycles filed "
                  f"under a labelled exercise: {rec['cycles_filed_right']} of {rec['cycles']}.", "",
                  "| clip | labelled | recognised (most seconds in position) | right "
                  "| seconds in position per exercise "
                  "| cycles filed right |", "|---|---|---|---|---|---|"]
        for row in rec["per_clip"]:
            seconds = ", ".join(f"{k} {v:.1f}" for k, v in row["seconds"].items()) or "—"
            lines.append(f"| {row['file']} | {', '.join(row['labelled'])} | {row['recognised'] or '—'} | "
                         f"{'yes' if row['right'] else 'no'} | {seconds} | "
                         f"{row['cycles_filed_right']} of {row['cycles']} |")
        lines += ["", "Misses: " + (", ".join(f"{m['file']} ({', '.join(m['labelled'])} recognised as "
                                              f"{m['recognised'] or 'nothing'})" for m in rec["misses"]) or "none")]
        unscored = [row for row in summary["clips"] if row.get("exercises_labelled", ()) is None]
        if unscored:
            lines.append("Not scored (`exercises` null: the labellers disagree): " + ", ".join(
                f"{row['file']} (recognised as {row['recognised_exercise'] or 'nothing'})" for row in unscored))
        lines.append("")
    holds = summary.get("hold_timing")
    if holds:
        target = holds["target_s"]
        lines += ["## Hold timing", "",
                  "Error per labelled hold = |seconds the app timed in good form − `good_form_s`| "
                  f"(target ≤ {target:g} s). Timed holds go to the labelled hold they overlap longest; "
                  "a hold the app did not time counts 0 s.", "",
                  f"- all labelled holds: {_hold_stats(holds['all'], target)}",
                  f"- deliberate holds: {_hold_stats(holds['deliberate'], target)}",
                  f"- pauses at the top of push-ups: {_hold_stats(holds['top_pauses'], target)}", "",
                  "| clip | labelled hold | span s | good_form_s | timed good s | timed as | error s |",
                  "|---|---|---|---|---|---|---|"]
        for row in holds["per_hold"]:
            kind = row["exercise"] + (" (top pause)" if row["is_top_pause"] else "")
            lines.append(f"| {row['file']} | {kind} | {row['start_s']:g}–{row['end_s']:g} | {row['good_form_s']:g} | "
                         f"{row['timed_good_s']:.2f} | {', '.join(row['timed_exercises']) or 'not timed'} | "
                         f"{row['error_s']:.2f} |")
        lines += ["", "Holds timed where none is labelled: " + (", ".join(
            f"{u['file']} {u['exercise']} {u['t_start_s']:g}–{u['t_end_s']:g} s ({u['seconds_good']:g} s good)"
            for u in holds["unlabelled"]) or "none"), ""]
    return lines


def print_variants(summary: Dict[str, Any], w: Any) -> None:
    """The terminal lines of :func:`markdown_variants`' sections; ``w`` writes a string."""
    zero = summary.get("no_pushup_clips")
    if zero:
        w(f"false counts on clips with no push-up: {zero['cycles']} cycles ({zero['reps']} reps) on "
          f"{zero['clips_with_false_counts']} of {zero['clips']} clips\n")
    rec = summary.get("exercise_recognition")
    if rec:
        misses = ", ".join(f"{m['file']} ({'/'.join(m['labelled'])} -> {m['recognised']})" for m in rec["misses"])
        w(f"exercise recognition {rec['right']} of {rec['clips']} ({fmt(rec['accuracy'], True)}); "
          f"misses: {misses or 'none'}\n")
    holds = summary.get("hold_timing")
    if holds:
        target = holds["target_s"]
        w(f"hold time error: all {_hold_stats(holds['all'], target)}; deliberate "
          f"{_hold_stats(holds['deliberate'], target)}; top pauses {_hold_stats(holds['top_pauses'], target)}; "
          f"timed with no label: {len(holds['unlabelled'])}\n")
