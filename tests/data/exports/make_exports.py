"""Writes the export corpus in this folder, byte for byte as the tools that make such files write
them (run once; the files are committed, the tests read the files, never this script).

- ``excel_sjis_wide.csv``: Excel's "CSV (コンマ区切り)" (Shift_JIS/cp932, CR LF, a field quoted
  only when it holds a comma), a sheet with Japanese KPI names in column A, months as real dates
  shown ``2026/4/1``, a 第1四半期 column, a 合計 column and a 合計 row, ``-`` for none.
- ``excel_utf8_long.csv``: Excel's "CSV UTF-8" (a BOM, CR LF), long, headed ``KPI,月,実績``,
  months ``2026年4月``, counts shown with a ``#,##0"件"`` format (``1,251件``), rates ``40%``.
- ``crm_report.csv``: a CRM report export (UTF-8, every field quoted, LF): report title, filter
  and run-time rows above the header, months ``Apr 2026``, a ``Total`` column, a ``Grand Total``
  row and a confidentiality footer; KPIs by their English names (the plan is Japanese and was
  built from the sales_funnel template).
- ``months_as_rows.csv``: Excel "CSV UTF-8" of a sheet with months as rows (``4月`` .. ``3月`` of
  the April fiscal year), KPIs by id across the top, a 上期 subtotal row, ``△`` never used.
- ``bi_tab.tsv``: a BI tool's tab-separated UTF-8 export (LF), ids, months ``2026-04``,
  unquoted ``12,000`` (tabs separate), a ``Q1`` column.
- ``excel_export.xlsx``: an .xlsx written with openpyxl: a title in A1, the header on row 3 with
  real date cells (number format ``yyyy"年"m"月"``), KPI names in column B (column A a row
  number), a 合計 column, the rate as 0.4 with a percent format; a second sheet ``月次`` with
  months as rows given as Excel serial numbers.
- ``bad/*.csv``: one refusal each (see tests/test_import_corpus.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).parent


def excel_csv(rows: list[list[str]]) -> str:
    """Excel's CSV: a field is quoted only when it holds a comma, a quote or a line break."""
    def f(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n') else c
    return "".join(",".join(f(c) for c in r) + "\r\n" for r in rows)


def main() -> None:
    (HERE / "excel_sjis_wide.csv").write_bytes(excel_csv([
        ["KPI名", "2026/4/1", "2026/5/1", "2026/6/1", "第1四半期", "2026/7/1", "合計"],
        ["問い合わせ件数", "1,200", "1,350", "1,100", "3,650", "-", "3,650"],
        ["アポイント数", "360", "402", "330", "1,092", "", "1,092"],
        ["商談数", "180", "199", "165", "544", "", "544"],
        ["受注件数", "72", "80", "66", "218", "", "218"],
        ["合計", "1,812", "2,031", "1,661", "5,504", "", "5,504"],
    ]).encode("cp932"))
    (HERE / "excel_utf8_long.csv").write_bytes(b"\xef\xbb\xbf" + excel_csv([
        ["KPI", "月", "実績"],
        ["問い合わせ件数", "2026年4月", "1,251件"],
        ["問い合わせ件数", "2026年5月", "1,302件"],
        ["受注率", "2026年4月", "40%"],
        ["受注率", "2026年5月", "37.5%"],
        ["売上高", "2026年4月", "¥98,000,000"],
        ["売上高", "2026年5月", "￥102,500,000"],
        ["受注件数", "2026年5月", "-"],
    ]).encode("utf-8"))
    crm = [["営業実績レポート（月次）"], ["フィルタ: 全社 / 期間: 2026/04/01〜2026/06/30"],
           ["実行日時: 2026/07/02 9:15"], [],
           ["Metric", "Apr 2026", "May 2026", "Jun 2026", "Total"],
           ["Inquiries", "1,180", "1,240", "1,305", "3,725"],
           ["Appointments", "350", "371", "392", "1,113"],
           ["Deals", "176", "185", "196", "557"],
           ["Orders", "70", "74", "79", "223"],
           ["Grand Total", "1,776", "1,870", "1,972", "5,618"], [],
           ["Confidential - internal use only"]]
    (HERE / "crm_report.csv").write_bytes("".join(
        ",".join('"' + c + '"' for c in r) + "\n" for r in crm).encode("utf-8"))
    months = ["4月", "5月", "6月", "7月", "8月", "9月"]
    rows = [["年月", "inquiries", "appointments", "deals", "orders"]]
    for k, m in enumerate(months):
        rows.append([m, f"{1000 + 10 * k:,}", str(300 + k), str(150 + k), str(60 + k)])
        if m == "9月":
            rows.append(["上期計", "6,150", "1,815", "915", "375"])
    rows.append(["1月", "1,234", "", "", "55"])
    (HERE / "months_as_rows.csv").write_bytes(b"\xef\xbb\xbf" + excel_csv(rows).encode())
    tsv = [["id", "name", "2026-04", "2026-05", "2026-06", "Q1"],
           ["inquiries", "問い合わせ件数", "12,000", "11,500", "12,250", "35,750"],
           ["win_rate", "受注率", "0.41", "0.385", "", ""],
           ["deals", "商談数", "510", "488", "530", "1,528"]]
    (HERE / "bi_tab.tsv").write_bytes("".join("\t".join(r) + "\n" for r in tsv).encode())
    xlsx()
    bad()


def xlsx() -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "実績"
    ws["A1"] = "2026年度 営業実績（出力: 基幹システム）"
    ws.append([])
    head = ["No.", "指標", *[dt.datetime(2026, m, 1) for m in (4, 5, 6)], "合計"]
    ws.append(head)
    for c in range(3, 6):
        ws.cell(row=3, column=c).number_format = 'yyyy"年"m"月"'
    data = [(1, "問い合わせ件数", 1210, 1288, 1190), (2, "アポイント数", 363, 386, 357),
            (3, "受注率", 0.4, 0.42, 0.38), (4, "売上高", 96_000_000, 104_000_000, 88_000_000)]
    for no, name, *vals in data:
        ws.append([no, name, *vals, sum(vals) if name != "受注率" else None])
    for c in range(3, 6):
        ws.cell(row=6, column=c).number_format = "0%"
    ws2 = wb.create_sheet("月次")
    ws2.append(["月", "商談数", "受注件数"])
    for k, serial in enumerate((46113, 46143, 46174)):  # 2026-04-01, 05-01, 06-01
        ws2.append([serial, 181 + k, 73 + k])
    wb.save(HERE / "excel_export.xlsx")


def bad() -> None:
    b = HERE / "bad"
    (b / "rate_as_percent_number.csv").write_bytes(excel_csv([
        ["KPI名", "2026/4/1", "2026/5/1"], ["受注率", "0.4", "45"]]).encode("cp932"))
    (b / "decimal_comma.csv").write_bytes(excel_csv([
        ["KPI", "月", "実績"], ["受注件数", "2026年4月", "1,5"]]).encode("cp932"))
    (b / "european_semicolon.csv").write_bytes(
        b"KPI;2026-04;2026-05\r\nunit_price;1.234,56;1.100,00\r\n")
    (b / "superscript.csv").write_bytes(b"\xef\xbb\xbf" + excel_csv([
        ["KPI", "2026/4/1"], ["商談数", "10²"]]).encode())
    (b / "huge.csv").write_bytes(excel_csv([["id", "month", "value"],
                                            ["deals", "2026-04", "1e309"]]).encode())
    (b / "unknown_name.csv").write_bytes(excel_csv([
        ["KPI名", "2026/4/1", "2026/5/1", "合計"], ["有効リード数", "251件", "260件", "511件"],
        ["受注件数", "12", "13", "25"]]).encode("cp932"))
    (b / "negative.csv").write_bytes(excel_csv([
        ["KPI名", "2026/4/1", "2026/5/1"], ["受注件数", "△5", "3"]]).encode("cp932"))
    (b / "wrong_unit.csv").write_bytes(excel_csv([
        ["KPI名", "2026/4/1"], ["受注件数", "￥1,000"]]).encode("cp932"))
    (b / "outside_plan.csv").write_bytes(excel_csv([
        ["KPI名", "2026/3/1", "2026/4/1"], ["受注件数", "9", "10"]]).encode("cp932"))
    (b / "old_excel.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))


if __name__ == "__main__":
    main()
