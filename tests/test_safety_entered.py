"""One definition of "holds entered data" (kpixl/app/entered.py), with the edits a person makes
in a real spreadsheet: LibreOffice inserts rows (a Basic macro run by headless ``soffice``, so the
defined names move as they do in Excel), types notes and formulas, and every edited file is
LibreOffice-written. ``build`` and ``demo`` refuse such a workbook (pointing to ``kpixl
update``); ``update`` carries what was typed; ``actuals import`` refuses to reset a typed formula.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from conftest import run_kpixl

HERE = Path(__file__).parent
SEED = HERE / "plans" / "good" / "seed.yaml"

MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1"
 script:language="StarBasic">
Sub Edit(path As String, sheet As String, insertAt As String, row As String, col As String, _
         text As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(path), &quot;_blank&quot;, 0, args())
  sh = doc.Sheets.getByIndex(CLng(sheet))
  sh.unprotect(&quot;&quot;)
  If CLng(insertAt) &gt;= 0 Then sh.Rows.insertByIndex(CLng(insertAt), 1)
  If text &lt;&gt; &quot;&quot; Then
    c = sh.getCellByPosition(CLng(col), CLng(row))
    If Left(text, 1) = &quot;=&quot; Then
      c.Formula = text
    ElseIf IsNumeric(text) Then
      c.Value = CDbl(text)
    Else
      c.String = text
    End If
  End If
  Dim out(1) As New com.sun.star.beans.PropertyValue
  out(0).Name = &quot;FilterName&quot;
  out(0).Value = &quot;Calc MS Excel 2007 XML&quot;
  out(1).Name = &quot;Overwrite&quot;
  out(1).Value = True
  doc.storeToURL(ConvertToURL(path), out())
  doc.close(True)
End Sub
</script:module>
"""


@pytest.fixture(scope="session")
def lo_edit(soffice: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Callable[..., None]:
    """``lo_edit(path, sheet_index, insert_at=-1, row=0, col=0, text="")``: LibreOffice opens
    the workbook, inserts a row before 0-based ``insert_at`` (if >= 0), types ``text`` (a
    number, a formula when it starts with ``=``, else text) at 0-based (row, col), and saves
    it as .xlsx in place."""
    profile = tmp_path_factory.mktemp("lo-macro-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--terminate_after_init"], capture_output=True, timeout=120, check=False)
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.parent.is_dir(), "LibreOffice did not create its profile"
    module.write_text(MACRO, encoding="utf-8")

    def edit(path: Path, sheet: int, insert_at: int = -1, row: int = 0, col: int = 0,
             text: str = "") -> None:
        before = path.read_bytes()
        quoted = [str(path), str(sheet), str(insert_at), str(row), str(col), text]
        call = ",".join('"' + a.replace('"', '""') + '"' for a in quoted)
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        f"macro:///Standard.Module1.Edit({call})"], capture_output=True,
                       timeout=120, check=False, env={**os.environ, "LC_ALL": "C.UTF-8"})
        assert path.read_bytes() != before, "the LibreOffice macro did not save the workbook"

    return edit


def kpixl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, timeout=180)


def resave(path: Path, recalc: Callable[..., list[Path]]) -> None:
    """Replace ``path`` by LibreOffice's re-saved copy (a LibreOffice-written file)."""
    (out,) = recalc(path)
    shutil.copyfile(out, path)


def sheet_index(path: Path, name: str) -> int:
    return openpyxl.load_workbook(path).sheetnames.index(name)


@pytest.fixture
def ja(tmp_path: Path) -> Path:
    """A Japanese workbook of the seed plan (as kpixl builds it)."""
    (tmp_path / "seed.yaml").write_bytes(SEED.read_bytes())
    got = kpixl("build", "seed.yaml", "-o", "w.xlsx", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    return tmp_path / "w.xlsx"


def refused_for_update(got: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in got.stderr
    assert got.returncode == 1, got.stderr
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1 and "kpixl update" in lines[0], got.stderr


def test_a_workbook_libreoffice_only_resaved_is_replaced(
        ja: Path, recalc: Callable[..., list[Path]]) -> None:
    resave(ja, recalc)
    got = kpixl("build", "seed.yaml", "-o", "w.xlsx", cwd=ja.parent)
    assert got.returncode == 0, got.stderr  # nothing entered: no false alarm


def test_typed_notes_and_a_user_sheet_named_dashboard_are_entered_data_and_carried(
        ja: Path, recalc: Callable[..., list[Path]]) -> None:
    wb = openpyxl.load_workbook(ja)
    wb["PDCA記録"]["A2"] = "メモ: 四半期ごとに見直す"  # above the PDCA table
    wb["実績管理"]["Z10"] = "要確認"  # beside a Tracking row
    wb["実績管理"]["R10"] = "上書き"  # over a status formula of kpixl's
    wb.create_sheet("Dashboard")["A1"] = "my own dashboard"  # an English kpixl sheet name
    wb.save(ja)
    resave(ja, recalc)
    before = ja.read_bytes()
    refused_for_update(kpixl("build", "seed.yaml", "-o", "w.xlsx", cwd=ja.parent))
    assert ja.read_bytes() == before
    got = kpixl("update", "seed.yaml", "w.xlsx", cwd=ja.parent)
    assert got.returncode == 0, got.stderr
    after = openpyxl.load_workbook(ja)
    assert after["PDCA記録"]["A2"].value == "メモ: 四半期ごとに見直す"
    assert after["実績管理"]["Z10"].value == "要確認"
    assert after["Dashboard"]["A1"].value == "my own dashboard"
    assert str(after["実績管理"]["R10"].value).startswith("=")  # kpixl's formula is back...
    unplaced = [r[:4] for r in after["未配置データ"].iter_rows(values_only=True)]
    assert ("cell", "'実績管理'!R10", "", "上書き") in unplaced  # ...and the text is kept


def test_a_row_inserted_in_tracking_keeps_its_note_and_the_actuals(
        ja: Path, lo_edit: Callable[..., None]) -> None:
    folder = ja.parent
    (folder / "a.csv").write_text("id,month,value\ninquiries,2026-04,321\n", encoding="utf-8")
    assert kpixl("actuals", "import", "w.xlsx", "a.csv", cwd=folder).returncode == 0
    lo_edit(ja, sheet_index(ja, "実績管理"), insert_at=12, row=12, col=1, text="挿入した行のメモ")
    refused_for_update(kpixl("build", "seed.yaml", "-o", "w.xlsx", cwd=folder))
    got = kpixl("update", "seed.yaml", "w.xlsx", cwd=folder)
    assert got.returncode == 0, got.stderr
    assert "挿入した行のメモ" in got.stdout  # said where it went
    after = openpyxl.load_workbook(ja)
    unplaced = [row for row in after["未配置データ"].iter_rows(values_only=True)]
    assert ("cell", "'実績管理'!B13", "", "挿入した行のメモ") in [r[:4] for r in unplaced]
    from kpixl.xlsx.reader import read_workbook

    assert read_workbook(ja).actuals["inquiries"][0] == 321
    refused_for_update(kpixl("build", "seed.yaml", "-o", "w.xlsx", cwd=folder))  # Unplaced data


SPLIT = """kpixl: 1
title: Split plan
period: {start: 2026-04, months: 12}
kgi: revenue
kpis:
  revenue:
    name: Revenue
    target: 1200
    formula: east + west
    split: {east: 0.5, west: 0.5}
  east: {name: East}
  west: {name: West}
"""


def test_a_blank_row_inserted_in_inputs_keeps_a_changed_split_share(
        tmp_path: Path, lo_edit: Callable[..., None]) -> None:
    (tmp_path / "s.yaml").write_text(SPLIT, encoding="utf-8")
    assert kpixl("build", "s.yaml", "-o", "s.xlsx", cwd=tmp_path).returncode == 0
    wb = tmp_path / "s.xlsx"
    inputs = sheet_index(wb, "Inputs")
    lo_edit(wb, inputs, insert_at=12)  # a blank row above the split shares
    lo_edit(wb, inputs, row=16, col=2, text="0.7")  # East's share, one row lower now
    lo_edit(wb, inputs, row=17, col=2, text="0.3")
    got = kpixl("update", "s.yaml", "s.xlsx", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    # named as the Inputs sheet names it, the shares as percentages (English plan)
    assert "Revenue: share of East = 70.0% (built as 50.0%)" in got.stdout
    assert "split:" not in got.stdout
    assert kpixl("pull", "s.xlsx", "-o", "p.yaml", cwd=tmp_path).returncode == 0
    from kpixl.model.loader import load

    plan = load(tmp_path / "p.yaml")
    assert dict(plan.nodes["revenue"].split or {}) == {"east": 0.7, "west": 0.3}


def test_actuals_import_refuses_to_reset_a_formula_typed_in_an_input_cell(
        ja: Path, lo_edit: Callable[..., None]) -> None:
    folder = ja.parent
    lo_edit(ja, sheet_index(ja, "前提条件"), row=13, col=4, text="=0.2*2")  # in_win_rate (E14)
    before = ja.read_bytes()
    (folder / "a.csv").write_text("id,month,value\ninquiries,2026-04,5\n", encoding="utf-8")
    got = kpixl("actuals", "import", "w.xlsx", "a.csv", cwd=folder)
    assert got.returncode == 1 and "'前提条件'!E14" in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1
    assert ja.read_bytes() == before


def test_target_history_is_entered_data(ja: Path, recalc: Callable[..., list[Path]]) -> None:
    wb = openpyxl.load_workbook(ja)
    ws = wb.create_sheet("目標履歴")
    ws.append(["date", "target"])
    ws.append(["2026-04-01", 120_000_000])
    wb.save(ja)
    resave(ja, recalc)
    refused_for_update(kpixl("build", "seed.yaml", "-o", "w.xlsx", cwd=ja.parent))


def test_demo_does_not_replace_a_demo_workbook_holding_actuals(tmp_path: Path) -> None:
    assert kpixl("demo", "-o", "d", "--lang", "en", cwd=tmp_path).returncode == 0
    assert kpixl("demo", "-o", "d", "--lang", "en", cwd=tmp_path).returncode == 0  # untouched
    (tmp_path / "a.csv").write_text("id,month,value\ninquiries,2027-01,50\n", encoding="utf-8")
    demo = tmp_path / "d" / "kpixl-demo.xlsx"
    assert kpixl("actuals", "import", demo, "a.csv", cwd=tmp_path).returncode == 0
    before = demo.read_bytes()
    got = kpixl("demo", "-o", "d", "--lang", "en", cwd=tmp_path)
    assert got.returncode == 1 and "holds data a user entered (actuals of Inquiries)" in got.stderr
    assert demo.read_bytes() == before
    assert kpixl("demo", "-o", "d", "--lang", "en", "--force", cwd=tmp_path).returncode == 0
