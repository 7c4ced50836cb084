"""TableSpec: a user's own table (CSV/TSV) and the choices made when importing it."""

from __future__ import annotations

import codecs
import os
from collections import Counter
from pathlib import Path, PurePath
from typing import Literal

from pydantic import Field, model_validator

from desktop_app.core.printable import quoted
from desktop_app.core.specs.base import Spec

ColumnType = Literal["numeric", "categorical", "boolean"]
TableTask = Literal["auto", "binary", "multiclass", "regression"]
MissingPolicy = Literal["drop", "mean", "median", "most_frequent"]
DELIMITERS = (",", ";", "\t", "|")
MAX_COUNT = 10**12  # rows, inputs or classes recorded at a load; more is damage


class TableSpec(Spec):
    """A user's own table (CSV/TSV) and the choices made when importing it.

    `path` is absolute in memory once a project is loaded; project files store it relative
    to the project's folder where possible (see with_path_relative_to / with_path_resolved). None for
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
    n_rows: int | None = Field(
        None, ge=0, le=MAX_COUNT, description="Usable rows at the last load."
    )
    n_inputs: int | None = Field(
        None, ge=0, le=MAX_COUNT, description="Model inputs after encoding."
    )
    n_classes: int | None = Field(
        None, ge=0, le=MAX_COUNT, description="Target classes (0: regression)."
    )
    inferred_task: Literal["binary", "multiclass", "regression"] | None = None

    @model_validator(mode="after")
    def _check(self) -> TableSpec:
        problem = _path_problem(self.path)
        if problem:
            raise ValueError(problem)
        if self.encoding is not None:
            try:  # codecs.lookup alone accepts rot13, base64, hex: not text encodings
                codecs.lookup(self.encoding)
                "".encode(self.encoding)
                b"".decode(self.encoding)
            except (LookupError, ValueError, TypeError):
                raise ValueError(
                    f"encoding {quoted(self.encoding)} is unknown or not a text encoding; "
                    "use e.g. utf-8, cp1252 or latin-1"
                ) from None
        if self.features is not None:
            if not self.features:
                raise ValueError("features is empty; name at least one column, or leave it empty")
            if self.target in self.features:
                raise ValueError(
                    f"the target column {quoted(self.target)} is also listed as a feature; "
                    "remove it from features"
                )
            dup = sorted(f for f, n in Counter(self.features).items() if n > 1)
            if dup:
                names = ", ".join(quoted(d) for d in dup[:5]) + (", …" if len(dup) > 5 else "")
                raise ValueError(f"features lists {names} more than once")
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


def _path_problem(path: str) -> str | None:
    """Why a table path cannot name a file, said at validation rather than as a
    traceback when the file is opened (os functions refuse a NUL byte; expanduser
    raises for a ~user that does not exist)."""
    if "\x00" in path:
        return f"the table path {quoted(path)} holds a NUL character; give the file's path"
    if path.startswith("~"):
        try:
            Path(path).expanduser()
        except RuntimeError:
            user = PurePath(path).parts[0]
            return (
                f"the table path {quoted(path)} starts with {quoted(user)}, but there is no "
                "such user's home folder; give the file's full path"
            )
    return None
