"""The "use a model without Odyssey" snippet in README.md runs as written, in a process
that cannot import Odyssey, and predicts what Odyssey predicts."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.engine import Trainer
from desktop_app.core.persistence.model_file import load_model, save_model
from desktop_app.core.predict import predict_rows
from desktop_app.core.specs.project import Project

DOC = Path(__file__).resolve().parents[2] / "README.md"
ROWS = [[0.5, -0.2], [1.5, 0.3]]  # the rows the snippet predicts

PRELUDE = 'import sys\nsys.modules["desktop_app"] = None  # Odyssey is not installed here\n'
EPILOGUE = """
import json as _json
_probs = probabilities.tolist() if prep["task"] != "regression" else None
print("RESULT " + _json.dumps({"predicted": predicted, "probabilities": _probs}))
"""


def snippet() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- snippet:plain-pytorch -->\s*```python\n(.*?)```\s*<!-- /snippet -->", text, re.S
    )
    assert match, "README.md lost its plain-pytorch snippet markers"
    return match.group(1)


def test_snippet_uses_the_rows_this_test_checks():
    assert f"rows = torch.tensor({ROWS})" in snippet()


@pytest.mark.parametrize(
    "settings",
    [
        ["data.dataset=moons"],
        ["data.dataset=blobs", "data.n_classes=3"],
        ["data.dataset=regression", "data.n_features=2"],
        [
            "data.dataset=spiral",
            'model.hidden=[{"units": 8, "activation": "tanh", "batch_norm": true, '
            '"dropout": 0.2}, {"units": 6, "activation": "identity"}]',
        ],
    ],
    ids=["binary", "multiclass", "regression", "batchnorm-dropout"],
)
def test_snippet_runs_without_odyssey_and_agrees(tmp_path, settings):
    project = Project().with_overrides(
        [
            *settings,
            "data.n_samples=200",
            "train.epochs=2",
            "train.device=cpu",
            "train.batch_size=32",
        ]
    )
    trainer = Trainer(project)
    trainer.fit()
    save_model(tmp_path / "model.safetensors", trainer)
    code = PRELUDE + snippet() + EPILOGUE
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    got = json.loads(line.removeprefix("RESULT "))
    expected = predict_rows(load_model(tmp_path / "model.safetensors"), np.array(ROWS))
    if expected.task == "regression":
        np.testing.assert_allclose(got["predicted"], expected.values, rtol=1e-5, atol=1e-5)
        return
    assert got["predicted"] == expected.names
    probs = np.asarray(got["probabilities"])
    if expected.task == "binary":
        np.testing.assert_array_equal(probs, expected.probabilities[:, 1].astype(np.float32))
    else:
        np.testing.assert_array_equal(probs, expected.probabilities.astype(np.float32))
