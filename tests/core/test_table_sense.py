"""Data sense on an imported table: a copy of the target under another name, an
identifier and a mostly-empty column are left out by default (with the reason and the
fix), rows dropped and class imbalance are said, and the loss can weight classes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from desktop_app.core.specs.project import Project
from desktop_app.core.tabular.reader import preview_table
from desktop_app.core.tabular.sense import assess
from desktop_app.core.training_parts import make_loss


def sensible_csv(path, n: int = 300, seed: int = 0, minority: float = 0.5):
    """x1, x2 (noisy evidence), 'id' counting up, 'sparse' three-quarters empty, 'outcome'
    the target spelled yes/no, 'y' the 0/1 target (share `minority` of ones)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = (x1 + 0.8 * rng.normal(size=n) > np.quantile(x1, 1 - minority)).astype(int)
    lines = ["id,x1,x2,sparse,outcome,y"]
    for i in range(n):
        sparse = f"{rng.normal():.3f}" if i % 4 == 0 else ""
        lines.append(
            f"{1000 + i},{x1[i]:.4f},{x2[i]:.4f},{sparse},{'yes' if y[i] else 'no'},{y[i]}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_copy_identifier_and_mostly_empty_columns_are_left_out_with_reasons(tmp_path):
    preview = preview_table(sensible_csv(tmp_path / "t.csv"))
    sense = assess(preview, "y")
    kinds = {f.column: f.kind for f in sense.findings if f.leave_out}
    assert kinds == {"outcome": "leak", "id": "identifier", "sparse": "empty"}
    leak = next(f for f in sense.findings if f.kind == "leak")
    assert "'outcome' alone predicts the target 'y' 100% right" in leak.text
    assert "75% empty" in next(f.text for f in sense.findings if f.kind == "empty")
    # The real evidence is kept; with the user's own features nothing is left out.
    assert "x1" not in sense.left_out and "x2" not in sense.left_out
    assert assess(preview, "y", features=["x1", "outcome"]).left_out == ["outcome"]


def test_an_honest_strong_feature_is_not_called_leakage(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(size=400)
    y = (x + 0.5 * rng.normal(size=400) > 0).astype(int)  # about 80% from x alone
    path = tmp_path / "honest.csv"
    path.write_text(
        "x,z,y\n" + "".join(f"{a:.4f},{i % 5},{b}\n" for i, (a, b) in enumerate(zip(x, y)))
    )
    assert assess(preview_table(path), "y").findings == []


def test_a_numeric_target_and_its_rescaled_copy(tmp_path):
    rng = np.random.default_rng(4)
    price = rng.uniform(10, 100, size=200)
    path = tmp_path / "price.csv"
    path.write_text(
        "size,euros,price\n"
        + "".join(f"{p / 3 + 3 * rng.normal():.3f},{p * 0.92:.2f},{p:.2f}\n" for p in price)
    )
    sense = assess(preview_table(path), "price")
    assert sense.left_out == ["euros"] and "correlation 1.000" in sense.findings[0].text


def test_drops_and_imbalance_are_said_with_their_fix(tmp_path):
    path = sensible_csv(tmp_path / "t.csv", minority=0.08)
    preview = preview_table(path)
    sense = assess(preview, "y")
    imbalance = sense.of_kind("imbalance")
    assert len(imbalance) == 1 and "weight the loss by class" in imbalance[0].text
    share = int(imbalance[0].text.split("(0 ")[1].split("%")[0])
    assert 85 <= share <= 97  # the common class's share, as measured
    assert not sense.of_kind("drops")  # the mostly-empty column is left out instead
    kept = assess(preview, "y", features=["x1", "sparse"])
    assert "would drop 75% of the rows" in kept.of_kind("drops")[0].text
    assert not assess(preview, "y", "median", features=["x1", "sparse"]).of_kind("drops")


def test_balanced_class_weight_weights_the_rare_class_in_the_loss():
    y = np.array([0] * 90 + [1] * 10)
    binary = Project().with_overrides(["data.dataset=moons", "train.class_weight=balanced"])
    loss = make_loss(binary, y)
    assert float(loss.pos_weight) == pytest.approx(9.0)
    multi = Project().with_overrides(
        ["data.dataset=blobs", "data.n_classes=3", "train.class_weight=balanced"]
    )
    weights = make_loss(multi, np.array([0] * 60 + [1] * 30 + [2] * 10), 3).weight
    assert torch.allclose(weights, torch.tensor([100 / 180, 100 / 90, 100 / 30]))
    assert make_loss(Project().with_overrides(["data.dataset=moons"]), y).pos_weight is None


def test_cli_leaves_out_and_keeps_columns_and_trains_weighted(tmp_path, capsys):
    from desktop_app.cli.main import run_cli

    path = sensible_csv(tmp_path / "t.csv", minority=0.05)
    fast = ["--set", "train.epochs=2", "--quiet", "--json"]
    args = ["train", "--data", str(path), "--target", "y", *fast]
    assert run_cli(args) == 0
    err = capsys.readouterr().err
    assert "'outcome' alone predicts the target 'y'" in err and "--keep outcome" in err
    assert "'id' looks like an identifier" in err and "--keep id" in err
    assert "'sparse' is 75% empty" in err and "--keep sparse" in err
    assert "--set train.class_weight=balanced" in err
    assert "dropped 2" not in err and "rows with empty feature cells" not in err  # none lost

    model = tmp_path / "m.safetensors"
    keep = [*args, "--keep", "outcome", "--set", "train.class_weight=balanced"]
    assert run_cli([*keep, "--save", str(model)]) == 0
    err = capsys.readouterr().err
    assert "--keep outcome" not in err and "class_weight" not in err
    from desktop_app.core.persistence.model_file import load_model

    loaded = load_model(model)
    assert [c.name for c in loaded.preprocessing.raw_columns] == ["x1", "x2", "outcome"]
    assert loaded.project.train.class_weight == "balanced"
    assert run_cli([*args, "--keep", "nope"]) == 2
    assert "--keep 'nope'" in capsys.readouterr().err


def test_cli_table_project_gets_the_notes_and_the_feature_list_to_set(tmp_path, capsys):
    from desktop_app.cli.main import run_cli
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.core.tabular.prepare import table_project

    sensible_csv(tmp_path / "t.csv")
    project = table_project(TableSpec(path="t.csv", target="y", missing="median"))
    (tmp_path / "p.json").write_text(project.with_overrides(["train.epochs=1"]).to_json())
    assert run_cli(["train", str(tmp_path / "p.json"), "--quiet", "--json"]) == 0
    err = capsys.readouterr().err
    assert "'outcome' alone predicts the target 'y'" in err
    assert """--set 'data.table.features=["x1", "x2"]'""" in err
