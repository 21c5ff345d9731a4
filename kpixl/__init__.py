"""kpixl: KPI planning from a KGI, its KPI tree and funnels to a live Excel workbook.

    plan.yaml --load--> Plan --solve--> Solution --build_layout--> WorkbookLayout --write--> .xlsx

Errors a user can fix are :class:`KpixlError` (``PlanError`` for plans, ``WorkbookError`` for
workbooks).

The names below are loaded on first use, so ``import kpixl`` (and ``kpixl --help``) costs
almost nothing; ``kpixl.build`` pulls in the writer only when it is called.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kpixl._version import __version__
from kpixl.errors import KpixlError, PlanError, Problem, WorkbookError

if TYPE_CHECKING:
    from kpixl.app.build import build, check, demo, new_plan, templates
    from kpixl.engine.solve import Solution, solve
    from kpixl.model import Funnel, Kfs, Node, Period, Plan
    from kpixl.model.loader import load, loads
    from kpixl.model.schema import json_schema

_LAZY = {
    "build": "kpixl.app.build",
    "check": "kpixl.app.build",
    "demo": "kpixl.app.build",
    "new_plan": "kpixl.app.build",
    "templates": "kpixl.app.build",
    "Solution": "kpixl.engine.solve",
    "solve": "kpixl.engine.solve",
    "Funnel": "kpixl.model",
    "Kfs": "kpixl.model",
    "Node": "kpixl.model",
    "Period": "kpixl.model",
    "Plan": "kpixl.model",
    "load": "kpixl.model.loader",
    "loads": "kpixl.model.loader",
    "json_schema": "kpixl.model.schema",
}

__all__ = [
    "Funnel",
    "Kfs",
    "KpixlError",
    "Node",
    "Period",
    "Plan",
    "PlanError",
    "Problem",
    "Solution",
    "WorkbookError",
    "__version__",
    "build",
    "check",
    "demo",
    "json_schema",
    "load",
    "loads",
    "new_plan",
    "solve",
    "templates",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kpixl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
