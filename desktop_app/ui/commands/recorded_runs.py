"""The window's side of the run store: record every Train run, feed the Runs tab, and do
what the tab asks (rename, note, star, delete, open a run's project or model, the
recording settings).

Recording: the controller asks `callbacks_for` for each run's extra engine callbacks;
the RunRecorder it gets opens the store in the training thread and writes there and in
the store's writer thread, never in the GUI thread. When a run ends (finished, stopped
or failed) the run list is read again as a "runs" job of the window's JobRunner (off
the GUI thread, which also flattens each run's settings for the table); edits are queued to the store's writer without waiting. A ticked run's
curves are read in the GUI thread: one run's record is a few hundred kilobytes of JSON
at most (2,000 step points, the epochs), about a millisecond to read.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Slot

from desktop_app.core.errors import OdysseyError
from desktop_app.core.persistence.atomic import write_text_atomic
from desktop_app.core.runs.export import runs_csv
from desktop_app.core.runs.location import data_dir
from desktop_app.core.runs.recorder import RunRecorder, StoreAt
from desktop_app.core.runs.records import RunRecord, RunSummary
from desktop_app.core.runs.store import KEEP_MODELS, RunStore
from desktop_app.core.runs.table_rows import prepare_runs
from desktop_app.core.specs.project import Project
from desktop_app.core.variants.groups import with_group_rows
from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.files import BUSY, ProjectFiles
from desktop_app.ui.commands.models import ModelCommands
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.controller import TrainingController
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.panels.runs import RunsPanel
from desktop_app.ui.plots.group_bands import GroupBands
from desktop_app.ui.run_display import RunDisplay
from desktop_app.ui.session import Session
from desktop_app.ui.settings import AppSettings

log = logging.getLogger(__name__)

JOB = "runs"


class RecordedRuns(QObject):
    def __init__(
        self,
        panel: RunsPanel,
        controller: TrainingController,
        files: ProjectFiles,
        models: ModelCommands,
        jobs: JobRunner,
        notifier: Notifier,
        parent: QObject | None = None,
    ):
        """The session, permissions, display and settings are those `files` works on."""
        super().__init__(parent)
        self.panel, self.controller, self.files, self.models = panel, controller, files, models
        self.jobs, self.notifier = jobs, notifier
        self.session: Session = files.session
        self.permissions: Permissions = files.permissions
        self.display: RunDisplay = files.display
        self.settings: AppSettings = files.settings
        settings = self.settings
        self._lock = threading.Lock()
        self._store: RunStore | None = None
        self._records: dict[int, RunRecord] = {}
        self.loaded = False  # the list was read at least once
        self.recording = settings.recent_bool("runs_record", True)
        self.keep_models = _int(settings.recent("runs_keep_models", KEEP_MODELS), KEEP_MODELS)
        self.folder_setting = str(settings.recent("runs_folder", "") or "")
        controller.run_callbacks = self.callbacks_for
        controller.finished.connect(self._on_run_ended)
        controller.failed.connect(self._on_run_ended)
        p = panel
        p.refreshRequested.connect(self.reload)
        p.curvesWanted.connect(self._on_curves_wanted)
        p.renameRequested.connect(self._on_rename)
        p.noteRequested.connect(self._on_note)
        p.starRequested.connect(self._on_star)
        p.deleteRequested.connect(self._on_delete)
        p.openProjectRequested.connect(self.open_project)
        p.openModelRequested.connect(self.open_model)
        p.recordingChanged.connect(self._on_recording)
        p.keepModelsChanged.connect(self._on_keep_models)
        p.folderChanged.connect(self._on_folder)
        p.exportRequested.connect(self.export_csv)
        self.bands = GroupBands(panel.curves)  # repeat groups' mean ± sd
        self._show_settings()

    # ------------------------------------------------------------------ the store
    @property
    def folder(self):
        return data_dir(self.folder_setting or None)

    def store(self) -> RunStore:
        """The store, opened on first use (from any thread)."""
        with self._lock:
            if self._store is None:
                self._store = RunStore.default(
                    self.folder_setting or None, keep_models=self.keep_models
                )
            return self._store

    def callbacks_for(self, project: Project, resumed: bool) -> list:
        """The engine callbacks a Train run gets: the recorder, when recording is on."""
        if not self.recording:
            return []
        if self.controller.trains_elsewhere:  # opened in the training process
            return [RunRecorder(StoreAt(self.folder_setting or None, self.keep_models))]
        return [RunRecorder(self.store, source="gui")]

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Apply the writes still queued (closing the window)."""
        store = self._store
        if store is not None:
            store.flush(timeout_s)

    # ------------------------------------------------------------------ the list
    @Slot()
    def reload(self) -> None:
        """Read the run list again, off the GUI thread."""
        self.jobs.submit(
            lambda _progress, _cancelled: prepare_runs(with_group_rows(self.store().list_runs())),
            self._on_loaded,
            self._on_load_failed,
            kind=JOB,
            supersede=True,
        )

    def _on_loaded(self, runs) -> None:
        self.bands.note_groups(runs)
        self.loaded = True
        self.panel.set_runs(runs)

    def _on_load_failed(self, exc: BaseException) -> None:
        self.notifier.error(f"Could not read the recorded runs: {error_message(exc)}")

    @Slot(object)
    def _on_run_ended(self, *_args) -> None:
        if self.recording and self.loaded:  # before the tab was first shown: read then
            self.reload()

    # ------------------------------------------------------------------ edits
    def _edit(self, what: str, call) -> None:
        try:
            future = call(self.store())
        except OdysseyError as exc:
            self.notifier.error(f"Could not {what}: {exc}")
            return
        future.add_done_callback(
            lambda f: f.exception() and log.warning("%s: %s", what, f.exception())
        )

    @Slot(int, str)
    def _on_rename(self, run_id: int, name: str) -> None:
        self._records.pop(run_id, None)
        self._edit("rename the run", lambda s: s.rename(run_id, name, wait=False))

    @Slot(int, str)
    def _on_note(self, run_id: int, note: str) -> None:
        self._edit("save the note", lambda s: s.set_note(run_id, note, wait=False))

    @Slot(int, bool)
    def _on_star(self, run_id: int, on: bool) -> None:
        self._edit("star the run", lambda s: s.set_star(run_id, on, wait=False))

    @Slot(list)
    def _on_delete(self, ids: list) -> None:
        group_row = any(i < 0 for i in ids)
        ids = self.bands.expand(ids)  # a repeat group's row stands for its runs
        for i in ids:
            self._records.pop(i, None)
        self.notifier.status(f"Deleted {len(ids)} run(s)", 5000)
        if group_row:  # its members leave the table once the deletion is written
            delete = lambda _p, _c: self.store().delete(ids)  # noqa: E731
            self.jobs.submit(delete, lambda _r: self.reload(), self._on_load_failed, kind=JOB)
            return
        self._edit("delete the runs", lambda s: s.delete(ids, wait=False))

    # ------------------------------------------------------------------ curves
    @Slot(list)
    def _on_curves_wanted(self, ids: list) -> None:
        ids = self.bands.show(self.panel.model, ids, self.store)  # repeat groups: bands
        records = []
        for run_id in ids:
            rec = self._records.get(run_id)
            if rec is None:
                try:
                    rec = self.store().get_run(run_id)
                except OdysseyError as exc:
                    self.notifier.error(f"Could not read run {run_id}: {exc}")
                    continue
                self._records[run_id] = rec
            row = self.panel.model.row_of(run_id)
            if row is not None:
                rec.name = self.panel.model.run_at(row).name
            records.append(rec)
        self.panel.show_curves(records)

    # ------------------------------------------------------------------ opening
    @Slot(object)
    def open_project(self, run: RunSummary) -> bool:
        """Put a run's project in the panels (asking about unsaved changes first)."""
        try:
            project = run.project()
        except OdysseyError as exc:
            self.notifier.error(f"Could not open the project of {run.label}: {exc}")
            return False
        if not self.permissions.allows("actionOpen"):
            self.notifier.error(BUSY.format(what="opening a run's project"))
            return False
        if not self.files.confirm_discard("opening the run's project"):
            return False
        self.display.clear(project)
        self.session.replace(project)
        self.notifier.status(f"Opened the project of {run.label}", 5000)
        return True

    @Slot(object)
    def open_model(self, run: RunSummary) -> bool:
        if not run.model_path:
            self.notifier.error(f"The model file of {run.label} was not kept.")
            return False
        return self.models.load_file(run.model_path)

    @Slot(str, list)
    def export_csv(self, path: str, runs: list) -> None:
        """Write the runs shown as a CSV table, in the background."""
        differences = self.panel.differences.isChecked()

        def write(_progress, _cancelled) -> int:
            try:
                write_text_atomic(path, runs_csv(runs, differences_only=differences))
            except OSError as exc:
                raise OdysseyError(f"cannot write it ({exc.strerror or exc})") from None
            return len(runs)

        self.jobs.submit(
            write,
            lambda n: self.notifier.status(f"Saved {n} runs to {path}", 5000),
            lambda exc: self.notifier.error(f"Could not save {path}: {error_message(exc)}"),
            kind="runs-export",
        )

    # ------------------------------------------------------------------ settings
    @Slot(bool)
    def _on_recording(self, on: bool) -> None:
        self.recording = on
        self.settings.set_recent("runs_record", on)
        self._show_settings()

    @Slot(int)
    def _on_keep_models(self, n: int) -> None:
        self.keep_models = n
        self.settings.set_recent("runs_keep_models", n)
        self._edit("change how many model files are kept", lambda s: s.set_keep_models(n))
        self._show_settings()

    @Slot(str)
    def _on_folder(self, folder: str) -> None:
        with self._lock:
            old, self._store = self._store, None
        if old is not None:
            old.flush()
        self.folder_setting = folder
        self.settings.set_recent("runs_folder", folder)
        self._records.clear()
        self._show_settings()
        self.reload()

    def _show_settings(self) -> None:
        self.panel.set_settings(self.recording, self.keep_models, str(self.folder))


def _int(value, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def _log_failure(what: str, future) -> None:
    exc = future.exception()
    if exc is not None:  # in the writer thread: logged, the panel already shows the edit
        log.warning("could not %s: %s", what, exc)
