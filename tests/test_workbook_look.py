"""What a person sees in the workbook (issue 16): read back from the written files, and as
LibreOffice displays them, not from the layout code that made them.

- the Dashboard's charts: the cell anchors XlsxWriter wrote (``xl/drawings/*.xml``) never overlap;
- no raw TRUE/FALSE or error value on the sheets a person reads (LibreOffice's displayed text),
  and every #N/A of the Dashboard's chart data is covered by the rule that writes it invisible;
- unit columns show the unit of the number format (千円 with ``money_display: thousand``);
- a multiplier link reads ``x 3`` on the Funnel sheet, never 300%; funnels are titled by names;
- the PDCA KPI drop-down offers KPI names; KFS and PDCA share one status vocabulary;
- long text wraps, and every sheet prints landscape, one page wide.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from test_reader import fill
from test_report_format import CALLS, TEMPLATES, _shown, _three_months

from kpixl.app.build import build

NS = {"xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"}


def _anchors(xlsx: Path) -> list[tuple[int, int, int, int]]:
    """(col0, row0, col1, row1) of every chart's two-cell anchor, in the files as written."""
    import xml.etree.ElementTree as ET

    out = []
    with zipfile.ZipFile(xlsx) as zf:
        for name in zf.namelist():
            if not re.fullmatch(r"xl/drawings/drawing\d+\.xml", name):
                continue
            root = ET.fromstring(zf.read(name))
            for a in root.findall("xdr:twoCellAnchor", NS):
                f, t = a.find("xdr:from", NS), a.find("xdr:to", NS)
                assert f is not None and t is not None
                out.append(tuple(int(x.find(f"xdr:{k}", NS).text or 0)  # type: ignore[union-attr]
                                 for x, k in ((f, "col"), (f, "row"), (t, "col"), (t, "row"))))
    return out  # type: ignore[return-value]


@pytest.mark.parametrize("template", ["sales_funnel.ja", "field_sales.ja", "saas_revenue.en",
                                      "inside_sales.ja", "content_marketing.en"])
def test_dashboard_charts_never_overlap(tmp_path: Path, template: str) -> None:
    """Two anchors that share no cell never overlap, whatever the column widths become: a chart
    moves and sizes with its cells."""
    wb = build(TEMPLATES / f"{template}.yaml", tmp_path / "b.xlsx", force=True)
    boxes = _anchors(wb)
    assert len(boxes) >= 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]
            assert apart, (template, a, b)


def test_units_say_what_the_cells_show(tmp_path: Path) -> None:
    wb = build(TEMPLATES / "field_sales.ja.yaml", tmp_path / "b.xlsx", force=True)
    book = openpyxl.load_workbook(wb)
    for sheet, unit_head in (("前提条件", "単位"), ("KPIツリー", "単位")):
        ws = book[sheet]
        rows = list(ws.iter_rows(values_only=True))
        head = next(r for r in rows if unit_head in r)
        col = head.index(unit_head)
        units = {r[col] for r in rows if r and "売上高" in r}
        assert units == {"千円"}, (sheet, units)


def _workbook_rows(xlsx: Path, sheet: str) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(xlsx)[sheet].iter_rows(values_only=True))


@pytest.mark.libreoffice
def test_a_multiplier_link_reads_x_n_and_funnels_are_titled_by_names(tmp_path: Path,
                                                                     recalc: Any) -> None:
    plan = tmp_path / "calls.yaml"
    plan.write_text(CALLS, encoding="utf-8")
    (out,) = recalc(build(plan, tmp_path / "calls.xlsx", force=True))
    rows = _shown(out, "ファネル逆算", tmp_path)
    assert any("リード数 → 受注件数" in r for r in rows)
    assert not any("outbound" in c for r in rows for c in r)
    calls = next(r for r in rows if "架電数" in r)
    orders = next(r for r in rows if "受注件数" in r and "→" not in "".join(r))
    assert "x 3" in calls and not any("300" in c for c in calls)
    assert "5.0%" in orders


@pytest.mark.libreoffice
@pytest.mark.parametrize("template", ["field_sales.ja", "sales_funnel.en"])
def test_no_raw_boolean_or_error_value_is_shown(tmp_path: Path, recalc: Any,
                                                template: str) -> None:
    plan = TEMPLATES / f"{template}.yaml"
    wb = fill(build(plan, tmp_path / "b.xlsx", force=True), actuals=_three_months(plan))
    (out,) = recalc(wb)
    ja = template.endswith(".ja")
    sheets = (["使い方", "前提条件", "KPIツリー", "ファネル逆算", "月次目標", "SMARTチェック",
               "施策", "PDCA記録"] if ja else
              ["Guide", "Inputs", "KPI Tree", "Funnel", "Monthly Targets", "SMART", "KFS",
               "PDCA"])
    _shown(out, sheets[0], tmp_path)  # one export writes every sheet
    bad = re.compile(r"^(TRUE|FALSE|#N/A|#VALUE!|#REF!|#DIV/0!|#NAME\?|#NUM!|###+)$")
    for sheet in sheets:
        rows = _shown_again(tmp_path, sheet)
        hits = [c for r in rows for c in r if bad.match(c)]
        assert hits == [], (sheet, hits[:5])
    # the Dashboard's chart data: every #N/A sits under the rule that writes it white on white
    book = openpyxl.load_workbook(out, data_only=True)
    ws = book["ダッシュボード" if ja else "Dashboard"]
    covered: set[str] = set()
    for rng in ws.conditional_formatting:
        if any("ISNA(" in (r.formula[0] if r.formula else "") for r in rng.rules):
            for cells in rng.sqref.ranges:
                for row in ws[cells.coord]:
                    covered |= {c.coordinate for c in row}
    errors = {c.coordinate for row in ws.iter_rows() for c in row if c.value == "#N/A"}
    assert errors and errors <= covered


def _shown_again(folder: Path, sheet: str) -> list[list[str]]:
    import csv

    with open(folder / f"book-{sheet}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_pdca_offers_kpi_names_and_shares_the_kfs_status_words(tmp_path: Path) -> None:
    wb = build(TEMPLATES / "field_sales.ja.yaml", tmp_path / "b.xlsx", force=True)
    book = openpyxl.load_workbook(wb)
    pdca, kfs = book["PDCA記録"], book["施策"]
    lists = {}
    for ws in (pdca, kfs):
        for dv in ws.data_validations.dataValidation:
            lists[(ws.title, str(dv.sqref).split(":")[0][0])] = dv.formula1
    kpi_source = lists[("PDCA記録", "C")]
    sheet, ref = kpi_source.lstrip("=").split("!")
    cells = book[sheet.strip("'")][ref.replace("$", "")]
    names = {c[0].value for c in cells}
    assert {"商談数", "訪問件数", "売上高"} <= names and "deals" not in names
    assert lists[("PDCA記録", "I")] == lists[("施策", "F")] == '"未着手,実施中,完了,保留"'


def test_long_text_wraps_and_every_sheet_prints_landscape_one_page_wide(tmp_path: Path) -> None:
    wb = build(TEMPLATES / "field_sales.ja.yaml", tmp_path / "b.xlsx", force=True)
    book = openpyxl.load_workbook(wb)
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert ws.page_setup.orientation == "landscape", ws.title
        # fitToWidth left out means 1 (the OOXML default); fitToHeight 0: as many pages as needed
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    kfs = book["施策"]
    assert all(kfs.cell(row=4, column=c).alignment.wrap_text for c in (2, 3, 4, 7))
    pdca = book["PDCA記録"]
    assert all(pdca.cell(row=4, column=c).alignment.wrap_text for c in (4, 5, 6, 7))
    for title in ("KPIツリー", "SMARTチェック", "施策", "PDCA記録"):
        assert book[title].print_title_rows, title
