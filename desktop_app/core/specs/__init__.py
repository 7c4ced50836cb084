"""The user's choices as validated data: DataSpec, ModelSpec, TrainSpec and Project.

The GUI edits a Project, the command line reads one from JSON, a saved model embeds one.
Validation failures raise SpecError with one message naming each bad field, the value
given and what is allowed.

The package, one concern a module: base (the common base class), table (TableSpec), data
(DataSpec), model (ModelSpec, LayerSpec), train (TrainSpec), project (Project and its JSON
round trip) and messages (validation errors as messages). Import from here.
"""

from __future__ import annotations

from desktop_app.core.specs.base import _Spec
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.messages import (
    batch_problem,
    format_validation_error,
    split_problem,
    validation_message,
)
from desktop_app.core.specs.model import (
    ACTIVATIONS,
    Activation,
    LayerSpec,
    ModelSpec,
    count_parameters,
    output_activation,
)
from desktop_app.core.specs.project import FORMAT_VERSION, Project
from desktop_app.core.specs.table import DELIMITERS, ColumnType, MissingPolicy, TableSpec, TableTask
from desktop_app.core.specs.train import (
    DEFAULT_LOSS,
    LOSSES,
    LOSSES_FOR_TASK,
    OPTIMIZERS,
    SCHEDULES,
    LossName,
    Monitor,
    OptimizerName,
    ScheduleName,
    TrainSpec,
)

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "ColumnType",
    "DEFAULT_LOSS",
    "DELIMITERS",
    "DataSpec",
    "FORMAT_VERSION",
    "LOSSES",
    "LOSSES_FOR_TASK",
    "LayerSpec",
    "LossName",
    "MissingPolicy",
    "ModelSpec",
    "Monitor",
    "OPTIMIZERS",
    "OptimizerName",
    "Project",
    "SCHEDULES",
    "ScheduleName",
    "TableSpec",
    "TableTask",
    "TrainSpec",
    "_Spec",
    "batch_problem",
    "count_parameters",
    "format_validation_error",
    "output_activation",
    "split_problem",
    "validation_message",
]
