"""The layers import in one direction only (docs/architecture.md), every import counted.

Each module of ``kpixl`` belongs to the layer its folder names. A module may import its own
layer and the layers below it, never one above; imports inside functions count as much as those
at the top (``ast.walk`` sees both). Third-party spreadsheet libraries have one home each:
XlsxWriter and openpyxl only in ``kpixl.xlsx``, xlwings only in ``kpixl.xl``. There is no
exception list: a module that needs something from above is in the wrong layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kpixl"

# Lowest first. ``kpixl`` itself (the package's __init__) is the public facade over all of them.
LAYERS = ["base", "model", "engine", "formulas", "layout", "xlsx", "xl", "app", "cli", "facade"]
BASE = {"kpixl.errors", "kpixl.messages", "kpixl._version", "kpixl.__main__"}
HOMES = {"xlsxwriter": "xlsx", "openpyxl": "xlsx", "xlwings": "xl"}


def layer_of(module: str) -> str:
    """The layer of a ``kpixl`` module name (``kpixl.engine.solve`` -> ``engine``)."""
    if module == "kpixl":
        return "facade"
    if module in BASE:
        return "cli" if module == "kpixl.__main__" else "base"
    part = module.split(".")[1]
    if part == "cli":
        return "cli"
    assert part in LAYERS, f"{module}: not in a layer folder ({', '.join(LAYERS[1:8])})"
    return part


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


ALL = modules()


def imports(module: str, path: Path) -> list[tuple[int, str]]:
    """Every module ``module`` imports, anywhere in its body, as absolute names."""
    tree = ast.parse(path.read_text("utf-8"))
    is_pkg = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                anchor = parts[: len(parts) - node.level + (1 if is_pkg else 0)]
                base = ".".join(anchor + ([base] if base else []))
            # ``from kpixl.engine import solve`` imports the module kpixl.engine.solve; a name
            # that is not a module comes from ``base`` itself.
            subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in ALL]
            found += [(node.lineno, s) for s in subs]
            if len(subs) < len(node.names):
                found.append((node.lineno, base))
    return found


@pytest.mark.parametrize("module", sorted(ALL))
def test_imports_point_down_the_layers(module: str) -> None:
    own = LAYERS.index(layer_of(module))
    wrong = []
    for line, name in imports(module, ALL[module]):
        top = name.split(".")[0]
        if top in HOMES and layer_of(module) != HOMES[top]:
            wrong.append(f"line {line}: {name} belongs to kpixl.{HOMES[top]} only")
        if top != "kpixl" or name not in ALL:
            continue
        if LAYERS.index(layer_of(name)) > own:
            wrong.append(f"line {line}: {name} ({layer_of(name)}) is above {layer_of(module)}")
    assert not wrong, f"{module}:\n  " + "\n  ".join(wrong)


def test_every_module_is_in_a_layer() -> None:
    got = {m: layer_of(m) for m in ALL}
    assert set(got.values()) <= set(LAYERS)
