"""--augment's label-preserving transforms, on synthetic data: tempo resampling of a landmark
stream, the labels' times and sides, the image transforms' pixels (cv2, no pose model)."""
from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.augment import (AUGMENTATIONS, FRAME_DROPS, FRAME_RATE, HANDS_UNSEEN, IMAGE, TEMPO,
                                          TEMPO_BLUR, TEMPO_MODEL, VIEW_RAISE, VIEW_TURN, ZOOM_DRIFT,
                                          parse_augmentations,
                                          swap_left_right, tempo_copies, tempo_source_indices, transform_clip)
from livecoach.evaluation.stream_transforms import (HAND_LANDMARKS, dropped_frames, frame_rate_frames,
                                                    hands_flicker_frames, hands_unseen_frames, landmark_jitter,
                                                    landmark_stream,
                                                    raised_view_frames,
                                                    replay_fps, tempo_frames, turned_view_frames, zoom_drift_frames)
from livecoach.evaluation.cache import augmented_cache_key, cache_path, extract_landmarks
from livecoach.formats.recording import read_recording
from livecoach.evaluation.image_transforms import (apply_image_transform, dim, hide_hands, low_res, mirror, rotate,
                                                   washed_out, zoom_in, zoom_out)
from livecoach.evaluation.manifest import ClipSpec, EvalError
from livecoach.evaluation.run import run_eval
from livecoach.formats.recording import RecordedFrame
from livecoach.logic.elevation import median_elevation_deg
from livecoach.types import PoseFrame
from conftest import FIXTURES

from helpers import FPS, HEIGHT, WIDTH, fake_image, plank_pose, with_points
from livecoach.landmarks import Landmark as L

BY_NAME = {a.name: a for a in AUGMENTATIONS}
CONFIG = load_config()


def stream(n: int, fps: float = FPS, missing=()):
    """n recorded frames; each pose's bend encodes its source index (so resampling is visible)."""
    return [RecordedFrame(i, i / fps, None if i in missing else plank_pose(i / fps, i, bend=(i % 10) / 10))
            for i in range(n)]


@pytest.mark.parametrize("speed, expected", [
    (2.0, [0, 2, 4, 6, 8]), (1.5, [0, 1, 3, 4, 6, 7, 9]), (2.5, [0, 2, 5, 7]),
    (0.5, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]), (1.0, list(range(10)))])
def test_tempo_keeps_every_kth_frame_or_repeats_frames(speed, expected):
    assert tempo_source_indices(10, speed) == expected


@pytest.mark.parametrize("speed", [0.5, 1.0, 1.5, 2.0, 2.5])
def test_streaming_tempo_copies_match_the_index_list(speed):
    produced, out = [], 0
    for i in range(23):
        copies = tempo_copies(i, out, speed)
        produced += [i] * copies
        out += copies
    assert produced == tempo_source_indices(23, speed)


@pytest.mark.parametrize("speed", [0.0, -1.0, float("nan")])
def test_tempo_factor_must_be_positive(speed):
    with pytest.raises(ValueError):
        tempo_source_indices(10, speed)


def test_tempo_frames_restamp_index_and_time_at_the_same_fps():
    frames = stream(30, missing={4})
    out = tempo_frames(frames, 2.0, FPS)
    assert len(out) == 15
    for j, rec in enumerate(out):
        assert rec.frame_index == j and rec.t_s == pytest.approx(j / FPS)
        source = frames[2 * j]
        if source.pose is None:
            assert rec.pose is None
        else:
            assert rec.pose.frame_index == j and rec.pose.t_s == pytest.approx(j / FPS)
            np.testing.assert_array_equal(rec.pose.image_xyz, source.pose.image_xyz)
    assert out[2].pose is None  # source frame 4 had no pose: still none, at its new time
    slow = tempo_frames(frames, 0.5, FPS)
    assert len(slow) == 60 and slow[-1].t_s == pytest.approx(59 / FPS)
    np.testing.assert_array_equal(slow[6].pose.image_xyz, slow[7].pose.image_xyz)
    assert tempo_frames([], 2.0, FPS) == []


def assert_kept_renumbered(out, frames, sources, missing: int) -> None:
    """``out`` holds frames ``sources`` of ``frames`` (poses and times kept), renumbered 0, 1, ...;
    frame ``missing`` had no pose and still has none."""
    assert [r.frame_index for r in out] == list(range(len(sources)))
    for rec, i in zip(out, sources):
        if i == missing:
            assert rec.pose is None
        else:
            assert rec.pose.frame_index == rec.frame_index and rec.pose.t_s == frames[i].t_s
            np.testing.assert_array_equal(rec.pose.image_xyz, frames[i].pose.image_xyz)


@pytest.mark.parametrize("fps, sources", [(30.0, [0, 2, 4, 6, 8]), (25.0, [0, 1, 3, 5, 6, 8]),
                                          (60.0, [0, 4, 8]), (15.0, list(range(10))), (14.985, list(range(10)))])
def test_a_15_fps_camera_keeps_the_last_frame_at_each_tick_with_its_own_time(fps, sources):
    frames = stream(10, fps=fps, missing={4})
    out = frame_rate_frames(frames, fps, 15.0)
    assert [round(r.t_s * fps) for r in out] == sources  # the source frames, by their own times
    assert_kept_renumbered(out, frames, sources, missing=4)
    assert replay_fps(BY_NAME["fps15"], fps) == min(fps, 15.0)
    assert replay_fps(BY_NAME["tempo2x"], fps) == replay_fps(None, fps) == fps


def test_a_60_fps_camera_adds_frames_between_the_filmed_ones():
    frames = stream(10, fps=30.0, missing={4})
    out = frame_rate_frames(frames, 30.0, 60.0)
    assert [r.frame_index for r in out] == list(range(19))  # 0 .. 9/30 s every 1/60 s
    assert [r.t_s for r in out] == pytest.approx([n / 60.0 for n in range(19)])
    for n, rec in enumerate(out):
        if n % 2 == 0:  # a filmed frame's tick: its own pose, re-stamped
            source = frames[n // 2].pose
            if source is None:
                assert rec.pose is None
                continue
            np.testing.assert_array_equal(rec.pose.image_xyz, source.image_xyz)
        elif n // 2 in (3, 4):
            assert rec.pose is None  # next to a frame without a person: no person made up
            continue
        else:  # halfway: the mean of the two around it (the fakes bend along arcs: a wobble of 0.1 px)
            before, after = frames[n // 2].pose, frames[n // 2 + 1].pose
            np.testing.assert_allclose(rec.pose.image_xyz, (before.image_xyz + after.image_xyz) / 2, atol=0.2)
            np.testing.assert_allclose(rec.pose.visibility, (before.visibility + after.visibility) / 2, atol=1e-6)
        assert rec.pose.t_s == rec.t_s and rec.pose.frame_index == n
    assert replay_fps(BY_NAME["fps60"], 30.0) == 60.0
    # a clip filmed at 59.94 fps is a 60 fps camera's already: unchanged
    filmed_60 = stream(10, fps=59.94)
    assert [r.pose.image_xyz.tolist() for r in frame_rate_frames(filmed_60, 59.94, 60.0)] == \
        [r.pose.image_xyz.tolist() for r in filmed_60]
    assert replay_fps(BY_NAME["fps60"], 59.94) == 59.94


def test_the_added_frames_wobble_as_the_filmed_ones_do():
    """The counter reads a signal's noise from its frame-to-frame wobble: frames interpolated on a
    straight line would have none, and a 60 fps camera would look cleaner than a 30 fps one."""
    rng = np.random.default_rng(5)
    still = plank_pose(0.0, 0, bend=0.3)
    frames = [RecordedFrame(i, i / 30.0, dataclasses.replace(
        still, t_s=i / 30.0, frame_index=i, image_xyz=still.image_xyz + rng.normal(0.0, 2.0, (33, 3)).astype(np.float32)))
        for i in range(600)]
    image_sigma, world_sigma = landmark_jitter(frames)
    assert image_sigma.shape == world_sigma.shape == (33, 3)
    assert float(np.median(image_sigma)) == pytest.approx(2.0, rel=0.1)
    assert float(np.max(world_sigma)) == 0.0  # the fakes' world landmarks do not move
    out = frame_rate_frames(frames, 30.0, 60.0)
    added = np.stack([r.pose.image_xyz for r in out[1::2]])
    filmed = np.stack([r.pose.image_xyz for r in out[0::2]])
    # a still body: each added frame's spread about it is the filmed frames' (halfway between two
    # of them halves their variance; the added jitter brings it back above that)
    assert float(np.std(added - still.image_xyz)) > 1.1 * float(np.std(filmed - still.image_xyz)) / math.sqrt(2.0)
    assert float(np.std(added - still.image_xyz)) == pytest.approx(float(np.std(filmed - still.image_xyz)), rel=0.3)
    assert landmark_jitter(frames[:2])[0].tolist() == np.zeros((33, 3)).tolist()


@pytest.mark.parametrize("share, burst", [(0.3, 2.0), (0.5, 2.0), (0.3, 4.0)])
def test_a_computer_that_cannot_keep_up_loses_that_share_of_frames_in_bounded_bursts(share, burst):
    frames = stream(9000, missing={5})
    out = dropped_frames(frames, share, burst, seed=3)
    kept = [round(r.t_s * FPS) for r in out]  # the source frames, by their own times
    assert kept[0] == 0 and kept == sorted(set(kept))
    assert abs(1.0 - len(out) / len(frames) - share) < 0.03
    bursts = [b - a - 1 for a, b in zip(kept, kept[1:]) if b - a > 1]
    assert abs(sum(bursts) / len(bursts) - burst) < 0.25  # burst_frames lost in a row on average
    assert set(bursts) == set(range(1, int(2 * burst)))  # 1 .. 2 * burst - 1: never a longer stall
    assert_kept_renumbered(out, frames, kept, missing=5)
    assert [r.t_s for r in dropped_frames(frames, share, burst, seed=3)] == [r.t_s for r in out]  # seeded
    assert [r.t_s for r in dropped_frames(frames, share, burst, seed=4)] != [r.t_s for r in out]
    assert [r.t_s for r in dropped_frames(frames[:50], 0.0, burst, seed=3)] == [r.t_s for r in frames[:50]]
    for bad_share, bad_burst in ((1.0, 4.0), (-0.1, 4.0), (0.3, 0.5)):
        with pytest.raises(ValueError):
            dropped_frames(frames, bad_share, bad_burst, seed=3)


def test_the_frame_drop_transforms_thin_each_clip_its_own_way_and_keep_every_label():
    frames = stream(3000)
    for name, share in (("drops30", 0.3), ("drops50", 0.5)):
        assert BY_NAME[name].kind == FRAME_DROPS
        thinned = landmark_stream(frames, BY_NAME[name], FPS)
        assert [r.t_s for r in thinned] == [r.t_s for r in dropped_frames(frames, share, 2.0, seed=len(frames))]
        other_clip = landmark_stream(frames[:2999], BY_NAME[name], FPS)  # another length: another pattern
        assert [r.t_s for r in other_clip][:200] != [r.t_s for r in thinned][:200]
        assert dataclasses.replace(transform_clip(clip(), BY_NAME[name]), file=clip().file) == clip()


@pytest.mark.parametrize("t0", [0.0, 3.0])
def test_a_zooming_camera_scales_image_landmarks_about_the_centre(t0):
    frames = [RecordedFrame(i, t0 + i * 0.5, None if i == 3 else plank_pose(t0 + i * 0.5, i, bend=0.3))
              for i in range(17)]  # 0 .. 8 s: one period
    out = zoom_drift_frames(frames, 0.15, 8.0)
    assert [(r.frame_index, r.t_s) for r in out] == [(r.frame_index, r.t_s) for r in frames]
    assert out[3].pose is None
    for i, expected in ((0, 1.0), (4, 1.15), (8, 1.0), (12, 0.85), (16, 1.0), (2, 1 + 0.15 * np.sin(np.pi / 4))):
        before, after = frames[i].pose, out[i].pose
        centre = np.array([before.width / 2, before.height / 2, 0.0])
        np.testing.assert_allclose(after.image_xyz, (before.image_xyz - centre) * expected + centre, rtol=1e-5,
                                   atol=1e-3)
        np.testing.assert_array_equal(after.world_xyz, before.world_xyz)  # metres: a zoom does not change them
        np.testing.assert_array_equal(after.visibility, before.visibility)
    assert zoom_drift_frames([], 0.15, 8.0) == []
    for amplitude, period in ((1.0, 8.0), (-0.1, 8.0), (0.15, 0.0)):
        with pytest.raises(ValueError):
            zoom_drift_frames(frames, amplitude, period)


def projected_pose(t_s: float, frame_index: int, world: np.ndarray, scale: float = 400.0) -> PoseFrame:
    """A pose whose image landmarks are its world landmarks seen weakly in perspective (no detail of
    its own): pixels = ``scale`` x metres about the picture's centre."""
    image = np.zeros_like(world)
    image[:, :2] = world[:, :2] * scale + (WIDTH / 2, HEIGHT / 2)
    image[:, 2] = world[:, 2] * scale
    return PoseFrame(t_s, frame_index, WIDTH, HEIGHT, image, np.ones(len(world)), world)


def test_a_turned_camera_sees_the_world_landmarks_rotated_about_the_vertical():
    rng = np.random.default_rng(7)
    world = rng.normal(0.0, 0.4, (33, 3))
    frames = [RecordedFrame(0, 0.0, projected_pose(0.0, 0, world)), RecordedFrame(1, 1 / FPS, None)]
    for degrees in (30.0, -45.0):
        turned = turned_view_frames(frames, degrees)
        assert [(r.frame_index, r.t_s) for r in turned] == [(0, 0.0), (1, 1 / FPS)] and turned[1].pose is None
        pose, a = turned[0].pose, np.radians(degrees)
        # the vertical (y) is the axis: heights stay, x and depth turn together
        expected = np.stack([world[:, 0] * np.cos(a) + world[:, 2] * np.sin(a), world[:, 1],
                             -world[:, 0] * np.sin(a) + world[:, 2] * np.cos(a)], axis=1)
        np.testing.assert_allclose(pose.world_xyz, expected, atol=1e-5)
        # the picture shows the turned body as the frame's own projection (400 px a metre) shows it
        np.testing.assert_allclose(pose.image_xyz, projected_pose(0.0, 0, expected).image_xyz, atol=1e-2)
        np.testing.assert_array_equal(pose.visibility, frames[0].pose.visibility)
    np.testing.assert_allclose(turned_view_frames(frames, 0.0)[0].pose.image_xyz, frames[0].pose.image_xyz, atol=1e-3)


@pytest.mark.parametrize("elevation", [15.0, 30.0])
def test_a_clip_filmed_from_above_is_turned_about_the_floors_vertical(elevation):
    """A camera looking down has its y axis tilted from the floor's vertical by its elevation:
    turned about its own, an incline body filmed from 15 degrees up and turned 30 degrees rose
    10-20 degrees steeper from the floor than as filmed. Turned about the floor's vertical, the
    camera goes round the body at its own height: level the clip, turn, tilt back."""
    rng = np.random.default_rng(11)
    level = rng.normal(0.0, 0.4, (33, 3))  # a body in a level camera's axes

    def tilt(degrees: float) -> np.ndarray:  # a camera raised this much: y' = c y - s z, z' = s y + c z
        c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
        return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])

    filmed = [RecordedFrame(0, 0.0, projected_pose(0.0, 0, level @ tilt(elevation).T))]
    for degrees in (30.0, -45.0):
        a = math.radians(degrees)
        turn = np.array([[math.cos(a), 0.0, math.sin(a)], [0.0, 1.0, 0.0], [-math.sin(a), 0.0, math.cos(a)]])
        expected = level @ (tilt(elevation) @ turn).T
        turned = turned_view_frames(filmed, degrees, camera_elevation_deg=elevation)[0].pose
        np.testing.assert_allclose(turned.world_xyz, expected, atol=1e-5)
        about_its_own = turned_view_frames(filmed, degrees)[0].pose.world_xyz
        assert np.abs(about_its_own - expected).max() > 0.05  # metres: the body tilted as well
        np.testing.assert_array_equal(turned_view_frames(filmed, degrees, camera_elevation_deg=math.nan)[0].pose.world_xyz,
                                      about_its_own)  # the elevation not read: the camera's own axis


def test_a_recordings_camera_elevation_is_the_median_of_the_frames_that_read_it():
    # a plank side-on, its shoulders and hips 0.4 m apart along the depth, filmed from 20 degrees up
    world = np.zeros((33, 3))
    for lm, (x, y, z) in {L.LEFT_SHOULDER: (-0.6, -0.1, -0.2), L.RIGHT_SHOULDER: (-0.6, -0.1, 0.2),
                          L.LEFT_HIP: (0.0, 0.0, -0.2), L.RIGHT_HIP: (0.0, 0.0, 0.2)}.items():
        world[lm] = (x, y, z)
    raised = raised_view_frames([RecordedFrame(0, 0.0, projected_pose(0.0, 0, world))], 20.0, 0.0)[0].pose
    assert median_elevation_deg([raised, None, raised, raised], 0.5, 0.5, 3) == pytest.approx(20.0, abs=0.01)
    assert math.isnan(median_elevation_deg([raised, None, raised], 0.5, 0.5, 3))  # two read it: too few


def test_a_turned_camera_keeps_the_pictures_own_detail_and_a_body_along_the_view_shortens():
    # a plank side-on: the body along x, the shoulders 0.4 m apart along the depth
    world = np.zeros((33, 3))
    for lm, (x, y, z) in {L.LEFT_SHOULDER: (-0.6, -0.1, -0.2), L.RIGHT_SHOULDER: (-0.6, -0.1, 0.2),
                          L.LEFT_ANKLE: (0.9, 0.1, -0.2), L.RIGHT_ANKLE: (0.9, 0.1, 0.2)}.items():
        world[lm] = (x, y, z)
    pose = projected_pose(0.0, 0, world)
    jitter = np.zeros_like(pose.image_xyz)
    jitter[L.NOSE] = (3.0, -2.0, 0.0)  # the model's own detail in the picture, not in the world landmarks
    pose = dataclasses.replace(pose, image_xyz=pose.image_xyz + jitter)
    turned = turned_view_frames([RecordedFrame(0, 0.0, pose)], 60.0)[0].pose
    def across(p, a, b):  # the picture's width between two landmarks
        return abs(p.xy(a)[0] - p.xy(b)[0])

    body = across(pose, L.LEFT_SHOULDER, L.LEFT_ANKLE)
    assert across(turned, L.LEFT_SHOULDER, L.LEFT_ANKLE) == pytest.approx(0.5 * body, rel=0.02)
    shoulders = 400 * 0.4 * np.sin(np.radians(60))  # 0.4 m along the depth, 400 px a metre
    assert across(turned, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) == pytest.approx(shoulders, rel=0.02)
    assert turned.xy(L.NOSE) - pose.xy(L.NOSE) == pytest.approx(np.zeros(2), abs=0.5)  # the nose sat at the origin
    for bad in (90.0, -120.0):
        with pytest.raises(ValueError):
            turned_view_frames([RecordedFrame(0, 0.0, pose)], bad)


def test_a_raised_camera_shortens_heights_and_lifts_what_lies_further_away():
    # a plank side-on, the shoulders 0.4 m apart along the depth, 0.45 m above the wrists
    world = np.zeros((33, 3))
    for lm, (x, y, z) in {L.LEFT_SHOULDER: (-0.6, -0.1, -0.2), L.RIGHT_SHOULDER: (-0.6, -0.1, 0.2),
                          L.LEFT_WRIST: (-0.6, 0.35, -0.2), L.RIGHT_WRIST: (-0.6, 0.35, 0.2),
                          L.LEFT_ANKLE: (0.9, 0.1, -0.1), L.RIGHT_ANKLE: (0.9, 0.1, 0.1)}.items():
        world[lm] = (x, y, z)
    frames = [RecordedFrame(i, i / FPS, projected_pose(i / FPS, i, world)) for i in range(5)]
    frames.append(RecordedFrame(5, 5 / FPS, None))
    raised = raised_view_frames(frames, 30.0, depth_window_s=3.0)
    assert [(r.frame_index, r.t_s) for r in raised] == [(r.frame_index, r.t_s) for r in frames]
    assert raised[5].pose is None
    pose, c, s = raised[2].pose, np.cos(np.radians(30)), np.sin(np.radians(30))
    expected = np.stack([world[:, 0], c * world[:, 1] - s * world[:, 2], s * world[:, 1] + c * world[:, 2]], axis=1)
    np.testing.assert_allclose(pose.world_xyz, expected, atol=1e-5)
    np.testing.assert_allclose(pose.image_xyz[:, :2], projected_pose(0.0, 0, expected).image_xyz[:, :2], atol=1e-2)
    # each side's shoulder above its wrist shortens by cos(30); the far (right) side moves up the picture
    for shoulder, wrist in ((L.LEFT_SHOULDER, L.LEFT_WRIST), (L.RIGHT_SHOULDER, L.RIGHT_WRIST)):
        assert pose.xy(wrist)[1] - pose.xy(shoulder)[1] == pytest.approx(400 * 0.45 * c, rel=1e-3)
    assert pose.xy(L.LEFT_SHOULDER)[1] - pose.xy(L.RIGHT_SHOULDER)[1] == pytest.approx(400 * 0.4 * s, rel=1e-3)
    np.testing.assert_allclose(raised_view_frames(frames, 0.0, 3.0)[0].pose.image_xyz, frames[0].pose.image_xyz,
                               atol=1e-3)
    for bad in ((90.0, 3.0), (-10.0, 3.0), (30.0, -1.0), (30.0, float("nan"))):
        with pytest.raises(ValueError):
            raised_view_frames(frames, *bad)


def test_a_raised_camera_moves_each_landmark_by_its_steady_depth_not_the_models_jitter():
    # the model's depth of a planted wrist swings 0.3 m from frame to frame; a raised camera would
    # not show the wrist bobbing up and down the picture, so the depth is a moving median
    world = np.zeros((33, 3))
    world[L.LEFT_WRIST] = (0.0, 0.4, -0.2)
    frames = []
    for i in range(31):
        w = world.copy()
        w[L.LEFT_WRIST, 2] += 0.3 if i == 15 else 0.0
        frames.append(RecordedFrame(i, i / 10, projected_pose(i / 10, i, w)))
    raised = raised_view_frames(frames, 45.0, depth_window_s=2.0)
    heights = [r.pose.xy(L.LEFT_WRIST)[1] for r in raised]
    assert max(heights) - min(heights) == pytest.approx(0.0, abs=0.05)
    # with no window the jitter shows: the wrist jumps 400 px/m x 0.3 m x sin 45 up the picture
    bobbing = [r.pose.xy(L.LEFT_WRIST)[1] for r in raised_view_frames(frames, 45.0, depth_window_s=0.0)]
    assert bobbing[14] - bobbing[15] == pytest.approx(400 * 0.3 * np.sin(np.radians(45)), rel=1e-3)


def test_a_raised_camera_keeps_planted_hands_still_and_shortens_the_hips_own_drop():
    # a push-up side-on: the shoulders drop 0.3 m and the hips 0.2 m over planted wrists. The pose
    # model's world landmarks are about the hips, so in them the wrists rise 0.2 m at the bottom.
    def frame(i: int) -> RecordedFrame:
        lowered = 0.5 - 0.5 * np.cos(2 * np.pi * i / 20)  # 0 at the top, 1 at the bottom
        place = np.zeros((33, 3))  # metres, y down, fixed to the floor
        for lm, (x, y, z) in {L.LEFT_SHOULDER: (-0.6, -0.45, -0.2), L.RIGHT_SHOULDER: (-0.6, -0.45, 0.2),
                              L.LEFT_WRIST: (-0.6, 0.0, -0.2), L.RIGHT_WRIST: (-0.6, 0.0, 0.2),
                              L.LEFT_HIP: (0.0, -0.35, -0.15), L.RIGHT_HIP: (0.0, -0.35, 0.15)}.items():
            place[lm] = (x, y + lowered * (0.3 if lm in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER) else
                                           0.2 if lm in (L.LEFT_HIP, L.RIGHT_HIP) else 0.0), z)
        pose = projected_pose(i / FPS, i, place)
        hips = (place[L.LEFT_HIP] + place[L.RIGHT_HIP]) / 2
        return RecordedFrame(i, i / FPS, dataclasses.replace(pose, world_xyz=place - hips))
    frames = [frame(i) for i in range(41)]
    raised = raised_view_frames(frames, 45.0, depth_window_s=0.0)
    wrist = [r.pose.xy(L.LEFT_WRIST)[1] for r in raised]
    assert max(wrist) - min(wrist) == pytest.approx(0.0, abs=0.01)  # px
    drop = raised[10].pose.xy(L.LEFT_SHOULDER)[1] - raised[0].pose.xy(L.LEFT_SHOULDER)[1]
    assert drop == pytest.approx(400 * 0.3 * np.cos(np.radians(45)), rel=1e-3)


def test_the_landmark_stream_of_each_landmark_kind():
    frames = stream(30)
    drift = BY_NAME["zoomdrift"]
    assert drift.kind == ZOOM_DRIFT
    zoomed = landmark_stream(frames, drift, FPS)
    np.testing.assert_array_equal(zoomed[20].pose.image_xyz, zoom_drift_frames(frames, 0.15, 8.0)[20].pose.image_xyz)
    assert len(landmark_stream(frames, BY_NAME["tempo2x"], FPS)) == 15
    assert len(landmark_stream(frames, BY_NAME["fps15"], FPS)) == 15
    turn = BY_NAME["turn-45"]
    assert turn.kind == VIEW_TURN
    np.testing.assert_array_equal(landmark_stream(frames, turn, FPS)[20].pose.world_xyz,
                                  turned_view_frames(frames, -45.0)[20].pose.world_xyz)
    assert dataclasses.replace(transform_clip(clip(), turn), file=clip().file) == clip()  # every label kept
    raise_ = BY_NAME["raise30"]
    assert raise_.kind == VIEW_RAISE
    np.testing.assert_array_equal(landmark_stream(frames, raise_, FPS)[20].pose.world_xyz,
                                  raised_view_frames(frames, 30.0, 10.0)[20].pose.world_xyz)
    assert dataclasses.replace(transform_clip(clip(), raise_), file=clip().file) == clip()
    for untouched in (None, BY_NAME["dim"], BY_NAME["tempo2x-model"]):
        assert landmark_stream(frames, untouched, FPS) == frames
    assert dataclasses.replace(transform_clip(clip(), drift), file=clip().file) == clip()  # every label kept


def test_the_frame_rate_transform_keeps_every_label():
    original = clip()
    changed = transform_clip(original, BY_NAME["fps15"])
    assert changed.file == "v/a.mp4@fps15"
    assert dataclasses.replace(changed, file=original.file) == original


def test_tempo_frames_start_at_the_first_frames_time():
    frames = [RecordedFrame(i, 5.0 + i / FPS, None) for i in range(6)]
    assert [r.t_s for r in tempo_frames(frames, 2.0, FPS)] == pytest.approx([5.0, 5.0 + 1 / FPS, 5.0 + 2 / FPS])


def clip(**kw) -> ClipSpec:
    base = dict(file="v/a.mp4", path=Path("v/a.mp4"), kind="detailed", view_text="side (head right), Left arm near",
                count=4, count_min=3, count_max=4, full_reps=4, partial_reps=0, active_span_s=(2.0, 12.0),
                rep_bottoms_s=(3.0, 6.0, 9.0, 11.0), faults={"hip_sag": "yes", "shallow": "no"}, label="incorrect",
                source="someone/repo")
    base.update(kw)
    return ClipSpec(**base)


@pytest.mark.parametrize("name, speed", [("tempo0.5x", 0.5), ("tempo1.5x", 1.5), ("tempo2x", 2.0),
                                         ("tempo2.5x", 2.5)])
def test_tempo_labels_scale_times_and_keep_counts_and_faults(name, speed):
    original = clip()
    changed = transform_clip(original, BY_NAME[name])
    assert changed.file == f"v/a.mp4@{name}" and changed.path == original.path
    assert changed.active_span_s == pytest.approx((2.0 / speed, 12.0 / speed))
    assert changed.rep_bottoms_s == pytest.approx(tuple(t / speed for t in original.rep_bottoms_s))
    for field in ("count", "count_min", "count_max", "full_reps", "partial_reps", "faults", "label", "source",
                  "view_text", "variant"):
        assert getattr(changed, field) == getattr(original, field)


def test_mirror_swaps_left_and_right_in_the_labels_and_keeps_times():
    changed = transform_clip(clip(), BY_NAME["mirror"])
    assert changed.view_text == "side (head left), Right arm near"
    assert changed.active_span_s == (2.0, 12.0) and changed.rep_bottoms_s == clip().rep_bottoms_s
    assert transform_clip(clip(active_span_s=None), BY_NAME["dim"]).active_span_s is None


def test_swap_left_right_keeps_case_and_whole_words_only():
    assert swap_left_right("LEFT side, left arm, Right leg, bright light") == "RIGHT side, right arm, Left leg, bright light"
    assert swap_left_right(swap_left_right("3/4 front, head left")) == "3/4 front, head left"


def test_parse_augmentations_groups_names_and_errors():
    assert [a.name for a in parse_augmentations("tempo")] == ["tempo0.25x", "tempo0.5x", "tempo1.5x", "tempo2x",
                                                              "tempo2.5x"]
    assert [(a.name, a.kind) for a in parse_augmentations("frame-rate")] == [("fps15", FRAME_RATE),
                                                                          ("fps60", FRAME_RATE)]
    assert [(a.name, a.kind) for a in parse_augmentations("zoom-drift")] == [("zoomdrift", ZOOM_DRIFT)]
    assert [(a.name, a.kind) for a in parse_augmentations("frame-drops")] == [("drops30", FRAME_DROPS),
                                                                           ("drops50", FRAME_DROPS)]
    assert [(a.name, a.param("degrees")) for a in parse_augmentations("view-turn")] == [
        ("turn30", 30.0), ("turn-30", -30.0), ("turn45", 45.0), ("turn-45", -45.0)]
    assert [(a.name, a.param("degrees")) for a in parse_augmentations("view-raise")] == [
        ("raise30", 30.0), ("raise45", 45.0)]
    assert [(a.name, a.kind) for a in parse_augmentations("hands-unseen")] == [("handsunseen", HANDS_UNSEEN),
                                                                            ("handsflicker", HANDS_UNSEEN)]
    assert all(a.kind == IMAGE for a in parse_augmentations("image")) and len(parse_augmentations("image")) == 8
    assert [a.name for a in parse_augmentations("image") if a.guided] == ["hidehands"]
    assert [a.name for a in parse_augmentations("combined")] == ["dim-fast", "far-tilted", "mirror-dim"]
    assert [a.speed for a in parse_augmentations("tempo-model")] == [0.5, 1.5, 2.0, 2.5]
    assert all(a.kind == TEMPO_MODEL for a in parse_augmentations("tempo-model"))
    assert len(parse_augmentations("all")) == len(AUGMENTATIONS)
    assert [a.name for a in parse_augmentations("mirror, tempo2x,mirror")] == ["mirror", "tempo2x"]
    assert parse_augmentations(None) == []
    with pytest.raises(EvalError) as err:
        parse_augmentations("tempo,sepia")
    assert "'sepia'" in str(err.value) and "tempo2x" in str(err.value)
    with pytest.raises(EvalError):
        parse_augmentations(" , ")


def test_augmented_landmarks_are_cached_per_clip_and_transform():
    spec = ClipSpec(file="sub/a b.mp4", path=Path("x"), kind="detailed")
    assert augmented_cache_key("k", None) == "k"
    keys = {augmented_cache_key("k", a) for a in AUGMENTATIONS}
    assert len(keys) == len(AUGMENTATIONS) and "k" not in keys
    plain = cache_path(Path("/c"), spec, "k")
    dimmed = cache_path(Path("/c"), spec, "k", BY_NAME["dim"])
    assert plain.name == "sub_a_b.mp4.k.jsonl.gz"
    assert dimmed.name.startswith("sub_a_b.mp4_dim.") and dimmed.name != plain.name


# --- image transforms (cv2 only) ----------------------------------------------------------

def test_mirror_flips_columns():
    image = fake_image(0, 0.3)
    image[10, 5] = (1, 2, 3)
    flipped = mirror(image)
    assert flipped.shape == image.shape and tuple(flipped[10, image.shape[1] - 6]) == (1, 2, 3)
    np.testing.assert_array_equal(mirror(flipped), image)


def test_dim_darkens_adds_seeded_noise_and_keeps_uint8():
    image = np.full((40, 60, 3), 128, np.uint8)
    a = dim(image, gamma=2.2, gain=0.6, noise_sigma=6.0, seed=3)
    assert a.dtype == np.uint8 and a.shape == image.shape
    assert 15 < a.mean() < 40  # 255 * 0.6 * (128/255) ** 2.2 = 33
    assert a.std() > 3  # sensor noise
    np.testing.assert_array_equal(a, dim(image, 2.2, 0.6, 6.0, seed=3))  # same frame, same noise
    assert not np.array_equal(a, dim(image, 2.2, 0.6, 6.0, seed=4))
    assert dim(image, 2.2, 0.6, 0.0, seed=0).std() == 0


def test_washed_out_cuts_the_contrast_toward_a_light_grey_with_seeded_noise():
    image = np.zeros((40, 60, 3), np.uint8)
    image[:, 30:] = 200  # a dark and a light half: 200 grey levels apart
    a = washed_out(image, contrast=0.35, level=220.0, noise_sigma=0.0, seed=0)
    assert a.dtype == np.uint8 and a.shape == image.shape
    assert a[0, 0, 0] == 143 and a[0, 59, 0] == 213  # 220 - 0.35 * 220; 220 - 0.35 * 20
    noisy = washed_out(image, 0.35, 220.0, 3.0, seed=5)
    assert 1 < float(noisy[:, :30].std()) < 5
    np.testing.assert_array_equal(noisy, washed_out(image, 0.35, 220.0, 3.0, seed=5))
    np.testing.assert_array_equal(apply_image_transform(BY_NAME["washedout"], image, 5), noisy)


def test_low_res_keeps_the_size_and_loses_fine_detail():
    image = np.full((120, 160, 3), 100, np.uint8)
    image[::2, :] = 160  # one-pixel stripes: detail finer than half the resolution
    image[40:80, 60:100] = 250  # a large block survives
    out = low_res(image, max_side_px=80.0, jpeg_quality=30.0)  # 160 x 120 -> 80 x 60
    assert out.shape == image.shape and out.dtype == np.uint8
    assert float(out[:30, :].std()) < 0.2 * float(image[:30, :].std())  # the stripes averaged away
    assert out[60, 80].min() > 200
    kept = low_res(image, max_side_px=320.0, jpeg_quality=95.0)  # small enough: only the JPEG
    assert float(kept[:30, :].std()) > 0.8 * float(image[:30, :].std())
    big = np.full((480, 640, 3), 100, np.uint8)
    big[::2, :] = 160  # a 640 x 480 camera: shrunk to 320 x 240, its one-pixel stripes go
    np.testing.assert_array_equal(apply_image_transform(BY_NAME["lowres"], big, 0), low_res(big, 320.0, 30.0))
    assert float(low_res(big, 320.0, 30.0).std()) < 0.2 * float(big.std())


def test_zoom_out_shrinks_into_a_black_border_and_rotate_keeps_size():
    image = np.full((100, 200, 3), 200, np.uint8)
    small = zoom_out(image, 0.7)
    assert small.shape == image.shape
    assert small[0, 0].sum() == 0 and small[50, 100].min() == 200
    assert (small.sum(axis=2) > 0).sum() == pytest.approx(140 * 70, rel=0.03)
    turned = rotate(image, 7.0)
    assert turned.shape == image.shape and turned[0, 0].sum() == 0 and turned[50, 100].min() == 200


def test_zoom_in_scales_the_centre_up_and_cuts_the_edges():
    image = np.zeros((100, 200, 3), np.uint8)
    image[40:60, 80:120] = 255  # a centred 40 x 20 box
    image[:, :5] = 90  # a stripe at the left edge, outside the central 80 %
    big = zoom_in(image, 0.8)
    assert big.shape == image.shape
    assert (big[:, :, 0] > 127).sum() == pytest.approx(50 * 25, rel=0.1)  # 1 / 0.8 = 1.25 x each way
    assert big[50, 100].min() == 255 and not (big == 90).any()
    np.testing.assert_array_equal(apply_image_transform(BY_NAME["zoomin"], image, 0), big)


def test_a_combined_transform_applies_its_steps_in_turn_and_moves_the_labels_with_them():
    image = fake_image(3, 0.5)
    far = BY_NAME["far-tilted"]
    np.testing.assert_array_equal(apply_image_transform(far, image, 3), rotate(zoom_out(image, 0.7), 7.0))
    np.testing.assert_array_equal(apply_image_transform(BY_NAME["mirror-dim"], image, 3),
                                  dim(mirror(image), 2.2, 0.6, 6.0, seed=3))
    fast = BY_NAME["dim-fast"]
    np.testing.assert_array_equal(apply_image_transform(fast, image, 5),
                                  apply_image_transform(BY_NAME["dim"], image, 5))
    changed = transform_clip(clip(), fast)  # times scaled as for tempo 2x, the words kept
    assert changed.active_span_s == (1.0, 6.0) and changed.view_text == clip().view_text
    assert transform_clip(clip(), BY_NAME["mirror-dim"]).view_text == "side (head left), Right arm near"
    assert BY_NAME["tempo2x"].image_steps == () and BY_NAME["dim"].image_steps == ("dim",)


def hands_at(pose, left, right, forearm_px=None):
    """``pose`` with each hand's wrist, pinky, index and thumb around the given points (and, with
    ``forearm_px``, its elbow that far above the wrist)."""
    points = {}
    for side, (x, y) in (("LEFT", left), ("RIGHT", right)):
        for k, part in enumerate(("WRIST", "PINKY", "INDEX", "THUMB")):
            points[getattr(L, f"{side}_{part}")] = (x + 3 * k, y)
        if forearm_px is not None:
            points[getattr(L, f"{side}_ELBOW")] = (x, y - forearm_px)
    return with_points(pose, points)


def test_hiding_the_hands_blurs_discs_around_them_and_nothing_else():
    checker = ((np.indices((HEIGHT, WIDTH)).sum(axis=0) // 4) % 2 * 200).astype(np.uint8)
    image = np.repeat(checker[..., None], 3, axis=2)
    pose = hands_at(plank_pose(0.0, 0, bend=0.0), (200, 300), (202, 300))  # elbow 65 px up: 39-px discs
    out = hide_hands(image, pose, radius_forearms=0.6, blur_sigma_px=25.0)
    assert out.shape == image.shape and out.dtype == np.uint8
    hand = (slice(300 - 25, 300 + 25), slice(204 - 25, 204 + 25))  # inside the discs
    assert image[hand].std() > 90 and out[hand].std() < 20  # the checkerboard melted away
    far = np.ones((HEIGHT, WIDTH), bool)
    far[300 - 60:300 + 61, 200 - 60:213 + 61] = False  # the discs and a margin
    np.testing.assert_array_equal(out[far], image[far])
    np.testing.assert_array_equal(hide_hands(image, None, 0.6, 25.0), image)  # no person: unchanged
    np.testing.assert_array_equal(apply_image_transform(BY_NAME["hidehands"], image, 0, pose), out)


def test_apply_image_transform_dispatches_and_rejects_tempo():
    image = fake_image(3, 0.5)
    np.testing.assert_array_equal(apply_image_transform(BY_NAME["mirror"], image, 3), mirror(image))
    for aug in AUGMENTATIONS:
        if aug.kind == IMAGE:
            assert apply_image_transform(aug, image, 3).shape == image.shape
    with pytest.raises(ValueError):
        apply_image_transform(BY_NAME["tempo2x"], image, 3)


class FakeEstimator:
    """Stands in for MediaPipe: records the frames it is given, finds nobody."""

    seen = []

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def estimate(self, frame):
        FakeEstimator.seen.append((frame.index, round(frame.t_s, 4), int(frame.image[0, 0, 0]), frame.image.copy()))
        return None


def write_video(path: Path, n: int, fps: float = 10.0) -> None:
    """n frames whose left half's blue value encodes the frame number (10, 20, 30...)."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for i in range(n):
        image = np.zeros((48, 64, 3), np.uint8)
        image[:, :32, 0] = 10 * (i + 1)
        writer.write(image)
    writer.release()


@pytest.mark.parametrize("name, sources", [("tempo2x-model", [0, 2, 4, 6]), ("tempo0.5x-model", [0, 0, 1, 1, 2, 2]),
                                           ("mirror", None), ("dim-fast", [0, 2, 4, 6])])
def test_extraction_drops_repeats_or_transforms_frames_before_the_model(tmp_path, monkeypatch, name, sources):
    import livecoach.capture.pose as pose_module

    monkeypatch.setattr(pose_module, "MediaPipePoseEstimator", FakeEstimator)
    FakeEstimator.seen = []
    video = tmp_path / "v.avi"
    n = 8 if BY_NAME[name].speed == 2.0 else 3
    write_video(video, n)
    out = tmp_path / "out.jsonl.gz"
    frames = extract_landmarks(video, out, CONFIG.pose, 640, BY_NAME[name])
    header, recorded = read_recording(out)
    expected = sources if sources is not None else list(range(n))
    assert frames == len(expected) == len(recorded) and header.fps == pytest.approx(10.0)
    assert [r.frame_index for r in recorded] == list(range(len(expected)))
    assert [r.t_s for r in recorded] == pytest.approx([j / 10.0 for j in range(len(expected))])
    assert [index for index, *_ in FakeEstimator.seen] == list(range(len(expected)))
    if name == "dim-fast":  # every 2nd frame, darkened: 10 (i + 1) through the dim curve, plus noise
        dimmed = [255 * 0.6 * (10 * (i + 1) / 255) ** 2.2 for i in expected]
        assert [abs(blue - d) <= 3 * 6 + 3 for (_, _, blue, _), d in zip(FakeEstimator.seen, dimmed)] \
            == [True] * len(expected)
    elif sources is not None:  # the model saw source frame floor(j * speed) at output j
        assert [abs(blue - 10 * (i + 1)) <= 3 for (_, _, blue, _), i in zip(FakeEstimator.seen, expected)] \
            == [True] * len(expected)
    else:  # mirrored: the bright half is on the right
        image = FakeEstimator.seen[0][3]
        assert image[:, :28, 0].mean() < 3 and image[:, 36:, 0].mean() > 5


@pytest.mark.parametrize("name, spans", [("tempo2x-blur", [[0, 1], [2, 3], [4]]),
                                         ("tempo2.5x-blur", [[0, 1], [2, 3, 4]]),
                                         ("tempo1.5x-blur", [[0], [1, 2], [3], [4]])])
def test_a_blurred_tempo_gives_the_model_the_mean_of_the_frames_each_output_spans(tmp_path, monkeypatch, name, spans):
    """Output frame j is the mean of source frames floor(j F) up to floor((j + 1) F) (a shutter open
    the whole frame), stamped j at the clip's fps; the last one is the mean of what is left."""
    import livecoach.capture.pose as pose_module

    monkeypatch.setattr(pose_module, "MediaPipePoseEstimator", FakeEstimator)
    FakeEstimator.seen = []
    video = tmp_path / "v.avi"
    write_video(video, 5)  # blue 10, 20, 30, 40, 50
    frames = extract_landmarks(video, tmp_path / "out.jsonl.gz", CONFIG.pose, 640, BY_NAME[name])
    assert frames == len(spans) == len(FakeEstimator.seen)
    assert [(index, t) for index, t, *_ in FakeEstimator.seen] == [(j, round(j / 10.0, 4)) for j in range(len(spans))]
    means = [sum(10 * (i + 1) for i in span) / len(span) for span in spans]
    assert [abs(blue - mean) <= 3 for (_, _, blue, _), mean in zip(FakeEstimator.seen, means)] == [True] * len(spans)
    clip = ClipSpec(file="v.avi", path=video, kind="detailed", rep_bottoms_s=(1.0, 2.0), active_span_s=(0.5, 2.5))
    moved = transform_clip(clip, BY_NAME[name])
    speed = BY_NAME[name].speed
    assert moved.rep_bottoms_s == pytest.approx((1.0 / speed, 2.0 / speed))
    assert moved.active_span_s == pytest.approx((0.5 / speed, 2.5 / speed))


def test_the_blurred_tempos_are_their_own_group():
    assert [a.name for a in parse_augmentations("tempo-blur")] == ["tempo1.5x-blur", "tempo2x-blur", "tempo2.5x-blur"]
    assert all(a.kind == TEMPO_BLUR and a.speed > 1 for a in parse_augmentations("tempo-blur"))
    assert not {a.name for a in parse_augmentations("tempo-model")} & {"tempo2x-blur"}


def test_hiding_the_hands_places_them_from_the_clips_own_landmarks(tmp_path, monkeypatch):
    """Each frame's hands are where the clip's own recording put them (a frame without a pose
    there: where they last were); without its recording the transform is not run."""
    import livecoach.capture.pose as pose_module
    from livecoach.evaluation.cache import ensure_landmarks
    from livecoach.formats.recording import LandmarkWriter, RecordingHeader

    monkeypatch.setattr(pose_module, "MediaPipePoseEstimator", FakeEstimator)
    FakeEstimator.seen = []
    video = tmp_path / "v.avi"
    write_video(video, 3)  # left half blue 10 (i + 1), right half black: an edge at x = 32
    guide = tmp_path / "own.jsonl.gz"
    with LandmarkWriter(guide, RecordingHeader("v.avi", 64, 48, 10.0)) as writer:
        on_edge = hands_at(plank_pose(0.0, 0, bend=0.0), (26, 24), (26, 24), forearm_px=10)  # 8-px discs
        writer.write(0, 0.0, on_edge)
        writer.write(1, 0.1, None)  # no pose: the hands stay where they were
        writer.write(2, 0.2, hands_at(on_edge, (4, 30), (4, 30), forearm_px=10))  # in the blue, off the edge
    extract_landmarks(video, tmp_path / "out.jsonl.gz", CONFIG.pose, 640, BY_NAME["hidehands"], guide)
    edge = [abs(int(image[24, 30, 0]) - 10 * (i + 1)) for i, (*_, image) in enumerate(FakeEstimator.seen)]
    assert edge[0] > 3 and edge[1] > 3 and edge[2] <= 3  # the edge blurred on frames 0 and 1, not 2
    clip = ClipSpec(file="v.avi", path=video, kind="detailed")
    result = ensure_landmarks([clip], CONFIG, tmp_path / "cache", jobs=1, log=lambda _: None,
                              augmentation=BY_NAME["hidehands"], guides={})
    assert result["v.avi"][0] is None and "needs the clip's own landmarks" in result["v.avi"][1]


# --- a whole run with --augment tempo (seeded landmarks, no model) -------------------------

def test_run_eval_with_tempo_augmentation_scores_every_transform(tmp_path):
    seed = tmp_path / "seed"
    seed.mkdir()
    entries = []
    for name, count in (("vraj__pushups.mp4", 4), ("tayyab__pushup.mp4", 14)):
        (tmp_path / name).write_bytes(name.encode())
        shutil.copy(FIXTURES / "landmarks" / f"{name}.jsonl.gz", seed / f"{name}.jsonl.gz")
        entries.append({"file": name, "count": count, "count_min": count, "count_max": count,
                        "active_span_s": [0.0, 60.0], "faults": {"hip_sag": "no"},
                        "provenance": {"repo": f"owner/{name[:4]}"}})
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": entries}))
    lines = []
    summary = run_eval(tmp_path / "manifest.json", CONFIG, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                       jobs=1, seed_dir=seed, log=lines.append, augment=parse_augmentations("tempo,frame-rate,zoom-drift"))
    augment = summary["augment"]
    assert list(augment) == ["original", "tempo0.25x", "tempo0.5x", "tempo1.5x", "tempo2x", "tempo2.5x", "fps15",
                             "fps60", "zoomdrift"]
    assert augment["zoomdrift"]["kind"] == ZOOM_DRIFT and "scaled" in augment["zoomdrift"]["landmarks"]
    # within one of the label while the camera zooms (README, "Accuracy": the pixel heights follow the zoom)
    assert [abs(c["cycles"] - n) <= 1 for c, n in zip(augment["zoomdrift"]["clips"], (4, 14))] == [True, True]
    assert augment["fps15"]["kind"] == FRAME_RATE and "not re-run" in augment["fps15"]["landmarks"]
    assert [c["cycles"] for c in augment["fps15"]["clips"]] == [4, 14]  # 30 fps clips at 15: every rep
    assert [c["cycles"] for c in augment["fps60"]["clips"]] == [4, 14]  # and at 60, frames added between
    assert augment["original"]["counting"]["livecoach"] == summary["counting"]["livecoach"]
    assert augment["original"]["counting"]["baseline"] == summary["counting"]["baseline"]
    for name in ("tempo0.5x", "tempo2x"):
        row = augment[name]
        assert row["kind"] == TEMPO and "not re-run" in row["landmarks"] and not row["errors"]
        assert [c["file"] for c in row["clips"]] == [f"vraj__pushups.mp4@{name}", f"tayyab__pushup.mp4@{name}"]
        assert row["counting"]["baseline"]["clips"] == 2
        assert row["zero_count_clips"] == {"clips": 0, "cycles": 0, "baseline": 0}
    assert set(summary["by_source"]) == {"owner/vraj", "owner/tayy"}
    assert [f["held_out"] for f in summary["loso"]["clip_fault_min_share"]["folds"]] == ["owner/vraj", "owner/tayy"]
    assert any(line.startswith("augment tempo2x:") for line in lines)
    md = (tmp_path / "out" / "eval.md").read_text()
    assert "## Label-preserving transforms" in md and "| tempo2.5x |" in md and "## Leave-one-source-out" in md


def test_hands_unseen_lowers_only_the_hands_visibility():
    frames = stream(5, missing=(2,))
    unseen = hands_unseen_frames(frames, 0.05)
    hands = [int(lm) for lm in HAND_LANDMARKS]
    assert len(HAND_LANDMARKS) == 8 and {lm.name.split("_", 1)[1] for lm in HAND_LANDMARKS} == {
        "WRIST", "PINKY", "INDEX", "THUMB"}
    for before, after in zip(frames, unseen):
        assert (after.frame_index, after.t_s) == (before.frame_index, before.t_s)
        if before.pose is None:
            assert after.pose is None
            continue
        assert np.all(after.pose.visibility[hands] == np.float32(0.05))
        others = [i for i in range(33) if i not in hands]
        assert np.array_equal(after.pose.visibility[others], before.pose.visibility[others])
        assert np.array_equal(after.pose.image_xyz, before.pose.image_xyz)  # the places stay, as guesses
        assert np.array_equal(after.pose.world_xyz, before.pose.world_xyz)
    assert landmark_stream(frames, BY_NAME["handsunseen"], FPS)[0].pose.visibility[hands[0]] == np.float32(0.05)
    with pytest.raises(ValueError):
        hands_unseen_frames(frames, 1.5)


def test_hands_flicker_alternates_stretches_of_unseen_and_seen_hands():
    frames = stream(3000, missing=(7,))  # 100 s at 30 fps
    flicker = hands_flicker_frames(frames, 0.05, longest_s=1.0, seed=3)
    wrist = int(HAND_LANDMARKS[0])
    hidden = [f.pose is not None and f.pose.visibility[wrist] == np.float32(0.05) for f in flicker]
    assert flicker[7].pose is None and not hidden[0]  # no pose stays so; the first stretch keeps the hands
    for before, after, gone in zip(frames, flicker, hidden):
        assert (after.t_s, after.frame_index) == (before.t_s, before.frame_index)
        if after.pose is not None and not gone:
            assert after.pose is before.pose  # a seen stretch is the frame as it was
        if gone:
            assert np.array_equal(after.pose.image_xyz, before.pose.image_xyz)  # places kept, as guesses
    assert 0.4 < sum(hidden) / len(hidden) < 0.6  # about half
    runs, start = [], 0
    for i in range(1, len(hidden) + 1):
        if i == len(hidden) or hidden[i] != hidden[start]:
            runs.append(i - start)
            start = i
    assert max(runs) <= 31 and len(runs) > 100  # stretches of up to 1 s (30 frames), many of them
    again = hands_flicker_frames(frames, 0.05, longest_s=1.0, seed=3)
    assert all((a.pose is None and b.pose is None) or np.array_equal(a.pose.visibility, b.pose.visibility)
               for a, b in zip(flicker, again))  # seeded: the same every run
    other = hands_flicker_frames(frames, 0.05, longest_s=1.0, seed=4)
    assert any(a.pose is not None and not np.array_equal(a.pose.visibility, b.pose.visibility)
               for a, b in zip(flicker, other))
    streamed = landmark_stream(frames, BY_NAME["handsflicker"], FPS)
    assert [f.pose is not None and f.pose.visibility[wrist] == np.float32(0.05) for f in streamed] == \
        [f.pose is not None and f.pose.visibility[wrist] == np.float32(0.05)
         for f in hands_flicker_frames(frames, 0.05, 1.0, seed=len(frames))]
    with pytest.raises(ValueError):
        hands_flicker_frames(frames, 0.05, longest_s=0.0, seed=1)
