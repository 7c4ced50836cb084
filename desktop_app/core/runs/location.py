"""Where the run store lives: the user's data folder, or ODYSSEY_DATA_DIR when it is set.

The environment variable wins over everything (tests point it at a temporary folder so
that no test ever writes to a person's real folder); the window's setting comes next
(the GUI passes its folder to RunStore itself); otherwise the platform's usual place
for an application's data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_DIR_ENV = "ODYSSEY_DATA_DIR"
DB_NAME = "runs.sqlite3"
MODELS_DIR = "models"


def data_dir(setting: str | Path | None = None) -> Path:
    """The folder the run database and kept model files go to (not created here).

    setting: the folder chosen in the window's settings, if any (the environment
    variable still wins, so that tests and scripts can move everything at once).
    """
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    if setting:
        return Path(setting).expanduser()
    return default_data_dir()


def default_data_dir() -> Path:
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(home / "AppData" / "Roaming")
        return Path(base) / "Odyssey"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Odyssey"
    base = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(base) / "odyssey"
