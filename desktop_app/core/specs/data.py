"""DataSpec: which data, how much of it and how it is split, with the catalog's defaults."""

from __future__ import annotations

from pydantic import Field, model_validator

from desktop_app.core.catalog import BINARY, CATALOG, MULTICLASS, REGRESSION, TABLE, TABLE_INFO
from desktop_app.core.printable import quoted
from desktop_app.core.specs.base import Spec
from desktop_app.core.specs.messages import split_problem
from desktop_app.core.specs.table import TableSpec


class DataSpec(Spec):
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
                f"data.table is set but dataset is {quoted(self.dataset)}; set dataset to "
                '"table" to train on the table, or remove data.table'
            )
        info = CATALOG.get(self.dataset)
        if info is None and self.dataset != TABLE:
            raise ValueError(
                f"dataset {quoted(self.dataset)} is unknown; choose one of: {', '.join(CATALOG)}"
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
        and that was never loaded (core.tabular.prepare.load_project_data resolves it)."""
        if self.table is not None:
            return self.table.resolved_task or "auto"
        info = CATALOG[self.dataset]
        if info.task == REGRESSION:
            return REGRESSION
        return BINARY if self.classes == 2 else MULTICLASS
