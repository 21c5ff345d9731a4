"""``kpixl actuals import``: CSV in, every problem named by line, nothing overwritten silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_reader import SEED, build, fill

from kpixl.actuals import import_actuals, month_label, number, parse_csv
from kpixl.cli import main
from kpixl.errors import WorkbookError
from kpixl.loader import load
from kpixl.reader import read_workbook


def csv(tmp: Path, text: str, encoding: str = "utf-8") -> Path:
    p = tmp / "a.csv"
    p.write_bytes(text.encode(encoding))
    return p


def test_long_csv_is_imported(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    import_actuals(wb, csv(tmp_path, "id,month,value\norders,2026-04,2\ndeals,2026-05,7\n"))
    assert read_workbook(wb).entered() == {("orders", "2026-04"): 2, ("deals", "2026-05"): 7}


def test_wide_csv_with_bom_and_empty_cells(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    import_actuals(wb, csv(tmp_path, "\ufeffid,2026-04,2026-05\norders,1,\ndeals,\"3,000\",4\n"))
    assert read_workbook(wb).entered() == {("orders", "2026-04"): 1, ("deals", "2026-04"): 3000,
                                           ("deals", "2026-05"): 4}


def test_shift_jis_and_full_width_digits(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    text = ("id,month,value\ninquiries,２０２６年４月,\"１２,０００\"\n"
            "revenue,2026/05,１２，０００\n")
    import_actuals(wb, csv(tmp_path, text, "cp932"))
    assert read_workbook(wb).entered() == {("inquiries", "2026-04"): 12000,
                                           ("revenue", "2026-05"): 12000}


def test_an_unquoted_thousands_separator_in_the_last_column_is_one_number(tmp_path: Path
                                                                           ) -> None:
    got = parse_csv(csv(tmp_path, "id,month,value\norders,2026-04,１２,０００\n"), load(SEED))
    assert got == {("orders", "2026-04"): 12000}
    assert number("30%") == 0.3 and number("12件") is None


def test_every_problem_is_named_with_its_line(tmp_path: Path) -> None:
    text = ("id,month,value\norders,2026-04,12件\nfoo,2026-04,1\ndeals,2030-01,3\n"
            "deals,2026-13,3\norders,2026-05,-1\norders,2026-06,1\norders,2026-06,2\n")
    with pytest.raises(WorkbookError) as exc:
        parse_csv(csv(tmp_path, text), load(SEED))
    assert str(exc.value).splitlines() == [
        f"{tmp_path / 'a.csv'}:2: orders 2026-04: '12件' is not a number",
        f"{tmp_path / 'a.csv'}:3: unknown id 'foo'",
        f"{tmp_path / 'a.csv'}:4: month 2030-01 is outside the plan (2026-04..2027-03)",
        f"{tmp_path / 'a.csv'}:5: month '2026-13' is not YYYY-MM",
        f"{tmp_path / 'a.csv'}:6: orders 2026-05: -1 is negative (the node is not signed)",
        f"{tmp_path / 'a.csv'}:8: orders 2026-06 appears twice"]


def test_a_near_miss_id_gets_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match=r"unknown id 'order' \(did you mean orders\?\)"):
        parse_csv(csv(tmp_path, "id,month,value\norder,2026-04,1\n"), load(SEED))


def test_a_bad_wide_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match=r"a\.csv:1: header: expected id,month,value"):
        parse_csv(csv(tmp_path, "id,April\norders,1\n"), load(SEED))


def test_entered_cells_are_not_overwritten_without_overwrite(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1, ("orders", 1): 2})
    before = wb.read_bytes()
    data = csv(tmp_path, "id,month,value\norders,2026-04,5\norders,2026-05,2\n")
    with pytest.raises(WorkbookError) as exc:
        import_actuals(wb, data)
    assert str(exc.value).splitlines()[1:] == ["  orders 2026-04: the workbook has 1, the CSV 5"]
    assert wb.read_bytes() == before
    import_actuals(wb, data, overwrite=True)
    assert read_workbook(wb).entered() == {("orders", "2026-04"): 5, ("orders", "2026-05"): 2}


def test_import_keeps_everything_else(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), overrides={("deals", 2): 9},
              inputs={"in_win_rate": 0.35}, pdca=[(None, "2026-04", "orders", "note")])
    import_actuals(wb, csv(tmp_path, "id,month,value\norders,2026-04,5\n"))
    got = read_workbook(wb)
    assert got.entered("override") == {("deals", "2026-06"): 9}
    assert got.changed() == {"in_win_rate": (0.4, 0.35)} and got.pdca.rows[0][3] == "note"


def test_month_labels_in_many_spellings() -> None:
    assert [month_label(s) for s in ("2026-04", "2026/4", "２０２６年４月", "April", "2026-00")] \
        == ["2026-04", "2026-04", "2026-04", None, None]


def test_cli_reports_errors_with_exit_code_1(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    assert main(["actuals", "import", str(wb), str(csv(tmp_path, "id,month,value\nx,1,1\n"))]) \
        == 1
    assert "a.csv:2: unknown id 'x'" in capsys.readouterr().err
    good = csv(tmp_path, "id,month,value\norders,2026-04,1\n")
    assert main(["actuals", "import", str(wb), str(good)]) == 0
    assert "imported 1 actual(s) from a.csv" in capsys.readouterr().out
