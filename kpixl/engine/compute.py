"""The plan's numbers month by month, and tracking against entered actuals.

``schedule`` splits every node's plan-period number into months (with its shape and carry-in);
``track`` computes what the Tracking sheet shows for given actuals, overrides and as-of month.
Both only combine the functions of :mod:`periods <kpixl.engine.periods>` and
:mod:`tracking <kpixl.engine.tracking>`, each of which has a formula twin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kpixl.engine import periods, tracking
from kpixl.engine import recipe as rc
from kpixl.engine.confidence import confidence_count
from kpixl.engine.solve import Solution
from kpixl.model import expr as ex

__all__ = ["FunnelLink", "NodeSchedule", "NodeTrack", "Tracking", "funnel_links", "schedule",
           "track"]

Cell = float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeSchedule:
    shape: tuple[float, ...]  # monthly weights (seasonality rotated by the node's shift)
    monthly: tuple[float, ...]  # published monthly targets
    carry_in: float | None  # pipeline needed before the plan starts (lagged operands)


def schedule(solution: Solution) -> dict[str, NodeSchedule]:
    """Monthly targets of every node (units of the node), in plan order."""
    plan = solution.plan
    out: dict[str, NodeSchedule] = {}
    for n, res in solution.nodes.items():
        node = plan.nodes[n]
        shape = periods.rotate(plan.weights, res.shift)
        monthly = periods.monthly_targets(res.goal, shape, aggregate=node.aggregate,
                                          whole=node.whole, baseline=node.baseline)
        carry = None
        if res.lag_node is not None:
            lag_shape = periods.rotate(plan.weights, solution.nodes[res.lag_node].shift)
            carry = periods.carry_in(res.total, lag_shape, res.lag, whole=node.whole)
        out[n] = NodeSchedule(shape=shape, monthly=monthly, carry_in=carry)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class FunnelLink:
    """Stage ``upper`` -> ``lower`` of a funnel: ``lower = upper x rate`` with ``lag``."""

    funnel: str
    upper: str
    lower: str
    rate: rc.Recipe  # the planned rate: the other factor when lower = upper * r, else the ratio
    lag: int


def funnel_links(solution: Solution) -> list[FunnelLink]:
    links = []
    for f in solution.plan.funnels:
        for upper, lower in zip(f.stages, f.stages[1:], strict=False):
            node = solution.plan.nodes[lower]
            e = node.formula
            rate: rc.Recipe = rc.Op("/", rc.Kpi(lower), rc.Kpi(upper))
            if isinstance(e, ex.BinOp) and e.op == "*":
                for a, b in ((e.left, e.right), (e.right, e.left)):
                    if isinstance(a, ex.Ref) and a.id == upper and isinstance(b, ex.Ref | ex.Num):
                        rate = rc.Kpi(b.id) if isinstance(b, ex.Ref) else rc.Num(b.value)
            links.append(FunnelLink(funnel=f.id, upper=upper, lower=lower, rate=rate,
                                    lag=node.lag))
    return links


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


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeTrack:
    effective: tuple[float, ...]
    last_entered: int
    ytd_target: float | None
    ytd_actual: float | None
    achievement: float | None
    status: str | None
    forecast: float | None
    remaining: float | None  # sum nodes: what is left of the goal after the YTD actual
    catch_up: tuple[float | None, ...]
    month_achievement: tuple[float | None, ...]
    month_status: tuple[str | None, ...]
    quarter_target: tuple[float | None, ...]
    quarter_actual: tuple[float | None, ...]
    quarter_achievement: tuple[float | None, ...]
    quarter_status: tuple[str | None, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracking:
    asof: int
    nodes: Mapping[str, NodeTrack]
    observed: Mapping[tuple[str, str], float | None]  # (upper, lower) -> observed rate


def track(solution: Solution, sched: Mapping[str, NodeSchedule],
          actuals: Mapping[str, Sequence[Cell]] | None = None,
          overrides: Mapping[str, Sequence[Cell]] | None = None,
          asof: int | None = None) -> Tracking:
    """Everything the Tracking sheet computes, for entered actuals/overrides (None = blank)."""
    plan = solution.plan
    n = plan.months
    blank: tuple[Cell, ...] = (None,) * n
    acts = {k: tuple((actuals or {}).get(k, blank)) for k in plan.nodes}
    ovrs = {k: tuple((overrides or {}).get(k, blank)) for k in plan.nodes}
    a = tracking.resolve_asof(asof, acts.values())
    th = plan.thresholds
    out: dict[str, NodeTrack] = {}
    for k, node in plan.nodes.items():
        agg, act, s = node.aggregate, acts[k], sched[k]
        eff = tracking.effective_targets(s.monthly, ovrs[k])
        ytd_t = tracking.window_target(eff, 1, a, agg)
        ytd_a = tracking.window_actual(act, 1, a, agg)
        ach = tracking.achievement(ytd_a, ytd_t, node.direction)
        m_ach = tuple(tracking.achievement(act[m], eff[m], node.direction) if m < a else None
                      for m in range(n))
        qt, qa = [], []
        for q0, q1 in plan.period.quarters:
            qt.append(tracking.window_target(eff, q0, min(q1, a), agg))
            qa.append(tracking.window_actual(act, q0, min(q1, a), agg))
        q_ach = tuple(tracking.achievement(x, t, node.direction) for x, t in zip(qa, qt,
                                                                                strict=True))
        if agg == "sum":
            rem = tracking.remaining(solution.nodes[k].goal, ytd_a)
            cu = tracking.catch_up(solution.nodes[k].goal, ytd_a, s.shape, a, whole=node.whole)
        else:
            rem, cu = None, (None,) * n
        out[k] = NodeTrack(
            effective=eff, last_entered=tracking.last_entered(act), ytd_target=ytd_t,
            ytd_actual=ytd_a, achievement=ach, status=tracking.status(ach, th.on_track,
                                                                      th.at_risk),
            forecast=tracking.forecast(act, s.shape, a, agg), remaining=rem, catch_up=cu,
            month_achievement=m_ach,
            month_status=tuple(tracking.status(x, th.on_track, th.at_risk) for x in m_ach),
            quarter_target=tuple(qt), quarter_actual=tuple(qa), quarter_achievement=q_ach,
            quarter_status=tuple(tracking.status(x, th.on_track, th.at_risk) for x in q_ach))
    observed = {(lk.upper, lk.lower): tracking.observed_rate(acts[lk.upper], acts[lk.lower], a,
                                                             lk.lag)
                for lk in funnel_links(solution)}
    return Tracking(asof=a, nodes=out, observed=observed)
