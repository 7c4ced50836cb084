"""The stop/pause token a GUI run hands the engine, with what the window tells the run.

Created in the GUI thread when Train is pressed (controller.py), read by the engine in
the training thread. It extends core.run_types.Control, which imports no torch, so
creating it keeps torch off the GUI thread's path.
"""

from __future__ import annotations

from desktop_app.core.planes import PlaneChoice
from desktop_app.core.run_types import Control


class TimedControl(Control):
    """The engine's stop/pause token, with what the window's views tell the run.

    Throughput and time-left figures must not fall because the user paused: the relay
    subtracts the paused time Control counts.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pause_at_epoch_end = False  # Step one epoch: the relay pauses at its end
        # The plane the boundary is drawn on: replaced whole (never mutated) from the GUI
        # thread, read by the relay at each evaluation.
        self.plane = PlaneChoice()
        # The hidden layer the activation space projects (0 = the first): the same way.
        self.activation_layer = 0
        # Which views are on screen (the window's tab): a hidden one is not computed on
        # the training thread; it gets a fresh picture as soon as it is shown again.
        self.boundary_shown = True
        self.inside_shown = True

    # -- driven from the GUI thread
    def resume(self) -> None:
        self.pause_at_epoch_end = False
        super().resume()

    def run_epoch(self) -> None:
        """Run to the end of the current epoch, then pause (Step one epoch)."""
        self.resume()
        self.pause_at_epoch_end = True
