"""Opening a file by its kind (dropped on the window, from Open Recent or the command
line): a project, a model or a table."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData

from desktop_app.core.tabular.detect import TABLE_SUFFIXES
from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.files import BUSY, ProjectFiles
from desktop_app.ui.commands.models import ModelCommands
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.commands.tables import TableCommands

MODEL_SUFFIXES = (".safetensors",)
PROJECT_SUFFIXES = (".json",)


def dropped_paths(mime: QMimeData | None) -> list[str]:
    """The local files in a drag that Odyssey can open."""
    if mime is None or not mime.hasUrls():
        return []
    known = MODEL_SUFFIXES + PROJECT_SUFFIXES + TABLE_SUFFIXES
    paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    return [p for p in paths if Path(p).suffix.lower() in known]


class FileOpener:
    """Open a project, model or table file with the command that fits it."""

    def __init__(
        self,
        files: ProjectFiles,
        models: ModelCommands,
        tables: TableCommands,
        permissions: Permissions,
        notifier: Notifier,
    ):
        self.files, self.models, self.tables = files, models, tables
        self.permissions, self.notifier = permissions, notifier

    def open(self, path: str | Path) -> bool:
        suffix = Path(path).suffix.lower()
        if suffix in TABLE_SUFFIXES:
            self.tables.import_table(str(path))
            return True
        if not self.permissions.allows("actionOpen"):
            self.notifier.error(BUSY.format(what=f"opening {Path(path).name}"))
            return False
        if suffix in MODEL_SUFFIXES:
            return self.models.load_file(path)
        if not self.files.confirm_discard("opening another project"):
            return False
        return self.files.open_file(path)
