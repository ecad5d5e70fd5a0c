"""Counting holds across tempos and frame rates, and a cut in the video is never a rep.

* Every committed fixture counts within its labelled range when played 0.5x-2.5x as fast
  (:mod:`tempo`: frames dropped or repeated at the same fps, so the count is unchanged), and
  counts exactly what it counts as filmed at 0.5x, 1.5x and 2x -- even where the sped-up reps
  are faster than a person can move (pushfit wrong58 at 2.5x: 0.19 s a rep, 4 frames a cycle):
  no rule of the counter assumes a pace (issue 9).
* The rule that made it assume one is pinned: the minimum cycle is a share of the person's own
  cycles, not 0.2 s.
* A long fast set from the head end (a fixture's reps looped, no rest at the top) counts every
  rep at 0.54-1.1 s a rep, from the first (issue 9's max-reps test).
* Every fixture slowed smoothly (landmarks interpolated) to up to 5x slower, within the longest
  cycle the counter takes, counts the same: a slow bottom seen from the head end keeps its rep.
* Hand-built reps from 0.4 s to 6 s per rep, at 15-60 fps, all count.
* Every fixture counts the same while the camera zooms in and out (an auto-framing webcam), but
  two: those are expected to fail until the counter reads heights in the body's own units.
* Every fixture counts the same on a computer that cannot keep up (30 % of the frames lost in
  bursts of 1-3, as ``eval --augment frame-drops`` loses them); at half the frames lost, two are
  expected to fail (their garbled frames, thinned, read as a rep more or less).
* A jump of the body that no person can make (a cut, a re-found track) ends the cycle
  uncounted (issue 12 row 5): hand-built, and a fixture spliced to a clip of it kneeling up.
"""
from __future__ import annotations

import dataclasses
import math
from typing import List, Sequence

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.augment import AUGMENTATIONS
from livecoach.evaluation.stream_transforms import landmark_stream, zoom_drift_frames
from livecoach.formats.recording import RecordedFrame, read_recording
from livecoach.logic.analysis import SessionAnalyzer
from conftest import FIXTURES
from helpers import side_pushup_pose
from tempo import FASTEST_PLAUSIBLE_REP_S, TEMPOS, count_cycles, looped, rep_depths, slowed_smoothly, tempo_scaled

CFG = load_config()
LANDMARKS = FIXTURES / "landmarks"

#: Labels of the committed fixtures, from ../shared/videos/manifest.json (count_min, count_max:
#: rep cycles, shallow ones included; the median time between two labelled rep bottoms).
LABELS = {
    "tayyab__pushup.mp4": (14, 14, 3.1),
    "vraj__pushups.mp4": (4, 4, 1.7),
    "fitnesscounter__pushup-sample.mp4": (11, 12, 1.45),
    "calimiro__push-up_12.mp4": (2, 3, 1.99),
    "monkeydo__pushup.mov": (2, 3, 2.38),
    "pushfit__wrong49.mp4": (2, 2, 4.0),
    "pushfit__wrong58.mp4": (6, 7, 0.48),
}

CASES = [(clip, tempo) for clip in sorted(LABELS) for tempo in TEMPOS]
#: Tempos at which a fixture must count exactly what it counts as filmed (the issue's test).
SAME_AS_FILMED = (0.5, 1.5, 2.0)


def test_the_tempo_cases_cover_every_fixture_at_every_tempo_even_past_human_speed():
    assert len(CASES) == 7 * 5
    # wrong58 sped up 1.5x-2.5x is faster than a person can push up: it is kept on purpose
    assert [t for t in TEMPOS if LABELS["pushfit__wrong58.mp4"][2] / t < FASTEST_PLAUSIBLE_REP_S] == [1.5, 2.0, 2.5]


def test_tempo_scaling_keeps_every_kth_frame_at_the_same_fps():
    header, frames = read_recording(LANDMARKS / "vraj__pushups.mp4.jsonl.gz")
    fast = tempo_scaled(frames, header.fps, 2.0)
    slow = tempo_scaled(frames, header.fps, 0.5)
    assert len(fast) == math.ceil(len(frames) / 2) and len(slow) == 2 * len(frames)
    assert fast[10].t_s == pytest.approx(frames[0].t_s + 10 / header.fps)
    assert fast[10].pose is not None and fast[10].pose.t_s == fast[10].t_s
    assert np.array_equal(fast[10].pose.image_xyz, frames[20].pose.image_xyz)
    assert np.array_equal(slow[21].pose.image_xyz, frames[10].pose.image_xyz)


@pytest.mark.parametrize("clip,tempo", CASES)
def test_fixture_counts_the_same_at_every_plausible_tempo(clip, tempo):
    lo, hi, _ = LABELS[clip]
    header, frames = read_recording(LANDMARKS / f"{clip}.jsonl.gz")
    cycles = count_cycles(tempo_scaled(frames, header.fps, tempo), CFG)
    assert lo <= cycles <= hi, f"{clip} at {tempo}x: {cycles} cycles, labelled {lo}-{hi}"


@pytest.mark.parametrize("clip", sorted(LABELS))
def test_fixture_counts_as_filmed_at_half_and_double_speed(clip):
    """Every 2nd frame kept (2x), 2 of 3 kept (1.5x), every frame shown twice (0.5x), same fps:
    the same count as filmed, exactly where the labels are exact. Where they allow a cycle cut by
    the clip's start or end (count_min < count_max), that cycle may come and go: wrong58 ends
    just as its 7th rep is back at the top, and at 2x the frame that shows it is dropped (6)."""
    lo, hi, _ = LABELS[clip]
    header, frames = read_recording(LANDMARKS / f"{clip}.jsonl.gz")
    filmed = count_cycles(frames, CFG)
    scaled = {t: count_cycles(tempo_scaled(frames, header.fps, t), CFG) for t in SAME_AS_FILMED}
    assert all(abs(n - filmed) <= hi - lo and lo <= n <= hi for n in scaled.values()), \
        f"{clip}: {filmed} as filmed, {scaled} at {SAME_AS_FILMED}x"


#: Fixtures slowed to a crawl, each new frame's landmarks interpolated (a slow mover, not a frame
#: held still): wrong113 (4 fast knee push-ups filmed from the head end, 1.1 s a rep) slowed to
#: 2.2-5.4 s a rep sits at each bottom longer than the plank gate's off-delay, where its shoulders
#: sink past its hands in the picture. Only paces within the counter's longest cycle
#: ([reps] max_cycle_s, 12 s: longer is a rest at the bottom) are asked for.
SLOW_LABELS = dict(LABELS, **{"pushfit__wrong113.mp4": (4, 4, 1.08)})
SLOW_CASES = [(clip, factor) for clip in sorted(SLOW_LABELS) for factor in (0.5, 0.33, 0.2)
              if SLOW_LABELS[clip][2] / factor <= CFG.reps.max_cycle_s]


def test_the_slow_cases_reach_beyond_six_seconds_a_rep():
    assert len(SLOW_CASES) == 8 * 3 - 3
    assert max(SLOW_LABELS[c][2] / f for c, f in SLOW_CASES) > 6.0


def test_slowing_smoothly_interpolates_between_recorded_frames():
    header, frames = read_recording(LANDMARKS / "vraj__pushups.mp4.jsonl.gz")
    slow = slowed_smoothly(frames, header.fps, 0.25)
    assert len(slow) == 4 * (len(frames) - 1)
    assert slow[41].t_s == pytest.approx(frames[0].t_s + 41 / header.fps)
    a, b = frames[10].pose.image_xyz, frames[11].pose.image_xyz
    assert np.allclose(slow[41].pose.image_xyz, 0.75 * a + 0.25 * b, atol=1e-4)
    assert slow[41].pose.frame_index == 41


@pytest.mark.parametrize("clip,factor", SLOW_CASES)
def test_fixture_slowed_to_several_seconds_a_rep_counts_the_same(clip, factor):
    """Counting holds from the filmed pace down to 5x slower (wrong113: 5.4 s a rep; tayyab at
    0.33x: 9.4 s), within the counter's longest cycle ([reps] max_cycle_s)."""
    lo, hi, _ = SLOW_LABELS[clip]
    header, frames = read_recording(LANDMARKS / f"{clip}.jsonl.gz")
    cycles = count_cycles(slowed_smoothly(frames, header.fps, factor), CFG)
    assert lo <= cycles <= hi, f"{clip} at {factor}x (smoothly): {cycles} cycles, labelled {lo}-{hi}"


#: The fixtures under a camera that zooms in and out (``livecoach eval --augment zoomdrift``: the
#: picture scaled 1 + 0.15 sin(2 pi t / 8 s) about its centre). Two do not hold yet (README,
#: "Not yet robust: a camera that zooms"): the counter's shoulder height is in pixels, its top and
#: bottom percentiles over 30 s mix zooms, and seen from above the body's size in the picture is
#: the count itself, which a zoom changes exactly as coming nearer does.
ZOOM_LABELS = dict(SLOW_LABELS, **{"jtnicastro__pushup.mp4": (9, 10, 2.82)})
ZOOM_NOT_YET = {"jtnicastro__pushup.mp4": "3 of 9: filmed from above, counted by the body's size"}


@pytest.mark.parametrize("clip", [
    pytest.param(c, marks=pytest.mark.xfail(reason=ZOOM_NOT_YET[c], strict=True)) if c in ZOOM_NOT_YET else c
    for c in sorted(ZOOM_LABELS)])
def test_fixture_counts_the_same_while_the_camera_zooms(clip):
    lo, hi, _ = ZOOM_LABELS[clip]
    _, frames = read_recording(LANDMARKS / f"{clip}.jsonl.gz")
    cycles = count_cycles(zoom_drift_frames(frames, 0.15, 8.0), CFG)
    assert lo <= cycles <= hi, f"{clip} zooming: {cycles} cycles, labelled {lo}-{hi}"


# wrong113 with half its frames lost read 5 of 4 until stop 64 (its garbled bottom, thinned, read a top
# on the hands while its shoulders stayed low in the picture: [reps] top_min_shoulder_rise_share).
DROPS_NOT_YET = {
    ("tayyab__pushup.mp4", "drops50"): "13 of 14: its first rep, after a second of garbled poses, is lost"}
DROPS = {a.name: a for a in AUGMENTATIONS if a.name.startswith("drops")}


@pytest.mark.parametrize("clip, drops", [
    pytest.param(c, d, marks=pytest.mark.xfail(reason=DROPS_NOT_YET[c, d], strict=True)) if (c, d) in DROPS_NOT_YET
    else (c, d) for c in sorted(ZOOM_LABELS) for d in sorted(DROPS)])
def test_fixture_counts_the_same_when_the_computer_loses_frames(clip, drops):
    lo, hi, _ = ZOOM_LABELS[clip]
    header, frames = read_recording(LANDMARKS / f"{clip}.jsonl.gz")
    thinned = landmark_stream(frames, DROPS[drops], header.fps)
    assert len(thinned) < len(frames) * (0.8 if drops == "drops30" else 0.6)
    cycles = count_cycles(thinned, CFG)
    assert lo <= cycles <= hi, f"{clip} {drops}: {cycles} cycles, labelled {lo}-{hi}"


@pytest.mark.parametrize("tempo", [1.0, 1.5, 2.0])
def test_a_long_fast_set_seen_from_the_head_end_counts_every_rep(tempo):
    """A max-reps test: wrong113's reps 2-3 (top to top, from the head end) looped 12 times, 24
    reps back to back with no rest at the top, at 1.1 s a rep and sped up to 0.54 s. Every rep
    counts from the first: at 2x the first rep's top, on the set's first frames, is shorter than
    the plank gate's on-delay, and its bottom (shoulders past the hands) no longer restarts it."""
    header, frames = read_recording(LANDMARKS / "pushfit__wrong113.mp4.jsonl.gz")
    long_set = tempo_scaled(looped(frames, header.fps, 1.33, 3.5, 12), header.fps, tempo)
    analyzer = SessionAnalyzer(CFG)
    for rec in long_set:
        analyzer.update(rec.t_s, rec.frame_index, rec.pose)
    assert (analyzer.reps, analyzer.no_reps) == (24, 0)


def _with_reps(**changes):
    return dataclasses.replace(CFG, reps=dataclasses.replace(CFG.reps, **changes))


@pytest.mark.parametrize("tempo", [1.5, 2.0, 2.5])
def test_an_absolute_minimum_rep_time_loses_the_fast_fixture_and_the_relative_one_does_not(tempo):
    """wrong58 (7 contest reps of 0.48 s; cycles of 0.24-0.28 s) sped up: its cycles fall under
    the 0.2 s the counter used to require, and it counted 4, 0 and 0. A share of the person's own
    cycles scales with them."""
    header, frames = read_recording(LANDMARKS / "pushfit__wrong58.mp4.jsonl.gz")
    fast = tempo_scaled(frames, header.fps, tempo)
    assert count_cycles(fast, _with_reps(min_rep_s=0.2)) <= 4
    assert 6 <= count_cycles(fast, CFG) <= 7


# --- hand-built reps -------------------------------------------------------------------------

def run(poses: Sequence, config=CFG) -> SessionAnalyzer:
    analyzer = SessionAnalyzer(config)
    for i, pose in enumerate(poses):
        analyzer.update(pose.t_s, i, pose)
    return analyzer


@pytest.mark.parametrize("fps", [15.0, 30.0, 60.0])
@pytest.mark.parametrize("rep_s,pause_s", [(0.4, 0.0), (0.6, 0.0), (1.5, 0.0), (3.0, 1.0), (6.5, 3.0)])
def test_hand_built_reps_count_from_fast_to_slow(fps, rep_s, pause_s):
    depths = rep_depths(rep_s, fps, reps=5, bottom_pause_s=pause_s)
    analyzer = run([side_pushup_pose(i / fps, d, fps) for i, d in enumerate(depths)])
    assert (analyzer.reps, analyzer.no_reps) == (5, 0)


@pytest.mark.parametrize("gap_s, counted", [(1.5, 5), (4.5, 4)])
def test_a_gap_shorter_than_one_of_the_persons_own_reps_keeps_the_rep(gap_s, counted):
    """Five 4-s reps; the pose lost around the bottom of the fourth. A gap under one of the
    person's own cycles cannot hide a whole rep, so it is bridged ([reps] max_gap_cycles; with
    max_gap_s alone, 1 s, the rep was lost); a longer one still ends the cycle uncounted."""
    fps = 30.0
    depths = rep_depths(4.0, fps, reps=5)
    bottom_4 = (1.0 + 3 * 4.0 + 2.0) * fps
    lost = range(int(bottom_4 - gap_s / 2 * fps), int(bottom_4 + gap_s / 2 * fps))
    analyzer = SessionAnalyzer(CFG)
    for i, d in enumerate(depths):
        analyzer.update(i / fps, i, None if i in lost else side_pushup_pose(i / fps, d, fps))
    assert (analyzer.reps, analyzer.no_reps) == (counted, 0)


@pytest.mark.parametrize("tempo", [0.25, 0.5])
def test_a_clip_the_pose_model_keeps_losing_counts_the_same_slowed_down(tempo):
    """PushFit correct60, filmed from above the head end, found on 36 of its 94 frames: slowed
    down, its half-second gaps at 1 s a rep last 1-2 s, past max_gap_s, and ended the set (1
    cycle of the 2 it counts as filmed); they stay shorter than one of its own cycles."""
    header, frames = read_recording(LANDMARKS / "pushfit__correct60.mp4.jsonl.gz")
    assert count_cycles(tempo_scaled(frames, header.fps, tempo), CFG) == count_cycles(frames, CFG) == 2


def quick_dip(fps: float, dip_s: float) -> List[float]:
    """One full-depth cosine dip of ``dip_s`` seconds (a twitch, not a rep), then a top hold."""
    n = int(round(dip_s * fps))
    return [(1 - math.cos(2 * math.pi * k / n)) / 2 for k in range(n)] + [0.0] * int(fps)


@pytest.mark.parametrize("fps", [15.0, 30.0, 60.0])
def test_a_dip_far_quicker_than_the_persons_own_reps_is_not_a_rep(fps):
    """After four 2 s reps, a 0.25 s twitch to full depth: a quarter of the person's own cycle
    is the floor, whatever the frame rate (without it the twitch counts). In the eval's cached
    landmarks of pushfit wrong49 played 2x and 2.5x, such a dip (0.10 s, after a first rep of
    0.8-1.0 s: the shoulders' signal still rising after the elbows' had locked out) was a third
    cycle; the committed fixture of that clip does not show it."""
    depths = rep_depths(2.0, fps, reps=4) + quick_dip(fps, 0.25) + rep_depths(2.0, fps, reps=1, hold_top_s=0.0)
    poses = [side_pushup_pose(i / fps, d, fps) for i, d in enumerate(depths)]
    assert run(poses, _with_reps(min_rep_cycle_frac=0.0)).reps == 6
    analyzer = run(poses)
    assert (analyzer.reps, analyzer.no_reps) == (5, 0)


@pytest.mark.parametrize("fps", [15.0, 30.0])
def test_a_set_that_speeds_up_threefold_keeps_every_rep(fps):
    """2 s reps, then 0.7 s reps: the floor is a share of the person's own pace (the median of
    their last cycles), so a pace within 4x of the one before counts from its first rep."""
    depths = rep_depths(2.0, fps, reps=4) + rep_depths(0.7, fps, reps=6, hold_top_s=0.0)
    analyzer = run([side_pushup_pose(i / fps, d, fps) for i, d in enumerate(depths)])
    assert (analyzer.reps, analyzer.no_reps) == (10, 0)


def mirrored_bottom_pose(t: float, fps: float = 30.0):
    """The same person at the bottom of a push-up filmed from the other side, a little further
    along: what an edited video cuts to (place and shape of the body change in one frame)."""
    pose = side_pushup_pose(t, 1.0, fps)
    image = pose.image_xyz.copy()
    image[:, 0] = pose.width - image[:, 0] + 80.0
    world = pose.world_xyz.copy()
    world[:, 0] = -world[:, 0]
    return dataclasses.replace(pose, image_xyz=image, world_xyz=world)


def with_cut(depths: Sequence[float], start: int, frames: int, fps: float = 30.0):
    """Plank poses of ``depths`` with ``frames`` frames from ``start`` cut to :func:`mirrored_bottom_pose`."""
    return [mirrored_bottom_pose(i / fps, fps) if start <= i < start + frames else side_pushup_pose(i / fps, d, fps)
            for i, d in enumerate(depths)]


#: No continuity defence: no jump check, and a collapsed outline (kneeling up, as in the spliced
#: fixture below) kept as a pose.
NO_JUMP_CHECK = dataclasses.replace(CFG, reps=dataclasses.replace(CFG.reps, max_body_speed_per_s=100.0,
                                                                  collapsed_size_frac=0.0))


@pytest.mark.parametrize("cut_frames", [6, 12])
def test_a_cut_between_two_plank_stretches_is_not_a_rep(cut_frames):
    """Issue 12 row 5: a short cut (0.2 / 0.4 s) at the top between two sets of two reps."""
    fps = 30.0
    first = rep_depths(1.5, fps, reps=2)
    poses = with_cut(first + rep_depths(1.5, fps, reps=2), len(first) - 20, cut_frames, fps)
    before = run(poses, NO_JUMP_CHECK)
    assert (before.reps, before.no_reps) == (5, 0)  # without the jump check the cut was a rep
    analyzer = run(poses)
    assert (analyzer.reps, analyzer.no_reps) == (4, 0)


def test_a_cut_in_the_middle_of_a_rep_ends_it_uncounted():
    fps = 30.0
    depths = rep_depths(1.5, fps, reps=4)
    mid_second_rep = 30 + 45 + 15  # a 1 s hold, one rep of 45 frames, a third of the next
    analyzer = run(with_cut(depths, mid_second_rep, 6, fps))
    counted = [r.t_end_s for r in analyzer.records]
    assert analyzer.reps + analyzer.no_reps <= 3
    assert not any(mid_second_rep / fps <= t <= (mid_second_rep + 6) / fps + 0.5 for t in counted)


def test_a_fixture_spliced_with_a_cut_to_it_kneeling_up_keeps_its_count():
    """vraj (4 reps): between reps 2 and 3 the video cuts for 0.4 s to the same person kneeling
    up (from the clip's own end) and back. Without the jump check and the minimum cycle (a
    share of his own) that counted a fifth cycle."""
    header, frames = read_recording(LANDMARKS / "vraj__pushups.mp4.jsonl.gz")

    def part(a: float, b: float) -> List[RecordedFrame]:
        return [f for f in frames if a <= f.t_s < b]

    spliced: List[RecordedFrame] = []
    for f in part(0.0, 5.6) + part(10.0, 10.4) + part(5.6, 99.0):
        j = len(spliced)
        t = j / header.fps
        pose = dataclasses.replace(f.pose, t_s=t, frame_index=j) if f.pose is not None else None
        spliced.append(RecordedFrame(frame_index=j, t_s=t, pose=pose))
    no_defence = dataclasses.replace(NO_JUMP_CHECK, reps=dataclasses.replace(NO_JUMP_CHECK.reps, min_rep_cycle_frac=0.0))
    assert count_cycles(spliced, no_defence) == 5
    assert count_cycles(spliced, CFG) == 4
    # the cut's "cycle" is also far quicker than his own reps: the relative floor alone drops it too
    assert count_cycles(spliced, NO_JUMP_CHECK) == 4


def test_only_a_sudden_jump_counts_not_shaky_tracking_that_moves_every_frame():
    """A jump is a change out of a human pace: of two big changes in a row only the first is one
    (the second starts from a body already moving faster than a person can)."""
    from livecoach.logic.continuity import JumpDetector

    fps = 30.0
    detector = JumpDetector(CFG.reps.max_body_speed_per_s, CFG.reps.max_gap_s)
    poses = [side_pushup_pose(i / fps, 0.0, fps) for i in range(5)]
    poses += [mirrored_bottom_pose(5 / fps, fps), side_pushup_pose(6 / fps, 0.0, fps)]
    poses += [side_pushup_pose(i / fps, 0.0, fps) for i in range(7, 12)] + [mirrored_bottom_pose(12 / fps, fps)]
    flags = [detector.update(p.t_s, p) for p in poses]
    assert [i for i, f in enumerate(flags) if f] == [5, 12]
    assert detector.last_speed > CFG.reps.max_body_speed_per_s


def test_the_jump_limit_follows_the_persons_own_pace_and_a_cut_still_stands_out():
    """A stream whose every other frame moves 1.8 body lengths a second (a set sped up past human
    speed, or a shaky track): a 3.1 BL/s step out of a still frame is within twice the person's own
    fast frames, not a jump, though over the absolute 3.0; a cut (10 BL/s) still is one."""
    from livecoach.logic.continuity import JumpDetector

    fps = 30.0
    poses = [side_pushup_pose(i / fps, float((i // 2) % 2), fps) for i in range(40)]  # depths 0, 0, 1, 1, ...
    t, depth = poses[-1].t_s, float((39 // 2) % 2)
    step = side_pushup_pose(t + 1 / 50, 1.0 - depth, fps)  # a full swing in 20 ms, after a still frame
    calm = side_pushup_pose(t + 1 / 50 + 1 / fps, 1.0 - depth, fps)
    cut = mirrored_bottom_pose(t + 1 / 50 + 2 / fps, fps)
    own = JumpDetector(CFG.reps.max_body_speed_per_s, CFG.reps.max_gap_s, CFG.reps.calibration_window_s)
    assert not any(own.update(p.t_s, p) for p in poses)
    assert own.limit() == pytest.approx(2 * 1.836, abs=0.01)
    assert not own.update(step.t_s, step) and CFG.reps.max_body_speed_per_s < own.last_speed < own.limit()
    own.update(calm.t_s, calm)
    assert own.update(cut.t_s, cut) and own.last_speed > 2.5 * own.limit()
    fixed = JumpDetector(CFG.reps.max_body_speed_per_s, CFG.reps.max_gap_s, own_pace_window_s=0.0)
    for p in poses:
        fixed.update(p.t_s, p)
    assert fixed.limit() == CFG.reps.max_body_speed_per_s and fixed.update(step.t_s, step)  # absolute limit only


def test_slowed_incline_reps_through_the_pose_model_have_no_extra_cycle():
    """The variants' incline push-ups (4 reps, hands on a railing) slowed to half speed by repeating
    each frame and run through the pose model again (`eval --augment tempo0.5x-model`, landmarks
    committed). On the way up from the third bottom the shoulders' height dips back to 0.82 of the
    range for three frames (11.47-11.60 s) while the elbows open from 116 to 146 degrees: a misread
    height, not a new descent. It split off a fifth cycle, a no-rep "go lower" (elbows at 116)."""
    _, frames = read_recording(LANDMARKS / "variants__fitnease__inclined_pushups_tempo0.5x-model.jsonl.gz")
    analyzer = SessionAnalyzer(CFG)
    for rec in frames:
        analyzer.update(rec.t_s, rec.frame_index, rec.pose)
    assert (analyzer.reps, analyzer.no_reps) == (4, 0)

