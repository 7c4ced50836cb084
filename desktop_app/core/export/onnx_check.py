"""The check every ONNX export passes: onnxruntime on real rows gives what Odyssey's own
prediction (PyTorch, core.predict) gives, within the tolerance, for the whole set of
rows at once and for batches of 1 and 7 rows (the batch dimension is dynamic).

The rows are the model's test rows, re-prepared from its project (in the training
columns' units); when they cannot be had (the table moved, a dataset too large to
regenerate quickly), rows drawn around the training data's means and spreads stand in,
and the report says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from desktop_app.core.catalog import REGRESSION
from desktop_app.core.errors import OdysseyError

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.persistence.model_file import LoadedModel

MAX_ROWS = 1000  # rows checked at most
MAX_REGENERATE = 200_000  # larger datasets and tables are not regenerated or re-read
SAMPLED_ROWS = 256


def verification_rows(loaded: LoadedModel) -> tuple[np.ndarray, str]:
    """(rows, what they are): raw float32 rows in the model's feature order."""
    from desktop_app.core.prepared import same_preprocessing

    prep, spec = loaded.preprocessing, loaded.project.data
    data = None
    if spec.total_samples <= MAX_REGENERATE:  # a table's rows as counted at its last load
        try:
            from desktop_app.core.data import prepare

            data = prepare(spec)
        except (OdysseyError, OSError, ValueError, MemoryError):
            data = None
    if data is not None and same_preprocessing(data.prep, prep):
        for x, name in ((data.x_test, "test rows"), (data.x_val, "validation rows")):
            if len(x):
                return _raw_units(prep, x[:MAX_ROWS]), name
    rng = np.random.default_rng(0)
    n = prep.n_features
    mean = prep.mean if prep.mean is not None else np.zeros(n, np.float32)
    scale = prep.scale if prep.scale is not None else np.ones(n, np.float32)
    rows = rng.normal(size=(SAMPLED_ROWS, n)).astype(np.float32) * scale + mean
    return rows.astype(
        np.float32
    ), "rows drawn around the training data (its test rows were not at hand)"


def _raw_units(prep, x: np.ndarray) -> np.ndarray:
    """Standardised rows back in the training columns' units."""
    x = np.asarray(x, dtype=np.float32)
    if prep.mean is not None and prep.scale is not None:
        x = x * prep.scale + prep.mean
    return np.ascontiguousarray(x, dtype=np.float32)


def reference_outputs(loaded: LoadedModel, rows: np.ndarray) -> np.ndarray:
    """What Odyssey's Predict gives for these rows, shaped as the ONNX output."""
    from desktop_app.core.predict import predict_rows

    result = predict_rows(loaded, rows)
    if loaded.preprocessing.task == REGRESSION:
        return np.asarray(result.values, dtype=np.float64).reshape(-1, 1)
    return np.asarray(result.probabilities, dtype=np.float64)


def run_onnx(path: str | Path, rows: np.ndarray) -> np.ndarray:
    """The ONNX file's outputs on rows (onnxruntime, CPU)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: no console noise
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    out = session.run(None, {name: np.ascontiguousarray(rows, dtype=np.float32)})[0]
    return np.asarray(out, dtype=np.float64)


def differences(ours: np.ndarray, theirs: np.ndarray, task: str) -> np.ndarray:
    """Per-value differences in tolerance units: absolute for probabilities; for
    regression values relative to the value where it exceeds 1 (a float32 holds about
    7 digits, so 300.0 cannot agree to 1e-5 absolutely)."""
    diff = np.abs(np.asarray(ours, np.float64) - np.asarray(theirs, np.float64))
    if task == REGRESSION:
        diff = diff / np.maximum(1.0, np.abs(theirs))
    return diff


def check_onnx(loaded: LoadedModel, path: str | Path, rows: np.ndarray) -> float:
    """The largest difference between onnxruntime and PyTorch on rows, on 1 row and on
    7 rows (NaN, which fails every check, when the shapes differ)."""
    task = loaded.preprocessing.task
    worst = 0.0
    for part in (rows, rows[:1], np.resize(rows, (7, rows.shape[1])).astype(np.float32)):
        ref = reference_outputs(loaded, part)
        got = run_onnx(path, part)
        if got.shape != ref.shape:
            return float("nan")
        worst = max(worst, float(differences(got, ref, task).max(initial=0.0)))
    return worst
