"""Splitting plan-period targets into months (plan-format.md, "Periods").

A node's monthly *shape* is the plan's seasonality rotated by its ``shift`` (operands solved through
a node with ``lag: L`` act L months earlier; months past the end wrap to the start). ``C_m`` is the
running sum of the shape's weights, ``C_0 = 0``, computed left to right exactly as the workbook's
helper row does (``C_m = C_(m-1) + w_m``).

* ``sum``: month m gets ``T * w_m / C_n``; whole nodes use cumulative rounding,
  ``M_m = nearest(T * C_m / C_n) - nearest(T * C_(m-1) / C_n)``, so months add up exactly to T.
* ``mean``: every month's target is T.
* ``last``: with a baseline B, ``B + (T - B) * C_m / C_n`` (nearest for whole nodes); else T.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from kpixl.engine.rounding import round_nearest, round_up, sheet_add, sheet_sub

__all__ = ["carry_in", "cumulative", "monthly_targets", "rotate"]


def rotate(weights: Sequence[float], shift: int) -> tuple[float, ...]:
    """The shape shifted ``shift`` months earlier: month m takes the weight of month m + shift."""
    n = len(weights)
    return tuple(weights[(m + shift) % n] for m in range(n))


def cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    """``(C_0, C_1, ..., C_n)`` with ``C_0 = 0``, summed left to right."""
    return (0.0, *accumulate(weights, lambda a, b: a + b))


def monthly_targets(total: float, weights: Sequence[float], *, aggregate: str = "sum",
                    whole: bool = False, baseline: float | None = None) -> tuple[float, ...]:
    """Monthly targets of a node whose plan-period target is ``total`` (units of the node)."""
    n = len(weights)
    c = cumulative(weights)
    cn = c[n]
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
