"""Run ▸ Repeat…, Run ▸ Baselines and Run ▸ Race…: groups of runs on the Session's
project, off the GUI thread (core.variants), recorded in the run store and listed in the
Runs tab.

- Repeat…: a dialog (seeds or folds, how many), then the members one after another as a
  "variants" job with a progress dialog and Cancel; the group shows as one row with
  mean ± sd in the Runs tab (tick it for its band), and the summary in the status bar.
- Baselines: scikit-learn's linear and boosted-trees models on the project's own split,
  as a "variants" job with progress; two rows of kind baseline in the Runs tab.
- Race…: a dialog (a setting and 2–4 values), then the race as a "variants" job whose
  curves a race window (views/race_view.py) overlays live; its variants land in the Runs
  tab as one group of kind race.
A table project's file is read first (TableCommands.load_then_train). While a variants
job runs these three actions wait (action_state); training and editing do not.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot

from desktop_app.core.errors import OdysseyError
from desktop_app.core.run_types import Control
from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.files import BUSY
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.commands.recorded_runs import RecordedRuns
from desktop_app.ui.commands.tables import TableCommands
from desktop_app.ui.dialogs import JobProgress
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.session import Session

JOB = "variants"
REPEAT, BASELINES, RACE = "actionRepeat", "actionBaselines", "actionRace"


class VariantCommands(QObject):
    def __init__(
        self,
        recorded_runs: RecordedRuns,
        tables: TableCommands,
        show_runs: Callable[[], None],
        parent: QObject | None = None,
    ):
        """recorded_runs: the window's RecordedRuns (its store, recording switch and
        reload; its session, permissions, jobs and notifier are the window's)."""
        super().__init__(parent)
        r = recorded_runs
        self.session: Session = r.session
        self.permissions: Permissions = r.permissions
        self.jobs: JobRunner = r.jobs
        self.notifier: Notifier = r.notifier
        self.tables, self.recorded = tables, recorded_runs
        self.show_runs = show_runs
        self.control = Control()
        self.progress: JobProgress | None = None
        self.dialog = None  # the open Repeat… or Race… dialog
        self.race_window = None
        self.last = None  # the last finished group's result (for whoever asks)

    # ------------------------------------------------------------------ helpers
    def _project(self, action: str, what: str):
        project = self.session.project
        if project is None or not self.permissions.allows(action):
            if self.session.problem:
                self.notifier.error(f"Cannot {what} yet: {self.session.problem}")
            else:
                self.notifier.error(BUSY.format(what=what))
            return None
        return project

    def _with_data(self, project, start: Callable[[object], bool]) -> bool:
        if project.data.table is not None:
            return self.tables.load_then_train(project, start)
        return start(None)

    def _store(self):
        return self.recorded.store() if self.recorded.recording else None

    def _submit(self, fn, done, text: str, title: str, progress: bool = True) -> None:
        self.notifier.dismiss()
        self.notifier.status(text)
        if progress:
            if self.progress is None:
                self.progress = JobProgress(
                    self.notifier.parent, text, "variantsProgress", title, title, self.cancel
                )
            self.progress.dialog.setWindowTitle(title)
            self.progress.start(text)
        self.jobs.submit(fn, done, self._failed, self._on_progress, kind=JOB)

    def _new_control(self) -> Control:
        self.control = Control()  # Cancel and Stop stop the job's own run
        return self.control

    @Slot()
    def cancel(self) -> None:
        self.control.stop()
        self.jobs.cancel(JOB)

    @Slot()
    def stop_race(self) -> None:
        """Stop: every variant ends where it is, and the race's results are kept."""
        self.control.stop()

    def _on_progress(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress.set_fraction(fraction)
        if self.race_window is not None:
            self.race_window.set_progress(fraction)

    def _finish(self) -> None:
        if self.progress is not None:
            self.progress.close()
        self.notifier.clear_status()

    def _failed(self, exc: BaseException) -> None:
        from desktop_app.core.tabular.detect import Cancelled

        self._finish()
        if self.race_window is not None:
            self.race_window.finish(f"The race ended: {error_message(exc)}")
        if isinstance(exc, Cancelled):
            self.notifier.status("Cancelled; the runs that finished are in the Runs tab.", 10_000)
        else:
            self.notifier.error(f"It failed: {error_message(exc)}")
        self.recorded.reload()

    def _recorded(self, text: str) -> None:
        self.recorded.reload()
        self.show_runs()
        self.notifier.status(text, 30_000)

    def shutdown(self) -> None:
        """Stop what runs (the window closes); the job runner waits for the thread."""
        self.control.stop()
        if self.race_window is not None:
            self.race_window.timer.stop()

    # ------------------------------------------------------------------ repeat
    @Slot()
    def repeat(self) -> bool:
        """Run ▸ Repeat…: ask seeds or folds and how many."""
        from desktop_app.ui.views.variant_dialogs import RepeatDialog

        project = self._project(REPEAT, "repeat training")
        if project is None:
            return False
        dialog = RepeatDialog(self.notifier.parent, project.train.seed)
        dialog.chosen.connect(self.start_repeat)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return True

    @Slot(str, int)
    def start_repeat(self, kind: str, count: int) -> bool:
        project = self._project(REPEAT, "repeat training")
        if project is None:
            return False
        return self._with_data(project, lambda data: self._run_repeat(project, kind, count, data))

    def _run_repeat(self, project, kind: str, count: int, data) -> bool:
        store, control = self._store(), self._new_control()

        def run(progress, _cancelled):
            from desktop_app.core.variants.record import (
                finish_repeat_group,
                repeat_recorders,
                start_repeat_group,
            )
            from desktop_app.core.variants.repeats import RepeatPlan, run_repeats

            plan = RepeatPlan(**{kind: count})
            epochs = project.train.epochs
            gid = start_repeat_group(store, project, plan) if store is not None else None

            def callbacks(i):
                recording = repeat_recorders(store, gid, plan, "gui")(i) if gid else []
                return [*recording, _Progress(progress, i, plan.count, epochs)]

            group = run_repeats(project, plan, data, callbacks, control, leave_core_free=True)
            if gid is not None:
                finish_repeat_group(store, gid, group)
            return group

        what = f"{count} seeds" if kind == "seeds" else f"{count}-fold cross-validation"
        self._submit(run, self._repeat_done, f"Training {what}…", "Repeat training")
        return True

    def _repeat_done(self, group) -> None:
        self._finish()
        self.last = group
        s = group.summary
        self._recorded(
            f"{s.n_runs} runs: test {s.metric_name} {s.test_metric.text()}, best validation "
            f"{s.metric_name} {s.best_val_metric.text()} (mean ± sd; the group is in the Runs tab)"
        )

    # ------------------------------------------------------------------ baselines
    @Slot()
    def baselines(self) -> bool:
        """Run ▸ Baselines: fit both baselines on the project's split."""
        project = self._project(BASELINES, "train baselines")
        if project is None:
            return False
        return self._with_data(project, lambda data: self._run_baselines(project, data))

    def _run_baselines(self, project, data) -> bool:
        store = self._store()

        def run(progress, cancelled):
            import sklearn  # noqa: F401 (the package before its submodules: see table_loader)

            from desktop_app.core.variants.baselines import run_baselines
            from desktop_app.core.variants.record import record_baselines

            results = run_baselines(project, data, progress=progress, cancel=cancelled)
            if store is not None and results:
                record_baselines(store, project, results, "gui")
            return results

        self._submit(run, self._baselines_done, "Fitting the baselines…", "Baselines")
        return True

    def _baselines_done(self, results) -> None:
        self._finish()
        self.last = results
        parts = [
            f"{r.name} test {r.metric_name} "
            + ("-" if r.test_metric is None else f"{r.test_metric:.4f}")
            for r in results
        ]
        self._recorded("Baselines: " + "; ".join(parts) + " (rows in the Runs tab)")

    # ------------------------------------------------------------------ race
    @Slot()
    def race(self) -> bool:
        """Run ▸ Race…: ask the setting and its values."""
        from desktop_app.core.variants.labels import flatten
        from desktop_app.ui.views.variant_dialogs import RaceDialog

        project = self._project(RACE, "race variants")
        if project is None:
            return False
        dialog = RaceDialog(self.notifier.parent, flatten(project.model_dump(mode="json")))
        dialog.chosen.connect(self._race_chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return True

    @Slot(str, str)
    def _race_chosen(self, path: str, values: str) -> None:
        dialog = self.dialog
        try:
            started = self.start_race(path, values)
        except OdysseyError as exc:
            if dialog is not None:
                dialog.show_problem(str(exc).replace("--vary ", ""))
            return
        if dialog is not None and started:
            dialog.accept()

    def start_race(self, path: str, values: str) -> bool:
        """Race `path` over the comma-separated `values` (raises OdysseyError for bad ones)."""
        from desktop_app.core.variants.labels import variant_labels, vary_projects

        project = self._project(RACE, "race variants")
        if project is None:
            return False
        projects = vary_projects(project, f"{path}={values}")
        labels = variant_labels(projects)
        return self._with_data(project, lambda data: self._run_race(projects, labels, data))

    def _run_race(self, projects, labels, data) -> bool:
        from desktop_app.ui.views.race_view import RaceFeed, RaceWindow

        store, control = self._store(), self._new_control()
        feed = RaceFeed(len(projects))

        def run(progress, _cancelled):
            from desktop_app.core.variants.race import RaceObserver, run_race
            from desktop_app.core.variants.record import record_race

            total = len(projects) * projects[0].train.epochs

            class Observer(RaceObserver):
                epochs = 0

                def on_epoch_end(self, variant, epoch, logs) -> None:
                    feed.on_epoch_end(variant, epoch, logs)
                    self.epochs += 1
                    progress(min(self.epochs / total, 1.0))

            race = run_race(projects, data, Observer(), control, leave_core_free=True)
            if store is not None:
                record_race(store, race, "gui")
            return race

        if self.race_window is not None:
            self.race_window.close()
        window = RaceWindow(labels, feed, self.notifier.parent)
        window.stopRequested.connect(self.stop_race)
        self.race_window = window
        self._submit(run, self._race_done, "Racing " + ", ".join(labels) + "…", "Race", False)
        window.show()
        return True

    def _race_done(self, race) -> None:
        self._finish()
        self.last = race
        how = "in one vectorised step" if race.vectorised else f"one after another: {race.reason}"
        parts = []
        for label, r, err in zip(race.labels, race.results, race.errors):
            if r is None:
                parts.append(f"{label}: failed ({err})")
            else:
                m = r.test_metrics.get(r.metric_name)
                parts.append(f"{label}: test {r.metric_name} " + ("-" if m is None else f"{m:.4f}"))
        text = f"Race {how}, {race.seconds:.1f} s. " + "; ".join(parts)
        if self.race_window is not None:
            self.race_window.finish(text)
        self._recorded(text + " (in the Runs tab)")


class _Progress:
    """A repeat member's callback: how far the group got."""

    def __init__(self, progress, i: int, n: int, epochs: int):
        self.progress, self.i, self.n, self.epochs = progress, i, n, max(epochs, 1)

    def on_train_begin(self, trainer) -> None: ...
    def on_epoch_begin(self, trainer, epoch) -> None: ...
    def on_fit_end(self, trainer) -> None: ...
    def on_train_end(self, trainer, result) -> None: ...
    def on_exception(self, trainer, exc) -> None: ...

    def on_batch_end(self, trainer, block) -> None: ...

    def on_epoch_end(self, trainer, epoch, logs) -> None:
        self.progress(min((self.i + epoch / self.epochs) / self.n, 1.0))


MENU = (
    (
        "&Repeat…",
        REPEAT,
        "Train the project over several seeds or k folds; see mean ± sd in the Runs tab",
        "repeat",
    ),
    (
        "&Baselines",
        BASELINES,
        "Fit logistic/linear regression and boosted trees on the project's split, to see "
        "whether the network beats a simple model",
        "baselines",
    ),
    (
        "R&ace…",
        RACE,
        "Train 2-4 variants (say, four learning rates) side by side from the same "
        "initial weights, curves overlaid live",
        "race",
    ),
)


def add_variant_actions(window, menu, actions: dict, commands: VariantCommands) -> None:
    """The three actions, into `menu` and the window's action table `actions`."""
    from PySide6.QtGui import QAction

    for text, name, tip, method in MENU:
        action = QAction(text, window)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        slot = getattr(commands, method)
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        actions[name] = action
        menu.addAction(action)
