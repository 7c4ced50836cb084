"""Whether a network can be trained in this computer's memory at all, said before any
memory is taken. No torch here: the window checks every edit with it.

A network of a trillion parameters used to reach the allocator, which answered with its
own text ("DefaultCPUAllocator: can't allocate memory: you tried to allocate ...").
Training keeps, per parameter, the weight, its gradient and the optimizer's state
(Adam's two moments, SGD's momentum), all float32; a network that needs more than the
machine's physical memory for those alone cannot train here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BYTES = 4  # float32
# Per parameter: weight + gradient + the optimizer's own state, in float32 values.
COPIES = {"sgd": 3, "adam": 4, "adamw": 4, "rmsprop": 4, "adagrad": 3}


def physical_memory() -> int | None:
    """This computer's memory in bytes, or None where it cannot be told."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return None


def training_memory_problem(n_params: int, optimizer: str, memory: int | None = None) -> str | None:
    """Why a network of `n_params` parameters cannot train here, or None."""
    memory = physical_memory() if memory is None else memory
    if memory is None:
        return None
    need = n_params * BYTES * COPIES.get(optimizer, 4)
    if need <= memory:
        return None
    return (
        f"the network has {n_params:,} parameters: training it needs about "
        f"{_size(need)} for the weights, gradients and optimizer state alone, and this "
        f"computer has {_size(memory)}; use fewer or narrower hidden layers"
    )


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PB"


OUT_OF_MEMORY = (  # the words README.md documents
    "The computer ran out of memory during training (or while building the network): "
    "use fewer samples, a smaller network or a smaller batch size"
)


def out_of_memory(exc: BaseException) -> bool:
    """Whether `exc` is the CPU running out of memory: Python's MemoryError, or torch's
    allocator, which raises a RuntimeError with its own text ("DefaultCPUAllocator:
    can't allocate memory: you tried to allocate ...")."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower() if isinstance(exc, RuntimeError) else ""
    return "can't allocate memory" in text or "defaultcpuallocator" in text


# Generating a catalog dataset holds it as float64 (scikit-learn), then float32 splits.
DATA_BYTES_PER_VALUE = 8 + 4 + 4


def data_memory_problem(n_rows: int, n_features: int, memory: int | None = None) -> str | None:
    """Why a generated dataset of n_rows × n_features cannot be held here, or None; said
    before generation starts (ten million rows of 10,000 features is 800 GB)."""
    memory = physical_memory() if memory is None else memory
    if memory is None:
        return None
    need = n_rows * max(n_features, 1) * DATA_BYTES_PER_VALUE
    if need <= memory:
        return None
    return (
        f"the dataset has {n_rows:,} samples of {n_features:,} features: generating and "
        f"splitting it needs about {_size(need)}, and this computer has {_size(memory)}; "
        "use fewer samples or features"
    )


def file_memory_problem(n_bytes: int, memory: int | None = None) -> str | None:
    """Why a model file's tensors (n_bytes) are too large to load here, or None."""
    memory = physical_memory() if memory is None else memory
    if memory is None or n_bytes <= memory // 2:
        return None
    return (
        f"its tensors take {_size(n_bytes)}, more than half of this computer's memory "
        f"({_size(memory)})"
    )


_pages_lock = threading.Lock()
_pages_users = 0
_pages_before: bool | None = None


@contextmanager
def small_pages() -> Iterator[None]:
    """numpy's large arrays made without its huge-page hint while the block runs (a table
    load, which fills a few hundred MB of new arrays). On Linux, with huge pages given
    only where asked (the usual setting), each first write to such an array waits while
    the kernel gathers a free 2 MB page, and once memory is fragmented that wait
    dominates: filling the 1,000,000 x 50 table's blocks took 0.3-0.5 s in place of
    0.1 s (measured). Ordinary pages cost the same every time. The hint comes back when
    the last block using this ends (loads on several threads share it)."""
    global _pages_users, _pages_before
    switch = hugepage_switch()
    with _pages_lock:
        if _pages_users == 0 and switch is not None:
            _pages_before = bool(switch(False))
        _pages_users += 1
    try:
        yield
    finally:
        with _pages_lock:
            _pages_users -= 1
            if _pages_users == 0 and switch is not None and _pages_before is not None:
                switch(_pages_before)
                _pages_before = None


def hugepage_switch():
    """numpy's setter of its huge-page hint (returns the old setting), or None."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        try:
            from numpy.core import multiarray
        except ImportError:
            return None
    return getattr(multiarray, "_set_madvise_hugepage", None)
