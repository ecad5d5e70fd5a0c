"""``livecoach plans`` and ``livecoach plans show NAME``: the workout plans.

:func:`register` adds the sub-command; the plans are read by :mod:`livecoach.config.plans`
(the shipped ``config/plans`` folder, then ``--plans-dir``'s). An unknown name or a plan file
that does not load is one line and the config exit code.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from livecoach.config.plans import format_plan, format_plan_list, load_plans, plan_as_dict
from livecoach.config.schema import ConfigError
from livecoach.errors import EXIT_OK, ConfigProblem

__all__ = ["register"]


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add ``plans`` (list) with its ``show NAME`` action."""
    plans = subparsers.add_parser("plans", help="list the workout plans (`plans show NAME` prints one)",
                                  description="The workout plans `livecoach train --plan NAME` can run.")
    plans.add_argument("action", nargs="?", choices=("list", "show"), default="list",
                       help="list (default) or show one plan")
    plans.add_argument("name", nargs="?", metavar="NAME", help="the plan to show")
    plans.add_argument("--plans-dir", type=Path, metavar="DIR",
                       help="a folder of your own plan files (read after the shipped ones)")
    plans.add_argument("--json", action="store_true", help="`show`: print the plan as JSON")
    plans.set_defaults(func=_cmd_plans)


def _cmd_plans(args: argparse.Namespace) -> int:
    try:
        library = load_plans(user_dir=args.plans_dir)
        if args.action == "list":
            if args.name is not None:
                raise ConfigError(f"`plans` takes no name; did you mean `plans show {args.name}`?")
            for line in format_plan_list(library):
                print(line)
            return EXIT_OK
        if args.name is None:
            raise ConfigError(f"`plans show` needs a plan name (known: {', '.join(library.names())})")
        plan = library.get(args.name)
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None
    if args.json:
        print(json.dumps(plan_as_dict(plan), indent=2))
    else:
        for line in format_plan(plan, library.rules):
            print(line)
    return EXIT_OK
