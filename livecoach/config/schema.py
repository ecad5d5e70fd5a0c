"""LiveCoach's configuration: ``config/default.toml`` read into validated frozen dataclasses.

Every threshold, cue text and timing the app uses is a field here and a value in
``config/default.toml``; nothing has a default in code. ``load_config(path)`` reads the
defaults, lays the user's file over them (any subset of keys), and validates the result.
Each section class is owned by the module that uses it (named in its docstring).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from livecoach.config.fault_rules import FaultRulesConfig
from livecoach.config.paths import shipped_config_dir
from livecoach.config.toml_io import ConfigError, build, check_known_keys, deep_merge, read_toml, setting, to_plain
from livecoach.types import FAULT_NAMES, View

__all__ = ["Config", "ConfigError", "load_config", "default_config_path", "config_as_dict"]


@dataclass(frozen=True)
class CaptureConfig:
    """Used by ``livecoach.capture`` (camera, video files, the capture thread)."""

    camera_width: int = setting(160, 3840, doc="width requested from a camera, pixels")
    camera_height: int = setting(120, 2160, doc="height requested from a camera, pixels")
    camera_fps: int = setting(1, 120, doc="frame rate requested from a camera")
    camera_open_timeout_s: float = setting(0.5, 30.0, doc="give up opening a camera after this long")
    camera_lost_after_s: float = setting(0.2, 30.0, doc="no frame for this long = camera unplugged")
    inference_max_width: int = setting(160, 3840, doc="frames wider than this are downscaled before pose")
    # The second-person check (livecoach.capture.second_person, livecoach.logic.crowd).
    second_person_check_s: float = setting(0.0, 600.0, doc="seconds of video between looks for a second person "
                                           "beside the tracked one (a second, single-image pose run); 0 = off")
    second_person_min_visibility: float = setting(0.0, 1.0, doc="a second person counts only with both "
                                                  "shoulders and both hips at least this visible")
    second_person_min_size_frac: float = setting(0.0, 1.0, doc="... and a torso this share of the image height")
    second_person_mask_pad_frac: float = setting(0.0, 2.0, doc="the tracked person's box, blanked out for the "
                                                 "look, is grown by this share of its size on each side")
    second_person_max_overlap: float = setting(0.0, 1.0, doc="... and at most this share of its landmarks' box "
                                               "inside the blanked box (else it is the tracked person's own limbs)")
    second_person_seen_needed: int = setting(1, 20, doc="a second person is in view (one notice) when this many "
                                             "of the last second_person_seen_of looks saw one")
    second_person_seen_of: int = setting(1, 20, doc="how many recent looks the decision is made on")


@dataclass(frozen=True)
class PoseConfig:
    """Used by ``livecoach.capture.pose``."""

    model_complexity: int = setting(0, 2, doc="BlazePose model: 0 lite, 1 full, 2 heavy")
    min_detection_confidence: float = setting(0.0, 1.0, doc="how sure the detector must be that a person is there")
    min_tracking_confidence: float = setting(0.0, 1.0, doc="below this the person is searched for again")
    smooth_landmarks: bool = setting(doc="MediaPipe's own landmark smoothing across frames")
    retrack_below_torso_share: float = setting(0.0, 1.0, doc="a tracked torso shorter than this share of its "
                                               "median over retrack_window_s: the body is found afresh; 0 = never")
    retrack_window_s: float = setting(0.1, 10.0, doc="the torso's median for that is over this many seconds")
    retrack_side_on_width_share: float = setting(0.0, 2.0, doc="... read only on a body seen side-on: its "
                                                 "shoulders' width under this share of its torso's length")
    fallback_model_complexity: int = setting(0, 2, doc="live: the model when too many frames drop (same = never)")
    low_light_below_luma: float = setting(0.0, 255.0, doc="darker frames (mean luma) are brightened; 0 = never")
    low_light_target_luma: float = setting(1.0, 255.0, doc="the mean luminance a dark frame is brought to")
    low_light_floor_luma: float = setting(0.0, 255.0, doc="darker than this is no picture (end card): left alone")
    low_light_blur_px: int = setting(1, 15, doc="a dark frame is smoothed over this window (px; 1 = not) first")
    low_light_edge_contrast: float = setting(0.0, 255.0, doc="that smoothing keeps steps of luma above this as "
                                                               "edges (guided filter); 0 = smooth all (Gaussian)")
    low_contrast_below_spread: float = setting(0.0, 255.0, doc="a lit frame whose luma spread (1st to 99th "
                                               "percentile) is under this is stretched for the model; 0 = never")
    low_contrast_target_spread: float = setting(1.0, 255.0, doc="the spread a washed-out frame is stretched to")
    low_contrast_max_gain: float = setting(1.0, 10.0, doc="the stretch multiplies the contrast by at most this")
    pipeline_switch_interval_s: float = setting(0.0001, 0.05, doc="sys.setswitchinterval while the pose thread runs")
    model_in_own_process: bool = setting(doc="train/analyze: the pose model runs in a process of its own")
    model_frames_in_flight: int = setting(1, 4, doc="own process: frames handed to the model ahead of their poses")


@dataclass(frozen=True)
class FeaturesConfig:
    """Used by ``livecoach.logic.features`` and ``livecoach.logic.geometry`` (smoothing, visibility gating)."""

    min_visibility: float = setting(0.0, 1.0, doc="landmarks below this visibility are not trusted")
    one_euro_min_cutoff_hz: float = setting(0.01, 30.0, doc="One-Euro filter cutoff when still: lower = smoother")
    one_euro_beta: float = setting(0.0, 10.0, doc="One-Euro speed coefficient: higher = less lag when moving")
    one_euro_d_cutoff_hz: float = setting(0.01, 30.0, doc="One-Euro cutoff of the speed estimate")
    filter_reset_after_s: float = setting(0.05, 10.0, doc="a gap longer than this restarts the smoothing")
    wrist_min_visibility: float = setting(0.0, 1.0, doc="hands under the body are often half-hidden: their "
                                          "rough position (plank gate) is trusted down to this visibility")
    min_plausible_elbow_deg: float = setting(0.0, 90.0, doc="an arm whose elbow reads folded under this has its hand "
                                             "treated as unseen (the pose model's guess; 0 = off)")
    folded_arm_max_turn_deg: float = setting(0.0, 90.0, doc="... for a body seen within this of side-on (the "
                                             "picture shows the elbow's true angle there)")
    both_sides_visibility_margin: float = setting(0.0, 1.0, doc="average both arms when their visibilities differ less")
    upright_torso_min_deg: float = setting(0.0, 90.0,
                                           doc="torso steeper than this in the image = camera above / standing")
    upper_arm_shoulder_widths: float = setting(0.3, 2.0, doc="image length of an upper arm held out "
                                               "sideways, in shoulder widths (anthropometry); turns the elbows' "
                                               "sideways reach into an abduction angle in front views")
    flare_max_shoulder_yaw_deg: float = setting(0.0, 90.0, doc="elbow flare is measured only while the "
                                                 "shoulder line is within this angle of the image plane")
    facing_visibility_margin: float = setting(0.0, 1.0, doc="the side facing the camera is the better-seen arm "
                                              "when the arms' visibilities differ by more than this; else the "
                                              "side nearer the camera in depth (z)")
    elevation_min_depth_share: float = setting(0.0, 1.0, doc="a line across the body (shoulders, hips) reads "
                                               "the camera's elevation only when at least this share of its "
                                               "length lies along the depth")
    body_line_max_turn_deg: float = setting(0.0, 89.0, doc="the body line is read on the picture stretched "
                                            "back to side-on by the shoulder line's turn out of it, up to "
                                            "this many degrees (0 = as seen)")


@dataclass(frozen=True)
class RepsConfig:
    """Used by ``livecoach.logic.plank_gate``, ``livecoach.logic.depth`` and ``livecoach.logic.reps``."""

    min_rep_s: float = setting(0.0, 10.0, doc="a cycle shorter than this is jitter, not a rep (0 = no floor)")
    min_rep_cycle_frac: float = setting(0.0, 1.0, doc="a cycle under this share of the person's median one is jitter")
    tempo_cycles: int = setting(3, 100, doc="the person's median cycle is over this many of their recent cycles")
    max_cycle_s: float = setting(1.0, 120.0, doc="a cycle longer than this is a rest, not a rep")
    max_gap_s: float = setting(0.0, 10.0, doc="frames without a usable pose tolerated mid-cycle")
    max_gap_cycles: float = setting(0.0, 10.0, doc="or, when longer, this many of the person's median cycles")
    burpee_plank_cycles: float = setting(0.0, 20.0, doc="a shallow push-up alone between getting into the plank "
                                         "and out of it, each within this many of its own durations, "
                                         "is a burpee's: a rep, depth not judged (0 = off)")
    gate_on_after_s: float = setting(0.0, 5.0, doc="plank posture held this long before counting starts")
    gate_off_after_s: float = setting(0.0, 5.0, doc="plank posture lost this long = not in position")
    gate_max_body_angle_deg: float = setting(0.0, 90.0, doc="shoulder-ankle line steeper than this = not a plank")
    gate_max_decline_deg: float = setting(0.0, 90.0, doc="the same with the feet above the shoulders")
    gate_min_hip_angle_deg: float = setting(0.0, 180.0, doc="hips folded more than this = downward dog, sitting")
    gate_max_wrist_along_torso_frac: float = setting(-2.0, 3.0, doc="hands nearer the hips than this = unsupported")
    gate_topdown_wrist_min_frac: float = setting(-2.0, 3.0, doc="camera-above plank: hands at least this far down")
    gate_topdown_wrist_max_frac: float = setting(-2.0, 3.0, doc="camera-above plank: hands at most this far down")
    gate_topdown_max_hand_speed_torso_per_s: float = setting(0.0, 100.0, doc="camera-above plank: hands moving "
                                                             "faster than this (torso lengths a second) are not planted")
    calibration_window_s: float = setting(2.0, 600.0, doc="the person's range is taken over this much plank time")
    range_low_percentile: float = setting(0.0, 50.0, doc="percentile taken as the person's bottom")
    range_high_percentile: float = setting(50.0, 100.0, doc="percentile taken as the person's top")
    min_span_height_frac: float = setting(0.01, 1.0, doc="least shoulder-height range, fraction of top height")
    min_span_elbow_deg: float = setting(1.0, 180.0, doc="least elbow-angle range that can be a rep")
    min_span_scale_log: float = setting(0.001, 2.0, doc="least log body-size range (camera above) for a rep")
    min_span_body_deg: float = setting(1.0, 90.0, doc="least range of the body line's angle to the floor that can "
                                       "be a rep (the depth signal while the hands are unseen)")
    hands_unseen_window_s: float = setting(0.05, 10.0, doc="the hands are unseen when neither was seen on most "
                                           "frames of this many seconds")
    unseen_hips_percentile: float = setting(0.0, 50.0, doc="hands unseen: a cycle whose hip angle at this low "
                                            "percentile of its frames is folded (gate_min_hip_angle_deg) is no push-up")
    still_body_span_share: float = setting(0.0, 1.0, doc="a cycle whose body moved under this share of each hand-free "
                                           "signal's least rep span is no rep (0 = off)")
    channel_switch_ratio: float = setting(1.0, 10.0, doc="another depth signal must be this much cleaner to switch")
    top_max_frac: float = setting(0.0, 1.0, doc="normalised depth below this = back at the top")
    descent_min_frac: float = setting(0.0, 1.0, doc="normalised depth above this = going down")
    bottom_min_frac: float = setting(0.0, 1.0, doc="normalised depth above this = at the bottom")
    ascent_drop_frac: float = setting(0.0, 1.0, doc="rise from the deepest point that starts the ascent; also how "
                                      "far (share of their top height) the shoulders must come back up for a point "
                                      "between two bottoms to end a cycle")
    partial_min_frac: float = setting(0.0, 1.0, doc="a dip at least this deep that misses the bottom = no-rep")
    disagree_min_frames: int = setting(1, 30, doc="a dip is no no-rep when another depth signal reached the "
                                       "bottom on this many of its frames (the signals disagree: not judged)")
    lockout_trough_max_frac: float = setting(0.0, 1.0, doc="re-descending from above this depth = rep not locked out")
    redescent_max_elbow_opening_deg: float = setting(0.0, 180.0, doc="a return toward the bottom mid-ascent is "
                                                     "read only if the elbows (where read) opened by at most "
                                                     "this since the highest point between the two bottoms")
    partial_min_drop_frac: float = setting(0.0, 1.0, doc="a no-rep dip must drop the shoulders at least this much")
    lockout_min_rise_frac: float = setting(0.0, 1.0, doc="rise from the bottom that counts as a lockout attempt")
    top_min_shoulder_rise_share: float = setting(0.0, 1.0, doc="a cycle ends at a top only where the shoulders, in "
                                                 "the picture, came back up at least this share of their travel from "
                                                 "the cycle's top to its bottom (0 = off)")
    top_shoulder_min_travel_torso: float = setting(0.0, 5.0, doc="that travel is read only when at least this many "
                                                   "torso lengths")
    full_depth_min_frac: float = setting(0.0, 1.0, doc="shoulder drop (share of top height) needed for a full rep")
    top_window_s: float = setting(0.1, 10.0, doc="lockout frames kept before each descent; and how far before "
                                  "the plank's first frame one whose arms carry the body (a burpee's landing) "
                                  "shows the top")
    upright_vote_frames: int = setting(1, 300, doc="camera-above (torso upright in the image) or flat body is the "
                                       "majority of this many recent pose frames")
    max_camera_elevation_deg: float = setting(0.0, 90.0, doc="a camera looking down on the body from higher "
                                              "than this leaves a rep's depth not judged (heights in the "
                                              "picture mix with depths)")
    elevation_min_frames: int = setting(1, 1000, doc="the camera's elevation is the median of the frames that "
                                        "read it over calibration_window_s, once at least this many did")
    depth_frac_max: float = setting(1.0, 3.0, doc="the normalised depth kept with each frame is capped at this "
                                    "(1 = the person's usual bottom; a little overshoot is kept)")
    max_body_speed_per_s: float = setting(0.5, 100.0, doc="body lengths per second between two frames, in both place "
                                          "and shape, beyond which it is a cut or a lost track: no rep spans it")
    jump_own_pace_factor: float = setting(1.0, 20.0, doc="... or this many times the person's own fast frames")
    jump_own_pace_percentile: float = setting(50.0, 100.0, doc="their fast frames: this percentile of their speeds")
    body_size_window_s: float = setting(0.1, 10.0, doc="the body's usual size in the image: its median over this long")
    collapsed_size_frac: float = setting(0.0, 1.0, doc="a body under this share of its usual size is no pose (0 = off)")


@dataclass(frozen=True)
class VerdictConfig:
    """Used by ``livecoach.logic.verdict``: the clip-level form verdict (correct, incorrect, not judged)."""

    min_fault_share: float = setting(0.0, 1.0, doc="incorrect if one counted fault is on at least this share "
                                     "of the judged rep cycles")
    faults: Tuple[str, ...] = setting(choices=FAULT_NAMES, doc="faults that make a clip incorrect")
    min_mean_score: int = setting(0, 100, doc="incorrect if the mean rep score is below this")
    min_cycles: int = setting(1, 100, doc="fewer rep cycles than this: nothing to judge, verdict not judged")
    must_judge: Tuple[str, ...] = setting(choices=FAULT_NAMES, doc="faults a verdict of correct needs judged")
    min_judged_share: float = setting(0.0, 1.0, doc="not judged if a must_judge fault was judged on less than "
                                      "this share of the rep cycles whose exercise judges it")


#: Cue keys besides the fault names (which are the corrections' keys).
CUE_EXTRA_KEYS: Tuple[str, ...] = ("praise", "count", "no_rep", "set_done", "session_done", "start", "tracking")

#: The ``{placeholders}`` each cue text may use (checked at load); every other text uses none.
CUE_PLACEHOLDERS: Dict[str, Tuple[str, ...]] = {
    "count": ("n",),
    "set_done": ("reps", "no_reps"),
    "session_done": ("reps", "no_reps"),
}


@dataclass(frozen=True)
class CuesConfig:
    """Used by ``livecoach.logic.cues`` (what is said, and when).

    Cue keys are the fault names plus ``CUE_EXTRA_KEYS``; ``count`` may use ``{n}``,
    ``set_done``/``session_done`` may use ``{reps}`` and ``{no_reps}``.
    """

    texts: Dict[str, str] = setting(choices=FAULT_NAMES + CUE_EXTRA_KEYS, doc="cue key -> words spoken",
                                    placeholders=CUE_PLACEHOLDERS)
    priority: Dict[str, int] = setting(0, 100, choices=FAULT_NAMES + CUE_EXTRA_KEYS,
                                       doc="cue key -> priority, higher wins")
    cooldown_s: float = setting(0.0, 600.0, doc="the same cue is not repeated within this many seconds")
    min_gap_s: float = setting(0.0, 60.0, doc="at least this long between two corrections/praise")
    min_fault_reps: int = setting(1, 20, doc="a fault is corrected once it is on this many cycles in a row")
    praise_after_reps: int = setting(0, 50, doc="praise once when a corrected fault stays away this many "
                                                "cycles; 0 = never praise")
    count_every: int = setting(0, 100, doc="count reps aloud every N reps (1 = every rep); 0 = off")
    no_rep_cue: bool = setting(doc="say 'no rep' for a cycle that did not count (unless a correction is said)")
    set_rest_s: float = setting(0.0, 600.0, doc="announce 'set done' after this long without a rep; 0 = off")
    announce_session_end: bool = setting(doc="announce the session total at the end")
    utterance_pad_s: float = setting(0.0, 5.0, doc="silence added to an utterance's estimated length "
                                                   "(a count never starts while a cue is still spoken)")


@dataclass(frozen=True)
class SpeechConfig:
    """Used by ``livecoach.speech.worker``."""

    backend: str = setting(choices=("auto", "pyttsx3", "espeak-ng", "say", "text"),
                           doc="speech engine; auto picks the platform's best and falls back")
    rate_wpm: int = setting(80, 400, doc="speaking rate, words per minute")
    voice: str = setting(doc="voice id or name; empty = the backend's default")
    stale_after_s: float = setting(0.1, 10.0, doc="a cue not started this long after it was made is dropped")
    volume: float = setting(0.0, 1.0, doc="speech volume, 1 = full")
    probe_timeout_s: float = setting(0.5, 30.0, doc="give up starting a backend or probing audio after this long")


@dataclass(frozen=True)
class OverlayConfig:
    """Used by ``livecoach.render.overlay``."""

    cue_display_s: float = setting(0.5, 10.0, doc="how long a cue stays on screen")
    window_title: str = setting(doc="title of the training window")
    window_width: int = setting(320, 7680, doc="the window opens as large as fits in window_width x "
                                "window_height, the picture's shape kept (a small camera picture is scaled up)")
    window_height: int = setting(240, 4320, doc="see window_width")
    no_person_hint: str = setting(doc="shown while nobody is in a plank in view")
    dim_below_visibility: float = setting(0.0, 1.0, doc="joints less visible than this are drawn dimmed")
    no_person_notice_s: float = setting(0.5, 60.0, doc="without a window: say so once nobody has been "
                                                       "seen for this long")


@dataclass(frozen=True)
class SessionConfig:
    """Used by ``livecoach.history.store``, ``livecoach.history.report`` and ``livecoach.history.review``."""

    jpeg_quality: int = setting(10, 100, doc="JPEG quality of the bottom-of-rep pictures")
    thumbnail_width: int = setting(80, 1280, doc="width of a bottom-of-rep picture, pixels (never upscaled)")
    series_every_n_frames: int = setting(1, 30, doc="keep every Nth frame's features for the report's plots")
    series_flush_frames: int = setting(10, 100000, doc="also write the feature series after this many "
                                       "frames without a rep ending (a long rest is not lost either)")
    report_worst_reps: int = setting(0, 10, doc="bottom-of-rep pictures of this many worst reps in the report")
    report_best_reps: int = setting(0, 10, doc="bottom-of-rep pictures of this many best reps in the report")
    good_score: int = setting(0, 100, doc="a rep scoring at least this is drawn green in the report")
    fair_score: int = setting(0, 100, doc="a rep scoring at least this (below good_score) is drawn amber")
    history_weeks: int = setting(1, 520, doc="weeks `livecoach history` shows unless --weeks is given")
    dropped_frames_notice_share: float = setting(0.0, 1.0, doc="live: say so when more than this share of the camera's frames is dropped over dropped_frames_window_s")
    dropped_frames_window_s: float = setting(1.0, 60.0, doc="live: seconds over which the dropped share is measured")


@dataclass(frozen=True)
class AdviceConfig:
    """Used by ``livecoach.history.review`` and ``livecoach.history.report``: trainers' advice after a session."""

    most_reps_share: float = setting(0.0, 1.0, doc="a fault on more than this share of the reps gets the "
                                     "`most_reps` advice (e.g. regress the variant), else the `some_reps` one "
                                     "(`one_rep` when one cycle was judged)")
    max_items: int = setting(1, 10, doc="at most this many faults get advice, most frequent first")
    some_reps: Dict[str, str] = setting(choices=FAULT_NAMES, doc="fault -> advice when it came on a few reps")
    most_reps: Dict[str, str] = setting(choices=FAULT_NAMES, doc="fault -> advice when it came on most reps")
    one_rep: Dict[str, str] = setting(choices=FAULT_NAMES, doc="fault -> advice when it came on the only rep cycle "
                                      "judged for it (neither most nor some of one rep)")
    clean: str = setting(doc="shown when no fault came on any rep")
    clean_depth_not_judged: str = setting(doc="shown instead of `clean` when depth was not judged on most rep "
                                          "cycles (so the advice claims no full range)")
    clean_line_not_judged: str = setting(doc="shown instead of `clean` when the body line (hip sag, hip pike) "
                                         "was not judged on most rep cycles (so the advice claims no straight line)")
    clean_nothing_judged: str = setting(doc="shown instead of `clean` when neither depth nor the body line was "
                                        "judged on most rep cycles")
    no_reps: str = setting(doc="shown when there were rep cycles but none counted")
    nothing: str = setting(doc="shown when no rep cycle was seen at all")
    nothing_in_view: str = setting(doc="shown instead of `nothing` when a person was in view on at least "
                                   "`in_view_min_share` of the frames (but never in a push-up position)")
    in_view_min_share: float = setting(0.0, 1.0, doc="share of frames with a person above which `nothing_in_view` "
                                       "is said instead of `nothing`")
    nothing_in_plank: str = setting(doc="shown instead of `nothing_in_view` when the person held a plank on the hands "
                                    "for at least `in_plank_min_s` but never lowered into a push-up")
    in_plank_min_s: float = setting(0.0, 3600.0, doc="seconds in a plank (the rep counter's plank gate on) above "
                                    "which `nothing_in_plank` is said")


@dataclass(frozen=True)
class EvalConfig:
    """Used by ``livecoach.evaluation`` (``livecoach eval``) and its baseline counter."""

    baseline_up_deg: float = setting(90.0, 180.0, doc="naive counter: elbow angle above this is 'up'")
    baseline_down_deg: float = setting(0.0, 180.0, doc="naive counter: elbow angle below this is 'down'")
    clip_fault_min_share: float = setting(0.0, 1.0, doc="a clip shows a fault when it is on at least this "
                                          "share of the rep cycles that judged it")
    cache_dir: str = setting(doc="landmark cache folder (~ expanded); --cache overrides")


@dataclass(frozen=True)
class ViewConfig:
    """Used by ``livecoach.logic.view``: view detection and which fault can be judged from which view."""

    side_max_width_ratio: float = setting(0.0, 10.0, doc="shoulder width / torso length below this = side view")
    front_min_width_ratio: float = setting(0.0, 10.0, doc="shoulder width / torso length above this = front view")
    decide_window_s: float = setting(0.1, 30.0, doc="the view is the majority over this much recent time")
    switch_share: float = setting(0.5, 1.0, doc="a new view needs this share of the window to take over")
    min_visibility: float = setting(0.0, 1.0, doc="shoulders and hips seen at least this well are used for the "
                                    "camera-above test of the view (torso steeper than "
                                    "features.upright_torso_min_deg)")
    elbow_angle_views: Tuple[str, ...] = setting(choices=tuple(v.value for v in View),
                                                 doc="views the elbow angle reads true from (the rep counter's "
                                                     "straight/bent arms, the per-rep table and the report's plot)")
    judgeable: Dict[str, Tuple[str, ...]] = setting(choices=FAULT_NAMES, value_choices=tuple(v.value for v in View),
                                                    doc="fault -> views it can be judged from")


@dataclass(frozen=True)
class TrackingConfig:
    """Used by ``livecoach.logic.tracking`` (telling the user the pose model keeps losing them; not
    judging the form of a rep it mostly lost)."""

    window_s: float = setting(1.0, 30.0, doc="the found share is measured over this many seconds")
    min_found_share: float = setting(0.0, 1.0, doc="person found on fewer of the frames between the "
                                     "first and last found one = patchy tracking, said once a bout; "
                                     "found on fewer of a rep's frames = its form not judged")
    repeat_after_s: float = setting(0.0, 3600.0, doc="not said again within this many seconds")


@dataclass(frozen=True)
class Config:
    capture: CaptureConfig
    pose: PoseConfig
    features: FeaturesConfig
    reps: RepsConfig
    faults: FaultRulesConfig
    verdict: VerdictConfig
    cues: CuesConfig
    speech: SpeechConfig
    overlay: OverlayConfig
    session: SessionConfig
    view: ViewConfig
    tracking: TrackingConfig
    advice: AdviceConfig
    eval: EvalConfig


def default_config_path() -> Path:
    """The shipped ``config/default.toml`` (a checkout's, or the installed wheel's data files)."""
    return shipped_config_dir() / "default.toml"


def load_config(path: Optional[Path] = None) -> Config:
    """Defaults, with the user's TOML file at ``path`` (if any) laid over them.

    Raises :class:`ConfigError` with a one-line message naming file, key and problem.
    """
    default_path = default_config_path()
    data = read_toml(default_path)
    config = _second_person_checked(build(Config, data, "", str(default_path)), str(default_path))
    if path is None:
        return config
    user = read_toml(Path(path))
    check_known_keys(Config, user, "", str(path))
    return _second_person_checked(build(Config, deep_merge(data, user), "", str(path)), str(path))


def _second_person_checked(config: Config, source: str) -> Config:
    """The one rule between two keys: "seen in N of the last M looks" needs N <= M."""
    capture = config.capture
    if capture.second_person_seen_needed > capture.second_person_seen_of:
        raise ConfigError(f"{source}: capture.second_person_seen_needed ({capture.second_person_seen_needed}) "
                          f"must not be more than capture.second_person_seen_of ({capture.second_person_seen_of})")
    return config


def config_as_dict(config: Config) -> Dict[str, Any]:
    """The resolved config as plain data (saved with each session)."""
    return to_plain(config)
