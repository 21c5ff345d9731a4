"""A kpixl workbook read through :class:`~kpixl.xl.book.BookLike`: the plan with the inputs a
user changed, actuals, overrides, and the engine's tracking of them.

The scripts compute with the engine from the workbook's *inputs*, never from formula results:
the numbers are the same ones the formulas show, and the openpyxl stand-in of the tests (which
has no calculation engine) sees exactly what Excel would.

Reading is the one reader of the workbook contract (:mod:`kpixl.xlsx.readback`, the same one
``kpixl report`` uses) over :class:`BookSource`, an adapter from the open workbook to its
:class:`~kpixl.xlsx.readback.CellSource`: the same checks (format version and SHA-256 of
``_kpixl``, a damaged row refused with the fix as a WorkbookError, never a JSONDecodeError), the
same cells (defined names and the ``_kpixl`` rows; nothing laid out again), and the same rule
that only numbers count (text in an input, actual or override cell is ignored with a warning).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpixl.engine.compute import NodeSchedule, Tracking, schedule, track
from kpixl.engine.solve import Solution, solve
from kpixl.errors import WorkbookError
from kpixl.layout.contract import META_SHEET
from kpixl.messages import msg
from kpixl.model import Plan
from kpixl.xl.book import BookLike, cells_of
from kpixl.xlsx.readback import Cells, Got, is_number, read_entries, read_meta, read_plan

__all__ = ["META_SHEET", "BookSource", "State", "is_number", "read_state"]

Num = float | None


class BookSource:
    """:class:`~kpixl.xlsx.readback.CellSource` over an open workbook: each sheet read once (a
    read is a round trip to Excel). Excel gives formula results, not formulas, so a formula in
    an actual cell counts by its result here."""

    def __init__(self, book: BookLike) -> None:
        self.book = book
        self._grids: dict[str, list[list[Any]]] = {}

    def sheet_names(self) -> list[str]:
        return self.book.sheet_names()

    def ref(self, name: str) -> str | None:
        return self.book.ref(name)

    def cells(self, sheet: str, rows: Collection[int] | None = None, top: int = 0,
              cols: tuple[int, int] | None = None) -> Cells:
        if sheet not in self._grids:
            self._grids[sheet] = self.book.read(sheet)
        grid = self._grids[sheet]
        picked = range(top, len(grid)) if rows is None else [r for r in rows if r < len(grid)]
        return {(r, c): Got(v) for r in picked for c, v in enumerate(grid[r]) if v is not None}


def _where(book: BookLike) -> Path:
    """How messages name the workbook: its file name when the engine knows it."""
    name = getattr(getattr(book, "book", None), "name", None)
    return Path(name if isinstance(name, str) and name else "this workbook")


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
            raise WorkbookError(msg("xl.name-missing", "en", name=name)) from None
        return sheet, [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def read_state(book: BookLike) -> State:
    """Read plan, inputs, actuals and overrides; solve and track with the engine.

    Raises WorkbookError when the workbook is not a kpixl workbook or its ``_kpixl`` sheet or
    names were altered, and PlanError when an input a user typed makes the plan invalid (a rate
    of 1.5).
    """
    from kpixl.model.inputs import apply_inputs, plan_from_dict
    from kpixl.model.plan_dict import plan_to_dict

    src, where = BookSource(book), _where(book)
    meta = read_meta(src, where)
    built = read_plan(where, meta.plan_json)
    got = read_entries(src, where, built, meta)
    current = dict(got.current)
    asof = current.pop("in_asof", None)
    plan = plan_from_dict(apply_inputs(plan_to_dict(built), current), "workbook")
    actuals = {k: list(v) for k, v in got.actuals.items()}
    overrides = {k: list(v) for k, v in got.overrides.items()}
    solution = solve(plan)
    sched = schedule(solution)
    a = None if asof is None else int(asof)
    trk = track(solution, sched, actuals, overrides, a)
    return State(book=book, plan=plan, solution=solution, sched=sched, tracking=trk,
                 actuals=actuals, overrides=overrides, asof_input=a,
                 warnings=list(got.warnings))
