"""How far above the person the camera looks down, from the pose alone.

A laptop on the floor films a push-up from about the body's height; one on a chair, a table or a
shelf looks down on it. Seen from above, what lies further from the camera sits higher up the
picture, so heights read in the image mix with depths: the shoulders' drop toward the hands, read
as a share of their height, then depends on where each hand was put (`eval --augment view-raise`:
PushFit wrong26's reps read 0.50 of their height from its own camera, 0.45 raised 15 degrees and
0.40 raised 30). Where the camera is too high for that reading, a rep's depth is not judged: the
elbows' angle in the picture is foreshortened as well.

The elevation is read from the lines across the body (shoulder to shoulder, hip to hip), which lie
level in a plank, kneeling or standing: the camera's height tilts them, in the pose model's world
landmarks, out of the level by that angle. Measured on the shared clips as filmed (the median over
a clip's frames that read it): -9 to 4 degrees on 13 of the main set's clips and 11 on one, -16 and
-14 on two filmed from lower still, 22 on formfocus, 15 and 33 on correct60 and jtnicastro, filmed
from above (on 7 and 4 of their frames); four head-on clips read none. The 100 PushFit clips -20 to
14 (median -1); the variants -1 to 20.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Iterable, Optional

from livecoach.landmarks import Landmark as L
from livecoach.logic.geometry import camera_tilt, vector_length
from livecoach.logic.rolling import SortedWindow
from livecoach.types import NAN, PoseFrame

__all__ = ["camera_elevation_deg", "median_elevation_deg", "levelled_pose", "ElevationWatch"]

_ACROSS = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP))


def camera_elevation_deg(pose: PoseFrame, min_visibility: float, min_depth_share: float) -> float:
    """Degrees the camera looks down on the person (negative: up from below), the mean over the
    lines across the body whose both ends are seen at ``min_visibility`` and which lie at least
    ``min_depth_share`` of their length along the depth; nan when none does (a head-on view: its
    lines lie across the picture, where a raised camera does not tilt them)."""
    readings = []
    for left, right in _ACROSS:
        if pose.vis(left) < min_visibility or pose.vis(right) < min_visibility:
            continue
        across = pose.world(right).astype(float) - pose.world(left).astype(float)
        length = float(vector_length(across))  # per frame: the project's cheap norm
        if length <= 1e-9 or abs(across[2]) < min_depth_share * length:
            continue
        if across[2] < 0:
            across = -across  # toward the far side: raised, the camera sees it higher (world y down)
        readings.append(math.degrees(math.atan2(-across[1], across[2])))
    return sum(readings) / len(readings) if readings else NAN


class ElevationWatch:
    """The camera's elevation over the last ``window_s`` of frames that read it: their median,
    once at least ``min_frames`` did (one frame's reading swings by 10 degrees and more). Kept
    sorted (:class:`~livecoach.logic.rolling.SortedWindow`): the feature extractor reads it every
    frame, and a 30-s window holds 900 readings at 30 fps."""

    def __init__(self, window_s: float, min_frames: int) -> None:
        self.window_s = window_s
        self.min_frames = min_frames
        self._readings = SortedWindow(window_s)

    def reset(self) -> None:
        self._readings.clear()

    def update(self, t_s: float, elevation_deg: float) -> None:
        """Add one frame's reading (nan: the frame did not read it)."""
        if math.isfinite(elevation_deg):
            self._readings.add(t_s, elevation_deg)
            return
        items = self._readings.items  # no reading: the old ones still leave the window
        while items and t_s - items[0][0] > self.window_s:
            self._readings.drop_oldest()

    @property
    def elevation_deg(self) -> float:
        """The median reading, or nan while fewer than ``min_frames`` frames read it."""
        if len(self._readings) < self.min_frames:
            return NAN
        return self._readings.median()


def median_elevation_deg(poses: Iterable[Optional[PoseFrame]], min_visibility: float, min_depth_share: float,
                         min_frames: int) -> float:
    """The camera's elevation over a whole recording: an :class:`ElevationWatch` whose window holds
    all of it (frames without a pose skipped; nan when fewer than ``min_frames`` read it)."""
    watch = ElevationWatch(math.inf, min_frames)
    for pose in poses:
        if pose is not None:
            watch.update(pose.t_s, camera_elevation_deg(pose, min_visibility, min_depth_share))
    return watch.elevation_deg


def levelled_pose(pose: PoseFrame, camera_elevation_deg: float) -> PoseFrame:
    """``pose`` with its world landmarks in a level camera's axes, the camera looking down by
    ``camera_elevation_deg`` (0 or nan: ``pose`` itself): every height and angle to the floor read
    from them is then the floor's. The picture is left as it is."""
    if not math.isfinite(camera_elevation_deg) or camera_elevation_deg == 0.0:
        return pose
    world = pose.world_xyz.astype("float64") @ camera_tilt(camera_elevation_deg)  # rows: tilt.T @ each
    return dataclasses.replace(pose, world_xyz=world.astype(pose.world_xyz.dtype))
