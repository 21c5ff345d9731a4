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

from kpixl.errors import PlanError, WorkbookError
from kpixl.loader import load
from kpixl.plan_dict import plan_to_dict
from kpixl.reader import read_workbook
from kpixl.report import report_data
from kpixl.update import update

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
    assert res.kept == ["in_win_rate = 0.35 (built as 0.4)"]
    assert res.plan_won == ["in_deal_rate: the plan changed it from 0.5 to 0.45; the "
                            "workbook's 0.6 was replaced"]


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
        ("actual", "inquiries", "2026-04", 70, "no such KPI in the plan"),
        ("actual", "orders", "2026-12", 2, "month outside the plan")]
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
                                  "superseded by the workbook's value")]


def test_a_backup_is_kept_beside_the_workbook(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), actuals={("orders", 0): 1})
    before = wb.read_bytes()
    res = update(SEED, wb)
    assert res.backup is not None and res.backup.parent == tmp_path
    assert res.backup.name.startswith("w.") and res.backup.name.endswith(".bak.xlsx")
    assert res.backup.read_bytes() == before


def test_kept_inputs_that_no_longer_fit_the_plan_are_an_error(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "w.xlsx"), inputs={"in_at_risk": 0.95})
    d = seed_dict()
    d["thresholds"] = {"on_track": 0.9, "at_risk": 0.9}  # kept at_risk 0.95 > on_track 0.9
    before = wb.read_bytes()
    with pytest.raises(WorkbookError, match=r"the inputs changed in the workbook \(in_at_risk\) "
                       "do not fit the new plan"):
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
    assert "sheet 'Notes' (as values)" in res.carried
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
    from kpixl.update import _Vba
    from kpixl.writer import write_workbook

    wb = write_workbook(build_layout(solve(load(SEED))), tmp_path / "classic.xlsm",
                        vba_project=_Vba(vba))
    update(SEED, wb)
    with zipfile.ZipFile(wb) as zf:
        assert zf.read("xl/vbaProject.bin") == vba


@pytest.mark.parametrize("mode", ["lite", "classic"])
def test_xlwings_workbooks_keep_their_control_panel(tmp_path: Path, mode: str) -> None:
    pytest.importorskip("xlwings")
    from kpixl.api import build as api_build

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
    from kpixl.writer import write_workbook

    write_workbook(build_layout(solve(load(SEED))), tmp_path / "c.xlsm", vba_project=vba)


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
            assert got.current.get(key) == v or any(m.startswith(key + ":")
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
                       ("inquiries", 1): 30, ("revenue", 0): 9e6, ("win_rate", 1): 0.3},
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
    assert "actuals of orders: 1 month" in out
    assert "actual inquiries 2026-04 = 70 (no such KPI in the plan)" in out
    assert main(["report", str(wb), "--format", "json"]) == 0
    assert '"asof": 1' in capsys.readouterr().out
