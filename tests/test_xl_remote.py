"""The button through xlwings' own remote engine (the engine of xlwings Lite and Server).

Each click: the workbook file as the user left it is recalculated by LibreOffice, its payload
built (tests/xlremote.py), the generated Lite ``main.py`` run through xlwings'
``custom_scripts_call`` on ``xlwings.Book(json=payload)``, and the returned actions applied to
the file as Excel applies them (a locked cell of a protected sheet refuses the write; text is
entered as if typed). Two rounds of every action, in English and Japanese, with names in both
of xlwings' payload formats; between the rounds the user corrects actuals and types an override.

The expected numbers are the worked example of domain-notes.md section 8 (as in
test_xl_scripts.py): at the end of September 4 orders against 5, so the catch-up of October to
March is 1, 1, 2, 1, 1, 2 against the published 1, 1, 1, 1, 1, 2 (only December moves); after
the correction to a YTD of 6 the catch-up is 1, 1, 1, 0, 1, 2 (weights 8, 8, 9, 6, 8, 16).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlremote

from kpixl import loads
from kpixl.app.build import write
from kpixl.engine.solve import solve
from kpixl.layout.controls import ACTIONS, NAMES
from kpixl.xl.book import OpenpyxlBook, XlwingsBook, cells_of

WORKED = Path(__file__).parent / "plans" / "engine" / "worked_example.yaml"
NAME = "=New orders"  # user text that Excel would turn into a formula
OWNER = "-Head of sales"
REASON = "=Q2 review, +5%"
ORDERS_TO_SEPT = [1, 0, 1, 0, 1, 1]
CORRECTED = [2, 1, 1, 1, 0, 1]
ROUND = ("import", "replan", "snapshot", "review", "smart")
COMBOS = [("en", "refers_to"), ("en", "address"), ("ja", "refers_to"), ("ja", "address")]
HEAD = {"en": ["Date", "Action", "KPI", "Name", "Month", "Old target", "New target", "Reason"],
        "ja": ["日付", "操作", "KPI", "名称", "対象月", "変更前", "変更後", "理由"]}
SHEETS = {"en": ("Target History", "Target Versions", "PDCA", "SMART"),
          "ja": ("目標履歴", "目標バージョン", "PDCA記録", "SMARTチェック")}
LABELS = [f"{2025 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(12)]


def plan_text(locale: str) -> str:
    text = WORKED.read_text("utf-8").replace("locale: en", f"locale: {locale}")
    text = text.replace("name: New orders", f'name: "{NAME}"')
    return text.replace("owner: Head of sales", f'owner: "{OWNER}"')


def main_py(path: Path) -> str:
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value == "main.py":
                    return str(c.offset(0, 1).value)
    raise AssertionError("no main.py in the Guide sheet")


def put(path: Path, name: str, values: list[Any], month: int = 1) -> None:
    """The user types ``values`` into the cells of ``name`` (text stays text, as typed with
    a leading apostrophe)."""
    wb = openpyxl.load_workbook(path)
    sheet, r0, c0, _, _ = cells_of(OpenpyxlBook(wb), name)
    for j, v in enumerate(values):
        cell = wb[sheet].cell(r0 + 1, c0 + month + j)
        cell.value = v
        if isinstance(v, str):
            cell.data_type = "s"
    wb.save(path)


def named(wb: Any, name: str) -> list[Any]:
    sheet, r0, c0, r1, c1 = cells_of(OpenpyxlBook(wb), name)
    return [wb[sheet].cell(r + 1, c + 1).value for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)]


def overlaps(actions: list[dict[str, Any]]) -> list[tuple[str, int, int, int]]:
    """(action, sheet position, row, column) of every cell that one click writes twice: each
    range is to be written once, whether reads see earlier writes or not."""
    seen: set[tuple[int, int, int]] = set()
    twice = []
    for a in actions:
        if a["func"] != "setValues":
            continue
        for i in range(a["row_count"]):
            for j in range(a["column_count"]):
                cell = (a["sheet_position"], a["start_row"] + i, a["start_column"] + j)
                if cell in seen:
                    twice.append(("setValues", *cell))
                seen.add(cell)
    return twice


class Session:
    """One workbook clicked through: its file, the main.py module, every click's message and
    every conversion Excel would have made."""

    def __init__(self, folder: Path, locale: str, names: str) -> None:
        self.locale, self.names = locale, names
        self.path = write(solve(loads(plan_text(locale))), folder / f"plan_{locale}.xlsx",
                          xlwings="lite")
        self.module = xlremote.load_main_py(main_py(self.path))
        self.messages: list[tuple[str, str]] = []
        self.converted: list[tuple[str, str, str, str]] = []
        self.rounds: list[openpyxl.Workbook] = []
        self.overlaps: list[tuple[str, int, int, int]] = []
        put(self.path, "act_new", ORDERS_TO_SEPT)
        put(self.path, "in_asof", [6])
        put(self.path, NAMES["reason"], [REASON])
        put(self.path, NAMES["csv"], ["Pasted"])
        wb = openpyxl.load_workbook(self.path)  # CSV pasted into a sheet; Excel made a date
        ws = wb.create_sheet("Pasted")
        for row in (["id", "month", "value"], ["win_rate", dt.datetime(2025, 4, 1), "30%"]):
            ws.append(row)
        wb.save(self.path)

    def choose(self, action: str) -> None:
        put(self.path, NAMES["action"], [ACTIONS[action][1 if self.locale == "ja" else 0]])

    def click(self, recalculated: Path) -> None:
        data = xlremote.payload(self.path, recalculated, names=self.names)
        actions = xlremote.run_button(self.module, data)
        self.overlaps += overlaps(actions)
        excel = xlremote.Excel(self.path)
        excel.apply(actions)  # raises Refused for a write Excel would refuse
        excel.save()
        self.converted += excel.converted
        result = named(openpyxl.load_workbook(self.path), NAMES["result"])[0]
        self.messages.append((self.action, str(result)))

    action = ""


@pytest.fixture(scope="module")
def sessions(recalc: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str],
                                                                            Session]:
    out = {}
    for locale, names in COMBOS:
        out[(locale, names)] = Session(tmp_path_factory.mktemp(f"{locale}_{names}"), locale,
                                       names)
    todo = list(out.values())

    def click_all(action: str) -> None:
        for s in todo:
            s.choose(action)
            s.action = action
        for s, rec in zip(todo, recalc(*[s.path for s in todo]), strict=True):
            s.click(rec)

    for action in ROUND:
        click_all(action)
    for s in todo:
        s.rounds.append(openpyxl.load_workbook(s.path))
        put(s.path, "act_new", CORRECTED)  # the user corrects actuals, types an override
        put(s.path, "ovr_new", [5], month=12)
    for action in (*ROUND, "review"):
        click_all(action)
    for s in todo:
        s.rounds.append(openpyxl.load_workbook(s.path))
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize(("locale", "names"), COMBOS)
def test_every_write_is_one_excel_accepts_and_no_text_turns_into_a_formula(
        sessions: dict[tuple[str, str], Session], locale: str, names: str) -> None:
    s = sessions[(locale, names)]
    # Excel's conversions: only the Date columns' dates (yyyy-mm-dd), never a month label or
    # user text; no formula
    assert [c for c in s.converted if c[0] != "date"] == []
    assert s.overlaps == []
    assert all(len(text) == 10 for _, _, _, text in s.converted), s.converted
    assert all(not msg.split(" ", 2)[-1].startswith(("Error", "エラー")) for _, msg in s.messages)


@pytest.mark.libreoffice
@pytest.mark.parametrize(("locale", "names"), COMBOS)
def test_replan_twice_updates_what_it_wrote_and_keeps_what_was_typed(
        sessions: dict[tuple[str, str], Session], locale: str, names: str) -> None:
    s = sessions[(locale, names)]
    first, second = s.rounds
    assert named(first, "ovr_new") == [None] * 8 + [2, None, None, None]
    assert named(second, "ovr_new")[6:] == [None, None, 1, 0, None, 5]  # March 5: typed
    assert named(second, "act_new")[:6] == CORRECTED
    for node in ("revenue", "deals", "appointments", "inquiries", "retained"):
        assert named(second, f"ovr_{node}") == [None] * 12, node
    history = list(second[SHEETS[locale][0]].iter_rows(values_only=True))
    assert list(history[0]) == HEAD[locale]
    rows = [(r[2], r[3], r[4], r[5], r[6], r[7]) for r in history[1:]]
    assert rows == [("new", NAME, "2025-12", 1, 2, REASON), ("new", NAME, "2025-12", 2, 1, REASON),
                    ("new", NAME, "2026-01", 1, 0, REASON)]
    replans = [m for a, m in s.messages if a == "replan"]
    kept = ("手入力の上書きセル 1 件" if locale == "ja"
            else "Kept 1 override cell(s) entered by hand")
    assert kept not in replans[0] and kept in replans[1]


@pytest.mark.libreoffice
@pytest.mark.parametrize(("locale", "names"), COMBOS)
def test_versions_keep_their_header_of_month_labels_and_names_as_text(
        sessions: dict[tuple[str, str], Session], locale: str, names: str) -> None:
    s = sessions[(locale, names)]
    ws = s.rounds[1][SHEETS[locale][1]]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0][6:]) == LABELS
    assert all(ws.cell(1, c).data_type == "s" for c in range(1, 19))
    new = {r[0]: r for r in rows[1:] if r[3] == "new"}
    assert list(new[1][4:]) == [NAME, 13, 1, 1, 1, 0, 1, 1, 1, 1, 2, 1, 1, 2]
    assert list(new[2][4:]) == [NAME, 14, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 5]
    assert {r[0] for r in rows[1:]} == {1, 2} and len(rows) == 1 + 2 * 7
    assert all(r[2] == REASON for r in rows[1:])
    assert isinstance(rows[1][1], dt.datetime)


@pytest.mark.libreoffice
@pytest.mark.parametrize(("locale", "names"), COMBOS)
def test_review_writes_a_row_per_finding_and_recognises_it_again(
        sessions: dict[tuple[str, str], Session], locale: str, names: str) -> None:
    s = sessions[(locale, names)]
    ws = s.rounds[1][SHEETS[locale][2]]
    entries = [r for r in ws.iter_rows(min_row=4, values_only=True) if any(r)]
    assert [r[1:3] for r in entries] == [("2025-09", "revenue")] * 2  # new actuals: new finding
    assert all(r[6] == OWNER for r in entries)
    assert all(ws.cell(4 + i, 2).data_type == "s" for i in range(2))
    reviews = [m for a, m in s.messages if a == "review"]
    assert len(reviews) == 3
    assert ("記入済み" if locale == "ja" else "is already on row 5") in reviews[2]


@pytest.mark.libreoffice
@pytest.mark.parametrize(("locale", "names"), COMBOS)
def test_smart_and_import_write_only_unlocked_cells(
        sessions: dict[tuple[str, str], Session], locale: str, names: str) -> None:
    s = sessions[(locale, names)]
    wb = s.rounds[1]
    assert wb[SHEETS[locale][3]].protection.sheet
    assert named(wb, "act_win_rate")[:2] == [0.3, None]
    imports = [m for a, m in s.messages if a == "import"]
    assert ("実績 1 件" if locale == "ja" else "Imported 1 actual(s) from Pasted") in imports[0]
    assert ("実績 0 件" if locale == "ja" else "Imported 0 actual(s)") in imports[1]
    fresh = openpyxl.load_workbook(write(solve(loads(plan_text(locale))),
                                         s.path.with_name("fresh.xlsx"), xlwings="lite"))
    sheet = SHEETS[locale][3]
    assert [r[:8] for r in wb[sheet].iter_rows(values_only=True)] == [
        r[:8] for r in fresh[sheet].iter_rows(values_only=True)]


# -- the import button off classic xlwings (no LibreOffice needed) --------------------------------
@pytest.fixture
def lite_file(tmp_path: Path) -> Path:
    return write(solve(loads(plan_text("en"))), tmp_path / "plan.xlsx", xlwings="lite")


def _click(path: Path, action: str, csv: str) -> tuple[str, list[dict[str, Any]]]:
    put(path, NAMES["action"], [ACTIONS[action][0]])
    put(path, NAMES["csv"], [csv])
    actions = xlremote.run_button(xlremote.load_main_py(main_py(path)),
                                  xlremote.payload(path, path))
    excel = xlremote.Excel(path)
    excel.apply(actions)
    return str(named(excel.wb, NAMES["result"])[0]), actions


@pytest.mark.parametrize("path", ["/etc/passwd", "actuals.csv", "C:\\data\\actuals.csv"])
def test_on_the_server_the_import_refuses_a_path(lite_file: Path, path: str) -> None:
    msg, actions = _click(lite_file, "import", path)
    assert "xlwings server cannot open a file on this computer" in msg
    assert [a["func"] for a in actions] == ["setValues"] and len(actions) == 1  # the result


def test_on_the_server_the_import_reads_csv_text_pasted_into_the_cell(lite_file: Path) -> None:
    msg, _ = _click(lite_file, "import", "id,month,value\nnew,2025-04,1\nnew,2025-05,0\n")
    assert "Imported 2 actual(s) from the CSV cell." in msg
    wb = openpyxl.load_workbook(lite_file)
    assert named(wb, "act_new")[:3] == [None, None, None]  # the applier's copy is not saved
    _, actions = _click(lite_file, "import", "id,month,value\nnew,2025-04,1\n")
    writes = [a for a in actions if a["values"] == [[1]]]
    assert len(writes) == 1


def test_the_remote_book_is_seen_as_the_server(lite_file: Path, monkeypatch: Any) -> None:
    import xlwings

    xlremote.remote_engine()
    monkeypatch.delenv("XLWINGS_ON_SERVER", raising=False)
    book = xlwings.Book(json=xlremote.payload(lite_file, lite_file))
    assert XlwingsBook(book).engine == "server"
    monkeypatch.setattr("kpixl.xl.book.sys.platform", "emscripten")
    assert XlwingsBook(book).engine == "lite"
