"""Gap attribution: which leaves of the KPI tree explain the KGI's year-to-date gap.

All amounts below are year-to-date (YTD) values; every *share* is in the KGI's unit (e.g. yen
for a revenue KGI), whatever the unit of the node it is attributed to.

Definitions (the project's decisions):

- ``planned(node)``: the node's formula evaluated
  (:func:`kpixl.engine.recipe.evaluate_formula`, spreadsheet arithmetic) on its operands' YTD
  targets (numbers in the formula are constants), in the node's unit. For a node without a formula,
  ``planned = its YTD target``. It is not computable when an operand's YTD target is missing
  (None) or the formula divides by zero. Using the operands' targets rather than the node's own
  (rounded) target keeps rounding margins out of the shares.
- ``gap = ytd_actual[kgi] - planned(kgi)`` (KGI unit); None when the KGI's YTD actual is None or
  its planned value is not computable. When the two agree to 12 significant digits
  (:func:`kpixl.engine.rounding.guard`, the project's floating-noise guard) the gap is exactly 0.
- ``share(kgi) = gap``.
- A node is **split** further iff all of these hold; otherwise it is a **leaf**:

  * it has a formula and is not in ``determined``;
  * the formula is a pure sum of ids (:func:`kpixl.model.expr.is_sum_of_ids`) or a pure
    product/quotient of ids (:func:`kpixl.model.expr.is_product_of_ids`); a bare id (``a``),
    which is
    both, counts as a product;
  * every operand has YTD actual > 0 and YTD target > 0;
  * the node's own YTD actual is known, and ``planned(node)`` is computable;
  * for a product: the node's own YTD actual > 0 and ``planned(node) > 0`` (for the logarithm),
    and ``actual_node != planned_node`` (compared after the noise guard).

- **Product/quotient** (LMDI, log-mean Divisia index)::

      share_i = share_node * s_i * ln(actual_i / target_i) / ln(actual_node / planned_node)

  with ``s_i = +1`` for a multiplied operand and ``-1`` for a divisor
  (:func:`kpixl.model.expr.product_signs`); an id that appears more than once accumulates its terms.
  ``actual_node`` is the node's own entered YTD actual. When
  ``actual_node = prod_i actual_i ** s_i`` the shares add up exactly to ``share_node``, because
  ``sum_i s_i ln(actual_i / target_i) = ln(actual_node / planned_node)``.
- **Sum**::

      gap_i = actual_i - target_i         (operand unit = node unit)
      gap_node = actual_node - planned_node
      share_i = share_node * gap_i / gap_node,   or 0 when gap_node = 0 (after the noise guard)

  An id that appears more than once accumulates its terms. When
  ``actual_node = sum_i actual_i`` the shares add up to ``share_node`` (unless ``gap_node = 0``).
- The recursion visits operands left to right, depth first, from the KGI. A node reached more
  than once (an operand shared by several formulas) accumulates its shares, and its own split
  is applied to each arriving share (the split is linear in ``share_node``).
- The **cause** is the leaf whose share is worst for the KGI's direction: the smallest share for
  ``up`` (higher is better), the largest for ``down``; the first such leaf in tree order on a
  tie; None when the gap is None or 0.

With consistent actuals (each split node's actual equals its formula on its operands' actuals)
the leaves' shares add up to the gap, up to floating rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import dataclass
from types import MappingProxyType

from kpixl.engine.recipe import evaluate_formula
from kpixl.engine.rounding import guard
from kpixl.model.expr import Expr, is_product_of_ids, is_sum_of_ids, product_signs, refs

__all__ = ["Attribution", "attribute"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution:
    """The KGI's YTD gap and its attribution down the tree.

    Attributes:
        gap: KGI YTD actual - KGI YTD planned, in the KGI's unit; None when not computable.
        shares: node id -> share of the gap in the KGI's unit, for every node reached (the KGI,
            internal nodes and leaves), in tree (depth-first, first-reached) order. The KGI's
            share is the gap.
        leaves: ids of the leaves (nodes not split further), depth-first order.
        cause: the leaf with the worst share for the KGI's direction (minimum for ``up``,
            maximum for ``down``); None if the gap is None or 0.
        parent: child id -> parent id for reached nodes other than the KGI (the parent through
            which the node was first reached; for display).
    """

    gap: float | None
    shares: Mapping[str, float]
    leaves: tuple[str, ...]
    cause: str | None
    parent: Mapping[str, str]


def _planned(
    node: str,
    formulas: Mapping[str, Expr | None],
    ytd_target: Mapping[str, float | None],
) -> float | None:
    """The node's formula on its operands' YTD targets (node unit); its YTD target if no formula."""
    expr = formulas.get(node)
    if expr is None:
        return ytd_target.get(node)
    values: dict[str, float] = {}
    for ref in refs(expr):
        value = ytd_target.get(ref)
        if value is None:
            return None
        values[ref] = value
    try:
        result = evaluate_formula(expr, values)
    except ZeroDivisionError:
        return None
    return result if math.isfinite(result) else None


def _same(a: float, b: float) -> bool:
    """Equal after the 12-significant-digit noise guard."""
    return guard(a) == guard(b)


def _positive(value: float | None) -> bool:
    return value is not None and value > 0


def _split(
    node: str,
    formulas: Mapping[str, Expr | None],
    determined: Set[str],
    ytd_actual: Mapping[str, float | None],
    ytd_target: Mapping[str, float | None],
) -> list[tuple[str, float]] | None:
    """Per operand id (first-appearance order), the fraction of ``share_node`` it receives.

    Returns None when the node is a leaf. Product: fraction_i = s_i ln(a_i / t_i) /
    ln(a_node / planned_node). Sum: fraction_i = (a_i - t_i) / (a_node - planned_node), all 0
    when the denominator is 0. Fractions are dimensionless.
    """
    expr = formulas.get(node)
    if expr is None or node in determined:
        return None
    # A bare id (``a``) is both; it is split as a product, so that a node equal to its planned
    # value stays a leaf and keeps its share (a sum with gap_node = 0 would give it 0).
    is_product = is_product_of_ids(expr)
    is_sum = not is_product and is_sum_of_ids(expr)
    if not (is_sum or is_product):
        return None
    operands = list(dict.fromkeys(refs(expr)))
    actual: dict[str, float] = {}
    target: dict[str, float] = {}
    for ref in operands:
        a, t = ytd_actual.get(ref), ytd_target.get(ref)
        if a is None or t is None or not (a > 0 and t > 0):
            return None
        actual[ref], target[ref] = a, t
    actual_node = ytd_actual.get(node)
    planned_node = _planned(node, formulas, ytd_target)
    if actual_node is None or planned_node is None:
        return None

    weights: dict[str, float] = dict.fromkeys(operands, 0.0)
    if is_product:
        if not (actual_node > 0 and planned_node > 0) or _same(actual_node, planned_node):
            return None
        denominator = math.log(actual_node / planned_node)
        for ref, sign in product_signs(expr):
            weights[ref] += sign * math.log(actual[ref] / target[ref])
    else:
        if _same(actual_node, planned_node):
            return [(ref, 0.0) for ref in operands]
        denominator = actual_node - planned_node
        for ref in refs(expr):
            weights[ref] += actual[ref] - target[ref]
    return [(ref, weights[ref] / denominator) for ref in operands]


def attribute(
    kgi: str,
    formulas: Mapping[str, Expr | None],
    determined: Set[str],
    direction: str,
    ytd_actual: Mapping[str, float | None],
    ytd_target: Mapping[str, float | None],
) -> Attribution:
    """Attribute the KGI's YTD gap to the nodes of its tree (see the module docstring).

    Args:
        kgi: the root node's id.
        formulas: node id -> formula (None or absent for a node without one).
        determined: ids of determined nodes (never split, always leaves).
        direction: the KGI's direction, ``up`` (higher is better) or ``down``.
        ytd_actual: node id -> YTD actual in the node's unit (None or absent: nothing entered).
        ytd_target: node id -> YTD target in the node's unit (None or absent: blank).

    Returns:
        The gap (KGI unit), each reached node's share of it (KGI unit), the leaves, the cause and
        the parent links.

    Raises:
        ValueError: an unknown direction, or a cycle among the formulas reached from the KGI.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
    actual_kgi = ytd_actual.get(kgi)
    planned_kgi = _planned(kgi, formulas, ytd_target)
    if actual_kgi is None or planned_kgi is None:
        return Attribution(
            gap=None,
            shares=MappingProxyType({}),
            leaves=(),
            cause=None,
            parent=MappingProxyType({}),
        )
    gap = 0.0 if _same(actual_kgi, planned_kgi) else actual_kgi - planned_kgi

    shares: dict[str, float] = {}
    parent: dict[str, str] = {}
    leaves: dict[str, None] = {}
    splits: dict[str, list[tuple[str, float]] | None] = {}
    path: set[str] = set()

    def visit(node: str, share: float) -> None:
        if node in path:
            raise ValueError(f"formulas form a cycle through {node!r}")
        shares[node] = shares.get(node, 0.0) + share
        if node not in splits:
            splits[node] = _split(node, formulas, determined, ytd_actual, ytd_target)
        split = splits[node]
        if split is None:
            leaves[node] = None
            return
        path.add(node)
        for child, fraction in split:
            parent.setdefault(child, node)
            visit(child, share * fraction)
        path.discard(node)

    visit(kgi, gap)
    parent.pop(kgi, None)

    cause: str | None = None
    if gap != 0 and leaves:
        pick = min if direction == "up" else max
        cause = pick(leaves, key=lambda leaf: shares[leaf])
    return Attribution(
        gap=gap,
        shares=MappingProxyType(shares),
        leaves=tuple(leaves),
        cause=cause,
        parent=MappingProxyType(parent),
    )
