"""The clip manifest of ``livecoach eval``: each clip's file and ground truth.

``manifest.json`` (see ``../shared/videos/README.md``) has a ``clips`` list labelled in
detail (counts, spans, rep bottoms, clip-level fault labels) and a ``pushfit`` list with a
correct/incorrect label only. Paths are relative to the manifest's folder.

A ``clips`` entry may also carry the labels of the variants manifest
(``../shared/videos/variants/README.md``): ``exercises`` (the push-up variants seen; ``null``
where the labellers disagree, ``[]`` on a clip with no push-up), ``rep_exercises`` (the variant
of each counted rep) and ``holds`` (stretches held still in a plank-type position, with the
seconds in good form). They are optional; present, they are checked, and a bad value fails
naming the manifest, the clip and the key.
"""
from __future__ import annotations

import json
import math
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from livecoach.errors import EXIT_INPUT, LiveCoachError

__all__ = ["LABELLED_FAULTS", "LABELLED_EXERCISES", "HOLD_EXERCISES", "EvalError", "HoldLabel", "ClipSpec",
           "variant_from_text", "load_manifest"]

#: Faults the manifest labels (shrug and rushed_negative are not labelled).
LABELLED_FAULTS: Tuple[str, ...] = ("hip_sag", "hip_pike", "shallow", "no_lockout", "elbow_flare",
                                    "head_drop", "knees_bent", "asymmetry")


#: The push-up variants a manifest's ``exercises``/``rep_exercises`` may name (the variants
#: README's vocabulary; ``knuckle`` and ``parallettes`` have no profile in ``config/exercises``,
#: so a clip labelled only with them can never be recognised right).
LABELLED_EXERCISES: Tuple[str, ...] = ("standard", "wide", "diamond", "knee", "incline", "decline", "wall",
                                       "knuckle", "parallettes", "pike", "scapular")

#: A labelled hold's ``exercise`` -> the hold profile that times it (``config/exercises``).
HOLD_EXERCISES: Dict[str, str] = {"plank_hold": "plank", "forearm_plank_hold": "forearm_plank",
                                  "side_plank_hold": "side_plank"}

_HOLD_KEYS = ("exercise", "start_s", "end_s", "good_form_s", "is_top_pause")


class EvalError(LiveCoachError):
    """A problem with the manifest, a clip or the cache; the message is one line."""

    exit_code = EXIT_INPUT


@dataclass(frozen=True)
class HoldLabel:
    """One labelled hold: ``exercise`` is the app's hold profile name (``plank``,
    ``forearm_plank``, ``side_plank``; the manifest's ``plank_hold`` etc. mapped by
    :data:`HOLD_EXERCISES`), ``good_form_s`` the seconds the body was one straight line, and
    ``is_top_pause`` whether it is a pause at the top of push-ups rather than a deliberate hold."""

    exercise: str
    start_s: float
    end_s: float
    good_form_s: float
    is_top_pause: bool = False


@dataclass(frozen=True)
class ClipSpec:
    """One clip of the manifest and its ground truth.

    ``kind`` is ``"detailed"`` (the ``clips`` list: counts, spans, fault labels) or
    ``"pushfit"`` (the ``pushfit`` list: a correct/incorrect label only). ``source`` is the
    repository the clip came from (``provenance.repo``): clips of one source share people,
    cameras and labelling habits, so generalisation is measured source by source.
    ``same_as`` names another manifest clip with the same footage (a re-upload).

    ``exercises``/``rep_exercises``/``holds`` are ``None`` when the manifest does not label
    them (the main set) or, for ``exercises``, when the labellers disagreed; ``()`` means
    labelled as none (``exercises == ()``: no push-up in the clip).
    """

    file: str
    path: Path
    kind: str
    variant: str = "standard"
    variant_text: str = ""
    view_text: str = ""
    count: Optional[int] = None
    count_min: Optional[int] = None
    count_max: Optional[int] = None
    full_reps: Optional[int] = None
    partial_reps: Optional[int] = None
    active_span_s: Optional[Tuple[float, float]] = None
    rep_bottoms_s: Tuple[float, ...] = ()
    faults: Dict[str, str] = field(default_factory=dict)
    label: Optional[str] = None  # pushfit: correct | incorrect
    source: str = ""
    same_as: Optional[str] = None
    exercises: Optional[Tuple[str, ...]] = None
    rep_exercises: Optional[Tuple[str, ...]] = None
    holds: Optional[Tuple[HoldLabel, ...]] = None

    @property
    def seconds_per_rep(self) -> Optional[float]:
        """The median time between the labelled rep bottoms (a tempo's clip has them scaled), or
        None with fewer than two."""
        bottoms = sorted(self.rep_bottoms_s)
        gaps = [b - a for a, b in zip(bottoms, bottoms[1:])]
        return round(statistics.median(gaps), 3) if gaps else None

    @property
    def has_variant_labels(self) -> bool:
        """Whether the manifest labels this clip's exercises or holds (the variants set)."""
        return self.exercises is not None or self.rep_exercises is not None or self.holds is not None


def variant_from_text(text: str) -> str:
    """The analyzer's variant for a manifest's free-text ``variant``: knee push-ups or standard."""
    return "knee" if re.search(r"\bknee[- ]?push", text or "", flags=re.IGNORECASE) else "standard"


def _opt_int(value: Any) -> Optional[int]:
    return None if value is None else int(value)


def load_manifest(path: Path) -> List[ClipSpec]:
    """Every clip of the manifest at ``path``: the ``clips`` list, then ``pushfit``.

    Raises :class:`EvalError` (one line) for a missing or malformed manifest.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalError(f"{path}: manifest not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"{path}: cannot read manifest ({exc})") from None
    except json.JSONDecodeError as exc:
        raise EvalError(f"{path}: manifest is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("clips", []), list) \
            or not isinstance(data.get("pushfit", []), list):
        raise EvalError(f"{path}: not a clip manifest (expected an object with 'clips' and/or 'pushfit' lists)")
    if not data.get("clips") and not data.get("pushfit"):
        raise EvalError(f"{path}: manifest lists no clips")
    root = path.resolve().parent
    out: List[ClipSpec] = []
    for i, entry in enumerate(data.get("clips", [])):
        where = f"{path}: clips[{i}]"
        try:
            file = str(entry["file"])
            count = int(entry["count"])
            span = entry.get("active_span_s")
            variant_text = str(entry.get("variant") or "standard")
            out.append(ClipSpec(
                file=file, path=root / file, kind="detailed", variant=variant_from_text(variant_text),
                variant_text=variant_text, view_text=str(entry.get("view") or ""), count=count,
                count_min=int(entry.get("count_min", count)), count_max=int(entry.get("count_max", count)),
                full_reps=_opt_int(entry.get("full_reps")), partial_reps=_opt_int(entry.get("partial_reps")),
                active_span_s=(float(span[0]), float(span[1])) if span else None,
                rep_bottoms_s=tuple(float(t) for t in entry.get("rep_bottoms_s") or ()),
                faults={str(k): str(v) for k, v in (entry.get("faults") or {}).items()},
                label=_normalise_label(entry.get("source_label")), source=_source(entry),
                same_as=entry.get("same_as"),
                exercises=_exercise_list(entry, "exercises", f"{where} ({file})"),
                rep_exercises=_exercise_list(entry, "rep_exercises", f"{where} ({file})"),
                holds=_holds(entry, f"{where} ({file})"),
            ))
        except KeyError as exc:
            raise EvalError(f"{where}: bad entry (missing {exc})") from None
        except (TypeError, ValueError, IndexError) as exc:
            raise EvalError(f"{where}: bad entry ({type(exc).__name__}: {exc})") from None
        if out[-1].count_min > out[-1].count_max:
            raise EvalError(f"{where}: count_min > count_max")
    for i, entry in enumerate(data.get("pushfit", [])):
        try:
            file = str(entry["file"])
            label = str(entry["label"])
        except (KeyError, TypeError) as exc:
            raise EvalError(f"{path}: pushfit[{i}]: bad entry (missing {exc})") from None
        if label not in ("correct", "incorrect"):
            raise EvalError(f"{path}: pushfit[{i}]: label must be correct or incorrect, not {label!r}")
        variant_text = str(entry.get("variant") or "standard")
        out.append(ClipSpec(file=file, path=root / file, kind="pushfit", variant=variant_from_text(variant_text),
                            variant_text=variant_text, label=label, source=_source(entry),
                            same_as=entry.get("same_as")))
    return out


def _exercise_list(entry: Dict[str, Any], key: str, where: str) -> Optional[Tuple[str, ...]]:
    """``entry[key]`` as a tuple of :data:`LABELLED_EXERCISES` (None when absent or null)."""
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise EvalError(f"{where}: {key}: expected a list of exercise names or null, not {value!r}")
    for name in value:
        if name not in LABELLED_EXERCISES:
            raise EvalError(f"{where}: {key}: unknown exercise {name!r} (known: {', '.join(LABELLED_EXERCISES)})")
    return tuple(value)


def _holds(entry: Dict[str, Any], where: str) -> Optional[Tuple[HoldLabel, ...]]:
    """``entry["holds"]`` checked and mapped to :class:`HoldLabel` (None when absent or null)."""
    value = entry.get("holds")
    if value is None:
        return None
    if not isinstance(value, list):
        raise EvalError(f"{where}: holds: expected a list, not {value!r}")
    out = []
    for j, hold in enumerate(value):
        at = f"{where}: holds[{j}]"
        if not isinstance(hold, dict):
            raise EvalError(f"{at}: expected an object, not {hold!r}")
        unknown = sorted(set(hold) - set(_HOLD_KEYS))
        if unknown:
            raise EvalError(f"{at}: unknown key {unknown[0]!r} (known: {', '.join(_HOLD_KEYS)})")
        missing = [k for k in _HOLD_KEYS[:4] if k not in hold]
        if missing:
            raise EvalError(f"{at}: missing {missing[0]!r}")
        if hold["exercise"] not in HOLD_EXERCISES:
            raise EvalError(f"{at}: exercise: unknown hold {hold['exercise']!r} "
                            f"(known: {', '.join(HOLD_EXERCISES)})")
        times = {}
        for k in ("start_s", "end_s", "good_form_s"):
            v = hold[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise EvalError(f"{at}: {k}: expected seconds >= 0, not {v!r}")
            times[k] = float(v)
        if times["end_s"] < times["start_s"]:
            raise EvalError(f"{at}: end_s {times['end_s']:g} is before start_s {times['start_s']:g}")
        if times["good_form_s"] > times["end_s"] - times["start_s"] + 1e-6:
            raise EvalError(f"{at}: good_form_s {times['good_form_s']:g} is longer than the hold "
                            f"({times['end_s'] - times['start_s']:g} s)")
        top = hold.get("is_top_pause", False)
        if not isinstance(top, bool):
            raise EvalError(f"{at}: is_top_pause: expected true or false, not {top!r}")
        out.append(HoldLabel(HOLD_EXERCISES[hold["exercise"]], times["start_s"], times["end_s"],
                             times["good_form_s"], top))
    return tuple(out)


def _source(entry: Any) -> str:
    """The clip's source repository (``provenance.repo``), or ``"unknown"``."""
    provenance = entry.get("provenance") if isinstance(entry, dict) else None
    repo = provenance.get("repo") if isinstance(provenance, dict) else None
    return str(repo) if repo else "unknown"


def _normalise_label(label: Any) -> Optional[str]:
    """A source's own correct/incorrect wording, mapped to the two verdicts (or None)."""
    if not label:
        return None
    text = str(label).lower()
    if text in ("correct", "good", "perfect"):
        return "correct"
    if text in ("incorrect", "wrong", "bad"):
        return "incorrect"
    return None
