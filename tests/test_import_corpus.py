"""``kpixl actuals import`` end to end on the files teams really have (tests/data/exports).

Each export file of the corpus (written byte for byte as Excel, a CRM, a BI tool and openpyxl
write them: tests/data/exports/make_exports.py) goes through the installed command into a
freshly built workbook, and every actual cell is read back: the expected grids below are the
file's own figures, typed here from the file's content (``1,200`` -> 1200, ``40%`` -> 0.4, a
``-`` or an empty cell -> nothing, a 合計/Total/Q1/上期計 row or column -> nothing). Every bad file
is refused with its cell, the fix and the plan's language, and the workbook stays byte for byte
as it was, with no backup written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_kpixl
from test_reader import SEED, build, fill

from kpixl.xlsx.reader import read_workbook

EXPORTS = Path(__file__).parent / "data" / "exports"
BAD = EXPORTS / "bad"
M = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"]


def grid(**rows: list[float | None]) -> dict[tuple[str, str], float]:
    """node=[April, May, ...] -> the cells that hold a value (None: no value)."""
    return {(node, M[k]): v for node, vals in rows.items() for k, v in enumerate(vals)
            if v is not None}


@pytest.fixture(scope="module")
def seed_book(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build(SEED, tmp_path_factory.mktemp("seed") / "seed.xlsx").read_bytes()


@pytest.fixture
def wb(seed_book: bytes, tmp_path: Path) -> Path:
    p = tmp_path / "plan.xlsx"
    p.write_bytes(seed_book)
    return p


GOOD = {
    "excel_sjis_wide.csv": ((), grid(inquiries=[1200, 1350, 1100], appointments=[360, 402, 330],
                                     deals=[180, 199, 165], orders=[72, 80, 66])),
    "excel_utf8_long.csv": ((), grid(inquiries=[1251, 1302], win_rate=[0.4, 0.375],
                                     revenue=[98_000_000, 102_500_000])),
    "crm_report.csv": ((), grid(inquiries=[1180, 1240, 1305], appointments=[350, 371, 392],
                                deals=[176, 185, 196], orders=[70, 74, 79])),
    "months_as_rows.csv": ((), {**grid(inquiries=[1000, 1010, 1020, 1030, 1040, 1050],
                                       appointments=[300, 301, 302, 303, 304, 305],
                                       deals=[150, 151, 152, 153, 154, 155],
                                       orders=[60, 61, 62, 63, 64, 65]),
                                ("inquiries", "2027-01"): 1234, ("orders", "2027-01"): 55}),
    "bi_tab.tsv": ((), grid(inquiries=[12000, 11500, 12250], win_rate=[0.41, 0.385],
                            deals=[510, 488, 530])),
    "excel_export.xlsx": ((), grid(inquiries=[1210, 1288, 1190], appointments=[363, 386, 357],
                                   win_rate=[0.4, 0.42, 0.38],
                                   revenue=[96_000_000, 104_000_000, 88_000_000])),
    "excel_export.xlsx --sheet 月次": (("--sheet", "月次"),
                                      grid(deals=[181, 182, 183], orders=[73, 74, 75])),
}


@pytest.mark.parametrize("case", sorted(GOOD))
def test_each_export_imports_to_exactly_its_cells(case: str, wb: Path) -> None:
    extra, want = GOOD[case]
    before = wb.read_bytes()
    r = run_kpixl("actuals", "import", wb, EXPORTS / case.split()[0], *extra)
    assert r.returncode == 0, r.stderr
    assert read_workbook(wb).entered() == want
    backups = list(wb.parent.glob("plan.*.bak.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert f"{len(want)} 件" in r.stdout  # the plan is Japanese: so is the summary


def test_the_skipped_rows_and_columns_are_reported(wb: Path) -> None:
    r = run_kpixl("actuals", "import", wb, EXPORTS / "excel_sjis_wide.csv")
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert "E 列（第1四半期）を飛ばしました" in out
    assert "G 列（合計）を飛ばしました" in out
    assert any(line.startswith("6 行目（合計）") for line in out)
    r = run_kpixl("actuals", "import", wb, EXPORTS / "crm_report.csv", "--overwrite")
    assert any(line.startswith("見出しより上の 1-4 行目") for line in r.stdout.splitlines())


def test_dry_run_prints_the_grid_and_writes_nothing(wb: Path) -> None:
    before = wb.read_bytes()
    r = run_kpixl("actuals", "import", wb, EXPORTS / "excel_sjis_wide.csv", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert wb.read_bytes() == before and not list(wb.parent.glob("*.bak.xlsx"))
    lines = r.stdout.splitlines()
    assert "何も書き込んでいません" in lines[0]
    rows = {ln.split()[0]: ln.split()[1:] for ln in lines[2:7]}
    # KPIs by name in plan order, months as columns, the file's figures with their grouping
    assert list(rows) == ["指標", "受注件数", "商談数", "アポイント数", "問い合わせ件数"]
    assert rows["指標"] == ["2026-04", "2026-05", "2026-06"]
    assert rows["問い合わせ件数"] == ["1,200", "1,350", "1,100"]
    assert rows["受注件数"] == ["72", "80", "66"]


def test_a_conflict_is_refused_then_replaced_with_overwrite(wb: Path) -> None:
    fill(wb, actuals={("orders", 0): 70})
    before = wb.read_bytes()
    r = run_kpixl("actuals", "import", wb, EXPORTS / "excel_sjis_wide.csv")
    assert r.returncode == 1
    assert r.stderr.splitlines()[1:] == ["  受注件数 2026-04: ブックは 70、ファイルは 72"]
    assert "--overwrite" in r.stderr.splitlines()[0]
    assert wb.read_bytes() == before
    dry = run_kpixl("actuals", "import", wb, EXPORTS / "excel_sjis_wide.csv", "--dry-run")
    assert dry.returncode == 0 and "  受注件数 2026-04: ブックは 70、ファイルは 72" in dry.stdout
    assert wb.read_bytes() == before
    r = run_kpixl("actuals", "import", wb, EXPORTS / "excel_sjis_wide.csv", "--overwrite")
    assert r.returncode == 0, r.stderr
    assert read_workbook(wb).entered()[("orders", "2026-04")] == 72


# -- refusals: the cell, the fix, the plan's language; nothing written --------------------------
REFUSED = {
    "rate_as_percent_number.csv": ["rate_as_percent_number.csv:2: C2 (2026/5/1): 受注率（%）に"
                                   "「45」とあります。45% のことですか？ 0.45 か 45% と書いて"
                                   "ください"],
    "decimal_comma.csv": ["decimal_comma.csv:2: C2 (実績): 「1,5」のカンマは 3 桁区切りになって"
                          "いません。小数点なら 1.5、そうでなければ 15 と書いてください"],
    "european_semicolon.csv": [
        "european_semicolon.csv:2: B2 (2026-04): 「1.234,56」は「.」で 3 桁を区切り「,」を小数点"
        "にしています。1234.56 と書いてください",
        "european_semicolon.csv:2: C2 (2026-05): 「1.100,00」は「.」で 3 桁を区切り「,」を小数点"
        "にしています。1100.00 と書いてください"],
    "superscript.csv": ["superscript.csv:2: B2 (2026/4/1): 「10²」に数字や記号に似た別の文字"
                        "「²」（superscript two）があります。普通の数字で入力し直してください"],
    "huge.csv": ["huge.csv:2: C2 (value): 「1e309」は扱える大きさの有限の数値ではありません。"
                 "実際の数値を書いてください"],
    "negative.csv": ["negative.csv:2: B2 (2026/4/1): 「△5」は負の値ですが、受注件数 は負になり"
                     "ません。符号を確かめるか、プランの orders に signed: true を指定して"
                     "ください"],
    "wrong_unit.csv": ["wrong_unit.csv:2: B2 (2026/4/1): 「￥1,000」の単位は ¥ ですが、受注件数 の"
                       "単位は 件 です。行と列を確かめるか、数値だけを書いてください"],
    "outside_plan.csv": ["outside_plan.csv:1: B1 (2026/3/1): 2026-03 は計画期間（2026-04..2027-03）"
                         "の外です。削除するか、その年度のブックに取り込んでください"],
    "unknown_name.csv": ["unknown_name.csv:2: A2 (KPI名): 「有効リード数」はこのプランの KPI では"
                         "ありません。次の名前か ID で書いてください: 売上高 (revenue), 顧客単価 "
                         "(unit_price), 受注件数 (orders), 受注率 (win_rate), 商談数 (deals), "
                         "商談化率 (deal_rate), アポイント数 (appointments), アポ率 "
                         "(appointment_rate), 問い合わせ件数 (inquiries)"],
    "old_excel.xls": ["old_excel.xls: 古い Excel 形式（.xls）のブックです。Excel で .xlsx か"
                      "「CSV UTF-8」として保存し直してください"],
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_bad_file_is_refused_with_its_cell_and_fix_and_nothing_written(
        name: str, wb: Path, tmp_path: Path) -> None:
    shutil.copy(BAD / name, tmp_path / name)
    before = wb.read_bytes()
    r = run_kpixl("actuals", "import", wb, name, cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.splitlines() == REFUSED[name]
    assert "Traceback" not in r.stderr
    assert wb.read_bytes() == before and not list(tmp_path.glob("*.bak.xlsx"))
    dry = run_kpixl("actuals", "import", wb, name, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 1 and dry.stderr.splitlines() == REFUSED[name]


def test_a_missing_sheet_names_the_sheets(wb: Path) -> None:
    r = run_kpixl("actuals", "import", wb, EXPORTS / "excel_export.xlsx", "--sheet", "売上")
    assert r.returncode == 1
    assert r.stderr.strip().endswith("シート '売上' がありません。シートは 実績, 月次 です")
