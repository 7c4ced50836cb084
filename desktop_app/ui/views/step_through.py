"""One sample, step by step: a non-modal dialog that walks one sample through the
current model (forward per layer, the loss, backward per layer, one weight's chain rule
and its update) with the numbers core.inspect computed by autograd on a copy of it.

The sample is a row of the training, validation or test data (prepared again in the
background, as the model was trained on it) or typed values in the data's units. The
computation takes milliseconds for one sample, so it runs in the GUI thread; torch is
imported only when it runs (this module is imported when the dialog first opens).

objectNames: stepThroughDialog; sample (step_sample_box): stepSampleBox, stepSource, stepRow, stepRowCount, stepValue_<i>
(per feature), stepTarget (a class list, or a number field for regression),
stepUseValues, stepError, stepStatus; phases: stepPhaseForward, stepPhaseLoss,
stepPhaseBackward, stepPhaseUpdate, stepCounter; weight: stepLayer, stepToUnit,
stepFromUnit; stepView (the page), stepPrevious (Alt+P or Left), stepNext (Alt+N or
Right), stepClose.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import OdysseyError
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.views.step_sample_box import SampleBox
from desktop_app.ui.widgets import describe

PHASE_NAMES = ("Forward", "Loss", "Backward", "Update")
# The same font and padding for both, so the labels keep their size as the phase moves.
CURRENT = "QLabel{background:#1f5fa8;color:white;font-weight:bold;padding:3px 10px}"
OTHER = "QLabel{color:#666;font-weight:bold;padding:3px 10px}"


class StepThroughDialog(QDialog):
    """The step-through of one model (a persistence.LoadedModel)."""

    def __init__(self, loaded, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("stepThroughDialog")
        self.setWindowTitle(f"One sample, step by step — “{loaded.project.name}”")
        self.setModal(False)
        self.loaded = loaded
        self.prep = loaded.preprocessing
        self.result = None  # core StepThrough of the current sample
        self.index = 0  # the step shown
        self.shown = -1  # the step the view last drew
        self.jobs = JobRunner(self, "stepThroughJobs")

        layout = QVBoxLayout(self)
        self.sample_box = SampleBox(self.prep)
        self.sample_box.changed.connect(self.compute)
        layout.addWidget(self.sample_box)
        self.error = describe(QLabel(""), "stepError", "What is wrong with the sample")
        self.error.setStyleSheet("color:#b3261e")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        layout.addLayout(self._build_phases())
        layout.addLayout(self._build_weight())
        self.view = describe(QTextBrowser(), "stepView", "The numbers of this step")
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._on_link)
        layout.addWidget(self.view, 1)
        layout.addLayout(self._build_buttons())
        QShortcut(QKeySequence(Qt.Key.Key_Left), self, self.previous)
        QShortcut(QKeySequence(Qt.Key.Key_Right), self, self.next)
        self._fit_screen()
        self._read_data()

    # ------------------------------------------------------------------ building
    def _build_phases(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.phase_labels = {}
        for name in PHASE_NAMES:
            label = describe(QLabel(name), f"stepPhase{name}", f"Phase {name}")
            label.setStyleSheet(OTHER)
            row.addWidget(label)
            self.phase_labels[name] = label
        row.addStretch(1)
        self.counter = describe(QLabel(""), "stepCounter", "Which step is shown")
        row.addWidget(self.counter)
        return row

    def _build_weight(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Follow weight:"))
        self.layer = describe(
            QSpinBox(), "stepLayer", "Layer of the weight", "1 is the first layer"
        )
        self.to_unit = describe(QSpinBox(), "stepToUnit", "Unit the weight leads to")
        self.from_unit = describe(QSpinBox(), "stepFromUnit", "Input the weight comes from")
        for text, spin in (
            ("&layer", self.layer),
            ("to unit &j", self.to_unit),
            ("from input &i", self.from_unit),
        ):
            label = QLabel(text)
            label.setBuddy(spin)
            spin.setRange(1, 1)
            row.addWidget(label)
            row.addWidget(spin)
        self.layer.valueChanged.connect(self._on_layer)
        self.to_unit.valueChanged.connect(self._render)
        self.from_unit.valueChanged.connect(self._render)
        row.addStretch(1)
        return row

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.prev_button = describe(
            QPushButton("&Previous"), "stepPrevious", "Previous step", "The step before (Left)"
        )
        self.next_button = describe(
            QPushButton("&Next"), "stepNext", "Next step", "The step after (Right)"
        )
        close = describe(QPushButton("Close"), "stepClose", "Close")
        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        close.clicked.connect(self.close)
        for b in (self.prev_button, self.next_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        return row

    def _fit_screen(self) -> None:
        width, height = 960, 700
        screen = self.screen()
        if screen is not None:
            avail = screen.availableGeometry()
            width, height = (
                min(width, int(avail.width() * 0.9)),
                min(height, int(avail.height() * 0.88)),
            )
        self.resize(width, height)

    # ------------------------------------------------------------------ data
    def _read_data(self) -> None:
        loaded = self.loaded
        self.sample_box.set_status("Reading the data the model was trained on…")

        def read(_progress, _cancelled):
            from desktop_app.core.data import prepare
            from desktop_app.core.errors import DataError
            from desktop_app.core.prepared import same_preprocessing

            d = prepare(loaded.project.data)
            if not same_preprocessing(d.prep, loaded.preprocessing):
                raise DataError("the data no longer matches what the model was trained on")
            return d

        self.jobs.submit(read, self._on_data, self._on_data_failed, kind="step-data")

    def _on_data(self, data) -> None:
        self.sample_box.set_status(self._model_note())
        self.sample_box.set_data(data)

    def _on_data_failed(self, exc: BaseException) -> None:
        self.sample_box.set_status(
            f"The data rows are not available ({error_message(exc)}); type values instead. "
            + self._model_note()
        )
        self.sample_box.set_data(None)

    def _model_note(self) -> str:
        r = self.loaded.resume
        if r is None:
            return "The model was saved without its training state: the update shown is a fresh optimizer's first step."
        note = f"The update is the next step training would take after its {r.global_step} steps."
        if r.last_weights is not None:
            note += (
                " (The model holds the best epoch's weights; the optimizer's state is where "
                "the run ended.)"
            )
        return note

    # ------------------------------------------------------------------ computing
    @Slot()
    def compute(self) -> bool:
        """Step the chosen sample through a copy of the model; False (and a message)
        when the sample is not usable."""
        from desktop_app.core.inspect.step_through import step_through

        try:
            sample = self.sample_box.sample()
            if sample is None:
                return False  # the data is still being read
            resume = self.loaded.resume
            state = resume.optimizer if resume is not None else None
            result = step_through(self.loaded.model, self.loaded.project, self.prep, sample, state)
        except OdysseyError as exc:
            self.error.setText(f"Cannot step through this sample: {exc}")
            self.error.show()
            return False
        self.error.hide()
        first = self.result is None
        self.result = result
        self.index = min(self.index, len(result.steps) - 1)
        if first:
            self._set_weight_ranges()
        self._render()
        return True

    def _set_weight_ranges(self) -> None:
        self.layer.setRange(1, len(self.result.layers))
        self._on_layer()

    @Slot()
    def _on_layer(self) -> None:
        if self.result is None:
            return
        w = self.result.layers[self.layer.value() - 1].weight
        self.to_unit.setRange(1, w.shape[0])
        self.from_unit.setRange(1, w.shape[1])
        self._render()

    @property
    def weight(self) -> tuple[int, int, int]:
        """The followed weight as (layer, to_unit, from_unit), 0-based."""
        return self.layer.value() - 1, self.to_unit.value() - 1, self.from_unit.value() - 1

    @Slot(QUrl)
    def _on_link(self, url: QUrl) -> None:
        parts = url.toString().split(":")
        if len(parts) == 4 and parts[0] == "w":
            k, j, i = (int(p) + 1 for p in parts[1:])
            self.layer.setValue(k)
            self.to_unit.setValue(j)
            self.from_unit.setValue(i)

    # ------------------------------------------------------------------ stepping
    @property
    def step(self):
        """The core Step shown now (None before the first sample)."""
        return None if self.result is None else self.result.steps[self.index]

    @Slot()
    def next(self) -> None:
        if self.result is not None and self.index < len(self.result.steps) - 1:
            self.index += 1
            self._render()

    @Slot()
    def previous(self) -> None:
        if self.result is not None and self.index > 0:
            self.index -= 1
            self._render()

    @Slot()
    def _render(self) -> None:
        from desktop_app.ui.views.step_pages import page

        st = self.result
        if st is None:
            return
        step = st.steps[self.index]
        for name, label in self.phase_labels.items():
            label.setStyleSheet(CURRENT if name == step.phase else OTHER)
        self.counter.setText(f"Step {self.index + 1} of {len(st.steps)} · {st.sample.source}")
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(st.steps) - 1)
        bar = self.view.verticalScrollBar()
        scroll = bar.value() if self.index == self.shown else 0  # a new page starts at its top
        self.view.setHtml(
            page(st, step, self.prep.feature_names, self.prep.class_names, self.weight)
        )
        bar.setValue(scroll)
        self.shown = self.index

    def shutdown(self) -> bool:
        """Stop reading the data (the window calls this before it closes)."""
        return self.jobs.shutdown()
