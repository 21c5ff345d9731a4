"""kpixl: KPI planning from a KGI, its KPI tree and funnels to a live Excel workbook.

    plan.yaml --load--> Plan --solve--> Solution --build_layout--> WorkbookLayout --write--> .xlsx

Errors a user can fix are :class:`KpixlError` (``PlanError`` for plans, ``WorkbookError`` for
workbooks).
"""

from __future__ import annotations

__version__ = "0.1.0"

from kpixl.api import build, check, demo, new_plan, templates
from kpixl.engine.solve import Solution, solve
from kpixl.errors import KpixlError, PlanError, Problem, WorkbookError
from kpixl.loader import load, loads
from kpixl.model import Funnel, Kfs, Node, Period, Plan
from kpixl.schema import json_schema

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
