"""The reports of ``livecoach eval``: the summary as plain data (``eval.json``), Markdown
(``eval.md``) and the terminal table."""
from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Sequence

from livecoach.config.schema import Config, config_as_dict
from livecoach.evaluation.manifest import LABELLED_FAULTS, ClipSpec
from livecoach.evaluation.metrics import (clip_fault_prediction, count_metrics, exercise_recognition, false_counts,
                                          fault_metrics, hold_timing, range_error, reps_outside_span,
                                          spoken_corrections, split_agreement, tracking_told,
                                          verdict_metrics)
from livecoach.evaluation.replay import ClipResult
from livecoach.evaluation.report_tempo import markdown_tempo
from livecoach.evaluation.report_variants import fmt as _fmt, markdown_variants, print_variants
from livecoach.formats.records import rep_record_dict
from livecoach.logic.verdict import fault_shares

__all__ = ["summarise", "variant_sections", "render_markdown", "print_table"]


def _clip_row(clip: ClipSpec, result: ClipResult, min_share: float) -> Dict[str, Any]:
    row: Dict[str, Any] = {"file": clip.file, "kind": clip.kind, "variant": clip.variant}
    if result.error:
        row["error"] = result.error
        return row
    row.update({
        "frames": result.frames, "frames_with_pose": result.frames_with_pose,
        "reps": result.reps, "no_reps": result.no_reps, "cycles": result.cycles,
        "baseline": result.baseline_count,
        "verdict": result.verdict, "verdict_reason": result.verdict_reason,
        "session_verdict": result.session_verdict,
        "rep_records": [{k: v for k, v in rep_record_dict(r).items() if k not in _EVAL_OMITS}
                        for r in result.records],
    })
    if clip.kind == "detailed":
        row.update({
            "count_range": [clip.count_min, clip.count_max],
            "count_error": range_error(result.cycles, clip.count_min, clip.count_max),
            "baseline_error": range_error(result.baseline_count, clip.count_min, clip.count_max),
            "reps_outside_span": reps_outside_span(result.records, clip.active_span_s),
            "cycles_outside_span": reps_outside_span(result.records, clip.active_span_s, full_only=False),
            "split": split_agreement(result, clip),
            "faults_predicted": {f: clip_fault_prediction(result.records, f, min_share) for f in LABELLED_FAULTS},
            "fault_shares": {f: round(v, 3) for f, v in sorted(fault_shares(result.records).items())},
            "faults_labelled": {f: clip.faults.get(f) for f in LABELLED_FAULTS},
            "not_visible": [f for f in LABELLED_FAULTS if clip.faults.get(f) == "not_visible"],
        })
    if clip.has_variant_labels:
        row.update({
            "exercises_labelled": None if clip.exercises is None else list(clip.exercises),
            "recognised_exercise": result.recognised_exercise,
            "exercise_seconds": {k: round(v, 2) for k, v in sorted(result.exercise_seconds.items())},
            "cycle_exercises": [r.exercise for r in result.records],
            "holds_timed": [{"exercise": h.exercise, "t_start_s": round(h.t_start_s, 2), "t_end_s": round(h.t_end_s, 2),
                             "seconds_total": round(h.seconds_total, 2), "seconds_good": round(h.seconds_good, 2)}
                            for h in result.holds],
        })
    row["label"] = clip.label
    return row


def variant_sections(items: Sequence[Any]) -> Dict[str, Any]:
    """The ``no_pushup_clips``, ``exercise_recognition`` and ``hold_timing`` sections, each only
    when the manifest has clips it scores (none of them on the main set: its figures and report
    stay as they were)."""
    out: Dict[str, Any] = {}
    zero = false_counts(items)
    if zero["clips"]:
        out["no_pushup_clips"] = zero
    recognition = exercise_recognition(items)
    if recognition["clips"]:
        out["exercise_recognition"] = recognition
    if any(c.holds is not None for c, _ in items):
        out["hold_timing"] = hold_timing(items)
    return out


_EVAL_OMITS = ("index", "seconds_down", "seconds_up")  # eval JSON keeps its v1 shape


def summarise(clips: Sequence[ClipSpec], results: Dict[str, ClipResult], config: Config) -> Dict[str, Any]:
    """Every metric of the run, as plain data (the JSON report)."""
    min_share = config.eval.clip_fault_min_share
    items = [(c, results[c.file]) for c in clips]
    detailed = [(c, r) for c, r in items if c.kind == "detailed" and not r.error]
    pushfit = [(c, r) for c, r in items if c.kind == "pushfit"]
    splits = [s for s in (split_agreement(r, c) for c, r in detailed) if s is not None]
    return {
        "clips": [_clip_row(c, r, min_share) for c, r in items],
        "counting": {
            "livecoach": count_metrics([(r.cycles, c) for c, r in detailed]),
            "livecoach_full_reps_only": count_metrics([(r.reps, c) for c, r in detailed]),
            "baseline": count_metrics([(r.baseline_count, c) for c, r in detailed]),
            "split_agreement": {"clips": len(splits),
                                "agree": (sum(s["agree"] for s in splits) / len(splits)) if splits else None,
                                "full_ok": (sum(s["full_ok"] for s in splits) / len(splits)) if splits else None,
                                "no_rep_ok": (sum(s["no_rep_ok"] for s in splits) / len(splits)) if splits else None},
            "reps_outside_span": sum(reps_outside_span(r.records, c.active_span_s) for c, r in detailed),
            "cycles_outside_span": sum(reps_outside_span(r.records, c.active_span_s, False) for c, r in detailed),
        },
        "faults": fault_metrics(detailed, min_share),
        "spoken_corrections": spoken_corrections(detailed),
        "tracking_told": tracking_told(items),
        "verdict": {"pushfit": verdict_metrics(pushfit),
                    "detailed_source_labels": verdict_metrics(detailed)},
        **variant_sections(items),
        "errors": {c.file: r.error for c, r in items if r.error},
        "settings": {"clip_fault_min_share": min_share, "verdict": config_as_dict(config)["verdict"],
                     "baseline": {"up_deg": config.eval.baseline_up_deg,
                                  "down_deg": config.eval.baseline_down_deg}},
    }


def render_markdown(summary: Dict[str, Any], manifest: str) -> str:
    """The human-readable report: per-clip table, counting, faults, verdict."""
    lines = ["# LiveCoach evaluation", "", f"Manifest: `{manifest}`", ""]
    detailed = [row for row in summary["clips"] if row["kind"] == "detailed"]
    if detailed:
        lines += ["## Detailed clips", "",
                  "| clip | variant | range | cycles | reps | no-reps | err | baseline | base err | outside span "
                  "| faults predicted (share ≥ threshold) | labelled yes | labelled not visible | not judged by the app |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in detailed:
            if "count_range" not in row:
                lines.append(f"| {row['file']} | {row['variant']} | error: {row.get('error')} |" + " |" * 11)
                continue
            predicted = ", ".join(f for f, v in row["faults_predicted"].items() if v) or "—"
            labelled = ", ".join(f for f, v in row["faults_labelled"].items() if v == "yes") or "—"
            lo, hi = row["count_range"]
            lines.append(f"| {row['file']} | {row['variant']} | {lo}–{hi} | {row['cycles']} | {row['reps']} | "
                         f"{row['no_reps']} | {row['count_error']} | {row['baseline']} | {row['baseline_error']} | "
                         f"{row['reps_outside_span']} | {predicted} | {labelled} | "
                         f"{', '.join(row['not_visible']) or '—'} | "
                         f"{', '.join(f for f, v in row['faults_predicted'].items() if v is None) or '—'} |")
        c = summary["counting"]
        lines += ["", "## Counting", "",
                  "| counter | clips | MAE | OBO | exact |", "|---|---|---|---|---|"]
        for name, key in (("LiveCoach (reps + no-reps = cycles)", "livecoach"),
                          ("LiveCoach (full reps only)", "livecoach_full_reps_only"),
                          ("naive baseline (elbow >160 / <90)", "baseline")):
            m = c[key]
            lines.append(f"| {name} | {m['clips']} | {_fmt(m['mae'])} | {_fmt(m['obo'], True)} | "
                         f"{_fmt(m['exact'], True)} |")
        s = c["split_agreement"]
        lines += ["", f"Full vs no-rep agreement: {_fmt(s['agree'], True)} of {s['clips']} clips "
                      f"(full reps in range {_fmt(s['full_ok'], True)}, no-reps exact {_fmt(s['no_rep_ok'], True)}). "
                      f"Reps counted outside the active span: {c['reps_outside_span']} "
                      f"(all cycles: {c['cycles_outside_span']}).", ""]
        lines += ["## Faults (clip level)", "",
                  f"A clip shows a fault when it is on at least {summary['settings']['clip_fault_min_share']:.0%} "
                  "of the rep cycles that judged it. Scored over clips whose consensus is yes/no; "
                  "`not_visible`/`uncertain` labels are skipped, and knees_bent on deliberate knee push-ups.", "",
                  "| fault | TP | FP | FN | TN | not judged | precision | recall |",
                  "|---|---|---|---|---|---|---|---|"]
        for fault, m in summary["faults"].items():
            lines.append(f"| {fault} | {m['tp']} | {m['fp']} | {m['fn']} | {m['tn']} | {m['not_judged']} | "
                         f"{_fmt(m['precision'])} | {_fmt(m['recall'])} |")
        lines += [""] + _markdown_corrections(summary["spoken_corrections"])
        told = summary["tracking_told"]
        lines += ["", f"Patchy tracking: {_told_cell(told)} ([tracking]: the user is told when the pose model "
                      f"keeps losing them). Told on: {', '.join(told['told']) or 'none'}."]
        src = summary["verdict"]["detailed_source_labels"]
        if src["clips"]:
            lines += ["", f"Verdict against the source's own correct/incorrect label, where a detailed clip has one: "
                          f"{_fmt(src['accuracy'], True)} of {src['clips']} clips."]
        lines.append("")
    pf = summary["verdict"]["pushfit"]
    if pf["clips"]:
        rows = [row for row in summary["clips"] if row["kind"] == "pushfit"]
        lines += ["## PushFit verdict", "",
                  f"Accuracy {_verdict_cell(pf)} on {pf['clips']} clips "
                  f"(published reference on the full set: 82.6 %, a trained classifier). "
                  f"Confusion (label->verdict): " + ", ".join(f"{k} {v}" for k, v in pf["confusion"].items()), "",
                  "| clip | label | verdict | cycles | reason |", "|---|---|---|---|---|"]
        for row in rows:
            if row.get("error") and "verdict" not in row:
                lines.append(f"| {row['file']} | {row['label']} | error: {row['error']} | | |")
            else:
                mark = "" if row["verdict"] == row["label"] else " ✗"
                lines.append(f"| {row['file']} | {row['label']} | {row['verdict']}{mark} | {row['cycles']} | "
                             f"{row['verdict_reason']} |")
        lines.append("")
    lines += markdown_variants(summary) + _markdown_generalisation(summary) + _markdown_augment(summary) \
        + markdown_tempo(summary)
    if summary["errors"]:
        lines += ["## Errors", ""] + [f"- {k}: {v}" for k, v in summary["errors"].items()] + [""]
    return "\n".join(lines)


def print_table(summary: Dict[str, Any], out=None) -> None:
    """The terminal version: per-clip lines, then the headline metrics."""
    w = (out or sys.stdout).write
    detailed = [row for row in summary["clips"] if row["kind"] == "detailed"]
    if detailed:
        w(f"{'clip':42s} {'range':>7s} {'cyc':>4s} {'rep':>4s} {'no':>3s} {'err':>4s} {'base':>5s} "
          f"{'out':>4s}  faults (pred | label yes)\n")
        for row in detailed:
            if "count_range" not in row:
                w(f"{row['file']:42s} error: {row.get('error')}\n")
                continue
            lo, hi = row["count_range"]
            pred = ",".join(f for f, v in row["faults_predicted"].items() if v) or "-"
            lab = ",".join(f for f, v in row["faults_labelled"].items() if v == "yes") or "-"
            w(f"{row['file'][:42]:42s} {f'{lo}-{hi}':>7s} {row['cycles']:4d} {row['reps']:4d} {row['no_reps']:3d} "
              f"{row['count_error']:4d} {row['baseline']:5d} {row['reps_outside_span']:4d}  {pred} | {lab}\n")
        c = summary["counting"]
        for name, key in (("LiveCoach", "livecoach"), ("LiveCoach full only", "livecoach_full_reps_only"),
                          ("naive baseline", "baseline")):
            m = c[key]
            w(f"{name:20s} MAE {_fmt(m['mae'])}  OBO {_fmt(m['obo'], True)}  exact {_fmt(m['exact'], True)}"
              f"  ({m['clips']} clips)\n")
        s = c["split_agreement"]
        w(f"full/no-rep agreement {_fmt(s['agree'], True)} of {s['clips']} clips; reps outside active span: "
          f"{c['reps_outside_span']}\n")
        for fault, m in summary["faults"].items():
            w(f"  {fault:12s} P {_fmt(m['precision'], digits=2):>5s}  R {_fmt(m['recall'], digits=2):>5s}  "
              f"(tp {m['tp']} fp {m['fp']} fn {m['fn']} tn {m['tn']}, not judged {m['not_judged']})\n")
    src = summary["verdict"]["detailed_source_labels"]
    if src["clips"]:
        w(f"verdict vs the source's own label on detailed clips: {_fmt(src['accuracy'], True)} of {src['clips']}\n")
    pf = summary["verdict"]["pushfit"]
    if pf["clips"]:
        w(f"pushfit verdict accuracy {_verdict_cell(pf)} on {pf['clips']} clips  {pf['confusion']}\n")
    print_variants(summary, w)
    _print_generalisation(summary, w)
    for file, error in summary["errors"].items():
        w(f"error: {file}: {error}\n")


def _count_cells(m: Dict[str, Any]) -> str:
    return f"{_fmt(m['mae'])} | {_fmt(m['obo'], True)}"


def _chosen(fold: Dict[str, Any]) -> str:
    if fold["chosen"] is None:
        return "-"
    return f"{fold['chosen']:g}" + (" (configured: nothing to choose on)" if fold.get("fallback") else "")


def _markdown_generalisation(summary: Dict[str, Any]) -> List[str]:
    """By source, pooled faults and leave-one-source-out (absent from summaries made without them)."""
    if "by_source" not in summary:
        return []
    pooled = summary["faults_pooled"]
    lines = ["## All faults together (pooled, clip level)", "",
             f"TP {pooled['tp']}, FP {pooled['fp']}, FN {pooled['fn']}, TN {pooled['tn']}, not judged "
             f"{pooled['not_judged']}: precision {_fmt(pooled['precision'])}, recall {_fmt(pooled['recall'])}.", "",
             "## By source", "", summary["loso"]["note"], "",
             "| source | clips | detailed | LiveCoach MAE | OBO | naive baseline MAE | OBO | faults TP/FP/FN "
             "| fault precision | fault recall | verdict clips | verdict accuracy |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for source, row in summary["by_source"].items():
        f, v = row["faults_pooled"], row["verdict"]
        lines.append(f"| {source} | {row['clips']} | {row['detailed']} | "
                     f"{_count_cells(row['counting']['livecoach'])} | {_count_cells(row['counting']['baseline'])} | "
                     f"{f['tp']}/{f['fp']}/{f['fn']} | {_fmt(f['precision'])} | {_fmt(f['recall'])} | "
                     f"{v['clips']} | {_fmt(v['accuracy'], True)} |")
    variant_rows = {source: row for source, row in summary["by_source"].items()
                    if any(k in row for k in ("no_pushup_clips", "exercise_recognition", "hold_timing"))}
    if variant_rows:
        lines += ["", "| source | false counts on clips with no push-up | exercise recognised right "
                      "| labelled holds within target | hold mean error s | max | holds timed with no label |",
                  "|---|---|---|---|---|---|---|"]
        for source, row in variant_rows.items():
            zero, rec, hold = (row.get(k) for k in ("no_pushup_clips", "exercise_recognition", "hold_timing"))
            cells = [f"{zero['cycles']} on {zero['clips']} clips" if zero else "-",
                     f"{rec['right']} of {rec['clips']}" if rec else "-"]
            if hold and not hold["holds"]:
                cells += ["none labelled", "-", "-", str(hold["unlabelled"])]
            elif hold:
                cells += [f"{hold['within_target']} of {hold['holds']} (≤ {hold['target_s']:g} s)",
                          _fmt(hold["mean_error_s"], digits=2), _fmt(hold["max_error_s"], digits=2),
                          str(hold["unlabelled"])]
            else:
                cells += ["-"] * 4
            lines.append(f"| {source} | " + " | ".join(cells) + " |")
    share = summary["loso"]["clip_fault_min_share"]
    held, cfg = share["held_out_pooled"], share["with_configured"]
    lines += ["", "## Leave-one-source-out", "",
              f"### [eval] clip_fault_min_share (configured {share['configured']:g}; chosen by {share['score']})", "",
              "| held-out source | chosen | train F0.5 | held-out TP | FP | FN | TN |", "|---|---|---|---|---|---|---|"]
    for fold in share["folds"]:
        c = fold["held_out_counts"] or {"tp": "-", "fp": "-", "fn": "-", "tn": "-"}
        chosen = _chosen(fold)
        lines.append(f"| {fold['held_out']} | {chosen} | {_fmt(fold['train_f05'])} | {c['tp']} | {c['fp']} | "
                     f"{c['fn']} | {c['tn']} |")
    lines += ["", f"Held out, pooled over folds: precision {_fmt(held['precision'])}, recall {_fmt(held['recall'])} "
                  f"(TP {held['tp']}, FP {held['fp']}, FN {held['fn']}). With the configured value on all sources: "
                  f"precision {_fmt(cfg['precision'])}, recall {_fmt(cfg['recall'])}.", ""]
    verdict = summary["loso"]["verdict_min_fault_share"]
    lines += [f"### [verdict] min_fault_share (configured {verdict['configured']:g}; chosen by {verdict['score']})",
              "", "| held-out source | chosen | train accuracy | held-out clips | held-out accuracy |",
              "|---|---|---|---|---|"]
    for fold in verdict["folds"]:
        chosen = _chosen(fold)
        lines.append(f"| {fold['held_out']} | {chosen} | {_fmt(fold['train_accuracy'], True)} | "
                     f"{fold['held_out_clips']} | {_fmt(fold['held_out_accuracy'], True)} |")
    vh, vc = verdict["held_out_pooled"], verdict["with_configured"]
    lines += ["", f"Held out, pooled over folds: {_fmt(vh['accuracy'], True)} of {vh['clips']} clips. With the "
                  f"configured value: {_fmt(vc['accuracy'], True)} of {vc['clips']} (one copy of re-uploaded footage).",
              ""]
    return lines


def _zero(z: Dict[str, Any]) -> str:
    return f"{z['cycles']} ({z['baseline']}) on {z['clips']}" if z["clips"] else "-"


def _markdown_augment(summary: Dict[str, Any]) -> List[str]:
    """The augmentation table (only in summaries made with ``--augment``)."""
    if "augment" not in summary:
        return []
    lines = ["## Label-preserving transforms (`--augment`)", "",
             "`tempo*` transforms replay the cached landmark stream resampled at the same fps (the pose model is "
             "not re-run, so the tracker never sees the faster motion: optimistic), `fps15` / `fps60` the same "
             "stream as a 15 fps camera gives it / a 60 fps one (frames interpolated between the filmed ones, with "
             "their jitter), `drops*` with frames lost in bursts; `tempo*-model` and image transforms run the pose "
             "model on the transformed frames.", "",
             "| transform | what | clips | LiveCoach MAE | OBO | exact | naive baseline MAE | OBO | fault precision "
             "| fault recall | spoken corrections right / wrong (unlabelled) | PushFit verdict | frames with a pose "
             "| cycles (baseline) on clips without push-ups | patchy tracking told |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in summary["augment"].items():
        c, b, f = row["counting"]["livecoach"], row["counting"]["baseline"], row["faults_pooled"]
        pf = row["verdict"]["pushfit"]
        lines.append(f"| {name} | {row['description']} | {c['clips']} | {_fmt(c['mae'])} | {_fmt(c['obo'], True)} | "
                     f"{_fmt(c['exact'], True)} | {_count_cells(b)} | {_fmt(f['precision'])} | {_fmt(f['recall'])} | "
                     f"{_corrections_cell(row.get('spoken_corrections'))} | "
                     f"{_verdict_cell(pf)} | {_fmt(row['frames_with_pose_share'], True)} | "
                     f"{_zero(row['zero_count_clips'])} | {_told_cell(row.get('tracking_told'))} |")
    lines += ["", "Clips counted outside their labelled range (error):", ""]
    for name, row in summary["augment"].items():
        off = [f"{c['file'].split('@')[0]} ({c['count_error']})" for c in row["clips"] if c["count_error"]]
        lines.append(f"- {name}: {', '.join(off) or 'none'}")
    lines.append("")
    rows = {name: row for name, row in summary["augment"].items()
            if "exercise_recognition" in row or "hold_timing" in row}
    if rows:
        lines += ["Exercise recognised (the one named for the most seconds in position, among the labelled) and "
                  "holds timed in good form (within the target of the labelled seconds, scaled with the tempo):", "",
                  "| transform | exercise recognised right | missed (named instead) | labelled holds within target "
                  "| hold mean error s | holds timed with no label |", "|---|---|---|---|---|---|"]
        for name, row in rows.items():
            lines.append(f"| {name} | " + " | ".join(_variant_cells(row)) + " |")
        lines.append("")
    return lines


def _variant_cells(row: Dict[str, Any]) -> List[str]:
    """The exercise-recognition and hold-timing cells of one augmentation row."""
    rec, hold = row.get("exercise_recognition"), row.get("hold_timing")
    cells = [f"{rec['right']} of {rec['clips']}" if rec else "-",
             ", ".join(f"{f.split('@')[0]} ({named or 'nothing'})" for f, named in rec["misses"].items()) or "none"
             if rec else "-"]
    if hold and hold["holds"]:
        parts = [f"{name} {hold[key]['within_target']} of {hold[key]['holds']}"
                 for key, name in (("deliberate", "deliberate"), ("top_pauses", "top pauses")) if hold[key]["holds"]]
        cells += [f"{hold['within_target']} of {hold['holds']} (≤ {hold['target_s']:g} s; {', '.join(parts)})",
                  _fmt(hold["mean_error_s"], digits=2), str(hold["unlabelled"])]
    else:
        cells += ["-", "-", str(hold["unlabelled"]) if hold else "-"]
    return cells


def _told_cell(m: Optional[Dict[str, Any]]) -> str:
    if not m:
        return "-"
    return (f"{len(m['told'])} of {m['clips']} clips; {m['counted_wrong_and_told']} of the "
            f"{m['counted_wrong']} counted wrong, {m['counted_right_and_told']} counted right")


def _verdict_cell(m: Dict[str, Any]) -> str:
    """Verdict accuracy ("not judged" counted wrong), and with some not judged, how many and
    the accuracy on the others."""
    text = _fmt(m["accuracy"], True)
    if m.get("not_judged"):
        text += f" ({m['not_judged']} not judged; {_fmt(m['judged_accuracy'], True)} of the others)"
    return text


def _corrections_cell(m: Optional[Dict[str, Any]]) -> str:
    return "-" if not m else f"{m['right']} / {m['wrong']} ({m['unlabelled']})"


def _markdown_corrections(m: Dict[str, Any]) -> List[str]:
    """The corrections the coach would have spoken, against the fault labels."""
    lines = ["## Spoken corrections", "",
             "What the live session's cue policy would have said on these clips (one correction at most per rep, "
             "cooldowns and priorities as configured): right on a clip labelled yes for that fault, wrong on one "
             "labelled no, else unlabelled (not visible, uncertain, or a fault the labels do not cover).", "",
             f"{m['spoken']} spoken: {m['right']} right, {m['wrong']} wrong, {m['unlabelled']} unlabelled; "
             f"precision {_fmt(m['precision'])}.", ""]
    if m["per_fault"]:
        lines += ["| fault | right | wrong | unlabelled |", "|---|---|---|---|"]
        lines += [f"| {f} | {c['right']} | {c['wrong']} | {c['unlabelled']} |" for f, c in m["per_fault"].items()]
        lines.append("")
    if m["wrong_clips"]:
        lines += ["Wrong: " + "; ".join(f"{clip} ({', '.join(fs)})" for clip, fs in m["wrong_clips"].items()), ""]
    return lines


def _print_generalisation(summary: Dict[str, Any], w: Any) -> None:
    if "by_source" not in summary:
        return
    pooled = summary["faults_pooled"]
    w(f"all faults pooled: P {_fmt(pooled['precision'], digits=2)}  R {_fmt(pooled['recall'], digits=2)}  "
      f"(tp {pooled['tp']} fp {pooled['fp']} fn {pooled['fn']})\n")
    spoken = summary.get("spoken_corrections")
    if spoken:
        w(f"spoken corrections: {spoken['right']} right, {spoken['wrong']} wrong, {spoken['unlabelled']} unlabelled "
          f"(precision {_fmt(spoken['precision'], digits=2)})\n")
    if summary.get("tracking_told"):
        w(f"patchy tracking told: {_told_cell(summary['tracking_told'])}\n")
    share = summary["loso"]["clip_fault_min_share"]["held_out_pooled"]
    verdict = summary["loso"]["verdict_min_fault_share"]["held_out_pooled"]
    w(f"leave-one-source-out: faults P {_fmt(share['precision'], digits=2)} R {_fmt(share['recall'], digits=2)}; "
      f"verdict {_fmt(verdict['accuracy'], True)} of {verdict['clips']} clips\n")
    for name, row in summary.get("augment", {}).items():
        c, b, f = row["counting"]["livecoach"], row["counting"]["baseline"], row["faults_pooled"]
        w(f"  {name:10s} MAE {_fmt(c['mae'])} OBO {_fmt(c['obo'], True)}  baseline MAE {_fmt(b['mae'])} "
          f"OBO {_fmt(b['obo'], True)}  faults P {_fmt(f['precision'], digits=2)} "
          f"R {_fmt(f['recall'], digits=2)}  spoken {_corrections_cell(row.get('spoken_corrections'))}  "
          f"pushfit {_fmt(row['verdict']['pushfit']['accuracy'], True)}  "
          f"told {len(row['tracking_told']['told']) if row.get('tracking_told') else '-'}"
          + _variant_terminal(row) + "\n")


def _variant_terminal(row: Dict[str, Any]) -> str:
    """An augmentation row's exercise recognition and hold timing, for the terminal ("" without)."""
    rec, hold = row.get("exercise_recognition"), row.get("hold_timing")
    text = f"  exercise {rec['right']}/{rec['clips']}" if rec else ""
    if hold and hold["holds"]:
        text += f"  holds {hold['within_target']}/{hold['holds']}"
    return text
