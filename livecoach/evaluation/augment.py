"""Label-preserving transforms of a clip for ``livecoach eval --augment``.

A transform changes the video and its labels together, so a correct app must give the same
answers on the transformed clip as on the original:

* **tempo** ``tempo<F>x``: the clip played ``F`` times as fast at the *same* frame rate. For
  ``F > 1`` output frame ``j`` is source frame ``floor(j * F)`` (every k-th frame kept; 1.5x
  keeps 2 of every 3); for ``F < 1`` frames are repeated (0.5x shows each frame twice). Rep
  counts and fault labels stay; every labelled time (active span, rep bottoms) is divided by
  ``F``. Tempo transforms work on the cached landmark stream: the pose model is not re-run
  (it would see the same images), so they cost a replay only.
* **frame-rate** ``fps15``, ``fps60``: the clip as a 15 fps camera films it: the frames nearest
  each 1/15 s kept with their own times; as a 60 fps camera does: a frame every 1/60 s, its
  landmarks interpolated between the two filmed frames around it plus the clip's own frame-to-frame
  jitter (:func:`~livecoach.evaluation.stream_transforms.frame_rate_frames`; a clip filmed at the
  rate, within 1 %, is unchanged). Nothing labelled changes. Like ``tempo`` it works on the cached
  landmark stream: it tests what the logic assumes about frames, not the pose model at 60 fps.
* **zoom-drift** ``zoomdrift``: a camera that zooms in and out while the person trains (an
  auto-framing webcam re-framing, a hand-held phone): every frame's landmarks scaled about the
  picture's centre by ``1 + amplitude * sin(2 pi t / period_s)`` (``t`` from the first frame).
  A digital zoom scales the picture's pixel coordinates exactly so; what it leaves out is the
  pose model's own response to a bigger or smaller body (as ``tempo`` leaves out motion blur).
  World landmarks (metres) do not change; nothing labelled changes. It works on the cached
  landmark stream.
* **frame-drops** ``drops30``, ``drops50``: a computer that cannot keep up with the camera (a slower
  laptop than the one measured, another program busy): that share of the frames lost, in bursts
  (:func:`~livecoach.evaluation.stream_transforms.dropped_frames`), the rest passed on with their
  own times. Nothing labelled changes. It works on the cached landmark stream.
* **view-turn** ``turn30``, ``turn-30``, ``turn45``, ``turn-45``: the camera moved that many degrees
  around the person, one way or the other, about the floor's vertical through their hips (the
  clip's own camera elevation, the median its frames read, kept; a side view
  becomes a 3/4 view from the front or from behind; a head-on view one from the front and a side):
  :func:`~livecoach.evaluation.stream_transforms.turned_view_frames`. Nothing labelled changes: the
  same reps with the same faults, seen from elsewhere. It works on the cached landmark stream, so
  what it leaves out is the pose model's own response to the new view (a far limb half hidden
  behind the body is guessed): it measures what the counter and the fault rules make of the view's
  geometry alone.
* **view-raise** ``raise30``, ``raise45``: the camera raised that many degrees, looking down at the
  person (a laptop on a table or a shelf, a phone held up; the unseen clips include one filmed from
  above), about a horizontal axis across the picture:
  :func:`~livecoach.evaluation.stream_transforms.raised_view_frames`. Heights shorten by the cosine
  of the angle (planted hands stay put), and what lies further from the camera moves up the picture
  by its depth, a median over 10 s (longer than the slowest labelled rep, 5.5 s: the model's misread
  depth of a bent arm's hand does not move the hand). As ``view-turn``, on the cached landmark
  stream; nothing labelled changes.
* **hands-unseen** ``handsunseen``: the pose model reports both hands as not seen (each wrist's
  and finger's visibility set to ``visibility``, their places kept as its guesses), as it does
  for hands behind a bar, equipment or the body seen from behind
  (:func:`~livecoach.evaluation.stream_transforms.hands_unseen_frames`). Nothing labelled changes.
  It works on the cached landmark stream; ``hidehands`` below is the other case, where the model
  guesses hidden hands and calls them seen. ``handsflicker``: the hands seen and unseen by turns,
  in stretches of a tenth of ``longest_s`` up to it each (seeded by the clip), about half the
  frames without them: dim light, or the body shading them at the bottom, where the model's
  visibility flickers (:func:`~livecoach.evaluation.stream_transforms.hands_flicker_frames`).
* **tempo-model** ``tempo<F>x-model``: the same resampling done to the *video's frames*
  before the pose model, which then runs on them. Slower, but closer to a fast mover in
  front of a camera: the model's tracker sees the larger motion between frames, which a
  resampled landmark stream hides (so ``tempo`` alone is optimistic).
* **tempo-blur** ``tempo<F>x-blur``: as tempo-model, through a shutter open the whole frame (dim
  indoor light: a webcam lengthens its exposure to the frame's time): each output frame is the mean
  of the ``F`` source frames it spans (output ``j``: source frames ``floor(j F)`` up to
  ``floor((j + 1) F)``), so a fast movement smears as a camera records it; ``tempo-model`` keeps
  one sharp frame of the span, which no camera gives at that speed in dim light. For ``F > 1``.
* **image** ``dim``, ``mirror``, ``zoomout``, ``zoomin``, ``rotate``, ``washedout`` (low contrast in
  bright light: a window behind the person), ``lowres`` (a cheap webcam: at most 320 px
  across, heavy JPEG): the frames themselves change, so the pose model runs on the transformed frames
  (:mod:`livecoach.evaluation.image_transforms` does the pixels; the landmarks are cached per clip
  and transform). Times and counts stay; ``mirror`` swaps left and right in the labels' words (the
  ``view`` text).
* **hands hidden** ``hidehands`` (an image transform): each hand blurred out, a disc of
  ``radius_forearms`` forearm lengths around its landmarks, placed from the clip's own cached
  landmarks of the same frame: the hands behind a bar or equipment, or hidden by the body from
  behind. The pose model, which reads the hands from the picture, then has to guess them. Nothing
  labelled changes.
* **combined** ``dim-fast``, ``far-tilted``, ``mirror-dim``: two conditions at once, as a clip
  from an unseen person and camera brings them (each alone may pass where the two together do
  not): dim light at 2x speed (the model on the kept, darkened frames); a far, tilted camera
  (zoomed out, then rotated); mirrored and dim. Their labels move as each part's would.

This module is pure (no cv2, no numpy): the specs, their parsing, the tempo's frame arithmetic and
the label transforms; :mod:`livecoach.evaluation.stream_transforms` applies the landmark-stream kinds.
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from livecoach.evaluation.manifest import ClipSpec, EvalError

__all__ = ["Augmentation", "AUGMENTATIONS", "TEMPO", "TEMPO_MODEL", "TEMPO_BLUR", "IMAGE", "MODEL_KINDS",
           "parse_augmentations", "tempo_source_indices", "tempo_copies", "transform_clip", "swap_left_right",
           "FRAME_RATE", "LANDMARK_KINDS", "ZOOM_DRIFT", "FRAME_DROPS", "VIEW_TURN", "VIEW_RAISE", "HANDS_UNSEEN",
           "COMBINED", "combined", "GUIDED_STEPS"]

TEMPO = "tempo"
TEMPO_MODEL = "tempo-model"
TEMPO_BLUR = "tempo-blur"
FRAME_RATE = "frame-rate"
ZOOM_DRIFT = "zoom-drift"
FRAME_DROPS = "frame-drops"
VIEW_TURN = "view-turn"
VIEW_RAISE = "view-raise"
HANDS_UNSEEN = "hands-unseen"
IMAGE = "image"
#: Kinds that transform the cached landmark stream (the pose model is not re-run).
LANDMARK_KINDS = (TEMPO, FRAME_RATE, ZOOM_DRIFT, FRAME_DROPS, VIEW_TURN, VIEW_RAISE, HANDS_UNSEEN)
#: Kinds whose landmarks come from running the pose model on transformed frames.
MODEL_KINDS = (TEMPO_MODEL, TEMPO_BLUR, IMAGE)
#: Image steps placed on the person from the clip's own landmarks of the same frame.
GUIDED_STEPS = ("hidehands",)


@dataclass(frozen=True)
class Augmentation:
    """One label-preserving transform: its name (part of cache file names), kind and setting.

    ``speed`` is the tempo factor (1.0 for image transforms). ``params`` are the image
    transform's settings (see :mod:`livecoach.evaluation.image_transforms`); they are part
    of the cache key, so changing one re-extracts. ``steps``: for a combined transform, the image
    transforms it applies in turn (their parameters all in ``params``); empty for one named
    ``name``.
    """

    name: str
    kind: str
    speed: float = 1.0
    params: Tuple[Tuple[str, float], ...] = ()
    description: str = ""
    steps: Tuple[str, ...] = ()

    def param(self, key: str) -> float:
        return dict(self.params)[key]

    @property
    def guided(self) -> bool:
        """Whether a step places its change on the person: it needs the clip's own landmarks."""
        return any(step in GUIDED_STEPS for step in self.image_steps)

    @property
    def image_steps(self) -> Tuple[str, ...]:
        """The image transforms applied to each frame, in order (none for a landmark-stream kind)."""
        if self.kind != IMAGE:
            return ()
        return self.steps or (self.name,)


#: Every transform ``--augment`` knows, in report order.
AUGMENTATIONS: Tuple[Augmentation, ...] = (
    Augmentation("tempo0.25x", TEMPO, 0.25, description="quarter speed: every frame shown four times"),
    Augmentation("tempo0.5x", TEMPO, 0.5, description="half speed: every frame shown twice"),
    Augmentation("tempo1.5x", TEMPO, 1.5, description="1.5x speed: 2 of every 3 frames kept, same fps"),
    Augmentation("tempo2x", TEMPO, 2.0, description="2x speed: every 2nd frame kept, same fps"),
    Augmentation("tempo2.5x", TEMPO, 2.5, description="2.5x speed: 2 of every 5 frames kept, same fps"),
    Augmentation("fps15", FRAME_RATE, params=(("fps", 15.0),),
                 description="a 15 fps camera: the frames nearest each 1/15 s kept, with their times"),
    Augmentation("fps60", FRAME_RATE, params=(("fps", 60.0),),
                 description="a 60 fps camera: a frame every 1/60 s, its landmarks interpolated between "
                             "the two filmed frames around it"),
    Augmentation("zoomdrift", ZOOM_DRIFT, params=(("amplitude", 0.15), ("period_s", 8.0)),
                 description="a camera zooming in and out (auto-framing, hand-held): the picture scaled "
                             "1 + 0.15 sin(2 pi t / 8 s) about its centre"),
    Augmentation("drops30", FRAME_DROPS, params=(("share", 0.3), ("burst_frames", 2.0)),
                 description="a computer that cannot keep up: 30 % of the frames lost, in bursts of 1-3 frames"),
    Augmentation("drops50", FRAME_DROPS, params=(("share", 0.5), ("burst_frames", 2.0)),
                 description="a computer that cannot keep up: half the frames lost, in bursts of 1-3 frames"),
    *(Augmentation(f"turn{degrees:g}", VIEW_TURN, params=(("degrees", float(degrees)),),
                   description=f"the camera moved {abs(degrees)} degrees around the person ("
                               f"{'one way' if degrees > 0 else 'the other way'}), about the floor's vertical through the hips")
      for degrees in (30, -30, 45, -45)),
    *(Augmentation(f"raise{degrees:g}", VIEW_RAISE, params=(("degrees", float(degrees)), ("depth_window_s", 10.0)),
                   description=f"the camera raised {degrees} degrees, looking down at the person (a laptop on "
                               "a table or a shelf, a phone held up)")
      for degrees in (30, 45)),
    Augmentation("handsunseen", HANDS_UNSEEN, params=(("visibility", 0.05),),
                 description="the hands unseen (a bar, equipment, the body seen from behind), as the pose "
                             "model reports a hidden landmark: each hand's wrist and fingers at visibility 0.05"),
    Augmentation("handsflicker", HANDS_UNSEEN, params=(("visibility", 0.05), ("longest_s", 1.0)),
                 description="the hands seen and unseen by turns (dim light, the body shading them at the "
                             "bottom): stretches of 0.1-1 s each, about half the frames' hands at visibility 0.05"),
    Augmentation("tempo0.5x-model", TEMPO_MODEL, 0.5, description="half speed, pose model on the repeated frames"),
    Augmentation("tempo1.5x-model", TEMPO_MODEL, 1.5, description="1.5x speed, pose model on the kept frames"),
    Augmentation("tempo2x-model", TEMPO_MODEL, 2.0, description="2x speed, pose model on the kept frames"),
    Augmentation("tempo2.5x-model", TEMPO_MODEL, 2.5, description="2.5x speed, pose model on the kept frames"),
    *(Augmentation(f"tempo{speed:g}x-blur", TEMPO_BLUR, speed,
                   description=f"{speed:g}x speed through a shutter open the whole frame: each frame the mean "
                               "of the source frames it spans (motion blur), pose model on them")
      for speed in (1.5, 2.0, 2.5)),
    Augmentation("dim", IMAGE, params=(("gamma", 2.2), ("gain", 0.6), ("noise_sigma", 6.0)),
                 description="dim light: gamma 2.2, gain 0.6, Gaussian sensor noise sigma 6 (of 255)"),
    Augmentation("mirror", IMAGE, description="mirrored left-right"),
    Augmentation("zoomout", IMAGE, params=(("scale", 0.7),),
                 description="zoomed out: frame scaled to 70 % and padded with black to the original size"),
    Augmentation("zoomin", IMAGE, params=(("keep", 0.8),),
                 description="zoomed in: the frame's central 80 % scaled up to the full size (a body "
                             "that filled the frame loses its ends at the edges)"),
    Augmentation("rotate", IMAGE, params=(("degrees", 7.0),),
                 description="rotated 7 degrees about the centre (black corners)"),
    Augmentation("washedout", IMAGE, params=(("contrast", 0.35), ("level", 220.0), ("noise_sigma", 3.0)),
                 description="washed-out light (a bright window behind, a camera over-exposing): contrast cut "
                             "to 35 % toward a light grey (220 of 255), sensor noise sigma 3"),
    Augmentation("lowres", IMAGE, params=(("max_side_px", 320.0), ("jpeg_quality", 30.0)),
                 description="a cheap webcam: the picture's longer side at most 320 px (QVGA), JPEG "
                             "quality 30, scaled back up"),
    Augmentation("hidehands", IMAGE, params=(("radius_forearms", 0.6), ("blur_sigma_px", 25.0)),
                 description="the hands hidden (a bar, equipment, the body seen from behind): each hand "
                             "blurred out over 0.6 forearm lengths around its landmarks"),
    # Two conditions at once, as an unseen clip brings them: each alone passes, together they may not.
    Augmentation("dim-fast", IMAGE, 2.0, params=(("gamma", 2.2), ("gain", 0.6), ("noise_sigma", 6.0)),
                 steps=("dim",), description="dim light (as dim) at 2x speed, pose model on the kept darkened frames"),
    Augmentation("far-tilted", IMAGE, params=(("scale", 0.7), ("degrees", 7.0)), steps=("zoomout", "rotate"),
                 description="a far, tilted camera: zoomed out to 70 %, then rotated 7 degrees"),
    Augmentation("mirror-dim", IMAGE, params=(("gamma", 2.2), ("gain", 0.6), ("noise_sigma", 6.0)),
                 steps=("mirror", "dim"), description="mirrored and dim (as mirror, then dim)"),
)

_BY_NAME: Dict[str, Augmentation] = {a.name: a for a in AUGMENTATIONS}
_KINDS: Tuple[str, ...] = (TEMPO, FRAME_RATE, ZOOM_DRIFT, FRAME_DROPS, VIEW_TURN, VIEW_RAISE, HANDS_UNSEEN, TEMPO_MODEL,
                           TEMPO_BLUR, IMAGE)
#: The group word for the transforms that combine two conditions (``steps``, or an image kind sped up).
COMBINED = "combined"


def combined(augmentation: Augmentation) -> bool:
    """Whether ``augmentation`` brings two conditions at once (two image steps, or one sped up)."""
    return len(augmentation.steps) > 1 or (augmentation.kind == IMAGE and augmentation.speed != 1.0)


def parse_augmentations(text: Optional[str]) -> List[Augmentation]:
    """The transforms named in ``text``: ``all``, a kind (``tempo``, ``frame-rate``, ``zoom-drift``,
    ``frame-drops``, ``view-turn``, ``view-raise``, ``hands-unseen``, ``tempo-model``, ``tempo-blur``,
    ``image``: the single image transforms), ``combined`` or names, comma-separated.

    Raises :class:`EvalError` naming the unknown word and the known ones.
    """
    if text is None:
        return []
    chosen: List[Augmentation] = []
    for word in (w.strip() for w in text.split(",")):
        if not word:
            continue
        if word == "all":
            picked = list(AUGMENTATIONS)
        elif word in _KINDS:
            picked = [a for a in AUGMENTATIONS if a.kind == word and not combined(a)]
        elif word == COMBINED:
            picked = [a for a in AUGMENTATIONS if combined(a)]
        elif word in _BY_NAME:
            picked = [_BY_NAME[word]]
        else:
            known = ", ".join(["all", *_KINDS, COMBINED] + list(_BY_NAME))
            raise EvalError(f"--augment: unknown transform {word!r} (known: {known})")
        chosen += [a for a in picked if a not in chosen]
    if not chosen:
        raise EvalError("--augment: no transform named")
    return chosen


def tempo_source_indices(n_frames: int, speed: float) -> List[int]:
    """For each output frame, the source frame it shows: ``floor(j * speed)`` while in range."""
    if not (speed > 0 and math.isfinite(speed)):
        raise ValueError(f"tempo factor must be positive, not {speed}")
    out: List[int] = []
    j = 0
    while True:
        # The small epsilon keeps floor(j * 1.5) exact where j * 1.5 is an integer in binary.
        i = int(math.floor(j * speed + 1e-9))
        if i >= n_frames:
            return out
        out.append(i)
        j += 1


def tempo_copies(source_index: int, next_output: int, speed: float) -> int:
    """How many output frames show source frame ``source_index`` when the next output frame
    is ``next_output`` (streaming form of :func:`tempo_source_indices`: 0 = dropped, 2 = repeated)."""
    n = 0
    while int(math.floor((next_output + n) * speed + 1e-9)) == source_index:
        n += 1
    return n


_LEFT_RIGHT = re.compile(r"\b(left|right)\b", flags=re.IGNORECASE)


def swap_left_right(text: str) -> str:
    """``text`` with the words left and right swapped (case kept): the labels of a mirrored clip."""
    def swap(match: "re.Match[str]") -> str:
        word = match.group(0)
        other = "right" if word.lower() == "left" else "left"
        return other.upper() if word.isupper() else other.capitalize() if word[0].isupper() else other
    return _LEFT_RIGHT.sub(swap, text)


def transform_clip(clip: ClipSpec, augmentation: Augmentation) -> ClipSpec:
    """The clip's labels after ``augmentation``: times divided by the tempo factor (a hold's
    span and good-form seconds too), left/right swapped by a mirror; counts, fault, verdict and
    exercise labels unchanged. ``file`` gets the transform's name appended
    (``clip.mp4@tempo2x``) so results stay apart; ``path`` stays."""
    speed = augmentation.speed
    span = clip.active_span_s
    changed = dataclasses.replace(
        clip, file=f"{clip.file}@{augmentation.name}",
        active_span_s=None if span is None else (span[0] / speed, span[1] / speed),
        rep_bottoms_s=tuple(t / speed for t in clip.rep_bottoms_s),
        holds=None if clip.holds is None else tuple(
            dataclasses.replace(h, start_s=h.start_s / speed, end_s=h.end_s / speed,
                                good_form_s=h.good_form_s / speed) for h in clip.holds))
    if "mirror" in augmentation.image_steps:
        changed = dataclasses.replace(changed, view_text=swap_left_right(clip.view_text))
    return changed
