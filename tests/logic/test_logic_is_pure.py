"""The coaching logic is pure: importing ``livecoach.logic`` and every module under it must
not need cv2, mediapipe or pyttsx3 (they are blocked in a fresh interpreter here)."""
from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import livecoach.logic

REPO_ROOT = Path(__file__).resolve().parents[2]
BLOCKED = ("cv2", "mediapipe", "pyttsx3")


def _logic_modules():
    return sorted(f"livecoach.logic.{m.name}" for m in pkgutil.iter_modules(livecoach.logic.__path__))


_PROBE = textwrap.dedent("""
    import importlib, sys
    BLOCKED = {blocked!r}

    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError("blocked in this test: " + name)
            return None

    for name in BLOCKED:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, _Block())
    for name in {modules!r}:
        importlib.import_module(name)
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not leaked, leaked
    print("ok", len({modules!r}))
""")


def _run(modules):
    code = _PROBE.format(blocked=BLOCKED, modules=list(modules))
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_the_blocker_works():
    """The probe itself fails when a blocked package is imported (so the real test can fail)."""
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(blocked=BLOCKED, modules=["cv2"])],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "blocked in this test" in proc.stderr


def test_logic_imports_without_cv2_mediapipe_pyttsx3():
    modules = ["livecoach.logic"] + _logic_modules()
    assert len(modules) >= 8, modules  # features, view, reps, faults, verdict, cues, analysis, ...
    proc = _run(modules)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"ok {len(modules)}"


def test_a_session_analyzer_runs_without_them():
    """Not only imports: building and feeding the analyzer stays pure too."""
    code = _PROBE.format(blocked=BLOCKED, modules=["livecoach.logic.analysis"]) + textwrap.dedent("""
        from livecoach.config.schema import load_config
        from livecoach.logic.analysis import SessionAnalyzer
        from livecoach.logic.cues import CuePolicy
        cfg = load_config()
        a = SessionAnalyzer(cfg, cue_policy=CuePolicy(cfg))
        for i in range(30):
            a.update(i / 30.0, i, None)
        a.finish(1.0, 30, 0, 30.0, 0, "end_of_source")
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        assert not leaked, leaked
        print("ran")
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "ran"
