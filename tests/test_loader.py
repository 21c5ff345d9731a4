"""The plan loader: every rule of plan-format.md reported with its field path, line and message."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kpixl.errors import PlanError, Problem
from kpixl.model.expr import Ref
from kpixl.model.loader import ERROR_CODES, MAX_BYTES, load, loads

PLANS = Path(__file__).parent / "plans"
SEED = PLANS / "good" / "seed.yaml"
# the seed plan in English (`locale: en`): messages follow the locale and these tests read English
SEED_TEXT = SEED.read_text(encoding="utf-8").replace("locale: ja", "locale: en", 1)


def edit(*pairs: str, text: str = SEED_TEXT) -> str:
    """The seed plan with each (old, new) replaced once; old must occur."""
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def drop(*prefixes: str, text: str = SEED_TEXT) -> str:
    """The seed plan without the lines that start with any of ``prefixes``."""
    kept = [ln for ln in text.splitlines(keepends=True) if not ln.startswith(prefixes)]
    assert len(kept) == len(text.splitlines()) - len(prefixes)
    return "".join(kept)


def problems(text: str) -> list[Problem]:
    with pytest.raises(PlanError) as info:
        loads(text, "plan.yaml")
    got = info.value.problems
    assert {p.code for p in got} <= ERROR_CODES and all(p.severity == "error" for p in got)
    return got


def only(text: str) -> Problem:
    got = problems(text)
    assert len(got) == 1, [str(p) for p in got]
    return got[0]


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


# -- the valid baseline ----------------------------------------------------------------------


def test_seed_plan_loads_into_the_model() -> None:
    plan = load(SEED)
    assert plan.title == "2026年度 営業計画" and plan.kgi == "revenue" and plan.locale == "ja"
    assert (plan.period.year, plan.period.month, plan.period.months) == (2026, 4, 12)
    assert list(plan.nodes)[:3] == ["revenue", "unit_price", "orders"]  # file order
    revenue = plan.nodes["revenue"]
    assert revenue.target == 120_000_000 and revenue.due == dt.date(2027, 3, 31)
    assert revenue.formula_text == "orders * unit_price"
    assert plan.nodes["orders"].formula is not None and plan.nodes["orders"].whole
    assert plan.funnels[0].stages == ("inquiries", "appointments", "deals", "orders")
    assert plan.kfs[0].kpis == ("inquiries",) and plan.kfs[0].due == dt.date(2026, 6, 30)
    assert plan.source == str(SEED)


def test_defaults_are_resolved() -> None:
    plan = loads(drop("locale:", "currency:", "seasonality:", "thresholds:", "  months:"))
    exp = {"revenue": "sum", "unit_price": "mean", "win_rate": "mean", "orders": "sum",
           "inquiries": "sum"}
    got = {nid: plan.nodes[nid].aggregate for nid in exp}
    assert got == exp
    assert plan.currency == "USD" and plan.period.months == 12
    assert plan.seasonality == (1.0,) * 12
    assert plan.thresholds.on_track == 1.0 and plan.thresholds.at_risk == 0.9
    assert plan.realism == 0.5 and plan.money_display == "unit" and plan.confidence is None


def test_currency_defaults_to_jpy_for_japanese() -> None:
    assert loads(drop("currency:", text=SEED.read_text(encoding="utf-8"))).currency == "JPY"


def test_rate_derived_node_defaults_to_mean() -> None:
    text = edit("  inquiries: {", "  ratio: {name: r, unit: \"%\", formula: win_rate * 1, "
                "target: 0.5}\n  inquiries: {")
    assert loads(text).nodes["ratio"].aggregate == "mean"


def test_lines_name_every_key() -> None:
    plan = loads(SEED_TEXT)
    assert plan.lines["kpis.orders"] == line_of(SEED_TEXT, "  orders:")
    assert plan.lines["kpis.orders.formula"] == line_of(SEED_TEXT, "deals * win_rate")
    assert plan.lines["kpis.win_rate.value"] == line_of(SEED_TEXT, "win_rate: {")
    assert plan.lines["kfs[0].due"] == line_of(SEED_TEXT, "due: 2026-06-30")


def test_yaml_12_numbers_are_numbers() -> None:
    text = edit("120_000_000", "1.2e8", "10_000_000", "1e7", "value: 0.4", "value: 4_0.0e-2")
    plan = loads(text)
    assert plan.nodes["revenue"].target == 1.2e8
    assert plan.nodes["unit_price"].value == 1e7
    assert plan.nodes["win_rate"].value == pytest.approx(0.4)
    assert loads(edit("10_000_000", "1_000.5")).nodes["unit_price"].value == 1000.5


def test_underscore_integer_is_a_number() -> None:
    assert loads(SEED_TEXT).nodes["revenue"].target == 120_000_000.0


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SEED_TEXT.encode("utf-8"))
    assert load(path).title == "2026年度 営業計画"
    assert loads("\ufeff" + SEED_TEXT).kgi == "revenue"


def test_full_featured_plan_loads() -> None:
    plan = load(PLANS / "good" / "full.yaml")
    customers = plan.nodes["customers"]
    assert customers.split is not None and dict(customers.split) == {"new": 0.6, "existing": 0.4}
    assert plan.nodes["new"].aggregate == "sum" and plan.nodes["orders"].lag == 2
    assert plan.nodes["churn"].direction == "down" and plan.nodes["churn"].bounds == (0.0, 0.5)
    assert plan.nodes["profit"].signed and plan.nodes["new"].history == (100.0, 120.0)
    assert plan.funnels[0].confidence == 0.8 and plan.confidence == 0.9
    assert plan.seasonality[:3] == (0.5, 1.0, 1.5) and plan.period.months == 3
    assert plan.thresholds.at_risk == 0.8 and plan.money_display == "million"
    assert Ref("revenue") in (plan.nodes["profit"].formula.left,)  # type: ignore[union-attr]
    assert plan.kfs[0].status == "started" and plan.currency == "EUR"


# -- reading files -----------------------------------------------------------------------------


def test_non_utf8_file_is_rejected_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "sjis.yaml"
    path.write_bytes(SEED_TEXT.encode("cp932"))
    with pytest.raises(PlanError) as info:
        load(path)
    got = info.value.problems[0]
    assert "not UTF-8" in got.message and "Shift_JIS" in got.message
    assert got.file == str(path) and got.line == line_of(SEED_TEXT, "年度")


def test_missing_file_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no such file"):
        load(tmp_path / "nope.yaml")


def test_oversized_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_BYTES + 10))
    with pytest.raises(PlanError, match="larger than 5 MB"):
        load(path)


def test_empty_file_says_what_a_plan_needs() -> None:
    assert "empty" in only("").message
    assert "empty" in only("# nothing\n").message


def test_yaml_syntax_error_is_one_problem_with_its_line() -> None:
    text = edit("kgi: revenue", "kgi: revenue: x")
    got = only(text)
    assert got.line == line_of(text, "kgi:") and "invalid YAML" in got.message


def test_tab_indentation_gets_a_hint() -> None:
    assert "spaces, not tabs" in only("kpixl: 1\nperiod:\n\tstart: 2026-04\n").message


def test_alias_bomb_is_rejected_quickly() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    got = only("\n".join(lines))  # refused by counting nodes, before anything expands
    assert got.code == "too-large" and "too large" in got.message


def test_small_aliases_are_allowed() -> None:
    text = edit("  inquiries: {name: 問い合わせ件数, unit: 件, whole: true,",
                "  inquiries: {name: &n 問い合わせ件数, unit: 件, whole: true, description: *n,")
    assert loads(text).nodes["inquiries"].description == "問い合わせ件数"


def test_python_tags_are_refused() -> None:
    got = problems(edit("title: 2026年度 営業計画", "title: !!python/object/apply:os.system [ls]"))
    assert any(p.code == "tag" and p.path == "title" for p in got)


def test_recursive_alias_is_rejected() -> None:
    assert "contains it" in only("a: &x [*x]\n").message


def test_second_document_is_rejected() -> None:
    assert "one YAML document" in only(SEED_TEXT + "---\nkpixl: 1\n").message


def test_deep_nesting_is_rejected() -> None:
    assert only("[" * 200 + "]" * 200).code == "too-deep"


# -- the bad plans folder: each file names its expected problems -------------------------------


def _bad_cases() -> list[Path]:
    return sorted((PLANS / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", _bad_cases(), ids=lambda p: p.stem)
def test_bad_plan_reports_what_it_expects(path: Path) -> None:
    exp = re.findall(r"^# expect: (\d+) (\S+) (.+)$", path.read_text("utf-8"), re.M)
    assert exp, "a bad plan must list `# expect: LINE PATH PHRASE` lines"
    with pytest.raises(PlanError) as info:
        load(path)
    got = {(str(p.line), p.path): p.message for p in info.value.problems}
    assert len(got) == len(exp), [str(p) for p in info.value.problems]
    for line, field, phrase in exp:
        assert phrase in got.get((line, field), ""), (line, field, phrase, got)


# -- one rule, one problem: (seed edits, field path, phrase in the message, code) ------------

NEW = "  inquiries: {"  # insert a node before inquiries: edit(NEW, "  x: {...}\n" + NEW)
RULES: list[tuple[str, tuple[str, ...], str, str, str]] = [
    # plan-wide keys
    ("version", ("kpixl: 1 ", "kpixl: 2 "), "kpixl", "must be 1, got 2", "enum"),
    ("title_empty", ("title: 2026年度 営業計画", 'title: "  "'), "title", "must not be empty",
     "empty"),
    ("title_number", ("title: 2026年度 営業計画", "title: 2026"), "title",
     'must be text, got 2026 (quote it: "2026")', "type"),
    ("locale", ("locale: en", "locale: fr"), "locale", "must be one of en, ja, got 'fr'", "enum"),
    ("currency_case", ("currency: JPY", "currency: jpy"), "currency",
     "3-letter ISO 4217 code in capitals such as JPY or USD, got 'jpy' (did you mean 'JPY'?)",
     "type"),
    ("money_display", ("title:", "money_display: millions\ntitle:"), "money_display",
     "(did you mean 'million'?)", "enum"),
    ("start_month", ("start: 2026-04", "start: 2026-13"), "period.start",
     "must be a month as YYYY-MM that exists, got '2026-13'", "date"),
    ("start_day", ("start: 2026-04", "start: 2026-04-01"), "period.start",
     "(give only the month: '2026-04')", "type"),
    ("months_range", ("months: 12 ", "months: 61 "), "period.months",
     "must be within [1, 60], got 61", "range"),
    ("months_whole", ("months: 12 ", "months: 12.5 "), "period.months",
     "must be a whole number, got 12.5", "type"),
    ("season_length", ("seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
                       "seasonality: [1, 1]"), "seasonality",
     "one weight per plan month (12), got 2", "length"),
    ("season_negative", ("seasonality: [1, 1,", "seasonality: [1, -1,"), "seasonality[1]",
     "must be >= 0, got -1", "range"),
    ("season_zero", ("seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
                     "seasonality: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"), "seasonality",
     "positive sum", "range"),
    ("thresholds_order", ("at_risk: 0.9", "at_risk: 1.2"), "thresholds.at_risk",
     "must be <= on_track (1), got 1.2", "range"),
    ("confidence", ("title:", "confidence: 1\ntitle:"), "confidence",
     "must be between 0 and 1 (exclusive), got 1", "range"),
    ("realism", ("title:", "realism: 0\ntitle:"), "realism", "must be > 0, got 0", "range"),
    ("kgi_unknown", ("kgi: revenue", "kgi: revenu"), "kgi",
     "names no node in kpis: 'revenu' (did you mean 'revenue'?)", "unknown-id"),
    ("kgi_not_id", ("kgi: revenue", "kgi: [revenue]"), "kgi", "must be an id", "id"),
    ("top_unknown", ("title:", "titel: x\ntitle:"), "titel",
     "unknown key 'titel' (did you mean 'title'?)", "unknown-key"),
    ("top_misspelt", ("title: 2026年度 営業計画", "titl: x"), "titl",
     "unknown key 'titl' (did you mean 'title'?)", "unknown-key"),
    # ids
    ("node_id", (NEW, "  Bad: {name: x, value: 1}\n" + NEW), "kpis.Bad", "must be an id", "id"),
    ("reserved_id", (NEW, "  asof: {name: x, value: 1}\n" + NEW), "kpis.asof",
     "'asof' is reserved", "reserved-id"),
    ("funnel_id", ("  sales: [", "  Sales: ["), "funnels.Sales", "must be an id", "id"),
    ("kfs_id", ("id: ma_tool", "id: 1st"), "kfs[0].id", "must be an id", "id"),
    # node keys
    ("name_missing", ("{name: 顧客単価, unit: 円,", "{unit: 円,"), "kpis.unit_price.name",
     "is required", "required"),
    ("owner_number", ("owner: 営業本部長", "owner: 123"), "kpis.revenue.owner",
     "must be text, got 123", "type"),
    ("due_exists", ("due: 2027-03-31", "due: 2027-02-29"), "kpis.revenue.due",
     "must be a date as YYYY-MM-DD that exists, got '2027-02-29'", "date"),
    ("due_form", ("due: 2027-03-31", "due: 2027/03/31"), "kpis.revenue.due",
     "must be a date as YYYY-MM-DD", "type"),
    ("direction", ("unit: 円\n", "unit: 円\n    direction: higher\n"), "kpis.revenue.direction",
     "must be one of up, down, got 'higher'", "enum"),
    ("whole_yes", ("whole: true\n    owner: フ", "whole: yes\n    owner: フ"),
     "kpis.orders.whole", "must be true or false, got 'yes'", "type"),
    ("aggregate", ("unit: 円\n", "unit: 円\n    aggregate: avg\n"), "kpis.revenue.aggregate",
     "must be one of sum, mean, last", "enum"),
    ("bounds_order", ("value: 0.4}", "value: 0.4, bounds: [1, 0]}"), "kpis.win_rate.bounds",
     "low <= high, got [1, 0]", "range"),
    ("bounds_pair", ("value: 0.4}", "value: 0.4, bounds: [0, 1, 2]}"), "kpis.win_rate.bounds",
     "must be [low, high]", "type"),
    ("baseline", ("value: 0.4}", "value: 0.4, baseline: high}"), "kpis.win_rate.baseline",
     "must be a number, got 'high'", "type"),
    ("history_empty", ("value: 0.4}", "value: 0.4, history: []}"), "kpis.win_rate.history",
     "at least 1 item", "length"),
    ("history_item", ("value: 0.4}", "value: 0.4, history: [0.3, x]}"),
     "kpis.win_rate.history[1]", "must be a number, got 'x'", "type"),
    ("unknown_node_key", ("target: 120_000_000", "tagret: 120_000_000"),
     "kpis.revenue.tagret", "unknown key 'tagret' (did you mean 'target'?)", "unknown-key"),
    # numbers
    ("number_text", ("value: 10_000_000", "value: 10件"), "kpis.unit_price.value",
     "must be a number, got '10件'", "type"),
    ("number_commas", ("value: 10_000_000", "value: '10,000,000'"), "kpis.unit_price.value",
     "without commas", "type"),
    ("number_percent", ("value: 0.4", "value: 40%"), "kpis.win_rate.value",
     "write a fraction: 0.4 for 40%", "type"),
    ("nan", ("value: 0.4", "value: .nan"), "kpis.win_rate.value",
     "must be a finite number, got .nan", "type"),
    ("inf", ("target: 120_000_000", "target: .inf"), "kpis.revenue.target",
     "must be a finite number, got .inf", "type"),
    # kinds and formulas
    ("value_and_formula", ("value: 0.4}", "value: 0.4, formula: deals}"), "kpis.win_rate",
     "has both `value` and `formula`", "kind"),
    ("formula_power", ("deals * win_rate", "deals ** win_rate"), "kpis.orders.formula",
     "`**` (power)", "formula"),
    ("formula_call", ("deals * win_rate", "max(deals, win_rate)"), "kpis.orders.formula",
     "a function call", "formula"),
    ("formula_unknown", ("deals * win_rate", "deals * win_rat"), "kpis.orders.formula",
     "uses unknown id 'win_rat' (did you mean 'win_rate'?)", "unknown-id"),
    ("formula_self", ("deals * win_rate", "deals * win_rate + 0 * orders"),
     "kpis.orders.formula", "uses 'orders' itself", "self-reference"),
    ("formula_type", ("deals * win_rate", "[deals]"), "kpis.orders.formula",
     "must be text, got a list", "type"),
    # targets
    ("target_required", ("    target: 120_000_000       # a goal for this root node (required "
                         "on every root)\n", ""), "kpis.revenue.target",
     "is required on a root: no formula uses 'revenue'", "target-required"),
    ("target_not_root", ("    whole: true\n    owner: フ", "    whole: true\n    target: 12\n"
                         "    owner: フ"), "kpis.orders.target",
     "only roots take a target; the target of 'orders' is back-calculated from 'revenue'",
     "target-not-root"),
    ("target_on_assumption", (NEW, "  churn: {name: c, value: 0.1, target: 0.1}\n" + NEW),
     "kpis.churn.target", "two sources for one number", "target-on-assumption"),
    ("target_bounds", (NEW, "  nps: {name: n, unit: \"%\", target: 40}\n" + NEW),
     "kpis.nps.target", "must be within [0, 1], got 40 (did you mean 40%? write 0.4)", "bounds"),
    ("target_negative", ("target: 120_000_000", "target: -5"), "kpis.revenue.target",
     "must not be negative, got -5 (set `signed: true`", "negative"),
    # values
    ("rate_percent", ("value: 0.4", "value: 1.5"), "kpis.win_rate.value",
     "must be within [0, 1], got 1.5 (did you mean 1.5%?", "bounds"),
    ("rate_above_100", ("value: 0.4", "value: 120"), "kpis.win_rate.value",
     "must be within [0, 1], got 120", "bounds"),
    ("custom_bounds", ("value: 0.4", "value: 0.4, bounds: [0, 0.3]"), "kpis.win_rate.value",
     "must be within [0, 0.3], got 0.4", "bounds"),
    ("value_negative", ("value: 10_000_000", "value: -1"), "kpis.unit_price.value",
     "must not be negative", "negative"),
    # split and lag
    ("split_not_sum", ("formula: deals * win_rate", "formula: deals * win_rate\n    split: "
                       "{deals: 1}"), "kpis.orders.split", "plain sum of ids", "split-not-sum"),
    ("split_operand", ("formula: deals * win_rate", "formula: deals + win_rate\n    split: "
                       "{deals: 0.5, win_rte: 0.5}"), "kpis.orders.split.win_rte",
     "'win_rte' is not an operand of the formula (operands: deals, win_rate) (did you mean "
     "'win_rate'?)", "split-operand"),
    ("split_sum", ("formula: deals * win_rate", "formula: deals + win_rate\n    split: "
                   "{deals: 0.5, win_rate: 0.4}"), "kpis.orders.split",
     "shares must add up to 1, got 0.9", "split-sum"),
    ("split_share", ("formula: deals * win_rate", "formula: deals + win_rate\n    split: "
                     "{deals: 1.5, win_rate: 0}"), "kpis.orders.split.deals",
     "must be a share within [0, 1], got 1.5", "range"),
    ("split_not_derived", ("value: 0.4}", "value: 0.4, split: {a: 1}}"), "kpis.win_rate.split",
     "only a derived node (one with a formula) takes `split`", "derived-only"),
    ("lag_not_derived", ("value: 0.4}", "value: 0.4, lag: 1}"), "kpis.win_rate.lag",
     "only a derived node (one with a formula) takes `lag`", "derived-only"),
    ("lag_range", ("formula: deals * win_rate", "formula: deals * win_rate\n    lag: 25"),
     "kpis.orders.lag", "must be within [0, 24], got 25", "range"),
    # funnels
    ("stage_unknown", ("[inquiries, appointments,", "[inquiries, apointments,"),
     "funnels.sales[1]", "(did you mean 'appointments'?)", "unknown-id"),
    ("stage_repeated", ("deals, orders]", "deals, deals]"), "funnels.sales[3]",
     "repeats the stage 'deals'", "duplicate-stage"),
    ("stages_too_few", ("[inquiries, appointments, deals, orders]", "[orders]"), "funnels.sales",
     "at least 2 items, got 1", "length"),
    ("stage_link", ("[inquiries, appointments, deals, orders]", "[inquiries, deals]"),
     "funnels.sales", "stage 'deals' does not follow from 'inquiries'", "funnel-link"),
    ("funnel_confidence", ("[inquiries, appointments, deals, orders]",
                           "{stages: [deals, orders], confidence: 1.5}"),
     "funnels.sales.confidence", "must be between 0 and 1 (exclusive), got 1.5", "range"),
    ("funnel_type", ("[inquiries, appointments, deals, orders]", "deals"), "funnels.sales",
     "must be a list of stage ids or {stages: [...], confidence: c}", "type"),
    ("funnel_unknown_key", ("[inquiries, appointments, deals, orders]",
                            "{stage: [deals, orders]}"), "funnels.sales.stage",
     "(did you mean 'stages'?)", "unknown-key"),
    # kfs
    ("kfs_duplicate", ("    due: 2026-06-30\n",
                       "    due: 2026-06-30\n  - {id: ma_tool, name: b}\n"),
     "kfs[1].id", "duplicate KFS id 'ma_tool' (also kfs[0])", "duplicate-id"),
    ("kfs_name", ("    name: MAツールの導入\n", ""), "kfs[0].name", "is required", "required"),
    ("kfs_kpi", ("kpis: [inquiries]", "kpis: [inquiry]"), "kfs[0].kpis[0]",
     "names no node in kpis: 'inquiry' (did you mean 'inquiries'?)", "unknown-id"),
    ("kfs_due", ("due: 2026-06-30", "due: 2026-06-31"), "kfs[0].due", "that exists", "date"),
    ("kfs_unknown_key", ("    owner: マーケ", "    onwer: マーケ"), "kfs[0].onwer",
     "(did you mean 'owner'?)", "unknown-key"),
    ("kfs_type", ("  - id: ma_tool", "  - ma_tool\n  - id: x"), "kfs[0]", "must be a mapping",
     "type"),
    # duplicates
    ("duplicate_top", ("kgi: revenue", "kgi: revenue\nkgi: orders"), "kgi",
     "duplicate key 'kgi' (first at line 10)", "duplicate-key"),
    ("duplicate_node", (NEW, "  orders: {name: x}\n" + NEW), "kpis.orders",
     "duplicate key 'orders' (first at line 20)", "duplicate-key"),
    ("duplicate_inner", ("{name: 顧客単価,", "{name: 顧客単価, name: x,"),
     "kpis.unit_price.name", "duplicate key 'name'", "duplicate-key"),
]


@pytest.mark.parametrize(("pairs", "path", "phrase", "code"), [r[1:] for r in RULES],
                         ids=[r[0] for r in RULES])
def test_rule_is_reported_at_its_field(pairs: tuple[str, ...], path: str, phrase: str,
                                       code: str) -> None:
    got = problems(edit(*pairs))
    exp = [p for p in got if p.path == path]
    assert exp, [str(p) for p in got]
    assert phrase in exp[0].message and exp[0].code == code, str(exp[0])
    assert len(got) == 1, [str(p) for p in got]


def test_missing_required_keys_are_each_reported() -> None:
    got = {p.path for p in problems(drop("kpixl:", "title:", "kgi:"))}
    assert got == {"kpixl", "title", "kgi"}


def test_missing_period_is_reported() -> None:
    text = drop("period:", "  start:", "  months:")
    assert only(text).path == "period" and "is required" in only(text).message


def test_several_errors_are_reported_at_once_in_line_order() -> None:
    text = edit("value: 0.4", "value: 1.5", "deals * win_rate", "dealz * win_rate",
                "due: 2026-06-30", "due: 2026-06-31", "title:", "titel: x\ntitle:")
    got = problems(text)
    assert [p.path for p in got] == ["titel", "kpis.orders.formula", "kpis.win_rate.value",
                                     "kfs[0].due"]
    assert [p.line for p in got] == sorted(p.line or 0 for p in got)


def test_problem_lines_point_at_the_key() -> None:
    text = edit("value: 0.4", "value: 1.5")
    got = only(text)
    assert got.line == line_of(text, "win_rate: {") and got.file == "plan.yaml"
    assert str(got).startswith(f"plan.yaml:{got.line}: kpis.win_rate.value: must be within")


def test_missing_key_takes_the_line_of_its_mapping() -> None:
    text = edit("{name: 顧客単価, unit: 円,", "{unit: 円,")
    assert only(text).line == line_of(text, "unit_price:")


def test_duplicate_key_line_is_the_second_occurrence() -> None:
    text = edit("kgi: revenue", "kgi: revenue\nkgi: orders")
    assert only(text).line == line_of(text, "kgi: orders")


def test_yaml_11_booleans_and_dates_stay_text() -> None:
    plan = loads(edit(NEW, "  on: {name: yes, value: 1, description: 2026-04-01}\n" + NEW))
    assert plan.nodes["on"].name == "yes" and plan.nodes["on"].description == "2026-04-01"


def test_kpis_must_be_a_mapping() -> None:
    got = only("kpixl: 1\ntitle: t\nperiod: {start: 2026-04}\nkgi: a\nkpis: [a]\n")
    assert (got.path, got.line, got.code) == ("kpis", 5, "type")


def test_kpis_must_not_be_empty() -> None:
    got = only("kpixl: 1\ntitle: t\nperiod: {start: 2026-04}\nkgi: a\nkpis: {}\n")
    assert (got.path, got.code) == ("kpis", "empty")


def test_invalid_months_does_not_also_fault_seasonality() -> None:
    assert only(edit("months: 12 ", "months: 0 ")).path == "period.months"


def test_lines_of_a_dropped_duplicate_are_not_recorded() -> None:
    text = edit("kgi: revenue", "kgi: revenue\nperiod: {start: 2026-05, extra: 1}")
    got = problems(text)
    assert [p.code for p in got] == ["duplicate-key"]


def test_pure_python_parser_agrees_with_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from kpixl.model import _yaml

    for name in ("seed.yaml", "full.yaml"):
        text = (PLANS / "good" / name).read_text("utf-8")
        fast = _yaml.parse(text)
        monkeypatch.setattr(_yaml, "_Loader", yaml.SafeLoader)
        slow = _yaml.parse(text)
        monkeypatch.undo()
        assert (fast.data, fast.lines, fast.problems) == (slow.data, slow.lines, slow.problems)


def test_split_within_tolerance_is_accepted() -> None:
    text = edit("formula: deals * win_rate", "formula: deals + win_rate\n    split: "
                "{deals: 0.1, win_rate: 0.9000000000000001}")
    assert loads(text).nodes["orders"].split is not None


def test_too_many_aliases_are_rejected() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    assert only(text).code == "too-many-aliases"


def test_merge_keys_are_not_supported() -> None:
    got = problems("a: &x {b: 1}\nc: {<<: *x}\n")
    assert "merge-key" in {p.code for p in got}


def test_non_text_key_is_reported() -> None:
    got = problems(edit("kgi: revenue", "kgi: revenue\n? [a, b]\n: 1"))
    assert [p.code for p in got] == ["key-type"]


def test_utf16_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "u16.yaml"
    path.write_bytes(SEED_TEXT.encode("utf-16"))
    with pytest.raises(PlanError, match="UTF-16"):
        load(path)


def test_folder_is_not_a_plan(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="is a folder"):
        load(tmp_path)


def test_every_code_is_listed() -> None:
    assert {r[4] for r in RULES} <= ERROR_CODES
