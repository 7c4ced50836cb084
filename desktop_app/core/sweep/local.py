"""The local backend: trials in worker processes on this machine.

The main process asks Optuna for each trial's values and tells it the outcome; the
workers (one torch thread each) train, report each epoch's value to the same
study through its journal file, and stop a trial Optuna prunes. Stop() asks running
trials to end at their next block of steps; a stopped trial is marked failed with
``interrupted`` and queued again, so that a resumed sweep runs it first.

Workers are forked where that is safe (Linux, a sweep started from the main thread: the
command line), so they start in milliseconds with PyTorch and the data already in
memory. The window's sweep runs on a background thread of a Qt process, so on Linux its
workers are forked from a fork server that imported PyTorch once, when the Sweep dialog
opened; on macOS and Windows they are spawned, and each imports PyTorch (seconds).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from desktop_app.core.errors import OdysseyError
from desktop_app.core.sweep.progress import (
    INTERRUPTED_ATTR,
    SweepListener,
    SweepTally,
    tally_from_study,
)
from desktop_app.core.sweep.spec import SweepSpec
from desktop_app.core.sweep.study import (
    clean_up_stale,
    make_pruner,
    quiet_optuna,
    storage_for,
    suggest,
)
from desktop_app.core.sweep.trial import (
    COMPLETE,
    FAILED,
    INTERRUPTED,
    PRUNED,
    TrialOutcome,
    prepared_data,
    run_trial,
    trial_project,
)

Recorder = Callable[[SweepSpec, TrialOutcome], None]

# ---------------------------------------------------------------- in the worker process
_worker: dict = {}


def init_worker(stop_event, data_cache: dict) -> None:
    """Each worker: Ctrl+C is the main process's to handle (it stops the trials
    cleanly); one torch thread; optuna quiet; the data prepared once by the main
    process (a worker then never reads the table or imports scikit-learn itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    atexit.register(quick_exit)
    import torch

    torch.set_num_threads(1)
    # What a first trial would otherwise import inside its own time (torch's optimizers
    # import torch._dynamo on first use, the test metrics scikit-learn's: seconds on a
    # busy machine), so that each trial's recorded time is its training.
    import sklearn.metrics  # noqa: F401
    import torch._dynamo  # noqa: F401

    import desktop_app.core.engine  # noqa: F401

    quiet_optuna()
    _worker.clear()
    _worker.update(stop=stop_event, studies={}, data=dict(data_cache))


def quick_exit() -> None:
    """A worker's end, once the pool lets it go: its results went back through the
    pool's pipe and its study writes are on disk, so it skips the interpreter's slow
    teardown of torch (measured: seconds per worker on a busy 2-core machine)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def worker_trial(folder: str, spec: SweepSpec, number: int, values: dict) -> TrialOutcome:
    # Each report is a locked write to the journal and a read of what the others wrote
    # (measured with a sync per write: ~8 ms on a busy machine, near a small trial's
    # epoch), so only a pruning sweep reports, and only its workers open the study.
    report = _pruning_report(folder, spec, number) if spec.prune else None
    return run_trial(
        spec.project,
        number,
        values,
        spec.metric,
        spec.direction,
        report=report,
        should_stop=_worker["stop"].is_set,
        data_cache=_worker["data"],
    )


def _pruning_report(folder: str, spec: SweepSpec, number: int) -> Callable[[int, float], bool]:
    """report(epoch, value) -> prune?, through the study's journal."""
    import optuna

    key = (folder, spec.name)
    if key not in _worker["studies"]:
        storage = storage_for(folder)
        study = optuna.load_study(study_name=spec.name, storage=storage, pruner=make_pruner(spec))
        _worker["studies"][key] = (study, storage, storage.get_study_id_from_name(spec.name))
    study, storage, study_id = _worker["studies"][key]
    trial = optuna.trial.Trial(
        study, storage.get_trial_id_from_study_id_trial_number(study_id, number)
    )

    def report(epoch: int, value: float) -> bool:
        trial.report(value, epoch)
        return trial.should_prune()

    return report


# ---------------------------------------------------------------- in the main process
def start_method() -> str:
    """How workers start. fork on Linux while the main thread is the only one (no other
    thread's locks can be copied half-held: the command line, the benchmark): a forked
    worker inherits PyTorch and the prepared data. forkserver elsewhere on Linux (the
    window's sweeps, from a Qt process with threads): a clean server process imports
    PyTorch once, from the moment the Sweep dialog opens, and forks each worker from
    there in milliseconds. spawn on macOS and Windows: each worker imports PyTorch."""
    if not sys.platform.startswith("linux"):
        return "spawn"
    if threading.current_thread() is threading.main_thread() and threading.active_count() == 1:
        return "fork"
    return "forkserver"


# What the fork server imports once, before it forks any worker: what init_worker and
# the first trial would import otherwise.
PRELOAD = [
    "torch",
    "torch._dynamo",
    "sklearn.metrics",
    "desktop_app.core.engine",
    "desktop_app.core.sweep.local",
]


def warm_up() -> None:
    """Start the fork server that a sweep run from a background thread forks its workers
    from (the window calls this when the Sweep dialog opens, so that the server has
    imported PyTorch by the time the user starts the sweep). Returns at once; nothing to
    do where workers are not forked from a server (macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


class LocalSweep:
    """Runs a sweep's remaining trials on `workers` processes; call run() from any
    thread (it blocks until the sweep ends or is stopped) and stop() from another."""

    def __init__(
        self,
        spec: SweepSpec,
        study,
        folder: str | Path,
        workers: int = 2,
        listener: SweepListener | None = None,
        recorder: Recorder | None = None,
    ):
        self.spec = spec
        self.study = study
        self.folder = str(folder)
        self.workers = workers
        self.listener = listener or SweepListener()
        self.recorder = recorder
        self._stop = threading.Event()
        self._worker_stop = multiprocessing.get_context("spawn").Event()  # forked ones too
        self.tally = tally_from_study(study, spec)
        self.broken = False  # a worker process died

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """End the sweep: no new trials; running ones stop at their next block of steps."""
        self._stop.set()
        self._worker_stop.set()

    def run(self) -> SweepTally:
        clean_up_stale(self.study)
        tally = self.tally
        pending: dict[Future, object] = {}
        method = start_method()
        if method == "forkserver":
            warm_up()  # started when the dialog opened; a sweep from elsewhere starts it
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=init_worker,
            initargs=(self._worker_stop, self._shared_data()),
        )
        if method == "fork":  # fork them all now, before a listener starts a thread
            pool.submit(int).result()
        self.listener.sweep_started(tally)
        ahead = None  # the next trial, asked while the workers train
        try:
            while True:
                while not self._stop.is_set() and len(pending) < self.workers:
                    if ahead is None and not self._more(pending):
                        break
                    item, ahead = ahead or self._ask(), None
                    if not self._submit(pool, pending, *item):
                        break
                if not pending:
                    break
                # Optuna's ask (a journal write) happens while the workers train, so a
                # worker that finishes gets its next trial at once, before the tell.
                if ahead is None and not self._stop.is_set() and self._more(pending):
                    ahead = self._ask()
                done, _ = wait(list(pending), timeout=0.25, return_when=FIRST_COMPLETED)
                finished = [(pending.pop(future), future) for future in done]
                tally.running = len(pending)
                if ahead is not None and finished and not self._stop.is_set():
                    item, ahead = ahead, None
                    self._submit(pool, pending, *item)
                for trial, future in finished:
                    self._finish(trial, self._outcome(future, trial))
        finally:
            if pending:  # an error in this loop: the workers must not run on
                self.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            if ahead is not None:  # asked, never started: asked again first on resume
                self._requeue(*ahead)
        self.listener.sweep_finished(tally, self._stop.is_set())
        if self.broken:
            raise OdysseyError(
                "a trial's worker process ended unexpectedly (killed, or out of memory); the "
                f"finished trials are kept: resume the sweep (--resume {self.spec.name}), "
                "perhaps with fewer --workers"
            )
        return tally

    def _more(self, pending: dict) -> bool:
        """Whether another trial is due besides the running ones."""
        return self.tally.done + len(pending) < self.tally.planned

    def _submit(self, pool, pending: dict, trial, values: dict) -> bool:
        """The trial to a worker; False (and the sweep stopped, resumable) when a worker
        died just now: the trial is asked again on resume."""
        try:
            future = pool.submit(worker_trial, self.folder, self.spec, trial.number, values)
        except BrokenProcessPool:
            self.broken = True
            self._requeue(trial, values)
            self.stop()
            return False
        pending[future] = trial
        self.tally.running = len(pending)
        self.listener.trial_started(trial.number, values, self.tally)
        return True

    def _ask(self) -> tuple:
        trial = self.study.ask()
        return trial, suggest(trial, self.spec.params)

    def _requeue(self, trial, values: dict) -> None:
        """A trial stopped, or asked and never started: failed as interrupted, and its
        values queued again, so that a resumed sweep runs it first."""
        from optuna.trial import TrialState

        trial.set_user_attr(INTERRUPTED_ATTR, True)
        self.study.tell(trial, state=TrialState.FAIL)
        self.study.enqueue_trial(values, user_attrs={"retry_of": trial.number})

    def _shared_data(self) -> dict:
        """The base project's prepared data, when no parameter changes the data (as in
        most sweeps): prepared here once instead of in every worker."""
        if any(p.path.startswith("data.") for p in self.spec.params):
            return {}
        cache: dict = {}
        prepared_data(trial_project(self.spec.project, {}), cache)
        return cache

    def _outcome(self, future: Future, trial) -> TrialOutcome:
        try:
            return future.result()
        except BrokenProcessPool:  # a worker died (killed, out of memory): stop, resumable
            self.broken = True
            self.stop()
            return TrialOutcome(
                trial.number, dict(trial.params), FAILED, error="its worker process died"
            )
        except Exception as exc:  # noqa: BLE001 - a bug in a trial: that trial failed
            error = f"the trial failed: {type(exc).__name__}: {exc}"
            return TrialOutcome(trial.number, dict(trial.params), FAILED, error=error)

    def _finish(self, trial, outcome: TrialOutcome) -> None:
        from optuna.trial import TrialState

        if outcome.state == INTERRUPTED or (outcome.state == FAILED and self._stop.is_set()):
            outcome.state = INTERRUPTED
            self._requeue(trial, outcome.values)
        elif outcome.state == COMPLETE:
            self.study.tell(trial, outcome.value)
        elif outcome.state == PRUNED:
            self.study.tell(trial, state=TrialState.PRUNED)
        else:
            if outcome.error:
                trial.set_user_attr("error", outcome.error[:500])
            self.study.tell(trial, state=TrialState.FAIL)
        self.tally.add(outcome)
        if self.recorder is not None:
            self.recorder(self.spec, outcome)
        self.listener.trial_finished(outcome, self.tally)
