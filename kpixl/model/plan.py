"""The plan as frozen value objects: what ``load`` returns and everything else consumes.

No I/O and no Excel here. Invariants that need the whole plan (cycles, one solver per lever) are
checked by the engine, which knows the graph.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from kpixl.model.expr import Expr

__all__ = [
    "Aggregate",
    "Direction",
    "Funnel",
    "Kfs",
    "Node",
    "Period",
    "Plan",
    "Thresholds",
]

Direction = Literal["up", "down"]
Aggregate = Literal["sum", "mean", "last"]
Kind = Literal["assumption", "derived", "lever"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """``months`` consecutive months from ``year``-``month`` (the fiscal year's first month)."""

    year: int
    month: int
    months: int = 12

    def month_start(self, m: int) -> dt.date:
        """First day of plan month ``m`` (1-based)."""
        index = self.year * 12 + (self.month - 1) + (m - 1)
        return dt.date(index // 12, index % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the plan."""
        nxt = self.month_start(self.months + 1)
        return nxt - dt.timedelta(days=1)

    def labels(self) -> list[str]:
        """``YYYY-MM`` for each plan month."""
        starts = map(self.month_start, range(1, self.months + 1))
        return [f"{d.year:04d}-{d.month:02d}" for d in starts]

    @property
    def quarters(self) -> list[tuple[int, int]]:
        """Fiscal quarters as (first month, last month), 1-based; the last may be short."""
        return [(q, min(q + 2, self.months)) for q in range(1, self.months + 1, 3)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    on_track: float = 1.0
    at_risk: float = 0.9


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A KPI: an assumption (``value``), a derived node (``formula``) or a lever (neither)."""

    id: str
    name: str
    unit: str = ""
    description: str = ""
    owner: str = ""
    due: dt.date | None = None
    direction: Direction = "up"
    whole: bool = False
    aggregate: Aggregate = "sum"
    signed: bool = False
    bounds: tuple[float, float] | None = None
    baseline: float | None = None
    history: tuple[float, ...] = ()
    value: float | None = None
    formula: Expr | None = None
    formula_text: str = ""
    target: float | None = None
    split: MappingProxyType[str, float] | None = None
    lag: int = 0

    @property
    def kind(self) -> Kind:
        if self.value is not None:
            return "assumption"
        if self.formula is not None:
            return "derived"
        return "lever"

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"

    @property
    def effective_bounds(self) -> tuple[float, float] | None:
        if self.bounds is not None:
            return self.bounds
        return (0.0, 1.0) if self.is_rate else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Funnel:
    id: str
    stages: tuple[str, ...]
    confidence: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Kfs:
    id: str
    name: str
    kpis: tuple[str, ...] = ()
    owner: str = ""
    due: dt.date | None = None
    status: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """A validated plan. ``nodes`` keeps the file's order."""

    title: str
    kgi: str
    nodes: MappingProxyType[str, Node]
    period: Period
    locale: Literal["en", "ja"] = "en"
    currency: str = "USD"
    money_display: Literal["unit", "thousand", "million"] = "unit"
    seasonality: tuple[float, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    confidence: float | None = None
    realism: float = 0.5
    funnels: tuple[Funnel, ...] = ()
    kfs: tuple[Kfs, ...] = ()
    version: int = 1
    source: str = "plan.yaml"  # file name used in messages
    lines: MappingProxyType[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """Line number (1-based) of each field path in the source file, where YAML gave one."""

    @property
    def months(self) -> int:
        return self.period.months

    @property
    def weights(self) -> tuple[float, ...]:
        return self.seasonality or (1.0,) * self.period.months
