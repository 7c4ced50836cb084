"""`odyssey lr-find`: the suggestion, its confidence and reason, the curve as a table and
a CSV, exit statuses, and the project file left as it was."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from desktop_app.cli.main import run_cli
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular.prepare import table_project


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(Project().with_overrides(["data.n_samples=400"]).to_json())
    return path


def test_it_prints_a_suggestion_with_confidence_reason_and_table_and_writes_a_csv(
    project_file, tmp_path, capsys
):
    before = project_file.read_text()
    out_csv = tmp_path / "curve.csv"
    assert run_cli(["lr-find", str(project_file), "--steps", "100", "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("suggested learning rate: "))
    rate = float(line.split()[3])
    assert 1e-5 < rate < 1.0
    assert "confidence: " in line and "why: " in out
    assert "Loss against learning rate" in out and "smoothed" in out
    assert f"odyssey train {project_file} --set train.lr={rate:g}" in out
    with out_csv.open() as f:
        rows = list(csv.DictReader(f))
    assert 20 <= len(rows) <= 100 and f"wrote {len(rows)} steps" in out
    lrs = np.array([float(r["learning_rate"]) for r in rows])
    assert lrs[0] == pytest.approx(1e-7) and np.all(np.diff(lrs) > 0)
    assert project_file.read_text() == before  # the test changes no file


def test_a_table_project_is_read_first(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [
        f"{a:.3f},{b:.3f},{int(a + b > 0)}" for a, b in rng.standard_normal((200, 2))
    ]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    project = table_project(TableSpec(path=str(tmp_path / "t.csv"), target="label"))
    path = tmp_path / "table.json"
    path.write_text(project.with_overrides(["train.batch_size=16"]).to_json())
    assert run_cli(["lr-find", str(path), "--steps", "60"]) == 0
    assert "suggested learning rate: " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--steps", "5"], "needs between 20 and"),
        (["missing.json"], "missing.json does not exist"),
        (["--csv", "/no/such/folder/x.csv"], "folder /no/such/folder does not exist"),
        (["--set", "train.lr=-1"], "train.lr = -1"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, fragment, capsys):
    code = run_cli(["lr-find", *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("odyssey: error:") and len(err.splitlines()) == 1
    assert fragment in err, err


def test_no_suggestion_exits_1_and_says_why(monkeypatch, capsys):
    import desktop_app.core.lr_find as lr_find
    from desktop_app.core.lr_curve import LOW, NON_FINITE, LrFindResult

    def never_finite(project, data, steps, progress):
        return LrFindResult(
            lrs=np.array([1e-7]),
            losses=np.array([np.inf]),
            smoothed=np.array([np.nan]),
            suggestion=None,
            confidence=LOW,
            reason="The loss was not a number even at the smallest rate",
            stop_reason=NON_FINITE,
            steps_planned=steps,
        )

    monkeypatch.setattr(lr_find, "find_learning_rate", never_finite)
    assert run_cli(["lr-find", "--set", "data.n_samples=200"]) == 1
    out = capsys.readouterr().out
    assert "No rate to suggest: The loss was not a number" in out
    assert "suggested learning rate" not in out
