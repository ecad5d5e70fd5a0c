"""tools.benchmark's command line: where it looks for the shared clips (no model run here)."""
from __future__ import annotations

from pathlib import Path

from tools import benchmark

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_default_videos_folder_is_beside_the_repository_not_the_package():
    assert benchmark.REPO_ROOT == REPO_ROOT
    assert benchmark.DEFAULT_VIDEOS == REPO_ROOT.parent / "shared" / "videos"


def test_missing_videos_folder_is_one_line_and_exit_1(tmp_path, capsys):
    assert benchmark.main(["--videos", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nowhere" in err and "--videos" in err


def test_missing_clip_in_the_videos_folder_is_named(tmp_path, capsys):
    assert benchmark.main(["--videos", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "video not found" in err and str(tmp_path / benchmark.DEFAULT_CLIPS[0]) in err
