"""The evaluation on one real clip: decode every frame, run MediaPipe, cache, replay.

Marked ``model`` (runs the real pose model); skipped when ../shared/videos is absent.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.augment import parse_augmentations
from livecoach.evaluation.run import run_eval
from livecoach.formats.recording import read_recording
from conftest import FIXTURES as FIXTURES_DIR

CLIP = "pushfit__wrong58.mp4"  # 84 frames at 320x240: the shortest clip with a committed fixture
FIXTURE = FIXTURES_DIR / "landmarks" / f"{CLIP}.jsonl.gz"


@pytest.mark.model
def test_eval_extracts_caches_and_scores_one_real_clip(shared_videos, tmp_path):
    config = load_config()
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    summary = run_eval(shared_videos / "manifest.json", config, out_dir=out, cache_dir=cache, jobs=1,
                       only=[CLIP], log=lambda msg: None)
    assert not summary["errors"]
    row = summary["clips"][0]
    manifest = {c["file"]: c for c in json.loads((shared_videos / "manifest.json").read_text())["clips"]}
    assert row["frames"] == manifest[CLIP]["frames"]  # every frame decoded and analysed
    assert row["frames_with_pose"] > 0.8 * row["frames"]
    assert row["cycles"] >= 1 and row["baseline"] >= 0
    assert (out / "eval.json").is_file() and "PushFit" not in (out / "eval.md").read_text()

    # the recording in the cache matches the committed fixture made the same way
    (recording,) = list(cache.glob("*.jsonl.gz"))
    _, fresh = read_recording(recording)
    _, stored = read_recording(FIXTURE)
    assert len(fresh) == len(stored)
    both = [(a.pose, b.pose) for a, b in zip(fresh, stored) if a.pose is not None and b.pose is not None]
    assert len(both) > 0.8 * len(fresh)
    # Landmarks visible in both runs only: hidden ones are the model's guesses, and those differ by up to
    # ~18 px between CPUs (SIMD paths) while visible ones agree within a few pixels.
    def worst_visible_px(a, b) -> float:
        visible = (a.visibility > 0.5) & (b.visibility > 0.5)
        return float(np.abs(a.image_xyz[visible, :2] - b.image_xyz[visible, :2]).max()) if visible.any() else 0.0

    error_px = np.median([worst_visible_px(a, b) for a, b in both])
    assert error_px < 5.0

    # a second run is a cache hit: the recording is not rewritten
    mtime = recording.stat().st_mtime_ns
    again = run_eval(shared_videos / "manifest.json", config, cache_dir=cache, jobs=1, only=[CLIP],
                     log=lambda msg: pytest.fail(f"unexpected extraction: {msg}"))
    assert recording.stat().st_mtime_ns == mtime
    assert again["clips"][0]["cycles"] == row["cycles"]


# PushFit wrong17 (63 frames, filmed at a mean luminance of 40): unbrightened, the pose model
# misplaced the legs during the rep and the plank gate stayed closed (0 of 1); brightened, 1 of 1.
# PushFit correct60 (94 frames at 320x240, a body 45 px long): smoothed by a Gaussian before
# brightening, the model found the person on 15-30 % of the frames and it counted 0 of 3-4; the
# edge-keeping smoothing ([pose] low_light_edge_contrast) keeps its reps.
@pytest.mark.model
@pytest.mark.parametrize("clip, least, most", [("pushfit__wrong17.mp4", 1, 1), ("pushfit__correct60.mp4", 3, 4)])
def test_a_darkened_real_clip_counts_its_reps_with_the_frames_brightened(shared_videos, tmp_path, clip, least, most):
    """The clip darkened as ``--augment dim`` darkens it counts within its labelled range with the
    default config, which smooths (keeping edges) and brightens the dark frames for the model."""
    summary = run_eval(shared_videos / "manifest.json", load_config(), cache_dir=tmp_path / "cache", jobs=1,
                       only=[clip], log=lambda msg: None, augment=parse_augmentations("dim"))
    assert not summary["errors"]
    (dimmed,) = summary["augment"]["dim"]["clips"]
    assert least <= dimmed["cycles"] <= most


@pytest.mark.model
def test_real_clips_played_faster_and_slower_count_the_same_through_the_pose_model(shared_videos, tmp_path):
    """``--augment tempo-model``: the video's frames resampled to 0.5x, 1.5x, 2x and 2.5x speed at
    the same frame rate and the pose model run again on them (a fast mover blurs and jumps between
    frames, which resampled landmarks cannot show). Two fast clips: PushFit wrong58 (320x240, 7
    shallow reps of ~0.45 s: at 2.5x 0.18 s each) and wrong113 (1080p knee push-ups from the head
    end, 4 reps of ~1.1 s). Every speed counts within the labelled range."""
    clips = ["pushfit__wrong58.mp4", "pushfit__wrong113.mp4"]
    summary = run_eval(shared_videos / "manifest.json", load_config(), cache_dir=tmp_path / "cache", jobs=2,
                       only=clips, log=lambda msg: None, augment=parse_augmentations("tempo-model"))
    assert not summary["errors"]
    labels = {c["file"]: c for c in json.loads((shared_videos / "manifest.json").read_text())["clips"]}
    counted = {name: {row["file"].split("@")[0]: row["cycles"] for row in result["clips"]}  # "clip@transform"
               for name, result in summary["augment"].items()}
    assert sorted(counted) == ["original", "tempo0.5x-model", "tempo1.5x-model", "tempo2.5x-model", "tempo2x-model"]
    for name, rows in counted.items():
        for clip in clips:
            assert labels[clip]["count_min"] <= rows[clip] <= labels[clip]["count_max"], (name, clip, rows[clip])


@pytest.mark.model
def test_real_clips_played_faster_through_a_shutter_open_the_whole_frame_count_the_same(shared_videos, tmp_path):
    """``--augment tempo-blur``: 1.5x, 2x and 2.5x speed with each frame the mean of the source
    frames it spans, as a webcam in dim indoor light (its exposure the frame's whole time) records a
    fast mover: the pose model sees the smear. PushFit wrong106 (12 reps of ~0.73 s: 0.29 s at 2.5x)
    and wrong113 (the fast knee push-ups above) count within their labelled range at every speed."""
    clips = ["pushfit__wrong106.mp4", "pushfit__wrong113.mp4"]
    summary = run_eval(shared_videos / "manifest.json", load_config(), cache_dir=tmp_path / "cache", jobs=2,
                       only=clips, log=lambda msg: None, augment=parse_augmentations("tempo-blur"))
    assert not summary["errors"]
    labels = {c["file"]: c for c in json.loads((shared_videos / "manifest.json").read_text())["clips"]}
    counted = {name: {row["file"].split("@")[0]: row["cycles"] for row in result["clips"]}
               for name, result in summary["augment"].items()}
    assert sorted(counted) == ["original", "tempo1.5x-blur", "tempo2.5x-blur", "tempo2x-blur"]
    for name, rows in counted.items():
        for clip in clips:
            assert labels[clip]["count_min"] <= rows[clip] <= labels[clip]["count_max"], (name, clip, rows[clip])


@pytest.mark.model
@pytest.mark.parametrize("speed", ["tempo1.5x-model", "tempo2x-model", pytest.param(
    "tempo2.5x-model", marks=pytest.mark.xfail(strict=True, reason="2 of 3: the third push-up's plank is first "
                                               "held on its way down (elbows 143 deg), its top unseen (README)"))])
def test_burpees_played_fast_through_the_pose_model_count_every_push_up(shared_videos, tmp_path, speed):
    """The shared burpee clip (15 fps, three burpees each with a real push-up) with the pose model
    run on its frames sped up: each jump back into the plank leaves the model's tracked crop, which
    a fresh detection puts right (``[pose] retrack_*``); every push-up counts at 1.5x and 2x."""
    manifest = shared_videos / "variants" / "manifest.json"
    summary = run_eval(manifest, load_config(), cache_dir=tmp_path / "cache", jobs=1, only=["fitnease__burpees.mp4"],
                       log=lambda msg: None, augment=parse_augmentations(speed))
    assert not summary["errors"]
    counted = {name: [row["cycles"] for row in result["clips"]] for name, result in summary["augment"].items()}
    assert counted == {"original": [3], speed: [3]}
