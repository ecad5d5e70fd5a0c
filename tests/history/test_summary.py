"""What a session comes to in words: the depth each rep was judged on, and the trainers' advice."""
from __future__ import annotations

import math

import pytest

from livecoach.history.summary import average_depth_text, depth_notes, depth_text
from livecoach.types import DEPTH_BY_DROP, DEPTH_BY_ELBOWS, DEPTH_BY_USUAL, DEPTH_NOT_JUDGED, RepRecord


def _rep(full: bool = True, by=DEPTH_BY_DROP, value: float = 0.6, limit: float = 0.45) -> RepRecord:
    return RepRecord(index=1, full=full, t_start_s=0.0, t_bottom_s=0.5, t_end_s=1.0, depth_frac=1.0,
                     min_elbow_angle_deg=80.0, seconds_down=0.5, seconds_up=0.5, depth_by=by, depth_value=value,
                     depth_limit=limit, no_rep_reason=None if full else "not deep enough")


@pytest.mark.parametrize("record, long, short", [
    (_rep(value=0.684), "68 %", "68%"),
    (_rep(False, value=0.4499), "44 %", "44%"),  # missed the limit: never reads as the limit itself
    (_rep(value=0.45), "45 %", "45%"),
    (_rep(by=DEPTH_BY_ELBOWS, value=73.2, limit=110.0), "74° elbows", "74° elb"),
    (_rep(False, by=DEPTH_BY_ELBOWS, value=110.3, limit=110.0), "111° elbows", "111° elb"),  # over: never "110°"
    (_rep(False, by=DEPTH_BY_USUAL, value=0.52, limit=math.nan), "52 %, short of your usual bottom", "short"),
    (_rep(False, by=DEPTH_BY_USUAL, value=math.nan, limit=math.nan), "short of your usual bottom", "short"),
    (_rep(by=DEPTH_NOT_JUDGED, value=math.nan, limit=math.nan), "not judged", "n/j"),
    (_rep(by=None, value=math.nan, limit=math.nan), "—", "—"),  # a history from before schema 4
])
def test_the_depth_reads_as_judged_and_never_contradicts_its_limit(record, long, short):
    assert depth_text(record) == long and depth_text(record, short=True) == short


def test_the_notes_name_each_kind_of_depth_shown_with_its_limit():
    records = [_rep(), _rep(False, value=0.3), _rep(by=DEPTH_BY_ELBOWS, value=73.0, limit=110.0),
               _rep(by=DEPTH_NOT_JUDGED, value=math.nan, limit=math.nan)]
    notes = depth_notes(records)
    assert len(notes) == 3
    assert notes[0].startswith("Depth: how far your shoulders came down") and "a rep needs 45 %" in notes[0]
    assert "elbows" in notes[1] and "110° or less" in notes[1] and notes[2].startswith("Not judged")
    assert depth_notes([_rep()]) == notes[:1] and depth_notes([]) == []
    assert "older LiveCoach" in depth_notes([_rep(by=None)])[0]
    assert "a rep needs 45%" in depth_notes(records, short=True)[0]


def test_the_average_depth_is_of_the_counted_reps_as_judged():
    assert average_depth_text([_rep(value=0.6), _rep(value=0.7), _rep(False, value=0.1)]) == "65 %"
    assert average_depth_text([_rep(by=DEPTH_BY_ELBOWS, value=70.0, limit=110.0)]) == "70°"
    assert average_depth_text([_rep(by=DEPTH_NOT_JUDGED, value=math.nan)]) == "—"
    assert average_depth_text([_rep(False)]) == "—"  # no counted rep


# --------------------------------------------------------------------------- advice
def _summary(tmp_path, config, steps):
    from livecoach.history.store import DB_FILENAME, SessionStore
    from livecoach.history.summary import summarize

    from helpers import record_steps

    sid = record_steps(tmp_path / DB_FILENAME, config, steps)
    with SessionStore(tmp_path / DB_FILENAME) as store:
        return summarize(store.load_session(sid), config)


def _judged_only(steps, cycles, fault):
    """``steps`` with ``fault`` not judged on the cycles of RepEvents not numbered in ``cycles``."""
    import dataclasses

    from livecoach.types import RepEvent

    out, n = [], 0
    for step, image in steps:
        events = []
        for e in step.events:
            if isinstance(e, RepEvent):
                n += 1
                if n not in cycles:
                    e = RepEvent(dataclasses.replace(e.record, not_judged=e.record.not_judged + (fault,)))
            events.append(e)
        out.append((dataclasses.replace(step, events=tuple(events)), image))
    return out


@pytest.fixture(scope="module")
def config():
    from livecoach.config.schema import load_config

    return load_config()


def test_a_fault_on_the_one_cycle_judged_is_neither_most_nor_some_reps(tmp_path, config):
    """kaiakol demo_wrong: one cycle, a no-rep with a dropped head. The advice read "Most reps were
    shallow: regress to incline..." and "...out of line on most reps" ("1 of 1 judged cycle"); the
    some_reps words ("on some reps") read as wrong of one rep. A fault on the only cycle judged
    for it is said of that rep, with the technique advice, not a regression."""
    from helpers import synthetic_steps

    one = _summary(tmp_path / "one", config, list(synthetic_steps(reps=1, faults={1: ("hip_sag", "elbow_flare")},
                                                                   with_images=False)))
    assert [(a.fault, a.count, a.judged, a.most) for a in one.advice] == [("elbow_flare", 1, 1, False),
                                                                          ("hip_sag", 1, 1, False)]
    assert [a.text for a in one.advice] == [config.advice.one_rep["elbow_flare"], config.advice.one_rep["hip_sag"]]
    assert [a.share_text for a in one.advice] == ["1 of 1 judged cycle"] * 2
    # of three cycles, the view judged the fault on one only: the same words, the others said apart
    steps = _judged_only(list(synthetic_steps(reps=3, faults={2: ("hip_sag",)}, with_images=False)), {2}, "hip_sag")
    three = _summary(tmp_path / "three", config, steps)
    assert [(a.text, a.share_text) for a in three.advice] == [(config.advice.one_rep["hip_sag"],
                                                               "1 of 1 judged cycle; 2 not judged")]
    # two judged cycles, both faulty, are most reps
    two = _summary(tmp_path / "two", config, list(synthetic_steps(reps=2, faults={1: ("hip_sag",), 2: ("hip_sag",)},
                                                                   with_images=False)))
    assert [(a.most, a.text) for a in two.advice] == [(True, config.advice.most_reps["hip_sag"])]


def test_the_one_rep_advice_covers_every_fault_and_says_neither_most_nor_some(config):
    from livecoach.types import FAULT_NAMES

    one = config.advice.one_rep
    assert set(one) == set(config.advice.most_reps) == set(config.advice.some_reps) <= set(FAULT_NAMES)
    for name, text in one.items():
        words = text.lower()
        assert "most" not in words and "some" not in words and "reps" not in words.split(":")[0], name
        assert text != config.advice.some_reps[name] and text != config.advice.most_reps[name]


def test_an_unknown_fault_in_the_one_rep_advice_fails_loudly(tmp_path):
    from livecoach.config.schema import ConfigError, load_config

    bad = tmp_path / "bad.toml"
    bad.write_text('[advice.one_rep]\nhip_sagg = "typo"\n')
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert "advice.one_rep" in str(info.value) and "hip_sagg" in str(info.value)
    bad.write_text('[advice]\none_rep = "not a table"\n')
    with pytest.raises(ConfigError):
        load_config(bad)
