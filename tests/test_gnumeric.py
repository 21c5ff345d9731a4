"""The workbooks compute the same in a second engine: Gnumeric (``ssconvert --recalc``).

workbook-contract.md, "Computes the same in every engine". Every test plan and template is
built (conftest ``kpixl_workbooks``) and, in three variants, recalculated by Gnumeric
(tests/gnumeric.py); each formula cell then equals the value the engine's layout gives for the
same inputs (relative 1e-9, whole numbers exactly):

- fresh, as built;
- with actuals: blank months in the middle, an entered 0, text in one cell, an early next-month
  figure of one KPI (the as-of month is the KGI's), funnel counts without rates (observed rates);
- the same actuals with the as-of month typed as a date (the drop-down's value).

The edited copies are saved by openpyxl, which drops every cached formula value, and a fresh copy
has every cached value in its sheets' XML replaced by a wrong number: equal values after
recalculation show that Gnumeric did recalculate.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gnumeric
import pytest
import wbtools

from kpixl.engine import tracking
from kpixl.layout import build_layout

pytestmark = pytest.mark.skipif(gnumeric.find_ssconvert() is None,
                                reason="Gnumeric (ssconvert) not installed: tests/run.sh "
                                       "installs it")

KEYS = wbtools.plan_keys()
VARIANTS = ("fresh", "actuals", "typed_asof")

def _corrupt(src: Path, dst: Path) -> None:
    """Replace every cached formula value in the sheets' XML by 12345."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                text = re.sub(r'(<c [^>]*?) t="(str|b|e)"([^>]*><f>)', r"\1\3", text)
                text = re.sub(r"(</f><v>)[^<]*(</v>)", r"\g<1>12345\2", text)
                data = text.encode("utf-8")
            zout.writestr(item, data)


@pytest.fixture(scope="module")
def cases(kpixl_workbooks: Mapping[str, Any],
          tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    folder = tmp_path_factory.mktemp("gnumeric")
    todo: dict[tuple[str, str], tuple[Path, Any]] = {}
    for i, key in enumerate(KEYS):
        b = kpixl_workbooks[key]
        if isinstance(b, BaseException):
            continue
        stem = wbtools.file_stem(key)
        fresh = folder / f"{stem}-fresh.xlsx"
        _corrupt(b.path, fresh)
        todo[(key, "fresh")] = (fresh, build_layout(b.solution))
        rows, closed = wbtools.random_actuals(b.plan, b.solution, 1000 + i)
        acts = wbtools.numbers(rows)
        p = folder / f"{stem}-actuals.xlsx"
        wbtools.write_actuals(b.path, p, rows, None)
        todo[(key, "actuals")] = (p, build_layout(b.solution, actuals=acts))
        month = b.plan.period.month_start(max(1, closed - 1))
        p = folder / f"{stem}-typed.xlsx"
        wbtools.write_actuals(b.path, p, rows, month)
        start = dt.date(b.plan.period.year, b.plan.period.month, 1)
        a = tracking.asof_from_input(month, start, b.plan.months)
        todo[(key, "typed_asof")] = (p, build_layout(b.solution, actuals=acts, asof=a))
    outs = gnumeric.recalculate([p for p, _ in todo.values()], folder / "out")
    return {k: (outs[p], layout) for k, (p, layout) in todo.items()}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("key", KEYS)
def test_gnumeric_recalculates_every_formula_cell_to_the_engine(
        cases: dict[tuple[str, str], Any], key: str, variant: str) -> None:
    if (key, variant) not in cases:
        pytest.fail(f"{key}: the workbook did not build")
    out, layout = cases[(key, variant)]
    snap = wbtools.snapshot(out)
    bad, n = [], 0
    for sheet in layout.sheets:
        for (r, c), cell in sheet.cells.items():
            if cell.formula is None:
                continue
            n += 1
            exp, got = cell.cached, snap.value(sheet.name, r + 1, c + 1)
            if isinstance(exp, bool):
                exp = int(exp)
            if not wbtools.same(exp, got, exact=wbtools.whole_value(exp)):
                bad.append(f"{sheet.name}!{wbtools.a1(r + 1, c + 1)}: engine {exp!r}, "
                           f"Gnumeric {got!r}  (={cell.formula[:160]})")
    assert n > 100
    assert bad == [], f"{len(bad)} of {n} formula cells differ:\n" + "\n".join(bad[:30])


def test_a_wrong_cached_value_is_corrected(kpixl_workbooks: Mapping[str, Any],
                                           tmp_path: Path) -> None:
    b = wbtools.get(kpixl_workbooks, "spec:worked_example")
    bad = tmp_path / "bad.xlsx"
    _corrupt(b.path, bad)
    assert wbtools.snapshot(bad).named["asof"] == 12345  # the cache says 12345
    out = gnumeric.recalculate([bad], tmp_path / "out")[bad]
    got = wbtools.snapshot(out).named
    assert got["asof"] == 0
    assert got["kpi_revenue"] == 60_000_000
    shutil.rmtree(tmp_path / "out")
