"""The main window's project: the Project the panels show, checked on every edit.

A mixin of MainWindow (main_window.py composes and wires; this is the part that keeps
panels and Project in step): it builds the Project from the panels after each change,
says in the toolbar why Train is disabled while a value is invalid, marks the results of
an earlier run as stale, and keeps the title's unsaved-changes marker.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import Slot

from desktop_app.core.catalog import MULTICLASS, TASKS, split_sizes
from desktop_app.core.errors import SpecError
from desktop_app.core.specs.messages import format_validation_error
from desktop_app.core.specs.project import Project


class ProjectBinding:
    """Panels <-> Project for MainWindow (needs its panels, results, actions, controller)."""

    @property
    def project(self) -> Project | None:
        """The project as the panels show it, or None while it is invalid."""
        return self._project

    @property
    def project_name(self) -> str:
        return self._name

    def set_project_name(self, name: str) -> None:
        self._name = name
        self._revalidate()

    def set_project(self, project: Project) -> None:
        """Show `project` in the panels (File > New/Open, command line)."""
        if not self.controller.busy:
            self._load_into_panels(project)

    def _load_into_panels(self, project: Project) -> None:
        self._name = project.name
        self.dataset_panel.set_spec(project.data)
        self.architecture_panel.set_spec(project.model)
        self.optimizer_panel.set_spec(project.train)
        self._on_dataset_changed()

    @Slot()
    def _on_dataset_changed(self) -> None:
        if self.dataset_panel.is_valid() and self.dataset_panel.spec().task in TASKS:
            d = self.dataset_panel.spec()  # (a table's task is known once it was read)
            outputs = d.classes if d.task == MULTICLASS else 1
            self.architecture_panel.set_io(d.features, outputs, d.task)
            self.optimizer_panel.set_task(d.task)
            n_train, n_val, _ = split_sizes(d.total_samples, d.val_fraction, d.test_fraction)
            self.optimizer_panel.set_data_sizes(n_train, n_val)
        self._revalidate()

    @Slot(bool)
    def _on_validity_changed(self, _valid: bool) -> None:
        self._revalidate()

    @Slot()
    def _revalidate(self) -> None:
        names = ("Dataset", "Architecture", "Optimizer and training")
        bad = [n for n, p in zip(names, self.panels) if not p.is_valid()]
        project, message = None, ""
        if bad:
            plural = "s" if len(bad) > 1 else ""
            message = f"Fix the value marked in red in the {' and '.join(bad)} panel{plural}."
        else:
            try:
                project = Project(
                    name=self._name,
                    data=self.dataset_panel.spec(),
                    model=self.architecture_panel.spec(),
                    train=self.optimizer_panel.spec(),
                )
            except ValidationError as exc:
                message = format_validation_error(exc, "project").removeprefix("invalid project: ")
            except SpecError as exc:
                message = str(exc)
        self._project = project
        self.project_message.setText(message)
        self._message_action.setVisible(bool(message))
        self.train_action.setToolTip(
            f"Cannot train yet: {message}" if message else self.train_action.statusTip()
        )
        self.results_panel.project_changed(project)
        self._update_title()
        self._apply_state(self.controller.state.value)

    def is_modified(self) -> bool:
        """True when the project differs from what was last saved or opened."""
        return self._project is None or self._project != self._saved_project

    def mark_saved(self, path: str | Path | None) -> None:
        """The project as shown now is what `path` holds (None: New, or from a model)."""
        self._saved_project = self._project
        self.project_path = Path(path) if path else None
        self._update_title()

    def _update_title(self) -> None:
        self.setWindowTitle(f"Odyssey — {self._name}{'*' if self.is_modified() else ''}")
