"""Random valid plans: kpixl never crashes on them, and their workbooks compute what the engine
computed.

One generator (:func:`make_plan`) writes a random valid plan as YAML text: a random tree under
one or two roots (products of a lever and an assumption, quotients, sums with ``split``, sums
and differences with an assumption, a determined ``start * (1 - churn)`` part, a free divisor,
shared assumptions, a lever root), whole flags,
directions, aggregates ``sum``/``mean``/``last`` with baselines, lags 0..3, seasonality weights,
1..36 months, locale ``ja``/``en``, funnels along product chains, confidence, thresholds, KFS.
It only asks its source for numbers, so it runs on Hypothesis (property 1, many examples,
shrinking) and on a seeded ``random.Random`` (property 2, a fresh sample each run).

- Property 1 (no LibreOffice): ``check`` and ``build_layout`` never raise, not even PlanError:
  the generator only makes plans the spec calls valid.
- Property 2 (bounded: ``SAMPLE`` plans, one LibreOffice call): ``kpixl build`` exits 0 with
  nothing on stderr, every formula cell recalculates to the engine's cached value, and every
  contract name (kpi_X, tgt_X, in_X ...) equals the engine. The seed is printed in every
  failure; rerun it with ``KPIXL_RANDOM_SEED=<seed>``.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import gnumeric
import pytest
import wbtools
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from kpixl.app.build import check_plan
from kpixl.layout import build_layout
from kpixl.model.loader import loads

T = TypeVar("T")
KPIXL = Path(sys.executable).parent / "kpixl"
SAMPLE = int(os.environ.get("KPIXL_SAMPLE", "8"))
EXAMPLES = int(os.environ.get("KPIXL_EXAMPLES", "60"))
#: XlsxWriter's warning for a list validation over 255 characters (see the xfail test below).
LONG_LIST_WARNING = "exceeds Excel's limit of 255"


# -- the generator -------------------------------------------------------------------------------


class Source(Protocol):
    def int(self, lo: int, hi: int) -> int: ...


class RandomSource:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class HypothesisSource:
    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))


def pick(src: Source, options: Sequence[T]) -> T:
    return options[src.int(0, len(options) - 1)]


def chance(src: Source, percent: int) -> bool:
    return src.int(0, 99) < percent


def num(x: float) -> str:
    """A number as YAML 1.2 reads it back exactly."""
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


class _Plan:
    """Collects nodes (id -> flow-mapping fields) while the tree is drawn."""

    def __init__(self, src: Source, locale: str, months: int) -> None:
        self.src, self.locale, self.months = src, locale, months
        self.nodes: dict[str, dict[str, str]] = {}
        self.links: dict[str, str] = {}  # product node -> its free operand (funnel links)
        self.made: dict[str, list[str]] = {"rate": [], "price": [], "days": []}
        self.count = 0

    def new(self, prefix: str) -> str:
        self.count += 1
        nid = f"{prefix}{self.count}"
        name = {"en": f"{prefix.title()} {self.count}", "ja": f"指標{self.count}（{prefix}）"}
        self.nodes[nid] = {"name": name[self.locale]}
        return nid

    def assumption(self, kind: str) -> str:
        """A new assumption, or (sometimes) one already used by another formula."""
        src = self.src
        if self.made[kind] and chance(src, 25):
            return pick(src, self.made[kind])
        if kind == "rate":
            nid = self.new("rate")
            self.nodes[nid].update(unit='"%"', value=num(src.int(50, 1000) / 1000))
        elif kind == "price":
            nid = self.new("price")
            self.nodes[nid]["value"] = num(src.int(1, 5000) * pick(src, [1, 1, 10, 0.5]))
        else:  # a small count such as working days
            nid = self.new("days")
            self.nodes[nid].update(value=str(src.int(1, 20)), whole="true")
        self.made[kind].append(nid)
        return nid

    def decorate(self, nid: str, *, rate: bool = False) -> None:
        """Random whole flag, direction, aggregate (with a baseline for `last`), owner."""
        src, f = self.src, self.nodes[nid]
        if not rate and chance(src, 50):
            f["whole"] = "true"
        if chance(src, 10):
            f["direction"] = "down"
        aggregate = pick(src, ["", "", "sum", "mean", "last"])
        if aggregate:
            f["aggregate"] = aggregate
        if (aggregate == "last" and chance(src, 70)) or chance(src, 10):
            f["baseline"] = num(src.int(0, 1000))
        if chance(src, 50):
            f["owner"] = pick(src, ["Sales", "Marketing", "営業部"])
        if chance(src, 20):
            f["description"] = pick(src, ['"Counted monthly: a, b; c"', "毎月の件数"])
        if chance(src, 20):
            f["history"] = "[" + ", ".join(num(src.int(0, 10**6) / 10)
                                           for _ in range(src.int(1, 3))) + "]"
        if chance(src, 20):
            f["unit"] = pick(src, ["件", "円", "USD", "社", '"#"'])

    def free(self, depth: int) -> str:
        """A node solved from its parent: a lever, or a derived node whose operands are solved."""
        src = self.src
        kinds = ["lever"] if depth >= 4 or self.count > 24 else [
            "lever", "product", "product", "quotient", "split", "base_sum", "difference",
            "retained"]
        kind = pick(src, kinds)
        if kind == "lever":
            nid = self.new("lever")
            self.decorate(nid)
            return nid
        nid = self.new(kind)
        f = self.nodes[nid]
        if kind in ("product", "quotient"):
            child = self.free(depth + 1)
            other = self.assumption(pick(src, ["rate", "rate", "price"] if kind == "product"
                                         else ["days"]))
            op = "*" if kind == "product" else "/"
            f["formula"] = (f"{other} * {child}" if op == "*" and chance(src, 30)
                            else f"{child} {op} {other}")
            if kind == "product":  # KNOWN BUG avoided: see test_funnel_through_a_quotient...
                self.links[nid] = child
        elif kind == "split":
            k = src.int(2, 3)
            children = [self.free(depth + 1) for _ in range(k)]
            tenths = [1] * k
            for _ in range(10 - k):
                tenths[src.int(0, k - 1)] += 1
            f["formula"] = " + ".join(children)
            f["split"] = "{" + ", ".join(f"{c}: {num(t / 10)}"
                                         for c, t in zip(children, tenths, strict=True)) + "}"
        elif kind == "base_sum":
            base = self.assumption("price")
            f["formula"] = f"{base} + {self.free(depth + 1)}"
        elif kind == "difference":
            base = self.assumption("price")
            f["formula"] = f"{self.free(depth + 1)} - {base}"
        else:  # retained: a determined part (computed forward, whole ones rounded down)
            start = self.new("start")
            self.nodes[start].update(value=str(src.int(0, 500)), whole="true", aggregate="last")
            churn = self.new("churn")
            self.nodes[churn].update(unit='"%"', value=num(src.int(0, 300) / 1000),
                                     direction="down")
            kept = self.new("kept")
            self.nodes[kept]["formula"] = f"{start} * (1 - {churn})"
            if chance(src, 60):
                self.nodes[kept]["whole"] = "true"
            f["formula"] = f"{kept} + {self.free(depth + 1)}"
        if chance(src, 40):
            f["lag"] = str(src.int(0, 3))
        self.decorate(nid)
        return nid

    def funnel(self) -> list[str]:
        """The longest chain of product links, top of the funnel first."""
        best: list[str] = []
        for top in self.links:
            chain = [top]
            while chain[-1] in self.links:
                chain.append(self.links[chain[-1]])
            best = max(best, chain, key=len)
        return best[::-1]


def make_plan(src: Source) -> str:
    """The YAML text of a random valid plan."""
    months = src.int(1, 36)
    locale = pick(src, ["en", "ja"])
    p = _Plan(src, locale, months)
    shape = src.int(0, 99)
    if shape < 5:  # a lever root: its target is its own value
        root = p.new("goal")
    elif shape < 15:  # a free divisor: per_head = budget / heads, so heads = budget / target
        root = p.new("per_head")
        budget = p.new("budget")
        p.nodes[budget]["value"] = str(src.int(1, 10**6))
        p.nodes[root]["formula"] = f"{budget} / {p.free(1)}"
    else:
        root = p.free(0)
    roots = [root]
    if chance(src, 25):  # a second tree with its own goal
        roots.append(p.free(2))
    for r in roots:
        p.decorate(r)
        whole = p.nodes[r].get("whole") == "true"
        target = src.int(0, 10**7) if whole else src.int(0, 10**9) / 100
        if r.startswith("per_head"):  # heads = budget / target >= 10: rounding cannot reach 0
            budget = float(p.nodes[f"budget{int(r[8:]) + 1}"]["value"])
            target = budget / src.int(10, 1000)
        p.nodes[r]["target"] = num(target)
        if chance(src, 50):
            p.nodes[r]["due"] = f"{2026 + (months + 2) // 12}-{(months + 2) % 12 + 1:02d}-01"
    if chance(src, 20):  # an assumption nobody uses: a root that needs no target
        p.assumption("price")
    # a root without a formula is a lever root: it must not carry split/lag/formula fields
    lines = [f"kpixl: {1}", f"title: {'Random plan' if locale == 'en' else 'ランダム計画'}",
             f"locale: {locale}", f"period: {{start: 2026-{src.int(1, 12):02d}, months: {months}}}"]
    if chance(src, 60):
        weights = [src.int(0, 20) for _ in range(months)]
        if sum(weights) == 0:
            weights[src.int(0, months - 1)] = 1
        lines.append(f"seasonality: [{', '.join(map(str, weights))}]")
    if chance(src, 30):
        on_track = src.int(80, 120) / 100
        lines.append(f"thresholds: {{on_track: {num(on_track)}, "
                     f"at_risk: {num(on_track - src.int(0, 30) / 100)}}}")
    if chance(src, 30):
        lines.append(f"confidence: {num(src.int(50, 95) / 100)}")
    if chance(src, 30):
        lines.append(f"money_display: {pick(src, ['unit', 'thousand', 'million'])}")
    if chance(src, 30):
        lines.append(f"currency: {pick(src, ['JPY', 'USD', 'EUR'])}")
    if chance(src, 20):
        lines.append(f"realism: {num(src.int(1, 100) / 100)}")
    lines += [f"kgi: {root}", "kpis:"]
    for nid, fields in p.nodes.items():
        lines.append(f"  {nid}: {{{', '.join(f'{k}: {v}' for k, v in fields.items())}}}")
    stages = p.funnel()
    if len(stages) >= 2 and chance(src, 70):
        listed = f"[{', '.join(stages)}]"
        if chance(src, 30):
            listed = f"{{stages: {listed}, confidence: {num(src.int(50, 95) / 100)}}}"
        lines.append(f"funnels: {{main: {listed}}}")
    if chance(src, 30):
        lines.append(f"kfs: [{{id: push, name: Push, kpis: [{pick(src, list(p.nodes))}]}}]")
    return "\n".join(lines) + "\n"


@st.composite
def random_plans(draw: st.DrawFn) -> str:
    return make_plan(HypothesisSource(draw))


# -- property 1: check and lay out, many examples, no LibreOffice ---------------------------------


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_plans())
def test_random_valid_plans_check_and_lay_out(text: str) -> None:
    from kpixl.layout import build_layout

    note(text)
    plan = loads(text, "random.yaml")  # valid by construction: no PlanError either
    result = check_plan(plan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layout = build_layout(result.solution)
    assert layout.sheets


def test_the_generator_makes_varied_plans() -> None:
    """The sample covers what it claims: every kind of node and field, both locales."""
    rng = random.Random(1)
    texts = "\n".join(make_plan(RandomSource(rng)) for _ in range(200))
    for needle in ("split: {", " - price", "(1 - churn", " / days", "lag: 3", "aggregate: last",
                   "baseline:", "direction: down", "whole: true", "funnels:", "confidence:",
                   "locale: ja", "locale: en", "seasonality:", "months: 1}", "months: 36}",
                   "kfs:", "thresholds:", "history:", "money_display: million", "currency:",
                   "unit: 円", "per_head", "{stages: ["):
        assert needle in texts, needle


# -- property 2: build, recalculate in LibreOffice, compare with the engine ----------------------


def _seed() -> int:
    return int(os.environ.get("KPIXL_RANDOM_SEED") or time.time_ns() % 2**32)


def _stderr_problems(stderr: str) -> list[str]:
    """stderr lines other than the known XlsxWriter long-list warning (xfail test below)."""
    lines = stderr.splitlines()
    out = []
    for i, line in enumerate(lines):
        known = LONG_LIST_WARNING in line or (
            line.strip() == "warn(" and i > 0 and LONG_LIST_WARNING in lines[i - 1])
        if not known:
            out.append(line)
    return out


def name_diff(exp: dict[str, object], got: dict[str, object], exact: set[str]) -> list[str]:
    """Like ``wbtools.diff``, for any plan: a one-month row reads back as a single value, and a
    whole node's name is compared exactly only where the engine's value is a whole number (the
    planned value of a whole root, its formula on the operands, need not be)."""
    lines = []
    for name, value in exp.items():
        if name not in got:
            lines.append(f"{name}: expected {value!r}, missing")
            continue
        found = got[name]
        if isinstance(value, list) and len(value) == 1 and not isinstance(found, list):
            found = [found]
        items = value if isinstance(value, list) else [value]
        whole = name in exact and all(wbtools.whole_value(v) for v in items
                                      if not wbtools.blank(v))
        if not wbtools.same(value, found, exact=whole):
            lines.append(f"{name}: expected {value!r}, got {found!r}")
    return lines


@pytest.mark.libreoffice
def test_random_workbooks_equal_the_engine_after_recalculation(
        tmp_path: Path, recalc: Callable[..., list[Path]]) -> None:
    seed = _seed()
    rng = random.Random(seed)
    texts = [make_plan(RandomSource(rng)) for _ in range(SAMPLE)]
    built: list[wbtools.Built] = []
    for k, text in enumerate(texts):
        plan_path = tmp_path / f"random{k}.yaml"
        plan_path.write_text(text, encoding="utf-8")
        where = f"seed {seed}, plan {k} (KPIXL_RANDOM_SEED={seed}):\n{text}"
        got = subprocess.run([str(KPIXL), "build", plan_path.name, "-o", f"random{k}.xlsx"],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300,
                             env={**os.environ, "KPIXL_LANG": "en"})
        assert got.returncode == 0, f"{where}\n{got.stderr[-3000:]}"
        assert _stderr_problems(got.stderr) == [], f"{where}\n{got.stderr[-3000:]}"
        plan = loads(text, plan_path.name)
        solution = check_plan(plan).solution
        built.append(wbtools.Built(key=f"random{k}", plan=plan, solution=solution,
                                   path=tmp_path / f"random{k}.xlsx"))

    outputs = recalc(*[b.path for b in built])
    edited = _with_actuals(built, tmp_path, seed)
    edited_out = recalc(*[p for p, _ in edited])
    failures = [f"plan {k} with actuals (LibreOffice):\n{texts[k]}" + "\n".join(bad[:20])
                for k, ((_, layout), out) in enumerate(zip(edited, edited_out, strict=True))
                if (bad := _layout_diff(layout, out))]
    if gnumeric.find_ssconvert() is not None:
        gn = gnumeric.recalculate([p for p, _ in edited], tmp_path / "gnumeric")
        failures += [f"plan {k} with actuals (Gnumeric):\n{texts[k]}" + "\n".join(bad[:20])
                     for k, (p, layout) in enumerate(edited)
                     if (bad := _layout_diff(layout, gn[p], exact=False))]

    for k, (b, out) in enumerate(zip(built, outputs, strict=True)):
        cached, calc = wbtools.snapshot(b.path), wbtools.snapshot(out)
        bad = [f"{cell}: cached {cached.values.get(cell)!r}, LibreOffice "
               f"{calc.values.get(cell)!r}  ({formula})"
               for cell, formula in cached.formulas.items()
               if not wbtools.same(cached.values.get(cell), calc.values.get(cell),
                                   exact=wbtools.whole_value(cached.values.get(cell)))]
        assert cached.formulas, f"plan {k}: no formula cells"
        exp = wbtools.expected_names(b.plan, b.solution, b.sched, b.tracking)
        bad += name_diff(exp, calc.named, wbtools.exact_names(b.plan))
        if bad:
            failures.append(f"plan {k}:\n{texts[k]}" + "\n".join(bad[:20]))
    assert failures == [], (f"seed {seed} (rerun with KPIXL_RANDOM_SEED={seed}):\n"
                            + "\n\n".join(failures))


def _with_actuals(built: list[wbtools.Built], folder: Path,
                  seed: int) -> list[tuple[Path, Any]]:
    """Each random workbook with actuals entered (blank months, an early figure, observed
    funnel rates) and the layout the engine draws for them."""
    out = []
    for k, b in enumerate(built):
        rows, _closed = wbtools.random_actuals(b.plan, b.solution, seed + k)
        p = folder / f"random{k}-actuals.xlsx"
        wbtools.write_actuals(b.path, p, rows, None)
        out.append((p, build_layout(b.solution, actuals=wbtools.numbers(rows))))
    return out


def _layout_diff(layout: Any, recalculated: Path, exact: bool = True) -> list[str]:
    """Formula cells whose recalculated value differs from the engine layout's (whole numbers
    exactly unless ``exact`` is False: Gnumeric saves all 17 digits where LibreOffice saves
    15, so a quotient such as 886.0000000000001 is whole only in LibreOffice's copy)."""
    snap = wbtools.snapshot(recalculated)
    bad = []
    for sheet in layout.sheets:
        for (r, c), cell in sheet.cells.items():
            if cell.formula is None:
                continue
            exp, got = cell.cached, snap.value(sheet.name, r + 1, c + 1)
            if not wbtools.same(exp, got, exact=exact and wbtools.whole_value(exp)):
                bad.append(f"{sheet.name}!{wbtools.a1(r + 1, c + 1)}: engine {exp!r}, got "
                           f"{got!r}  (={cell.formula[:140]})")
    return bad


# -- bugs found by the generator (xfail until fixed) -------------------------------------------


def test_long_plan_builds_without_warnings(tmp_path: Path) -> None:
    text = re.sub(r"months: \d+", "months: 36", make_plan(RandomSource(random.Random(7))))
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("seasonality:")) + "\n"
    (tmp_path / "long.yaml").write_text(text, encoding="utf-8")
    got = subprocess.run([str(KPIXL), "build", "long.yaml", "-o", "long.xlsx"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert got.returncode == 0, got.stderr
    assert got.stderr == ""


def test_funnel_through_a_quotient_with_zero_target(tmp_path: Path) -> None:
    (tmp_path / "z.yaml").write_text(
        "kpixl: 1\ntitle: Zero\nperiod: {start: 2026-01, months: 1}\nkgi: per_day\nkpis:\n"
        "  per_day: {name: Per day, formula: visits / days, target: 0}\n"
        "  visits: {name: Visits}\n  days: {name: Days, value: 20}\n"
        "funnels: {main: [visits, per_day]}\n", encoding="utf-8")
    got = subprocess.run([str(KPIXL), "build", "z.yaml", "-o", "z.xlsx"], capture_output=True,
                         text=True, cwd=tmp_path, timeout=300)
    assert "Traceback" not in got.stderr, got.stderr[-2000:]
    assert got.returncode == 0
