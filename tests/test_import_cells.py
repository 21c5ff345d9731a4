"""One cell of an export file (kpixl.xlsx.cells) and the layouts around it (read_actuals).

The expected values are what the text says to a person: ``1,234件`` is 1234, ``△5`` is -5,
``12%`` is 0.12, ``4月`` of an April fiscal year 2026 is 2026-04 and ``1月`` is 2027-01; a
separator that does not group thousands, a superscript or an infinite number is refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_reader import SEED

from kpixl.errors import WorkbookError
from kpixl.model.loader import load
from kpixl.xlsx.cells import Bad, Num, is_total, month_of, parse_number
from kpixl.xlsx.importfile import read_actuals

FY = [f"{y}-{m:02d}" for y, m in [(2026, m) for m in range(4, 13)] + [(2027, m) for m in (1, 2, 3)]]
PLAN = load(SEED)


@pytest.mark.parametrize(("text", "value", "mark"), [
    ("1,234件", 1234, "件"), ("¥1,000", 1000, "¥"), ("￥1,000", 1000, "¥"), ("12%", 0.12, "%"),
    ("1,000円", 1000, "円"), ("△5", -5, ""), ("▲5", -5, ""), ("１２，０００", 12000, ""),
    ("1 000", 1000, ""), ("1,234,567.5", 1234567.5, ""), ("(1,200)", -1200, ""),
    ("$1,200.50", 1200.5, "$"), ("１０％", 0.1, "%"), ("-0.5", -0.5, ""), ("+3", 3, ""),
    ("1.5e3", 1500, ""), ("12 件", 12, "件"), (46113, 46113, ""), (0.45, 0.45, ""),
    ("1,234-", -1234, ""), ("12.3%", 0.123, "%"), ("0.7%", 0.007, "%")])
def test_numbers_as_exports_write_them(text: object, value: float, mark: str) -> None:
    assert parse_number(text) == Num(value=value, mark=mark)


@pytest.mark.parametrize("text", ["", "  ", "-", "－", "―", "ー", None])
def test_dash_or_empty_is_no_data(text: object) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(("text", "key"), [
    ("1,5", "comma-decimal"), ("12,34", "comma-decimal"), ("1.234,56", "european"),
    ("1.234.567", "european"), ("10²", "lookalike"), ("½", "lookalike"), ("①", "lookalike"),
    ("٣", "lookalike"), ("1e309", "infinite"), ("inf", "infinite"), ("nan", "infinite"),
    (float("inf"), "infinite"), ("#DIV/0!", "excel-error"), ("1,23,456", "not-number"),
    ("abc12", "not-number"), ("2026/4/1", "not-number"), (True, "type"),
    (dt.datetime(2026, 4, 1), "type")])
def test_what_is_not_a_number_says_why(text: object, key: str) -> None:
    got = parse_number(text)
    assert isinstance(got, Bad) and got.key == key


@pytest.mark.parametrize(("text", "label"), [
    ("2026-04", "2026-04"), ("2026/4", "2026-04"), ("2026/4/1", "2026-04"),
    ("2026年4月", "2026-04"), ("２０２６年４月", "2026-04"), ("2026年04月度", "2026-04"),
    ("4月", "2026-04"), ("1月", "2027-01"), ("3月", "2027-03"), ("Apr-26", "2026-04"),
    ("Apr 2026", "2026-04"), ("April 2026", "2026-04"), ("Jan-27", "2027-01"),
    ("2026-04-30", "2026-04"), ("2026/04/01 0:00", "2026-04"), ("202604", "2026-04"),
    (46113, "2026-04"), ("46143", "2026-05"), (dt.datetime(2026, 6, 1), "2026-06"),
    (dt.date(2026, 6, 15), "2026-06"), ("4月1日", "2026-04"), ("4/1", "2026-04"),
    ("04/2026", "2026-04"), ("1-Apr", "2026-04"), ("1-Apr-26", "2026-04"),
    ("4/1/2026", "2026-04"), ("1/4/2026", "2026-04"), ("15/4/2026", "2026-04"),
    ("4/15/2026", "2026-04")])
def test_months_in_every_spelling(text: object, label: str) -> None:
    assert month_of(text, FY) == label


def test_a_month_only_header_in_a_longer_plan_is_ambiguous() -> None:
    two_years = FY + [f"2027-{m:02d}" for m in range(4, 13)]
    got = month_of("4月", two_years)
    assert isinstance(got, Bad) and got.key == "ambiguous"
    got = month_of("2026-13", FY)
    assert isinstance(got, Bad) and got.key == "bad"
    got = month_of("4/5/2026", FY)  # 5 April (UK) or 4 May (US): neither part says
    assert isinstance(got, Bad) and got.key == "bad"
    assert month_of("合計", FY) is None and month_of("出力日: 2026/05/01", FY) is None


@pytest.mark.parametrize("text", ["合計", "小計", "Total", "Subtotal", "Grand Total", "第1四半期",
                                  "1Q", "Q1", "上期", "下期", "上期計", "H1", "4-6月", "2026年度",
                                  "合計（全社）", "Subtotal East"])
def test_totals_and_quarters(text: str) -> None:
    assert is_total(text)


@pytest.mark.parametrize("text", ["受注件数", "計画", "会計", "Orders", "2026-04"])
def test_not_totals(text: str) -> None:
    assert not is_total(text)


# -- invariants -----------------------------------------------------------------------------------
FULL = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@given(st.integers(min_value=0, max_value=10**15))
def test_grouped_whole_numbers_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}") == Num(value=n)
    assert parse_number(f"{n:,}".translate(FULL)) == Num(value=n)
    assert parse_number(f"△{n:,}") == Num(value=-n)
    assert parse_number(f"{n:,}件") == Num(value=n, mark="件")


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_grouped_decimals_round_trip(whole: int, cents: int) -> None:
    text = f"{whole:,}.{cents:02d}"
    assert parse_number(text) == Num(value=float(f"{whole}.{cents:02d}"))
    assert parse_number("¥" + text) == Num(value=float(f"{whole}.{cents:02d}"), mark="¥")


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=99))
def test_percentages_are_the_decimal_fraction(whole: int, cents: int) -> None:
    """``12.34%`` is the float nearest 0.1234, as a person typing 0.1234 would get."""
    text = f"{whole}.{cents:02d}"
    assert parse_number(text + "%") == Num(value=float(Decimal(text) / 100), mark="%")


@given(st.integers(min_value=1000, max_value=10**9))
def test_a_comma_that_does_not_group_thousands_is_never_read(n: int) -> None:
    digits = str(n)
    for cut in range(1, len(digits)):
        text = digits[:cut] + "," + digits[cut:]
        if (len(digits) - cut) % 3 == 0 and cut <= 3 and len(digits) - cut == 3:
            continue  # 1,234: a real thousands separator
        got = parse_number(text)
        assert isinstance(got, Bad), text


# -- layouts around the cells ---------------------------------------------------------------------
def read(tmp_path: Path, text: str, encoding: str = "utf-8") -> dict[tuple[str, str], float]:
    p = tmp_path / "a.csv"
    p.write_bytes(text.encode(encoding))
    return dict(read_actuals(p, PLAN, name="a.csv").values)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(WorkbookError) as exc:
        read(tmp_path, text)
    return str(exc.value).splitlines()


def test_a_unit_column_and_a_note_column_are_left_alone(tmp_path: Path) -> None:
    text = ("No.,KPI,単位,2026年4月,2026年5月,備考\n1,受注件数,件,12,14,3件は翌月計上\n"
            "2,商談数,件,40,41,\n")
    assert read(tmp_path, text) == {("orders", "2026-04"): 12, ("orders", "2026-05"): 14,
                                    ("deals", "2026-04"): 40, ("deals", "2026-05"): 41}


def test_a_report_period_line_above_the_table_is_not_the_header(tmp_path: Path) -> None:
    text = ("営業実績\n期間:,2026/04/01,〜,2026/06/30\n\n指標,2026年4月,2026年5月,合計\n"
            "受注件数,1,2,3\n")
    assert read(tmp_path, text) == {("orders", "2026-04"): 1, ("orders", "2026-05"): 2}


def test_a_single_month_export(tmp_path: Path) -> None:
    assert read(tmp_path, "KPI名,2026/6/1\n受注件数,9\n") == {("orders", "2026-06"): 9}
    assert read(tmp_path, ",2026/6/1\n受注件数,9\n") == {("orders", "2026-06"): 9}


def test_semicolons_and_a_lone_value_column(tmp_path: Path) -> None:
    assert read(tmp_path, "KPI;2026-04;2026-05\r\norders;1.234;\"2\"\r\n") == {
        ("orders", "2026-04"): 1.234, ("orders", "2026-05"): 2}


def test_a_scaled_unit_in_the_name_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, "KPI,2026-04\n売上高（千円）,98000\n") == [
        "a.csv:2: A2 (KPI): 「売上高（千円）」は 売上高 を 千円 単位で示していますが、プランの"
        "単位は 円 です。数値を 円 に直し、名前を 売上高 にしてください"]


def test_a_file_without_a_header(tmp_path: Path) -> None:
    assert problems(tmp_path, "orders,2026-04,12\n") == [
        "a.csv:1: KPI と月が並んでいますが、その上に見出しの行がありません。先頭に「KPI,月,実績」"
        "の行を足してください"]


def test_the_same_cell_twice_and_a_value_without_a_month(tmp_path: Path) -> None:
    assert problems(tmp_path, "id,2026-04,2026/4\norders,1,2\n") == [
        "a.csv:1: C1 (2026/4): 2026-04 がもう一度あります（B1 にも）。1 つにしてください"]
    assert problems(tmp_path, "KPI,month,value\norders,2026-04,1\n受注件数,2026/4,2\n") == [
        "a.csv:3: C3 (value): 受注件数 の 2026-04 が 2 回あります（C2 にも）。1 つにしてください"]
    assert problems(tmp_path, "id,2026-04,2026-05\ninquiries,12,1,500\n") == [
        "a.csv:1: D1: D 列に値がありますが、1 行目に月がありません。月を書くか、カンマを含む数値は"
        ' "1,500" のように引用符で囲んでください']


def test_a_multi_line_note_counts_as_one_row(tmp_path: Path) -> None:
    text = 'KPI,month,value,note\norders,2026-04,1,"two\nlines"\n\norders,2026-05,x,\n'
    assert problems(tmp_path, text) == [
        "a.csv:4: C4 (value): 「x」は数値として読めません。12000、12,000、1,234件、¥1,000、30% "
        "のように数値を書いてください"]


def test_files_that_are_not_export_files(tmp_path: Path) -> None:
    for raw, why in ((b"\xff\xfei\x00d\x00", "UTF-16 のテキストです"),
                     (b"id\x81 ,month", "UTF-8 でも Shift_JIS（cp932）でもないテキストです"),
                     (b"PK\x03\x04rest", ".xlsx のブックとして読めません"),
                     (b"\n,,\n", "空です")):
        (tmp_path / "a.csv").write_bytes(raw)
        with pytest.raises(WorkbookError) as exc:
            read_actuals(tmp_path / "a.csv", PLAN, name="a.csv")
        assert str(exc.value).startswith(f"a.csv: {why}")
    with pytest.raises(WorkbookError) as exc:
        read_actuals(tmp_path / "none.csv", PLAN, name="none.csv")
    assert str(exc.value) == "none.csv: ファイルがありません。パスを確かめてください"


CELLS = ["", "-", "KPI", "id", "month", "value", "月", "実績", "受注件数", "orders", "商談数",
         "合計", "Q1", "2026/4/1", "2026-05", "4月", "Apr-26", "1,234", "1,5", "12%", "△5",
         "10²", "1e309", "abc", "46113", "2030-01", "¥1,000", "45", "0.4", "受注率", "win_rate",
         "1,234-", "上期", "4/5/2026", "2026年13月", "１２", "#N/A", "受注件数（千円）",
         'a "quoted" b', "x\ny"]


@given(st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=6), min_size=1,
                max_size=8), st.sampled_from([",", "\t", ";"]))
def test_any_file_is_read_or_refused_line_by_line(rows: list[list[str]], sep: str) -> None:
    """Whatever a file holds, the reader places values in the plan's cells or refuses with one
    line per problem naming the file (never another exception)."""
    import csv
    import io
    import tempfile

    buf = io.StringIO()
    csv.writer(buf, delimiter=sep).writerows(rows)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "a.csv"
        p.write_text(buf.getvalue(), encoding="utf-8")
        try:
            got = read_actuals(p, PLAN, name="a.csv")
        except WorkbookError as exc:
            assert all(line.startswith("a.csv") for line in str(exc).splitlines())
            return
    assert got.values and all(n in PLAN.nodes and m in FY for n, m in got.values)


def test_sheet_is_for_xlsx_files(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,2026-04\norders,1\n", encoding="utf-8")
    with pytest.raises(WorkbookError) as exc:
        read_actuals(tmp_path / "a.csv", PLAN, name="a.csv", sheet="x")
    assert str(exc.value) == ("a.csv: --sheet は .xlsx 用です。CSV ファイルには --sheet を付けない"
                              "でください")


def test_xlsx_cells_that_are_not_numbers_are_named_as_excel_shows_them(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["KPI", dt.datetime(2026, 4, 1), dt.datetime(2026, 5, 1)])
    wb.active.append(["受注件数", True, dt.datetime(2026, 5, 3)])
    wb.save(tmp_path / "k.xlsx")
    with pytest.raises(WorkbookError) as exc:
        read_actuals(tmp_path / "k.xlsx", PLAN, name="k.xlsx")
    assert str(exc.value).splitlines() == [
        "k.xlsx:2: B2 (2026-04-01): 「TRUE」は TRUE/FALSE（論理値） のセルで、数値ではありません。"
        "数値を書いてください",
        "k.xlsx:2: C2 (2026-05-01): 「2026-05-03」は 日付 のセルで、数値ではありません。数値を"
        "書いてください"]
