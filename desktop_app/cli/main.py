"""run_cli: parse a command line, run its command, turn errors into an exit status.

Bad input ends with exit status 2 and a one-line reason on stderr, never a traceback;
Ctrl+C ends with 130.
"""

from __future__ import annotations

import sys

from desktop_app.cli.commands import cmd_datasets, cmd_info, cmd_init, cmd_predict
from desktop_app.cli.export import cmd_export
from desktop_app.cli.lr_find import cmd_lr_find
from desktop_app.cli.parser import build_parser
from desktop_app.cli.runs import cmd_runs
from desktop_app.cli.signals import sigterm_as_exit
from desktop_app.cli.sweep import cmd_sweep
from desktop_app.cli.train import cmd_train
from desktop_app.cli.variants import cmd_baselines, cmd_race
from desktop_app.core.errors import OdysseyError
from desktop_app.core.printable import printable

SUBCOMMANDS = (
    "train",
    "predict",
    "info",
    "init",
    "datasets",
    "lr-find",
    "runs",
    "baselines",
    "race",
    "export",
    "sweep",
)


def run_cli(argv: list[str]) -> int:
    """Run one command (`argv` without the program name); returns the exit status."""
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        commands = {
            "train": cmd_train,
            "predict": cmd_predict,
            "info": cmd_info,
            "init": cmd_init,
            "datasets": cmd_datasets,
            "lr-find": cmd_lr_find,
            "runs": cmd_runs,
            "baselines": cmd_baselines,
            "race": cmd_race,
            "export": cmd_export,
            "sweep": cmd_sweep,
        }
        with sigterm_as_exit():  # kill: temporary files are removed as for Ctrl+C
            return commands[args.command](args)
    except OdysseyError as exc:
        print(f"odyssey: error: {printable(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("odyssey: interrupted", file=sys.stderr)
        return 130
