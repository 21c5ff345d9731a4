"""**Switching the primary KPI from deals to orders** (domain-notes.md §5), checked for every
funnel link (upper stage U, lower stage O = U x rate, lag L): at each closed month t with
complete data, the trailing 3-month sums ``D_t = U[t-2..t]`` and ``O_t = O[t-2+L..t+L]`` are
compared with those three months earlier. The elasticity ``e = ln(O_t / O_(t-3)) /
ln(D_t / D_(t-3))`` is evaluated only when ``D_t >= 1.1 D_(t-3)`` (the upper stage grew by at
least 10%) and ``O_(t-3) >= 5`` (``O_t = 0`` counts as e = -inf). The link is flagged, with the
advice to make the lower stage the primary KPI, when the last two evaluations both have
``e < 0.5``, or when the latest marginal rate ``(O_t - O_(t-3)) / (D_t - D_(t-3))`` is below half
the trailing-12-month rate (sum of O over sum of U, lag-aligned).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["evaluate_switch"]


def _window(xs: Sequence[float | None], a: int, b: int) -> float | None:
    """Sum of months a..b (1-based); None when any is blank or outside 1..len."""
    if a < 1 or b > len(xs):
        return None
    part = xs[a - 1:b]
    return None if any(x is None for x in part) else float(sum(part))  # type: ignore[arg-type]


def _entered_sum(xs: Sequence[float | None], a: int, b: int) -> float:
    return float(sum(x for x in xs[max(a, 1) - 1:max(b, 0)] if x is not None))


def evaluate_switch(upper: Sequence[float | None], lower: Sequence[float | None], asof: int,
                    lag: int = 0) -> dict[str, Any]:
    """The deals -> orders switch rule (module docstring) for one funnel link: ``flag``, the
    ``reasons`` (``elasticity`` with the last two e, or ``marginal`` with both rates) and every
    evaluation."""
    evals: list[dict[str, Any]] = []
    for t in range(6, asof - lag + 1):
        d1, d0 = _window(upper, t - 2, t), _window(upper, t - 5, t - 3)
        o1, o0 = _window(lower, t - 2 + lag, t + lag), _window(lower, t - 5 + lag, t - 3 + lag)
        if None in (d1, d0, o1, o0) or not d0 or d1 < 1.1 * d0 or o0 < 5:  # type: ignore[operator]
            continue
        assert d1 is not None and d0 is not None and o1 is not None and o0 is not None
        e = math.log(o1 / o0) / math.log(d1 / d0) if o1 > 0 else -math.inf
        den = _entered_sum(upper, t - 11, t)
        trailing = _entered_sum(lower, t - 11 + lag, t + lag) / den if den > 0 else None
        evals.append({"month": t, "deals": d1, "deals_before": d0, "orders": o1,
                      "orders_before": o0, "elasticity": e if math.isfinite(e) else None,
                      "marginal_rate": (o1 - o0) / (d1 - d0), "trailing_rate": trailing,
                      "_e": e})
    reasons: list[dict[str, Any]] = []
    if len(evals) >= 2 and evals[-1]["_e"] < 0.5 and evals[-2]["_e"] < 0.5:
        reasons.append({"kind": "elasticity", "before": evals[-2]["_e"], "last": evals[-1]["_e"]})
    if evals and evals[-1]["trailing_rate"] is not None and \
            evals[-1]["marginal_rate"] < 0.5 * evals[-1]["trailing_rate"]:
        last = evals[-1]
        reasons.append({"kind": "marginal", "marginal_rate": last["marginal_rate"],
                        "trailing_rate": last["trailing_rate"]})
    for ev in evals:
        del ev["_e"]
    return {"flag": bool(reasons), "reasons": reasons, "evaluations": evals}
