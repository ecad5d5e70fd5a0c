"""``livecoach eval MANIFEST``: run labelled clips through the real pipeline and score it.

For every clip of the manifest (paths relative to the manifest's folder) the harness

1. gets the clip's landmarks from a cache keyed by the video's content hash, the pose
   settings and the inference width -- on a miss it runs :class:`MediaPipePoseEstimator`
   on *every* frame (decoded by the capture module's every-frame video source) and records
   them with :class:`~livecoach.formats.recording.LandmarkWriter`, in worker processes when
   several clips miss;
2. replays them through the real :class:`~livecoach.logic.analysis.SessionAnalyzer` (rep state
   machine + :class:`~livecoach.logic.faults.FaultChecker`) and, in the same pass, through the
   naive baseline counter (:mod:`livecoach.evaluation.baseline`);
3. scores counts against the manifest's ``count_min..count_max`` range (inside = exact,
   outside = the distance to the range), the full/no-rep split, reps outside the active
   span, per-fault precision/recall against the labellers' consensus, and the
   correct/incorrect verdict on the ``pushfit`` list;

and prints a per-clip table, writing ``eval.json`` and ``eval.md`` to ``--out``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from livecoach.evaluation.baseline import NaiveElbowCounter
from livecoach.config.schema import Config, ConfigError, PoseConfig, config_as_dict, load_config
from livecoach.formats.recording import SCHEMA_VERSION, LandmarkWriter, RecordedFrame, RecordingError, RecordingHeader, read_recording
from livecoach.formats.records import rep_record_dict
from livecoach.types import RepEvent, RepRecord
from livecoach.logic.verdict import fault_shares, judge_session
from livecoach.errors import LiveCoachError

__all__ = [
    "EvalError", "ClipSpec", "ClipResult", "load_manifest", "variant_from_text", "range_error",
    "count_metrics", "fault_metrics", "verdict_metrics", "clip_fault_prediction", "reps_outside_span",
    "split_agreement", "replay_clip", "replay_summary", "run_eval", "register",
]

#: Faults the manifest labels (shrug and rushed_negative are not labelled).
LABELLED_FAULTS: Tuple[str, ...] = ("hip_sag", "hip_pike", "shallow", "no_lockout", "elbow_flare",
                                    "head_drop", "knees_bent", "asymmetry")


class EvalError(LiveCoachError):
    """A problem with the manifest, a clip or the cache; the message is one line."""


# ---------------------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClipSpec:
    """One clip of the manifest and its ground truth.

    ``kind`` is ``"detailed"`` (the ``clips`` list: counts, spans, fault labels) or
    ``"pushfit"`` (the ``pushfit`` list: a correct/incorrect label only).
    """

    file: str
    path: Path
    kind: str
    variant: str = "standard"
    variant_text: str = ""
    view_text: str = ""
    count: Optional[int] = None
    count_min: Optional[int] = None
    count_max: Optional[int] = None
    full_reps: Optional[int] = None
    partial_reps: Optional[int] = None
    active_span_s: Optional[Tuple[float, float]] = None
    rep_bottoms_s: Tuple[float, ...] = ()
    faults: Dict[str, str] = field(default_factory=dict)
    label: Optional[str] = None  # pushfit: correct | incorrect


def variant_from_text(text: str) -> str:
    """The analyzer's variant for a manifest's free-text ``variant``: knee push-ups or standard."""
    return "knee" if re.search(r"\bknee[- ]?push", text or "", flags=re.IGNORECASE) else "standard"


def _opt_int(value: Any) -> Optional[int]:
    return None if value is None else int(value)


def load_manifest(path: Path) -> List[ClipSpec]:
    """Every clip of the manifest at ``path``: the ``clips`` list, then ``pushfit``.

    Raises :class:`EvalError` (one line) for a missing or malformed manifest.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalError(f"{path}: manifest not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"{path}: cannot read manifest ({exc})") from None
    except json.JSONDecodeError as exc:
        raise EvalError(f"{path}: manifest is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("clips", []), list) \
            or not isinstance(data.get("pushfit", []), list):
        raise EvalError(f"{path}: not a clip manifest (expected an object with 'clips' and/or 'pushfit' lists)")
    if not data.get("clips") and not data.get("pushfit"):
        raise EvalError(f"{path}: manifest lists no clips")
    root = path.resolve().parent
    out: List[ClipSpec] = []
    for i, entry in enumerate(data.get("clips", [])):
        where = f"{path}: clips[{i}]"
        try:
            file = str(entry["file"])
            count = int(entry["count"])
            span = entry.get("active_span_s")
            variant_text = str(entry.get("variant") or "standard")
            out.append(ClipSpec(
                file=file, path=root / file, kind="detailed", variant=variant_from_text(variant_text),
                variant_text=variant_text, view_text=str(entry.get("view") or ""), count=count,
                count_min=int(entry.get("count_min", count)), count_max=int(entry.get("count_max", count)),
                full_reps=_opt_int(entry.get("full_reps")), partial_reps=_opt_int(entry.get("partial_reps")),
                active_span_s=(float(span[0]), float(span[1])) if span else None,
                rep_bottoms_s=tuple(float(t) for t in entry.get("rep_bottoms_s") or ()),
                faults={str(k): str(v) for k, v in (entry.get("faults") or {}).items()},
                label=_normalise_label(entry.get("source_label")),
            ))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise EvalError(f"{where}: bad entry ({type(exc).__name__}: {exc})") from None
        if out[-1].count_min > out[-1].count_max:
            raise EvalError(f"{where}: count_min > count_max")
    for i, entry in enumerate(data.get("pushfit", [])):
        try:
            file = str(entry["file"])
            label = str(entry["label"])
        except (KeyError, TypeError) as exc:
            raise EvalError(f"{path}: pushfit[{i}]: bad entry (missing {exc})") from None
        if label not in ("correct", "incorrect"):
            raise EvalError(f"{path}: pushfit[{i}]: label must be correct or incorrect, not {label!r}")
        variant_text = str(entry.get("variant") or "standard")
        out.append(ClipSpec(file=file, path=root / file, kind="pushfit", variant=variant_from_text(variant_text),
                            variant_text=variant_text, label=label))
    return out


def _normalise_label(label: Any) -> Optional[str]:
    """A source's own correct/incorrect wording, mapped to the two verdicts (or None)."""
    if not label:
        return None
    text = str(label).lower()
    if text in ("correct", "good", "perfect"):
        return "correct"
    if text in ("incorrect", "wrong", "bad"):
        return "incorrect"
    return None


# ---------------------------------------------------------------------------------------
# Landmark cache and extraction
# ---------------------------------------------------------------------------------------

def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(video_sha256: str, config: Config) -> str:
    """What the recorded landmarks depend on: the video bytes, the pose settings, the width."""
    settings = {"pose": config_as_dict(config)["pose"],
                "inference_max_width": config.capture.inference_max_width,
                "recording_schema": SCHEMA_VERSION}
    blob = video_sha256 + json.dumps(settings, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def cache_path(cache_dir: Path, clip: ClipSpec, key: str) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", clip.file)
    return cache_dir / f"{stem}.{key}.jsonl.gz"


def extract_landmarks(video: Path, out_path: Path, pose_config: PoseConfig, max_width: int) -> Path:
    """Run the pose model on every frame of ``video`` and record the landmarks to ``out_path``.

    Decoding goes through the capture module's every-frame video source (the same code as
    ``livecoach analyze``); the recording is written to a temporary name and renamed, so an
    interrupted run never leaves a half file in the cache.
    """
    from livecoach.capture.sources import VideoFileSource  # adapter modules: cv2 and mediapipe stay out of here
    from livecoach.capture.pose import MediaPipePoseEstimator

    tmp = out_path.with_name(out_path.name + f".{os.getpid()}.tmp.gz")
    source = VideoFileSource(video, paced=False)
    try:
        source.open()
        header = RecordingHeader(source=video.name, width=int(source.width), height=int(source.height),
                                 fps=float(source.fps))
        with MediaPipePoseEstimator(pose_config, max_width=max_width) as estimator, \
                LandmarkWriter(tmp, header) as writer:
            while True:
                frame = source.read()
                if frame is None:
                    break
                writer.write(frame.index, frame.t_s, estimator.estimate(frame))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(tmp, out_path)
    return out_path


def _extract_job(job: Tuple[str, str, PoseConfig, int]) -> Tuple[str, Optional[str]]:
    """Worker-process entry: (video, out, pose settings, width) -> (out, error line or None).

    The parent's resolved settings travel with the job (a worker never re-reads config
    files, so every clip of a run is extracted with the same settings as its cache key).
    """
    video, out, pose_config, max_width = job
    try:
        extract_landmarks(Path(video), Path(out), pose_config, max_width)
        return out, None
    except Exception as exc:  # reported per clip; one bad video must not stop the run
        return out, f"{type(exc).__name__}: {exc}".splitlines()[0]


def ensure_landmarks(clips: Sequence[ClipSpec], config: Config, cache_dir: Path, jobs: int = 2,
                     seed_dir: Optional[Path] = None,
                     log=print) -> Dict[str, Tuple[Optional[Path], Optional[str]]]:
    """For each clip, the cached recording's path (extracting misses) or an error line."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    result: Dict[str, Tuple[Optional[Path], Optional[str]]] = {}
    misses: List[Tuple[ClipSpec, Path]] = []
    for clip in clips:
        if not clip.path.is_file():
            result[clip.file] = (None, f"video not found: {clip.path}")
            continue
        path = cache_path(cache_dir, clip, cache_key(file_sha256(clip.path), config))
        if path.is_file():
            result[clip.file] = (path, None)
            continue
        seed = (seed_dir / (clip.file + ".jsonl.gz")) if seed_dir else None
        if seed is not None and seed.is_file():
            shutil.copyfile(seed, path)
            result[clip.file] = (path, None)
            continue
        misses.append((clip, path))
    if misses:
        log(f"extracting landmarks of {len(misses)} clip(s) with {min(jobs, len(misses))} process(es)...")
        width = config.capture.inference_max_width
        work = [(str(c.path), str(p), config.pose, width) for c, p in misses]
        started = time.monotonic()
        if jobs > 1 and len(work) > 1:
            import multiprocessing

            with multiprocessing.get_context("spawn").Pool(min(jobs, len(work))) as pool:
                outcomes = pool.map(_extract_job, work, chunksize=1)
        else:
            outcomes = [_extract_job(job) for job in work]
        for (clip, path), (_, error) in zip(misses, outcomes):
            result[clip.file] = (None, error) if error else (path, None)
        log(f"extracted in {time.monotonic() - started:.0f} s")
    return result


# ---------------------------------------------------------------------------------------
# Replay through the real pipeline
# ---------------------------------------------------------------------------------------

@dataclass
class ClipResult:
    """What the pipeline and the baseline made of one clip."""

    file: str
    kind: str
    variant: str
    frames: int = 0
    frames_with_pose: int = 0
    duration_s: float = 0.0
    records: List[RepRecord] = field(default_factory=list)
    baseline_count: int = 0
    session_verdict: Optional[str] = None  # SessionEnd.form_verdict from the analyzer
    verdict: Optional[str] = None  # verdict.judge_session on the records
    verdict_reason: str = ""
    error: Optional[str] = None

    @property
    def reps(self) -> int:
        return sum(1 for r in self.records if r.full)

    @property
    def no_reps(self) -> int:
        return sum(1 for r in self.records if not r.full)

    @property
    def cycles(self) -> int:
        return len(self.records)


def replay_frames(frames: Sequence[RecordedFrame], config: Config, variant: str, fps: float = 0.0,
                  file: str = "", kind: str = "detailed", exercise: Optional[str] = None) -> ClipResult:
    """Run recorded frames through SessionAnalyzer (with the real FaultChecker) and the baseline.
    ``exercise`` None = recognised (``--exercise auto``), else forced."""
    from livecoach.logic.analysis import SessionAnalyzer

    analyzer = SessionAnalyzer(config, variant=variant, exercise=exercise)
    baseline = NaiveElbowCounter(config.eval.baseline_up_deg, config.eval.baseline_down_deg)
    result = ClipResult(file=file, kind=kind, variant=variant)
    last_t = 0.0
    for rec in frames:
        step = analyzer.update(rec.t_s, rec.frame_index, rec.pose)
        for event in step.events:
            if isinstance(event, RepEvent):
                result.records.append(event.record)
        baseline.update(rec.t_s, rec.pose)
        result.frames += 1
        result.frames_with_pose += rec.pose is not None
        last_t = rec.t_s
    end = analyzer.finish(last_t, result.frames, result.frames_with_pose, fps, 0, "end_of_source")
    result.duration_s = last_t
    result.baseline_count = baseline.count
    result.session_verdict = end.form_verdict
    judged = judge_session(result.records, config)
    result.verdict, result.verdict_reason = judged.verdict, judged.reason
    return result


def replay_clip(clip: ClipSpec, recording: Path, config: Config) -> ClipResult:
    header, frames = read_recording(recording)
    return replay_frames(frames, config, clip.variant, header.fps, clip.file, clip.kind)


def replay_summary(recording: Path, config: Config, variant: str) -> Dict[str, Any]:
    """A compact, comparable summary of one recording replayed through the pipeline:
    counts, each cycle's faults, the verdict and the baseline's count (the regression
    fixtures' expected files hold exactly this). The labelled ``variant`` is forced as the
    exercise: the fixtures pin counting and the fault rules of that exercise; recognition is
    measured on its own (tools/exercise_report.py)."""
    header, frames = read_recording(recording)
    result = replay_frames(frames, config, variant, header.fps, Path(recording).name, exercise=variant)
    return {
        "variant": variant,
        "frames": result.frames,
        "frames_with_pose": result.frames_with_pose,
        "reps": result.reps,
        "no_reps": result.no_reps,
        "cycles": [{"full": r.full, "t_bottom": round(r.t_bottom_s, 2), "faults": sorted(r.fault_names),
                    "not_judged": sorted(r.not_judged), "score": r.score, "reason": r.no_rep_reason}
                   for r in result.records],
        "verdict": result.verdict,
        "session_verdict": result.session_verdict,
        "baseline_count": result.baseline_count,
    }


# ---------------------------------------------------------------------------------------
# Metrics (pure functions)
# ---------------------------------------------------------------------------------------

def range_error(predicted: int, lo: int, hi: int) -> int:
    """0 inside ``lo..hi``, else the distance to the nearer end."""
    if predicted < lo:
        return lo - predicted
    if predicted > hi:
        return predicted - hi
    return 0


def count_metrics(pairs: Sequence[Tuple[int, ClipSpec]]) -> Dict[str, Any]:
    """MAE (mean error / true count), OBO (share with error <= 1) and exact share.

    ``pairs`` are (predicted count, clip); clips whose true count is 0 are skipped (the
    relative error is undefined).
    """
    errors = []
    for predicted, clip in pairs:
        if not clip.count:
            continue
        err = range_error(predicted, clip.count_min, clip.count_max)
        errors.append((err, err / clip.count))
    n = len(errors)
    if n == 0:
        return {"clips": 0, "mae": None, "obo": None, "exact": None}
    return {"clips": n, "mae": sum(rel for _, rel in errors) / n,
            "obo": sum(err <= 1 for err, _ in errors) / n,
            "exact": sum(err == 0 for err, _ in errors) / n}


def split_agreement(result: ClipResult, clip: ClipSpec) -> Optional[Dict[str, Any]]:
    """Full reps vs no-reps against the labels (None where the labellers disagreed on depth).

    Full reps must fall in the range the clip's count allows (a cut half-cycle may be
    counted or not); no-reps must match ``partial_reps`` exactly.
    """
    if clip.full_reps is None or clip.partial_reps is None or clip.count is None:
        return None
    lo = clip.full_reps - (clip.count - clip.count_min)
    hi = clip.full_reps + (clip.count_max - clip.count)
    full_ok = range_error(result.reps, max(0, lo), hi) == 0
    no_rep_ok = result.no_reps == clip.partial_reps
    return {"full_ok": full_ok, "no_rep_ok": no_rep_ok, "agree": full_ok and no_rep_ok}


def reps_outside_span(records: Sequence[RepRecord], span: Optional[Tuple[float, float]],
                      full_only: bool = True) -> int:
    """Reps whose bottom lies outside the labelled active span, or that ended before it began."""
    if span is None:
        return 0
    start, end = span
    n = 0
    for r in records:
        if full_only and not r.full:
            continue
        if not (start <= r.t_bottom_s <= end) or r.t_end_s < start:
            n += 1
    return n


def clip_fault_prediction(records: Sequence[RepRecord], fault: str, min_share: float) -> Optional[bool]:
    """Whether a clip shows ``fault``: on at least ``min_share`` of the cycles that judged it.

    ``None`` when no cycle could judge it (no cycles, or the view hides it).
    """
    judged = [r for r in records if fault not in r.not_judged]
    if not judged:
        return None
    share = sum(fault in r.fault_names for r in judged) / len(judged)
    return share >= min_share and share > 0


def fault_metrics(items: Sequence[Tuple[ClipSpec, ClipResult]], min_share: float) -> Dict[str, Dict[str, Any]]:
    """Per fault: precision/recall over clips whose consensus is yes/no and that the app judged.

    Clips labelled ``not_visible`` or ``uncertain`` are skipped; so is knees_bent on
    deliberate knee push-ups. Clips labelled yes/no that the app could not judge (view,
    no cycles) are counted as ``not_judged``, outside precision/recall.
    """
    out: Dict[str, Dict[str, Any]] = {}
    for fault in LABELLED_FAULTS:
        tp = fp = fn = tn = not_judged = 0
        clips_detail = []
        for clip, result in items:
            label = clip.faults.get(fault)
            if label not in ("yes", "no") or result.error:
                continue
            if fault == "knees_bent" and clip.variant == "knee":
                continue
            predicted = clip_fault_prediction(result.records, fault, min_share)
            if predicted is None:
                not_judged += 1
                clips_detail.append((clip.file, label, None))
                continue
            truth = label == "yes"
            tp += truth and predicted
            fp += (not truth) and predicted
            fn += truth and not predicted
            tn += (not truth) and not predicted
            clips_detail.append((clip.file, label, predicted))
        out[fault] = {
            "tp": tp, "fp": fp, "fn": fn, "tn": tn, "not_judged": not_judged,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "clips": clips_detail,
        }
    return out


def verdict_metrics(items: Sequence[Tuple[ClipSpec, ClipResult]]) -> Dict[str, Any]:
    """Accuracy of the correct/incorrect verdict against the clips' labels, with the confusion."""
    pairs = [(clip.label, result.verdict) for clip, result in items
             if clip.label in ("correct", "incorrect") and not result.error]
    n = len(pairs)
    confusion = {f"{t}->{p}": sum(1 for a, b in pairs if a == t and b == p)
                 for t in ("correct", "incorrect") for p in ("correct", "incorrect")}
    return {"clips": n, "accuracy": (sum(a == b for a, b in pairs) / n) if n else None,
            "confusion": confusion}


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------

def _fmt(value: Optional[float], pct: bool = False, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1%}" if pct else f"{value:.{digits}f}"


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
    row["label"] = clip.label
    return row


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
        "verdict": {"pushfit": verdict_metrics(pushfit),
                    "detailed_source_labels": verdict_metrics(detailed)},
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
        src = summary["verdict"]["detailed_source_labels"]
        if src["clips"]:
            lines += ["", f"Verdict against the source's own correct/incorrect label, where a detailed clip has one: "
                          f"{_fmt(src['accuracy'], True)} of {src['clips']} clips."]
        lines.append("")
    pf = summary["verdict"]["pushfit"]
    if pf["clips"]:
        rows = [row for row in summary["clips"] if row["kind"] == "pushfit"]
        lines += ["## PushFit verdict", "",
                  f"Accuracy {_fmt(pf['accuracy'], True)} on {pf['clips']} clips "
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
        w(f"pushfit verdict accuracy {_fmt(pf['accuracy'], True)} on {pf['clips']} clips  {pf['confusion']}\n")
    for file, error in summary["errors"].items():
        w(f"error: {file}: {error}\n")


def run_eval(manifest: Path, config: Config, out_dir: Optional[Path] = None, cache_dir: Optional[Path] = None,
             jobs: int = 2, only: Optional[Sequence[str]] = None, seed_dir: Optional[Path] = None,
             log=print) -> Dict[str, Any]:
    """The whole evaluation; returns the summary (also written to ``out_dir`` if given)."""
    clips = load_manifest(manifest)
    if only:
        wanted = set(only)
        clips = [c for c in clips if c.file in wanted or Path(c.file).name in wanted
                 or Path(c.file).stem in wanted]
        if not clips:
            raise EvalError(f"--only matched no clip of {manifest}")
    cache = Path(os.path.expanduser(str(cache_dir or config.eval.cache_dir)))
    recordings = ensure_landmarks(clips, config, cache, jobs=jobs, seed_dir=seed_dir, log=log)
    results: Dict[str, ClipResult] = {}
    for clip in clips:
        path, error = recordings[clip.file]
        if error or path is None:
            results[clip.file] = ClipResult(clip.file, clip.kind, clip.variant, error=error or "no landmarks")
            continue
        try:
            results[clip.file] = replay_clip(clip, path, config)
        except RecordingError as exc:
            results[clip.file] = ClipResult(clip.file, clip.kind, clip.variant, error=str(exc))
        except Exception as exc:  # a pipeline bug on one clip: report it with the others, keep going
            message = f"{type(exc).__name__} while replaying: {exc}".splitlines()[0]
            results[clip.file] = ClipResult(clip.file, clip.kind, clip.variant, error=message)
    summary = summarise(clips, results, config)
    summary["manifest"] = str(manifest)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "eval.json").write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
        (out_dir / "eval.md").write_text(render_markdown(summary, str(manifest)), encoding="utf-8")
    return summary


# ---------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------

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
    parser.set_defaults(func=handle_eval)


def handle_eval(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"livecoach: error: bad config: {exc}", file=sys.stderr)
        return 1
    if args.jobs < 1:
        print("livecoach: error: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        summary = run_eval(args.manifest, config, out_dir=args.out, cache_dir=args.cache, jobs=args.jobs,
                           only=args.only, seed_dir=args.seed, log=lambda msg: print(msg, file=sys.stderr))
    except EvalError as exc:
        print(f"livecoach: error: {exc}", file=sys.stderr)
        return 1
    print_table(summary)
    if args.out:
        print(f"wrote {args.out / 'eval.json'} and {args.out / 'eval.md'}")
    return 1 if summary["errors"] and len(summary["errors"]) == len(summary["clips"]) else 0
