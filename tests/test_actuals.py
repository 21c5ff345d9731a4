"""``kpixl actuals import``: CSV in, every problem named by line, nothing overwritten silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_reader import SEED, build, fill

from kpixl.app.actuals import import_actuals
from kpixl.cli import main
from kpixl.errors import WorkbookError
from kpixl.model.loader import load
from kpixl.xlsx.importfile import month_label, number, parse_csv
from kpixl.xlsx.reader import read_workbook


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
    f = tmp_path / "a.csv"
    assert str(exc.value).splitlines() == [
        f"{f}:2: orders 2026-04: '12件' is not a number; write the number alone (12000, "
        "12,000 and 30% are read)",
        f"{f}:3: 'foo' is not a KPI id of this plan (the plan's ids are revenue, unit_price, "
        "orders, win_rate, deals, deal_rate, appointments, appointment_rate, ...)",
        f"{f}:4: month 2030-01 is outside the plan (2026-04..2027-03); remove the row",
        f"{f}:5: month '2026-13' is not YYYY-MM; write it like 2026-04",
        f"{f}:6: orders 2026-05: -1 is negative (the node is not signed); check the sign, or "
        "set signed: true on the KPI in the plan",
        f"{f}:8: orders 2026-06 appears twice (also on line 7); keep one"]


def test_a_near_miss_id_gets_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError) as exc:
        parse_csv(csv(tmp_path, "id,month,value\norder,2026-04,1\n"), load(SEED), name="x.csv")
    assert str(exc.value) == "x.csv:2: 'order' is not a KPI id of this plan (did you mean orders?)"


def test_a_bad_wide_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError) as exc:
        parse_csv(csv(tmp_path, "id,April,2026-04,合計\norders,1,2,3\n"), load(SEED),
                  name="a.csv")
    assert str(exc.value) == ("a.csv:1: header: expected id,month,value or id followed by month "
                              "columns (YYYY-MM), got 'April', '合計'; rename or remove those "
                              "columns")
    with pytest.raises(WorkbookError) as exc:
        parse_csv(csv(tmp_path, "id\norders\n"), load(SEED), name="a.csv")
    assert str(exc.value) == ("a.csv:1: header: expected id,month,value or id followed by month "
                              "columns (YYYY-MM); add the month columns")


# -- the shapes the CLI and the workbook's button both read (one parser) ------------------------
def parse(tmp_path: Path, text: str, encoding: str = "utf-8") -> dict[tuple[str, str], float]:
    return parse_csv(csv(tmp_path, text, encoding), load(SEED), name="a.csv")


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(WorkbookError) as exc:
        parse(tmp_path, text)
    return str(exc.value).splitlines()


def test_values_in_every_accepted_spelling(tmp_path: Path) -> None:
    text = ("ID,Month,Value,note\n"
            "orders,2026/5,\"１,２００\",x\n"
            "deals,2026.06,1 000,\n"
            "win_rate,２０２６年７月,30%,\n"
            "revenue,2026-08,\uff0b1_500,\n"
            "orders,2026-09,,skipped\n")
    assert parse(tmp_path, text, "cp932") == {
        ("orders", "2026-05"): 1200, ("deals", "2026-06"): 1000, ("win_rate", "2026-07"): 0.3,
        ("revenue", "2026-08"): 1500}


def test_wide_first_column_header_is_free_and_blank_cells_rows_and_columns_are_skipped(
        tmp_path: Path) -> None:
    text = ("\ufeffKPI,2026/04,2026年5月,2030-01,,\n"
            "orders,1,,,,\n"
            "leads,,,,,\n"  # an unknown id without values: nothing to place
            "\n"
            "deals,,２,,,\n")
    assert parse(tmp_path, text) == {("orders", "2026-04"): 1, ("deals", "2026-05"): 2}


def test_a_dash_is_not_a_blank(tmp_path: Path) -> None:
    assert problems(tmp_path, "id,2026-04,2026-05\norders,-,－\n") == [
        "a.csv:2: orders 2026-04: '-' is not a number; write 0 if there was none, or leave the "
        "cell empty if it is not known",
        "a.csv:2: orders 2026-05: '-' is not a number; write 0 if there was none, or leave the "
        "cell empty if it is not known"]


def test_nan_and_infinity_are_not_numbers(tmp_path: Path) -> None:
    assert problems(tmp_path, "id,month,value\norders,2026-04,nan\norders,2026-05,inf\n") == [
        "a.csv:2: orders 2026-04: 'nan' is not a number; write the number alone (12000, 12,000 "
        "and 30% are read)",
        "a.csv:3: orders 2026-05: 'inf' is not a number; write the number alone (12000, 12,000 "
        "and 30% are read)"]


def test_the_same_cell_twice_is_refused_even_with_the_same_value(tmp_path: Path) -> None:
    # lines are the file's lines: the blank line and the two-line quoted note count
    text = 'id,month,value,note\norders,2026-04,1,"two\nlines"\n\norders,2026-04,1,\n'
    assert problems(tmp_path, text) == [
        "a.csv:5: orders 2026-04 appears twice (also on line 2); keep one"]
    assert problems(tmp_path, "id,2026-04\norders,1\norders,1\n") == [
        "a.csv:3: orders 2026-04 appears twice (also on line 2); keep one"]


def test_a_long_row_without_a_value_still_needs_a_right_id_and_month(tmp_path: Path) -> None:
    assert problems(tmp_path, "id,month,value\nleads,2026-04,\norders,April,\n,2026-04,1\n"
                              "orders,,1\n") == [
        "a.csv:2: 'leads' is not a KPI id of this plan (did you mean deals?)",
        "a.csv:3: month 'April' is not YYYY-MM; write it like 2026-04",
        "a.csv:4: the id is missing; write the KPI id of the row",
        "a.csv:5: the month is missing; write it as YYYY-MM (e.g. 2026-04)"]


def test_unquoted_thousands_are_caught_where_they_would_shift_the_columns(tmp_path: Path
                                                                          ) -> None:
    assert problems(tmp_path, "id,2026-04,2026-05\ninquiries,12,1,500\n") == [
        "a.csv:2: value '500' has no month in the header above; quote numbers that contain "
        'commas ("1,500"), or add the month to the header']
    assert problems(tmp_path, "id,month,value,note\norders,2026-04,1,000,late\n") == [
        "a.csv:2: more cells than the header has columns ('late'); quote numbers that contain "
        'commas ("1,500"), or give the column a header']
    # trailing empty columns (as Excel writes them) do not count as columns
    assert parse(tmp_path, "id,month,value,,\norders,2026-04,1,000,\n") == {
        ("orders", "2026-04"): 1000}
    assert parse(tmp_path, 'id,2026-04,2026-05,,\ninquiries,12,"1,500",,\n') == {
        ("inquiries", "2026-04"): 12, ("inquiries", "2026-05"): 1500}


def test_wide_header_problems_are_named_once_per_column(tmp_path: Path) -> None:
    text = "id,2026-04,2026/4,2030-01,,2026-05\norders,1,,2,9,3\ndeals,1,,3,,\n"
    assert problems(tmp_path, text) == [
        "a.csv:1: column 3 ('2026/4') is 2026-04 again (column 2); keep one, or correct its "
        "month",
        "a.csv:1: column 2030-01 is outside the plan (2026-04..2027-03) but holds 2 value(s); "
        "remove the column",
        "a.csv:2: value '9' has no month in the header above; quote numbers that contain "
        'commas ("1,500"), or add the month to the header']


def test_files_that_are_not_csv_text(tmp_path: Path) -> None:
    plan = load(SEED)
    for raw, why in ((b"PK\x03\x04rest", "is an Excel workbook, not a CSV file"),
                     (b"\xff\xfei\x00d\x00", "is UTF-16 text, not UTF-8 or Shift_JIS (cp932)"),
                     (b"id\x81 ,month", "is neither UTF-8 nor Shift_JIS (cp932) text")):
        (tmp_path / "a.csv").write_bytes(raw)
        with pytest.raises(WorkbookError) as exc:
            parse_csv(tmp_path / "a.csv", plan, name="a.csv")
        assert str(exc.value) == f'a.csv: {why}; save it from Excel as "CSV UTF-8"'
    with pytest.raises(WorkbookError) as exc:
        parse_csv(tmp_path / "none.csv", plan, name="none.csv")
    assert str(exc.value) == f"{tmp_path / 'none.csv'}: no such file; check the path"
    with pytest.raises(WorkbookError) as exc:
        parse(tmp_path, "\n,,\n")
    assert str(exc.value) == ("a.csv: is empty; expected a header (id,month,value or id and one "
                              "column per month)")


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
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path / 'a.csv'}:2: 'x' is not a KPI id of this plan (the plan's ids are revenue, "
        "unit_price, orders, win_rate, deals, deal_rate, appointments, appointment_rate, ...)",
        f"{tmp_path / 'a.csv'}:2: month '1' is not YYYY-MM; write it like 2026-04"]
    good = csv(tmp_path, "id,month,value\norders,2026-04,1\n")
    assert main(["actuals", "import", str(wb), str(good)]) == 0
    assert "imported 1 actual(s) from a.csv" in capsys.readouterr().out
