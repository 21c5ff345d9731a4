"""Tracking math: YTD, achievement, status, forecast, catch-up, observed rates.

Conventions (plan-format.md, "Tracking"): months are 1-based; ``asof`` is the number of closed
months (0..n) and actuals after it never count; ``None`` is a blank cell (an entered 0 is data).
A *window* is months a..b (inclusive) of a row; YTD is the window 1..asof and a quarter's figure is
the window of its months up to asof (quarter-to-date). Every function here has a formula twin in
:mod:`kpixl.formulas.builders` that the workbook uses, and the LibreOffice tests prove they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kpixl.engine.periods import cumulative
from kpixl.engine.rounding import excel_round, round_nearest, sheet_sub

__all__ = [
    "achievement",
    "catch_up",
    "effective_targets",
    "forecast",
    "last_entered",
    "observed_rate",
    "remaining",
    "resolve_asof",
    "status",
    "window_actual",
    "window_target",
]

Cell = float | None

STATUSES = ("on_track", "at_risk", "off_track")


def effective_targets(targets: Sequence[float], overrides: Sequence[Cell]) -> tuple[float, ...]:
    """A month's target in tracking: its override when one is entered, else the published one."""
    return tuple(t if o is None else o for t, o in zip(targets, overrides, strict=True))


def last_entered(actuals: Sequence[Cell], upto: int | None = None) -> int:
    """The last month (1-based) at or before ``upto`` that has an actual; 0 when none."""
    end = len(actuals) if upto is None else upto
    return max((m for m in range(1, end + 1) if actuals[m - 1] is not None), default=0)


def resolve_asof(asof: int | None, actuals: Iterable[Sequence[Cell]]) -> int:
    """The closed months: the input, or when blank the last month with any actual (0 if none)."""
    if asof is not None:
        return asof
    return max((last_entered(row) for row in actuals), default=0)


def window_target(targets: Sequence[float], a: int, b: int, aggregate: str) -> float | None:
    """Target of months a..b: their sum (``sum``), mean (``mean``) or month b's (``last``)."""
    if b < a or b < 1:
        return None
    part = targets[a - 1 : b]
    if aggregate == "sum":
        return _sum(part)
    if aggregate == "mean":
        return _sum(part) / len(part)
    return targets[b - 1]


def window_actual(actuals: Sequence[Cell], a: int, b: int, aggregate: str) -> float | None:
    """Actual of months a..b: sum of entered (``sum``), mean of entered (``mean``), or the latest
    entered (``last``); None when nothing is entered in the window."""
    if b < a or b < 1:
        return None
    entered = [x for x in actuals[a - 1 : b] if x is not None]
    if not entered:
        return None
    if aggregate == "sum":
        return _sum(entered)
    if aggregate == "mean":
        return _sum(entered) / len(entered)
    return entered[-1]


def achievement(actual: float | None, target: float | None, direction: str = "up") -> float | None:
    """actual / target (``up``); ``max(0, 2 - actual / target)`` (``down``); None when the target
    is blank or <= 0, or nothing is entered."""
    if actual is None or target is None or target <= 0:
        return None
    ratio = actual / target
    return ratio if direction == "up" else max(0.0, 2 - ratio)


def status(ach: float | None, on_track: float, at_risk: float) -> str | None:
    """``on_track`` / ``at_risk`` / ``off_track`` from ROUND(achievement, 9); None when blank."""
    if ach is None:
        return None
    r = excel_round(ach, 9)
    if r >= on_track:
        return "on_track"
    return "at_risk" if r >= at_risk else "off_track"


def forecast(actuals: Sequence[Cell], weights: Sequence[float], asof: int,
             aggregate: str) -> float | None:
    """Landing for the whole period.

    ``sum`` nodes: run rate with the node's own shape, ``YTD actual * C_n / C_asof`` (blank when
    C_asof = 0 or nothing is entered). Other nodes: the latest actual at or before asof.
    """
    if aggregate != "sum":
        return window_actual(actuals, 1, asof, "last")
    ytd = window_actual(actuals, 1, asof, "sum")
    c = cumulative(weights)
    if ytd is None or asof < 1 or c[asof] == 0:
        return None
    return ytd * c[-1] / c[asof]


def remaining(total: float, ytd_actual: float | None) -> float:
    """What is left of ``total`` after the YTD actual: ``max(0, total - YTD)``, a blank YTD
    counting as 0 (spreadsheet subtraction: equal to 15 digits is 0)."""
    return max(0.0, sheet_sub(total, ytd_actual or 0.0))


def catch_up(total: float, ytd_actual: float | None, weights: Sequence[float], asof: int, *,
             whole: bool) -> tuple[float | None, ...]:
    """Remaining months' targets that still reach ``total`` (``sum`` nodes).

    Month m > asof gets ``R * w_m / (C_n - C_asof)`` with ``R`` the :func:`remaining` amount;
    whole nodes use cumulative rounding over the remaining months:
    ``nearest(R * (C_m - C_asof) / (C_n - C_asof)) - nearest(R * (C_(m-1) - C_asof) / (...))``.
    Months up to asof, and every month when nothing remains (C_n - C_asof <= 0), are None.
    """
    n = len(weights)
    c = cumulative(weights)
    rest = sheet_sub(c[n], c[asof])
    if asof >= n or rest <= 0:
        return (None,) * n
    r = remaining(total, ytd_actual)
    out: list[float | None] = [None] * asof
    for m in range(asof + 1, n + 1):
        if whole:
            hi = round_nearest(r * sheet_sub(c[m], c[asof]) / rest)
            lo = round_nearest(r * sheet_sub(c[m - 1], c[asof]) / rest) if m - 1 > asof else 0.0
            out.append(hi - lo)
        else:
            out.append(r * weights[m - 1] / rest)
    return tuple(out)


def observed_rate(upper: Sequence[Cell], lower: Sequence[Cell], asof: int,
                  lag: int = 0) -> float | None:
    """Observed conversion of a funnel link: the YTD actual of stage k+1 (``lower``) over the
    actual of stage k (``upper``) in the months ``lag`` earlier (1..asof-lag); None when either
    is blank or the denominator is <= 0."""
    num = window_actual(lower, 1, asof, "sum")
    den = window_actual(upper, 1, asof - lag, "sum")
    if num is None or den is None or den <= 0:
        return None
    return num / den


def _sum(xs: Iterable[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total
