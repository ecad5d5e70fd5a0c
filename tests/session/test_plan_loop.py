"""A workout plan inside the frame loop: the set-up check before the first set, the keys n / b /
space, the overlay's plan line, and who is heard (plan lines > corrections > set-up messages).

Driven by the committed landmark recording of vraj__pushups.mp4 (four reps 1.6-9.1 s, then he
stands up and walks out) with fakes for the window, the overlay and the speaker; frame time only.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from livecoach.config.plans import load_plans
from livecoach.config.schema import load_config
from livecoach.formats.recording import read_recording
from livecoach.capture.light import frame_light
from livecoach.session.loop import CoachSession
from livecoach.session.options import SessionOptions
from livecoach.session.plan_driver import SETUP_PRIORITY, PlanDriver, config_for_plan
from livecoach.session.ticks import Tick
from livecoach.types import CueEvent, Frame, RepEvent

from conftest import FIXTURES
from helpers import scripted_poses
from test_loop_speech import FakeSpeaker, ListSink

RECORDING = FIXTURES / "landmarks" / "vraj__pushups.mp4.jsonl.gz"

PLAN = """
name = "two_sets"
title = "Two sets"
description = "Standard push-ups, two sets."
adapt = false

[[blocks]]
name = "main"
rounds = 1
rest_s = 30.0
sets = 2

  [[blocks.entries]]
  exercise = "standard"
  target_min = 3
  target_max = 12
"""


class Key:
    """What :meth:`~livecoach.render.window.Window.show` returns (compared by ``.value``)."""

    def __init__(self, value: str) -> None:
        self.value = value


class FakeWindow:
    """Presses ``keys[frame number]`` (1-based count of shows)."""

    def __init__(self, keys: Dict[int, str]) -> None:
        self.keys = keys
        self.shown = 0

    def show(self, image: Any) -> Key:
        self.shown += 1
        return Key(self.keys.get(self.shown, "none"))

    def close(self) -> None:
        pass


class FakeOverlay:
    def __init__(self) -> None:
        self.lines: List[Optional[str]] = []
        self.setup_lines: List[Optional[str]] = []
        self.guides: List[Any] = []  # (t, framing guide) per frame drawn

    def render(self, image: Any, step: Any, fps: float, muted: bool = False, paused: bool = False,
               plan_line: Optional[str] = None, setup_line: Optional[str] = None, lite_model: bool = False,
               framing: Any = None) -> Any:
        self.lines.append(plan_line)
        self.setup_lines.append(setup_line)
        self.guides.append((step.t_s, framing))
        return image


def driver(tmp_path: Path) -> PlanDriver:
    (tmp_path / "two_sets.toml").write_text(PLAN)
    library = load_plans(user_dir=tmp_path)
    return PlanDriver(library.get("two_sets"), library, load_config())


def ticks(lead_in_s: float = 0.0, with_images: bool = False, lead_out_s: float = 0.0, grey: int = 120) -> Iterator[Tick]:
    """The recording, after ``lead_in_s`` and before ``lead_out_s`` seconds of an empty picture (no pose);
    ``with_images``: each frame carries a plain image of ``grey`` (its brightness)."""
    _, frames = read_recording(RECORDING)
    image = np.full((90, 160, 3), grey, np.uint8) if with_images else None
    n = 0
    t = 0.0
    while t < lead_in_s:
        frame = Frame(n, t, image) if with_images else None
        yield Tick(t, n, frame, None, pose_known=True)
        n, t = n + 1, (n + 1) / 30.0
    for f in frames:
        frame = Frame(n, lead_in_s + f.t_s, image) if with_images else None
        yield Tick(lead_in_s + f.t_s, n, frame, f.pose, pose_known=True)
        n += 1
    t_end = lead_in_s + frames[-1].t_s
    for k in range(1, int(lead_out_s * 30) + 1):
        frame = Frame(n, t_end + k / 30.0, image) if with_images else None
        yield Tick(t_end + k / 30.0, n, frame, None, pose_known=True)
        n += 1


def plan_dicts(sink: ListSink) -> List[Dict[str, Any]]:
    return [e for e in sink.events if isinstance(e, dict) and e["type"] != "session_start"]


def test_the_setup_check_speaks_before_the_first_set_and_not_during_it(tmp_path: Path) -> None:
    speaker, sink = FakeSpeaker(), ListSink()
    plan = driver(tmp_path)
    # a second of empty room after the recording: vraj is out of view 1.7 s before it ends, and a set
    # ends 2 s after the person stands up or leaves (tests/cli/test_plan_session_cli.py)
    session = CoachSession(load_config(), SessionOptions(mode="train", quiet=True), "test",
                           ticks(lead_in_s=3.0, lead_out_s=1.0), speaker=speaker, events=sink, plan=plan)
    session.run()
    events = plan_dicts(sink)
    types = [e["type"] for e in events]
    assert types.index("setup") < types.index("set_start")
    first_setup = events[types.index("setup")]
    assert first_setup["check"] == "no_person" and first_setup["message"] == plan.library.setup.messages["no_person"]
    assert first_setup["t"] < 3.0 and first_setup["v"] >= 1
    start = events[types.index("set_start")]
    end = events[types.index("set_end")]
    assert (end["reps"], end["reason"]) == (4, "stood_up")
    # no set-up advice while the set is under way
    assert not [e for e in events if e["type"] == "setup" and start["t"] <= e["t"] < end["t"]]
    cues = [e.cue for e in sink.events if isinstance(e, CueEvent)]
    setup_cues = [c for c in cues if c.key.startswith("setup_")]
    assert setup_cues and all(c.priority == SETUP_PRIORITY for c in setup_cues)
    assert "Get into a plank" not in speaker.said  # the plan calls its set instead
    assert speaker.said[0].startswith("Set 1 of 2: standard push-ups")


def test_plan_lines_outrank_corrections_and_corrections_outrank_setup(tmp_path: Path) -> None:
    config = load_config()
    plan = driver(tmp_path)
    sink = ListSink()
    CoachSession(config, SessionOptions(mode="replay", quiet=True), "test", ticks(lead_in_s=2.0), events=sink,
                 plan=plan).run()
    plan_cues = [e.cue for e in sink.events if isinstance(e, CueEvent) and e.cue.key.startswith("plan_")]
    assert plan_cues
    corrections = config.cues.priority.values()
    assert min(c.priority for c in plan_cues) > max(corrections)
    assert SETUP_PRIORITY < min(config.cues.priority[k] for k in config.cues.priority)
    # the cue policy's own counting aloud is off while a plan runs
    counting = load_config()
    assert config_for_plan(counting).cues.count_every == 0 and config_for_plan(counting).cues.set_rest_s == 0


def test_keys_n_b_and_space_drive_the_plan_and_the_overlay_shows_it(tmp_path: Path) -> None:
    # frame 150 = 5.0 s (mid-set): n; frame 160: b (the set again); 200: space, 230: space.
    window = FakeWindow({150: "next set", 160: "back", 200: "pause", 230: "pause"})
    overlay, sink = FakeOverlay(), ListSink()
    session = CoachSession(load_config(), SessionOptions(mode="train", quiet=True, headless=False), "test",
                           ticks(with_images=True), window=window, renderer=overlay, events=sink,
                           plan=driver(tmp_path))
    session.run()
    events = plan_dicts(sink)
    kinds = [(e["type"], e.get("reason")) for e in events
             if e["type"] in ("set_start", "set_end", "rest", "plan_paused", "plan_resumed")]
    # n ends set 1 and calls set 2, which starts at once (he is in position); b ends set 2 (it had
    # reps) and calls set 1 again; space pauses the plan, space again resumes it.
    assert kinds[:7] == [("set_start", None), ("set_end", "skipped"), ("set_start", None),
                         ("set_end", "skipped"), ("set_start", None), ("plan_paused", "key"), ("plan_resumed", None)]
    starts = [e for e in events if e["type"] == "set_start"]
    assert [s["set"] for s in starts[:3]] == [1, 2, 1]
    skipped = next(e for e in events if e["type"] == "set_end")
    assert abs(skipped["t"] - 150 / 30.0) < 0.1
    assert not session.paused  # space twice
    assert any(line and line.startswith("Set 1 of 2: standard 3-12") for line in overlay.lines)
    assert any(line and line.startswith("Set 2 of 2: standard 3-12") for line in overlay.lines)
    assert any(line and "reps" in line for line in overlay.lines)


def test_walking_out_during_the_rest_pauses_the_plan_and_asks_to_step_back_in(tmp_path: Path) -> None:
    sink = ListSink()
    CoachSession(load_config(), SessionOptions(mode="replay", quiet=True), "test", ticks(lead_out_s=6.0),
                 events=sink, plan=driver(tmp_path)).run()
    events = plan_dicts(sink)
    types = [e["type"] for e in events]
    end = events[types.index("set_end")]
    assert end["reason"] == "stood_up"
    after = [e for e in events if e["t"] >= end["t"]]
    setup = [e for e in after if e["type"] == "setup"]
    assert setup and setup[0]["check"] == "no_person"
    paused = [e for e in after if e["type"] == "plan_paused"]
    assert [p["reason"] for p in paused] == ["away"]
    assert "set_start" not in [e["type"] for e in after]  # the rest waits for him


def test_the_framing_guide_is_drawn_during_the_setup_and_not_in_a_set(tmp_path: Path) -> None:
    overlay, sink = FakeOverlay(), ListSink()
    CoachSession(load_config(), SessionOptions(mode="train", quiet=True, headless=False), "test",
                 ticks(lead_in_s=3.0, with_images=True), window=FakeWindow({}), renderer=overlay, events=sink,
                 plan=driver(tmp_path)).run()
    events = plan_dicts(sink)
    start = next(e["t"] for e in events if e["type"] == "set_start")
    end = next(e["t"] for e in events if e["type"] == "set_end")
    before = [g for t, g in overlay.guides if t < start - 0.05]
    # nobody in the first 3 s: once the check has decided, a guide with no body box
    assert before[0] is None  # nothing decided in the first frame
    empty = [g for t, g in overlay.guides if 2.0 < t < 3.0]
    assert empty and all(g is not None and g.check == "no_person" and g.body_box is None for g in empty)
    # he comes into view: his body box is drawn until the set starts (he gets into position
    # within a second, before the check has changed its word: the box's colour follows the word)
    seen = [g for g in before if g is not None and g.body_box is not None]
    assert seen
    assert all(g is None for t, g in overlay.guides if start + 0.05 < t < end - 0.05)


def test_the_first_set_waits_in_a_dark_room_and_then_starts_anyway(tmp_path: Path) -> None:
    plan = driver(tmp_path)
    wait = plan.library.setup.first_set_waits_s
    assert "too_dark" in plan.library.setup.first_set_waits_for and wait > 0
    results = {}
    for grey in (120, 10):  # a lit room; a dark one (mean luminance 10 < dark_below)
        sink = ListSink()
        CoachSession(load_config(), SessionOptions(mode="replay", quiet=True), "test",
                     ticks(with_images=True, grey=grey), events=sink, plan=driver(tmp_path),
                     light=lambda image: frame_light(image, load_config().pose.low_light_floor_luma)).run()
        results[grey] = plan_dicts(sink)
    lit_start = next(e["t"] for e in results[120] if e["type"] == "set_start")
    dark = results[10]
    dark_setup = [e for e in dark if e["type"] == "setup"]
    dark_start = next(e["t"] for e in dark if e["type"] == "set_start")
    assert dark_setup[0]["check"] == "too_dark"
    assert lit_start < 1.6  # not held back: in position before the first rep
    # in position from about the lit start: held back until first_set_waits_s of it had passed
    assert wait - 0.2 <= dark_start - lit_start <= wait + 0.5
    assert dark_start > dark_setup[0]["t"]


def test_a_no_rep_held_back_to_the_session_end_counts_in_the_last_set(tmp_path: Path) -> None:
    """Into the plank, one shallow push-up, and the session ends in the plank: the burpee watch
    files the no-rep only at the end (livecoach.logic.burpee). The set cut short by the end has it
    in its tally, and the set line is written after it."""
    poses = scripted_poses([("stand", 1.0, 0), ("top", 0.5, 0), ("cycle", 1.0, 0.45), ("top", 0.5, 0)])
    sink = ListSink()
    CoachSession(load_config(), SessionOptions(mode="replay", quiet=True), "test",
                 iter([Tick(p.t_s, p.frame_index, None, p, pose_known=True) for p in poses]),
                 events=sink, plan=driver(tmp_path)).run()
    set_ends = [e for e in plan_dicts(sink) if e["type"] == "set_end"]
    assert [(e["reason"], e["reps"], e["no_reps"]) for e in set_ends] == [("session_end", 0, 1)]
    no_rep = next(e for e in sink.events if isinstance(e, RepEvent))
    assert not no_rep.record.full
    assert sink.events.index(no_rep) < sink.events.index(set_ends[0])
