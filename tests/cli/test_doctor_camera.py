"""`livecoach doctor`'s camera row: a missing camera is a warning whose fix says what to do, not "run doctor"."""
from __future__ import annotations

from livecoach.capture.camera import RUN_DOCTOR, probe_camera
from livecoach.cli import doctor
from livecoach.config.schema import load_config

MISSING = 97  # no computer this runs on has 98 cameras


def test_a_missing_camera_is_a_warning_that_does_not_send_you_back_to_the_doctor():
    config = load_config()
    ok, line = probe_camera(MISSING, config.capture)
    assert not ok and line.endswith(RUN_DOCTOR)  # what `train` prints: it points at the doctor
    result = doctor._camera(MISSING, config)
    assert result.status == doctor.WARN and not result.essential
    assert "--video PATH" in result.fix and "doctor" not in result.fix + result.detail
