"""What an export file gives, cell by cell, with every problem found on the way.

:class:`Found` is filled by the layouts (:mod:`kpixl.xlsx.importlayouts`): each value cell goes
through :meth:`Found.put`, which reads the number (:func:`kpixl.xlsx.cells.parse_number`) and
checks it against its KPI, and each KPI cell through :meth:`Found.kpi`. A problem becomes one
line ``FILE:ROW: CELL (HEADER): message; fix`` in the plan's language; nothing is kept then.

Checks on a value ``x`` of KPI ``k`` (``b`` = its bounds, ``[0, 1]`` for a ``%`` KPI):

- the unit mark it was written with must be ``k``'s unit: ``%`` for a ``%`` KPI, a currency mark
  or ``円`` for a money KPI, or the unit text itself (``件`` for ``件``);
- ``x < 0`` needs ``signed: true`` (``△5`` is -5);
- ``b[0] <= x <= b[1]``; for a ``%`` KPI written without ``%`` and outside ``b`` while ``x / 100``
  is inside, the message asks "did you mean x%?" (``45`` for a win rate is refused, not 4,500%).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpixl.layout.core import col_letter
from kpixl.messages import msg
from kpixl.model import Plan
from kpixl.model.checker import num
from kpixl.xlsx.cells import MONEY_UNITS, Bad, Num, month_of, norm, parse_number
from kpixl.xlsx.kpinames import Ambiguous, KpiIndex, Scaled, Unknown

__all__ = ["Found", "Skipped", "cell_name", "show"]

SMALL_PLAN = 12  # KPIs listed in full when a name is not recognised


def cell_name(r: int, c: int) -> str:
    """0-based row and column -> ``C5``."""
    return f"{col_letter(c)}{r + 1}"


def show(cell: object) -> str:
    """A cell as the user sees it in a message: a number as written, text on one line (a line
    break in a cell would split the one line a problem gets)."""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return num(cell)
    if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
        return cell.date().isoformat()  # a date cell, as Excel shows it: 2026-04-01
    return " ".join(str(cell).split()) if cell is not None else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    """A row or column left out on purpose: ``kind`` is ``row``, ``column`` or ``title``."""

    kind: str
    where: str  # "12", "N" or "1-3"
    text: str


class Found:
    """The values of one file, its skipped rows and columns, and its problems."""

    def __init__(self, plan: Plan, file: str, workbook: str) -> None:
        self.plan, self.file, self.workbook = plan, file, workbook
        self.loc = plan.locale
        self.index = KpiIndex(plan)
        self.labels = plan.period.labels()
        self.span = f"{self.labels[0]}..{self.labels[-1]}"
        self.errors: list[str] = []
        self.values: dict[tuple[str, str], float] = {}
        self.origin: dict[tuple[str, str], str] = {}  # where each value came from: C5
        self.skipped: list[Skipped] = []
        self._listed: int | None = None  # the row whose problem lists every KPI

    # -- messages ---------------------------------------------------------------------------------
    def t(self, key: str, **params: object) -> str:
        return msg(f"import.{key}", self.loc, **params)

    def at(self, r: int, c: int | None, head: object = None) -> str:
        """``FILE:ROW: CELL (HEADER)`` (0-based r, c), the start of every problem line."""
        where = f"{self.file}:{r + 1}"
        if c is None:
            return where
        h = show(head)
        return f"{where}: {cell_name(r, c)}" + (f" ({h})" if h else "")

    def err(self, key: str, at: str, **params: object) -> None:
        self.errors.append(self.t(key, at=at, **params))

    def skip(self, kind: str, where: str, text: object) -> None:
        self.skipped.append(Skipped(kind=kind, where=where, text=show(text)))

    # -- KPIs and months --------------------------------------------------------------------------
    def kpi(self, r: int, c: int, cell: object, head: object = None) -> str | None:
        """The node id a cell names, or None after reporting why it names none."""
        at = self.at(r, c, head)
        if not show(cell):
            self.err("kpi.missing", at, col=col_letter(c))
            return None
        found = self.index.lookup(cell)
        if isinstance(found, str):
            return found
        if isinstance(found, Scaled):
            node = self.plan.nodes[found.id]
            self.err("kpi.scaled", at, text=show(cell), scale=found.unit, kpi=node.name,
                     unit=node.unit or "-")
        elif isinstance(found, Ambiguous):
            a, b = found.ids[0], found.ids[1]
            self.err("kpi.ambiguous", at, text=show(cell), a=self.index.show(a),
                     b=self.index.show(b), ida=a, idb=b)
        elif isinstance(found, Unknown):
            if len(self.plan.nodes) <= SMALL_PLAN and self._listed is not None:
                self.err("kpi.unknown-see", at, text=show(cell), row=self._listed)
            elif len(self.plan.nodes) <= SMALL_PLAN:
                self._listed = r + 1
                self.err("kpi.unknown-all", at, text=show(cell), all=", ".join(self.index.all()))
            elif found.near:
                self.err("kpi.unknown", at, text=show(cell), near=", ".join(found.near),
                         workbook=self.workbook)
            else:
                self.err("kpi.unknown-far", at, text=show(cell), workbook=self.workbook)
        return None

    def month(self, r: int, c: int, cell: object, head: object = None, *,
              holds: bool = True) -> str | None:
        """The plan month a cell names, or None after reporting why (a month outside the plan
        is reported only where it ``holds`` values)."""
        got = month_of(cell, self.labels)
        at = self.at(r, c, head)
        if isinstance(got, str):
            return got
        if got is None:
            if not show(cell):
                self.err("month.missing", at, example=self.labels[0])
            else:
                self.err("month.bad", at, text=show(cell), example=self.labels[0])
        elif holds or got.key in ("ambiguous", "bad"):
            self.err(f"month.{got.key}", at, text=show(cell), span=self.span,
                     example=self.labels[0], **dict(got.params))
        return None

    # -- values -----------------------------------------------------------------------------------
    def put(self, r: int, c: int, head: object, nid: str, label: str, cell: object) -> None:
        """One value cell of KPI ``nid`` in month ``label``."""
        node = self.plan.nodes[nid]
        got = parse_number(cell, node.unit)
        if got is None:
            return
        at = self.at(r, c, head)
        kpi, text = node.name, show(cell)
        if isinstance(got, Bad):
            params = dict(got.params)
            if "kind" in params:  # a TRUE/FALSE or date cell: the kind in the plan's language
                params["kind"] = self.t(f"kind.{params['kind']}")
            self.err(f"value.{got.key}", at, text=text, kpi=kpi, **params)
            return
        if not self._unit_ok(got, node.unit):
            self.err("value.unit", at, text=text, kpi=kpi, mark=got.mark,
                     unit=node.unit or "-")
            return
        x, bounds = got.value, node.effective_bounds
        if x < 0 and not node.signed:
            self.err("value.negative", at, text=text, kpi=kpi, id=nid)
            return
        if bounds is not None and not bounds[0] <= x <= bounds[1]:
            if node.is_rate and got.mark != "%" and bounds[0] <= x / 100 <= bounds[1]:
                self.err("value.percent", at, text=text, kpi=kpi, pct=num(x),
                         fraction=num(round(x / 100, 12)))
            else:
                self.err("value.bounds", at, text=text, kpi=kpi, id=nid, low=num(bounds[0]),
                         high=num(bounds[1]))
            return
        if (nid, label) in self.origin:
            self.err("value.twice", at, kpi=kpi, month=label, other=self.origin[(nid, label)])
            return
        self.origin[(nid, label)] = cell_name(r, c)
        self.values[(nid, label)] = x

    def _unit_ok(self, got: Num, unit: str) -> bool:
        mark, u = norm(got.mark), norm(unit)
        if not mark:
            return True
        if mark == "%":
            return u == "%"
        if not u:  # a KPI without a unit: any mark but % (a fraction needs unit "%")
            return True
        if mark in MONEY_UNITS:
            return u in MONEY_UNITS or u == norm(self.plan.currency)
        return mark == u
