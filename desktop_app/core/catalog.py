"""What datasets exist, what task each poses and which parameters it takes.

Kept free of heavy imports (no scikit-learn, no torch) so that the GUI can list the
catalog and validate a project at startup; core.data does the actual loading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"
TASKS = (BINARY, MULTICLASS, REGRESSION)


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    description: str
    kind: str  # "synthetic" or "real"
    task: str  # for synthetic classification sets the class count may change it
    n_samples: int | None = None  # fixed size of a real set
    n_features: int | None = None  # fixed, or the default for synthetic sets
    n_classes: int | None = None  # fixed, or the default
    noise: float | None = None  # default noise
    params: tuple[str, ...] = field(default_factory=tuple)  # DataSpec fields it uses
    class_names: tuple[str, ...] = ()

    @property
    def synthetic(self) -> bool:
        return self.kind == "synthetic"


_SYN = ("n_samples", "noise", "seed")

CATALOG: dict[str, DatasetInfo] = {
    d.name: d
    for d in [
        DatasetInfo(
            "classification",
            "Classification (make_classification)",
            "Gaussian clusters on a hypercube, some features informative, some redundant, "
            "a few labels flipped: scikit-learn's make_classification.",
            "synthetic",
            BINARY,
            n_features=20,
            n_classes=2,
            noise=0.01,
            params=_SYN + ("n_features", "n_informative", "n_classes"),
        ),
        DatasetInfo(
            "moons",
            "Two moons",
            "Two interleaving half circles: not separable by a straight line.",
            "synthetic",
            BINARY,
            n_features=2,
            n_classes=2,
            noise=0.2,
            params=_SYN,
        ),
        DatasetInfo(
            "circles",
            "Circles",
            "A small circle inside a large one: needs a non-linear boundary.",
            "synthetic",
            BINARY,
            n_features=2,
            n_classes=2,
            noise=0.1,
            params=_SYN,
        ),
        DatasetInfo(
            "blobs",
            "Gaussian blobs",
            "Isotropic Gaussian clusters, one per class; noise is their standard deviation.",
            "synthetic",
            MULTICLASS,
            n_features=2,
            n_classes=3,
            noise=1.0,
            params=_SYN + ("n_features", "n_classes"),
        ),
        DatasetInfo(
            "spiral",
            "Spiral",
            "Interleaved spiral arms, one per class: a classic hard 2-D problem.",
            "synthetic",
            MULTICLASS,
            n_features=2,
            n_classes=3,
            noise=0.2,
            params=_SYN + ("n_classes",),
        ),
        DatasetInfo(
            "xor",
            "XOR",
            "Points in four quadrants labelled by the sign of x·y: the problem a single "
            "neuron cannot solve.",
            "synthetic",
            BINARY,
            n_features=2,
            n_classes=2,
            noise=0.1,
            params=_SYN,
        ),
        DatasetInfo(
            "regression",
            "Regression (make_regression)",
            "A random linear model with Gaussian noise: scikit-learn's make_regression.",
            "synthetic",
            REGRESSION,
            n_features=10,
            noise=10.0,
            params=_SYN + ("n_features", "n_informative"),
        ),
        DatasetInfo(
            "friedman1",
            "Friedman #1",
            "y = 10 sin(π x1 x2) + 20 (x3 − 0.5)² + 10 x4 + 5 x5 + noise; further features "
            "are irrelevant.",
            "synthetic",
            REGRESSION,
            n_features=10,
            noise=1.0,
            params=_SYN + ("n_features",),
        ),
        DatasetInfo(
            "sine",
            "Noisy sine (1-D)",
            "y = sin(x) plus Gaussian noise for x in [−3, 3]: watch a network bend a curve.",
            "synthetic",
            REGRESSION,
            n_features=1,
            noise=0.1,
            params=_SYN,
        ),
        DatasetInfo(
            "iris",
            "Iris",
            "150 iris flowers, 4 measurements, 3 species (Fisher, 1936).",
            "real",
            MULTICLASS,
            n_samples=150,
            n_features=4,
            n_classes=3,
            params=("seed",),
        ),
        DatasetInfo(
            "wine",
            "Wine",
            "178 wines, 13 chemical measurements, 3 cultivars.",
            "real",
            MULTICLASS,
            n_samples=178,
            n_features=13,
            n_classes=3,
            params=("seed",),
        ),
        DatasetInfo(
            "breast_cancer",
            "Breast cancer (Wisconsin)",
            "569 tumours, 30 features of cell nuclei, malignant or benign.",
            "real",
            BINARY,
            n_samples=569,
            n_features=30,
            n_classes=2,
            params=("seed",),
        ),
        DatasetInfo(
            "digits",
            "Digits (8×8)",
            "1,797 handwritten digits as 8×8 grey images, 10 classes.",
            "real",
            MULTICLASS,
            n_samples=1797,
            n_features=64,
            n_classes=10,
            params=("seed",),
        ),
        DatasetInfo(
            "diabetes",
            "Diabetes",
            "442 patients, 10 baseline measurements, disease progression after a year.",
            "real",
            REGRESSION,
            n_samples=442,
            n_features=10,
            params=("seed",),
        ),
    ]
}


# A user's own table (core.tabular reads it). Not in CATALOG: it is not generated, and its
# sizes, task and classes come from the file (recorded in DataSpec.table at import).
TABLE = "table"
TABLE_INFO = DatasetInfo(
    TABLE,
    "Your own table (CSV/TSV)",
    "A table you imported: one row per sample, a target column and feature columns.",
    "table",
    BINARY,
    params=("seed",),
)


def dataset_info(name: str) -> DatasetInfo | None:
    """The catalog entry, the table entry, or None for an unknown name."""
    return TABLE_INFO if name == TABLE else CATALOG.get(name)


def split_sizes(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """Train, validation and test sizes for n samples; the one rule data.py also uses."""
    n_test = math.ceil(n * test_fraction) if test_fraction > 0 else 0
    n_val = math.ceil(n * val_fraction) if val_fraction > 0 else 0
    return n - n_val - n_test, n_val, n_test
