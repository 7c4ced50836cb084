"""Files users keep: project files (JSON) and model files (safetensors). No pickle.

API (what the GUI and the command line use):

- ``save_project(project, path)``: write a project as JSON (atomic).
- ``load_project(path) -> Project``: a project file, or the project inside a
  ``.safetensors`` model file.
- ``save_model(path, source)``: ``source`` is a Trainer after ``fit()`` (or after a
  failure or a stop), or a ``LoadedModel``. Writes weights, project, preprocessing,
  history, test metrics and the state needed to continue training (atomic).
- ``load_model(path) -> LoadedModel``: the validated contents; ``.model`` is rebuilt
  from the project's spec on the CPU, in eval mode. Continue training with
  ``engine.Trainer.from_checkpoint(loaded)``; predict with ``core.predict``.
- ``file_summary(path) -> dict``: what a model or project file holds (``odyssey info``).

Every write goes to a temporary file in the same folder, is flushed to disk, then
replaces the target with os.replace, so a crash or a full disk leaves the previous file
intact. Every read treats the file as untrusted: each problem (missing, a folder,
empty, truncated, garbage, a header claiming gigabytes, a newer format, missing, extra
or misshapen tensors, an invalid project, damaged training state) raises
FileFormatError naming the file and the problem, before anything is built from it.
Nothing in a file is executed: the header is JSON, tensors are raw numbers.
The file format, field by field, is in docs/FORMATS.md.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import FileFormatError, OdysseyError, SpecError

if TYPE_CHECKING:  # pragma: no cover - torch stays off the startup path
    import torch
    from torch import nn

    from desktop_app.core.callbacks import History
    from desktop_app.core.data import Preprocessing
    from desktop_app.core.specs import Project

MODEL_FORMAT = "odyssey-model"
MODEL_FORMAT_VERSION = 1
MAX_HEADER_BYTES = 100_000_000  # the limit the safetensors library itself enforces
MAX_COUNT = 10**15  # epochs and steps; anything larger is damage, not training

# version v -> function turning format-v metadata sections into format v+1 ones.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

_DTYPE_BYTES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2,
    "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip
_SECTIONS = ("project", "preprocessing", "history", "test_metrics")
HISTORY_TENSORS = ("history.steps", "history.batch_loss", "history.batch_lr", "history.epochs")


# ----------------------------------------------------------------------------- writes
def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OdysseyError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OdysseyError(f"cannot write {path}: {exc.strerror}") from None


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def save_project(project: Project, path: str | Path) -> None:
    write_text_atomic(path, project.to_json())


def load_project(path: str | Path) -> Project:
    """The project in a project file, or the one embedded in a .safetensors model file."""
    from desktop_app.core.specs import Project

    p = Path(path)
    if p.suffix.lower() == ".safetensors":
        _, metadata, _ = _read_header(p)
        return _project_from(p, _sections(p, metadata))
    try:
        return Project.load(p)
    except SpecError as exc:
        raise FileFormatError(str(exc)) from None


# ----------------------------------------------------------------------------- contents
@dataclass
class ResumeState:
    """What continuing training needs beyond the weights (all tensors on the CPU)."""

    epoch: int  # epochs completed
    global_step: int
    stop_reason: str
    best_epoch: int | None
    restored_epoch: int | None
    optimizer: dict  # a torch optimizer state_dict
    scheduler: dict | None  # entries of the LR scheduler's state_dict
    early_stopping: dict | None  # {"best", "best_epoch", "wait"}
    early_stopping_best: dict[str, torch.Tensor] | None  # its best weights
    last_weights: dict[str, torch.Tensor] | None  # None: same as the model's weights
    rng_torch: torch.Tensor  # torch's global CPU generator (dropout)
    rng_shuffle: torch.Tensor  # the generator that shuffles the training set
    rng_cuda: torch.Tensor | None = None


@dataclass
class LoadedModel:
    """A model file's contents, validated. ``model`` is on the CPU, in eval mode."""

    project: Project
    preprocessing: Preprocessing
    model: nn.Module
    history: History
    test_metrics: dict
    resume: ResumeState | None = None
    app_version: str = ""
    format_version: int = MODEL_FORMAT_VERSION  # as written in the file
    path: Path | None = None

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def epochs_trained(self) -> int:
        return self.resume.epoch if self.resume is not None else len(self.history.epochs)


# ----------------------------------------------------------------------------- save
def save_model(path: str | Path, source: Any, *, include_resume: bool = True) -> None:
    """Write a Trainer's (or a LoadedModel's) model file atomically.

    include_resume=False leaves out the optimizer, schedule and RNG state: a smaller
    file that predicts but cannot continue training.
    """
    from safetensors.torch import save

    loaded = source if isinstance(source, LoadedModel) else snapshot(source)
    tensors, metadata = _encode(loaded, include_resume)
    write_bytes_atomic(path, save(tensors, metadata=metadata))


def snapshot(trainer: Any) -> LoadedModel:
    """A CPU copy of everything a Trainer would write to a model file."""
    import torch

    from desktop_app.core.engine import Status
    from desktop_app.core.model import build_model

    if trainer.model is None or trainer.data is None:
        raise OdysseyError("there is no trained model to save yet; train first")
    if trainer.status in (Status.RUNNING, Status.PAUSED, Status.STOPPING):
        raise OdysseyError("training is still running; stop it before saving the model")
    prep = trainer.data.prep
    weights = _cpu(trainer.model.state_dict())
    model = build_model(trainer.project.model, prep.n_features, prep.n_outputs)
    model.load_state_dict(weights)
    model.eval()
    es = trainer.early_stopping
    best = None
    if es is not None and es.best_state is not None:
        best = _cpu(es.best_state)
    last = _cpu(trainer.last_state) if trainer.last_state is not None else None
    opt = trainer.optimizer.state_dict()
    resume = ResumeState(
        epoch=int(trainer.epoch),
        global_step=int(trainer.global_step),
        stop_reason=str(trainer.stop_reason),
        best_epoch=trainer.best_epoch,
        restored_epoch=trainer.restored_epoch,
        optimizer={
            "state": {i: _cpu(s) for i, s in opt["state"].items()},
            "param_groups": copy.deepcopy(opt["param_groups"]),
        },
        scheduler=None if trainer.scheduler is None else dict(trainer.scheduler.state_dict()),
        early_stopping=None if es is None else es.state(),
        early_stopping_best=None if best is None or _same(best, weights) else best,
        last_weights=None if last is None or _same(last, weights) else last,
        rng_torch=(trainer.rng_state if trainer.rng_state is not None else torch.get_rng_state())
        .detach()
        .clone(),
        rng_shuffle=trainer.generator.get_state().clone(),
        rng_cuda=None if trainer.cuda_rng_state is None else trainer.cuda_rng_state.clone(),
    )
    if es is not None and best is not None and resume.early_stopping_best is None:
        resume.early_stopping = {**resume.early_stopping, "best_weights": "main"}
    result = getattr(trainer, "result", None)
    metrics = result.test_metrics if result is not None else trainer.checkpoint_test_metrics
    return LoadedModel(
        project=trainer.project,
        preprocessing=prep,
        model=model,
        history=copy_history(trainer.history),
        test_metrics=dict(metrics or {}),
        resume=resume,
        app_version=_app_version(),
    )


def _encode(m: LoadedModel, include_resume: bool) -> tuple[dict, dict[str, str]]:
    import numpy as np
    import torch

    from desktop_app.core.callbacks import EPOCH_KEYS

    tensors: dict[str, torch.Tensor] = _cpu(m.model.state_dict())
    h = m.history
    tensors["history.steps"] = torch.from_numpy(np.array(h.steps, dtype=np.int64))
    tensors["history.batch_loss"] = torch.from_numpy(np.array(h.batch_loss, dtype=np.float64))
    tensors["history.batch_lr"] = torch.from_numpy(np.array(h.batch_lr, dtype=np.float64))
    cols = np.stack([h.epoch_column(k) for k in EPOCH_KEYS], axis=1) if h.epochs else None
    tensors["history.epochs"] = torch.from_numpy(
        np.zeros((0, len(EPOCH_KEYS))) if cols is None else np.ascontiguousarray(cols)
    )
    metadata = {
        "format": MODEL_FORMAT,
        "format_version": str(MODEL_FORMAT_VERSION),
        "app_version": _app_version(),
        "torch_version": torch.__version__,
        "project": _dumps(m.project.model_dump(mode="json")),
        "preprocessing": _dumps(m.preprocessing.to_dict()),
        "history": _dumps(
            {
                "metric_name": h.metric_name,
                "epoch_columns": list(EPOCH_KEYS),
                "n_steps": int(h.n_steps),
                "n_epochs": len(h.epochs),
            }
        ),
        "test_metrics": _dumps(m.test_metrics),
    }
    r = m.resume
    if include_resume and r is not None:
        layout: dict[str, dict] = {}
        for i, state in r.optimizer["state"].items():
            entry = layout.setdefault(str(int(i)), {})
            for name, value in state.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optimizer.state.{int(i)}.{name}"] = _plain(value)
                    entry[name] = "tensor"
                else:
                    entry[name] = {"value": _tag(value)}
        for k, v in (r.last_weights or {}).items():
            tensors["resume.last." + k] = _plain(v)
        es = None
        if r.early_stopping is not None:
            es = {k: r.early_stopping.get(k) for k in ("best", "best_epoch", "wait")}
            es["best_weights"] = r.early_stopping.get("best_weights")
            if r.early_stopping_best is not None:
                es["best_weights"] = "separate"
                for k, v in r.early_stopping_best.items():
                    tensors["resume.best." + k] = _plain(v)
        tensors["rng.torch"] = _plain(r.rng_torch)
        tensors["rng.shuffle"] = _plain(r.rng_shuffle)
        if r.rng_cuda is not None:
            tensors["rng.cuda"] = _plain(r.rng_cuda)
        metadata["resume"] = _dumps(
            {
                "epoch": r.epoch,
                "global_step": r.global_step,
                "stop_reason": r.stop_reason,
                "best_epoch": r.best_epoch,
                "restored_epoch": r.restored_epoch,
                "last_weights": "separate" if r.last_weights is not None else "main",
                "optimizer": {
                    "param_groups": _tag(r.optimizer["param_groups"]),
                    "state": layout,
                },
                "scheduler": None if r.scheduler is None else _tag(r.scheduler),
                "early_stopping": None if es is None else _tag(es),
                "rng_cuda": r.rng_cuda is not None,
            }
        )
    return tensors, metadata


# ----------------------------------------------------------------------------- load
def load_model(path: str | Path) -> LoadedModel:
    """Read, validate and rebuild a model file. Raises FileFormatError on any problem."""
    import torch

    from desktop_app.core.model import build_model

    p = Path(path)
    infos, metadata, _ = _read_header(p)
    sections = _sections(p, metadata)
    project = _project_from(p, sections)
    prep = _preprocessing_from(p, sections["preprocessing"], project)
    hist_meta = _history_meta(p, sections["history"])
    with torch.device("meta"):  # shapes only: a damaged spec cannot allocate gigabytes
        skeleton = build_model(project.model, prep.n_features, prep.n_outputs)
    model_shapes = {
        k: (tuple(v.shape), _dtype_name(v.dtype)) for k, v in skeleton.state_dict().items()
    }
    param_shapes = [tuple(q.shape) for q in skeleton.parameters()]
    expected: dict[str, tuple | None] = dict(model_shapes)
    expected["history.steps"] = ((hist_meta["n_steps"],), "I64")
    expected["history.batch_loss"] = ((hist_meta["n_steps"],), "F64")
    expected["history.batch_lr"] = ((hist_meta["n_steps"],), "F64")
    expected["history.epochs"] = ((hist_meta["n_epochs"], len(hist_meta["epoch_columns"])), "F64")
    resume_meta = None
    if "resume" in sections:
        resume_meta = _resume_meta(p, sections["resume"], project, param_shapes)
        expected.update(_resume_tensors(resume_meta, model_shapes, param_shapes, infos))
    _check_tensors(p, infos, expected)
    tensors = _read_tensors(p, list(infos))
    model = build_model(project.model, prep.n_features, prep.n_outputs)
    try:
        model.load_state_dict({k: tensors[k] for k in model_shapes}, strict=True)
    except RuntimeError as exc:  # pragma: no cover - names, shapes, dtypes checked above
        raise _fail(p, f"the weights do not fit the network ({exc})") from None
    model.eval()
    history = _history_from(p, hist_meta, tensors)
    metrics = _metrics_from(p, sections["test_metrics"])
    resume = None
    if resume_meta is not None:
        resume = _resume_from(p, resume_meta, tensors, model_shapes)
    return LoadedModel(
        project=project,
        preprocessing=prep,
        model=model,
        history=history,
        test_metrics=metrics,
        resume=resume,
        app_version=str(metadata.get("app_version", "")),
        format_version=int(metadata["format_version"]),
        path=p,
    )


def migrate(sections: dict, version: int) -> dict:
    """Bring metadata sections written by format `version` up to the current format."""
    for v in range(version, MODEL_FORMAT_VERSION):
        sections = MIGRATIONS[v](sections)
    return sections


def _fail(path: Path, problem: str) -> FileFormatError:
    return FileFormatError(f"cannot open model file {path}: {problem}")


def _read_header(p: Path) -> tuple[dict, dict, int]:
    """Tensor entries, metadata and file size, checked before anything is parsed further."""
    try:
        if p.is_dir():
            raise _fail(p, "it is a folder, not a model file")
        size = p.stat().st_size
        with open(p, "rb") as f:
            first = f.read(8)
            if size == 0:
                raise _fail(p, "the file is empty")
            if len(first) < 8:
                raise _fail(
                    p, f"the file is only {size} bytes long (truncated, or not a model file)"
                )
            n = int.from_bytes(first, "little")
            if n > MAX_HEADER_BYTES:
                raise _fail(
                    p,
                    f"its header claims {n:,} bytes, over the {MAX_HEADER_BYTES:,}-byte limit "
                    "(the file is damaged or not a safetensors model file)",
                )
            if 8 + n > size:
                raise _fail(
                    p,
                    f"the file is truncated or not a model file: its header needs {n:,} bytes "
                    f"but only {size - 8:,} follow",
                )
            raw = f.read(n)
    except FileNotFoundError:
        raise _fail(p, "the file does not exist") from None
    except OSError as exc:
        raise _fail(p, f"it cannot be read ({exc.strerror or exc})") from None
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _fail(p, "it is not a safetensors model file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise _fail(p, "it is not a safetensors model file (its header is not a JSON object)")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise _fail(p, "its metadata is not a table of text values")
    infos = {}
    spans = []
    for name, info in header.items():
        shape = info.get("shape") if isinstance(info, dict) else None
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        dtype = info.get("dtype") if isinstance(info, dict) else None
        if (
            dtype not in _DTYPE_BYTES
            or not _int_list(shape)
            or not _int_list(offsets)
            or len(offsets) != 2
            or offsets[0] > offsets[1]
        ):
            raise _fail(p, f"the header entry for tensor {name!r} is damaged")
        if math.prod(shape) * _DTYPE_BYTES[dtype] != offsets[1] - offsets[0]:
            raise _fail(p, f"tensor {name!r}: its size does not match its shape")
        infos[name] = (tuple(shape), dtype)
        spans.append(tuple(offsets))
    spans.sort()
    data_len = size - 8 - n
    end = 0
    for a, b in spans:
        if a != end:
            raise _fail(p, "the tensor data is damaged (tensors overlap or leave gaps)")
        end = b
    if end > data_len:
        raise _fail(
            p, f"the file is truncated: the tensors need {end:,} bytes, it holds {data_len:,}"
        )
    if end < data_len:
        raise _fail(p, f"{data_len - end:,} unexpected bytes follow the tensor data")
    return infos, metadata, size


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _int_list(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v
    )


def _sections(p: Path, metadata: dict[str, str]) -> dict:
    fmt = metadata.get("format")
    if fmt is None:
        raise _fail(
            p,
            "it holds no Odyssey metadata (a safetensors file from another program, "
            "not an Odyssey model)",
        )
    if fmt != MODEL_FORMAT:
        raise _fail(p, f"it is a {fmt[:60]!r} file, not an Odyssey model ({MODEL_FORMAT!r})")
    raw = metadata.get("format_version", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise _fail(p, f"its format_version {raw[:20]!r} is not a version number")
    version = int(raw)
    if version > MODEL_FORMAT_VERSION:
        app = metadata.get("app_version", "?")[:40]
        raise _fail(
            p,
            f"it was written by a newer Odyssey ({app}, model format {version}); this "
            f"version reads model formats up to {MODEL_FORMAT_VERSION}: update Odyssey to open it",
        )
    if version < 1 or (version < MODEL_FORMAT_VERSION and version not in MIGRATIONS):
        raise _fail(p, f"model format {version} is not one Odyssey ever wrote")
    sections = {}
    for key in (*_SECTIONS, "resume"):
        if key not in metadata:
            if key == "resume":
                continue
            raise _fail(p, f"its metadata has no {key!r} entry")
        try:
            value = json.loads(metadata[key], parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise _fail(p, f"its {key!r} metadata is not valid JSON") from None
        if not isinstance(value, dict):
            raise _fail(p, f"its {key!r} metadata is not a JSON object")
        sections[key] = value
    try:
        return migrate(sections, version)
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(p, f"cannot upgrade model format {version}: {exc}") from None


def _project_from(p: Path, sections: dict) -> Project:
    from desktop_app.core.specs import Project

    try:
        return Project.from_dict(sections["project"], source="project")
    except SpecError as exc:
        raise _fail(p, f"the project inside is not valid ({exc})") from None


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    return _is_num(v) and math.isfinite(v)


def _preprocessing_from(p: Path, d: dict, project: Project) -> Preprocessing:
    from desktop_app.core.catalog import BINARY, REGRESSION, TASKS
    from desktop_app.core.data import Preprocessing

    def bad(what: str) -> FileFormatError:
        return _fail(p, f"its preprocessing is damaged ({what})")

    task = d.get("task")
    if task not in TASKS or (project.task != "auto" and task != project.task):
        raise bad(f"task {str(task)[:40]!r} does not match the project's {project.task!r}")
    names, classes = d.get("feature_names"), d.get("class_names", [])
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise bad("feature_names must be a non-empty list of names")
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise bad("class_names must be a list of names")
    if task == REGRESSION and classes:
        raise bad("a regression model has no class names")
    if task != REGRESSION and (len(classes) < 2 or (task == BINARY and len(classes) != 2)):
        raise bad(f"{len(classes)} class names for a {task} task")
    mean, scale = d.get("mean"), d.get("scale")
    if (mean is None) != (scale is None):
        raise bad("mean and scale must both be given or both be empty")
    for key, values in (("mean", mean), ("scale", scale)):
        if values is not None and (
            not isinstance(values, list)
            or len(values) != len(names)
            or not all(_finite(v) for v in values)
        ):
            raise bad(f"{key} must hold one finite number per feature ({len(names)})")
    if scale is not None and not all(v > 0 for v in scale):
        raise bad("scale values must be positive")
    tm, ts = d.get("target_mean", 0.0), d.get("target_scale", 1.0)
    if not _finite(tm) or not _finite(ts) or ts <= 0:
        raise bad("target_mean and target_scale must be finite, the scale positive")
    if d.get("raw") is not None:
        problem = _raw_problem(d["raw"], len(names))
        if problem:
            raise bad(problem)
    try:
        return Preprocessing.from_dict(d)
    except (KeyError, TypeError, ValueError, OdysseyError) as exc:
        raise bad(str(exc)[:200]) from None


def _raw_problem(raw: Any, n_features: int) -> str | None:
    """What is wrong with the description of an imported table's columns, if anything."""
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), list):
        return "raw columns must be a table with a list of columns"
    width = 0
    for c in raw["columns"]:
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            return "a raw column has no name"
        kind, cats, fill = c.get("kind"), c.get("categories", []), c.get("fill")
        if kind not in ("numeric", "boolean", "categorical"):
            return f"raw column {c['name'][:40]!r} has an unknown kind"
        if not isinstance(cats, list) or not all(isinstance(x, str) for x in cats):
            return f"raw column {c['name'][:40]!r}: categories must be names"
        if kind == "categorical" and (not cats or (fill is not None and str(fill) not in cats)):
            return f"raw column {c['name'][:40]!r}: no categories, or a fill outside them"
        if fill is not None and not (isinstance(fill, str) or _finite(fill)):
            return f"raw column {c['name'][:40]!r}: bad fill value"
        width += len(cats) if kind == "categorical" else 1
    if width != n_features:
        return f"its raw columns give {width} inputs but the model has {n_features}"
    if not all(raw.get(k) is None or isinstance(raw.get(k), str) for k in ("target", "missing")):
        return "raw target and missing policy must be text"
    return None


def _history_meta(p: Path, d: dict) -> dict:
    cols = d.get("epoch_columns")
    counts = (d.get("n_steps"), d.get("n_epochs"))
    if (
        not isinstance(d.get("metric_name"), str)
        or not isinstance(cols, list)
        or not all(isinstance(c, str) for c in cols)
        or not all(isinstance(c, int) and not isinstance(c, bool) for c in counts)
        or not all(0 <= c <= MAX_COUNT for c in counts)
    ):
        raise _fail(p, "its history description is damaged")
    return {"metric_name": d["metric_name"], "epoch_columns": cols, "n_steps": counts[0],
            "n_epochs": counts[1]}  # fmt: skip


def _history_from(p: Path, meta: dict, tensors: dict) -> History:
    from desktop_app.core.callbacks import EPOCH_KEYS, History

    h = History(metric_name=meta["metric_name"])
    h.add_block(
        tensors["history.steps"].numpy(),
        tensors["history.batch_loss"].numpy(),
        tensors["history.batch_lr"].numpy(),
    )
    table = tensors["history.epochs"].numpy()
    cols = meta["epoch_columns"]
    for row in table:
        rec: dict[str, Any] = {}
        for key in EPOCH_KEYS:
            v = float(row[cols.index(key)]) if key in cols else math.nan
            if math.isnan(v):
                rec[key] = None
            elif key in ("epoch", "step"):
                rec[key] = int(v) if math.isfinite(v) and v == int(v) else None
            else:
                rec[key] = v
        h.epochs.append(rec)
    return h


def _metrics_from(p: Path, d: dict) -> dict:
    def ok(v: Any, depth: int = 0) -> bool:
        if v is None or _is_num(v):
            return True
        return isinstance(v, list) and depth < 3 and all(ok(x, depth + 1) for x in v)

    for key, value in d.items():
        if not ok(value):
            raise _fail(p, f"its test metric {key[:40]!r} is not a number")
    return dict(d)


# ----------------------------------------------------------------------------- resume
def _fresh_optimizer(project: Project, n_params: int):
    """An optimizer and schedule built from the project on one-number stand-in
    parameters, stepped once: the state names and kinds a real one would hold."""
    import torch

    from desktop_app.core.catalog import split_sizes
    from desktop_app.core.engine import make_optimizer, make_scheduler

    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(n_params)]
    opt = make_optimizer(project, params, torch.device("cpu"))
    d, t = project.data, project.train
    n_train = split_sizes(d.total_samples, d.val_fraction, d.test_fraction)[0]
    sched, _ = make_scheduler(project, opt, max(1, math.ceil(n_train / t.batch_size)))
    groups = opt.state_dict()["param_groups"]  # before the step, as make_* leave them
    for q in params:
        q.grad = torch.zeros_like(q)
    opt.step()
    return opt, groups, sched


def _resume_meta(p: Path, d: dict, project: Project, param_shapes: list[tuple]) -> dict:
    def bad(what: str) -> FileFormatError:
        return _fail(p, f"its training state is damaged ({what})")

    def count(key: str, optional: bool = False) -> int | None:
        v = d.get(key)
        if v is None and optional:
            return None
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= MAX_COUNT:
            raise bad(f"{key} must be a whole number")
        return v

    out: dict[str, Any] = {
        "epoch": count("epoch"),
        "global_step": count("global_step"),
        "best_epoch": count("best_epoch", True),
        "restored_epoch": count("restored_epoch", True),
        "stop_reason": d.get("stop_reason"),
        "last_weights": d.get("last_weights"),
        "rng_cuda": d.get("rng_cuda"),
    }
    if not isinstance(out["stop_reason"], str) or len(out["stop_reason"]) > 40:
        raise bad("stop_reason")
    if out["last_weights"] not in ("main", "separate") or not isinstance(out["rng_cuda"], bool):
        raise bad("last_weights or rng_cuda")
    try:
        opt_meta = d.get("optimizer")
        if not isinstance(opt_meta, dict):
            raise ValueError("no optimizer entry")
        opt, fresh_groups, sched = _fresh_optimizer(project, len(param_shapes))
        groups = _untag(opt_meta.get("param_groups"))
        out["param_groups"] = _merge_groups(fresh_groups, groups)
        out["state_layout"] = _state_layout(opt, opt_meta.get("state"), param_shapes)
        out["scheduler"] = _merge_scheduler(sched, _untag(d.get("scheduler")))
        out["early_stopping"] = _early_stopping(_untag(d.get("early_stopping")))
    except (ValueError, TypeError) as exc:
        raise bad(str(exc)[:200]) from None
    return out


def _merge_groups(fresh: list[dict], saved: Any) -> list[dict]:
    """The saved optimizer hyperparameters, limited to keys (and kinds of value) that an
    optimizer built from the same project holds; keys a newer torch added keep theirs."""
    if not isinstance(saved, list) or len(saved) != len(fresh):
        raise ValueError("optimizer param_groups do not match the project's optimizer")
    merged = []
    for f, s in zip(fresh, saved):
        if not isinstance(s, dict) or s.get("params") != f["params"]:
            raise ValueError("optimizer param_groups do not match the network")
        group = dict(f)
        for key, value in s.items():
            if key in f and key != "params":
                if not _same_kind(f[key], value):
                    raise ValueError(f"optimizer setting {key!r} has the wrong kind of value")
                group[key] = value
        merged.append(group)
    return merged


def _state_layout(opt, saved: Any, param_shapes: list[tuple]) -> dict[int, dict]:
    """{param index: {state name: expected tensor shape, or ("value", v)}}."""
    if not isinstance(saved, dict):
        raise ValueError("no optimizer state")
    fresh = opt.state_dict()["state"]
    layout: dict[int, dict] = {}
    for key, entry in saved.items():
        if not (key.isascii() and key.isdigit() and int(key) < len(param_shapes)):
            raise ValueError(f"optimizer state for unknown parameter {key[:20]!r}")
        i = int(key)
        if not isinstance(entry, dict):
            raise ValueError(f"optimizer state {i} is not a table")
        if not entry:
            continue
        want = fresh.get(i, {})
        if set(entry) != set(want):
            raise ValueError(f"optimizer state {i} holds {sorted(entry)}, expected {sorted(want)}")
        spec = {}
        for name, kind in entry.items():
            import torch

            if isinstance(want[name], torch.Tensor):
                if kind != "tensor":
                    raise ValueError(f"optimizer state {i}.{name} must be a tensor")
                spec[name] = () if want[name].dim() == 0 else param_shapes[i]
            else:
                value = _untag(kind.get("value")) if isinstance(kind, dict) else kind
                if not isinstance(kind, dict) or not _same_kind(want[name], value):
                    raise ValueError(f"optimizer state {i}.{name} has the wrong kind of value")
                spec[name] = ("value", value)
        layout[i] = spec
    return layout


def _merge_scheduler(sched, saved: Any) -> dict | None:
    if sched is None:
        if saved is not None:
            raise ValueError("a schedule state, but the project's schedule is constant")
        return None
    if saved is None:
        return None  # resume restarts the schedule
    if not isinstance(saved, dict):
        raise ValueError("the schedule state is not a table")
    fresh = sched.state_dict()
    merged = {}
    for key, value in saved.items():
        if key in fresh:
            if not _same_kind(fresh[key], value):
                raise ValueError(f"schedule setting {key!r} has the wrong kind of value")
            merged[key] = value
    return merged


def _early_stopping(saved: Any) -> dict | None:
    if saved is None:
        return None
    if not isinstance(saved, dict):
        raise ValueError("the early-stopping state is not a table")
    best, best_epoch, wait = saved.get("best"), saved.get("best_epoch"), saved.get("wait")
    if not (best is None or _finite(best)):
        raise ValueError("early-stopping best value")
    for v in (best_epoch, wait):
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            raise ValueError("early-stopping counters")
    if wait is None or saved.get("best_weights") not in (None, "main", "separate"):
        raise ValueError("early-stopping state")
    return {"best": best, "best_epoch": best_epoch, "wait": wait,
            "best_weights": saved.get("best_weights")}  # fmt: skip


def _resume_tensors(meta: dict, model_shapes: dict, param_shapes: list, infos: dict) -> dict:
    expected: dict[str, tuple | None] = {}
    for i, spec in meta["state_layout"].items():
        for name, shape in spec.items():
            if not (isinstance(shape, tuple) and shape and shape[0] == "value"):
                expected[f"optimizer.state.{i}.{name}"] = (shape, "float")
    if meta["last_weights"] == "separate":
        expected.update({"resume.last." + k: v for k, v in model_shapes.items()})
    es = meta["early_stopping"]
    if es is not None and es["best_weights"] == "separate":
        expected.update({"resume.best." + k: v for k, v in model_shapes.items()})
    expected["rng.torch"] = (None, "U8")
    expected["rng.shuffle"] = (None, "U8")
    if meta["rng_cuda"]:
        expected["rng.cuda"] = (None, "U8")
    return expected


def _resume_from(p: Path, meta: dict, tensors: dict, model_shapes: dict) -> ResumeState:
    import torch

    for name in ("rng.torch", "rng.shuffle"):
        try:
            torch.Generator().set_state(tensors[name])
        except (RuntimeError, ValueError, TypeError):
            raise _fail(p, f"its random-number state {name!r} is damaged") from None
    state: dict[int, dict] = {}
    for i, spec in meta["state_layout"].items():
        state[i] = {
            name: shape[1]
            if isinstance(shape, tuple) and shape and shape[0] == "value"
            else tensors[f"optimizer.state.{i}.{name}"]
            for name, shape in spec.items()
        }
    es = meta["early_stopping"]

    def weights(prefix: str) -> dict:
        return {k: tensors[prefix + k] for k in model_shapes}

    return ResumeState(
        epoch=meta["epoch"],
        global_step=meta["global_step"],
        stop_reason=meta["stop_reason"],
        best_epoch=meta["best_epoch"],
        restored_epoch=meta["restored_epoch"],
        optimizer={"state": state, "param_groups": meta["param_groups"]},
        scheduler=meta["scheduler"],
        early_stopping=es,
        early_stopping_best=weights("resume.best.")
        if es is not None and es["best_weights"] == "separate"
        else None,
        last_weights=weights("resume.last.") if meta["last_weights"] == "separate" else None,
        rng_torch=tensors["rng.torch"],
        rng_shuffle=tensors["rng.shuffle"],
        rng_cuda=tensors.get("rng.cuda"),
    )


# ----------------------------------------------------------------------------- tensors
def _check_tensors(p: Path, infos: dict, expected: dict) -> None:
    missing = [k for k in expected if k not in infos]
    if missing:
        raise _fail(p, f"tensor {missing[0]!r} is missing" + _more(missing))
    extra = [k for k in infos if k not in expected]
    if extra:
        raise _fail(
            p, f"it holds tensor {extra[0][:80]!r}, which this model does not have" + _more(extra)
        )
    for name, (shape, dtype) in expected.items():
        got_shape, got_dtype = infos[name]
        if shape is None:  # a 1-D byte string (random-number state)
            if len(got_shape) != 1 or got_dtype != dtype:
                raise _fail(p, f"tensor {name!r} should be a 1-D {dtype} tensor")
            continue
        if got_shape != shape:
            what = "history" if name.startswith("history.") else "network"
            raise _fail(
                p,
                f"tensor {name!r} has shape {list(got_shape)}, but the {what} described "
                f"in the file needs {list(shape)}",
            )
        ok = got_dtype in ("F16", "BF16", "F32", "F64") if dtype == "float" else got_dtype == dtype
        if not ok:
            raise _fail(p, f"tensor {name!r} is stored as {got_dtype}, expected {dtype}")


def _more(names: list) -> str:
    return f" (and {len(names) - 1} more)" if len(names) > 1 else ""


def _read_tensors(p: Path, names: list[str]) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(p), framework="pt", device="cpu") as f:
            return {k: f.get_tensor(k) for k in names}
    except OSError as exc:
        raise _fail(p, f"it cannot be read ({exc.strerror or exc})") from None
    except Exception as exc:  # noqa: BLE001 - safetensors' own error types vary by version
        raise _fail(p, f"its tensor data cannot be read ({str(exc)[:200]})") from None


def _dtype_name(dtype) -> str:
    import torch

    return {
        torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
        torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8",
        torch.bool: "BOOL",
    }[dtype]  # fmt: skip


def _plain(t: torch.Tensor) -> torch.Tensor:
    return t.detach().to("cpu").contiguous().clone()


def _cpu(state: dict) -> dict:
    import torch

    return {k: _plain(v) if isinstance(v, torch.Tensor) else v for k, v in state.items()}


def _same(a: dict, b: dict) -> bool:
    import torch

    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def copy_history(h: History) -> History:
    from desktop_app.core.callbacks import History

    out = History(metric_name=h.metric_name)
    out.add_block(h.steps.copy(), h.batch_loss.copy(), h.batch_lr.copy())
    out.epochs = [dict(e) for e in h.epochs]
    return out


def _app_version() -> str:
    from desktop_app import __version__

    return __version__


# ----------------------------------------------------------------------------- JSON
def _dumps(obj: Any) -> str:
    return json.dumps(_finite_or_none(obj), allow_nan=False, separators=(",", ":"))


def _finite_or_none(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite_or_none(v) for v in obj]
    return obj


_TAGS = ("$float", "$tuple", "$counter", "$items")


def _tag(obj: Any) -> Any:
    """Python values torch keeps in optimizer and scheduler state -> strict JSON, keeping
    what plain JSON loses: tuples, non-finite floats, Counters and non-text keys."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else {"$float": repr(float(obj))}
    if isinstance(obj, Counter):
        return {"$counter": [[_tag(k), _tag(v)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"$tuple": [_tag(v) for v in obj]}
    if isinstance(obj, list):
        return [_tag(v) for v in obj]
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: _tag(v) for k, v in obj.items()}
        return {"$items": [[_tag(k), _tag(v)] for k, v in obj.items()]}
    raise TypeError(f"cannot store a {type(obj).__name__} in a model file")


def _untag(obj: Any, depth: int = 0) -> Any:
    if depth > 50:
        raise ValueError("nested too deeply")
    if isinstance(obj, list):
        return [_untag(v, depth + 1) for v in obj]
    if not isinstance(obj, dict):
        return obj
    tags = [k for k in obj if k.startswith("$")]
    if not tags:
        return {k: _untag(v, depth + 1) for k, v in obj.items()}
    if len(obj) != 1 or tags[0] not in _TAGS:
        raise ValueError(f"unknown tag {tags[0][:20]!r}")
    tag, value = tags[0], obj[tags[0]]
    if tag == "$float":
        if value not in ("inf", "-inf", "nan"):
            raise ValueError("bad $float")
        return float(value)
    if not isinstance(value, list):
        raise ValueError(f"bad {tag}")
    if tag == "$tuple":
        return tuple(_untag(v, depth + 1) for v in value)
    pairs = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"bad {tag}")
        k = _untag(pair[0], depth + 1)
        if not isinstance(k, str | int | float | tuple | type(None)) or (
            isinstance(k, tuple) and not all(isinstance(x, str | int | float) for x in k)
        ):
            raise ValueError(f"bad {tag} key")
        pairs.append((k, _untag(pair[1], depth + 1)))
    return Counter(dict(pairs)) if tag == "$counter" else dict(pairs)


def _same_kind(fresh: Any, saved: Any) -> bool:
    """Whether a value read from a file has the shape of the one torch would hold."""
    if isinstance(fresh, bool) or isinstance(saved, bool):
        return isinstance(fresh, bool) and isinstance(saved, bool)
    if _is_num(fresh):
        return _is_num(saved)
    if fresh is None or isinstance(fresh, str):
        return type(saved) is type(fresh)
    if isinstance(fresh, Counter):
        return isinstance(saved, Counter) and all(
            isinstance(k, int) and not isinstance(k, bool) and isinstance(v, int)
            for k, v in saved.items()
        )
    if isinstance(fresh, list | tuple):
        return (
            type(saved) is type(fresh)
            and len(saved) == len(fresh)
            and all(_same_kind(a, b) for a, b in zip(fresh, saved))
        )
    if isinstance(fresh, dict):
        return (
            isinstance(saved, dict)
            and saved.keys() == fresh.keys()
            and all(_same_kind(fresh[k], saved[k]) for k in fresh)
        )
    return False


# ----------------------------------------------------------------------------- info
def file_summary(path: str | Path) -> dict:
    """What a model or project file holds, for `odyssey info` and the GUI."""
    from desktop_app.core.specs import count_parameters

    p = Path(path)
    is_model = p.suffix.lower() == ".safetensors"
    if not is_model and p.suffix.lower() != ".json":
        try:
            with open(p, "rb") as f:
                is_model = not f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
        except OSError:
            pass  # load_project reports it
    if not is_model:
        project = load_project(p)
        d = project.data
        n_out = d.classes if d.task == "multiclass" else 1
        return {
            "kind": "project",
            "path": str(p),
            **_project_summary(project, d.features, n_out),
            "parameters": count_parameters(project.model, d.features, n_out),
        }
    m = load_model(p)
    prep = m.preprocessing
    return {
        "kind": "model",
        "path": str(p),
        "file_bytes": p.stat().st_size,
        **_project_summary(m.project, prep.n_features, prep.n_outputs),
        "parameters": m.n_parameters,
        "features": list(prep.feature_names),
        "classes": list(prep.class_names),
        "table": m.project.data.table.path if m.project.data.table is not None else None,
        "columns": [c.name for c in prep.raw_columns or []],
        "epochs_trained": m.epochs_trained,
        "steps_trained": m.resume.global_step if m.resume else int(m.history.n_steps),
        "best_epoch": m.resume.best_epoch if m.resume else None,
        "can_resume": m.resume is not None,
        "test_metrics": m.test_metrics,
        "format_version": m.format_version,
        "app_version": m.app_version,
    }


def _project_summary(project: Project, n_in: int, n_out: int) -> dict:
    t = project.train
    return {
        "name": project.name,
        "dataset": project.data.dataset,
        "task": project.task,
        "architecture": " → ".join(
            [str(n_in), *(f"{h.units} {h.activation}" for h in project.model.hidden), str(n_out)]
        ),
        "training": f"{t.optimizer} lr {t.lr:g}, loss {project.loss}, batch {t.batch_size}, "
        f"up to {t.epochs} epochs, schedule {t.schedule}, seed {t.seed}",
        "project_format_version": project.format_version,
    }
