from livecoach.cli import run

raise SystemExit(run())
