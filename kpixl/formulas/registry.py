"""Which formula builder mirrors which engine function, and which ``KPIXL_`` user function wraps it.

The engine (:mod:`kpixl.engine`, :mod:`kpixl.engine.rounding`) is the only source of truth; the
workbook computes the same numbers with the formulas of :mod:`kpixl.formulas.builders`, and the
xlwings add-in exposes the engine as ``KPIXL_*`` functions (:mod:`kpixl.xl.functions`). This
table is the list of those partnerships, kept as data:

- ``tests/test_registry.py`` fails when a public function of ``kpixl.formulas.builders``
  or ``kpixl.formulas.tracking`` has no engine partner, when an engine function listed here
  no longer exists, or when a public function of ``kpixl.engine.periods`` /
  ``kpixl.engine.tracking`` has no formula partner;
- ``tests/test_conformance.py`` evaluates every pair on hundreds of generated inputs in one
  LibreOffice run and compares the formula's result with the engine's.

A pair names one *variant* of an engine function when the builder depends on an option
(``options``): ``periods.monthly_targets`` splits a total three ways (sum, sum of whole numbers,
last with a baseline), each with its own builder. ``formula`` is None where the workbook has no
builder yet (the layout writes the formula itself); ``udf`` is None where no user function wraps
the engine function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kpixl.engine import funnel, gap, periods, recipe, rounding, tracking
from kpixl.engine.confidence import confidence_count
from kpixl.engine.solve import solve
from kpixl.formulas import builders as fx
from kpixl.formulas import tracking as ft

__all__ = ["PAIRS", "Pair", "by_name"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    """An engine function, its formula twin and its user function."""

    name: str  # "module.function", with "/variant" when the builder depends on an option
    engine: Callable[..., Any]
    formula: Callable[..., str] | None
    udf: str | None = None  # KPIXL_... in kpixl.xl.functions
    options: tuple[tuple[str, Any], ...] = ()  # keyword options that select the variant
    note: str = ""


PAIRS: tuple[Pair, ...] = (
    # -- rounding (plan-format.md, "Rounding and the noise guard") ------------------------------
    Pair(name="rounding.guard", engine=rounding.guard, formula=fx.guard),
    Pair(name="rounding.round_up", engine=rounding.round_up, formula=fx.rounded,
         options=(("direction", "up"),)),
    Pair(name="rounding.round_down", engine=rounding.round_down, formula=fx.rounded,
         options=(("direction", "down"),)),
    Pair(name="rounding.round_nearest", engine=rounding.round_nearest, formula=fx.rounded,
         options=(("direction", "nearest"),)),
    # -- periods (plan-format.md, "Periods") -----------------------------------------------------
    Pair(name="periods.monthly_targets/sum", engine=periods.monthly_targets,
         formula=fx.monthly_sum, udf="KPIXL_MONTHLY",
         options=(("aggregate", "sum"), ("whole", False))),
    Pair(name="periods.monthly_targets/sum_whole", engine=periods.monthly_targets,
         formula=fx.monthly_sum_whole, udf="KPIXL_MONTHLY",
         options=(("aggregate", "sum"), ("whole", True))),
    Pair(name="periods.monthly_targets/last", engine=periods.monthly_targets,
         formula=fx.monthly_last, udf="KPIXL_MONTHLY", options=(("aggregate", "last"),),
         note="with a baseline; without one (and for mean nodes) every month is the total"),
    Pair(name="periods.carry_in", engine=periods.carry_in, formula=fx.carry_in),
    Pair(name="periods.cumulative", engine=periods.cumulative, formula=fx.cumulative_step),
    Pair(name="periods.rotate", engine=periods.rotate, formula=fx.rotated_weight),
    Pair(name="periods.frozen_count", engine=periods.frozen_count, formula=fx.frozen_count),
    Pair(name="periods.monthly_targets/frozen", engine=periods.monthly_targets,
         formula=fx.frozen_month, options=(("frozen", "rows"),),
         note="a frozen month keeps frz_X; the open months split frozen_rest"),
    Pair(name="periods.monthly_targets/frozen_rest", engine=periods.monthly_targets,
         formula=fx.frozen_rest, options=(("frozen", "rest"),)),
    Pair(name="periods.monthly_targets/frozen_open", engine=periods.monthly_targets,
         formula=fx.frozen_open, note="0 (or T) when no weight remains after month F"),
    Pair(name="periods.monthly_targets/frozen_at", engine=periods.monthly_targets,
         formula=fx.frozen_at, note="C_F and month F's level for the open months"),
    # -- tracking (plan-format.md, "Tracking") ---------------------------------------------------
    Pair(name="tracking.resolve_asof/label", engine=tracking.resolve_asof,
         formula=ft.asof_label, note="the as-of month shown as YYYY-MM"),
    Pair(name="tracking.resolve_asof/caption", engine=tracking.resolve_asof,
         formula=ft.asof_caption, note="the Dashboard's subtitle"),
    Pair(name="tracking.window_actual/chart", engine=tracking.window_actual,
         formula=ft.chart_point, note="the Dashboard's chart rows: #N/A is no point"),
    Pair(name="tracking.achievement/month", engine=tracking.achievement,
         formula=ft.month_achievement, note="blank after the as-of month"),
    Pair(name="tracking.observed_rate/typed", engine=tracking.observed_rate,
         formula=ft.typed_switch, note="a typed rate wins over the observed one"),
    Pair(name="tracking.effective_targets", engine=tracking.effective_targets,
         formula=fx.effective_target),
    Pair(name="tracking.last_entered", engine=tracking.last_entered, formula=ft.last_entered),
    Pair(name="tracking.asof_from_input", engine=tracking.asof_from_input,
         formula=ft.asof_input),
    Pair(name="tracking.resolve_asof", engine=tracking.resolve_asof, formula=ft.resolve_asof),
    Pair(name="tracking.reported", engine=tracking.reported, formula=ft.entered_month,
         note="the helper row: m where month m has an actual, -m where not"),
    Pair(name="tracking.reported/count", engine=tracking.reported, formula=ft.reported_count),
    Pair(name="tracking.reported/last", engine=tracking.reported, formula=ft.own_asof),
    Pair(name="tracking.reported/pick", engine=tracking.reported, formula=ft.pick,
         note="a month of a row; the cell itself for a one-month plan"),
    Pair(name="tracking.missing", engine=tracking.missing, formula=ft.missing),
    Pair(name="tracking.missing_months", engine=tracking.missing_months,
         formula=ft.missing_marker, note="the marker names the latest missing month"),
    Pair(name="tracking.missing_months/targets", engine=tracking.missing_months,
         formula=ft.missing_sum),
    Pair(name="tracking.over_months/sum", engine=tracking.over_months, formula=ft.over_reported,
         options=(("aggregate", "sum"),)),
    Pair(name="tracking.over_months/mean", engine=tracking.over_months,
         formula=ft.over_reported, options=(("aggregate", "mean"),)),
    Pair(name="tracking.over_months/last", engine=tracking.over_months,
         formula=ft.over_reported, options=(("aggregate", "last"),)),
    Pair(name="tracking.window_target", engine=tracking.window_target,
         formula=fx.window_target, note="the Monthly Targets sheet's quarter and total cells"),
    Pair(name="tracking.window_actual", engine=tracking.window_actual, formula=ft.over_reported,
         note="over the reported months of a window"),
    Pair(name="tracking.achievement/up", engine=tracking.achievement, formula=fx.achievement,
         udf="KPIXL_ACHIEVEMENT", options=(("direction", "up"),)),
    Pair(name="tracking.achievement/down", engine=tracking.achievement, formula=fx.achievement,
         udf="KPIXL_ACHIEVEMENT", options=(("direction", "down"),)),
    Pair(name="tracking.status", engine=tracking.status, formula=fx.status, udf="KPIXL_STATUS"),
    Pair(name="tracking.forecast", engine=tracking.forecast, formula=fx.forecast,
         udf="KPIXL_FORECAST", options=(("aggregate", "sum"),),
         note="other aggregates: the actual of the own as-of month, over_months/last"),
    Pair(name="tracking.forecast/weights", engine=tracking.forecast,
         formula=ft.reported_weight, note="the shape weights over the reported months"),
    Pair(name="tracking.remaining", engine=tracking.remaining, formula=fx.remaining,
         note="the catch-up row's YTD cell, kpixl_rem_X"),
    Pair(name="tracking.catch_up", engine=tracking.catch_up, formula=fx.catch_up,
         udf="KPIXL_CATCHUP"),
    Pair(name="tracking.observed_months", engine=tracking.observed_months,
         formula=ft.observed_month),
    Pair(name="tracking.observed_months/rate", engine=tracking.observed_months,
         formula=ft.rate_month, note="a rate's own months while typed, else its link's"),
    Pair(name="tracking.observed_rate", engine=tracking.observed_rate,
         formula=ft.observed_figure),
    Pair(name="tracking.observed_rate/shifted", engine=tracking.observed_rate,
         formula=ft.shifted, note="stage k's actuals L months earlier"),
    Pair(name="tracking.observed_rate/month", engine=tracking.observed_rate,
         formula=ft.observed_month_rate, note="one month's rate (monthly achievement)"),
    # -- gap attribution (plan-format.md "Tracking"; the Dashboard's block) ---------------------
    Pair(name="gap.attribute", engine=gap.attribute, formula=ft.gap_share,
         note="checked cell by cell on whole plans (test_liveness, test_gnumeric)"),
    Pair(name="gap.attribute/gap", engine=gap.attribute, formula=ft.gap_total),
    Pair(name="gap.attribute/figure", engine=gap.attribute, formula=ft.gap_figure),
    Pair(name="gap.attribute/complete", engine=gap.attribute, formula=ft.complete),
    Pair(name="gap.differs", engine=gap.differs, formula=ft.gap_split),
    Pair(name="gap.attribute/lacking", engine=gap.attribute, formula=ft.gap_lacking),
    Pair(name="gap.unexplained", engine=gap.unexplained, formula=ft.unexplained),
    Pair(name="gap.attribute/cause", engine=gap.attribute, formula=ft.gap_cause),
    Pair(name="gap.attribute/cause_name", engine=gap.attribute, formula=ft.gap_cause_name),
    Pair(name="gap.attribute/leaf", engine=gap.attribute, formula=ft.gap_leaf),
    Pair(name="gap.attribute/node", engine=gap.attribute, formula=ft.gap_node_share,
         note="gap_X: the sum of the node's rows"),
    # -- funnel (plan-format.md, "Back-calculation"; domain-notes.md section 2) ------------------
    Pair(name="funnel.required_counts", engine=funnel.required_counts,
         formula=fx.funnel_stage, udf="KPIXL_BACKCALC",
         note="one builder call per stage: ROUNDUP(guard(below / rate), 0)"),
    # -- back-calculation (plan-format.md, "Back-calculation") ------------------------------------
    Pair(name="recipe.evaluate", engine=recipe.evaluate, formula=fx.render,
         note="every kpi_ cell is its node's recipe rendered; checked by test_workbook and "
              "test_liveness on whole plans"),
    Pair(name="solve.solve", engine=solve, formula=None, udf="KPIXL_SOLVE",
         note="the workbook's twin is recipe.evaluate <-> render, node by node"),
    Pair(name="confidence.confidence_count", engine=confidence_count, formula=None,
         udf="KPIXL_CONFIDENCE",
         note="no portable formula (a search over N): the contract's one engine-only number"),
)


def by_name(name: str) -> Pair:
    """The pair called ``name`` (KeyError when there is none)."""
    for pair in PAIRS:
        if pair.name == name:
            return pair
    raise KeyError(name)
