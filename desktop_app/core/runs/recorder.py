"""RunRecorder: the engine callback that records a run in a RunStore as it trains.

At train begin it queues the run's row (status running, this process's id), so that a
crash mid-run leaves a row the next open marks interrupted; each epoch's record is
queued to the store's writer thread (the loop never waits on the disk); at the end the
history, metrics, status and, if wanted, a model file are written, and the recorder
waits for that write so that whoever shows the run next (the runs panel) finds it.
A failing store never fails the run: its errors are logged and the run goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from desktop_app.core.callbacks import Callback
from desktop_app.core.run_types import TrainResult
from desktop_app.core.runs import location
from desktop_app.core.runs.store import KEEP_MODELS, RunStore

log = logging.getLogger(__name__)

END_WAIT_SECONDS = 60.0


class RunRecorder(Callback):
    def __init__(
        self,
        store: RunStore | Callable[[], RunStore],
        *,
        kind: str = "run",
        source: str = "gui",
        group: str | None = None,
        name: str | None = None,
        keep_model: bool = True,
    ):
        """store: the store, or a function that opens it (called at train begin, in the
        training thread: a GUI hands over a factory and never opens it itself)."""
        self._store = store
        self.store: RunStore | None = store if isinstance(store, RunStore) else None
        self.kind, self.source, self.group, self.name = kind, source, group, name
        self.keep_model = keep_model
        self._run: Future | None = None  # the id of the row written at train begin

    @property
    def run_id(self) -> int | None:
        """The recorded run's id (None before train begin, or if it could not be written)."""
        if self._run is None:
            return None
        try:
            return int(self._run.result(END_WAIT_SECONDS))
        except Exception:  # noqa: BLE001 - logged where it failed
            return None

    def on_train_begin(self, trainer) -> None:
        try:
            if self.store is None:
                self.store = self._store()
            self._run = self.store.start_run(
                trainer.project,
                kind=self.kind,
                source=self.source,
                group=self.group,
                name=self.name,
                wait=False,  # queued: the loop starts at once
            )
        except Exception:  # noqa: BLE001 - recording must not stop training
            log.exception("could not record the run")
            self._run = None

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self._run is not None:
            self.store.add_epoch(self._run, logs)

    def on_train_end(self, trainer, result: TrainResult) -> None:
        if self._run is None:
            return
        model = None
        if self.keep_model:
            try:
                model = trainer.checkpoint()
            except Exception:  # noqa: BLE001
                log.exception("could not copy the run's model for the run store")
        try:
            self.store.finish_run(self._run, result, model=model).result(END_WAIT_SECONDS)
        except Exception:  # noqa: BLE001
            log.exception("could not record the end of run %s", self.run_id)

    def on_exception(self, trainer, exc: BaseException) -> None:
        if self._run is None:
            return
        if isinstance(exc, KeyboardInterrupt):
            status, message = "interrupted", "interrupted (Ctrl+C)"
        else:
            status, message = "failed", str(exc) or type(exc).__name__
        try:
            self.store.fail_run(self._run, message, status).result(END_WAIT_SECONDS)
        except Exception:  # noqa: BLE001
            log.exception("could not record the failure of run %s", self.run_id)


_stores: dict[tuple, RunStore] = {}
_stores_lock = threading.Lock()


@dataclass(frozen=True)
class StoreAt:
    """Opens the run store of a data-folder setting: a picklable store factory for a
    RunRecorder handed to another process (the GUI's training process). Each process
    keeps one store per folder, so its runs share one writer thread."""

    setting: str | None = None
    keep_models: int = KEEP_MODELS

    def __call__(self) -> RunStore:
        key = (str(location.data_dir(self.setting)), self.keep_models)
        with _stores_lock:
            store = _stores.get(key)
            if store is None:
                store = _stores[key] = RunStore.default(self.setting, keep_models=self.keep_models)
            return store
