"""Measure the second-person check (a developer tool, not installed).

``python -m tools.second_person_check [--videos DIR] [--cache DIR] [--every S] [--complexity N]``

* **False alarms**: on every shared clip (one person each, per the manifests' ``people_in_frame``
  and notes), a look every ``--every`` seconds of source time, with the tracked person's landmarks
  taken from the landmark cache (no tracker run). Prints per clip: looks, sightings, and why the
  others were rejected; and what :class:`~livecoach.logic.crowd.SecondPersonWatch` would say.
* **Hits**: two clips side by side (``np.hstack`` of frames at the same time, both scaled to one
  height), the tracker run on the composite, a look every ``--every`` s.
* **Cost**: on ``--cost-clip`` (450 frames decoded into memory first), the tracker on every frame
  and a look every ``--every`` s: the looks' time as a share of the tracker's, same frames, same run.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from livecoach.capture.pose import MediaPipePoseEstimator
from livecoach.capture.second_person import SecondPersonDetector
from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.logic.crowd import SecondPersonWatch, rules_from_config
from livecoach.types import Frame

REPO = Path(__file__).resolve().parents[1]


def cached_recording(cache: Path, clip: str, transform: Optional[str] = None) -> Optional[Path]:
    name = clip if transform is None else f"{clip}_{transform}"
    hits = [p for p in cache.glob(f"{name}.*.jsonl.gz") if p.name.count(".") == 4]
    return hits[0] if hits else None


def clips(videos: Path) -> List[Path]:
    out = []
    for manifest in (videos / "manifest.json", videos / "variants" / "manifest.json"):
        data = json.loads(manifest.read_text())
        out += [manifest.parent / c["file"] for c in data["clips"]]
    return out


def false_alarms(videos: Path, cache: Path, detector: SecondPersonDetector, every_s: float,
                 transform: Optional[str] = None) -> None:
    """Looks over every shared clip (``transform``: the eval's image transform applied to the
    frames, the tracked poses from its cached landmarks of the transformed frames)."""
    from livecoach.evaluation.augment import AUGMENTATIONS
    from livecoach.evaluation.image_transforms import apply_image_transform

    augmentation = next((a for a in AUGMENTATIONS if a.name == transform), None) if transform else None
    total_looks = total_seen = total_notices = 0
    for path in clips(videos):
        rec = cached_recording(cache, path.name, transform)
        if rec is None:
            continue
        _, frames = read_recording(rec)
        by_index = {f.frame_index: f for f in frames}
        cap = cv2.VideoCapture(str(path))
        watch = SecondPersonWatch(detector.rules)
        next_t = 0.0
        reasons: Dict[str, int] = {}
        seen_at: List[float] = []
        index = -1
        while True:
            ok, image = cap.read()
            if not ok:
                break
            index += 1
            recorded = by_index.get(index)
            if recorded is None or recorded.pose is None or recorded.t_s < next_t:
                continue
            next_t = recorded.t_s + every_s
            if augmentation is not None:
                image = apply_image_transform(augmentation, image, index)
            sighting = detector.look(Frame(index, recorded.t_s, image), recorded.pose)
            reasons[sighting.reason] = reasons.get(sighting.reason, 0) + 1
            if sighting.seen:
                seen_at.append(round(sighting.t_s, 1))
            if watch.update(sighting) is not None:
                total_notices += 1
        cap.release()
        total_looks += watch.checks
        total_seen += watch.seen
        print(f"{path.name}: {watch.checks} looks, seen {watch.seen} {seen_at}, notices {watch.notices}, "
              f"{reasons}")
    print(f"CLIPS ({transform or 'as they are'}): {total_looks} looks, {total_seen} sightings, {total_notices} notices")


def pushfit_false_alarms(videos: Path, config, detector: SecondPersonDetector, every_s: float) -> None:
    """The 100 PushFit clips (one person each, not in the landmark cache): the tracked person's
    pose at each look from a single-image run of the tracker's model (as the tracker's first frame)."""
    import mediapipe as mp

    still = MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
    still.close()
    # The tracker's model in single-image mode: a fresh detection on every look (tool only).
    still._pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=config.pose.model_complexity,
                                         enable_segmentation=False,
                                         min_detection_confidence=config.pose.min_detection_confidence)
    data = json.loads((videos / "manifest.json").read_text())
    looks = seen = notices = 0
    fired: List[str] = []
    for clip in data["pushfit"]:
        path = videos / clip["file"]
        cap = cv2.VideoCapture(str(path))
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        watch = SecondPersonWatch(detector.rules)
        next_t, index = 0.0, -1
        while True:
            ok, image = cap.read()
            if not ok:
                break
            index += 1
            t = index / fps
            if t < next_t:
                continue
            frame = Frame(index, t, image)
            pose = still.estimate(frame)
            if pose is None:
                continue
            next_t = t + every_s
            s = detector.look(frame, pose)
            if s.seen:
                fired.append(f"{clip['file']}@{t:.1f}({s.overlap:.2f})")
            if watch.update(s) is not None:
                notices += 1
        cap.release()
        looks += watch.checks
        seen += watch.seen
    still.close()
    print(f"PUSHFIT 100 CLIPS: {looks} looks, {seen} sightings {fired}, {notices} notices")


def read_frames(path: Path, limit: int, start: int = 0) -> Tuple[List[np.ndarray], float]:
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    cap.set(cv2.CAP_PROP_POS_FRAMES, start)
    out = []
    while len(out) < limit:
        ok, image = cap.read()
        if not ok:
            break
        out.append(image)
    cap.release()
    return out, fps


def side_by_side(left: np.ndarray, right: np.ndarray, height: int = 360, right_scale: float = 1.0) -> np.ndarray:
    """Both at ``height``; the right one then shrunk by ``right_scale`` (further away) and padded
    back with its own edge pixels, standing on the same floor line."""
    def scaled(img: np.ndarray, h_out: int) -> np.ndarray:
        h, w = img.shape[:2]
        return cv2.resize(img, (max(1, round(w * h_out / h)), h_out), interpolation=cv2.INTER_AREA)

    right_img = scaled(right, height)
    if right_scale < 1.0:
        small = scaled(right_img, max(1, round(height * right_scale)))
        top = height - small.shape[0]
        side = right_img.shape[1] - small.shape[1]
        right_img = cv2.copyMakeBorder(small, top, 0, side // 2, side - side // 2, cv2.BORDER_REPLICATE)
    return np.hstack([scaled(left, height), right_img])


def hits(videos: Path, config, detector: SecondPersonDetector, pairs: List[Tuple[str, str]], every_s: float,
         right_scale: float = 1.0) -> None:
    for a, b in pairs:
        fa, fps = read_frames(videos / a, 300)
        fb, _ = read_frames(videos / b, 300)
        n = min(len(fa), len(fb))
        watch = SecondPersonWatch(detector.rules)
        tracker = MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
        next_t, first_notice = 0.0, None
        reasons: Dict[str, int] = {}
        overlaps: List[float] = []
        for i in range(n):
            image = side_by_side(fa[i], fb[i], right_scale=right_scale)
            frame = Frame(i, i / fps, image)
            pose = tracker.estimate(frame)
            if pose is None or frame.t_s < next_t:
                continue
            next_t = frame.t_s + every_s
            s = detector.look(frame, pose)
            reasons[s.reason] = reasons.get(s.reason, 0) + 1
            overlaps.append(round(s.overlap, 2))
            if watch.update(s) is not None and first_notice is None:
                first_notice = frame.t_s
        tracker.close()
        print(f"{a} | {b} (x{right_scale:g}): {watch.checks} looks, seen {watch.seen}, first notice at {first_notice}, {reasons}, overlaps {overlaps}")


def cost(videos: Path, config, detector: SecondPersonDetector, clip: str, every_s: float, frames: int) -> None:
    images, fps = read_frames(videos / clip, frames)
    tracker = MediaPipePoseEstimator(config.pose, config.capture.inference_max_width)
    track_s = look_s = 0.0
    looks = 0
    next_t = 0.0
    for i, image in enumerate(images):
        frame = Frame(i, i / fps, image)
        t0 = time.perf_counter()
        pose = tracker.estimate(frame)
        track_s += time.perf_counter() - t0
        if pose is None or frame.t_s < next_t:
            continue
        next_t = frame.t_s + every_s
        t0 = time.perf_counter()
        detector.look(frame, pose)
        look_s += time.perf_counter() - t0
        looks += 1
    tracker.close()
    print(f"COST {clip}: {len(images)} frames at {fps:g} fps, tracker {track_s:.2f} s "
          f"({1000 * track_s / len(images):.1f} ms/frame), {looks} looks {look_s:.2f} s "
          f"({1000 * look_s / max(looks, 1):.1f} ms/look): ratio {look_s / track_s:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=Path, default=REPO.parent / "shared" / "videos")
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/landmarks"))
    parser.add_argument("--every", type=float, default=None, help="seconds between looks (default: the config's)")
    parser.add_argument("--complexity", type=int, default=1)
    parser.add_argument("--what", choices=("false", "pushfit", "hits", "cost", "all"), default="all")
    parser.add_argument("--cost-clip", default="tayyab__pushup.mp4")
    parser.add_argument("--frames", type=int, default=450)
    parser.add_argument("--transform", choices=("dim", "mirror", "zoomout", "rotate"), default=None,
                        help="false alarms on transformed frames (clips with cached transformed landmarks)")
    parser.add_argument("--right-scale", type=float, default=1.0,
                        help="hits: the second person shrunk to this share of the height (further away)")
    args = parser.parse_args()
    config = load_config()
    rules = rules_from_config(config.capture)
    if args.every is not None:
        rules = dataclasses.replace(rules, check_s=args.every)
    detector = SecondPersonDetector(rules, model_complexity=args.complexity,
                                    max_width=config.capture.inference_max_width)
    if args.what in ("false", "all"):
        false_alarms(args.videos, args.cache, detector, rules.check_s, args.transform)
    if args.what in ("pushfit", "all"):
        pushfit_false_alarms(args.videos, config, detector, rules.check_s)
    if args.what in ("hits", "all"):
        hits(args.videos, config, detector,
             [("tayyab__pushup.mp4", "calimiro__videoplayback.mp4"),
              ("pushfit__wrong49.mp4", "vraj__pushups.mp4"),
              ("kaiakol__pushup_correct_001.mp4", "formfocus__good-pushup.mp4")], rules.check_s, args.right_scale)
    if args.what in ("cost", "all"):
        cost(args.videos, config, detector, args.cost_clip, rules.check_s, args.frames)
    detector.close()


if __name__ == "__main__":
    main()
