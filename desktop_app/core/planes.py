"""The plane a decision boundary is drawn on, for data with any number of features.

A model with two inputs has one plane to show. A model with twenty has none of its own,
so we cut a slice through its input space: by default the plane of the first two
principal components of the training inputs (the directions along which the data
varies most, so the boundary drawn there is the one most training points sit near), or
two features the user picks. Every other direction is held at the training mean: the
slice goes through the middle of the data, and a point off the plane is drawn where it
projects onto it.

PCA runs in the space the model sees (after standardisation), where every feature
counts alike; a picked pair is shown in the features' own units, as in the dataset
preview. Either way a plane is one affine map, `inputs = origin + (coords - centre) @
axes`, so evaluating a grid on it costs one small matrix product before the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PCA = "pca"
FEATURES = "features"
EQUAL_SCALE_RATIO = 4.0  # feature spans closer than this share one scale (circles stay round)


@dataclass(frozen=True)
class PlaneChoice:
    """Which plane the user asked for. Frozen: the GUI thread hands a new one to the
    training thread by plain assignment, and the training thread never sees half a
    change. Features are named, not numbered, so a choice reads the same in a caption,
    a test and a saved setting; names the data lacks fall back to the first features."""

    kind: str = PCA  # PCA or FEATURES
    x: str = ""  # feature names, for FEATURES
    y: str = ""


@dataclass(frozen=True)
class Plane:
    """A 2-D slice through the model's input space (see the module docstring).

    origin: (n,) model inputs at the plane's centre; axes: (2, n) orthogonal rows, the
    change of the model's inputs per unit of each plane coordinate; centre: the plane
    coordinates of `origin`. `choice` is the request as resolved (names filled in)."""

    origin: np.ndarray
    axes: np.ndarray
    centre: tuple[float, float]
    x_label: str
    y_label: str
    caption: str
    equal_scale: bool
    choice: PlaneChoice

    def inputs(self, coords: np.ndarray) -> np.ndarray:
        """Model inputs (m, n) float32 for plane coordinates (m, 2)."""
        c = np.asarray(coords, np.float64) - np.asarray(self.centre)
        return (self.origin + c @ self.axes).astype(np.float32)

    def coordinates(self, inputs: np.ndarray) -> np.ndarray:
        """Plane coordinates (m, 2) of model inputs (m, n): where each lands when the
        directions off the plane are dropped (orthogonal axes make this the projection)."""
        back = self.axes.T / (self.axes**2).sum(axis=1)
        return np.asarray(self.centre) + (np.asarray(inputs, np.float64) - self.origin) @ back


def resolve(choice: PlaneChoice, names: list[str]) -> PlaneChoice:
    """The plane that will actually be drawn: with two features there is only their own
    plane; a pair naming features this data lacks becomes the first two features."""
    if len(names) <= 2:
        return PlaneChoice(FEATURES, *(list(names) + ["", ""])[:2])
    if choice.kind == PCA:
        return PlaneChoice(PCA)
    x = choice.x if choice.x in names else names[0]
    y = choice.y if choice.y in names and choice.y != x else next(n for n in names if n != x)
    return PlaneChoice(FEATURES, x, y)


def _units(prep, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, scale) of the saved standardisation, or the identity where there is none."""
    if prep.mean is None or prep.scale is None:
        return np.zeros(n), np.ones(n)
    return np.asarray(prep.mean, np.float64), np.asarray(prep.scale, np.float64)


def feature_plane(prep, mean: np.ndarray, x: str, y: str, sample: np.ndarray) -> Plane:
    """Features `x` and `y` in their own units, the others at their training `mean`
    (model inputs); `sample` (model inputs) decides whether the two share a scale."""
    names = list(prep.feature_names)
    i, j = names.index(x), names.index(y)
    n = len(names)
    shift, scale = _units(prep, n)
    axes = np.zeros((2, n))
    axes[0, i], axes[1, j] = 1.0 / scale[i], 1.0 / scale[j]
    centre = (float(mean[i] * scale[i] + shift[i]), float(mean[j] * scale[j] + shift[j]))
    spans = np.ptp(sample[:, [i, j]], axis=0) * scale[[i, j]] if len(sample) else np.ones(2)
    lo, hi = float(spans.min()), float(spans.max())
    others = n - 2
    caption = ""
    if others:
        held = (
            "the other one held at its mean"
            if others == 1
            else f"the other {others} held at their mean"
        )
        caption = f"Features {x} and {y}; {held}"
    return Plane(
        origin=np.asarray(mean, np.float64),
        axes=axes,
        centre=centre,
        x_label=x,
        y_label=y,
        caption=caption,
        equal_scale=lo > 0 and hi / lo <= EQUAL_SCALE_RATIO,
        choice=PlaneChoice(FEATURES, x, y),
    )


def pca_plane(sample: np.ndarray, mean: np.ndarray) -> Plane:
    """The plane of the first two principal components of `sample` (model inputs, a few
    thousand rows at most: one SVD, once per run) through the training `mean`.

    Each component's sign is fixed (its largest loading positive) so that the picture
    does not mirror from one run of the same data to the next."""
    centred = np.asarray(sample, np.float64) - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2].copy()
    for row in axes:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    var = s**2
    share = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
    total = 100 * float(share.sum())
    return Plane(
        origin=np.asarray(mean, np.float64),
        axes=axes,
        centre=(0.0, 0.0),
        x_label=f"PC1 ({100 * share[0]:.0f}% of variance)",
        y_label=f"PC2 ({100 * share[1]:.0f}% of variance)",
        caption=(
            f"Plane of the first two principal components ({total:.0f}% of the variance); "
            "other directions held at the mean"
        ),
        equal_scale=True,  # both axes are in the same (standardised) units
        choice=PlaneChoice(PCA),
    )
