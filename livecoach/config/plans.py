"""Workout plans and their rules: ``config/plans/*.toml`` read into validated frozen dataclasses.

One TOML file per plan, named after the plan (``back_focused.toml`` holds ``name =
"back_focused"``). A plan is a list of **blocks** (warm-up, main work...); a block is repeated
``rounds`` times and each round runs its **entries** in order, each entry ``sets`` times::

    for round in 1..rounds: for entry in entries: for set in 1..entry.sets: one set

so "standard 3 x 10-15, then wide 3 x 8-12" is one block of two entries with ``sets = 3``, and
"plank, scapular push-ups, 1-2 rounds" is one block with ``rounds = 2``. A rep exercise's target
is reps, a hold's (:data:`HOLD_EXERCISES`) seconds. ``rest_s`` and ``sets`` may be given on a
block as the default of its entries.

Files whose name starts with ``_`` are not plans:

* ``_rules.toml`` (:class:`PlanRules`): the regress/progress rule, the easier/harder ladder,
  the set timings (rest countdown, "stood up", "rested too long") and every spoken text;
* ``_setup.toml`` (:class:`SetupConfig`): the camera set-up checks' thresholds and messages.

A user folder (``load_plans(user_dir=...)``) adds plans or replaces a packaged one of the same
name, and its ``_rules.toml`` / ``_setup.toml`` are laid over the packaged ones (any subset).
Errors are one line naming the file and the key (:class:`ConfigError`): unknown or missing key,
wrong type, value out of range, NaN/inf, an unknown exercise, min above max, a text with a
placeholder it may not use.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from livecoach.config.paths import shipped_config_dir
from livecoach.config.toml_io import ConfigError, build, deep_merge, read_toml, setting, to_plain
from livecoach.types import FAULT_NAMES
from livecoach.wording import counted

__all__ = ["Plan", "PlanBlock", "PlanEntry", "PlanSet", "PlanRules", "ProgressionRules", "PlanTiming",
           "SetupConfig", "PlanLibrary", "load_plans", "default_plans_dir", "ConfigError",
           "REP_EXERCISES", "HOLD_EXERCISES", "EXERCISES", "PLAN_TEXT_PLACEHOLDERS", "SETUP_CHECKS",
           "plan_as_dict", "format_plan", "format_plan_list"]

#: Push-up variants a plan may name (targets in reps).
REP_EXERCISES: Tuple[str, ...] = ("standard", "wide", "diamond", "knee", "incline", "decline", "wall", "pike",
                                  "scapular")
#: Holds a plan may name (targets in seconds).
HOLD_EXERCISES: Tuple[str, ...] = ("plank", "forearm_plank", "side_plank", "scapular_wall_hold")
EXERCISES: Tuple[str, ...] = REP_EXERCISES + HOLD_EXERCISES

#: Every spoken text of the plan runner and the placeholders it may use.
PLAN_TEXT_PLACEHOLDERS: Dict[str, Tuple[str, ...]] = {
    "set_start": ("set", "of", "exercise", "min", "max"),
    "round_start": ("round", "rounds", "exercise", "min", "max"),
    "hold_start": ("set", "of", "exercise", "min", "max"),
    "hold_round_start": ("round", "rounds", "exercise", "min", "max"),
    "reps_left": ("left",),
    "target_reached": ("reps", "min", "max"),
    "set_done": ("reps",),
    "hold_done": ("seconds",),
    "rest": ("seconds",),
    "next": ("exercise",),
    "countdown": ("n",),
    "wrong_exercise": ("exercise",),
    "regress": ("from_exercise", "to_exercise"),
    "regress_missed": ("from_exercise", "to_exercise"),
    "progress": ("from_exercise", "to_exercise"),
    "progress_reps": ("exercise",),
    "paused": (),
    "resumed": (),
    "plan_done": ("sets", "reps"),
}

#: Set-up checks, in the order of :class:`SetupConfig` messages.
SETUP_CHECKS: Tuple[str, ...] = ("too_dark", "two_people", "no_person", "too_close", "feet_out_of_view",
                                 "head_out_of_view", "hands_out_of_view", "too_far", "wrong_view", "ok")

_SPECIAL_PREFIX = "_"
_RULES_FILE = "_rules.toml"
_SETUP_FILE = "_setup.toml"


# ----------------------------------------------------------------------------- plan files
@dataclass(frozen=True)
class PlanEntry:
    """One exercise of a block: ``sets`` sets of ``target_min``..``target_max`` (reps, or seconds
    for a hold), ``rest_s`` of rest after each of its sets."""

    exercise: str = setting(doc="exercise name: one of EXERCISES or a profile the caller knows")
    sets: int = setting(1, 20, doc="sets in a row of this exercise, per round")
    target_min: int = setting(1, 600, doc="least reps (seconds for a hold) of a set")
    target_max: int = setting(1, 600, doc="most reps (seconds for a hold): the set ends here")
    rest_s: float = setting(0.0, 900.0, doc="rest after each set, seconds")


@dataclass(frozen=True)
class PlanBlock:
    """A part of a plan (``warm-up``, ``main``...): its entries, ``rounds`` times over."""

    name: str = setting(doc="shown and recorded, e.g. warm-up")
    rounds: int = setting(1, 20, doc="times the block's entries are run in order")
    entries: Tuple[PlanEntry, ...] = setting(doc="the exercises of one round, in order")


@dataclass(frozen=True)
class Plan:
    """A whole workout (see the module docstring)."""

    name: str = setting(doc="the plan's name; must match its file name")
    title: str = setting(doc="one line for lists")
    description: str = setting(doc="what the plan is for, from the trainers' articles")
    adapt: bool = setting(doc="apply a regress suggestion to the remaining sets of that exercise "
                          "(else it is only said)")
    blocks: Tuple[PlanBlock, ...] = setting(doc="the blocks, in order")

    def sets(self) -> Tuple["PlanSet", ...]:
        """Every set of the plan in the order it is done."""
        out: List[PlanSet] = []
        for b, block in enumerate(self.blocks):
            for rnd in range(1, block.rounds + 1):
                for entry in block.entries:
                    for s in range(1, entry.sets + 1):
                        out.append(PlanSet(block=block.name, block_index=b, round=rnd, rounds=block.rounds,
                                           set=s, of=entry.sets, exercise=entry.exercise,
                                           target_min=entry.target_min, target_max=entry.target_max,
                                           rest_s=entry.rest_s, is_hold=entry.exercise in HOLD_EXERCISES))
        return tuple(out)


@dataclass(frozen=True)
class PlanSet:
    """One set as the runner does it (a flattened :class:`PlanEntry` in its round)."""

    block: str
    block_index: int
    round: int
    rounds: int
    set: int
    of: int
    exercise: str
    target_min: int
    target_max: int
    rest_s: float
    is_hold: bool


# ----------------------------------------------------------------------------- _rules.toml
@dataclass(frozen=True)
class ProgressionRules:
    """``[progression]``: when to suggest an easier (regress) or harder (progress) variant."""

    body_line_faults: Tuple[str, ...] = setting(choices=FAULT_NAMES, doc="faults that break the body line")
    regress_fault_share: float = setting(0.0, 1.0, doc="regress when at least this share of the set's rep "
                                         "cycles had a body-line fault or were no-reps")
    regress_min_cycles: int = setting(1, 100, doc="the share is judged only on sets of at least this many cycles")
    regress_missed_share: float = setting(0.0, 1.0, doc="regress when the reps fall below this share of "
                                          "target_min (missed by a wide margin)")
    progress_max_fault_share: float = setting(0.0, 1.0, doc="a set is clean when at most this share of its "
                                              "cycles had a body-line fault or were no-reps")
    progress_after_sessions: int = setting(1, 20, doc="suggest progressing after this many sessions in a row "
                                           "with every set of an exercise clean at the top of its range")


@dataclass(frozen=True)
class PlanTiming:
    """``[timing]``: how a set ends and how a rest is counted down (seconds of frame time)."""

    standing_min_body_angle_deg: float = setting(0.0, 90.0, doc="shoulder-ankle line steeper than this from "
                                                 "the floor = standing (livecoach.logic.plans.person_state)")
    upright_exercises: Tuple[str, ...] = setting(doc="exercises done standing (at a wall): 'standing' does "
                                                 "not end their sets")
    stood_up_after_s: float = setting(0.1, 60.0, doc="standing (or out of view) this long ends a set")
    floor_resets_after_s: float = setting(0.0, 60.0, doc="on the floor this long undoes a stand-up in progress "
                                          "(back in position undoes it at once)")
    rested_too_long_s: float = setting(1.0, 600.0, doc="no rep (or no hold time) for this long, person on the "
                                       "floor, ends a set")
    countdown_from: int = setting(0, 10, doc="count the last seconds of a rest aloud from this number; 0 = off")
    announce_next_at_s: float = setting(0.0, 600.0, doc="say the next exercise this long before the rest ends")
    count_late_drop_s: float = setting(0.0, 10.0, doc="a count ('2', 'Two more') that cannot start this "
                                       "soon after it was due (another line is being said) is dropped")
    reps_left_from: int = setting(0, 20, doc="say 'N more' when this many reps or fewer are left to target_min")
    wrong_exercise_after_reps: int = setting(1, 20, doc="say the set's exercise after this many reps in a row "
                                             "recognised as another one (once per set)")


@dataclass(frozen=True)
class PlanRules:
    """``_rules.toml``: everything the plan runner decides by, and says."""

    progression: ProgressionRules
    timing: PlanTiming
    easier: Dict[str, str] = setting(choices=EXERCISES, doc="exercise -> the easier variant (regress)")
    harder: Dict[str, str] = setting(choices=EXERCISES, doc="exercise -> the harder variant (progress)")
    names: Dict[str, str] = setting(choices=EXERCISES, doc="exercise -> how it is spoken")
    number_words: Tuple[str, ...] = setting(doc="numbers spoken as words, from one ('two more')")
    texts: Dict[str, str] = setting(choices=tuple(PLAN_TEXT_PLACEHOLDERS), doc="spoken texts")
    priority: Dict[str, int] = setting(0, 100, choices=tuple(PLAN_TEXT_PLACEHOLDERS), doc="cue priorities")

    def spoken_name(self, exercise: str) -> str:
        return self.names.get(exercise, exercise.replace("_", " "))

    def number(self, n: int) -> str:
        """``n`` as a word when the table has it ('two'), else digits."""
        return self.number_words[n - 1] if 1 <= n <= len(self.number_words) else str(n)


# ----------------------------------------------------------------------------- _setup.toml
@dataclass(frozen=True)
class SetupConfig:
    """``_setup.toml``: thresholds of :mod:`livecoach.logic.setup_check` and what it says."""

    min_visibility: float = setting(0.0, 1.0, doc="a landmark below this visibility is not in view")
    edge_margin_frac: float = setting(0.0, 0.2, doc="a landmark closer than this (share of the image side) to "
                                      "the edge counts as cut off")
    too_far_below_frac: float = setting(0.0, 1.0, doc="body spans less than this share of the image (its "
                                        "longer side along the body) = too far")
    too_close_above_frac: float = setting(0.0, 1.0, doc="body spans more than this share = too close")
    too_close_cut_groups: int = setting(2, 3, doc="this many of head/hands/feet cut off at once = too close")
    side_on_max_width_ratio: float = setting(0.0, 5.0, doc="shoulder width / torso length above this = not "
                                             "side-on (wrong_view)")
    dark_below: float = setting(0.0, 255.0, doc="mean luminance below this = too dark")
    light_enough_above: float = setting(0.0, 255.0, doc="too dark clears only above this (hysteresis)")
    window_s: float = setting(0.1, 10.0, doc="a check is decided over this much recent time")
    switch_share: float = setting(0.5, 1.0, doc="a new check needs this share of the window to take over")
    min_window_s: float = setting(0.0, 10.0, doc="nothing is said before this much time has been seen")
    repeat_after_s: float = setting(0.0, 120.0, doc="say an unresolved problem again after this long; 0 = never")
    first_set_waits_s: float = setting(0.0, 60.0, doc="the first set waits while the set-up check says one of "
                                       "first_set_waits_for, at most this long once the person is "
                                       "in position; 0 = no wait")
    first_set_waits_for: Tuple[str, ...] = setting(choices=SETUP_CHECKS[:-1], doc="the checks that hold the "
                                                   "first set back (form cannot be judged at all)")
    order: Tuple[str, ...] = setting(choices=SETUP_CHECKS[:-1], doc="checks by priority: the first failing "
                                     "one is said")
    messages: Dict[str, str] = setting(choices=SETUP_CHECKS, doc="check -> what is said")


# ----------------------------------------------------------------------------- loading
def default_plans_dir() -> Path:
    """The shipped ``config/plans`` folder."""
    return shipped_config_dir() / "plans"


class PlanLibrary:
    """The loaded plans by name, with the rules and set-up config they run under."""

    def __init__(self, plans: Mapping[str, Plan], rules: PlanRules, setup: SetupConfig,
                 sources: Mapping[str, str]) -> None:
        self.plans: Dict[str, Plan] = dict(sorted(plans.items()))
        self.rules = rules
        self.setup = setup
        self.sources = dict(sources)

    def names(self) -> Tuple[str, ...]:
        return tuple(self.plans)

    def get(self, name: str) -> Plan:
        """The plan called ``name``; :class:`ConfigError` listing the known ones otherwise."""
        try:
            return self.plans[name]
        except KeyError:
            raise ConfigError(f"no plan named {name!r} (known: {', '.join(self.plans) or 'none'})") from None


def load_plans(user_dir: Optional[Path] = None, plans_dir: Optional[Path] = None,
               known_exercises: Optional[Iterable[str]] = None) -> PlanLibrary:
    """Read every plan of ``plans_dir`` (default: the shipped folder), then ``user_dir``'s.

    ``known_exercises`` extends :data:`EXERCISES` (e.g. profiles a user added); an exercise
    whose name is in neither is an error naming the file and key.
    """
    plans_dir = Path(plans_dir) if plans_dir is not None else default_plans_dir()
    known = set(EXERCISES) | set(known_exercises or ())
    folders = [plans_dir] + ([Path(user_dir)] if user_dir is not None else [])
    if user_dir is not None and not Path(user_dir).is_dir():
        raise ConfigError(f"{user_dir}: plans folder not found")
    rules_data: Dict[str, Any] = {}
    setup_data: Dict[str, Any] = {}
    rules_source = setup_source = str(plans_dir / _RULES_FILE)
    plans: Dict[str, Plan] = {}
    sources: Dict[str, str] = {}
    for folder in folders:
        for special, target in ((_RULES_FILE, "rules"), (_SETUP_FILE, "setup")):
            path = folder / special
            if path.is_file() or folder == plans_dir:
                data = read_toml(path)
                _reject_non_finite(data, "", str(path))
                if target == "rules":
                    rules_data, rules_source = deep_merge(rules_data, data), str(path)
                else:
                    setup_data, setup_source = deep_merge(setup_data, data), str(path)
        for path in sorted(folder.glob("*.toml")):
            if path.name.startswith(_SPECIAL_PREFIX):
                continue
            plan = _load_plan_file(path)
            plans[plan.name] = plan
            sources[plan.name] = str(path)
    rules = _build_rules(rules_data, rules_source, known)
    setup = _build_setup(setup_data, setup_source)
    for name, plan in plans.items():
        for b, block in enumerate(plan.blocks):
            for e, entry in enumerate(block.entries):
                if entry.exercise not in known:
                    raise ConfigError(f"{sources[name]}: blocks[{b}].entries[{e}].exercise = "
                                      f"{entry.exercise!r}: unknown exercise (known: {', '.join(sorted(known))})")
    return PlanLibrary(plans, rules, setup, sources)


def _load_plan_file(path: Path) -> Plan:
    source = str(path)
    data = read_toml(path)
    _reject_non_finite(data, "", source)
    data = _fill_block_defaults(data, source)
    plan = build(Plan, data, "", source)
    if plan.name != path.stem:
        raise ConfigError(f"{source}: name = {plan.name!r}: must match the file name {path.stem!r}")
    if not plan.blocks:
        raise ConfigError(f"{source}: blocks: a plan needs at least one block")
    for b, block in enumerate(plan.blocks):
        if not block.entries:
            raise ConfigError(f"{source}: blocks[{b}].entries: a block needs at least one entry")
        for e, entry in enumerate(block.entries):
            if entry.target_min > entry.target_max:
                raise ConfigError(f"{source}: blocks[{b}].entries[{e}].target_min = {entry.target_min}: "
                                  f"above target_max = {entry.target_max}")
    return plan


def _fill_block_defaults(data: Mapping[str, Any], source: str) -> Dict[str, Any]:
    """A block's ``rest_s`` / ``sets`` become the default of its entries (then removed)."""
    out = dict(data)
    blocks = out.get("blocks")
    if not isinstance(blocks, list):
        return out
    new_blocks = []
    for b, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            raise ConfigError(f"{source}: blocks[{b}] must be a table")
        block = dict(block)
        defaults = {k: block.pop(k) for k in ("rest_s", "sets") if k in block}
        entries = block.get("entries")
        if isinstance(entries, list):
            block["entries"] = [dict(defaults, **e) if isinstance(e, Mapping) else e for e in entries]
        new_blocks.append(block)
    out["blocks"] = new_blocks
    return out


def _build_rules(data: Mapping[str, Any], source: str, known: Iterable[str]) -> PlanRules:
    rules: PlanRules = build(PlanRules, data, "", source)
    known = set(known)
    for name in rules.timing.upright_exercises:
        if name not in known:
            raise ConfigError(f"{source}: timing.upright_exercises: unknown exercise {name!r}")
    for table in ("easier", "harder"):
        for frm, to in getattr(rules, table).items():
            if to not in known:
                raise ConfigError(f"{source}: {table}.{frm} = {to!r}: unknown exercise")
            if to == frm:
                raise ConfigError(f"{source}: {table}.{frm} = {to!r}: names the exercise itself")
    for key in PLAN_TEXT_PLACEHOLDERS:
        if key not in rules.texts:
            raise ConfigError(f"{source}: missing key 'texts.{key}'")
        if key not in rules.priority:
            raise ConfigError(f"{source}: missing key 'priority.{key}'")
        check_template(rules.texts[key], PLAN_TEXT_PLACEHOLDERS[key], f"texts.{key}", source)
    if not all(w.strip() for w in rules.number_words):
        raise ConfigError(f"{source}: number_words: an empty word")
    return rules


def _build_setup(data: Mapping[str, Any], source: str) -> SetupConfig:
    setup: SetupConfig = build(SetupConfig, data, "", source)
    for check in SETUP_CHECKS:
        if check not in setup.messages:
            raise ConfigError(f"{source}: missing key 'messages.{check}'")
        check_template(setup.messages[check], (), f"messages.{check}", source)
    missing = [c for c in SETUP_CHECKS[:-1] if c not in setup.order]
    if missing or len(set(setup.order)) != len(setup.order):
        raise ConfigError(f"{source}: order must list each check once (missing: {', '.join(missing) or 'none'})")
    if setup.light_enough_above < setup.dark_below:
        raise ConfigError(f"{source}: light_enough_above = {setup.light_enough_above}: below dark_below")
    if setup.too_close_above_frac <= setup.too_far_below_frac:
        raise ConfigError(f"{source}: too_close_above_frac = {setup.too_close_above_frac}: "
                          f"not above too_far_below_frac")
    return setup


def check_template(text: str, allowed: Sequence[str], key: str, source: str) -> None:
    """Fail (naming file and key) on an empty text or a placeholder outside ``allowed``."""
    if not text.strip():
        raise ConfigError(f"{source}: {key} is empty")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"{source}: {key} = {text!r}: bad template ({exc})") from None
    for name in fields:
        if name not in allowed:
            allowed_s = ", ".join("{" + p + "}" for p in allowed) or "none"
            raise ConfigError(f"{source}: {key} = {text!r}: unknown placeholder {{{name}}}; allowed: {allowed_s}")


def _reject_non_finite(data: Any, where: str, source: str) -> None:
    """TOML allows nan and inf; no setting means them, so they fail here naming the key."""
    if isinstance(data, float) and not math.isfinite(data):
        raise ConfigError(f"{source}: {where} = {data!r}: must be a finite number")
    if isinstance(data, Mapping):
        for k, v in data.items():
            _reject_non_finite(v, f"{where}.{k}" if where else str(k), source)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            _reject_non_finite(v, f"{where}[{i}]", source)


def format_plan_list(library: PlanLibrary) -> List[str]:
    """``livecoach plans``: one line per plan (name, sets, title)."""
    width = max((len(n) for n in library.names()), default=0)
    return [f"{name:<{width}}  {counted(len(plan.sets()), 'set'):>7}  {plan.title}"
            for name, plan in library.plans.items()]


def format_plan(plan: Plan, rules: PlanRules) -> List[str]:
    """``livecoach plans show NAME``: the plan as the person will do it, block by block."""
    lines = [f"{plan.name}: {plan.title}", f"  {plan.description}"]
    if plan.adapt:
        lines.append("  A set whose form breaks down moves the rest of that exercise to the easier variant.")
    for block in plan.blocks:
        rounds = f", {block.rounds} rounds" if block.rounds > 1 else ""
        lines.append(f"  {block.name}{rounds}:")
        for e in block.entries:
            hold = e.exercise in HOLD_EXERCISES
            target = f"hold {e.target_min}-{e.target_max} s" if hold else f"{e.target_min}-{e.target_max} reps"
            sets = f"{e.sets} x " if e.sets > 1 else ""
            rest = f", rest {e.rest_s:g} s" if e.rest_s > 0 else ""
            lines.append(f"    {rules.spoken_name(e.exercise)}: {sets}{target}{rest}")
    return lines


def plan_as_dict(plan: Plan) -> Dict[str, Any]:
    """The plan as plain data (``livecoach plans show``, saved with a session)."""
    return to_plain(plan)
