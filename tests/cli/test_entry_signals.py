"""The console script's entry point (`livecoach.cli.run`): a Ctrl-C or SIGTERM while the command's
modules load ends in one line and the documented exit code, not a traceback or a silent death."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# The child stands a module in for livecoach.cli.main whose loading is interrupted: taking
# `main` from it sends the signal to the process and waits, as a slow import would.
CHILD = """
import os, signal, sys, time, types
sig = getattr(signal, sys.argv[1])
class Loading(types.ModuleType):
    def __getattr__(self, name):
        os.kill(os.getpid(), sig)
        time.sleep(5)
        raise AttributeError(name)
sys.modules["livecoach.cli.main"] = Loading("livecoach.cli.main")
from livecoach.cli import run
sys.exit(run([]))
"""


def _default_sigint() -> None:
    # A test run started in the background inherits SIGINT ignored; the child must not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig, code, line", [("SIGINT", 130, "livecoach: interrupted"),
                                              ("SIGTERM", 143, "livecoach: stopped (SIGTERM)")])
def test_a_signal_while_the_modules_load_gives_one_line_and_its_exit_code(sig: str, code: int, line: str):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run([sys.executable, "-c", CHILD, sig], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=60, preexec_fn=_default_sigint)
    assert result.returncode == code
    assert result.stderr.strip() == line


def test_python_dash_m_and_the_console_script_use_the_same_entry():
    text = (REPO_ROOT / "pyproject.toml").read_text()
    assert 'livecoach = "livecoach.cli:run"' in text
    assert "from livecoach.cli import run" in (REPO_ROOT / "livecoach" / "__main__.py").read_text()
