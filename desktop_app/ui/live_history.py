"""The GUI-side record of the current run: what the plots draw and the CSV export writes.

Fed by the controller's coalesced updates (GUI thread only). Batch values live in
growing float64 buffers that double when full, so a million steps cost amortised O(1)
per append and the plots can hand pyqtgraph views of the filled part without copying.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from desktop_app.core.history import EPOCH_KEYS

STEP_SCHEDULES = ("step", "multistep", "plateau")  # schedules whose drops get a marker


class GrowingArray:
    """A 1-D array that grows by doubling its capacity; `view()` is the filled part."""

    def __init__(self, dtype=np.float64, capacity: int = 4096):
        self._data = np.zeros(max(1, capacity), dtype=dtype)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        return len(self._data)

    def extend(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=self._data.dtype)
        need = self._n + len(values)
        if need > len(self._data):
            cap = len(self._data)
            while cap < need:
                cap *= 2
            grown = np.zeros(cap, dtype=self._data.dtype)
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n : need] = values
        self._n = need

    def view(self) -> np.ndarray:
        return self._data[: self._n]

    def clear(self) -> None:
        self._n = 0


class LiveHistory(QObject):
    """Batch losses, learning rates and epoch logs of the run being shown."""

    reset = Signal()
    batches_added = Signal()
    epochs_added = Signal()
    run_ended = Signal()  # stop reason / best epoch known

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.steps = GrowingArray(np.float64)  # float: pyqtgraph draws float x values
        self.losses = GrowingArray(np.float64)
        self.lrs = GrowingArray(np.float64)
        self.epochs: list[dict] = []
        self.metric_name = "accuracy"
        self.monitor = "val_loss"
        self.schedule = "constant"
        self.stop_reason: str | None = None
        self.final_best_epoch: int | None = None
        self.live = False  # a run is feeding this history
        self._reset_bounds()

    def _reset_bounds(self) -> None:
        # Running bounds, so plots can keep their view without scanning a million points.
        self.loss_min = self.lr_min = math.inf
        self.loss_max = self.lr_max = -math.inf

    # ------------------------------------------------------------------ feeding
    def clear(
        self,
        metric_name: str = "accuracy",
        monitor: str = "val_loss",
        schedule: str = "constant",
        live: bool = True,
    ) -> None:
        """Forget the run shown. live: a new run is about to feed this history; False:
        nothing runs (File > New or Open), so the plots show empty axes, not a run."""
        for buf in (self.steps, self.losses, self.lrs):
            buf.clear()
        self.epochs = []
        self.metric_name = metric_name
        self.monitor = monitor
        self.schedule = schedule
        self.stop_reason = None
        self.final_best_epoch = None
        self.live = live
        self._reset_bounds()
        self.reset.emit()

    def add_batches(self, steps: np.ndarray, losses: np.ndarray, lrs: np.ndarray) -> None:
        if len(steps) == 0:
            return
        self.steps.extend(steps)
        self.losses.extend(losses)
        self.lrs.extend(lrs)
        losses, lrs = np.asarray(losses, np.float64), np.asarray(lrs, np.float64)
        self.loss_min = min(self.loss_min, float(np.nanmin(losses)))
        self.loss_max = max(self.loss_max, float(np.nanmax(losses)))
        self.lr_min = min(self.lr_min, float(np.nanmin(lrs)))
        self.lr_max = max(self.lr_max, float(np.nanmax(lrs)))
        self.batches_added.emit()

    def add_epochs(self, logs: list[dict]) -> None:
        if not logs:
            return
        self.epochs.extend(dict(e) for e in logs)
        self.epochs_added.emit()

    def end_run(self, stop_reason: str | None, best_epoch: int | None) -> None:
        self.stop_reason = stop_reason
        self.final_best_epoch = best_epoch
        self.live = False
        self.run_ended.emit()

    def load(
        self,
        history,
        monitor: str = "val_loss",
        schedule: str = "constant",
        stop_reason: str | None = None,
        best_epoch: int | None = None,
    ) -> None:
        """Show a whole finished run at once (a core.callbacks.History, e.g. from a model
        file): one reset, one batch block, one epoch block."""
        self.clear(history.metric_name, monitor, schedule)
        self.add_batches(history.steps, history.batch_loss, history.batch_lr)
        self.add_epochs(history.epochs)
        self.end_run(stop_reason, best_epoch)

    def continue_run(self) -> None:
        """A finished run goes on (Continue training): new steps append after the last."""
        self.stop_reason = None
        self.final_best_epoch = None
        self.live = True
        self.run_ended.emit()  # the plots drop the end-of-run markers

    # ------------------------------------------------------------------ reading
    def epoch_column(self, key: str) -> np.ndarray:
        return np.array(
            [np.nan if e.get(key) is None else float(e[key]) for e in self.epochs],
            dtype=np.float64,
        )

    def step_of_epoch(self, epoch: int) -> float | None:
        for e in self.epochs:
            if e.get("epoch") == epoch:
                return float(e["step"])
        return None

    def best_epoch(self) -> int | None:
        """The engine's best epoch when it reported one, else the best monitored value."""
        if self.final_best_epoch is not None:
            return self.final_best_epoch
        if not self.epochs:
            return None
        key = self.monitor
        values = self.epoch_column(key)
        if not np.isfinite(values).any():
            key, values = "train_loss", self.epoch_column("train_loss")
        if not np.isfinite(values).any():
            return None
        maximise = key == "val_metric"
        i = int(np.nanargmax(values) if maximise else np.nanargmin(values))
        return int(self.epochs[i]["epoch"])

    def lr_drops(self, limit: int = 50) -> list[tuple[int, float]]:
        """(epoch, step) where a step-like schedule lowered the learning rate."""
        if self.schedule not in STEP_SCHEDULES or len(self.epochs) < 2:
            return []
        out = []
        for prev, cur in zip(self.epochs, self.epochs[1:]):
            a, b = prev.get("lr"), cur.get("lr")
            if a and b is not None and b < a * (1 - 1e-6):
                out.append((int(cur["epoch"]), float(prev["step"])))
        return out[-limit:]

    def early_stop(self) -> tuple[int, float, str] | None:
        """Where a stopping criterion (early stopping, a goal, the time budget...) ended
        the run: (epoch, step, marker label), or None."""
        from desktop_app.core.callbacks import STOP_MARKS

        if self.stop_reason not in STOP_MARKS or not self.epochs:
            return None
        last = self.epochs[-1]
        return int(last["epoch"]), float(last["step"]), STOP_MARKS[self.stop_reason]

    # ------------------------------------------------------------------ export
    def write_epochs_csv(self, path: str | Path) -> None:
        """Per-epoch history (the table people paste into a spreadsheet)."""
        from desktop_app.core.persistence.atomic import write_text_atomic

        rows = [list(EPOCH_KEYS)]
        for e in self.epochs:
            rows.append(["" if e.get(k) is None else _fmt(e.get(k)) for k in EPOCH_KEYS])
        write_text_atomic(path, _csv_text(rows))

    def write_steps_csv(self, path: str | Path, smoothed: np.ndarray | None = None) -> None:
        """Per-step loss (and smoothed loss) and learning rate."""
        from desktop_app.core.persistence.atomic import write_text_atomic

        header = ["step", "loss", "lr"] + (["smoothed_loss"] if smoothed is not None else [])
        rows = [header]
        steps, losses, lrs = self.steps.view(), self.losses.view(), self.lrs.view()
        for i in range(len(steps)):
            row = [str(int(steps[i])), _fmt(losses[i]), _fmt(lrs[i])]
            if smoothed is not None:
                row.append(_fmt(smoothed[i]))
            rows.append(row)
        write_text_atomic(path, _csv_text(rows))


def _fmt(v) -> str:
    if isinstance(v, float):  # numpy float64 included
        return repr(float(v)) if math.isfinite(v) else ""
    return str(v)


def _csv_text(rows: list[list[str]]) -> str:
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()
