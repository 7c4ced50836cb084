"""The per-class table of a model's test metrics as plain text lines (`odyssey info`
and `odyssey train` print it): precision, recall, F1, support and the areas under the
ROC and precision-recall curves of each class against the rest."""

from __future__ import annotations

from desktop_app.core.metrics import PER_CLASS

COLUMNS = (
    ("precision", "class_precision"),
    ("recall", "class_recall"),
    ("F1", "class_f1"),
    ("support", "class_support"),
    ("ROC AUC", "class_roc_auc"),
    ("PR AUC", "class_average_precision"),
)


def class_table_lines(metrics: dict, class_names: list[str]) -> list[str]:
    """Lines of the table, or none for metrics without it (regression, older files)."""
    if not isinstance(metrics.get("class_f1"), list):
        return []
    n = len(metrics["class_f1"])
    names = [*class_names[:n], *(f"class {i}" for i in range(len(class_names), n))]
    width = max([5, *(len(c) for c in names)])
    width = min(width, 24)
    head = f"  {'class':<{width}}" + "".join(f" {title:>9}" for title, _ in COLUMNS)
    lines = [head]
    for i, name in enumerate(names):
        cells = []
        for _title, key in COLUMNS:
            values = metrics.get(key) or []
            v = values[i] if i < len(values) else None
            if v is None:
                cells.append(f" {'-':>9}")
            elif key == "class_support":
                cells.append(f" {int(v):>9d}")
            else:
                cells.append(f" {float(v):>9.4f}")
        lines.append(f"  {name[:width]:<{width}}" + "".join(cells))
    return lines


def headline_items(metrics: dict) -> list[tuple[str, object]]:
    """The single-number metrics, in the file's order (the lists and the matrix apart)."""
    return [(k, v) for k, v in metrics.items() if k != "confusion_matrix" and k not in PER_CLASS]
