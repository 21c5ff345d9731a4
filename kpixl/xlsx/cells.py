"""One cell of an export file: a number, a month, a total label, or "no data".

Export files write numbers the way people read them (``1,234件``, ``¥1,000``, ``△5``, ``12%``) and
months in a dozen spellings (``2026/4/1``, ``4月``, ``Apr-26``, a date cell, an Excel serial).
This module turns one cell into what it means, or into a :class:`Bad` naming the message key
(catalogue ``import.value.*``) and the fix's parameters. It knows nothing of rows or files.

Numbers. Characters are checked *before* NFKC: full-width ASCII (``１２，０００``) and the
ideographic space are what NFKC is for; any other character that NFKC would change (``²``, ``①``,
``½``) or any digit that is not 0-9 (``٣``) is refused, since ``10²`` would otherwise become 102.
A separator groups thousands only as ``d{1,3}(,ddd)+``: ``1,5`` (a decimal comma) and ``1.234,56``
(European grouping) are refused with the fix rather than read as 15 or 1.23456. ``%`` divides by
100; ``△``/``▲``/``-``/``(x)`` negate; ``-``, a dash or an empty cell is "no data" (None).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Bad", "Num", "is_blank", "is_total", "month_of", "norm", "parse_number"]

_EPOCH = dt.date(1899, 12, 30)  # Excel serial 0 (1900 system, past the 1900-02-29 bug)
SERIALS = (36526, 73051)  # serials accepted as months: 2000-01-01 .. 2100-01-01
DASHES = frozenset("-‐‑‒–—―−ー－ｰ")
CURRENCY = frozenset("¥$€£₩")
MONEY_UNITS = frozenset({"円", "¥", "jpy", "usd", "$", "ドル", "eur", "€", "gbp", "£"})
_EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"})
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(?:([,_ ])\d{3})(?:\1\d{3})*(?:\.\d+)?")
_EXP = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+")
_EURO = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+")
_NUMBER_PART = re.compile(r"^(.*?)((?:\d|\.\d)[\d.,_ ]*(?:[eE][+-]?\d+)?)(\D*)$")
_MONTHS_EN = {m: k for k, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月(?:度|分)?)?"
                 r"(?:\s*[-/.]\s*\d{1,2}\s*日?|\s*\d{1,2}日)?"
                 r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_YYYYMM = re.compile(r"^(\d{4})(\d{2})$")
_M_ONLY = re.compile(r"^(\d{1,2})\s*月(?:度|分|\s*\d{1,2}\s*日)?$")
_MD = re.compile(r"^(\d{1,2})/(\d{1,2})$")  # 4/1: a date without its year (Excel's m/d)
_MY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{4})$")  # 04/2026
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_D_EN = re.compile(r"^\d{1,2}[- ]([a-z]{3,9})\.?(?:[- ,]+(\d{2}|\d{4}))?$")  # 1-Apr, 1 Apr 2026
_EN = re.compile(r"^([a-z]{3,9})\.?(?:\s*[-/ ,']\s*|\s*)(\d{2}|\d{4})?$")
_EN_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/ ]\s*([a-z]{3,9})$")
_TOTAL_WORDS = frozenset({
    "合計", "小計", "総計", "計", "累計", "年計", "通期", "年間", "年度計", "期計", "全体",
    "総合計",
    "平均", "月平均", "上期", "下期", "上半期", "下半期", "第1四半期", "第2四半期", "第3四半期",
    "第4四半期", "total", "subtotal", "sub total", "grand total", "sum", "ytd", "average", "avg",
    "h1", "h2", "1h", "2h", "fy", "全期間"})
_TOTAL = re.compile(r"^(?:第?[1-4]\s*四半期(?:計)?|[1-4]\s*q(?:計|\s*total)?"
                    r"|q\s*[1-4](?:\s*\d{2,4})?"
                    r"|\d{4}\s*q[1-4]|fy\s*\d{2,4}.*|\d{4}\s*年度.*|[上下]期.*|[上下]半期.*"
                    r"|.*(?:合計|小計|総計|累計).*|.*\b(?:sub)?total\b.*|\d{1,2}\s*[-~〜～]\s*\d{1,2}\s*月.*"
                    r"|h[12]\s*\d{2,4})$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Num:
    """A number read from a cell: its value, and the unit mark it was written with (``%``,
    ``円``, ``¥``, ``件``... or "" for a bare number)."""

    value: float
    mark: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bad:
    """Why a cell is not a value: the ``import.value.<key>`` message and its parameters."""

    key: str
    params: tuple[tuple[str, str], ...] = ()


def norm(s: object) -> str:
    """A header or name cell as text to compare: NFKC, trimmed, case-folded, inner runs of
    space made one."""
    if s is None:
        return ""
    t = unicodedata.normalize("NFKC", str(s)).strip().casefold()
    return re.sub(r"\s+", " ", t)


def is_blank(cell: object) -> bool:
    """Empty, spaces only, or a lone dash: "no data" in an export."""
    if cell is None:
        return True
    if isinstance(cell, str):
        t = cell.strip().strip("\u3000")
        return not t or (len(t) == 1 and t in DASHES) or t in ("--", "ー", "―")
    return False


def is_total(cell: object) -> bool:
    """A total, subtotal, average, quarter or half-year label (``合計``, ``Q1``, ``上期``...)."""
    t = norm(cell)
    return bool(t) and (t in _TOTAL_WORDS or _TOTAL.match(t) is not None)


def _lookalike(text: str) -> str | None:
    """The first character that would change under NFKC (other than full-width ASCII and the
    ideographic space) or that is a digit other than 0-9: such characters are refused."""
    for c in text:
        if c.isascii():
            continue
        full = "\uff01" <= c <= "\uff5e" or c in "\u3000\uffe5\uffe6"
        if unicodedata.category(c).startswith("N") and not ("０" <= c <= "９"):
            return c
        if not full and unicodedata.normalize("NFKC", c) != c:
            return c
    return None


def parse_number(cell: object, unit: str = "") -> Num | Bad | None:
    """The number a cell holds, None for "no data", or why it is not a number. A mark after the
    number is at most 3 characters (``件``, ``千円``, ``pts``) or ``unit`` itself (``12 deals``
    for a KPI counted in deals), so a note such as ``3件は翌月計上`` is not a number."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return Bad(key="type", params=(("kind", "bool"),))
    if isinstance(cell, dt.date | dt.datetime | dt.time):
        return Bad(key="type", params=(("kind", "date"),))
    if isinstance(cell, int | float):
        x = float(cell)
        return Num(value=x) if math.isfinite(x) else Bad(key="infinite")
    raw = str(cell)
    if is_blank(raw):
        return None
    odd = _lookalike(raw)
    if odd is not None:
        name = unicodedata.name(odd, f"U+{ord(odd):04X}").lower()
        return Bad(key="lookalike", params=(("char", odd), ("uname", name)))
    t = unicodedata.normalize("NFKC", raw).strip()
    if t.upper() in _EXCEL_ERRORS:
        return Bad(key="excel-error")
    if t.casefold() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
        return Bad(key="infinite")
    negative = False
    if t.startswith("(") and t.endswith(")"):
        t, negative = t[1:-1].strip(), True
    if t and t[0] in "△▲":
        t, negative = t[1:].strip(), not negative
    m = _NUMBER_PART.match(t)
    if m is None:
        return Bad(key="not-number")
    pre, body, post = m.group(1).strip(), m.group(2).strip(), m.group(3).strip()
    if pre and pre[-1] in "-−+":
        negative, pre = (not negative) if pre[-1] != "+" else negative, pre[:-1].strip()
    mark = ""
    if pre:
        if pre not in CURRENCY:
            return Bad(key="not-number")
        mark, post = pre, "" if post == "-" else post  # ¥1,000- (a price, as written in Japan)
    if post == "-" and not mark:  # 1,234- : a negative, as SAP and some ledgers write it
        post, negative = "", not negative
    if post:
        short = re.fullmatch(r"[^\d\s.,]{1,3}", post) is not None
        if mark or not (short or (unit and norm(post) == norm(unit))):
            return Bad(key="not-number")
        mark = post
    value = _body(body)
    if isinstance(value, Bad):
        return value
    if mark == "%":  # in decimal: 12.3% is 0.123, not 12.3 / 100 = 0.12300000000000001
        value = float(Decimal(repr(value)) / 100) if math.isfinite(value) else value
    if not math.isfinite(value) or abs(value) > 1e300:
        return Bad(key="infinite")
    return Num(value=-value if negative else value, mark=mark)


def _body(body: str) -> float | Bad:
    """The digits of a number with its separators: grouped thousands only."""
    if _PLAIN.fullmatch(body) or _EXP.fullmatch(body):
        return float(body)  # 1e309 is inf here, refused by the caller
    if _GROUPED.fullmatch(body):
        return float(re.sub(r"[,_ ]", "", body))
    if _EURO.fullmatch(body):
        if "." in body:  # 1.234,56: dots group, the comma is the decimal point
            fixed = body.replace(".", "").replace(",", ".")
            return Bad(key="european", params=(("fixed", fixed),))
        dot = body.replace(",", ".")
        return Bad(key="comma-decimal", params=(("dot", dot), ("plain", body.replace(",", ""))))
    return Bad(key="not-number")


def month_of(cell: object, labels: list[str]) -> str | Bad | None:
    """The plan month (``YYYY-MM``) a header or row label names; None if it does not look like a
    month at all; :class:`Bad` (``import.month.<key>``) if it is a month the plan cannot place.

    ``labels`` are the plan's months in order. ``4月`` and ``Apr`` (no year) take the plan month
    with that calendar month (April..March of an April fiscal year); with more than 12 months
    they are ambiguous."""
    year: int | None
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, dt.datetime | dt.date):
        year, month = cell.year, cell.month
    elif isinstance(cell, int | float):
        if not (math.isfinite(cell) and SERIALS[0] <= cell < SERIALS[1]):
            return None
        d = _EPOCH + dt.timedelta(days=int(cell))
        year, month = d.year, d.month
    else:
        t = norm(cell)
        if not t:
            return None
        if _lookalike(str(cell)) is not None:
            return None
        found = _text_month(t)
        if found is None:
            return None
        year, month = found
    if not 1 <= month <= 12:
        return Bad(key="bad")
    if year is None:
        hits = [lb for lb in labels if int(lb[5:]) == month]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            return Bad(key="outside-month", params=(("month", str(month)),))
        return Bad(key="ambiguous", params=(("labels", ", ".join(hits)),))
    label = f"{year:04d}-{month:02d}"
    if label not in labels:
        return Bad(key="outside", params=(("month", label),))
    return label


def _text_month(t: str) -> tuple[int | None, int] | None:
    """(year or None, month) of a month written as text (already :func:`norm`-ed)."""
    if (m := _YM.match(t)) is not None:
        return int(m.group(1)), int(m.group(2))
    if (m := _YYYYMM.match(t)) is not None and 1900 <= int(m.group(1)) <= 2100:
        return int(m.group(1)), int(m.group(2))
    if (m := _M_ONLY.match(t)) is not None:
        return None, int(m.group(1))
    if (m := _MD.match(t)) is not None and 1 <= int(m.group(2)) <= 31:
        return None, int(m.group(1))
    if (m := _MY.match(t)) is not None:
        return int(m.group(2)), int(m.group(1))
    if (m := _DMY.match(t)) is not None:
        return _us_or_uk(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if (m := _D_EN.match(t)) is not None and (k := _en_month(m.group(1))) is not None:
        y = m.group(2)
        return (None if y is None else int(y) + (2000 if len(y) == 2 else 0)), k
    if re.fullmatch(r"\d+(\.\d+)?", t):
        x = float(t)
        if SERIALS[0] <= x < SERIALS[1]:
            d = _EPOCH + dt.timedelta(days=int(x))
            return d.year, d.month
        return None
    if (m := _EN.match(t)) is not None and (k := _en_month(m.group(1))) is not None:
        y = m.group(2)
        return (None if y is None else int(y) + (2000 if len(y) == 2 else 0)), k
    if (m := _EN_YEAR_FIRST.match(t)) is not None and (k := _en_month(m.group(2))) is not None:
        return int(m.group(1)), k
    return None


def _us_or_uk(a: int, b: int, year: int) -> tuple[int | None, int]:
    """The month of ``a/b/yyyy``: US ``m/d`` or UK ``d/m``. A month header is the first of the
    month, so the part that is 1 is the day; a part above 12 is the day too; else unknown
    (month 0, refused as not a month)."""
    if b == 1 or a > 12:
        return (year, a) if b == 1 else (year, b)
    if a == 1 or b > 12:
        return year, (b if a == 1 else a)
    return year, 0


def _en_month(word: str) -> int | None:
    k = _MONTHS_EN.get(word[:3])
    if k is None:
        return None
    full = ("january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december")[k - 1]
    return k if full.startswith(word) or word == "sept" else None
