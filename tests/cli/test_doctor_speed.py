"""`livecoach doctor`'s pose speed row (issue 13): measured on the shipped picture of a person, and
advice that follows from the measured frame rates and the camera's."""
from __future__ import annotations

import pytest

from livecoach.cli.doctor import OK, WARN, pose_fps, speed_advice
from livecoach.config.paths import shipped_asset
from livecoach.config.schema import load_config


def test_a_model_faster_than_the_camera_keeps_up() -> None:
    row = speed_advice(30, 1, 0, {1: 45.0, 0: 70.0})
    assert row.status == OK and "full model 45 fps" in row.detail and "keeps up" in row.detail


def test_when_only_the_lite_model_keeps_up_the_fix_says_the_session_switches_by_itself() -> None:
    row = speed_advice(30, 1, 0, {1: 28.0, 0: 50.0})
    assert row.status == WARN and "frames will be dropped" in row.detail
    assert "switches to the lite model by itself" in row.fix and "model_complexity = 0" in row.fix


def test_with_no_fallback_configured_the_fix_is_the_setting() -> None:
    row = speed_advice(30, 1, 1, {1: 28.0, 0: 50.0})
    assert row.status == WARN and row.fix.startswith("set [pose] model_complexity = 0")


def test_when_no_model_keeps_up_it_says_so_and_no_model_is_recommended() -> None:
    row = speed_advice(30, 1, 0, {1: 12.0, 0: 20.0})
    assert row.status == WARN and "no model keeps up" in row.detail and "model_complexity" not in row.fix


def test_when_the_lighter_model_was_not_measured_it_is_suggested_not_promised() -> None:
    row = speed_advice(30, 1, 0, {1: 20.0})
    assert row.status == WARN and "frames will be dropped" in row.detail and "lite model" in row.fix


def test_the_headroom_is_over_the_camera_rate() -> None:
    assert speed_advice(30, 1, 0, {1: 31.0, 0: 60.0}).status == WARN  # 31 fps leaves nothing for the rest
    assert speed_advice(15, 1, 0, {1: 31.0}).status == OK


@pytest.mark.model
def test_the_speed_is_measured_on_a_person_the_model_tracks() -> None:
    from livecoach.capture.pose import MediaPipePoseEstimator
    from livecoach.render.imaging import decode_jpeg
    from livecoach.types import Frame

    picture = shipped_asset("window.jpg")
    assert picture is not None
    image = decode_jpeg(picture.read_bytes())
    config = load_config()
    with MediaPipePoseEstimator(config.pose, config.capture.inference_max_width) as estimator:
        pose = estimator.estimate(Frame(index=0, t_s=0.0, image=image))
    assert pose is not None  # the landmark model runs on every timed frame, as in a session
    assert pose_fps(config, image, config.pose.model_complexity, frames=5) > 0


@pytest.mark.model
def test_doctor_prints_the_pose_speed_row_and_still_passes(tmp_path) -> None:
    from cli_helpers import run_cli

    result = run_cli("doctor", "--data-dir", str(tmp_path), timeout=300)
    rows = [line for line in result.stdout.splitlines() if "pose speed" in line]
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(rows) == 1 and "full model" in rows[0] and " fps on this computer" in rows[0]
