"""Tracking a plan against entered actuals: what the Tracking sheet and the report show.

Only combines the functions of :mod:`kpixl.engine.tracking` (each with a formula twin) and
:func:`kpixl.engine.gap.attribute`, following plan-format.md "Tracking":

* as-of: the input, else the KGI's last month with an actual, else any node's;
* per node its reported months R (1..asof with an actual) and missing months; YTD, achievement,
  status, quarter figures and forecast over R; the catch-up assumes each missing month meets its
  target until it is reported;
* a funnel rate with no entered actual in 1..asof takes the **observed rate** as its actual
  (:func:`kpixl.engine.links.rate_links`): its reported months are stage k+1's reported months m
  with stage k entered in month m - L, its YTD actual sum(stage k+1) / sum(stage k, L earlier);
* gap attribution over the KGI's reported months R_KGI (A and T per node, see
  :mod:`kpixl.engine.gap`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kpixl.engine import tracking as tr
from kpixl.engine.gap import Attribution, attribute
from kpixl.engine.links import FunnelLink, funnel_links, rate_links
from kpixl.engine.solve import Solution

if TYPE_CHECKING:
    from kpixl.engine.compute import NodeSchedule

__all__ = ["NodeTrack", "Tracking", "track"]

Cell = float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeTrack:
    effective: tuple[float, ...]  # monthly targets in tracking (overrides applied)
    last_entered: int  # last month with an entered actual, any month of the plan (0: none)
    reported: tuple[int, ...]  # R: months 1..asof with an actual (observed rates: see module)
    missing: int | None  # missing_X: months 1..asof without an actual; None: nobody reports it
    missing_months: tuple[int, ...]
    observed: bool  # the actual is the observed funnel rate (no rate typed in 1..asof)
    ytd_target: float | None
    ytd_actual: float | None
    achievement: float | None
    status: str | None
    forecast: float | None
    remaining: float | None  # sum nodes: what the open months must still bring
    catch_up: tuple[float | None, ...]
    month_achievement: tuple[float | None, ...]
    month_status: tuple[str | None, ...]
    quarter_target: tuple[float | None, ...]
    quarter_actual: tuple[float | None, ...]
    quarter_achievement: tuple[float | None, ...]
    quarter_status: tuple[str | None, ...]
    gap_actual: float | None  # A over R_KGI (gap attribution)
    gap_target: float | None  # T over R_KGI
    complete: bool  # reported in every month of R_KGI (observed rate: both stages are)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracking:
    asof: int
    nodes: Mapping[str, NodeTrack]
    observed: Mapping[tuple[str, str], float | None]  # (upper, lower) -> observed rate
    gap: Attribution


def _ratio(lower: Sequence[Cell], upper: Sequence[Cell], m: int, lag: int) -> float | None:
    """One month's observed rate: lower[m] / upper[m - lag] (None when blank or 0)."""
    a, b = lower[m - 1], upper[m - lag - 1] if m - lag >= 1 else None
    return None if a is None or b is None or b == 0 else a / b


def _shifted_sum(row: Sequence[Cell], months: Sequence[int], lag: int) -> float:
    total = 0.0
    for m in months:
        if m - lag >= 1 and row[m - lag - 1] is not None:
            total += float(row[m - lag - 1])  # type: ignore[arg-type]
    return total


def _entered_sum(row: Sequence[Cell], months: Sequence[int]) -> tuple[float, int]:
    total, k = 0.0, 0
    for m in months:
        if row[m - 1] is not None:
            total += float(row[m - 1])  # type: ignore[arg-type]
            k += 1
    return total, k


def _gap_figures(agg: str, act: Sequence[Cell], eff: Sequence[float], months: Sequence[int],
                 link: FunnelLink | None, acts: Mapping[str, Sequence[Cell]],
                 ) -> tuple[float | None, float | None, bool]:
    """(A, T, complete) of one node over R_KGI (``months``)."""
    if not months:
        return None, None, False
    if link is not None:  # an observed rate
        lo, up = acts[link.lower], acts[link.upper]
        num, _k = _entered_sum(lo, months)
        den = _shifted_sum(up, months, link.lag)
        a = num / den if den != 0 else None
        t = tr.over_months(eff, months, "mean")
        return a, t, all(lo[m - 1] is not None and up[m - 1] is not None for m in months)
    complete = all(act[m - 1] is not None for m in months)
    if agg == "last":
        return act[months[-1] - 1], eff[months[-1] - 1], complete
    total, k = _entered_sum(act, months)
    t = tr.over_months(eff, months, agg)
    if not k:
        return None, t, complete
    return (total if agg == "sum" else total / k), t, complete


def _figure(months: Sequence[int], act: Sequence[Cell], agg: str, asof: int,
            obs: tuple[Sequence[Cell], Sequence[Cell], int] | None) -> float | None:
    """A node's actual over ``months``: its own (sum, mean, last), or for an observed rate
    (``obs`` = stage k+1, stage k, lag) the observed rate over those months."""
    if obs is None:
        return tr.over_months(act, months, agg)
    lo, up, lag = obs
    return tr.observed_rate(up, lo, asof, lag, months=months) if months else None


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
    a = tr.resolve_asof(asof, acts.values(), acts[plan.kgi])
    th = plan.thresholds
    rates = rate_links(solution)
    kgi_months = tr.reported(acts[plan.kgi], a)
    out: dict[str, NodeTrack] = {}
    for k, node in plan.nodes.items():
        agg, act, s = node.aggregate, acts[k], sched[k]
        eff = tr.effective_targets(s.monthly, ovrs[k])
        link = rates.get(k)
        observed = link is not None and not tr.reported(act, a)
        if observed:
            assert link is not None
            lo, up, lag = acts[link.lower], acts[link.upper], link.lag
            months = tr.observed_months(up, lo, a, lag)
            obs: tuple[Sequence[Cell], Sequence[Cell], int] | None = (lo, up, lag)
            month_value = tuple(_ratio(lo, up, m, lag) if m in months else None
                                for m in range(1, n + 1))
            miss: int | None = None
            miss_months: tuple[int, ...] = ()
            fc = month_value[months[-1] - 1] if months else None
        else:
            months = tr.reported(act, a)
            obs = None
            month_value = tuple(act[m - 1] if m in months else None for m in range(1, n + 1))
            miss, miss_months = tr.missing(act, a), tr.missing_months(act, a)
            fc = tr.forecast(act, s.shape, a, agg)
        ytd_t, ytd_a = tr.over_months(eff, months, agg), _figure(months, act, agg, a, obs)
        ach = tr.achievement(ytd_a, ytd_t, node.direction)
        m_ach = tuple(tr.achievement(month_value[m], eff[m], node.direction) for m in range(n))
        qt, qa = [], []
        for q0, q1 in plan.period.quarters:
            qm = [m for m in months if q0 <= m <= q1]
            qt.append(tr.over_months(eff, qm, agg))
            qa.append(_figure(qm, act, agg, a, obs))
        q_ach = tuple(tr.achievement(x, t, node.direction) for x, t in zip(qa, qt, strict=True))
        rem: float | None = None
        cu: tuple[float | None, ...] = (None,) * n
        if agg == "sum" and a >= 1 and any(x is not None for x in act):
            gone = tr.over_months(eff, miss_months, "sum") or 0.0
            rem = tr.remaining(solution.nodes[k].goal, ytd_a, gone)
            cu = tr.catch_up(solution.nodes[k].goal, ytd_a, s.shape, a, whole=node.whole,
                             missing_target=gone)
        ga, gt, complete = _gap_figures(agg, act, eff, kgi_months, link if observed else None,
                                        acts)
        out[k] = NodeTrack(
            effective=eff, last_entered=tr.last_entered(act), reported=tuple(months),
            missing=miss, missing_months=miss_months, observed=observed, ytd_target=ytd_t,
            ytd_actual=ytd_a, achievement=ach, status=tr.status(ach, th.on_track, th.at_risk),
            forecast=fc, remaining=rem, catch_up=cu, month_achievement=m_ach,
            month_status=tuple(tr.status(x, th.on_track, th.at_risk) for x in m_ach),
            quarter_target=tuple(qt), quarter_actual=tuple(qa), quarter_achievement=q_ach,
            quarter_status=tuple(tr.status(x, th.on_track, th.at_risk) for x in q_ach),
            gap_actual=ga, gap_target=gt, complete=complete)
    observed_rates = {(lk.upper, lk.lower): tr.observed_rate(acts[lk.upper], acts[lk.lower], a,
                                                             lk.lag)
                      for lk in funnel_links(solution)}
    needs = {r: (lk.upper, lk.lower) for r, lk in rates.items() if out[r].observed}
    gap = attribute(plan.kgi, {k: nd.formula for k, nd in plan.nodes.items()},
                    solution.determined, plan.nodes[plan.kgi].direction,
                    {k: v.gap_actual for k, v in out.items()},
                    {k: v.gap_target for k, v in out.items()},
                    complete={k for k, v in out.items() if v.complete}, needs=needs)
    return Tracking(asof=a, nodes=out, observed=observed_rates, gap=gap)
