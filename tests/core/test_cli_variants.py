"""`odyssey train --repeats/--folds`, `odyssey baselines` and `odyssey race`."""

import json

import numpy as np
import pytest

from desktop_app.cli.main import run_cli
from desktop_app.core.runs.store import RunStore

TINY = ["--set", "data.dataset=moons", "--set", "data.n_samples=240", "--set", "train.epochs=3"]


def last_json(capsys):
    out = capsys.readouterr().out
    return out, json.loads(out.strip().splitlines()[-1])


def test_train_repeats_prints_mean_and_sd_of_the_seeds(capsys):
    assert run_cli(["train", *TINY, "--repeats", "3", "--json"]) == 0
    out, summary = last_json(capsys)
    assert "mean ± sd over 3 runs" in out and "seed 0" in out and "seed 2" in out
    assert summary["kind"] == "seeds" and summary["runs"] == 3
    store = RunStore.default()
    members = store.list_runs(group=summary["group"])
    assert sorted(r.seed for r in members) == [0, 1, 2] and {r.kind for r in members} == {"repeat"}
    info = store.get_group(summary["group"]).info
    assert info["test_metric"]["mean"] == pytest.approx(summary["test_metric"]["mean"])
    tests = []
    for seed in range(3):  # the members are the ordinary runs of seeds 0, 1, 2
        args = ["train", *TINY, "--set", f"train.seed={seed}", "--json", "--quiet", "--no-record"]
        assert run_cli(args) == 0
        tests.append(last_json(capsys)[1]["test_metrics"]["accuracy"])
    assert summary["test_metric"]["mean"] == pytest.approx(np.mean(tests))
    assert summary["test_metric"]["sd"] == pytest.approx(np.std(tests, ddof=1))


def test_train_folds_runs_one_member_per_fold(capsys):
    assert run_cli(["train", *TINY, "--folds", "3", "--json"]) == 0
    out, summary = last_json(capsys)
    assert "3-fold cross-validation" in out and "fold 3/3" in out
    assert summary["kind"] == "folds" and summary["runs"] == 3


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["train", "--repeats", "1"], "--repeats 1: give 2 to"),
        (["train", "--repeats", "2", "--folds", "2"], "one of --repeats N, --folds K"),
        (["train", "--folds", "2", "--save", "m.safetensors"], "--save does not go with"),
        (["race", "--vary", "train.lr=0.1"], "2 to 4 values"),
        (["race", "--vary", "train.bogus=1,2"], "not a field"),
    ],
)
def test_bad_variant_options_exit_2_with_a_reason(args, words, capsys):
    assert run_cli(args) == 2
    assert words in capsys.readouterr().err


def test_baselines_prints_both_models_on_the_projects_split(capsys):
    assert run_cli(["baselines", *TINY, "--json"]) == 0
    out, summary = last_json(capsys)
    assert "logistic regression" in out and "gradient-boosted trees" in out
    names = [b["estimator"] for b in summary["baselines"]]
    assert names == ["LogisticRegression", "HistGradientBoostingClassifier"]
    assert all(0 <= b["test_metric"] <= 1 for b in summary["baselines"])
    rows = RunStore.default().list_runs(group=summary["group"])
    assert sorted(r.kind for r in rows) == ["baseline", "baseline"]


def test_race_prints_each_variant_and_how_it_ran(capsys):
    args = ["race", *TINY, "--vary", "train.lr=0.003,0.03", "--json"]
    assert run_cli(args) == 0
    out, summary = last_json(capsys)
    assert summary["vectorised"] is True
    assert [v["variant"] for v in summary["variants"]] == ["lr=0.003", "lr=0.03"]
    assert "one vectorised step" in out
    rows = RunStore.default().list_runs(group=summary["group"])
    assert sorted(r.name for r in rows) == ["lr=0.003", "lr=0.03"]
    assert run_cli([*args, "--separate", "--no-record"]) == 0
    _, separate = last_json(capsys)
    assert separate["vectorised"] is False
    for a, b in zip(summary["variants"], separate["variants"]):
        assert a["test_metric"] == pytest.approx(b["test_metric"], abs=1e-5)
