"""Checkpoint and resume, the Trainer's state as a saved run holds it (a mixin of
engine.Trainer): state_dict() hands out a TrainerState and load_state_dict() takes one
back; checkpoint() is the run as a model file holds it; restore() loads a saved run into
an idle trainer after checking it fits; before each loop _continue() goes on from the
last loop's weights and random numbers, and after it _remember() keeps them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from desktop_app.core.callbacks import Callback
from desktop_app.core.errors import OdysseyError, TrainingError
from desktop_app.core.prepared import same_preprocessing
from desktop_app.core.run_state import TrainerState
from desktop_app.core.run_types import Status

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.persistence.model_file import LoadedModel


class Checkpointing:
    """The state half of engine.Trainer: uses the trainer's model, data, optimizer,
    schedule, callbacks, counters and random-number states."""

    # ------------------------------------------------------------------ state
    def state_dict(self) -> TrainerState:
        """The run's state (this trainer's own tensors: a saver copies them)."""
        self._check_trained_and_idle()
        return TrainerState(
            epoch=int(self.epoch),
            global_step=int(self.global_step),
            stop_reason=str(self.stop_reason),
            best_epoch=self.best_epoch,
            restored_epoch=self.restored_epoch,
            optimizer=self.optimizer.state_dict(),
            scheduler=None if self.scheduler is None else dict(self.scheduler.state_dict()),
            rng_torch=self.rng_state if self.rng_state is not None else torch.get_rng_state(),
            rng_shuffle=self.generator.get_state(),
            rng_cuda=self.cuda_rng_state,
            last_weights=self.last_state,
            callbacks={cb.state_key: cb.state_dict() for cb in self._stateful_callbacks()},
        )

    def load_state_dict(self, state: TrainerState) -> None:
        """Take back a state_dict() (of this run, or of a saved one of the same project):
        the next fit() goes on from it. Sets the trainer up first if needed."""
        self.setup()
        try:
            self.optimizer.load_state_dict(state.optimizer)
            if self.scheduler is not None and state.scheduler is not None:
                self.scheduler.load_state_dict({**self.scheduler.state_dict(), **state.scheduler})
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise TrainingError(
                "the saved training state does not fit this project (the network, optimizer "
                f"or schedule differs: {str(exc)[:200]}); resume with the saved project"
            ) from None
        self.last_state = state.last_weights  # fit() continues from these when given
        for cb in self._stateful_callbacks():
            if cb.state_key in state.callbacks:
                cb.load_state_dict(state.callbacks[cb.state_key])
        self.epoch, self.global_step = state.epoch, state.global_step
        self.best_epoch, self.restored_epoch = state.best_epoch, state.restored_epoch
        self.stop_reason = state.stop_reason
        self.generator.set_state(state.rng_shuffle.clone())
        self.rng_state = state.rng_torch.clone()
        self.cuda_rng_state = None if state.rng_cuda is None else state.rng_cuda.clone()

    def checkpoint(self) -> LoadedModel:
        """A CPU copy of this run as a model file holds it: what Save Model writes, and
        what Predict and Continue training use without a file."""
        from desktop_app.core.persistence.model_file import snapshot

        self._check_trained_and_idle()
        return snapshot(
            self.state_dict(),
            project=self.project,
            preprocessing=self.data.prep,
            model=self.model,
            history=self.history,
            test_metrics=self.test_metrics,
        )

    @property
    def test_metrics(self) -> dict:
        """The last fit()'s test metrics, or those of the run it resumed."""
        result = self.result
        return dict(result.test_metrics if result is not None else self.checkpoint_test_metrics)

    def _check_trained_and_idle(self) -> None:
        if self.model is None or self.data is None:
            raise OdysseyError("there is no trained model to save yet; train first")
        if self.status in (Status.RUNNING, Status.PAUSED, Status.STOPPING):
            raise OdysseyError("training is still running; stop it before saving the model")

    def _stateful_callbacks(self) -> list[Callback]:
        """The callbacks whose state a resumed run needs (those naming a state_key)."""
        extra = [] if self.early_stopping is None else [self.early_stopping]
        return [cb for cb in (*extra, *self.callbacks) if getattr(cb, "state_key", None)]

    # ------------------------------------------------------------------ resume
    def restore(self, loaded: LoadedModel) -> None:
        """Load a saved run's weights, history, test metrics and TrainerState into this
        idle trainer (set up if needed), after checking that they fit its project."""
        if loaded.resume is None:
            raise TrainingError(
                "this model file holds no training state (it was saved for prediction "
                "only), so training cannot continue from it; train a new model instead"
            )
        mine, saved = self.project.train, loaded.project.train
        if self.project.model != loaded.project.model or (mine.optimizer, mine.schedule) != (
            saved.optimizer,
            saved.schedule,
        ):
            raise TrainingError(
                "the saved training state does not fit this project (the network, optimizer "
                "or schedule differs); resume with the saved project's choices"
            )
        self.setup()
        if not same_preprocessing(self.data.prep, loaded.preprocessing):
            raise TrainingError(
                "the data prepared from the project differs from the data this model was "
                "trained on (features, classes or scaling changed), so training cannot "
                "continue; train a new model on the current data instead"
            )
        try:
            self.model.load_state_dict(loaded.model.state_dict())
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise TrainingError(
                "the saved training state does not fit this project (the network, optimizer "
                f"or schedule differs: {str(exc)[:200]}); resume with the saved project"
            ) from None
        self.load_state_dict(loaded.resume)
        self.history = loaded.history.copy()
        self.checkpoint_test_metrics = dict(loaded.test_metrics)

    def _continue(self, epochs: int) -> None:
        """Before a loop: go on from the last loop's weights and random-number states."""
        t = self.project.train
        if self.per_step_schedule and self.epoch + epochs > t.epochs:
            raise TrainingError(
                f"the one-cycle schedule was planned for {t.epochs} epochs and {self.epoch} "
                f"are done, so at most {max(t.epochs - self.epoch, 0)} more can run; raise "
                "train.epochs or choose another schedule"
            )
        if self.last_state is not None:
            self.model.load_state_dict(self.last_state)
            self.last_state = None
        if self.rng_state is not None:
            torch.set_rng_state(self.rng_state)
        if self.cuda_rng_state is not None and self.device.type == "cuda":
            torch.cuda.set_rng_state(self.cuda_rng_state, self.device)

    def _remember(self) -> None:
        """After a loop, before callbacks may swap in the best weights."""
        self.last_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self.rng_state = torch.get_rng_state()
        if self.device.type == "cuda":
            self.cuda_rng_state = torch.cuda.get_rng_state(self.device)
