"""Project: data, model and training choices together, their cross-checks, the JSON
round trip and command-line overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from desktop_app.core.catalog import TABLE, TASKS, split_sizes
from desktop_app.core.errors import SpecError
from desktop_app.core.printable import quoted
from desktop_app.core.regular_file import read_regular
from desktop_app.core.specs.base import Spec
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.messages import batch_problem, format_validation_error, split_problem
from desktop_app.core.specs.model import ModelSpec
from desktop_app.core.specs.train import LOSSES_FOR_TASK, TrainSpec

FORMAT_VERSION = 1
MAX_PROJECT_BYTES = 10_000_000


class Project(Spec):
    """Everything needed to reproduce a run: data, model and training choices."""

    format_version: int = Field(FORMAT_VERSION, ge=1, le=1_000_000)
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
                f"{quoted(self.data.dataset)}; use one of: auto, {', '.join(LOSSES_FOR_TASK[task])}"
            )
        n_train, n_val, _ = split_sizes(
            self.data.total_samples, self.data.val_fraction, self.data.test_fraction
        )
        if self.data.dataset != TABLE:  # a table's rows are counted when it is loaded
            problem = batch_problem(self.train.batch_size, n_train)
            if problem:
                raise ValueError(problem)
        if self.train.batch_size < 2 and any(h.batch_norm for h in self.model.hidden):
            raise ValueError(
                "batch norm needs batches of at least 2 rows (it normalises over the "
                "batch); raise train.batch_size or turn batch norm off"
            )
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
        try:  # strict: a file's "10" is not the number 10, nor true the version 1
            return cls.model_validate(data, strict=True)
        except ValidationError as exc:
            raise SpecError(format_validation_error(exc, source)) from None
        except (OverflowError, RecursionError):  # a number too large for arithmetic
            raise SpecError(f"invalid {source}: a number in it is far too large") from None

    @classmethod
    def from_json(cls, text: str, source: str = "project") -> Project:
        try:
            data = json.loads(text.removeprefix("\ufeff"))  # Notepad's byte-order mark
        except json.JSONDecodeError as exc:
            raise SpecError(
                f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        except RecursionError:
            raise SpecError(f"{source} is not a project: its JSON is nested too deeply") from None
        except ValueError as exc:  # e.g. an integer of thousands of digits
            raise SpecError(f"{source} is not a valid project file ({str(exc)[:120]})") from None
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> Project:
        p = Path(path)
        try:
            raw = read_regular(p, MAX_PROJECT_BYTES)
            text = None if raw is None else raw.decode("utf-8-sig")
        except FileNotFoundError:
            raise SpecError(f"project file {p} does not exist") from None
        except IsADirectoryError:
            raise SpecError(f"{p} is a folder, not a project file") from None
        except UnicodeDecodeError:
            raise SpecError(f"{p} is not a text (UTF-8) project file") from None
        except OSError as exc:
            raise SpecError(f"cannot read project file {p}: {exc.strerror}") from None
        except ValueError:  # a NUL byte in the path
            raise SpecError(f"{quoted(str(p))} is not a usable file name") from None
        if text is None:
            raise SpecError(f"{p} is too large to be a project file (over 10 MB)")
        # A table path is relative to the project file's folder; in memory it is absolute.
        return cls.from_json(text, source=str(p)).with_table_path_resolved(p.parent)

    def with_overrides(self, assignments: list[str], option: str = "--set") -> Project:
        """Apply command-line `field.path=value` assignments and validate the result.

        option: the command-line option the messages name (a sweep's --param uses it)."""
        data = self.model_dump(mode="json")
        for item in assignments:
            if "=" not in item:
                raise SpecError(
                    f"{option} {quoted(item)}: expected field.path=value, e.g. train.lr=0.01"
                )
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
                    raise SpecError(
                        f"{option} {quoted(item)}: {path!r} is not a field of the project"
                    )
            last = keys[-1]
            if isinstance(target, list):
                if not (last.isdigit() and int(last) < len(target)):
                    raise SpecError(
                        f"{option} {quoted(item)}: {path!r} is not a field of the project"
                    )
                last = int(last)
            elif last not in target:
                raise SpecError(f"{option} {quoted(item)}: {path!r} is not a field of the project")
            try:
                value = json.loads(raw)
            except (ValueError, RecursionError):  # not JSON: the text itself
                value = raw
            target[last] = value
        return Project.from_dict(data, source="project")
