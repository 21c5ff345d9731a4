"""The JSON Schema comes from the same field tables the loader validates with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpixl.errors import PlanError
from kpixl.model import _yaml
from kpixl.model.loader import load, loads
from kpixl.model.schema import ID_PATTERN, RESERVED_IDS, TABLES, json_schema

PLANS = Path(__file__).parent / "plans"
SEED_TEXT = (PLANS / "good" / "seed.yaml").read_text(encoding="utf-8")

# Where each table's keys live in the schema.
LOCATIONS = {
    "plan": (),
    "period": ("$defs", "period"),
    "thresholds": ("$defs", "thresholds"),
    "node": ("$defs", "node"),
    "funnel": ("$defs", "funnel"),
    "kfs": ("$defs", "kfs"),
}


def _at(schema: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any]:
    for key in where:
        schema = schema[key]
    return schema


def test_schema_is_json_draft_2020_12() -> None:
    schema = json_schema()
    assert json.loads(json.dumps(schema)) == schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_table_is_in_the_schema() -> None:
    assert set(LOCATIONS) == set(TABLES)


@pytest.mark.parametrize("table", list(TABLES))
def test_schema_properties_are_the_table_keys(table: str) -> None:
    obj = _at(json_schema(), LOCATIONS[table])
    exp = [spec.name for spec in TABLES[table]]
    assert list(obj["properties"]) == exp
    assert obj["additionalProperties"] is False
    assert obj.get("required", []) == [s.name for s in TABLES[table] if s.required]


@pytest.mark.parametrize("table", list(TABLES))
def test_every_property_has_a_one_line_description(table: str) -> None:
    for name, prop in _at(json_schema(), LOCATIONS[table])["properties"].items():
        assert prop["description"] and "\n" not in prop["description"], name


def test_node_ids_use_pattern_properties() -> None:
    kpis = json_schema()["properties"]["kpis"]
    assert kpis["patternProperties"] == {ID_PATTERN: {"$ref": "#/$defs/node"}}
    assert set(kpis["propertyNames"]["not"]["enum"]) == RESERVED_IDS


def test_enums_and_ranges_come_from_the_tables() -> None:
    schema = json_schema()
    assert schema["properties"]["locale"]["enum"] == ["en", "ja"]
    assert schema["properties"]["kpixl"]["const"] == 1
    months = schema["$defs"]["period"]["properties"]["months"]
    assert (months["minimum"], months["maximum"], months["type"]) == (1, 60, "integer")
    conf = schema["properties"]["confidence"]
    assert (conf["exclusiveMinimum"], conf["exclusiveMaximum"]) == (0, 1)


# Keys the loader accepts: a plan that gives every key of every table loads. The sample values
# are kept here on purpose: adding a field to a table without a sample fails this test.
SAMPLES: dict[str, dict[str, str]] = {
    "plan": {"kpixl": "1", "title": "T", "locale": "en", "currency": "EUR",
             "money_display": "thousand", "period": "{start: 2026-01, months: 2}",
             "seasonality": "[1, 2]", "thresholds": "{on_track: 1, at_risk: 0.8}",
             "confidence": "0.8", "realism": "0.4", "kgi": "total", "kpis": "",
             "funnels": "{f: {stages: [a, total], confidence: 0.7}}",
             "kfs": "[{id: k, name: K, kpis: [a], owner: o, due: 2026-02-01, status: s, "
                    "description: d}]"},
    "period": {"start": "2026-01", "months": "2"},
    "thresholds": {"on_track": "1", "at_risk": "0.8"},
    "node": {"name": "Total", "unit": "件", "description": "d", "owner": "o", "due": "2026-02-28",
             "direction": "up", "whole": "true", "aggregate": "sum", "signed": "true",
             "bounds": "[-10, 1000]", "baseline": "3", "history": "[1, 2]", "value": "1",
             "formula": "a + b", "target": "10", "split": "{a: 0.5, b: 0.5}", "lag": "1"},
    "funnel": {"stages": "[a, total]", "confidence": "0.7"},
    "kfs": {"id": "k", "name": "K", "kpis": "[a]", "owner": "o", "due": "2026-02-01",
            "status": "s", "description": "d"},
}


def _every_key_plan() -> str:
    top = SAMPLES["plan"]
    node = ", ".join(f"{k}: {v}" for k, v in SAMPLES["node"].items() if k != "value")
    lines = [f"{k}: {v}" for k, v in top.items() if k != "kpis"]
    lines += ["kpis:", f"  total: {{{node}}}", "  a: {name: A}", "  b: {name: B}",
              f"  c: {{name: C, value: {SAMPLES['node']['value']}}}"]  # not with a formula
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("table", list(TABLES))
def test_samples_cover_each_table(table: str) -> None:
    assert list(SAMPLES[table]) == [spec.name for spec in TABLES[table]]


def test_a_plan_with_every_key_loads() -> None:
    plan = loads(_every_key_plan())
    total = plan.nodes["total"]
    assert total.lag == 1 and total.split is not None and total.bounds == (-10.0, 1000.0)
    assert plan.kfs[0].status == "s" and plan.funnels[0].confidence == 0.7
    assert plan.nodes["c"].value == 1


@pytest.mark.parametrize("table", list(TABLES))
def test_loader_rejects_keys_outside_the_table(table: str) -> None:
    where = {
        "plan": ("kgi: total", "kgi: total\nbogus: 1"),
        "period": ("start: 2026-01,", "start: 2026-01, bogus: 1,"),
        "thresholds": ("on_track: 1,", "on_track: 1, bogus: 1,"),
        "node": ("  a: {name: A}", "  a: {name: A, bogus: 1}"),
        "funnel": ("{stages: [a, total],", "{stages: [a, total], bogus: 1,"),
        "kfs": ("[{id: k,", "[{id: k, bogus: 1,"),
    }[table]
    plan_text = _every_key_plan()
    assert where[0] in plan_text
    with pytest.raises(PlanError) as info:
        loads(plan_text.replace(where[0], where[1], 1))
    got = info.value.problems
    assert len(got) == 1 and got[0].code == "unknown-key" and got[0].path.endswith("bogus")


def _validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    return jsonschema.Draft202012Validator


def test_schema_is_a_valid_json_schema() -> None:
    _validator().check_schema(json_schema())


@pytest.mark.parametrize("name", ["seed.yaml", "full.yaml"])
def test_good_plans_validate_against_the_schema(name: str) -> None:
    validator = _validator()(json_schema())
    load(PLANS / "good" / name)  # the loader agrees
    data = _yaml.parse((PLANS / "good" / name).read_text("utf-8")).data
    assert list(validator.iter_errors(data)) == []


def test_every_key_plan_validates_against_the_schema() -> None:
    validator = _validator()(json_schema())
    assert list(validator.iter_errors(_yaml.parse(_every_key_plan()).data)) == []


def test_schema_rejects_unknown_keys_and_reserved_ids() -> None:
    validator = _validator()(json_schema())
    data = _yaml.parse(SEED_TEXT).data
    data["kpis"]["orders"]["tagret"] = 1
    data["kpis"]["asof"] = {"name": "x", "value": 1}
    assert len(list(validator.iter_errors(data))) == 2
