"""Reading actuals from an export file: :func:`parse_csv` is the one reader of the format.

``kpixl actuals import`` (:mod:`kpixl.app.actuals`) and the workbook's "import actuals" button
(:mod:`kpixl.xl.scripts`) both use it.
Accepted layouts (detected from the header):

- **long**: columns ``id``, ``month``, ``value`` (any order, more columns ignored), one row per
  node and month; a row with an empty value is skipped, but its id and month must be right;
- **wide**: first column the node id (its header is free), then one column per month label
  (``2026-04``; also ``2026/04``, ``2026-4`` and ``2026年4月``), one row per node; empty cells
  are skipped, and so are empty columns without a header or outside the plan.

Text is UTF-8 (a BOM allowed) or Shift_JIS (cp932). Every field is NFKC-normalised, so full-width
digits and separators work (``１２,０００`` is 12000); thousands separators (``,``, ``_``,
spaces) are dropped and ``30%`` is 0.3. Every problem is reported with its line and the fix
(unknown id, month outside the plan, a value that is not a number such as ``12件`` or ``-``, a
negative value on a node that is not ``signed``, the same cell twice, values in a column
without a month), all at once, and nothing is written then.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from difflib import get_close_matches
from pathlib import Path

from kpixl.errors import WorkbookError
from kpixl.model import Plan

__all__ = ["month_label", "number", "parse_csv"]

MAX_CSV_BYTES = 20 * 1024 * 1024
_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?$")
_DASHES = frozenset("-‐–—―−ー")  # "no figure" in a report: 0 or unknown? the user says which
_SAVE_AS = 'save it from Excel as "CSV UTF-8"'


def _text(raw: bytes, name: str) -> str:
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise WorkbookError(f"{name}: is an Excel workbook, not a CSV file; {_SAVE_AS}")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        raise WorkbookError(f"{name}: is UTF-16 text, not UTF-8 or Shift_JIS (cp932); {_SAVE_AS}")
    for enc in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise WorkbookError(f"{name}: is neither UTF-8 nor Shift_JIS (cp932) text; {_SAVE_AS}")


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
    number (``nan``, ``inf`` and a lone ``-`` are not)."""
    t = re.sub(r"[,_\s]", "", _norm(s))
    scale = 1.0
    if t.endswith("%"):
        t, scale = t[:-1], 0.01
    t = t.replace("−", "-")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", t):
        return None
    return float(t) * scale


def _rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    """(line where the record starts, fields) of every record with a non-blank field."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            if any(_norm(c) for c in row):
                out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise WorkbookError(f"{name}:{reader.line_num}: is not readable as CSV ({exc}); "
                            f"{_SAVE_AS}") from None
    return out


def parse_csv(path: str | os.PathLike[str], plan: Plan, *, name: str | None = None
              ) -> dict[tuple[str, str], float]:
    """(node id, ``YYYY-MM``) -> value for every non-empty cell; WorkbookError lists every
    problem, one a line, as ``NAME:LINE: message; fix`` (``name``: how to call the file,
    its path by default)."""
    p = Path(path)
    where = str(p) if name is None else name
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_CSV_BYTES + 1)
    except FileNotFoundError:
        raise WorkbookError(f"{p}: no such file; check the path") from None
    except OSError as exc:
        raise WorkbookError(f"{p}: cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_CSV_BYTES:
        raise WorkbookError(f"{where}: is larger than {MAX_CSV_BYTES // 2**20} MB; split it "
                            "into smaller files")
    lines = _rows(_text(raw, where), where)
    if not lines:
        raise WorkbookError(f"{where}: is empty; expected a header (id,month,value or id and "
                            "one column per month)")
    (hline, header), body = lines[0], lines[1:]
    while header and not _norm(header[-1]):  # trailing empty columns (Excel writes them)
        header = header[:-1]
    found = _Found(plan, where)
    if {"id", "month", "value"} <= {_norm(h).lower() for h in header}:
        _long(found, header, body)
    else:
        _wide(found, hline, header, body)
    if found.errors:
        raise WorkbookError("\n".join(found.errors))
    return found.values


class _Found:
    """What a CSV file gives, cell by cell, with every problem found on the way."""

    def __init__(self, plan: Plan, where: str) -> None:
        self.plan, self.where = plan, where
        self.labels = plan.period.labels()
        self.ids = list(plan.nodes)
        self.span = f"{self.labels[0]}..{self.labels[-1]}"
        self.errors: list[str] = []
        self.values: dict[tuple[str, str], float] = {}
        self._first: dict[tuple[str, str], int] = {}  # line where each cell was first given
        self._listed: list[int] = []  # the line whose error lists the plan's ids

    def err(self, line: int, msg: str) -> None:
        self.errors.append(f"{self.where}:{line}: {msg}")

    def node(self, line: int, text: str) -> str | None:
        node, ids = _norm(text), self.ids
        if not node:
            self.err(line, "the id is missing; write the KPI id of the row")
            return None
        if node in self.plan.nodes:
            return node
        near = get_close_matches(node, ids, 1)
        if near:
            hint = f"did you mean {near[0]}?"
        elif self._listed:
            hint = f"see line {self._listed[0]} for the plan's ids"
        else:
            hint = "the plan's ids are " + ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
            self._listed.append(line)
        self.err(line, f"{node!r} is not a KPI id of this plan ({hint})")
        return None

    def put(self, line: int, node: str, label: str, text: str) -> None:
        t = _norm(text)
        if not t:
            return
        if (node, label) in self._first:
            self.err(line, f"{node} {label} appears twice (also on line "
                     f"{self._first[(node, label)]}); keep one")
            return
        self._first[(node, label)] = line
        value = number(t)
        if value is None and t in _DASHES:
            self.err(line, f"{node} {label}: {t!r} is not a number; write 0 if there was none, "
                     "or leave the cell empty if it is not known")
        elif value is None:
            self.err(line, f"{node} {label}: {text.strip()!r} is not a number; write the number "
                     "alone (12000, 12,000 and 30% are read)")
        elif value < 0 and not self.plan.nodes[node].signed:
            self.err(line, f"{node} {label}: {value:g} is negative (the node is not signed); "
                     "check the sign, or set signed: true on the KPI in the plan")
        else:
            self.values[(node, label)] = value


def _long(found: _Found, header: list[str], body: list[tuple[int, list[str]]]) -> None:
    """Columns ``id``, ``month``, ``value`` (any order), one cell a row."""
    head = [_norm(h).lower() for h in header]
    labels, width = found.labels, len(head)
    ci, cm, cv = head.index("id"), head.index("month"), head.index("value")
    for line, row in body:
        row = row + [""] * (width - len(row))
        value, extra = row[cv], row[width:]
        if cv == width - 1 and extra:  # 12,000 unquoted: one value
            value, extra = ",".join(row[cv:]), []
        if any(_norm(c) for c in extra):
            found.err(line, f"more cells than the header has columns "
                      f"({', '.join(map(repr, extra))}); quote numbers that contain commas "
                      '("1,500"), or give the column a header')
            continue
        node = found.node(line, row[ci])
        month = _norm(row[cm])
        label = month_label(month)
        if not month:
            found.err(line, f"the month is missing; write it as YYYY-MM (e.g. {labels[0]})")
        elif label is None:
            found.err(line, f"month {row[cm].strip()!r} is not YYYY-MM; write it like "
                      f"{labels[0]}")
        elif label not in labels:
            found.err(line, f"month {label} is outside the plan ({found.span}); remove the row")
        elif node is not None:
            found.put(line, node, label, value)


def _wide(found: _Found, hline: int, header: list[str],
          body: list[tuple[int, list[str]]]) -> None:
    """The id, then one column per month."""
    head = [_norm(h).lower() for h in header]
    cols: dict[int, str] = {}  # column -> plan month
    bad: list[str] = []
    outside: dict[int, str] = {}
    seen: dict[str, int] = {}
    for k in range(1, len(header)):
        if not head[k]:
            continue
        label = month_label(header[k])
        if label is None:
            bad.append(header[k].strip())
        elif label in seen:
            found.err(hline, f"column {k + 1} ({header[k].strip()!r}) is {label} again (column "
                      f"{seen[label] + 1}); keep one, or correct its month")
        else:
            seen[label] = k
            (cols if label in found.labels else outside)[k] = label
    if bad:
        found.err(hline, "header: expected id,month,value or id followed by month columns "
                  f"(YYYY-MM), got {', '.join(map(repr, bad))}; rename or remove "
                  + ("that column" if len(bad) == 1 else "those columns"))
    elif not seen:
        found.err(hline, "header: expected id,month,value or id followed by month columns "
                  "(YYYY-MM); add the month columns")
    for k, label in outside.items():
        held = sum(1 for _, row in body if k < len(row) and _norm(row[k]))
        if held:
            found.err(hline, f"column {label} is outside the plan ({found.span}) but holds "
                      f"{held} value(s); remove the column")
    for line, row in body:
        if not any(_norm(c) for c in row[1:]):
            continue
        node = found.node(line, row[0])
        stray = [c.strip() for k, c in enumerate(row) if k and _norm(c)
                 and (k >= len(header) or not head[k])]
        if stray:
            what = (f"value {stray[0]!r} has" if len(stray) == 1 else
                    f"values {', '.join(map(repr, stray))} have")
            found.err(line, f"{what} no month in the header above; quote numbers that contain "
                      'commas ("1,500"), or add the month to the header')
        elif node is not None:
            for k, label in cols.items():
                if k < len(row):
                    found.put(line, node, label, row[k])


