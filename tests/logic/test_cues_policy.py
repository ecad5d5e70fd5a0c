"""CuePolicy on scripted rep/fault sequences: what is said, when, and what is not."""
from __future__ import annotations

import dataclasses
import random
from typing import Dict, List, Sequence, Tuple

import pytest

from livecoach.config.schema import ConfigError, load_config
from livecoach.logic.cues import CuePolicy
from livecoach.types import FAULT_NAMES, Cue, CueKind, Fault, FaultEvent, RepEvent, RepRecord, SessionEnd

BASE = load_config()


def make_config(**cues_changes):
    """The default config with some ``[cues]`` values changed."""
    return dataclasses.replace(BASE, cues=dataclasses.replace(BASE.cues, **cues_changes))


class Script:
    """Feeds rep cycles to a policy as the analysis loop would, collecting cues."""

    def __init__(self, policy: CuePolicy) -> None:
        self.policy = policy
        self.reps = 0
        self.no_reps = 0
        self.cues: List[Cue] = []

    def rep(self, t: float, faults: Sequence[str] = (), full: bool = True,
            not_judged: Sequence[str] = ()) -> List[Cue]:
        if full:
            self.reps += 1
            index = self.reps
        else:
            self.no_reps += 1
            index = self.no_reps
        fault_objs = tuple(Fault(name=f, cue_key=f, t_s=t - 0.5, value=1.0, threshold=0.5) for f in faults)
        record = RepRecord(index=index, full=full, t_start_s=t - 1.0, t_bottom_s=t - 0.5, t_end_s=t,
                           depth_frac=1.0 if full else 0.4, min_elbow_angle_deg=80.0, seconds_down=0.5,
                           seconds_up=0.5, faults=fault_objs, not_judged=tuple(not_judged),
                           no_rep_reason=None if full else "not deep enough")
        events = [RepEvent(record)] + [FaultEvent(t, index, full, f) for f in fault_objs]
        out = self.policy.on_events(t, events)
        self.cues.extend(out)
        return out

    def tick(self, t: float) -> List[Cue]:
        out = self.policy.on_events(t, [])
        self.cues.extend(out)
        return out


def texts(cues: Sequence[Cue]) -> List[str]:
    return [c.text for c in cues]


def test_highest_priority_fault_is_the_one_correction():
    script = Script(CuePolicy(make_config()))
    out = script.rep(1.0, ["shallow", "elbow_flare", "hip_sag", "shrug"])
    assert len(out) == 1
    cue = out[0]
    assert cue.text == "Tuck your tailbone"
    assert cue.kind is CueKind.CORRECTION
    assert cue.fault == "hip_sag" and cue.key == "hip_sag"
    assert cue.priority == BASE.cues.priority["hip_sag"]
    assert cue.t_s == 1.0


def test_priorities_come_from_config():
    priority = dict(BASE.cues.priority)
    priority["shallow"] = 99
    script = Script(CuePolicy(make_config(priority=priority)))
    assert texts(script.rep(1.0, ["hip_sag", "shallow"])) == ["Go lower"]


def test_at_most_one_cue_per_rep_even_with_every_fault():
    script = Script(CuePolicy(make_config(cooldown_s=0.0, min_gap_s=0.0)))
    for i in range(12):
        out = script.rep(1.0 + i, list(FAULT_NAMES))
        assert len(out) == 1, f"rep {i + 1}: {texts(out)}"
        assert out[0].fault == "hip_sag"


def test_cooldown_keeps_the_same_cue_from_repeating_and_keeps_focus():
    script = Script(CuePolicy(make_config(cooldown_s=8.0, min_gap_s=3.0)))
    said_at: Dict[float, List[str]] = {}
    for i in range(12):  # a rep every second, hips sag and elbows flare every time
        t = 1.0 + i
        said_at[t] = texts(script.rep(t, ["hip_sag", "elbow_flare"]))
    spoken = {t: s for t, s in said_at.items() if s}
    # said at 1 s, then again once 8 s have passed; nothing about elbows meanwhile
    assert spoken == {1.0: ["Tuck your tailbone"], 9.0: ["Tuck your tailbone"]}


def test_global_min_gap_between_corrections():
    script = Script(CuePolicy(make_config(cooldown_s=8.0, min_gap_s=3.0)))
    assert texts(script.rep(1.0, ["hip_sag"])) == ["Tuck your tailbone"]
    assert script.rep(2.0, ["elbow_flare"]) == []  # 1 s after a correction: too soon
    assert script.rep(3.5, ["elbow_flare"]) == []  # 2.5 s: still too soon
    assert texts(script.rep(4.5, ["elbow_flare"])) == ["Elbows in, not a T"]


def test_a_fault_fixed_since_is_not_cued():
    script = Script(CuePolicy(make_config(cooldown_s=8.0, min_gap_s=3.0)))
    script.rep(1.0, ["hip_sag"])
    assert script.rep(2.0, ["elbow_flare"]) == []  # blocked by the gap...
    assert script.rep(5.0, []) == []  # ...and fixed by the next rep: never said
    for t in (6.0, 7.0, 8.0, 12.0):
        script.rep(t, [])
    assert "Elbows in, not a T" not in texts(script.cues)
    assert texts(script.cues) == ["Tuck your tailbone", "Better!"]  # praise for the hips only


def test_fault_must_persist_min_fault_reps_cycles():
    script = Script(CuePolicy(make_config(min_fault_reps=2)))
    assert script.rep(1.0, ["hip_pike"]) == []
    assert texts(script.rep(2.0, ["hip_pike"])) == ["Hips down, one straight line"]
    # a cycle that cannot judge the fault (view) neither breaks nor extends the streak
    script2 = Script(CuePolicy(make_config(min_fault_reps=2)))
    script2.rep(1.0, ["head_drop"])
    script2.rep(2.0, [], not_judged=["head_drop"])
    assert texts(script2.rep(3.0, ["head_drop"])) == ["Neck long, eyes to the floor"]
    script3 = Script(CuePolicy(make_config(min_fault_reps=2)))
    script3.rep(1.0, ["head_drop"])
    script3.rep(2.0, [])
    assert script3.rep(3.0, ["head_drop"]) == []


def test_praise_once_after_a_corrected_fault_stays_away():
    script = Script(CuePolicy(make_config(praise_after_reps=3)))
    script.rep(1.0, ["hip_sag"])
    assert script.rep(5.0, []) == []
    assert script.rep(6.0, []) == []
    out = script.rep(7.0, [])
    assert texts(out) == ["Better!"]
    assert out[0].kind is CueKind.PRAISE and out[0].fault is None
    for t in (8.0, 9.0, 10.0, 11.0, 12.0):
        assert script.rep(t, []) == []  # only once


def test_no_praise_if_the_fault_comes_back_or_was_never_cued():
    script = Script(CuePolicy(make_config(praise_after_reps=3, cooldown_s=30.0)))
    script.rep(1.0, ["hip_sag"])
    script.rep(5.0, [])
    script.rep(6.0, [])
    script.rep(7.0, ["hip_sag"])  # back again (cooldown: not re-cued)
    assert script.rep(8.0, []) == []
    assert script.rep(9.0, []) == []
    assert texts(script.rep(10.0, [])) == ["Better!"]  # three clean cycles in a row again
    # a fault that was only seen, never cued, earns no praise
    quiet = Script(CuePolicy(make_config(praise_after_reps=1, min_gap_s=10.0)))
    quiet.rep(1.0, ["hip_sag"])
    assert quiet.rep(2.0, ["elbow_flare"]) == []  # blocked by the gap, never said
    assert texts(quiet.rep(13.0, [])) == ["Better!"]  # for hip_sag, which was said
    assert quiet.rep(30.0, []) == []  # none for elbow_flare, which never was
    assert texts(quiet.cues) == ["Tuck your tailbone", "Better!"]


def test_praise_waits_for_a_correction_of_the_same_cycle():
    script = Script(CuePolicy(make_config(praise_after_reps=2, cooldown_s=0.0, min_gap_s=0.0)))
    script.rep(1.0, ["hip_sag"])
    script.rep(2.0, [])
    # the hips are fixed (praise due) but the elbows flare in this cycle: correction wins
    assert texts(script.rep(3.0, ["elbow_flare"])) == ["Elbows in, not a T"]
    assert texts(script.rep(4.0, [])) == ["Better!"]


def test_counting_every_rep_yields_to_corrections():
    script = Script(CuePolicy(make_config(count_every=1)))
    assert texts(script.rep(1.0, [])) == ["1"]
    assert texts(script.rep(3.0, [])) == ["2"]
    out = script.rep(5.0, ["hip_sag"])
    assert texts(out) == ["Tuck your tailbone"]  # no "3" in the same cycle
    # the next count would start while "Tuck your tailbone" is still being said: dropped
    assert script.rep(5.8, []) == []
    assert texts(script.rep(8.0, [])) == ["5"]
    counts = [c for c in script.cues if c.kind is CueKind.COUNT]
    assert all(c.fault is None and c.key == "count" for c in counts)


def test_counting_every_fifth_rep_and_off():
    five = Script(CuePolicy(make_config(count_every=5)))
    for i in range(12):
        five.rep(1.0 + 2 * i, [])
    assert texts(five.cues) == ["5", "10"]
    off = Script(CuePolicy(make_config(count_every=0)))
    for i in range(12):
        off.rep(1.0 + 2 * i, [])
    assert off.cues == []  # a clean set with counting off: nothing said at all


def test_no_rep_cue_and_correction_of_a_no_rep():
    script = Script(CuePolicy(make_config(no_rep_cue=True)))
    out = script.rep(1.0, [], full=False)
    assert texts(out) == ["No rep"] and out[0].kind is CueKind.COUNT and out[0].fault is None
    assert texts(script.rep(4.0, ["shallow"], full=False)) == ["Go lower"]
    silent = Script(CuePolicy(make_config(no_rep_cue=False)))
    assert silent.rep(1.0, [], full=False) == []


def test_set_done_after_rest_and_session_total():
    script = Script(CuePolicy(make_config(set_rest_s=5.0, announce_session_end=True)))
    for t in (1.0, 2.0, 3.0):
        script.rep(t, [])
    script.rep(4.0, [], full=False)
    for t in (5.0, 6.0, 8.9):
        assert script.tick(t) == []
    out = script.tick(9.0)
    assert texts(out) == ["Set done. Reps: 3"] and out[0].kind is CueKind.ANNOUNCEMENT
    assert script.tick(20.0) == []  # once per set
    script.rep(21.0, [])
    assert texts(script.tick(26.5)) == ["Set done. Reps: 1"]
    end = SessionEnd(t_s=30.0, reps=4, no_reps=1, frames=900, frames_with_pose=800, fps=30.0)
    assert texts(script.policy.on_events(30.0, [end])) == ["Session done. Reps: 4"]


def test_announce_start_prompt():
    policy = CuePolicy(make_config())
    cue = policy.announce("start", 0.0)
    assert cue.text == "Get into a plank" and cue.kind is CueKind.ANNOUNCEMENT and cue.fault is None
    with pytest.raises(KeyError):
        policy.announce("nonsense", 0.0)


def _random_session(seed: int) -> List[Tuple[float, Tuple[str, ...], bool]]:
    rng = random.Random(seed)
    t = 0.0
    out = []
    for _ in range(200):
        t += rng.uniform(0.5, 3.0)
        faults = tuple(f for f in FAULT_NAMES if rng.random() < 0.15)
        out.append((round(t, 3), faults, rng.random() > 0.1))
    return out


def test_same_sequence_gives_same_cues():
    config = make_config(count_every=3, set_rest_s=2.5)
    runs = []
    for _ in range(2):
        script = Script(CuePolicy(config))
        for t, faults, full in _random_session(7):
            script.rep(t, faults, full=full)
            script.tick(t + 0.3)
        runs.append(script.cues)
    assert runs[0] == runs[1]
    assert len(runs[0]) > 20
    # and the rules hold over the whole random session
    corrections = [c for c in runs[0] if c.kind is CueKind.CORRECTION]
    coaching = [c for c in runs[0] if c.kind in (CueKind.CORRECTION, CueKind.PRAISE)]
    assert all(b.t_s - a.t_s >= config.cues.min_gap_s for a, b in zip(coaching, coaching[1:]))
    last: Dict[str, float] = {}
    for c in corrections:
        if c.key in last:
            assert c.t_s - last[c.key] >= config.cues.cooldown_s
        last[c.key] = c.t_s
    # reset() starts over: the same session again gives the same cues
    policy = CuePolicy(config)
    script = Script(policy)
    for t, faults, full in _random_session(7)[:50]:
        script.rep(t, faults, full=full)
    policy.reset()
    again = Script(policy)
    for t, faults, full in _random_session(7):
        again.rep(t, faults, full=full)
        again.tick(t + 0.3)
    assert again.cues == runs[0]


def test_fault_events_alone_say_nothing():
    policy = CuePolicy(make_config())
    fault = Fault(name="hip_sag", cue_key="hip_sag", t_s=1.0, value=0.1, threshold=0.05)
    assert policy.on_events(1.0, [FaultEvent(1.0, 1, True, fault)]) == []


@pytest.mark.parametrize("key,text", [("count", "Rep {m}"), ("set_done", "Done {reps"), ("hip_sag", "  ")])
def test_bad_cue_text_fails_at_start_with_the_key_named(key, text):
    cue_texts = dict(BASE.cues.texts)
    cue_texts[key] = text
    with pytest.raises(ConfigError, match=f"cues.texts.{key}"):
        CuePolicy(make_config(texts=cue_texts))


def test_missing_cue_text_is_a_config_error():
    cue_texts = {k: v for k, v in BASE.cues.texts.items() if k != "shrug"}
    with pytest.raises(ConfigError, match="cues.texts.shrug"):
        CuePolicy(make_config(texts=cue_texts))


def test_user_config_file_changes_cues(tmp_path):
    user = tmp_path / "me.toml"
    user.write_text('[cues]\ncount_every = 1\n[cues.texts]\ncount = "Rep {n}"\nhip_sag = "Hips up"\n')
    config = load_config(user)
    script = Script(CuePolicy(config))
    assert texts(script.rep(1.0, [])) == ["Rep 1"]
    assert texts(script.rep(3.0, ["hip_sag"])) == ["Hips up"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[cues.texts]\nhips_sag = "typo"\n')
    with pytest.raises(ConfigError, match="hips_sag"):
        load_config(bad)
