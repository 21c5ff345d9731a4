"""Numbers and months in a report, shown exactly as the workbook's number formats show them.

The workbook formats a KPI's cells with :func:`kpixl.layout.styles.number_formats` and
:func:`~kpixl.layout.styles.node_numfmt` (the KPI's unit, ``whole`` and the plan's ``currency`` and
``money_display``). :func:`kpixl.app.report.report_data` stores that Excel format string on each
node (``numfmt``), and :func:`format_value` renders a value through it, so every report format
(text, markdown, html) shows ``4,545`` where the Tracking sheet shows ``4,545`` and ``10,889千円``
where it shows ``10,889千円``.

Only the format subset kpixl writes is understood: an optional quoted prefix, ``#,##0`` with
``.0``/``.00`` decimals, trailing thousands commas (each divides by 1,000), an optional ``%``
(multiplies by 100) and a quoted suffix. Rounding is Excel's display rounding: half away from
zero on the shown digits, so ``0.0%`` of 0.25 is ``25.0%`` and ``#,##0`` of 26.67 is ``27``. A
negative value gets a leading ``-`` before the prefix (one-section formats: ``-¥1,000``).

Months are shown as the sheets' month headers show them (``2026-07``, text in both languages).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

__all__ = ["format_multiplier", "format_number", "format_pct", "format_value",
           "resolution"]

_FMT = re.compile(r'^(?:"(?P<pre>[^"]*)")?(?P<body>[#0,]*0)(?:\.(?P<dec>0+))?(?P<div>,*)'
                  r'(?P<pct>%)?(?:(?P<sp>\s*)"(?P<suf>[^"]*)")?$')
PCT = "0.0%"
COUNT = "#,##0"


def format_number(value: float, numfmt: str) -> str:
    """``value`` as Excel shows it under ``numfmt`` (the subset kpixl writes)."""
    m = _FMT.match(numfmt.strip())
    if m is None:
        raise ValueError(f"number format outside kpixl's subset: {numfmt!r}")
    if not math.isfinite(value):  # a sum that overflowed: Excel shows #NUM! there
        return "#NUM!"
    places = len(m["dec"] or "")
    with localcontext() as ctx:  # all 309 digits of a double near 1e308, as Excel shows them
        ctx.prec = 400
        x = Decimal(repr(float(value)))
        if m["pct"]:
            x *= 100
        x /= Decimal(1000) ** len(m["div"])
        q = abs(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    digits = f"{q:,.{places}f}" if "," in m["body"] else f"{q:.{places}f}"
    sign = "-" if x < 0 and q != 0 else ""
    return f"{sign}{m['pre'] or ''}{digits}{'%' if m['pct'] else ''}{m['sp'] or ''}{m['suf'] or ''}"


def resolution(numfmt: str) -> float:
    """The smallest step ``numfmt`` shows: 1 for ``#,##0``, 1,000 for ``#,##0,"千円"``, 0.001
    for ``0.0%``; a chart axis in that format uses steps no finer than this."""
    m = _FMT.match(numfmt.strip())
    if m is None:
        return 0.0
    step = 10.0 ** -len(m["dec"] or "") * 1000.0 ** len(m["div"])
    return step / 100 if m["pct"] else step


def format_value(node: dict[str, Any], value: float | None, locale: str) -> str:
    """A value of ``node`` (a report node: it carries ``numfmt``) as the workbook shows it.

    ``locale`` only chooses the mark for "no value" (the same ``-`` in both languages today), so
    one call site serves every report format.
    """
    del locale
    if value is None:
        return "-"
    return format_number(value, node["numfmt"])


def format_pct(value: float | None) -> str:
    """A fraction (achievement, share of goal, conversion rate) as the workbook's ``0.0%``."""
    return "-" if value is None else format_number(value, PCT)


def format_multiplier(value: float | None) -> str:
    """A multiplier link (calls = leads x calls_per_lead) as ``x 3`` or ``x 2.75``, never 300%."""
    if value is None:
        return "-"
    q = Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{q:f}".rstrip("0").rstrip(".") if "." in f"{q:f}" else f"{q:f}"
    return f"x {text}"
