"""`odyssey --self-test`: prove that this copy of Odyssey (installed or frozen) works.

It opens the main window (offscreen unless ``--display``), waits until it has painted,
presses Train (the default project trains where the window's runs train: the training
process, which a frozen build starts by running itself again), closes it; then trains the default project headless, saves the model to a temporary
folder, loads it back and checks that the reloaded model predicts exactly what the
trained one does; then runs a two-trial sweep on two worker processes, started from a
background thread as the window starts one. It prints one line per check and exits 0 only if every check passed;
otherwise 1, with the reason on the failing line.

The window goes first so that its timing is a real cold start (launch to first paint,
before anything else has imported torch). Nothing here touches the user's settings or
files: settings go to a temporary folder and the model file is deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MIN_ACCURACY = 0.85


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _guard(name: str, fn: Callable[[], list[Check]]) -> list[Check]:
    """Run one group of checks; an unexpected exception becomes a failed check."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the self-test reports every failure
        tb = traceback.format_exc(limit=6)
        return [Check(name, False, f"{type(exc).__name__}: {exc}\n{tb}")]


# --------------------------------------------------------------------------- sweep
def check_sweep(trials: int = 2, workers: int = 2) -> list[Check]:
    """A small sweep on worker processes, started from a background thread as the
    window starts one (on Linux its workers come from a fork server; in a frozen build
    that is the path most likely to break), in a temporary folder."""
    import threading

    from desktop_app.core.specs.project import Project
    from desktop_app.core.sweep.local import LocalSweep, start_method
    from desktop_app.core.sweep.spec import build_sweep
    from desktop_app.core.sweep.study import create_study

    project = Project().with_overrides(["data.n_samples=300", "train.epochs=3"])
    spec = build_sweep(project, ["train.lr=loguniform:1e-3:1e-1"], name="selftest", trials=trials)
    result: dict = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="odyssey-selftest-sweep-") as folder:

        def run() -> None:
            try:
                result["method"] = start_method()
                study = create_study(spec, folder)
                result["tally"] = LocalSweep(spec, study, folder, workers).run()
            except Exception as exc:  # noqa: BLE001 - reported as the failed check
                result["error"] = f"{type(exc).__name__}: {exc}"

        thread = threading.Thread(target=run, name="selftest-sweep")
        thread.start()
        thread.join()
    seconds = time.perf_counter() - t0
    tally = result.get("tally")
    if tally is None or tally.complete != trials:
        why = result.get("error") or (tally.line() if tally is not None else "no result")
        return [Check("sweep", False, f"{trials} trials on {workers} workers: {why}")]
    return [
        Check(
            "sweep",
            True,
            f"{trials} trials on {workers} worker processes ({result['method']}) in {seconds:.1f} s",
        )
    ]


# --------------------------------------------------------------------------- model
def check_model(min_accuracy: float = MIN_ACCURACY, project=None) -> list[Check]:
    """Train the default project, save and reload the model, compare predictions."""
    import numpy as np

    from desktop_app.core.engine import Trainer
    from desktop_app.core.evaluation import predict_prepared
    from desktop_app.core.specs.project import Project

    checks: list[Check] = []
    project = project if project is not None else Project()
    if not project.train.early_stopping:
        return [Check("train", False, "the default project has early stopping turned off")]
    t0 = time.perf_counter()
    trainer = Trainer(project)
    result = trainer.fit()
    seconds = time.perf_counter() - t0
    acc = result.test_metrics.get("accuracy")
    stopped = "early stopping" if result.stop_reason == "early_stopping" else result.stop_reason
    summary = (
        f"{project.data.dataset} ({project.task}), {result.epochs_run} epochs ({stopped}), "
        f"test accuracy {acc if acc is None else format(acc, '.3f')} "
        f"(needs ≥ {min_accuracy:.2f}), {seconds:.1f} s on {result.timing.device}"
    )
    ok = acc is not None and acc >= min_accuracy
    checks.append(Check("train", ok, summary))
    if not ok:
        return checks

    try:
        from desktop_app.core.persistence.model_file import load_model, save_model
    except ImportError:
        checks.append(
            Check(
                "model file",
                False,
                "not available yet: desktop_app.core.persistence has no save_model/load_model",
            )
        )
        return checks

    data = trainer.data
    x_test = data.x_test
    expected = predict_prepared(trainer.model, data.task, x_test, trainer.device)
    with tempfile.TemporaryDirectory(prefix="odyssey-selftest-") as tmp:
        path = Path(tmp) / "self-test.safetensors"
        save_model(path, trainer.checkpoint())
        size = path.stat().st_size
        loaded = load_model(path)
    problems = []
    if loaded.project != project:
        problems.append("the reloaded project differs from the trained one")
    if loaded.preprocessing.to_dict() != data.prep.to_dict():
        problems.append("the reloaded preprocessing differs from the fitted one")
    import torch

    got = predict_prepared(loaded.model, data.task, x_test, torch.device("cpu"))
    if got.shape != expected.shape:
        problems.append(f"prediction shape {got.shape} differs from {expected.shape}")
    elif not np.array_equal(got, expected):
        diff = float(np.max(np.abs(got - expected)))
        problems.append(f"reloaded predictions differ from the trained model's (max {diff:.3g})")
    detail = f"saved {size / 1024:.1f} KiB, reloaded, {len(x_test)} test predictions " + (
        "identical" if not problems else "checked: " + "; ".join(problems)
    )
    checks.append(Check("model file", not problems, detail))
    if not problems:
        checks.append(_check_raw_predictions(loaded, data, expected))
    return checks


def _check_raw_predictions(loaded, data, expected) -> Check:
    """Predict the test rows as a user would, in raw units through the saved scaling
    (desktop_app.core.predict), and compare with the trained model's outputs."""
    import numpy as np

    from desktop_app.core.catalog import BINARY, REGRESSION
    from desktop_app.core.predict import predict_rows

    prep = data.prep
    raw = data.x_test.astype(np.float64)
    if prep.mean is not None and prep.scale is not None:
        raw = raw * prep.scale + prep.mean  # undo the standardisation: the user's units
    result = predict_rows(loaded, raw)
    n = len(raw)
    if prep.task == REGRESSION:
        want = expected.reshape(-1) * prep.target_scale + prep.target_mean
        ok = np.allclose(result.values, want, rtol=1e-4, atol=1e-4 * max(1.0, prep.target_scale))
        return Check(
            "predict",
            bool(ok),
            f"{n} raw test rows through the saved scaling: values "
            + ("match the trained model's" if ok else "differ from the trained model's"),
        )
    if prep.task == BINARY:
        want_probs = np.column_stack([1.0 - expected, expected])
    else:
        want_probs = expected.reshape(n, -1)
    want_labels = want_probs.argmax(axis=1)
    differing = int(np.sum(result.labels != want_labels))
    close = np.allclose(result.probabilities, want_probs, atol=1e-5)
    accuracy = float(np.mean(result.labels == data.y_test.reshape(-1)))
    ok = differing == 0 and close
    detail = f"{n} raw test rows through the saved scaling: " + (
        f"same classes and probabilities as the trained model, accuracy {accuracy:.3f}"
        if ok
        else f"{differing} classes differ, probabilities {'close' if close else 'differ'}"
    )
    return Check("predict", ok, detail)


# --------------------------------------------------------------------------- window
# --------------------------------------------------------------------------- driver
def _check_window(display: bool) -> list[Check]:
    from desktop_app.selftest_window import check_window  # imports Qt

    return [Check(*c) for c in check_window(display=display)]


def _versions() -> str:
    parts = [f"Odyssey {_app_version()}", f"Python {platform.python_version()}"]
    frozen = bool(getattr(sys, "frozen", False))
    parts.append("frozen" if frozen else "not frozen")
    return ", ".join(parts)


def _app_version() -> str:
    from desktop_app import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="odyssey --self-test",
        description="Check that this copy of Odyssey works: window, training, model files.",
    )
    ap.add_argument(
        "--display",
        action="store_true",
        help="show the window on the current screen instead of offscreen",
    )
    return ap


def run_self_test(
    argv: list[str] | None = None,
    out=None,
    groups: list[tuple[str, Callable[[], list[Check]]]] | None = None,
) -> int:
    """Run every check, print the report, return the exit status (0: all passed).

    groups replaces the default checks (window, then train/save/load); tests use it.
    """
    out = out or sys.stdout
    args = build_parser().parse_args([] if argv is None else argv)
    t0 = time.perf_counter()
    # Never read or write the user's real settings (desktop_app.ui.settings honours this).
    settings_tmp = tempfile.TemporaryDirectory(prefix="odyssey-selftest-settings-")
    old_settings = os.environ.get("ODYSSEY_SETTINGS_DIR")
    os.environ["ODYSSEY_SETTINGS_DIR"] = settings_tmp.name
    # Nor the user's run store: the window records the run it trains.
    data_tmp = tempfile.TemporaryDirectory(prefix="odyssey-selftest-data-")
    old_data = os.environ.get("ODYSSEY_DATA_DIR")
    os.environ["ODYSSEY_DATA_DIR"] = data_tmp.name
    print(f"Odyssey self-test ({_versions()})", file=out, flush=True)
    checks: list[Check] = []
    if groups is None:
        groups = [
            ("window", lambda: _check_window(args.display)),
            ("train", check_model),
            ("sweep", check_sweep),
        ]
    for name, fn in groups:
        for check in _guard(name, fn):
            checks.append(check)
            mark = "ok" if check.ok else "FAIL"
            print(f"  [{mark}] {check.name}: {check.detail}", file=out, flush=True)
    passed = sum(c.ok for c in checks)
    failed = [c.name for c in checks if not c.ok]
    seconds = time.perf_counter() - t0
    if failed:
        print(
            f"self-test FAILED ({passed}/{len(checks)} checks passed; failed: "
            f"{', '.join(failed)}) in {seconds:.1f} s",
            file=out,
            flush=True,
        )
    else:
        print(f"self-test passed ({passed}/{len(checks)} checks) in {seconds:.1f} s", file=out)
    if old_settings is None:
        os.environ.pop("ODYSSEY_SETTINGS_DIR", None)
    else:
        os.environ["ODYSSEY_SETTINGS_DIR"] = old_settings
    if old_data is None:
        os.environ.pop("ODYSSEY_DATA_DIR", None)
    else:
        os.environ["ODYSSEY_DATA_DIR"] = old_data
    for tmp in (settings_tmp, data_tmp):
        try:
            tmp.cleanup()
        except OSError:
            pass
    return 1 if failed else 0
