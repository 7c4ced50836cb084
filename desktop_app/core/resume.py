"""Continuing a run: restoring a saved checkpoint into a Trainer, and carrying the
weights and random-number states from one fit() to the next.

A resumed run must go on exactly as if it had never stopped: same weights (the last
ones, not the best ones early stopping may have swapped in), same optimizer and
schedule state, same random numbers. (One exception: a run that early stopping ended
continues with a fresh patience, see callbacks.EarlyStopping.) That bookkeeping is separate from the loop
itself, so it lives here; the Trainer's restore, _continue and _remember delegate to
these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from desktop_app.core.errors import TrainingError

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.engine import Trainer


def restore(trainer: Trainer, loaded) -> None:
    """Trainer.restore: load a saved run's (a persistence.LoadedModel's) weights, optimizer,
    schedule, early stopping, history, counters and random-number states into an idle
    trainer, setting it up first if needed."""
    r = loaded.resume
    if r is None:
        raise TrainingError(
            "this model file holds no training state (it was saved for prediction "
            "only), so training cannot continue from it; train a new model instead"
        )
    mine, saved = trainer.project.train, loaded.project.train
    if trainer.project.model != loaded.project.model or (mine.optimizer, mine.schedule) != (
        saved.optimizer,
        saved.schedule,
    ):
        raise TrainingError(
            "the saved training state does not fit this project (the network, optimizer "
            "or schedule differs); resume with the saved project's choices"
        )
    trainer.setup()
    if not _same_preprocessing(trainer.data.prep, loaded.preprocessing):
        raise TrainingError(
            "the data prepared from the project differs from the data this model was "
            "trained on (features, classes or scaling changed), so training cannot "
            "continue; train a new model on the current data instead"
        )
    try:
        trainer.model.load_state_dict(loaded.model.state_dict())
        trainer.optimizer.load_state_dict(r.optimizer)
        if trainer.scheduler is not None and r.scheduler is not None:
            trainer.scheduler.load_state_dict({**trainer.scheduler.state_dict(), **r.scheduler})
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        raise TrainingError(
            "the saved training state does not fit this project (the network, optimizer "
            f"or schedule differs: {str(exc)[:200]}); resume with the saved project"
        ) from None
    trainer.last_state = r.last_weights  # fit() continues from these when given
    es = trainer.early_stopping
    if es is not None and r.early_stopping is not None:
        es.load_state(r.early_stopping)
        where = r.early_stopping.get("best_weights")
        best = r.early_stopping_best if where == "separate" else None
        if where == "main":
            best = loaded.model.state_dict()
        es.best_state = None if best is None else {k: v.clone() for k, v in best.items()}
    from desktop_app.core.persistence import copy_history

    trainer.history = copy_history(loaded.history)
    trainer.epoch, trainer.global_step = r.epoch, r.global_step
    trainer.best_epoch, trainer.restored_epoch = r.best_epoch, r.restored_epoch
    trainer.stop_reason = r.stop_reason
    trainer.generator.set_state(r.rng_shuffle.clone())
    trainer.rng_state = r.rng_torch.clone()
    trainer.cuda_rng_state = None if r.rng_cuda is None else r.rng_cuda.clone()
    trainer.checkpoint_test_metrics = dict(loaded.test_metrics)


def continue_run(trainer: Trainer, epochs: int) -> None:
    """Before a loop: go on from the last loop's weights and random-number states."""
    t = trainer.project.train
    if trainer.per_step_schedule and trainer.epoch + epochs > t.epochs:
        raise TrainingError(
            f"the one-cycle schedule was planned for {t.epochs} epochs and {trainer.epoch} "
            f"are done, so at most {max(t.epochs - trainer.epoch, 0)} more can run; raise "
            "train.epochs or choose another schedule"
        )
    if trainer.last_state is not None:
        trainer.model.load_state_dict(trainer.last_state)
        trainer.last_state = None
    if trainer.rng_state is not None:
        torch.set_rng_state(trainer.rng_state)
    if trainer.cuda_rng_state is not None and trainer.device.type == "cuda":
        torch.cuda.set_rng_state(trainer.cuda_rng_state, trainer.device)


def remember(trainer: Trainer) -> None:
    """After a loop, before callbacks may swap in the best weights."""
    trainer.last_state = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
    trainer.rng_state = torch.get_rng_state()
    if trainer.device.type == "cuda":
        trainer.cuda_rng_state = torch.cuda.get_rng_state(trainer.device)


def _same_preprocessing(a, b) -> bool:
    """Whether re-prepared data matches a saved model's (same split, same scaling)."""
    if (a.task, a.feature_names, a.class_names) != (b.task, b.feature_names, b.class_names):
        return False
    for x, y in ((a.mean, b.mean), (a.scale, b.scale)):
        if (x is None) != (y is None) or (
            x is not None and not np.allclose(x, y, rtol=1e-5, atol=1e-6)
        ):
            return False
    return bool(
        np.isclose(a.target_mean, b.target_mean) and np.isclose(a.target_scale, b.target_scale)
    )
