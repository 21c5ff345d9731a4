"""Which formula builder mirrors which engine function, and which ``KPIXL_`` user function wraps it.

The engine (:mod:`kpixl.engine`, :mod:`kpixl.engine.rounding`) is the only source of truth; the
workbook computes the same numbers with the formulas of :mod:`kpixl.formulas.builders`, and the
xlwings add-in exposes the engine as ``KPIXL_*`` functions (:mod:`kpixl.xl.functions`). This
table is the list of those partnerships, kept as data:

- ``tests/test_registry.py`` fails when a public function of ``kpixl.formulas.builders`` has
  no engine partner, when an engine function listed here no longer exists, or when a public
  function of ``kpixl.engine.periods`` / ``kpixl.engine.tracking`` has no formula partner;
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

from kpixl.engine import funnel, periods, recipe, rounding, tracking
from kpixl.engine.confidence import confidence_count
from kpixl.engine.solve import solve
from kpixl.formulas import builders as fx

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
    # -- tracking (plan-format.md, "Tracking") ---------------------------------------------------
    Pair(name="tracking.effective_targets", engine=tracking.effective_targets,
         formula=fx.effective_target),
    Pair(name="tracking.last_entered", engine=tracking.last_entered, formula=fx.last_entered),
    Pair(name="tracking.resolve_asof", engine=tracking.resolve_asof, formula=fx.resolve_asof),
    Pair(name="tracking.window_target/sum", engine=tracking.window_target,
         formula=fx.window_target, options=(("aggregate", "sum"),)),
    Pair(name="tracking.window_target/mean", engine=tracking.window_target,
         formula=fx.window_target, options=(("aggregate", "mean"),)),
    Pair(name="tracking.window_target/last", engine=tracking.window_target,
         formula=fx.window_target, options=(("aggregate", "last"),)),
    Pair(name="tracking.window_actual/sum", engine=tracking.window_actual,
         formula=fx.window_actual, options=(("aggregate", "sum"),)),
    Pair(name="tracking.window_actual/mean", engine=tracking.window_actual,
         formula=fx.window_actual, options=(("aggregate", "mean"),)),
    Pair(name="tracking.window_actual/last", engine=tracking.window_actual,
         formula=fx.window_actual, options=(("aggregate", "last"),)),
    Pair(name="tracking.achievement/up", engine=tracking.achievement, formula=fx.achievement,
         udf="KPIXL_ACHIEVEMENT", options=(("direction", "up"),)),
    Pair(name="tracking.achievement/down", engine=tracking.achievement, formula=fx.achievement,
         udf="KPIXL_ACHIEVEMENT", options=(("direction", "down"),)),
    Pair(name="tracking.status", engine=tracking.status, formula=fx.status, udf="KPIXL_STATUS"),
    Pair(name="tracking.forecast", engine=tracking.forecast, formula=fx.forecast,
         udf="KPIXL_FORECAST", options=(("aggregate", "sum"),),
         note="other aggregates: the latest actual, window_actual/last"),
    Pair(name="tracking.remaining", engine=tracking.remaining, formula=fx.remaining,
         note="the catch-up row's YTD cell, kpixl_rem_X"),
    Pair(name="tracking.catch_up", engine=tracking.catch_up, formula=fx.catch_up,
         udf="KPIXL_CATCHUP"),
    Pair(name="tracking.observed_rate", engine=tracking.observed_rate,
         formula=fx.observed_rate),
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
