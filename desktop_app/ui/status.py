"""The status bar: run progress (epoch, step, time left), samples per second, device.

objectNames: progressLabel, trainingProgress, samplesPerSecondLabel, deviceLabel.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

TEXT_INTERVAL_S = 0.25  # people read a progress text a few times a second at most


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    if seconds < 0.1:
        return f"{seconds * 1000:.0f} ms"  # a tiny run: never "0.0 s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}:{s:02d}"
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"


def device_text(device: str, threads: int, step: str = "") -> str:
    """What the device label says: the device, CPU threads, and (once a run has ended)
    which training step ran: "fast path", or "autograd (why not)"."""
    text = f"Device: {device}"
    if device == "cpu":
        text += f", {threads} thread{'s' if threads != 1 else ''}"
    return f"{text}, {step}" if step else text


def _label(name: str, text: str, accessible: str, tip: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setToolTip(tip)
    label.setFixedSize(label.sizeHint())
    return label


def show_text(label: QLabel, text: str, fit: bool = False) -> None:
    """`text` in a status label of fixed size, which grows when the text needs more room
    and shrinks to it only when `fit` (the run is over).

    A label whose size is not fixed asks its layout to lay out again at every new text:
    the progress bar and the labels beside it moved sideways four times a second as the
    figures changed, and the window repainted the whole area around its plots each time."""
    label.setText(text)
    width, fixed = label.sizeHint().width(), label.maximumWidth()
    if width > fixed or (fit and width != fixed):
        label.setFixedWidth(width)


class RunStatusBar(QStatusBar):
    """Shows where the current run stands; fed by the main window from controller signals."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.info = None  # run_reports.RunInfo of the current run
        self.progress_label = _label(
            "progressLabel",
            "Ready",
            "Training progress",
            "Epoch, step and estimated time left of the run.",
        )
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("trainingProgress")
        self.progress_bar.setAccessibleName("Training progress bar")
        self.progress_bar.setToolTip(
            "Share of the planned steps done (early stopping may end the run sooner)."
        )
        self.progress_bar.setFixedWidth(200)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.samples_label = _label(
            "samplesPerSecondLabel",
            "– samples/s",
            "Training speed",
            "Training samples processed per second (paused time excluded).",
        )
        self.device_label = _label(
            "deviceLabel",
            "Device: …",
            "Compute device",
            "Where training runs, with how many CPU threads, and (after a run) whether "
            "it took the fast path, a training step without autograd, or why not.",
        )
        for w in (self.progress_label, self.progress_bar, self.samples_label, self.device_label):
            self.addPermanentWidget(w)
        self._last_text = ""
        self._shown_at = 0.0

    # ------------------------------------------------------------------ run events
    def preparing(self) -> None:
        self.info = None
        self.progress_bar.setRange(0, 0)  # busy indicator until the data is ready
        self._set("Preparing data…", fit=True)

    def started(self, info) -> None:
        self.info = info
        self._show_steps(max(1, info.total_steps), 0)
        show_text(self.device_label, device_text(info.device, info.threads))
        self._set(f"epoch 1/{info.epochs} · step 0/{info.total_steps:,}")

    def progress(self, update, running: bool) -> None:
        now = time.perf_counter()
        if running and now - self._shown_at < TEXT_INTERVAL_S and update.phase == "training":
            return  # the next update, a moment later, shows the newer figures
        # (Paused, stepping or in slow motion, every update is shown: each one is where
        # the run now stands, and the plots show the same step.)
        self._shown_at = now
        info = self.info
        if info is not None:
            self._move_bar(min(update.step, self.progress_bar.maximum()))
        if update.samples_per_second > 0:
            show_text(self.samples_label, f"{update.samples_per_second:,.0f} samples/s")
        if update.phase == "evaluating":
            self._set("Evaluating on the test split…")
        elif info is not None:
            text = f"epoch {update.epoch}/{info.epochs} · step {update.step:,}/{info.total_steps:,}"
            if update.seconds_left is not None:
                left = format_duration(update.seconds_left)
                flat = update.seconds_left_if_flat
                if flat is not None and flat < 0.95 * update.seconds_left:
                    # Early stopping may end it sooner: say both, honestly.
                    text += f" · {left} left at most, {format_duration(flat)} if no new best"
                else:
                    text += f" · {left} left"
            self._last_text = text
            show_text(self.progress_label, text if running else "Paused — " + text)

    def paused(self) -> None:
        show_text(self.progress_label, "Paused — " + (self._last_text or "waiting"))

    def resumed(self) -> None:
        show_text(self.progress_label, self._last_text or "Training…")

    def stopping(self) -> None:
        show_text(self.progress_label, "Stopping…")

    def finished(self, outcome) -> None:
        self._show_steps(1, 1)
        headline = outcome.run.metric_name
        value = outcome.run.test_metrics.get(headline)
        shown = ""
        if value is not None:
            shown = (
                f", test R² {value:.3f}"
                if headline == "r2"
                else f", test {headline} {100 * value:.1f}%"
            )
        run = outcome.run
        done = "Stopped" if run.stop_reason == "user" else "Finished"
        seconds = run.timing.seconds if run.timing else None
        self._set(f"{done}: {run.epochs_run} epochs in {format_duration(seconds)}{shown}", fit=True)
        rate = run.timing.steps_per_second * run.project.train.batch_size if run.timing else 0
        if run.timing is not None:
            t = run.timing
            show_text(self.device_label, device_text(t.device, t.threads, t.step), fit=True)
        show_text(self.samples_label, f"{rate:,.0f} samples/s" if rate else "– samples/s", fit=True)

    def failed(self) -> None:
        self._show_steps(1, 0)
        self._set("Training failed — see the message above the plots", fit=True)

    def reset(self, devices) -> None:
        """Nothing run yet (File > New or Open): no figures left from an earlier run."""
        self.info = None
        self._show_steps(1, 0)
        show_text(self.samples_label, "– samples/s", fit=True)
        if devices is not None:  # (None: not listed yet, or listing failed: as it was)
            self.devices_found(devices)
        self._set("Ready", fit=True)

    def devices_found(self, devices) -> None:
        if devices is None:
            show_text(self.device_label, "Device: cpu (PyTorch could not list devices)", fit=True)
        elif self.info is None:
            show_text(self.device_label, "Devices: " + ", ".join(d.id for d in devices), fit=True)

    def _show_steps(self, maximum: int, value: int) -> None:
        """The bar at `value` of `maximum` steps, the busy indicator ended.

        Qt's Fusion style stops its busy animation only when it paints a bar with some
        progress: an empty bar draws no contents, and without them the animation goes on,
        repainting the status bar 60 times a second for as long as the bar stays empty
        (at the start of every run, and for good in an idle window after a run failed
        while preparing). One synchronous paint with a sliver of progress ends it."""
        bar = self.progress_bar
        if bar.maximum() == bar.minimum() and value == 0 and bar.isVisible():
            bar.setRange(0, 1 << 30)
            bar.setValue(1)
            bar.repaint()
        self._move_bar(value, maximum)

    def _move_bar(self, value: int, maximum: int | None = None) -> None:
        """Set the bar with an ordinary update. QProgressBar.setValue and setRange repaint
        at once when the bar visibly changes, and a repaint paints every part of the
        window waiting for one there and then: mid-run, a plot's fresh curves with it, in
        one stretch of up to 15 ms of the GUI thread; at a run's end, the final plots.
        This way the bar is painted with the rest."""
        bar = self.progress_bar
        bar.setUpdatesEnabled(False)
        if maximum is not None:
            bar.setRange(0, maximum)
        bar.setValue(value)
        bar.setUpdatesEnabled(True)  # (which schedules the update)

    def _set(self, text: str, fit: bool = False) -> None:
        self._last_text = text
        show_text(self.progress_label, text, fit)
