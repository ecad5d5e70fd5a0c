"""The camera's elevation read from the pose, and the rep counter leaving the shoulders' drop unread
when the camera looks down from too high to read it."""
from __future__ import annotations

import collections
import dataclasses
import math
from typing import Optional

import numpy as np
import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.stream_transforms import raised_view_frames, tempo_frames, turned_view_frames
from livecoach.formats.recording import RecordedFrame, read_recording
from livecoach.logic.analysis import SessionAnalyzer
from livecoach.logic.elevation import ElevationWatch, camera_elevation_deg
from livecoach.logic.features import FeatureExtractor, raw_features
from livecoach.logic.geometry import body_rise_deg
from livecoach.logic.reps import DEPTH_BY_DROP, NO_REP_NOT_DEEP
from livecoach.landmarks import Landmark as L
from livecoach.types import PoseFrame
from conftest import FIXTURES
from helpers import pose_from_points, side_plank, side_pushup_pose, standing_side_pose

CFG = load_config()
V = CFG.features.min_visibility
SHARE = CFG.features.elevation_min_depth_share
LIMIT = CFG.reps.max_camera_elevation_deg


def side_on_plank() -> RecordedFrame:
    """A plank side-on whose shoulders and hips lie 0.36 m apart along the depth (180 px, 0.002 m a px)."""
    points = {lm: (x, y, z * 9.0) for lm, (x, y, z) in side_plank().items()}
    return RecordedFrame(0, 0.0, pose_from_points(points))


@pytest.mark.parametrize("degrees", [0.0, 10.0, 30.0, 45.0])
def test_the_lines_across_the_body_tilt_by_the_cameras_elevation(degrees):
    raised = raised_view_frames([side_on_plank()], degrees, depth_window_s=0.0)[0].pose
    assert camera_elevation_deg(raised, V, SHARE) == pytest.approx(degrees, abs=0.01)
    # turned round the person as well (a 3/4 view from above): the same elevation
    turned = raised_view_frames(turned_view_frames([side_on_plank()], 30.0), degrees, 0.0)[0].pose
    assert camera_elevation_deg(turned, V, SHARE) == pytest.approx(degrees, abs=0.01)
    # the features carry it
    assert raw_features(raised, CFG.features)["camera_elevation_deg"] == pytest.approx(degrees, abs=0.01)


def test_a_view_whose_lines_lie_across_the_picture_does_not_read_it():
    head_on = turned_view_frames([side_on_plank()], 80.0)  # the lines 10 degrees out of the picture
    assert math.isnan(camera_elevation_deg(raised_view_frames(head_on, 30.0, 0.0)[0].pose, V, SHARE))
    # a line with an end unseen is not read: the hips alone, then nothing
    pose = raised_view_frames([side_on_plank()], 20.0, 0.0)[0].pose
    hidden_shoulder = pose_from_points({lm: tuple(pose.image_xyz[lm]) for lm in L}, hidden=(L.RIGHT_SHOULDER,))
    hidden_shoulder = dataclasses.replace(hidden_shoulder, world_xyz=pose.world_xyz)
    assert camera_elevation_deg(hidden_shoulder, V, SHARE) == pytest.approx(20.0, abs=0.01)
    visibility = hidden_shoulder.visibility.copy()
    visibility[int(L.LEFT_HIP)] = 0.0
    assert math.isnan(camera_elevation_deg(dataclasses.replace(hidden_shoulder, visibility=visibility), V, SHARE))


def test_the_watch_reads_the_median_of_its_window_once_enough_frames_read_it():
    watch = ElevationWatch(window_s=2.0, min_frames=3)
    watch.update(0.0, 30.0)
    watch.update(0.1, float("nan"))
    watch.update(0.2, 10.0)
    assert math.isnan(watch.elevation_deg)  # two readings of the three needed
    watch.update(0.3, 12.0)
    assert watch.elevation_deg == 12.0
    watch.update(2.15, 14.0)  # the first reading (0.0 s) left the window
    assert watch.elevation_deg == 12.0
    watch.update(2.25, float("nan"))  # and the second: two left, fewer than needed
    assert math.isnan(watch.elevation_deg)
    watch.reset()
    assert math.isnan(watch.elevation_deg)


def shallow_pushups(elevation_deg: float, reps: int = 3, fps: float = 30.0):
    """Side-on push-ups whose shoulders drop to 0.40 of their height above the hands (a rep needs
    0.45), their two sides 0.36 m apart in depth, seen from a camera raised ``elevation_deg``."""
    frames, t = [], 0.0
    def pose(t_s: float, depth: float):
        p = side_pushup_pose(t_s, depth, fps)
        points = {lm: (x, y, z * 9.0) for lm, (x, y, z) in zip(L, p.image_xyz) if p.visibility[lm] > 0}
        return pose_from_points(points, t_s=t_s, frame_index=p.frame_index, height=400)
    for _ in range(int(1.5 * fps)):
        frames.append(RecordedFrame(len(frames), t, pose(t, 0.0)))
        t += 1 / fps
    for _ in range(reps):
        for k in range(int(2.0 * fps)):
            depth = 0.55 * math.sin(math.pi * k / (2.0 * fps))  # 0.55 x 130 px of the 180: a 0.40 drop
            frames.append(RecordedFrame(len(frames), t, pose(t, depth)))
            t += 1 / fps
        for _ in range(int(0.5 * fps)):
            frames.append(RecordedFrame(len(frames), t, pose(t, 0.0)))
            t += 1 / fps
    return raised_view_frames(frames, elevation_deg, depth_window_s=0.0) if elevation_deg else frames


def cycles(frames):
    analyzer = SessionAnalyzer(CFG)
    out = []
    for frame in frames:
        for event in analyzer.update(frame.t_s, frame.frame_index, frame.pose).events:
            record = getattr(event, "record", None)
            if record is not None and hasattr(record, "full"):
                out.append(record)
    return out


def test_a_camera_looking_down_from_too_high_leaves_the_drop_unread():
    assert LIMIT == 15.0  # the derivation in config/default.toml
    for elevation in (0.0, 10.0):  # up to the limit: judged on the drop, each a no-rep
        records = cycles(shallow_pushups(elevation))
        assert [(r.full, r.no_rep_reason, r.depth_by) for r in records] == \
            [(False, NO_REP_NOT_DEEP, DEPTH_BY_DROP)] * 3, elevation
        assert all(r.depth_value == pytest.approx(0.40, abs=0.02) for r in records)
    for elevation in (20.0, 30.0):  # the same reps from higher: the drop is not read, so not held against them
        records = cycles(shallow_pushups(elevation))
        assert len(records) == 3 and all(r.full and r.depth_by != DEPTH_BY_DROP for r in records), elevation


def test_the_synthetic_side_views_read_a_level_camera():
    frames = shallow_pushups(0.0, reps=1)
    readings = [camera_elevation_deg(f.pose, V, SHARE) for f in frames]
    assert np.allclose(readings, 0.0, atol=1e-6)


def standing_raised(degrees: float, t_s: float = 0.0) -> PoseFrame:
    """Someone standing side-on (the two sides 0.04 m apart in depth), filmed from ``degrees`` up."""
    frame = RecordedFrame(int(round(t_s * 30)), t_s, standing_side_pose(t_s))
    return raised_view_frames([frame], degrees, depth_window_s=0.0)[0].pose


@pytest.mark.parametrize("degrees", [0.0, 15.0, 30.0, 45.0])
def test_the_body_line_is_read_against_the_floor_given_the_cameras_elevation(degrees):
    """The world landmarks' horizontal is the camera's: looking down, it tilts every line in the
    plane of the view by its elevation. A body standing side-on, filmed from 30 degrees up, rose 60
    degrees from it (the plank gate takes up to 60 as flat); levelled by the elevation, 90. A
    plank's line lies across the view, and reads the same either way."""
    standing = standing_raised(degrees)
    assert camera_elevation_deg(standing, V, SHARE) == pytest.approx(degrees, abs=0.01)
    assert body_rise_deg(standing, V, camera_elevation_deg=degrees) == pytest.approx(90.0, abs=0.01)
    assert body_rise_deg(standing, V) == pytest.approx(90.0 - degrees, abs=0.01)  # the camera's horizontal
    plank = raised_view_frames([side_on_plank()], degrees, 0.0)[0].pose
    level = body_rise_deg(side_on_plank().pose, V)
    assert body_rise_deg(plank, V, camera_elevation_deg=degrees) == pytest.approx(level, abs=0.01)


def test_the_session_levels_the_body_line_once_enough_frames_read_the_elevation():
    frames = [standing_raised(30.0, i / 30) for i in range(40)]
    levelled = SessionAnalyzer(CFG).features
    plain = FeatureExtractor(CFG.features)  # no watch: the camera's horizontal, as before
    angles = [(levelled.update(p).body_angle_deg, plain.update(p).body_angle_deg) for p in frames]
    needed = CFG.reps.elevation_min_frames
    assert all(a == pytest.approx(60.0, abs=0.01) for a, _ in angles[:needed - 1])  # not read yet: as filmed
    assert angles[-1][0] == pytest.approx(90.0, abs=0.5)  # the smoothing has caught up
    assert all(b == pytest.approx(60.0, abs=0.01) for _, b in angles)
    # a view whose lines across the body lie across the picture reads no elevation: nothing levelled
    head_on = turned_view_frames([RecordedFrame(0, 0.0, standing_side_pose(0.0))], 80.0)
    pose = raised_view_frames(head_on, 30.0, depth_window_s=0.0)[0].pose
    extractor = SessionAnalyzer(CFG).features
    for i in range(needed + 5):
        features = extractor.update(dataclasses.replace(pose, t_s=i / 30, frame_index=i))
    assert math.isnan(features.camera_elevation_deg)
    assert features.body_angle_deg == pytest.approx(abs(body_rise_deg(pose, V)), abs=0.01)


@pytest.mark.parametrize("degrees", [0.0, 30.0, 45.0])
@pytest.mark.parametrize("speed", [1.0, 1.5, 2.0])
def test_squats_filmed_from_a_raised_camera_count_nothing(degrees, speed):
    """The shared squats (variants set, side-on, 15 fps; labelled: no push-up) seen from a camera
    raised 30 or 45 degrees (``--augment view-raise``) or not, as filmed and faster. Read against the
    camera's horizontal their body line rose 42-45 degrees, flat enough for the plank gate (60),
    and the way down from standing was a rep: 1 at 1x, 4-5 at 1.5x and 2x from 30 degrees up."""
    header, frames = read_recording(FIXTURES / "landmarks" / "variants__fitnease__squats.jsonl.gz")
    frames = raised_view_frames(frames, degrees, depth_window_s=3.0)
    if speed != 1.0:
        frames = tempo_frames(frames, speed, header.fps)
    assert cycles(frames) == []


def named_most(frames) -> Optional[str]:
    """The exercise a session named for the most seconds in position (as ``livecoach eval`` scores it)."""
    analyzer, seconds, last = SessionAnalyzer(CFG), collections.Counter(), None
    for frame in frames:
        analyzer.update(frame.t_s, frame.frame_index, frame.pose)
        r = analyzer.recognition
        if last is not None and r is not None and r.exercise and r.in_position:
            seconds[r.exercise] += frame.t_s - last
        last = frame.t_s
    return seconds.most_common(1)[0][0] if seconds else None


@pytest.mark.parametrize("degrees", [0.0, 30.0, 45.0])
@pytest.mark.parametrize("fixture, exercise", [("inclined_pushups", "incline"), ("knee_pushups", "knee"),
                                               ("plank", "forearm_plank")])
def test_a_raised_camera_leaves_the_exercise_named_as_filmed(fixture, exercise, degrees):
    """The recogniser reads heights and angles to the floor from the world landmarks, in the camera's
    axes: raised 45 degrees, the variants' incline push-ups were named a side plank, the knee push-ups
    and the forearm plank nothing (raised 30 and 45 degrees, 3 and 0 of the 6 variant clips with an
    agreed exercise were named right, 5 and 3 levelled). It reads the pose levelled as the body line is."""
    _, frames = read_recording(FIXTURES / "landmarks" / f"variants__fitnease__{fixture}.jsonl.gz")
    assert named_most(raised_view_frames(frames, degrees, depth_window_s=3.0) if degrees else frames) == exercise
