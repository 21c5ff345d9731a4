"""``kpixl pull``: the plan as the workbook holds it, back to YAML."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from test_reader import FULL, SEED, build, fill

from kpixl.app.pull import pull
from kpixl.cli import main
from kpixl.errors import PlanError, WorkbookError
from kpixl.model.loader import load
from kpixl.model.plan_dict import plan_to_dict, plan_to_json


def test_an_untouched_workbook_pulls_the_plan_it_was_built_from(tmp_path: Path) -> None:
    for plan in (SEED, FULL):
        out = pull(build(plan, tmp_path / f"{plan.stem}.xlsx"))
        assert out == tmp_path / f"{plan.stem}.yaml"
        assert plan_to_json(load(out)) == plan_to_json(load(plan))


def test_inputs_changed_in_excel_land_in_the_plan(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "seed.xlsx"),
              inputs={"in_win_rate": 0.3, "in_revenue": 150_000_000, "in_seasonality[2]": 2,
                      "in_at_risk": 0.8, "in_asof": 3})
    got = plan_to_dict(load(pull(wb)))
    assert got["kpis"]["win_rate"]["value"] == 0.3
    assert got["kpis"]["revenue"]["target"] == 150_000_000
    assert got["seasonality"][1] == 2 and got["thresholds"]["at_risk"] == 0.8


def test_split_shares_and_baselines_are_pulled(tmp_path: Path) -> None:
    wb = build(FULL, tmp_path / "full.xlsx")
    book = openpyxl.load_workbook(wb)
    for row in book["Inputs"].iter_rows():
        if row[1].value == "New customers (new)":
            row[2].value = 0.5
        if row[1].value == "Existing customers (existing)":
            row[2].value = 0.5
        if row[0].value == "Customers (customers)" and row[1].value == 800:
            row[1].value = 850
    book.save(wb)
    got = plan_to_dict(load(pull(wb)))["kpis"]["customers"]
    assert got["split"] == {"new": 0.5, "existing": 0.5} and got["baseline"] == 850


def test_pull_keeps_japanese_text_readable(tmp_path: Path) -> None:
    text = pull(build(SEED, tmp_path / "seed.xlsx")).read_text("utf-8")
    assert "name: 売上高" in text and "seasonality: [1, 1, 1" in text


def test_pull_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    wb = build(SEED, tmp_path / "seed.xlsx")
    pull(wb)
    # the workbook's plan is Japanese: so is the refusal
    with pytest.raises(WorkbookError, match="すでにあります。上書きするなら --force"):
        pull(wb)
    assert pull(wb, force=True).exists()


def test_an_invalid_input_is_an_error_naming_the_field(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "seed.xlsx"), inputs={"in_win_rate": 1.5})
    with pytest.raises(PlanError, match=r"seed\.xlsx: kpis\.win_rate\.value"):
        pull(wb, tmp_path / "out.yaml")
    assert not (tmp_path / "out.yaml").exists()


def test_cli_pull_prints_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = build(SEED, tmp_path / "seed.xlsx")
    assert main(["pull", str(wb), "-o", str(tmp_path / "p.yaml")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "p.yaml")
    assert main(["pull", str(wb), "-o", str(tmp_path / "p.yaml")]) == 1
