"""Which compute devices exist, resolving "auto", and the CPU thread policy."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from desktop_app.core.errors import DeviceError
from desktop_app.core.printable import quoted


@dataclass(frozen=True)
class DeviceInfo:
    id: str  # what goes into TrainSpec.device
    name: str  # what a person reads


def available_devices() -> list[DeviceInfo]:
    devices = [DeviceInfo("cpu", f"CPU ({os.cpu_count() or 1} cores)")]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            devices.append(DeviceInfo(f"cuda:{i}", f"CUDA {i}: {torch.cuda.get_device_name(i)}"))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append(DeviceInfo("mps", "Apple GPU (MPS)"))
    return devices


def resolve_device(name: str) -> torch.device:
    """Turn a device setting into a torch.device, or say clearly why it cannot be used."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda:0")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError(
                "device 'mps' (Apple GPU) is not available on this machine; choose 'auto' or 'cpu'"
            )
        return torch.device("mps")
    if name == "cuda" or name.startswith("cuda:"):
        index = 0
        if name != "cuda":
            tail = name.split(":", 1)[1]
            if not tail.isdigit():
                raise DeviceError(f"device {quoted(name)} is not valid; write cuda or cuda:N")
            index = int(tail)
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {quoted(name)} was asked for, but no CUDA GPU is available "
                "(no NVIDIA GPU, or this PyTorch is a CPU build); choose 'auto' or 'cpu'"
            )
        count = torch.cuda.device_count()
        if index >= count:
            raise DeviceError(
                f"device {quoted(name)} does not exist: this machine has {count} CUDA device(s), "
                f"cuda:0 to cuda:{count - 1}"
            )
        return torch.device(f"cuda:{index}")
    raise DeviceError(f"device {quoted(name)} is not known; use auto, cpu, cuda, cuda:N or mps")


def cpu_threads_for(
    n_params: int, batch_size: int, requested: int | None = None, leave_core_free: bool = False
) -> int:
    """Threads for torch's CPU pool.

    A small network spends almost all of a step in framework overhead; a pool of threads
    that spin waiting for each other only adds to it, and fights the GUI thread for
    cores, so one thread is fastest for it. When a step carries real arithmetic
    (parameters × batch above a few million multiply-adds) more threads pay off; with a
    GUI one core stays free for it.
    """
    if requested:
        return requested
    cores = os.cpu_count() or 1
    if n_params * batch_size < 4_000_000:
        return 1
    return max(1, cores - 1) if leave_core_free else cores
