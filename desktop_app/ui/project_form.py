"""The three editing panels as one form over the Session's project.

After every edit it builds the Project from the panels and reports it to the Session
(`Session.edit`), or None with what to fix while a value is invalid; when the Session
replaces the project (New, Open, a loaded model, an import) it shows the new one in the
panels. It also tells the architecture and optimizer panels what the data implies
(inputs, outputs, task, split sizes).
"""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import QObject, Slot

from desktop_app.core.catalog import CATALOG, MULTICLASS, TASKS, split_sizes
from desktop_app.core.errors import SpecError
from desktop_app.core.memory import training_memory_problem
from desktop_app.core.specs.messages import format_validation_error
from desktop_app.core.specs.project import Project
from desktop_app.ui.panels.architecture import ArchitecturePanel
from desktop_app.ui.panels.dataset import DatasetPanel
from desktop_app.ui.panels.optimizer import OptimizerPanel
from desktop_app.ui.session import Session

DEFAULT_NAME = Project.model_fields["name"].default
PANEL_NAMES = ("Dataset", "Architecture", "Optimizer and training")


class ProjectForm(QObject):
    """Panels <-> Session.project (see the module docstring)."""

    def __init__(
        self,
        session: Session,
        dataset: DatasetPanel,
        architecture: ArchitecturePanel,
        optimizer: OptimizerPanel,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.dataset, self.architecture, self.optimizer = dataset, architecture, optimizer
        self.panels = (dataset, architecture, optimizer)
        self._dataset: str | None = None  # the dataset shown, to tell when it changes
        self._loading = False
        session.replaced.connect(self.show_project)
        dataset.changed.connect(self._on_dataset_changed)
        architecture.changed.connect(self.revalidate)
        optimizer.changed.connect(self.revalidate)
        dataset.validityChanged.connect(self._on_validity_changed)
        optimizer.validityChanged.connect(self._on_validity_changed)

    @Slot(object)
    def show_project(self, project: Project) -> None:
        """Show `project` in the panels, then report what they hold."""
        self._loading = True  # its name is its own, whatever its dataset
        try:
            self.dataset.set_spec(project.data)
            self.architecture.set_spec(project.model)
            self.optimizer.set_spec(project.train)
        finally:
            self._loading = False
        self._dataset = project.data.dataset
        self._on_dataset_changed()

    def set_editable(self, editable: bool) -> None:
        for panel in self.panels:
            panel.set_locked(not editable)

    def _follow_dataset_name(self) -> None:
        """A project nobody named (the default's name, or the title of the dataset it
        had) takes the new dataset's title: "Two moons", not "Classic first example",
        also for the model file name Save Model suggests."""
        spec = self.dataset.spec()
        new = CATALOG.get(spec.dataset)
        old = CATALOG.get(self._dataset) if self._dataset else None
        self._dataset = spec.dataset
        if new is None or old is None or new is old:
            return
        name = self.session.name
        if name in (DEFAULT_NAME, old.title):
            self.session.rename(new.title)

    @Slot()
    def _on_dataset_changed(self) -> None:
        if not self._loading:
            self._follow_dataset_name()
        if self.dataset.is_valid() and self.dataset.spec().task in TASKS:
            d = self.dataset.spec()  # (a table's task is known once it was read)
            outputs = d.classes if d.task == MULTICLASS else 1
            self.architecture.set_io(d.features, outputs, d.task)
            self.optimizer.set_task(d.task)
            n_train, n_val, _ = split_sizes(d.total_samples, d.val_fraction, d.test_fraction)
            self.optimizer.set_data_sizes(n_train, n_val)
        self.revalidate()

    @Slot(bool)
    def _on_validity_changed(self, _valid: bool) -> None:
        self.revalidate()

    @Slot()
    def revalidate(self) -> None:
        """Build the project from the panels and report it (or what is wrong)."""
        bad = [n for n, p in zip(PANEL_NAMES, self.panels) if not p.is_valid()]
        if bad:
            plural = "s" if len(bad) > 1 else ""
            problem = f"Fix the value marked in red in the {' and '.join(bad)} panel{plural}."
            self.session.edit(None, problem)
            return
        try:
            project = Project(
                name=self.session.name,
                data=self.dataset.spec(),
                model=self.architecture.spec(),
                train=self.optimizer.spec(),
            )
        except ValidationError as exc:
            problem = format_validation_error(exc, "project").removeprefix("invalid project: ")
            self.session.edit(None, problem)
        except SpecError as exc:
            self.session.edit(None, str(exc))
        else:
            problem = training_memory_problem(
                self.architecture.parameter_count(), project.train.optimizer
            )
            # Train is not offered for a network that cannot fit; the project stays
            # valid (it can be saved, and trained on a bigger machine).
            self.session.edit(project, problem[0].upper() + problem[1:] + "." if problem else "")
