"""Continue training after early stopping ended a run: the continuation gets a fresh
patience, while the best score and weights found so far still count.

(Resuming a run that was not stopped by early stopping goes on exactly as if it had
never stopped, patience included: tests/core/test_resume.py.)
"""

import numpy as np
import pytest
import torch

from desktop_app.core.engine import Trainer
from desktop_app.core.persistence.model_file import load_model, save_model
from desktop_app.core.specs.project import Project

PATIENCE = 2
# A learning rate this high makes the validation loss bounce: early stopping ends the
# first run after a few epochs, and the continuation does not improve at once.
PROJECT = Project().with_overrides(
    [
        "data.n_samples=200",
        "data.dataset=moons",
        "train.device=cpu",
        "train.batch_size=16",
        "train.lr=0.5",
        f"train.patience={PATIENCE}",
        "train.epochs=40",
    ]
)


def expected_stop(val_loss: np.ndarray, first: int, more: int) -> tuple[int, int]:
    """(last epoch, best epoch) of a continuation of `more` epochs after `first`, under
    the rule users are told: the best so far stays; the continuation ends once the
    validation loss has not beaten it for `patience` epochs in a row."""
    best_epoch = int(np.argmin(val_loss[:first])) + 1
    best, wait = val_loss[best_epoch - 1], 0
    for epoch in range(first + 1, first + more + 1):
        if epoch > len(val_loss):  # the run ended before the rule says it should
            return epoch, best_epoch
        v = val_loss[epoch - 1]
        if v < best:
            best, best_epoch, wait = v, epoch, 0
        else:
            wait += 1
            if wait >= PATIENCE:
                return epoch, best_epoch
    return first + more, best_epoch


def early_stopped() -> Trainer:
    t = Trainer(PROJECT)
    t.fit()
    val = t.history.epoch_column("val_loss")
    # Stopped after exactly `patience` epochs without a new best, as Keras and MATLAB do.
    assert t.stop_reason == "early_stopping" and t.epoch == int(np.argmin(val)) + 1 + PATIENCE
    return t


def check_continuation(t: Trainer, first: int, more: int) -> None:
    val = t.history.epoch_column("val_loss")
    last, best = expected_stop(val, first, more)
    assert t.epoch == last
    assert t.epoch - first >= min(more, PATIENCE)  # not one epoch and out
    assert t.best_epoch == best == int(np.argmin(val)) + 1
    if last < first + more:
        assert t.stop_reason == "early_stopping"
    # The weights of the best epoch overall are restored, from either part of the run.
    assert t.restored_epoch == best


def test_continuing_an_early_stopped_run_restarts_patience_in_memory():
    t = early_stopped()
    val_first = t.history.epoch_column("val_loss")
    assert val_first[-1] > val_first.min()  # it stopped because it stopped improving
    first = t.epoch
    t.fit(10)
    check_continuation(t, first, 10)
    assert t.epoch > first + 1  # before the fix: stopped again after one epoch


def test_continuing_an_early_stopped_model_file_restarts_patience(tmp_path):
    first = early_stopped()
    path = tmp_path / "m.safetensors"
    save_model(path, first)
    loaded = load_model(path)
    assert loaded.resume.stop_reason == "early_stopping"
    resumed = Trainer.from_checkpoint(loaded)
    resumed.fit(10)
    check_continuation(resumed, first.epoch, 10)
    # The same run as continuing in memory.
    in_memory = early_stopped()
    in_memory.fit(10)
    assert resumed.epoch == in_memory.epoch
    np.testing.assert_allclose(resumed.history.batch_loss, in_memory.history.batch_loss, rtol=1e-6)
    for a, b in zip(resumed.model.state_dict().values(), in_memory.model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("more", range(1, PATIENCE))
def test_a_short_continuation_runs_all_its_epochs(more):
    t = early_stopped()
    first = t.epoch
    t.fit(more)
    assert t.epoch == first + more and t.stop_reason == "completed"
