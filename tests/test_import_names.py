"""KPIs named by id, by the workbook's name or by the other language's name; `kpixl ids`.

The English sales_funnel template shares its ids with the Japanese one, so a workbook built
from it takes 受注件数 for orders; its year runs January..December 2027, so ``4月`` and ``Apr``
are 2027-04. Messages follow the plan: English here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_kpixl

from kpixl.xlsx.reader import read_workbook


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("books")
    out = {}
    for name, lang in (("sales_funnel", "en"), ("saas_revenue", "ja")):
        plan = d / f"{name}.{lang}.yaml"
        assert run_kpixl("new", f"{name}.{lang}", "-o", plan).returncode == 0
        r = run_kpixl("build", plan, "-o", d / f"{name}.{lang}.xlsx")
        assert r.returncode == 0, r.stderr
        out[f"{name}.{lang}"] = (d / f"{name}.{lang}.xlsx").read_bytes()
    clash = d / "clash.yaml"
    clash.write_text(CLASH, encoding="utf-8")
    assert run_kpixl("build", clash, "-o", d / "clash.xlsx").returncode == 0
    out["clash"] = (d / "clash.xlsx").read_bytes()
    return out


CLASH = """kpixl: 1
title: Clash
locale: en
period: {start: 2026-04, months: 12}
kgi: revenue
kpis:
  revenue: {name: Revenue, unit: USD, target: 1200000, formula: orders * price}
  price: {name: closed  deals, unit: USD, value: 1000}
  orders: {name: Closed Deals, unit: deals, whole: true, formula: deals * rate}
  rate: {name: Rate, unit: "%", value: 0.5}
  deals: {name: Deals, unit: deals, whole: true}
"""


def book(books: dict[str, bytes], key: str, tmp_path: Path) -> Path:
    p = tmp_path / f"{key}.xlsx"
    p.write_bytes(books[key])
    return p


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / "a.csv"
    p.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return p


def test_the_other_languages_names_and_month_only_headers(books: dict[str, bytes],
                                                          tmp_path: Path) -> None:
    wb = book(books, "sales_funnel.en", tmp_path)
    f = write(tmp_path, "指標,4月,5月,Jun\n受注件数,12,14 orders,\nWin rate,40%,0.38,\n"
                        "inquiries,\"1,500 inquiries\",,1600\n", "cp932")
    r = run_kpixl("actuals", "import", wb, f)
    assert r.returncode == 0, r.stderr
    assert read_workbook(wb).entered() == {
        ("orders", "2027-04"): 12, ("orders", "2027-05"): 14, ("win_rate", "2027-04"): 0.4,
        ("win_rate", "2027-05"): 0.38, ("inquiries", "2027-04"): 1500,
        ("inquiries", "2027-06"): 1600}
    assert r.stdout.splitlines()[0] == f"imported 6 actual(s) from {f} into {wb}"


def test_an_english_plan_is_refused_in_english(books: dict[str, bytes], tmp_path: Path) -> None:
    wb = book(books, "sales_funnel.en", tmp_path)
    before = wb.read_bytes()
    f = write(tmp_path, "KPI,Month,Value\nWin rate,Apr-27,45\nOrders,2027/5,1,5\n"
                        "Orders,2027-13,1\n")
    r = run_kpixl("actuals", "import", wb, f, cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{f}:2: C2 (Value): '45' for Win rate (a %): did you mean 45%? write 0.45 or 45%",
        f"{f}:3: C3 (Value): in '1,5' the comma does not group thousands; write 1.5 if it is a "
        "decimal point, or 15",
        f"{f}:4: B4 (Month): '2027-13' is not a month; write it like 2027-01 (also 2026/4, "
        "2026/4/1, Apr-26)"]
    assert wb.read_bytes() == before


def test_an_ambiguous_name_names_both_and_the_id_settles_it(books: dict[str, bytes],
                                                            tmp_path: Path) -> None:
    wb = book(books, "clash", tmp_path)
    before = wb.read_bytes()
    r = run_kpixl("actuals", "import", wb, write(tmp_path, "KPI,2026-04\nCLOSED DEALS,3\n"))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{tmp_path / 'a.csv'}:2: A2 (KPI): 'CLOSED DEALS' could be closed  deals (price) or "
        "Closed Deals (orders); write the id (price or orders)"]
    assert wb.read_bytes() == before
    r = run_kpixl("actuals", "import", wb, write(tmp_path, "KPI,2026-04\norders,3\ndeals,9\n"))
    assert r.returncode == 0, r.stderr
    assert read_workbook(wb).entered() == {("orders", "2026-04"): 3, ("deals", "2026-04"): 9}


def test_an_unknown_name_in_a_large_plan_gets_the_nearest_and_kpixl_ids(
        books: dict[str, bytes], tmp_path: Path) -> None:
    wb = book(books, "saas_revenue.ja", tmp_path)
    before = wb.read_bytes()
    f = write(tmp_path, "KPI名,2026/4/1\n有効リード数,120\nzzzz,1\n", "cp932")
    r = run_kpixl("actuals", "import", wb, f)
    assert r.returncode == 1
    first, second = r.stderr.splitlines()
    assert first.startswith(f"{f}:2: A2 (KPI名): 「有効リード数」はこのプランの KPI ではありません"
                            "（近いもの: ")
    assert "リード数 (leads)" in first  # the template's lead count is the nearest name
    assert first.endswith(f"`kpixl ids {wb}` ですべて一覧できます")
    assert second.endswith(f"`kpixl ids {wb}` ですべて一覧できます") and "近いもの" not in second
    assert wb.read_bytes() == before


def test_kpixl_ids_lists_id_both_names_and_unit_aligned(books: dict[str, bytes],
                                                        tmp_path: Path) -> None:
    wb = book(books, "sales_funnel.en", tmp_path)
    r = run_kpixl("ids", wb)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == [
        "revenue", "unit_price", "orders", "win_rate", "deals", "deal_rate", "appointments",
        "appointment_rate", "inquiries"]
    win = next(ln for ln in lines if ln.startswith("win_rate "))
    assert win.split() == ["win_rate", "Win", "rate", "受注率", "%"]
    # aligned: every English name starts in the same column
    assert len({ln.index(ln.split()[1]) for ln in lines}) == 1
    plan = tmp_path / "p.yaml"
    plan.write_text(CLASH, encoding="utf-8")
    r = run_kpixl("ids", plan)
    assert r.returncode == 0
    got = [ln.split() for ln in r.stdout.splitlines()]
    # deals has the template's id and English name, so the Japanese template names it; orders
    # was renamed, so no other name is known for it
    assert got[-1] == ["deals", "Deals", "商談数", "deals"]
    assert got[2] == ["orders", "Closed", "Deals", "deals"]


def test_kpixl_ids_of_a_missing_file_is_one_line(tmp_path: Path) -> None:
    r = run_kpixl("ids", tmp_path / "none.yaml")
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
