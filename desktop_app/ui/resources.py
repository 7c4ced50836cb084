"""Files shipped with the app (the icon), found both from a checkout and a frozen build.

They live in the repository's top-level resources/ folder (the icon's source, and the
rendered sizes packaging uses). PyInstaller puts what the app loads under
sys._MEIPASS/desktop_app/resources; run from a checkout (scripts/setup.sh installs it
editable) they are read from resources/ itself. Paths are resolved at call time, never cached at
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
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(name: str) -> Path:
    return resources_dir() / name


def app_icon():
    """The window icon (an empty QIcon if the file is missing: never fatal)."""
    from PySide6.QtGui import QIcon

    path = resource_path(ICON_NAME)
    return QIcon(str(path)) if path.is_file() else QIcon()
