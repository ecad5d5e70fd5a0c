"""The config loader fails loudly, in one line naming the file and the key, on every bad value."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from livecoach.config.schema import ConfigError, load_config
from livecoach.config.toml_io import describe_fields

REPO_ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, body: str, name: str = "user.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


# --- [view.judgeable] names views that exist ------------------------------------------

def test_a_typo_in_a_judgeable_view_fails_naming_file_and_key(tmp_path):
    message = _error(_write(tmp_path, '[view.judgeable]\nhip_sag = ["side_left", "sideways"]\n'))
    assert "view.judgeable.hip_sag" in message and "'sideways'" in message
    assert "side_right" in message  # the known views are listed


def test_valid_judgeable_views_load(tmp_path):
    config = load_config(_write(tmp_path, '[view.judgeable]\nhip_sag = ["front", "angled"]\n'))
    assert config.view.judgeable["hip_sag"] == ("front", "angled")


# --- NaN and inf -----------------------------------------------------------------------

FLOAT_KEYS = [key for key, value, _, _ in describe_fields(load_config()) if isinstance(value, float)]


def test_there_are_float_keys_to_check():
    assert len(FLOAT_KEYS) > 50
    assert "faults.hip_sag.min_offset_frac" in FLOAT_KEYS


@pytest.mark.parametrize("key", FLOAT_KEYS)
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_nan_and_inf_rejected_for_every_float_key(tmp_path, key, bad):
    section, name = key.rsplit(".", 1)
    message = _error(_write(tmp_path, f"[{section}]\n{name} = {bad}\n"))
    assert key in message and "finite" in message


def test_nan_in_a_rule_threshold_is_rejected(tmp_path):
    """Issue 12 row 4: this was accepted and silently switched the rule off."""
    message = _error(_write(tmp_path, "[faults.hip_sag]\nmin_offset_frac = nan\n"))
    assert "faults.hip_sag.min_offset_frac = nan" in message


def test_config_command_output_reloads(tmp_path):
    """`livecoach config` (with a user file laid over the defaults) prints TOML that loads back
    to the same config."""
    user = _write(tmp_path, "[faults.hip_sag]\nmin_offset_frac = 0.08\n[cues.texts]\ncount = \"Rep {n}\"\n")
    proc = subprocess.run([sys.executable, "-m", "livecoach", "config", "--config", str(user)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    printed = _write(tmp_path, proc.stdout, "printed.toml")
    assert load_config(printed) == load_config(user)
    assert load_config(printed).faults.hip_sag.min_offset_frac == 0.08


# --- cue placeholders --------------------------------------------------------------------

@pytest.mark.parametrize("key,text,placeholder", [
    ("hip_sag", "Squeeze {glutes}", "{glutes}"),
    ("count", "Rep {reps}", "{reps}"),
    ("set_done", "Set done: {n}", "{n}"),
    ("praise", "Better {}", "{}"),
    ("session_done", "Done {reps.real}", "{reps.real}"),
])
def test_unsupported_cue_placeholder_rejected_at_load(tmp_path, key, text, placeholder):
    message = _error(_write(tmp_path, f'[cues.texts]\n{key} = "{text}"\n'))
    assert f"cues.texts.{key}" in message and placeholder in message and "allowed" in message


def test_a_lone_brace_in_a_cue_is_rejected(tmp_path):
    message = _error(_write(tmp_path, '[cues.texts]\nshallow = "Go lower {"\n'))
    assert "cues.texts.shallow" in message


def test_supported_placeholders_and_escaped_braces_load(tmp_path):
    config = load_config(_write(tmp_path, '[cues.texts]\ncount = "Rep {n}"\nset_done = "{reps} done, {no_reps} '
                                          'missed"\nshallow = "Go lower {{really}}"\n'))
    assert config.cues.texts["count"] == "Rep {n}"


# --- encoding --------------------------------------------------------------------------

def test_a_config_file_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[cues.texts]\nshallow = "Plus bas, très bien"\n'.encode("latin-1"))
    message = _error(path)
    assert "UTF-8" in message


def test_a_utf8_config_with_accents_loads(tmp_path):
    config = load_config(_write(tmp_path, '[cues.texts]\nshallow = "Plus bas, très bien"\n'))
    assert config.cues.texts["shallow"] == "Plus bas, très bien"


@pytest.mark.parametrize("args", [["config"], ["replay", "tests/fixtures/landmarks/monkeydo__pushup.mov.jsonl.gz",
                                                "--no-history", "--no-voice", "--no-report", "--quiet"]])
def test_cli_reports_bad_config_in_one_line_without_traceback(tmp_path, args):
    user = _write(tmp_path, '[cues.texts]\nhip_sag = "Squeeze {glutes}"\n')
    proc = subprocess.run([sys.executable, "-m", "livecoach", *args, "--config", str(user)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cues.texts.hip_sag" in lines[0] and str(user) in lines[0]


# --- the rep counter's tempo-invariant minimum cycle ------------------------------------

@pytest.mark.parametrize("body,key", [
    ("[reps]\nmin_rep_cycle_frac = 1.5\n", "reps.min_rep_cycle_frac"),
    ("[reps]\nmin_rep_cycle_frac = -0.1\n", "reps.min_rep_cycle_frac"),
    ("[reps]\ntempo_cycles = 2\n", "reps.tempo_cycles"),
    ("[reps]\ntempo_cycles = 5.5\n", "reps.tempo_cycles"),
    ("[reps]\nmin_rep_s = -0.1\n", "reps.min_rep_s"),
])
def test_the_minimum_cycle_keys_are_range_checked(tmp_path, body, key):
    assert key in _error(_write(tmp_path, body))


def test_the_minimum_cycle_keys_load_and_zero_turns_the_floor_off(tmp_path):
    config = load_config(_write(tmp_path, "[reps]\nmin_rep_s = 0.0\nmin_rep_cycle_frac = 0.4\ntempo_cycles = 9\n"))
    assert (config.reps.min_rep_s, config.reps.min_rep_cycle_frac, config.reps.tempo_cycles) == (0.0, 0.4, 9)
