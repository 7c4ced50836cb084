"""One home per name (DESIGN.md §1): no module uses another module's `_private` names,
and every name is imported from the module that defines it (no re-export shims).

A leading underscore says "only this module relies on me"; a name imported elsewhere is
shared and should say so (drop the underscore), and a helper used by one other module
belongs in that module. A name imported through a module that only re-exports it has two
homes; import it from where it is defined. The checks read the source (AST), so they
also see imports inside functions and `module._name` attribute uses, need no Qt, and
list every offender at once.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "desktop_app"
CHECKED = ("desktop_app", "tests", "benchmarks")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str, root: Path) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _resolve(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = here.split(".")
    if not is_package:
        parts.pop()
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def private_uses(path: Path, root: Path = ROOT) -> list[str]:
    """`file:line: what` for each use of another Odyssey module's private name."""
    here = _module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    where = path.relative_to(root)
    found: list[str] = []
    modules: dict[str, str] = {}  # local name -> Odyssey module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(node, here, path.name == "__init__.py")
            if source.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _is_private(alias.name) or any(_is_private(p) for p in source.split(".")):
                    found.append(f"{where}:{node.lineno}: from {source} import {alias.name}")
                elif _is_module(full, root):
                    modules[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != PACKAGE:
                    continue
                if any(_is_private(p) for p in alias.name.split(".")):
                    found.append(f"{where}:{node.lineno}: import {alias.name}")
                modules[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else PACKAGE
                )
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
            continue
        chain, value = [node.attr], node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if not (isinstance(value, ast.Name) and value.id in modules):
            continue
        owner = ".".join([modules[value.id], *reversed(chain[1:])])
        if _is_module(owner, root) and owner != here:
            found.append(f"{where}:{node.lineno}: {owner}.{node.attr}")
    return found


def _top_level_names(path: Path) -> set[str]:
    """What a module defines (def, class, assignment), not what it imports."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                elts = target.elts if isinstance(target, ast.Tuple) else [target]
                names.update(t.id for t in elts if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _source_file(dotted: str, root: Path) -> Path | None:
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def second_homes(path: Path, root: Path = ROOT) -> list[str]:
    """`file:line: from X import Y` for each Odyssey name imported from a module that
    does not define it (a re-export), other than submodules and `__version__`-style
    dunders."""
    here = _module_name(path, root)
    where = path.relative_to(root)
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = _resolve(node, here, path.name == "__init__.py")
        source_file = _source_file(source, root)
        if source.split(".")[0] != PACKAGE or source_file is None:
            continue
        defined = _top_level_names(source_file)
        for alias in node.names:
            name = alias.name
            if name == "*" or name.startswith("__") or _is_module(f"{source}.{name}", root):
                continue
            if name not in defined:
                found.append(f"{where}:{node.lineno}: from {source} import {name}")
    return found


def offenders(folders: tuple[str, ...] = CHECKED) -> list[str]:
    return [
        hit
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
        for hit in private_uses(path)
    ]


def test_no_module_uses_another_modules_private_names():
    found = offenders()
    assert not found, (
        f"{len(found)} use(s) of another module's _private name; make the name public "
        "where it is defined, or move a single-use helper into the module using it:\n"
        + "\n".join(found)
    )


def test_every_name_is_imported_from_the_module_that_defines_it():
    found = [
        hit
        for folder in CHECKED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for hit in second_homes(path)
    ]
    assert not found, (
        f"{len(found)} import(s) through a module that does not define the name; import "
        "it from its defining module:\n" + "\n".join(found)
    )


def test_the_second_home_check_sees_a_re_export(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "core").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "__init__.py").write_text("from desktop_app.core.a import Thing\n")
    (pkg / "core" / "a.py").write_text("class Thing: ...\nLIMIT = 3\n")
    user = pkg / "core" / "b.py"
    user.write_text(
        "from desktop_app.core import Thing, a\nfrom desktop_app.core.a import LIMIT, Thing\n"
    )
    assert [h.split(": ", 1)[1] for h in second_homes(user, tmp_path)] == [
        "from desktop_app.core import Thing"
    ]


def test_the_check_sees_each_kind_of_use(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "core").mkdir(parents=True)
    for name in ("__init__.py", "core/__init__.py", "core/a.py"):
        (pkg / name).write_text("")
    b = pkg / "core" / "b.py"
    b.write_text(
        "from desktop_app.core.a import _hidden, shown\n"
        "from desktop_app.core import a\n"
        "import desktop_app.core.a as alias\n"
        "def f():\n"
        "    from . import a as rel\n"
        "    return a._x, alias._y, rel._z, a.__doc__, shown._fine\n"
    )
    hits = private_uses(b, tmp_path)
    assert [h.split(": ", 1)[1] for h in hits] == [
        "from desktop_app.core.a import _hidden",
        "desktop_app.core.a._x",
        "desktop_app.core.a._y",
        "desktop_app.core.a._z",
    ]
