"""The training split's means and deviations, found a block at a time on two threads,
equal numpy's own two-pass figures; standardising stops when asked."""

import numpy as np
import pytest

from desktop_app.core.row_blocks import PARALLEL_ROWS, mean_std, standardize


@pytest.mark.parametrize("rows", [1, 37, 9_000, PARALLEL_ROWS + 12_345])
def test_means_and_deviations_equal_numpys_even_far_from_zero(rows):
    rng = np.random.default_rng(rows)
    x = np.stack(
        [
            rng.normal(size=rows),
            2000.0 + rng.normal(scale=0.01, size=rows),  # a year with a tiny spread
            np.full(rows, 3.5),  # constant: no spread at all
            np.linspace(-1e4, 1e4, rows),  # trends along the file: the first block is off
        ],
        axis=1,
    ).astype(np.float32)
    mean, std = mean_std(x)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(axis=0), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(std, x64.std(axis=0), rtol=1e-9, atol=1e-9)
    assert std[2] == 0.0


def test_standardize_scales_every_row_once_and_stops_when_asked():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(PARALLEL_ROWS * 2 + 5, 3)).astype(np.float32)
    want = (x - np.float32(3.0)) / np.float32(2.0)
    mean, scale = np.full(3, 3.0, np.float32), np.full(3, 2.0, np.float32)
    standardize(x, mean, scale, lambda: None)
    np.testing.assert_array_equal(x, want)

    class Stop(Exception):
        pass

    def stop():
        raise Stop

    with pytest.raises(Stop):
        standardize(x, mean, scale, stop)
