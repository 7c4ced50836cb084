"""What the run store keeps of a run, and how a finished TrainResult becomes that.

RunSummary is one row of the runs table (no curves: a list of 1,000 of them stays
cheap); RunRecord adds the per-epoch records and the (downsampled) per-step losses.
Plain data, no database here.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desktop_app.core.history import History
from desktop_app.core.specs.project import Project

KINDS = ("run", "trial", "repeat", "fold", "baseline", "race")
SOURCES = ("gui", "cli", "sweep")
STATUSES = ("running", "finished", "stopped", "interrupted", "failed")
MAX_STEP_POINTS = 2000  # per-step losses kept per run; longer runs are averaged down


@dataclass
class RunSummary:
    """One recorded run as the runs table lists it."""

    id: int
    name: str = ""
    kind: str = "run"
    group_id: str | None = None
    source: str = "gui"
    status: str = "finished"
    stop_reason: str | None = None
    message: str | None = None
    project_data: dict = field(default_factory=dict)  # the Project as JSON data
    data_hash: str | None = None
    task: str | None = None
    metric_name: str | None = None
    best_value: float | None = None  # best validation value of metric_name
    best_epoch: int | None = None
    best_val_loss: float | None = None
    final: dict = field(default_factory=dict)  # the last epoch's record
    test_metrics: dict = field(default_factory=dict)
    epochs_run: int | None = None
    steps: int | None = None
    seconds: float | None = None
    device: str | None = None
    seed: int | None = None
    starred: bool = False
    note: str = ""
    created: float = 0.0
    model_path: str | None = None

    @property
    def label(self) -> str:
        """The name a person reads: the given one, else "run 12"."""
        return self.name or f"{self.kind} {self.id}"

    @property
    def test_value(self) -> float | None:
        """The test split's value of the headline metric (accuracy, R²), if measured."""
        v = self.test_metrics.get(self.metric_name or "")
        return float(v) if isinstance(v, int | float) else None

    def project(self) -> Project:
        """The run's project, validated (raises SpecError if it no longer validates)."""
        return Project.from_dict(self.project_data, source=f"the project of {self.label}")


@dataclass
class RunRecord(RunSummary):
    """A run with its curves: epoch records and per-step losses (maybe downsampled)."""

    epochs: list[dict] = field(default_factory=list)
    step_total: int = 0  # steps the run took (the arrays may hold fewer points)
    step_numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    step_losses: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    step_lrs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))

    def history(self) -> History:
        """The run's curves as a History (the per-step part as kept: maybe averaged)."""
        h = History(metric_name=self.metric_name or "accuracy")
        h.add_block(self.step_numbers.astype(np.int64), self.step_losses, self.step_lrs)
        h.epochs = [dict(e) for e in self.epochs]
        return h


def data_hash(project: Project) -> str:
    """A hash of the data a project trains on: an imported table's recorded content
    hash with the settings that read it, or, for a generated dataset (determined by its
    spec), the spec's values. Two runs with the same hash saw the same rows."""
    d = project.data.model_dump(mode="json")
    if project.data.table is not None:
        d["table"].pop("path", None)  # the same file moved elsewhere is the same data
    text = json.dumps(d, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def best_of(epochs: list[dict]) -> tuple[float | None, int | None, float | None]:
    """(best validation metric, its epoch, lowest validation loss). The headline metrics
    (accuracy, R²) are all better when higher."""
    best, best_epoch, best_loss = None, None, None
    for e in epochs:
        v, loss = _finite(e.get("val_metric")), _finite(e.get("val_loss"))
        if v is not None and (best is None or v > best):
            best, best_epoch = v, int(e.get("epoch") or 0)
        if loss is not None and (best_loss is None or loss < best_loss):
            best_loss = loss
    return best, best_epoch, best_loss


def downsample(
    steps: np.ndarray, losses: np.ndarray, lrs: np.ndarray, limit: int = MAX_STEP_POINTS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At most `limit` points: consecutive steps averaged in equal buckets (the mean
    loss of a bucket, at its mean step; the bucket's last learning rate)."""
    steps = np.asarray(steps, np.float64)
    losses = np.asarray(losses, np.float64)
    lrs = np.asarray(lrs, np.float64)
    n = len(steps)
    if n <= limit:
        return steps, losses, lrs
    edges = np.linspace(0, n, limit + 1).astype(np.int64)
    counts = np.diff(edges)
    s = np.add.reduceat(steps, edges[:-1]) / counts
    finite = np.isfinite(losses)
    sums = np.add.reduceat(np.where(finite, losses, 0.0), edges[:-1])
    ok = np.add.reduceat(finite.astype(np.float64), edges[:-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_loss = np.where(ok > 0, sums / np.maximum(ok, 1), np.nan)
    return s, mean_loss, lrs[edges[1:] - 1]


def floats_blob(a: np.ndarray) -> bytes:
    """A float array as the store keeps it: little-endian float64 bytes (NaN stays NaN)."""
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


def floats_from_blob(blob: bytes | None, limit: int = 4 * MAX_STEP_POINTS) -> np.ndarray:
    """The array back; a blob of the wrong size or type (a damaged row) reads as empty."""
    if not isinstance(blob, bytes) or len(blob) % 8 or len(blob) > 8 * limit:
        return np.zeros(0, np.float64)
    return np.frombuffer(blob, dtype="<f8").astype(np.float64)


def plain(obj: Any) -> Any:
    """JSON-safe: numpy scalars to floats, non-finite floats to None."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _finite(v: Any) -> float | None:
    if isinstance(v, int | float) and math.isfinite(v):
        return float(v)
    return None
