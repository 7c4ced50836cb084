"""The decision boundary: a model's predictions over a plane through its input space.

Learners watch the boundary form (TensorFlow Playground's "press play"). Two-feature
data is drawn on its own plane, in the features' units as in the dataset preview; data
with more features on a slice through the input space (core.planes: the first two
principal components, or two features the user picks, the other directions at the
training mean). Regression on one feature gets its fitted curve instead, on more
features a heat map of the predicted value on the same kind of plane.

The grid spans the training points projected onto the plane, with a margin. Evaluating
80 x 80 points through a small MLP costs about a millisecond, so the training thread can
afford it every half second. Plain numpy out: the GUI never sees tensors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION
from desktop_app.core.outputs import class_probabilities, to_probabilities
from desktop_app.core.planes import (
    PCA,
    Plane,
    PlaneChoice,
    feature_plane,
    pca_plane,
    resolve,
)

GRID_SIZE = 80  # points per axis
MARGIN = 0.1  # share of the data's span added on each side
POINT_LIMIT = 2000  # training points drawn on top (and the rows PCA is computed from)

NOT_SHOWN = (
    "The decision boundary needs at least two features: a classifier of one feature has "
    "no plane to draw it on."
)
CURVE_POINTS = 200  # x values the fitted curve is evaluated at


@dataclass
class BoundaryGrid:
    """Class probabilities on a regular grid over a plane; rows go along its y axis.

    probabilities: (ny, nx, n_classes) float32, each row summing to 1.
    x_range/y_range: the grid's extent in plane coordinates (a feature's own units, or
    principal-component units). points/labels: training points projected onto the plane
    and their classes, drawn on top. The plane's labels and caption say what is shown;
    `source` can draw the same model on another plane (BoundarySource.grid).
    """

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    probabilities: np.ndarray
    class_names: list[str]
    feature_names: list[str]  # all the model's inputs (what a plane may be cut along)
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    x_label: str = ""
    y_label: str = ""
    caption: str = ""
    equal_scale: bool = True
    choice: PlaneChoice = field(default_factory=PlaneChoice)
    source: object | None = None  # the BoundarySource that made it

    @property
    def classes(self) -> np.ndarray:
        """The most probable class at each grid point, (ny, nx)."""
        return self.probabilities.argmax(axis=-1)

    def cell(self, x: float, y: float) -> tuple[int, int]:
        """(row, column) of the grid cell holding plane point (x, y), clipped to the grid."""
        ny, nx = self.probabilities.shape[:2]
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        i = int(np.clip((x - x0) / (x1 - x0) * nx, 0, nx - 1))
        j = int(np.clip((y - y0) / (y1 - y0) * ny, 0, ny - 1))
        return j, i

    def class_at(self, x: float, y: float) -> int:
        """The predicted class of the grid cell holding (x, y) in plane coordinates."""
        return int(self.classes[self.cell(x, y)])


@dataclass
class HeatGrid(BoundaryGrid):
    """A regression model's predicted value (original units) on a grid over a plane:
    `values` (ny, nx); `targets` the projected training points' own values."""

    values: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    targets: np.ndarray = field(default_factory=lambda: np.zeros(0))
    target_name: str = "target"

    def value_at(self, x: float, y: float) -> float:
        return float(self.values[self.cell(x, y)])


def unavailable_reason(task: str, n_features: int) -> str | None:
    """Why nothing can be drawn for this data (None when a boundary, heat map or
    fitted curve can)."""
    if task in (BINARY, MULTICLASS) and n_features >= 2:
        return None
    if task == REGRESSION and n_features >= 1:
        return None
    return NOT_SHOWN


def grid_bounds(points: np.ndarray, margin: float = MARGIN, square: bool = True):
    """(x_range, y_range) covering `points` (n, 2) with `margin` of the span on each side.
    Square in the data's units where the plot keeps equal axis scales (circles are
    circles), so the grid fills it without blank bands."""
    p = np.asarray(points, dtype=np.float64)
    lo, hi = p.min(axis=0), p.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - margin * span, hi + margin * span
    if square:
        centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2
        lo, hi = centre - half, centre + half
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def grid_points(x_range, y_range, size: int = GRID_SIZE) -> np.ndarray:
    """Cell centres (size*size, 2), row by row along the second axis."""
    xs = np.linspace(*x_range, size + 1)
    ys = np.linspace(*y_range, size + 1)
    xc, yc = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2
    gx, gy = np.meshgrid(xc, yc)
    return np.column_stack([gx.ravel(), gy.ravel()])


def model_outputs(model, inputs: np.ndarray, task: str, device="cpu") -> np.ndarray:
    """to_probabilities() of the model on prepared `inputs`, as numpy: under no_grad in
    eval mode, the model's training mode restored after (the live model goes on
    training)."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32)).to(device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return to_probabilities(model(x), task).float().cpu().numpy()
    finally:
        model.train(was_training)


def probabilities(model, prep, raw: np.ndarray, device="cpu") -> np.ndarray:
    """Class probabilities (n, n_classes) for raw rows, scaled as at training."""
    return class_probabilities(
        model_outputs(model, prep.transform(raw), prep.task, device), prep.task
    )


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


@dataclass
class BoundarySource:
    """The one way a boundary is set up: a run's training data, sampled once (and its
    principal components computed once), then `grid(model, choice)` for any state of
    the model on any plane. Used for the live boundary, the final one, a loaded model's
    and a plane the user picks after the run. Nothing in it changes after `of` but a
    cache of the planes asked for, so the GUI thread may use it once the run is over."""

    prep: object  # core.prepared.Preprocessing
    sample: np.ndarray  # up to POINT_LIMIT training rows, model inputs
    y: np.ndarray  # their classes, or targets in original units (regression)
    mean: np.ndarray  # (n,) the training inputs' mean, model inputs
    pca: Plane | None = None
    _planes: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, prep, x_train: np.ndarray, y_train: np.ndarray):
        """The boundary source of this training data (a CurveLine for regression on one
        feature), or None: nothing applies, or no training rows to span a plane."""
        if unavailable_reason(prep.task, prep.n_features) or not len(x_train):
            return None
        if prep.task == REGRESSION and prep.n_features == 1:
            return CurveLine.of(prep, x_train, y_train)
        step = max(1, -(-len(x_train) // POINT_LIMIT))
        sample = np.asarray(x_train[::step], np.float64)
        y = np.asarray(y_train[::step]).reshape(-1)
        if prep.task == REGRESSION:
            y = y.astype(np.float64) * prep.target_scale + prep.target_mean
        else:
            y = y.astype(np.int64)
        mean = np.asarray(x_train, np.float64).mean(axis=0)
        pca = pca_plane(sample, mean) if prep.n_features > 2 and len(sample) > 2 else None
        return cls(prep, sample, y, mean, pca)

    def plane(self, choice: PlaneChoice | None = None) -> tuple[Plane, np.ndarray]:
        """The plane `choice` resolves to for this data, and the sample's coordinates on
        it (the same arrays each time, so the plot draws the points once per plane)."""
        names = list(self.prep.feature_names)
        resolved = resolve(choice or PlaneChoice(), names)
        if resolved.kind == PCA and self.pca is None:  # too few rows for components
            resolved = resolve(PlaneChoice("features"), names)
        cached = self._planes.get(resolved)
        if cached is None:
            if resolved.kind == PCA:
                plane = self.pca
            else:
                plane = feature_plane(self.prep, self.mean, resolved.x, resolved.y, self.sample)
            cached = (plane, plane.coordinates(self.sample))
            self._planes[resolved] = cached
        return cached

    def grid(self, model, choice: PlaneChoice | None = None, device="cpu", size: int = GRID_SIZE):
        """The model's boundary (or, for regression, predicted value) over the plane."""
        plane, coords = self.plane(choice)
        x_range, y_range = grid_bounds(coords, square=plane.equal_scale)
        out = model_outputs(
            model, plane.inputs(grid_points(x_range, y_range, size)), self.prep.task, device
        )
        common = dict(
            x_range=x_range,
            y_range=y_range,
            class_names=list(self.prep.class_names),
            feature_names=list(self.prep.feature_names),
            points=coords,
            x_label=plane.x_label,
            y_label=plane.y_label,
            equal_scale=plane.equal_scale,
            choice=plane.choice,
            source=self,
        )
        if self.prep.task != REGRESSION:
            probs = class_probabilities(out, self.prep.task).reshape(size, size, -1)
            return BoundaryGrid(probabilities=probs, labels=self.y, caption=plane.caption, **common)
        values = (
            out.reshape(size, size).astype(np.float64) * self.prep.target_scale
        ) + self.prep.target_mean
        target = getattr(self.prep, "target_column", None) or "target"
        caption = f"The predicted {target} by colour"
        if plane.caption:  # more than two features: which plane
            caption += f", on the {plane.caption[0].lower()}{plane.caption[1:]}"
        return HeatGrid(
            probabilities=np.zeros((size, size, 0), np.float32),
            values=values,
            targets=self.y,
            target_name=target,
            caption=caption,
            **common,
        )


@dataclass
class CurveGrid:
    """A one-feature regression model's prediction over the feature's range, with the
    training points, all in original units (the "fitted curve" of the sine dataset)."""

    x: np.ndarray  # CURVE_POINTS values spanning the training data
    y: np.ndarray  # the model's predictions there
    points: np.ndarray  # (n, 2): training x and y
    feature_name: str
    source: object | None = None


@dataclass
class CurveLine:
    """The fitted-curve counterpart of BoundarySource: set up once, then `grid(model)`."""

    prep: object
    points: np.ndarray

    @classmethod
    def of(cls, prep, x_train: np.ndarray, y_train: np.ndarray) -> CurveLine:
        step = max(1, -(-len(x_train) // POINT_LIMIT))
        xs = original_units(prep, x_train[::step]).reshape(-1)
        ys = np.asarray(y_train[::step], np.float64).reshape(-1) * prep.target_scale
        return cls(prep, np.column_stack([xs, ys + prep.target_mean]))

    def grid(self, model, choice: PlaneChoice | None = None, device="cpu") -> CurveGrid:
        """The fitted curve now (`choice` is for BoundarySource's signature: one
        feature has one line)."""
        lo, hi = float(self.points[:, 0].min()), float(self.points[:, 0].max())
        pad = MARGIN * ((hi - lo) or 1.0)
        xs = np.linspace(lo - pad, hi + pad, CURVE_POINTS)
        out = model_outputs(model, self.prep.transform(xs.reshape(-1, 1)), REGRESSION, device)
        ys = out.reshape(-1).astype(np.float64) * self.prep.target_scale + self.prep.target_mean
        name = (list(self.prep.feature_names) or ["x"])[0]
        return CurveGrid(xs, ys, self.points, name, source=self)
