"""Metrics for every output shape the engine produces, and a 2-class table trained as
multiclass (a softmax over two outputs with cross-entropy) from import to prediction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.metrics import classification_metrics
from desktop_app.core.tabular.raw_rows import transform_raw


def test_two_column_multiclass_output_gets_every_metric():
    y = np.array([0, 1, 1, 0, 1, 0])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7], [0.1, 0.9], [0.8, 0.2]])
    m = classification_metrics(y, proba, "multiclass", 2)
    assert m["accuracy"] == pytest.approx(5 / 6)
    assert m["confusion_matrix"] == [[2, 1], [0, 3]]
    # Same numbers as the binary form fed P(class 1).
    b = classification_metrics(y, proba[:, 1], "binary", 2)
    for key in ("accuracy", "precision", "recall", "f1", "log_loss", "roc_auc"):
        assert m[key] == pytest.approx(b[key]), key
    assert m["roc_auc"] == pytest.approx(8 / 9)


def test_single_class_test_split_has_no_auc():
    m = classification_metrics(
        np.array([1, 1]), np.array([[0.2, 0.8], [0.6, 0.4]]), "multiclass", 2
    )
    assert m["roc_auc"] is None and m["accuracy"] == pytest.approx(0.5)


def _two_class_table(path: Path, n: int = 120) -> Path:
    rng = np.random.default_rng(3)
    lines = ["a,b,label"]
    for _ in range(n):
        a, b = rng.normal(size=2)
        lines.append(f"{a:.4f},{b:.4f},{'yes' if a + b > 0 else 'no'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_two_class_target_chosen_multiclass_trains_softmax_end_to_end(tmp_path):
    from desktop_app.core.engine import Trainer
    from desktop_app.core.persistence.model_file import load_model, save_model
    from desktop_app.core.specs.train import TrainSpec
    from desktop_app.core.tabular.prepare import load_project_data, table_project
    from desktop_app.core.tabular.reader import preview_table

    path = _two_class_table(tmp_path / "two.csv")
    preview = preview_table(path)
    assert preview.infer_task("label") == "binary"  # auto stays binary
    spec = preview.make_spec("label", task="multiclass")
    train = TrainSpec(epochs=5, batch_size=16, early_stopping=False, lr=0.05)
    project = table_project(spec).model_copy(update={"train": train})
    project, data = load_project_data(project)
    assert project.task == "multiclass" and data.task == "multiclass"
    assert data.n_outputs == 2 and data.prep.class_names == ["no", "yes"]
    assert project.data.table.inferred_task == "multiclass"
    assert project.loss == "cross_entropy"

    trainer = Trainer(project, data=data)
    result = trainer.fit()
    assert trainer.model[-1].out_features == 2
    metrics = result.test_metrics
    assert metrics["accuracy"] > 0.8 and metrics["roc_auc"] > 0.8
    assert np.array(metrics["confusion_matrix"]).shape == (2, 2)

    save_model(tmp_path / "m.odyssey", trainer)
    loaded = load_model(tmp_path / "m.odyssey")
    assert loaded.project.task == "multiclass" and loaded.preprocessing.n_outputs == 2
    x = transform_raw(loaded.preprocessing, [{"a": 2.0, "b": 2.0}, {"a": -2.0, "b": -2.0}])
    import torch

    from desktop_app.core.model import predict_outputs

    proba = predict_outputs(loaded.model, torch.from_numpy(x), "multiclass").numpy()
    assert proba.shape == (2, 2) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert proba[0, 1] > 0.5 > proba[1, 1]  # "yes" for the first row, "no" for the second


def test_binary_choice_for_many_classes_is_still_refused(tmp_path):
    from desktop_app.core.errors import DataError
    from desktop_app.core.tabular.prepare import load_project_data, table_project
    from desktop_app.core.tabular.reader import preview_table

    path = tmp_path / "three.csv"
    path.write_text("a,c\n" + "".join(f"{i},{'xyz'[i % 3]}\n" for i in range(30)))
    spec = preview_table(path).make_spec("c", task="binary")
    with pytest.raises(DataError, match="binary task needs exactly 2"):
        load_project_data(table_project(spec))
