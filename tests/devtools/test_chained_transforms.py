"""tools.chained_transforms: count error under transforms applied one after another."""
from __future__ import annotations

import pytest

from livecoach.config.schema import load_config
from livecoach.errors import LiveCoachError
from livecoach.evaluation.augment import parse_augmentations
from livecoach.evaluation.manifest import load_manifest
from livecoach.evaluation.replay import replay_frames
from livecoach.evaluation.stream_transforms import landmark_stream, recording_elevation_deg
from livecoach.formats.recording import read_recording
from tools.chained_transforms import count_under_chain, main, parse_chain
from conftest import FIXTURES

CFG = load_config()


def test_a_chain_is_names_in_order_and_only_the_first_may_rerun_the_model():
    assert [a.name for a in parse_chain("hidehands+turn45+tempo2x")] == ["hidehands", "turn45", "tempo2x"]
    with pytest.raises(LiveCoachError, match="first"):
        parse_chain("turn45+dim")
    with pytest.raises(LiveCoachError, match="group"):
        parse_chain("tempo+turn45")
    with pytest.raises(LiveCoachError, match="unknown"):
        parse_chain("turn45+sideways")


def test_a_bad_chain_is_one_line_and_exit_2(capsys, tmp_path):
    assert main([str(tmp_path / "manifest.json"), "turn45+dim"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("chained_transforms:") and len(err.splitlines()) == 1


def test_the_chain_counts_what_the_transforms_applied_in_turn_count(shared_videos, tmp_path):
    """tayyab (14 reps) turned 45 degrees, then at 2x speed, from its committed recording: the
    tool's count is that of the stream transformed by hand in the same order."""
    clips = [c for c in load_manifest(shared_videos / "manifest.json") if c.file == "tayyab__pushup.mp4"]
    seeds = FIXTURES / "landmarks"
    filmed, _ = count_under_chain(clips, [], CFG, tmp_path, seed_dir=seeds)
    chained, off = count_under_chain(clips, parse_chain("turn45+tempo2x"), CFG, tmp_path, seed_dir=seeds)
    header, frames = read_recording(seeds / "tayyab__pushup.mp4.jsonl.gz")
    turn, fast = parse_augmentations("turn45,tempo2x")
    frames = landmark_stream(frames, turn, header.fps, recording_elevation_deg(frames, CFG))
    by_hand = replay_frames(landmark_stream(frames, fast, header.fps), CFG, "standard", header.fps,
                            clips[0].file, clips[0].kind).cycles
    assert filmed["clips"] == chained["clips"] == 1 and filmed["mae"] == 0.0
    assert chained["mae"] == abs(by_hand - 14) / 14 and (off == []) == (by_hand == 14)
