"""What the user has open: the project, the copy last saved or opened, its file, and the
current model. One owner for each of them: only the Session changes them, and it says
so with signals; everything else reads them.

- `project`: the project as the panels show it, or None while a value in them is
  invalid (`problem` then says what to fix). The form (project_form.py) reports every
  edit with `edit()`.
- `name`: the project's name (kept while the project is invalid).
- `saved` and `path`: the project as last saved or opened, and its file (None: never
  saved, or it came from a model file). `modified` compares the two.
- `model`: the current model (a persistence.LoadedModel): the last run's CPU copy or the
  one Load Model read; Save Model, Predict and Continue training act on it.

Replacing the whole project (New, Open, a loaded model, an import) goes through
`replace()`: `replaced(Project)` asks the form to show it, the form reports it back with
`edit()`, and the copy the panels now hold becomes the saved one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop_app.core.specs.project import Project


class Session(QObject):
    """The open project and model (see the module docstring)."""

    replaced = Signal(object)  # Project: show this one in the panels now
    project_changed = Signal()  # `project`, `problem` or `name` changed
    saved_changed = Signal()  # `path` or `modified` may have changed
    model_changed = Signal()  # `model` changed

    def __init__(self, project: Project, parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName("session")
        self._project: Project | None = project
        self._problem = ""
        self._name = project.name
        self._saved: Project | None = project
        self._path: Path | None = None
        self._model = None

    # ------------------------------------------------------------------ reading
    @property
    def project(self) -> Project | None:
        """The project as the panels show it, or None while it is invalid."""
        return self._project

    @property
    def problem(self) -> str:
        """What the user must fix before training ("" when nothing): why `project` is
        None, or why a valid project cannot train here."""
        return self._problem

    @property
    def name(self) -> str:
        return self._name

    @property
    def saved(self) -> Project | None:
        return self._saved

    @property
    def path(self) -> Path | None:
        """The project's file, once it has one."""
        return self._path

    @property
    def modified(self) -> bool:
        """True when the project differs from what was last saved or opened."""
        return self._project is None or self._project != self._saved

    @property
    def model(self):
        """The current model (persistence.LoadedModel), or None."""
        return self._model

    # ------------------------------------------------------------------ changing
    def edit(self, project: Project | None, problem: str = "") -> None:
        """The panels now show `project` (None: invalid, `problem` says why). A valid
        project may still carry a problem: one that cannot train on this computer (it
        can be saved, not trained)."""
        self._project, self._problem = project, problem
        if project is not None:
            self._name = project.name
        self.project_changed.emit()
        self.saved_changed.emit()

    def rename(self, name: str) -> None:
        """A new name; the form rebuilds the project with it."""
        self._name = name
        if self._project is not None:
            self.edit(self._project.model_copy(update={"name": name}))
        else:
            self.project_changed.emit()
            self.saved_changed.emit()

    def replace(self, project: Project, path: str | Path | None = None) -> None:
        """Open `project` (New, Open, a model's or an import's project). path: the file it
        came from, which it now equals; None: it has no file yet."""
        self._name = project.name
        self.replaced.emit(project)  # the form shows it and reports it with edit()
        self.mark_saved(path)

    def update(self, project: Project) -> None:
        """Show `project` in the panels without changing what counts as saved (an
        import, or the counts a table read records)."""
        self._name = project.name
        self.replaced.emit(project)

    def mark_saved(self, path: str | Path | None) -> None:
        """The project as shown now is what `path` holds (None: New, or from a model)."""
        self._saved = self._project
        self._path = Path(path) if path else None
        self.saved_changed.emit()

    def set_model(self, model) -> None:
        """The current model: a finished run's copy, or a model file just read."""
        self._model = model
        self.model_changed.emit()
