"""Plan files, _rules.toml and _setup.toml: what loads, and one clear line naming file and key for what does not."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from livecoach.config.plans import (EXERCISES, HOLD_EXERCISES, PLAN_TEXT_PLACEHOLDERS, SETUP_CHECKS, ConfigError,
                                    format_plan, format_plan_list,
                                    load_plans, plan_as_dict)

GOOD = """
name = "mine"
title = "Mine"
description = "Knee push-ups."
adapt = false

[[blocks]]
name = "main"
rounds = 1
rest_s = 45.0

  [[blocks.entries]]
  exercise = "knee"
  sets = 2
  target_min = 8
  target_max = 12
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_shipped_plans_load_and_name_known_exercises():
    lib = load_plans()
    assert {"back_focused", "floor_progression", "activation"} <= set(lib.names())
    for plan in lib.plans.values():
        sets = plan.sets()
        assert sets
        for s in sets:
            assert s.exercise in EXERCISES
            assert 1 <= s.target_min <= s.target_max
            assert s.is_hold == (s.exercise in HOLD_EXERCISES)
    progression = [s.exercise for s in lib.get("floor_progression").sets()]
    assert progression == ["wall", "wall", "incline", "incline", "knee", "knee", "standard", "standard"]
    assert lib.get("floor_progression").adapt
    activation = [(s.exercise, s.round, s.target_min, s.target_max) for s in lib.get("activation").sets()]
    assert activation == [("scapular_wall_hold", 1, 20, 30), ("scapular", 1, 10, 15),
                          ("scapular_wall_hold", 2, 20, 30), ("scapular", 2, 10, 15)]


def test_shipped_rules_hold_every_text_and_a_ladder_without_loops():
    rules = load_plans().rules
    assert set(rules.texts) == set(PLAN_TEXT_PLACEHOLDERS)
    assert rules.easier["standard"] in ("incline", "knee")
    for table in (rules.easier, rules.harder):
        for start in table:  # following the ladder always ends
            seen, cur = set(), start
            while cur in table:
                assert cur not in seen
                seen.add(cur)
                cur = table[cur]
    assert rules.number(2) == "Two" and rules.number(99) == "99"
    setup = load_plans().setup
    assert set(setup.messages) == set(SETUP_CHECKS)
    assert setup.messages["feet_out_of_view"] == "Step back so I can see your feet"


def test_frozen():
    plan = load_plans().get("activation")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        load_plans().rules.texts["rest"] = "x"  # type: ignore[index]


def test_a_user_folder_adds_a_plan(tmp_path):
    write(tmp_path, "mine.toml", GOOD)
    lib = load_plans(user_dir=tmp_path)
    assert "mine" in lib.names() and "back_focused" in lib.names()
    sets = lib.get("mine").sets()
    assert [(s.exercise, s.set, s.of, s.rest_s) for s in sets] == [("knee", 1, 2, 45.0), ("knee", 2, 2, 45.0)]
    assert plan_as_dict(lib.get("mine"))["blocks"][0]["entries"][0]["exercise"] == "knee"


def test_a_user_rules_file_overrides_a_subset(tmp_path):
    write(tmp_path, "_rules.toml",
          '[timing]\nstood_up_after_s = 4.0\n[texts]\nrest = "Breathe for {seconds} seconds"\n')
    lib = load_plans(user_dir=tmp_path)
    assert lib.rules.timing.stood_up_after_s == 4.0
    assert lib.rules.timing.countdown_from == 3
    assert lib.rules.texts["rest"] == "Breathe for {seconds} seconds"


@pytest.mark.parametrize("old,new,words", [
    ('adapt = false', 'adapt = false\ncolour = "red"', ["mine.toml", "unknown key 'colour'"]),
    ('  sets = 2', '  sets = 2\n  tempo = 3', ["mine.toml", "blocks[0].entries[0].tempo"]),
    ('target_min = 8', 'target_min = nan', ["mine.toml", "blocks[0].entries[0].target_min", "finite"]),
    ('rest_s = 45.0', 'rest_s = inf', ["mine.toml", "blocks[0].rest_s", "finite"]),
    ('target_min = 8', 'target_min = 13', ["mine.toml", "blocks[0].entries[0].target_min", "above target_max"]),
    ('exercise = "knee"', 'exercise = "burpee"', ["mine.toml", "blocks[0].entries[0].exercise", "unknown exercise"]),
    ('target_max = 12', 'target_max = "12"', ["mine.toml", "target_max", "whole number"]),
    ('sets = 2', 'sets = 0', ["mine.toml", "blocks[0].entries[0].sets", "between 1"]),
    ('name = "mine"', 'name = "yours"', ["mine.toml", "match the file name"]),
    ('adapt = false', 'adapt = "no"', ["mine.toml", "adapt", "true or false"]),
    ('  target_max = 12', '', ["mine.toml", "missing key 'blocks[0].entries[0].target_max'"]),
])
def test_bad_plan_files_fail_naming_file_and_key(tmp_path, old, new, words):
    assert old in GOOD
    write(tmp_path, "mine.toml", GOOD.replace(old, new))
    with pytest.raises(ConfigError) as info:
        load_plans(user_dir=tmp_path)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_user_exercise_name_passes_when_the_caller_knows_it(tmp_path):
    write(tmp_path, "mine.toml", GOOD.replace('exercise = "knee"', 'exercise = "archer"'))
    with pytest.raises(ConfigError):
        load_plans(user_dir=tmp_path)
    assert load_plans(user_dir=tmp_path, known_exercises=["archer"]).get("mine").sets()[0].exercise == "archer"


@pytest.mark.parametrize("text,words", [
    ('[texts]\nset_start = "Set {set} of {total}"\n', ["_rules.toml", "texts.set_start", "{total}", "{set}"]),
    ('[texts]\nrest = "Rest {seconds"\n', ["_rules.toml", "texts.rest", "bad template"]),
    ('[texts]\nrest = "  "\n', ["_rules.toml", "texts.rest", "empty"]),
    ('[texts]\nshout = "Hey"\n', ["_rules.toml", "texts.shout"]),
    ('[progression]\nregress_fault_share = 1.5\n', ["_rules.toml", "progression.regress_fault_share", "between"]),
    ('[progression]\nregress_fault_share = nan\n', ["_rules.toml", "progression.regress_fault_share", "finite"]),
    ('[progression]\nbody_line_faults = ["hip_drop"]\n', ["_rules.toml", "progression.body_line_faults"]),
    ('[easier]\nstandard = "sofa"\n', ["_rules.toml", "easier.standard", "unknown exercise"]),
    ('[easier]\nstandard = "standard"\n', ["_rules.toml", "easier.standard", "itself"]),
    ('[timing]\ncountdown_from = -1\n', ["_rules.toml", "timing.countdown_from"]),
])
def test_bad_rules_fail_naming_file_and_key(tmp_path, text, words):
    write(tmp_path, "_rules.toml", text)
    with pytest.raises(ConfigError) as info:
        load_plans(user_dir=tmp_path)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("text,words", [
    ('dark_below = 300.0\n', ["_setup.toml", "dark_below"]),
    ('dark_below = 80.0\n', ["_setup.toml", "light_enough_above", "below dark_below"]),
    ('order = ["too_dark"]\n', ["_setup.toml", "order", "two_people"]),
    ('order = ["too_dark", "ok"]\n', ["_setup.toml", "order"]),
    ('[messages]\nok = "Ready {name}"\n', ["_setup.toml", "messages.ok", "{name}"]),
    ('window_s = nan\n', ["_setup.toml", "window_s", "finite"]),
    ('too_far_below_frac = 0.99\n', ["_setup.toml", "too_close_above_frac"]),
])
def test_bad_setup_config_fails_naming_file_and_key(tmp_path, text, words):
    write(tmp_path, "_setup.toml", text)
    with pytest.raises(ConfigError) as info:
        load_plans(user_dir=tmp_path)
    for word in words:
        assert word in str(info.value)


def test_unknown_plan_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="back_focused"):
        load_plans().get("couch")


def test_missing_user_folder_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_plans(user_dir=tmp_path / "nope")


def test_not_toml_names_the_file(tmp_path):
    write(tmp_path, "broken.toml", "name = \n")
    with pytest.raises(ConfigError, match="broken.toml"):
        load_plans(user_dir=tmp_path)


def test_plans_list_and_show_text():
    lib = load_plans()
    listing = format_plan_list(lib)
    assert any(line.startswith("back_focused") and "19 sets" in line for line in listing)
    shown = format_plan(lib.get("back_focused"), lib.rules)
    assert shown[0] == "back_focused: Back-focused push-ups"
    assert "  warm-up, 2 rounds:" in shown
    assert "    plank: hold 20-30 s, rest 30 s" in shown
    assert "    wide push-ups: 3 x 8-12 reps, rest 60 s" in shown
