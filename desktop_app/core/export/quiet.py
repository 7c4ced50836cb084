"""Silence for the exporters: torch.export and onnxscript print progress, log warnings
(missing torchvision ops, graph passes) and raise Python warnings that are not the
user's business; the CLI's output and the GUI's terminal stay clean."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator

NOISY_LOGGERS = ("torch", "onnxscript", "onnx_ir", "onnx")


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """Capture stdout/stderr prints, raise the exporters' loggers to ERROR and ignore
    warnings while the block runs; yields what was captured (for a failure's message)."""
    captured = io.StringIO()
    names = [
        n
        for n in list(logging.root.manager.loggerDict)
        if any(n == p or n.startswith(p + ".") for p in NOISY_LOGGERS)
    ]
    loggers = [logging.getLogger(n) for n in {*NOISY_LOGGERS, *names}]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(captured),
            contextlib.redirect_stderr(captured),
        ):
            warnings.simplefilter("ignore")
            yield captured
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
