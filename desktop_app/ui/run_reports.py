"""What a training run reports to the GUI: RunInfo when it starts, ProgressUpdate while
it runs, RunOutcome when it ends, and `user_message` for a run that failed.

Plain data (numpy arrays, never tensors), made in the training thread and read in the
GUI thread; nothing here imports torch, so the GUI's startup path may import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.errors import OdysseyError
from desktop_app.core.run_types import TrainResult

SCATTER_LIMIT = 5000  # predicted-vs-actual points kept for the results plot


@dataclass
class RunInfo:
    """What the run looks like once data and model are ready (sent once, in `started`)."""

    device: str
    threads: int
    task: str
    metric_name: str
    n_train: int
    n_val: int
    n_test: int
    batch_size: int
    steps_per_epoch: int
    epochs: int
    total_steps: int
    n_params: int
    class_names: list[str]
    n_features: int = 0
    feature_names: list[str] = field(default_factory=list)
    hidden_layers: list = field(default_factory=list)  # core.inspect.activations.LayerInfo


@dataclass
class ProgressUpdate:
    """New batch losses since the previous update, plus where the run stands."""

    steps: np.ndarray  # int64 global step numbers
    losses: np.ndarray  # float64
    lrs: np.ndarray  # float64
    epoch: int  # the epoch the last step belongs to
    step: int  # global step reached
    total_steps: int
    active_seconds: float  # wall time minus paused time since training began
    samples_per_second: float
    seconds_left: float | None  # to the last planned epoch
    # With early stopping: the time left if the monitored value stops improving now
    # (it ends the run after its remaining patience); None without early stopping.
    seconds_left_if_flat: float | None = None
    phase: str = "training"  # training | evaluating
    boundary: object | None = None  # core.boundary.BoundaryGrid: the latest, if new
    inside: object | None = None  # core.inspect.look.InsideLook: the latest, if new


@dataclass
class RunOutcome:
    """A finished run (stopped runs included) and what the GUI shows beside it.

    `run` is the one record of the run (core.run_types.TrainResult: from the Trainer, or
    a model file's `result`, whose timing is None); the rest are views of it.
    """

    run: TrainResult
    model: object | None = None  # persistence.LoadedModel: CPU copy to save, predict, continue
    y_true: np.ndarray | None = None  # regression: actual test targets (original units)
    y_pred: np.ndarray | None = None  # regression: predictions (original units)
    boundary: object | None = None  # core.boundary.BoundaryGrid of the final model
    source: str = ""  # the model file it was loaded from ("" for a run just finished)
    plot_note: str = ""  # why the results plot is missing, when it is
    inside: object | None = None  # core.inspect.look.InsideLook of the final model
    replay: object | None = None  # core.inspect.replay.Replay: the run epoch by epoch
    # The prepared (x_test, y_test) of a run just finished, for the Evaluation window;
    # None for a model file (the window prepares its data again).
    test_split: tuple[np.ndarray, np.ndarray] | None = None


def user_message(exc: BaseException) -> str:
    """The text a user reads for an exception raised during a run."""
    if isinstance(exc, OdysseyError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return (
            "The computer ran out of memory during training. Use fewer samples, a smaller "
            "network or a smaller batch size."
        )
    text = str(exc)
    low = text.lower()
    if isinstance(exc, RuntimeError) and ("out of memory" in low or "can't allocate" in low):
        return (
            "The device ran out of memory. Use a smaller batch size or network, or train "
            "on the CPU."
        )
    first = text.strip().splitlines()[0] if text.strip() else ""
    return (
        f"Training failed with an unexpected error: {type(exc).__name__}"
        f"{': ' + first if first else ''}. Your project is unchanged; try again, and if it "
        "happens again please report it with the details from the log."
    )
