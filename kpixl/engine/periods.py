"""Splitting plan-period targets into months (plan-format.md, "Periods").

A node's monthly *shape* is the plan's seasonality rotated by its ``shift`` (operands solved through
a node with ``lag: L`` act L months earlier; months past the end wrap to the start). ``C_m`` is the
running sum of the shape's weights, ``C_0 = 0``, computed left to right exactly as the workbook's
helper row does (``C_m = C_(m-1) + w_m``).

* ``sum``: month m gets ``T * w_m / C_n``; whole nodes use cumulative rounding,
  ``M_m = nearest(T * C_m / C_n) - nearest(T * C_(m-1) / C_n)``, so months add up exactly to T.
* ``mean``: every month's target is T.
* ``last``: with a baseline B, ``B + (T - B) * C_m / C_n`` (nearest for whole nodes); else T.

**Frozen months** (``frz_X``, written by ``kpixl update``): months 1..F keep the targets they
were published with, F being the number of frozen values (update writes them as a prefix; a
blank inside it counts as 0). The open months carry the rest: ``sum`` nodes split
``max(0, T - sum of the frozen)`` over the weights of months F+1..n (``C`` counted from month F,
cumulative rounding for whole nodes; 0 when those weights sum to 0), ``mean`` nodes get T and
``last`` nodes ramp from month F's frozen target to T. Without frozen months nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from kpixl.engine.rounding import round_nearest, round_up, sheet_add, sheet_sub

__all__ = ["carry_in", "cumulative", "frozen_count", "monthly_targets", "rotate"]


def rotate(weights: Sequence[float], shift: int) -> tuple[float, ...]:
    """The shape shifted ``shift`` months earlier: month m takes the weight of month m + shift."""
    n = len(weights)
    return tuple(weights[(m + shift) % n] for m in range(n))


def cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    """``(C_0, C_1, ..., C_n)`` with ``C_0 = 0``, summed left to right."""
    return (0.0, *accumulate(weights, lambda a, b: a + b))


def frozen_count(frozen: Sequence[float | None] | None) -> int:
    """F: how many months are frozen (the number of frozen values, ``COUNT(frz_X)``)."""
    return 0 if frozen is None else sum(1 for x in frozen if x is not None)


def monthly_targets(total: float, weights: Sequence[float], *, aggregate: str = "sum",
                    whole: bool = False, baseline: float | None = None,
                    frozen: Sequence[float | None] | None = None) -> tuple[float, ...]:
    """Monthly targets of a node whose plan-period target is ``total`` (units of the node)."""
    n = len(weights)
    c = cumulative(weights)
    cn = c[n]
    f = frozen_count(frozen)
    if f:
        assert frozen is not None
        head = tuple(0.0 if x is None else float(x) for x in frozen[:f])
        return head + _open_months(total, weights, head, aggregate=aggregate, whole=whole,
                                   baseline=baseline)
    if aggregate == "mean" or (aggregate == "last" and baseline is None):
        return (total,) * n
    if aggregate == "last":
        assert baseline is not None
        step = sheet_sub(total, baseline)
        level = [sheet_add(baseline, step * c[m] / cn) for m in range(1, n + 1)]
        return tuple(round_nearest(x) for x in level) if whole else tuple(level)
    if whole:
        cum = [round_nearest(total * c[m] / cn) for m in range(n + 1)]
        return tuple(cum[m] - cum[m - 1] for m in range(1, n + 1))
    return tuple(total * weights[m] / cn for m in range(n))


def _open_months(total: float, weights: Sequence[float], head: Sequence[float], *,
                 aggregate: str, whole: bool, baseline: float | None) -> tuple[float, ...]:
    """Months F+1..n after F frozen months ``head`` (see the module docstring)."""
    n, f = len(weights), len(head)
    c = cumulative(weights)
    rest_w = sheet_sub(c[n], c[f])
    if aggregate == "mean":
        return (total,) * (n - f)
    if aggregate == "last":
        if baseline is None and f == 0:
            return (total,) * (n - f)
        b = head[-1]
        step = sheet_sub(total, b)
        level = [sheet_add(b, step * sheet_sub(c[m], c[f]) / rest_w) if rest_w > 0 else total
                 for m in range(f + 1, n + 1)]
        return tuple(round_nearest(x) for x in level) if whole else tuple(level)
    if rest_w <= 0:
        return (0.0,) * (n - f)
    rest = max(0.0, sheet_sub(total, _total(head)))
    if whole:
        cum = [round_nearest(rest * sheet_sub(c[m], c[f]) / rest_w) for m in range(f, n + 1)]
        return tuple(cum[i] - cum[i - 1] for i in range(1, len(cum)))
    return tuple(rest * weights[m - 1] / rest_w for m in range(f + 1, n + 1))


def _total(xs: Sequence[float]) -> float:
    out = 0.0
    for x in xs:
        out += x
    return out


def carry_in(total: float, node_weights: Sequence[float], lag: int, *, whole: bool) -> float:
    """Pipeline needed before the plan starts: ``total * C_L / C_n`` of the lagged node's shape.

    The operand's months that feed the lagged node's months 1..L lie before the plan; whole
    operands round up (a need).
    """
    if lag <= 0:
        return 0.0
    n = len(node_weights)
    c = cumulative(node_weights)
    # C_L for L <= n; longer lags cover whole repeated years (the plan's shape repeats).
    full, part = divmod(lag, n)
    cl = full * c[n] + c[part]
    value = total * cl / c[n]
    return round_up(value) if whole else value
