"""The training process: where the window's runs train, away from its interpreter lock.

training_process.py starts this process (multiprocessing "spawn": a fresh interpreter,
no copy of the window's Qt state) after the window's first paint, and it waits, with
torch already imported, for a run. Trained in the window's own process, every
millisecond the GUI thread spends in Python (drawing the plots, the status bar) was a
millisecond the loop waited for the interpreter lock, and on a 2-core laptop the hand-
offs cost the loop more than the work itself; here the loop has a lock of its own.

Two one-way pipes, each message one pickled tuple:
  window -> here: ("run", job) | ("set", name, value) | ("call", name, args) | ("quit",)
  (a job carries the changes made before it was sent, applied before its first step)
  here -> window: ("started", RunInfo) | ("progress", ProgressUpdate) | ("epoch", [logs])
                  | ("finished", RunOutcome) | ("failed", text, details)
                  | ("log", level, logger name, text)
A reader thread applies "set" and "call" to the running run's TimedControl at once (the
same token a run in a thread reads), so Pause, Stop, Step, the pace, the boundary's
plane and which views are shown act as they do there. Exactly one "finished" or
"failed" ends each run. The process ends when the window says "quit" or its pipe closes
(the window's process is gone). What the run logs (the run store could not record it,
a model copy could not be kept) goes to the window's log; between runs, to stderr.

Nothing here imports Qt.
"""

from __future__ import annotations

import logging
import pickle
import queue
import signal
import threading

from desktop_app.ui.relay import EventRelay
from desktop_app.ui.run_control import TimedControl
from desktop_app.ui.run_job import failure, train_run

log = logging.getLogger(__name__)

# What the window may set or call on a run's TimedControl (nothing else is applied).
SETTABLE = frozenset(
    {"plane", "activation_layer", "boundary_shown", "inside_shown", "pause_at_epoch_end"}
)
CALLABLE = frozenset({"pause", "resume", "stop", "allow", "set_pace"})


def dumps(message: tuple) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


class _Events:
    """The pipe to the window: one message at a time (the run's thread, the run store's
    writer thread and anything else that logs may send at once)."""

    def __init__(self, connection):
        self._connection, self._lock = connection, threading.Lock()

    def send(self, message: tuple) -> None:
        payload = dumps(message)
        with self._lock:
            self._connection.send_bytes(payload)


class _Forward(logging.Handler):
    """Log records to the window's log while a run goes on (its handlers and format);
    to stderr between runs, or when the window is gone."""

    def __init__(self, events: _Events):
        super().__init__(logging.INFO)
        self.events, self.running = events, False
        self.fallback = logging.StreamHandler()
        self.fallback.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self._text = logging.Formatter("%(message)s")  # the message and its traceback

    def emit(self, record: logging.LogRecord) -> None:
        if self.running:
            try:
                self.events.send(("log", record.levelno, record.name, self._text.format(record)))
                return
            except Exception:  # noqa: BLE001 - the window is gone: keep the record
                pass
        self.fallback.handle(record)


class _Out:
    """The relay's three signals, as one pipe: `emit` sends (kind, value)."""

    def __init__(self, events: _Events, kind: str):
        self._events, self._kind = events, kind

    def emit(self, value) -> None:
        self._events.send((self._kind, value))


class _Signals:
    def __init__(self, events: _Events):
        self.started = _Out(events, "started")
        self.progress = _Out(events, "progress")
        self.epoch = _Out(events, "epoch")


def serve(commands, events) -> None:
    """The process's main function: warm up, then train each job the window sends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the window's to handle
    import torch  # noqa: F401 - warm: the first run must not wait for this import

    import desktop_app.core.engine  # noqa: F401

    events = _Events(events)
    forward = _Forward(events)
    root = logging.getLogger()
    root.addHandler(forward)
    root.setLevel(logging.INFO)
    jobs: queue.Queue = queue.Queue()
    threading.Thread(
        target=_read, args=(commands, jobs), name="odyssey-commands", daemon=True
    ).start()
    while True:
        item = jobs.get()
        if item is None:
            return
        job, timed = item
        forward.running = True
        try:
            _run(job, timed, events)
        except (OSError, EOFError):  # the window is gone: nobody to tell
            return
        finally:
            forward.running = False


def _read(commands, jobs: queue.Queue) -> None:
    """The reader thread: a run's control token gets the window's changes at once."""
    timed: TimedControl | None = None
    try:
        while True:
            message = pickle.loads(commands.recv_bytes())
            kind = message[0]
            if kind == "run":
                timed = TimedControl()
                for change in message[1].get("changes", ()):  # before the first step
                    _apply(timed, change)
                jobs.put((message[1], timed))
            elif kind in ("set", "call") and timed is not None:
                _apply(timed, message)
            elif kind == "quit":
                break
    except (EOFError, OSError):
        pass  # the window's process closed its end
    if timed is not None:
        timed.stop()  # a run still going ends at its next step
    jobs.put(None)


def _apply(timed: TimedControl, change: tuple) -> None:
    """One change of the window's to a run's token: ("set", name, value) or
    ("call", name, args), of the names allowed."""
    kind, name = change[0], change[1]
    if kind == "set" and name in SETTABLE:
        setattr(timed, name, change[2])
    elif kind == "call" and name in CALLABLE:
        getattr(timed, name)(*change[2])


def _run(job: dict, timed: TimedControl, events: _Events) -> None:
    relay = EventRelay(_Signals(events), timed, job.get("epochs"))
    try:
        outcome = train_run(
            job["project"],
            timed,
            relay,
            job.get("resume_from"),
            job.get("epochs"),
            job.get("data"),
            job.get("callbacks"),
        )
    except (BrokenPipeError, ConnectionResetError):
        raise  # the window is gone (serve ends)
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
        _fail(events, relay, exc)
    else:
        try:
            events.send(("finished", outcome))
        except OSError:
            raise  # the window is gone (serve ends)
        except Exception as exc:  # noqa: BLE001 - cannot be pickled: say so rather than vanish
            _fail(events, None, exc)


def _fail(events: _Events, relay: EventRelay | None, exc: BaseException) -> None:
    events.send(("failed", *failure(exc, relay)))
