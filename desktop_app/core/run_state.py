"""TrainerState: what a run needs, beyond its network and history, to go on exactly
where it stopped.

The Trainer hands it out (``Trainer.state_dict()``) and takes it back
(``Trainer.load_state_dict()``), as a torch module does with its weights; persistence
writes and reads it without knowing the Trainer. A plain record, so this module stays a
leaf that imports no torch at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - torch stays off the startup path
    import torch


@dataclass
class TrainerState:
    """A run's counters, optimizer and schedule, callback states and random numbers.

    Tensors are on the CPU when the state comes from a file (or a saved snapshot);
    ``Trainer.state_dict()`` hands out its own tensors, which a saver copies.
    """

    epoch: int  # epochs completed
    global_step: int
    stop_reason: str  # completed, early_stopping, user, non_finite
    best_epoch: int | None
    restored_epoch: int | None  # the epoch whose weights early stopping put back
    optimizer: dict  # a torch optimizer state_dict
    scheduler: dict | None  # entries of the LR scheduler's state_dict
    rng_torch: torch.Tensor  # torch's global CPU generator (dropout)
    rng_shuffle: torch.Tensor  # the generator that shuffles the training set
    rng_cuda: torch.Tensor | None = None
    # The weights the last loop ended with, when they differ from the network's current
    # ones (early stopping may have put the best epoch's back); None: the same.
    last_weights: dict[str, torch.Tensor] | None = None
    # Stateful callbacks' state_dict()s by callback name, e.g. {"early_stopping": {...}}.
    callbacks: dict[str, dict[str, Any]] = field(default_factory=dict)
