"""The LibreOffice harness really recalculates, and says so loudly when it cannot.

Every workbook here caches a deliberately WRONG value (999) in its formula cells: if the
harness only re-saved the cache, the tests would read 999 instead of the computed result.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import lo
import pytest
import xlsxwriter

pytestmark = pytest.mark.libreoffice

Recalc = Callable[..., list[Path]]


def write_wrong_cache(path: Path, a1: int = 21, sheet: str = "Data") -> Path:
    """A1 = a1, B1 = A1*2 cached as 999; name Answer -> B1."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    ws.write("A1", a1)
    ws.write_formula("B1", "=A1*2", None, 999)
    quoted = "'" + sheet.replace("'", "''") + "'"
    wb.define_name("Answer", f"={quoted}!$B$1")
    wb.close()
    return path


def test_recalculation_replaces_a_wrong_cached_value(recalc: Recalc, tmp_path: Path) -> None:
    src = write_wrong_cache(tmp_path / "wrong.xlsx")

    (out,) = recalc(src)

    assert lo.values(src)[("Data", "B1")] == 999  # the cache is wrong on purpose
    assert lo.values(out) == {("Data", "A1"): 21, ("Data", "B1"): 42}
    assert lo.named_values(out) == {"Answer": 42}


def test_three_files_convert_in_one_soffice_call(
    soffice: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    real_run = lo._run

    def counting_run(cmd: list[str]) -> tuple[str, str]:
        calls.append(cmd)
        return real_run(cmd)

    monkeypatch.setattr(lo, "_run", counting_run)
    # Two inputs share the stem "plan": the outputs must not overwrite each other.
    srcs = [
        write_wrong_cache(tmp_path / "a" / "plan.xlsx", a1=1),
        write_wrong_cache(tmp_path / "b" / "plan.xlsx", a1=2),
        write_wrong_cache(tmp_path / "c" / "other.xlsx", a1=3),
    ]

    got = lo.recalculate(srcs, tmp_path / "out")

    assert len(calls) == 1
    assert list(got) == srcs
    assert len(set(got.values())) == 3
    assert [lo.values(got[s])[("Data", "B1")] for s in srcs] == [2, 4, 6]


def test_named_values_read_cells_rows_and_columns(recalc: Recalc, tmp_path: Path) -> None:
    src = tmp_path / "names.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("KPI's 計画")  # apostrophe and CJK: the title must be quoted
    ws.write_row("A1", [1, 2, 3])
    ws.write_formula("D1", "=SUM(A1:C1)", None, 999)
    ws.write_column("A3", ["x", "y"])
    q = "'KPI''s 計画'"
    wb.define_name("Total", f"={q}!$D$1")
    wb.define_name("Months", f"={q}!$A$1:$D$1")
    wb.define_name("Labels", f"={q}!$A$3:$A$4")
    wb.define_name("Block", f"={q}!$A$1:$B$2")  # 2-D: left out
    wb.define_name("Rate", "=0.05")  # constant: left out
    wb.close()

    (out,) = recalc(src)

    exp = {"Total": 6, "Months": [1, 2, 3, 6], "Labels": ["x", "y"]}
    assert lo.named_values(out) == exp


def test_recalculated_values_match_a_correct_cache(recalc: Recalc, tmp_path: Path) -> None:
    src = tmp_path / "right.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("S")
    ws.write("A1", 0.1)
    ws.write_formula("A2", "=A1*3", None, 0.1 * 3)
    ws.write_formula("A3", '=IF(A1>1,"big","")', None, "")
    ws.write_formula("A4", '="n="&A1', None, "n=0.1")
    ws.write_formula("A5", "=A1>0", None, True)
    wb.close()

    (out,) = recalc(src)

    assert lo.diff_values(lo.values(src), lo.values(out)) == []
    assert lo.values(out)[("S", "A2")] == 0.3  # Calc saves 15 digits: compare with a tolerance


def test_missing_input_raises_naming_the_file(recalc: Recalc, tmp_path: Path) -> None:
    ok = write_wrong_cache(tmp_path / "ok.xlsx")
    missing = tmp_path / "nowhere.xlsx"

    with pytest.raises(RuntimeError, match=r"nowhere\.xlsx") as err:
        recalc(ok, missing)

    assert "ok.xlsx" not in str(err.value)


def test_outdir_holding_an_input_is_refused(recalc: Recalc, tmp_path: Path) -> None:
    src = write_wrong_cache(tmp_path / "mine.xlsx")

    with pytest.raises(RuntimeError, match=r"(?s)overwrite input.*mine\.xlsx"):
        lo.recalculate([src], tmp_path)

    assert lo.values(src)[("Data", "B1")] == 999  # untouched


def test_garbage_input_raises_naming_the_file(recalc: Recalc, tmp_path: Path) -> None:
    bad = tmp_path / "garbage.xlsx"
    bad.write_bytes(b"not a zip\n1,2,3\n")

    with pytest.raises(RuntimeError, match=r"garbage\.xlsx"):
        recalc(bad)


def test_malformed_sheet_xml_raises_naming_the_file(recalc: Recalc, tmp_path: Path) -> None:
    # LibreOffice would silently load this as an EMPTY sheet; the harness must refuse it.
    good = write_wrong_cache(tmp_path / "good.xlsx")
    bad = tmp_path / "broken_sheet.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = b"<<<not xml" if name == "xl/worksheets/sheet1.xml" else zin.read(name)
            zout.writestr(name, data)

    with pytest.raises(RuntimeError, match=r"(?s)broken_sheet\.xlsx.*malformed XML"):
        recalc(bad)


def test_file_libreoffice_cannot_load_raises_with_its_stderr(
    soffice: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Skip the pre-check so the file reaches soffice, which exits 0 without an output.
    monkeypatch.setattr(lo, "_check_input", lambda path: None)
    ok = write_wrong_cache(tmp_path / "fine.xlsx")
    bad = tmp_path / "unloadable.xlsx"
    bad.write_bytes(b"\x00garbage")

    with pytest.raises(RuntimeError, match=r"unloadable\.xlsx") as err:
        lo.recalculate([ok, bad], tmp_path / "out")

    assert "source file could not be loaded" in str(err.value)
    assert "fine.xlsx" not in str(err.value).split("soffice stdout")[0]


def test_diff_values_reports_each_difference_and_tolerates_float_noise() -> None:
    exp = {"a": 0.30000000000000004, "b": [1, "x"], "c": True, "d": 5}
    got = {"a": 0.3, "b": [1, "y"], "c": 1, "e": 7}

    assert lo.diff_values(exp, got) == [
        "'b': expected [1, 'x'], got [1, 'y']",
        "'c': expected True, got 1",
        "'d': expected 5, missing",
        "'e': unexpected 7",
    ]
