"""Button actions against an openpyxl-backed stand-in of the xlwings Book API, checked cell by
cell (the worked example of domain-notes.md section 8)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpixl import load, loads
from kpixl.app.build import template_text
from kpixl.engine.solve import solve
from kpixl.layout import build_layout
from kpixl.layout.controls import ACTIONS, NAMES, add_controls, add_xlwings_conf
from kpixl.model import Plan
from kpixl.xl import scripts
from kpixl.xl.book import OpenpyxlBook, cells_of
from kpixl.xl.state import read_state
from kpixl.xlsx.writer import write_workbook

PLANS = Path(__file__).parent / "plans"
WORKED = PLANS / "engine" / "worked_example.yaml"
TODAY = dt.date(2025, 10, 3)
ORDERS_TO_SEPT = [1, 0, 1, 0, 1, 1]  # domain notes: YTD 4 against 5 at the end of September


def _book(plan: Plan, folder: Path, mode: str = "classic") -> OpenpyxlBook:
    layout = build_layout(solve(plan))
    add_controls(layout, plan, mode, companion="plan.py", main_py=lambda b: "# main.py",
                 requirements="kpixl")
    if mode == "classic":
        add_xlwings_conf(layout)
    path = write_workbook(layout, folder / "plan.xlsx")
    return OpenpyxlBook(openpyxl.load_workbook(path))


@pytest.fixture
def book(tmp_path: Path) -> OpenpyxlBook:
    return _book(load(WORKED), tmp_path)


def cells(b: OpenpyxlBook, name: str) -> list[Any]:
    sheet, r0, c0, r1, c1 = cells_of(b, name)
    ws = b.wb[sheet]
    return [ws.cell(r + 1, c + 1).value for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def put(b: OpenpyxlBook, name: str, values: list[Any], month: int = 1) -> None:
    sheet, r0, c0, _, _ = cells_of(b, name)
    b.write(sheet, r0, c0 + month - 1, [values])


def september(b: OpenpyxlBook) -> None:
    put(b, "act_new", ORDERS_TO_SEPT)
    put(b, "in_asof", [6])


def all_actuals(b: OpenpyxlBook) -> dict[str, list[Any]]:
    return {n: cells(b, n) for n in b.wb.defined_names if n.startswith("act_")}


# -- re-plan --------------------------------------------------------------------------------------
def test_replan_writes_the_catch_up_into_the_overrides_after_the_asof_month(book) -> None:
    september(book)
    msg = scripts.replan(book, today=TODAY)
    # catch-up Oct..Mar 1, 1, 2, 1, 1, 2 against published 1, 1, 1, 1, 1, 2: only December moves
    assert cells(book, "ovr_new") == [None] * 8 + [2, None, None, None]
    assert msg.startswith("Re-planned 2025-10..2026-03: 1 target(s) changed")


def test_replan_records_old_and_new_value_date_and_reason(book) -> None:
    september(book)
    put(book, NAMES["reason"], ["Q2 review"])
    scripts.replan(book, today=TODAY)
    got = book.read("Target History")
    assert got[0] == ["Date", "Action", "KPI", "Name", "Month", "Old target", "New target",
                      "Reason"]
    assert got[1:] == [[TODAY, ACTIONS["replan"][0], "new", "New orders", "2025-12", 1, 2,
                        "Q2 review"]]


def test_replan_leaves_untracked_kpis_and_every_actual_alone(book) -> None:
    september(book)
    before = all_actuals(book)
    scripts.replan(book, today=TODAY)
    assert all_actuals(book) == before
    for node in ("revenue", "deals", "appointments", "inquiries", "retained"):
        assert cells(book, f"ovr_{node}") == [None] * 12, node


def test_replan_twice_changes_nothing_more(book) -> None:
    september(book)
    scripts.replan(book, today=TODAY)
    msg = scripts.replan(book, today=TODAY)
    assert "nothing changed" in msg
    assert len(book.read("Target History")) == 2


def test_replan_never_writes_over_a_formula(book) -> None:
    september(book)
    put(book, "ovr_new", ["=1+0"], month=9)
    msg = scripts.replan(book, today=TODAY)
    assert cells(book, "ovr_new")[8] == "=1+0"
    assert "Kept 1 override cell(s) holding a formula" in msg


def test_replan_keeps_text_in_an_override_cell(book) -> None:
    september(book)
    put(book, "ovr_new", ["ask Ken"], month=9)
    scripts.replan(book, today=TODAY)
    assert cells(book, "ovr_new")[8] == "ask Ken"


class _NoFormulas(OpenpyxlBook):
    """Like xlwings Lite: formulas cannot be read synchronously."""

    def formulas(self, *args: Any) -> None:
        return None


def test_replan_without_formula_reading_overwrites_only_what_kpixl_wrote(tmp_path) -> None:
    b = _book(load(WORKED), tmp_path)
    lite = _NoFormulas(b.wb)
    september(lite)
    scripts.replan(lite, today=TODAY)  # December: blank -> 2, recorded in the history
    put(lite, "act_new", [2, 1, 1, 1, 0, 1])  # corrected actuals: YTD 6, ahead of plan
    put(lite, "ovr_new", [5], month=12)  # typed by hand: maybe a formula, so kept
    msg = scripts.replan(lite, today=TODAY)
    # catch-up of 6 over Oct..Mar (weights 8, 8, 9, 6, 8, 16): 1, 1, 1, 0, 1, 2
    assert cells(lite, "ovr_new")[6:] == [None, None, 1, 0, None, 5]
    assert "Kept 1 override cell(s) entered by hand" in msg


def test_replan_refuses_when_every_month_is_closed(book) -> None:
    put(book, "in_asof", [12])
    assert scripts.replan(book, today=TODAY).startswith("Nothing to re-plan")


# -- snapshot -------------------------------------------------------------------------------------
def test_snapshot_appends_numbered_versions_with_effective_targets(book) -> None:
    september(book)
    scripts.snapshot(book, today=TODAY)
    scripts.replan(book, today=TODAY)
    msg = scripts.snapshot(book, reason="after re-plan", today=TODAY)
    rows = book.read("Target Versions")
    assert rows[0][:7] == ["Version", "Date", "Reason", "KPI", "Name", "Total", "2025-04"]
    v1 = {r[3]: r for r in rows[1:] if r[0] == 1}
    v2 = {r[3]: r for r in rows[1:] if r[0] == 2}
    assert v1["new"][5:] == [12, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 2]
    assert v2["new"][5:] == [13, 1, 1, 1, 0, 1, 1, 1, 1, 2, 1, 1, 2]
    assert v2["new"][2] == "after re-plan"
    assert set(v1) == {"revenue", "customers", "retained", "new", "deals", "appointments",
                       "inquiries"}
    assert msg == "Saved version 2 (7 KPIs) to Target Versions."


# -- PDCA review ----------------------------------------------------------------------------------
FULL_YEAR = {"revenue": 57_500_000, "customers": 46, "unit_price": 1_250_000, "retained": 37,
             "new": 9, "deals": 36, "win_rate": 0.25}  # domain notes: the full-year gap


def test_review_names_the_off_track_kpis_and_the_gap_cause(book) -> None:
    # every month reported (tracking compares like with like): flows entered as the year's
    # total in March and 0 before, levels and rates every month
    flows = {"revenue", "retained", "new", "deals"}
    for node, value in FULL_YEAR.items():
        put(book, f"act_{node}", [0] * 11 + [value] if node in flows else [value] * 12)
    put(book, "in_asof", [12])
    scripts.review(book, today=dt.date(2026, 4, 3))
    row = book.read("PDCA")[3]
    assert row[0] == dt.date(2026, 4, 3)
    assert row[1:3] == ["2026-03", "revenue"]
    assert row[3].startswith("Off track: New orders 75% (9 / 12); At risk: Revenue 96%")
    assert row[4] == "Deal to order (win_rate): -2,328,086 of the gap -2,500,000 JPY"
    assert row[5:] == [None, "Head of sales", None, "Open"]


def test_review_is_written_once_per_finding(book) -> None:
    september(book)
    scripts.review(book, today=TODAY)
    msg = scripts.review(book, today=TODAY)
    assert msg == "The PDCA review of 2025-09 is already on row 4 of PDCA."
    assert book.read("PDCA")[4][:3] == [None, None, None]


def test_review_takes_the_first_free_row_below_entries(book) -> None:
    put(book, "in_asof", [1])
    book.write("PDCA", 3, 0, [[dt.date(2025, 5, 1), "2025-04", "deals", "typed by hand"]])
    scripts.review(book, today=TODAY)
    assert book.read("PDCA")[3][3] == "typed by hand"
    assert book.read("PDCA")[4][1] == "2025-04"


def test_review_waits_for_a_closed_month(book) -> None:
    assert scripts.review(book, today=TODAY) == "Nothing to review yet: no month is closed."


# -- SMART ----------------------------------------------------------------------------------------
def test_smart_refresh_rewrites_marks_on_the_protected_sheet(book, tmp_path) -> None:
    """The marks and messages are unlocked cells of the still protected sheet: written
    without lifting the protection (xlwings Lite and Server cannot lift it)."""
    fresh = _book(load(WORKED), tmp_path).read("SMART")
    book.write("SMART", 3, 2, [["x", "x", "x", "x", "x", "stale"]])
    scripts.refresh_smart(book)
    assert book.read("SMART") == fresh
    assert book.wb["SMART"].protection.sheet


def test_smart_refresh_follows_an_input_changed_in_the_workbook(tmp_path) -> None:
    plan = load(PLANS / "good" / "full.yaml")  # `new` has a history of 100, 120
    b = _book(plan, tmp_path)
    before = {r[0]: r for r in b.read("SMART")[3:] if r and r[0]}
    put(b, f"in_{plan.kgi}", [plan.nodes[plan.kgi].target / 100])  # a modest goal now
    scripts.refresh_smart(b)
    after = {r[0]: r for r in b.read("SMART")[3:] if r and r[0]}
    assert (before["new"][5], after["new"][5]) == ("!", "✓")
    assert "R: " in before["new"][7] and "R: " not in after["new"][7]


def test_smart_ids_and_names_stay_locked(book) -> None:
    with pytest.raises(PermissionError):
        book.write("SMART", 3, 0, [["x"]])
    with pytest.raises(PermissionError):
        book.write("SMART", 3, 1, [["x"]])


# -- import ---------------------------------------------------------------------------------------
def test_import_reads_a_long_csv_into_empty_actual_cells(book, tmp_path) -> None:
    csv = tmp_path / "actuals.csv"
    csv.write_text("id,month,value\nnew,2025-04,1\nnew,2025-05,0\ndeals,2025-04,\"3\"\n",
                   encoding="utf-8")
    put(book, NAMES["csv"], [str(csv)])
    msg = scripts.run(book, "import", today=TODAY)
    assert cells(book, "act_new")[:3] == [1, 0, None]
    assert cells(book, "act_deals")[0] == 3
    assert msg == "Imported 3 actual(s) from actuals.csv."


def test_import_reads_wide_shift_jis_with_full_width_digits(book, tmp_path) -> None:
    csv = tmp_path / "wide.csv"
    csv.write_bytes("id,2025-04,2025-05\ninquiries,１２,\"1,５００\"\n".encode("cp932"))
    msg = scripts.import_actuals(book, str(csv))
    assert cells(book, "act_inquiries")[:2] == [12, 1500]
    assert "2 actual(s)" in msg


def test_import_never_overwrites_an_entered_actual(book, tmp_path) -> None:
    put(book, "act_new", [7])
    csv = tmp_path / "a.csv"
    csv.write_text("id,month,value\nnew,2025-04,1\n", encoding="utf-8")
    msg = scripts.import_actuals(book, str(csv))
    assert cells(book, "act_new")[0] == 7
    assert "Kept 1 cell(s)" in msg


def test_import_reports_every_bad_line_and_writes_nothing(book, tmp_path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("id,month,value\nleads,2025-04,1\nnew,2027-01,1\nnew,2025-04,x\n",
                   encoding="utf-8")
    put(book, NAMES["csv"], [str(csv)])
    msg = scripts.run(book, "import", today=TODAY)
    parts = msg.removeprefix("Error: ").split(" | ")
    assert msg.startswith("Error: ") and len(parts) == 3
    assert parts[0].startswith("bad.csv:2: A2 (id): 'leads' is not a KPI of this plan (nearest: "
                               "Deals (deals))")
    assert parts[1].startswith("bad.csv:3: B3 (month): 2027-01 is outside the plan "
                               "(2025-04..2026-03)")
    assert parts[2].startswith("bad.csv:4: C4 (value): 'x' is not a number")
    assert cells(book, "act_new") == [None] * 12


def test_import_reads_what_the_cli_reads(book, tmp_path) -> None:
    """One parser: month spellings, percentages and spaced thousands as `kpixl actuals import`
    reads them (the button's own parser refused the last two)."""
    csv = tmp_path / "a.csv"
    csv.write_text("KPI,2025年4月,2025/5\nwin_rate,25%,30%\ndeals,1 200,\n", encoding="utf-8")
    assert scripts.import_actuals(book, str(csv)) == "Imported 3 actual(s) from a.csv."
    assert cells(book, "act_win_rate")[:3] == [0.25, 0.3, None]
    assert cells(book, "act_deals")[:2] == [1200, None]


def test_import_refuses_a_dash_and_a_repeated_row(book, tmp_path) -> None:
    """A dash is "no data" (cli.md), as in the CLI. A repeated row is refused even with the
    same value (the button's own parser accepted it)."""
    csv = tmp_path / "a.csv"
    csv.write_text("id,month,value\nnew,2025-04,-\nnew,2025-05,1\nnew,2025-05,1\n",
                   encoding="utf-8")
    put(book, NAMES["csv"], ["a.csv"])
    msg = scripts.run(book, "import", today=TODAY, folder=str(tmp_path))
    assert msg == ("Error: a.csv:4: C4 (value): New orders 2025-05 is given twice (also C3); "
                   "keep one")
    assert cells(book, "act_new") == [None] * 12


def test_import_names_the_first_five_problems_and_counts_the_rest(book, tmp_path) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text("id,month,value\n" + "".join(f"x{i},2025-04,1\n" for i in range(7)),
                   encoding="utf-8")
    put(book, NAMES["csv"], [str(csv)])
    msg = scripts.run(book, "import", today=TODAY)
    parts = msg.removeprefix("Error: ").removesuffix(" (and 2 more)").split(" | ")
    assert msg.startswith("Error: ") and msg.endswith(" (and 2 more)") and len(parts) == 5
    for i, part in enumerate(parts):
        assert part.startswith(f"a.csv:{i + 2}: A{i + 2} (id): 'x{i}' is not a KPI of this plan")


def test_import_resolves_a_relative_path_from_the_workbook_folder(book, tmp_path) -> None:
    (tmp_path / "a.csv").write_text("id,month,value\nnew,2025-04,1\n", encoding="utf-8")
    put(book, NAMES["csv"], ["a.csv"])
    scripts.run(book, "import", today=TODAY, folder=str(tmp_path))
    assert cells(book, "act_new")[0] == 1


# -- dispatch and state ---------------------------------------------------------------------------
def test_run_follows_the_dropdown_and_writes_the_result_cell(book) -> None:
    september(book)
    put(book, NAMES["action"], [ACTIONS["snapshot"][0]])
    msg = scripts.run(book, today=TODAY)
    assert cells(book, NAMES["result"]) == [f"2025-10-03 {msg}"]
    assert "Target Versions" in book.sheet_names()


def test_run_speaks_the_plan_language(tmp_path) -> None:
    b = _book(loads(template_text("sales_funnel", "ja")), tmp_path)
    put(b, NAMES["action"], [ACTIONS["snapshot"][1]])
    msg = scripts.run(b, today=TODAY)
    assert msg.startswith("バージョン 1") and "目標バージョン" in b.sheet_names()


def test_run_asks_for_an_action(book) -> None:
    put(book, NAMES["action"], [None])
    assert scripts.run(book, today=TODAY).startswith("Choose an action")


def test_run_reports_an_invalid_input_as_one_line(book) -> None:
    put(book, "in_win_rate", [1.5])
    msg = scripts.run(book, "replan", today=TODAY)
    assert msg.startswith("Error: ") and "win_rate" in msg and "\n" not in msg


def test_state_ignores_text_typed_as_an_actual(book) -> None:
    put(book, "act_new", [1, "two"])
    st = read_state(book)
    assert st.actuals["new"][:2] == [1, None]
    assert any("actuals of New orders" in w and "'two'" in w for w in st.warnings)  # by name


def test_state_uses_inputs_changed_in_the_workbook(book) -> None:
    put(book, "in_win_rate", [0.25])
    assert read_state(book).solution.total("deals") == 48


# -- what Excel does to text, and engines without local files -------------------------------------
def test_history_month_labels_read_back_when_excel_made_them_dates(tmp_path) -> None:
    """An older workbook where Excel turned the month label into a date: re-plan still knows the
    override it wrote (and updates it) instead of keeping it as typed by hand."""
    lite = _NoFormulas(_book(load(WORKED), tmp_path).wb)
    september(lite)
    scripts.replan(lite, today=TODAY)
    ws = lite.wb["Target History"]
    assert ws.cell(2, 5).value == "2025-12" and ws.cell(2, 5).number_format == "@"
    ws.cell(2, 5).value = dt.datetime(2025, 12, 1)
    put(lite, "act_new", [2, 1, 1, 1, 0, 1])
    msg = scripts.replan(lite, today=TODAY)
    assert cells(lite, "ovr_new")[8] == 1 and "entered by hand" not in msg


def test_review_recognises_its_row_when_the_month_became_a_date(book) -> None:
    september(book)
    scripts.review(book, today=TODAY)
    book.wb["PDCA"].cell(4, 2).value = dt.datetime(2025, 9, 1)
    assert scripts.review(book, today=TODAY).startswith("The PDCA review of 2025-09 is already")


def test_text_goes_into_text_cells(book) -> None:
    september(book)
    scripts.snapshot(book, reason="=not a formula", today=TODAY)
    ws = book.wb["Target Versions"]
    assert all(ws.cell(1, c).number_format == "@" for c in range(1, 19))
    assert [ws.cell(2, c).number_format for c in (3, 4, 5)] == ["@"] * 3
    assert ws.cell(2, 3).value == "=not a formula"
    scripts.review(book, today=TODAY)
    assert [book.wb["PDCA"].cell(4, c).number_format for c in (2, 3, 4, 5, 7, 9)] == ["@"] * 6


class _Server(OpenpyxlBook):
    engine = "server"


@pytest.mark.parametrize("path", ["/etc/hostname", "a.csv"])
def test_off_classic_the_import_refuses_a_path(tmp_path, path: str) -> None:
    (tmp_path / "a.csv").write_text("id,month,value\nnew,2025-04,1\n", encoding="utf-8")
    b = _Server(_book(load(WORKED), tmp_path).wb)
    put(b, NAMES["csv"], [path])
    msg = scripts.run(b, "import", today=TODAY, folder=str(tmp_path))
    assert msg.startswith("xlwings server cannot open a file on this computer")
    assert cells(b, "act_new") == [None] * 12


def test_off_classic_the_import_reads_a_pasted_sheet(tmp_path) -> None:
    b = _Server(_book(load(WORKED), tmp_path).wb)
    ws = b.wb.create_sheet("Pasted")
    for row in (["id", dt.datetime(2025, 4, 1), "2025/5"], ["new", 1, "0"]):
        ws.append(row)
    put(b, NAMES["csv"], ["Pasted"])
    assert scripts.run(b, "import", today=TODAY) == "Imported 2 actual(s) from Pasted."
    assert cells(b, "act_new")[:3] == [1, 0, None]
