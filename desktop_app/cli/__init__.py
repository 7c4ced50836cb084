"""Headless commands on the same core as the GUI: train, predict, info, init, datasets.

Bad input ends with exit status 2 and a one-line reason on stderr; no traceback.

The package: parser (the arguments), train (the train command), table (its --data
options), progress (its console output), commands (predict, info, init, datasets).
"""

from __future__ import annotations

import sys

from desktop_app.cli.commands import cmd_datasets, cmd_info, cmd_init, cmd_predict
from desktop_app.cli.parser import build_parser
from desktop_app.cli.train import cmd_train, load_project
from desktop_app.core.errors import OdysseyError

__all__ = [
    "SUBCOMMANDS",
    "build_parser",
    "cmd_datasets",
    "cmd_info",
    "cmd_init",
    "cmd_predict",
    "cmd_train",
    "load_project",
    "run_cli",
]

SUBCOMMANDS = ("train", "predict", "info", "init", "datasets")


def run_cli(argv: list[str]) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        commands = {
            "train": cmd_train,
            "predict": cmd_predict,
            "info": cmd_info,
            "init": cmd_init,
            "datasets": cmd_datasets,
        }
        return commands[args.command](args)
    except OdysseyError as exc:
        print(f"odyssey: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("odyssey: interrupted", file=sys.stderr)
        return 130
