"""Funnel links: which stage converts into which, through which rate, with which lag."""

from __future__ import annotations

from dataclasses import dataclass

from kpixl.engine import recipe as rc
from kpixl.engine.solve import Solution
from kpixl.model import expr as ex

__all__ = ["FunnelLink", "funnel_links", "rate_links"]


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


def rate_links(solution: Solution) -> dict[str, FunnelLink]:
    """Rate assumption id -> the one funnel link it is the factor of (stage k+1's formula is
    exactly stage k times it); a rate that is the factor of more than one link is left out: it
    takes no observed actual."""
    seen: dict[str, dict[tuple[str, str], FunnelLink]] = {}
    for lk in funnel_links(solution):
        node = solution.plan.nodes[lk.lower]
        e = node.formula
        if not (isinstance(lk.rate, rc.Kpi) and isinstance(e, ex.BinOp) and e.op == "*"
                and isinstance(e.left, ex.Ref) and isinstance(e.right, ex.Ref)):
            continue
        if solution.plan.nodes[lk.rate.id].kind != "assumption":
            continue
        seen.setdefault(lk.rate.id, {})[(lk.upper, lk.lower)] = lk
    return {r: next(iter(v.values())) for r, v in seen.items() if len(v) == 1}
