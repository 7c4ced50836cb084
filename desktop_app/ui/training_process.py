"""Training in a child process: the window's side (training_child.py is the other).

The controller runs `ProcessTrainingWorker` in its QThread as it would run a
TrainingWorker: the same constructor, the same five signals, the same one `finished` or
`failed` per run. The thread sends the run to the training process and turns what comes
back into those signals; its only work is unpickling a few messages a second. The run's
token is a `RemoteControl`: a TimedControl whose every change (pause, resume, stop,
step, pace, plane, views shown) is also sent down the pipe.

What a user gains besides speed: a run that crashes torch, or that the system kills for
memory, ends as a failed run with a message; the window, the project and the earlier
results stay. The next Train starts a fresh process.

`ODYSSEY_TRAINING=thread` trains in the window's process instead (the test suite does,
as one torch import per test window would cost minutes).
"""

from __future__ import annotations

import logging
import os
import pickle
import threading

from desktop_app.ui.run_control import TimedControl
from desktop_app.ui.run_reports import user_message
from desktop_app.ui.training_child import SETTABLE, dumps, serve
from desktop_app.ui.worker import RunWorker

log = logging.getLogger(__name__)

MODE_ENV = "ODYSSEY_TRAINING"  # "process" (the default) or "thread"
CLOSE_WAIT_S = 5.0


def trains_in_process() -> bool:
    """Whether the window trains in a child process (else in a thread of its own)."""
    return os.environ.get(MODE_ENV, "process").strip().lower() != "thread"


class ProcessGone(Exception):
    """The training process ended without finishing its run."""


class TrainingProcess:
    """The child process that trains the window's runs: one at a time, kept warm."""

    def __init__(self) -> None:
        self._proc = None
        self._commands = None  # the window's sending end
        self._events = None  # the window's receiving end
        self._lock = threading.Lock()
        self._closed = False  # the window closed: no process is started again

    def warm(self) -> None:
        """Start the process now (after the first paint), so Train needs no wait."""
        with self._lock:
            if not self._closed and (self._proc is None or not self._proc.is_alive()):
                self._start()

    def _start(self) -> None:
        import multiprocessing

        self._close_pipes()
        ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
        commands_in, commands_out = ctx.Pipe(duplex=False)
        events_in, events_out = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=serve, args=(commands_in, events_out), name="odyssey-training", daemon=True
        )
        proc.start()
        commands_in.close()  # the child's ends: closed here, so either side sees EOF
        events_out.close()
        self._proc, self._commands, self._events = proc, commands_out, events_in

    def submit(self, job: dict):
        """Hand a run to the process (started first if it is not running) and return
        the connection its messages come back on (for `receive`)."""
        payload = dumps(("run", job))
        with self._lock:
            if self._closed:
                raise ProcessGone("the window is closing")
            if self._proc is None or not self._proc.is_alive():
                self._start()
            self._write(payload)
            return self._events

    def send(self, message: tuple) -> None:
        """A change for the running run. Never starts a process: one that is gone has no
        run to change (ProcessGone)."""
        payload = dumps(message)
        with self._lock:
            if self._closed or self._proc is None or not self._proc.is_alive():
                raise ProcessGone("the training process is not running")
            self._write(payload)

    def _write(self, payload: bytes) -> None:
        try:
            self._commands.send_bytes(payload)
        except (OSError, ValueError) as exc:
            raise ProcessGone(str(exc)) from None

    @staticmethod
    def receive(events) -> tuple:
        """The next message on `events` (blocks); ProcessGone if its process ended."""
        try:
            return pickle.loads(events.recv_bytes())
        except (EOFError, OSError) as exc:
            raise ProcessGone(str(exc)) from None

    def exit_code(self, wait_s: float = 1.0) -> int | None:
        proc = self._proc
        if proc is None:
            return None
        proc.join(wait_s)
        return proc.exitcode

    def kill(self) -> None:
        """End the process now (a run that would not stop)."""
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.kill()

    def close(self, timeout_s: float = CLOSE_WAIT_S) -> None:
        """Let the process end (the window closes); kill it if it will not."""
        with self._lock:
            self._closed = True
            proc = self._proc
            if proc is None:
                return
            try:
                self._commands.send_bytes(dumps(("quit",)))
            except (OSError, ValueError):
                pass
            proc.join(timeout_s)
            if proc.is_alive():
                log.error("the training process did not end within %.0f s; killed", timeout_s)
                proc.kill()
                proc.join(timeout_s)
            self._close_pipes()
            self._proc = None

    def _close_pipes(self) -> None:
        for conn in (self._commands, self._events):
            if conn is not None:
                conn.close()
        self._commands = self._events = None

    def worker(self, project, timed, resume_from=None, epochs=None, data=None):
        """The controller's worker factory (called as TrainingWorker is)."""
        return ProcessTrainingWorker(self, project, timed, resume_from, epochs, data)


class RemoteControl(TimedControl):
    """A run's token in the window: each change is kept here and sent to the process.

    Changes made before the run is handed over (the pace, Step before Train) go with the
    run, applied before its first step; those made while it is being handed over are
    queued and sent right after it.
    """

    def __init__(self) -> None:
        self.__dict__["_send"] = None
        self.__dict__["_queued"] = []
        self.__dict__["_tell_lock"] = threading.Lock()
        super().__init__()
        self._queued.clear()  # the defaults: the process's token has them too

    def __setattr__(self, name: str, value) -> None:
        super().__setattr__(name, value)
        if name in SETTABLE:
            self._tell(("set", name, value))

    def take_queued(self) -> list[tuple]:
        """The changes queued so far (they go with the run itself, so the process's
        token has them before its first step); later ones queue until `attach`."""
        with self._tell_lock:
            queued = list(self._queued)
            self._queued.clear()
            return queued

    def attach(self, send) -> None:
        """From now on send each change with `send`, starting with those queued."""
        with self._tell_lock:
            for message in self._queued:
                send(message)
            self._queued.clear()
            self.__dict__["_send"] = send

    def _tell(self, message: tuple) -> None:
        with self._tell_lock:
            if self._send is None:
                self._queued.append(message)
                return
            try:
                self._send(message)
            except ProcessGone:
                pass  # the run ends as failed; the worker says so

    def pause(self) -> None:
        super().pause()
        self._tell(("call", "pause", ()))

    def resume(self) -> None:
        super().resume()
        self._tell(("call", "resume", ()))

    def stop(self) -> None:
        super().stop()
        self._tell(("call", "stop", ()))

    def allow(self, steps: int) -> None:
        super().allow(steps)
        self._tell(("call", "allow", (int(steps),)))

    def set_pace(self, steps_per_second: float | None) -> None:
        super().set_pace(steps_per_second)
        self._tell(("call", "set_pace", (steps_per_second,)))


class ProcessTrainingWorker(RunWorker):
    """The worker of a run in the training process (see the module)."""

    def __init__(self, host: TrainingProcess, *args):
        super().__init__(*args)  # (extra_callbacks: picklable ones, such as the recorder)
        self.host = host

    def abort(self) -> None:
        """The run would not stop: end its process (the run ends as failed)."""
        self.host.kill()

    def _run(self) -> None:
        try:
            self._serve()
        except ProcessGone:
            code = self.host.exit_code()
            log.error("the training process ended during a run (exit code %s)", code)
            self.failed.emit(gone_message(code))
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            log.exception("could not train in the training process")
            self.failed.emit(user_message(exc))

    def _serve(self) -> None:
        job = {
            "project": self.project,
            "resume_from": self.resume_from,
            "epochs": self.epochs,
            "data": self.data,
            "callbacks": self.extra_callbacks,
            # Step batch before Train, the pace: on the token before the run's first step.
            "changes": self.timed.take_queued(),
        }
        events = self.host.submit(job)  # this run's messages: a later process has others
        self.timed.attach(self.host.send)
        signals = {"started": self.started, "progress": self.progress, "epoch": self.epoch}
        while True:
            kind, *rest = self.host.receive(events)
            if kind in signals:
                signals[kind].emit(rest[0])
            elif kind == "log":  # the run's own log record, into this process's log
                level, name, text = rest
                logging.getLogger(name).log(level, "%s", text)
            elif kind == "finished":
                self.finished.emit(rest[0])
                return
            elif kind == "failed":
                message, details = rest
                if details:
                    log.error("training failed (in the training process):\n%s", details)
                self.failed.emit(message)
                return


def gone_message(exit_code: int | None) -> str:
    """What a user reads when the training process ended in the middle of a run."""
    how = f" (exit code {exit_code})" if exit_code is not None else ""
    memory = (
        " The system ends a process this way when the computer runs out of memory: use "
        "fewer samples, a smaller network or a smaller batch size."
        if exit_code is not None and exit_code < 0
        else ""
    )
    return (
        f"The training process ended unexpectedly{how}, so this run has no results."
        f"{memory} Your project and earlier results are unchanged; Train starts a fresh "
        "training process."
    )
