"""Gap attribution: which leaves of the KPI tree explain the KGI's year-to-date gap
(plan-format.md, "Tracking", gap attribution).

All amounts are taken over the KGI's reported months R_KGI, for every node alike (lags
notwithstanding: a lag's timing shows in the unexplained line). For each node X the caller gives
A_X and T_X over R_KGI (sums for ``sum`` nodes, means for ``mean`` nodes, the value at the KGI's
own as-of month for ``last`` nodes; an observed funnel rate takes A = the sum of stage k+1 over
R_KGI over the sum of stage k L months earlier and T = the mean of its targets over R_KGI).
Every *share* is in the KGI's unit (e.g. yen), whatever the unit of the node it goes to.

- ``G = A_KGI - T_KGI``: the KGI's YTD actual minus its YTD target, the two numbers the Tracking
  sheet shows (exactly 0 when they agree to 12 significant digits). ``share(KGI) = G``.
- A node X is **split** iff its formula is a pure product/quotient of ids (a bare id counts as a
  product) or a pure sum/difference of ids, it is not determined, A_X and T_X are known and
  differ (``ROUND(A_X / T_X - 1, 9) <> 0``; when T_X = 0, A_X <> 0), and every operand is
  *complete* (reported in every month of R_KGI; an observed rate: both its stages are) with
  known A and T, all positive (and A_X, T_X positive) for a product/quotient. Otherwise X is a
  **leaf**.
- Product/quotient (exponent e_i = +1, or -1 for a divisor)::

      share_i = S_X * e_i ln(A_i / T_i) / ln(A_X / T_X)

- Sum/difference (sign s_i)::

      share_i = S_X * s_i (A_i - T_i) / (A_X - T_X)

- A node reached along two paths (or twice in one formula) gets the sum of the shares it
  receives; its split is linear in the share, so it is applied to each arriving share.
- **Unexplained** = G - the sum of the leaf shares: what the operands do not explain (a stock
  times a price, rates averaged over months, rounding, actuals that do not satisfy the formula),
  set to 0 when it is below 1e-9 |G| (floating noise). The leaf shares and the unexplained line
  add up to G.
- The **cause** is the leaf whose share is worst for the KGI's direction (most negative for
  ``up``, most positive for ``down``), first in tree order on a tie; never the KGI itself; None
  when the KGI is not split or no leaf share is on the bad side.
- ``lacking``: for a node that is a leaf only because operands are not complete, the ids whose
  actuals would split it (an observed rate names its stages, through ``needs``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from types import MappingProxyType

from kpixl.engine.rounding import excel_round, guard
from kpixl.model.expr import BinOp, Expr, Neg, Ref, is_product_of_ids, product_signs, refs

__all__ = ["Attribution", "attribute", "differs", "linear_terms", "unexplained"]

NOISE = 1e-9  # |unexplained| below NOISE x |G| is floating noise


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution:
    """The KGI's YTD gap and its attribution down the tree.

    Attributes:
        gap: G = KGI YTD actual - KGI YTD target, in the KGI's unit; None when not computable.
        shares: node id -> share of the gap in the KGI's unit, for every node reached (the KGI,
            split nodes and leaves), in tree (depth-first, first-reached) order.
        leaves: ids of the leaves (nodes not split), depth-first order.
        cause: the leaf with the worst share for the KGI's direction, or None.
        parent: child id -> parent id (the parent through which the node was first reached).
        unexplained: G - the sum of the leaf shares (None when G is None).
        lacking: leaf id -> the ids whose actuals would split it.
        fractions: (split node, operand) -> the fraction of the node's share it receives.
    """

    gap: float | None
    shares: Mapping[str, float]
    leaves: tuple[str, ...]
    cause: str | None
    parent: Mapping[str, str]
    unexplained: float | None = None
    lacking: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    fractions: Mapping[tuple[str, str], float] = field(
        default_factory=lambda: MappingProxyType({}))  # (split node, operand) -> fraction


def linear_terms(expr: Expr, sign: int = 1) -> list[tuple[str, int]] | None:
    """For a pure sum/difference of ids: (id, +1 | -1) left to right; None otherwise."""
    if isinstance(expr, Ref):
        return [(expr.id, sign)]
    if isinstance(expr, Neg):
        return linear_terms(expr.operand, -sign)
    if isinstance(expr, BinOp) and expr.op in "+-":
        left = linear_terms(expr.left, sign)
        right = linear_terms(expr.right, sign if expr.op == "+" else -sign)
        return None if left is None or right is None else left + right
    return None


def differs(actual: float, target: float) -> bool:
    """A_X and T_X differ beyond the noise guard: ``ROUND(A / T - 1, 9) <> 0`` (T <> 0)."""
    if target == 0:
        return actual != 0
    return excel_round(actual / target - 1, 9) != 0


def unexplained(gap: float, leaf_sum: float) -> float:
    """``G - sum of leaf shares``, 0 when below :data:`NOISE` x |G|."""
    u = gap - leaf_sum
    return 0.0 if abs(u) <= NOISE * abs(gap) else u


def _kind(expr: Expr | None) -> str | None:
    if expr is None:
        return None
    if is_product_of_ids(expr):
        return "product"
    return "sum" if linear_terms(expr) is not None else None


def _split(node: str, formulas: Mapping[str, Expr | None], determined: Set[str],
           a: Mapping[str, float | None], t: Mapping[str, float | None], complete: Set[str],
           ) -> tuple[list[tuple[str, float]] | None, tuple[str, ...]]:
    """(operand -> fraction of S_X, first-appearance order) or None for a leaf; and the
    operands whose missing actuals alone keep it a leaf."""
    expr = formulas.get(node)
    kind = _kind(expr)
    if expr is None or kind is None or node in determined:
        return None, ()
    ax, tx = a.get(node), t.get(node)
    if ax is None or tx is None or not differs(ax, tx):
        return None, ()
    operands = list(dict.fromkeys(refs(expr)))
    if kind == "product" and not (ax > 0 and tx > 0):
        return None, ()
    lacking = tuple(r for r in operands if r not in complete or a.get(r) is None
                    or t.get(r) is None)
    if lacking:
        return None, lacking
    ai = {r: float(a[r]) for r in operands}  # type: ignore[arg-type]
    ti = {r: float(t[r]) for r in operands}  # type: ignore[arg-type]
    weights = dict.fromkeys(operands, 0.0)
    if kind == "product":
        if not all(ai[r] > 0 and ti[r] > 0 for r in operands):
            return None, ()
        den = math.log(ax / tx)
        for r, e in product_signs(expr):
            weights[r] += e * math.log(ai[r] / ti[r])
    else:
        den = ax - tx
        for r, sgn in linear_terms(expr) or []:
            weights[r] += sgn * (ai[r] - ti[r])
    return [(r, weights[r] / den) for r in operands], ()


def attribute(kgi: str, formulas: Mapping[str, Expr | None], determined: Set[str],
              direction: str, ytd_actual: Mapping[str, float | None],
              ytd_target: Mapping[str, float | None], *, complete: Set[str] | None = None,
              needs: Mapping[str, tuple[str, ...]] | None = None) -> Attribution:
    """Attribute the KGI's YTD gap to the nodes of its tree (see the module docstring).

    Args:
        kgi: the KGI's id.
        formulas: node id -> formula (None or absent for a node without one).
        determined: ids of determined nodes (never split).
        direction: the KGI's direction, ``up`` or ``down``.
        ytd_actual, ytd_target: node id -> A and T over R_KGI (None or absent: blank).
        complete: ids reported in every month of R_KGI (default: every id with A and T).
        needs: id -> the ids whose actuals it needs (an observed rate: its two stages).

    Raises:
        ValueError: an unknown direction, or a cycle among the formulas reached from the KGI.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
    a, t = ytd_actual, ytd_target
    if complete is None:
        complete = {k for k in set(a) | set(t) if a.get(k) is not None and t.get(k) is not None}
    ak, tk = a.get(kgi), t.get(kgi)
    if ak is None or tk is None:
        return Attribution(gap=None, shares=MappingProxyType({}), leaves=(), cause=None,
                           parent=MappingProxyType({}))
    gap = 0.0 if guard(ak) == guard(tk) else ak - tk
    shares: dict[str, float] = {}
    parent: dict[str, str] = {}
    leaves: dict[str, None] = {}
    lacking: dict[str, tuple[str, ...]] = {}
    splits: dict[str, list[tuple[str, float]] | None] = {}
    leaf_sum = 0.0
    path: set[str] = set()

    def visit(node: str, share: float) -> None:
        nonlocal leaf_sum
        if node in path:
            raise ValueError(f"formulas form a cycle through {node!r}")
        shares[node] = shares.get(node, 0.0) + share
        if node not in splits:
            splits[node], short = _split(node, formulas, determined, a, t, complete)
            if short:
                wanted = [x for r in short for x in (needs or {}).get(r, (r,))
                          if x not in complete] or list(short)
                lacking[node] = tuple(dict.fromkeys(wanted))
        split = splits[node]
        if split is None:
            leaves[node] = None
            leaf_sum += share
            return
        path.add(node)
        for child, fraction in split:
            parent.setdefault(child, node)
            visit(child, share * fraction)
        path.discard(node)

    visit(kgi, gap)
    parent.pop(kgi, None)
    cause: str | None = None
    candidates = [x for x in leaves if x != kgi
                  and (shares[x] < 0 if direction == "up" else shares[x] > 0)]
    if candidates:
        pick = min if direction == "up" else max
        cause = pick(candidates, key=lambda x: shares[x])
    return Attribution(gap=gap, shares=MappingProxyType(shares), leaves=tuple(leaves),
                       cause=cause, parent=MappingProxyType(parent),
                       unexplained=unexplained(gap, leaf_sum),
                       lacking=MappingProxyType(lacking),
                       fractions=MappingProxyType({(x, c): f for x, sp in splits.items()
                                                   if sp is not None for c, f in sp}))
