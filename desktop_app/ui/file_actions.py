"""File menu work for the main window: open/save projects, export history as CSV.

Kept out of main_window.py so that module stays composition and wiring. Every failure
is shown in the window's message banner; nothing here raises to the user.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs import Project


def open_project_dialog(window) -> None:
    folder = window.settings.recent("project_folder", str(Path.home()))
    path, _ = QFileDialog.getOpenFileName(
        window, "Open project", folder, "Odyssey project (*.json);;All files (*)"
    )
    if path:
        open_project_file(window, path)


def open_project_file(window, path: str | Path) -> bool:
    try:
        project = Project.load(path)
    except OdysseyError as exc:
        window.banner.show_message(f"Could not open the project: {exc}")
        return False
    window.set_project(project)
    window.settings.set_recent("project_folder", str(Path(path).resolve().parent))
    window.settings.add_recent_file(path)
    window.statusBar().showMessage(f"Opened {path}", 5000)
    return True


def save_project_dialog(window) -> None:
    project = window.project
    if project is None:
        window.banner.show_message(
            "The project has invalid values, so it cannot be saved yet: "
            + window.project_message.text()
        )
        return
    folder = window.settings.recent("project_folder", str(Path.home()))
    path, _ = QFileDialog.getSaveFileName(
        window, "Save project", str(Path(folder) / "project.json"), "Odyssey project (*.json)"
    )
    if not path:
        return
    if not path.lower().endswith(".json"):
        path += ".json"
    from desktop_app.core.persistence import save_project

    try:
        save_project(project, path)
    except OdysseyError as exc:
        window.banner.show_message(str(exc))
        return
    window.settings.set_recent("project_folder", str(Path(path).parent))
    window.settings.add_recent_file(path)
    window.statusBar().showMessage(f"Saved {path}", 5000)


def rename_dialog(window) -> None:
    name, ok = QInputDialog.getText(
        window, "Rename project", "Project name:", text=window.project_name
    )
    if ok and name.strip():
        window.set_project_name(name.strip()[:200])


def _ask_csv_path(window, title: str, default_name: str) -> str | None:
    folder = window.settings.recent("export_folder", str(Path.home()))
    path, _ = QFileDialog.getSaveFileName(
        window, title, str(Path(folder) / default_name), "CSV table (*.csv)"
    )
    if not path:
        return None
    window.settings.set_recent("export_folder", str(Path(path).parent))
    return path if path.lower().endswith(".csv") else path + ".csv"


def export_history_csv(window, path: str | None = None) -> bool:
    path = path or _ask_csv_path(window, "Export history as CSV", "history.csv")
    return bool(path) and _write(window, lambda: window.history.write_epochs_csv(path), path)


def export_steps_csv(window, path: str | None = None) -> bool:
    path = path or _ask_csv_path(window, "Export per-step losses as CSV", "steps.csv")
    smoothed = window.plots.loss.smoothed
    return bool(path) and _write(
        window, lambda: window.history.write_steps_csv(path, smoothed), path
    )


def _write(window, fn, path: str) -> bool:
    try:
        fn()
    except OdysseyError as exc:
        window.banner.show_message(str(exc))
        return False
    window.statusBar().showMessage(f"Wrote {path}", 5000)
    return True
