"""An independent reading of plan-format.md "Tracking" (and "Periods": frozen months), for tests.

Written from the spec text alone, without the engine's tracking, periods or gap modules: it takes
what the back-calculation already fixed (each node's plan total, goal and shape shift, and the set
of determined nodes) plus the inputs a person types (actuals, overrides, frozen targets, the as-of
input) and computes every named tracking value of the workbook contract: ``asof``, ``ytd_X``,
``ach_X``, ``fc_X``, ``missing_X``, ``gap_X``, ``kpixl_gap``, ``kpixl_unexplained``,
``kpixl_cause``. Tests compare it with the engine and with the workbook after LibreOffice and
Gnumeric recalculate it. Plain floats; blanks are None.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kpixl.model import expr as ex

Row = Sequence[float | None]


# -- rounding as the spec states it -----------------------------------------------------------
def guard(x: float) -> float:
    """12 significant digits, half away from zero (on the 15-digit decimal form, as Excel)."""
    if x == 0 or not math.isfinite(x):
        return x
    d = Decimal(repr(float(f"{x:.15g}")))
    exp = d.adjusted() - 11
    return float(d.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_UP))


def nearest(x: float) -> float:
    return float(Decimal(repr(guard(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round9(x: float) -> float:
    return float(Decimal(repr(float(f"{x:.15g}"))).quantize(Decimal("1e-9"),
                                                            rounding=ROUND_HALF_UP))


# -- inputs --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class RefNode:
    id: str
    aggregate: str  # sum | mean | last
    direction: str = "up"
    whole: bool = False
    total: float = 0.0  # the plan target T of the node (a root's goal)
    baseline: float | None = None
    shift: int = 0
    formula: ex.Expr | None = None
    determined: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """Funnel link: ``upper`` (stage k+1) = ``lower`` (stage k) x ``rate``, with ``lag``."""

    lower: str
    upper: str
    rate: str
    lag: int = 0


@dataclass(kw_only=True)
class RefPlan:
    start: dt.date  # first month
    seasonality: tuple[float, ...]
    nodes: dict[str, RefNode]
    kgi: str
    links: list[Link] = field(default_factory=list)
    on_track: float = 1.0
    at_risk: float = 0.9

    @property
    def n(self) -> int:
        return len(self.seasonality)


def from_solution(solution: object) -> RefPlan:
    """The back-calculated facts of a ``kpixl.engine.solve.Solution`` as a RefPlan."""
    plan = solution.plan  # type: ignore[attr-defined]
    nodes = {}
    for nid, node in plan.nodes.items():
        res = solution.nodes[nid]  # type: ignore[attr-defined]
        nodes[nid] = RefNode(id=nid, aggregate=node.aggregate, direction=node.direction,
                             whole=node.whole, total=res.goal if nid in solution.roots  # type: ignore[attr-defined]
                             else res.total, baseline=node.baseline, shift=res.shift,
                             formula=node.formula,
                             determined=nid in solution.determined)  # type: ignore[attr-defined]
    links: list[Link] = []
    for funnel in plan.funnels:
        stages = funnel.stages
        for lower, upper in itertools.pairwise(stages):
            f = plan.nodes[upper].formula
            if isinstance(f, ex.BinOp) and f.op == "*":
                ids = [getattr(f.left, "id", None), getattr(f.right, "id", None)]
                if lower in ids:
                    other = ids[1 - ids.index(lower)]
                    if other is not None and plan.nodes[other].value is not None:
                        links.append(Link(lower=lower, upper=upper, rate=other,
                                          lag=plan.nodes[upper].lag))
    seen: dict[str, int] = {}
    for lk in links:
        seen[lk.rate] = seen.get(lk.rate, 0) + 1
    links = [lk for lk in links if seen[lk.rate] == 1]  # a rate of two links takes no observed
    return RefPlan(start=dt.date(plan.period.year, plan.period.month, 1),
                   seasonality=tuple(plan.weights), nodes=nodes, kgi=plan.kgi, links=links,
                   on_track=plan.thresholds.on_track, at_risk=plan.thresholds.at_risk)


# -- periods ---------------------------------------------------------------------------------------
def shape(rp: RefPlan, nid: str) -> list[float]:
    w, s = rp.seasonality, rp.nodes[nid].shift
    return [w[(m + s) % rp.n] for m in range(rp.n)]


def monthly_targets(rp: RefPlan, nid: str, frozen: Row | None = None) -> list[float]:
    """Monthly targets with frozen months 1..F (plan-format.md "Periods")."""
    node, w, n = rp.nodes[nid], shape(rp, nid), rp.n
    fz = list(frozen or [None] * n)
    f_last = max((m + 1 for m in range(n) if fz[m] is not None), default=0)
    head = [float(fz[m]) if fz[m] is not None else 0.0 for m in range(f_last)]
    if node.aggregate == "mean" or (node.aggregate == "last" and node.baseline is None
                                    and f_last == 0):
        return head + [node.total] * (n - f_last)
    if node.aggregate == "last":
        base = head[-1] if f_last else node.baseline
        assert base is not None
        cw = _cum(w[f_last:])
        out = [base + (node.total - base) * cw[k] / cw[-1] for k in range(1, len(cw))]
        return head + ([nearest(x) for x in out] if node.whole else out)
    rest = max(0.0, node.total - sum(head))
    cw = _cum(w[f_last:])
    if node.whole:
        cum = [nearest(rest * c / cw[-1]) for c in cw]
        return head + [cum[k] - cum[k - 1] for k in range(1, len(cum))]
    return head + [rest * x / cw[-1] for x in w[f_last:]]


def _cum(w: Sequence[float]) -> list[float]:
    out = [0.0]
    for x in w:
        out.append(out[-1] + x)
    return out


# -- as-of --------------------------------------------------------------------------------------
def asof(rp: RefPlan, acts: Mapping[str, Row], in_asof: object) -> int:
    if isinstance(in_asof, dt.date | dt.datetime):
        return (in_asof.year - rp.start.year) * 12 + in_asof.month - rp.start.month + 1
    if in_asof is not None:
        return int(in_asof)  # type: ignore[call-overload]

    def last(row: Row) -> int:
        return max((m + 1 for m, v in enumerate(row) if v is not None), default=0)

    kgi = last(acts.get(rp.kgi, []))
    return kgi if kgi else max((last(r) for r in acts.values()), default=0)


# -- per node ------------------------------------------------------------------------------------
@dataclass(kw_only=True)
class NodeTrack:
    reported: list[int]  # 1-based months
    ytd_target: float | None
    ytd_actual: float | None
    ach: float | None
    forecast: float | None
    missing: int | None
    observed: bool = False


def _typed(acts: Row, a: int) -> bool:
    return any(v is not None for v in acts[:a])


def track_node(rp: RefPlan, nid: str, tgts: Row, acts: Mapping[str, Row], a: int) -> NodeTrack:
    node, n = rp.nodes[nid], rp.n
    row = list(acts.get(nid) or [None] * n)
    link = next((lk for lk in rp.links if lk.rate == nid), None)
    if link is not None and not _typed(row, a):
        return _observed(rp, nid, link, tgts, acts, a)
    rep = [m for m in range(1, a + 1) if row[m - 1] is not None]
    anywhere = any(v is not None for v in row)
    missing = (a - len(rep)) if anywhere else None
    if not rep:
        return NodeTrack(reported=rep, ytd_target=None, ytd_actual=None, ach=None,
                         forecast=None, missing=missing)
    t = [float(tgts[m - 1]) for m in rep]  # type: ignore[arg-type]
    v = [float(row[m - 1]) for m in rep]  # type: ignore[arg-type]
    if node.aggregate == "sum":
        yt, ya = sum(t), sum(v)
    elif node.aggregate == "mean":
        yt, ya = sum(t) / len(t), sum(v) / len(v)
    else:
        yt, ya = t[-1], v[-1]
    if node.aggregate == "sum":
        w = shape(rp, nid)
        wr = sum(w[m - 1] for m in rep)
        fc = ya * sum(w) / wr if wr else None
    else:
        fc = v[-1]
    return NodeTrack(reported=rep, ytd_target=yt, ytd_actual=ya, ach=achievement(node, ya, yt),
                     forecast=fc, missing=missing)


def _observed(rp: RefPlan, nid: str, lk: Link, tgts: Row, acts: Mapping[str, Row],
              a: int) -> NodeTrack:
    up = list(acts.get(lk.upper) or [None] * rp.n)
    lo = list(acts.get(lk.lower) or [None] * rp.n)
    rep = [m for m in range(1, a + 1) if up[m - 1] is not None and m - lk.lag >= 1
           and lo[m - lk.lag - 1] is not None]
    if not rep:
        return NodeTrack(reported=rep, ytd_target=None, ytd_actual=None, ach=None,
                         forecast=None, missing=None, observed=True)
    num = sum(float(up[m - 1]) for m in rep)  # type: ignore[arg-type]
    den = sum(float(lo[m - lk.lag - 1]) for m in rep)  # type: ignore[arg-type]
    ya = num / den if den else None
    yt = sum(float(tgts[m - 1]) for m in rep) / len(rep)  # type: ignore[arg-type]
    last = rep[-1]
    ld = float(lo[last - lk.lag - 1])  # type: ignore[arg-type]
    fc = float(up[last - 1]) / ld if ld else None  # type: ignore[arg-type]
    ach = achievement(rp.nodes[nid], ya, yt) if ya is not None else None
    return NodeTrack(reported=rep, ytd_target=yt, ytd_actual=ya, ach=ach, forecast=fc,
                     missing=None, observed=True)


def achievement(node: RefNode, actual: float, target: float) -> float | None:
    if target <= 0:
        return None
    if node.direction == "down":
        return max(0.0, 2 - actual / target)
    return actual / target


def status(rp: RefPlan, ach: float | None) -> str | None:
    if ach is None:
        return None
    r = round9(ach)
    return "on_track" if r >= rp.on_track else "at_risk" if r >= rp.at_risk else "off_track"


def catch_up(rp: RefPlan, nid: str, tgts: Row, acts: Row, a: int) -> list[float] | None:
    """Months a+1..n of a sum node that has an actual, when a >= 1 (missing months meet plan)."""
    node = rp.nodes[nid]
    if node.aggregate != "sum" or a < 1 or not any(v is not None for v in acts):
        return None
    ya = sum(float(v) for v in acts[:a] if v is not None)
    miss = sum(float(tgts[m]) for m in range(a) if acts[m] is None)  # type: ignore[arg-type]
    rest = max(0.0, node.total - ya - miss)
    w = shape(rp, nid)[a:]
    if not w:
        return []
    cw = _cum(w)
    if cw[-1] == 0:
        return None
    if node.whole:
        cum = [nearest(rest * c / cw[-1]) for c in cw]
        return [cum[k] - cum[k - 1] for k in range(1, len(cum))]
    return [rest * x / cw[-1] for x in w]


# -- gap attribution -----------------------------------------------------------------------------
@dataclass(kw_only=True)
class Gap:
    gap: float | None
    shares: dict[str, float]  # every node in the analysis (split nodes: before the split)
    leaves: dict[str, float]
    unexplained: float | None
    cause: str | None


def _over(rp: RefPlan, nid: str, row: Row, months: list[int], last_month: int) -> float | None:
    vals = [row[m - 1] for m in months]
    if any(v is None for v in vals) or not vals:
        return None
    agg = rp.nodes[nid].aggregate
    if agg == "sum":
        return float(sum(vals))  # type: ignore[arg-type]
    if agg == "mean":
        return float(sum(vals)) / len(vals)  # type: ignore[arg-type]
    v = row[last_month - 1]
    return None if v is None else float(v)


def _ids_with_sign(f: ex.Expr, sign: int = 1) -> list[tuple[str, int]] | None:
    """``[(id, +1/-1)]`` for a pure product/quotient (exponents) or sum/difference (signs)."""
    if isinstance(f, ex.Ref):
        return [(f.id, sign)]
    if isinstance(f, ex.BinOp):
        left = _ids_with_sign(f.left, sign)
        right = _ids_with_sign(f.right, -sign if f.op in "-/" else sign)
        if left is None or right is None:
            return None
        return left + right
    return None


def _kind(f: ex.Expr) -> str | None:
    ops: set[str] = set()

    def walk(e: ex.Expr) -> bool:
        if isinstance(e, ex.Ref):
            return True
        if isinstance(e, ex.BinOp):
            ops.add(e.op)
            return walk(e.left) and walk(e.right)
        return False

    if not walk(f) or not ops:
        return None
    if ops <= {"*", "/"}:
        return "product"
    if ops <= {"+", "-"}:
        return "sum"
    return None


def gap(rp: RefPlan, tgts: Mapping[str, Row], acts: Mapping[str, Row], a: int) -> Gap:
    kgi = rp.kgi
    row = list(acts.get(kgi) or [None] * rp.n)
    r_kgi = [m for m in range(1, a + 1) if row[m - 1] is not None]
    if not r_kgi:
        return Gap(gap=None, shares={}, leaves={}, unexplained=None, cause=None)
    last = r_kgi[-1]

    def values(nid: str) -> tuple[float | None, float | None, bool]:
        """(A, T, reported in every month of R_KGI)."""
        t = _over(rp, nid, tgts[nid], r_kgi, last)
        link = next((lk for lk in rp.links if lk.rate == nid), None)
        own = list(acts.get(nid) or [None] * rp.n)
        if link is not None and not _typed(own, a):
            up = list(acts.get(link.upper) or [None] * rp.n)
            lo = list(acts.get(link.lower) or [None] * rp.n)
            # both stages reported in every month of R_KGI; the lower stage's sum is taken over
            # the same months shifted L earlier (months before the plan start count as none)
            ok = all(up[m - 1] is not None and lo[m - 1] is not None for m in r_kgi)
            if not ok:
                return None, t, False
            den = sum(float(lo[m - link.lag - 1]) for m in r_kgi  # type: ignore[arg-type]
                      if m - link.lag >= 1 and lo[m - link.lag - 1] is not None)
            num = sum(float(up[m - 1]) for m in r_kgi)  # type: ignore[arg-type]
            tt = sum(float(tgts[nid][m - 1]) for m in r_kgi) / len(r_kgi)  # type: ignore[arg-type]
            return (num / den if den else None), tt, den != 0
        ok = all(own[m - 1] is not None for m in r_kgi)
        return (_over(rp, nid, own, r_kgi, last) if ok else None), t, ok

    a_k, t_k, _ = values(kgi)
    assert a_k is not None and t_k is not None
    g = a_k - t_k
    shares: dict[str, float] = {kgi: g}
    leaves: dict[str, float] = {}
    unexplained = 0.0
    order = _topo(rp, kgi)
    for nid in order:
        if nid not in shares:
            continue
        s = shares[nid]
        node = rp.nodes[nid]
        ax, tx, _ = values(nid)
        parts = _ids_with_sign(node.formula) if node.formula is not None else None
        kind = _kind(node.formula) if node.formula is not None else None
        split = (parts is not None and kind is not None and not node.determined
                 and ax is not None and tx is not None and tx != 0
                 and round9(ax / tx - 1) != 0)
        if split:
            got = {op: values(op) for op, _ in parts}  # type: ignore[union-attr]
            split = all(ok and av is not None and tv is not None for av, tv, ok in got.values())
            if split and kind == "product":
                split = ax > 0 and tx > 0 and all(av > 0 and tv > 0  # type: ignore[operator]
                                                   for av, tv, _ in got.values())
        if not split:
            if nid != kgi:
                leaves[nid] = leaves.get(nid, 0.0) + s
            continue
        assert parts is not None and ax is not None and tx is not None
        given = 0.0
        for op, e in parts:
            av, tv, _ = got[op]
            assert av is not None and tv is not None
            if kind == "product":
                sh = s * e * math.log(av / tv) / math.log(ax / tx)
            else:
                sh = s * e * (av - tv) / (ax - tx)
            shares[op] = shares.get(op, 0.0) + sh
            given += sh
        unexplained += s - given
    bad = [(v, k) for k, v in leaves.items()
           if (v < 0 if rp.nodes[kgi].direction == "up" else v > 0)]
    kgi_split = any(k != kgi for k in shares)
    cause = None
    if kgi_split and bad:
        pick = min(bad) if rp.nodes[kgi].direction == "up" else max(bad)
        cause = pick[1]
    return Gap(gap=g, shares=shares, leaves=leaves,
               unexplained=unexplained if kgi_split else 0.0, cause=cause)


def _topo(rp: RefPlan, root: str) -> list[str]:
    """Nodes below ``root`` with every parent before its children (shares arrive before use)."""
    children: dict[str, list[str]] = {}
    for nid, node in rp.nodes.items():
        if node.formula is not None:
            children[nid] = list(dict.fromkeys(ex.refs(node.formula)))
    seen: set[str] = set()
    post: list[str] = []
    stack: list[tuple[str, int]] = [(root, 0)]
    while stack:
        nid, i = stack.pop()
        kids = children.get(nid, [])
        if i == 0:
            if nid in seen:
                continue
            seen.add(nid)
        if i < len(kids):
            stack.append((nid, i + 1))
            if kids[i] not in seen:
                stack.append((kids[i], 0))
        else:
            post.append(nid)
    return post[::-1]
