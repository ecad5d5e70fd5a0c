"""Generic TOML -> validated frozen dataclass loading.

Section classes are plain frozen dataclasses whose fields carry their limits in
``metadata`` (see :func:`setting`). The loader rejects unknown keys, wrong types and
out-of-range values with one line that names the file, the key and the problem.
Section classes have no defaults on purpose: every value lives in ``config/default.toml``
and a user's file overrides any subset of it.
"""
from __future__ import annotations

import dataclasses
import math
import string
import sys
import typing
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple
from livecoach.errors import EXIT_CONFIG, LiveCoachError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib


class ConfigError(LiveCoachError, ValueError):
    """A config file is unreadable or a value in it is invalid; the message is one line."""

    exit_code = EXIT_CONFIG


def setting(lo: Optional[float] = None, hi: Optional[float] = None,
            choices: Optional[Sequence[Any]] = None, doc: str = "",
            value_choices: Optional[Sequence[Any]] = None,
            placeholders: Optional[Mapping[str, Sequence[str]]] = None) -> Any:
    """A dataclass field with validation limits (inclusive) and a one-line description.

    For a table (``Dict``) field, ``choices`` limits its keys and ``value_choices`` its values
    (or the items of list values); ``placeholders`` maps a key of a table of texts to the
    ``{name}`` placeholders its text may use (any other key: none).
    """
    return dataclasses.field(metadata={"lo": lo, "hi": hi, "choices": tuple(choices) if choices else None,
                                       "doc": doc,
                                       "value_choices": tuple(value_choices) if value_choices else None,
                                       "placeholders": dict(placeholders) if placeholders is not None else None})


def read_toml(path: Path) -> Dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> Dict[str, Any]:
    """``override`` on top of ``base``; tables merge key by key, other values replace."""
    out: Dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def check_known_keys(cls: type, data: Mapping[str, Any], where: str, source: str) -> None:
    """Fail on any key in ``data`` (recursively) that ``cls`` does not declare."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(f"{source}: unknown key {_key(where, key)!r} "
                              f"(known: {', '.join(sorted(names))})")
        hint = hints[key]
        if dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
            check_known_keys(hint, value, _key(where, key), source)


def build(cls: type, data: Mapping[str, Any], where: str, source: str) -> Any:
    """Make a ``cls`` from ``data``, validating every field."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: {where or 'top level'} must be a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            raise ConfigError(f"{source}: unknown key {_key(where, key)!r} "
                              f"(known: {', '.join(sorted(fields))})")
    values = {}
    for name, fld in fields.items():
        key = _key(where, name)
        if name not in data:
            raise ConfigError(f"{source}: missing key {key!r}")
        values[name] = _convert(hints[name], data[name], fld.metadata, key, source)
    return cls(**values)


def _key(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _convert(hint: Any, value: Any, meta: Mapping[str, Any], key: str, source: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return build(hint, value, key, source)
    if origin is typing.Union and type(None) in args:
        if value is None or value == "":
            return None
        inner = [a for a in args if a is not type(None)][0]
        return _convert(inner, value, meta, key, source)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {key} = {value!r}: must be true or false")
        return _check_choice(value, meta, key, source)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {key} = {value!r}: must be a whole number")
        return _check_range(value, meta, key, source)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{source}: {key} = {value!r}: must be a number")
        if not math.isfinite(value):
            raise ConfigError(f"{source}: {key} = {value!r}: must be a finite number (not nan or inf)")
        return _check_range(float(value), meta, key, source)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {key} = {value!r}: must be a string")
        return _check_choice(value, meta, key, source)
    if origin in (tuple, Tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{source}: {key} = {value!r}: must be a list")
        item_hint = args[0] if args else Any
        items = tuple(_convert(item_hint, v, {}, f"{key}[{i}]", source) for i, v in enumerate(value))
        if meta.get("choices"):
            for item in items:
                _check_choice(item, meta, key, source)
        return items
    if origin in (dict, Dict, Mapping) or hint is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{source}: {key} must be a table")
        value_hint = args[1] if len(args) == 2 else Any
        allowed = meta.get("choices")
        placeholders = meta.get("placeholders")
        out = {}
        for k, v in value.items():
            if allowed and k not in allowed:
                raise ConfigError(f"{source}: unknown key {key + '.' + k!r} "
                                  f"(known: {', '.join(allowed)})")
            out[k] = _convert(value_hint, v, {"lo": meta.get("lo"), "hi": meta.get("hi"),
                                              "choices": meta.get("value_choices")},
                              f"{key}.{k}", source)
            if placeholders is not None and isinstance(out[k], str):
                check_placeholders(out[k], tuple(placeholders.get(k, ())), f"{key}.{k}", source)
        return _FrozenDict(out)
    if hint is Any:
        return value
    raise TypeError(f"config field {key}: unsupported type {hint!r}")  # programming error


def check_placeholders(text: str, allowed: Sequence[str], key: str, source: str) -> None:
    """Fail (one line) when ``text`` uses a ``{placeholder}`` other than ``allowed``, or is not a
    valid format string (a lone ``{`` or ``}``; write ``{{`` for a brace)."""
    names = ", ".join("{" + p + "}" for p in allowed) or "none"
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise ConfigError(f"{source}: {key} = {text!r}: bad placeholder ({exc}); allowed: {names}") from None
    for name in fields:
        if name not in allowed:
            shown = "{" + name + "}" if name else "{}"
            raise ConfigError(f"{source}: {key} = {text!r}: unsupported placeholder {shown}; allowed: {names}")


def _check_range(value: Any, meta: Mapping[str, Any], key: str, source: str) -> Any:
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        low = "-inf" if lo is None else lo
        high = "inf" if hi is None else hi
        raise ConfigError(f"{source}: {key} = {value!r}: must be between {low} and {high}")
    return _check_choice(value, meta, key, source)


def _check_choice(value: Any, meta: Mapping[str, Any], key: str, source: str) -> Any:
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{source}: {key} = {value!r}: must be one of {', '.join(map(str, choices))}")
    return value


class _FrozenDict(dict):
    """A dict that refuses mutation and hashes, so frozen config stays frozen."""

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("config tables are read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


def to_plain(obj: Any) -> Any:
    """A config dataclass as plain dicts/lists (for saving the resolved config)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [to_plain(v) for v in obj]
    return obj


def describe_fields(config: Any, prefix: str = "") -> "list[tuple[str, Any, str, str]]":
    """``(key, value, allowed, meaning)`` for every setting of a config dataclass, in order."""
    rows = []
    for fld in dataclasses.fields(config):
        value = getattr(config, fld.name)
        key = f"{prefix}{fld.name}"
        if dataclasses.is_dataclass(value):
            rows.extend(describe_fields(value, key + "."))
            continue
        meta = fld.metadata
        lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
        if choices and not isinstance(value, Mapping):
            allowed = " | ".join(map(str, choices))
        elif lo is not None or hi is not None:
            allowed = f"{'' if lo is None else lo} .. {'' if hi is None else hi}"
        else:
            allowed = ""
        rows.append((key, to_plain(value), allowed, meta.get("doc", "")))
    return rows
