"""Project files: New, Open, Save, Save As, Rename, the unsaved-changes question and
File ▸ Open Recent. Every failure is shown in the banner; nothing here raises to the user.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.project import Project
from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.notifier import Button, Notifier
from desktop_app.ui.run_display import RunDisplay
from desktop_app.ui.session import Session
from desktop_app.ui.settings import AppSettings

PROJECT_FILTER = "Odyssey project (*.json)"
# What a command says when the action table holds it back (a drop, Open Recent).
BUSY = "Stop the training, or wait for the file being read or written, before {what}."


def _finder(path: str) -> str:
    """The menu item that opens a file of this kind."""
    suffix = Path(path).suffix.lower()
    if suffix == ".safetensors":
        return "File > Load model…"
    return "File > Open project…" if suffix == ".json" else "File > Import table…"


class RecentFiles:
    """File ▸ Open Recent (objectName menuOpenRecent): projects and models alike."""

    def __init__(self, settings: AppSettings, notifier: Notifier):
        self.settings, self.notifier = settings, notifier
        self.open_path: Callable[[str], bool] = lambda _path: False  # set by the window
        self.menu = QMenu("Open &Recent", notifier.parent)
        self.menu.setObjectName("menuOpenRecent")
        self.menu.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def add(self, path: str | Path) -> None:
        self.settings.add_recent_file(path)
        self.rebuild()

    def rebuild(self) -> None:
        """Fill the menu from the settings."""
        menu = self.menu
        menu.clear()
        files = self.settings.recent_files()
        for i, f in enumerate(files):
            action = menu.addAction(f"&{i + 1} {Path(f).name}")
            action.setObjectName(f"actionRecent{i}")
            action.setToolTip(f"Open {f}")
            action.setStatusTip(f)
            action.setData(f)
            action.triggered.connect(lambda _=False, f=f: self.open_recent(f))
        if not files:
            empty = menu.addAction("No recent files")
            empty.setObjectName("actionRecentEmpty")
            empty.setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear list")
        clear.setObjectName("actionClearRecent")
        clear.setToolTip("Forget the recently opened files")
        clear.setEnabled(bool(files))
        clear.triggered.connect(self.clear)

    def clear(self) -> None:
        self.settings.clear_recent_files()
        self.rebuild()

    def open_recent(self, path: str) -> bool:
        if not Path(path).is_file():
            self.settings.remove_recent_file(path)
            self.rebuild()
            QMessageBox.warning(
                self.notifier.parent,
                "File not found",
                f"{path} no longer exists (it was moved, renamed or deleted), so it was "
                f"removed from the recent files. Use {_finder(path)} to find it.",
            )
            return False
        return self.open_path(path)


class ProjectFiles:
    """New, Open, Save, Save As and Rename for the Session's project."""

    def __init__(
        self,
        session: Session,
        permissions: Permissions,
        notifier: Notifier,
        settings: AppSettings,
        display: RunDisplay,
        recent: RecentFiles,
    ):
        self.session, self.permissions, self.notifier = session, permissions, notifier
        self.settings, self.display, self.recent = settings, display, recent

    # ------------------------------------------------------------------ unsaved
    def confirm_discard(self, before: str) -> bool:
        """Ask about unsaved project changes before `before` ("opening another project").
        True: go ahead (saved, or discarded); False: the user cancelled (or saving failed)."""
        if not self.session.modified:
            return True
        answer = self.notifier.ask(
            "Unsaved changes",
            f"The project “{self.session.name}” has changes that are not saved.\n\n"
            f"Save them before {before}?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    # ------------------------------------------------------------------ new, open
    def new(self) -> bool:
        if not self.permissions.allows("actionNew"):
            return False
        if not self.confirm_discard("starting a new project"):
            return False
        project = Project()
        self.display.clear(project)  # the boundary pane as the new project decides
        self.session.replace(project)
        return True

    def open_dialog(self) -> None:
        if not self.permissions.allows("actionOpen"):
            return
        if not self.confirm_discard("opening another project"):
            return
        folder = self.settings.recent("project_folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(
            self.notifier.parent, "Open project", folder, f"{PROJECT_FILTER};;All files (*)"
        )
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        try:
            project = Project.load(path)
        except OdysseyError as exc:
            self.notifier.error(f"Could not open the project: {exc}")
            return False
        if not self.permissions.allows("actionOpen"):
            self.notifier.error(BUSY.format(what="opening another project"))
            return False
        self.display.clear(project)
        self.session.replace(project, path)
        self._remember(path)
        self.notifier.status(f"Opened {path}", 5000)
        return True

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        """Save to the project's file (Ctrl+S); ask where when it has none yet."""
        if self.session.path is None:
            return self.save_as()
        return self.save_to(self.session.path)

    def save_as(self) -> bool:
        if self._invalid():
            return False
        folder = self.settings.recent("project_folder", str(Path.home()))
        current = self.session.path
        default = str(current) if current is not None else str(Path(folder) / "project.json")
        path, _ = QFileDialog.getSaveFileName(
            self.notifier.parent, "Save project", default, PROJECT_FILTER
        )
        if not path:
            return False
        if not path.lower().endswith(".json"):
            path += ".json"
        return self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        if self._invalid():
            return False
        from desktop_app.core.persistence.projects import save_project as write_project

        try:
            write_project(self.session.project, path)
        except OdysseyError as exc:
            self.notifier.error(str(exc))
            return False
        self.session.mark_saved(path)
        self._remember(path)
        self.notifier.status(f"Saved {path}", 5000)
        return True

    def rename(self) -> None:
        name, ok = QInputDialog.getText(
            self.notifier.parent, "Rename project", "Project name:", text=self.session.name
        )
        if ok and name.strip():
            self.session.rename(name.strip()[:200])

    # ------------------------------------------------------------------ helpers
    def _invalid(self) -> bool:
        if self.session.project is not None:
            return False
        self.notifier.error(
            "The project has invalid values, so it cannot be saved yet: " + self.session.problem
        )
        return True

    def _remember(self, path: str | Path) -> None:
        self.settings.set_recent("project_folder", str(Path(path).resolve().parent))
        self.recent.add(path)
