"""Hands the camera cannot see (push-up handles or a bar, equipment, the body seen from behind):
not yet robust, and measured so (README, "Not yet robust: hands the camera cannot see").

The fixtures are real: the landmarks the pose model gave on the variants' forearm plank and knee
push-ups and on formfocus's and kaiakol's one push-up with each hand blurred out, as ``livecoach eval
--augment hidehands`` does. The model still reports the hidden wrists as seen and guesses where they are; the guesses
jump from frame to frame, and both depth signals (the shoulders' height above the wrists, the
elbow angle) read the hands. The expected failure left is strict: the day it passes, the
marker must go.
"""
from __future__ import annotations

import dataclasses
import math
from typing import List

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.replay import replay_frames
from livecoach.formats.recording import read_recording
from livecoach.landmarks import Landmark as L
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.features import FeatureExtractor
from livecoach.logic.geometry import elbow_angle_side_deg
from livecoach.types import PoseFrame, RepEvent
from conftest import FIXTURES
from helpers import guessed_hands_plank_pose, side_pushup_pose
from tempo import count_cycles

CFG = load_config()
PLANK = FIXTURES / "landmarks" / "variants__fitnease__plank.jsonl.gz"
PLANK_HANDS_HIDDEN = FIXTURES / "landmarks" / "variants__fitnease__plank_hidehands.jsonl.gz"
PUSH_UP_HANDS_HIDDEN = FIXTURES / "landmarks" / "formfocus__good-pushup.mp4_hidehands.jsonl.gz"
KNEE_PUSH_UPS_HANDS_HIDDEN = FIXTURES / "landmarks" / "variants__fitnease__knee_pushups_hidehands.jsonl.gz"


def _poses(path) -> List[PoseFrame]:
    return [f.pose for f in read_recording(path)[1] if f.pose is not None]


def hand_speed(poses: List[PoseFrame]) -> float:
    """Median of the extractor's ``hand_speed_torso_per_s`` (the mid-wrist's speed in torso lengths
    a second; a planted hand: ~0)."""
    extractor = FeatureExtractor(CFG.features)
    speeds = [extractor.update(p).hand_speed_torso_per_s for p in poses]
    return float(np.nanmedian(speeds))


def test_the_fixtures_are_the_hidden_kind():
    """The hidden recordings show the failure (else the expected failures would prove nothing): the
    model calls the hidden wrists seen, and their places jump, where a planted hand stays put."""
    filmed, hidden = _poses(PLANK), _poses(PLANK_HANDS_HIDDEN)
    assert hand_speed(filmed) <= 0.2 and hand_speed(hidden) >= 0.3  # 0.14 and 0.41 torso lengths a second
    for poses in (hidden, _poses(PUSH_UP_HANDS_HIDDEN)):
        assert np.median([max(p.vis(L.LEFT_WRIST), p.vis(L.RIGHT_WRIST)) for p in poses]) >= 0.8
    assert count_cycles(read_recording(PLANK)[1], CFG) == 0  # as filmed: a hold, no rep


@pytest.mark.xfail(strict=True, reason="hands hidden: the guessed wrists' jumps make a rep cycle of a still plank")
def test_a_plank_with_its_hands_hidden_counts_no_rep():
    # 1 now: a no-rep whose shoulders wandered 0.18 torso lengths, past the still-body check's 0.15
    assert count_cycles(read_recording(PLANK_HANDS_HIDDEN)[1], CFG) == 0


def test_one_push_up_with_its_hands_hidden_counts_one():
    """Labelled 1; it counted 2 (an expected failure until stop 64): the shoulders' height above the
    guessed wrists read a top while the shoulders, in the picture, were still near the bottom. A
    top now needs the shoulders back up ([reps] top_min_shoulder_rise_share); without it, 2."""
    frames = read_recording(PUSH_UP_HANDS_HIDDEN)[1]
    off = dataclasses.replace(CFG, reps=dataclasses.replace(CFG.reps, top_min_shoulder_rise_share=0.0))
    assert (count_cycles(frames, CFG), count_cycles(frames, off)) == (1, 2)


def _still_body_off():
    return dataclasses.replace(CFG, reps=dataclasses.replace(CFG.reps, still_body_span_share=0.0))


def test_cycles_of_the_guessed_hands_alone_are_no_reps():
    """The cycles the guessed wrists make while the body stays still ([reps] still_body_span_share):
    on the real recordings, the forearm plank's 4 cycles become 1 and the one push-up's 3 become 1
    (4 and 2 before a top needed the shoulders back up: the test above)."""
    for path, before, now in ((PLANK_HANDS_HIDDEN, 4, 1), (PUSH_UP_HANDS_HIDDEN, 3, 1)):
        frames = read_recording(path)[1]
        assert (count_cycles(frames, _still_body_off()), count_cycles(frames, CFG)) == (before, now)


def _count(make_pose, config, swings: int = 5, period_s: float = 2.0, fps: float = 30.0):
    analyzer = SessionAnalyzer(config)
    for i in range(int((swings * period_s + 3.0) * fps)):
        t = i / fps
        phase = min(max(0.0, (t - 1.0) / period_s), float(swings))
        analyzer.update(t, i, make_pose(t, (1.0 - math.cos(2.0 * math.pi * phase)) / 2.0))
    return analyzer.reps, analyzer.no_reps


def test_a_still_plank_whose_guessed_hands_swing_counts_nothing():
    """Only the hands' landmarks move (the elbow angle and the shoulders' height above the wrists
    swing as in 5 push-ups); the shoulders, hips and feet stay put: nothing counts. Without the
    check, 5 reps."""
    assert _count(guessed_hands_plank_pose, _still_body_off()) == (5, 0)
    assert _count(guessed_hands_plank_pose, CFG) == (0, 0)


def test_push_ups_whose_body_moves_still_count():
    assert _count(lambda t, depth: side_pushup_pose(t, depth), CFG) == (5, 0)


def test_a_wrist_guessed_back_at_the_shoulder_is_no_hand():
    """kaiakol's correct clip (one push-up, side-on) with each hand blurred out: the model put the
    wrists back at the shoulders on 8 of its 61 frames (elbow angles of 3-15 degrees, which no arm
    carrying a body folds to) and 4 rep cycles were counted, with a wrong "Hips down". Such a hand
    is the model's guess and is set unseen ([features] min_plausible_elbow_deg): the one rep."""
    frames = read_recording(FIXTURES / "landmarks" / "kaiakol__pushup_correct_001.mp4_hidehands.jsonl.gz")[1]
    assert sum(elbow_angle_side_deg(f.pose, side, CFG.features.min_visibility) < 20.0
               for f in frames if f.pose is not None for side in ("left", "right")) >= 8
    assert count_cycles(frames, CFG) == 1
    off = dataclasses.replace(_still_body_off(), features=dataclasses.replace(CFG.features, min_plausible_elbow_deg=0.0))
    assert count_cycles(frames, off) == 4  # 3 with the still-body check alone


def test_hidden_hands_the_model_is_unsure_of_bring_no_lockout_correction():
    """formfocus's push-up (labelled without a fault) with each hand blurred out: the model calls the
    wrists seen at 0.86 (median of the first rep's frames; hands it sees read 0.96 at the median rep
    of the shared clips) and guesses them short of the hands, so the elbows read bent at a
    straight-armed top: "Lock out at the top" was said. A hands' rule now flags no fault on a rep whose
    better-seen wrist reads under [faults] min_hand_visibility ("not judged"); the body's rules still judge."""
    header, frames = read_recording(PUSH_UP_HANDS_HIDDEN)
    lenient = dataclasses.replace(CFG, faults=dataclasses.replace(CFG.faults, min_hand_visibility=0.0))
    before = replay_frames(frames, lenient, "standard", header.fps, PUSH_UP_HANDS_HIDDEN.name, "detailed")
    now = replay_frames(frames, CFG, "standard", header.fps, PUSH_UP_HANDS_HIDDEN.name, "detailed")
    assert before.corrections == ["no_lockout"] and "no_lockout" in before.records[0].fault_names
    assert now.corrections == [] and "no_lockout" in now.records[0].not_judged
    assert not any("no_lockout" in r.fault_names for r in now.records)
    assert not any("hip_sag" in r.not_judged for r in now.records)  # the body line is still judged


def _rep_windows_and_vetoes(frames, config):
    analyzer, windows = SessionAnalyzer(config), []
    for fr in frames:
        step = analyzer.update(fr.t_s, fr.frame_index, fr.pose)
        windows += [(e.record.t_start_s, e.record.t_end_s) for e in step.events if isinstance(e, RepEvent)]
    return windows, [kind for _, _, kind in analyzer.vetoed]


def test_guessed_wrists_under_a_push_ups_bottom_read_no_plank_up_down():
    """The variants' knee push-ups with each hand blurred out: at each bottom the model guesses the
    wrists back under the elbows and calls them seen, less surely (0.70 at the median window), and the
    forearms read lying flat: hands -> forearms -> hands, a plank up-down, and three of the four
    push-ups were vetoed. A change of support counts for an up-down only on sure hands ([lookalikes]
    support_min_wrist_visibility); the same frames with the wrists called surely seen still read it."""
    frames = read_recording(KNEE_PUSH_UPS_HANDS_HIDDEN)[1]
    labelled_bottoms_s = (3.15, 4.85, 6.6, 8.6)  # the manifest's
    windows, vetoes = _rep_windows_and_vetoes(frames, CFG)
    assert "up_down" not in vetoes
    assert all(any(start <= t <= end for start, end in windows) for t in labelled_bottoms_s)
    sure = [dataclasses.replace(f, pose=_wrists_sure(f.pose)) if f.pose is not None else f for f in frames]
    assert _rep_windows_and_vetoes(sure, CFG)[1].count("up_down") >= 3


def _wrists_sure(pose: PoseFrame) -> PoseFrame:
    visibility = pose.visibility.copy()
    visibility[[int(L.LEFT_WRIST), int(L.RIGHT_WRIST)]] = 1.0
    return dataclasses.replace(pose, visibility=visibility)
