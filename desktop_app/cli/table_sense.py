"""Data sense for `train --data`: the columns left out by default (likely leakage,
identifiers, mostly empty) and the notes, each with the flag that undoes or fixes it."""

from __future__ import annotations

import json
import sys

from desktop_app.core.errors import OdysseyError


def sensible_features(
    spec, keep: list[str], class_weight: str, apply: bool = True
) -> list[str] | None:
    """The feature columns for a fresh import without --features: every usable column
    but the target, less what data sense leaves out (unless kept with --keep). Prints
    one note per finding with its fix. None when nothing is left out.

    apply=False (a table project file, which says what it trains on): the same notes,
    nothing left out; the fix is the project's feature list to set."""
    from desktop_app.core.tabular.reader import preview_table
    from desktop_app.core.tabular.sense import assess

    try:
        preview = preview_table(
            spec.path,
            delimiter=spec.delimiter,
            encoding=spec.encoding,
            header=spec.header,
            column_types=spec.column_types,
        )
    except OdysseyError:
        if apply:
            raise
        return None  # reading the table says what is wrong
    names = preview.column_names
    for name in keep:
        if name not in names:
            raise OdysseyError(
                f"--keep {name!r}: {spec.path} has no such column (its columns: "
                f"{', '.join(repr(n) for n in names[:12])}{' …' if len(names) > 12 else ''})"
            )
    if spec.target not in names:
        return None  # the reader names the problem
    sense = assess(preview, spec.target, spec.missing)
    left_out = [c for c in sense.left_out if c not in keep]
    usable = [c.name for c in preview.columns if c.usable and c.name != spec.target]
    features = [c for c in usable if c not in left_out]
    if not apply:
        for f in sense.findings:
            if f.kind != "imbalance" or class_weight != "balanced":
                print(f"odyssey: note: {f.text}", file=sys.stderr)
        if left_out:
            print(
                "odyssey: note: to leave those columns out, add --set "
                f"'data.table.features={json.dumps(features)}'",
                file=sys.stderr,
            )
        return None
    for f in sense.findings:
        if f.leave_out and f.column in keep:
            continue
        if f.leave_out:
            fix = f"left out; keep it with --keep {_arg(f.column)}"
        elif f.kind == "drops":
            fix = "add --missing median (or mean, most_frequent)"
        elif f.kind == "imbalance":
            if class_weight == "balanced":
                continue
            fix = "add --set train.class_weight=balanced"
        else:
            fix = "not used as a feature"
        print(f"odyssey: note: {f.text}; {fix}", file=sys.stderr)
    return (features or None) if left_out else None


def _arg(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else repr(name)
