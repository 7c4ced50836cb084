"""The import dialog's choices: which column is the target, which are features, their
types, and whether the choices make a valid import (the message under the preview).

ImportChoices keeps that state for the ImportTableDialog (import_dialog.py), which owns
the preview these choices are made on and hands each new one to `show_preview`; it reads
and updates the controls of the dialog's ImportForm (import_form.py).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QObject, Slot

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.table import TableSpec
from desktop_app.ui.import_columns import KIND_TEXT
from desktop_app.ui.import_form import TASK_WORDS, ImportForm
from desktop_app.ui.widgets import show_error


class ImportChoices(QObject):
    """Target, features, column types and validation over one ImportForm."""

    def __init__(self, form: ImportForm, initial: TableSpec | None, parent: QObject):
        super().__init__(parent)
        self.form = form
        self.preview = None  # tabular.TablePreview, kinds as shown (with the user's types)
        self.loading = False  # the dialog is reading the whole file: Import waits
        self.types: dict[str, str] = dict(initial.column_types) if initial else {}
        self.target: str | None = initial.target if initial else None
        self.features: set[str] | None = (
            set(initial.features) if initial and initial.features else None
        )
        self.detected: dict[str, str] = {}
        self.sense = None  # tabular.sense.Sense for the target, types and missing shown
        self._sense_key = None
        self._target_problem: tuple[str, bool] | None = None  # (message, blocks Import)
        form.target_combo.currentIndexChanged.connect(self._on_target)
        form.columns.typeChanged.connect(self._on_type)
        form.columns.featuresChanged.connect(self._on_features)
        for spin in (form.val_spin, form.test_spin):
            spin.valueChanged.connect(self.validate)
        form.missing_combo.currentIndexChanged.connect(self._on_missing)
        form.keep_button.clicked.connect(self._keep_left_out)
        form.fill_button.clicked.connect(self._fill_instead)

    def forget(self) -> None:
        """Another file: nothing chosen yet."""
        self.types, self.target, self.features = {}, None, None

    # ------------------------------------------------------------------ a new preview
    def show_preview(self, preview) -> None:
        """Apply the choices to a new preview (the user's types, a target it has)."""
        f = self.form
        self.preview = preview
        self.detected = {c.name: c.kind for c in preview.columns}
        self.types = {k: v for k, v in self.types.items() if k in self.detected}
        for col in preview.columns:
            col.kind = self.types.get(col.name, col.kind)
        names = preview.column_names
        f.filling = True
        try:
            f.target_combo.clear()
            for col in preview.columns:
                f.target_combo.addItem(f"{col.name}  ({KIND_TEXT[col.kind]})", col.name)
            if self.target not in names:
                self.target = preview.default_target or names[-1]
            f.target_combo.setCurrentIndex(names.index(self.target))
        finally:
            f.filling = False
        if self.features is not None:
            self.features &= set(names)
        f.model.set_table(names, [c.kind for c in preview.columns], preview.rows)
        f.columns.set_columns(preview.columns, self.detected)
        self.refresh()

    def clear_preview(self) -> None:
        """The file could not be previewed: nothing to choose from."""
        self.preview = None
        self.form.model.set_table([], [], [])
        self.form.columns.set_columns([], {})
        self.form.target_combo.clear()

    # ------------------------------------------------------------------ reading
    def usable(self) -> set[str]:
        return {c.name for c in self.preview.columns if c.usable} if self.preview else set()

    def chosen_features(self) -> set[str]:
        if self.features is None:
            left_out = set(self.sense.left_out) if self.sense is not None else set()
            return self.usable() - {self.target} - left_out
        return self.features - {self.target}

    # ------------------------------------------------------------------ checks
    def refresh(self) -> None:
        """Roles, inferred task and validity after any choice."""
        if self.preview is None:
            return
        self._assess()
        features = self.chosen_features()
        self.form.columns.set_roles(self.target, features, self.usable())
        self.form.model.set_roles(self.target, features)
        self._update_task()
        self.validate()

    def _update_task(self) -> None:
        p, target, f = self.preview, self.target, self.form
        self._target_problem = None
        try:
            task = p.infer_task(target)
        except OdysseyError as exc:
            message = str(exc)
            blocks = p.complete or "only one class" not in message
            self._target_problem = (message, blocks)
            f.task_combo.setItemText(0, "Automatic")
            f.inferred_label.setText("")
            return
        col = p.column(target)
        what = TASK_WORDS[task]
        if task != "regression":
            what += f" ({col.n_distinct:,} classes: {', '.join(col.examples[:5])}…)"
        f.task_combo.setItemText(0, f"Automatic: {TASK_WORDS[task]}")
        sample = "all" if p.complete else f"the first {p.sampled_rows:,}"
        f.inferred_label.setText(f"Inferred from {sample} rows: {what}")

    @Slot()
    def validate(self) -> bool:
        """Show the first problem under the preview; True when Import may go ahead."""
        f = self.form
        problems: list[str] = []
        sample_note = ""
        if self._target_problem is not None:
            message, blocks = self._target_problem
            if blocks:
                problems.append(message)
            else:
                sample_note = f"In the first rows: {message} The whole file is checked on Import."
        if sample_note or f.status_label.text().startswith("In the first rows"):
            f.status_label.setText(sample_note)
        if (
            self.preview is not None
            and not self.chosen_features()
            and self.usable() - {self.target}
        ):
            problems.append(
                "No feature column is ticked: tick at least one column the network can learn from."
            )
        val, test = f.val_spin.value(), f.test_spin.value()
        if val + test >= 100:
            problems.append(
                f"Validation ({val:g} %) and test ({test:g} %) shares add up to 100 % or "
                "more, which leaves no rows to train on; lower them."
            )
        if self.preview is None:
            return False
        show_error(f.errors, problems[0] if problems else None)
        ok = not problems and not self.loading
        f.ok_button.setEnabled(ok)
        return ok

    def _assess(self) -> None:
        """Data sense on the preview for the target shown (a few milliseconds; again
        only when the target, a type or the missing-value choice changes)."""
        from desktop_app.core.tabular.sense import assess, drops

        f = self.form
        missing = f.missing_combo.currentData() or "drop"
        key = (id(self.preview), self.target, tuple(sorted(self.types.items())), missing)
        if key != self._sense_key:
            self._sense_key = key
            self.sense = assess(self.preview, self.target, missing)
        sense, chosen = self.sense, self.features
        findings = [x for x in sense.findings if x.kind != "drops"]
        drop = drops(self.preview, self.chosen_features()) if missing == "drop" else None
        if drop is not None:  # for the columns ticked now
            findings.append(drop)
        lines = []
        for finding in findings:
            text = html.escape(finding.text)
            if finding.leave_out:
                kept = chosen is not None and finding.column in chosen
                text += " — <i>ticked: used anyway</i>" if kept else " — <b>left out</b>"
            lines.append(f"• {text}")
        f.sense_label.setText("<br>".join(lines))
        f.sense_label.setVisible(bool(lines))
        unticked = [c for c in sense.left_out if chosen is None or c not in chosen]
        f.keep_button.setVisible(bool(unticked))
        f.fill_button.setVisible(drop is not None)
        f.weight_check.setVisible(bool(sense.of_kind("imbalance")) or f.weight_check.isChecked())

    @Slot()
    def _keep_left_out(self) -> None:
        self.features = self.chosen_features() | set(self.sense.left_out if self.sense else [])
        self.refresh()

    @Slot()
    def _fill_instead(self) -> None:
        combo = self.form.missing_combo
        combo.setCurrentIndex(combo.findData("median"))

    @Slot(int)
    def _on_missing(self, _index: int) -> None:
        self.refresh()

    # ------------------------------------------------------------------ the user's choices
    @Slot(int)
    def _on_target(self, _index: int) -> None:
        new = self.form.target_combo.currentData()
        if self.form.filling or new is None or new == self.target:
            return
        old, self.target = self.target, new
        if self.features is not None:
            self.features.discard(self.target)
            if old in self.usable():
                self.features.add(old)
        self.refresh()

    @Slot()
    def _on_features(self) -> None:
        self.features = set(self.form.columns.checked())
        self.refresh()

    @Slot(str, str)
    def _on_type(self, name: str, kind: str) -> None:
        if self.preview is None or name not in self.detected:
            return
        if kind == self.detected.get(name):
            self.types.pop(name, None)
        else:
            self.types[name] = kind
        was_usable = name in self.usable()
        col = self.preview.column(name)
        col.kind = kind
        i = self.preview.column_names.index(name)
        self.form.model.kinds[i] = kind
        self.form.target_combo.setItemText(i, f"{name}  ({KIND_TEXT[kind]})")
        if self.features is not None and col.usable and not was_usable:
            self.features.add(name)
        self.refresh()
