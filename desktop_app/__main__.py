"""`python -m desktop_app` and the `odyssey` command: the GUI, or a headless subcommand."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl+C while the imports ran, before run_cli's handler
        print("odyssey: interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
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
    problem = not_a_window_argument(args, SUBCOMMANDS)
    if problem:  # before Qt: a typo must not open a window, or abort without a screen
        print(f"odyssey: error: {problem}", file=sys.stderr)
        return 2
    from desktop_app.app import run_app

    return run_app(args)


def not_a_window_argument(args: list[str], commands: tuple[str, ...]) -> str | None:
    """Why `args` cannot open the window, or None: the window takes one existing
    project file (.json) and Qt's own -options."""
    from difflib import get_close_matches
    from pathlib import Path

    paths = [a for a in args if not a.startswith("-")]
    for arg in paths:
        if Path(arg).suffix.lower() == ".json" and Path(arg).is_file():
            continue
        close = get_close_matches(arg, commands, n=1)
        if close:
            return f"unknown command {arg!r}; did you mean {close[0]!r}? (odyssey --help)"
        if Path(arg).suffix.lower() == ".json":
            return f"{arg} does not exist; give an existing project file (.json)"
        return (
            f"{arg!r} is neither a command ({', '.join(commands)}) nor a project file "
            "(.json); see odyssey --help"
        )
    if len(paths) > 1:
        return "the window opens one project file at a time; give just one"
    return None


if __name__ == "__main__":
    sys.exit(main())
