"""Tracking math over *reported months*: YTD, achievement, status, forecast, catch-up.

Conventions (plan-format.md, "Tracking"): months are 1-based; ``asof`` is the number of closed
months (0..n) and actuals after it never count; ``None`` is a blank cell (an entered 0 is data).

A node's **reported months** R are the months 1..asof in which it has an actual; tracking
compares like with like, so every YTD figure is taken over R on both sides:

* YTD target = sum (``sum``) or mean (``mean``) of the monthly targets over R, or the target of
  the node's own as-of month max(R) (``last``); YTD actual likewise from the actuals;
* a quarter's figure uses the same rules over the reported months of the quarter to date;
* the **missing months** are 1..asof minus R, for a node with any actual in the plan period.

Every public function here has a formula twin in :mod:`kpixl.formulas.builders` (the registry,
:mod:`kpixl.formulas.registry`, pairs them) and the LibreOffice and Gnumeric tests prove they
agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from kpixl.engine.periods import cumulative
from kpixl.engine.rounding import excel_round, round_nearest, sheet_sub

__all__ = [
    "achievement",
    "asof_from_input",
    "catch_up",
    "effective_targets",
    "forecast",
    "last_entered",
    "missing",
    "missing_months",
    "observed_months",
    "observed_rate",
    "over_months",
    "remaining",
    "reported",
    "resolve_asof",
    "status",
    "window_actual",
    "window_target",
]

Cell = float | None

STATUSES = ("on_track", "at_risk", "off_track")

ASOF_COUNT_MAX = 1000
"""An as-of input up to this is a count of closed months; above it, a date (a spreadsheet date
serial: 2026-06-01 is 46174), whose month is the last closed month."""

_EPOCH = dt.date(1899, 12, 30)  # day 0 of spreadsheet date serials (1900 date system)


def effective_targets(targets: Sequence[float], overrides: Sequence[Cell]) -> tuple[float, ...]:
    """A month's target in tracking: its override when one is entered, else the published one."""
    return tuple(t if o is None else o for t, o in zip(targets, overrides, strict=True))


def last_entered(actuals: Sequence[Cell], upto: int | None = None) -> int:
    """The last month (1-based) at or before ``upto`` that has an actual; 0 when none."""
    end = len(actuals) if upto is None else upto
    return max((m for m in range(1, end + 1) if actuals[m - 1] is not None), default=0)


def asof_from_input(value: float | dt.date | dt.time | None, start: dt.date,
                    months: int) -> int | None:
    """The count of closed months an as-of input means.

    A number up to :data:`ASOF_COUNT_MAX` is the count itself (0..n, for compatibility); a date
    serial above it names the last closed month: ``12 (year - y0) + month - m0 + 1`` months,
    clamped to 0..n (a month before the plan: 0; after it: n). Blank: None. A reader that turns
    date-formatted cells into dates (openpyxl) hands a date or a time of day: it is taken back
    to its serial first, so a count shown in the date-aware format still counts.
    """
    if value is None:
        return None
    if isinstance(value, dt.time):
        value = 0.0
    elif isinstance(value, dt.date):
        day0 = value.date() if isinstance(value, dt.datetime) else value
        days = (day0 - _EPOCH).days
        value = float(days - 1 if days <= 60 else days)  # the 1900 leap-year serials
    if value <= ASOF_COUNT_MAX:
        return int(value)
    day = _EPOCH + dt.timedelta(days=int(value))
    k = (day.year - start.year) * 12 + day.month - start.month + 1
    return max(0, min(months, k))


def resolve_asof(asof: int | None, actuals: Iterable[Sequence[Cell]],
                 kgi: Sequence[Cell] | None = None) -> int:
    """The closed months: the input, or when blank the last month in which the KGI has an actual,
    or when the KGI has none the last month with any actual (0 if none at all).

    Why the KGI first: one early figure for one KPI must not close a month for every KPI.
    """
    if asof is not None:
        return asof
    if kgi is not None and last_entered(kgi) > 0:
        return last_entered(kgi)
    return max((last_entered(row) for row in actuals), default=0)


def reported(actuals: Sequence[Cell], asof: int, a: int = 1) -> tuple[int, ...]:
    """The reported months R: months a..asof (1-based) with an actual."""
    return tuple(m for m in range(max(a, 1), asof + 1) if actuals[m - 1] is not None)


def missing_months(actuals: Sequence[Cell], asof: int) -> tuple[int, ...]:
    """Months 1..asof without an actual, for a node with any actual in the plan period (a node
    nobody reports has none)."""
    if all(x is None for x in actuals):
        return ()
    return tuple(m for m in range(1, asof + 1) if actuals[m - 1] is None)


def missing(actuals: Sequence[Cell], asof: int) -> int | None:
    """How many of months 1..asof lack an actual; None for a node with no actual at all
    (``missing_X``)."""
    if all(x is None for x in actuals):
        return None
    return len(missing_months(actuals, asof))


def over_months(values: Sequence[Cell], months: Sequence[int], aggregate: str) -> float | None:
    """A row's figure over the given months: their sum (``sum``), mean (``mean``) or the value
    of the last of them (``last``); None when ``months`` is empty or a value there is blank."""
    if not months:
        return None
    part = [values[m - 1] for m in months]
    if any(x is None for x in part):
        return None
    xs = [float(x) for x in part if x is not None]
    if aggregate == "sum":
        return _sum(xs)
    if aggregate == "mean":
        return _sum(xs) / len(xs)
    return xs[-1]


def window_target(targets: Sequence[float], a: int, b: int, aggregate: str) -> float | None:
    """Target of the whole window a..b (the Monthly Targets sheet's quarter and total cells):
    sum, mean, or month b's; None when b < a or b < 1."""
    if b < a or b < 1:
        return None
    return over_months(targets, range(max(a, 1), b + 1), aggregate)


def window_actual(actuals: Sequence[Cell], a: int, b: int, aggregate: str) -> float | None:
    """Actual over the reported months of a..b: sum, mean, or the last reported (None when none
    is reported)."""
    return over_months(actuals, reported(actuals, b, a), aggregate)


def achievement(actual: float | None, target: float | None, direction: str = "up") -> float | None:
    """actual / target (``up``); ``max(0, 2 - actual / target)`` (``down``); None when the target
    is blank or <= 0, or nothing is reported."""
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
    """Landing for the whole period, over the reported months R.

    ``sum`` nodes: the run rate with the node's own shape, ``YTD actual * C_n / sum_(m in R)
    w_m`` (blank when R is empty or that sum is 0): a blank June neither halves the forecast nor
    counts as a zero month. Other nodes: the actual of the node's own as-of month max(R).
    """
    months = reported(actuals, asof)
    if aggregate != "sum":
        return over_months(actuals, months, "last")
    ytd = over_months(actuals, months, "sum")
    w = _sum(weights[m - 1] for m in months)
    if ytd is None or w == 0:
        return None
    return ytd * cumulative(weights)[-1] / w


def remaining(total: float, ytd_actual: float | None, missing_target: float = 0.0) -> float:
    """What is left of ``total`` for the open months: ``max(0, total - YTD - the targets of the
    missing months)``, a blank YTD counting as 0 (a missing month is assumed to meet its target
    until it is reported; spreadsheet subtraction: equal to 15 digits is 0)."""
    return max(0.0, sheet_sub(sheet_sub(total, ytd_actual or 0.0), missing_target))


def catch_up(total: float, ytd_actual: float | None, weights: Sequence[float], asof: int, *,
             whole: bool, missing_target: float = 0.0) -> tuple[float | None, ...]:
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
    r = remaining(total, ytd_actual, missing_target)
    out: list[float | None] = [None] * asof
    for m in range(asof + 1, n + 1):
        if whole:
            hi = round_nearest(r * sheet_sub(c[m], c[asof]) / rest)
            lo = round_nearest(r * sheet_sub(c[m - 1], c[asof]) / rest) if m - 1 > asof else 0.0
            out.append(hi - lo)
        else:
            out.append(r * weights[m - 1] / rest)
    return tuple(out)


def observed_months(upper: Sequence[Cell], lower: Sequence[Cell], asof: int,
                    lag: int = 0) -> tuple[int, ...]:
    """A funnel link's reported months: stage k+1's (``lower``) reported months m in which stage
    k (``upper``) has an actual in month m - lag (m - lag >= 1)."""
    return tuple(m for m in reported(lower, asof) if m - lag >= 1 and upper[m - lag - 1]
                 is not None)


def observed_rate(upper: Sequence[Cell], lower: Sequence[Cell], asof: int, lag: int = 0,
                  months: Sequence[int] | None = None) -> float | None:
    """Observed conversion of a funnel link: the sum of stage k+1's actuals over ``months``
    (default: :func:`observed_months`) over the sum of stage k's actuals ``lag`` months earlier;
    None when there is no such month or that sum is 0."""
    ms = observed_months(upper, lower, asof, lag) if months is None else months
    pairs = [(lower[m - 1], upper[m - lag - 1]) for m in ms if m - lag >= 1]
    if not ms or len(pairs) < len(ms) or any(a is None or b is None for a, b in pairs):
        return None
    num = _sum(float(a) for a, _ in pairs if a is not None)
    den = _sum(float(b) for _, b in pairs if b is not None)
    return None if den == 0 else num / den


def _sum(xs: Iterable[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total
