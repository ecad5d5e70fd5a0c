"""The landmark-stream kinds of ``--augment`` (see :mod:`livecoach.evaluation.augment`): a clip's
cached landmarks resampled for a tempo or a frame rate, thinned for frame drops, zoomed, turned,
raised, or with the hands unseen, without re-running the pose model. Pure: numpy arithmetic on the
pose frames' own arrays, no cv2 and no model.
"""
from __future__ import annotations

import dataclasses
import math
import random
from typing import List, Optional, Sequence, Tuple

import numpy as np

from livecoach.evaluation.augment import (FRAME_DROPS, FRAME_RATE, HANDS_UNSEEN, TEMPO, VIEW_RAISE, VIEW_TURN,
                                          ZOOM_DRIFT, Augmentation, tempo_source_indices)
from livecoach.config.schema import Config
from livecoach.formats.recording import RecordedFrame
from livecoach.landmarks import HAND_LANDMARKS_BY_SIDE, NUM_LANDMARKS, Landmark
from livecoach.logic.elevation import median_elevation_deg
from livecoach.logic.geometry import camera_tilt
from livecoach.logic.rolling import per_sample_noise
from livecoach.types import PoseFrame

__all__ = ["tempo_frames", "frame_rate_frames", "same_frame_rate", "interpolated_pose", "landmark_jitter",
           "dropped_frames", "zoom_drift_frames", "turned_view_frames", "raised_view_frames", "HAND_LANDMARKS",
           "hands_unseen_frames", "hands_flicker_frames", "recording_elevation_deg", "landmark_stream", "replay_fps",
           "transformed_stream"]


def tempo_frames(frames: Sequence[RecordedFrame], speed: float, fps: float) -> List[RecordedFrame]:
    """The landmark stream of the clip played ``speed`` times as fast at the same ``fps``.

    Output frame ``j`` carries source frame ``floor(j * speed)``'s pose, re-stamped with
    index ``j`` and time ``t0 + j / fps`` (``t0`` = the first frame's time).
    """
    if not frames:
        return []
    if not fps > 0:
        raise ValueError("tempo_frames needs the clip's fps")
    t0 = frames[0].t_s
    out: List[RecordedFrame] = []
    for j, i in enumerate(tempo_source_indices(len(frames), speed)):
        t = t0 + j / fps
        pose = frames[i].pose
        if pose is not None:
            pose = dataclasses.replace(pose, t_s=t, frame_index=j)
        out.append(RecordedFrame(frame_index=j, t_s=t, pose=pose))
    return out


def frame_rate_frames(frames: Sequence[RecordedFrame], fps: float, target_fps: float) -> List[RecordedFrame]:
    """The landmark stream of a clip filmed at ``fps`` as a ``target_fps`` camera would give it.

    A slower camera (``target_fps`` under ``fps``): for each tick ``n / target_fps``, the last
    frame at or before it (each kept once, with its own time: the motion between two kept frames
    is the real one), renumbered. A faster one: a frame every ``1 / target_fps`` s from the first
    frame's time to the last's, its pose interpolated (:func:`interpolated_pose`) between the two
    filmed frames around it with the clip's own landmark jitter added (:func:`_upsampled`), or None
    where either has none (a person the model did not find between two frames is not made up). A
    clip filmed at the target rate (:func:`same_frame_rate`): every frame."""
    if not (fps > 0 and target_fps > 0):
        raise ValueError("frame_rate_frames needs positive frame rates")
    if same_frame_rate(fps, target_fps) or len(frames) < 2:
        picked: Sequence[RecordedFrame] = frames
    elif fps > target_fps:  # tick n shows frame floor(n * fps / target), as a tempo of fps / target picks them
        picked = [frames[i] for i in tempo_source_indices(len(frames), fps / target_fps)]
    else:
        return _upsampled(frames, target_fps)
    return _renumbered(picked)


def same_frame_rate(fps: float, target_fps: float) -> bool:
    """Whether a clip filmed at ``fps`` is already a ``target_fps`` camera's: within 1 %, as the
    NTSC rates (14.985, 29.97, 59.94) are the nominal 15, 30 and 60 fps cameras'."""
    return abs(fps - target_fps) <= 0.01 * target_fps


def _upsampled(frames: Sequence[RecordedFrame], target_fps: float) -> List[RecordedFrame]:
    """``frames`` (in time order) resampled every ``1 / target_fps`` s: a tick at a filmed frame's
    time keeps its pose; one between two filmed frames gets the pose interpolated between them
    plus the pose model's own frame-to-frame jitter (:func:`landmark_jitter`, seeded by the clip's
    length): a straight line between two frames has none, and the counter reads a signal's noise
    from its frame-to-frame wobble, which a 60 fps camera's frames have as a 30 fps one's do."""
    times = [rec.t_s for rec in frames]
    image_sigma, world_sigma = landmark_jitter(frames)
    rng = np.random.default_rng(len(frames))
    t0, out, upper, n = times[0], [], 1, 0
    while True:
        t = t0 + n / target_fps
        if t > times[-1] + 1e-9:
            return out
        while upper < len(frames) - 1 and times[upper] < t:
            upper += 1
        before, after = frames[upper - 1], frames[upper]
        span = after.t_s - before.t_s
        share = min(max((t - before.t_s) / span, 0.0), 1.0) if span > 0 else 0.0
        pose = None
        if share < 1e-6 or share > 1 - 1e-6:
            filmed = before if share < 0.5 else after
            if filmed.pose is not None:
                pose = dataclasses.replace(filmed.pose, t_s=t, frame_index=n)
        elif before.pose is not None and after.pose is not None:
            pose = interpolated_pose(before.pose, after.pose, share, t, n)
            pose = dataclasses.replace(
                pose, image_xyz=(pose.image_xyz + rng.normal(0.0, image_sigma)).astype(np.float32),
                world_xyz=(pose.world_xyz + rng.normal(0.0, world_sigma)).astype(np.float32))
        out.append(RecordedFrame(frame_index=n, t_s=t, pose=pose))
        n += 1


def interpolated_pose(before: PoseFrame, after: PoseFrame, share: float, t_s: float, frame_index: int) -> PoseFrame:
    """The pose ``share`` (0..1) of the way from ``before`` to ``after``, stamped ``t_s``/``frame_index``:
    every landmark's pixel and world position and its visibility moved linearly (a body moves
    smoothly over the 1/15 to 1/30 s between two frames)."""
    def mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a + (b - a) * share).astype(np.float32)

    return PoseFrame(t_s=t_s, frame_index=frame_index, width=before.width, height=before.height,
                     image_xyz=mix(before.image_xyz, after.image_xyz),
                     visibility=mix(before.visibility, after.visibility),
                     world_xyz=mix(before.world_xyz, after.world_xyz))


def landmark_jitter(frames: Sequence[RecordedFrame]) -> Tuple[np.ndarray, np.ndarray]:
    """Each landmark coordinate's frame-to-frame jitter in ``frames`` (pixel and world), (33, 3)
    each: :func:`~livecoach.logic.rolling.per_sample_noise` of its second differences over three
    consecutive posed frames, as the rep counter reads a signal's noise. Zeros when fewer than
    three frames in a row have a pose."""
    image_d2, world_d2 = [], []
    for a, b, c in zip(frames, frames[1:], frames[2:]):
        if a.pose is not None and b.pose is not None and c.pose is not None:
            image_d2.append(a.pose.image_xyz - 2.0 * b.pose.image_xyz + c.pose.image_xyz)
            world_d2.append(a.pose.world_xyz - 2.0 * b.pose.world_xyz + c.pose.world_xyz)
    if not image_d2:
        return np.zeros((NUM_LANDMARKS, 3)), np.zeros((NUM_LANDMARKS, 3))

    def sigma(d2: List[np.ndarray]) -> np.ndarray:
        stacked = np.stack(d2).astype(np.float64)
        return per_sample_noise(np.median(np.abs(stacked - np.median(stacked, axis=0)), axis=0))

    return sigma(image_d2), sigma(world_d2)


def _renumbered(frames: Sequence[RecordedFrame]) -> List[RecordedFrame]:
    """``frames`` with their own times and poses, numbered 0, 1, ... (a thinned stream)."""
    return [RecordedFrame(frame_index=j, t_s=rec.t_s,
                          pose=None if rec.pose is None else dataclasses.replace(rec.pose, frame_index=j))
            for j, rec in enumerate(frames)]


def dropped_frames(frames: Sequence[RecordedFrame], share: float, burst_frames: float,
                   seed: int) -> List[RecordedFrame]:
    """The landmark stream as a computer that cannot keep up passes it on: frames lost in bursts
    (a slow inference loses the frames that arrive meanwhile), the rest kept with their own times
    and renumbered (as :func:`frame_rate_frames`). After a kept frame a burst starts with
    probability ``share / (1 - share) / burst_frames`` and loses 1 to ``2 * burst_frames - 1``
    frames (uniform: ``burst_frames`` on average, and bounded: a stall long enough to hide a whole
    rep is not a label-preserving change), so about ``share`` of the frames are lost. The first
    frame is kept. Seeded: a clip loses the same frames on every run."""
    if not (0 <= share < 1 and burst_frames >= 1):
        raise ValueError("dropped_frames needs 0 <= share < 1 and burst_frames >= 1")
    rng = random.Random(seed)
    start, longest = share / (1.0 - share) / burst_frames, max(1, int(round(2 * burst_frames - 1)))
    kept: List[RecordedFrame] = []
    to_lose, last_kept = 0, False
    for rec in frames:
        if last_kept and rng.random() < start:
            to_lose = rng.randint(1, longest)
        last_kept = not to_lose
        if to_lose:
            to_lose -= 1
        else:
            kept.append(rec)
    return _renumbered(kept)


def zoom_drift_frames(frames: Sequence[RecordedFrame], amplitude: float, period_s: float) -> List[RecordedFrame]:
    """The landmark stream of the clip filmed by a camera that zooms: each pose's image landmarks
    (x, y and the depth z, which is in x's scale) scaled about the centre of its picture by
    ``1 + amplitude * sin(2 pi (t - t0) / period_s)``, ``t0`` the first frame's time. Times,
    visibility and world landmarks are kept; frames without a pose stay so."""
    if not (0 <= amplitude < 1 and period_s > 0):
        raise ValueError("zoom_drift_frames needs 0 <= amplitude < 1 and a positive period")
    if not frames:
        return []
    t0 = frames[0].t_s
    out: List[RecordedFrame] = []
    for rec in frames:
        pose = rec.pose
        if pose is not None:
            scale = 1.0 + amplitude * math.sin(2.0 * math.pi * (rec.t_s - t0) / period_s)
            centre = (pose.width / 2.0, pose.height / 2.0, 0.0)
            pose = dataclasses.replace(pose, image_xyz=(pose.image_xyz - centre) * scale + centre)
        out.append(RecordedFrame(frame_index=rec.frame_index, t_s=rec.t_s, pose=pose))
    return out


def turned_view_frames(frames: Sequence[RecordedFrame], degrees: float, min_visibility: float = 0.5,
                       camera_elevation_deg: float = 0.0) -> List[RecordedFrame]:
    """The landmark stream of the clip filmed by a camera moved ``degrees`` around the person, about
    the vertical through their hips (the world landmarks' origin; their y axis points down).

    The vertical is the floor's: for a clip filmed by a camera looking down by
    ``camera_elevation_deg`` (0 or nan: level) the world landmarks' y axis is tilted from it by that
    much, and a turn about the camera's own axis would tilt the body too (an incline push-up filmed
    from 15 degrees up, so turned 30 degrees, rose 10-20 degrees steeper from the floor than as
    filmed). Each pose's world landmarks are rotated about that axis. Its image landmarks move by the
    rotation's change of the world landmarks, projected as the frame projects them: weakly in
    perspective, pixels = ``scale`` x metres, ``scale`` fitted per frame by least squares over the
    landmarks seen at ``min_visibility`` (all of them when fewer than four are), so at 0 degrees
    nothing moves and the model's own image detail (and jitter) is kept. Times and visibility are
    kept; frames without a pose stay so."""
    if not -90.0 < degrees < 90.0:
        raise ValueError(f"turned_view_frames needs a turn between -90 and 90 degrees, not {degrees}")
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    turn = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    tilt = camera_tilt(camera_elevation_deg if math.isfinite(camera_elevation_deg) else 0.0)
    rotation_t = (tilt @ turn @ tilt.T).T  # level the camera, turn, tilt back; transposed: rows @ it
    return [RecordedFrame(frame_index=rec.frame_index, t_s=rec.t_s,
                          pose=None if rec.pose is None else _reprojected(
                              rec.pose, rec.pose.world_xyz.astype("float64") @ rotation_t, min_visibility))
            for rec in frames]


def raised_view_frames(frames: Sequence[RecordedFrame], degrees: float, depth_window_s: float,
                       min_visibility: float = 0.5) -> List[RecordedFrame]:
    """The landmark stream of the clip filmed by a camera raised ``degrees`` above where it stood,
    looking down at the person (about a horizontal axis across the picture): heights shorten by
    cos(``degrees``) and what lies further from the camera moves up the picture. Projected as
    :func:`turned_view_frames` projects its turn; times and visibility kept.

    The world landmarks are about the hips, which move with every rep: the heights shorten about a
    line fixed in the picture (the hips' median height in the clip), so the hips' own drop shortens
    too and a planted hand stays where it is. The depth each landmark moves by is its world depth as
    a moving median over ``depth_window_s`` seconds: the pose model's depth of a hand jitters by up
    to 0.3 m, and on bent arms reads it up to 0.26 m further back for a whole bottom hold (a 3/4
    view), which a raised camera would show as the hand moving up the picture, while a person's
    depth changes slowly (from standing to a plank, not within a rep)."""
    if not 0.0 <= degrees < 90.0:
        raise ValueError(f"raised_view_frames needs a raise from 0 up to 90 degrees, not {degrees}")
    if not depth_window_s >= 0.0:
        raise ValueError(f"raised_view_frames needs a depth window of 0 s or more, not {depth_window_s}")
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    posed = [rec for rec in frames if rec.pose is not None]
    times = np.array([rec.t_s for rec in posed])
    depths = np.array([rec.pose.world_xyz[:, 2] for rec in posed]) if posed else np.zeros((0, 0))
    hips_y = np.array([_hips_image_y(rec.pose) for rec in posed])
    level_y = float(np.median(hips_y)) if posed else 0.0
    out: List[RecordedFrame] = []
    for rec in frames:
        pose = rec.pose
        if pose is not None:
            near = np.abs(times - rec.t_s) <= depth_window_s / 2
            depth = np.median(depths[near], axis=0)
            world = pose.world_xyz.astype("float64")
            # world y points down and z away from the camera: y' = c y - s z, z' = s y + c z
            raised = world.copy()
            raised[:, 1] = c * world[:, 1] - s * depth
            raised[:, 2] = s * world[:, 1] + c * depth
            pose = _reprojected(pose, raised, min_visibility)
            # the hips' own height, which the world landmarks (about the hips) leave out
            shift = np.zeros(3)
            shift[1] = (c - 1.0) * (_hips_image_y(rec.pose) - level_y)
            pose = dataclasses.replace(pose, image_xyz=(pose.image_xyz + shift).astype("float32"))
        out.append(RecordedFrame(frame_index=rec.frame_index, t_s=rec.t_s, pose=pose))
    return out


def _hips_image_y(pose: PoseFrame) -> float:
    """The height in the picture of the hips' midpoint, the world landmarks' origin."""
    return float(pose.image_xyz[[int(Landmark.LEFT_HIP), int(Landmark.RIGHT_HIP)], 1].mean())


def _reprojected(pose: PoseFrame, moved_world: np.ndarray, min_visibility: float) -> PoseFrame:
    """``pose`` with its world landmarks moved to ``moved_world`` and its image landmarks moved by
    the change, weakly in perspective: pixels = ``scale`` x metres, ``scale`` fitted by least squares
    over the landmarks seen at ``min_visibility`` (all of them when fewer than four are)."""
    seen = pose.visibility >= min_visibility
    if seen.sum() < 4:
        seen = seen | True  # too few seen to fit on: all of them
    world, image = pose.world_xyz.astype("float64"), pose.image_xyz.astype("float64")
    w = world[seen, :2] - world[seen, :2].mean(axis=0)
    i = image[seen, :2] - image[seen, :2].mean(axis=0)
    scale = float((w * i).sum() / max(float((w * w).sum()), 1e-12))
    return dataclasses.replace(pose, image_xyz=(image + scale * (moved_world - world)).astype("float32"),
                               world_xyz=moved_world.astype("float32"))


#: The landmarks of a hand: the wrist and the fingers the pose model places.
HAND_LANDMARKS = tuple(lm for hand in HAND_LANDMARKS_BY_SIDE.values() for lm in hand)


def hands_unseen_frames(frames: Sequence[RecordedFrame], visibility: float) -> List[RecordedFrame]:
    """The landmark stream with both hands unseen: each pose's wrist and finger landmarks given
    ``visibility`` (their places kept, as the model's guesses), as the pose model reports a hand it
    cannot see; times, every other landmark and frames without a pose kept."""
    if not 0.0 <= visibility <= 1.0:
        raise ValueError(f"hands_unseen_frames needs a visibility in [0, 1], not {visibility}")
    hands = [int(lm) for lm in HAND_LANDMARKS]
    out: List[RecordedFrame] = []
    for rec in frames:
        pose = rec.pose
        if pose is not None:
            seen = pose.visibility.copy()
            seen[hands] = visibility
            pose = dataclasses.replace(pose, visibility=seen)
        out.append(RecordedFrame(frame_index=rec.frame_index, t_s=rec.t_s, pose=pose))
    return out


def hands_flicker_frames(frames: Sequence[RecordedFrame], visibility: float, longest_s: float,
                         seed: int) -> List[RecordedFrame]:
    """The landmark stream with the hands seen and unseen by turns, as the pose model reports hands
    in dim light or shaded by the body at a rep's bottom: stretches of frames with both hands unseen
    (as :func:`hands_unseen_frames`) and of frames as they were alternate, each lasting a random
    time from a tenth of ``longest_s`` up to it (uniform; seeded: a clip flickers the same way on every
    run), so about half the frames lose their hands. The first stretch keeps them. Frames without a pose
    stay so."""
    if not longest_s > 0.0:
        raise ValueError(f"hands_flicker_frames needs a positive longest stretch, not {longest_s}")
    rng = random.Random(seed)
    unseen = hands_unseen_frames(frames, visibility)
    out: List[RecordedFrame] = []
    hidden, stretch_end = False, None
    for rec, without_hands in zip(frames, unseen):
        if stretch_end is None:
            stretch_end = rec.t_s + rng.uniform(0.1 * longest_s, longest_s)
        while rec.t_s >= stretch_end:
            hidden = not hidden
            stretch_end += rng.uniform(0.1 * longest_s, longest_s)
        out.append(without_hands if hidden else rec)
    return out


def recording_elevation_deg(frames: Sequence[RecordedFrame], config: Config) -> float:
    """The camera elevation a clip was filmed from, as the counter reads it (the median of its
    frames' readings, :func:`~livecoach.logic.elevation.median_elevation_deg`, with ``config``'s
    settings); nan when too few frames read it (head-on)."""
    return median_elevation_deg((f.pose for f in frames), config.features.min_visibility,
                                config.features.elevation_min_depth_share, config.reps.elevation_min_frames)


def landmark_stream(frames: Sequence[RecordedFrame], augmentation: Optional[Augmentation],
                    fps: float, camera_elevation_deg: float = 0.0) -> List[RecordedFrame]:
    """A clip's cached landmark stream (filmed at ``fps``) after ``augmentation``: resampled for a
    tempo or a frame rate, zoomed for a zoom drift, thinned for frame drops, turned for a view turn
    (about the floor's vertical, the clip's camera looking down by ``camera_elevation_deg``),
    raised for a view raise, its hands unseen for hands-unseen;
    as it is for None or a kind that re-runs the pose model (its landmarks are already of the
    transformed frames)."""
    if augmentation is None:
        return list(frames)
    if augmentation.kind == TEMPO:
        return tempo_frames(frames, augmentation.speed, fps)
    if augmentation.kind == FRAME_RATE:
        return frame_rate_frames(frames, fps, augmentation.param("fps"))
    if augmentation.kind == ZOOM_DRIFT:
        return zoom_drift_frames(frames, augmentation.param("amplitude"), augmentation.param("period_s"))
    if augmentation.kind == VIEW_TURN:
        return turned_view_frames(frames, augmentation.param("degrees"), camera_elevation_deg=camera_elevation_deg)
    if augmentation.kind == VIEW_RAISE:
        return raised_view_frames(frames, augmentation.param("degrees"), augmentation.param("depth_window_s"))
    if augmentation.kind == HANDS_UNSEEN and "longest_s" in dict(augmentation.params):
        return hands_flicker_frames(frames, augmentation.param("visibility"), augmentation.param("longest_s"),
                                    seed=len(frames))  # as frame-drops: each clip its own pattern
    if augmentation.kind == HANDS_UNSEEN:
        return hands_unseen_frames(frames, augmentation.param("visibility"))
    if augmentation.kind == FRAME_DROPS:  # seeded by the clip's length: each clip its own pattern
        return dropped_frames(frames, augmentation.param("share"), augmentation.param("burst_frames"),
                              seed=len(frames))
    return list(frames)


def replay_fps(augmentation: Optional[Augmentation], fps: float) -> float:
    """The frame rate a clip filmed at ``fps`` is replayed at after ``augmentation``."""
    if augmentation is not None and augmentation.kind == FRAME_RATE:
        target = augmentation.param("fps")
        return fps if same_frame_rate(fps, target) else target
    return fps


def transformed_stream(frames: Sequence[RecordedFrame], augmentation: Optional[Augmentation], fps: float,
                       config: Config) -> Tuple[List[RecordedFrame], float]:
    """A clip's landmark stream (filmed at ``fps``) after ``augmentation`` (:func:`landmark_stream`;
    a view turn about the floor's vertical, at the elevation the clip was filmed from as
    ``config`` reads it), and the frame rate to replay it at (:func:`replay_fps`)."""
    turned = augmentation is not None and augmentation.kind == VIEW_TURN
    elevation = recording_elevation_deg(frames, config) if turned else 0.0
    return landmark_stream(frames, augmentation, fps, elevation), replay_fps(augmentation, fps)
