"""Where the shipped configuration folder (``config/`` of the project) is found.

In a source checkout or an editable install it is ``config/`` beside the package. A wheel
(``pip install .``) carries it as data files under ``<prefix>/share/livecoach/config`` (see
``[tool.setuptools.data-files]`` in pyproject.toml), for a venv, a system or a ``--user`` install.
"""
from __future__ import annotations

import os
import sysconfig
from pathlib import Path
from typing import List, Optional

from livecoach.errors import LiveCoachError

_MARKER = "default.toml"


def candidate_config_dirs() -> List[Path]:
    """The folders searched, in order: the checkout's, then each install scheme's data folder."""
    candidates = [Path(__file__).resolve().parents[2] / "config"]
    schemes = [None, f"{os.name}_user"]
    for scheme in schemes:
        try:
            data = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:  # a scheme this platform does not have
            continue
        if data:
            candidates.append(Path(data) / "share" / "livecoach" / "config")
    return candidates


def shipped_config_dir() -> Path:
    """The folder holding ``default.toml`` (and the exercise and plan folders)."""
    for folder in candidate_config_dirs():
        if (folder / _MARKER).is_file():
            return folder
    searched = ", ".join(str(p) for p in candidate_config_dirs())
    raise LiveCoachError(f"the shipped config/default.toml is missing (searched {searched}); reinstall LiveCoach")


def shipped_asset(name: str) -> Optional[Path]:
    """A file of the project's ``assets/`` folder (a wheel carries the ones listed in
    pyproject.toml under ``share/livecoach/assets``), or None when it is not installed."""
    for config_dir in candidate_config_dirs():
        path = config_dir.parent / "assets" / name
        if path.is_file():
            return path
    return None
