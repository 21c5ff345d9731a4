"""The KPIXL_ user functions: each equals its engine function, and its formula twin recalculated
in LibreOffice, on the spec's examples (plan-format.md, domain-notes.md section 8)."""

from __future__ import annotations

import math
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lo
import openpyxl
import pytest

from kpixl import load
from kpixl.engine import funnel, periods, tracking
from kpixl.engine.confidence import confidence_count
from kpixl.engine.solve import solve
from kpixl.formulas import builders as fx
from kpixl.formulas import tracking as ft
from kpixl.layout.core import Sheet, WorkbookLayout
from kpixl.layout.labels import status_labels
from kpixl.model.plan_dict import plan_to_json
from kpixl.xl import functions as xf
from kpixl.xlsx.writer import write_workbook

PLANS = Path(__file__).parent / "plans"
WORKED = PLANS / "engine" / "worked_example.yaml"
SEASON = [6, 7, 8, 8, 5, 11, 8, 8, 9, 6, 8, 16]  # domain notes section 8: order shares
DEAL_SHAPE = SEASON[2:] + SEASON[:2]  # deals act two months earlier
ORDERS_TO_SEPT = [1, 0, 1, 0, 1, 1, None, None, None, None, None, None]


def row(xs: list[Any]) -> list[list[Any]]:
    return [list(xs)]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def flat(x: Any) -> list[Any]:
    return [c for r in x for c in r] if isinstance(x, list) else [x]


# -- engine agreement on the spec's examples ---------------------------------------------------
def test_backcalc_gives_the_seed_funnel_top_to_bottom() -> None:
    got = xf.KPIXL_BACKCALC(12, row([0.35, 0.6, 0.3]))
    assert got == [[192, 67, 40, 12]]
    assert flat(got) == funnel.required_counts(12, [0.35, 0.6, 0.3])


def test_backcalc_keeps_the_orientation_of_the_rates() -> None:
    got = xf.KPIXL_BACKCALC(12, [[0.3], [0.5], [0.4]])
    assert got == [[200], [60], [30], [12]]


def test_backcalc_rounds_after_the_noise_guard() -> None:
    assert xf.KPIXL_BACKCALC(57, row([0.57])) == [[100, 57]]


@pytest.mark.parametrize(("p", "exp"), [(0.25, 58), (0.3, 48), (0.5, 28)])
def test_confidence_count_matches_the_spec(p: float, exp: int) -> None:
    got = xf.KPIXL_CONFIDENCE(12, p, 0.8)
    assert got == exp == confidence_count(12, p, 0.8)


def test_monthly_whole_orders_follow_cumulative_rounding() -> None:
    got = xf.KPIXL_MONTHLY(12, row(SEASON), "sum", True)
    exp = [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 2]
    assert flat(got) == exp == list(periods.monthly_targets(12, SEASON, whole=True))


@pytest.mark.parametrize(("total", "exp"), [
    (40, [3, 3, 2, 5, 3, 3, 4, 2, 3, 7, 2, 3]),
    (67, [5, 6, 3, 7, 6, 5, 6, 4, 6, 10, 4, 5]),
    (192, [15, 16, 9, 21, 16, 15, 17, 12, 15, 31, 12, 13]),
])
def test_monthly_lagged_stages_match_the_worked_example(total: int, exp: list[int]) -> None:
    assert flat(xf.KPIXL_MONTHLY(total, row(DEAL_SHAPE), "sum", True)) == exp


def test_monthly_defaults_to_an_exact_sum_split() -> None:
    got = flat(xf.KPIXL_MONTHLY(12, row(SEASON)))
    exp = [0.72, 0.84, 0.96, 0.96, 0.60, 1.32, 0.96, 0.96, 1.08, 0.72, 0.96, 1.92]
    assert all(same(g, e) for g, e in zip(got, exp, strict=True))


def test_monthly_last_ramps_from_the_baseline() -> None:
    got = flat(xf.KPIXL_MONTHLY(50, row(SEASON), "last", True, 40))
    assert got == list(periods.monthly_targets(50, SEASON, aggregate="last", whole=True,
                                                baseline=40))
    assert got[-1] == 50


def test_catch_up_respreads_the_remaining_orders() -> None:
    got = flat(xf.KPIXL_CATCHUP(12, 4, row(SEASON), 6, True))
    assert got == ["", "", "", "", "", "", 1, 1, 2, 1, 1, 2]
    engine = tracking.catch_up(12, 4, SEASON, 6, whole=True)
    assert got == ["" if e is None else e for e in engine]


def test_forecast_runs_the_seasonal_rate() -> None:
    got = xf.KPIXL_FORECAST(row(ORDERS_TO_SEPT), row(SEASON), 6)
    assert same(got, 4 / 0.45)
    assert got == tracking.forecast(ORDERS_TO_SEPT, SEASON, 6, "sum")


def test_forecast_is_blank_without_actuals() -> None:
    assert xf.KPIXL_FORECAST(row([None] * 12), row(SEASON), 6) == ""


def test_achievement_of_four_orders_against_five_is_eighty_percent() -> None:
    assert xf.KPIXL_ACHIEVEMENT(4, 5) == 0.8 == tracking.achievement(4, 5)


def test_achievement_down_counts_below_target_as_good() -> None:
    assert same(xf.KPIXL_ACHIEVEMENT(1.1, 1, "down"), 0.9)
    assert xf.KPIXL_ACHIEVEMENT(0, 1, "down") == 2


def test_achievement_is_blank_for_a_zero_target() -> None:
    assert xf.KPIXL_ACHIEVEMENT(4, 0) == ""


@pytest.mark.parametrize(("ach", "exp"), [(0.8, "off_track"), (2 - 11 / 10, "at_risk"),
                                          (1.0, "on_track"), (None, None)])
def test_status_labels_follow_the_engine(ach: float | None, exp: str | None) -> None:
    key = tracking.status(ach, 1.0, 0.9)
    assert key == exp
    labels = dict(zip(tracking.STATUSES, status_labels("en"), strict=True))
    assert xf.KPIXL_STATUS(ach) == ("" if key is None else labels[key])


def test_status_speaks_japanese() -> None:
    assert xf.KPIXL_STATUS(0.8, 1, 0.9, "ja") == "未達"


def test_solve_back_calculates_the_worked_example() -> None:
    plan = load(WORKED)
    text = plan_to_json(plan)
    sol = solve(plan)
    for node in ("customers", "new", "deals", "appointments", "inquiries"):
        assert xf.KPIXL_SOLVE([[text]], node) == sol.total(node)
    assert xf.KPIXL_SOLVE([[text]], "inquiries") == 192


def test_solve_accepts_the_plan_in_chunks_and_inputs_by_first_and_last_column() -> None:
    text = plan_to_json(load(WORKED))
    chunks = [[text[:100]], [text[100:]]]
    inputs = [["win_rate", "Deal to order", "%", "Assumption", 0.25], [None, None, None, None,
                                                                       None]]
    got = xf.KPIXL_SOLVE(chunks, "deals", inputs)
    assert got == 48  # 12 new orders / 0.25


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("call", "exp"), [
    (lambda: xf.KPIXL_BACKCALC(12, row([0.35, None, 0.3])), "#VALUE! rates: cell 2 is blank"),
    (lambda: xf.KPIXL_BACKCALC(12, row([0.35, "60%", 0.3])), "#VALUE! rates: cell 2 must be"),
    (lambda: xf.KPIXL_BACKCALC(12, row([35, 0.6])), "#NUM! rate 1 must be within (0, 1]"),
    (lambda: xf.KPIXL_BACKCALC(None, row([0.3])), "#VALUE! target is blank"),
    (lambda: xf.KPIXL_CONFIDENCE(12, 0.3, 1), "#NUM! confidence must be within (0, 1)"),
    (lambda: xf.KPIXL_MONTHLY(12, row([1, "x"])), "#VALUE! weights: cell 2 must be a number"),
    (lambda: xf.KPIXL_MONTHLY(12, row([0, 0])), "#NUM! weights must be >= 0"),
    (lambda: xf.KPIXL_MONTHLY(12, row([1, 1]), "total"), "#VALUE! aggregate must be one of"),
    (lambda: xf.KPIXL_CATCHUP(12, 4, row(SEASON), 13), "#NUM! asof must be a whole month"),
    (lambda: xf.KPIXL_FORECAST(row(["n/a"] * 12), row(SEASON), 6),
     "#VALUE! actuals: cell 1 must be a number"),
    (lambda: xf.KPIXL_FORECAST(row([1, 2]), row(SEASON), 1), "#VALUE! actuals (2 months)"),
    (lambda: xf.KPIXL_ACHIEVEMENT("four", 5), "#VALUE! actual must be a number"),
    (lambda: xf.KPIXL_ACHIEVEMENT(4, 5, "sideways"), "#VALUE! direction must be one of"),
    (lambda: xf.KPIXL_SOLVE([[None]], "deals"), "#VALUE! plan is blank"),
    (lambda: xf.KPIXL_SOLVE([[plan_to_json(load(WORKED))]], "leads"),
     "#VALUE! node: 'leads' is not a node of the plan"),
    (lambda: xf.KPIXL_SOLVE([[plan_to_json(load(WORKED))]], "deals", [["win_rate", 0]]),
     "#NUM! kpis.new.formula: cannot solve deals"),
])
def test_bad_arguments_give_a_clear_error_value(call: Callable[[], Any], exp: str) -> None:
    got = call()
    assert isinstance(got, str) and got.startswith(exp), got


def test_every_function_has_a_wizard_line_and_positional_parameters() -> None:
    import inspect

    for name in xf.__all__:
        f = getattr(xf, name)
        if not name.startswith("KPIXL_"):
            continue
        first = (f.__doc__ or "").strip().splitlines()[0]
        assert 20 < len(first) <= 100, (name, first)
        for p in inspect.signature(f).parameters.values():
            assert p.kind is p.POSITIONAL_OR_KEYWORD, (name, p)
        # classic xlwings reads hints as converters; Lite reads those of the unwrapped function
        assert typing.get_type_hints(f) == typing.get_type_hints(inspect.unwrap(f)) == {}, name


# -- formula twins, recalculated in LibreOffice -------------------------------------------------
class _Book:
    """A one-sheet workbook of formula cases: inputs as constants, the formula twin of each
    function in the cells listed in ``outputs``."""

    def __init__(self) -> None:
        self.s = Sheet("F")
        self.row = 0
        self.outputs: dict[str, list[tuple[int, int]]] = {}
        self.expected: dict[str, list[Any]] = {}

    def put_row(self, values: list[Any]) -> list[str]:
        r = self.row
        self.row += 1
        for c, v in enumerate(values):
            self.s.put(r, c, v, "text")
        return [self.s.ref(r, c).local for c in range(len(values))]

    def cum_row(self, weights: list[str]) -> list[str]:
        r = self.row
        self.row += 1
        for c, w in enumerate(weights):
            f = w if c == 0 else f"{self.s.ref(r, c - 1).local}+{w}"
            self.s.put(r, c, formula=f, cached=0)
        return [self.s.ref(r, c).local for c in range(len(weights))]

    def formulas(self, key: str, texts: list[str], expected: list[Any]) -> None:
        r = self.row
        self.row += 1
        for c, f in enumerate(texts):
            self.s.put(r, c, formula=f, cached=0)
        self.outputs[key] = [(r, c) for c in range(len(texts))]
        self.expected[key] = ["" if e is None else e for e in expected]

    def save(self, path: Path) -> Path:
        layout = WorkbookLayout(sheets=[self.s], names={}, properties={}, styles={"text": {}})
        return write_workbook(layout, path)


def _cases(b: _Book) -> None:
    # backcalc: bottom = ROUNDUP(target), each stage above from the stage below
    for key, target, rates in (("backcalc_seed", 12, [0.35, 0.6, 0.3]),
                               ("backcalc_noise", 57, [0.57])):
        cells = b.put_row([target, *rates])
        t, rs = cells[0], cells[1:]
        stages = [fx.rounded(t, "up")]
        for r in reversed(rs):
            stages.append(fx.funnel_stage(f"({stages[-1]})", r))
        b.formulas(key, stages[::-1], flat(xf.KPIXL_BACKCALC(target, row(rates))))
    # monthly splits
    for key, total, shape, agg, whole, base in (
            ("monthly_whole", 12, SEASON, "sum", True, None),
            ("monthly_deals", 40, DEAL_SHAPE, "sum", True, None),
            ("monthly_exact", 12, SEASON, "sum", False, None),
            ("monthly_last", 50, SEASON, "last", True, 40),
            ("monthly_mean", 0.3, SEASON, "mean", False, None)):
        w = b.put_row(shape)
        c = b.cum_row(w)
        t, bl = b.put_row([total, base])
        texts = []
        for m in range(12):
            if agg == "mean":
                texts.append(t)
            elif agg == "last":
                texts.append(fx.monthly_last(t, bl, c[m], c[-1], whole))
            elif whole:
                texts.append(fx.monthly_sum_whole(t, c[m], c[m - 1] if m else None, c[-1]))
            else:
                texts.append(fx.monthly_sum(t, w[m], c[-1]))
        b.formulas(key, texts, flat(xf.KPIXL_MONTHLY(total, row(shape), agg, whole, base)))
    # catch-up, forecast (sum and last), achievement, status
    w = b.put_row(SEASON)
    c = b.cum_row(w)
    acts = b.put_row(ORDERS_TO_SEPT)
    total, ytd, asof = b.put_row([12, 4, 6])
    c_asof = f"IF({asof}=0,0,INDEX({c[0]}:{c[-1]},1,{asof}))"
    for key, whole in (("catchup_whole", True), ("catchup_exact", False)):
        rem = fx.remaining(total, ytd)
        texts = [fx.catch_up(m + 1, rem, asof, w[m], c[m], c[m - 1] if m else None,
                             c_asof, c[-1], whole) for m in range(12)]
        b.formulas(key, texts, flat(xf.KPIXL_CATCHUP(12, 4, row(SEASON), 6, whole)))
    arow = f"{acts[0]}:{acts[-1]}"
    hcells = b.put_row([m + 1 if v is not None else -(m + 1)
                        for m, v in enumerate(ORDERS_TO_SEPT)])  # ft.entered_month's values
    h, k = f"{hcells[0]}:{hcells[-1]}", len(ORDERS_TO_SEPT)
    ytd_sum = ft.over_reported(arow, h, 1, asof, "sum", k)
    wsum = ft.reported_weight(f"{w[0]}:{w[k - 1]}", h, asof)
    b.formulas("forecast_sum", [fx.forecast(f"({ytd_sum})", f"({wsum})", c[-1])],
               [xf.KPIXL_FORECAST(row(ORDERS_TO_SEPT), row(SEASON), 6)])
    b.formulas("forecast_last", [ft.over_reported(arow, h, 1, asof, "last", k)],
               [xf.KPIXL_FORECAST(row(ORDERS_TO_SEPT), row(SEASON), 6, "last")])
    for key, a, t, d in (("ach_up", 4, 5, "up"), ("ach_down", 1.1, 1, "down"),
                         ("ach_zero", 4, 0, "up"), ("ach_blank", None, 5, "up")):
        ca, ct = b.put_row([a, t])
        b.formulas(key, [fx.achievement(ca, ct, d)], [xf.KPIXL_ACHIEVEMENT(a, t, d)])
    for key, ach in (("st_off", 0.8), ("st_risk", 2 - 11 / 10), ("st_on", 1.0),
                     ("st_blank", None)):
        ca, on, risk = b.put_row([ach, 1.0, 0.9])
        b.formulas(key, [fx.status(ca, on, risk, status_labels("en"))],
                   [xf.KPIXL_STATUS(ach, 1.0, 0.9)])


@pytest.fixture(scope="module")
def recalculated(recalc: Callable[..., list[Path]], tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[_Book, dict[tuple[str, str], object], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("xl_functions")
    b = _Book()
    _cases(b)
    cases = b.save(folder / "cases.xlsx")
    # KPIXL_SOLVE's twin is the workbook itself: kpi_X after an input changed
    from kpixl.app.build import write

    plan = load(WORKED)
    built = write(solve(plan), folder / "worked.xlsx", force=True)
    wb = openpyxl.load_workbook(built)
    sheet, coord = next(iter(wb.defined_names["in_win_rate"].destinations))
    wb[sheet][coord.replace("$", "")] = 0.25
    wb.save(folder / "worked_changed.xlsx")
    out_cases, out_book = recalc(cases, folder / "worked_changed.xlsx")
    return b, lo.values(out_cases), lo.named_values(out_book)


@pytest.mark.libreoffice
def test_formula_twins_compute_what_the_functions_return(recalculated: Any) -> None:
    b, values, _ = recalculated
    bad = []
    for key, cells in b.outputs.items():
        got = [values.get(("F", b.s.ref(r, c).local), "") for r, c in cells]
        exp = b.expected[key]
        if not all(same(g, e) for g, e in zip(got, exp, strict=True)):
            bad.append((key, got, exp))
    assert bad == []


@pytest.mark.libreoffice
def test_solve_equals_the_workbook_formulas_after_an_input_changes(recalculated: Any) -> None:
    _, _, named = recalculated
    text = plan_to_json(load(WORKED))
    inputs = [["win_rate", 0.25]]
    bad = {}
    for node in load(WORKED).nodes:
        got = xf.KPIXL_SOLVE([[text]], node, inputs)
        if not same(got, named[f"kpi_{node}"]):
            bad[node] = (got, named[f"kpi_{node}"])
    assert bad == {}
    assert named["kpi_deals"] == 48
