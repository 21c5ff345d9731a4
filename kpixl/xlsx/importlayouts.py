"""The three shapes of an actuals file, found from the content, and how each is read.

The header is the first row (of the first ``SCAN`` rows; title rows above it, as a CRM report
writes them, are skipped and reported) that is one of:

- **long**: a cell naming the month column (``month``, ``月``, ``年月``...) and one naming the value
  column (``value``, ``実績``, ``actual``...); the KPI column is the one headed ``id``/``KPI``/
  ``指標``..., else the first other column. One row per KPI and month;
- **wide**: two or more month cells (or one, in a row whose first cell is blank or heads a KPI
  column); the KPI column is the column left of the first month whose cells name the most KPIs.
  One row per KPI;
- **months as rows**: one or more cells naming a KPI, over a column of months. One row per month.

Total, subtotal, average, quarter and half-year rows and columns
(:func:`~kpixl.xlsx.cells.is_total`) are skipped and reported, as are columns headed by
something else that hold no numbers. A column or row that holds numbers but cannot be
placed is a problem, never dropped.
"""

from __future__ import annotations

from typing import Any

from kpixl.layout.core import col_letter
from kpixl.xlsx.cells import Bad, Num, is_blank, is_total, month_of, norm, parse_number
from kpixl.xlsx.importcheck import Found, show
from kpixl.xlsx.importgrid import Grid

__all__ = ["SCAN", "read_layout"]

SCAN = 30
NOT_NUMBERS = frozenset({"not-number", "type"})
KPI_WORDS = frozenset({"id", "kpi", "kpi id", "kpi_id", "kpiid", "kpi名", "kpi 名", "指標",
                       "指標名", "項目", "項目名", "name", "名前", "名称", "metric", "measure",
                       "kpi name", "code", "コード", "指標コード", "item", "key"})
MONTH_WORDS = frozenset({"month", "月", "年月", "対象月", "月度", "期間", "period", "date", "日付",
                         "年月日", "計上月", "yyyy-mm", "対象年月", "対象期間", "yyyymm"})
VALUE_WORDS = frozenset({"value", "値", "実績", "実績値", "actual", "actuals", "amount", "数値",
                         "結果", "count", "件数", "金額", "result", "quantity", "qty", "数量",
                         "total value"})


def _cell(row: list[Any], c: int) -> Any:
    return row[c] if c < len(row) else None


def _holds(grid: Grid, top: int, c: int) -> bool:
    """Whether column ``c`` holds a number below row ``top`` (also one written wrongly, such as
    ``1,5``; a note such as ``3件は翌月計上`` is not a number)."""
    for row in grid[top + 1:]:
        got = parse_number(_cell(row, c))
        if isinstance(got, Num) or (isinstance(got, Bad) and got.key not in NOT_NUMBERS):
            return True
    return False


def read_layout(found: Found, grid: Grid) -> str | None:
    """Read ``grid`` into ``found``; the layout's name, None when no header was found.

    A row of months is taken as the wide header only when a row below names a KPI left of its
    first month (a report's "period: 2026/04/01, 2026/06/30" line above the table is not the
    header); failing that, the first row of months is."""
    labels = found.labels
    wide: tuple[int, int] | None = None  # the first row of months: (row, first month column)
    for r, row in enumerate(grid[:SCAN]):
        heads = [norm(v) for v in row]
        if not any(heads):
            continue
        if any(h in MONTH_WORDS for h in heads) and any(h in VALUE_WORDS for h in heads):
            _title(found, grid, r)
            _long(found, grid, r)
            return "long"
        months = [c for c, v in enumerate(row) if month_of(v, labels) is not None]
        kpis = [c for c, v in enumerate(row) if not is_blank(v) and found.index.matches(v)]
        if months and kpis:  # a KPI and its month side by side: a long file without a header
            found.err("layout.headerless", found.at(r, None))
            return "long"
        one = len(months) == 1 and months[0] > 0 and (heads[0] in KPI_WORDS or not heads[0])
        if len(months) >= 2 or one:
            wide = wide or (r, months[0])
            if _names_below(found, grid, r, months[0]):
                wide = (r, months[0])
                break
            continue
        if kpis and wide is None:
            mc = _month_column(found, grid, r, kpis)
            if mc is not None:
                _title(found, grid, r)
                _rows(found, grid, r, mc)
                return "rows"
    if wide is None:
        return None
    _title(found, grid, wide[0])
    _wide(found, grid, *wide)
    return "wide"


def _names_below(found: Found, grid: Grid, hr: int, first: int) -> bool:
    """Whether a row below ``hr``, before the next row of months, names a KPI left of column
    ``first``."""
    for below in grid[hr + 1:hr + 1 + SCAN]:
        if sum(month_of(v, found.labels) is not None for v in below) >= 2:
            return False
        if any(found.index.matches(v) for v in below[:first] if not is_blank(v)):
            return True
    return False


def _title(found: Found, grid: Grid, hr: int) -> None:
    used = [r for r in range(hr) if any(not is_blank(v) for v in grid[r])]
    if used:
        first = next(show(v) for v in grid[used[0]] if not is_blank(v))
        found.skip("title", f"1-{hr}" if hr > 1 else "1", first)


def _month_column(found: Found, grid: Grid, hr: int, kpis: list[int]) -> int | None:
    width = max((len(row) for row in grid[hr:hr + SCAN]), default=0)
    for c in range(width):
        if c in kpis:
            continue
        col = [v for row in grid[hr + 1:hr + 1 + SCAN] if not is_blank(v := _cell(row, c))]
        months = sum(month_of(v, found.labels) is not None for v in col)
        if months and 2 * (months + sum(map(is_total, col))) >= len(col):
            return c
    return None


def _long(found: Found, grid: Grid, hr: int) -> None:
    """One row per KPI and month: columns KPI, month, value (any order)."""
    heads = [norm(v) for v in grid[hr]]
    mc = next(c for c, h in enumerate(heads) if h in MONTH_WORDS)
    vc = next(c for c, h in enumerate(heads) if h in VALUE_WORDS)
    kc = next((c for c, h in enumerate(heads) if h in KPI_WORDS and c not in (mc, vc)),
              next((c for c, h in enumerate(heads) if h and c not in (mc, vc)), None))
    if kc is None:
        found.err("layout.long-kpi", found.at(hr, None))
        return
    width = len(heads)
    while width and not heads[width - 1]:
        width -= 1
    for r in range(hr + 1, len(grid)):
        row = grid[r]
        if all(is_blank(v) for v in row):
            continue
        value, extra = _cell(row, vc), row[width:]
        if vc == width - 1 and extra and all(isinstance(v, str) for v in extra):
            value, extra = ",".join([str(value), *map(str, extra)]).rstrip(","), []
        if any(not is_blank(v) for v in extra):
            found.err("layout.extra-cells", found.at(r, width, None),
                      cells=", ".join(show(v) for v in extra if not is_blank(v)))
            continue
        name, when = _cell(row, kc), _cell(row, mc)
        if (is_total(name) and not found.index.matches(name)) or is_total(when):
            found.skip("row", str(r + 1), name if is_total(name) else when)
            continue
        if is_blank(value):
            continue
        nid = found.kpi(r, kc, name, grid[hr][kc])
        label = found.month(r, mc, when, grid[hr][mc])
        if nid is not None and label is not None:
            found.put(r, vc, grid[hr][vc], nid, label, value)


def _wide(found: Found, grid: Grid, hr: int, first: int) -> None:
    """One row per KPI, one column per month."""
    head = grid[hr]
    cols: dict[int, str] = {}
    seen: dict[str, int] = {}
    width = max(len(row) for row in grid)
    for c in range(first, width):
        h = _cell(head, c)
        holds = _holds(grid, hr, c)
        if is_blank(h):
            if holds:
                found.err("layout.no-month", found.at(hr, c, None), col=col_letter(c),
                          row=hr + 1)
            continue
        if month_of(h, found.labels) is None:
            if is_total(h):
                found.skip("column", col_letter(c), h)
            elif holds:
                found.err("layout.not-month", found.at(hr, c, h), text=show(h),
                          example=found.labels[0])
            else:
                found.skip("column", col_letter(c), h)
            continue
        label = found.month(hr, c, h, h, holds=holds)
        if label is None:
            continue
        if label in seen:
            found.err("month.twice", found.at(hr, c, h), month=label,
                      other=f"{col_letter(seen[label])}{hr + 1}")
            continue
        seen[label] = c
        cols[c] = label
    kc = _kpi_column(found, grid, hr, first)
    if kc is None:
        found.err("layout.no-kpi-column", found.at(hr, None), col=col_letter(first))
        return
    for c in range(first):  # numbers left of the months (a row number, last year's total)
        if c != kc and _holds(grid, hr, c):
            found.skip("column", col_letter(c), _cell(head, c))
    for r in range(hr + 1, len(grid)):
        row = grid[r]
        if all(is_blank(_cell(row, c)) for c in range(first, max(len(row), first))):
            continue
        labels = [_cell(row, c) for c in range(first)]
        total = next((v for v in labels if is_total(v) and not found.index.matches(v)), None)
        if total is not None:
            found.skip("row", str(r + 1), total)
            continue
        nid = found.kpi(r, kc, _cell(row, kc), _cell(head, kc))
        if nid is None:
            continue
        for c, label in cols.items():
            found.put(r, c, _cell(head, c), nid, label, _cell(row, c))


def _kpi_column(found: Found, grid: Grid, hr: int, first: int) -> int | None:
    """The column left of the months whose cells name the most KPIs (else the last text one)."""
    best, score = None, 0
    for c in range(first):
        n = sum(1 for row in grid[hr + 1:] if not is_blank(_cell(row, c))
                and found.index.matches(_cell(row, c)))
        if n > score:
            best, score = c, n
    if best is None and first > 0:
        best = first - 1 if norm(_cell(grid[hr], first - 1)) else 0
    return best


def _rows(found: Found, grid: Grid, hr: int, mc: int) -> None:
    """One row per month, one column per KPI."""
    head = grid[hr]
    cols: dict[int, str] = {}
    width = max(len(row) for row in grid)
    for c in range(width):
        if c == mc:
            continue
        h = _cell(head, c)
        holds = _holds(grid, hr, c)
        if is_blank(h):
            if holds:
                found.err("layout.no-kpi", found.at(hr, c, None), col=col_letter(c),
                          row=hr + 1)
            continue
        if is_total(h) and not found.index.matches(h):
            found.skip("column", col_letter(c), h)
            continue
        if not found.index.matches(h) and not holds:
            found.skip("column", col_letter(c), h)
            continue
        nid = found.kpi(hr, c, h)
        if nid is not None:
            cols[c] = nid
    for r in range(hr + 1, len(grid)):
        row = grid[r]
        values = [c for c in cols if not is_blank(_cell(row, c))]
        when = _cell(row, mc)
        if is_total(when) or any(is_total(_cell(row, c)) for c in range(mc)):
            found.skip("row", str(r + 1), when if is_total(when) else
                       next(v for v in row[:mc] if is_total(v)))
            continue
        if not values:
            continue
        label = found.month(r, mc, when, _cell(head, mc))
        if label is None:
            continue
        for c in values:
            found.put(r, c, _cell(head, c), cols[c], label, _cell(row, c))
