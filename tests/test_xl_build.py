"""`kpixl build --xlwings classic|lite`: the files' structure, read back from the zip.

What Linux can prove: content types, the VBA project's bytes, the macro the button calls, the
xlwings.conf keys, the Lite text box's name and link, the companion module running an action
through the xlwings Book API (a stand-in over openpyxl). What only Excel can prove is listed in
docs/xlwings.md ("Verified in Excel: not yet").
"""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from kpixl import load
from kpixl.app.build import write
from kpixl.cli import main as cli
from kpixl.engine.solve import solve
from kpixl.errors import KpixlError
from kpixl.layout.controls import ACTIONS, MACRO, NAMES, UDF_MODULE
from kpixl.xl import assets, lite_main_py
from kpixl.xl.book import OpenpyxlBook, cells_of

WORKED = Path(__file__).parent / "plans" / "engine" / "worked_example.yaml"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
      "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "ct": "http://schemas.openxmlformats.org/package/2006/content-types"}


@pytest.fixture(scope="module")
def classic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("classic")
    return write(solve(load(WORKED)), folder / "worked_plan.xlsm", xlwings="classic")


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lite")
    return write(solve(load(WORKED)), folder / "worked-plan.xlsx", xlwings="lite")


def xml(path: Path, member: str) -> ET.Element:
    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read(member))


def rels(path: Path, member: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last word, target) of a part."""
    folder, name = member.rsplit("/", 1)
    root = xml(path, f"{folder}/_rels/{name}.rels")
    return {r.get("Id"): (r.get("Type", "").rsplit("/", 1)[-1], r.get("Target", ""))
            for r in root.findall("rel:Relationship", NS)}


def sheet_part(path: Path, sheet: str) -> str:
    wb = xml(path, "xl/workbook.xml")
    rid = next(s.get(f"{{{NS['r']}}}id") for s in wb.find("m:sheets", NS) if s.get("name") == sheet)
    return "xl/" + rels(path, "xl/workbook.xml")[rid][1]


def resolve(part: str, target: str) -> str:
    parts = part.rsplit("/", 1)[0].split("/")
    for step in target.split("/"):
        if step == "..":
            parts.pop()
        else:
            parts.append(step)
    return "/".join(parts)


# -- classic --------------------------------------------------------------------------------------
def test_classic_workbook_is_macro_enabled(classic: Path) -> None:
    types = xml(classic, "[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.findall("ct:Override", NS)}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.findall("ct:Default", NS)}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    assert defaults["bin"] == "application/vnd.ms-office.vbaProject"
    assert xml(classic, "xl/workbook.xml").find("m:workbookPr", NS).get("codeName") == \
        "ThisWorkbook"


def test_vba_project_is_byte_identical_to_the_xlwings_asset(classic: Path) -> None:
    with zipfile.ZipFile(assets.xlwings_dir() / "quickstart.xlsm") as z:
        exp = z.read("xl/vbaProject.bin")
    with zipfile.ZipFile(classic) as z:
        got = z.read("xl/vbaProject.bin")
    assert got == exp == bytes(assets.vba_project())


def test_the_form_button_calls_a_macro_of_the_project(classic: Path) -> None:
    part = sheet_part(classic, "Guide")
    vml = [resolve(part, t) for kind, t in rels(classic, part).values() if kind == "vmlDrawing"]
    with zipfile.ZipFile(classic) as z:
        text = z.read(vml[0]).decode()
        project = z.read("xl/vbaProject.bin")
    assert re.findall(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", text) == [f"[0]!{MACRO}"]
    assert assets.procedures(project)[MACRO] == "Module1"
    source = assets.vba_modules(project)["Module1"]
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in source


def test_xlwings_conf_points_at_the_user_functions(classic: Path) -> None:
    ws = openpyxl.load_workbook(classic, keep_vba=True)["xlwings.conf"]
    assert (ws["A1"].value, ws["B1"].value, ws["A2"].value) == ("UDF Modules", UDF_MODULE, None)
    module = importlib.import_module(ws["B1"].value)
    assert all(hasattr(module, f"KPIXL_{n}") for n in ("BACKCALC", "SOLVE", "STATUS"))


@pytest.mark.parametrize("which", ["classic", "lite"])
def test_no_sheet_is_named_like_a_python_file(which: str, request: Any) -> None:
    path = request.getfixturevalue(which)
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert not [n for n in names if n.lower().endswith(".py")]


def test_control_panel_cells_are_defined_names_with_a_dropdown(classic: Path) -> None:
    wb = openpyxl.load_workbook(classic, keep_vba=True)
    assert {NAMES[k] for k in NAMES} <= set(wb.defined_names)
    sheet, coord = next(iter(wb.defined_names["action"].destinations))
    ws = wb[sheet]
    rules = [dv for dv in ws.data_validations.dataValidation if coord.replace("$", "") in
             str(dv.sqref)]
    assert rules and rules[0].type == "list"
    assert ws[coord.replace("$", "")].value == ACTIONS["replan"][0]
    sheet, coord = next(iter(wb.defined_names["action_result"].destinations))
    assert wb[sheet][coord.replace("$", "")].protection.locked is False


# -- the companion module, run through the xlwings Book API ---------------------------------------
class _Range:
    def __init__(self, sheet: _Sheet, a: tuple[int, int], b: tuple[int, int]) -> None:
        self.ws, self.a, self.b = sheet.ws, a, b

    def options(self, **_: Any) -> _Range:
        return self

    def _cells(self) -> list[list[Any]]:
        return [[self.ws.cell(r, c) for c in range(self.a[1], self.b[1] + 1)]
                for r in range(self.a[0], self.b[0] + 1)]

    @property
    def value(self) -> list[list[Any]]:
        return [[c.value for c in row] for row in self._cells()]

    @value.setter
    def value(self, values: Any) -> None:
        rows = values if isinstance(values, list) and isinstance(values[0], list) else [[values]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.ws.cell(self.a[0] + i, self.a[1] + j).value = v

    @property
    def formula(self) -> Any:
        got = tuple(tuple(str(c.value) if c.value is not None else "" for c in row)
                    for row in self._cells())
        return got[0][0] if len(got) == 1 and len(got[0]) == 1 else got


class _Sheet:
    def __init__(self, ws: Any) -> None:
        self.ws, self.name, self.api = ws, ws.title, object()

    def range(self, a: tuple[int, int], b: tuple[int, int] | None = None) -> _Range:
        return _Range(self, a, b or a)

    @property
    def used_range(self) -> Any:
        last = type("Cell", (), {"row": self.ws.max_row, "column": self.ws.max_column})
        return type("Used", (), {"last_cell": last})


class _Sheets(list[_Sheet]):
    def __init__(self, wb: Any) -> None:
        super().__init__(_Sheet(ws) for ws in wb.worksheets)
        self.wb = wb

    def __getitem__(self, key: Any) -> Any:
        return next(s for s in self if s.name == key) if isinstance(key, str) else \
            super().__getitem__(key)

    def add(self, name: str, after: Any = None) -> _Sheet:
        self.append(_Sheet(self.wb.create_sheet(name)))
        return self[-1]


class FakeXwBook:
    """The part of ``xlwings.Book`` that kpixl.xl.book.XlwingsBook uses, over openpyxl."""

    def __init__(self, path: Path) -> None:
        self.wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
        self.sheets = _Sheets(self.wb)
        self.fullname = str(path)
        self.names = [type("Name", (), {"name": k, "refers_to": "=" + v.attr_text})
                      for k, v in self.wb.defined_names.items()]


def _set(book: FakeXwBook, name: str, values: list[Any]) -> None:
    sheet, r0, c0, _, _ = cells_of(OpenpyxlBook(book.wb), name)
    for j, v in enumerate(values):
        book.wb[sheet].cell(r0 + 1, c0 + 1 + j).value = v


def _get(book: FakeXwBook, name: str) -> list[Any]:
    sheet, r0, c0, r1, c1 = cells_of(OpenpyxlBook(book.wb), name)
    return [book.wb[sheet].cell(r + 1, c + 1).value for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)]


def test_companion_main_runs_the_chosen_action(classic: Path, monkeypatch: Any) -> None:
    import xlwings

    fake = FakeXwBook(classic)
    _set(fake, "act_new", [1, 0, 1, 0, 1, 1])
    _set(fake, "in_asof", [6])
    _set(fake, "action", [ACTIONS["replan"][0]])
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: fake), raising=False)
    spec = importlib.util.spec_from_file_location("worked_plan", classic.with_suffix(".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()
    assert _get(fake, "ovr_new")[6:] == [None, None, 2, None, None, None]
    assert "1 target(s) changed" in _get(fake, "action_result")[0]
    assert fake.sheets["Target History"].range((2, 3)).value == [["new"]]


def test_lite_main_py_runs_the_action_from_its_button_script(lite: Path) -> None:
    fake = FakeXwBook(lite)
    _set(fake, "action", [ACTIONS["snapshot"][0]])
    code = _guide_main_py(lite)
    namespace: dict[str, Any] = {}
    exec(compile(code, "main.py", "exec"), namespace)  # decorators are no-ops off Windows
    namespace["kpixl_run"](fake)
    assert "Saved version 1" in _get(fake, "action_result")[0]


# -- names a classic workbook cannot have ---------------------------------------------------------
@pytest.mark.parametrize(("name", "says"), [
    ("my-plan.xlsm", "valid Python module name (ASCII letters, digits, _); use e.g. my_plan.xlsm"),
    ("class.xlsm", "use e.g. kpi_class.xlsm"),
    ("2026plan.xlsm", "use e.g. kpi_2026plan.xlsm"),
    ("json.xlsm", "`import json` would load Python's or another package's module"),
    ("kpixl.xlsm", "use e.g. kpixl_plan.xlsm"),
    ("xlwings.xlsm", "module 'xlwings'"),
    ("plan.xlsx", "must be an .xlsm file"),
])
def test_classic_refuses_a_name_python_cannot_import(tmp_path: Path, name: str, says: str) -> None:
    with pytest.raises(KpixlError, match=re.escape(says)):
        write(solve(load(WORKED)), tmp_path / name, xlwings="classic")
    assert list(tmp_path.iterdir()) == []


def test_classic_keeps_a_python_file_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "plan.py").write_text("print('mine')\n", encoding="utf-8")
    with pytest.raises(KpixlError, match="was not written by kpixl"):
        write(solve(load(WORKED)), tmp_path / "plan.xlsm", xlwings="classic")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.py"]


def test_classic_rebuild_rewrites_its_own_companion(classic: Path) -> None:
    out = write(solve(load(WORKED)), classic, xlwings="classic", force=True)
    assert "def main()" in out.with_suffix(".py").read_text("utf-8")


# -- without the xlwings package ------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["lite", "classic"])
def test_without_xlwings_the_options_fail_with_a_hint(tmp_path: Path, monkeypatch: Any,
                                                      capsys: Any, mode: str) -> None:
    monkeypatch.setattr(assets, "_find_xlwings", lambda: None)
    out = tmp_path / ("plan.xlsm" if mode == "classic" else "plan.xlsx")
    code = cli(["build", str(WORKED), "-o", str(out), "--xlwings", mode])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].endswith('pip install "kpixl[xlwings]"')
    assert not out.exists()


def test_without_the_option_no_xlwings_is_needed(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(assets, "_find_xlwings", lambda: None)
    out = write(solve(load(WORKED)), tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(out)
    assert "action" not in wb.defined_names and "xlwings.conf" not in wb.sheetnames


def test_the_writer_never_imports_xlwings() -> None:
    import kpixl.xlsx.writer

    source = Path(kpixl.xlsx.writer.__file__).read_text("utf-8")
    assert "xlwings" not in re.sub(r'""".*?"""', "", source, flags=re.S)
    assert "kpixl.xlsx.writer" in sys.modules


# -- Lite -----------------------------------------------------------------------------------------
def _guide_main_py(path: Path) -> str:
    ws = openpyxl.load_workbook(path)["Guide"]
    return next(c.offset(0, 1).value for row in ws.iter_rows() for c in row
                if c.value == "main.py")


def _text_box(path: Path) -> tuple[str, str, tuple[int, int]]:
    """(shape name, hyperlink target, anchor (row, col)) of the Guide sheet's text box."""
    part = sheet_part(path, "Guide")
    drawing = next(resolve(part, t) for kind, t in rels(path, part).values() if kind == "drawing")
    root = xml(path, drawing)
    anchor = root.find("xdr:twoCellAnchor", NS)
    c_nv = anchor.find(".//xdr:cNvPr", NS)
    link = c_nv.find("a:hlinkClick", NS).get(f"{{{NS['r']}}}id")
    frm = anchor.find("xdr:from", NS)
    at = (int(frm.find("xdr:row", NS).text), int(frm.find("xdr:col", NS).text))
    return c_nv.get("name"), rels(path, drawing)[link][1], at


def test_lite_text_box_links_to_the_cell_its_script_is_bound_to(lite: Path) -> None:
    name, target, (row, col) = _text_box(lite)
    binding = re.search(r'@script\(button="([^"]+)"', _guide_main_py(lite)).group(1)
    m = re.fullmatch(r"\[(.+)\](.+)!([A-Z]+)(\d+)", binding)
    assert m is not None
    shape, sheet, letters, number = m.groups()
    assert shape == name == "TextBox 1"
    assert target == f"#'{sheet}'!{letters}{number}"
    assert (row, col) == (int(number) - 1, openpyxl.utils.column_index_from_string(letters) - 1)


def test_lite_workbook_is_a_plain_xlsx(lite: Path) -> None:
    with zipfile.ZipFile(lite) as z:
        assert "xl/vbaProject.bin" not in z.namelist()
    wb = openpyxl.load_workbook(lite)
    assert "xlwings.conf" not in wb.sheetnames
    assert {NAMES[k] for k in NAMES} <= set(wb.defined_names)


def test_lite_main_py_in_the_workbook_is_the_generated_one(lite: Path) -> None:
    from kpixl.layout.controls import RunButton
    from kpixl.layout.core import CellRef

    name, _, (row, col) = _text_box(lite)
    button = RunButton(sheet="Guide", cell=CellRef("Guide", row, col), shape=name)
    assert _guide_main_py(lite) == lite_main_py(button)


def test_japanese_lite_binding_names_the_japanese_guide(tmp_path: Path) -> None:
    from kpixl import loads
    from kpixl.app.build import template_text

    out = write(solve(loads(template_text("sales_funnel", "ja"))), tmp_path / "p.xlsx",
                xlwings="lite")
    ws = openpyxl.load_workbook(out)["使い方"]
    code = next(c.offset(0, 1).value for row in ws.iter_rows() for c in row if c.value == "main.py")
    assert '@script(button="[TextBox 1]使い方!' in code


# -- the documented Lite snippets are what the build writes --------------------------------------
def _fenced(page: str, lang: str) -> list[str]:
    text = (Path(__file__).parent.parent / "docs" / page).read_text("utf-8")
    blocks = re.findall(rf"^( *)```{lang}\n(.*?)^\1```", text, flags=re.M | re.S)
    return ["".join(ln[len(indent):] + "\n" for ln in body.splitlines())
            for indent, body in blocks]


@pytest.mark.parametrize(("page", "lang"), [("xlwings.md", "en"), ("xlwings.ja.md", "ja")])
def test_documented_lite_main_py_is_what_the_build_writes(tmp_path: Path, page: str,
                                                          lang: str) -> None:
    from kpixl import loads
    from kpixl.app.build import template_text
    from kpixl.xl import lite_requirements

    out = write(solve(loads(template_text("sales_funnel", lang))), tmp_path / "p.xlsx",
                xlwings="lite")
    guide = openpyxl.load_workbook(out).worksheets[0]
    built = next(c.offset(0, 1).value for row in guide.iter_rows() for c in row
                 if c.value == "main.py")
    documented = [b for b in _fenced(page, "python") if "@script(" in b]
    assert documented == [built]
    assert lite_requirements() in _fenced(page, "text")


# -- the Lite requirements.txt names what an index serves -----------------------------------------
def test_lite_requirements_name_a_wheel_address_and_kpixl_s_dependencies(monkeypatch: Any
                                                                         ) -> None:
    from importlib.metadata import requires

    from kpixl.xl import WHEEL_PLACEHOLDER, check_lite_requirements, lite_requirements

    monkeypatch.delenv("KPIXL_LITE_WHEEL", raising=False)
    lines = lite_requirements().splitlines()
    assert lines[0] == WHEEL_PLACEHOLDER and ".invalid/" in lines[0]
    assert lines[1:] == [r for r in requires("kpixl") or [] if ";" not in r]
    assert not any(ln.lower().startswith("kpixl") for ln in lines)
    check_lite_requirements(lite_requirements())


def test_lite_build_takes_the_wheel_address_from_the_environment(tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    from kpixl._version import __version__

    url = f"https://files.example.com/dist/kpixl-{__version__}-py3-none-any.whl"
    monkeypatch.setenv("KPIXL_LITE_WHEEL", url)
    out = write(solve(load(WORKED)), tmp_path / "p.xlsx", xlwings="lite")
    guide = openpyxl.load_workbook(out).worksheets[0]
    req = next(c.offset(0, 1).value for row in guide.iter_rows() for c in row
               if c.value == "requirements.txt")
    assert req.splitlines()[0] == url


@pytest.mark.parametrize(("text", "says"), [
    ("kpixl==0.1.0\n", "kpixl is not on PyPI"),
    ("https://example.com/kpixl.zip\n", "must be the https:// address of a kpixl wheel"),
    ("https://example.com/kpixl-0.0.1-py3-none-any.whl\n", "the wheel is kpixl 0.0.1"),
    ("surely-not-a-kpixl-dependency>=1\n", "cannot be resolved"),
])
def test_a_requirement_lite_cannot_install_is_refused(text: str, says: str) -> None:
    from kpixl.xl import check_lite_requirements

    with pytest.raises(KpixlError, match=re.escape(says)):
        check_lite_requirements(text)


def test_a_lite_build_with_a_bad_wheel_address_writes_nothing(tmp_path: Path, monkeypatch: Any,
                                                               capsys: Any) -> None:
    monkeypatch.setenv("KPIXL_LITE_WHEEL", "http://example.com/kpixl.whl")
    out = tmp_path / "p.xlsx"
    code = cli(["build", str(WORKED), "-o", str(out), "--xlwings", "lite"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "KPIXL_LITE_WHEEL" in err[0]
    assert not out.exists()
