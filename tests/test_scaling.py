"""Scaling guards that time nothing: operation counts and cheap proxies must grow linearly.

Plans come from ``benchmarks/gen.py`` (a revenue KGI over regions of five product-line funnels,
so no single formula widens as the plan grows: a sum of k operands is legitimately O(k^2) in
places, and is bounded by the 2,000-character formula limit, not by the plan's size). Each guard
measures a count at three sizes n, 2n, 4n (nodes, or months) and checks that the second step
adds at most about twice what the first added: a linear path doubles its increment, a
quadratic one quadruples it, whatever the machine (fixed overheads cancel out). Things that must
not grow at all (formats, conditional-format rules) are checked for staying flat.

The counts: cells, formula cells and formula characters, defined names, data validations,
conditional-format rules, charts, format objects (style keys), calls of the formula builders
(kpixl.formulas.builders), Python function calls made by the engine and by the layout, and the
XlsxWriter calls the writer makes (against a recording stand-in: no file is written). The last
group also checks that every format is created once per style key and every validation and
conditional format is one call for its whole range. Timings live in benchmarks/ only.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import kpixl
from kpixl.formulas import builders as fx
from kpixl.layout import WorkbookLayout, build_layout

ROOT = Path(__file__).resolve().parent.parent
REGION = 5  # lines per region at every size: no formula widens as the plan grows
LINES = (10, 20, 40)  # product lines: 73, 145 and 289 nodes (KGI, regions, 7 per line)
NODES = tuple(1 + k // REGION + 7 * k for k in LINES)
MONTHS = (12, 24, 48)
SLACK = 2.3  # the second increment may be at most this many times the first (linear: 2.0)


def _gen() -> Any:
    spec = importlib.util.spec_from_file_location("kpixl_bench_gen", ROOT / "benchmarks" / "gen.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _gen()


def plan_text(nodes: int, months: int = 12) -> str:
    return str(GEN.plan_text(nodes, months, region_size=REGION))


def assert_linear(what: str, counts: tuple[float, float, float]) -> None:
    a, b, c = counts
    first, second = b - a, c - b
    assert second <= SLACK * max(first, 0) + 8, (
        f"{what} grows faster than linearly: {a:g} -> {b:g} -> {c:g} "
        f"(increments {first:g}, {second:g}; a linear path at most doubles its increment)")


def assert_flat(what: str, counts: tuple[float, float, float], slack: float = 2) -> None:
    assert max(counts) - min(counts) <= slack, f"{what} should not grow with the plan: {counts}"


@contextmanager
def count_calls(prefixes: tuple[str, ...]) -> Iterator[Counter[str]]:
    """Count Python function calls whose code lives in a file under one of ``prefixes``."""
    calls: Counter[str] = Counter()

    def prof(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(prefixes):
            calls[frame.f_code.co_name] += 1

    old = sys.getprofile()
    sys.setprofile(prof)
    try:
        yield calls
    finally:
        sys.setprofile(old)


KPIXL_DIR = str(ROOT / "kpixl")
ENGINE_DIRS = (str(ROOT / "kpixl" / "engine"), str(ROOT / "kpixl" / "expr.py"),
               str(ROOT / "kpixl" / "rounding.py"))
LAYOUT_DIRS = (str(ROOT / "kpixl" / "layout"), str(ROOT / "kpixl" / "formulas.py"))


@functools.cache
def measured(nodes: int, months: int = 12) -> dict[str, Any]:
    """Every count for one generated plan."""
    text = plan_text(nodes, months)
    with count_calls(ENGINE_DIRS) as engine_calls:
        plan = kpixl.loads(text, source=f"gen_{nodes}_{months}.yaml")
        solution = kpixl.solve(plan)
    builder_calls: Counter[str] = Counter()
    originals = {name: getattr(fx, name) for name in fx.__all__}

    def counted(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kw: Any) -> Any:
            builder_calls[name] += 1
            return f(*args, **kw)
        return wrapper

    mp = pytest.MonkeyPatch()
    try:
        for name, f in originals.items():
            mp.setattr(fx, name, counted(name, f))
        with count_calls(LAYOUT_DIRS) as layout_calls:
            layout = build_layout(solution)
    finally:
        mp.undo()
    out: dict[str, Any] = layout_counts(layout)
    out["engine_calls"] = sum(engine_calls.values())
    out["layout_calls"] = sum(layout_calls.values())
    out["builder_calls"] = sum(builder_calls.values())
    out["per_function"] = Counter({f"engine {k}": v for k, v in engine_calls.items()})
    out["per_function"].update({f"layout {k}": v for k, v in layout_calls.items()})
    out["per_function"].update({f"builder {k}": v for k, v in builder_calls.items()})
    out.update(writer_counts(layout, out["per_function"]))
    return out


def layout_counts(layout: WorkbookLayout) -> dict[str, float]:
    formulas = [c.formula for s in layout.sheets for c in s.cells.values() if c.formula]
    return {
        "cells": sum(len(s.cells) for s in layout.sheets),
        "formulas": len(formulas),
        "formula_chars": sum(map(len, formulas)),
        "names": len(layout.names),
        "styles": len(layout.styles),
        "validations": sum(len(s.validations) for s in layout.sheets),
        "cond_formats": sum(len(s.cond_formats) for s in layout.sheets),
        "merges": sum(len(s.merges) for s in layout.sheets),
        "charts": sum(len(s.charts) for s in layout.sheets),
    }


# -- a recording stand-in for XlsxWriter -----------------------------------------------------------
class _Recorder:
    """Accepts any method call, counts it by name, and returns another recorder."""

    def __init__(self, calls: Counter[str], prefix: str) -> None:
        self._calls, self._prefix = calls, prefix

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        calls, prefix = self._calls, self._prefix

        def method(*args: Any, **kw: Any) -> Any:
            calls[f"{prefix}{name}"] += 1
            child = {"add_worksheet": "ws.", "add_chart": "chart.", "add_format": "fmt."}
            return _Recorder(calls, child.get(name, prefix))
        return method


def writer_counts(layout: WorkbookLayout, per_function: Counter[str]) -> dict[str, float]:
    import xlsxwriter

    import kpixl.xlsx.writer as writer

    calls: Counter[str] = Counter()

    def workbook(*args: Any, **kw: Any) -> _Recorder:
        calls["Workbook"] += 1
        return _Recorder(calls, "wb.")

    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(xlsxwriter, "Workbook", workbook)
        for attr in ("xlsxwriter",):
            if hasattr(writer, attr):
                mp.setattr(writer, attr, xlsxwriter)
        if hasattr(writer, "Workbook"):
            mp.setattr(writer, "Workbook", workbook)
        import tempfile

        with tempfile.TemporaryDirectory() as tmp, count_calls((KPIXL_DIR,)) as own:
            writer.write_workbook(layout, Path(tmp) / "scaling.xlsx")
    finally:
        mp.undo()
    assert calls["Workbook"] == 1, "the writer no longer goes through xlsxwriter.Workbook"
    per_function.update({f"writer {k}": v for k, v in own.items()})
    per_function.update({f"xlsxwriter {k}": v for k, v in calls.items()})
    cell_writes = sum(v for k, v in calls.items() if k.startswith("ws.write") and
                      k != "ws.write_comment")
    return {
        "xl_formats": calls["wb.add_format"],
        "xl_cell_writes": cell_writes,
        "xl_validations": calls["ws.data_validation"],
        "xl_cond_formats": calls["ws.conditional_format"],
        "xl_calls": sum(calls.values()),
        "writer_calls": sum(own.values()),
    }


# -- the guards ------------------------------------------------------------------------------------
def by_nodes(key: str) -> tuple[float, float, float]:
    a, b, c = (measured(n)[key] for n in NODES)
    return a, b, c


def by_months(key: str) -> tuple[float, float, float]:
    a, b, c = (measured(NODES[0], m)[key] for m in MONTHS)
    return a, b, c


def test_generated_plans_have_the_sizes_asked() -> None:
    for n in NODES:
        plan = kpixl.loads(plan_text(n), source="gen.yaml")
        assert len(plan.nodes) == n
    text = GEN.plan_text(2000, 36)  # the L tier: regions keep every formula short
    assert len(kpixl.loads(text, source="gen.yaml").nodes) == 2000
    assert max(len(line) for line in text.splitlines() if "formula:" in line) < 2000


@pytest.mark.parametrize("key", ["cells", "formulas", "formula_chars", "names", "validations",
                                 "cond_formats", "merges", "charts", "builder_calls",
                                 "engine_calls", "layout_calls", "xl_cell_writes",
                                 "xl_validations", "xl_cond_formats", "xl_calls",
                                 "writer_calls"])
def test_linear_in_nodes(key: str) -> None:
    assert_linear(f"{key} over {NODES} nodes", by_nodes(key))


@pytest.mark.parametrize("key", ["cells", "formulas", "formula_chars", "names", "validations",
                                 "cond_formats", "builder_calls", "engine_calls",
                                 "layout_calls", "xl_cell_writes", "xl_calls", "writer_calls"])
def test_linear_in_months(key: str) -> None:
    assert_linear(f"{key} over {MONTHS} months", by_months(key))


def test_each_function_called_linearly() -> None:
    """Per function (engine, layout, formula builders, writer, XlsxWriter calls): a quadratic
    loop hides in a total dominated by linear work, but not in its own function's count."""
    for sizes, label in ((NODES, "nodes"), ((12, 24, 48), "months")):
        runs = [measured(n) if label == "nodes" else measured(NODES[0], n) for n in sizes]
        names = set().union(*(r["per_function"] for r in runs))
        bad = []
        for name in sorted(names):
            a, b, c = (r["per_function"][name] for r in runs)
            if c - b > SLACK * max(b - a, 0) + 8:
                bad.append(f"{name}: {a} -> {b} -> {c}")
        assert not bad, f"calls grow faster than linearly over {sizes} {label}: {bad}"


@pytest.mark.parametrize("key", ["styles", "xl_formats", "cond_formats", "xl_cond_formats"])
def test_flat_in_nodes(key: str) -> None:
    assert_flat(f"{key} over {NODES} nodes", by_nodes(key))


def test_formats_created_once_per_style_key() -> None:
    for n in NODES:
        m = measured(n)
        assert m["xl_formats"] == m["styles"], m


def test_ranges_written_in_one_call_each() -> None:
    """A validation or conditional format covers its whole range in one call, and each cell is
    written once (plus at most one call per merged range)."""
    for n in NODES:
        m = measured(n)
        assert m["xl_validations"] == m["validations"], m
        assert m["xl_cond_formats"] == m["cond_formats"], m
        assert m["xl_cell_writes"] <= m["cells"] + m["merges"], m


# -- kpixl build PLANS -j N (kpixl/parallel.py) ----------------------------------------------
def test_parallel_build_each_plan_on_its_own(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from kpixl.app.parallel import build_many

    good = []
    for i in range(3):
        p = tmp_path / f"team_{i}.yaml"
        p.write_text(plan_text(NODES[0]), encoding="utf-8")
        good.append(p)
    bad = tmp_path / "broken.yaml"
    bad.write_text("kpixl: 1\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    twin = tmp_path / "sub" / "team_0.yaml"
    twin.write_text(plan_text(NODES[0]), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    code = build_many([good[0], bad, good[1], good[2], twin], out, jobs=2)
    assert code == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [str(out / f"team_{i}.xlsx") for i in range(3)]
    assert "broken.yaml" in captured.err and "team_0.yaml" in captured.err
    assert "\r" not in captured.err  # no progress bar when stderr is not a terminal
    for i in range(3):
        assert (out / f"team_{i}.xlsx").stat().st_size > 0
    assert build_many(good, out, jobs=2, force=True) == 0


# -- reading (issue 18): only the rows a command needs, linearly ----------------------------------
def _read_counts(tmp_path: Path, nodes: int) -> dict[str, int]:
    """Rows and cells the streaming reader parses for ``kpixl report`` of a fresh workbook."""
    from kpixl.xlsx import reader, sheetxml

    plan = tmp_path / f"p{nodes}.yaml"
    plan.write_text(plan_text(nodes), "utf-8")
    wb = kpixl.build(plan, tmp_path / f"w{nodes}.xlsx", force=True)
    counts = Counter[str]()
    parse_row, cell = sheetxml.XmlSource._parse_row, sheetxml.XmlSource._cell

    def row(self: Any, r: int, body: bytes, *rest: Any) -> None:
        counts["rows"] += 1
        parse_row(self, r, body, *rest)

    def one(self: Any, *args: Any) -> None:
        counts["cells"] += 1
        cell(self, *args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sheetxml.XmlSource, "_parse_row", row)
        mp.setattr(sheetxml.XmlSource, "_cell", one)
        data = reader.read_workbook(wb, extras=False)
    counts["nodes"] = len(data.plan.nodes)
    counts["formulas"] = sum(1 for _ in _formula_cells(wb))
    return dict(counts)


def _formula_cells(path: Path) -> Iterator[None]:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                yield from (None for _ in range(zf.read(name).count(b"<f>")))


def test_reader_parses_the_rows_it_needs_linearly(tmp_path: Path) -> None:
    a, b, c = (_read_counts(tmp_path, n) for n in NODES)
    assert_linear("rows parsed by the reader", (a["rows"], b["rows"], c["rows"]))
    assert_linear("cells parsed by the reader", (a["cells"], b["cells"], c["cells"]))
    got = (a, b, c)
    for g in got:  # an act_ and an ovr_ row per node, the inputs, _kpixl and the two tables
        assert g["rows"] < 3 * g["nodes"] + 200, g
        assert g["cells"] < g["formulas"] / 2, g  # the formula grids stay unparsed
