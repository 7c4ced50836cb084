"""What Odyssey remembers between sessions: window layout, the last project, recent choices.

A thin wrapper over QSettings (organisation and application "Odyssey"). When the
environment variable ODYSSEY_SETTINGS_DIR is set, settings go to an INI file in that
folder instead of the user's real store; tests set it to a temporary folder so they
never read or write a person's settings.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from desktop_app.core.errors import SpecError
from desktop_app.core.specs.project import MAX_PROJECT_BYTES, Project

log = logging.getLogger(__name__)

ORGANIZATION = "Odyssey"
APPLICATION = "Odyssey"
SETTINGS_DIR_ENV = "ODYSSEY_SETTINGS_DIR"
LAYOUT_VERSION = 1  # bump when docks change so an old saved layout is not applied


class AppSettings:
    """Typed accessors over QSettings; every read tolerates missing or damaged values."""

    def __init__(self) -> None:
        folder = os.environ.get(SETTINGS_DIR_ENV)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self._s = QSettings(str(Path(folder) / "Odyssey.ini"), QSettings.Format.IniFormat)
        else:
            self._s = QSettings(ORGANIZATION, APPLICATION)

    @property
    def qsettings(self) -> QSettings:
        return self._s

    def file_name(self) -> str:
        return self._s.fileName()

    def sync(self) -> None:
        self._s.sync()

    # ------------------------------------------------------------------ window
    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)
        self._s.setValue("window/layout_version", LAYOUT_VERSION)

    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def window_state(self) -> QByteArray | None:
        if self._int("window/layout_version", 0) != LAYOUT_VERSION:
            return None
        return self._bytes("window/state")

    def _bytes(self, key: str) -> QByteArray | None:
        v = self._s.value(key)
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def _int(self, key: str, default: int) -> int:
        try:
            return int(self._s.value(key, default))
        except (TypeError, ValueError):
            return default

    # ------------------------------------------------------------------ project
    def save_last_project(self, project: Project) -> None:
        self._s.setValue("project/last", project.to_json())

    def last_project(self) -> Project | None:
        """The project open when Odyssey last closed, or None (also if it is damaged)."""
        text = self._s.value("project/last")
        if not isinstance(text, str) or not text.strip():
            return None
        if len(text) > MAX_PROJECT_BYTES:  # read at every launch: never a slow start
            log.warning("ignoring the saved project: it is over %d bytes", MAX_PROJECT_BYTES)
            return None
        try:
            return Project.from_json(text, source="the last project in the settings")
        except SpecError as exc:
            log.warning("ignoring the saved project: %s", exc)
            return None

    # ------------------------------------------------------------------ recent choices
    def recent(self, key: str, default=None):
        v = self._s.value(f"recent/{key}", default)
        return default if v is None else v

    def set_recent(self, key: str, value) -> None:
        self._s.setValue(f"recent/{key}", value)

    def recent_float(self, key: str, default: float) -> float:
        try:
            return float(self._s.value(f"recent/{key}", default))
        except (TypeError, ValueError):
            return default

    def recent_bool(self, key: str, default: bool) -> bool:
        v = self._s.value(f"recent/{key}", default)
        if isinstance(v, str):
            return v.lower() in ("1", "true", "yes")
        return bool(v)

    def recent_names(self, key: str, default: list[str]) -> list[str]:
        """A list of plain names saved with set_recent(key, ",".join(names))."""
        v = self._s.value(f"recent/{key}")
        if v is None:
            return list(default)
        if isinstance(v, str):
            return [n for n in v.split(",") if n]
        return [str(n) for n in v]

    def recent_files(self) -> list[str]:
        v = self._s.value("recent/files", [])
        if isinstance(v, str):
            v = [v]
        return [str(p) for p in (v or []) if p][:8]

    def add_recent_file(self, path: str | Path) -> None:
        p = str(Path(path).resolve())
        files = [f for f in self.recent_files() if f != p]
        self._s.setValue("recent/files", [p, *files][:8])

    def remove_recent_file(self, path: str | Path) -> None:
        files = [f for f in self.recent_files() if f != str(path)]
        self._s.setValue("recent/files", files)

    def clear_recent_files(self) -> None:
        self._s.setValue("recent/files", [])
