"""What every sheet builder shares: the plan, the engine's results, and where things live."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kpixl.engine import recipe as rc
from kpixl.engine.compute import FunnelLink, NodeSchedule, Tracking, schedule, track
from kpixl.engine.solve import Solution
from kpixl.formulas import builders as fx
from kpixl.formulas import tracking as ft
from kpixl.layout.core import CellRef, RangeRef, Sheet, SheetSink
from kpixl.layout.labels import label, sheet_name, status_labels
from kpixl.layout.styles import node_numfmt
from kpixl.model import Plan

STATUS_KEYS = {"on_track": 0, "at_risk": 1, "off_track": 2}

STREAMED = ("monthly", "tracking")
"""The month grids: nine tenths of a large plan's cells, and nothing changes them once laid
out, so a sink may take them row by row as they are built (:meth:`Context.sheet`)."""


@dataclass
class Context:
    plan: Plan
    solution: Solution
    sched: dict[str, NodeSchedule] = field(init=False)
    tracking: Tracking = field(init=False)
    names: dict[str, str] = field(default_factory=dict)
    share_refs: dict[tuple[str, str], CellRef] = field(default_factory=dict)
    baseline_refs: dict[str, CellRef] = field(default_factory=dict)
    season: RangeRef | None = None  # in_seasonality
    shape_rows: dict[int, RangeRef] = field(default_factory=dict)  # shift -> weights row
    cn_names: dict[int, str] = field(default_factory=dict)  # shift -> name of C_n
    c_asof_names: dict[int, str] = field(default_factory=dict)  # shift -> name of C at asof
    cum_rows: dict[int, RangeRef] = field(default_factory=dict)  # shift -> C_1..C_n
    month_idx: RangeRef | None = None  # 1..n on the Tracking sheet
    month_labels: RangeRef | None = None
    node_ids: RangeRef | None = None  # every node id, one per row (SMART sheet)
    effective_rows: dict[str, RangeRef] = field(default_factory=dict)
    ytd_target_cells: dict[str, CellRef] = field(default_factory=dict)
    status_cells: dict[str, CellRef] = field(default_factory=dict)
    inputs: list[tuple[str, object]] = field(default_factory=list)  # input cells as built
    # the Tracking sheet's per-node helpers (sheets_track): name -> reference text
    track_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    link_rows: dict[tuple[str, str], tuple[RangeRef, RangeRef]] = field(default_factory=dict)

    actuals: Mapping[str, Sequence[float | None]] | None = None
    overrides: Mapping[str, Sequence[float | None]] | None = None
    asof: int | None = None
    frozen: Mapping[str, Sequence[float | None]] | None = None  # frz_X rows (kpixl update)
    sink: SheetSink | None = None  # takes the STREAMED sheets as they are laid out

    def __post_init__(self) -> None:
        self.sched = schedule(self.solution, self.frozen)
        # cached values of the tracking formulas: what the workbook computes for these entries
        self.tracking = track(self.solution, self.sched, self.actuals, self.overrides, self.asof)

    # -- language and formats -------------------------------------------------------------------
    @property
    def locale(self) -> str:
        return self.plan.locale

    def t(self, key: str, **fmt: object) -> str:
        return label(key, self.plan.locale, **fmt)

    def sheet(self, key: str) -> Sheet:
        return Sheet(sheet_name(key, self.plan.locale),
                     sink=self.sink if key in STREAMED else None)

    @property
    def statuses(self) -> tuple[str, str, str]:
        return status_labels(self.plan.locale)

    def status_text(self, key: str | None) -> str:
        return "" if key is None else self.statuses[STATUS_KEYS[key]]

    def width_for(self, values: list[float], node_ids: list[str]) -> float:
        """A column width that shows the largest value of these nodes without ####."""
        widest = 8
        for v, n in zip(values, node_ids, strict=True):
            kind = self.fmt(n)
            text = f"{v:,.0f}" if kind in ("money", "count") else f"{v:,.2f}"
            extra = {"money": 4, "pct": 2}.get(kind, 1)
            if kind == "money" and self.plan.money_display != "unit":
                text = f"{v / (1e3 if self.plan.money_display == 'thousand' else 1e6):,.1f}"
            widest = max(widest, len(text) + extra)
        return widest + 1.5

    def fmt(self, node_id: str) -> str:
        return node_numfmt(self.plan.nodes[node_id], self.plan)

    # -- names ----------------------------------------------------------------------------------
    def name(self, name: str, ref: CellRef | RangeRef) -> str:
        self.names[name] = str(ref)
        return name

    def leaf(self, leaf: rc.Recipe) -> str:
        """Render a recipe leaf as a reference (for :func:`kpixl.formulas.builders.render`)."""
        if isinstance(leaf, rc.Kpi):
            return f"kpi_{leaf.id}"
        if isinstance(leaf, rc.Input):
            return f"in_{leaf.id}"
        if isinstance(leaf, rc.Share):
            return str(self.share_refs[(leaf.node, leaf.operand)])
        raise TypeError(leaf)

    def render(self, recipe: rc.Recipe) -> str:
        return fx.render(recipe, self.leaf)

    def goal_ref(self, node_id: str) -> str:
        """What a node's months split: a root's target (``in_X``), else its total (``kpi_X``)."""
        res, node = self.solution.nodes[node_id], self.plan.nodes[node_id]
        return f"in_{node_id}" if res.role == "root" and node.target is not None \
            else f"kpi_{node_id}"

    def display_name(self, node_id: str) -> str:
        return self.plan.nodes[node_id].name

    # -- shared formulas ------------------------------------------------------------------------
    def c_at(self, shift: int, month: int | str) -> str:
        """C_m of a shape: a cell of its cumulative row (``C_0 = 0``)."""
        cum = self.cum_rows[shift]
        if isinstance(month, int):
            return "0" if month == 0 else str(cum.cell(month - 1))
        if month == "asof" and shift in self.c_asof_names:
            return self.c_asof_names[shift]
        return f"IF({month}=0,0,{ft.pick(cum, month, self.plan.months)})"

    def cn(self, shift: int) -> str:
        """C_n of a shape: its named total (``kpixl_cn_<shift>``) once placed."""
        return self.cn_names.get(shift) or str(self.cum_rows[shift].cell(self.plan.months - 1))

    def carry_formula(self, node_id: str) -> str:
        res = self.solution.nodes[node_id]
        assert res.lag_node is not None
        shift = self.solution.nodes[res.lag_node].shift
        full, part = divmod(res.lag, self.plan.months)
        cl = self.c_at(shift, part)
        if full:
            cl = f"({full}*{self.cn(shift)}+{cl})"
        return fx.carry_in(f"kpi_{node_id}", cl, self.cn(shift), self.plan.nodes[node_id].whole)

    def observed_formula(self, link: FunnelLink) -> str:
        """The observed rate of a funnel link over its months (the link's helper rows on the
        Tracking sheet)."""
        h, shifted = self.link_rows[(link.upper, link.lower)]
        return ft.observed_figure(f"act_{link.lower}", shifted, h, 1, "asof")
