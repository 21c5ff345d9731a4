"""Plan format v1 as one table of fields, and the JSON Schema generated from it.

The loader (``kpixl.model.loader``) checks unknown keys, required keys, types, enums, ranges and
patterns with the same ``FieldSpec`` tables that ``json_schema()`` turns into JSON Schema
(draft 2020-12), so the editor schema and the validator cannot drift apart. Rules that need the
whole plan (a formula's ids exist, roots take a target, funnel stages are linked) live in the
loader only; the schema is for completion and a first check in the editor.

Tables (``TABLES``): ``plan`` (top level), ``period``, ``thresholds``, ``node`` (each entry of
``kpis``), ``funnel`` (the object form of a funnel) and ``kfs`` (each entry of ``kfs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "CURRENCY_PATTERN",
    "DATE_PATTERN",
    "ID_PATTERN",
    "MONTH_PATTERN",
    "RESERVED_IDS",
    "TABLES",
    "FieldSpec",
    "Kind",
    "json_schema",
]

ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
RESERVED_IDS = frozenset({"asof", "seasonality", "on_track", "at_risk", "action"})
SCHEMA_ID = "https://kpixl.invalid/schema/plan-v1.json"

Kind = Literal[
    "int",  # a whole number (an integral float such as 12.0 is accepted)
    "number",  # a finite number (YAML 1.2: 120_000_000, 1.2e8)
    "text",  # a string; numbers are not converted
    "bool",  # true or false only
    "enum",  # one of ``enum`` (strings)
    "date",  # YYYY-MM-DD, an existing date
    "month",  # YYYY-MM
    "id",  # an id (ID_PATTERN, not reserved)
    "ids",  # a list of ids
    "numbers",  # a list of numbers
    "bounds",  # [low, high]
    "formula",  # arithmetic over ids (kpixl.model.expr)
    "object",  # a nested mapping described by table ``of``
    "nodes",  # kpis: id -> node
    "funnels",  # funnels: id -> list of ids | funnel object
    "kfs",  # a list of kfs objects
    "split",  # id -> share in [0, 1]
]


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSpec:
    """One key of a plan mapping: its kind, constraints and a one-line description."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    enum: tuple[str | int, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    pattern: str | None = None
    min_length: int | None = None
    min_items: int | None = None
    default: Any = None
    of: str | None = None  # the nested table of an "object" field


F = FieldSpec

PLAN_FIELDS: tuple[FieldSpec, ...] = (
    F(name="kpixl", kind="int", required=True, enum=(1,),
      description="Plan format version; must be 1."),
    F(name="title", kind="text", required=True, min_length=1, description="Title of the plan."),
    F(name="locale", kind="enum", enum=("en", "ja"), default="en",
      description="Language of labels, sheet names and formats."),
    F(name="currency", kind="text", pattern=CURRENCY_PATTERN,
      description="ISO 4217 currency code in capitals (default JPY for ja, USD for en)."),
    F(name="money_display", kind="enum", enum=("unit", "thousand", "million"), default="unit",
      description="Show money in units, thousands or millions (number formats only)."),
    F(name="period", kind="object", of="period", required=True,
      description="The months the plan covers."),
    F(name="seasonality", kind="numbers", minimum=0, min_items=1,
      description="One weight per plan month, each >= 0, sum > 0 (default: all 1)."),
    F(name="thresholds", kind="object", of="thresholds",
      description="Achievement bands for the status (on track / at risk / off track)."),
    F(name="confidence", kind="number", exclusive_minimum=0, exclusive_maximum=1,
      description="Probability (0 < c < 1) for the confidence-based funnel sizes."),
    F(name="realism", kind="number", exclusive_minimum=0, default=0.5,
      description="Growth over the best past value that counts as unrealistic (0.5 = 50%)."),
    F(name="kgi", kind="id", required=True, pattern=ID_PATTERN,
      description="Id of the KGI node: the goal the tree explains."),
    F(name="kpis", kind="nodes", required=True,
      description="The KPI tree: node id -> node."),
    F(name="funnels", kind="funnels",
      description="Funnel id -> stages top to bottom (a list, or {stages, confidence})."),
    F(name="kfs", kind="kfs", description="Key factors for success: initiatives tied to KPIs."),
)

PERIOD_FIELDS: tuple[FieldSpec, ...] = (
    F(name="start", kind="month", required=True, pattern=MONTH_PATTERN,
      description="First month of the plan, YYYY-MM."),
    F(name="months", kind="int", minimum=1, maximum=60, default=12,
      description="Number of months in the plan, 1..60."),
)

THRESHOLD_FIELDS: tuple[FieldSpec, ...] = (
    F(name="on_track", kind="number", minimum=0, default=1.0,
      description="Achievement at or above which a KPI is on track."),
    F(name="at_risk", kind="number", minimum=0, default=0.9,
      description="Achievement at or above which a KPI is at risk (<= on_track)."),
)

NODE_FIELDS: tuple[FieldSpec, ...] = (
    F(name="name", kind="text", required=True, min_length=1,
      description="Display name of the KPI, in any language."),
    F(name="unit", kind="text", description='Unit shown with values; "%" marks a fraction 0..1.'),
    F(name="description", kind="text", description="What the KPI measures and how."),
    F(name="owner", kind="text", description="Who is accountable for the KPI."),
    F(name="due", kind="date", pattern=DATE_PATTERN, description="Deadline, YYYY-MM-DD."),
    F(name="direction", kind="enum", enum=("up", "down"), default="up",
      description="up: higher is better; down: lower is better (e.g. churn)."),
    F(name="whole", kind="bool", default=False, description="true: whole numbers (counts)."),
    F(name="aggregate", kind="enum", enum=("sum", "mean", "last"),
      description='How months add up (default mean for assumptions and "%" nodes, else sum).'),
    F(name="signed", kind="bool", default=False, description="true: the value may be negative."),
    F(name="bounds", kind="bounds",
      description='Allowed range [low, high] (default [0, 1] for "%" nodes).'),
    F(name="baseline", kind="number", description="Level just before the plan starts."),
    F(name="history", kind="numbers", min_items=1,
      description="Values of past periods as long as the plan, oldest first."),
    F(name="value", kind="number", description="Makes the node an assumption with this value."),
    F(name="formula", kind="formula", min_length=1,
      description="Makes the node derived: arithmetic over ids with + - * / and parentheses."),
    F(name="target", kind="number", description="Goal of a root node (required on every root)."),
    F(name="split", kind="split",
      description="Derived sums only: share of the target per free operand, summing to 1."),
    F(name="lag", kind="int", minimum=0, maximum=24, default=0,
      description="Derived nodes only: months by which the operands act earlier, 0..24."),
)

FUNNEL_FIELDS: tuple[FieldSpec, ...] = (
    F(name="stages", kind="ids", required=True, min_items=2,
      description="Node ids of the stages, top to bottom."),
    F(name="confidence", kind="number", exclusive_minimum=0, exclusive_maximum=1,
      description="Probability (0 < c < 1) for this funnel's confidence-based sizes."),
)

KFS_FIELDS: tuple[FieldSpec, ...] = (
    F(name="id", kind="id", required=True, pattern=ID_PATTERN, description="Id of the initiative."),
    F(name="name", kind="text", required=True, min_length=1, description="Name of the initiative."),
    F(name="kpis", kind="ids", description="Ids of the KPIs the initiative moves."),
    F(name="owner", kind="text", description="Who carries the initiative out."),
    F(name="due", kind="date", pattern=DATE_PATTERN, description="Deadline, YYYY-MM-DD."),
    F(name="status", kind="text", description="Free-text status of the initiative."),
    F(name="description", kind="text", description="What the initiative does."),
)

TABLES: Mapping[str, tuple[FieldSpec, ...]] = MappingProxyType({
    "plan": PLAN_FIELDS,
    "period": PERIOD_FIELDS,
    "thresholds": THRESHOLD_FIELDS,
    "node": NODE_FIELDS,
    "funnel": FUNNEL_FIELDS,
    "kfs": KFS_FIELDS,
})


def field_map(table: str) -> dict[str, FieldSpec]:
    """The fields of ``table`` by key, in the table's order."""
    return {spec.name: spec for spec in TABLES[table]}


_ID_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": ID_PATTERN,
    "not": {"enum": sorted(RESERVED_IDS)},
}


def _fragment(spec: FieldSpec) -> dict[str, Any]:
    """The JSON Schema of one field's value."""
    out: dict[str, Any]
    kind = spec.kind
    if kind in ("int", "number"):
        out = {"type": "integer" if kind == "int" else "number"}
        if len(spec.enum) == 1:
            out["const"] = spec.enum[0]
        for key, bound in (
            ("minimum", spec.minimum),
            ("maximum", spec.maximum),
            ("exclusiveMinimum", spec.exclusive_minimum),
            ("exclusiveMaximum", spec.exclusive_maximum),
        ):
            if bound is not None:
                out[key] = bound
    elif kind in ("text", "formula"):
        out = {"type": "string"}
    elif kind == "bool":
        out = {"type": "boolean"}
    elif kind == "enum":
        out = {"type": "string", "enum": list(spec.enum)}
    elif kind == "date":
        out = {"type": "string", "format": "date"}
    elif kind == "month":
        out = {"type": "string"}
    elif kind == "id":
        out = dict(_ID_SCHEMA)
    elif kind == "ids":
        out = {"type": "array", "items": dict(_ID_SCHEMA)}
    elif kind == "numbers":
        item: dict[str, Any] = {"type": "number"}
        if spec.minimum is not None:
            item["minimum"] = spec.minimum
        out = {"type": "array", "items": item}
    elif kind == "bounds":
        out = {
            "type": "array",
            "prefixItems": [{"type": "number"}, {"type": "number"}],
            "items": False,
            "minItems": 2,
        }
    elif kind == "object":
        out = {"$ref": f"#/$defs/{spec.of}"}
    elif kind == "nodes":
        out = _id_map({"$ref": "#/$defs/node"})
        out["minProperties"] = 1
    elif kind == "funnels":
        stages = _fragment(field_map("funnel")["stages"])
        out = _id_map({"oneOf": [stages, {"$ref": "#/$defs/funnel"}]})
    elif kind == "kfs":
        out = {"type": "array", "items": {"$ref": "#/$defs/kfs"}}
    else:  # split
        out = _id_map({"type": "number", "minimum": 0, "maximum": 1})
    if spec.pattern is not None and kind not in ("id",):
        out["pattern"] = spec.pattern
    if spec.min_length is not None:
        out["minLength"] = spec.min_length
    if spec.min_items is not None:
        out["minItems"] = spec.min_items
    if spec.default is not None:
        out["default"] = spec.default
    out["description"] = spec.description
    return out


def _id_map(value_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "propertyNames": {"not": {"enum": sorted(RESERVED_IDS)}},
        "patternProperties": {ID_PATTERN: value_schema},
        "additionalProperties": False,
    }


def _object(table: str, description: str) -> dict[str, Any]:
    fields = TABLES[table]
    out: dict[str, Any] = {
        "type": "object",
        "description": description,
        "properties": {spec.name: _fragment(spec) for spec in fields},
        "additionalProperties": False,
    }
    required = [spec.name for spec in fields if spec.required]
    if required:
        out["required"] = required
    return out


_DESCRIPTIONS = {
    "period": "The months the plan covers.",
    "thresholds": "Achievement bands: on_track >= at_risk.",
    "node": "A KPI: an assumption (value), a derived node (formula) or a lever (neither).",
    "funnel": "A funnel with its own confidence.",
    "kfs": "A key factor for success: an initiative tied to KPIs.",
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of plan format v1, built from ``TABLES``."""
    root = _object("plan", "A kpixl plan (format version 1).")
    defs = {name: _object(name, text) for name, text in _DESCRIPTIONS.items()}
    defs["node"]["not"] = {"required": ["value", "formula"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "kpixl plan",
        **root,
        "$defs": defs,
    }
