"""The committed fixtures seen by a camera moved 30 degrees round the person, one way and the other
(``livecoach eval --augment view-turn``: the world landmarks turned about the floor's vertical through
the hips, the picture moved by the frame's own projection): the same reps, and no fault the clip as
filmed does not show (that also at 45 degrees). A 3/4 view shortens the body along the view and not across it, so a rule
that reads the picture as if side-on finds a sag or bent knees that are not there (README, "Seen
from another angle"). The same of a camera raised 15 and 30 degrees, looking down (``--augment
view-raise``)."""
from __future__ import annotations

import collections
from typing import Dict, Sequence, Tuple

import pytest

from livecoach.config.schema import load_config
from livecoach.evaluation.stream_transforms import raised_view_frames, recording_elevation_deg, turned_view_frames
from livecoach.formats.recording import RecordedFrame, read_recording
from livecoach.logic.analysis import SessionAnalyzer
from conftest import FIXTURES

CFG = load_config()
FIXTURE_CLIPS = ("tayyab__pushup.mp4", "vraj__pushups.mp4", "fitnesscounter__pushup-sample.mp4",
                 "pushfit__wrong49.mp4", "pushfit__wrong58.mp4", "calimiro__push-up_12.mp4", "monkeydo__pushup.mov")
TURNS = (30.0, -30.0)
#: Turned further: the far elbow then hidden behind the body (README, "Seen from another angle"; a
#: flare read from its guessed place was a "T" on fitnesscounter at 45 degrees).
FAULT_TURNS = (45.0, -45.0)
FAULTS_NOT_YET = {
    ("pushfit__wrong58.mp4", -45.0): "head drop on 3 cycles (labelled uncertain; not flagged as filmed)",
    ("monkeydo__pushup.mov", -45.0): "hip sag on 2 cycles: 45 degrees off side-on is as far as the body line is "
                                     "stretched back ([features] body_line_max_turn_deg)",
    # filmed 69 degrees off side-on, past that limit: its line is not read as filmed; turned -30 it
    # is 39 degrees off and read, 0.077 of its length (limit 0.07), as turned -45 (25 degrees off)
    ("monkeydo__pushup.mov", -30.0): "hip sag on 2 cycles: its line reads 0.077 of its length 39 degrees off "
                                     "side-on, as 25 degrees off; not read as filmed (69 degrees off)",
}
#: Turned about the camera's own axis (its clip filmed from 9 degrees below), wrong49 counted 3 of 2
#: at -45 degrees on its elbow angle: the body tilted as well as turned.
COUNT_NOT_YET: Dict[Tuple[str, float], str] = {}


def cycles_and_faults(frames: Sequence[RecordedFrame]) -> Tuple[int, Dict[str, int]]:
    """Rep cycles (reps and no-reps) and, per fault, on how many of them it was flagged."""
    analyzer = SessionAnalyzer(CFG)
    flagged: Dict[str, int] = collections.Counter()
    for frame in frames:
        for event in analyzer.update(frame.t_s, frame.frame_index, frame.pose).events:
            record = getattr(event, "record", None)
            if record is not None and hasattr(record, "full"):
                flagged.update(f.name for f in record.faults)
    return analyzer.reps + analyzer.no_reps, dict(flagged)


def as_filmed_and_turned(clip: str, degrees: float):
    _, frames = read_recording(FIXTURES / "landmarks" / f"{clip}.jsonl.gz")
    return cycles_and_faults(frames), cycles_and_faults(turned(frames, degrees))


def turned(frames: Sequence[RecordedFrame], degrees: float) -> Sequence[RecordedFrame]:
    """As ``--augment view-turn`` turns a clip: about the floor's vertical, by its own camera elevation."""
    return turned_view_frames(frames, degrees, camera_elevation_deg=recording_elevation_deg(frames, CFG))


@pytest.mark.parametrize("clip, degrees", [
    pytest.param(c, d, marks=pytest.mark.xfail(reason=FAULTS_NOT_YET[c, d], strict=True)) if (c, d) in FAULTS_NOT_YET
    else (c, d) for c in FIXTURE_CLIPS for d in TURNS + FAULT_TURNS])
def test_a_turned_camera_finds_no_fault_the_clip_as_filmed_does_not_show(clip, degrees):
    (_, filmed), (_, turned) = as_filmed_and_turned(clip, degrees)
    assert set(turned) <= set(filmed), f"{clip} turned {degrees:g} deg flags {turned}, as filmed {filmed}"


@pytest.mark.parametrize("clip, degrees", [
    pytest.param(c, d, marks=pytest.mark.xfail(reason=COUNT_NOT_YET[c, d], strict=True)) if (c, d) in COUNT_NOT_YET
    else (c, d) for c in FIXTURE_CLIPS for d in TURNS + FAULT_TURNS])
def test_a_turned_camera_counts_the_same_reps(clip, degrees):
    (filmed, _), (turned, _) = as_filmed_and_turned(clip, degrees)
    assert turned == filmed, f"{clip} turned {degrees:g} deg: {turned} cycles, {filmed} as filmed"


#: A camera raised above where it stood, looking down (``--augment view-raise``; README, "Seen from above").
RAISES = (15.0, 30.0)
RAISED_FAULTS_NOT_YET = {
    ("monkeydo__pushup.mov", 30.0): "elbow flare on 1 of 3 cycles (filmed 3/4 from the front, from 16 degrees "
                                    "below; not flagged as filmed)",
}


def as_filmed_and_raised(clip: str, degrees: float):
    _, frames = read_recording(FIXTURES / "landmarks" / f"{clip}.jsonl.gz")
    return cycles_and_faults(frames), cycles_and_faults(raised_view_frames(frames, degrees, depth_window_s=10.0))


@pytest.mark.parametrize("clip, degrees", [
    pytest.param(c, d, marks=pytest.mark.xfail(reason=RAISED_FAULTS_NOT_YET[c, d], strict=True))
    if (c, d) in RAISED_FAULTS_NOT_YET else (c, d) for c in FIXTURE_CLIPS for d in RAISES])
def test_a_raised_camera_finds_no_fault_the_clip_as_filmed_does_not_show(clip, degrees):
    (_, filmed), (_, raised) = as_filmed_and_raised(clip, degrees)
    assert set(raised) <= set(filmed), f"{clip} raised {degrees:g} deg flags {raised}, as filmed {filmed}"


@pytest.mark.parametrize("clip, degrees", [(c, d) for c in FIXTURE_CLIPS for d in RAISES])
def test_a_raised_camera_counts_the_same_reps(clip, degrees):
    (filmed, _), (raised, _) = as_filmed_and_raised(clip, degrees)
    assert raised == filmed, f"{clip} raised {degrees:g} deg: {raised} cycles, {filmed} as filmed"


def test_a_plank_filmed_head_on_from_a_raised_camera_counts_the_same_reps():
    """calimiro push-up_37, filmed head-on from a little above the floor, raised 30 degrees more:
    the world landmarks (in the camera's axes) put the far feet 43-67 degrees above the shoulders,
    past the 60 degrees a line with the shoulders on top may rise; a body whose feet are above its
    shoulders is no standing one ([reps] gate_max_decline_deg). 1 of 4 before."""
    (filmed, _), (raised, _) = as_filmed_and_raised("calimiro__push-up_37.mp4", 30.0)
    assert filmed == 4 and raised == filmed


#: Fixtures whose push-ups a turned camera once took for shoulder taps (each vetoed one rep).
TAP_FIXTURES = (("variants__fitnease__knee_pushups.jsonl.gz", -45.0),
                ("calimiro__videoplayback.mp4_dim_12-24s.jsonl.gz", 45.0))


@pytest.mark.parametrize("fixture, degrees", TAP_FIXTURES)
def test_a_turned_camera_sees_no_shoulder_tap_in_push_ups(fixture, degrees):
    # Seen 45 degrees off side-on, the far hand sits higher in the picture than the near one (the
    # camera's perspective) and the arms shorten in the picture as they bend: in arm lengths per
    # frame that steady difference grew at each bottom and read as a hand lifted, and a shoulder
    # tap vetoed the rep. In the world landmarks it stays, and a tap is now read only where the
    # picture and the world landmarks both show a lift.
    _, frames = read_recording(FIXTURES / "landmarks" / fixture)
    filmed, seen = SessionAnalyzer(CFG), SessionAnalyzer(CFG)
    for frame in frames:
        filmed.update(frame.t_s, frame.frame_index, frame.pose)
    for frame in turned(frames, degrees):
        seen.update(frame.t_s, frame.frame_index, frame.pose)
    assert seen.vetoed == [] and seen.reps + seen.no_reps == filmed.reps + filmed.no_reps
