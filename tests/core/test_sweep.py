"""Sweeps: parameter specs (good and bad), a small local sweep end to end on two worker
processes, pruning, stop and resume of the same study, trials in the run store."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time

import pytest

from desktop_app.cli.main import run_cli
from desktop_app.core.errors import SpecError
from desktop_app.core.runs.store import RunStore
from desktop_app.core.specs.project import Project
from desktop_app.core.sweep.folders import sweep_folder
from desktop_app.core.sweep.local import LocalSweep, start_method
from desktop_app.core.sweep.params import ParamSpec, apply_values, parse_param, parse_params
from desktop_app.core.sweep.progress import SweepListener
from desktop_app.core.sweep.record import TrialRecorder, group_id
from desktop_app.core.sweep.spec import build_sweep
from desktop_app.core.sweep.study import (
    clean_up_stale,
    create_study,
    importances,
    load_study,
    storage_for,
    suggest,
)

TINY = ["data.n_samples=200", "train.epochs=6", "train.early_stopping=false"]


def tiny(*extra: str) -> Project:
    return Project().with_overrides([*TINY, *extra])


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("train.lr=loguniform:1e-4:1e-1", ParamSpec("train.lr", "loguniform", 1e-4, 1e-1)),
        ("train.momentum=uniform:0.5:0.99", ParamSpec("train.momentum", "uniform", 0.5, 0.99)),
        ("train.batch_size=int:16:128", ParamSpec("train.batch_size", "int", 16, 128)),
        (
            "model.hidden.0.units=choice:8,16,32",
            ParamSpec("model.hidden.0.units", "choice", choices=(8, 16, 32)),
        ),
        (
            "model.hidden.0.activation=choice:relu,tanh",
            ParamSpec("model.hidden.0.activation", "choice", choices=("relu", "tanh")),
        ),
    ],
)
def test_good_specs_parse_and_round_trip(text, expected):
    spec = parse_param(text)
    assert spec == expected
    assert parse_param(spec.text) == spec  # what a stored sweep writes, it reads back
    parse_params([text], Project())  # and it fits the default project


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("train.lr", "expected FIELD=KIND"),
        ("train.lr=logunif:1:2", "unknown kind 'logunif'"),
        ("train.lr=loguniform:abc:0.1", "the low end 'abc' is not a number"),
        ("train.lr=loguniform:0.1", "needs two ends"),
        ("train.lr=uniform:0.5:0.1", "the low end 0.5 must be below the high end 0.1"),
        ("train.lr=loguniform:0:0.1", "loguniform needs ends above 0"),
        ("train.batch_size=int:1.5:8", "whole-number ends"),
        ("model.hidden.0.units=choice:", "choice needs values"),
        ("model.hidden.0.units=choice:8,8", "listed twice"),
        ("train.lrr=loguniform:1e-4:1e-1", "'train.lrr' is not a field of the project"),
        ("model.hidden.3.units=choice:8,16", "'model.hidden.3.units' is not a field"),
        ("train.lr=loguniform:1e-4:1e3", "the high end 1000.0 does not fit: train.lr"),
        ("model.hidden.0.units=uniform:4:64", "takes whole numbers, so use int"),
        ("model.hidden.0.activation=choice:relu,swish", "the choice 'swish' does not fit"),
    ],
)
def test_bad_specs_name_the_bad_part(text, fragment):
    with pytest.raises(SpecError) as info:
        parse_params([text], Project())
    assert fragment in str(info.value)
    assert text.split("=")[0] in str(info.value)  # the message names the parameter


def test_a_field_searched_twice_and_no_param_are_refused():
    with pytest.raises(SpecError, match="searched twice"):
        parse_params(["train.lr=uniform:0.01:0.1", "train.lr=choice:0.1"], Project())
    with pytest.raises(SpecError, match="at least one --param"):
        parse_params([], Project())


def test_values_reach_the_project_through_set_paths():
    p = apply_values(Project(), {"train.lr": 0.003, "model.hidden.0.units": 32})
    assert p.train.lr == 0.003 and p.model.hidden[0].units == 32


def test_grid_values():
    assert parse_param("a.b=choice:1,2").grid() == [1, 2]
    assert parse_param("a.b=int:1:4").grid() == [1, 2, 3, 4]
    lr = parse_param("a.b=loguniform:1e-4:1").grid(5)
    assert lr == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1])


def test_sweep_needs_a_validation_split():
    project = Project().with_overrides(["data.val_fraction=0", "train.early_stopping=false"])
    with pytest.raises(SpecError, match="validation split"):
        build_sweep(project, ["train.lr=uniform:0.01:0.1"])


# ------------------------------------------------------------------ running
class Events(SweepListener):
    def __init__(self):
        self.started, self.finished, self.ended = [], [], []

    def trial_started(self, number, values, tally):
        self.started.append(number)

    def trial_finished(self, outcome, tally):
        self.finished.append(outcome)

    def sweep_finished(self, tally, stopped):
        self.ended.append(stopped)


def test_small_sweep_on_two_workers_lands_in_the_run_store():
    spec = build_sweep(
        tiny(),
        ["train.lr=loguniform:1e-3:1e-1", "model.hidden.0.units=choice:4,16"],
        name="small",
        method="random",
        trials=4,
    )
    folder = sweep_folder(spec.name)
    study = create_study(spec, folder)
    store = RunStore.default()
    events = Events()
    tally = LocalSweep(spec, study, folder, 2, events, TrialRecorder(store)).run()
    assert tally.complete == 4 and events.ended == [False]
    assert sorted(events.started) == [0, 1, 2, 3]
    assert len(study.trials) == 4
    for outcome in events.finished:  # each trial trained its own values
        assert outcome.project.train.lr == pytest.approx(outcome.values["train.lr"])
        assert outcome.project.train.threads == 1
        assert outcome.epochs_run == 6
    runs = store.list_runs(group=group_id(spec))
    assert len(runs) == 4 and {r.kind for r in runs} == {"trial"}
    assert {r.name for r in runs} == {f"small #{i}" for i in range(4)}
    best = min(events.finished, key=lambda o: o.value)
    assert tally.best.number == best.number
    assert store.get_group(group_id(spec)).kind == "sweep"
    assert set(importances(study)) == {"train.lr", "model.hidden.0.units"}
    store.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a fork server on Linux only")
def test_a_sweep_from_a_background_thread_forks_its_workers_from_the_fork_server():
    # As the window runs one: from a QThread, in a process with other threads running.
    spec = build_sweep(tiny(), ["train.lr=uniform:0.01:0.1"], name="threaded", trials=3)
    folder = sweep_folder(spec.name)
    study = create_study(spec, folder)
    seen: dict = {}

    def run() -> None:
        seen["method"] = start_method()
        seen["tally"] = LocalSweep(spec, study, folder, 2).run()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    assert seen["method"] == "forkserver"
    assert seen["tally"].complete == 3
    assert len(study.trials) == 3 and all(t.state.name == "COMPLETE" for t in study.trials)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a fork server on Linux only")
def test_opening_the_sweep_dialog_starts_the_fork_server_from_the_gui_thread():
    # warm_up() runs on the window's main thread, where start_method() may say "fork"
    # (no other Python thread yet); the server must start all the same, in a fresh
    # process here so that no earlier test has started it.
    code = (
        "import os, time\n"
        "from desktop_app.core.sweep.local import warm_up\n"
        "warm_up()\n"
        "me = str(os.getpid())\n"
        "for _ in range(100):\n"
        "    found = []\n"
        "    for pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "        try:\n"
        "            stat = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()\n"
        "            cmd = open(f'/proc/{pid}/cmdline').read()\n"
        "        except OSError:\n"
        "            continue\n"
        "        if stat[1] == me and 'multiprocessing.forkserver' in cmd:\n"
        "            found.append(pid)\n"
        "    if found:\n"
        "        break\n"
        "    time.sleep(0.05)\n"
        "print('servers', len(found))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "servers 1" in proc.stdout, proc.stdout + proc.stderr[-2000:]


def test_weak_trials_are_pruned():
    # Two good learning rates first, then two hopeless ones: those are worse than the
    # median of the finished trials at every epoch and are stopped early.
    spec = build_sweep(
        tiny("train.epochs=12"), ["train.lr=choice:0.05,0.00001"], name="prune", trials=4
    )
    spec = dataclasses.replace(spec, startup_trials=2, warmup_epochs=1)
    folder = sweep_folder(spec.name)
    study = create_study(spec, folder)
    for lr in (0.05, 0.05, 0.00001, 0.00001):
        study.enqueue_trial({"train.lr": lr})
    events = Events()
    tally = LocalSweep(spec, study, folder, 1, events).run()
    pruned = [o for o in events.finished if o.state == "pruned"]
    assert tally.pruned == len(pruned) == 2
    assert all(o.values["train.lr"] == 0.00001 for o in pruned)
    assert all(o.epochs_run < 12 for o in pruned)
    assert sum(t.state.name == "PRUNED" for t in study.trials) == len(pruned)


class StopOnStart(SweepListener):
    def __init__(self):
        self.sweep = None
        self.finished = []

    def trial_started(self, number, values, tally):
        if number == 1:
            threading.Timer(0.0, self.sweep.stop).start()

    def trial_finished(self, outcome, tally):
        self.finished.append(outcome)


def test_stop_then_resume_continues_the_same_study():
    spec = build_sweep(
        tiny("train.epochs=30"), ["train.lr=uniform:0.01:0.1"], name="again", trials=3
    )
    folder = sweep_folder(spec.name)
    study = create_study(spec, folder)
    listener = StopOnStart()
    first = LocalSweep(spec, study, folder, 2, listener)
    listener.sweep = first
    tally = first.run()
    assert first.stopped and tally.interrupted == 2 and tally.done == 0
    stopped = {o.number: o.values for o in listener.finished}
    assert all(o.state == "interrupted" for o in listener.finished)
    # Nothing is left running; a trial asked ahead but never started is queued again too.
    asked = {t.number: t.params for t in study.trials if "retry_of" not in t.user_attrs}
    assert all(t.state.name in ("FAIL", "WAITING") for t in study.trials)
    assert all(t.user_attrs.get("interrupted") for t in study.trials if t.state.name == "FAIL")

    again, study2 = load_study(folder, "again")
    assert again == spec  # the stored sweep: the same project, params and method
    events = Events()
    resumed = LocalSweep(again, study2, folder, 2, events).run()
    assert resumed.complete == 3 and not events.ended[0]
    trials = study2.trials
    assert [t.number for t in trials[:2]] == sorted(stopped)  # the same study goes on
    retried = {t.user_attrs["retry_of"]: t.params for t in trials if "retry_of" in t.user_attrs}
    assert retried == asked  # the stopped (and never started) trials ran with their values
    assert all(retried[n] == v for n, v in stopped.items())
    assert sum(t.state.name == "COMPLETE" for t in trials) == 3


class StopOnceAskedAhead(SweepListener):
    """Stops the sweep from another thread (as the dialog's Stop does) once the next
    trial has been asked while trial 0 trains on the only worker."""

    def __init__(self, folder: str, name: str):
        self.folder, self.name, self.sweep = folder, name, None
        self.started = []

    def trial_started(self, number, values, tally):
        self.started.append(number)
        if number == 0:
            threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        import optuna

        study = optuna.load_study(study_name=self.name, storage=storage_for(self.folder))
        deadline = time.monotonic() + 30
        while len(study.trials) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        self.sweep.stop()


def test_a_trial_asked_ahead_but_never_started_runs_first_on_resume():
    spec = build_sweep(
        tiny("train.epochs=400"), ["train.lr=uniform:0.01:0.1"], name="ahead", trials=3
    )
    folder = sweep_folder(spec.name)
    study = create_study(spec, folder)
    listener = StopOnceAskedAhead(folder, spec.name)
    first = LocalSweep(spec, study, folder, 1, listener)
    listener.sweep = first
    first.run()
    assert listener.started == [0]  # trial 1 was asked while 0 trained, never started
    one = study.trials[1]
    assert one.state.name == "FAIL" and one.user_attrs["interrupted"]
    waiting = [t for t in study.trials if t.state.name == "WAITING"]
    queued = {t.user_attrs["retry_of"]: t.system_attrs["fixed_params"] for t in waiting}
    assert queued == {
        0: study.trials[0].params,
        1: one.params,
    }


def test_a_trial_a_dead_process_left_running_is_queued_again():
    spec = build_sweep(tiny(), ["train.lr=uniform:0.01:0.1"], name="stale", trials=2)
    study = create_study(spec, sweep_folder(spec.name))
    stale = study.ask()  # a sweep process asked for it, then died
    values = suggest(stale, spec.params)
    clean_up_stale(study)
    trials = study.trials
    assert trials[0].state.name == "FAIL"
    assert trials[1].state.name == "WAITING"
    assert trials[1].user_attrs["retry_of"] == stale.number
    retry = study.ask()  # what the resumed sweep asks next: the same values
    assert retry.number == 1 and suggest(retry, spec.params) == values


def test_each_journal_write_is_read_at_once_and_syncs_are_at_most_one_a_second(monkeypatch):
    import optuna

    synced = []
    monkeypatch.setattr("os.fsync", synced.append)
    spec = build_sweep(tiny(), ["train.lr=uniform:0.01:0.1"], name="journal", trials=40)
    folder = sweep_folder(spec.name)
    study = create_study(spec, folder)
    reader = optuna.load_study(study_name=spec.name, storage=storage_for(folder))
    started = time.monotonic()
    for i in range(40):  # what a sweep writes for each trial: ask, a value, tell
        trial = study.ask()
        suggest(trial, spec.params)
        study.tell(trial, float(i))
        assert len(reader.trials) == i + 1  # another process sees it at once
        assert reader.trials[i].value == float(i)
    seconds = time.monotonic() - started
    assert len(synced) <= seconds / 1.0 + 1  # ~120 writes, not ~120 syncs


def test_cli_bad_param_and_unknown_resume_exit_2(capsys):
    assert run_cli(["sweep", "--param", "train.lrr=uniform:0.1:0.2", "--trials", "2"]) == 2
    assert "'train.lrr' is not a field" in capsys.readouterr().err
    assert run_cli(["sweep", "--resume", "nothing-here"]) == 2
    assert "no sweep named 'nothing-here'" in capsys.readouterr().err
    assert run_cli(["sweep", "--param", "train.lr=uniform:0.1:0.2", "--workers", "0"]) == 2
    assert "--workers 0" in capsys.readouterr().err
