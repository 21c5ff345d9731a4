"""Read kpixl workbooks back with openpyxl (the only module besides the writer that touches a
workbook file).

What is read, and from where (workbook-contract.md):

- the plan as built: the hidden ``_kpixl`` sheet (format version, plan JSON in chunks, its
  SHA-256, and ``input:<key>`` rows with every input cell's value as built);
- inputs now: the cells behind ``in_X``, ``in_asof``, ``in_on_track``, ``in_at_risk``,
  ``in_seasonality``; split shares and baselines have no defined name, so their cells are found
  where the layout of the stored plan puts them (checked against the row's label);
- actuals and overrides: the rows behind ``act_X`` and ``ovr_X``;
- PDCA rows (header on row 3), with the columns a user added right of the table (each column
  that holds anything, with its header text); KFS statuses (by KFS id) and the rows of the KFS
  table that are not the plan's (an id the plan lacks or repeats, or no id); a
  ``Target History`` sheet and a previous ``Unplaced data`` sheet when present, and sheets a
  user added (as values).

Safe interpretation of what a user typed: **numbers only count**. An actual, override or input
cell holding text (``12件``), a boolean or a formula (``=1+1``) is reported as a warning and
ignored (an input keeps its recorded value), so a report never computes from a guess.

Safety: the file is checked as a zip before openpyxl opens it (size, member count, total
uncompressed size: a zip bomb is refused); openpyxl parses XML through defusedxml when it is
installed (a dependency of kpixl; ``openpyxl.DEFUSEDXML`` is True).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpixl.errors import KpixlError, WorkbookError
from kpixl.model import Plan

__all__ = ["MAX_UNCOMPRESSED", "Table", "WorkbookData", "entered_data", "input_cells",
           "parse_range", "read_workbook"]

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNCOMPRESSED = 256 * 1024 * 1024  # a 60-month, 400-KPI workbook unpacks to < 100 MB
MAX_MEMBERS = 10_000
META_SHEET = "_kpixl"
FORMAT_VERSION = 1
TARGET_HISTORY = ("Target History", "目標履歴")
UNPLACED = ("Unplaced data", "未配置データ")
XLWINGS_CONF = "xlwings.conf"
# where kpixl.layout.sheets_lists puts the KFS and PDCA tables (TABLE_TOP, KFS_HEADS, PDCA_HEADS),
# written out here so that reading a workbook does not load the layout package
TABLE_TOP = 2  # KFS and PDCA: header on row 3 (0-based 2), data below
PDCA_COLUMNS = 9
KFS_COLUMNS = 7
KFS_STATUS_COL = 5

_USER_ROWS = ("act_", "ovr_")
Num = float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A sheet read as values: its name, header row and the non-empty rows below it."""

    sheet: str
    header: tuple[Any, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    columns: tuple[int, ...] = ()  # the sheet column (0-based) of each value; () for 0, 1, ...


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkbookData:
    """Everything a kpixl workbook holds that a user may have entered or changed."""

    path: Path
    plan: Plan  # the plan as built (from ``_kpixl``)
    plan_json: str
    kpixl_version: str
    recorded: Mapping[str, Any]  # input key -> value as built
    current: Mapping[str, Any]  # input key -> value now (a number or None)
    actuals: Mapping[str, tuple[Num, ...]]  # node id -> one value per plan month
    overrides: Mapping[str, tuple[Num, ...]]
    pdca: Table  # 9 columns A..I, then the columns a user added right of them (``columns``)
    kfs_status: Mapping[str, str | None]  # KFS id -> status now
    # rows of the KFS table that are not the plan's: (1-based sheet row, the 7 values A..G)
    kfs_added: tuple[tuple[int, tuple[Any, ...]], ...] = ()
    target_history: Table | None = None
    unplaced: Table | None = None
    extra_sheets: tuple[Table, ...] = ()
    vba_project: bytes | None = None
    warnings: tuple[str, ...] = ()
    unreadable: frozenset[str] = frozenset()  # act_X/ovr_X rows with text or formulas
    xlwings: str = "none"  # none | lite | classic: how it was built (control panel, conf sheet)
    xlwings_conf: Table | None = None  # classic: the xlwings.conf sheet (a user may add rows)

    @property
    def asof(self) -> int | None:
        v = self.current.get("in_asof")
        return None if v is None else int(v)

    @property
    def labels(self) -> list[str]:
        return self.plan.period.labels()

    def changed(self) -> dict[str, tuple[Any, Any]]:
        """Inputs a user changed: key -> (value as built, value now)."""
        return {k: (self.recorded.get(k), v) for k, v in self.current.items()
                if not same_value(self.recorded.get(k), v)}

    def entered(self, kind: str = "actual") -> dict[tuple[str, str], float]:
        """(node id, ``YYYY-MM``) -> value of every non-blank actual (or override) cell."""
        rows = self.actuals if kind == "actual" else self.overrides
        labels = self.labels
        return {(k, labels[m]): v for k, row in rows.items() for m, v in enumerate(row)
                if v is not None}


def same_value(a: Any, b: Any) -> bool:
    """Equal inputs: both blank, or numbers equal to 12 significant digits (a spreadsheet that
    re-saves a file keeps 15), or equal otherwise."""
    if a is None or b is None:
        return a is None and b is None
    if _is_number(a) and _is_number(b):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-300)
    return bool(a == b)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


# -- references -----------------------------------------------------------------------------------
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)"
                  r"(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def parse_range(ref: str) -> tuple[str, int, int, int, int]:
    """``'Tracking'!$D$8:$O$8`` -> (sheet, row0, col0, row1, col1), 0-based, inclusive."""
    m = _REF.match(ref.strip().lstrip("="))
    if m is None:
        raise ValueError(f"not a cell or range reference: {ref!r}")
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    r0, c0 = int(m.group(4)) - 1, _col(m.group(3))
    if m.group(5):
        r1, c1 = int(m.group(6)) - 1, _col(m.group(5))
    else:
        r1, c1 = r0, c0
    return sheet, r0, c0, r1, c1


# -- opening --------------------------------------------------------------------------------------
def check_zip(path: Path) -> bytes | None:
    """Refuse what is not a workbook or would unpack to an absurd size; return the VBA project
    (``xl/vbaProject.bin``) when the file carries one."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise WorkbookError(f"{path}: no such file") from None
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot be read ({exc.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise WorkbookError(f"{path}: is {size // 2**20} MB; a kpixl workbook is far smaller "
                            f"(limit {MAX_FILE_BYTES // 2**20} MB)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if len(infos) > MAX_MEMBERS or total > MAX_UNCOMPRESSED:
                raise WorkbookError(f"{path}: would unpack to {total // 2**20} MB in "
                                    f"{len(infos)} parts; refusing it (a zip bomb?)")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise WorkbookError(f"{path}: is not an Excel workbook (.xlsx/.xlsm)")
            return zf.read("xl/vbaProject.bin") if "xl/vbaProject.bin" in names else None
    except (zipfile.BadZipFile, OSError, EOFError):
        raise WorkbookError(f"{path}: is not an Excel workbook (.xlsx/.xlsm): not a zip "
                            "file") from None


def _open(path: Path, *, data_only: bool = False) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(path, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        first = (str(exc).strip().splitlines() or [""])[0]
        raise WorkbookError(f"{path}: is not a readable workbook ({type(exc).__name__}: "
                            f"{first})") from None


# -- the machine-readable copy --------------------------------------------------------------------
def _meta(path: Path, wb: Any) -> tuple[str, str, dict[str, Any]]:
    """(plan JSON, kpixl version, recorded inputs) from ``_kpixl``, checked against its hash."""
    if META_SHEET not in wb.sheetnames:
        raise WorkbookError(f"{path}: is not a kpixl workbook (no hidden {META_SHEET} sheet)")
    rows: dict[str, Any] = {}
    chunks: list[str] = []
    for key, value, *_ in wb[META_SHEET].iter_rows(max_col=2, values_only=True):
        if key == "plan_json":
            chunks.append("" if value is None else str(value))
        elif isinstance(key, str):
            rows[key] = value
    altered = f"{path}: the {META_SHEET} sheet was altered ({{}}); rebuild with `kpixl build`"
    try:
        version = int(rows.get("format_version"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WorkbookError(altered.format("no format_version")) from None
    if version != FORMAT_VERSION:
        raise WorkbookError(f"{path}: workbook format {version} is not supported by this kpixl "
                            f"(reads format {FORMAT_VERSION}); upgrade kpixl")
    text = "".join(chunks)
    if str(rows.get("plan_json_chunks")) != str(len(chunks)) or not text:
        raise WorkbookError(altered.format("plan_json rows missing"))
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != rows.get("plan_sha256"):
        raise WorkbookError(altered.format("plan_sha256 does not match the plan"))
    recorded: dict[str, Any] = {}
    for key, value in rows.items():
        if key.startswith("input:"):
            try:
                recorded[key[6:]] = json.loads(str(value))
            except ValueError:
                raise WorkbookError(altered.format(f"{key} is not JSON")) from None
    return text, str(rows.get("kpixl_version", "")), recorded


def _plan(path: Path, text: str) -> Plan:
    from kpixl.model.loader import loads

    try:
        return loads(text, source=f"{path.name}[{META_SHEET}]")
    except KpixlError as exc:
        first = str(exc).splitlines()[0]
        raise WorkbookError(f"{path}: the plan in {META_SHEET} is invalid ({first})") from None


def input_cells(plan: Plan) -> dict[str, tuple[str, int, int, str]]:
    """Input key -> (sheet, row, col, label) of split-share and baseline cells, which have no
    defined name: where the layout of ``plan`` puts them, with the text of the row's label."""
    from kpixl.engine.solve import solve
    from kpixl.layout import sheets_plan
    from kpixl.layout.context import Context

    ctx = Context(plan=plan, solution=solve(plan))
    sheet = sheets_plan.inputs(ctx)
    out: dict[str, tuple[str, int, int, str]] = {}
    for (node, op), ref in ctx.share_refs.items():
        out[f"split:{node}:{op}"] = (ref.sheet, ref.row, ref.col, _text(sheet, ref.row, 1))
    for node, ref in ctx.baseline_refs.items():
        out[f"baseline:{node}"] = (ref.sheet, ref.row, ref.col, _text(sheet, ref.row, 0))
    return out


def _text(sheet: Any, row: int, col: int) -> str:
    cell = sheet.cells.get((row, col))
    return "" if cell is None or cell.value is None else str(cell.value)


# -- cells ----------------------------------------------------------------------------------------
class _Cells:
    """Cell access through defined names, collecting warnings about what cannot count."""

    def __init__(self, path: Path, wb: Any) -> None:
        self.path, self.wb = path, wb
        self.warnings: list[str] = []
        self.unreadable: set[str] = set()
        self.names: dict[str, str] = {}
        for name, dn in wb.defined_names.items():
            if dn.attr_text:
                self.names[name] = dn.attr_text

    def ws(self, sheet: str) -> Any:
        if sheet not in self.wb.sheetnames:
            raise WorkbookError(f"{self.path}: sheet {sheet!r} is missing (it holds kpixl's "
                                "cells); was it renamed or deleted?")
        return self.wb[sheet]

    def cells(self, name: str) -> list[Any]:
        ref = self.names.get(name)
        if ref is None:
            raise WorkbookError(f"{self.path}: defined name {name} is missing; the workbook "
                                "was altered")
        try:
            sheet, r0, c0, r1, c1 = parse_range(ref)
        except ValueError:
            raise WorkbookError(f"{self.path}: defined name {name} refers to {ref!r}, not a "
                                "range") from None
        ws = self.ws(sheet)
        return [ws.cell(row=r + 1, column=c + 1) for r in range(r0, r1 + 1)
                for c in range(c0, c1 + 1)]

    def number(self, cell: Any, what: str) -> tuple[bool, Num]:
        """(readable, value): numbers count, blanks are None, anything else is a warning."""
        v = cell.value
        if v is None or (isinstance(v, str) and v.strip() == ""):
            return True, None
        if _is_number(v):
            return True, float(v)
        kind = "a formula" if cell.data_type == "f" else f"{type(v).__name__} {v!r}"
        if isinstance(v, str) and cell.data_type != "f":
            kind = f"text {v!r}"
        self.warnings.append(f"{self.path.name}: '{cell.parent.title}'!{cell.coordinate}: {what}"
                             f": {kind} is not a number; ignored")
        return False, None


def _read_inputs(c: _Cells, plan: Plan, recorded: Mapping[str, Any]) -> dict[str, Any]:
    current: dict[str, Any] = {}
    named = {k for k in recorded if k.startswith("in_") and "[" not in k}
    season = c.cells("in_seasonality") if "in_seasonality" in c.names else []
    located = input_cells(plan) if any(":" in k for k in recorded) else {}
    for key, was in recorded.items():
        if key in named:
            cell = c.cells(key)[0]
        elif key.startswith("in_seasonality["):
            m = int(key[len("in_seasonality["):-1])
            if m > len(season):
                raise WorkbookError(f"{c.path}: in_seasonality is shorter than the plan")
            cell = season[m - 1]
        elif key in located:
            sheet, row, col, label = located[key]
            ws = c.ws(sheet)
            col_label = 1 if key.startswith("split:") else 0
            if str(ws.cell(row=row + 1, column=col_label + 1).value or "") != label:
                c.warnings.append(f"{c.path.name}: {key}: the cell moved (label {label!r} "
                                  "not found where built); the value as built is used")
                current[key] = was
                continue
            cell = ws.cell(row=row + 1, column=col + 1)
        else:
            current[key] = was
            continue
        if key == "in_asof" and isinstance(cell.value, dt.date | dt.time | int | float):
            # issue 13: the as-of input holds a month (a date) or a count
            from kpixl.engine.tracking import asof_from_input

            start = dt.date(plan.period.year, plan.period.month, 1)
            if not isinstance(cell.value, bool):
                current[key] = asof_from_input(cell.value, start, plan.months)
                continue
        ok, value = c.number(cell, key)
        if key == "in_asof" and value is not None:
            if value != int(value) or not 0 <= value <= plan.months:
                c.warnings.append(f"{c.path.name}: in_asof: {value:g} is not a whole number "
                                  f"within 0..{plan.months}; ignored")
                ok, value = False, None
            else:
                value = int(value)
        current[key] = value if ok else was
    return current


def _rows(c: _Cells, plan: Plan, prefix: str, what: str) -> dict[str, tuple[Num, ...]]:
    out: dict[str, tuple[Num, ...]] = {}
    labels = plan.period.labels()
    for node in plan.nodes:
        cells = c.cells(f"{prefix}{node}")
        if len(cells) != plan.months:
            raise WorkbookError(f"{c.path}: {prefix}{node} has {len(cells)} cells, the plan "
                                f"{plan.months} months; the workbook was altered")
        read = [c.number(cell, f"{what} {node} {labels[m]}") for m, cell in enumerate(cells)]
        out[node] = tuple(v for _, v in read)
        if not all(ok for ok, _ in read):
            c.unreadable.add(f"{prefix}{node}")
    return out


def _value(cell: Any) -> Any:
    v = cell.value
    if cell.data_type == "f" and isinstance(v, str):
        return v  # the formula's text: kept as text
    return None if isinstance(v, str) and v == "" else v


MAX_TABLE_CELLS = 2_000_000


def _too_big(path: Path, ws: Any, rows: int, width: int, what: str,
             fix: str = "delete the far-away cells") -> WorkbookError:
    return WorkbookError(f"{path}: sheet {ws.title!r} spans {rows:,} rows x {width:,} columns; "
                         f"kpixl copies at most {MAX_TABLE_CELLS:,} cells of {what} ({fix})")


def _filled(ws: Any, top: int, width: int | None = None) -> dict[tuple[int, int], Any]:
    """(row, col) (openpyxl: 1-based) -> value of the cells from row ``top`` (0-based) down that
    hold a value (within ``width`` columns when given)."""
    # Only the cells the file holds are visited: one far-away cell (XFD1048576) must not make
    # kpixl walk a grid of billions of empty cells.
    out: dict[tuple[int, int], Any] = {}
    for (r, c), cell in ws._cells.items():
        if r >= top + 1 and (width is None or c <= width):
            v = _value(cell)
            if v is not None:
                out[(r, c)] = v
    return out


def _table(path: Path, ws: Any, top: int, width: int | None = None, *,
           keep_empty: bool = False) -> Table:
    """Header on row ``top`` (0-based), the non-empty rows below it (every row with
    ``keep_empty``, so that a sheet keeps its shape), as values."""
    if not keep_empty:
        _, header, rows = _grid(path, ws, top, width)
        return Table(sheet=ws.title, header=header, rows=tuple(v for _, v in rows))
    present = [(r, c) for (r, c) in ws._cells if r >= top + 1]  # openpyxl: 1-based keys
    width = width or max((c for _, c in present), default=1)
    last = max((r for r, _ in present), default=top + 1)
    if (last - top) * width > MAX_TABLE_CELLS:
        raise _too_big(path, ws, last - top, width, "a sheet a user added",
                       "delete the far-away cells, or the sheet")
    cells = ws._cells
    return Table(sheet=ws.title, rows=tuple(
        tuple(_value(cells[(r, c)]) if (r, c) in cells else None for c in range(1, width + 1))
        for r in range(top + 2, last + 1)),
        header=tuple(_value(cells[(top + 1, c)]) if (top + 1, c) in cells else None
                     for c in range(1, width + 1)))


def _grid(path: Path, ws: Any, top: int, width: int | None = None, *, beyond: bool = False,
          what: str = "a sheet"
          ) -> tuple[list[int], tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]:
    """The columns read (1-based), the header (row ``top``, 0-based) and the rows below it that
    hold a value, each with its 1-based row number: ``width`` columns (else as many as the
    right-most value needs), and with ``beyond`` every column right of them that holds anything,
    in order (empty columns between them skipped)."""
    filled = _filled(ws, top, None if beyond else width)
    used = {c for _, c in filled}
    width = width or max(used, default=1)
    columns = [*range(1, width + 1), *sorted(c for c in used if c > width)]
    wanted = sorted({r for r, _ in filled if r > top + 1})
    if (len(wanted) + 1) * len(columns) > MAX_TABLE_CELLS:
        raise _too_big(path, ws, len(wanted) + 1, len(columns), what)
    header = tuple(filled.get((top + 1, c)) for c in columns)
    return columns, header, [(r, tuple(filled.get((r, c)) for c in columns)) for r in wanted]


def _pdca(path: Path, ws: Any) -> Table:
    """The PDCA table: columns A..I, then each column right of them that holds anything (the
    columns a user added), in order; empty columns between them are skipped."""
    columns, header, rows = _grid(path, ws, TABLE_TOP, PDCA_COLUMNS, beyond=True,
                                  what="the PDCA table")
    return Table(sheet=ws.title, header=header, rows=tuple(v for _, v in rows),
                 columns=tuple(c - 1 for c in columns) if len(columns) > PDCA_COLUMNS else ())


def _first_row(ws: Any) -> int:
    """The first row (0-based) holding a value."""
    return min((r - 1 for r, _ in _filled(ws, 0)), default=0)


def _table_sheet(wb: Any, table: str, default: str) -> str:
    """The sheet holding Excel table ``table`` (it follows a renamed sheet), else ``default``."""
    if default in wb.sheetnames:
        return default
    return next((ws.title for ws in wb.worksheets if table in ws.tables), default)


def _kfs(c: _Cells, plan: Plan, sheet: str
         ) -> tuple[dict[str, str | None], tuple[tuple[int, tuple[Any, ...]], ...]]:
    """KFS id -> status now, for the plan's KFS (the first row with its id), and the other rows
    of the KFS table that hold anything (a user added them: an id the plan lacks or repeats, or
    none), each with its 1-based row number."""
    if not plan.kfs and sheet not in c.wb.sheetnames:
        return {}, ()
    ids = {k.id for k in plan.kfs}
    out: dict[str, str | None] = {}
    added: list[tuple[int, tuple[Any, ...]]] = []
    for r, row in _grid(c.path, c.ws(sheet), TABLE_TOP, KFS_COLUMNS)[2]:
        kid = row[0]
        if isinstance(kid, str) and kid in ids and kid not in out:
            status = row[KFS_STATUS_COL]
            out[kid] = None if status is None else str(status)
        else:
            added.append((r, row))
    return out, tuple(added)


def read_workbook(path: str | Path) -> WorkbookData:
    """Read a kpixl workbook: the plan as built, inputs now, actuals, overrides, PDCA, KFS
    statuses, target history and sheets a user added. Raises WorkbookError."""
    from kpixl.layout.labels import SHEETS, sheet_name

    path = Path(path)
    vba = check_zip(path)
    wb = _open(path)
    text, version, recorded = _meta(path, wb)
    plan = _plan(path, text)
    c = _Cells(path, wb)
    current = _read_inputs(c, plan, recorded)
    actuals = _rows(c, plan, "act_", "actual")
    overrides = _rows(c, plan, "ovr_", "override")
    pdca_sheet = _table_sheet(wb, "kpixl_pdca", sheet_name("pdca", plan.locale))
    kfs_sheet = _table_sheet(wb, "kpixl_kfs", sheet_name("kfs", plan.locale))
    pdca = _pdca(path, c.ws(pdca_sheet))
    kfs, kfs_added = _kfs(c, plan, kfs_sheet)
    known = {n for pair in SHEETS.values() for n in pair} | {META_SHEET, pdca_sheet, kfs_sheet,
                                                             XLWINGS_CONF}
    mode = ("classic" if XLWINGS_CONF in wb.sheetnames or vba is not None else
            "lite" if "action" in c.names else "none")
    special = set(TARGET_HISTORY) | set(UNPLACED)
    others = [n for n in wb.sheetnames if n not in known]
    history = unplaced = conf = None
    extra: list[Table] = []
    if XLWINGS_CONF in wb.sheetnames:
        conf = _table(path, wb[XLWINGS_CONF], 0, keep_empty=True)
    if others:
        values = _open(path, data_only=True)
        for name in others:
            ws = values[name]
            if not hasattr(ws, "iter_rows"):  # a chart sheet: nothing to carry
                c.warnings.append(f"{path.name}: chart sheet {name!r} is not carried over")
                continue
            if name in special:
                table = _table(path, ws, _first_row(ws))
                if name in TARGET_HISTORY:
                    history = table
                else:
                    unplaced = table
            else:
                extra.append(_table(path, ws, 0, keep_empty=True))
    wb.close()
    return WorkbookData(path=path, plan=plan, plan_json=text, kpixl_version=version,
                        recorded=recorded, current=current, actuals=actuals,
                        overrides=overrides, pdca=pdca, kfs_status=kfs, kfs_added=kfs_added,
                        target_history=history,
                        unplaced=unplaced, extra_sheets=tuple(extra), vba_project=vba,
                        warnings=tuple(c.warnings), unreadable=frozenset(c.unreadable),
                        xlwings=mode, xlwings_conf=conf)


def excel_date(v: Any) -> Any:
    """A date read from a cell -> the serial number a writer stores (dates are numbers in
    Excel); anything else unchanged."""
    if isinstance(v, dt.datetime | dt.date):
        from openpyxl.utils.datetime import to_excel

        return to_excel(v)
    return v


# -- what `kpixl build` checks before replacing a file ------------------------------------------
def entered_data(path: Path) -> list[str]:
    """What a user entered in a kpixl workbook, one short description each: ``act_X``/``ovr_X``
    rows holding anything, ``PDCA`` (rows, or columns added right of the table), ``KFS
    status``, ``KFS rows`` (rows added to the KFS table), ``input <key>`` changed.

    A file that is not a kpixl workbook is refused: kpixl never replaces a stranger's file.
    """
    try:
        data = read_workbook(path)
    except WorkbookError as exc:
        raise WorkbookError(f"{exc}; refusing to replace it (move it away or choose another "
                            "output)") from None
    found = [f"{p}{k}" for p, rows in (("act_", data.actuals), ("ovr_", data.overrides))
             for k, row in rows.items()
             if any(v is not None for v in row) or f"{p}{k}" in data.unreadable]
    if data.pdca.rows or len(data.pdca.header) > PDCA_COLUMNS:
        found.append("PDCA")
    old = {k.id: k.status or None for k in data.plan.kfs}
    if any(not same_value(v, old.get(k)) for k, v in data.kfs_status.items()):
        found.append("KFS status")
    if data.kfs_added:
        found.append("KFS rows")
    found += [f"input {k}" for k in data.changed()]
    return found
