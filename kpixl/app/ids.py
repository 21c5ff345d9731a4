"""``kpixl ids PLAN|WORKBOOK``: every KPI as an import file may call it.

One line per KPI, in plan order, aligned: the id, the name the plan stores, the name in the
other language where a built-in template gives it (same id, same name in the plan's language:
:func:`kpixl.xlsx.kpinames.other_names`), and the unit. An import file may name a KPI by any of
the first three.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from kpixl.model import Plan
from kpixl.xlsx.kpinames import other_names

__all__ = ["id_lines", "plan_of"]


def plan_of(path: str | os.PathLike[str]) -> Plan:
    """The plan of a plan file, or the plan a kpixl workbook was built from."""
    p = Path(path)
    head = b""
    try:
        with p.open("rb") as f:
            head = f.read(4)
    except OSError:
        pass  # the loader names the problem (missing, a folder, unreadable)
    if head == b"PK\x03\x04" or p.suffix.lower() in (".xlsx", ".xlsm"):
        from kpixl.xlsx.reader import read_workbook

        return read_workbook(p).plan
    from kpixl.model.loader import load

    return load(p)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def id_lines(path: str | os.PathLike[str]) -> list[str]:
    """``id  name  other name  unit`` per KPI, aligned in columns."""
    plan = plan_of(path)
    other = other_names(plan)
    rows = [[nid, node.name, other.get(nid, ""), node.unit] for nid, node in plan.nodes.items()]
    keep = [k for k in range(4) if k < 2 or any(r[k] for r in rows)]
    rows = [[r[k] for k in keep] for r in rows]
    widths = [max(_width(r[k]) for r in rows) for k in range(len(keep))]
    return ["  ".join(c + " " * (widths[k] - _width(c)) for k, c in enumerate(r)).rstrip()
            for r in rows]
