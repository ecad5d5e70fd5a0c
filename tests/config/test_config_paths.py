"""The shipped config folder is found in a checkout and in an installed wheel's data files."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from livecoach.config import paths
from livecoach.errors import LiveCoachError

from conftest import REPO_ROOT


def test_a_checkout_uses_its_own_config_folder():
    assert paths.shipped_config_dir() == REPO_ROOT / "config"


def test_an_install_uses_the_data_folder_when_there_is_no_checkout(tmp_path, monkeypatch):
    installed = tmp_path / "share" / "livecoach" / "config"
    installed.mkdir(parents=True)
    (installed / "default.toml").write_text("")
    monkeypatch.setattr(paths, "candidate_config_dirs", lambda: [tmp_path / "no-checkout", installed])
    assert paths.shipped_config_dir() == installed


def test_a_missing_config_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "candidate_config_dirs", lambda: [tmp_path / "a", tmp_path / "b"])
    with pytest.raises(LiveCoachError, match="config/default.toml is missing"):
        paths.shipped_config_dir()


def test_the_wheel_carries_every_shipped_config_file(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path), str(REPO_ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("livecoach-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(p.relative_to(REPO_ROOT / "config").as_posix() for p in (REPO_ROOT / "config").rglob("*.toml"))
    assert shipped, "config/ has no TOML files"
    for rel in shipped:
        assert any(n.endswith(f".data/data/share/livecoach/config/{rel}") for n in names), rel
