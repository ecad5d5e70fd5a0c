"""Chaos test: live sessions killed at random moments; is every announced rep stored?

    python -m tools.chaos [--runs 20] [--seed 1] [--videos DIR] [--workdir DIR] [--lock-share 0.3] [--json FILE]

Each run starts ``livecoach train --video CLIP --headless --events FILE`` on a shared clip
(paced like a camera; one history folder for the whole test) and then
sends it SIGKILL (60 % of the runs), SIGTERM (20 %) or SIGINT (20 %): in 85 % of the runs
1-20 s after the session started (its first events line), in 15 % during the start-up. In ``--lock-share``
of the runs another process holds the history database locked (``BEGIN EXCLUSIVE``) from
the start of the run until a random moment, or to its end. After each run the database must
pass ``PRAGMA quick_check``; SIGTERM must exit 143 and SIGINT 130. At the end ``livecoach
history`` imports the journals the killed sessions left, and the rep cycles announced in the
events files (``rep`` and ``no_rep`` lines: what the user was told) are compared with the
rows of the history's ``reps`` table. Exit 1 when a rep is missing, the database is damaged,
or an exit code is wrong.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEOS = REPO_ROOT.parent / "shared" / "videos"
CLIPS = ("vraj__pushups.mp4", "calimiro__videoplayback.mp4", "tayyab__pushup.mp4", "aigym__pushup.mp4",
         "fitnesscounter__pushup-sample.mp4")
EXPECTED_EXIT = {"SIGTERM": 143, "SIGINT": 130}


def _env() -> Dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("DISPLAY", None)
    return env


def announced_cycles(events: Path) -> int:
    """Rep cycles the user was told about (complete lines only: a killed writer may leave half a one)."""
    if not events.is_file():
        return 0
    count = 0
    for line in events.read_text(errors="replace").splitlines():
        try:
            count += json.loads(line).get("type") in ("rep", "no_rep")
        except ValueError:
            continue
    return count


def _default_sigint() -> None:
    """In the child, before it runs: SIGINT back to its default. A tool started in the background
    by a shell without job control (``nohup ... &``) has SIGINT ignored, and its children inherit
    that, so a Ctrl-C sent during their start-up would test nothing (it is ignored until the
    session installs its own handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_session(events: Path, child: "subprocess.Popen[bytes]", timeout_s: float) -> None:
    """Until the session has started (its first events line), the child ended, or ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and child.poll() is None:
        if events.is_file() and events.stat().st_size > 0:
            return
        time.sleep(0.05)


def hold_lock(db: Path, seconds: float, stop: threading.Event) -> None:
    """Another process's exclusive lock on the history, for ``seconds`` (or until ``stop``)."""
    if not db.is_file():
        return
    connection = sqlite3.connect(db, timeout=0.1, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        stop.wait(seconds)
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError:
        pass  # the session holds it at this instant: no lock this run
    finally:
        connection.close()


def quick_check(db: Path) -> str:
    if not db.is_file():
        return "no database yet"
    with sqlite3.connect(db, timeout=10) as connection:
        return str(connection.execute("PRAGMA quick_check").fetchone()[0])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--videos", type=Path, default=DEFAULT_VIDEOS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/livecoach-chaos"))
    parser.add_argument("--lock-share", type=float, default=0.3, help="share of runs with the database locked")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    clips = [args.videos / name for name in CLIPS if (args.videos / name).is_file()]
    if not clips:
        print(f"chaos: no shared clips in {args.videos}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    work = args.workdir / time.strftime("run-%Y%m%d-%H%M%S")
    data = work / "data"
    work.mkdir(parents=True)
    db = data / "livecoach.db"
    runs: List[Dict[str, Any]] = []
    for number in range(args.runs):
        clip = rng.choice(clips)
        how = rng.choices(["SIGKILL", "SIGTERM", "SIGINT"], weights=[0.6, 0.2, 0.2])[0]
        # Most kills come during the session (timed from its first line of events); some during
        # the start-up (the model loading, the history opening).
        in_startup = rng.random() < 0.15
        after_s = rng.uniform(0.5, 3.0) if in_startup else rng.uniform(1.0, 20.0)
        locked_s = rng.uniform(1.0, 30.0) if rng.random() < args.lock_share else 0.0
        events = work / f"events{number:02d}.jsonl"
        cmd = [sys.executable, "-m", "livecoach", "train", "--video", str(clip), "--headless", "--quiet",
               "--no-voice", "--no-report", "--events", str(events), "--data-dir", str(data)]
        stop = threading.Event()
        locker = threading.Thread(target=hold_lock, args=(db, locked_s, stop), daemon=True) if locked_s else None
        with open(work / f"stderr{number:02d}.txt", "w") as err:
            child = subprocess.Popen(cmd, cwd=REPO_ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=err,
                                     preexec_fn=_default_sigint)
            if locker is not None:
                locker.start()
            try:
                if not in_startup:
                    _wait_for_session(events, child, timeout_s=120.0)
                code = child.wait(timeout=after_s)  # the clip ended first
                how_done = "ended"
            except subprocess.TimeoutExpired:
                child.send_signal(getattr(signal, how))
                code = child.wait(timeout=60)
                how_done = how
        stop.set()
        if locker is not None:
            locker.join(timeout=5)
        run = {"run": number, "clip": clip.name, "signal": how_done, "when": "start-up" if in_startup else "session",
               "after_s": round(after_s, 1),
               "locked_s": round(locked_s, 1), "exit": code, "announced": announced_cycles(events),
               "quick_check": quick_check(db)}
        expected = EXPECTED_EXIT.get(how_done, 0 if how_done == "ended" else -signal.SIGKILL)
        run["exit_ok"] = code == expected
        runs.append(run)
        print(f"chaos: run {number + 1:>2}/{args.runs} {clip.name[:28]:<28} {how_done:<7} {run['when']:<8} "
              f"+{after_s:4.1f} s"
              f"{f' (db locked {locked_s:.0f} s)' if locked_s else '':<20} exit {code:>4}  announced "
              f"{run['announced']:>3}  quick_check {run['quick_check']}", flush=True)
    history = subprocess.run([sys.executable, "-m", "livecoach", "history", "--data-dir", str(data)],
                             cwd=REPO_ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    with sqlite3.connect(db) as connection:
        stored = int(connection.execute("SELECT COUNT(*) FROM reps").fetchone()[0])
        sessions = int(connection.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])
    journals_left = sorted(p.name for p in data.glob("*journal*"))
    announced = sum(r["announced"] for r in runs)
    figures = {"runs": len(runs), "by_signal": {k: sum(r["signal"] == k for r in runs)
                                                for k in ("SIGKILL", "SIGTERM", "SIGINT", "ended")},
               "locked_runs": sum(bool(r["locked_s"]) for r in runs), "announced": announced, "stored": stored,
               "sessions_stored": sessions, "journals_left": journals_left, "history_exit": history.returncode,
               "quick_check_failures": sum(r["quick_check"] not in ("ok", "no database yet") for r in runs),
               "wrong_exit_codes": sum(not r["exit_ok"] for r in runs)}
    for key, value in figures.items():
        print(f"{key:>22}: {value}")
    ok = (stored >= announced and figures["quick_check_failures"] == 0 and figures["wrong_exit_codes"] == 0
          and history.returncode == 0 and not journals_left)
    print("chaos: PASS" if ok else "chaos: FAIL")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "runs": runs}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
