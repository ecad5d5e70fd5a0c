"""The clip-level verdict: correct, incorrect, or not judged."""
from __future__ import annotations

import dataclasses

from livecoach.config.schema import load_config
from livecoach.types import Fault, RepRecord
from livecoach.logic.analysis import default_library
from livecoach.logic.verdict import CORRECT, INCORRECT, NOT_JUDGED, fault_shares, form_verdict, judge_session

CONFIG = load_config()


def rec(i: int, faults=(), not_judged=(), score=100, full=True, exercise="standard") -> RepRecord:
    return RepRecord(index=i, full=full, t_start_s=i, t_bottom_s=i + 0.5, t_end_s=i + 1, depth_frac=1.0,
                     min_elbow_angle_deg=70, seconds_down=0.8, seconds_up=0.6,
                     faults=tuple(Fault(n, n, i + 0.5, 1.0, 0.5) for n in faults),
                     not_judged=tuple(not_judged), score=score, exercise=exercise)


def cfg(**kw):
    return dataclasses.replace(CONFIG, verdict=dataclasses.replace(CONFIG.verdict, **kw))


def test_no_fault_is_correct():
    assert form_verdict([rec(1), rec(2), rec(3)], CONFIG) == CORRECT


def test_a_verdict_fault_on_enough_reps_is_incorrect_with_reason():
    c = cfg(min_fault_share=0.5, faults=("hip_sag",), min_mean_score=0)
    records = [rec(1, ["hip_sag"]), rec(2, ["hip_sag"]), rec(3)]
    result = judge_session(records, c)
    assert result.verdict == INCORRECT and result.deciding_fault == "hip_sag"
    assert "hip_sag" in result.reason


def test_a_fault_on_too_few_reps_or_not_in_the_list_stays_correct():
    c = cfg(min_fault_share=0.5, faults=("hip_sag",), min_mean_score=0)
    assert form_verdict([rec(1, ["hip_sag"]), rec(2), rec(3)], c) == CORRECT
    assert form_verdict([rec(1, ["rushed_negative"]), rec(2, ["rushed_negative"])], c) == CORRECT


def test_not_judged_cycles_leave_the_denominator():
    records = [rec(1, ["elbow_flare"]), rec(2, not_judged=["elbow_flare"]), rec(3, not_judged=["elbow_flare"])]
    assert fault_shares(records) == {"elbow_flare": 1.0}


def test_low_mean_score_is_incorrect():
    c = cfg(min_fault_share=1.0, faults=(), min_mean_score=60)
    assert form_verdict([rec(1, score=50), rec(2, score=60)], c) == INCORRECT
    assert form_verdict([rec(1, score=90), rec(2, score=60)], c) == CORRECT


def test_no_cycles_is_not_judged_and_accepts_the_section_alone():
    assert form_verdict([], CONFIG.verdict) == NOT_JUDGED


def test_default_verdict_counts_flared_elbows():
    """The trainers' form faults make a set incorrect; cue-only faults (lockout, shrug,
    asymmetry, tempo) do not on their own."""
    for fault in ("elbow_flare", "hip_sag"):
        assert form_verdict([rec(1, [fault]), rec(2, [fault]), rec(3)], CONFIG) == INCORRECT
    for fault in ("shrug", "rushed_negative"):
        assert form_verdict([rec(1, [fault]), rec(2, [fault]), rec(3)], CONFIG) == CORRECT


def test_a_fault_the_view_hides_does_not_dilute_the_share():
    records = [rec(1, ["elbow_flare"]), rec(2, not_judged=["elbow_flare"]), rec(3, not_judged=["elbow_flare"]),
               rec(4, not_judged=["elbow_flare"])]
    assert form_verdict(records, CONFIG) == INCORRECT


def test_no_fault_found_where_the_body_line_was_mostly_unseen_is_not_judged():
    """A head-on or 3/4 view leaves hip sag unjudged: no fault found there is no evidence of a
    good body line, so the set is not called correct."""
    unseen = ["hip_sag", "hip_pike"]
    result = judge_session([rec(1, not_judged=unseen), rec(2, not_judged=unseen), rec(3)], CONFIG)
    assert result.verdict == NOT_JUDGED and "hip_sag" in result.reason and "33%" in result.reason
    # judged on half the cycles: enough (the default min_judged_share is 0.5)
    assert form_verdict([rec(1, not_judged=unseen), rec(2)], CONFIG) == CORRECT
    # the depth is the other must: unjudged on every cycle
    assert form_verdict([rec(1, not_judged=["shallow"]), rec(2, not_judged=["shallow"])], CONFIG) == NOT_JUDGED
    assert form_verdict([rec(1, not_judged=["shallow"])], cfg(must_judge=("hip_sag",))) == CORRECT


def test_a_fault_found_on_the_judged_cycles_is_incorrect_however_few_were_judged():
    records = [rec(1, ["hip_sag"]), rec(2, not_judged=["hip_sag"]), rec(3, not_judged=["hip_sag"])]
    assert form_verdict(records, CONFIG) == INCORRECT


def test_a_rule_the_exercise_never_runs_does_not_leave_the_verdict_unjudged():
    """A pike push-up's profile turns hip sag off (hips high is the exercise): its reps list
    hip_sag as not judged, which says nothing about the view."""
    library = default_library()
    records = [rec(i, not_judged=["hip_sag", "hip_pike", "head_drop"], exercise="pike") for i in (1, 2)]
    assert form_verdict(records, CONFIG, library) == CORRECT
    assert form_verdict(records, CONFIG) == NOT_JUDGED  # without the profiles, nothing tells why
    standard = [rec(i, not_judged=["hip_sag"], exercise="standard") for i in (1, 2)]
    assert form_verdict(standard, CONFIG, library) == NOT_JUDGED
