"""The new summary metrics (per-class table, balanced accuracy, areas under the curves)
are kept in the model file, printed by `odyssey info` and `odyssey train`, and a file
written before they existed still loads and prints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from desktop_app.cli.main import run_cli
from desktop_app.core.engine import Trainer
from desktop_app.core.evaluation import predict_prepared
from desktop_app.core.metrics import PER_CLASS
from desktop_app.core.persistence.model_file import load_model, save_model
from desktop_app.core.specs.project import Project

OLD_FILE = Path(__file__).parent / "fixtures" / "main_2_epochs.safetensors"


@pytest.fixture(scope="module")
def iris_file(tmp_path_factory):
    project = Project().with_overrides(
        ["data.dataset=iris", "train.device=cpu", "train.epochs=20", "train.early_stopping=false"]
    )
    trainer = Trainer(project)
    trainer.fit()
    path = tmp_path_factory.mktemp("iris") / "iris.safetensors"
    save_model(path, trainer)
    return path, trainer


def test_model_file_keeps_the_per_class_table_and_aucs(iris_file):
    path, trainer = iris_file
    d = trainer.data
    proba = predict_prepared(trainer.model, d.task, d.x_test, "cpu")
    pred = proba.argmax(1)
    m = load_model(path).test_metrics
    report = skm.classification_report(d.y_test, pred, output_dict=True, zero_division=0)
    for i in range(3):
        assert m["class_precision"][i] == pytest.approx(report[str(i)]["precision"])
        assert m["class_recall"][i] == pytest.approx(report[str(i)]["recall"])
        assert m["class_f1"][i] == pytest.approx(report[str(i)]["f1-score"])
        assert m["class_support"][i] == report[str(i)]["support"]
        assert m["class_roc_auc"][i] == pytest.approx(
            skm.roc_auc_score(d.y_test == i, proba[:, i]), abs=1e-6
        )
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(d.y_test, pred))
    assert m["roc_auc"] == pytest.approx(
        skm.roc_auc_score(d.y_test, proba, multi_class="ovr"), abs=1e-6
    )
    assert set(PER_CLASS) <= set(m)


def test_odyssey_info_prints_the_per_class_table(iris_file, capsys):
    path, trainer = iris_file
    m = trainer.result.test_metrics
    assert run_cli(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"balanced_accuracy {m['balanced_accuracy']:.4f}" in out
    assert f"average_precision {m['average_precision']:.4f}" in out
    assert "per class (test split" in out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("  ")}
    assert lines["class"] == [
        "class",
        "precision",
        "recall",
        "F1",
        "support",
        "ROC",
        "AUC",
        "PR",
        "AUC",
    ]
    for i, name in enumerate(["setosa", "versicolor", "virginica"]):
        cells = lines[name]
        assert float(cells[1]) == pytest.approx(m["class_precision"][i], abs=5e-5)
        assert float(cells[3]) == pytest.approx(m["class_f1"][i], abs=5e-5)
        assert int(cells[4]) == m["class_support"][i]
        assert float(cells[5]) == pytest.approx(m["class_roc_auc"][i], abs=5e-5)
    assert run_cli(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["test_metrics"]["class_support"] == m["class_support"]


def test_a_file_without_the_new_metrics_still_loads_and_prints(capsys):
    loaded = load_model(OLD_FILE)
    assert "class_f1" not in loaded.test_metrics and "accuracy" in loaded.test_metrics
    assert run_cli(["info", str(OLD_FILE)]) == 0
    out = capsys.readouterr().out
    assert f"accuracy {loaded.test_metrics['accuracy']:.4f}" in out
    assert "per class" not in out


def test_regression_metrics_have_no_per_class_table(capsys, tmp_path):
    project = Project().with_overrides(
        ["data.dataset=sine", "data.n_samples=200", "train.epochs=2", "train.device=cpu"]
    )
    trainer = Trainer(project)
    trainer.fit()
    assert not set(PER_CLASS) & set(trainer.result.test_metrics)
    path = tmp_path / "sine.safetensors"
    save_model(path, trainer)
    assert run_cli(["info", str(path)]) == 0
    assert "per class" not in capsys.readouterr().out
    assert np.isfinite(trainer.result.test_metrics["rmse"])
