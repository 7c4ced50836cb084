"""Files shipped with the app (the icon), found both from a checkout and a frozen build.

PyInstaller unpacks data files under sys._MEIPASS; a normal install keeps them in the
desktop_app/resources package folder. Paths are resolved at call time, never cached at
import, so a test can point ODYSSEY_RESOURCES at another folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICON_NAME = "odyssey.svg"


def resources_dir() -> Path:
    override = os.environ.get("ODYSSEY_RESOURCES")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidate = Path(frozen) / "desktop_app" / "resources"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Path:
    return resources_dir() / name


def app_icon():
    """The window icon (an empty QIcon if the file is missing: never fatal)."""
    from PySide6.QtGui import QIcon

    path = resource_path(ICON_NAME)
    return QIcon(str(path)) if path.is_file() else QIcon()
