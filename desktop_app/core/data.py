"""Dataset catalog -> prepared numpy arrays: generate a catalog dataset, or read a
table (core.tabular), then split and standardise (core.prepared)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from desktop_app.core.catalog import CATALOG, REGRESSION, TABLE
from desktop_app.core.errors import DataError, PreparationStopped
from desktop_app.core.prepared import PreparedData, prepare_arrays
from desktop_app.core.specs.data import DataSpec


def generate(spec: DataSpec) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Raw X, y, feature names and class names for a catalog dataset."""
    from sklearn import datasets as skd

    name = spec.dataset
    info = CATALOG[name]
    n, noise, seed = spec.total_samples, spec.noise_level, spec.seed
    rng = np.random.default_rng(seed)
    class_names: list[str] = []
    feature_names: list[str] | None = None
    try:
        if name == "classification":
            nf, ni, nc = spec.features, spec.informative, spec.classes
            x, y = skd.make_classification(
                n_samples=n,
                n_features=nf,
                n_informative=ni,
                n_redundant=min(2, nf - ni),
                n_classes=nc,
                flip_y=noise,
                random_state=seed,
            )
        elif name == "moons":
            x, y = skd.make_moons(n_samples=n, noise=noise, random_state=seed)
        elif name == "circles":
            x, y = skd.make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)
        elif name == "blobs":
            x, y = skd.make_blobs(
                n_samples=n,
                n_features=spec.features,
                centers=spec.classes,
                cluster_std=noise,
                random_state=seed,
            )
        elif name == "spiral":
            x, y = _spiral(n, spec.classes, noise, rng)
        elif name == "xor":
            x = rng.uniform(-1, 1, size=(n, 2))
            y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
            x = x + rng.normal(0, noise, size=x.shape)
        elif name == "regression":
            x, y = skd.make_regression(
                n_samples=n,
                n_features=spec.features,
                n_informative=spec.informative,
                noise=noise,
                random_state=seed,
            )
        elif name == "friedman1":
            x, y = skd.make_friedman1(
                n_samples=n, n_features=spec.features, noise=noise, random_state=seed
            )
        elif name == "sine":
            x = rng.uniform(-3, 3, size=(n, 1))
            y = np.sin(x[:, 0]) + rng.normal(0, noise, size=n)
            feature_names = ["x"]
        else:
            loader = {
                "iris": skd.load_iris,
                "wine": skd.load_wine,
                "breast_cancer": skd.load_breast_cancer,
                "digits": skd.load_digits,
                "diabetes": skd.load_diabetes,
            }[name]
            bunch = loader()
            x, y = bunch.data, bunch.target
            feature_names = [str(f) for f in bunch.feature_names]
            if info.task != REGRESSION:
                class_names = [str(c) for c in bunch.target_names]
    except ValueError as exc:  # scikit-learn rejects an impossible combination
        raise DataError(f"cannot generate dataset {name!r}: {exc}") from None
    if feature_names is None:
        feature_names = [f"x{i + 1}" for i in range(x.shape[1])]
    if spec.task != REGRESSION and not class_names:
        class_names = [f"class {i}" for i in range(spec.classes)]
    return np.asarray(x), np.asarray(y), feature_names, class_names


def _spiral(n: int, k: int, noise: float, rng: np.random.Generator):
    per = np.full(k, n // k)
    per[: n % k] += 1
    xs, ys = [], []
    for c in range(k):
        t = np.linspace(0.0, 1.0, per[c])
        r = t * 1.0
        theta = c * 2 * np.pi / k + t * 4.0 + rng.normal(0, noise, per[c])
        xs.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        ys.append(np.full(per[c], c))
    return np.concatenate(xs), np.concatenate(ys)


def prepare(spec: DataSpec, cancel: Callable[[], bool] | None = None) -> PreparedData:
    """Generate or load the dataset, split it and fit the preprocessing.

    A table is read from its (absolute or cwd-relative) path; to load a project's table
    with progress, cancel and the project's checks, use tabular.prepare.load_project_data.
    cancel: asked between the stages and the blocks of rows; True raises
    PreparationStopped."""
    if spec.dataset == TABLE:
        from desktop_app.core.tabular.prepare import prepare_table

        return prepare_table(spec)
    x, y, feature_names, class_names = _stoppable(lambda: generate(spec), cancel)
    return prepare_arrays(x, y, spec, feature_names, class_names, spec.task, cancel=cancel)


def _stoppable(work: Callable, cancel: Callable[[], bool] | None):
    """work() (one scikit-learn call, which cannot be interrupted: ten million samples
    take tens of seconds), with `cancel` asked every 50 ms while it runs.

    On cancel the call is left to finish in its daemon thread and its result dropped,
    so the training thread returns at once: closing the window used to wait 30 s twice
    for it, then abort ("QThread: Destroyed while thread ... is still running").
    """
    if cancel is None:
        return work()
    if cancel():
        raise PreparationStopped()
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller
            outcome["error"] = exc

    helper = threading.Thread(target=run, name="odyssey-generate", daemon=True)
    helper.start()
    while helper.is_alive():
        helper.join(0.05)
        if helper.is_alive() and cancel():
            raise PreparationStopped()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
