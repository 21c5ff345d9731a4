"""Export files as teams really have them, imported end to end through the installed command.

Each file is written here the way its tool writes it (Excel's "CSV (コンマ区切り)" is cp932 with
CRLF; "CSV UTF-8" starts with a BOM; a CRM report has a title row and a total row; an .xlsx export
has real date cells), imported into a workbook built from the Japanese sales-funnel template with
``kpixl actuals import``, and the workbook's actual cells are read back and compared with the grid
the file states. The refusals check the message (row/column, the fix, Japanese for a Japanese plan)
and that the workbook is untouched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import run_kpixl

from kpixl.app.build import template_text, write
from kpixl.engine.solve import solve
from kpixl.model.loader import loads

NAMES = {"inquiries": "問い合わせ件数", "appointments": "アポイント数", "deals": "商談数",
         "orders": "受注件数", "revenue": "売上高", "win_rate": "受注率"}


@pytest.fixture()
def workbook(tmp_path: Path) -> Path:
    plan = loads(template_text("sales_funnel", "ja"), source="sales_funnel.ja.yaml")
    return write(solve(plan), tmp_path / "plan.xlsx")


def actuals(path: Path) -> dict[tuple[str, int], float]:
    """(id, month 1..12) -> value of every non-empty actual cell."""
    wb = openpyxl.load_workbook(path)
    got = {}
    for name, dn in wb.defined_names.items():
        if not name.startswith("act_"):
            continue
        sheet, ref = next(iter(dn.destinations))
        cells = wb[sheet][ref.replace("$", "")]
        row = cells[0] if isinstance(cells[0], tuple) else cells
        for m, cell in enumerate(row, start=1):
            if cell.value is not None:
                got[(name[4:], m)] = cell.value
    return got


def imported(workbook: Path, file: Path, *args: str) -> dict[tuple[str, int], float]:
    got = run_kpixl("actuals", "import", workbook, file, *args, cwd=workbook.parent)
    assert got.returncode == 0, got.stderr
    assert "Traceback" not in got.stderr
    return actuals(workbook)


def refused(workbook: Path, file: Path, *phrases: str) -> str:
    before = workbook.read_bytes()
    got = run_kpixl("actuals", "import", workbook, file, cwd=workbook.parent)
    assert got.returncode == 1, got.stdout + got.stderr
    assert "Traceback" not in got.stderr
    for phrase in phrases:
        assert phrase in got.stderr, got.stderr
    assert workbook.read_bytes() == before
    return got.stderr


def test_excel_csv_in_shift_jis_with_names_dates_and_totals(workbook: Path) -> None:
    rows = ["指標,2026/4/1,2026/5/1,2026/6/1,合計",
            "問い合わせ件数,18,\"1,020\",21,\"1,059\"",
            "アポイント数,6,5,7,18",
            "合計,24,\"1,025\",28,\"1,077\""]
    file = workbook.parent / "export.csv"
    file.write_bytes("\r\n".join(rows).encode("cp932") + b"\r\n")
    exp = {("inquiries", 1): 18, ("inquiries", 2): 1020, ("inquiries", 3): 21,
           ("appointments", 1): 6, ("appointments", 2): 5, ("appointments", 3): 7}
    assert imported(workbook, file) == exp


def test_long_utf8_bom_file_with_japanese_months_and_units(workbook: Path) -> None:
    rows = ["KPI,月,実績", "商談数,2026年4月,3件", "商談数,2026年5月,-", "受注件数,2026年5月,1件",
            "売上高,2026年5月,\"¥12,000,000\"", "受注率,2026年5月,40%"]
    file = workbook.parent / "long.csv"
    file.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode("utf-8"))
    exp = {("deals", 1): 3, ("orders", 2): 1, ("revenue", 2): 12_000_000, ("win_rate", 2): 0.4}
    assert imported(workbook, file) == exp


def test_crm_report_with_a_title_row_quarter_column_and_fiscal_months(workbook: Path) -> None:
    rows = ["営業活動レポート（2026年度）", "", "指標\t4月\t5月\t6月\t第1四半期\t1月",
            "問い合わせ件数\t20\t22\t-\t42\t30", "アポイント数\t7\t\t8\t15\t9"]
    file = workbook.parent / "crm.tsv"
    file.write_bytes("\r\n".join(rows).encode("cp932"))
    exp = {("inquiries", 1): 20, ("inquiries", 2): 22, ("inquiries", 10): 30,
           ("appointments", 1): 7, ("appointments", 3): 8, ("appointments", 10): 9}
    assert imported(workbook, file) == exp


def test_months_as_rows(workbook: Path) -> None:
    rows = ["月,問い合わせ件数,アポイント数,商談数", "2026-04,15,5,3", "2026-05,16,6,",
            "合計,31,11,3"]
    file = workbook.parent / "rows.csv"
    file.write_text("\n".join(rows), encoding="utf-8")
    exp = {("inquiries", 1): 15, ("inquiries", 2): 16, ("appointments", 1): 5,
           ("appointments", 2): 6, ("deals", 1): 3}
    assert imported(workbook, file) == exp


def test_ids_and_english_month_headers(workbook: Path) -> None:
    file = workbook.parent / "en.csv"
    file.write_text("id,Apr-26,May-26,Total\ninquiries,12,13,25\norders,1,0,1\n", encoding="utf-8")
    exp = {("inquiries", 1): 12, ("inquiries", 2): 13, ("orders", 1): 1, ("orders", 2): 0}
    assert imported(workbook, file) == exp


def test_xlsx_export_with_real_dates_and_a_total_column(workbook: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["KPI", dt.datetime(2026, 4, 1), dt.datetime(2026, 5, 1), "合計"])
    ws.append(["問い合わせ件数", 19, 23, 42])
    ws.append(["受注件数", 1, 2, 3])
    file = workbook.parent / "export.xlsx"
    book.save(file)
    exp = {("inquiries", 1): 19, ("inquiries", 2): 23, ("orders", 1): 1, ("orders", 2): 2}
    assert imported(workbook, file) == exp


def test_dry_run_writes_nothing(workbook: Path) -> None:
    file = workbook.parent / "dry.csv"
    file.write_text("id,2026-04\ninquiries,12\n", encoding="utf-8")
    before = workbook.read_bytes()
    got = run_kpixl("actuals", "import", workbook, file, "--dry-run", cwd=workbook.parent)
    assert got.returncode == 0, got.stderr
    assert "問い合わせ件数" in got.stdout and "12" in got.stdout
    assert workbook.read_bytes() == before


@pytest.mark.parametrize(("cell", "phrase"), [
    ("1,5", "1,5"), ("1.234,56", "1.234,56"), ("10²", "10²"), ("1e309", "1e309")])
def test_numbers_that_are_not_numbers_are_refused_with_row_and_column(
        workbook: Path, cell: str, phrase: str) -> None:
    file = workbook.parent / "bad.csv"
    file.write_text(f"id,2026-04,2026-05\ninquiries,12,\"{cell}\"\n", encoding="utf-8")
    err = refused(workbook, file, phrase)
    assert "C2" in err or ("2" in err and "2026-05" in err)


def test_a_rate_written_as_a_percent_number_is_refused_with_the_fix(workbook: Path) -> None:
    file = workbook.parent / "rate.csv"
    file.write_text("id,2026-04\nwin_rate,45\n", encoding="utf-8")
    err = refused(workbook, file, "45%", "0.45")
    assert "受注率" in err


def test_an_unknown_name_is_refused_with_the_nearest_names_and_kpixl_ids(workbook: Path) -> None:
    file = workbook.parent / "name.csv"
    file.write_text("KPI,2026-04\n問い合わせ数,12\n", encoding="utf-8")
    err = refused(workbook, file, "問い合わせ数", "問い合わせ件数")
    # a small plan lists every name; a large one the nearest and where the rest are
    assert "kpixl ids" in err or all(name in err for name in NAMES.values()), err


def test_kpixl_ids_lists_every_kpi(workbook: Path) -> None:
    got = run_kpixl("ids", workbook, cwd=workbook.parent)
    assert got.returncode == 0, got.stderr
    lines = got.stdout.strip().splitlines()
    for nid, name in NAMES.items():
        assert any(nid in line and name in line for line in lines), (nid, got.stdout)
