"""Where a marker line's label goes up and down its line so that it does not sit on the
curves (the best epoch's label used to cover the validation curve it points at) or on
the legend. The arithmetic is on shares of the view's height (0 at the bottom), so it
is tested without Qt; MarkerSet (parts.py) measures the label, the curves near it and
the legend, and asks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

HEIGHTS = tuple(np.round(np.arange(0.08, 0.93, 0.06), 2))  # label heights tried
MARGIN = 0.02  # a curve this close to the label's box counts as touching it


def y_range_near(
    x: np.ndarray, y: np.ndarray, x_lo: float, x_hi: float
) -> tuple[float, float] | None:
    """The lowest and highest y of a curve (x sorted) over [x_lo, x_hi], the segments that
    cross its ends included; None when the curve is not there."""
    if x is None or y is None or len(x) == 0:
        return None
    i0 = max(int(np.searchsorted(x, x_lo, side="left")) - 1, 0)
    i1 = min(int(np.searchsorted(x, x_hi, side="right")) + 1, len(x))
    part = y[i0:i1]
    part = part[np.isfinite(part)]
    if not len(part) or x[i0] > x_hi or x[i1 - 1] < x_lo:
        return None
    return float(part.min()), float(part.max())


def _overlap(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> float:
    return max(0.0, min(a_hi, b_hi + MARGIN) - max(a_lo, b_lo - MARGIN))


def choose_height(
    default: float,
    below: float,
    above: float,
    busy: Sequence[tuple[float, float, float]],
    heights: Sequence[float] = HEIGHTS,
) -> float:
    """The label height (its anchor's share of the view) that covers the least of `busy`
    ((lo, hi, weight) spans of the view's height taken by curves and the legend where the
    label is), nearest `default` among the best. The label spans anchor - below to
    anchor + above; it stays inside the view."""
    best, best_cost = default, None
    for h in (default, *heights):
        lo, hi = h - below, h + above
        if lo < 0.0 or hi > 1.0:
            continue
        cost = sum(w * _overlap(lo, hi, b_lo, b_hi) for b_lo, b_hi, w in busy)
        cost += 0.02 * abs(h - default)  # among equals, stay near where it is meant to be
        if best_cost is None or cost < best_cost - 1e-9:
            best, best_cost = h, cost
    return best


def covers(
    height: float, below: float, above: float, busy: Sequence[tuple[float, float, float]]
) -> bool:
    """Whether a label at `height` would touch one of the `busy` spans."""
    return any(_overlap(height - below, height + above, lo, hi) > 0 for lo, hi, _ in busy)
