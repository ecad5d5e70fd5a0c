"""A tracking glitch is neither a cut, nor a pose, nor a return to the top.

At the bottom of a fast push-up filmed from the head end the pose model can lose the limbs for a
frame or two: the body's outline shrinks to under half its size and the landmarks are guesses.
Measured against that shrunken outline the glitch moved several body lengths a second, read as a
cut and ended the rep uncounted. Or it re-finds the track with the arms straight and the hands
above the shoulders: read as the top, that split a rep into a "no lockout" no-rep and a second
cycle. The fixtures are real: the landmarks the pose model gave on pushfit wrong113 (4 fast knee
push-ups filmed from the front at ground level, a fitness test), as filmed and mirrored.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.formats.recording import RecordedFrame, read_recording
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.continuity import JumpDetector, body_anchor_points
from conftest import FIXTURES
from helpers import side_pushup_pose
from tempo import count_cycles, rep_depths, tempo_scaled

CFG = load_config()
FRONT_FAST = FIXTURES / "landmarks" / "pushfit__wrong113.mp4.jsonl.gz"
#: The same clip mirrored (`eval --augment mirror`), run through the pose model again.
FRONT_FAST_MIRRORED = FIXTURES / "landmarks" / "pushfit__wrong113.mp4_mirror.jsonl.gz"
LABELLED = 4  # ../shared/videos/manifest.json: count 4 (min 4, max 4)
LABELLED_BOTTOMS_S = (0.8, 1.86, 2.97, 4.05)
#: The jump check as it was: the two frames' own sizes, no collapse check.
OWN_SIZES_ONLY = dataclasses.replace(CFG, reps=dataclasses.replace(CFG.reps, body_size_window_s=0.1,
                                                                   collapsed_size_frac=0.0))


def collapsed_pose(t: float, fps: float = 30.0, shrink: float = 0.35):
    """A side plank at the bottom whose outline the model shrank toward its centre (image and
    world landmarks alike): the limbs lost for a frame."""
    pose = side_pushup_pose(t, 1.0, fps)
    image = pose.image_xyz.copy()
    centre = image[:, :2].mean(axis=0)
    image[:, :2] = centre + (image[:, :2] - centre) * shrink
    return dataclasses.replace(pose, image_xyz=image, world_xyz=pose.world_xyz * shrink)


def test_fixture_shows_the_glitch_at_its_rep_bottoms():
    """Else the tests below prove nothing: on some frames the body is under half its median size
    over the second before, and every such frame is within 0.3 s of a labelled rep bottom."""
    _header, frames = read_recording(FRONT_FAST)
    sizes = [(f.t_s, body_anchor_points(f.pose)[2]) for f in frames if f.pose is not None]
    glitches = [t for t, size in sizes
                if size < 0.5 * np.median([s for u, s in sizes if t - 1.0 <= u <= t])]
    assert len(glitches) >= 5
    assert all(min(abs(t - b) for b in LABELLED_BOTTOMS_S) <= 0.3 for t in glitches), glitches


def test_mirrored_fixture_shows_a_garbled_pose_at_a_rep_bottom():
    """Else the mirrored replay below proves nothing: frames whose arms are straight with the
    hands above the shoulders (no support), next to a labelled rep bottom."""
    _header, frames = read_recording(FRONT_FAST_MIRRORED)
    analyzer = SessionAnalyzer(CFG)
    garbled = []
    for f in frames:
        features = analyzer.update(f.t_s, f.frame_index, f.pose).features
        if features is not None and features.elbow_angle_deg > 150 and features.shoulder_above_wrist_px < -50:
            garbled.append(f.t_s)
    assert garbled and all(min(abs(t - b) for b in LABELLED_BOTTOMS_S) <= 0.3 for t in garbled), garbled


@pytest.mark.parametrize("tempo", [0.5, 1.0, 1.5, 2.0, 2.5])
@pytest.mark.parametrize("fixture", [FRONT_FAST, FRONT_FAST_MIRRORED], ids=["as-filmed", "mirrored"])
def test_fast_front_view_reps_count_at_every_tempo(tempo, fixture):
    header, frames = read_recording(fixture)
    played = tempo_scaled(frames, header.fps, tempo) if tempo != 1.0 else frames
    assert count_cycles(played, CFG) == LABELLED


def test_measured_against_the_shrunken_outline_the_glitch_ended_reps():
    """The defence is what makes the difference: with each frame's own size as the unit the
    glitches at 1.5x read as cuts (2 of 4 counted)."""
    header, frames = read_recording(FRONT_FAST)
    assert count_cycles(tempo_scaled(frames, header.fps, 1.5), OWN_SIZES_ONLY) < LABELLED


def test_a_collapsed_frame_is_no_pose_and_the_next_frame_is_no_jump():
    fps = 30.0
    detector = JumpDetector(CFG.reps.max_body_speed_per_s, CFG.reps.max_gap_s, CFG.reps.calibration_window_s,
                            size_window_s=CFG.reps.body_size_window_s,
                            collapsed_size_frac=CFG.reps.collapsed_size_frac)
    poses = [side_pushup_pose(i / fps, 1.0, fps) for i in range(15)]
    assert not any(detector.update(p.t_s, p) for p in poses)
    glitch = collapsed_pose(15 / fps, fps)
    assert not detector.update(glitch.t_s, glitch) and detector.collapsed
    back = side_pushup_pose(16 / fps, 1.0, fps)
    assert not detector.update(back.t_s, back) and not detector.collapsed


def test_without_the_collapse_check_the_same_glitch_is_a_jump():
    fps = 30.0
    detector = JumpDetector(CFG.reps.max_body_speed_per_s, CFG.reps.max_gap_s, own_pace_window_s=0.0,
                            size_window_s=0.1, collapsed_size_frac=0.0)
    for i in range(15):
        p = side_pushup_pose(i / fps, 1.0, fps)
        detector.update(p.t_s, p)
    glitch = collapsed_pose(15 / fps, fps)
    assert detector.update(glitch.t_s, glitch)


def test_reps_with_a_glitch_at_every_bottom_all_count():
    fps = 30.0
    depths = rep_depths(1.0, fps, reps=4)
    bottoms = {i for i in range(1, len(depths) - 1) if depths[i] >= max(depths[i - 1], depths[i + 1])
               and depths[i] > 0.95}
    poses = [collapsed_pose(i / fps, fps) if i in bottoms else side_pushup_pose(i / fps, d, fps)
             for i, d in enumerate(depths)]
    assert len(bottoms) >= 4

    frames = [RecordedFrame(frame_index=p.frame_index, t_s=p.t_s, pose=p) for p in poses]
    assert count_cycles(frames, CFG) == 4
    assert count_cycles(frames, OWN_SIZES_ONLY) == 0  # every glitch read as a cut
