"""File menu work for the main window: new/open/save projects, the unsaved-changes
question, Open Recent, dropped files, export history as CSV. (Model files: model_actions.)

Kept out of main_window.py so that module stays composition and wiring. Every failure
is shown in the window's message banner; nothing here raises to the user.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.project import Project

MODEL_SUFFIXES = (".safetensors",)
PROJECT_SUFFIXES = (".json",)
# .xls and .parquet open the import dialog too, which says how to convert them.
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")
SB = QMessageBox.StandardButton


# ----------------------------------------------------------------------------- unsaved
def confirm_discard_changes(window, before: str) -> bool:
    """Ask about unsaved project changes before `before` ("opening another project").
    True: go ahead (saved, or discarded); False: the user cancelled (or saving failed)."""
    if not window.is_modified():
        return True
    answer = QMessageBox.question(
        window,
        "Unsaved changes",
        f"The project “{window.project_name}” has changes that are not saved.\n\n"
        f"Save them before {before}?",
        SB.Save | SB.Discard | SB.Cancel,
        SB.Save,
    )
    if answer == SB.Save:
        return save_project(window)
    return answer == SB.Discard


def new_project(window) -> bool:
    if window.controller.busy or not confirm_discard_changes(window, "starting a new project"):
        return False
    window.set_project(Project())
    window.clear_run_display()
    window.mark_saved(None)
    return True


# ----------------------------------------------------------------------------- projects
def open_project_dialog(window) -> None:
    if window.controller.busy or not confirm_discard_changes(window, "opening another project"):
        return
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
    if window.controller.busy:
        window.banner.show_message("Stop the training before opening another project.")
        return False
    window.set_project(project)
    window.clear_run_display()
    window.mark_saved(path)
    window.settings.set_recent("project_folder", str(Path(path).resolve().parent))
    add_recent_file(window, path)
    window.statusBar().showMessage(f"Opened {path}", 5000)
    return True


def save_project(window) -> bool:
    """Save to the project's file (Ctrl+S); ask where when it has none yet."""
    if window.project_path is None:
        return save_project_dialog(window)
    return save_project_to(window, window.project_path)


def _invalid_project_message(window) -> bool:
    if window.project is not None:
        return False
    window.banner.show_message(
        "The project has invalid values, so it cannot be saved yet: "
        + window.project_message.text()
    )
    return True


def save_project_dialog(window) -> bool:
    if _invalid_project_message(window):
        return False
    folder = window.settings.recent("project_folder", str(Path.home()))
    current = window.project_path
    default = str(current) if current is not None else str(Path(folder) / "project.json")
    path, _ = QFileDialog.getSaveFileName(
        window, "Save project", default, "Odyssey project (*.json)"
    )
    if not path:
        return False
    if not path.lower().endswith(".json"):
        path += ".json"
    return save_project_to(window, path)


def save_project_to(window, path: str | Path) -> bool:
    if _invalid_project_message(window):
        return False
    from desktop_app.core.persistence.projects import save_project as write_project

    try:
        write_project(window.project, path)
    except OdysseyError as exc:
        window.banner.show_message(str(exc))
        return False
    window.mark_saved(path)
    window.settings.set_recent("project_folder", str(Path(path).resolve().parent))
    add_recent_file(window, path)
    window.statusBar().showMessage(f"Saved {path}", 5000)
    return True


# ----------------------------------------------------------------------------- recent, drops
def add_recent_file(window, path: str | Path) -> None:
    window.settings.add_recent_file(path)
    rebuild_recent_menu(window)


def rebuild_recent_menu(window) -> None:
    """Fill File > Open Recent from the settings (projects and models alike)."""
    menu: QMenu | None = getattr(window, "recent_menu", None)
    if menu is None:
        return
    menu.clear()
    files = window.settings.recent_files()
    for i, f in enumerate(files):
        action = menu.addAction(f"&{i + 1} {Path(f).name}")
        action.setObjectName(f"actionRecent{i}")
        action.setToolTip(f"Open {f}")
        action.setStatusTip(f)
        action.setData(f)
        action.triggered.connect(lambda _=False, f=f: open_recent(window, f))
    if not files:
        empty = menu.addAction("No recent files")
        empty.setObjectName("actionRecentEmpty")
        empty.setEnabled(False)
    menu.addSeparator()
    clear = menu.addAction("&Clear list")
    clear.setObjectName("actionClearRecent")
    clear.setToolTip("Forget the recently opened files")
    clear.setEnabled(bool(files))
    clear.triggered.connect(lambda: clear_recent(window))


def clear_recent(window) -> None:
    window.settings.clear_recent_files()
    rebuild_recent_menu(window)


def open_recent(window, path: str) -> bool:
    if not Path(path).is_file():
        window.settings.remove_recent_file(path)
        rebuild_recent_menu(window)
        QMessageBox.warning(
            window,
            "File not found",
            f"{path} no longer exists (it was moved, renamed or deleted), so it was "
            "removed from the recent files. Use File > Open to find it.",
        )
        return False
    return open_path(window, path)


def dropped_paths(mime: QMimeData | None) -> list[str]:
    """The local files in a drag that Odyssey can open."""
    if mime is None or not mime.hasUrls():
        return []
    known = MODEL_SUFFIXES + PROJECT_SUFFIXES + TABLE_SUFFIXES
    paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    return [p for p in paths if Path(p).suffix.lower() in known]


def open_path(window, path: str | Path) -> bool:
    """Open a dropped or recent file by its kind: project, model or table."""
    suffix = Path(path).suffix.lower()
    if suffix in TABLE_SUFFIXES:
        importer = getattr(window, "import_table", None)
        if importer is None:
            window.banner.show_message(
                f"{Path(path).name} is a table; this version cannot import tables yet.", "info"
            )
            return False
        importer(str(path))
        return True
    if window.controller.busy:
        window.banner.show_message(f"Stop the training before opening {Path(path).name}.")
        return False
    if suffix in MODEL_SUFFIXES:
        from desktop_app.ui import model_actions

        return model_actions.load_model_file(window, path)
    if not confirm_discard_changes(window, "opening another project"):
        return False
    return open_project_file(window, path)


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
