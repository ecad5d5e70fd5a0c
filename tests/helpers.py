"""Pose builders and fakes shared by the tests: side-view plank poses for the logic
(:func:`side_plank`, :func:`side_pushup_pose`) and the drawing/store (:func:`plank_pose`),
synthetic sessions (LogicStep streams) for store, review, report.

``synthetic_steps`` makes a realistic stream of :class:`LogicStep` s: a side-view plank
whose elbows bend and straighten ``reps`` times, with phases, features, a pose per frame
(so the bottom picture gets a skeleton), a :class:`RepEvent` at the end of each cycle,
faults on chosen reps and a cue after a faulty rep.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from livecoach.landmarks import NUM_LANDMARKS, Landmark
from livecoach.capture.base import FrameSource
from livecoach.types import (DEPTH_BY_DROP, Cue, CueEvent, CueKind, Fault, FaultEvent, Features, Frame, LogicStep,
                             Phase, PoseFrame, RepEvent, RepRecord, RepWindow, SessionEnd, View)

L = Landmark
FPS = 30.0
WIDTH, HEIGHT = 640, 360


def pose_from_points(points: Dict[Landmark, Sequence[float]], t_s: float = 0.0, frame_index: int = 0,
                     width: int = 640, height: int = 360, visibility: float = 1.0,
                     world_scale: float = 0.002, hidden: Sequence[Landmark] = ()) -> PoseFrame:
    """A :class:`PoseFrame` from named image points (x, y[, z]) (the tests' pose builder).

    Landmarks not given sit at the image centre with visibility 0; world coordinates are the
    image coordinates scaled by ``world_scale`` around the hips (y stays down), which is what a
    perfectly orthographic camera would give.
    """
    xyz = np.zeros((NUM_LANDMARKS, 3), dtype=np.float32)
    xyz[:, 0], xyz[:, 1] = width / 2.0, height / 2.0
    vis = np.zeros(NUM_LANDMARKS, dtype=np.float32)
    for lm, p in points.items():
        xyz[int(lm), : len(p)] = p
        vis[int(lm)] = visibility
    for lm in hidden:
        vis[int(lm)] = 0.0
    hips = (xyz[int(L.LEFT_HIP)] + xyz[int(L.RIGHT_HIP)]) / 2.0
    world = (xyz - hips) * world_scale
    return PoseFrame(t_s=t_s, frame_index=frame_index, width=width, height=height, image_xyz=xyz,
                     visibility=vis, world_xyz=world)


def plank_pose(t_s: float, frame_index: int, bend: float, sag: float = 0.0) -> PoseFrame:
    """A side-view push-up pose with image landmarks only (world all zero; for drawing, the
    store and the report): ``bend`` 0 = arms straight, 1 = chest near the floor. For the logic,
    which reads world landmarks too, use :func:`side_pushup_pose` or :func:`side_plank`."""
    xyz = np.zeros((33, 3), np.float32)
    ground = 300.0
    wrist = np.array([200.0, ground])
    shoulder = np.array([200.0, ground - 130.0 + 80.0 * bend])
    ankle = np.array([520.0, ground - 10.0])
    hip = (shoulder + ankle) / 2 + np.array([0.0, sag * 60.0])
    knee = (hip + ankle) / 2
    elbow = np.array([200.0 + 55.0 * math.sin(bend * 1.2), (shoulder[1] + wrist[1]) / 2])
    head = shoulder + np.array([-45.0, -12.0])
    points = {L.NOSE: head + [-10, 5], L.LEFT_EAR: head, L.RIGHT_EAR: head, L.LEFT_SHOULDER: shoulder,
              L.RIGHT_SHOULDER: shoulder + [2, 2], L.LEFT_ELBOW: elbow, L.RIGHT_ELBOW: elbow + [2, 2],
              L.LEFT_WRIST: wrist, L.RIGHT_WRIST: wrist + [2, 0], L.LEFT_HIP: hip, L.RIGHT_HIP: hip + [2, 2],
              L.LEFT_KNEE: knee, L.RIGHT_KNEE: knee + [2, 2], L.LEFT_ANKLE: ankle, L.RIGHT_ANKLE: ankle + [2, 2],
              L.LEFT_FOOT_INDEX: ankle + [15, 8], L.RIGHT_FOOT_INDEX: ankle + [17, 8]}
    for lm, p in points.items():
        xyz[int(lm), :2] = p
    vis = np.full(33, 0.95, np.float32)
    return PoseFrame(t_s=t_s, frame_index=frame_index, width=WIDTH, height=HEIGHT, image_xyz=xyz,
                     visibility=vis, world_xyz=np.zeros((33, 3), np.float32))


def side_view_points(joints: Dict[str, Sequence[float]], facing: str = "left", near_z: float = -10.0,
                     far_z: float = 10.0, nose: Optional[Sequence[float]] = None) -> Dict[L, Tuple[float, float, float]]:
    """Named image points of a body seen from the side: both sides of each joint in ``joints``
    ("SHOULDER", "ELBOW", ...: x, y) at the same image position, the ``facing`` side nearer the
    camera (smaller z); for :func:`livecoach.logic.geometry.pose_from_points`."""
    near, far = ("LEFT", "RIGHT") if facing == "left" else ("RIGHT", "LEFT")
    pts: Dict[L, Tuple[float, float, float]] = {}
    for prefix, z in ((near, near_z), (far, far_z)):
        for name, p in joints.items():
            pts[L[f"{prefix}_{name}"]] = (p[0], p[1], z)
    if nose is not None:
        pts[L.NOSE] = (nose[0], nose[1], 0.0)
    return pts


def side_plank(hip_dy: float = 0.0, elbow_deg: float = 180.0, head_dy: float = 0.0,
               knee_dy: float = 0.0, facing: str = "left") -> Dict[L, Tuple[float, float, float]]:
    """Points of a person in a plank seen from the side, head to the left; +dy = toward the
    floor; ``elbow_deg`` bends the arm by moving the wrist back under the elbow."""
    sh = np.array([150.0, 150.0])
    # arm hangs down from the shoulder; bend the elbow by moving the wrist back under it
    upper = 60.0
    el = sh + [0.0, upper]
    bend = math.radians(180.0 - elbow_deg)
    wr = el + [upper * math.sin(bend), upper * math.cos(bend)]
    ankle = np.array([450.0, 170.0])
    hip = (sh + ankle) / 2 + [0.0, hip_dy]
    knee = (hip + ankle) / 2 + [0.0, knee_dy]
    ear = sh + [-40.0, -10.0 + head_dy]
    joints = dict(SHOULDER=sh, ELBOW=el, WRIST=wr, HIP=hip, KNEE=knee, ANKLE=ankle, EAR=ear)
    return side_view_points(joints, facing, nose=(ear[0] - 10, ear[1] + 5))


def side_pushup_pose(t: float, depth: float, fps: float = 30.0, hip_rise_px: float = 0.0) -> PoseFrame:
    """A side-view push-up pose (left side toward the camera, world landmarks from the image)
    whose shoulders drop toward the hands with ``depth`` (0 = top, 1 = bottom); ``hip_rise_px``
    lifts the hips (and knees) off the shoulder-ankle line: 200 px folds them to about 90 degrees."""
    drop = 130.0 * depth
    sh = np.array([150.0, 150.0 + drop])
    wr = np.array([150.0, 330.0])
    # The forearms stay steep as in a real push-up (the elbow goes back and up, the upper arm
    # ends about level): flat forearms held at the bottom are what a plank up-down looks like.
    bend = math.sqrt(math.sin(math.radians(90 * depth)))  # the elbows bend early in the descent
    el = np.array([150.0 + 30.0 * bend, 240.0 + 40.0 * bend])
    ankle = np.array([470.0, 300.0])
    hip = (sh + ankle) / 2 - [0.0, hip_rise_px]
    joints = dict(SHOULDER=sh, ELBOW=el, WRIST=wr, HIP=hip, KNEE=(hip + ankle) / 2, ANKLE=ankle, EAR=sh + [-40, -5])
    return pose_from_points(side_view_points(joints), t_s=t, frame_index=int(round(t * fps)), height=400)


def guessed_hands_plank_pose(t: float, swing: float, fps: float = 30.0) -> PoseFrame:
    """:func:`side_pushup_pose` held still at the top, but with hands the pose model cannot see and
    guesses, calling them seen: the guessed wrists climb toward the shoulders with ``swing`` (0-1,
    as far as a rep's shoulders would drop) and the elbows fold with them. Only the hands move."""
    pose = side_pushup_pose(t, 0.0, fps)
    wrist = (150.0, 330.0 - 130.0 * swing)
    elbow = (150.0 + 30.0 * swing, 240.0 - 40.0 * swing)
    return with_points(pose, {L.LEFT_WRIST: wrist, L.RIGHT_WRIST: wrist, L.LEFT_ELBOW: elbow, L.RIGHT_ELBOW: elbow})


def with_points(pose: PoseFrame, points: Dict[L, Sequence[float]]) -> PoseFrame:
    """``pose`` with the named landmarks moved to the given image points (x, y)."""
    xyz = np.array(pose.image_xyz)
    for landmark, (x, y) in points.items():
        xyz[int(landmark), :2] = (x, y)
    return dataclasses.replace(pose, image_xyz=xyz)


def fake_image(frame_index: int, bend: float) -> np.ndarray:
    """A BGR frame with a gradient and a moving block (non-trivial JPEG content)."""
    img = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    img[:, :, 0] = np.linspace(40, 120, WIDTH, dtype=np.uint8)[None, :]
    img[:, :, 1] = np.linspace(30, 90, HEIGHT, dtype=np.uint8)[:, None]
    y = int(150 + 80 * bend)
    img[y:y + 30, 180:520, 1] = 200
    img[300:310, :, :] = 160
    return img


def synthetic_steps(reps: int = 5, faults: Optional[Dict[int, Sequence[str]]] = None, no_reps: Sequence[int] = (),
                    rep_s: float = 2.0, rest_s: float = 1.0, t0: float = 0.0, frame0: int = 0,
                    with_images: bool = True, set_size: int = 0,
                    set_rest_s: float = 30.0) -> Iterator[Tuple[LogicStep, Optional[np.ndarray]]]:
    """Steps of ``reps`` cycles (1-based cycle numbers in ``no_reps`` are shallow no-reps).

    Each cycle's depth is judged on the shoulders' drop (``DEPTH_BY_DROP``) against 0.45 of the
    top height: 0.3 on a shallow no-rep, 0.6-0.7 on a counted rep.

    ``set_size`` > 0: after every ``set_size`` cycles the person rests ``set_rest_s`` out of
    the camera's view (frames without a pose: no features, phase NOT_IN_POSITION).
    """
    faults = dict(faults or {})
    dt = 1.0 / FPS
    t = t0
    frame = frame0
    counted = 0
    missed = 0
    for _ in range(int(rest_s * FPS)):  # getting into position
        yield _step(t, frame, Phase.TOP, 0.0, counted, missed, ()), (fake_image(frame, 0.0) if with_images else None)
        t += dt
        frame += 1
    for cycle in range(1, reps + 1):
        shallow = cycle in no_reps
        wobble = (cycle - 1) % 10 + 1  # rep-to-rep variation, bounded for long sessions (cycles 1-10 as ever)
        depth_max = 0.45 if shallow else 1.0
        n = int(rep_s * FPS)
        t_start = t
        sag = 0.4 if "hip_sag" in faults.get(cycle, ()) else 0.0
        for k in range(n):
            u = k / (n - 1)
            bend = depth_max * math.sin(math.pi * u)
            phase = Phase.DESCENT if u < 0.45 else Phase.BOTTOM if u < 0.55 else Phase.ASCENT
            events = ()
            if k == n - 1:
                if shallow:
                    missed += 1
                    rec = RepRecord(index=missed, full=False, t_start_s=t_start, t_bottom_s=t_start + rep_s / 2,
                                    t_end_s=t, depth_frac=depth_max, min_elbow_angle_deg=170 - 90 * depth_max,
                                    seconds_down=rep_s / 2, seconds_up=rep_s / 2,
                                    faults=(Fault("shallow", "shallow", t_start + rep_s / 2, 0.45, 0.7,
                                                  (L.LEFT_ELBOW,)),), score=40,
                                    no_rep_reason="not deep enough", depth_by=DEPTH_BY_DROP, depth_value=0.3,
                                    depth_limit=0.45)
                else:
                    counted += 1
                    fs = tuple(Fault(name, name, t_start + rep_s / 2, 0.1, 0.05,
                                     (L.LEFT_HIP,) if name == "hip_sag" else (L.LEFT_ELBOW,))
                               for name in faults.get(cycle, ()))
                    rec = RepRecord(index=counted, full=True, t_start_s=t_start, t_bottom_s=t_start + rep_s / 2,
                                    t_end_s=t, depth_frac=depth_max - 0.02 * wobble,
                                    min_elbow_angle_deg=80 + wobble, seconds_down=rep_s / 2 + 0.05 * wobble,
                                    seconds_up=rep_s / 2 - 0.05 * wobble, faults=fs, score=100 - 30 * len(fs),
                                    not_judged=("shrug",), depth_by=DEPTH_BY_DROP, depth_value=0.7 - 0.01 * wobble,
                                    depth_limit=0.45)
                ev: List = [RepEvent(rec)]
                ev += [FaultEvent(t, rec.index, rec.full, f) for f in rec.faults]
                if rec.faults:
                    name = rec.faults[0].name
                    ev.append(CueEvent(Cue(t, name, f"cue for {name}", CueKind.CORRECTION, 50, name)))
                events = tuple(ev)
            pose = plank_pose(t, frame, bend, sag * math.sin(math.pi * u))
            step = _step(t, frame, phase, bend, counted, missed, events, pose=pose,
                         hip=sag * 0.15 * math.sin(math.pi * u))
            yield step, (fake_image(frame, bend) if with_images else None)
            t += dt
            frame += 1
        for _ in range(int(0.3 * FPS)):
            yield _step(t, frame, Phase.TOP, 0.0, counted, missed, ()), None
            t += dt
            frame += 1
        if set_size and cycle % set_size == 0 and cycle < reps:
            for _ in range(int(set_rest_s * FPS)):  # out of view between sets: no pose
                yield LogicStep(t_s=t, frame_index=frame, pose=None, features=None, phase=Phase.NOT_IN_POSITION,
                                reps=counted, no_reps=missed, events=()), None
                t += dt
                frame += 1


def _step(t: float, frame: int, phase: Phase, bend: float, reps: int, no_reps: int, events: tuple,
          pose: Optional[PoseFrame] = None, hip: float = 0.0) -> LogicStep:
    pose = pose if pose is not None else plank_pose(t, frame, bend)
    feats = Features(t_s=t, frame_index=frame, view=View.SIDE_LEFT, in_plank=True,
                     elbow_angle_deg=170.0 - 90.0 * bend, depth_frac=bend, hip_offset_frac=0.01 + hip)
    return LogicStep(t_s=t, frame_index=frame, pose=pose, features=feats, phase=phase, reps=reps, no_reps=no_reps,
                     events=events)


def record_fixture(db: Any, config: Any, name: str) -> int:
    """Record the committed landmark fixture ``tests/fixtures/landmarks/NAME.jsonl.gz`` as a session
    of the history ``db`` (no pictures): every frame through the real SessionAnalyzer and
    SessionRecorder. Returns the session's id."""
    from pathlib import Path

    from livecoach.formats.recording import read_recording
    from livecoach.history.recorder import SessionRecorder
    from livecoach.history.store import SessionMeta
    from livecoach.logic.analysis import SessionAnalyzer

    landmarks = Path(__file__).resolve().parent / "fixtures" / "landmarks"
    header, frames = read_recording(landmarks / f"{name}.jsonl.gz")
    analyzer = SessionAnalyzer(config)
    recorder = SessionRecorder(db, config, save_frames="off")
    sid = recorder.start(SessionMeta(source=name, mode="analyze", app_version="test"))
    for f in frames:
        recorder.on_step(analyzer.update(f.t_s, f.frame_index, f.pose), None)
    with_pose = sum(f.pose is not None for f in frames)
    recorder.finish(analyzer.finish(frames[-1].t_s, len(frames), with_pose, header.fps, 0, "end_of_source"))
    recorder.close()
    return sid


def record_steps(db: Any, config: Any, steps: List[Tuple[LogicStep, Optional[np.ndarray]]],
                 source: str = "synthetic.mp4") -> int:
    """Record ``steps`` (:func:`synthetic_steps`) as a finished session of the history ``db`` (no
    pictures); returns the session's id."""
    from livecoach.history.recorder import SessionRecorder
    from livecoach.history.store import SessionMeta

    rec = SessionRecorder(db, config, save_frames="off")
    sid = rec.start(SessionMeta(source=source, mode="analyze", app_version="0.1.0"))
    for step, image in steps:
        rec.on_step(step, image)
    rec.finish(session_end(steps))
    rec.close()
    return sid


def session_end(steps: List[Tuple[LogicStep, Optional[np.ndarray]]], reason: str = "end_of_source") -> SessionEnd:
    last = steps[-1][0]
    return SessionEnd(t_s=last.t_s, reps=last.reps, no_reps=last.no_reps, frames=len(steps),
                      frames_with_pose=len(steps), fps=FPS, form_verdict="incorrect", reason=reason)


# --- rep windows for the fault rules --------------------------------------------------------

SIDE = View.SIDE_LEFT


def standing_side_pose(t: float, fps: float = 30.0) -> PoseFrame:
    """A person standing, seen from the side (arms by the sides): out of any plank."""
    joints = dict(SHOULDER=(300.0, 100.0), ELBOW=(300.0, 160.0), WRIST=(300.0, 215.0), HIP=(300.0, 220.0),
                  KNEE=(300.0, 290.0), ANKLE=(300.0, 360.0), EAR=(295.0, 70.0))
    points = side_view_points({k: np.array(v) for k, v in joints.items()})
    return pose_from_points(points, t_s=t, frame_index=int(round(t * fps)), height=400)


def standing_hands_at_shoulders_pose(t: float, fps: float = 30.0) -> PoseFrame:
    """A person standing, seen from the side, the hands held in front of the shoulders (a burpee's
    jump, someone adjusting their top): a plank seen from above by the gate's picture checks."""
    joints = dict(SHOULDER=(300.0, 100.0), ELBOW=(300.0, 160.0), WRIST=(330.0, 100.0), HIP=(300.0, 220.0),
                  KNEE=(300.0, 290.0), ANKLE=(300.0, 360.0), EAR=(295.0, 70.0))
    points = side_view_points({k: np.array(v) for k, v in joints.items()})
    return pose_from_points(points, t_s=t, frame_index=int(round(t * fps)), height=400)


def scripted_poses(script: Sequence[Tuple[str, float, float]], fps: float = 30.0) -> List[PoseFrame]:
    """Side-view poses of a scripted session: each step is ("stand", seconds, _), ("hands up",
    seconds, _) -- standing, the hands at the shoulders --, ("top", seconds, _) -- a plank at the
    top -- or ("cycle", seconds, depth): one push-up down to ``depth`` of
    :func:`side_pushup_pose` and back (a cosine)."""
    poses, t = [], 0.0
    for what, seconds, depth in script:
        n = int(round(seconds * fps))
        for i in range(n):
            if what == "stand":
                poses.append(standing_side_pose(t, fps))
            elif what == "hands up":
                poses.append(standing_hands_at_shoulders_pose(t, fps))
            else:
                d = 0.0 if what == "top" else depth * 0.5 * (1 - math.cos(2 * math.pi * i / n))
                poses.append(side_pushup_pose(t, d, fps))
            t += 1 / fps
    return poses


def landing_burpees(count: int, cycle_s: float = 1.2, fps: float = 30.0, land: str = "piked") -> List[PoseFrame]:
    """Side-view poses of ``count`` burpees, each full push-up begun as the feet land: standing,
    then 0.3 s in a plank with the hips folded to about 90 degrees and the arms straight
    (``land="stand"``: standing there and while the hips open, as if the plank appeared from
    nowhere), then the push-up (a cosine over ``cycle_s``) whose hips open to the plank's line
    over its first 40 %, so they pass the plank gate's hip angle with the shoulders already a
    third of the way down; a short top, and standing again."""
    poses: List[PoseFrame] = []

    def add(depth: Optional[float], rise: float = 0.0) -> None:
        t = len(poses) / fps
        poses.append(standing_side_pose(t, fps) if depth is None else side_pushup_pose(t, depth, fps, rise))

    for _ in range(int(fps)):
        add(None)
    for _ in range(count):
        for _ in range(int(0.3 * fps)):
            add(0.0, 200.0) if land == "piked" else add(None)
        n = int(round(cycle_s * fps))
        for i in range(n):
            rise = 200.0 * max(0.0, 1 - i / (0.4 * n))
            add(None) if land != "piked" and rise > 0 else add(0.5 * (1 - math.cos(2 * math.pi * i / n)), rise)
        for _ in range(int(0.2 * fps)):
            add(0.0)
        for _ in range(int(fps)):
            add(None)
    return poses


def clean_frame(t: float, elbow: float) -> Features:
    """A textbook frame: straight body line, neutral neck, straight legs, tucked elbows."""
    return Features(t_s=t, frame_index=int(round(t * 30)), view=SIDE, in_plank=True, elbow_angle_deg=elbow,
                    elbow_angle_left_deg=elbow, elbow_angle_right_deg=elbow, depth_frac=(170 - elbow) / 90,
                    hip_offset_frac=0.0, knee_angle_deg=172.0, body_angle_deg=5.0, elbow_flare_deg=45.0,
                    shrug_ratio=0.40, neck_angle_deg=10.0, asymmetry_deg=3.0)


def elbow_cycle(n: int = 30, top: float = 170.0, bottom: float = 75.0) -> List[float]:
    """Elbow angles of one cycle: top -> bottom -> top (cosine)."""
    return [bottom + (top - bottom) * (0.5 + 0.5 * math.cos(2 * math.pi * i / (n - 1))) for i in range(n)]


def window(view: View = SIDE, variant: str = "standard", seconds_down: float = 1.0, depth: float = 1.0,
           top: float = 170.0, bottom: float = 75.0, **overrides) -> RepWindow:
    """A 30-frame rep (1 s) with optional per-field overrides: a value, or a list of per-frame values."""
    frames = []
    for i, elbow in enumerate(elbow_cycle(30, top, bottom)):
        f = clean_frame(i / 30.0, elbow)
        changes = {k: (v[i] if isinstance(v, (list, tuple)) else v) for k, v in overrides.items()}
        frames.append(dataclasses.replace(f, view=view, **changes))
    top_frames = tuple(dataclasses.replace(clean_frame(-0.3 + i / 30.0, top), view=view,
                                           **{k: (v[0] if isinstance(v, (list, tuple)) else v)
                                              for k, v in overrides.items()}) for i in range(8))
    min_elbow = min(f.elbow_angle_deg for f in frames)
    return RepWindow(t_start_s=0.0, t_bottom_s=0.5, t_end_s=1.0, frames=tuple(frames), top_frames=top_frames,
                     view=view, variant=variant, depth_frac=depth, min_elbow_angle_deg=min_elbow,
                     seconds_down=seconds_down, seconds_up=0.5)


class PacedFakeCamera(FrameSource):
    """A live :class:`~livecoach.capture.base.FrameSource` stand-in: ``seconds`` of tiny black
    frames delivered at ``fps`` in real time, as a webcam would (the capture thread's
    latest-frame-wins slot then drops what the consumer cannot keep up with)."""

    def __init__(self, seconds: float, fps: float = 30.0) -> None:
        import threading
        import time

        self._time, self._wake = time, threading.Event()
        self._fps, self._count = fps, int(round(seconds * fps))
        self._next, self._t0 = 0, 0.0
        self._image = np.zeros((8, 8, 3), np.uint8)

    name = property(lambda self: "fake camera")
    fps = property(lambda self: self._fps)
    frame_count = property(lambda self: None)
    is_live = property(lambda self: True)

    def open(self) -> None:
        self._next, self._t0 = 0, self._time.monotonic()

    def read(self) -> Optional[Frame]:
        if self._next >= self._count:
            return None
        delay = self._t0 + self._next / self._fps - self._time.monotonic()
        if delay > 0 and self._wake.wait(delay):
            return None
        index, self._next = self._next, self._next + 1
        return Frame(index=index, t_s=index / self._fps, image=self._image,
                     captured_monotonic_s=self._time.monotonic())

    def close(self) -> None:
        self._wake.set()

    def interrupt(self) -> None:
        self._wake.set()


class EventLines:
    """An ``--events`` sink keeping each event as the JSON object the events file would hold."""

    def __init__(self) -> None:
        self.lines: List[Dict[str, Any]] = []

    def write(self, event: Any) -> None:
        from livecoach.formats.events import event_to_dict

        self.lines.append(event_to_dict(event))

    def write_dict(self, data: Dict[str, Any]) -> None:
        self.lines.append(dict(data))

    def close(self) -> None:
        pass


def read_video(path: Any) -> Tuple[float, List[np.ndarray]]:
    """A video file's frame rate and every frame (BGR), for tests that build a clip from a
    shared one (cv2 is imported here only: the logic tests never need it)."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames: List[np.ndarray] = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return fps, frames


def write_video(path: Any, frames: Sequence[np.ndarray], fps: float) -> None:
    """``frames`` (BGR, one size) as an mp4 at ``fps``."""
    import cv2

    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for image in frames:
        writer.write(image)
    writer.release()


def fake_pose_chunk(chunk: Any, out: Any) -> None:
    """A stand-in for :func:`livecoach.capture.parallel._stream_chunk` in a spawned worker (no
    model, no video): the chunk's frames as plank poses, sent back in batches of 7; the last
    chunk ends at the number after the video name's ``-`` (its real length). The video's name
    says what else to do: ``fail`` raises after the first batch, ``die`` exits at once,
    ``short`` ends 10 frames into the chunk, ``slow`` takes a minute."""
    import os
    import time as _time

    name = os.path.basename(chunk.video)
    if "die" in name:
        os._exit(3)
    length = int(name.split("-")[1].split(".")[0]) if "-" in name else chunk.start + 100
    end = chunk.start + 10 if "short" in name else (chunk.end if chunk.end is not None else length)
    batch: List[PoseFrame] = []
    for index in range(chunk.start, end):
        batch.append(plank_pose(index / FPS, index, bend=0.0))
        if len(batch) == 7:
            out.put(("poses", batch))
            batch = []
            if "fail" in name:
                out.put(("error", ValueError("the model broke")))
                return
            if "slow" in name:
                _time.sleep(60)
    if batch:
        out.put(("poses", batch))
    out.put(("end", None))


class FakePictureModel:
    """A stand-in for MediaPipe in :class:`~livecoach.capture.pose_process.PoseProcessEstimator`'s
    child (built there from ``(config, max_width)``; bind ``behaviour`` with functools.partial).
    Each picture gives a plank pose of the source frame's size whose visibilities are the
    picture's top-left red value / 255, so a test can see the picture arrived, in RGB order.
    ``behaviour``: ``fail_start`` (the model does not load), ``raise`` or ``die`` (exit 3) at frame
    5, ``slow`` (0.2 s a frame), ``report_pid`` (landmark 0's x is the child's process id)."""

    def __init__(self, config: Any, max_width: int, behaviour: str = "") -> None:
        if behaviour == "fail_start":
            raise RuntimeError("no model file")
        self.behaviour = behaviour

    def estimate_prepared(self, rgb: np.ndarray, t_s: float, frame_index: int,
                          width: int, height: int) -> Optional[PoseFrame]:
        import os
        import time as _time

        if frame_index == 5 and self.behaviour == "raise":
            raise ValueError("the model broke")
        if frame_index == 5 and self.behaviour == "die":
            os._exit(3)
        if self.behaviour == "slow":
            _time.sleep(0.2)
        pose = plank_pose(t_s, frame_index, bend=0.0)
        xyz = pose.image_xyz.copy()
        if self.behaviour == "report_pid":
            xyz[0, 0] = os.getpid()
        xyz[1, :2] = rgb.shape[1], rgb.shape[0]  # the picture's size, as the model saw it
        return dataclasses.replace(pose, width=width, height=height, image_xyz=xyz,
                                   visibility=np.full(33, rgb[0, 0, 0] / 255.0, np.float32))

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- the history database

def hold_exclusive_lock(db: Any, seconds: float, started: Any) -> Any:
    """Another program holding the history database ``db`` with an exclusive lock for ``seconds``
    (on a thread; ``started``, a threading.Event, is set once the lock is held). Returns the thread."""
    import sqlite3
    import threading
    import time

    def hold() -> None:
        con = sqlite3.connect(str(db), timeout=10.0, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        started.set()
        time.sleep(seconds)
        con.execute("COMMIT")
        con.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def table_rows(db: Any, tables: Sequence[str], leave_out: Optional[Dict[str, Sequence[str]]] = None
               ) -> Dict[str, List[tuple]]:
    """Every row of ``tables`` of the database file ``db`` in rowid order, without the columns of
    ``leave_out`` (table -> names); ``meta`` without its schema_version (a migration changes it)."""
    import sqlite3

    con = sqlite3.connect(str(db))
    try:
        out = {}
        for table in tables:
            if table == "meta":
                out[table] = con.execute("SELECT key, value FROM meta WHERE key != 'schema_version'").fetchall()
                continue
            skip = set((leave_out or {}).get(table, ()))
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] not in skip]
            out[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid").fetchall()
        return out
    finally:
        con.close()


def locked_database(db: Any, seconds: float) -> Any:
    """A new history database ``db``, held by another program with an exclusive lock for
    ``seconds`` from now (:func:`hold_exclusive_lock`). Returns the lock's thread."""
    import threading

    from livecoach.history.store import SessionStore

    SessionStore(db).close()
    locked = threading.Event()
    lock = hold_exclusive_lock(db, seconds, locked)
    assert locked.wait(5.0)
    return lock


def recorder_on_a_locked_database(db: Any, config: Any, seconds: float) -> Tuple[Any, Any]:
    """A session recorder started on a new history ``db`` that another program holds locked for
    ``seconds`` (:func:`locked_database`): it cannot create its session row, so everything goes
    to its journal meanwhile. Returns (recorder, the lock's thread)."""
    from livecoach.history.recorder import SessionMeta, SessionRecorder

    lock = locked_database(db, seconds)
    rec = SessionRecorder(db, config, save_frames="off", notice=lambda m: None, start_wait_s=0.2, lock_notice_s=0.5)
    assert rec.start(SessionMeta(source="cam", mode="train")) is None
    return rec, lock


def open_at_once(db: Any, processes: int = 4) -> List[BaseException]:
    """``processes`` LiveCoach stores opening ``db`` at the same moment (threads released together,
    as processes started together would be); the errors they raised."""
    import threading

    from livecoach.history.store import SessionStore

    errors: List[BaseException] = []
    go = threading.Event()

    def open_it() -> None:
        go.wait()
        try:
            SessionStore(db, timeout=10.0).close()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(processes)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join(30)
    return errors
