"""``kpixl update``: rebuild from a changed plan and lose nothing a user entered."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path
from typing import Any

import lo
import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_reader import SEED, build, fill

from kpixl.app.entered import entered
from kpixl.app.report import report_data
from kpixl.app.update import update
from kpixl.app.update_text import input_name
from kpixl.errors import PlanError, WorkbookError
from kpixl.model.loader import load
from kpixl.model.plan_dict import plan_to_dict
from kpixl.xlsx.reader import read_workbook

NOW = dt.datetime(2026, 7, 1, 9, 30)


def write_plan(path: Path, d: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def seed_dict() -> dict[str, Any]:
    return plan_to_dict(load(SEED))


# -- plan changes (each a function of the plan mapping) -------------------------------------------
def rename_inquiries(d: dict[str, Any]) -> None:
    k = d["kpis"]
    k["leads"] = k.pop("inquiries")
    k["appointments"]["formula"] = "leads * appointment_rate"
    d["funnels"]["sales"] = ["leads" if s == "inquiries" else s for s in d["funnels"]["sales"]]
    d["kfs"][0]["kpis"] = ["leads"]


def remove_appointments(d: dict[str, Any]) -> None:
    k = d["kpis"]
    top = d["funnels"]["sales"][0]  # inquiries, or leads after rename_inquiries
    del k["appointments"], k["appointment_rate"]
    k["deals"]["formula"] = f"{top} * deal_rate"
    d["funnels"]["sales"] = [top, "deals", "orders"]


def lower_win_rate(d: dict[str, Any]) -> None:
    d["kpis"]["win_rate"]["value"] = 0.3


def lengthen(d: dict[str, Any]) -> None:
    d["period"]["months"] = 18
    d["seasonality"] = [1] * 18


def shorten(d: dict[str, Any]) -> None:
    d["period"]["months"] = 6
    d["seasonality"] = [1] * 6


def add_node(d: dict[str, Any]) -> None:
    d["kpis"]["nps"] = {"name": "NPS", "value": 30, "signed": True}


def later_start(d: dict[str, Any]) -> None:
    d["period"]["start"] = "2026-07"


def drop_kfs(d: dict[str, Any]) -> None:
    d.pop("kfs", None)


CHANGES = [rename_inquiries, remove_appointments, lower_win_rate, lengthen, shorten, add_node,
           later_start, drop_kfs]


def changed_plan(tmp: Path, changes: list[Any]) -> Path:
    d = seed_dict()
    for change in CHANGES:  # a fixed order: lengthen and shorten never both win at random
        if change in changes:
            change(d)
    return write_plan(tmp / "new.yaml", d)


def unplaced_rows(path: Path) -> list[tuple[Any, ...]]:
    data = read_workbook(path)
    return [] if data.unplaced is None else [tuple(r) for r in data.unplaced.rows]


# -- behaviour ------------------------------------------------------------------------------------
def test_an_unchanged_plan_carries_everything(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1, ("deals", 3): 0},
              overrides={("deals", 5): 4}, inputs={"in_asof": 4},
              pdca=[(dt.datetime(2026, 5, 1), "2026-04", "orders", "slow", "few deals", "call")],
              kfs={"ma_tool": "完了"})
    exp = read_workbook(wb)
    res = update(SEED, wb)
    got = read_workbook(wb)
    assert (got.entered(), got.entered("override")) == (exp.entered(), exp.entered("override"))
    assert got.pdca.rows == exp.pdca.rows and got.kfs_status == {"ma_tool": "完了"}
    assert got.asof == 4 and res.unplaced == [] and got.unplaced is None


def test_a_changed_input_is_kept_unless_the_plan_changes_it(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"),
              inputs={"in_win_rate": 0.35, "in_deal_rate": 0.6})
    d = seed_dict()
    d["kpis"]["deal_rate"]["value"] = 0.45  # the plan moves deal_rate: the plan wins
    res = update(write_plan(tmp_path / "p.yaml", d), wb)
    got = read_workbook(wb)
    assert got.current["in_win_rate"] == 0.35 and got.current["in_deal_rate"] == 0.45
    # named by the KPI (受注率, 商談化率), each value in its unit (%), in the plan's language
    assert res.kept == ["受注率 = 35.0%（作成時 40.0%）"]
    assert res.plan_won == ["商談化率: プランが 50.0% から 45.0% に変えたため、ブックの 60.0% を"
                            "置き換えました"]
    assert not any("in_" in line for line in res.lines())


def test_a_kept_input_stays_the_users_change_at_the_next_update(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), inputs={"in_win_rate": 0.35})
    update(SEED, wb)
    assert read_workbook(wb).changed() == {"in_win_rate": (0.4, 0.35)}
    res = update(SEED, wb)
    assert read_workbook(wb).current["in_win_rate"] == 0.35 and res.plan_won == []


def test_data_without_a_place_goes_to_unplaced_and_comes_back(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("inquiries", 0): 70, ("orders", 8): 2})
    new = changed_plan(tmp_path, [rename_inquiries, shorten])
    res = update(new, wb)
    assert sorted(unplaced_rows(wb)) == [
        ("actual", "inquiries", "2026-04", 70, "プランにこの KPI がありません"),
        ("actual", "orders", "2026-12", 2, "計画期間外の月です")]
    assert len(res.unplaced) == 2
    update(SEED, wb)  # the old plan again: both find their cells
    assert read_workbook(wb).entered() == {("inquiries", "2026-04"): 70,
                                           ("orders", "2026-12"): 2}
    assert unplaced_rows(wb) == []


def test_an_unplaced_value_meeting_a_newer_entry_stays_unplaced(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("inquiries", 0): 80})
    book = openpyxl.load_workbook(wb)
    sheet = book.create_sheet("Unplaced data")
    sheet.append(["kind", "id", "month", "value", "note"])
    sheet.append(["actual", "inquiries", "2026-04", 70, "no such KPI in the plan"])
    book.save(wb)
    update(SEED, wb)
    assert read_workbook(wb).entered() == {("inquiries", "2026-04"): 80}
    assert unplaced_rows(wb) == [("actual", "inquiries", "2026-04", 70,
                                  "ブックの値で置き換えられました")]


def test_a_backup_is_kept_beside_the_workbook(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1})
    before = wb.read_bytes()
    res = update(SEED, wb)
    assert res.backup is not None and res.backup.parent == tmp_path
    assert res.backup.name.startswith("w.") and res.backup.name.endswith(".bak.xlsx")
    assert res.backup.read_bytes() == before


def test_two_updates_in_one_second_keep_both_backups(tmp_path: Path) -> None:
    from kpixl.app.update import rebuild

    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1})
    first_bytes = wb.read_bytes()
    now = dt.datetime(2026, 11, 25, 9, 30, 0)
    first = rebuild(read_workbook(wb), load(SEED), wb, now=now).backup
    second_bytes = wb.read_bytes()
    second = rebuild(read_workbook(wb), load(SEED), wb, now=now).backup
    assert first is not None and second is not None
    assert (first.name, second.name) == ("w.20261125-093000.bak.xlsx",
                                         "w.20261125-093000-2.bak.xlsx")
    assert first.read_bytes() == first_bytes and second.read_bytes() == second_bytes


def test_kept_inputs_that_no_longer_fit_the_plan_are_an_error(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), inputs={"in_at_risk": 0.95})
    d = seed_dict()
    d["thresholds"] = {"on_track": 0.9, "at_risk": 0.9}  # kept at_risk 0.95 > on_track 0.9
    before = wb.read_bytes()
    with pytest.raises(WorkbookError, match=r"ブックで変更された入力値（注意の基準）が新しい"
                       "プランに合いません"):
        update(write_plan(tmp_path / "p.yaml", d), wb)
    assert wb.read_bytes() == before


def test_an_open_workbook_is_refused(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    (tmp_path / "~$w.xlsx").write_bytes(b"lock")
    with pytest.raises(WorkbookError, match=r"open in Excel \(lock file ~\$w\.xlsx"):
        update(SEED, wb)


def test_an_invalid_plan_writes_nothing(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1})
    before = wb.read_bytes()
    d = seed_dict()
    d["kpis"]["win_rate"]["value"] = 1.5
    with pytest.raises(PlanError):
        update(write_plan(tmp_path / "bad.yaml", d), wb)
    assert wb.read_bytes() == before and sorted(tmp_path.iterdir()) == [
        tmp_path / "bad.yaml", wb]


def test_user_sheets_and_target_history_are_copied_as_values(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(wb)
    notes = book.create_sheet("Notes")
    notes["A1"], notes["B3"] = "hello", dt.datetime(2026, 1, 2)
    hist = book.create_sheet("Target History")
    hist.append(["date", "id", "old", "new"])
    hist.append([dt.datetime(2026, 6, 1), "orders", 12, 14])
    book.save(wb)
    res = update(SEED, wb)
    got = read_workbook(wb)
    (sheet,) = got.extra_sheets
    assert sheet.sheet == "Notes" and sheet.header[0] == "hello"
    assert sheet.rows[1][1] == dt.datetime(2026, 1, 2)
    assert got.target_history is not None
    assert got.target_history.rows == ((dt.datetime(2026, 6, 1), "orders", 12, 14),)
    assert "シート 'Notes'（値として）" in res.carried
    assert openpyxl.load_workbook(wb)["Notes"]["A1"].comment is not None


def test_more_pdca_rows_than_the_table_holds_are_kept(tmp_path: Path) -> None:
    rows = [(None, "2026-04", "orders", f"finding {i}") for i in range(70)]
    wb = fill(build(SEED, tmp_path / "w.xlsx"), pdca=rows)
    update(SEED, wb)
    got = read_workbook(wb).pdca.rows
    assert [r[3] for r in got] == [f"finding {i}" for i in range(70)]


def test_a_classic_workbook_keeps_its_vba_project_byte_for_byte(tmp_path: Path) -> None:
    xlwings = pytest.importorskip("xlwings")
    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as zf:
        vba = zf.read("xl/vbaProject.bin")
    from kpixl.engine.solve import solve
    from kpixl.layout import build_layout
    from kpixl.xlsx.writer import write_workbook

    wb = write_workbook(build_layout(solve(load(SEED))), tmp_path / "classic.xlsm",
                        vba_project=vba)
    update(SEED, wb)
    with zipfile.ZipFile(wb) as zf:
        assert zf.read("xl/vbaProject.bin") == vba


@pytest.mark.parametrize("mode", ["lite", "classic"])
def test_xlwings_workbooks_keep_their_control_panel(tmp_path: Path, mode: str) -> None:
    pytest.importorskip("xlwings")
    from kpixl.app.build import build as api_build

    wb = api_build(SEED, tmp_path / ("plan.xlsm" if mode == "classic" else "plan.xlsx"),
                   xlwings=mode)
    book = openpyxl.load_workbook(wb, keep_vba=True)
    if mode == "classic":
        book["xlwings.conf"]["A2"], book["xlwings.conf"]["B2"] = "Interpreter_Win", "py.exe"
    book.save(wb)
    with zipfile.ZipFile(api_build(SEED, tmp_path / "ref.xlsm", xlwings="classic")) as zf:
        vba = zf.read("xl/vbaProject.bin")
    fill(wb, actuals={("orders", 0): 1})
    update(SEED, wb)
    got = read_workbook(wb)
    assert got.xlwings == mode and got.extra_sheets == ()
    assert "action" in openpyxl.load_workbook(wb).defined_names  # the control panel's cells
    with zipfile.ZipFile(wb) as zf:
        names = zf.namelist()
        assert any(n.startswith("xl/drawings/vmlDrawing" if mode == "classic" else
                                "xl/drawings/drawing") for n in names)  # button / text box
        assert ("xl/vbaProject.bin" in names) == (mode == "classic")
        if mode == "classic":
            assert zf.read("xl/vbaProject.bin") == vba
    if mode == "classic":
        assert got.xlwings_conf is not None
        assert got.xlwings_conf.rows[0][:2] == ("Interpreter_Win", "py.exe")


def test_writer_takes_a_vba_project_as_bytes(tmp_path: Path) -> None:
    xlwings = pytest.importorskip("xlwings")
    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as zf:
        vba = zf.read("xl/vbaProject.bin")
    from kpixl.engine.solve import solve
    from kpixl.layout import build_layout
    from kpixl.xlsx.writer import write_workbook

    write_workbook(build_layout(solve(load(SEED))), tmp_path / "c.xlsm", vba_project=vba)
    with zipfile.ZipFile(tmp_path / "c.xlsm") as zf:
        assert zf.read("xl/vbaProject.bin") == vba
        assert "macroEnabled" in zf.read("[Content_Types].xml").decode()


# -- columns a user added right of the PDCA table -------------------------------------------------
PDCA_SHEET, KFS_SHEET = "PDCA記録", "施策"  # the seed plan is in Japanese


def test_pdca_columns_a_user_added_are_carried_with_their_headers(tmp_path: Path) -> None:
    day = dt.datetime(2026, 5, 2)
    wb = fill(build(SEED, tmp_path / "w.xlsx"),
              pdca=[(None, "2026-04", "orders", "slow", *[None] * 5, "ask Sato"),
                    (None, "2026-05", "deals", "ok", *[None] * 5, None, None, day)])
    book = openpyxl.load_workbook(wb)
    ws = book[PDCA_SHEET]
    # J: "Comment"; K: empty; L: a date without a header; M: repeats I's header, one value
    ws["J3"], ws["M3"], ws["M6"] = "Comment", "状況", "closed"
    book.save(wb)
    built = read_workbook(wb).pdca.header[:9]
    assert built[8] == "状況"
    res = update(SEED, wb)
    got = read_workbook(wb).pdca
    assert got.header == (*built, "Comment", "Column11", "状況2")
    assert got.rows == ((None, "2026-04", "orders", "slow", *[None] * 5, "ask Sato", None, None),
                        (None, "2026-05", "deals", "ok", *[None] * 5, None, day, None),
                        (*[None] * 11, "closed"))
    assert res.carried == ["PDCA 表の右に追加された列: 'Comment' (J), 'Column11'（K、以前は L）, "
                           "'状況2'（L、以前は M）", "PDCA の行: 3"]
    assert res.warnings == [
        "PDCA の列 L に見出しがありません。'Column11' と名付けました（列 K）: Excel の表には"
        "見出しが必要です",
        "PDCA の列 M の見出し '状況' は表の別の見出しと重複しています。'状況2' と名付けました"
        "（列 L）"]
    ws = openpyxl.load_workbook(wb)[PDCA_SHEET]
    table = ws.tables["kpixl_pdca"]
    assert table.ref == "A3:L63"
    assert [c.name for c in table.tableColumns] == [*built, "Comment", "Column11", "状況2"]
    assert [ws.cell(3, c).value for c in (10, 11, 12)] == ["Comment", "Column11", "状況2"]
    input_fill = ws["I63"].fill.fgColor.rgb
    assert input_fill == "FFFFF2CC"  # the input look of the built columns
    assert [ws[a].fill.fgColor.rgb for a in ("J4", "K63", "L63")] == [input_fill] * 3
    assert ws["K5"].value == day and ws["K5"].number_format == "yyyy-mm-dd"
    again = update(SEED, wb)  # the named columns now read back as they are: nothing to warn
    assert again.warnings == [] and read_workbook(wb).pdca == got


def test_a_pdca_column_with_only_a_header_is_carried(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(wb)
    book[PDCA_SHEET]["J3"] = "Comment"
    book.save(wb)
    assert entered(read_workbook(wb)) == ["PDCA"]  # `kpixl build` will not replace it
    res = update(SEED, wb)
    got = read_workbook(wb).pdca
    assert got.header[9:] == ("Comment",) and got.rows == ()
    assert res.carried == ["PDCA 表の右に追加された列: 'Comment' (J)"]
    assert openpyxl.load_workbook(wb)[PDCA_SHEET].tables["kpixl_pdca"].ref == "A3:J63"


def test_a_far_away_pdca_cell_becomes_the_next_column(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(wb)
    book[PDCA_SHEET]["XFD4"] = "far"
    book.save(wb)
    res = update(SEED, wb)
    ws = openpyxl.load_workbook(wb)[PDCA_SHEET]
    assert ws.tables["kpixl_pdca"].ref == "A3:J63"
    assert (ws["J3"].value, ws["J4"].value, ws.max_column) == ("Column10", "far", 10)
    assert res.warnings == ["PDCA の列 XFD に見出しがありません。'Column10' と名付けました"
                            "（列 J）: Excel の表には見出しが必要です"]


def test_a_pdca_header_too_long_for_a_table_keeps_its_text_in_unplaced(tmp_path: Path) -> None:
    head = "見出し" * 100  # 300 characters; an Excel table column name holds 255
    wb = fill(build(SEED, tmp_path / "w.xlsx"),
              pdca=[(None, "2026-04", "orders", "slow", *[None] * 5, "ask Sato")])
    book = openpyxl.load_workbook(wb)
    book[PDCA_SHEET]["J3"] = head
    book.save(wb)
    res = update(SEED, wb)
    got = read_workbook(wb).pdca
    assert got.header[9:] == (head[:255],) and got.rows[0][9] == "ask Sato"
    assert unplaced_rows(wb) == [("pdca header", head[:255], None, head,
                                  "PDCA の列 J の見出しです。Excel の上限 255 文字を超えるため、"
                                  f"列は {head[:255]!r} と名付けました")]
    assert res.unplaced == [f"PDCA の列 J の見出し（300 文字）: {head[:255]!r} と名付け、"
                            "全文を保存しました"]


def test_a_pdca_table_beyond_the_cell_limit_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"),
              pdca=[(None, "2026-04", "orders", f"finding {i}") for i in range(4)])
    book = openpyxl.load_workbook(wb)
    book[PDCA_SHEET]["Z4"] = "note"  # 5 rows x 10 columns: over a limit of 40 cells
    book.save(wb)
    before = wb.read_bytes()
    monkeypatch.setattr("kpixl.xlsx.readtables.MAX_TABLE_CELLS", 40)
    with pytest.raises(WorkbookError, match=r"w\.xlsx: sheet 'PDCA記録' spans 5 rows x 10 "
                       r"columns; kpixl copies at most 40 cells of the PDCA table \(delete the "
                       r"far-away cells\)"):
        update(SEED, wb)
    assert wb.read_bytes() == before


# -- rows a user added to the KFS table -----------------------------------------------------------
def add_kfs_rows(path: Path, rows: dict[int, tuple[Any, ...]]) -> Path:
    """Type rows into the KFS table (1-based sheet row -> values from column A), as a user who
    unprotected the sheet would."""
    book = openpyxl.load_workbook(path)
    ws = book[KFS_SHEET]
    for r, values in rows.items():
        for c, v in enumerate(values):
            ws.cell(r, c + 1).value = v
    book.save(path)
    return path


DUE = dt.datetime(2026, 9, 30)
CRM_ROW = ("crm", "CRM導入", None, "営業部", DUE, "完了")
# the seed plan is Japanese: what an update says is the catalogue's Japanese (kpixl.messages)
CRM_NOTE = ("KFS 表に追加された行です（施策 シートの 5 行目）。施策 crm をプランの kfs: に加えると"
            "配置されます")
NO_ID_NOTE = ("id のない行が KFS 表に追加されています（施策 シートの 6 行目）。id を付け、プランの "
              "kfs: に加えると配置されます")
TWIN_NOTE = ("KFS ma_tool の別の行です（施策 シートの 7 行目）。KFS ma_tool は最初の行だけが有効"
             "です。必要な内容をそこへ写してください")


def with_crm(tmp: Path, status: str | None = None, owner: str = "営業部") -> Path:
    d = seed_dict()
    d["kfs"].append({"id": "crm", "name": "CRM導入", "kpis": ["deals"], "owner": owner,
                     "due": "2026-09-30", **({"status": status} if status else {})})
    return write_plan(tmp / "crm.yaml", d)


def kfs_ids(path: Path) -> list[Any]:
    ws = openpyxl.load_workbook(path)[KFS_SHEET]
    return [ws.cell(r, 1).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value]


def test_kfs_rows_a_user_added_go_to_unplaced_data(tmp_path: Path) -> None:
    wb = add_kfs_rows(build(SEED, tmp_path / "w.xlsx"),
                      {5: CRM_ROW, 6: (None, "勉強会"), 7: ("ma_tool", *[None] * 4, "保留")})
    assert entered(read_workbook(wb)) == ["KFS rows"]  # `kpixl build` will not replace it
    res = update(SEED, wb)
    assert unplaced_rows(wb) == [
        ("kfs initiative", "crm", None, "CRM導入", CRM_NOTE),
        ("kfs owner", "crm", None, "営業部", CRM_NOTE),
        ("kfs due", "crm", None, DUE, CRM_NOTE),
        ("kfs status", "crm", None, "完了", CRM_NOTE),
        ("kfs initiative", None, None, "勉強会", NO_ID_NOTE),
        ("kfs status", "ma_tool", None, "保留", TWIN_NOTE)]
    assert res.unplaced == [
        "KFS の行 crm（施策 シートの 5 行目）: initiative 'CRM導入', owner '営業部', due "
        "'2026-09-30', status '完了': 施策 crm をプランの kfs: に加えると配置されます",
        "KFS の行（施策 シートの 6 行目）: initiative '勉強会': id を付け、プランの kfs: に加える"
        "と配置されます",
        "KFS の行 ma_tool（施策 シートの 7 行目）: status '保留': KFS ma_tool は最初の行だけが"
        "有効です。必要な内容をそこへ写してください"]
    got = read_workbook(wb)
    assert kfs_ids(wb) == ["ma_tool"]  # no plan entry is invented
    assert got.kfs_status == {"ma_tool": None} and got.kfs_added == ()
    res = update(SEED, wb)  # the next update carries them as they are
    assert res.unplaced == [] and len(unplaced_rows(wb)) == 6


def test_an_unplaced_kfs_row_is_placed_once_the_plan_has_it(tmp_path: Path) -> None:
    wb = add_kfs_rows(build(SEED, tmp_path / "w.xlsx"),
                      {5: CRM_ROW, 6: (None, "勉強会"), 7: ("ma_tool", *[None] * 4, "保留")})
    update(SEED, wb)
    res = update(with_crm(tmp_path, owner="営業本部"), wb)  # the plan names another owner
    got = read_workbook(wb)
    assert kfs_ids(wb) == ["ma_tool", "crm"]
    assert got.kfs_status == {"ma_tool": None, "crm": "完了"}
    assert res.kept == ["KFS crm の状況 = '完了'（未配置データ から）"]
    assert unplaced_rows(wb) == [  # in their order: initiative, due and status are placed
        ("kfs owner", "crm", None, "営業部",
         "KFS crm がプランに加わりました。プランの KFS crm はここが '営業本部' です"),
        ("kfs initiative", None, None, "勉強会", NO_ID_NOTE),
        ("kfs status", "ma_tool", None, "保留", TWIN_NOTE)]
    res = update(with_crm(tmp_path, owner="営業本部"), wb)  # stable from now on
    assert read_workbook(wb).kfs_status == {"ma_tool": None, "crm": "完了"}
    assert len(unplaced_rows(wb)) == 3 and res.unplaced == []


def test_a_kfs_row_added_with_its_plan_entry_keeps_its_status(tmp_path: Path) -> None:
    wb = add_kfs_rows(build(SEED, tmp_path / "w.xlsx"), {5: CRM_ROW})
    res = update(with_crm(tmp_path), wb)
    assert read_workbook(wb).kfs_status == {"ma_tool": None, "crm": "完了"}
    assert res.kept == ["KFS crm の状況 = '完了'（KFS 表に追加された行（施策 シートの 5 行目）"
                        " から）"]
    assert unplaced_rows(wb) == [] and res.unplaced == []


def test_a_plan_status_wins_over_an_added_row_and_keeps_its_status(tmp_path: Path) -> None:
    wb = add_kfs_rows(build(SEED, tmp_path / "w.xlsx"), {5: CRM_ROW})
    res = update(with_crm(tmp_path, status="保留"), wb)
    assert read_workbook(wb).kfs_status == {"ma_tool": None, "crm": "保留"}
    assert res.plan_won == ["KFS crm: プランが状況を '保留' にしています。KFS 表に追加された行"
                            "（施策 シートの 5 行目） の '完了' は未配置データに残します"]
    assert unplaced_rows(wb) == [("kfs status", "crm", None, "完了",
                                  "KFS 表に追加された行（施策 シートの 5 行目）。プランは KFS crm "
                                  "の状況を '保留' にしています")]


def test_the_status_of_a_removed_kfs_comes_back_with_it(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), kfs={"ma_tool": "完了"})
    update(changed_plan(tmp_path, [drop_kfs]), wb)
    assert unplaced_rows(wb) == [("kfs status", "ma_tool", None, "完了",
                                  "プランにこの KFS はありません")]
    res = update(SEED, wb)
    assert read_workbook(wb).kfs_status == {"ma_tool": "完了"}
    assert res.kept == ["KFS ma_tool の状況 = '完了'（未配置データ から）"]
    assert unplaced_rows(wb) == []


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__)
def test_added_pdca_columns_and_kfs_rows_survive_every_plan_change(tmp_path: Path,
                                                                   change: Any) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"),
              pdca=[(None, "2026-04", "orders", "slow", *[None] * 5, "ask Sato"),
                    (None, "2026-05", "deals", "ok", *[None] * 5, 42)])
    book = openpyxl.load_workbook(wb)
    book[PDCA_SHEET]["J3"] = "Comment"
    book.save(wb)
    add_kfs_rows(wb, {5: CRM_ROW})
    update(changed_plan(tmp_path, [change]), wb)
    got = read_workbook(wb)
    assert got.pdca.header[9:] == ("Comment",)
    assert [r[9] for r in got.pdca.rows] == ["ask Sato", 42]
    assert [r for r in unplaced_rows(wb) if r[1] == "crm"] == [
        ("kfs initiative", "crm", None, "CRM導入", CRM_NOTE),
        ("kfs owner", "crm", None, "営業部", CRM_NOTE),
        ("kfs due", "crm", None, DUE, CRM_NOTE),
        ("kfs status", "crm", None, "完了", CRM_NOTE)]


# -- nothing entered is lost, whatever the plan becomes -------------------------------------------
NODES = ["revenue", "unit_price", "orders", "win_rate", "deals", "deal_rate", "appointments",
         "appointment_rate", "inquiries"]
entries = st.dictionaries(st.tuples(st.sampled_from(NODES), st.integers(0, 11)),
                          st.integers(0, 5000), max_size=12)
texts = st.text(alphabet="abcxyz 営業改善", min_size=1, max_size=12)


@settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(acts=entries, ovrs=entries, pdca=st.lists(st.tuples(texts, texts), max_size=3),
       win=st.none() | st.sampled_from([0.25, 0.35, 0.5]), asof=st.none() | st.integers(0, 12),
       season=st.none() | st.tuples(st.integers(1, 12), st.sampled_from([0.5, 2.0])),
       changes=st.sets(st.sampled_from(CHANGES)))
def test_nothing_entered_is_lost(tmp_path_factory: Any, acts: dict[Any, int],
                                 ovrs: dict[Any, int], pdca: list[tuple[str, str]],
                                 win: float | None, asof: int | None,
                                 season: tuple[int, float] | None, changes: set[Any]) -> None:
    tmp = tmp_path_factory.mktemp("u")
    inputs: dict[str, Any] = {k: v for k, v in (("in_win_rate", win), ("in_asof", asof))
                              if v is not None}
    if season is not None:
        inputs[f"in_seasonality[{season[0]}]"] = season[1]
    wb = fill(build(SEED, tmp / "w.xlsx"), actuals=acts, overrides=ovrs, inputs=inputs,
              pdca=[("", "2026-04", "orders", a, b) for a, b in pdca])
    old = read_workbook(wb)
    new_plan = load(changed_plan(tmp, list(changes)))
    res = update(tmp / "new.yaml", wb)
    got = read_workbook(wb)
    lost = {(r[0], r[1], r[2]): r[3] for r in unplaced_rows(wb)}
    labels = new_plan.period.labels()
    for kind in ("actual", "override"):
        for (node, label), v in old.entered(kind).items():
            if node in new_plan.nodes and label in labels:
                assert got.entered(kind)[(node, label)] == v
            else:
                assert lost[(kind, node, label)] == v
    assert [r[3:5] for r in got.pdca.rows] == [r[3:5] for r in old.pdca.rows]
    for key, v in inputs.items():
        if key != "in_asof":
            name = input_name((new_plan, old.plan), key, new_plan.locale)
            assert got.current.get(key) == v or any(m.startswith(name + ":")
                                                    for m in res.plan_won) \
                or lost[("input", key, None)] == v
    if asof is not None:
        assert got.asof == asof or lost[("asof", "in_asof", None)] == asof


# -- the updated workbook computes what the engine computes ---------------------------------------
@pytest.mark.libreoffice
def test_an_updated_workbook_equals_the_engine_after_recalculation(tmp_path: Path,
                                                                    recalc: Any) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"),
              actuals={("orders", 0): 1, ("orders", 1): 2, ("deals", 0): 4, ("deals", 1): 5,
                       ("inquiries", 1): 30, ("revenue", 0): 9e6, ("revenue", 1): 1e7,
                       ("win_rate", 1): 0.3},  # the KGI's last month (2) is the as-of month
              overrides={("orders", 2): 3}, inputs={"in_deal_rate": 0.45})
    update(changed_plan(tmp_path, [add_node, lengthen, lower_win_rate]), wb)
    d = report_data(wb)
    (out,) = recalc(wb)
    named = lo.named_values(out)
    short = {"ytd_actual": "ytd", "achievement": "ach", "forecast": "fc", "planned": "kpi"}
    exp = {f"{p}_{n['id']}": n[k] for n in d["nodes"] for k, p in short.items()}
    got = {k: (None if named[k] == "" else named[k]) for k in exp}
    assert d["asof"] == 2 and lo.diff_values(exp, got) == []
    resaved = read_workbook(shutil.copy(out, tmp_path / "resaved.xlsx"))  # LibreOffice's save
    before = read_workbook(wb)
    assert (resaved.entered(), resaved.entered("override"), resaved.current) == (
        before.entered(), before.entered("override"), before.current)


@pytest.mark.libreoffice
def test_cached_values_of_an_updated_workbook_equal_libreoffice(tmp_path: Path,
                                                                 recalc: Any) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1, ("deals", 0): 4})
    update(SEED, wb)
    (out,) = recalc(wb)
    assert lo.diff_values(lo.values(wb), lo.values(out)) == []


def test_updated_workbooks_recalculate_on_open(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1})
    update(SEED, wb)
    with zipfile.ZipFile(wb) as zf:
        assert 'fullCalcOnLoad="1"' in zf.read("xl/workbook.xml").decode()


def test_cli_update_prints_what_moved(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kpixl.cli import main

    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("inquiries", 0): 70, ("orders", 0): 1})
    assert main(["update", str(changed_plan(tmp_path, [rename_inquiries])), str(wb)]) == 0
    out = capsys.readouterr().out
    assert "受注件数 の実績: 1 か月" in out  # the plan is Japanese: so is the output
    assert "問い合わせ件数 の実績 2026-04 = 70（プランにこの KPI がありません）" in out
    assert "act_" not in out and "carried" not in out
    assert main(["report", str(wb), "--format", "json"]) == 0
    assert '"asof": 1' in capsys.readouterr().out


def test_update_streams_the_month_grids_with_the_carried_entries(tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    """The month grids reach the writer a block of rows at a time, as in a build, with the
    carried actuals and overrides already in their cells."""
    from kpixl.xlsx.writer import WorkbookWriter

    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 3},
              overrides={("orders", 2): 9})
    held: dict[str, list[int]] = {}
    rows = WorkbookWriter.rows

    def spy(self: Any, sheet: Any, below: int) -> None:
        held.setdefault(sheet.name, []).append(len(sheet.cells))
        rows(self, sheet, below)

    monkeypatch.setattr(WorkbookWriter, "rows", spy)
    update(SEED, wb, backup=False)
    nodes = len(load(SEED).nodes)
    assert set(held) == {"月次目標", "実績管理"} or set(held) == {"Monthly Targets", "Tracking"}
    assert all(len(calls) > nodes for calls in held.values())  # a block per KPI, then the rest
    got = read_workbook(wb)
    assert got.entered() == {("orders", got.labels[0]): 3.0}
    assert got.entered("override") == {("orders", got.labels[2]): 9.0}
