"""Run ▸ Sweep…: search the project's settings over many trials, with live progress.

The left column chooses: the parameters (a field path as `odyssey train --set` takes
it, a kind, and its range LOW:HIGH or choices A,B,C), the method, the metric, trials,
workers and backend (local processes, or Ray with an address). Start runs the sweep on a
background thread (ui.sweep_worker); Stop ends it at the running trials' next steps;
Resume goes on with a stored sweep by name. The right side shows the trials in
parallel coordinates (brush an axis to filter them) and each setting's importance.
Non-modal: the window stays usable while a sweep runs.

Object names: sweepDialog, paramField<i>, paramKind<i>, paramRange<i>, paramRemove<i>,
addParamButton, sweepMethod, sweepMetric, sweepTrials, sweepWorkers, sweepBackend,
sweepAddress, sweepName, sweepPrune, sweepStart, sweepStop, sweepResumeName,
sweepResume, sweepProgress, sweepStatus, sweepBest, sweepError, sweepParallelPlot,
sweepImportancePlot, sweepBrushed, sweepClearBrush.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import SpecError
from desktop_app.core.specs.project import Project
from desktop_app.core.sweep.record import group_id_for
from desktop_app.ui.plots.sweep_plots import Axis, ImportanceBars, ParallelCoordinates
from desktop_app.ui.sweep_form import SweepForm
from desktop_app.ui.sweep_worker import SweepRequest, SweepWorker
from desktop_app.ui.tracking import track_thread
from desktop_app.ui.widgets import describe


class SweepDialog(QDialog):
    """The sweep dialog; `project` is a snapshot of the window's project."""

    # The sweep's run-store group and the run ids of the trials inside the brushes
    # (None: no brush is narrowed, every run may show).
    brushedRuns = Signal(str, object)
    ended = Signal()  # a sweep finished or stopped: its trials are in the run store
    trialStarted = Signal()  # a trial was handed to a worker

    def __init__(self, project: Project, data_setting=None, names=(), parent=None):
        super().__init__(parent)
        self.setObjectName("sweepDialog")
        self.setAccessibleName("Sweep settings")
        self.setWindowTitle("Sweep: search the settings")
        self.project = project
        self.data_setting = data_setting
        self.thread: QThread | None = None
        self.worker: SweepWorker | None = None
        self.trials: dict[int, dict] = {}
        self.state: dict = {}
        self.last_finish: dict | None = None
        self._build(names)
        self.resize(1180, 660)

    # ------------------------------------------------------------------ layout
    def _build(self, names) -> None:
        self.form = SweepForm()
        left = QWidget()
        col = QVBoxLayout(left)
        col.addWidget(self.form)

        buttons = QHBoxLayout()
        self.start_button = describe(QPushButton("&Start"), "sweepStart", "Start the sweep")
        self.stop_button = describe(QPushButton("St&op"), "sweepStop", "Stop the sweep")
        self.stop_button.setEnabled(False)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        col.addLayout(buttons)
        resume_row = QHBoxLayout()
        self.resume_name = describe(QComboBox(), "sweepResumeName", "Stored sweep to resume")
        self.resume_name.setEditable(True)
        self.resume_name.addItems(list(names))
        self.resume_button = describe(
            QPushButton("&Resume"), "sweepResume", "Resume the stored sweep"
        )
        self.resume_button.clicked.connect(self.resume)
        resume_row.addWidget(self.resume_name, 1)
        resume_row.addWidget(self.resume_button)
        col.addLayout(resume_row)

        self.progress = describe(QProgressBar(), "sweepProgress", "Trials done")
        self.status = describe(QLabel("Not started."), "sweepStatus", "Sweep status")
        self.best = describe(QLabel(""), "sweepBest", "Best trial so far")
        self.error = describe(QLabel(""), "sweepError", "What is wrong")
        self.error.setStyleSheet("color:#b3261e;")
        for label in (self.status, self.best, self.error):
            label.setWordWrap(True)
        for w in (self.progress, self.status, self.best, self.error):
            col.addWidget(w)
        col.addStretch(1)

        right = QSplitter()
        right.setOrientation(Qt.Orientation.Vertical)
        self.parallel = ParallelCoordinates()
        self.parallel.brushed.connect(self._on_brushed)
        self.importance = ImportanceBars()
        plot_box = QWidget()
        box = QVBoxLayout(plot_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.parallel, 1)
        brush_row = QHBoxLayout()
        self.brushed_label = describe(QLabel(""), "sweepBrushed", "Trials inside the brushes")
        self.clear_brush = describe(
            QPushButton("Clear brushes"), "sweepClearBrush", "Show every trial again"
        )
        self.clear_brush.clicked.connect(self.parallel.clear_brushes)
        brush_row.addWidget(self.brushed_label, 1)
        brush_row.addWidget(self.clear_brush)
        box.addLayout(brush_row)
        right.addWidget(plot_box)
        right.addWidget(self.importance)
        right.setSizes([420, 180])

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([420, 760])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.thread is not None

    @Slot()
    def start(self) -> bool:
        """Check the choices here (a message names the bad part), then run the sweep."""
        from desktop_app.core.sweep.params import parse_params
        from desktop_app.core.sweep.spec import check_name

        if self.running:
            return False
        try:
            parse_params(self.form.param_texts(), self.project)
            name = self.form.name_edit.text().strip()
            if name:
                check_name(name)
        except SpecError as exc:
            self.error.setText(str(exc))
            return False
        request = self.form.request(
            self.data_setting, project=self.project, params=self.form.param_texts(), name=name
        )
        return self._launch(request)

    @Slot()
    def resume(self) -> bool:
        name = self.resume_name.currentText().strip()
        if self.running:
            return False
        if not name:
            self.error.setText("choose the sweep to resume (its name)")
            return False
        return self._launch(self.form.request(self.data_setting, resume=name))

    def _launch(self, request: SweepRequest) -> bool:
        if request.resume:  # the stored sweep's own choices and total
            request.trials = None
        self.error.setText("")
        self.trials.clear()
        self.state = {}  # until the worker has prepared this sweep
        self.status.setText("Preparing the sweep …")
        self.thread = QThread()
        self.thread.setObjectName("sweepThread")
        self.worker = SweepWorker(request)
        track_thread(self.thread, self.worker.stop)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.prepared.connect(self._on_prepared)
        self.worker.trialStarted.connect(self._on_trial_started)
        self.worker.trialFinished.connect(self._on_trial_finished)
        self.worker.importance.connect(self._on_importance)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self._set_running(True)
        self.thread.start()
        return True

    @Slot()
    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.status.setText("Stopping: the running trials end at their next steps …")

    def _set_running(self, running: bool) -> None:
        for w in (self.start_button, self.resume_button, self.form):
            w.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def _end_thread(self) -> None:
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
            self.thread = None
            self.worker = None
        self._set_running(False)

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        """Stop a running sweep and wait for its thread (the window's close)."""
        if self.thread is None:
            return True
        self.worker.stop()
        self.thread.quit()
        ok = self.thread.wait(timeout_ms)
        self.thread = None
        self.worker = None
        return bool(ok)

    # ------------------------------------------------------------------ progress
    @Slot(dict)
    def _on_prepared(self, info: dict) -> None:
        from desktop_app.core.sweep.params import parse_param

        self.state = info
        specs = [parse_param(t) for t in info["params"]]
        axes = []
        for p in specs:
            if p.kind == "choice":
                axes.append(Axis(p.path, 0, 1, categories=tuple(str(c) for c in p.choices)))
            else:
                axes.append(Axis(p.path, float(p.low), float(p.high), log=p.log))
        self.metric_axis_name = info["metric"]
        self.axes = axes
        self.paths = [p.path for p in specs]
        for row in info["rows"]:
            self.trials[row["number"]] = row
        self.progress.setRange(0, info["planned"])
        self.progress.setValue(len(info["rows"]))
        self.resume_name.setCurrentText(info["name"])
        self.status.setText(f"Sweep {info['name']}: {len(info['rows'])}/{info['planned']} trials")
        self._redraw()

    @Slot(int)
    def _on_trial_started(self, number: int) -> None:
        self.trialStarted.emit()
        done = self.progress.value()
        self.status.setText(
            f"Sweep {self.state.get('name', '')}: {done}/{self.progress.maximum()} trials done, "
            f"trial #{number} started"
        )

    @Slot(dict)
    def _on_trial_finished(self, row: dict) -> None:
        self.trials[row["number"]] = row
        self.progress.setValue(min(row["done"], self.progress.maximum()))
        self.status.setText(
            f"Sweep {self.state.get('name', '')}: {row['done']}/{row['planned']} trials done; "
            f"#{row['number']} {row['state']}"
            + (f" ({row['error'][:120]})" if row.get("error") and row["state"] == "failed" else "")
        )
        best = row.get("best")
        if best is not None:
            self.best.setText(
                f"Best so far: trial #{best['number']}, {self.state['metric']} {best['value']:.4g}"
            )
        self._redraw()

    @Slot(dict)
    def _on_importance(self, values: dict) -> None:
        self.importance.set_importances(values)

    @Slot(dict)
    def _on_finished(self, summary: dict) -> None:
        self.last_finish = summary
        self._end_thread()
        word = "stopped" if summary["stopped"] else "finished"
        self.status.setText(
            f"Sweep {summary['name']} {word}: {summary['done']}/{summary['planned']} trials "
            f"({summary['complete']} complete, {summary['pruned']} pruned, "
            f"{summary['failed']} failed)" + ("; Resume goes on" if summary["stopped"] else "")
        )
        if summary.get("problem"):
            self.error.setText(summary["problem"])
        self.ended.emit()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._end_thread()
        self.error.setText(message)
        self.status.setText(
            "The sweep ended with an error." if self.state else "The sweep did not run."
        )
        if self.state:  # trials may have finished before the error: they are recorded
            self.ended.emit()

    def _redraw(self) -> None:
        if not self.state:
            return
        rows = [r for r in self.trials.values() if r["state"] in ("complete", "pruned")]
        values = [r["value"] for r in rows if r["value"] is not None]
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        axes = [*self.axes, Axis(self.state["metric"], lo, hi if hi > lo else lo + 1.0)]
        if [a.name for a in axes] != [a.name for a in self.parallel.axes] or (
            axes[-1] != self.parallel.axes[-1]
        ):
            brushes = [self.parallel.brush_range(i) for i in range(len(self.parallel.axes))]
            self.parallel.set_axes(axes)
            for i, (b, t) in enumerate(brushes[: len(axes) - 1]):
                self.parallel.set_brush(i, b, t)
        best = max(
            (r for r in rows if r["value"] is not None),
            key=lambda r: -r["value"] if self.state["direction"] == "minimize" else r["value"],
            default=None,
        )
        self.parallel.set_trials(
            [r["number"] for r in rows],
            [[r["values"].get(p) for p in self.paths] + [r["value"]] for r in rows],
            None if best is None else best["number"],
        )

    @Slot(list)
    def _on_brushed(self, numbers: list) -> None:
        total = len(self.parallel.numbers)
        self.brushed_label.setText(f"{len(numbers)} of {total} trials inside the brushes")
        runs = [self.trials[n]["run_id"] for n in numbers if self.trials.get(n, {}).get("run_id")]
        narrowed = any(
            self.parallel.brush_range(i) != (0.0, 1.0) for i in range(len(self.parallel.axes))
        )
        if self.state:
            self.brushedRuns.emit(group_id_for(self.state["name"]), runs if narrowed else None)
