"""Closing the window: at most one question, and nothing trains on while it is asked.

Mid-run with unsaved changes, the window used to ask twice (stop the run? then save the
changes?) while the run went on behind both questions. Now the run is paused while the
user decides, one question covers both, and Cancel lets the run go on where it was.
"""

from __future__ import annotations

from desktop_app.ui.commands.files import ProjectFiles
from desktop_app.ui.commands.notifier import Button, Notifier
from desktop_app.ui.controller import TrainingController
from desktop_app.ui.run_state import RunState
from desktop_app.ui.session import Session


class CloseGuard:
    """Whether the window may close now (asks the user when something would be lost)."""

    def __init__(
        self,
        session: Session,
        controller: TrainingController,
        files: ProjectFiles,
        notifier: Notifier,
    ):
        self.session, self.controller = session, controller
        self.files, self.notifier = files, notifier

    def confirm(self) -> bool:
        """True: close (the run, if any, may be stopped); False: the user cancelled."""
        if not self.controller.busy:
            return self.files.confirm_discard("closing Odyssey")
        was_running = self.controller.state is RunState.RUNNING
        self.controller.pause()  # nothing trains on while the user decides
        if self.session.modified:
            answer = self.notifier.ask(
                "Training is running",
                "Training is still running, and the project "
                f"“{self.session.name}” has changes that are not saved.\n\n"
                "Stop the training and close Odyssey? The current run's results will be "
                "lost. Save keeps the project's changes first.",
                Button.Save | Button.Discard | Button.Cancel,
                Button.Cancel,
            )
            ok = answer == Button.Discard or (answer == Button.Save and self.files.save())
        else:
            answer = self.notifier.ask(
                "Training is running",
                "Training is still running. Stop it and close Odyssey?\n\n"
                "The current run's results will be lost; your project settings are kept.",
                Button.Yes | Button.No,
                Button.No,
            )
            ok = answer == Button.Yes
        if not ok and was_running:
            self.controller.resume()
        return ok
