"""`livecoach analyze` with the pipelined loop (default) and with --no-pipeline: the same events."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli


@pytest.mark.model
def test_analyze_pipelined_and_sequential_give_the_same_events(tmp_path: Path, shared_videos: Path) -> None:
    clip = shared_videos / "calimiro__push-up_12.mp4"
    streams = []
    for flags in ([], ["--no-pipeline"]):
        events = tmp_path / f"events{len(flags)}.jsonl"
        result = run_cli("analyze", str(clip), "--no-history", "--quiet", "--events", str(events), *flags,
                         timeout=600)
        assert result.returncode == 0, result.stderr
        lines = [json.loads(line) for line in events.read_text().splitlines()]
        lines[-1].pop("fps")  # processing speed: the one wall-clock figure in the stream
        streams.append(lines)
    assert streams[0] == streams[1]
    assert streams[0][-1]["reps"] >= 1
