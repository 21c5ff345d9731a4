"""The plan's numbers month by month, and tracking against entered actuals.

``schedule`` splits every node's plan-period number into months (with its shape and carry-in);
:func:`kpixl.engine.track.track` computes what the Tracking sheet shows. Both only combine
the functions of :mod:`periods <kpixl.engine.periods>` and
:mod:`tracking <kpixl.engine.tracking>`, each of which has a formula twin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kpixl.engine import periods
from kpixl.engine import recipe as rc
from kpixl.engine.confidence import confidence_count
from kpixl.engine.links import FunnelLink, funnel_links, rate_links
from kpixl.engine.solve import Solution
from kpixl.engine.track import NodeTrack, Tracking, track

__all__ = ["FunnelLink", "NodeSchedule", "NodeTrack", "Tracking", "confidence_counts",
           "funnel_links", "rate_links", "rate_value", "schedule", "track"]

Cell = float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeSchedule:
    shape: tuple[float, ...]  # monthly weights (seasonality rotated by the node's shift)
    monthly: tuple[float, ...]  # published monthly targets
    carry_in: float | None  # pipeline needed before the plan starts (lagged operands)


def schedule(solution: Solution,
             frozen: Mapping[str, Sequence[Cell]] | None = None) -> dict[str, NodeSchedule]:
    """Monthly targets of every node (units of the node), in plan order; ``frozen`` holds the
    frozen months (``frz_X``) a plan change keeps (:func:`kpixl.engine.periods.monthly_targets`).
    """
    plan = solution.plan
    out: dict[str, NodeSchedule] = {}
    for n, res in solution.nodes.items():
        node = plan.nodes[n]
        shape = periods.rotate(plan.weights, res.shift)
        monthly = periods.monthly_targets(res.goal, shape, aggregate=node.aggregate,
                                          whole=node.whole, baseline=node.baseline,
                                          frozen=(frozen or {}).get(n))
        carry = None
        if res.lag_node is not None:
            lag_shape = periods.rotate(plan.weights, solution.nodes[res.lag_node].shift)
            carry = periods.carry_in(res.total, lag_shape, res.lag, whole=node.whole)
        out[n] = NodeSchedule(shape=shape, monthly=monthly, carry_in=carry)
    return out


def rate_value(solution: Solution, rate: rc.Recipe) -> float:
    """The planned rate of a funnel link (evaluated on the solved totals)."""

    def leaf(x: rc.Recipe) -> float:
        assert isinstance(x, rc.Kpi)
        return solution.total(x.id)

    return rc.evaluate(rate, leaf)


def confidence_counts(solution: Solution) -> dict[tuple[str, str], int]:
    """(funnel, stage) -> smallest N reaching the bottom stage's target with probability >= c."""
    plan = solution.plan
    links = funnel_links(solution)
    out: dict[tuple[str, str], int] = {}
    for f in plan.funnels:
        c = f.confidence if f.confidence is not None else plan.confidence
        if c is None:
            continue
        bottom = solution.total(f.stages[-1])
        p = 1.0
        mine = [lk for lk in links if lk.funnel == f.id]
        out[(f.id, f.stages[-1])] = confidence_count(bottom, 1.0, c)
        for lk in reversed(mine):
            try:
                p *= rate_value(solution, lk.rate)
            except ZeroDivisionError:  # a ratio over a stage planned at 0: no count above it
                break
            out[(f.id, lk.upper)] = confidence_count(bottom, p, c) if 0 < p <= 1 else 0
    return out
