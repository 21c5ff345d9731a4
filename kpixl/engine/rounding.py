"""Rounding with the floating-noise guard, exactly as the workbook formulas do it.

Floating point makes 57 / 0.57 = 100.00000000000001. Before any rounding kpixl rounds to 12
significant digits, half away from zero::

    guard(x) = IF(x=0, 0, ROUND(x, 11 - INT(LOG10(ABS(x)))))

then rounds up (a need), down (a yield you assume) or to the nearest (a split, halves away from
zero as Excel's ROUND). Spreadsheet ROUND works on the decimal value shown with 15 significant
digits, so the Python twin rounds the 15-digit decimal form, not the exact binary value.
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Context, Decimal

__all__ = [
    "agree12",
    "excel_round",
    "guard",
    "round_down",
    "round_nearest",
    "round_up",
    "sheet_add",
    "sheet_op",
    "sheet_sub",
]


# Enough digits for any double (the largest has 309 integer digits).
_CTX = Context(prec=400, Emax=1000, Emin=-1000)


def _dec(x: float) -> Decimal:
    return Decimal(f"{x:.15g}")


def excel_round(x: float, digits: int = 0) -> float:
    """Excel's ROUND(x, digits): half away from zero on the 15-significant-digit value."""
    if x == 0 or not math.isfinite(x):
        return x
    q = Decimal(1).scaleb(-digits)
    return float(_dec(x).quantize(q, rounding=ROUND_HALF_UP, context=_CTX))


def guard(x: float) -> float:
    """Round to 12 significant digits: ``ROUND(x, 11 - INT(LOG10(ABS(x))))``."""
    if x == 0:
        return 0.0
    return excel_round(x, 11 - math.floor(math.log10(abs(x))))


def _int_round(x: float, mode: str) -> float:
    if not math.isfinite(x):
        return x  # infinities and NaN pass through; callers report them as errors
    return float(_dec(guard(x)).quantize(Decimal(1), rounding=mode, context=_CTX))


def round_up(x: float) -> float:
    """ROUNDUP(guard(x), 0): away from zero; what you need."""
    return _int_round(x, ROUND_UP)


def round_down(x: float) -> float:
    """ROUNDDOWN(guard(x), 0): toward zero; what you assume you will get."""
    return _int_round(x, ROUND_DOWN)


def round_nearest(x: float) -> float:
    """ROUND(guard(x), 0): halves away from zero; a split."""
    return _int_round(x, ROUND_HALF_UP)


def agree12(a: float | None, b: float | None) -> bool:
    """Both blank, or numbers equal to 12 significant digits: the one test of "unchanged" for a
    value that went through a spreadsheet (which keeps about 15 digits) and came back."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)




# Spreadsheets cancel a sum of two nearly equal and opposite numbers to exactly 0 (LibreOffice's
# rtl::math::approxAdd/approxSub, Excel's 15-digit rule): 2000000000.0000002 - 2000000000 is 0 in
# a cell, 2.4e-7 in Python. The engine subtracts the same way wherever a formula twin subtracts.
_E48 = 2.0**-48


def _approx_equal(a: float, b: float) -> bool:
    if a == b:
        return True
    d = abs(a - b)
    return math.isfinite(d) and d < abs(a) * _E48 and d < abs(b) * _E48


def sheet_sub(a: float, b: float) -> float:
    """``a - b`` as a spreadsheet computes it: 0 when a and b are equal but for noise."""
    if ((a > 0 and b > 0) or (a < 0 and b < 0)) and _approx_equal(a, b):
        return 0.0
    return a - b


def sheet_add(a: float, b: float) -> float:
    """``a + b`` as a spreadsheet computes it: 0 when they cancel but for noise."""
    if ((a > 0 > b) or (a < 0 < b)) and _approx_equal(a, -b):
        return 0.0
    return a + b


def sheet_op(op: str, a: float, b: float) -> float:
    """``a op b`` for ``op`` in ``+ - * /`` as a spreadsheet computes it (:func:`sheet_add`,
    :func:`sheet_sub`); ZeroDivisionError for ``/ 0``."""
    if op == "+":
        return sheet_add(a, b)
    if op == "-":
        return sheet_sub(a, b)
    if op == "*":
        return a * b
    return a / b
