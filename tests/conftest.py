"""Shared fixtures: where the real videos live, and skipping cleanly when they don't."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = REPO_ROOT.parent / "shared" / "videos"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    """``../shared/videos`` beside the checkout; tests using it skip when it is absent."""
    if not (SHARED_VIDEOS / "manifest.json").is_file():
        pytest.skip(f"real videos not available ({SHARED_VIDEOS} is absent)")
    return SHARED_VIDEOS
