"""Replay cached landmarks of a variants manifest through recognition and hold timing.

Usage (from the repository root)::

    PYTHONPATH=. python tools/exercise_report.py ../shared/videos/variants/manifest.json \
        --cache /work/cache/landmarks [--json out.json]

For each clip: FeatureExtractor -> ExerciseRecognizer -> HoldTimers, frame by frame on the
recording's timestamps. Printed per clip: the exercise recognised for most of the time in
position (and every switch) against the manifest's ``exercises``/``what``; the "cannot tell"
notes; the holds timed against ``holds[].good_form_s`` (deliberate holds scored, top pauses
listed apart); the look-alike flags and how long each was on. A recording is found in the
cache as ``<clip file>.<key>.jsonl.gz`` (the newest if several), or ``<clip file>.jsonl.gz``.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from livecoach.config.exercises import load_exercises
from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.logic.exercises import ExerciseRecognizer
from livecoach.logic.features import FeatureExtractor
from livecoach.logic.holds import HoldTimers
from livecoach.types import RepEvent


def find_recording(cache: Path, clip_file: str) -> Optional[Path]:
    exact = cache / f"{clip_file}.jsonl.gz"
    if exact.exists():
        return exact
    found = sorted((p for p in cache.glob(f"{clip_file}.*.jsonl.gz") if not p.name.endswith(".tmp.gz")),
                   key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _mirrored(pose):
    """The same pose seen in a mirror: x flipped, left and right swapped (labels unchanged)."""
    from livecoach.landmarks import Landmark
    from livecoach.types import PoseFrame

    order = []
    for lm in Landmark:
        name = lm.name
        twin = name.replace("LEFT", "#").replace("RIGHT", "LEFT").replace("#", "RIGHT")
        order.append(int(Landmark[twin]))
    img = pose.image_xyz[order].copy()
    img[:, 0] = pose.width - img[:, 0]
    world = pose.world_xyz[order].copy()
    world[:, 0] = -world[:, 0]
    return PoseFrame(t_s=pose.t_s, frame_index=pose.frame_index, width=pose.width, height=pose.height,
                     image_xyz=img, visibility=pose.visibility[order], world_xyz=world)


def augment(frames, how: str):
    """Label-preserving transforms: ``mirror``; ``tempo2`` (every 2nd frame, times halved: twice as
    fast at the same fps); ``tempo0.5`` (every frame twice, times doubled: half speed)."""
    import dataclasses as dc
    from livecoach.formats.recording import RecordedFrame

    if how == "mirror":
        return [RecordedFrame(f.frame_index, f.t_s, _mirrored(f.pose) if f.pose is not None else None) for f in frames]
    if how == "tempo2":
        out = []
        for i, f in enumerate(frames[::2]):
            t = f.t_s / 2.0
            out.append(RecordedFrame(i, t, dc.replace(f.pose, t_s=t, frame_index=i) if f.pose is not None else None))
        return out
    if how == "tempo0.5":
        out = []
        dt = (frames[1].t_s - frames[0].t_s) if len(frames) > 1 else 1 / 30
        for f in frames:
            for k in (0, 1):
                t = f.t_s * 2.0 + k * dt
                i = len(out)
                out.append(RecordedFrame(i, t, dc.replace(f.pose, t_s=t, frame_index=i) if f.pose is not None else None))
        return out
    raise ValueError(how)


def replay(path: Path, library, config, exercise: Optional[str] = None, variant: str = "standard",
           transform: str = "") -> Dict[str, Any]:
    """Recognition timeline, hold records and look-alike flags of one recording, and the reps
    today's SessionAnalyzer counts with and without the recogniser's look-alike veto."""
    from livecoach.logic.analysis import SessionAnalyzer

    _, frames = read_recording(path)
    if transform:
        frames = augment(frames, transform)
    analyzer = SessionAnalyzer(config, variant=variant)
    reps: List[Dict[str, Any]] = []
    extractor = FeatureExtractor(config.features)
    recognizer = ExerciseRecognizer(library, forced=exercise)
    holds = HoldTimers(library, texts=dict(config.cues.texts))
    time_in: Dict[str, float] = defaultdict(float)
    time_confirmed: Dict[str, float] = defaultdict(float)
    flags: Dict[str, float] = defaultdict(float)
    switches: List[Dict[str, Any]] = []
    cannot: Dict[str, str] = {}
    prev_t: Optional[float] = None
    hold_events: List[Dict[str, Any]] = []
    flagged_at: List[float] = []
    for rec in frames:
        feats = extractor.update(rec.pose)
        r = recognizer.update(rec.t_s, rec.pose, feats)
        dt = 0.0 if prev_t is None else max(0.0, rec.t_s - prev_t)
        prev_t = rec.t_s
        if r.changed:
            switches.append({"t_s": round(rec.t_s, 2), "exercise": r.exercise, "confidence": round(r.confidence, 2)})
        if r.exercise and r.in_position:
            time_in[r.exercise] += dt
            if r.confirmed:
                time_confirmed[r.exercise] += dt
        if r.cannot_tell:
            cannot[",".join(r.cannot_tell)] = r.undetermined
        for name in r.lookalikes:
            flags[name] += dt
        if r.lookalikes:
            flagged_at.append(round(rec.t_s, 3))
        for ev in analyzer.update(rec.t_s, rec.frame_index, rec.pose).events:
            if isinstance(ev, RepEvent) and ev.record.full:
                vetoed = recognizer.veto(ev.record.t_start_s, ev.record.t_end_s)
                reps.append({"t_bottom_s": round(ev.record.t_bottom_s, 2), "vetoed_by": vetoed})
        step, _ = holds.update(rec.t_s, r.posture if rec.pose is not None else None, r.exercise)
        if step is not None:
            for ev in step.events:
                hold_events.append({"kind": ev.kind, "t_s": round(ev.t_s, 2), "fault": ev.fault, "text": ev.text})
    if prev_t is not None:
        holds.finish(prev_t)
    majority = max(time_in.items(), key=lambda kv: kv[1])[0] if time_in else None
    confirmed = max(time_confirmed.items(), key=lambda kv: kv[1])[0] if time_confirmed else None
    return {
        "recognised": majority,
        "recognised_confirmed": confirmed,  # counting only confirmed names (a guess is not applied)
        "time_in_s": {k: round(v, 2) for k, v in sorted(time_in.items(), key=lambda kv: -kv[1])},
        "switches": switches,
        "cannot_tell": cannot,
        "lookalikes_s": {k: round(v, 2) for k, v in flags.items()},
        "holds": [{"exercise": h.exercise, "t_start_s": round(h.t_start_s, 2), "t_end_s": round(h.t_end_s, 2),
                   "seconds_total": h.seconds_total, "seconds_good": h.seconds_good, "faults": list(h.faults)}
                  for h in holds.records],
        "hold_events": hold_events,
        "flagged_at": flagged_at,
        "reps": reps,
    }


HOLDS = ("plank", "forearm_plank", "side_plank", "scapular_wall_hold")


def expected_exercises(clip: Dict[str, Any]) -> Optional[List[str]]:
    """The variants a clip shows: ``exercises`` (variants manifest), else from the main manifest's
    free-text ``variant`` (knee push-ups or standard; pushfit clips are standard)."""
    if "exercises" in clip:
        return clip["exercises"]
    text = str(clip.get("variant", "standard"))
    return ["knee"] if re.search(r"\bknee[- ]?push", text, flags=re.IGNORECASE) else ["standard"]


def score_clip(clip: Dict[str, Any], result: Dict[str, Any]) -> Dict[str, Any]:
    """Recognition right/wrong/not scored and hold errors of one clip against its labels."""
    labelled = expected_exercises(clip)
    got = result["recognised"]
    if labelled is None:
        recog = "not scored"
    elif labelled == []:
        # No push-up variant: a look-alike flagged, a hold, or nothing named are right.
        flagged = sum(result["lookalikes_s"].values()) >= 1.0
        recog = "no push-up (look-alike flagged)" if flagged else \
            "no push-up (hold/nothing)" if got is None or got in HOLDS else "wrong (a push-up named, no look-alike)"
    elif got is None:
        recog = "undecided (cannot tell)"
    else:
        recog = "ok" if got in labelled else "wrong"
    confirmed = result.get("recognised_confirmed")
    recog_confirmed = None if not labelled else "unconfirmed" if confirmed is None else \
        "ok" if confirmed in labelled else "wrong"
    errors = []
    for hold in clip.get("holds") or []:
        overlap = [h for h in result["holds"] if h["t_end_s"] >= hold["start_s"] and h["t_start_s"] <= hold["end_s"]]
        timed = sum(h["seconds_good"] for h in overlap)
        errors.append({"label": hold["exercise"], "top_pause": bool(hold.get("is_top_pause")),
                       "good_form_s": hold["good_form_s"], "timed_s": round(timed, 2),
                       "error_s": round(timed - hold["good_form_s"], 2),
                       "as": sorted({h["exercise"] for h in overlap})})
    extra = [h for h in result["holds"]
             if not any(h["t_end_s"] >= lab["start_s"] and h["t_start_s"] <= lab["end_s"]
                        for lab in clip.get("holds") or [])]
    bottoms = clip.get("rep_bottoms_s") or []
    reps_flagged = sum(1 for b in bottoms if any(abs(t - b) <= 0.5 for t in result["flagged_at"]))
    return {"recognition": recog, "recognition_confirmed": recog_confirmed, "hold_errors": errors, "unlabelled_holds": extra,
            "reps_flagged": reps_flagged, "reps_labelled": len(bottoms)}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/landmarks"))
    parser.add_argument("--exercises", type=Path, default=None, help="profile folder (default config/exercises)")
    parser.add_argument("--pushfit", action="store_true", help="also the manifest's pushfit clips (all standard)")
    parser.add_argument("--augment", default="", help="comma list of mirror,tempo2,tempo0.5: recognition, "
                        "holds and flags again on transformed landmarks (one summary line per transform)")
    parser.add_argument("--json", type=Path, default=None, help="also write the full results here")
    args = parser.parse_args(argv)
    config = load_config()
    library = load_exercises(args.exercises)
    manifest = json.loads(args.manifest.read_text())
    clips = list(manifest["clips"]) + ([dict(c, file=c["file"].replace("/", "_")) for c in manifest.get("pushfit", [])]
                                       if args.pushfit else [])
    rows, out = [], {}
    for clip in clips:
        path = find_recording(args.cache, clip["file"])
        if path is None:
            print(f"{clip['file']}: no cached landmarks in {args.cache}", file=sys.stderr)
            continue
        expected = expected_exercises(clip) or []
        result = replay(path, library, config, variant="knee" if "knee" in expected else "standard")
        scored = score_clip(clip, result)
        out[clip["file"]] = {"result": result, "score": scored}
        rows.append((clip, result, scored))
    print("| clip | labelled | recognised (s in position) | cannot tell | recognition | holds: timed vs good_form_s "
          "| unlabelled holds | look-alikes (s flagged) | reps counted today -> after veto (labelled) |")
    print("|---|---|---|---|---|---|---|---|---|")
    right = wrong = none_ok = none_n = undecided = reps_flagged = reps_total = 0
    confirmed_counts: Dict[str, int] = defaultdict(int)
    flagged_pushup: List[str] = []
    before_in = after_in = n_counted = false_before = false_after = lost = 0
    hold_err = []
    for clip, result, scored in rows:
        expected = expected_exercises(clip)
        labelled = "null" if expected is None else (",".join(expected) or "none")
        times = ", ".join(f"{k} {v}" for k, v in result["time_in_s"].items()) or "-"
        holds = "; ".join(f"{e['label']}{' (top pause)' if e['top_pause'] else ''}: {e['timed_s']} vs "
                          f"{e['good_form_s']} ({e['error_s']:+.2f}{' as ' + '/'.join(e['as']) if e['as'] else ''})"
                          for e in scored["hold_errors"]) or "-"
        extra = "; ".join(f"{h['exercise']} {h['seconds_good']}s" for h in scored["unlabelled_holds"]) or "-"
        flags = ", ".join(f"{k} {v}" for k, v in result["lookalikes_s"].items()) or "-"
        cannot = "; ".join(f"{k}: {v}" for k, v in result["cannot_tell"].items()) or "-"
        n_reps = len(result["reps"])
        kept = sum(1 for r in result["reps"] if r["vetoed_by"] is None)
        lo, hi = clip.get("count_min", clip.get("count")), clip.get("count_max", clip.get("count"))
        label = "?" if lo is None else (str(lo) if lo == hi else f"{lo}-{hi}")
        vetoes = ",".join(sorted({r["vetoed_by"] for r in result["reps"] if r["vetoed_by"]}))
        print(f"| {clip['file'].rsplit('.', 1)[0]} | {labelled} | {times} | {cannot} | {scored['recognition']} | "
              f"{holds} | {extra} | {flags} | {n_reps} -> {kept}{' (' + vetoes + ')' if vetoes else ''} ({label}) |")
        if lo is not None:
            before_in += lo <= n_reps <= hi
            after_in += lo <= kept <= hi
            n_counted += 1
            if hi == 0:
                false_before += n_reps
                false_after += kept
            else:
                lost += max(0, min(n_reps, hi) - kept) if n_reps >= lo else 0
        if expected:
            right += scored["recognition"] == "ok"
            wrong += scored["recognition"].startswith("wrong")
            undecided += scored["recognition"].startswith("undecided")
            confirmed_counts[scored["recognition_confirmed"]] += 1
            reps_flagged += scored["reps_flagged"]
            reps_total += scored["reps_labelled"]
            if result["lookalikes_s"]:
                flagged_pushup.append(f"{clip['file']}: " + ", ".join(f"{k} {v}" for k, v in result["lookalikes_s"].items())
                                      + f" (labelled rep bottoms within 0.5 s of a flag: {scored['reps_flagged']} of "
                                      f"{scored['reps_labelled']})")
        elif expected == []:
            none_ok += not scored["recognition"].startswith("wrong")
            none_n += 1
        hold_err += [abs(e["error_s"]) for e in scored["hold_errors"] if not e["top_pause"]]
    print()
    print(f"recognition (clips with a labelled variant): {right} right, {wrong} wrong, {undecided} undecided "
          f"(the view cannot tell) of {right + wrong + undecided}")
    print(f"recognition counting only confirmed names (what the fault rules apply): {confirmed_counts['ok']} right, "
          f"{confirmed_counts['wrong']} wrong, {confirmed_counts['unconfirmed']} never confirmed (judged as standard)")
    print(f"labelled push-up rep bottoms within 0.5 s of a look-alike flag: {reps_flagged} of {reps_total}")
    print(f"counts in the labelled range: today's analyzer {before_in}/{n_counted}, with the look-alike veto "
          f"{after_in}/{n_counted}; false reps on clips without a push-up {false_before} -> {false_after}; "
          f"reps lost to the veto on push-up clips {lost}")
    print(f"clips without a push-up: {none_ok} of {none_n} with a look-alike flagged or a hold/nothing named")
    print(f"push-up clips with a look-alike flagged (counting would pause then): {len(flagged_pushup)}")
    for line in flagged_pushup:
        print(f"  {line}")
    if hold_err:
        print(f"deliberate holds: {len(hold_err)}, max |error| {max(hold_err):.2f} s, "
              f"mean |error| {sum(hold_err) / len(hold_err):.2f} s")
    for how in [h for h in args.augment.split(",") if h]:
        ok = total = holds_ok = holds_n = 0
        changed = []
        for clip, result, scored in rows:
            path = find_recording(args.cache, clip["file"])
            expected = expected_exercises(clip) or []
            res = replay(path, library, config, variant="knee" if "knee" in expected else "standard", transform=how)
            factor = 0.5 if how == "tempo2" else 2.0 if how == "tempo0.5" else 1.0
            sc = score_clip(_scaled(clip, factor), res)
            if expected:
                total += 1
                ok += sc["recognition"] == "ok"
            for e in sc["hold_errors"]:
                if not e["top_pause"]:
                    holds_n += 1
                    holds_ok += abs(e["error_s"]) <= 1.0
            if res["recognised"] != result["recognised"]:
                changed.append(f"{clip['file']}: {result['recognised']} -> {res['recognised']}")
        print(f"[{how}] recognition right on {ok}/{total} labelled clips; deliberate holds within 1.0 s of the scaled label: "
              f"{holds_ok}/{holds_n}; majority exercise changed on: {'; '.join(changed) or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def _scaled(clip: Dict[str, Any], factor: float) -> Dict[str, Any]:
    """Clip labels with times (and hold seconds) scaled by ``factor`` (tempo transforms)."""
    out = dict(clip)
    out["rep_bottoms_s"] = [b * factor for b in clip.get("rep_bottoms_s") or []]
    out["holds"] = [dict(h, start_s=h["start_s"] * factor, end_s=h["end_s"] * factor,
                         good_form_s=h["good_form_s"] * factor) for h in clip.get("holds") or []]
    return out


if __name__ == "__main__":
    sys.exit(main())
