"""``livecoach plans`` and ``livecoach plans show NAME`` through the command line (subprocess)."""
from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import one_error_line, run_cli

from livecoach.config.plans import load_plans
from livecoach.errors import EXIT_CONFIG


def test_plans_lists_every_shipped_plan_one_line_each() -> None:
    result = run_cli("plans")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    names = load_plans().names()
    assert len(lines) == len(names)
    assert [line.split()[0] for line in lines] == list(names)
    assert {"back_focused", "floor_progression", "activation"} <= set(names)
    back = next(line for line in lines if line.startswith("back_focused"))
    assert f"{len(load_plans().get('back_focused').sets())} sets" in back


def test_plans_show_prints_the_plan_block_by_block() -> None:
    result = run_cli("plans", "show", "back_focused")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("back_focused: ")
    assert "wide push-ups: 3 x 8-12 reps, rest 60 s" in out
    assert "diamond push-ups: 3 x 8-12 reps" in out
    as_json = json.loads(run_cli("plans", "show", "floor_progression", "--json").stdout)
    assert as_json["name"] == "floor_progression"


def test_an_unknown_plan_is_one_line_and_the_config_exit_code() -> None:
    line = one_error_line(run_cli("plans", "show", "no_such_plan"), EXIT_CONFIG, "no_such_plan")
    assert "back_focused" in line  # the known plans are named
    one_error_line(run_cli("plans", "show"), EXIT_CONFIG, "needs a plan name")


def test_a_user_plans_dir_adds_plans_and_a_bad_file_is_one_line(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "mine.toml").write_text(
        'name = "mine"\ntitle = "Mine"\ndescription = "Two sets."\nadapt = false\n\n'
        '[[blocks]]\nname = "main"\nrounds = 1\nrest_s = 30.0\nsets = 2\n\n'
        '  [[blocks.entries]]\n  exercise = "knee"\n  target_min = 5\n  target_max = 8\n')
    result = run_cli("plans", "--plans-dir", str(good))
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("mine ") for line in result.stdout.splitlines())
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "mine.toml").write_text((good / "mine.toml").read_text().replace('"knee"', '"handstand"'))
    one_error_line(run_cli("plans", "--plans-dir", str(bad)), EXIT_CONFIG, "mine.toml", "handstand")


def test_the_readmes_plan_file_example_loads_as_written(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("**A plan file**", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "readme_demo.toml").write_text(example)
    result = run_cli("plans", "show", "readme_demo", "--plans-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "standard push-ups: 8-12 reps, rest 60 s" in result.stdout
    assert "diamond push-ups: 6-10 reps" in result.stdout
