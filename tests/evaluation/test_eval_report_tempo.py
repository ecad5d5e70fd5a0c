"""The eval report's tempo table: each clip's count as filmed and at every tempo, and the time per
rep it was labelled at (scaled with the tempo), so a miss at an impossible pace shows as one."""
from __future__ import annotations

from pathlib import Path

from livecoach.config.schema import load_config
from livecoach.evaluation.augment import parse_augmentations, transform_clip
from livecoach.evaluation.generalisation import robustness_summary
from livecoach.evaluation.manifest import ClipSpec
from livecoach.evaluation.replay import ClipResult
from livecoach.evaluation.report_tempo import markdown_tempo
from livecoach.types import RepRecord

CONFIG = load_config()
BY_NAME = {a.name: a for a in parse_augmentations("all")}


def _clip(bottoms=(1.0, 2.0, 3.2, 4.0), lo=4, hi=4) -> ClipSpec:
    return ClipSpec(file="a.mp4", path=Path("a.mp4"), kind="detailed", count=hi, count_min=lo, count_max=hi,
                    rep_bottoms_s=tuple(bottoms), source="S")


def test_seconds_per_rep_is_the_median_gap_between_labelled_bottoms_and_scales_with_tempo():
    clip = _clip()  # gaps 1.0, 1.2, 0.8
    assert clip.seconds_per_rep == 1.0
    assert _clip(bottoms=(1.0, 2.0, 3.5)).seconds_per_rep == 1.25
    assert _clip(bottoms=(2.0,)).seconds_per_rep is None
    assert transform_clip(clip, BY_NAME["tempo2x"]).seconds_per_rep == 0.5
    assert transform_clip(clip, BY_NAME["tempo0.5x"]).seconds_per_rep == 2.0


def test_each_row_of_the_augmentation_table_keeps_its_speed_and_each_clips_range_and_pace():
    clip = transform_clip(_clip(), BY_NAME["tempo2.5x-model"])
    records = [RepRecord(index=i + 1, full=True, t_start_s=i, t_bottom_s=i + 0.2, t_end_s=i + 0.4, depth_frac=1.0,
                         min_elbow_angle_deg=80.0, seconds_down=0.2, seconds_up=0.2) for i in range(3)]
    result = ClipResult(clip.file, "detailed", "standard", frames=100, frames_with_pose=100, records=records)
    row = robustness_summary([(clip, result)], CONFIG, BY_NAME["tempo2.5x-model"])
    assert row["speed"] == 2.5
    assert row["clips"] == [{"file": "a.mp4@tempo2.5x-model", "cycles": 3, "reps": 3, "baseline": 0,
                             "count_range": [4, 4], "seconds_per_rep": 0.4, "count_error": 1,
                             "baseline_error": 4}]
    assert robustness_summary([(_clip(), result)], CONFIG, None)["speed"] == 1.0


def _row(kind, speed, clips):
    return {"kind": kind, "speed": speed,
            "clips": [{"file": f, "cycles": n, "count_range": list(r), "seconds_per_rep": s,
                       "count_error": max(r[0] - n, n - r[1], 0)} for f, n, r, s in clips]}


def test_the_tempo_table_lists_the_clips_whose_count_leaves_their_range_or_changes_with_tempo():
    summary = {"augment": {
        "original": _row("original", 1.0, [("same.mp4", 4, (4, 4), 2.0), ("slips.mp4", 3, (3, 3), 0.9),
                                           ("wobbles.mp4", 7, (6, 7), 0.5), ("plank.mp4", 0, (0, 0), None)]),
        "tempo2x": _row("tempo", 2.0, [("same.mp4@tempo2x", 4, (4, 4), 1.0),
                                       ("slips.mp4@tempo2x", 2, (3, 3), 0.45),
                                       ("wobbles.mp4@tempo2x", 6, (6, 7), 0.25),
                                       ("plank.mp4@tempo2x", 1, (0, 0), None)]),
        "tempo2.5x-model": _row("tempo-model", 2.5, [("same.mp4@tempo2.5x-model", 4, (4, 4), 0.8),
                                                     ("slips.mp4@tempo2.5x-model", 3, (3, 3), 0.36),
                                                     ("wobbles.mp4@tempo2.5x-model", 7, (6, 7), 0.2),
                                                     ("plank.mp4@tempo2.5x-model", 0, (0, 0), None)]),
        "dim": _row("image", 1.0, [("same.mp4@dim", 9, (4, 4), 2.0)]),  # not a tempo: not in the table
    }}
    text = "\n".join(markdown_tempo(summary))
    assert "1 of 3 clips count the same, within their range, at every tempo; the others:" in text
    assert "| clip | labelled | as filmed | tempo2x | tempo2.5x-model |" in text
    assert "| slips.mp4 | 3 | 3 | **2** (0.45 s) | 3 |" in text
    assert "| wobbles.mp4 | 6–7 | 7 | 6 | 7 |" in text  # within its range, but not the same at every tempo
    assert "same.mp4" not in text and "plank.mp4" not in text and "dim" not in text


def test_no_tempo_transform_no_tempo_table():
    assert markdown_tempo({}) == []
    assert markdown_tempo({"augment": {"original": _row("original", 1.0, [("a.mp4", 4, (4, 4), 1.0)]),
                                       "dim": _row("image", 1.0, [("a.mp4@dim", 4, (4, 4), 1.0)])}}) == []
    steady = {"augment": {"original": _row("original", 1.0, [("a.mp4", 4, (4, 4), 1.0)]),
                          "tempo2x": _row("tempo", 2.0, [("a.mp4@tempo2x", 4, (4, 4), 0.5)])}}
    assert markdown_tempo(steady)[2].endswith("1 of 1 clips count the same, within their range, at every tempo.")
