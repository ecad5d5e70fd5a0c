"""A video that ends before its stated length (issue 12, row 13): FFmpeg's decoder lines stay
off the terminal, and the stream's end says it ended early, in one line.

Truncated copies (the first 30 % of the bytes) are made in tmp_path: of a shared clip whose
index sits at the front (it opens, then stops decoding), and of a synthetic AVI so the check
also runs without ../shared/videos.
"""
from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from livecoach.capture import native
from livecoach.capture.base import EndOfStream, EndReason
from livecoach.capture.paced_video import PacedVideoSource
from livecoach.capture.thread import CaptureThread
from livecoach.capture.video_file import VideoFileSource, ended_early

# Shared clips with the MP4 index (moov) before the media: a cut copy still opens.
FRONT_INDEXED = ("calimiro__push-up_12.mp4", "vraj__pushups.mp4")
# An FFmpeg log line: "[h264 @ 0x55d...] Invalid NAL unit size ..."
FFMPEG_LINE = re.compile(r"^\[[^\]]* @ 0x[0-9a-f]+\]", re.MULTILINE)


def _truncated(source: Path, dest: Path, share: float = 0.3) -> Path:
    data = source.read_bytes()
    dest.write_bytes(data[: int(len(data) * share)])
    return dest


@pytest.fixture
def cut_clip(shared_videos, tmp_path) -> Path:
    for name in FRONT_INDEXED:
        if (shared_videos / name).is_file():
            return _truncated(shared_videos / name, tmp_path / f"cut_{name}")
    pytest.skip(f"none of {FRONT_INDEXED} in {shared_videos}")


@pytest.fixture
def cut_avi(tmp_path) -> Path:
    path = tmp_path / "full.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    for _ in range(50):
        writer.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    writer.release()
    return _truncated(path, tmp_path / "cut.avi", share=0.6)


def _read_all(source: VideoFileSource) -> int:
    n = 0
    while source.read() is not None:
        n += 1
    return n


def _assert_one_line_notice(notice, name: str) -> None:
    assert notice is not None and "\n" not in notice
    assert notice.startswith(f"{name} ended early, at ") and "cut short or damaged" in notice


@pytest.mark.parametrize("paced", [False, True], ids=["every-frame", "paced"])
def test_a_cut_short_clip_ends_early_quietly_and_says_so(cut_clip, capfd, paced):
    source = PacedVideoSource(cut_clip) if paced else VideoFileSource(cut_clip)
    thread = CaptureThread(source).start()
    frames = []
    with pytest.raises(EndOfStream) as info:
        while True:
            frame = thread.get(timeout=2.0)
            if frame is not None:
                frames.append(frame)
    end = info.value
    assert end.reason is EndReason.ENDED_EARLY
    _assert_one_line_notice(end.notice, cut_clip.name)
    stats = thread.stats()
    decoded = stats.frames_read + stats.frames_skipped_by_source  # a paced reader may skip some
    assert 0 < len(frames) <= decoded < 0.6 * source.frame_count
    if not paced:
        assert len(frames) == decoded
    assert f"({decoded} of its {source.frame_count} frames decode)" in end.notice
    if native.FFmpegHush().available:
        assert not FFMPEG_LINE.search(capfd.readouterr().err), "FFmpeg's decoder lines reached the terminal"


def test_a_cut_short_avi_ends_early_without_shared_videos(cut_avi, capfd):
    with VideoFileSource(cut_avi) as source:
        decoded = _read_all(source)
        assert source.frame_count == 50 and 0 < decoded < 50
        assert source.end_reason is EndReason.ENDED_EARLY and source.frames_decoded == decoded
        _assert_one_line_notice(source.end_notice, "cut.avi")
        assert source.read() is None and source.end_reason is EndReason.ENDED_EARLY  # and stays ended
    if native.FFmpegHush().available:
        assert not FFMPEG_LINE.search(capfd.readouterr().err)


def test_a_whole_clip_ends_normally_with_no_notice(shared_videos):
    path = shared_videos / "pushfit" / "correct1.mp4"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    thread = CaptureThread(VideoFileSource(path)).start()
    with pytest.raises(EndOfStream) as info:
        while True:
            thread.get(timeout=2.0)
    assert info.value.reason is EndReason.END_OF_SOURCE and info.value.notice is None


def test_stopping_a_clip_is_not_an_early_end(cut_clip):
    thread = CaptureThread(PacedVideoSource(cut_clip)).start()
    assert thread.get(timeout=2.0) is not None
    assert thread.stop(timeout=1.0)
    with pytest.raises(EndOfStream) as info:
        thread.get(timeout=0.1)
    assert info.value.reason is EndReason.STOPPED and info.value.notice is None


def test_a_clip_cut_before_its_index_is_still_a_one_line_open_error(shared_videos, tmp_path, capfd):
    # MP4 with the index at the end: a cut copy has none; FFmpeg's reason is quoted, not printed.
    source = shared_videos / "pushfit" / "correct1.mp4"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    cut = _truncated(source, tmp_path / "cut.mp4")
    from livecoach.capture.base import CaptureError

    with pytest.raises(CaptureError, match=r"is not a video OpenCV can read \(moov atom not found\)"):
        VideoFileSource(cut).open()
    assert "moov atom" not in capfd.readouterr().err


def test_ffmpeg_level_comes_back_when_the_last_source_closes(cut_avi, tmp_path):
    hush = native.FFmpegHush()
    if not hush.available:
        pytest.skip("FFmpeg's libavutil is not reachable in this OpenCV build")
    lib = native._find_libavutil()
    with VideoFileSource(cut_avi):  # the first FFmpeg open in a process sets OpenCV's level
        pass
    before = lib.av_log_get_level()
    first, second = VideoFileSource(cut_avi), VideoFileSource(cut_avi)
    first.open()
    second.open()
    assert lib.av_log_get_level() == -8  # AV_LOG_QUIET
    first.close()
    assert lib.av_log_get_level() == -8  # the second source still reads
    second.close()
    second.close()
    assert lib.av_log_get_level() == before


@pytest.mark.parametrize("decoded,stated,early", [
    (108, 361, True), (37, 150, True), (361, 361, False), (360, 361, False),  # a frame short: container slack
    (150, 150, False), (5, None, False), (95, 100, True), (99, 100, False),
])
def test_ended_early_allows_the_containers_slack_only(decoded, stated, early):
    assert ended_early(decoded, stated) is early


@pytest.mark.model
def test_analyze_of_a_cut_short_clip_prints_one_notice_and_no_ffmpeg_lines(cut_clip, tmp_path):
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "livecoach", "analyze", str(cut_clip), "--no-history",
                             "--no-report", "--data-dir", str(tmp_path / "data")],
                            cwd=repo, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    notices = [line for line in result.stderr.splitlines() if "ended early" in line]
    assert len(notices) == 1 and notices[0].startswith(f"livecoach: notice: {cut_clip.name} ended early, at ")
    assert not FFMPEG_LINE.search(result.stderr), result.stderr
