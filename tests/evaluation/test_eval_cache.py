"""The landmark cache of ``livecoach eval`` and a whole run on a tiny manifest, without the model."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys

from livecoach.config.schema import load_config
from livecoach.evaluation.cache import cache_key, ensure_landmarks, file_sha256, remove_stale_temporaries
from livecoach.evaluation.manifest import ClipSpec
from livecoach.evaluation.run import run_eval
from conftest import FIXTURES as FIXTURES_DIR

FIXTURES = FIXTURES_DIR / "landmarks"
CONFIG = load_config()


def test_cache_key_depends_on_video_pose_settings_and_width():
    key = cache_key("abc", CONFIG)
    assert key == cache_key("abc", CONFIG)
    assert key != cache_key("abd", CONFIG)
    other_pose = dataclasses.replace(CONFIG, pose=dataclasses.replace(CONFIG.pose, model_complexity=2))
    assert key != cache_key("abc", other_pose)
    narrow = dataclasses.replace(CONFIG, capture=dataclasses.replace(CONFIG.capture, inference_max_width=320))
    assert key != cache_key("abc", narrow)
    other_fallback = dataclasses.replace(CONFIG, pose=dataclasses.replace(CONFIG.pose, fallback_model_complexity=1))
    assert key == cache_key("abc", other_fallback)  # a live-only setting: same landmarks
    other_switch = dataclasses.replace(CONFIG, pose=dataclasses.replace(CONFIG.pose, pipeline_switch_interval_s=0.004))
    assert key == cache_key("abc", other_switch)  # the pipelined loop's thread switching: same landmarks
    elsewhere = dataclasses.replace(CONFIG, pose=dataclasses.replace(CONFIG.pose, model_in_own_process=False,
                                                                       model_frames_in_flight=1))
    assert key == cache_key("abc", elsewhere)  # where the model runs: the same poses (a `model` test)


def test_the_low_light_smoothing_keys_the_cache_only_where_a_frame_is_smoothed():
    def key(**pose) -> str:
        return cache_key("abc", dataclasses.replace(CONFIG, pose=dataclasses.replace(CONFIG.pose, **pose)))

    assert key(low_light_edge_contrast=0.0) != key()  # a Gaussian, not the edge-keeping filter
    assert key(low_light_blur_px=1, low_light_edge_contrast=0.0) == key(low_light_blur_px=1)  # not smoothed
    off = dict(low_light_below_luma=0.0)
    assert key(**off, low_light_blur_px=3, low_light_edge_contrast=0.0) == key(**off)  # not brightened
    stretch_off = dict(low_contrast_below_spread=0.0)
    assert key(**stretch_off, low_contrast_target_spread=99.0, low_contrast_max_gain=2.0) == key(**stretch_off)
    assert key(**stretch_off) != key()  # on (the default): washed-out frames reach the model stretched


def test_seeded_recording_is_cached_and_reused(tmp_path):
    video = tmp_path / "v" / "clip.mp4"
    video.parent.mkdir()
    video.write_bytes(b"not really a video, but hashed like one")
    seed = tmp_path / "seed"
    seed.mkdir()
    shutil.copy(FIXTURES / "vraj__pushups.mp4.jsonl.gz", seed / "clip.mp4.jsonl.gz")
    clip = ClipSpec(file="clip.mp4", path=video, kind="detailed")
    cache = tmp_path / "cache"
    first = ensure_landmarks([clip], CONFIG, cache, jobs=1, seed_dir=seed, log=lambda m: None)
    path, error = first["clip.mp4"]
    assert error is None and path.parent == cache and cache_key(file_sha256(video), CONFIG) in path.name
    (seed / "clip.mp4.jsonl.gz").unlink()  # now only the cache has it
    again = ensure_landmarks([clip], CONFIG, cache, jobs=1, log=lambda m: None)
    assert again["clip.mp4"] == (path, None)
    video.write_bytes(b"edited video")  # new content -> new key -> a miss (here: no seed, so extraction)
    missing = ensure_landmarks([ClipSpec(file="gone.mp4", path=tmp_path / "gone.mp4", kind="detailed")],
                               CONFIG, cache, jobs=1, log=lambda m: None)
    assert "video not found" in missing["gone.mp4"][1]


def test_run_eval_on_a_tiny_manifest_scores_counts_faults_and_baseline(tmp_path):
    (tmp_path / "clips").mkdir()
    seed = tmp_path / "seed"
    (seed / "clips").mkdir(parents=True)  # the seed folder mirrors the manifest's relative paths
    entries = []
    for name, count, sag in (("vraj__pushups.mp4", 4, "no"), ("tayyab__pushup.mp4", 14, "yes")):
        (tmp_path / "clips" / name).write_bytes(name.encode())  # stands in for the video (hashed only)
        shutil.copy(FIXTURES / f"{name}.jsonl.gz", seed / "clips" / f"{name}.jsonl.gz")
        entries.append({"file": f"clips/{name}", "count": count, "count_min": count, "count_max": count,
                        "full_reps": count, "partial_reps": 0, "active_span_s": [0.0, 60.0],
                        "faults": {"hip_sag": sag}, "variant": "standard"})
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": entries}))
    out = tmp_path / "out"
    summary = run_eval(tmp_path / "manifest.json", CONFIG, out_dir=out, cache_dir=tmp_path / "cache", jobs=1,
                       seed_dir=seed, log=lambda m: None)
    assert not summary["errors"]
    counting = summary["counting"]
    assert counting["livecoach"]["clips"] == 2 and counting["baseline"]["clips"] == 2
    rows = {r["file"]: r for r in summary["clips"]}
    for row in rows.values():
        assert row["count_error"] == abs(row["cycles"] - row["count_range"][0])  # range error of a 1-wide range
    hip = summary["faults"]["hip_sag"]
    assert hip["tp"] + hip["fp"] + hip["fn"] + hip["tn"] == 2
    md = (out / "eval.md").read_text()
    assert "naive baseline" in md and "hip_sag" in md and "clips/vraj__pushups.mp4" in md
    assert json.loads((out / "eval.json").read_text())["counting"] == counting


def test_extraction_logs_progress_clip_by_clip(tmp_path, monkeypatch):
    from livecoach.evaluation import cache as cache_module

    def fake_extract(video, out_path, pose_config, max_width, augmentation=None, guide=None):
        if video.name == "bad.mp4":
            raise ValueError("cannot decode")
        out_path.write_bytes(b"recorded")
        return 7

    monkeypatch.setattr(cache_module, "extract_landmarks", fake_extract)
    clips = []
    for name in ("good.mp4", "bad.mp4"):
        (tmp_path / name).write_bytes(name.encode())
        clips.append(ClipSpec(file=name, path=tmp_path / name, kind="detailed"))
    lines = []
    result = ensure_landmarks(clips, CONFIG, tmp_path / "cache", jobs=1, log=lines.append)
    assert result["good.mp4"][1] is None and result["good.mp4"][0].is_file()
    assert result["bad.mp4"] == (None, "ValueError: cannot decode")
    progress = [line for line in lines if "clip " in line and " of 2" in line]
    assert len(progress) == 2
    assert "clip 1 of 2: good.mp4: 7 frames in" in progress[0] and "elapsed" in progress[0]
    assert "clip 2 of 2: bad.mp4: failed: ValueError: cannot decode" in progress[1]


def test_one_clip_with_two_jobs_is_split_over_both_and_three_clips_are_shared_out(tmp_path, monkeypatch):
    from livecoach.evaluation import cache as cache_module

    calls = []
    monkeypatch.setattr(cache_module, "extract_landmarks_chunked",
                        lambda video, out, pose, width, workers: calls.append(("chunked", video.name, workers))
                        or out.write_bytes(b"x") or 5)
    monkeypatch.setattr(cache_module, "run_extraction_jobs",
                        lambda work, names, jobs, log: calls.append(("pool", len(work), jobs))
                        or {w[0]: (w[0], None, 5, 0.0) for w in work})
    clips = []
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        (tmp_path / name).write_bytes(name.encode())
        clips.append(ClipSpec(file=name, path=tmp_path / name, kind="detailed"))
    lines = []
    ensure_landmarks(clips[:1], CONFIG, tmp_path / "one", jobs=2, log=lines.append)
    ensure_landmarks(clips, CONFIG, tmp_path / "three", jobs=2, log=lines.append)
    assert calls == [("chunked", "a.mp4", 2), ("pool", 3, 2)]
    assert any("2 processes over chunks of it" in line for line in lines)


def test_a_clip_split_over_processes_is_recorded_with_the_video_sources_frames_and_times(tmp_path, monkeypatch):
    # The chunked extraction itself equals the sequential one (tests/capture/test_parallel_extraction.py,
    # model); here: what the eval cache writes from its poses, frames without a pose included.
    from livecoach.capture import parallel
    from livecoach.evaluation.cache import extract_landmarks_chunked
    from livecoach.formats.recording import read_recording

    import cv2
    import numpy as np

    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    for _ in range(6):
        writer.write(np.full((48, 64, 3), 128, np.uint8))
    writer.release()
    _, recorded = read_recording(FIXTURES / "vraj__pushups.mp4.jsonl.gz")
    poses = [f.pose for f in recorded[:6]]
    poses[2] = None  # nobody found in frame 2
    asked = []
    monkeypatch.setattr(parallel, "extract_landmarks_parallel",
                        lambda video, pose, workers, max_width: asked.append(workers) or poses)
    assert extract_landmarks_chunked(video, tmp_path / "out.jsonl.gz", CONFIG.pose, 640, 2) == 6
    header, frames = read_recording(tmp_path / "out.jsonl.gz")
    assert asked == [2] and header.fps == 25.0 and (header.width, header.height) == (64, 48)
    assert [f.frame_index for f in frames] == list(range(6))
    assert frames[2].pose is None and frames[2].t_s == 2 / 25.0
    assert [f.t_s for i, f in enumerate(frames) if i != 2] == [p.t_s for p in poses if p is not None]


def test_half_written_recordings_of_a_killed_run_are_deleted_and_a_running_ones_kept(tmp_path):
    """A run killed with SIGKILL cannot delete its ``<name>.<pid>.tmp.gz``; the next run does, but
    not the file of a process that still runs (a run going on beside it), nor a finished recording."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(done.stdout)  # that process has exited
    cache = tmp_path / "cache"
    cache.mkdir()
    killed = cache / f"clip.mp4.abc.jsonl.gz.{dead_pid}.tmp.gz"
    running = cache / f"other.mp4.abc.jsonl.gz.{os.getpid()}.tmp.gz"
    finished = cache / "clip.mp4.abc.jsonl.gz"
    for path in (killed, running, finished):
        path.write_bytes(b"x")
    assert remove_stale_temporaries(cache) == 1
    assert not killed.exists() and running.exists() and finished.exists()
    killed.write_bytes(b"x")
    lines = []
    assert ensure_landmarks([], CONFIG, cache, log=lines.append) == {}
    assert not killed.exists() and running.exists()
    assert lines == ["deleted 1 half-written landmark recording(s) left by a run that was killed"]

