"""The states of a training run as the GUI sees them (the controller's state machine)."""

from __future__ import annotations

import enum


class RunState(str, enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
