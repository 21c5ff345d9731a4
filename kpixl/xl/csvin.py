"""Actuals from a CSV file, as ``kpixl actuals import`` reads them (cli.md).

Two shapes, told apart by the header row:

* long: columns ``id, month, value`` (any order, case-insensitive), one actual per row, month as
  ``YYYY-MM`` (``YYYY/MM`` and ``YYYY年MM月`` also read);
* wide: first column ``id``, then one column per plan month headed ``YYYY-MM``; blank cells are
  skipped.

Text is UTF-8 (a BOM allowed) or Shift_JIS (cp932); full-width digits and signs are read as
ASCII (NFKC), thousands separators are dropped. Every problem is collected with its line.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

from kpixl.errors import WorkbookError
from kpixl.model import Plan

__all__ = ["parse_actuals_csv", "read_actuals_csv"]

_MONTH = re.compile(r"^(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?$")


def _norm(s: object) -> str:
    return unicodedata.normalize("NFKC", "" if s is None else str(s)).strip()


def _month(text: str, labels: list[str]) -> int | None:
    """0-based plan month of a ``YYYY-MM`` cell, or None."""
    m = _MONTH.match(_norm(text))
    if m is None:
        return None
    label = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return labels.index(label) if label in labels else None


def _number(text: str) -> float | None:
    s = _norm(text).replace(",", "").replace("_", "")
    if s in ("", "-"):
        return None
    try:
        return float(s)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def decode(data: bytes) -> str:
    """UTF-8 (BOM allowed), else Shift_JIS."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp932")
        except UnicodeDecodeError:
            raise WorkbookError("the CSV is neither UTF-8 nor Shift_JIS text") from None


def parse_actuals_csv(text: str, plan: Plan, source: str = "actuals.csv"
                      ) -> dict[tuple[str, int], float]:
    """(node id, 0-based month) -> value. Raises WorkbookError listing every bad line."""
    rows = [r for r in csv.reader(io.StringIO(text)) if any(_norm(c) for c in r)]
    if not rows:
        raise WorkbookError(f"{source}: the file is empty")
    labels = plan.period.labels()
    head = [_norm(c).lower() for c in rows[0]]
    out: dict[tuple[str, int], float] = {}
    errors: list[str] = []
    if {"id", "month", "value"} <= set(head):
        i_id, i_m, i_v = head.index("id"), head.index("month"), head.index("value")
        cells = []
        for line, r in enumerate(rows[1:], 2):
            r = r + [""] * (len(head) - len(r))
            cells.append((line, r[i_id], r[i_m], r[i_v]))
    elif head and head[0] == "id" and len(head) > 1:
        months = [_month(c, labels) for c in rows[0][1:]]
        for c, m in zip(rows[0][1:], months, strict=True):
            if m is None:
                errors.append(f"{source}:1: column {c!r} is not a plan month (YYYY-MM within "
                              f"{labels[0]}..{labels[-1]})")
        cells = [(line, r[0], rows[0][1 + j], v) for line, r in enumerate(rows[1:], 2)
                 for j, v in enumerate(r[1:]) if j < len(months) and _norm(v)]
    else:
        raise WorkbookError(f"{source}:1: the header must be `id,month,value` (long) or `id` "
                            "then one column per month YYYY-MM (wide)")
    for line, node, month, value in cells:
        node_id = _norm(node)
        m = _month(month, labels)
        if node_id not in plan.nodes:
            errors.append(f"{source}:{line}: {node_id!r} is not a KPI id of the plan")
            continue
        if m is None:
            errors.append(f"{source}:{line}: month {month!r} is not a plan month "
                          f"({labels[0]}..{labels[-1]})")
            continue
        try:
            v = _number(value)
        except ValueError as e:
            errors.append(f"{source}:{line}: {node_id} {labels[m]}: {e}")
            continue
        if v is None:
            continue
        if (node_id, m) in out and out[(node_id, m)] != v:
            errors.append(f"{source}:{line}: {node_id} {labels[m]} is given twice")
        out[(node_id, m)] = v
    if errors:
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise WorkbookError("; ".join(dict.fromkeys(errors[:5])) + more)
    return out


def read_actuals_csv(path: str | Path, plan: Plan) -> dict[tuple[str, int], float]:
    """Read and parse a CSV file of actuals (see :func:`parse_actuals_csv`)."""
    p = Path(str(path).strip().strip('"'))
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise WorkbookError(f"{p}: no such file") from None
    except OSError as e:
        raise WorkbookError(f"{p}: cannot be read ({e.strerror})") from None
    return parse_actuals_csv(decode(data), plan, p.name)
