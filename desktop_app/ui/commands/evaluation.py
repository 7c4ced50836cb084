"""Results ▸ Evaluate…: the Evaluation window on the run or model the Results panel
shows. One window at a time: asking again for the same model brings it back; another
model replaces it. The window works on the outcome's CPU copy of the model, so it may
stay open while another run trains."""

from __future__ import annotations

from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.dialogs import reuse_window


class EvaluationCommands:
    def __init__(self, notifier: Notifier):
        self.notifier = notifier
        self.dialog = None  # ui.evaluation.dialog.EvaluationDialog, once opened

    def open(self, outcome, cell: tuple[int, int] | None = None):
        """The Evaluation window for a run_reports.RunOutcome, listing the rows of a
        confusion-matrix cell (true class, predicted class) if given; returns it (None:
        no model)."""
        model = getattr(outcome, "model", None)
        if model is None:
            self.notifier.error(
                "There is no model to evaluate yet: train one or load a model file."
            )
            return None
        from desktop_app.ui.evaluation.dialog import EvaluationDialog

        old = self.dialog
        if reuse_window(old, model):
            if cell is not None:
                old.show_cell(cell)
            return old
        dialog = EvaluationDialog(model, outcome.test_split, self.notifier.parent)
        if cell is not None:
            dialog.show_cell(cell)
        self.dialog = dialog
        dialog.show()
        return dialog

    def shutdown(self) -> bool:
        return self.dialog.shutdown() if self.dialog is not None else True
