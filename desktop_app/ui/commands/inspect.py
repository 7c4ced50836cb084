"""Views inside the network that open on the current model: One sample, step by step.

The dialog works on the Session's model (the last finished run's CPU copy, or the model
file Load Model read) and on a copy of it, so it may be open while another run trains:
it shows the model it was opened on, named in its title. One dialog at a time; asking
again for the same model brings it back, a new model replaces it.
"""

from __future__ import annotations

from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.dialogs import reuse_window
from desktop_app.ui.session import Session


class InspectCommands:
    """Run ▸ One sample, step by step."""

    def __init__(self, session: Session, permissions: Permissions, notifier: Notifier):
        self.session, self.permissions, self.notifier = session, permissions, notifier
        self.step_dialog = None  # views.step_through.StepThroughDialog, once opened

    def open_step_through(self):
        """The step-through window for the current model; returns it (None: no model)."""
        model = self.session.model
        if model is None or not self.permissions.allows("actionStepThrough"):
            self.notifier.error(
                "There is no model to step through yet: train one or load a model file."
            )
            return None
        from desktop_app.ui.views.step_through import StepThroughDialog

        old = self.step_dialog
        if reuse_window(old, model):
            return old
        dialog = StepThroughDialog(model, self.notifier.parent)
        self.step_dialog = dialog
        dialog.show()
        return dialog

    def shutdown(self) -> bool:
        return self.step_dialog.shutdown() if self.step_dialog is not None else True
