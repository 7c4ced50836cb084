"""The user's choices as validated data: DataSpec, ModelSpec, TrainSpec and Project.

The GUI edits a Project, the command line reads one from JSON, a saved model embeds one.
Validation failures raise SpecError with one message naming each bad field, the value
given and what is allowed.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path, PurePath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from desktop_app.core.catalog import (
    BINARY,
    CATALOG,
    MULTICLASS,
    REGRESSION,
    TABLE,
    TABLE_INFO,
    TASKS,
    split_sizes,
)
from desktop_app.core.errors import SpecError

FORMAT_VERSION = 1

Activation = Literal["relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "identity"]
LossName = Literal["auto", "bce", "cross_entropy", "mse", "mae", "huber"]
OptimizerName = Literal["sgd", "adam", "adamw", "rmsprop", "adagrad"]
ScheduleName = Literal[
    "constant", "step", "multistep", "exponential", "cosine", "onecycle", "plateau"
]
Monitor = Literal["val_loss", "val_metric"]

ACTIVATIONS: tuple[str, ...] = Activation.__args__  # type: ignore[attr-defined]
LOSSES: tuple[str, ...] = LossName.__args__  # type: ignore[attr-defined]
OPTIMIZERS: tuple[str, ...] = OptimizerName.__args__  # type: ignore[attr-defined]
SCHEDULES: tuple[str, ...] = ScheduleName.__args__  # type: ignore[attr-defined]

LOSSES_FOR_TASK = {
    BINARY: ("bce",),
    MULTICLASS: ("cross_entropy",),
    REGRESSION: ("mse", "mae", "huber"),
}
DEFAULT_LOSS = {BINARY: "bce", MULTICLASS: "cross_entropy", REGRESSION: "mse"}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


ColumnType = Literal["numeric", "categorical", "boolean"]
TableTask = Literal["auto", "binary", "multiclass", "regression"]
MissingPolicy = Literal["drop", "mean", "median", "most_frequent"]
DELIMITERS = (",", ";", "\t", "|")


class TableSpec(_Spec):
    """A user's own table (CSV/TSV) and the choices made when importing it.

    `path` is absolute in memory once a project is loaded; project files store it relative
    to the project's folder where possible (see relative_to / resolved). None for
    delimiter, encoding or header means "detect"; the loader records what it found,
    together with the file's content hash and a summary (rows, inputs, classes, task),
    so that a project validates without reading the file and a changed file is noticed.
    """

    path: str = Field(..., min_length=1, description="The table file.")
    delimiter: Literal[",", ";", "\t", "|"] | None = Field(
        None, description="Field separator; empty: detect."
    )
    encoding: str | None = Field(None, description="Text encoding; empty: detect.")
    header: bool | None = Field(None, description="First row holds column names; empty: detect.")
    target: str = Field(..., min_length=1, description="The column to predict.")
    features: list[str] | None = Field(
        None, description="Input columns; empty: every usable column but the target."
    )
    column_types: dict[str, ColumnType] = Field(
        default_factory=dict, description="Column kinds that override detection."
    )
    task: TableTask = Field("auto", description="auto: inferred from the target column.")
    missing: MissingPolicy = Field("drop", description="Rows with gaps: drop them, or fill.")
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="Content hash recorded at import."
    )
    # Recorded by the loader (a summary of the content the hash describes).
    n_rows: int | None = Field(None, ge=0, description="Usable rows at the last load.")
    n_inputs: int | None = Field(None, ge=0, description="Model inputs after encoding.")
    n_classes: int | None = Field(None, ge=0, description="Target classes (0: regression).")
    inferred_task: Literal["binary", "multiclass", "regression"] | None = None

    @model_validator(mode="after")
    def _check(self) -> TableSpec:
        if self.encoding is not None:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise ValueError(
                    f"encoding {self.encoding!r} is unknown; use e.g. utf-8, cp1252 or latin-1"
                ) from None
        if self.features is not None:
            if not self.features:
                raise ValueError("features is empty; name at least one column, or leave it empty")
            if self.target in self.features:
                raise ValueError(
                    f"the target column {self.target!r} is also listed as a feature; "
                    "remove it from features"
                )
            dup = sorted({f for f in self.features if self.features.count(f) > 1})
            if dup:
                raise ValueError(f"features lists {', '.join(map(repr, dup))} more than once")
        return self

    @property
    def resolved_task(self) -> str | None:
        """The task to train: the user's choice, else the one recorded at the last load."""
        return self.task if self.task != "auto" else self.inferred_task

    def resolved(self, base_dir: str | Path | None) -> Path:
        """The file's location; a relative path is taken from base_dir (else the cwd)."""
        p = Path(self.path).expanduser()
        if not p.is_absolute() and base_dir is not None:
            p = Path(base_dir) / p
        return p

    def with_path_resolved(self, base_dir: str | Path | None) -> TableSpec:
        path = os.path.normpath(self.resolved(base_dir).absolute())
        return self.model_copy(update={"path": path})

    def with_path_relative_to(self, folder: str | Path) -> TableSpec:
        """The same spec with its path relative to `folder` where possible (the form a
        project file stores, so project and table can move together)."""
        p = Path(self.path).expanduser()
        if not p.is_absolute():
            return self
        try:
            rel = os.path.relpath(p, Path(folder).absolute())
        except ValueError:  # another drive (Windows): keep it absolute
            return self
        return self.model_copy(update={"path": PurePath(rel).as_posix()})


class DataSpec(_Spec):
    """Which data, how much of it, and how it is split."""

    dataset: str = Field("classification", description="A catalog name, e.g. moons or iris.")
    n_samples: int = Field(1000, gt=0, le=10_000_000, description="Samples to generate.")
    noise: float | None = Field(
        None, ge=0, le=100, description="Noise level; empty for the dataset's default."
    )
    n_features: int | None = Field(None, gt=0, le=10_000, description="Input features.")
    n_informative: int | None = Field(None, gt=0, le=10_000)
    n_classes: int | None = Field(None, ge=2, le=1000)
    seed: int = Field(42, ge=0, le=2**32 - 1, description="Seeds generation and the split.")
    val_fraction: float = Field(0.1, ge=0, lt=1, description="Share held out for validation.")
    test_fraction: float = Field(0.2, ge=0, lt=1, description="Share held out for testing.")
    standardize: bool = Field(True, description="Standardise features (fit on training split).")
    table: TableSpec | None = Field(None, description='The imported table (dataset "table").')

    @model_validator(mode="after")
    def _check(self) -> DataSpec:
        if self.dataset == TABLE:
            if self.table is None:
                raise ValueError(
                    'dataset "table" needs a table (data.table: path, target, ...); '
                    "import a file, or choose a catalog dataset"
                )
        elif self.table is not None:
            raise ValueError(
                f"data.table is set but dataset is {self.dataset!r}; set dataset to "
                '"table" to train on the table, or remove data.table'
            )
        info = CATALOG.get(self.dataset)
        if info is None and self.dataset != TABLE:
            raise ValueError(
                f"dataset {self.dataset!r} is unknown; choose one of: {', '.join(CATALOG)}"
            )
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError(
                f"validation ({self.val_fraction:g}) and test ({self.test_fraction:g}) shares "
                "add up to 1 or more, which leaves no training data; lower them"
            )
        if self.dataset == TABLE:
            return self  # row counts are checked when the file is loaded (check_table_rows)
        problem = split_problem(self.total_samples, self.val_fraction, self.test_fraction)
        if problem:
            raise ValueError(problem)
        if self.dataset == "classification":
            nf, ni, nc = self.features, self.informative, self.classes
            if ni > nf:
                raise ValueError(f"n_informative ({ni}) cannot exceed n_features ({nf})")
            if nc * 2 > 2**ni:
                need = max(1, (nc * 2 - 1).bit_length())
                raise ValueError(
                    f"{ni} informative features cannot separate {nc} classes "
                    f"(make_classification needs 2^n_informative ≥ 2 × classes); "
                    f"set n_informative to at least {need}"
                )
        if self.dataset == "regression" and self.informative > self.features:
            raise ValueError(
                f"n_informative ({self.informative}) cannot exceed n_features ({self.features})"
            )
        if self.dataset == "friedman1" and self.features < 5:
            raise ValueError(f"friedman1 needs at least 5 features, got {self.features}")
        return self

    # Effective values, with the catalog's defaults filled in.
    # A table's values are those recorded at its last load (0 / "auto" before any load).
    @property
    def info(self):
        return TABLE_INFO if self.dataset == TABLE else CATALOG[self.dataset]

    @property
    def total_samples(self) -> int:
        if self.table is not None:
            return self.table.n_rows or 0
        info = CATALOG[self.dataset]
        return info.n_samples if info.n_samples is not None else self.n_samples

    @property
    def features(self) -> int:
        if self.table is not None:
            return self.table.n_inputs or 0
        info = CATALOG[self.dataset]
        if info.kind == "real" or "n_features" not in info.params:
            return int(info.n_features or 1)
        return self.n_features if self.n_features is not None else int(info.n_features or 2)

    @property
    def informative(self) -> int:
        if self.n_informative is not None:
            return self.n_informative
        if self.dataset == "regression":
            return self.features
        return min(2, self.features)

    @property
    def classes(self) -> int:
        if self.table is not None:
            return self.table.n_classes or 0
        info = CATALOG[self.dataset]
        if info.task == REGRESSION:
            return 0
        if info.kind == "real" or "n_classes" not in info.params:
            return int(info.n_classes or 2)
        return self.n_classes if self.n_classes is not None else int(info.n_classes or 2)

    @property
    def noise_level(self) -> float:
        if self.table is not None:
            return 0.0
        return self.noise if self.noise is not None else float(CATALOG[self.dataset].noise or 0)

    @property
    def task(self) -> str:
        """binary, multiclass or regression; "auto" for a table whose task is inferred
        and that was never loaded (core.tabular.load_project_data resolves it)."""
        if self.table is not None:
            return self.table.resolved_task or "auto"
        info = CATALOG[self.dataset]
        if info.task == REGRESSION:
            return REGRESSION
        return BINARY if self.classes == 2 else MULTICLASS


class LayerSpec(_Spec):
    """One hidden layer: a fully connected layer, then its activation."""

    units: int = Field(10, gt=0, le=1_000_000, description="Neurons in the layer.")
    activation: Activation = "relu"
    dropout: float = Field(0.0, ge=0, lt=1, description="Share of units dropped in training.")
    batch_norm: bool = False


class ModelSpec(_Spec):
    """A multi-layer perceptron; input and output sizes follow from the data and task."""

    hidden: list[LayerSpec] = Field(default_factory=lambda: [LayerSpec(units=10)])


def count_parameters(spec: ModelSpec, n_inputs: int, n_outputs: int) -> int:
    """Trainable parameters of the MLP a ModelSpec describes, without building it (and
    without importing torch, so the GUI can show it live)."""
    total, width = 0, n_inputs
    for layer in spec.hidden:
        total += width * layer.units + layer.units
        if layer.batch_norm:
            total += 2 * layer.units
        width = layer.units
    return total + width * n_outputs + n_outputs


def output_activation(task: str) -> str:
    """What turns the network's last layer into an answer for this task."""
    return {BINARY: "sigmoid", MULTICLASS: "softmax", REGRESSION: "linear"}[task]


class TrainSpec(_Spec):
    """How the network learns."""

    loss: LossName = "auto"
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    huber_delta: float = Field(1.0, gt=0)
    optimizer: OptimizerName = "adam"
    lr: float = Field(0.01, gt=0, le=100, description="Learning rate.")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD and RMSprop momentum.")
    nesterov: bool = False
    beta1: float = Field(0.9, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    l1: float = Field(0.0, ge=0, description="L1 penalty on the weights.")
    schedule: ScheduleName = "constant"
    step_size: int = Field(10, gt=0, description="Epochs between drops (step schedule).")
    milestones: list[int] = Field(default_factory=lambda: [30, 60])
    gamma: float = Field(0.1, gt=0, le=1, description="Factor applied at each drop.")
    min_lr: float = Field(0.0, ge=0, description="Floor for cosine and plateau schedules.")
    plateau_patience: int = Field(5, ge=0)
    batch_size: int = Field(64, gt=0, le=10_000_000)
    epochs: int = Field(100, gt=0, le=1_000_000, description="Maximum epochs.")
    early_stopping: bool = True
    monitor: Monitor = "val_loss"
    patience: int = Field(10, ge=0, le=1_000_000)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True
    grad_clip: float | None = Field(None, gt=0, description="Max gradient norm; empty: none.")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    device: str = Field("auto", description="auto, cpu, cuda, cuda:N or mps.")
    threads: int | None = Field(None, gt=0, le=1024, description="CPU threads; empty: auto.")

    @model_validator(mode="after")
    def _check(self) -> TrainSpec:
        if self.nesterov and self.optimizer == "sgd" and self.momentum == 0:
            raise ValueError("Nesterov momentum needs a momentum above 0")
        if any(m <= 0 for m in self.milestones) or self.milestones != sorted(self.milestones):
            raise ValueError(
                f"milestones {self.milestones} must be positive epochs in increasing order"
            )
        return self

    def resolved_loss(self, task: str) -> str:
        if task not in DEFAULT_LOSS:  # "auto": a table that was never loaded
            raise SpecError(
                "the task of this table project is not known until its file is read; "
                "load it first (core.tabular.load_project_data, as the app and CLI do)"
            )
        return DEFAULT_LOSS[task] if self.loss == "auto" else self.loss


class Project(_Spec):
    """Everything needed to reproduce a run: data, model and training choices."""

    format_version: int = FORMAT_VERSION
    name: str = Field("Classic first example", max_length=200)
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    train: TrainSpec = Field(default_factory=TrainSpec)

    @model_validator(mode="after")
    def _check(self) -> Project:
        if self.format_version > FORMAT_VERSION:
            raise ValueError(
                f"this project was written by a newer Odyssey (format {self.format_version}; "
                f"this version reads up to {FORMAT_VERSION}); update Odyssey to open it"
            )
        task = self.data.task
        loss = self.train.loss
        if loss != "auto" and task in TASKS and loss not in LOSSES_FOR_TASK[task]:
            raise ValueError(
                f"train.loss {loss!r} does not fit the {task} task of dataset "
                f"{self.data.dataset!r}; use one of: auto, {', '.join(LOSSES_FOR_TASK[task])}"
            )
        if self.train.monitor == "val_metric" and self.train.early_stopping:
            pass  # metric exists for every task (accuracy or R²)
        n_train, n_val, _ = split_sizes(
            self.data.total_samples, self.data.val_fraction, self.data.test_fraction
        )
        if self.data.dataset != TABLE:  # a table's rows are counted when it is loaded
            problem = batch_problem(self.train.batch_size, n_train)
            if problem:
                raise ValueError(problem)
        if self.train.early_stopping and self.data.val_fraction == 0:
            raise ValueError(
                "early stopping watches the validation split, which is empty; set "
                "data.val_fraction above 0 or turn early stopping off"
            )
        return self

    @property
    def task(self) -> str:
        return self.data.task

    @property
    def loss(self) -> str:
        return self.train.resolved_loss(self.task)

    def check_table_rows(self, n_rows: int, task: str) -> None:
        """The checks validation leaves to load time for a table (it cannot count rows
        without reading the file); the same messages as for catalog datasets."""
        d = self.data
        problems = [split_problem(n_rows, d.val_fraction, d.test_fraction)]
        n_train = split_sizes(n_rows, d.val_fraction, d.test_fraction)[0]
        problems.append(batch_problem(self.train.batch_size, n_train))
        loss = self.train.loss
        if loss != "auto" and loss not in LOSSES_FOR_TASK[task]:
            problems.append(
                f"train.loss {loss!r} does not fit the {task} task of the table's target "
                f"column; use one of: auto, {', '.join(LOSSES_FOR_TASK[task])}"
            )
        problems = [p for p in problems if p]
        if problems:
            raise SpecError("invalid project: " + "; ".join(problems))

    def with_table_path_resolved(self, base_dir: str | Path | None) -> Project:
        """A copy whose table path is absolute (relative ones are taken from base_dir)."""
        if self.data.table is None:
            return self
        table = self.data.table.with_path_resolved(base_dir)
        return self.model_copy(update={"data": self.data.model_copy(update={"table": table})})

    def with_table_path_relative_to(self, folder: str | Path) -> Project:
        """A copy whose table path is relative to `folder` where possible (for saving)."""
        if self.data.table is None:
            return self
        table = self.data.table.with_path_relative_to(folder)
        return self.model_copy(update={"data": self.data.model_copy(update={"table": table})})

    # --- JSON round trip -----------------------------------------------------------
    def to_json(self, path: str | Path | None = None) -> str:
        """The project as JSON; given the file it goes to, a table path is stored
        relative to that file's folder where possible."""
        project = self if path is None else self.with_table_path_relative_to(Path(path).parent)
        return json.dumps(project.model_dump(mode="json"), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any, source: str = "project") -> Project:
        if not isinstance(data, dict):
            raise SpecError(f"{source}: expected a JSON object, got {type(data).__name__}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SpecError(format_validation_error(exc, source)) from None

    @classmethod
    def from_json(cls, text: str, source: str = "project") -> Project:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> Project:
        p = Path(path)
        try:
            if p.stat().st_size > 10_000_000:
                raise SpecError(f"{p} is too large to be a project file (over 10 MB)")
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SpecError(f"project file {p} does not exist") from None
        except IsADirectoryError:
            raise SpecError(f"{p} is a folder, not a project file") from None
        except UnicodeDecodeError:
            raise SpecError(f"{p} is not a text (UTF-8) project file") from None
        except OSError as exc:
            raise SpecError(f"cannot read project file {p}: {exc.strerror}") from None
        # A table path is relative to the project file's folder; in memory it is absolute.
        return cls.from_json(text, source=str(p)).with_table_path_resolved(p.parent)

    def with_overrides(self, assignments: list[str]) -> Project:
        """Apply command-line `field.path=value` assignments and validate the result."""
        data = self.model_dump(mode="json")
        for item in assignments:
            if "=" not in item:
                raise SpecError(f"--set {item!r}: expected field.path=value, e.g. train.lr=0.01")
            path, raw = item.split("=", 1)
            keys = path.strip().split(".")
            target = data
            for k in keys[:-1]:
                if isinstance(target, list) and k.isdigit() and int(k) < len(target):
                    target = target[int(k)]
                elif (
                    isinstance(target, dict) and k in target and isinstance(target[k], dict | list)
                ):
                    target = target[k]
                else:
                    raise SpecError(f"--set {item!r}: {path!r} is not a field of the project")
            last = keys[-1]
            if isinstance(target, list):
                if not (last.isdigit() and int(last) < len(target)):
                    raise SpecError(f"--set {item!r}: {path!r} is not a field of the project")
                last = int(last)
            elif last not in target:
                raise SpecError(f"--set {item!r}: {path!r} is not a field of the project")
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = raw
            target[last] = value
        return Project.from_dict(data, source="project")


def split_problem(n_total: int, val_fraction: float, test_fraction: float) -> str | None:
    n_train, _, _ = split_sizes(n_total, val_fraction, test_fraction)
    if n_train < 2:
        return (
            f"the split leaves {n_train} training samples out of {n_total}; "
            "use more samples or smaller validation/test shares"
        )
    return None


def batch_problem(batch_size: int, n_train: int) -> str | None:
    if batch_size > n_train:
        return (
            f"train.batch_size {batch_size} is larger than the training set "
            f"({n_train} samples); choose at most {n_train}"
        )
    return None


def format_validation_error(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] == "extra_forbidden":
            lines.append(f"{loc}: unknown setting (check its spelling)")
            continue
        if err["type"] == "missing":
            lines.append(f"{loc}: required setting is missing")
            continue
        given = err.get("input")
        if isinstance(given, dict | list) or err["type"] == "value_error":
            lines.append(f"{loc}: {msg}" if loc else msg)
        else:
            lines.append(f"{loc} = {given!r}: {msg}" if loc else msg)
    return f"invalid {source}: " + "; ".join(lines)


def validation_message(exc: ValidationError) -> str:
    """The message for a ValidationError raised by assigning one field (GUI use)."""
    return format_validation_error(exc, "value").removeprefix("invalid value: ")
