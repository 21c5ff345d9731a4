"""``kpixl actuals import`` as a library call: what it places, keeps, backs up and refuses.

The file formats themselves are tested in test_import_cells.py (cells and layouts) and
test_import_corpus.py (real export files through the CLI).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_kpixl
from test_reader import SEED, build, fill

from kpixl.app.actuals import import_actuals
from kpixl.errors import WorkbookError
from kpixl.xlsx.reader import read_workbook


def csv(tmp: Path, text: str, encoding: str = "utf-8") -> Path:
    p = tmp / "a.csv"
    p.write_bytes(text.encode(encoding))
    return p


def test_long_csv_is_imported_and_the_old_file_is_backed_up(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    before = wb.read_bytes()
    got = import_actuals(wb, csv(tmp_path, "id,month,value\norders,2026-04,2\ndeals,2026-05,7\n"))
    assert read_workbook(wb).entered() == {("orders", "2026-04"): 2, ("deals", "2026-05"): 7}
    assert got.backup is not None and got.backup.read_bytes() == before
    assert got.backup.name.startswith("w.") and got.backup.name.endswith(".bak.xlsx")
    assert got.lines()[:2] == [f"{tmp_path / 'a.csv'} から {wb} に実績を 2 件取り込みました",
                               f"バックアップ: {got.backup}"]


def test_entered_cells_are_not_overwritten_without_overwrite(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1, ("orders", 1): 2})
    before = wb.read_bytes()
    data = csv(tmp_path, "id,month,value\norders,2026-04,5\norders,2026-05,2\n")
    with pytest.raises(WorkbookError) as exc:
        import_actuals(wb, data)
    assert str(exc.value).splitlines() == [
        f"{wb}: 1 個のセルに別の実績がすでにあります。置き換えるには --overwrite を付けてください:",
        "  受注件数 2026-04: ブックは 1、ファイルは 5"]
    assert wb.read_bytes() == before and not list(tmp_path.glob("*.bak.xlsx"))
    got = import_actuals(wb, data, overwrite=True)
    assert read_workbook(wb).entered() == {("orders", "2026-04"): 5, ("orders", "2026-05"): 2}
    assert "ブックにあった実績 1 件を置き換えました（--overwrite）" in got.lines()


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    before = wb.read_bytes()
    got = import_actuals(wb, csv(tmp_path, "KPI,4月,5月\n受注件数,3,\n商談数,\"1,200\",9\n"),
                         dry_run=True)
    assert wb.read_bytes() == before and got.backup is None and got.dry_run
    # the grid: KPIs by name in plan order, the months that hold a value, "." for none
    assert [ln.split() for ln in got.lines()[2:5]] == [
        ["指標", "2026-04", "2026-05"], ["受注件数", "3", "."], ["商談数", "1,200", "9"]]


def test_import_keeps_everything_else(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), overrides={("deals", 2): 9},
              inputs={"in_win_rate": 0.35}, pdca=[(None, "2026-04", "orders", "note")])
    import_actuals(wb, csv(tmp_path, "id,month,value\norders,2026-04,5\n"))
    got = read_workbook(wb)
    assert got.entered("override") == {("deals", "2026-06"): 9}
    assert got.changed() == {"in_win_rate": (0.4, 0.35)} and got.pdca.rows[0][3] == "note"


def test_an_open_workbook_is_not_touched(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    (tmp_path / "~$w.xlsx").write_bytes(b"lock")
    before = wb.read_bytes()
    with pytest.raises(WorkbookError, match="lock file"):
        import_actuals(wb, csv(tmp_path, "id,month,value\norders,2026-04,5\n"))
    assert wb.read_bytes() == before


def test_cli_exit_codes_and_one_line_per_problem(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    bad = csv(tmp_path, "id,month,value\nx,2026-04,1\norders,2026-04,12件?\n")
    r = run_kpixl("actuals", "import", wb, bad)
    assert r.returncode == 1
    assert [ln.split(": ", 2)[1] for ln in r.stderr.splitlines()] == ["A2 (id)", "C3 (value)"]
    r = run_kpixl("actuals", "import", wb, csv(tmp_path, "id,month,value\norders,2026-04,1\n"))
    assert r.returncode == 0 and "実績を 1 件取り込みました" in r.stdout
    r = run_kpixl("actuals", "import", wb)
    assert r.returncode == 2


def test_the_backup_never_replaces_an_earlier_one(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    first = import_actuals(wb, csv(tmp_path, "id,month,value\norders,2026-04,1\n"))
    second = import_actuals(wb, csv(tmp_path, "id,month,value\norders,2026-05,1\n"))
    assert first.backup != second.backup and first.backup and second.backup
    assert first.backup.exists() and second.backup.exists()
