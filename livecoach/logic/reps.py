"""The rep state machine, fed one frame of features at a time (the plank gate is in
:mod:`livecoach.logic.plank_gate`, the depth signals in :mod:`livecoach.logic.depth`).

Pipeline per frame (all thresholds in ``[reps]`` of the config):

1. **Plank gate** — body carried on the hands, its line at most ``gate_max_body_angle_deg``
   from the floor (or, with a camera looking down on the back, torso upright in the image
   with the hands near the shoulders), not folded at the hips,
   hands toward the shoulders rather than by the hips. It must hold for ``gate_on_after_s``
   to switch on and be lost for ``gate_off_after_s`` to switch off, so one bad frame neither
   starts nor ends a set. Standing, walking, sitting, kneeling up, downward dog and lying
   with the arms by the sides are outside it: nothing counts there. While the pose model sees
   neither hand (most frames of the last ``hands_unseen_window_s``: a bar, equipment, the body
   seen from behind) and the camera is not above, the hands cannot be checked: a flat body, not
   folded at the hips, holds the plank. A frame without hands before that (they come and go in
   dim light) keeps the plank the last frame with them held, for as long as a pose gap may last.
2. **Normalised depth** — several depth signals are tracked (shoulder height above the
   wrists, elbow angle, torso length in the image when the camera is above); each is
   normalised to the person's own range (running percentiles over ``calibration_window_s``
   of the plank stretches the gate took -- the frames held while it decided, then its own;
   never narrower than a minimum span so jitter cannot look like a rep) and
   the cleanest one (largest range over frame-to-frame noise) drives the phases. With the
   hands unseen the two that read them cannot; the shoulders' height above the feet does (as an
   angle: over the body's length through the hips, so a pike does not read as higher), and it
   stands in for the shoulders' height above the hands on a frame that lost them mid-set.
3. **Phases** — TOP → DESCENT → BOTTOM → ASCENT → TOP with hysteresis; a cycle must start
   from the top, last at least ``min_rep_cycle_frac`` of the person's own recent cycles (and
   ``min_rep_s``, 0 = no absolute floor) and at most ``max_cycle_s``. A dip that misses
   the bottom becomes a no-rep "not deep enough"; re-descending before the top is reached
   makes a no-rep "no lockout" -- unless the elbows, seen side-on, straightened there to the
   exercise's top (a top calibrated on another posture can read halfway up), which ends the
   cycle as one that reached its top. A full cycle is a rep when the shoulders dropped far enough
   (``full_depth_min_frac`` of their top height), else a no-rep "not deep enough" (not judged,
   so counted, when the person came into view on the way down: its top was never seen). A cycle
   ends at the top on a frame whose arms still carry the body (the hips may already fold
   there, as a burpee's jump in starts at the lockout).

``update(features_or_None, t_s)`` returns a :class:`RepUpdate`; when a cycle ends it carries
a :class:`FinishedCycle` (the :class:`~livecoach.types.RepWindow` for the fault rules and the
counting decision); :func:`make_record` turns it and the rules' judgement into a RepRecord.
"""
from __future__ import annotations

import collections
import dataclasses
import math
from dataclasses import dataclass
from typing import Collection, Deque, Dict, Iterable, List, Optional, Tuple

import numpy as np

from livecoach.config.schema import RepsConfig
from livecoach.logic.depth import ChannelSpec, DepthChannel, ElbowDepth, channel_values
from livecoach.logic.elevation import ElevationWatch
from livecoach.logic.plank_gate import (PlankGate, arms_support, body_flat, body_from_above, body_lying, camera_above,
                                        plank_posture)
from livecoach.logic.view import default_view_config
from livecoach.types import (DEPTH_BY_DROP, DEPTH_BY_ELBOWS, DEPTH_BY_USUAL, DEPTH_NOT_JUDGED, Features, Phase,
                             RepJudgement, RepRecord, RepWindow, View, depth_reached)

NAN = math.nan

NO_REP_NOT_DEEP = "not deep enough"
NO_REP_NO_LOCKOUT = "no lockout"


# --------------------------------------------------------------------------- outputs
@dataclass(frozen=True)
class FinishedCycle:
    """A finished rep cycle: the window for the fault rules and the counting decision."""

    window: RepWindow
    full: bool
    no_rep_reason: Optional[str]
    index: int  # 1-based, reps and no-reps numbered separately
    depth_norm: float  # peak normalised depth of the cycle
    # What the depth was judged on, how deep it went and the limit (RepRecord.depth_by ...)
    depth_by: str = DEPTH_NOT_JUDGED
    depth_value: float = NAN
    depth_limit: float = NAN


@dataclass(frozen=True)
class RepUpdate:
    """What the rep counter made of one frame."""

    t_s: float
    phase: Phase
    in_plank: bool
    depth_frac: float  # normalised 0 (top) .. 1 (the person's bottom); nan if unknown
    reps: int
    no_reps: int
    finished: Optional[FinishedCycle] = None
    features: Optional[Features] = None  # the frame's features with in_plank / depth filled


def make_record(cycle: FinishedCycle, judgement: Optional[RepJudgement]) -> RepRecord:
    """The :class:`RepRecord` of a finished cycle, with the fault rules' judgement (if any)."""
    w = cycle.window
    # The record's depth_frac is the normalised one the phases run on (0 top, 1 their own full
    # depth: about 1 on every rep, however shallow); what the count judged is depth_by/value/limit.
    return RepRecord(
        index=cycle.index, full=cycle.full, t_start_s=w.t_start_s, t_bottom_s=w.t_bottom_s,
        t_end_s=w.t_end_s, depth_frac=cycle.depth_norm, min_elbow_angle_deg=w.min_elbow_angle_deg,
        seconds_down=w.seconds_down, seconds_up=w.seconds_up,
        faults=judgement.faults if judgement else (), not_judged=judgement.not_judged if judgement else (),
        score=judgement.score if judgement else 100, no_rep_reason=cycle.no_rep_reason,
        depth_by=cycle.depth_by, depth_value=cycle.depth_value, depth_limit=cycle.depth_limit,
    )


# --------------------------------------------------------------------------- state machine
class RepCounter:
    """Counts push-ups from per-frame :class:`Features` (see the module docstring).

    ``update(features, t_s=None)``: ``features`` None means no person this frame (then give
    ``t_s``). ``view`` is the current view, stored in the windows for the fault rules.
    """

    def __init__(self, config: RepsConfig, variant: str = "standard",
                 elbow_views: Optional[Collection[str]] = None) -> None:
        self.config = config
        self.variant = variant
        #: ``[view] elbow_angle_views``: where the elbow angle reads true (the default config's if None)
        self.elbow_views = frozenset(default_view_config().elbow_angle_views if elbow_views is None else elbow_views)
        c = config
        self.channels: Dict[str, DepthChannel] = {
            "height": DepthChannel(ChannelSpec("height", c.min_span_height_frac, True, False), c),
            "elbow": DepthChannel(ChannelSpec("elbow", c.min_span_elbow_deg, False, None), c),
            "scale": DepthChannel(ChannelSpec("scale", c.min_span_scale_log, False, True), c),
            "body": DepthChannel(ChannelSpec("body", c.min_span_body_deg, False, False), c),
        }
        self.gate = PlankGate(c)
        #: Set by the session for exercises whose depth is relative to a support (incline, wall):
        #: a full cycle's depth is then judged by the elbows, not the shoulders' drop (None = floor).
        self.elbow_depth: Optional[ElbowDepth] = None
        #: Set by the session: the exercise's ``[rep] top_elbow_min_deg`` where the arms bend in a
        #: rep (None = not used: a straight-arm exercise, or none known). Seen side-on, elbows that
        #: straighten this far between two bottoms mark a top even where the shoulder height
        #: calibrated on another posture (a hips-high plank held before the set) reads it as
        #: halfway up.
        self.straight_elbow_deg: Optional[float] = None
        self.reps = 0
        self.no_reps = 0
        #: Whether the last frame's posture held a plank (the gate's input, before its delays).
        self.plank_held = False
        self._lying_since_held = False  # the body line down on every frame with a pose since one that held the plank
        self._reset_cycle_state()
        self._last_t: Optional[float] = None
        self._last_pose_t: Optional[float] = None
        self._active: Optional[str] = None
        self._upright_votes: Deque[bool] = collections.deque(maxlen=c.upright_vote_frames)
        self._elevation = ElevationWatch(c.calibration_window_s, c.elevation_min_frames)
        self._top_frames: Deque[Features] = collections.deque()
        self._pending: Deque[Features] = collections.deque()
        #: the unbroken run of frames, before the gate came on, whose arms carry the body: those up
        #: to ``top_window_s`` before the pending ones are replayed with them (never calibrated)
        self._lead_in: Deque[Features] = collections.deque()
        self._calibrated_t = -math.inf  # the last frame time added to the depth channels' calibration
        self._mode_upright = False
        self._hands_seen: Deque[Tuple[float, bool]] = collections.deque()  # (t_s, hands_unseen)
        self._hands_unseen_frames = 0  # how many of those have the hands unseen (kept, not recounted each frame)
        self._mode_unseen = False  # hands unseen: a flat body holds the plank, its rise is the depth
        self._hands_seen_t: Optional[float] = None  # the last frame on which a hand was seen ...
        self._held_with_hands = False  # ... and whether its arms carried the body
        #: durations of the person's recent cycles (those deep enough to be one, counted or not)
        self._cycle_s: Deque[float] = collections.deque(maxlen=c.tempo_cycles)

    # -- state helpers
    def _reset_cycle_state(self) -> None:
        self.phase = Phase.NOT_IN_POSITION
        self._armed = False  # a cycle may only start from a seen top
        self._cycle: List[Features] = []
        self._t_start = NAN
        self._peak = 0.0
        self._t_peak = NAN
        self._top_shoulders_y = NAN  # the shoulders' y in the picture at the cycle's top
        self._low_shoulders: Optional[Features] = None  # the cycle's frame whose shoulders lie lowest in it
        self._trough = NAN
        self._t_trough = NAN
        self._trough_frame: Optional[Features] = None
        self._peak_raw = NAN
        self._min_elbow = NAN
        self._cycle_top_frames: Tuple[Features, ...] = ()
        self._reached_bottom = False
        self._top_unseen = False  # armed mid-descent: drop not judged until straight arms or a cycle's end

    def interrupt(self) -> None:
        """The body jumped (a cut in the video, a lost and re-found track): end the current cycle
        without counting it and start over as if the person had just come into view (the
        plank gate, the pending frames and the camera-above votes restart; the calibration of
        the person's range is kept)."""
        self._abandon()
        self.gate.reset()
        self._lying_since_held = False
        self._pending.clear()
        self._lead_in.clear()
        self._upright_votes.clear()
        self._hands_seen.clear()
        self._hands_unseen_frames = 0
        self._hands_seen_t = None
        self._top_frames.clear()

    def discard(self, cycle: FinishedCycle) -> None:
        """Un-count ``cycle`` (the last one this counter emitted): it was not a push-up (a
        look-alike's dip), so it is neither a rep nor a no-rep and the next one takes its number."""
        if cycle.full:
            self.reps = max(0, self.reps - 1)
        else:
            self.no_reps = max(0, self.no_reps - 1)

    def count_as_rep(self, cycle: FinishedCycle) -> FinishedCycle:
        """Re-file ``cycle``, the last no-rep this counter emitted (none since), as a counted rep
        (the push-up inside a burpee, :mod:`livecoach.logic.burpee`); returns it so numbered."""
        self.no_reps = max(0, self.no_reps - 1)
        self.reps += 1
        if depth_reached(cycle.depth_by, cycle.depth_value, cycle.depth_limit) is False:
            # counted whatever its depth (a burpee's push-up, a cycle whose lockout decided it): a
            # depth under its limit beside a counted rep would contradict it; it was not judged
            cycle = dataclasses.replace(cycle, depth_by=DEPTH_NOT_JUDGED, depth_value=NAN, depth_limit=NAN)
        return dataclasses.replace(cycle, full=True, no_rep_reason=None, index=self.reps)

    def reset_count(self) -> None:
        """Start counting from zero again (keeps the calibration)."""
        self.reps = 0
        self.no_reps = 0
        self._reset_cycle_state()
        self.gate.reset()

    def _abandon(self) -> None:
        self._reset_cycle_state()

    # -- depth
    def _upright(self) -> bool:
        return sum(self._upright_votes) * 2 > len(self._upright_votes) if self._upright_votes else False

    def _hands_unseen(self, t_s: float, f: Features) -> bool:
        """Whether the pose model saw neither hand on most frames of the last
        ``hands_unseen_window_s`` (one hand seen is enough)."""
        self._hands_seen.append((t_s, f.hands_unseen))
        self._hands_unseen_frames += f.hands_unseen
        while self._hands_seen and t_s - self._hands_seen[0][0] > self.config.hands_unseen_window_s:
            self._hands_unseen_frames -= self._hands_seen.popleft()[1]
        return 2 * self._hands_unseen_frames > len(self._hands_seen)

    def _plank_kept_without_hands(self, t_s: float, f: Features, upright: bool) -> bool:
        """Whether frame ``f``, on which the pose model saw neither hand while the counter still reads
        them (the mode without hands starts only once they stay unseen), keeps the plank: the last
        frame with a hand seen held it, no longer ago than a pose gap may last
        (:meth:`_tolerated_gap_s`), and the body itself still passes -- flat and not folded at the hips,
        or, seen from above, not folded at the hips. A frame without hands tells nothing about them;
        without this the gate closed after ``gate_off_after_s`` of such frames and lost the rep."""
        if self._hands_seen_t is None or not self._held_with_hands \
                or t_s - self._hands_seen_t > self._tolerated_gap_s():
            return False
        return body_from_above(f, self.config) if upright else body_flat(f, self.config)

    def _tolerated_gap_s(self) -> float:
        """How long the pose (or the hands) may go unread without ending the set: ``max_gap_s``, or one
        of the person's own cycles when longer (``max_gap_cycles``): a gap shorter than a cycle cannot
        hide a whole rep, and at a slow pace the pose model loses a person at the bottom for as long,
        in seconds, as the pace is slow."""
        c = self.config
        own_cycle_s = self._median_cycle_s()
        return c.max_gap_s if math.isnan(own_cycle_s) else max(c.max_gap_s, c.max_gap_cycles * own_cycle_s)

    def _eligible(self, name: str, upright: bool) -> bool:
        """Whether channel ``name`` may drive the phases in this gate mode: the body's rise only
        while the hands are unseen, and then only it."""
        spec = self.channels[name].spec
        return (spec.upright is None or spec.upright == upright) and (name == "body") == self._mode_unseen

    def _supported(self, f: Features) -> bool:
        """Whether ``f`` may end a cycle: its arms carry the body (:func:`arms_support`); with the
        hands unseen, its body lies flat as in a plank (:func:`body_flat`)."""
        return body_flat(f, self.config) if self._mode_unseen else arms_support(f, self.config)

    def _select_channel(self, upright: bool) -> Optional[str]:
        best, best_q = None, 0.0
        for name, ch in self.channels.items():
            if not self._eligible(name, upright):
                continue
            q = ch.quality()
            if q > best_q:
                best, best_q = name, q
        current = self._active
        if current is not None and current != best:
            ch = self.channels[current]
            if self._eligible(current, upright) and ch.quality() * self.config.channel_switch_ratio >= best_q:
                return current
        return best

    def _drop_read(self) -> bool:
        """Whether a rep's depth may be judged on the shoulders' drop: not where the camera looks
        down from higher than ``max_camera_elevation_deg`` (heights in the picture mix with depths
        there, by where each hand was put). The drop is still measured: the descent is timed on it
        (shares of the rep's own drop, which a steady offset does not move)."""
        return not self._elevation.elevation_deg > self.config.max_camera_elevation_deg

    def _depth_raw(self, f: Features) -> float:
        """Absolute shoulder drop: 1 - shoulder height / the person's top height (nan if
        the height signal is not usable, e.g. camera above)."""
        ch = self.channels["height"]
        h = f.shoulder_above_wrist_px
        if self._upright() or not math.isfinite(h) or not math.isfinite(ch.hi) or ch.hi <= 0:
            return NAN
        return 1.0 - h / ch.hi

    # -- main entry
    def update(self, features: Optional[Features], t_s: Optional[float] = None,
               view: View = View.UNKNOWN) -> RepUpdate:
        c = self.config
        if t_s is None:
            t_s = features.t_s if features is not None else (self._last_t if self._last_t is not None else 0.0)
        self._last_t = t_s
        if features is None:
            self.plank_held = False
            return self._no_pose(t_s)
        self._upright_votes.append(camera_above(features, c))
        self._elevation.update(t_s, features.camera_elevation_deg)
        upright = self._upright()
        unseen_now = self._hands_unseen(t_s, features) and not upright
        if unseen_now != self._mode_unseen and self.phase in (Phase.NOT_IN_POSITION, Phase.TOP):
            # Between reps only: a hand lost for a moment mid-rep (a dark bottom, the body in the
            # way) leaves the rep to the signal it started on, which bridges short gaps.
            self._mode_unseen = unseen_now
        posture = body_flat(features, c) if self._mode_unseen else plank_posture(features, c)
        carried = posture or self._supported(features)  # the arms carry the body: a cycle may end here
        if not self._mode_unseen:
            if not features.hands_unseen:
                self._hands_seen_t, self._held_with_hands = t_s, carried
            elif self._plank_kept_without_hands(t_s, features, upright):
                posture = carried = True
        held = self.plank_held = posture or (self._flat_body_counts() and body_flat(features, c))
        self._lying_since_held = held or (self._lying_since_held and body_lying(features, c))
        gate_on = self.gate.update(t_s, held)
        if gate_on:
            values = channel_values(features)  # read only in position: out of it no channel is fed or read
            # The person's range is calibrated on plank stretches the gate took: the frames held
            # while it decided, then its own whose arms carry the body (a lockout with the hips
            # folded too). A plank-like frame in passing (a burpee's jump, someone standing with the
            # hands at the shoulders) is no part of the push-up's range, nor are the frames of
            # getting up while the gate's off-delay runs: standing, the hands overhead.
            for p in self._pending:
                self._calibrate(p.t_s, p, upright)
            if held or carried:
                self._calibrate(t_s, features, upright, values)
        self._last_pose_t = t_s
        if not gate_on:
            left = self._leave_position() if self.phase != Phase.NOT_IN_POSITION else None
            # Frames that hold the plank while the gate is still deciding: kept so that a rep
            # that starts during the gate's on-delay is not lost.
            if held:
                self._pending.append(features)
                while self._pending and t_s - self._pending[0].t_s > c.gate_on_after_s + c.top_window_s:
                    self._pending.popleft()
            else:
                self._pending.clear()
            # A burpee lands in the plank with the hips still folded and the arms straight, and
            # lowers as the hips open: its top is seen in the frames whose arms carry the body
            # just before the plank's, not in the plank's own.
            if held or carried:
                self._lead_in.append(features)
                while self._lead_in and t_s - self._lead_in[0].t_s > c.gate_on_after_s + 2 * c.top_window_s:
                    self._lead_in.popleft()
            else:
                self._lead_in.clear()
            return self._out(t_s, NAN, features, False, left)
        if upright != self._mode_upright:
            # The body switched between "flat" and "seen from above / upright": a camera does
            # not move like that mid-rep, a person standing up does. Start over.
            self._mode_upright = upright
            if self.phase != Phase.NOT_IN_POSITION:
                self._abandon()
        if self.phase == Phase.NOT_IN_POSITION or self._active is None:
            self._active = self._select_channel(upright)
        elif self.phase == Phase.TOP:
            self._active = self._select_channel(upright)
        if self._active is None:
            return self._out(t_s, NAN, features, True)
        ch = self.channels[self._active]
        if not self._eligible(self._active, upright):
            self._active = self._select_channel(upright)
            if self._active is None:
                return self._out(t_s, NAN, features, True)
            ch = self.channels[self._active]
        d = ch.normalise(values[self._active])
        if not math.isfinite(d) and features.hands_unseen and not upright and self.channels["body"].quality() > 0:
            # The hands lost mid-set (dim light, the body shading them at the bottom): their channel
            # reads nothing, and a bottom lost with them would end no cycle. The body's rise above
            # the feet, calibrated on the same plank frames and normalised to its own range, stands
            # in for this frame.
            d = self.channels["body"].normalise(values["body"])
        if not math.isfinite(d):
            return self._gap_frame(t_s, features)
        raw = self._depth_raw(features)
        f = dataclasses.replace(features, in_plank=True, depth_frac=float(min(max(d, 0.0), c.depth_frac_max)),
                                depth_raw_frac=raw)
        finished = self._step(t_s, d, f, carried)
        return self._out(t_s, d, f, True, finished)

    def _calibrate(self, t_s: float, f: Features, upright: bool, values: Optional[Dict[str, float]] = None) -> None:
        """Add frame ``f`` (its :func:`channel_values`, when already read) to the depth channels'
        calibration, once: the pending frames stay queued while no channel can drive the phases."""
        if t_s <= self._calibrated_t:
            return
        self._calibrated_t = t_s
        values = channel_values(f) if values is None else values
        for name, ch in self.channels.items():
            if ch.spec.upright is None or ch.spec.upright == upright:
                ch.add(t_s, values[name])

    def _flat_body_counts(self) -> bool:
        """Whether a flat body (:func:`body_flat`) keeps the plank for the gate now: while a cycle
        is at or rising from its bottom, or while the gate decides on plank frames just seen.
        Seen from the head end, at a rep's bottom the shoulders sink level with or past the hands
        in the picture, the arms foreshorten toward the hips and the hands may leave the picture,
        so the hand checks of :func:`plank_posture` fail there. A pause at the bottom longer than
        ``gate_off_after_s`` (a slow rep) ended the set; bottoms that restarted the gate's on-delay
        kept a fast set (0.55 s a rep, tops shorter than ``gate_on_after_s``) from ever starting.
        Only while the body line stayed down (:func:`body_lying`) since a frame that held the
        plank: a flat body carries a plank on, it starts none. Getting up from a burpee seen fast
        (2.5x) read the body at 59-76 deg to the floor (standing), then, for two frames, the hands
        above the head and the body at 54-57 deg: with the gate's off-delay still running, those
        frames kept the gate on (the next landing ended a cycle as a rep) and fed the person's
        range a height far below the hands. Hips read folded while the body line stays down do
        not break the run: a washed-out head-end view misreads them so for frames mid-set."""
        return self._lying_since_held and (
            bool(self._pending) or (bool(self._cycle) and self.phase in (Phase.BOTTOM, Phase.ASCENT)))

    def _no_pose(self, t_s: float) -> RepUpdate:
        gap = t_s - self._last_pose_t if self._last_pose_t is not None else math.inf
        left = None
        tolerated = self._tolerated_gap_s()
        if gap > tolerated and self.phase != Phase.NOT_IN_POSITION:
            left = self._leave_position()  # out of view
            self.gate.reset()
        return RepUpdate(t_s=t_s, phase=self.phase, in_plank=self.gate.on and gap <= tolerated,
                         depth_frac=NAN, reps=self.reps, no_reps=self.no_reps, finished=left)

    def _gap_frame(self, t_s: float, features: Features) -> RepUpdate:
        return self._out(t_s, NAN, features, True)

    def _out(self, t_s: float, d: float, f: Features, in_plank: bool,
             finished: Optional[FinishedCycle] = None) -> RepUpdate:
        if not in_plank and f.in_plank:
            f = dataclasses.replace(f, in_plank=False)
        return RepUpdate(t_s=t_s, phase=self.phase, in_plank=in_plank,
                         depth_frac=float(min(max(d, 0.0), 1.0)) if math.isfinite(d) else NAN,
                         reps=self.reps, no_reps=self.no_reps, finished=finished, features=f)

    # -- phases
    def _remember_top(self, f: Features) -> None:
        self._top_frames.append(f)
        while self._top_frames and f.t_s - self._top_frames[0].t_s > self.config.top_window_s:
            self._top_frames.popleft()

    def _start_cycle(self, t_start: float, f: Features, prior: List[Features]) -> None:
        self._cycle = list(prior) + [f]
        self._t_start = t_start
        self._peak = f.depth_frac
        self._t_peak = f.t_s
        top = self._top_frames[-1] if self._top_frames else f
        self._top_shoulders_y = top.shoulders_y_px
        self._low_shoulders = None
        self._track_shoulders(f)
        self._trough = NAN
        self._t_trough = NAN
        self._trough_frame = None
        self._peak_raw = f.depth_raw_frac
        self._min_elbow = f.elbow_angle_deg
        self._cycle_top_frames = tuple(self._top_frames)
        self._reached_bottom = False

    def _track(self, d: float, f: Features) -> None:
        self._cycle.append(f)
        if d > self._peak:
            self._peak, self._t_peak = d, f.t_s
        self._track_shoulders(f)
        if math.isfinite(f.depth_raw_frac) and not (f.depth_raw_frac <= self._peak_raw):
            self._peak_raw = f.depth_raw_frac
        if math.isfinite(f.elbow_angle_deg) and f.view.value in self.elbow_views \
                and not (f.elbow_angle_deg >= self._min_elbow):
            self._min_elbow = f.elbow_angle_deg  # the record's deepest angle: only where it reads true

    def _track_shoulders(self, f: Features) -> None:
        """Keep the cycle's frame whose shoulders lie lowest in the picture."""
        low = self._low_shoulders
        if math.isfinite(f.shoulders_y_px) and (low is None or f.shoulders_y_px > low.shoulders_y_px):
            self._low_shoulders = f

    def _step(self, t_s: float, d: float, f: Features, supported: bool) -> Optional[FinishedCycle]:
        """One frame of the phase machine; ``supported``: whether ``f`` may end a cycle (:meth:`_supported`)."""
        c = self.config
        # A cycle only ends on a frame whose arms still carry the body as in a plank (a cut to
        # someone standing must not finish a rep while the gate's off-delay runs); the hips may
        # already fold there: a burpee's jump in starts as the arms lock out.
        if self.phase == Phase.NOT_IN_POSITION:
            return self._enter_position(t_s, d, f, supported)
        if self._cycle and t_s - self._t_start > c.max_cycle_s:
            self._reset_cycle_state()  # a rest at the bottom, not a rep
            self.phase = Phase.BOTTOM
            return None
        if self.phase == Phase.TOP:
            if self._top_unseen and self._arms_straight(f):
                self._top_unseen = False  # pushed up to straight arms before the first descent: a top seen
            if d > c.descent_min_frac:
                top_t = self._top_frames[-1].t_s if self._top_frames else t_s
                self.phase = Phase.DESCENT
                self._start_cycle(top_t, f, [])
            else:
                self._remember_top(f)
            return None
        if not self._armed:
            if d <= c.top_max_frac:
                self._armed = True
                self.phase = Phase.TOP
                self._top_frames.clear()
                self._remember_top(f)
            else:
                self.phase = Phase.BOTTOM if d >= c.bottom_min_frac else Phase.ASCENT
            return None
        # the deepest point before this frame (and when): a rise to a trough is measured from it
        bottom, t_bottom = self._peak, self._t_peak
        self._track(d, f)
        if self.phase == Phase.DESCENT:
            if d >= c.bottom_min_frac:
                self.phase = Phase.BOTTOM
                self._reached_bottom = True
            elif d <= c.top_max_frac and supported and not self._support_arms_bent(f):
                return self._finish_shallow(t_s, f)
            return None
        # The trough (the highest point between two bottoms) is read only from frames whose arms
        # carry the body, as a top is: a frame whose hands the model put above the shoulders is
        # a garbled pose (a re-found track at the bottom), not a rise toward the lockout.
        if self.phase == Phase.BOTTOM:
            if d <= self._peak - c.ascent_drop_frac:
                self.phase = Phase.ASCENT
                self._trough, self._t_trough, self._trough_frame = (d, t_s, f) if supported else (NAN, NAN, None)
            return None
        if self.phase == Phase.ASCENT:
            if d <= c.top_max_frac and supported and not self._support_arms_bent(f) \
                    and not self._shoulders_still_low(f):
                return self._finish(t_s, f)
            if supported and not (d >= self._trough):
                self._trough, self._t_trough, self._trough_frame = d, t_s, f
            if d >= c.bottom_min_frac and d > self._trough + c.ascent_drop_frac \
                    and not self._elbows_opened_since_trough(f):
                if self._straight_top_at_trough(bottom) and not self._shoulders_still_low(self._trough_frame):
                    # the arms straightened between the bottoms: a top, whatever the shoulder
                    # height calibrated on another posture says
                    return self._split_at_trough(t_s, f, locked_out=True)
                if self._trough <= c.lockout_trough_max_frac and bottom - self._trough >= c.lockout_min_rise_frac \
                        and self._shoulders_rose_to_trough() and not self._shoulders_still_low(self._trough_frame):
                    # went back down without reaching the top: the last rep had no lockout
                    return self._split_at_trough(t_s, f, locked_out=False,
                                                 end_seen=not self._top_passed_unseen(bottom, t_bottom, d))
                self.phase = Phase.BOTTOM  # a bounce at the bottom: same rep
        return None

    def _enter_position(self, t_s: float, d: float, f: Features, supported: bool) -> Optional[FinishedCycle]:
        """The gate came on at ``f``: replay the plank frames it took to decide, then ``f``.

        Only a top position arms the counter (a clip that opens at the bottom must not count the
        half rep that follows): the first plank frame read as the top (within ``top_max_frac`` of
        the person's learnt top, or on arms straight by the exercise's measure where the elbows
        read true: a burpee may land short of the learnt top and lower at once), or a frame of the
        lead-in just before the plank's (its arms carried the body at the top's height with the
        hips still folded: a burpee lands so, and lowers as the hips open). Straight arms alone do
        not make a lead-in frame a top: with the hips folded (a pike, a downward dog) they say
        nothing of the shoulders' height. The lead-in only arms: the plank's first frame stays the
        cycle's top, so the landing is no part of the rep."""
        c = self.config
        pending = list(self._pending)
        lead = [x for x in self._lead_in if pending and pending[0].t_s - c.top_window_s <= x.t_s < pending[0].t_s]
        self._pending.clear()
        self._lead_in.clear()
        replay = [r for r in (self._replayed(p) for p in pending) if r is not None]
        replay.append((t_s, d, f, supported))
        _, first_d, first_f, _ = replay[0]
        if first_d <= c.top_max_frac or self._arms_straight(first_f):
            top: Optional[Features] = first_f
        else:
            tops = [r[2] for r in map(self._replayed, lead) if r is not None and r[1] <= c.top_max_frac]
            top = tops[0] if tops else None
        self._armed = top is not None
        # The first frame reads as the top because it is the highest seen yet; with its elbows
        # bent, the person came into view on the way down and their top is unknown (a clip
        # that opens mid-rep): the first cycle's shoulder drop toward the hands is not judged.
        self._top_unseen = self._armed and self._arms_bent(top)
        self.phase = Phase.TOP if self._armed else Phase.BOTTOM
        if self._armed:
            self._top_frames.clear()
            self._remember_top(first_f)
        finished = None
        for rt, rd, rf, rp in replay[1:]:
            finished = self._step(rt, rd, rf, rp) or finished
        return finished

    def _replayed(self, p: Features) -> Optional[Tuple[float, float, Features, bool]]:
        """A frame seen before the gate came on, as :meth:`_step` takes it (None: unread)."""
        ch = self.channels[self._active] if self._active else None
        pd = ch.normalise(channel_values(p)[self._active]) if ch else NAN
        if not math.isfinite(pd):
            return None
        # as live, a cycle may end only where the arms carry the body
        depth = float(min(max(pd, 0.0), self.config.depth_frac_max))
        return (p.t_s, pd, dataclasses.replace(p, in_plank=True, depth_frac=depth, depth_raw_frac=self._depth_raw(p)),
                self._supported(p))

    def _straight_top_at_trough(self, bottom: Optional[float] = None) -> bool:
        """Whether the cycle rose by ``lockout_min_rise_frac`` from its bottom to a trough whose
        frame, seen from one of ``[view] elbow_angle_views`` (side-on or at an angle: from the front
        a bent arm whose elbows travel toward the camera reads straight), has the elbows at
        ``straight_elbow_deg`` or more, and whose shoulders, where their height is read, came back up
        from their deepest drop before it (by ``ascent_drop_frac`` of their top height): a top.
        Elbows that read straight while the shoulders are at their lowest yet are misread (a
        turned view's jittering arm mid-descent), not a lockout."""
        f = self._trough_frame
        return self.straight_elbow_deg is not None and f is not None \
            and (self._peak if bottom is None else bottom) - self._trough >= self.config.lockout_min_rise_frac \
            and f.view.value in self.elbow_views and f.elbow_angle_deg >= self.straight_elbow_deg \
            and self._shoulders_rose_to_trough()

    def _shoulders_still_low(self, f: Optional[Features]) -> bool:
        """Whether ``f``'s shoulders, in the picture, are still near the cycle's bottom: back up by
        less than ``top_min_shoulder_rise_share`` of their travel down the picture from the cycle's
        top to the cycle's frame where they lie lowest (going down to the floor, they go down the
        picture from a camera at the body's height or above it).
        Read without the hands: where the pose model guesses hidden hands (a bar, handles, the body
        in the way), the shoulders' height above those guesses can read a top mid-rep and split one
        slow rep into two (the shared clips with the hands blurred out: 10 cycles ended with the
        shoulders back up 0.20 of the way or less; as filmed the least was 0.61). Not read (False)
        where their travel is under ``top_shoulder_min_travel_torso`` torso lengths (a camera above,
        a scapular push-up), on a frame without them, or with the setting 0."""
        c = self.config
        if f is None or c.top_min_shoulder_rise_share <= 0.0:
            return False
        low = self._low_shoulders
        if low is None:
            return False
        travel = low.shoulders_y_px - self._top_shoulders_y  # down the picture (image y grows downward)
        if not (math.isfinite(travel) and math.isfinite(f.shoulders_y_px) and low.body_scale_px > 0) \
                or travel < c.top_shoulder_min_travel_torso * low.body_scale_px:
            return False
        return (low.shoulders_y_px - f.shoulders_y_px) / travel < c.top_min_shoulder_rise_share

    def _elbows_opened_since_trough(self, f: Features) -> bool:
        """Whether ``f``'s elbows, read at it and at the trough frame, opened by more than
        ``redescent_max_elbow_opening_deg`` since the trough: the shoulders cannot go back down
        on hands that stay planted while the arms straighten, so a depth that says they did is a
        misread height (a glitch of the pose model's shoulders mid-ascent), not a new descent."""
        trough = self._trough_frame
        return trough is not None and self._elbows_read(f) and self._elbows_read(trough) \
            and f.elbow_angle_deg - trough.elbow_angle_deg > self.config.redescent_max_elbow_opening_deg

    def _shoulders_rose_to_trough(self) -> bool:
        """Whether the shoulders at the trough frame sit ``ascent_drop_frac`` of their top height
        above their deepest drop in the cycle before it (true where the drop is not read; false
        without a trough frame)."""
        trough = self._trough_frame
        if trough is None:
            return False
        deepest = _deepest_drop(x for x in self._cycle if x.t_s <= trough.t_s)
        if not (math.isfinite(deepest) and math.isfinite(trough.depth_raw_frac)):
            return True
        return deepest - trough.depth_raw_frac >= self.config.ascent_drop_frac

    def _elbows_read(self, f: Features) -> bool:
        """Whether ``f``'s elbow angle can tell straight arms from bent ones: measured, seen from
        one of ``[view] elbow_angle_views`` (the side or an angle), for an exercise whose reps bend
        the arms. Not from the front: an arm pointing at the camera puts its three landmarks nearly
        on one spot, and any angle can read (straight arms at the top read 62 deg head-on on
        tayyab's clip)."""
        return self.straight_elbow_deg is not None and f.view.value in self.elbow_views \
            and math.isfinite(f.elbow_angle_deg)

    def _arms_bent(self, f: Features) -> bool:
        """Whether ``f``'s elbows read bent under ``straight_elbow_deg``: not a top."""
        return self._elbows_read(f) and f.elbow_angle_deg < self.straight_elbow_deg  # type: ignore[operator]

    def _support_arms_bent(self, f: Features) -> bool:
        """Whether, on a support's exercise (incline, wall: depth is the elbows'), ``f``'s elbows are
        still at the bottom of their own range (its ``bottom_min_frac``): no top yet, whatever the
        shoulder channel says. The shoulders lead the elbows up, and on the first rep their top
        height is still being learnt (a lower first top read a rep still at its bottom, elbows at
        83 of the person's 170-73 degrees, as back at the top)."""
        if self.elbow_depth is None or not self._elbows_read(f):
            return False
        ch = self.channels["elbow"]
        return ch.span >= ch.min_span and ch.normalise(f.elbow_angle_deg) >= self.config.bottom_min_frac

    def _arms_straight(self, f: Features) -> bool:
        """Whether ``f``'s elbows read straight (``straight_elbow_deg`` or more)."""
        return self._elbows_read(f) and f.elbow_angle_deg >= self.straight_elbow_deg  # type: ignore[operator]

    def _too_short(self, cycle_s: float) -> bool:
        """Whether a cycle of ``cycle_s`` is too quick to be a rep: under ``min_rep_s`` (an absolute
        floor, 0 = none) or under ``min_rep_cycle_frac`` of the median of the person's last
        ``tempo_cycles`` cycles (from their first on). The second is tempo-invariant: it scales
        with the person's own pace and ignores the frame rate. Every cycle judged here joins the
        median, counted or not, so a person who speeds up is followed within a cycle or two."""
        c = self.config
        median = self._median_cycle_s()
        self._cycle_s.append(cycle_s)
        if cycle_s < c.min_rep_s:
            return True
        return math.isfinite(median) and cycle_s < c.min_rep_cycle_frac * median

    def _median_cycle_s(self) -> float:
        """The median of the person's last ``tempo_cycles`` cycles, nan before their first."""
        known = sorted(self._cycle_s)
        if not known:
            return NAN
        mid = len(known) // 2
        return known[mid] if len(known) % 2 else (known[mid - 1] + known[mid]) / 2.0

    def _finish_shallow(self, t_s: float, f: Features) -> Optional[FinishedCycle]:
        c = self.config
        cycle_s = t_s - self._t_start
        peak = self._peak
        self.phase = Phase.TOP
        self._top_frames.clear()
        self._remember_top(f)
        raw_ok = not (math.isfinite(self._peak_raw) and self._peak_raw < c.partial_min_drop_frac)
        out = None
        # On a support's exercise (incline, wall) depth is the elbows' (as for a full cycle): a dip
        # the shoulder channel calls back at the top, whose elbows bent to depth from straight arms
        # at the top it left, is a rep. Elbows never seen straight there are not read true (hands
        # hidden: the model guessed the wrists, and a held plank read 81-135 degrees).
        dipped = peak >= c.partial_min_frac and not self._mode_unseen
        support = self._depth_judged() if dipped and self.elbow_depth is not None else None
        if dipped and support is not None and depth_reached(*support) is True and self._peak_raw > 0.0 \
                and any(self._arms_straight(x) for x in self._cycle_top_frames):
            if not self._too_short(cycle_s):
                out = self._emit(t_s, full=True, reason=None, judged=support)
        # from a top never seen, a dip that missed the bottom cannot be called too shallow; nor with
        # the hands unseen: no shoulder drop toward them tells a shallow rep from the body settling
        elif dipped and raw_ok and not self._top_unseen and not self._too_short(cycle_s):
            if self._another_signal_bottomed() and not (self._drop_read() and self._peak_raw < c.full_depth_min_frac):
                # The signals disagree (a misread elbow in a fast rep) and the shoulders' drop, where
                # read, is a full rep's: the depth is not judged, and a rep not judged counts, as a
                # full cycle's does.
                out = self._emit(t_s, full=True, reason=None, judged=(DEPTH_NOT_JUDGED, NAN, NAN))
            else:
                # judged against the person's own bottom, not a limit; the drop is kept where it measures depth
                drop = self._peak_raw if self.elbow_depth is None and math.isfinite(self._peak_raw) else NAN
                out = self._emit(t_s, full=False, reason=NO_REP_NOT_DEEP, judged=(DEPTH_BY_USUAL, drop, NAN))
        self._cycle = []
        self._top_unseen = False
        return out

    def _another_signal_bottomed(self) -> bool:
        """Whether a depth signal other than the one driving the phases reached the person's own
        bottom (``bottom_min_frac`` of its range) on at least ``disagree_min_frames`` frames of the
        current cycle: a dip the driving signal calls shallow is then not judged shallow."""
        c = self.config
        upright = self._upright()
        values = [channel_values(x) for x in self._cycle]
        for name, channel in self.channels.items():
            if name == self._active or not self._eligible(name, upright) or channel.quality() <= 0.0:
                continue
            depths = (channel.normalise(v[name]) for v in values)
            if sum(1 for d in depths if d >= c.bottom_min_frac) >= c.disagree_min_frames:
                return True
        return False

    def _finish(self, t_s: float, f: Features) -> Optional[FinishedCycle]:
        """The cycle came back to the top at ``f``: judged, and ``f`` starts the next top."""
        self.phase = Phase.TOP
        out = self._judge_full_cycle(t_s)
        self._top_unseen = False
        self._top_frames.clear()
        self._remember_top(f)
        return out

    def _judge_full_cycle(self, t_s: float) -> Optional[FinishedCycle]:
        """The cycle that came back to a top at ``t_s``: a rep, a no-rep "not deep enough", or
        nothing (the shoulders hardly moved, or too quick to be a rep)."""
        c = self.config
        cycle_s = t_s - self._t_start
        if self._mode_unseen and self._hips_folded_in_cycle():
            # With the hands unseen the body's rise is the only depth, and a knee driven in
            # (a mountain climber) moves it too: a push-up keeps the hips open throughout.
            self._cycle = []
            return None
        depth = self._depth_judged()
        # Depth to a support (incline, wall) is the elbows': True, False, or None (not judged).
        support_depth = None if self.elbow_depth is None else depth_reached(*depth)
        bent_to_support = support_depth is True and self._peak_raw > 0.0
        if math.isfinite(self._peak_raw) and self._peak_raw < c.partial_min_drop_frac and not bent_to_support:
            # The shoulders hardly moved: another signal's noise, not a dip. Unless they did come
            # closer to the hands and the elbows bent to a support's depth: with the hands raised
            # on a rail the shoulders drop little toward them (an incline rep's first cycle, its
            # top height not yet known, read 0.19). Shoulders that rose made no dip at all.
            self._cycle = []
            return None
        if self._too_short(cycle_s):
            self._cycle = []
            return None
        # From a top never seen the drop is measured from the highest point seen yet, which is no
        # higher than the top: it can only under-read, so a short one is not judged (counted).
        deep = self._top_unseen or not self._drop_read() or \
            not (math.isfinite(self._peak_raw) and self._peak_raw < c.full_depth_min_frac)
        if self.elbow_depth is not None:  # not judged (None) counts the full cycle
            deep = support_depth is not False
        return self._emit(t_s, full=deep, reason=None if deep else NO_REP_NOT_DEEP, judged=depth)

    def _hips_folded_in_cycle(self) -> bool:
        """Whether the hips folded past ``gate_min_hip_angle_deg`` at the cycle's
        ``unseen_hips_percentile`` (a percentile, so one garbled frame does not decide)."""
        c = self.config
        hips = [x.hip_angle_deg for x in self._cycle if math.isfinite(x.hip_angle_deg)]
        return bool(hips) and float(np.percentile(hips, c.unseen_hips_percentile)) < c.gate_min_hip_angle_deg

    def _depth_judged(self, peak_raw: Optional[float] = None) -> Tuple[str, float, float]:
        """What the current cycle's depth is judged on, how deep it went and the limit (as
        :class:`RepRecord` keeps them): the elbows' bend on a support's exercise; else the
        shoulders' peak drop (``peak_raw``, default the cycle's), unless it was not measured
        (camera above), its top never seen or the camera too high to read it (:meth:`_drop_read`)."""
        if self.elbow_depth is not None:
            bottom = self.elbow_depth.bottom_deg(self._cycle, _majority_view(tuple(self._cycle)))
            return (DEPTH_NOT_JUDGED, NAN, NAN) if bottom is None else \
                (DEPTH_BY_ELBOWS, bottom, self.elbow_depth.max_bottom_elbow_deg)
        drop = self._peak_raw if peak_raw is None else peak_raw
        if self._top_unseen or not math.isfinite(drop) or not self._drop_read():
            return DEPTH_NOT_JUDGED, NAN, NAN
        return DEPTH_BY_DROP, float(drop), self.config.full_depth_min_frac

    def _split_at_trough(self, t_s: float, f: Features, locked_out: bool,
                         end_seen: bool = True) -> Optional[FinishedCycle]:
        """The person went back down from the trough: the cycle ends there and the next one
        starts, already past its bottom. ``locked_out``: the arms straightened at the trough, so
        the cycle is judged as one that reached its top (its depth read from its own frames, the
        trough's neighbourhood kept as the next cycle's top); else it is a no-rep "no lockout",
        its window's ``end_seen`` as given (:meth:`_top_passed_unseen`)."""
        c = self.config
        t_end = self._t_trough
        cycle = [x for x in self._cycle if x.t_s <= t_end]
        rest = [x for x in self._cycle if x.t_s > t_end]
        out = None
        self._top_frames.clear()
        if locked_out:
            out = self._judge_to_trough(cycle)
            bottom = max(range(len(cycle)), key=lambda i: cycle[i].depth_frac if math.isfinite(cycle[i].depth_frac)
                         else -1.0, default=0)
            for x in cycle[bottom:]:
                if x.depth_frac <= self._trough + c.ascent_drop_frac:
                    self._remember_top(x)
        elif not self._too_short(t_end - self._t_start):
            self._cycle = cycle
            # its depth measured as at a top (on its own frames: the peak so far has the next
            # descent's), though the missing lockout, not the depth, decided it
            depth = self._depth_judged(_deepest_drop(cycle))
            out = self._emit(t_end, full=False, reason=NO_REP_NO_LOCKOUT, judged=depth, end_seen=end_seen)
        self._top_unseen = False
        self.phase = Phase.BOTTOM
        self._start_cycle(t_end, rest[0] if rest else f, [])
        for x in rest[1:]:
            self._track(x.depth_frac, x)
        self._reached_bottom = True
        return out

    def _top_passed_unseen(self, bottom: float, t_bottom: float, d: float) -> bool:
        """Whether the depth went unread after the trough long enough for the person, moving at
        the speed they rose from the ``bottom`` (at ``t_bottom``) to it, to have reached the top
        and come back down to ``d`` unseen (a tracking loss across the lockout): then the cycle
        did not show a missing lockout, only the lack of a seen one. Measured on the person's own
        speed, so it holds at any tempo; a slower descent only makes the span needed longer."""
        rise_s = self._t_trough - t_bottom
        seen_again = next((x.t_s for x in self._cycle if x.t_s > self._t_trough), None)
        if not (rise_s > 0 and seen_again is not None):
            return False
        speed = (bottom - self._trough) / rise_s
        return (seen_again - self._t_trough) * speed >= self._trough + d

    def _judge_to_trough(self, cycle: List[Features]) -> Optional[FinishedCycle]:
        """The current cycle, cut to its frames up to the trough (``cycle``), judged as one that
        reached its top there (:meth:`_judge_full_cycle`), its deepest shoulder drop read from
        its own frames."""
        self._cycle = cycle
        self._peak_raw = _deepest_drop(cycle)
        return self._judge_full_cycle(self._t_trough)

    def _leave_position(self) -> Optional[FinishedCycle]:
        """The person left the plank (the gate closed, or out of view for ``max_gap_s``) mid-cycle:
        the cycle is dropped, a rest or getting up is no rep -- unless it had come back up to
        straight elbows (:meth:`_straight_top_at_trough`), where only a top calibrated on another
        posture kept it from reading as the top: then it ends there, as at any top (the last rep
        of a set done from a lower plank than one held before it)."""
        out = None
        if self.phase == Phase.ASCENT and self._straight_top_at_trough():
            out = self._judge_to_trough([x for x in self._cycle if x.t_s <= self._t_trough])
        self._abandon()
        return out

    def _emit(self, t_end: float, full: bool, reason: Optional[str],
              judged: Tuple[str, float, float] = (DEPTH_NOT_JUDGED, NAN, NAN),
              end_seen: bool = True) -> FinishedCycle:
        frames = tuple(self._cycle)
        def _depth(x: Features) -> float:
            # the unclipped shoulder drop when known (the normalised depth saturates early on)
            if math.isfinite(x.depth_raw_frac):
                return x.depth_raw_frac
            return x.depth_frac if math.isfinite(x.depth_frac) else -1.0

        deepest = max(frames, key=_depth, default=None)
        t_bottom = deepest.t_s if deepest is not None else self._t_peak
        if full:
            self.reps += 1
            index = self.reps
        else:
            self.no_reps += 1
            index = self.no_reps
        drop_read = self._drop_read()
        depth = self._peak_raw if math.isfinite(self._peak_raw) and not self._top_unseen and drop_read else self._peak
        view = _majority_view(frames)
        # The deepest elbow angle is told (per-rep table, events, history) only for a cycle seen
        # mostly from a view it reads true from; a few side-on frames of a head-on set are not it.
        min_elbow = self._min_elbow if view.value in self.elbow_views else NAN
        window = RepWindow(
            t_start_s=self._t_start, t_bottom_s=t_bottom, t_end_s=t_end, frames=frames,
            top_frames=self._cycle_top_frames, view=view, variant=self.variant,
            depth_frac=float(depth), min_elbow_angle_deg=float(min_elbow),
            seconds_down=float(t_bottom - self._t_start), seconds_up=float(t_end - t_bottom),
            top_seen=not self._top_unseen, end_seen=end_seen, drop_read=drop_read,
        )
        cycle = FinishedCycle(window=window, full=full, no_rep_reason=reason, index=index,
                              depth_norm=float(self._peak), depth_by=judged[0], depth_value=float(judged[1]),
                              depth_limit=float(judged[2]))
        self._cycle = []
        return cycle


def _deepest_drop(frames: Iterable[Features]) -> float:
    """The deepest shoulder drop (``depth_raw_frac``) among ``frames``; nan where none is read."""
    raws = [x.depth_raw_frac for x in frames if math.isfinite(x.depth_raw_frac)]
    return max(raws) if raws else NAN


#: The views a cycle's elbows and hips are read side-on from, by default (the callers pass
#: ``[view.judgeable] hip_pike``).
SIDE_ON_VIEWS: Tuple[str, ...] = (View.SIDE_LEFT.value, View.SIDE_RIGHT.value)


def arms_straight_throughout(window: RepWindow, straight_elbow_deg: float, low_percentile: float = 5.0,
                             views: Collection[str] = SIDE_ON_VIEWS) -> bool:
    """Whether ``window``'s cycle, seen from one of ``views`` (side-on: from the front a bent arm
    whose elbows travel toward or away from the camera reads straight), kept the elbow angle,
    measured on most of its frames, at or above ``straight_elbow_deg`` at its ``low_percentile``
    (one frame's jitter is not a bend). With the plank's ``[rep] top_elbow_min_deg`` the elbows
    never left a straight arm's range, and a shallow cycle's apparent drop came from elsewhere (a
    hand-held camera moving, a look up at the camera, a tracking wobble in a hold): no attempt at
    a push-up."""
    if window.view.value not in views:
        return False
    low = _low_elbow_deg(window, low_percentile)
    return low is not None and low >= straight_elbow_deg


def _low_elbow_deg(window: RepWindow, low_percentile: float) -> Optional[float]:
    """The ``low_percentile`` of the cycle's elbow angles, None unless measured on most frames."""
    elbows = [f.elbow_angle_deg for f in window.frames if math.isfinite(f.elbow_angle_deg)]
    if not elbows or len(elbows) <= len(window.frames) / 2.0:
        return None
    return float(np.percentile(elbows, low_percentile))


def straight_arms_folded_hips(window: RepWindow, straight_elbow_deg: float, min_hip_deg: float,
                              low_percentile: float = 5.0,
                              views: Collection[str] = SIDE_ON_VIEWS) -> bool:
    """Whether ``window``'s cycle, seen from one of ``views``, kept the arms straight (the elbow
    angle, measured on most frames, at or above ``straight_elbow_deg`` at its ``low_percentile``:
    one frame's jitter is not a bend) while the hips were folded (the median shoulder-hip-knee
    angle, measured on most frames, under ``min_hip_deg``). That is the body moving into or out of
    a downward dog, whose shoulders drop and rise with the hips: no attempt at a push-up. The views
    are those the hips' fold is judged from (``[view.judgeable] hip_pike``, side-on): from the
    front or above the hip angle is foreshortened and a bent arm can read straight."""
    return arms_straight_throughout(window, straight_elbow_deg, low_percentile, views) \
        and hips_folded(window, min_hip_deg, views)


def elbows_short_of(window: RepWindow, bend_deg: float, low_percentile: float = 5.0) -> bool:
    """Whether ``window``'s elbows, measured on most of its frames, stayed straighter than
    ``bend_deg`` at their ``low_percentile``: the arms never bent as far as a full rep's bottom."""
    low = _low_elbow_deg(window, low_percentile)
    return low is not None and low > bend_deg


def hips_folded(window: RepWindow, min_hip_deg: float,
                views: Collection[str] = SIDE_ON_VIEWS) -> bool:
    """Whether ``window``'s cycle, seen from one of ``views`` (where the hips' fold is judged), kept
    the hips folded beyond a plank's body line: the median shoulder-hip-knee angle, measured on
    most of its frames, under ``min_hip_deg``."""
    if window.view.value not in views:
        return False
    hips = [f.hip_angle_deg for f in window.frames if math.isfinite(f.hip_angle_deg)]
    return len(hips) > len(window.frames) / 2.0 and bool(np.median(hips) < min_hip_deg)


def _majority_view(frames: Tuple[Features, ...]) -> View:
    counts: Dict[View, int] = {}
    for f in frames:
        counts[f.view] = counts.get(f.view, 0) + 1
    if not counts:
        return View.UNKNOWN
    return max(counts.items(), key=lambda kv: kv[1])[0]
