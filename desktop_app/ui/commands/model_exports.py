"""File ▸ Export ▸ ONNX… and Python script…: the current model as a checked ONNX file,
the current project as a standalone training script.

Both run as "export" jobs of the window's JobRunner (the ONNX exporter takes seconds and
imports torch.onnx; a table project's script reads its table), so the GUI thread never
waits; while one runs, both actions are off and the status bar shows its progress. The
ONNX export ends with a message box saying how it was checked (onnxruntime against
PyTorch, with the largest difference).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.session import Session
from desktop_app.ui.settings import AppSettings

JOB = "export"
ONNX_FILTER = "ONNX model (*.onnx);;All files (*)"
SCRIPT_FILTER = "Python script (*.py);;All files (*)"


def _stem(name: str, fallback: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or fallback


class ModelExports:
    """Export ▸ ONNX… and Export ▸ Python script…"""

    def __init__(
        self,
        session: Session,
        permissions: Permissions,
        jobs: JobRunner,
        notifier: Notifier,
        settings: AppSettings,
    ):
        self.session, self.permissions, self.jobs = session, permissions, jobs
        self.notifier, self.settings = notifier, settings
        self.last_report = None  # the last ONNX export's OnnxReport

    def _ask(self, title: str, name: str, file_filter: str, suffix: str) -> str | None:
        folder = self.settings.recent("export_folder", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(
            self.notifier.parent, title, str(Path(folder) / name), file_filter
        )
        if not path:
            return None
        self.settings.set_recent("export_folder", str(Path(path).parent))
        return path if path.lower().endswith(suffix) else path + suffix

    def _progress(self, what: str):
        def show(fraction: float) -> None:
            self.notifier.status(f"{what}… {int(100 * fraction)}%")

        return show

    # ------------------------------------------------------------------ ONNX
    def onnx(self, path: str | None = None) -> bool:
        model = self.session.model
        if model is None:
            self.notifier.error("There is no trained model to export yet: press Train first.")
            return False
        if not self.permissions.allows("actionExportOnnx"):
            self.notifier.error("Wait for the export that is running to finish.")
            return False
        path = path or self._ask(
            "Export ONNX", _stem(model.project.name, "model") + ".onnx", ONNX_FILTER, ".onnx"
        )
        if not path:
            return False

        def export(progress, _cancelled):
            from desktop_app.core.export.onnx_file import export_onnx

            return export_onnx(model, path, progress)

        self.notifier.status(f"Exporting the model to {path} (and checking it)…")
        self.jobs.submit(
            export,
            self._onnx_done,
            self._failed,
            self._progress("Exporting ONNX"),
            kind=JOB,
        )
        return True

    def _onnx_done(self, report) -> None:
        self.last_report = report
        self.notifier.status(f"Exported {report.path}", 5000)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "ONNX export",
            f"Exported the model to {report.path} ({report.file_bytes:,} bytes).",
            QMessageBox.StandardButton.Ok,
            self.notifier.parent,
        )
        box.setObjectName("onnxReportBox")
        box.setInformativeText(
            f"Checked: onnxruntime gives the same outputs as PyTorch on "
            f"{report.rows_checked} {report.rows_source} (and batches of 1 and 7 rows): "
            f"largest difference {report.max_difference:.1e}, within {report.tolerance:g}.\n"
            f"Input '{report.input_name}': rows of {report.n_features} values in the "
            f"training columns' units; output '{report.output_name}': {report.n_outputs} "
            "column(s). Feature and class names are in the file's metadata."
        )
        box.exec()

    # ------------------------------------------------------------------ script
    def script(self, path: str | None = None) -> bool:
        project = self.session.project
        if project is None:
            self.notifier.error(
                "The project has a problem to fix first: " + (self.session.problem or "")
            )
            return False
        if not self.permissions.allows("actionExportScript"):
            self.notifier.error("Wait for the export that is running to finish.")
            return False
        path = path or self._ask(
            "Export training script",
            "train_" + _stem(project.name, "project").replace("-", "_") + ".py",
            SCRIPT_FILTER,
            ".py",
        )
        if not path:
            return False

        def write(progress, cancelled):
            from desktop_app.core.export.script import write_script

            return write_script(project, path, progress=progress, cancel=cancelled)

        self.notifier.status(f"Writing the training script {path}…")
        self.jobs.submit(
            write, self._script_done, self._failed, self._progress("Writing the script"), kind=JOB
        )
        return True

    def _script_done(self, path) -> None:
        self.notifier.status(
            f"Wrote {path}: run it with python {Path(path).name} (PyTorch, scikit-learn, "
            "safetensors)",
            8000,
        )

    def _failed(self, exc: BaseException) -> None:
        self.notifier.clear_status()
        self.notifier.error(f"Could not export: {error_message(exc)}")
