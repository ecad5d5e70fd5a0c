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

from .configio import ConfigError, build, check_known_keys, deep_merge, read_toml, setting, to_plain
from .types import FAULT_NAMES

__all__ = ["Config", "ConfigError", "load_config", "default_config_path", "config_as_dict"]


@dataclass(frozen=True)
class CaptureConfig:
    """Used by ``livecoach.capture``."""

    camera_width: int = setting(160, 3840, doc="width requested from a camera, pixels")
    camera_height: int = setting(120, 2160, doc="height requested from a camera, pixels")
    camera_fps: int = setting(1, 120, doc="frame rate requested from a camera")
    camera_open_timeout_s: float = setting(0.5, 30.0, doc="give up opening a camera after this long")
    camera_lost_after_s: float = setting(0.2, 30.0, doc="no frame for this long = camera unplugged")
    inference_max_width: int = setting(160, 3840, doc="frames wider than this are downscaled before pose")


@dataclass(frozen=True)
class PoseConfig:
    """Used by ``livecoach.pose``."""

    model_complexity: int = setting(0, 2, doc="BlazePose model: 0 lite, 1 full, 2 heavy")
    min_detection_confidence: float = setting(0.0, 1.0)
    min_tracking_confidence: float = setting(0.0, 1.0)
    smooth_landmarks: bool = setting()


@dataclass(frozen=True)
class FeaturesConfig:
    """Used by ``livecoach.features`` (smoothing and visibility gating)."""

    min_visibility: float = setting(0.0, 1.0, doc="landmarks below this visibility are not trusted")
    one_euro_min_cutoff_hz: float = setting(0.01, 30.0)
    one_euro_beta: float = setting(0.0, 10.0)
    one_euro_d_cutoff_hz: float = setting(0.01, 30.0)


@dataclass(frozen=True)
class RepsConfig:
    """Used by ``livecoach.reps`` (plank gate and rep state machine)."""

    min_rep_s: float = setting(0.1, 10.0, doc="a cycle shorter than this is jitter, not a rep")


@dataclass(frozen=True)
class FaultRulesConfig:
    """Used by ``livecoach.faults``: thresholds of each fault rule."""

    enabled: Tuple[str, ...] = setting(choices=FAULT_NAMES, doc="rules that run")


@dataclass(frozen=True)
class VerdictConfig:
    """Used by ``livecoach.analysis``: the clip-level correct/incorrect form verdict."""

    min_fault_share: float = setting(0.0, 1.0, doc="incorrect if a fault is on at least this share of reps")


@dataclass(frozen=True)
class CuesConfig:
    """Used by ``livecoach.cues`` (what is said, and when)."""

    texts: Dict[str, str] = setting(doc="cue key -> words spoken")
    priority: Dict[str, int] = setting(0, 100, doc="cue key -> priority, higher wins")


@dataclass(frozen=True)
class SpeechConfig:
    """Used by ``livecoach.speech``."""

    backend: str = setting(choices=("auto", "pyttsx3", "espeak-ng", "say", "text"))
    rate_wpm: int = setting(80, 400)
    voice: str = setting(doc="voice id or name; empty = the backend's default")
    stale_after_s: float = setting(0.1, 10.0, doc="a cue not started this long after it was made is dropped")


@dataclass(frozen=True)
class OverlayConfig:
    """Used by ``livecoach.overlay``."""

    cue_display_s: float = setting(0.5, 10.0, doc="how long a cue stays on screen")
    window_title: str = setting()


@dataclass(frozen=True)
class SessionConfig:
    """Used by ``livecoach.store`` and ``livecoach.report``."""

    jpeg_quality: int = setting(10, 100)


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


def default_config_path() -> Path:
    """``config/default.toml`` of this checkout (the project is installed editable)."""
    return Path(__file__).resolve().parent.parent / "config" / "default.toml"


def load_config(path: Optional[Path] = None) -> Config:
    """Defaults, with the user's TOML file at ``path`` (if any) laid over them.

    Raises :class:`ConfigError` with a one-line message naming file, key and problem.
    """
    default_path = default_config_path()
    data = read_toml(default_path)
    config = build(Config, data, "", str(default_path))
    if path is None:
        return config
    user = read_toml(Path(path))
    check_known_keys(Config, user, "", str(path))
    return build(Config, deep_merge(data, user), "", str(path))


def config_as_dict(config: Config) -> Dict[str, Any]:
    """The resolved config as plain data (saved with each session)."""
    return to_plain(config)
