"""Every number and date is checked where it enters (plan, CSV, workbook, command line), deep
plans are solved without recursion limits or refused naming the depth, and `pull` writes YAML
that loads back identically. Through the installed command, one line per refusal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import run_kpixl

HERE = Path(__file__).parent
SEED = HERE / "plans" / "good" / "seed.yaml"


def kpixl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, timeout=180, limit_memory=True)


def refused(got: subprocess.CompletedProcess[str], phrase: str) -> None:
    assert "Traceback" not in got.stderr, got.stderr[-2000:]
    assert got.returncode == 1, (got.returncode, got.stdout, got.stderr)
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1 and phrase in lines[0], got.stderr
    assert "inf" not in got.stdout


@pytest.mark.parametrize("extra", [(), ("--confidence", "0.8")])
def test_backcalc_refuses_counts_it_cannot_hold(tmp_path: Path, extra: tuple[str, ...]) -> None:
    refused(kpixl("backcalc", "1e308", "--rate", "0.001", *extra, cwd=tmp_path),
            "the counts are too large")


@pytest.mark.parametrize("args", [("nan", "--rate", "0.5"), ("12", "--rate", "nan"),
                                  ("12", "--rate", "0.5", "--confidence", "nan"),
                                  ("inf", "--rate", "0.5")])
def test_backcalc_refuses_numbers_that_are_not_finite(tmp_path: Path,
                                                      args: tuple[str, ...]) -> None:
    got = kpixl("backcalc", *args, cwd=tmp_path)
    assert got.returncode == 1 and "Traceback" not in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and got.stdout == ""


def chain(levels: int) -> str:
    """A plan whose KGI is the top of a chain ``levels`` formulas deep."""
    lines = ["kpixl: 1", "title: Deep", "period: {start: 2026-04, months: 12}", "kgi: n0",
             "kpis:", "  n0: {name: N0, target: 100, formula: n1 * r0}"]
    for i in range(1, levels):
        lines += [f"  n{i}: {{name: N{i}, formula: n{i + 1} * r{i}}}",
                  f"  r{i - 1}: {{name: R{i - 1}, value: 1}}"]
    lines += [f"  r{levels - 1}: {{name: R{levels - 1}, value: 1}}", f"  n{levels}: {{name: N}}"]
    return "\n".join(lines) + "\n"


def test_a_plan_8000_levels_deep_is_checked_and_refused_by_build_naming_the_depth(
        tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text(chain(8000), encoding="utf-8")
    got = kpixl("check", "deep.yaml", cwd=tmp_path)
    assert got.returncode == 0 and "Traceback" not in got.stderr, got.stderr[-2000:]
    refused(kpixl("build", "deep.yaml", cwd=tmp_path), "the KPI tree is 8,001 levels deep")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep.yaml"]


LIBRARY = r"""
import sys
import kpixl
print(sys.getrecursionlimit())
for path in sys.argv[1:]:
    result = kpixl.check(path)
    print(len(result.plan.nodes), result.solution.total("n1"))
"""


def test_the_library_checks_deep_plans_with_the_default_recursion_limit(tmp_path: Path
                                                                        ) -> None:
    for n in (400, 8000):
        (tmp_path / f"d{n}.yaml").write_text(chain(n), encoding="utf-8")
    got = subprocess.run([sys.executable, "-c", LIBRARY, "d400.yaml", "d8000.yaml"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert got.returncode == 0, got.stderr[-3000:]
    limit, first, second = got.stdout.split("\n")[:3]
    assert int(limit) <= 1000  # Python's default: no limit raised behind the caller's back
    # each rate is 1, so every level below the KGI needs the KGI's target: 100
    assert first == "801 100.0" and second == "16001 100.0"


@pytest.mark.parametrize(("start", "end"), [("9999-06", "10000-05"), ("9999-01", "9999-12")])
def test_a_period_running_past_excels_dates_is_one_line(tmp_path: Path, start: str,
                                                         end: str) -> None:
    text = SEED.read_text("utf-8").replace("locale: ja", "locale: en").replace(
        "start: 2026-04", f"start: {start}")
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    refused(kpixl("build", "p.yaml", cwd=tmp_path), f"the plan runs from {start} to {end}")


def test_products_that_overflow_are_plan_errors(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "kpixl: 1\ntitle: T\nperiod: {start: 2026-04}\nkgi: r\nkpis:\n"
        "  r: {name: R, target: 1e308, formula: a * b}\n  a: {name: A, value: 1e-300}\n"
        "  b: {name: B}\n", encoding="utf-8")
    refused(kpixl("check", "p.yaml", cwd=tmp_path), "not a finite number")


@pytest.fixture
def en_wb(tmp_path: Path) -> Path:
    text = SEED.read_text("utf-8").replace("locale: ja", "locale: en")
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    assert kpixl("build", "p.yaml", "-o", "w.xlsx", cwd=tmp_path).returncode == 0
    return tmp_path / "w.xlsx"


def test_csv_numbers_beyond_what_excel_holds_are_refused(en_wb: Path) -> None:
    folder = en_wb.parent
    before = en_wb.read_bytes()
    for value in ("1e309", "1e308"):  # inf, and a value whose sums overflow
        (folder / "a.csv").write_text(f"id,month,value\ninquiries,2026-04,{value}\n", "utf-8")
        refused(kpixl("actuals", "import", "w.xlsx", "a.csv", cwd=folder),
                f"C2 (value): '{value}' is not a finite number of a usable size")
    assert en_wb.read_bytes() == before


@pytest.mark.parametrize("fmt", ["json", "html", "text", "markdown"])
def test_huge_actuals_typed_in_the_workbook_give_a_finite_report(en_wb: Path, fmt: str) -> None:
    wb = openpyxl.load_workbook(en_wb)
    for name in ("act_inquiries", "act_orders", "act_revenue"):
        sheet, ref = wb.defined_names[name].attr_text.split("!")
        first = ref.split(":")[0].replace("$", "")
        wb[sheet.strip("'")][first] = 1e308  # typed in Excel: the largest number it holds
    wb.save(en_wb)
    got = kpixl("report", "w.xlsx", "--format", fmt, cwd=en_wb.parent)
    assert got.returncode == 0 and "Traceback" not in got.stderr, got.stderr[-2000:]
    if fmt == "json":
        def no_constant(name: str) -> None:
            raise AssertionError(f"{name} in the JSON report")

        data = json.loads(got.stdout, parse_constant=no_constant)
        assert data["nodes"][0]["actuals"][0] == 1e308


QUIRKY = ["09", "1_000", ".inf", "0x1F", "0o17", "yes", "null", "~", "2026-04-01", "1e3",
          "+12", " padded ", "true"]


def test_pull_quotes_every_string_yaml_would_read_as_another_type(tmp_path: Path) -> None:
    from kpixl.model.loader import load

    text = SEED.read_text("utf-8").replace("locale: ja", "locale: en")
    lines = text.replace("owner: 営業本部長", "owner: '09'").splitlines()
    kfs = [f"  - {{id: k{i}, name: {json.dumps(q)}, kpis: [inquiries], owner: {json.dumps(q)}}}"
           for i, q in enumerate(QUIRKY)]
    lines = [ln for ln in lines if not ln.startswith(("kfs:", "  - id:", "    name: MA",
                                                      "    kpis:", "    owner: マ",
                                                      "    due: 2026-06"))]
    (tmp_path / "p.yaml").write_text("\n".join([*lines, "kfs:", *kfs]) + "\n", "utf-8")
    plan = load(tmp_path / "p.yaml")
    assert kpixl("build", "p.yaml", "-o", "w.xlsx", cwd=tmp_path).returncode == 0
    assert kpixl("pull", "w.xlsx", "-o", "back.yaml", cwd=tmp_path).returncode == 0
    back = load(tmp_path / "back.yaml")
    assert back.nodes["revenue"].owner == "09"
    assert [(k.name, k.owner) for k in back.kfs] == [(k.name, k.owner) for k in plan.kfs]
    assert [k.owner for k in back.kfs] == QUIRKY
    assert kpixl("check", "back.yaml", cwd=tmp_path).returncode == 0
