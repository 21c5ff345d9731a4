"""A kpixl workbook read through :class:`~kpixl.xl.book.BookLike`: the plan with the inputs a
user changed, actuals, overrides, and the engine's tracking of them.

The scripts compute with the engine from the workbook's *inputs*, never from formula results:
the numbers are the same ones the formulas show, and the openpyxl stand-in of the tests (which
has no calculation engine) sees exactly what Excel would.

Where things are (workbook-contract.md): the plan as built in the hidden ``_kpixl`` sheet
(``plan_json`` chunks, ``input:<key>`` rows), inputs behind ``in_X``, ``in_asof``,
``in_seasonality``, ``in_on_track``, ``in_at_risk`` (split shares and baselines where the layout
of the stored plan puts them), actuals behind ``act_X``, overrides behind ``ovr_X``. As in
:mod:`kpixl.xlsx.reader`, only numbers count: text in an input, actual or override cell is ignored
with a warning.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from kpixl.engine.compute import NodeSchedule, Tracking, schedule, track
from kpixl.engine.solve import Solution, solve
from kpixl.errors import WorkbookError
from kpixl.model import Plan
from kpixl.xl.book import BookLike, cells_of

__all__ = ["META_SHEET", "State", "is_number", "read_state"]

META_SHEET = "_kpixl"
Num = float | None


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


@dataclass
class State:
    """What the scripts work from; ``plan`` carries the inputs as the workbook holds them now."""

    book: BookLike
    plan: Plan
    solution: Solution
    sched: dict[str, NodeSchedule]
    tracking: Tracking
    actuals: dict[str, list[Num]]
    overrides: dict[str, list[Num]]
    asof_input: int | None
    warnings: list[str] = field(default_factory=list)

    @property
    def asof(self) -> int:
        return self.tracking.asof

    @property
    def labels(self) -> list[str]:
        return self.plan.period.labels()

    def row_cells(self, name: str) -> tuple[str, list[tuple[int, int]]]:
        """Sheet and (row, col) of each cell of a defined name, left to right."""
        try:
            sheet, r0, c0, r1, c1 = cells_of(self.book, name)
        except KeyError:
            raise WorkbookError(f"defined name {name} is missing; the workbook was "
                                "altered") from None
        return sheet, [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def _meta(book: BookLike) -> tuple[str, dict[str, Any]]:
    if META_SHEET not in book.sheet_names():
        raise WorkbookError(f"this is not a kpixl workbook (no {META_SHEET} sheet)")
    chunks: list[str] = []
    recorded: dict[str, Any] = {}
    for row in book.read(META_SHEET):
        key, value = [*row, None, None][:2]
        if key == "plan_json":
            chunks.append("" if value is None else str(value))
        elif isinstance(key, str) and key.startswith("input:"):
            recorded[key[6:]] = json.loads(value) if isinstance(value, str) else value
    if not chunks:
        raise WorkbookError(f"the {META_SHEET} sheet holds no plan")
    return "".join(chunks), recorded


class _Grids(dict[str, list[list[Any]]]):
    """Each sheet read once (a read is a round trip to Excel)."""

    def __init__(self, book: BookLike) -> None:
        super().__init__()
        self.book = book

    def __missing__(self, sheet: str) -> list[list[Any]]:
        self[sheet] = grid = self.book.read(sheet)
        return grid


def _values(grids: _Grids, name: str) -> list[Any]:
    sheet, r0, c0, r1, c1 = cells_of(grids.book, name)
    grid = grids[sheet]
    return [grid[r][c] if r < len(grid) and c < len(grid[r]) else None
            for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def _number(v: Any, what: str, warnings: list[str]) -> tuple[bool, Num]:
    if v is None or (isinstance(v, str) and not v.strip()):
        return True, None
    if is_number(v):
        return True, float(v)
    warnings.append(f"{what}: {v!r} is not a number; ignored")
    return False, None


def _current_inputs(grids: _Grids, plan: Plan, recorded: dict[str, Any],
                    warnings: list[str]) -> dict[str, Any]:
    from kpixl.xlsx.reader import input_cells

    book = grids.book
    located = input_cells(plan) if any(":" in k for k in recorded) else {}
    season = _values(grids, "in_seasonality") if book.ref("in_seasonality") else []
    current: dict[str, Any] = {}
    for key, was in recorded.items():
        if key.startswith("in_seasonality["):
            m = int(key[len("in_seasonality["):-1])
            v = season[m - 1] if m <= len(season) else was
        elif key.startswith("in_") and book.ref(key):
            v = _values(grids, key)[0]
        elif key in located:
            sheet, row, col, _label = located[key]
            grid = grids[sheet]
            v = grid[row][col] if row < len(grid) and col < len(grid[row]) else was
        else:
            v = was
        ok, num = _number(v, key, warnings)
        current[key] = num if ok else was
    return current


def read_state(book: BookLike) -> State:
    """Read plan, inputs, actuals and overrides; solve and track with the engine.

    Raises WorkbookError when the workbook is not a kpixl workbook, and PlanError when an input
    a user typed makes the plan invalid (a rate of 1.5).
    """
    from kpixl.model.inputs import apply_inputs, plan_from_dict
    from kpixl.model.loader import loads
    from kpixl.model.plan_dict import plan_to_dict

    text, recorded = _meta(book)
    built = loads(text, source=META_SHEET)
    warnings: list[str] = []
    grids = _Grids(book)
    current = _current_inputs(grids, built, recorded, warnings)
    asof = current.pop("in_asof", None)
    if asof is not None and (asof != int(asof) or not 0 <= asof <= built.months):
        warnings.append(f"in_asof: {asof:g} is not a whole month within 0..{built.months}; "
                        "ignored")
        asof = None
    plan = plan_from_dict(apply_inputs(plan_to_dict(built), current), "workbook")
    rows: dict[str, dict[str, list[Num]]] = {"act_": {}, "ovr_": {}}
    for prefix, out in rows.items():
        for node in plan.nodes:
            values = _values(grids, f"{prefix}{node}")
            if len(values) != plan.months:
                raise WorkbookError(f"{prefix}{node} has {len(values)} cells, the plan "
                                    f"{plan.months} months; the workbook was altered")
            out[node] = [_number(v, f"{prefix}{node}[{m + 1}]", warnings)[1]
                         for m, v in enumerate(values)]
    solution = solve(plan)
    sched = schedule(solution)
    a = None if asof is None else int(asof)
    trk = track(solution, sched, rows["act_"], rows["ovr_"], a)
    return State(book=book, plan=plan, solution=solution, sched=sched, tracking=trk,
                 actuals=rows["act_"], overrides=rows["ovr_"], asof_input=a, warnings=warnings)
