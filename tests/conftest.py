"""Suite-wide options: `slow` tests (the packaged-bundle build) run only when asked for;
every test records runs into its own temporary data folder, never the user's; windows
train in a thread unless a test asks for the training process."""

from __future__ import annotations

import os

import pytest

RUN_SLOW_ENV = "ODYSSEY_RUN_SLOW"

# The windows tests make train in a thread of the test process: a training process per
# window (the app's default) would import torch once per test, minutes in all. The tests
# marked with BOTH_MODES (tests/ui) run in the training process too; set
# ODYSSEY_TRAINING=process to run every GUI test that way.
os.environ.setdefault("ODYSSEY_TRAINING", "thread")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help=f"also run tests marked slow (or set {RUN_SLOW_ENV}=1)",
    )


def run_slow(config: pytest.Config) -> bool:
    return bool(config.getoption("--run-slow")) or os.environ.get(RUN_SLOW_ENV, "") not in (
        "",
        "0",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if run_slow(config):
        return
    skip = pytest.mark.skip(
        reason=f"slow test: run it with `pytest --run-slow` or {RUN_SLOW_ENV}=1"
    )
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """A fresh data folder (the run store, kept models) per test: ODYSSEY_DATA_DIR."""
    folder = tmp_path / "odyssey-data"
    monkeypatch.setenv("ODYSSEY_DATA_DIR", str(folder))
    return folder
