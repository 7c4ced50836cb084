"""Where sweeps keep their studies: `sweeps/NAME/` in the user's data folder (the run
store's, so ODYSSEY_DATA_DIR and the window's setting move both together)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.sweep.spec import check_name

SWEEPS_DIR = "sweeps"


def sweeps_root(setting: str | Path | None = None) -> Path:
    from desktop_app.core.runs.location import data_dir

    return data_dir(setting) / SWEEPS_DIR


def sweep_folder(name: str, setting: str | Path | None = None) -> Path:
    return sweeps_root(setting) / check_name(name)


def sweep_names(setting: str | Path | None = None) -> list[str]:
    """The sweeps stored in the data folder, newest first (what Resume offers)."""
    root = sweeps_root(setting)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if (p / "study.journal").is_file()]
    found.sort(key=lambda p: (p / "study.journal").stat().st_mtime, reverse=True)
    return [p.name for p in found]
