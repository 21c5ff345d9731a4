"""WorkbookLayout -> .xlsx/.xlsm with XlsxWriter (the only module that imports it).

XlsxWriter stores the engine's value in every formula cell, so viewers that do not calculate still
show the right numbers. The file is written to a temporary name in the target folder and renamed
into place: a failed or interrupted write never leaves a half-written workbook.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from kpixl.layout.core import Cell, Sheet, WorkbookLayout
from kpixl.xlsx.safewrite import check_writable, safe_write

__all__ = ["WorkbookWriter", "check_lock", "write_workbook"]

_ROWS = 1_048_576  # rows in a worksheet

# XlsxWriter runs ~29 regular-expression passes over every formula to add the `_xlfn.` prefix to
# Excel's newer functions. kpixl writes only portable functions (a test checks the allowlist), so
# one combined search decides whether those passes are needed at all: 4x faster builds.
_FUTURE = re.compile(r"\b(?:ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|"
                     r"HSTACK|LAMBDA|LET|MAKEARRAY|MAP|RANDARRAY|REDUCE|SCAN|SINGLE|SEQUENCE|"
                     r"SORT|SORTBY|SWITCH|TAKE|TEXTSPLIT|TOCOL|TOROW|UNIQUE|VSTACK|WRAPCOLS|"
                     r"WRAPROWS|XLOOKUP|XMATCH|IFS|IFNA|MAXIFS|MINIFS|CONCAT|TEXTJOIN|BINOM|"
                     r"_xlfn)")


class _Sheet(Worksheet):  # type: ignore[misc]
    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if (expand_future_functions or self.use_future_functions or formula.startswith("{")
                or _FUTURE.search(formula)):
            return str(super()._prepare_formula(formula, expand_future_functions))
        return formula[1:] if formula.startswith("=") else formula


def _write_sheet(wb: Any, ws: Any, sheet: Sheet, formats: Mapping[str, Any]) -> None:
    """Everything one sheet holds (a streamed sheet's cells are written by then)."""
    for col, width in sheet.widths.items():
        ws.set_column(col, col, width, None, {"hidden": col in sheet.hidden_cols})
    for col in sheet.hidden_cols - set(sheet.widths):
        ws.set_column(col, col, None, None, {"hidden": True})
    for row, height in sheet.heights.items():
        ws.set_row(row, height)
    for row in sheet.hidden_rows:
        ws.set_row(row, None, None, {"hidden": True})
    _write_cells(ws, sheet, formats)
    for rng, rule in sheet.validations:
        ws.data_validation(rng.row0, rng.col0, rng.row1, rng.col1, dict(rule))
    for rng, rule in sheet.cond_formats:
        rule = dict(rule)
        rule["format"] = formats[rule["format"]]
        ws.conditional_format(rng.row0, rng.col0, rng.row1, rng.col1, rule)
    for rng, spec in sheet.tables:
        ws.add_table(rng.row0, rng.col0, rng.row1, rng.col1, {
            "name": spec["name"], "style": "Table Style Light 9", "autofilter": True,
            "columns": [{"header": h} for h in spec["columns"]]})
    for ch in sheet.charts:
        chart = wb.add_chart({"type": ch.kind})
        for name, values in ch.series:
            chart.add_series({"name": name, "categories": str(ch.categories).replace("$", ""),
                              "values": str(values), "smooth": False,
                              "marker": {"type": "circle", "size": 4}})
        title = "=" + str(ch.title_cell) if ch.title_cell is not None else ch.title
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_y_axis({"major_gridlines": {"visible": True},
                          "num_format": "#,##0"})
        chart.set_legend({"position": "bottom"})
        chart.show_na_as_empty_cell()
        chart.set_size({"width": 530, "height": 280})
        ws.insert_chart(ch.anchor[0], ch.anchor[1], chart)
    for button in sheet.buttons:
        opts = dict(button)
        ws.insert_button(opts.pop("row"), opts.pop("col"), opts)
    for box in sheet.textboxes:
        opts = dict(box)
        ws.insert_textbox(opts.pop("row"), opts.pop("col"), opts.pop("text"), opts)
    for (row, col), text in sheet.comments.items():
        ws.write_comment(row, col, text)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    if sheet.print_title_rows:
        ws.repeat_rows(*sheet.print_title_rows)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    if sheet.protect:
        ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True,
                        "sort": False})
    if sheet.hidden:
        ws.hide()


def _write_cells(ws: Any, sheet: Sheet, formats: Mapping[str, Any]) -> None:
    merged: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in sheet.merges:
        cell = sheet.cells.get((r0, c0))
        fmt = formats[cell.style] if cell else None
        value = cell.value if cell and cell.formula is None else ""
        ws.merge_range(r0, c0, r1, c1, "", fmt)
        if cell is not None and cell.formula is None and value not in (None, ""):
            _write_value(ws, r0, c0, value, fmt)
        merged.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    for (row, col), cell in sheet.cells.items():
        if (row, col) not in merged or cell.formula is not None:
            _write_cell(ws, row, col, cell, formats[cell.style])


def _write_cell(ws: Any, row: int, col: int, cell: Cell, fmt: Any) -> None:
    if cell.formula is not None:
        ws.write_formula(row, col, cell.formula, fmt, "" if cell.cached is None else cell.cached)
    else:
        _write_value(ws, row, col, cell.value, fmt)


def _write_value(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """Constants only: text is always written as a string, never parsed as a formula."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def write_workbook(layout: WorkbookLayout, path: str | os.PathLike[str], *,
                   vba_project: bytes | None = None) -> Path:
    """Write the layout to ``path`` atomically; return the path."""
    with WorkbookWriter(path, [s.name for s in layout.sheets], styles=layout.styles) as w:
        w.finish(layout, vba_project=vba_project)
    return Path(path)


class _Formats(dict[str, Any]):
    """XlsxWriter formats by style key, each created once, on first use."""

    def __init__(self, wb: Any, props: Callable[[str], dict[str, Any]]) -> None:
        super().__init__()
        self.wb, self.props = wb, props

    def __missing__(self, key: str) -> Any:
        fmt = self[key] = self.wb.add_format(self.props(key))
        return fmt


class WorkbookWriter:
    """A workbook being written, for a layout that may arrive a few rows at a time.

    The worksheets up to the last streamed one are created in tab order up front (XlsxWriter
    adds worksheets in tab order only); the rest when :meth:`finish` gets the layout, in its
    order, so a caller may add sheets after the streamed ones meanwhile (``kpixl update``
    carries sheets a user added, placed before ``_kpixl``). A sheet named in ``streamed`` is written
    while it is laid out (the writer is its :class:`~kpixl.layout.core.SheetSink`): each block
    of finished rows goes straight to XlsxWriter's temporary file (``constant_memory`` for that
    worksheet only) and leaves the layout, so a company-wide plan never has its month grids
    whole in memory. Such a sheet has no row heights, merged cells, tables or comments
    (XlsxWriter cannot add those to a written row). :meth:`finish` writes the other sheets; the
    file appears at ``path`` atomically when the ``with`` block ends without an error.

    ``styles`` maps a style key to its format properties (a mapping, or a function for keys not
    known before the sheets are laid out; :meth:`finish` prefers the layout's own ``styles``).
    """

    def __init__(self, path: str | os.PathLike[str], tabs: Sequence[str], *,
                 styles: Mapping[str, dict[str, Any]] | Callable[[str], dict[str, Any]],
                 streamed: Collection[str] = ()) -> None:
        self.target = Path(path)
        self._atomic = safe_write(self.target)
        self._tabs, self._streamed = list(tabs), set(streamed)
        self._fallback = styles if callable(styles) else styles.__getitem__
        self._tmp: Path | None = None
        self._buffer = io.BytesIO()  # assembled in memory: a failing disk then fails one write
        self._sheets: dict[str, Any] = {}
        self._done: set[str] = set()
        self._below: dict[str, int] = {}  # streamed sheet -> rows above this one are written
        self._finished = False

    def _add(self, name: str, *, streamed: bool) -> Any:
        # XlsxWriter reads the workbook's constant_memory option as each worksheet is added
        self.wb.constant_memory = streamed
        try:
            ws = self._sheets[name] = self.wb.add_worksheet(name, worksheet_class=_Sheet)
        finally:
            self.wb.constant_memory = False
        return ws

    def __enter__(self) -> WorkbookWriter:
        self._tmp = self._atomic.__enter__()  # the target's folder and lock file, checked first
        self.wb = xlsxwriter.Workbook(self._buffer, {"strings_to_formulas": False,
                                                     "strings_to_numbers": False,
                                                     "strings_to_urls": False,
                                                     "use_future_functions": False})
        self._formats = _Formats(self.wb, self._fallback)
        last = max((i for i, n in enumerate(self._tabs) if n in self._streamed), default=-1)
        for name in self._tabs[:last + 1]:
            self._add(name, streamed=name in self._streamed)
        return self

    # -- SheetSink: a streamed sheet arrives a block of rows at a time, then whole ---------------
    def rows(self, sheet: Sheet, below: int) -> None:
        """Write (and drop) the cells above row ``below``; later cells must lie below it."""
        ws = self._sheets[sheet.name]
        if not ws.constant_memory:
            raise ValueError(f"{sheet.name}: not a streamed sheet")
        if sheet.heights or sheet.hidden_rows or sheet.merges or sheet.tables or sheet.comments:
            raise ValueError(f"{sheet.name}: a streamed sheet cannot hold row heights, hidden "
                             "rows, merged cells, tables or comments")
        start = self._below.get(sheet.name, 0)
        cells = sheet.cells
        keys = sorted(k for k in cells if k[0] < below)
        if keys and keys[0][0] < start:
            raise ValueError(f"{sheet.name}: cell {keys[0]} laid out after row {start} was "
                             "written")
        formats = self._formats
        for row, col in keys:
            cell = cells.pop((row, col))
            _write_cell(ws, row, col, cell, formats[cell.style])
        self._below[sheet.name] = max(start, below)

    def done(self, sheet: Sheet) -> None:
        """Write the rest of a streamed sheet now; its ``cells`` are empty afterwards."""
        self.rows(sheet, _ROWS)
        _write_sheet(self.wb, self._sheets[sheet.name], sheet, self._formats)
        self._done.add(sheet.name)

    def finish(self, layout: WorkbookLayout, *, vba_project: bytes | None = None) -> None:
        """Write every sheet not streamed yet, the names and properties; the sheets after the
        streamed ones in the layout's order (with those it gained after the writer started:
        the xlwings settings, sheets carried by an update)."""
        styles = layout.styles
        fallback = self._fallback
        self._formats.props = lambda key: styles[key] if key in styles else fallback(key)
        order = list(self._sheets)
        names = [s.name for s in layout.sheets]
        extra = [n for n in names if n not in self._sheets]
        if names != order + extra or [n for n in names if n in self._tabs] != self._tabs:
            raise ValueError("the layout's sheets are not in the writer's tab order")
        for name in extra:
            self._add(name, streamed=False)
        wb = self.wb
        wb.set_properties(layout.properties)
        wb.set_custom_property("kpixl_version", layout.properties.get("category", ""))
        if vba_project is not None:
            wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)
        for name, ref in layout.names.items():
            wb.define_name(name, "=" + ref)
        for sheet in layout.sheets:
            if sheet.name not in self._done:
                _write_sheet(wb, self._sheets[sheet.name], sheet, self._formats)
        self._sheets[layout.sheets[layout.active].name].activate()
        self._finished = True

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Literal[False]:
        assert self._tmp is not None
        if exc_type is not None:
            _discard(self.wb)
            return self._atomic.__exit__(exc_type, exc, tb)
        try:
            if not self._finished:
                raise RuntimeError("WorkbookWriter: the block ended before finish()")
            self.wb.close()
            self._tmp.write_bytes(self._buffer.getbuffer())
        except BaseException as e:
            self._atomic.__exit__(type(e), e, e.__traceback__)  # removes the temporary file
            raise
        return self._atomic.__exit__(None, None, None)


def _discard(wb: Any) -> None:
    """Remove a failed build's temporary row files (streamed sheets)."""
    for ws in wb.worksheets():
        name = getattr(ws, "row_data_filename", None)
        if ws.constant_memory and name:
            with contextlib.suppress(OSError):
                ws.row_data_fh.close()
                os.unlink(name)


def check_lock(path: Path) -> None:
    """Refuse a target that must not be replaced now: open in Excel or LibreOffice, read-only,
    not a regular file (:func:`kpixl.xlsx.safewrite.check_writable`)."""
    check_writable(path)
