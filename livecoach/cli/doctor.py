"""``livecoach doctor``: checks what a session needs and says how to fix what is missing.

Each check prints one line, ``ok`` / ``warn`` / ``FAIL``, with the fix on failure. The exit
code is 0 when training can run (with a camera or ``--video``), 1 otherwise.
"""
from __future__ import annotations

import dataclasses
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

from livecoach.capture.pose import MediaPipePoseEstimator, PoseModelError, model_installed  # mediapipe when used
from livecoach.config.paths import shipped_asset
from livecoach.config.schema import Config, ConfigError, default_config_path, load_config
from livecoach.history.recovery import check_database
from livecoach.history.store import db_path_for
from livecoach.speech.offline import probe_speech
from livecoach.types import Frame

log = logging.getLogger(__name__)

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # ok | warn | FAIL
    detail: str
    fix: str = ""
    essential: bool = True  # a FAIL here means no session can run


def _python() -> CheckResult:
    version = ".".join(map(str, sys.version_info[:3]))
    if (3, 9) <= sys.version_info[:2] <= (3, 12):
        return CheckResult("python", OK, f"Python {version}")
    return CheckResult("python", FAIL, f"Python {version} is not supported",
                       "use Python 3.9-3.12 (MediaPipe 0.10.21 has wheels only for those)")


def _config(path: Optional[Path]) -> CheckResult:
    try:
        load_config(path)
    except ConfigError as exc:
        return CheckResult("config", FAIL, str(exc), "fix the named key, or drop --config")
    return CheckResult("config", OK, str(path or default_config_path()))


def _model(config: Config) -> CheckResult:
    try:
        started = time.perf_counter()
        with MediaPipePoseEstimator(config.pose, config.capture.inference_max_width) as estimator:
            loaded_ms = (time.perf_counter() - started) * 1000
            estimator.estimate(Frame(index=0, t_s=0.0, image=np.zeros((360, 640, 3), dtype=np.uint8)))
            edge_filter_missing = estimator.edge_filter_missing
    except PoseModelError as exc:
        return CheckResult("pose model", FAIL, str(exc), 'reinstall: pip install -e ".[test]"')
    import mediapipe  # only to report the version; the adapter already imported it

    loads = (f"MediaPipe {mediapipe.__version__} BlazePose (complexity {config.pose.model_complexity}) "
             f"loads in {loaded_ms:.0f} ms")
    if edge_filter_missing:
        return CheckResult("pose model", WARN, f"{loads}; but this OpenCV has no contrib modules, so dark frames "
                                               "are smoothed by a Gaussian, which counts worse in a dim room",
                           "pip uninstall -y opencv-python && pip install --force-reinstall opencv-contrib-python",
                           essential=False)
    return CheckResult("pose model", OK, loads)


#: Frames timed per model by the speed check (after a few to warm the tracker up).
SPEED_FRAMES = 45
#: Headroom over the camera's frame rate a model needs to keep up with it in a live session
#: (the loop, the overlay and the window share the computer with it).
SPEED_HEADROOM = 1.1


def pose_fps(config: Config, image: np.ndarray, model_complexity: int, frames: int = SPEED_FRAMES) -> float:
    """Frames per second of the pose model (``model_complexity``) tracking the person in ``image``."""
    pose = dataclasses.replace(config.pose, model_complexity=model_complexity)
    with MediaPipePoseEstimator(pose, config.capture.inference_max_width) as estimator:
        for i in range(5):  # the first frames find the person (detector) and warm the caches
            estimator.estimate(Frame(index=i, t_s=i / 30.0, image=image))
        started = time.perf_counter()
        for i in range(5, 5 + frames):
            estimator.estimate(Frame(index=i, t_s=i / 30.0, image=image))
        return frames / (time.perf_counter() - started)


def speed_advice(camera_fps: float, model_complexity: int, fallback_complexity: int,
                 fps_by_complexity: Dict[int, float]) -> CheckResult:
    """The ``pose speed`` row: whether this computer's pose model keeps up with the camera, and
    which setting to use when it does not."""
    need = SPEED_HEADROOM * camera_fps
    names = {0: "lite", 1: "full", 2: "heavy"}
    measured = ", ".join(f"{names.get(c, c)} model {fps:.0f} fps" for c, fps in sorted(fps_by_complexity.items()))
    detail = f"{measured} on this computer; the camera gives {camera_fps:g} fps"
    current = fps_by_complexity[model_complexity]
    if current >= need:
        return CheckResult("pose speed", OK, f"{detail}: keeps up", essential=False)
    lighter = {c: fps for c, fps in fps_by_complexity.items() if c < model_complexity and fps >= need}
    if lighter:
        best = max(lighter)
        if fallback_complexity <= best:
            fix = (f"a live session switches to the {names[fallback_complexity]} model by itself when frames are "
                   f"dropped; to start with it, set [pose] model_complexity = {best} in a --config file")
        else:
            fix = f"set [pose] model_complexity = {best} in a --config file (it keeps up)"
        return CheckResult("pose speed", WARN, f"{detail}: frames will be dropped", fix, essential=False)
    if not any(c < model_complexity for c in fps_by_complexity):  # no lighter model measured
        return CheckResult("pose speed", WARN, f"{detail}: frames will be dropped",
                           "close other programs, or use the lite model ([pose] model_complexity = 0 in a "
                           "--config file)", essential=False)
    return CheckResult("pose speed", WARN, f"{detail}: no model keeps up",
                       "close other programs: reps and faults may be missed while frames are dropped",
                       essential=False)


def _pose_speed(config: Config) -> CheckResult:
    from livecoach.render.imaging import decode_jpeg  # render needs cv2

    picture = shipped_asset("window.jpg")
    if picture is None:
        return CheckResult("pose speed", WARN, "not measured: the test picture (assets/window.jpg) is not installed",
                           "reinstall LiveCoach", essential=False)
    image = decode_jpeg(picture.read_bytes())
    wanted = sorted({config.pose.model_complexity, config.pose.fallback_model_complexity, 0})
    # Only installed models: MediaPipe would download the others (0.10.21's wheel has the full one).
    fps = {c: pose_fps(config, image, c) for c in wanted if model_installed(c) or c == config.pose.model_complexity}
    result = speed_advice(config.capture.camera_fps, config.pose.model_complexity,
                          config.pose.fallback_model_complexity, fps)
    missing = [c for c in wanted if c not in fps]
    if missing and result.status != OK:
        names = " and ".join({0: "lite", 2: "heavy"}.get(c, str(c)) for c in missing)
        result = dataclasses.replace(result, fix=(
            f"{result.fix}; the {names} model is not installed: MediaPipe downloads it the first time it is "
            f"used (needs the internet), after which a live session can switch to it by itself"))
    return result


def _camera(index: int, config: Config) -> CheckResult:
    from livecoach.capture.camera import RUN_DOCTOR, probe_camera  # capture needs cv2

    ok, line = probe_camera(index, config.capture)
    if ok:
        return CheckResult(f"camera {index}", OK, line)
    problem, _, fix = line.replace(RUN_DOCTOR, "").partition(" — ")  # this is the doctor
    return CheckResult(f"camera {index}", WARN, problem,
                       fix or "plug in a webcam or close apps using it; try --camera 1; or train with --video PATH",
                       essential=False)


def _display() -> CheckResult:
    from livecoach.render.window import display_problem  # render needs cv2

    problem = display_problem()
    if problem:
        return CheckResult("display", WARN, problem,
                           "train with --headless (cues are still spoken and logged)", essential=False)
    return CheckResult("display", OK, "a window can be opened")


def _speech(config: Config) -> CheckResult:
    ok, line = probe_speech(config.speech)
    if ok:
        return CheckResult("speech", OK, line)
    what, _, fix = line.partition(" — ")
    return CheckResult("speech", WARN, what, fix or "see `livecoach say test`", essential=False)


def _data_dir(data_dir: Optional[Path]) -> CheckResult:
    path = db_path_for(data_dir)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return CheckResult("history", FAIL, f"cannot write to {folder}: {exc.strerror}",
                           "pass --data-dir DIR with a writable folder")
    problems = check_database(path)  # read-only: doctor never migrates or repairs
    if problems:
        return CheckResult("history", FAIL, "; ".join(problems),
                           f"move {path.name} out of {folder} (a new history is started), upgrade LiveCoach "
                           f"if it is newer, or train with --no-history")
    return CheckResult("history", OK, f"sessions are kept in {folder}")


def run_checks(camera: int = 0, config_path: Optional[Path] = None,
               data_dir: Optional[Path] = None) -> List[CheckResult]:
    """Every check, in order; a check that raises is itself a FAIL finding."""
    try:
        config = load_config(config_path)
    except ConfigError:
        config = load_config(None)  # the config row says what is wrong; the others use the defaults
    checks: List[Callable[[], CheckResult]] = [
        _python,
        lambda: _config(config_path),
        lambda: _model(config),
        lambda: _pose_speed(config),
        lambda: _camera(camera, config),
        _display,
        lambda: _speech(config),
        lambda: _data_dir(data_dir),
    ]
    results = []
    for check in checks:
        try:
            results.append(check())
        except Exception as exc:  # noqa: BLE001 - a broken check is itself a finding
            log.debug("check %s failed", getattr(check, "__name__", "check"), exc_info=True)
            results.append(CheckResult(getattr(check, "__name__", "check"), FAIL,
                                       f"{type(exc).__name__}: {exc}"))
    return results


def run_doctor(camera: int = 0, config_path: Optional[Path] = None, data_dir: Optional[Path] = None) -> int:
    """Print one line per check (and the fix); 0 when training can run, 1 otherwise."""
    results = run_checks(camera, config_path, data_dir)
    width = max(len(r.name) for r in results)
    for r in results:
        print(f"  {r.status:<4}  {r.name:<{width}}  {r.detail}")
        if r.fix and r.status != OK:
            print(f"        {'':<{width}}  fix: {r.fix}")
    camera_ok = any(r.name.startswith("camera") and r.status == OK for r in results)
    essential_failed = [r for r in results if r.essential and r.status == FAIL]
    if essential_failed:
        print("LiveCoach cannot run until the FAIL lines above are fixed.")
        return 1
    if not camera_ok:
        print("No camera: you can still train with a video, e.g. `livecoach train --video my_pushups.mp4`.")
    else:
        print("Ready: `livecoach train`.")
    return 0
