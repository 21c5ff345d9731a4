"""The writer's streaming path: ``kpixl build`` writes the month grids as soon as they are laid
out (XlsxWriter ``constant_memory`` for those two worksheets), everything else at the end.

The file it makes must hold exactly what writing the whole layout at once holds: every cell's
formula or value, cached value, number format, font, fill, border and lock, and every merge,
validation, conditional format and defined name. And a failed build leaves no file behind, not
even XlsxWriter's temporary row files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpixl.app import build as api
from kpixl.engine.solve import solve
from kpixl.layout import Sheet, build_layout, streamed_sheets, tabs
from kpixl.layout.styles import build_styles
from kpixl.model.loader import load
from kpixl.xlsx.writer import WorkbookWriter, write_workbook

ROOT = Path(__file__).resolve().parent.parent
PLANS = [ROOT / "tests" / "plans" / "good" / "full.yaml",
         ROOT / "tests" / "plans" / "good" / "seed.yaml",
         *sorted((ROOT / "templates").glob("*.yaml"))]
PLANS = [p for p in PLANS if p.name != "index.yaml"]


def cell_record(c: Any) -> tuple[Any, ...]:
    b = c.border
    return (c.value, c.number_format, c.font.b, c.font.i, c.font.color and c.font.color.rgb,
            c.fill.fgColor.rgb, c.protection.locked, c.alignment.wrap_text,
            tuple(getattr(b, side).style for side in ("left", "right", "top", "bottom")))


def contents(path: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, Any] = {"sheets": wb.sheetnames, "names": sorted(
        (n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        cv = cached[ws.title]
        out[ws.title] = {
            "cells": {c.coordinate: (*cell_record(c), cv[c.coordinate].value)
                      for row in ws.iter_rows() for c in row
                      if c.value is not None or c.has_style},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted((str(v.sqref), v.type, v.operator, v.formula1, v.formula2)
                                  for v in ws.data_validations.dataValidation),
            "cond": sorted((str(k.sqref), r.operator, tuple(r.formula))
                           for k in ws.conditional_formatting for r in k.rules),
            "freeze": ws.freeze_panes, "protected": ws.protection.sheet,
            "hidden": ws.sheet_state,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        }
    return out


@pytest.mark.parametrize("plan_path", PLANS, ids=lambda p: p.stem)
def test_streamed_build_holds_what_the_whole_layout_holds(plan_path: Path,
                                                          tmp_path: Path) -> None:
    streamed = api.build(plan_path, tmp_path / "streamed.xlsx")
    whole = write_workbook(build_layout(solve(load(plan_path))), tmp_path / "whole.xlsx")
    a, b = contents(streamed), contents(whole)
    assert a["sheets"] == b["sheets"]
    assert a["names"] == b["names"]
    plan = load(plan_path)
    for name in a["sheets"]:
        assert a[name]["cells"].keys() == b[name]["cells"].keys(), name
        for coord, rec in a[name]["cells"].items():
            assert rec == b[name]["cells"][coord], (name, coord)
        assert a[name] == b[name], name
    # and the streamed sheets were not trivially empty
    for name in streamed_sheets(plan):
        assert sum(1 for r in a[name]["cells"].values() if str(r[0]).startswith("=")) > 50


def test_streamed_sheets_leave_the_layout_as_they_are_written(tmp_path: Path) -> None:
    """The memory guard that times nothing: the month grids are written a node's block at a
    time, so a build never holds them whole, whatever the plan's size."""
    solution = solve(load(PLANS[0]))
    plan = solution.plan
    most: dict[str, int] = {}
    done: list[str] = []

    class Sink(WorkbookWriter):
        def rows(self, sheet: Sheet, below: int) -> None:
            most[sheet.name] = max(most.get(sheet.name, 0), len(sheet.cells))
            super().rows(sheet, below)
            assert all(r >= below for r, _ in sheet.cells)

        def done(self, sheet: Sheet) -> None:
            super().done(sheet)
            assert not sheet.cells
            done.append(sheet.name)

    with Sink(tmp_path / "x.xlsx", tabs(plan), streamed=streamed_sheets(plan),
              styles=lambda key: build_styles(plan, {key})[key]) as w:
        layout = build_layout(solution, sink=w)
        w.finish(layout)
    assert done == streamed_sheets(plan)
    # never more than a node's block of rows (plus headers) waits in memory
    widest = plan.months + 8
    assert all(0 < n <= 8 * widest for n in most.values()), (most, widest)
    assert openpyxl.load_workbook(tmp_path / "x.xlsx").sheetnames == tabs(plan)


def _sheet(name: str, rows: int = 3) -> Sheet:
    s = Sheet(name)
    for r in range(rows):
        s.put(r, 0, f"row {r}")
        s.put(r, 1, formula=f"{r}+1", cached=r + 1)
    return s


def test_a_failed_build_leaves_no_file_and_no_temporary_rows(tmp_path: Path) -> None:
    target = tmp_path / "x.xlsx"
    rows_file: list[Path] = []
    with (pytest.raises(RuntimeError, match="layout failed"),
          WorkbookWriter(target, ["A", "B"], streamed=["B"], styles=lambda key: {}) as w):
        w.rows(_sheet("B", rows=500), 400)
        rows_file += [Path(ws.row_data_filename) for ws in w.wb.worksheets()
                      if ws.constant_memory]
        assert len(rows_file) == 1 and rows_file[0].stat().st_size > 10_000
        raise RuntimeError("layout failed")
    assert list(tmp_path.iterdir()) == []
    assert not rows_file[0].exists()


def test_a_streamed_sheet_cannot_hold_merges(tmp_path: Path) -> None:
    s = _sheet("B")
    s.merges.append((0, 0, 1, 0))
    with (pytest.raises(ValueError, match="B: a streamed sheet cannot hold row heights"),
          WorkbookWriter(tmp_path / "x.xlsx", ["B"], streamed=["B"], styles=lambda key: {}) as w):
        w.done(s)
    assert list(tmp_path.iterdir()) == []


def test_finish_is_required_and_checks_the_tab_order(tmp_path: Path) -> None:
    from kpixl.layout import WorkbookLayout

    with (pytest.raises(RuntimeError, match="before finish"),
          WorkbookWriter(tmp_path / "x.xlsx", ["A"], styles=lambda key: {})):
        pass
    layout = WorkbookLayout(sheets=[_sheet("B"), _sheet("A")], names={}, properties={},
                            styles={"text": {}})
    with (pytest.raises(ValueError, match="tab order"),
          WorkbookWriter(tmp_path / "x.xlsx", ["A", "B"], styles=layout.styles) as w):
        w.finish(layout)
    assert list(tmp_path.iterdir()) == []


def test_a_cell_laid_out_above_written_rows_is_refused(tmp_path: Path) -> None:
    """XlsxWriter would drop it silently; the writer says so instead."""
    s = _sheet("B", rows=5)
    with (pytest.raises(ValueError, match=r"B: cell \(1, 0\) laid out after row 3 was written"),
          WorkbookWriter(tmp_path / "x.xlsx", ["B"], streamed=["B"], styles=lambda key: {}) as w):
        w.rows(s, 3)
        s.put(1, 0, "late")
        w.done(s)


def test_a_target_that_cannot_be_written_is_refused_before_any_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder and Excel's lock file are checked before XlsxWriter opens anything (a
    streamed sheet's temporary row file included)."""
    import kpixl.xlsx.writer as writer
    from kpixl.errors import WorkbookError

    def no_workbook(*args: Any, **kw: Any) -> None:
        raise AssertionError("XlsxWriter was opened for a target that cannot be written")

    monkeypatch.setattr(writer.xlsxwriter, "Workbook", no_workbook)
    with (pytest.raises(WorkbookError, match="does not exist"),
          WorkbookWriter(tmp_path / "missing" / "x.xlsx", ["A", "B"], streamed=["B"],
                         styles=lambda key: {})):
        pass
    (tmp_path / "~$x.xlsx").write_text("lock")
    with (pytest.raises(WorkbookError, match="is open in Excel"),
          WorkbookWriter(tmp_path / "x.xlsx", ["A"], styles=lambda key: {})):
        pass
