"""The session and cli packages: no import cycles, and a replay needs neither cv2, mediapipe nor pyttsx3."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

from conftest import FIXTURES, REPO_ROOT

PACKAGE = REPO_ROOT / "livecoach"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top_level_imports(path: Path) -> Set[str]:
    """The livecoach modules ``path`` imports when it is imported (function bodies excluded)."""
    tree = ast.parse(path.read_text())
    found: Set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks do not run
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("livecoach"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("livecoach"))
    return found


def test_no_import_cycle_through_session_or_cli() -> None:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: Dict[str, Set[str]] = {name: {m for m in _top_level_imports(path) if m in modules and m != name}
                                  for name, path in modules.items()}

    def cycle_from(start: str) -> List[str]:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return trail + [start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + [nxt]))
        return []

    for name in modules:
        if name.startswith(("livecoach.session", "livecoach.cli")):
            assert cycle_from(name) == [], f"import cycle: {' -> '.join(cycle_from(name))}"


def test_replay_runs_without_cv2_mediapipe_or_pyttsx3(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    recording = FIXTURES / "landmarks" / "vraj__pushups.mp4.jsonl.gz"
    script = (
        "import sys\n"
        "for name in ('cv2', 'mediapipe', 'pyttsx3'):\n"
        "    sys.modules[name] = None  # importing it now raises ImportError\n"
        "from livecoach.cli.main import main\n"
        f"sys.exit(main(['replay', {str(recording)!r}, '--no-history', '--quiet', '--events', {str(events)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert events.read_text().splitlines()[-1].startswith('{"type": "session_end"')
