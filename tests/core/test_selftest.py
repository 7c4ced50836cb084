"""`odyssey --self-test`, run in-process (not frozen) and without Qt: the train, save,
reload and predict checks, the report and exit status, and the command-line dispatch.

The window check needs Qt; tests/packaging runs the whole self-test in a subprocess.
"""

from __future__ import annotations

import io
import os
import sys

import pytest

from desktop_app import selftest
from desktop_app.selftest import Check, check_model, check_sweep, run_self_test
from desktop_app.selftest_window import process_age


def test_default_project_trains_saves_reloads_and_predicts_identically():
    checks = check_model()
    assert [c.name for c in checks] == ["train", "model file", "predict"]
    assert all(c.ok for c in checks), [c.detail for c in checks]
    train = checks[0].detail
    assert "early stopping" in train
    accuracy = float(train.split("test accuracy ")[1].split()[0])
    assert accuracy >= selftest.MIN_ACCURACY
    assert "test predictions identical" in checks[1].detail


def test_a_small_sweep_runs_on_worker_processes_as_the_window_starts_one():
    (check,) = check_sweep()
    assert check.name == "sweep" and check.ok, check.detail
    assert "2 trials on 2 worker processes" in check.detail


def test_accuracy_below_the_bar_fails_with_the_numbers():
    checks = check_model(min_accuracy=0.95)  # the default project reaches about 0.90
    assert len(checks) == 1
    assert not checks[0].ok
    assert "test accuracy 0.9" in checks[0].detail and "needs ≥ 0.95" in checks[0].detail


def test_a_reloaded_model_that_predicts_differently_fails(monkeypatch):
    """The comparison is real: a file whose weights changed on the way is caught."""
    import torch

    from desktop_app.core.persistence import model_file

    real_load = model_file.load_model

    def load_then_nudge(path):
        loaded = real_load(path)
        with torch.no_grad():
            next(loaded.model.parameters()).add_(1e-3)
        return loaded

    monkeypatch.setattr(model_file, "load_model", load_then_nudge)
    checks = check_model()
    by_name = {c.name: c for c in checks}
    assert by_name["train"].ok
    assert not by_name["model file"].ok
    assert "differ from the trained model's" in by_name["model file"].detail
    assert "predict" not in by_name  # no point predicting from a model that is known wrong


def _run(groups, argv=()):
    out = io.StringIO()
    code = run_self_test(list(argv), out=out, groups=groups)
    return code, out.getvalue()


def test_all_checks_passing_exits_0_and_says_so():
    code, report = _run([("a", lambda: [Check("a", True, "fine")])])
    assert code == 0
    assert "  [ok] a: fine" in report
    assert "self-test passed (1/1 checks)" in report


def test_a_failing_check_exits_1_and_names_it_but_later_checks_still_run():
    ran = []
    groups = [
        ("window", lambda: [Check("window", False, "not painted within 60 s")]),
        ("train", lambda: ran.append("train") or [Check("train", True, "ok")]),
    ]
    code, report = _run(groups)
    assert code == 1
    assert ran == ["train"]
    assert "  [FAIL] window: not painted within 60 s" in report
    assert "self-test FAILED (1/2 checks passed; failed: window)" in report


def test_an_exception_in_a_check_is_reported_as_a_failure_with_its_message():
    def boom():
        raise RuntimeError("torch is missing from the bundle")

    code, report = _run([("train", boom)])
    assert code == 1
    assert "[FAIL] train: RuntimeError: torch is missing from the bundle" in report


def test_settings_go_to_a_temporary_folder_and_the_environment_is_restored(monkeypatch):
    monkeypatch.setenv("ODYSSEY_SETTINGS_DIR", "/somewhere/real")
    seen = []

    def record():
        seen.append(os.environ.get("ODYSSEY_SETTINGS_DIR"))
        return [Check("settings", True, "")]

    code, _ = _run([("settings", record)])
    assert code == 0
    assert seen[0] and seen[0] != "/somewhere/real" and "odyssey-selftest" in seen[0]
    assert not os.path.exists(seen[0])  # removed afterwards
    assert os.environ["ODYSSEY_SETTINGS_DIR"] == "/somewhere/real"


def test_main_dispatches_self_test_before_anything_else(monkeypatch):
    from desktop_app import __main__ as entry

    calls = []
    monkeypatch.setattr(selftest, "run_self_test", lambda argv: calls.append(argv) or 7)
    assert entry.main(["--self-test", "--display"]) == 7
    assert calls == [["--display"]]


def test_unknown_self_test_option_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        run_self_test(["--bogus"], out=io.StringIO(), groups=[])
    assert exc.value.code == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")
def test_process_age_counts_from_the_process_start():
    age, origin = process_age()
    assert origin == "launch"
    # This test process started before the test began, and not days ago.
    assert 0.0 < age < 24 * 3600
    later, _ = process_age()
    assert later >= age
