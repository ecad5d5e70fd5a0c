"""Exercise profiles load into frozen dataclasses and fail loudly (file and key named) when wrong."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from livecoach.config.exercises import ConfigError, default_exercises_dir, load_exercises
from livecoach.types import FAULT_NAMES

ALL = {"standard", "wide", "diamond", "knee", "incline", "decline", "wall", "pike", "scapular", "plank",
       "forearm_plank", "side_plank", "scapular_wall_hold"}


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """A copy of the packaged profiles that a test may break."""
    dest = tmp_path / "exercises"
    shutil.copytree(default_exercises_dir(), dest)
    return dest


def test_every_packaged_profile_loads_and_is_frozen():
    lib = load_exercises()
    assert set(lib) == ALL
    for profile in lib.values():
        assert profile.kind in ("reps", "hold")
        assert (profile.rep is not None) == (profile.kind == "reps")
        assert (profile.hold is not None) == (profile.kind == "hold")
        assert set(profile.faults.enabled) <= set(FAULT_NAMES)
        assert profile.title and profile.advice
        with pytest.raises(dataclasses.FrozenInstanceError):
            profile.title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        lib["knee"].cues["hip_sag"] = "x"  # tables are read-only too


def test_extends_lays_a_profile_over_its_base():
    lib = load_exercises()
    wide, standard = lib["wide"], lib["standard"]
    assert wide.extends == "standard" and standard.extends == ""
    assert wide.position.hand_width == "wide" and wide.position.hand_width_min == 1.7
    assert wide.position.body_angle_max_deg == standard.position.body_angle_max_deg  # inherited
    assert "elbow_flare" not in wide.faults.enabled
    # a hold built on a rep profile does not inherit its [rep] table
    assert lib["plank"].rep is None and lib["scapular_wall_hold"].rep is None


def test_unknown_exercise_name_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown exercise 'burpee'"):
        load_exercises()["burpee"]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("file,old,new,message", [
    ("knee.toml", 'title = "Knee push-up"', 'title = "Knee push-up"\ncolour = "red"', r"knee\.toml: unknown key 'colour'"),
    ("knee.toml", "[position]", "[position]\nknee_hieght = 3", r"knee\.toml: unknown key 'position\.knee_hieght'"),
    ("standard.toml", "body_angle_max_deg = 35.0", "body_angle_max_deg = 135.0",
     r"standard\.toml: position\.body_angle_max_deg = 135\.0: must be between"),
    ("standard.toml", "body_angle_max_deg = 35.0", "body_angle_max_deg = nan",
     r"standard\.toml: position\.body_angle_max_deg = nan: must be a finite number"),
    ("plank.toml", "tick_every_s = 10.0", "tick_every_s = inf", r"plank\.toml: hold\.tick_every_s = inf"),
    ("standard.toml", 'kind = "reps"', 'kind = "sets"', r"standard\.toml: kind = 'sets': must be one of"),
    ("standard.toml", "recognise = true", 'recognise = "yes"', r"standard\.toml: recognise = 'yes': must be true or false"),
    ("wide.toml", 'name = "wide"', 'name = "broad"', r"wide\.toml: name = 'broad': must be the file name 'wide'"),
    ("wide.toml", 'extends = "standard"', 'extends = "military"', r"wide\.toml: extends = 'military': no such"),
    ("knee.toml", 'enabled = ["hip_sag"', 'enabled = ["hip_sagg"', r"knee\.toml: faults\.enabled = 'hip_sagg'"),
    ("standard.toml", "[faults.overrides]", "[faults.overrides.hip_sag]\nmin_ofset_frac = 0.1",
     r"standard\.toml: unknown key 'faults\.overrides\.hip_sag\.min_ofset_frac'"),
    ("standard.toml", "[faults.overrides]", "[faults.overrides.hip_sack]\nmin_offset_frac = 0.1",
     r"standard\.toml: unknown key 'faults\.overrides\.hip_sack'"),
    ("standard.toml", "hip_angle_max_deg = 180.0", "hip_angle_max_deg = 100.0",
     r"standard\.toml: position\.hip_angle_min_deg = 140\.0 is above position\.hip_angle_max_deg = 100\.0"),
    ("plank.toml", 'kind = "hold"', 'kind = "reps"', r"plank\.toml: \[hold\] is only for kind = 'hold'"),
    ("plank.toml", "[hold]", "[holdd]", r"plank\.toml: unknown key 'holdd'"),
    ("incline.toml", 'regress_to = "wall"', 'regress_to = "chair"', r"incline\.toml: regress_to = 'chair': no such"),
    ("_recognition.toml", "window_s = 1.0", "window_s = 1.0\nwindwo_s = 2.0", r"_recognition\.toml: unknown key 'windwo_s'"),
    ("_recognition.toml", "latch_s = 0.5", "latch_s = -1.0", r"_recognition\.toml: lookalikes\.latch_s = -1\.0: must be"),
    ("side_plank.toml", "[cues]", "[cues]\nhold_tock = 'x'", r"side_plank\.toml: unknown key 'cues\.hold_tock'"),
    ("plank.toml", "cue_priority = 5", "cue_priority = 500", r"plank\.toml: hold\.cue_priority = 500: must be"),
    ("plank.toml", "cue_priority = 5", "cue_priority = 5.5", r"plank\.toml: hold\.cue_priority = 5\.5"),
    ("_recognition.toml", "confirm_min_confidence = 0.65", "confirm_min_confidence = nan",
     r"_recognition\.toml: confirm_min_confidence = nan: must be a finite number"),
])
def test_bad_profiles_fail_with_one_line_naming_file_and_key(folder, file, old, new, message):
    _edit(folder / file, old, new)
    with pytest.raises(ConfigError, match=message) as info:
        load_exercises(folder)
    assert "\n" not in str(info.value)


def test_extends_loop_is_reported(folder):
    _edit(folder / "standard.toml", 'extends = ""', 'extends = "wide"')
    with pytest.raises(ConfigError, match="loop"):
        load_exercises(folder)


def test_missing_folder_and_missing_key(folder, tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_exercises(tmp_path / "nope")
    _edit(folder / "standard.toml", 'title = "Push-up"\n', "")
    with pytest.raises(ConfigError, match=r"standard\.toml: missing key 'title'"):
        load_exercises(folder)


def test_a_user_folder_adds_and_replaces_profiles(tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "archer.toml").write_text(
        'name = "archer"\nextends = "wide"\ntitle = "Archer push-up"\nregress_to = "wide"\nprogress_to = ""\n'
        'advice = "Shift your weight to one arm."\n[position]\nhand_width_min = 2.0\n')
    (user / "knee.toml").write_text((default_exercises_dir() / "knee.toml").read_text()
                                    .replace('title = "Knee push-up"', 'title = "Kneeling push-up"'))
    (user / "_recognition.toml").write_text("switch_after_s = 4.0\n")
    lib = load_exercises(user_dir=user)
    assert lib["archer"].position.hand_width == "wide" and lib["archer"].position.hand_width_min == 2.0
    assert lib["archer"].kind == "reps" and lib["archer"].rep is not None
    assert lib["knee"].title == "Kneeling push-up"
    assert lib.recognition.switch_after_s == 4.0 and lib.recognition.window_s == 1.0
    assert lib.sources["archer"].endswith("archer.toml")


def test_a_bad_user_profile_names_the_user_file(tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "odd.toml").write_text('name = "odd"\nextends = "standard"\ntitle = "Odd"\n[rep]\nsignal = "hips"\n')
    with pytest.raises(ConfigError, match=r"mine/odd\.toml: rep\.signal = 'hips': must be one of"):
        load_exercises(user_dir=user)


@pytest.mark.parametrize("value", ["standard", "no_such_hold"])
def test_a_top_pause_hold_that_is_not_a_hold_profile_fails_naming_file_and_key(tmp_path, value):
    from livecoach.config.exercises import load_exercises as load
    from livecoach.config.toml_io import ConfigError as Error

    user = tmp_path / "mine"
    user.mkdir()
    (user / "_recognition.toml").write_text(f'top_pause_hold = "{value}"\n')
    with pytest.raises(Error) as info:
        load(user_dir=user)
    assert "_recognition.toml" in str(info.value) and "top_pause_hold" in str(info.value)
    assert load().recognition.top_pause_hold == "plank"  # the packaged setting
