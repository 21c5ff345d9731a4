"""xlwings' own remote engine for the tests: payloads from real workbook files, the button script
run through xlwings' script machinery, and its returned actions applied to the file as Excel
would apply them.

* :func:`payload` builds what xlwings Lite / Server send with a click (xlwings 0.37.8's
  ``xlwings.js``: ``client``, ``version``, ``book``, ``names``, ``sheets`` with their values
  from A1 to the last used cell; a date cell as an ISO string, a blank as ``""``). Values come
  from a LibreOffice-recalculated copy (formula results as Calc computes them); structure
  (names, sheets) from the file itself. Names in either of xlwings' formats: ``refers_to``
  (current clients) or ``address`` (older clients: sheet index and address only).
* :func:`run_button` runs the generated Lite ``main.py``'s button script through
  ``xlwings.server.custom_scripts_call`` on ``xlwings.Book(json=payload)`` (with
  ``XLWINGS_ON_SERVER=true`` and the free ``XLWINGS_LICENSE_KEY=noncommercial``) and returns
  the actions of ``book.json()``.
* :class:`Excel` applies those actions to an openpyxl copy of the file the way Excel does:
  a write to a locked cell of a protected sheet, or a format change on a protected sheet, is
  refused (:class:`Refused`); a value is entered as if typed: in a cell not formatted Text,
  ``2026-09`` becomes a date and ``=x`` a formula (logged in :attr:`Excel.converted`); a
  leading apostrophe keeps text. An action it does not know fails the test.

What only Excel can prove (that Excel converts exactly so) stays "verified in Excel: not yet"
in docs/xlwings.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl

from kpixl.xlsx.reader import parse_range

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings  # the license key must be set first


def remote_engine() -> Any:
    """xlwings' remote engine (and the officejs engine its conversions use), registered even when
    xlwings was imported before the license key was set (its PRO engines register at import)."""
    from xlwings.main import Engine
    from xlwings.pro import _xlofficejs, _xlremote

    have = [e.name for e in xlwings.engines]
    for name, impl in (("remote", _xlremote.engine), ("officejs", _xlofficejs.engine)):
        if name not in have:
            xlwings.engines.add(Engine(impl=impl))
    return xlwings.engines["remote"]


# -- payloads -------------------------------------------------------------------------------------
def _js(v: Any) -> Any:
    """A cell value as xlwings' JavaScript client sends it."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, dt.date):
        return f"{v.isoformat()}T00:00:00.000Z"
    return v


def _address(r0: int, c0: int, r1: int, c1: int) -> str:
    from openpyxl.utils import get_column_letter as col

    first = f"{col(c0 + 1)}{r0 + 1}"
    return first if (r0, c0) == (r1, c1) else f"{first}:{col(c1 + 1)}{r1 + 1}"


def payload(path: Path, values_from: Path, *, names: str = "refers_to",
            client: str = "Office.js") -> dict[str, Any]:
    """The JSON xlwings Lite/Server sends for the workbook ``path``, with cell values read from
    ``values_from`` (its LibreOffice-recalculated copy)."""
    if names not in ("refers_to", "address"):
        raise ValueError(names)
    wb = openpyxl.load_workbook(path)
    calc = openpyxl.load_workbook(values_from, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        cv = calc[ws.title]
        rows = max(ws.max_row, cv.max_row)
        cols = max(ws.max_column, cv.max_column)
        values = [[_js(cv.cell(r, c).value) for c in range(1, cols + 1)]
                  for r in range(1, rows + 1)]
        sheets.append({"name": ws.title, "values": values or [[""]], "pictures": [],
                       "shapes": [], "charts": [], "notes": [], "tables": [],
                       "print_area": None, "show_gridlines": True, "pivot_tables": [],
                       "visibility": "Visible" if ws.sheet_state == "visible" else "Hidden"})
    index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    out_names = []
    for name, dn in wb.defined_names.items():
        text = str(dn.attr_text)
        try:
            sheet, r0, c0, r1, c1 = parse_range(text)
        except (ValueError, KeyError):
            continue  # not a single range: old clients send range names only
        entry: dict[str, Any] = {"name": name, "sheet_index": index[sheet],
                                 "address": _address(r0, c0, r1, c1), "book_scope": True,
                                 "scope_sheet_name": None, "scope_sheet_index": None}
        if names == "refers_to":
            entry["refers_to"] = "=" + text
        out_names.append(entry)
    return {"client": client, "version": xlwings.__version__,
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
            "names": out_names, "sheets": sheets}


def set_value(data: dict[str, Any], name: str, value: Any) -> None:
    """Put ``value`` into the first cell of the defined name ``name`` of a payload (what the
    user typed before clicking)."""
    entry = next(n for n in data["names"] if n["name"] == name)
    sheet = data["sheets"][entry["sheet_index"]]
    m = re.match(r"([A-Z]+)(\d+)", entry["address"])
    assert m is not None
    from openpyxl.utils import column_index_from_string

    r, c = int(m.group(2)) - 1, column_index_from_string(m.group(1)) - 1
    values = sheet["values"]
    width = max(len(values[0]), c + 1)
    while len(values) <= r:
        values.append([""] * width)
    for row in values:
        row.extend([""] * (width - len(row)))
    values[r][c] = _js(value)


# -- running the button ---------------------------------------------------------------------------
@contextmanager
def server_decorators() -> Iterator[None]:
    """xlwings' own Lite/Server decorators in place of the no-op ones Linux gets (what
    ``XLWINGS_ON_SERVER=true`` selects at import)."""
    import xlwings.server as server

    saved = {k: getattr(xlwings, k, None) for k in ("func", "arg", "ret", "script")}
    for k in saved:
        setattr(xlwings, k, getattr(server, k))
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(xlwings, k, v)


def load_main_py(code: str) -> types.ModuleType:
    """The generated Lite ``main.py`` as a module, decorated by xlwings' server decorators."""
    module = types.ModuleType("kpixl_lite_main")
    with server_decorators():
        exec(compile(code, "main.py", "exec"), module.__dict__)
    return module


def run_button(module: types.ModuleType, data: dict[str, Any],
               script: str = "kpixl_run") -> list[dict[str, Any]]:
    """Run ``script`` of ``module`` on ``xlwings.Book(json=data)`` through xlwings'
    ``custom_scripts_call``; the actions Excel is to apply."""
    from xlwings.server import custom_scripts_call

    remote_engine()
    old = os.environ.get("XLWINGS_ON_SERVER")
    os.environ["XLWINGS_ON_SERVER"] = "true"
    try:
        book = xlwings.Book(json=data)
        out = asyncio.run(custom_scripts_call(module, script,
                                              typehint_to_value={xlwings.Book: book}))
    finally:
        if old is None:
            os.environ.pop("XLWINGS_ON_SERVER", None)
        else:
            os.environ["XLWINGS_ON_SERVER"] = old
    return list(out.json()["actions"])


# -- applying the actions as Excel does -----------------------------------------------------------
class Refused(AssertionError):
    """Excel would refuse this action (and stop the script's remaining actions)."""


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?"
                   r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


class Excel:
    """Applies a script's actions to an openpyxl workbook as Excel would (see the module)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
        self.converted: list[tuple[str, str, str, str]] = []  # (kind, sheet, cell, text)
        self.funcs: dict[str, Callable[[dict[str, Any]], None]] = {
            "setValues": self._set_values, "setNumberFormat": self._number_format,
            "addSheet": self._add_sheet}

    def apply(self, actions: list[dict[str, Any]]) -> None:
        for a in actions:
            if a["func"] not in self.funcs:
                raise NotImplementedError(f"the test applier does not know {a['func']!r}")
            self.funcs[a["func"]](a)

    def save(self, path: Path | None = None) -> Path:
        out = path or self.path
        self.wb.save(out)
        return out

    def _cells(self, a: dict[str, Any]) -> tuple[Any, list[list[Any]]]:
        ws = self.wb.worksheets[a["sheet_position"]]
        r0, c0 = a["start_row"], a["start_column"]
        return ws, [[ws.cell(r0 + i + 1, c0 + j + 1) for j in range(a["column_count"])]
                    for i in range(a["row_count"])]

    def _set_values(self, a: dict[str, Any]) -> None:
        ws, cells = self._cells(a)
        if ws.protection.sheet:
            for cell in (c for row in cells for c in row):
                if cell.protection.locked:
                    raise Refused(f"'{ws.title}'!{cell.coordinate} is locked on a protected "
                                  "sheet: Excel refuses the write")
        values = a["values"]
        for row, vs in zip(cells, values, strict=True):
            for cell, v in zip(row, vs, strict=True):
                self._enter(ws, cell, v)

    def _enter(self, ws: Any, cell: Any, v: Any) -> None:
        """What Excel stores when ``v`` is entered into ``cell``."""
        if v is None or v == "":
            cell.value = None
            return
        if not isinstance(v, str):
            cell.value = v
            return
        if cell.number_format == "@":
            cell.value = v
            cell.data_type = "s"
            return
        if v.startswith("'"):
            cell.value = v[1:]
            cell.data_type = "s"
            cell.quotePrefix = True
            return
        if v[0] in "=+-@" and len(v) > 1 and not _NUMBER.match(v):
            self.converted.append(("formula", ws.title, cell.coordinate, v))
            cell.value = v if v[0] == "=" else "=" + v
            return
        if _NUMBER.match(v):
            cell.value = float(v)
            return
        m = _DATE.match(v)
        if m and 1 <= int(m.group(2)) <= 12:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
            self.converted.append(("date", ws.title, cell.coordinate, v))
            cell.value = dt.datetime(y, mo, d, int(m.group(4) or 0), int(m.group(5) or 0),
                                     int(m.group(6) or 0))
            if cell.number_format == "General":
                cell.number_format = "yyyy-mm-dd" if m.group(3) else "mmm-yy"
            return
        cell.value = v
        cell.data_type = "s"

    def _number_format(self, a: dict[str, Any]) -> None:
        ws, cells = self._cells(a)
        if ws.protection.sheet and ws.protection.formatCells:
            raise Refused(f"'{ws.title}' is protected: Excel refuses to format its cells")
        fmt = a["args"][0]
        for cell in (c for row in cells for c in row):
            cell.number_format = fmt

    def _add_sheet(self, a: dict[str, Any]) -> None:
        position, name = a["args"][0], a["args"][1]
        self.wb.create_sheet(name, position)
