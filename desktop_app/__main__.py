"""`python -m desktop_app` and the `odyssey` command: the GUI, or a headless subcommand."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # a frozen (PyInstaller) build re-enters here
    args = sys.argv[1:] if argv is None else argv
    if "--self-test" in args:  # the packaged app's smoke test: window, train, save, load
        from desktop_app.selftest import run_self_test

        return run_self_test([a for a in args if a != "--self-test"])
    from desktop_app.cli.main import SUBCOMMANDS

    if args and (args[0] in SUBCOMMANDS or args[0] in ("-h", "--help", "--version")):
        from desktop_app.cli.main import run_cli

        return run_cli(args)
    from desktop_app.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
