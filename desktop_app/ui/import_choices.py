"""The import dialog's choices: which column is the target, which are features, their
types, and whether the choices make a valid import (the message under the preview).

ImportChoices is a mixin of ImportTableDialog (import_dialog.py), which owns the preview
these choices are made on; import_form.py builds the controls they read.
"""

from __future__ import annotations

from PySide6.QtCore import Slot

from desktop_app.core.errors import OdysseyError
from desktop_app.ui.import_columns import KIND_TEXT
from desktop_app.ui.import_form import TASK_WORDS
from desktop_app.ui.widgets import show_error


class ImportChoices:
    """Target, features, column types and validation (mixed into ImportTableDialog)."""

    def _usable(self) -> set[str]:
        return {c.name for c in self.preview.columns if c.usable} if self.preview else set()

    def _chosen_features(self) -> set[str]:
        if self._features is None:
            return self._usable() - {self._target}
        return self._features - {self._target}

    def _refresh(self) -> None:
        """Roles, inferred task and validity after any choice."""
        if self.preview is None:
            return
        features = self._chosen_features()
        self.columns.set_roles(self._target, features, self._usable())
        self.model.set_roles(self._target, features)
        self._update_task()
        self._validate()

    def _update_task(self) -> None:
        p, target = self.preview, self._target
        self._target_problem = None
        try:
            task = p.infer_task(target)
        except OdysseyError as exc:
            message = str(exc)
            blocks = p.complete or "only one class" not in message
            self._target_problem = (message, blocks)
            self.task_combo.setItemText(0, "Automatic")
            self.inferred_label.setText("")
            return
        col = p.column(target)
        what = TASK_WORDS[task]
        if task != "regression":
            what += f" ({col.n_distinct:,} classes: {', '.join(col.examples[:5])}…)"
        self.task_combo.setItemText(0, f"Automatic: {TASK_WORDS[task]}")
        sample = "all" if p.complete else f"the first {p.sampled_rows:,}"
        self.inferred_label.setText(f"Inferred from {sample} rows: {what}")

    @Slot()
    def _validate(self) -> bool:
        problems: list[str] = []
        sample_note = ""
        if self._target_problem is not None:
            message, blocks = self._target_problem
            if blocks:
                problems.append(message)
            else:
                sample_note = f"In the first rows: {message} The whole file is checked on Import."
        if sample_note or self.status_label.text().startswith("In the first rows"):
            self.status_label.setText(sample_note)
        if (
            self.preview is not None
            and not self._chosen_features()
            and self._usable() - {self._target}
        ):
            problems.append(
                "No feature column is ticked: tick at least one column the network can learn from."
            )
        val, test = self.val_spin.value(), self.test_spin.value()
        if val + test >= 100:
            problems.append(
                f"Validation ({val:g} %) and test ({test:g} %) shares add up to 100 % or "
                "more, which leaves no rows to train on; lower them."
            )
        if self.preview is None:
            return False
        show_error(self.errors, problems[0] if problems else None)
        ok = not problems and not self._loading
        self.ok_button.setEnabled(ok)
        return ok

    @Slot(int)
    def _on_target(self, _index: int) -> None:
        new = self.target_combo.currentData()
        if self._filling or new is None or new == self._target:
            return
        old, self._target = self._target, new
        if self._features is not None:
            self._features.discard(self._target)
            if old in self._usable():
                self._features.add(old)
        self._refresh()

    @Slot()
    def _on_features(self) -> None:
        self._features = set(self.columns.checked())
        self._refresh()

    @Slot(str, str)
    def _on_type(self, name: str, kind: str) -> None:
        if self.preview is None or name not in self._detected:
            return
        if kind == self._detected.get(name):
            self._types.pop(name, None)
        else:
            self._types[name] = kind
        was_usable = name in self._usable()
        col = self.preview.column(name)
        col.kind = kind
        i = self.preview.column_names.index(name)
        self.model.kinds[i] = kind
        self.target_combo.setItemText(i, f"{name}  ({KIND_TEXT[kind]})")
        if self._features is not None and col.usable and not was_usable:
            self._features.add(name)
        self._refresh()
