"""Overlay drawing (adapter: cv2 drawing only, no coaching logic).

:class:`OverlayRenderer` turns a camera image and the :class:`~livecoach.types.LogicStep`
the logic made of it into the picture the user sees: the skeleton with the faulty joints in
red, the rep and no-rep counts, the phase, the current cue as a banner, a depth bar, fps,
MUTED/PAUSED badges, a hint while nobody is in position, and during a plan's camera set-up a
framing guide (:class:`~livecoach.types.FramingGuide`): corner marks of the area the whole body
must be in, the body's box (green when ready, amber while not), a red band on each image edge
a body part is cut off at, and a dashed box of the size to come up to when too far away. Everything it shows is read
from the step; it decides nothing (the logic/drawing split of roboflow/supervision).

Sizes scale with the image's short side, so the overlay reads the same at 360p and 1080p.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

import cv2
import numpy as np

from livecoach.config.schema import OverlayConfig
from livecoach.landmarks import SKELETON_EDGES, SKELETON_JOINTS, Landmark
from livecoach.types import Box, Cue, CueKind, FramingGuide, LogicStep, Phase, PoseFrame

__all__ = ["OverlayRenderer", "draw_skeleton", "overlay_scale"]

Color = Tuple[int, int, int]  # BGR

# Palette (BGR). Left/right sides get distinct tints so a side view reads at a glance;
# red is reserved for faults.
_LEFT: Color = (250, 190, 80)
_RIGHT: Color = (120, 225, 120)
_CENTER: Color = (235, 235, 235)
_DIM: Color = (135, 135, 135)
_FAULT: Color = (40, 40, 235)
_WHITE: Color = (255, 255, 255)
_BLACK: Color = (0, 0, 0)
_PANEL: Color = (25, 25, 25)
_NO_REP: Color = (60, 170, 255)
_DEPTH_OK: Color = (90, 210, 90)
_DEPTH_PARTIAL: Color = (40, 190, 250)
_MUTED_BADGE: Color = (60, 60, 200)
_PAUSED_BADGE: Color = (20, 150, 230)
_PLAN_LINE: Color = (90, 60, 20)
_SETUP: Color = (40, 110, 150)
# The framing guide: the body's box is green when the set-up is right, amber while not.
_GUIDE_READY: Color = (90, 210, 90)
_GUIDE_WRONG: Color = (40, 190, 250)
_GUIDE_AREA: Color = (235, 235, 235)
_CUE_BACKGROUND = {
    CueKind.CORRECTION: (30, 45, 200),
    CueKind.PRAISE: (50, 150, 40),
    CueKind.COUNT: (120, 70, 30),
    CueKind.ANNOUNCEMENT: (120, 70, 30),
}

_FONT = cv2.FONT_HERSHEY_DUPLEX
_LEFT_NAMES = "LEFT_"
_RIGHT_NAMES = "RIGHT_"

# Hershey fonts only have ASCII glyphs; config texts may carry typographic punctuation.
_ASCII = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u2026": "...", "\u00a0": " "})


def _ascii(text: str) -> str:
    return text.translate(_ASCII).encode("ascii", "replace").decode("ascii")


def overlay_scale(image: np.ndarray) -> float:
    """Drawing scale for ``image``: 1.0 for a 720p frame, by the short side."""
    return max(0.3, min(image.shape[0], image.shape[1]) / 720.0)


def _dashed_rectangle(image: np.ndarray, box: Tuple[int, int, int, int], color: Color, thickness: int,
                      dash: int) -> None:
    """A rectangle outline drawn in dashes of ``dash`` pixels."""
    x0, y0, x1, y1 = box
    for (ax, ay), (bx, by) in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        length = max(abs(bx - ax), abs(by - ay))
        for start in range(0, length, 2 * dash):
            end = min(length, start + dash)
            p = (ax + (bx - ax) * start // max(1, length), ay + (by - ay) * start // max(1, length))
            q = (ax + (bx - ax) * end // max(1, length), ay + (by - ay) * end // max(1, length))
            cv2.line(image, p, q, color, thickness, cv2.LINE_AA)


def _side_color(landmark: Landmark) -> Color:
    name = landmark.name
    if name.startswith(_LEFT_NAMES):
        return _LEFT
    if name.startswith(_RIGHT_NAMES):
        return _RIGHT
    return _CENTER


def _points(pose: PoseFrame, image: np.ndarray) -> np.ndarray:
    """Landmark pixels in ``image`` (the pose may come from a differently sized frame)."""
    xy = np.asarray(pose.image_xyz[:, :2], dtype=np.float64)
    height, width = image.shape[:2]
    if pose.width > 0 and pose.height > 0 and (pose.width, pose.height) != (width, height):
        xy = xy * np.array([width / pose.width, height / pose.height])
    return xy


def _pt(xy: np.ndarray) -> Optional[Tuple[int, int]]:
    if not (math.isfinite(xy[0]) and math.isfinite(xy[1])):
        return None
    return int(round(xy[0])), int(round(xy[1]))


def _blend_circle(image: np.ndarray, center: Tuple[int, int], radius: int, color: Color, alpha: float) -> None:
    """A translucent filled circle (blended on its bounding box only, not the whole frame)."""
    height, width = image.shape[:2]
    x0, y0 = max(0, center[0] - radius - 1), max(0, center[1] - radius - 1)
    x1, y1 = min(width, center[0] + radius + 2), min(height, center[1] + radius + 2)
    if x0 >= x1 or y0 >= y1:
        return
    roi = image[y0:y1, x0:x1]
    layer = roi.copy()
    cv2.circle(layer, (center[0] - x0, center[1] - y0), radius, color, -1, cv2.LINE_AA)
    cv2.addWeighted(layer, alpha, roi, 1.0 - alpha, 0, dst=roi)


def _close(a: np.ndarray, b: np.ndarray, distance: float) -> bool:
    return bool(np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.hypot(*(a - b)) < distance)


def draw_skeleton(image: np.ndarray, pose: PoseFrame, highlight: Iterable[Landmark] = (), *,
                  min_visibility: float = 0.5, scale: Optional[float] = None) -> np.ndarray:
    """Draw ``pose``'s skeleton on ``image`` **in place** and return it.

    Bones and joints less visible than ``min_visibility`` are drawn thin and grey (the
    model guessed them); joints in ``highlight`` are drawn red with a halo, and so are the
    bones that touch them (only the visible ones among them, unless none is visible).
    """
    s = overlay_scale(image) if scale is None else scale
    line = max(2, int(round(4 * s)))
    radius = max(3, int(round(6 * s)))
    xy = _points(pose, image)
    visible = {lm: pose.vis(lm) >= min_visibility for lm in Landmark}
    wanted = {Landmark(j) for j in highlight}
    # In a side view the far hip sits right behind the near one: highlighting both draws
    # doubled rings. Show the visible ones (all, if none is visible), and of a left/right
    # pair that overlaps on screen only the one nearer the camera.
    highlighted = {lm for lm in wanted if visible[lm]} or wanted
    for lm in list(highlighted):
        if lm.name.startswith(_LEFT_NAMES):
            twin = Landmark[_RIGHT_NAMES + lm.name[len(_LEFT_NAMES):]]
            if twin in highlighted and _close(xy[int(lm)], xy[int(twin)], radius * 4):
                # Keep the one nearer the camera (smaller z).
                highlighted.discard(twin if pose.image_xyz[int(lm), 2] <= pose.image_xyz[int(twin), 2] else lm)

    # Halos first, so bones and joints stay crisp on top of them.
    for lm in highlighted:
        p = _pt(xy[int(lm)])
        if p is not None:
            _blend_circle(image, p, radius * 4, _FAULT, 0.35)
            cv2.circle(image, p, radius * 4, _FAULT, max(1, line // 2), cv2.LINE_AA)

    bones = []  # (layer, a, b): dimmed bones under visible ones, faulty ones on top
    for a, b in SKELETON_EDGES:
        pa, pb = _pt(xy[int(a)]), _pt(xy[int(b)])
        if pa is None or pb is None:
            continue
        if a in highlighted or b in highlighted:
            bones.append((2, pa, pb, _FAULT, line + max(1, line // 2)))
        elif visible[a] and visible[b]:
            color = _side_color(a) if _side_color(a) == _side_color(b) else _CENTER
            bones.append((1, pa, pb, color, line))
        else:
            bones.append((0, pa, pb, _DIM, max(1, line // 2)))
    for layer, pa, pb, color, width in sorted(bones, key=lambda bone: bone[0]):
        if layer:
            # A dark under-stroke keeps bones readable on light walls and bright clothes.
            cv2.line(image, pa, pb, _BLACK, width + 2, cv2.LINE_AA)
        cv2.line(image, pa, pb, color, width, cv2.LINE_AA)

    for lm in sorted(set(SKELETON_JOINTS) | highlighted, key=lambda j: (j in highlighted, int(j))):
        p = _pt(xy[int(lm)])
        if p is None:
            continue
        if lm in highlighted:
            cv2.circle(image, p, int(radius * 1.6), _WHITE, -1, cv2.LINE_AA)
            cv2.circle(image, p, int(radius * 1.3), _FAULT, -1, cv2.LINE_AA)
        elif visible[lm]:
            cv2.circle(image, p, radius, _BLACK, -1, cv2.LINE_AA)
            cv2.circle(image, p, max(1, radius - 2), _side_color(lm), -1, cv2.LINE_AA)
        else:
            cv2.circle(image, p, max(2, radius // 2), _DIM, -1, cv2.LINE_AA)
    return image


@dataclass(frozen=True)
class _Text:
    text: str
    font_scale: float
    thickness: int

    def size(self) -> Tuple[int, int, int]:
        (w, h), baseline = cv2.getTextSize(self.text, _FONT, self.font_scale, self.thickness)
        return w, h, baseline


class OverlayRenderer:
    """Draws a :class:`LogicStep` over a BGR image. Stateless between frames.

    ``render`` returns a new image and never modifies the input.
    """

    def __init__(self, config: OverlayConfig) -> None:
        self._config = config

    # -- primitives --------------------------------------------------------------------

    @staticmethod
    def _text(image: np.ndarray, text: str, org: Tuple[int, int], font_scale: float, color: Color,
              thickness: int) -> None:
        """Text with a dark outline, legible on any background."""
        cv2.putText(image, text, org, _FONT, font_scale, _BLACK, thickness + max(2, thickness), cv2.LINE_AA)
        cv2.putText(image, text, org, _FONT, font_scale, color, thickness, cv2.LINE_AA)

    @staticmethod
    def _panel(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: Color, alpha: float,
               radius: int) -> None:
        """A translucent rounded rectangle, blended on its own region only."""
        height, width = image.shape[:2]
        cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        if cx0 >= cx1 or cy0 >= cy1:
            return
        roi = image[cy0:cy1, cx0:cx1]
        layer = roi.copy()
        ox, oy = x0 - cx0, y0 - cy0
        w, h = x1 - x0, y1 - y0
        r = max(0, min(radius, w // 2, h // 2))
        cv2.rectangle(layer, (ox + r, oy), (ox + w - r, oy + h), color, -1)
        cv2.rectangle(layer, (ox, oy + r), (ox + w, oy + h - r), color, -1)
        for cx, cy in ((ox + r, oy + r), (ox + w - r, oy + r), (ox + r, oy + h - r), (ox + w - r, oy + h - r)):
            cv2.circle(layer, (cx, cy), r, color, -1, cv2.LINE_AA)
        cv2.addWeighted(layer, alpha, roi, 1.0 - alpha, 0, dst=roi)

    def _banner(self, image: np.ndarray, text: str, center_y: int, color: Color, s: float,
                font_scale: float, alpha: float = 0.85) -> Tuple[int, int, int, int]:
        """A centred text banner that shrinks its font to fit the width; returns its box."""
        height, width = image.shape[:2]
        thickness = max(1, int(round(2 * s)))
        fs = font_scale * s
        tw, th, base = _Text(text, fs, thickness).size()
        max_w = int(width * 0.9)
        if tw > max_w:
            fs *= max_w / tw
            thickness = max(1, int(round(thickness * max_w / tw)))
            tw, th, base = _Text(text, fs, thickness).size()
        pad_x, pad_y = int(22 * s), int(14 * s)
        x0 = (width - tw) // 2 - pad_x
        x1 = x0 + tw + 2 * pad_x
        y0 = center_y - th // 2 - pad_y
        y1 = center_y + th // 2 + base + pad_y
        self._panel(image, x0, y0, x1, y1, color, alpha, int(12 * s))
        self._text(image, text, ((width - tw) // 2, center_y + th // 2), fs, _WHITE, thickness)
        return x0, y0, x1, y1

    # -- parts -------------------------------------------------------------------------

    def _count_panel(self, image: np.ndarray, s: float, label: str, count: str, count_color: Color, line: str,
                     line_color: Color, side: Optional[Tuple[str, str]] = None) -> None:
        """The panel at the top left: a small label over a big count (beside them, ``side``: a
        second label over a smaller count, the no-reps), and a line under them."""
        margin, pad, gap, small = int(16 * s), int(14 * s), int(26 * s), max(1, int(round(1.5 * s)))
        head, big = _Text(label, 0.65 * s, small), _Text(count, 2.6 * s, max(2, int(round(5 * s))))
        under = _Text(_ascii(line), 0.8 * s, max(1, int(round(2 * s))))
        lw, lh, _ = head.size()
        cw, ch, _ = big.size()
        pw, ph, _ = under.size()
        beside = (_Text(side[0], 0.65 * s, small), _Text(side[1], 1.5 * s, max(1, int(round(3 * s))))) if side else ()
        side_w = gap + max(t.size()[0] for t in beside) if beside else 0
        row1 = lh + int(10 * s) + ch
        x0 = y0 = margin
        # Nearly opaque: at 0.6 a bright background (a poster, a window, a video's own burnt-in
        # counter) showed through behind the count's digits.
        self._panel(image, x0, y0, x0 + max(max(lw, cw) + side_w, pw) + 2 * pad,
                    y0 + row1 + int(16 * s) + ph + 2 * pad, _PANEL, 0.85, int(12 * s))
        x, y = x0 + pad, y0 + pad
        self._text(image, head.text, (x, y + lh), head.font_scale, (200, 200, 200), head.thickness)
        self._text(image, big.text, (x, y + row1), big.font_scale, count_color, big.thickness)
        if beside:
            nx = x + max(lw, cw) + gap
            self._text(image, beside[0].text, (nx, y + lh), beside[0].font_scale, (200, 200, 200), small)
            self._text(image, beside[1].text, (nx, y + lh + int(10 * s) + beside[1].size()[1]), beside[1].font_scale,
                       _NO_REP, beside[1].thickness)
        self._text(image, under.text, (x, y + row1 + int(16 * s) + ph), under.font_scale, line_color, under.thickness)

    def _counts(self, image: np.ndarray, step: LogicStep, s: float) -> None:
        """The rep count, the no-reps and the phase; during a hold, its seconds in good form (dimmed
        while the form is broken: they stop counting) and whether the form holds, what broke it
        (red), or the seconds left to the target."""
        hold = step.hold
        if hold is None:
            self._count_panel(image, s, "REPS", str(step.reps), _WHITE, step.phase.value.upper(),
                              _DIM if step.phase is Phase.NOT_IN_POSITION else (120, 230, 255),
                              side=("NO-REPS", str(step.no_reps)))
            return
        broken = hold.state == "broken"
        if broken:
            state = (hold.fault or "form broken").replace("_", " ").upper()
        elif hold.remaining_s is not None:
            state = f"{max(hold.remaining_s, 0.0):.0f} s TO GO" if hold.remaining_s > 0 else "TARGET REACHED"
        else:
            state = "GOOD FORM"
        self._count_panel(image, s, "HOLD", f"{hold.seconds_good:.0f} s", _DIM if broken else _WHITE, state,
                          _FAULT if broken else _DEPTH_OK)

    def _status(self, image: np.ndarray, fps: float, muted: bool, paused: bool, s: float,
                lite_model: bool = False) -> int:
        """fps and MUTED/PAUSED/LITE MODEL badges at the top right; returns the y below them."""
        width = image.shape[1]
        margin = int(16 * s)
        fps_text = _Text(f"{fps:.0f} fps" if math.isfinite(fps) else "-- fps", 0.6 * s, max(1, int(round(1.5 * s))))
        fw, fh, _ = fps_text.size()
        y = margin + fh
        self._text(image, fps_text.text, (width - margin - fw, y), fps_text.font_scale, (220, 220, 220),
                   fps_text.thickness)
        y += int(12 * s)
        for on, word, color in ((muted, "MUTED", _MUTED_BADGE), (paused, "PAUSED", _PAUSED_BADGE),
                                (lite_model, "LITE MODEL", _MUTED_BADGE)):
            if not on:
                continue
            badge = _Text(word, 0.65 * s, max(1, int(round(2 * s))))
            bw, bh, _ = badge.size()
            pad = int(8 * s)
            x1 = width - margin
            x0 = x1 - bw - 2 * pad
            self._panel(image, x0, y, x1, y + bh + 2 * pad, color, 0.9, int(8 * s))
            self._text(image, word, (x0 + pad, y + pad + bh), badge.font_scale, _WHITE, badge.thickness)
            y += bh + 2 * pad + int(8 * s)
        return y

    def _depth_bar(self, image: np.ndarray, progress: float, top: int, s: float) -> None:
        height, width = image.shape[:2]
        margin = int(16 * s)
        bar_w = max(8, int(18 * s))
        label = _Text("DEPTH", 0.5 * s, max(1, int(round(1.5 * s))))
        lw, lh, _ = label.size()
        x1 = width - margin
        x0 = x1 - bar_w
        y0 = max(top + lh + int(10 * s), int(height * 0.3))
        y1 = min(height - int(height * 0.25), y0 + int(height * 0.4))
        if y1 - y0 < 4 * bar_w:
            return  # too little room (tiny frame): a stub of a bar says nothing
        self._text(image, label.text, (x1 - lw, y0 - int(8 * s)), label.font_scale, (220, 220, 220), label.thickness)
        self._panel(image, x0, y0, x1, y1, _PANEL, 0.6, bar_w // 3)
        p = 0.0 if not math.isfinite(progress) else min(1.0, max(0.0, progress))
        fill = int(round((y1 - y0) * p))
        if fill > 0:
            color = _DEPTH_OK if p >= 1.0 else _DEPTH_PARTIAL
            cv2.rectangle(image, (x0 + 2, y0 + 2), (x1 - 3, y0 + fill - 1), color, -1)
        # The full-depth mark at the bottom of the bar.
        cv2.line(image, (x0 - int(6 * s), y1), (x1 + int(4 * s), y1), _WHITE, max(1, int(round(2 * s))), cv2.LINE_AA)

    def _active_cue(self, step: LogicStep) -> Optional[Cue]:
        cue = step.last_cue
        if cue is None:
            return None
        age = step.t_s - cue.t_s
        return cue if 0.0 <= age < self._config.cue_display_s else None

    def _framing(self, image: np.ndarray, guide: FramingGuide, s: float) -> None:
        height, width = image.shape[:2]

        def px(box: Box) -> Tuple[int, int, int, int]:
            return (int(round(box[0] * (width - 1))), int(round(box[1] * (height - 1))),
                    int(round(box[2] * (width - 1))), int(round(box[3] * (height - 1))))

        thick = max(1, int(round(2 * s)))
        x0, y0, x1, y1 = px(guide.safe_box)
        arm = max(6, int(0.07 * min(width, height)))
        for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
            cv2.line(image, (cx, cy), (cx + dx * arm, cy), _GUIDE_AREA, thick, cv2.LINE_AA)
            cv2.line(image, (cx, cy), (cx, cy + dy * arm), _GUIDE_AREA, thick, cv2.LINE_AA)
        band = max(4, int(round(12 * s)))
        bands = {"left": (0, 0, band, height), "right": (width - band, 0, width, height),
                 "top": (0, 0, width, band), "bottom": (0, height - band, width, height)}
        for edge in guide.cut_edges:
            self._panel(image, *bands[edge], _FAULT, 0.75, 0)
        if guide.target_box is not None:
            _dashed_rectangle(image, px(guide.target_box), _GUIDE_AREA, thick, max(6, int(14 * s)))
        if guide.body_box is not None:
            bx0, by0, bx1, by1 = px(guide.body_box)
            color = _GUIDE_READY if guide.ready else _GUIDE_WRONG
            cv2.rectangle(image, (bx0, by0), (bx1, by1), color, thick + 1, cv2.LINE_AA)

    # -- public ------------------------------------------------------------------------

    def render(self, image: np.ndarray, step: LogicStep, fps: float, muted: bool = False,
               paused: bool = False, plan_line: Optional[str] = None,
               setup_line: Optional[str] = None, lite_model: bool = False,
               framing: Optional[FramingGuide] = None) -> np.ndarray:
        """A new BGR image: ``image`` with the overlay for ``step`` drawn on it.

        With a workout plan: ``plan_line`` ("Set 2 of 3: wide 8-12 -- 5 reps", "Rest 0:42 --
        next: ...") along the bottom, and during the camera set-up ``setup_line`` (what to
        change, or "Ready") in place of the no-person hint. ``lite_model``: a badge saying the
        session switched to the lighter pose model because frames were being dropped.
        ``framing``: the framing guide of the camera set-up (drawn under the texts)."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected a BGR image (H x W x 3), got shape {image.shape}")
        out = np.ascontiguousarray(image, dtype=np.uint8).copy()
        s = overlay_scale(out)
        height, width = out.shape[:2]
        if paused:
            cv2.convertScaleAbs(out, dst=out, alpha=0.55)  # dim: the picture is frozen
        if framing is not None and not paused:
            self._framing(out, framing, s)
        if step.pose is not None:
            draw_skeleton(out, step.pose, step.highlight, min_visibility=self._config.dim_below_visibility, scale=s)
        self._counts(out, step, s)
        status_bottom = self._status(out, fps, muted, paused, s, lite_model)
        if step.phase is not Phase.NOT_IN_POSITION and step.hold is None:
            self._depth_bar(out, step.rep_progress, status_bottom, s)
        cue = self._active_cue(step)
        bottom_y = height - int(60 * s)
        label_y = height - int(16 * s)
        if plan_line:
            plan_box = self._banner(out, _ascii(plan_line), height - int(26 * s), _PLAN_LINE, s, 0.8, alpha=0.8)
            bottom_y = height - int(100 * s)  # the cue banner goes above the plan line
            label_y = plan_box[1] - int(8 * s)  # and the exercise line just above it, not under it
        if step.exercise_label:  # which exercise, bottom left, small: the count stays the eye-catcher
            self._text(out, _ascii(step.exercise_label), (int(16 * s), label_y), 0.6 * s, _WHITE,
                       max(1, int(round(1.5 * s))))
        if cue is not None:
            self._banner(out, _ascii(cue.text), bottom_y, _CUE_BACKGROUND.get(cue.kind, _PANEL), s, 1.3)
        elif paused:
            pass  # the PAUSED banner below says what to do
        elif setup_line:
            self._banner(out, _ascii(setup_line), height // 2, _SETUP, s, 1.1, alpha=0.8)
        elif step.pose is None:
            self._banner(out, _ascii(self._config.no_person_hint), height // 2, _PANEL, s, 1.1, alpha=0.7)
        elif step.phase is Phase.NOT_IN_POSITION:
            self._banner(out, _ascii(self._config.no_person_hint), bottom_y, _PANEL, s, 0.9, alpha=0.7)
        if paused:
            self._banner(out, "PAUSED - press space to resume", int(height * 0.35), _PAUSED_BADGE, s, 1.0)
        return out
