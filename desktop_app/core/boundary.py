"""The decision boundary: a model's class probabilities over the plane of two features.

For classification data with exactly two features, learners watch the boundary form
(TensorFlow Playground's "press play"). The grid spans the training data in original
units (as in the dataset preview) with a margin; its points go through the saved
preprocessing (standardisation) before the model. Evaluating 80 x 80 points through a
small MLP costs about a millisecond, so the training thread can afford it every half
second. Plain numpy out: the GUI never sees tensors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION
from desktop_app.core.outputs import class_probabilities, to_probabilities

GRID_SIZE = 80  # points per axis
MARGIN = 0.1  # share of the data's span added on each side
POINT_LIMIT = 2000  # training points drawn on top

NOT_SHOWN = (
    "The decision boundary is drawn for classification data with two features, the "
    "fitted curve for regression on one feature."
)
CURVE_POINTS = 200  # x values the fitted curve is evaluated at


@dataclass
class BoundaryGrid:
    """Class probabilities on a regular grid; rows go along the second feature.

    probabilities: (ny, nx, n_classes) float32, each row summing to 1.
    x_range/y_range: the grid's extent in original units (first and second feature).
    points/labels: training points (original units) and their classes, to draw on top.
    """

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    probabilities: np.ndarray
    class_names: list[str]
    feature_names: list[str]
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def classes(self) -> np.ndarray:
        """The most probable class at each grid point, (ny, nx)."""
        return self.probabilities.argmax(axis=-1)

    def class_at(self, x: float, y: float) -> int:
        """The predicted class of the grid cell holding (x, y) in original units."""
        ny, nx = self.probabilities.shape[:2]
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        i = int(np.clip((x - x0) / (x1 - x0) * nx, 0, nx - 1))
        j = int(np.clip((y - y0) / (y1 - y0) * ny, 0, ny - 1))
        return int(self.classes[j, i])


def unavailable_reason(task: str, n_features: int) -> str | None:
    """Why no boundary (or, for regression on one feature, fitted curve) can be drawn for
    this data, or None when it can."""
    if task in (BINARY, MULTICLASS) and n_features == 2:
        return None
    if task == REGRESSION and n_features == 1:
        return None
    return NOT_SHOWN


def grid_bounds(points: np.ndarray, margin: float = MARGIN) -> tuple[tuple, tuple]:
    """(x_range, y_range) covering `points` (n, 2) with `margin` of the span on each side,
    square in the data's units: the plot keeps equal axis scales (circles are circles),
    so a square grid fills it without blank bands."""
    p = np.asarray(points, dtype=np.float64)
    lo, hi = p.min(axis=0), p.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - margin * span, hi + margin * span
    centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2
    lo, hi = centre - half, centre + half
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def grid_points(x_range, y_range, size: int = GRID_SIZE) -> np.ndarray:
    """Cell centres (size*size, 2) in original units, row by row along the second feature."""
    xs = np.linspace(*x_range, size + 1)
    ys = np.linspace(*y_range, size + 1)
    xc, yc = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2
    gx, gy = np.meshgrid(xc, yc)
    return np.column_stack([gx.ravel(), gy.ravel()])


def probabilities(model, prep, raw: np.ndarray, device="cpu") -> np.ndarray:
    """Class probabilities (n, n_classes) for raw points: scaled as at training, then the
    model under no_grad in eval mode; the model's training mode is restored after."""
    import torch

    x = torch.from_numpy(prep.transform(raw)).to(device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            p = to_probabilities(model(x), prep.task).float().cpu().numpy()
    finally:
        model.train(was_training)
    return class_probabilities(p, prep.task)


def original_units(prep, x: np.ndarray) -> np.ndarray:
    """Prepared (standardised) rows back in the data's own units."""
    x = np.asarray(x, dtype=np.float64)
    if prep.mean is not None and prep.scale is not None:
        x = x * prep.scale + prep.mean
    return x


def training_points(prep, x_train: np.ndarray, y_train: np.ndarray, limit: int = POINT_LIMIT):
    """Up to `limit` training points (original units) and classes, evenly picked."""
    step = max(1, -(-len(x_train) // limit))
    pts = original_units(prep, x_train[::step])
    return pts, np.asarray(y_train[::step], dtype=np.int64).reshape(-1)


def decision_grid(
    model,
    prep,
    points: np.ndarray,
    labels: np.ndarray | None = None,
    device="cpu",
    size: int = GRID_SIZE,
) -> BoundaryGrid | None:
    """The boundary over the plane spanned by `points` (original units); None when the
    data is not two-feature classification or there are no points."""
    if unavailable_reason(prep.task, prep.n_features) or len(points) == 0:
        return None
    x_range, y_range = grid_bounds(points)
    probs = probabilities(model, prep, grid_points(x_range, y_range, size), device)
    return BoundaryGrid(
        x_range=x_range,
        y_range=y_range,
        probabilities=probs.reshape(size, size, -1),
        class_names=list(prep.class_names),
        feature_names=list(prep.feature_names),
        points=np.asarray(points, dtype=np.float64),
        labels=np.zeros(0, np.int64) if labels is None else np.asarray(labels, np.int64),
    )


@dataclass
class BoundaryPlane:
    """The one way a boundary is set up: the plane of a run's training data, made once
    (points picked, units restored), then evaluated for any state of the model. Used for
    the live boundary, the final one and a loaded model's."""

    prep: object  # core.prepared.Preprocessing
    points: np.ndarray  # training points, original units
    labels: np.ndarray

    @classmethod
    def of(cls, prep, x_train: np.ndarray, y_train: np.ndarray):
        """The plane of this training data (a CurveLine for regression on one feature),
        or None: neither applies, or no training rows to span it."""
        if unavailable_reason(prep.task, prep.n_features) or not len(x_train):
            return None
        if prep.task == REGRESSION:
            return CurveLine.of(prep, x_train, y_train)
        return cls(prep, *training_points(prep, x_train, y_train))

    def grid(self, model, device="cpu") -> BoundaryGrid | None:
        """The model's boundary over this plane now."""
        return decision_grid(model, self.prep, self.points, self.labels, device=device)


@dataclass
class CurveGrid:
    """A one-feature regression model's prediction over the feature's range, with the
    training points, all in original units (the "fitted curve" of the sine dataset)."""

    x: np.ndarray  # CURVE_POINTS values spanning the training data
    y: np.ndarray  # the model's predictions there
    points: np.ndarray  # (n, 2): training x and y
    feature_name: str


@dataclass
class CurveLine:
    """The fitted-curve counterpart of BoundaryPlane: set up once, then `grid(model)`."""

    prep: object
    points: np.ndarray

    @classmethod
    def of(cls, prep, x_train: np.ndarray, y_train: np.ndarray) -> CurveLine:
        step = max(1, -(-len(x_train) // POINT_LIMIT))
        xs = original_units(prep, x_train[::step]).reshape(-1)
        ys = np.asarray(y_train[::step], np.float64).reshape(-1) * prep.target_scale
        return cls(prep, np.column_stack([xs, ys + prep.target_mean]))

    def grid(self, model, device="cpu") -> CurveGrid:
        import torch

        lo, hi = float(self.points[:, 0].min()), float(self.points[:, 0].max())
        pad = MARGIN * ((hi - lo) or 1.0)
        xs = np.linspace(lo - pad, hi + pad, CURVE_POINTS)
        x = torch.from_numpy(self.prep.transform(xs.reshape(-1, 1))).to(device)
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                out = model(x).float().cpu().numpy().reshape(-1).astype(np.float64)
        finally:
            model.train(was_training)
        ys = out * self.prep.target_scale + self.prep.target_mean
        return CurveGrid(xs, ys, self.points, (list(self.prep.feature_names) or ["x"])[0])
