"""``kpixl actuals import WORKBOOK CSV``: bring actuals in from a CSV file.

Accepted layouts (detected from the header):

- **long**: columns ``id``, ``month``, ``value`` (any order, more columns ignored), one row per
  node and month;
- **wide**: first column the node id, then one column per month label (``2026-04``; also
  ``2026/04``, ``2026-4`` and ``2026年4月``), one row per node; empty cells are skipped.

Text is UTF-8 (a BOM allowed) or Shift_JIS (cp932). Every field is NFKC-normalised, so full-width
digits and separators work (``１２,０００`` is 12000); thousands separators (``,``, ``_``,
spaces) are dropped and ``30%`` is 0.3. Every problem is reported with its line (unknown id,
month outside the plan, a value that is not a number such as ``12件``, a negative value on a
node that is not ``signed``, the same cell twice), all at once, and nothing is written then.

The workbook is rebuilt through the same path as ``kpixl update`` (read everything, place it,
write with XlsxWriter), so charts, buttons and a VBA project survive, and it is replaced
atomically. A cell that already holds a different number is never overwritten without
``overwrite``: the error lists every such cell.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING

from kpixl.errors import WorkbookError
from kpixl.model import Plan

if TYPE_CHECKING:
    from kpixl.update import UpdateResult

__all__ = ["import_actuals", "parse_csv"]

MAX_CSV_BYTES = 20 * 1024 * 1024
_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?$")


def _text(raw: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise WorkbookError(f"{name}: is neither UTF-8 nor Shift_JIS (cp932) text")


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip()


def month_label(s: str) -> str | None:
    """``2026-04`` (also ``2026/4``, ``2026年4月``, full-width) -> ``2026-04``; None if not a
    month."""
    m = _MONTH.match(_norm(s))
    if m is None or not 1 <= int(m.group(2)) <= 12:
        return None
    return f"{m.group(1)}-{int(m.group(2)):02d}"


def number(s: str) -> float | None:
    """A typed number: NFKC, thousands separators dropped, ``%`` divides by 100; None if not a
    number."""
    t = re.sub(r"[,_\s]", "", _norm(s))
    scale = 1.0
    if t.endswith("%"):
        t, scale = t[:-1], 0.01
    t = t.replace("−", "-")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", t):
        return None
    return float(t) * scale


def parse_csv(path: str | os.PathLike[str], plan: Plan) -> dict[tuple[str, str], float]:
    """(node id, ``YYYY-MM``) -> value for every non-empty cell; WorkbookError lists every
    problem as ``FILE:LINE: message``."""
    p = Path(path)
    try:
        raw = p.read_bytes()[: MAX_CSV_BYTES + 1]
    except OSError as exc:
        raise WorkbookError(f"{p}: cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_CSV_BYTES:
        raise WorkbookError(f"{p}: is larger than {MAX_CSV_BYTES // 2**20} MB")
    rows = list(csv.reader(io.StringIO(_text(raw, str(p)), newline="")))
    lines = [(i, r) for i, r in enumerate(rows, 1) if any(_norm(c) for c in r)]
    if not lines:
        raise WorkbookError(f"{p}: is empty; expected a header (id,month,value or id and "
                            "one column per month)")
    errors: list[str] = []
    out: dict[tuple[str, str], float] = {}
    labels = set(plan.period.labels())
    (hline, header), body = lines[0], lines[1:]
    head = [_norm(h).lower() for h in header]

    def err(line: int, msg: str) -> None:
        errors.append(f"{p}:{line}: {msg}")

    def put(line: int, node: str, month: str, text: str) -> None:
        node = _norm(node)
        if not _norm(text):
            return
        label = month_label(month)
        if node not in plan.nodes:
            near = get_close_matches(node, list(plan.nodes), 1)
            err(line, f"unknown id {node!r}" + (f" (did you mean {near[0]}?)" if near else ""))
        elif label is None:
            err(line, f"month {month!r} is not YYYY-MM")
        elif label not in labels:
            err(line, f"month {label} is outside the plan ({min(labels)}..{max(labels)})")
        elif (value := number(text)) is None:
            err(line, f"{node} {label}: {text.strip()!r} is not a number")
        elif value < 0 and not plan.nodes[node].signed:
            err(line, f"{node} {label}: {value:g} is negative (the node is not signed)")
        elif (node, label) in out:
            err(line, f"{node} {label} appears twice")
        else:
            out[(node, label)] = value

    if {"id", "month", "value"} <= set(head):
        ci, cm, cv = head.index("id"), head.index("month"), head.index("value")
        for line, row in body:
            row = row + [""] * (len(head) - len(row))
            value = row[cv]
            if cv == len(head) - 1 and len(row) > len(head):  # 12,000 unquoted: one value
                value = ",".join(row[cv:])
            put(line, row[ci], row[cm], value)
    else:
        months = [month_label(h) for h in header[1:]]
        bad = [header[k + 1] for k, m in enumerate(months) if m is None and _norm(header[k + 1])]
        if bad:
            raise WorkbookError(f"{p}:{hline}: header: expected id,month,value or id followed "
                                f"by month columns (YYYY-MM), got {', '.join(map(repr, bad))}")
        for line, row in body:
            for k, cell in enumerate(row[1:len(header)]):
                put(line, row[0], header[k + 1], cell)
    if errors:
        raise WorkbookError("\n".join(errors))
    return out


def import_actuals(workbook: str | os.PathLike[str], csv_path: str | os.PathLike[str], *,
                   overwrite: bool = False) -> UpdateResult:
    """Place the CSV's actuals into ``workbook`` (rebuilt like ``kpixl update`` with the plan it
    holds); return the :class:`~kpixl.update.UpdateResult`."""
    from kpixl.reader import read_workbook
    from kpixl.update import check_lock, rebuild

    path = Path(workbook)
    check_lock(path)
    data = read_workbook(path)
    new = parse_csv(csv_path, data.plan)
    have = data.entered()
    clash = [f"{node} {label}: the workbook has {have[(node, label)]:g}, the CSV {v:g}"
             for (node, label), v in new.items()
             if (node, label) in have and have[(node, label)] != v]
    if data.unreadable and not overwrite:
        # the rebuilt workbook keeps numbers only: text or formulas typed there would be lost
        cells = [w.split(": ", 1)[1] for w in data.warnings if "is not a number" in w
                 and ("act_" in w or "ovr_" in w)]
        raise WorkbookError("\n".join([
            f"{path}: {len(data.unreadable)} row(s) hold text or formulas where numbers belong "
            "(" + ", ".join(sorted(data.unreadable)) + "); fix or clear them first, or use "
            "--overwrite to drop them", *(f"  {c}" for c in cells)]))
    if clash and not overwrite:
        raise WorkbookError("\n".join([f"{path}: {len(clash)} cell(s) already hold a different "
                                       "actual; use --overwrite to replace them:",
                                       *(f"  {c}" for c in clash)]))
    result = rebuild(data, data.plan, path, new_actuals=new, backup=False)
    result.carried.insert(0, f"imported {len(new)} actual(s) from {Path(csv_path).name}"
                          + (f", replacing {len(clash)}" if clash else ""))
    return result
