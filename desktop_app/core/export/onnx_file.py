"""A trained model -> one self-contained ONNX file that other tools run and Netron draws.

The graph takes rows in the training columns' own units (a table's categories one-hot
encoded, yes/no as 1/0: the metadata says how) and returns what Odyssey's Predict
shows: class probabilities (binary: two columns, P(first class) and P(second class)),
or the value in the target's units for regression. The standardisation, the output's
sigmoid/softmax and regression's un-scaling are part of the graph. The batch dimension
is dynamic (named "batch"). Weights are stored inside the file (no ``.onnx.data``).

Exported with torch.export (``torch.onnx.export(dynamo=True)``), saved to a scratch
file beside the target, checked with onnxruntime against Odyssey's own predictions
(onnx_check), and only then written to the target (persistence.atomic): a file that
does not match is never left behind. The exporters' console noise is kept out (quiet).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION
from desktop_app.core.errors import OdysseyError
from desktop_app.core.export.quiet import quiet
from desktop_app.core.persistence.atomic import write_bytes_atomic

if TYPE_CHECKING:  # pragma: no cover - torch stays off the startup path
    from torch import nn

    from desktop_app.core.persistence.model_file import LoadedModel
    from desktop_app.core.prepared import Preprocessing

ONNX_FORMAT = "odyssey-onnx"
ONNX_FORMAT_VERSION = 1
INPUT_NAME = "features"
OUTPUT_NAMES = {BINARY: "probabilities", MULTICLASS: "probabilities", REGRESSION: "value"}
TOLERANCE = 1e-5  # largest difference allowed between onnxruntime and PyTorch
MAX_ONNX_BYTES = 2**31 - 1  # protobuf's limit for one file with its weights inside

Progress = Callable[[float], None] | None


class ExportError(OdysseyError):
    """The model could not be exported (or its export did not check out)."""


@dataclass(frozen=True)
class OnnxReport:
    """What an export wrote and how it was checked."""

    path: Path
    file_bytes: int
    rows_checked: int
    rows_source: str  # "test rows", or what stood in for them
    max_difference: float
    tolerance: float
    input_name: str
    output_name: str
    n_features: int
    n_outputs: int

    def summary(self) -> str:
        return (
            f"wrote {self.path} ({self.file_bytes:,} bytes); checked with onnxruntime on "
            f"{self.rows_checked} {self.rows_source} and batches of 1 and 7 rows: max "
            f"difference from PyTorch {self.max_difference:.1e} (tolerance {self.tolerance:g})"
        )


def deployable(loaded: LoadedModel) -> nn.Module:
    """The network with its preprocessing and output head: raw rows in, answers out."""
    import copy

    import torch
    from torch import nn

    prep = loaded.preprocessing
    n = prep.n_features

    class Deployable(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = copy.deepcopy(loaded.model).eval()
            mean = prep.mean if prep.mean is not None else [0.0] * n
            scale = prep.scale if prep.scale is not None else [1.0] * n
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
            self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
            self.standardize = prep.mean is not None
            self.task = prep.task
            self.target_mean = float(prep.target_mean)
            self.target_scale = float(prep.target_scale)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.standardize:
                x = (x - self.mean) / self.scale
            out = self.network(x)
            if self.task == BINARY:
                p1 = torch.sigmoid(out)
                return torch.cat([1.0 - p1, p1], dim=1)
            if self.task == MULTICLASS:
                return torch.softmax(out, dim=1)
            return out * self.target_scale + self.target_mean

    return Deployable().eval()


def metadata(loaded: LoadedModel) -> dict[str, str]:
    """The file's metadata_props: what the input and output columns are, and how a
    table's raw columns become the inputs."""
    from desktop_app import __version__

    prep = loaded.preprocessing
    task = prep.task
    if task == REGRESSION:
        output = f"the predicted {prep.target_column or 'target'} in its own units"
    else:
        output = "one probability per class, in the order of class_names"
    meta = {
        "odyssey.format": ONNX_FORMAT,
        "odyssey.format_version": str(ONNX_FORMAT_VERSION),
        "odyssey.app_version": __version__,
        "project": loaded.project.name,
        "task": task,
        "input": INPUT_NAME,
        "output": OUTPUT_NAMES[task],
        "output_description": output,
        "feature_names": json.dumps(list(prep.feature_names)),
        "class_names": json.dumps(list(prep.class_names)),
        "input_description": (
            f"float32 rows of {prep.n_features} values in the order of feature_names, in "
            "the training data's own units (standardisation is inside the graph)"
        ),
    }
    if prep.raw_columns is not None:
        meta["encoding"] = json.dumps(encoding(prep))
        meta["input_description"] += "; a table's columns encoded as 'encoding' says"
    return meta


def encoding(prep: Preprocessing) -> dict:
    """How each original column of a table becomes inputs (the same rules as Predict)."""
    cols = []
    j = 0
    for rc in prep.raw_columns or []:
        width = len(rc.categories) if rc.kind == "categorical" else 1
        entry = {"column": rc.name, "kind": rc.kind, "inputs": list(range(j, j + width))}
        if rc.kind == "categorical":
            entry["categories"] = list(rc.categories)
            entry["rule"] = "one input per category: 1 for the row's category, else 0"
        elif rc.kind == "boolean":
            entry["rule"] = "1 for true/yes, 0 for false/no"
        else:
            entry["rule"] = "the number itself"
        entry["fill"] = rc.fill  # an empty cell's value; null: rows with gaps were dropped
        cols.append(entry)
        j += width
    return {
        "columns": cols,
        "target": prep.target_column,
        "unseen_category": "all of its column's inputs 0",
        "missing": prep.missing,
    }


def export_onnx(loaded: LoadedModel, path: str | Path, progress: Progress = None) -> OnnxReport:
    """Export, check with onnxruntime, then write `path` (atomically). Raises
    ExportError naming what went wrong; nothing is written then."""
    from desktop_app.core.export.onnx_check import check_onnx, verification_rows

    target = Path(path)
    if target.suffix.lower() != ".onnx":
        target = target.with_name(target.name + ".onnx")
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {target}: the folder {folder} does not exist")
    _tick(progress, 0.05)
    program = _export_program(loaded)
    _tick(progress, 0.6)
    for key, value in metadata(loaded).items():
        program.model.metadata_props[key] = value
    program.model.doc_string = (
        f"Odyssey model '{loaded.project.name}' ({loaded.preprocessing.task}); see its "
        "metadata_props for the inputs, outputs and encoding"
    )
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _save(program, tmp)
        _tick(progress, 0.75)
        rows, source = verification_rows(loaded)
        diff = check_onnx(loaded, tmp, rows)
        _tick(progress, 0.95)
        if not diff <= TOLERANCE:
            raise ExportError(
                f"the exported model's outputs differ from PyTorch's by up to {diff:.3g} "
                f"(more than {TOLERANCE:g}), so no file was written; please report this model"
            )
        data = tmp.read_bytes()
        write_bytes_atomic(target, data)  # the usual permissions, flushed, then in place
        size = len(data)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
        _remove_external_data(tmp)
    _tick(progress, 1.0)
    prep = loaded.preprocessing
    return OnnxReport(
        path=target,
        file_bytes=size,
        rows_checked=len(rows),
        rows_source=source,
        max_difference=float(diff),
        tolerance=TOLERANCE,
        input_name=INPUT_NAME,
        output_name=OUTPUT_NAMES[prep.task],
        n_features=prep.n_features,
        n_outputs=len(prep.class_names) if prep.task != REGRESSION else 1,
    )


def _export_program(loaded: LoadedModel):
    """torch.export -> an ONNXProgram with a dynamic batch dimension."""
    with quiet() as captured:
        import torch

        module = deployable(loaded)
        example = torch.zeros(4, loaded.preprocessing.n_features)  # >1 row: not specialised
        batch = torch.export.Dim("batch", min=1)
        try:
            return torch.onnx.export(
                module,
                (example,),
                dynamo=True,
                dynamic_shapes=({0: batch},),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAMES[loaded.preprocessing.task]],
                external_data=False,
                optimize=True,
                verbose=False,
            )
        except Exception as exc:  # noqa: BLE001 - the exporter's error types vary by version
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            detail = captured.getvalue().strip().splitlines()[-1:] or [""]
            raise ExportError(
                f"the ONNX exporter could not convert this model ({first}{detail[0][:200]})"
            ) from None


def _save(program, tmp: Path) -> None:
    """Write with every tensor inline (no .onnx.data file beside it)."""
    n_bytes = sum(
        int(v.const_value.nbytes)
        for v in program.model.graph.initializers.values()
        if v.const_value is not None
    )
    if n_bytes >= MAX_ONNX_BYTES:
        raise ExportError(
            f"the network's weights take {n_bytes / 2**30:.1f} GiB, over the 2 GiB an ONNX "
            "file can hold with its weights inside; export a smaller network"
        )
    with quiet():
        program.save(str(tmp), external_data=False)


def _remove_external_data(tmp: Path) -> None:
    for stray in (tmp.with_name(tmp.name + ".data"), tmp.with_suffix(".data")):
        stray.unlink(missing_ok=True)


def _tick(progress: Progress, fraction: float) -> None:
    if progress is not None:
        progress(fraction)
