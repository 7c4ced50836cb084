"""Names for variants of one project: what differs between them, as `field=value`."""

from __future__ import annotations

from desktop_app.core.specs.project import Project

MAX_VARIANTS = 4


def flatten(data, prefix: str = "") -> dict[str, object]:
    """A nested JSON-like value as {dotted.path: leaf value} (list items by index)."""
    out: dict[str, object] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(data, list) and data and all(isinstance(v, dict | list) for v in data):
        for i, v in enumerate(data):
            out.update(flatten(v, f"{prefix}{i}."))
    else:
        out[prefix[:-1]] = data
    return out


def differing_fields(projects: list[Project]) -> list[str]:
    """The dotted fields whose values are not the same in every project (name aside)."""
    flat = [flatten(p.model_dump(mode="json")) for p in projects]
    keys = sorted(set().union(*flat))
    return [k for k in keys if k != "name" and len({repr(f.get(k)) for f in flat}) > 1]


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def variant_labels(projects: list[Project]) -> list[str]:
    """One readable name per project, made of what differs ("lr=0.003"); `variant i`
    when nothing does."""
    fields = differing_fields(projects)
    flat = [flatten(p.model_dump(mode="json")) for p in projects]
    labels = []
    for i, f in enumerate(flat):
        parts = [
            f"{k.split('.', 1)[-1] if k.startswith('train.') else k}={_short(f.get(k))}"
            for k in fields
        ]
        labels.append(", ".join(parts) if parts else f"variant {i + 1}")
    return labels


def vary_projects(project: Project, assignment: str) -> list[Project]:
    """`field.path=v1,v2,...` -> one project per value, through Project.with_overrides
    (the resolver behind `odyssey train --set`), named by what differs."""
    from desktop_app.core.errors import SpecError

    if "=" not in assignment:
        raise SpecError(
            f"--vary {assignment!r}: expected field.path=v1,v2,..., e.g. train.lr=0.001,0.01"
        )
    path, raw = assignment.split("=", 1)
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not 2 <= len(values) <= MAX_VARIANTS:
        raise SpecError(
            f"--vary {assignment!r}: give 2 to {MAX_VARIANTS} values separated by commas "
            f"(got {len(values)})"
        )
    if len(set(values)) != len(values):
        raise SpecError(f"--vary {assignment!r}: a value is given twice; give distinct values")
    projects = [project.with_overrides([f"{path.strip()}={v}"]) for v in values]
    labels = variant_labels(projects)
    return [
        p.model_copy(update={"name": f"{p.name} [{label}]"}) for p, label in zip(projects, labels)
    ]
