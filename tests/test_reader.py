"""Reading kpixl workbooks back: inputs, actuals, overrides, PDCA, KFS, safety, LibreOffice.

The helpers at the top (``build``, ``fill``) are shared with the other tracking-loop tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpixl.app.build import build as api_build
from kpixl.errors import WorkbookError
from kpixl.model.loader import load
from kpixl.xlsx.reader import parse_range, read_workbook

PLANS = Path(__file__).parent / "plans"
SEED = PLANS / "good" / "seed.yaml"
FULL = PLANS / "good" / "full.yaml"


def build(plan: Path, out: Path) -> Path:
    return api_build(plan, out, force=True)


def _cell(wb: Any, name: str, i: int = 0) -> Any:
    sheet, r0, c0, r1, _c1 = parse_range(wb.defined_names[name].attr_text)
    r, c = (r0, c0 + i) if r0 == r1 else (r0 + i, c0)
    return wb[sheet].cell(row=r + 1, column=c + 1)


def fill(path: Path, *, actuals: Mapping[tuple[str, int], Any] = {},
         overrides: Mapping[tuple[str, int], Any] = {},
         inputs: Mapping[str, Any] = {},
         pdca: list[tuple[Any, ...]] = (),  # type: ignore[assignment]
         kfs: Mapping[str, str] = {},
         out: Path | None = None) -> Path:
    """Type into a copy of a workbook with openpyxl, as a user would in Excel.

    ``actuals``/``overrides``: (node, month index 0-based) -> value; ``inputs``: defined name
    (``in_X``) or ``in_seasonality[m]`` -> value; ``pdca``: rows from row 4; ``kfs``: id ->
    status.
    """
    wb = openpyxl.load_workbook(path, keep_vba=Path(path).suffix == ".xlsm")
    for (node, m), v in actuals.items():
        _cell(wb, f"act_{node}", m).value = v
    for (node, m), v in overrides.items():
        _cell(wb, f"ovr_{node}", m).value = v
    for key, v in inputs.items():
        if key.startswith("in_seasonality["):
            _cell(wb, "in_seasonality", int(key[15:-1]) - 1).value = v
        else:
            _cell(wb, key).value = v
    names = wb.sheetnames
    pdca_ws = wb["PDCA"] if "PDCA" in names else wb["PDCA記録"]
    for r, row in enumerate(pdca):
        for c, v in enumerate(row):
            pdca_ws.cell(row=4 + r, column=1 + c).value = v
    kfs_ws = wb["KFS"] if "KFS" in names else wb["施策"]
    for row in kfs_ws.iter_rows(min_row=4):
        if row[0].value in kfs:
            row[5].value = kfs[row[0].value]
    target = out or path
    wb.save(target)
    return target


# -- plain reading --------------------------------------------------------------------------------
def test_fresh_workbook_reads_its_plan_and_no_user_data(tmp_path: Path) -> None:
    got = read_workbook(build(SEED, tmp_path / "seed.xlsx"))
    assert got.plan.kgi == "revenue"
    assert got.changed() == {}
    assert got.entered() == {} and got.entered("override") == {}
    assert got.pdca.rows == () and got.kfs_status == {"ma_tool": None}
    assert got.warnings == () and got.asof is None


def test_entered_actuals_overrides_and_inputs_read_back(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "seed.xlsx")
    fill(wb, actuals={("orders", 0): 2, ("deals", 1): 0}, overrides={("orders", 3): 5},
         inputs={"in_win_rate": 0.35, "in_asof": 2, "in_seasonality[3]": 2})
    got = read_workbook(wb)
    assert got.entered() == {("orders", "2026-04"): 2.0, ("deals", "2026-05"): 0.0}
    assert got.entered("override") == {("orders", "2026-07"): 5.0}
    assert got.changed() == {"in_win_rate": (0.4, 0.35), "in_asof": (None, 2),
                             "in_seasonality[3]": (1.0, 2.0)}
    assert got.asof == 2


def test_text_and_formulas_in_actual_cells_are_warned_and_ignored(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "seed.xlsx")
    fill(wb, actuals={("orders", 0): "12件", ("orders", 1): "=1+1", ("orders", 2): 3})
    got = read_workbook(wb)
    assert got.actuals["orders"][:3] == (None, None, 3.0)
    assert len(got.warnings) == 2
    # the seed plan is Japanese: the warnings are, and name the KPI (受注件数), not act_orders
    assert "受注件数 の実績 2026-04: 文字 '12件' は数値ではない" in got.warnings[0]
    assert "数式" in got.warnings[1] and "orders" not in " ".join(got.warnings)


def test_split_shares_and_baselines_are_read_from_their_cells(tmp_path: Path) -> None:
    wb = build(FULL, tmp_path / "full.xlsx")
    book = openpyxl.load_workbook(wb)
    ws = book["Inputs"]
    for row in ws.iter_rows():
        if row[1].value == "New customers (new)":
            row[2].value = 0.7
        if row[0].value == "Customers (customers)" and row[1].value == 800:
            row[1].value = 900
    book.save(wb)
    got = read_workbook(wb)
    assert got.changed() == {"split:customers:new": (0.6, 0.7), "baseline:customers": (800, 900)}


def test_pdca_rows_and_kfs_status_read_back(tmp_path: Path) -> None:
    wb = build(FULL, tmp_path / "full.xlsx")
    day = dt.datetime(2026, 2, 3)
    fill(wb, pdca=[(day, "2026-01", "deals", "few deals", "", "call more")],
         kfs={"crm": "Done"})
    got = read_workbook(wb)
    assert got.pdca.rows == ((day, "2026-01", "deals", "few deals", None, "call more", None,
                              None, None),)
    assert got.kfs_status == {"crm": "Done"}


def test_parse_range_handles_quotes_and_single_cells() -> None:
    assert parse_range("'実績管理'!$D$8:$O$8") == ("実績管理", 7, 3, 7, 14)
    assert parse_range("'It''s'!$A$1") == ("It's", 0, 0, 0, 0)
    assert parse_range("Tracking!AA10") == ("Tracking", 9, 26, 9, 26)


# -- refusing -------------------------------------------------------------------------------------
def test_a_text_file_is_not_a_workbook(tmp_path: Path) -> None:
    bad = tmp_path / "notes.xlsx"
    bad.write_text("hello")
    with pytest.raises(WorkbookError, match=r"notes\.xlsx: is not an Excel workbook"):
        read_workbook(bad)


def test_a_plain_workbook_is_not_a_kpixl_workbook(tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    with pytest.raises(WorkbookError, match="not a kpixl workbook"):
        read_workbook(plain)


def test_an_altered_meta_sheet_is_refused(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "seed.xlsx")
    book = openpyxl.load_workbook(wb)
    ws = book["_kpixl"]
    ws["B5"].value = ws["B5"].value.replace("120000000", "130000000")
    book.save(wb)
    with pytest.raises(WorkbookError, match="_kpixl sheet was altered"):
        read_workbook(wb)


def test_a_zip_bomb_is_refused_before_parsing(tmp_path: Path, monkeypatch: Any) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/big.xml", b"\0" * (2 * 1024 * 1024))
    monkeypatch.setattr("kpixl.xlsx.reader.MAX_UNCOMPRESSED", 1024 * 1024)
    with pytest.raises(WorkbookError, match="zip bomb"):
        read_workbook(bomb)


def test_openpyxl_parses_through_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def _entered(wb: Path) -> list[str]:
    from kpixl.app.entered import entered

    return entered(read_workbook(wb))


def test_entered_data_still_names_the_rows_a_user_filled(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "seed.xlsx")
    assert _entered(wb) == []
    fill(wb, actuals={("orders", 0): 1})
    (got,) = _entered(wb)
    assert load(SEED).nodes["orders"].name in got


# -- LibreOffice re-save --------------------------------------------------------------------------
@pytest.mark.libreoffice
def test_a_workbook_resaved_by_libreoffice_reads_the_same(tmp_path: Path, recalc: Any) -> None:
    wb = build(FULL, tmp_path / "full.xlsx")
    fill(wb, actuals={("deals", 0): 12, ("orders", 2): 4.5, ("cost", 1): 0},
         overrides={("deals", 1): 30}, inputs={"in_win_rate": 0.25, "in_asof": 2},
         pdca=[(dt.datetime(2026, 2, 3), "2026-01", "deals", "few", "calls", "more")],
         kfs={"crm": "Done"})
    exp = read_workbook(wb)
    (resaved,) = recalc(wb)
    got = read_workbook(shutil.copy(resaved, tmp_path / "resaved.xlsx"))
    assert got.plan_json == exp.plan_json
    assert got.current == exp.current and got.recorded == exp.recorded
    assert got.actuals == exp.actuals and got.overrides == exp.overrides
    assert got.pdca.rows == exp.pdca.rows and got.kfs_status == exp.kfs_status


def test_entered_data_names_pdca_kfs_inputs_and_unreadable_cells(tmp_path: Path) -> None:
    wb = fill(build(FULL, tmp_path / "full.xlsx"), actuals={("deals", 0): "12件"},
              pdca=[(None, "2026-01", "deals", "note")], kfs={"crm": "Done"},
              inputs={"in_win_rate": 0.25})
    got = _entered(wb)
    plan = load(FULL)
    assert len(got) == 4 and got[1] == "PDCA", got
    assert plan.nodes["deals"].name in got[0] and plan.nodes["win_rate"].name in got[3]


def test_entered_data_refuses_a_stranger_file(tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    from kpixl.app.entered import refuse_entered

    with pytest.raises(WorkbookError, match=r"not a kpixl workbook.*refusing to replace it"):
        refuse_entered(plain, force=False)


def test_a_renamed_pdca_sheet_is_found_by_its_table(tmp_path: Path) -> None:
    wb = fill(build(FULL, tmp_path / "full.xlsx"), pdca=[(None, "2026-01", "deals", "note")])
    book = openpyxl.load_workbook(wb)
    book["PDCA"].title = "PDCA 2026"
    book.save(wb)
    got = read_workbook(wb)
    assert got.pdca.rows[0][3] == "note" and got.extra_sheets == ()


# -- one reader, two sources: the file (CLI) and the open workbook (buttons) ----------------------
def _book(path: Path) -> Any:
    from kpixl.xl.book import OpenpyxlBook

    return OpenpyxlBook(openpyxl.load_workbook(path))


def test_the_buttons_read_the_same_entries_as_the_cli(tmp_path: Path) -> None:
    from kpixl.xl.state import read_state

    wb = fill(build(FULL, tmp_path / "full.xlsx"), actuals={("deals", 0): 12, ("deals", 1): 7},
              overrides={("deals", 2): 30}, inputs={"in_asof": 2})
    exp = read_workbook(wb)
    got = read_state(_book(wb))
    assert got.actuals == {k: list(v) for k, v in exp.actuals.items()}
    assert got.overrides == {k: list(v) for k, v in exp.overrides.items()}
    assert got.asof_input == exp.asof == 2


@pytest.mark.parametrize("key, value, match", [
    ("input:in_win_rate", "{not json", "input:in_win_rate is not JSON"),
    ("plan_sha256", "0" * 64, "plan_sha256 does not match"),
    ("format_version", 2, "workbook format 2 is not supported"),
])
def test_a_damaged_meta_row_is_refused_alike_by_the_buttons(tmp_path: Path, key: str,
                                                             value: Any, match: str) -> None:
    from kpixl.xl.state import read_state

    wb = build(SEED, tmp_path / "seed.xlsx")
    book = openpyxl.load_workbook(wb)
    ws = book["_kpixl"]
    (row,) = [r for r in ws.iter_rows(max_col=2) if r[0].value == key]
    row[1].value = value
    book.save(wb)
    with pytest.raises(WorkbookError, match=match):
        read_workbook(wb)
    with pytest.raises(WorkbookError, match=match):
        read_state(_book(wb))


def test_split_share_cells_are_found_from_the_meta_rows(tmp_path: Path) -> None:
    """The _kpixl row of a split share names its cell; a row inserted above it moves the cell,
    and the label beside the named cell then no longer ends in the operand's id."""
    wb = build(FULL, tmp_path / "full.xlsx")
    book = openpyxl.load_workbook(wb)
    refs = {r[0].value: r[2].value for r in book["_kpixl"].iter_rows(max_col=3)
            if str(r[0].value).startswith("input:split:")}
    assert refs["input:split:customers:new"].startswith("'Inputs'!$C$")  # the share column
    book["Inputs"].insert_rows(3)
    book.save(wb)
    got = read_workbook(wb)
    # the row moved down with its label: the share is found there, not taken as built
    assert got.current["split:customers:new"] == got.recorded["split:customers:new"]
    assert not any("split:customers:new: the cell moved" in w for w in got.warnings)


def test_a_split_share_without_a_recorded_cell_keeps_its_built_value(tmp_path: Path) -> None:
    """A workbook whose _kpixl rows name no cell (an older kpixl wrote them): the reader does
    not lay the plan out to look for it; it says so and uses the value as built."""
    wb = build(FULL, tmp_path / "full.xlsx")
    book = openpyxl.load_workbook(wb)
    for row in book["_kpixl"].iter_rows(max_col=3):
        row[2].value = None
    book.save(wb)
    got = read_workbook(wb)
    assert got.current["split:customers:new"] == got.recorded["split:customers:new"] == 0.6
    assert any("split:customers:new: the _kpixl sheet does not name its cell" in w
               for w in got.warnings)
