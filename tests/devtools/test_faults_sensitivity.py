"""The threshold sensitivity check (tools.sensitivity) on hand-built rep windows."""
from __future__ import annotations


import json
from pathlib import Path

import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.manifest import ClipSpec
from tools.sensitivity import (THRESHOLDS, ReplayedClip, render_markdown, rescore,
                                   scaled_config, sensitivity_table)
from livecoach.types import RepRecord, View

from helpers import window

CONFIG = load_config()


def record(i: int) -> RepRecord:
    return RepRecord(index=i, full=True, t_start_s=0.0, t_bottom_s=0.5, t_end_s=1.0, depth_frac=1.0,
                     min_elbow_angle_deg=75.0, seconds_down=0.5, seconds_up=0.5)


def detailed(name: str, sag: str, offset: float) -> ReplayedClip:
    spec = ClipSpec(file=name, path=Path(name), kind="detailed", count=2, count_min=2, count_max=2,
                    faults={"hip_sag": sag})
    w = window(view=View.SIDE_LEFT, hip_offset_frac=offset)
    return ReplayedClip(spec, ((w, record(1)), (w, record(2))))


def pushfit(name: str, label: str, offset: float) -> ReplayedClip:
    spec = ClipSpec(file=f"pushfit/{name}.mp4", path=Path(name), kind="pushfit", label=label)
    w = window(view=View.SIDE_LEFT, hip_offset_frac=offset)
    return ReplayedClip(spec, ((w, record(1)),))


THR = CONFIG.faults.hip_sag.min_offset_frac
CLIPS = [detailed("sag.mp4", "yes", THR * 1.1), detailed("clean.mp4", "no", THR * 0.5),
         pushfit("wrong1", "incorrect", THR * 1.5), pushfit("correct2", "correct", 0.0),
         pushfit("wrong4", "incorrect", THR * 1.1)]


def test_scaled_config_changes_one_threshold_only():
    cfg = scaled_config(CONFIG, "hip_sag", "min_offset_frac", 1.2)
    assert cfg.faults.hip_sag.min_offset_frac == pytest.approx(THR * 1.2)
    assert cfg.faults.hip_pike == CONFIG.faults.hip_pike
    assert CONFIG.faults.hip_sag.min_offset_frac == THR  # the original is untouched


def test_every_threshold_named_exists_in_the_config():
    for section, name in THRESHOLDS:
        assert isinstance(getattr(getattr(CONFIG.faults, section), name), (int, float))


def test_rescore_rejudges_the_kept_windows():
    base = rescore(CLIPS, CONFIG)
    assert (base["faults"]["hip_sag"]["tp"], base["faults"]["hip_sag"]["tn"]) == (1, 1)
    assert base["pushfit"]["accuracy"] == 1.0
    # a threshold 20 % higher loses the marginal sag (10 % over the limit) on both lists
    high = rescore(CLIPS, scaled_config(CONFIG, "hip_sag", "min_offset_frac", 1.2))
    assert high["faults"]["hip_sag"]["fn"] == 1
    assert high["pushfit"]["accuracy"] == pytest.approx(2 / 3)


def test_pushfit_halves_split_by_clip_number():
    result = rescore(CLIPS, CONFIG)
    halves = result["pushfit_halves"]
    assert halves["odd"]["clips"] == 1 and halves["even"]["clips"] == 2


def test_table_and_markdown_cover_every_threshold():
    table = sensitivity_table(CLIPS, CONFIG, thresholds=(("hip_sag", "min_offset_frac"),
                                                         ("rushed_negative", "min_seconds_down")))
    text = render_markdown(table)
    assert "hip_sag.min_offset_frac" in text and "rushed_negative.min_seconds_down" in text
    assert "odd-numbered" in text
    json.dumps(table, default=str)  # serialisable for --out
