"""Checking plan values against the field tables of :mod:`kpixl.model.schema` (used by the
loader): types, enums, ranges, patterns, unknown and missing keys, each problem with its path and
a message from the catalogue in the plan's language."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kpixl.errors import Problem
from kpixl.messages import MESSAGES, msg
from kpixl.model.expr import ExprError
from kpixl.model.expr import parse as parse_formula
from kpixl.model.schema import (
    CURRENCY_PATTERN,
    DATE_PATTERN,
    ID_PATTERN,
    MONTH_PATTERN,
    RESERVED_IDS,
    TABLES,
    FieldSpec,
)

__all__ = ["INVALID", "Checker", "formula_message", "join", "num", "suggest"]


INVALID: Any = object()
"""Returned by the checks for a value that was reported as a problem."""

_ID_RE = re.compile(ID_PATTERN)
_PATTERN_KEYS = {CURRENCY_PATTERN: "type.currency"}  # message key of a pattern; else type.pattern
_CURRENCY_HINTS = {
    **{code: code for code in ("JPY", "USD", "EUR", "GBP", "CNY", "KRW", "TWD", "HKD", "SGD",
                               "AUD", "CAD", "CHF", "INR", "THB")},
    "YEN": "JPY", "円": "JPY", "¥": "JPY", "$": "USD", "DOLLAR": "USD", "€": "EUR", "元": "CNY",
}


MAX_CELL_TEXT = 32_767  # characters an Excel cell holds
_NOT_IN_EXCEL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef]|"
                           "[\ufffe\uffff\U0001fffe\U0001ffff\U0002fffe\U0002ffff"
                           "\U0003fffe\U0003ffff\U0004fffe\U0004ffff\U0005fffe\U0005ffff"
                           "\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff"
                           "\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff"
                           "\U000cfffe\U000cffff\U000dfffe\U000dffff\U000efffe\U000effff"
                           "\U000ffffe\U000fffff\U0010fffe\U0010ffff]")


def excel_text_problem(value: str) -> tuple[str, dict[str, object]] | None:
    """Why Excel cannot hold ``value`` in a cell (a message key and its parameters), or None.

    An .xlsx file is XML 1.0, which has no place for C0 control characters other than tab,
    newline and carriage return (a cell holds CR LF line breaks), lone surrogates
    and the noncharacters U+FFFE/U+FFFF; the other noncharacters (U+FDD0..U+FDEF, U+nFFFE/nFFFF)
    and the C1 controls (U+0080..U+009F: terminal escapes on 8-bit terminals) are refused as
    well: a workbook holding them reads back altered. A cell holds at most 32,767 characters."""
    if len(value) > MAX_CELL_TEXT:
        return "text.too-long", {"length": f"{len(value):,}", "limit": f"{MAX_CELL_TEXT:,}"}
    m = _NOT_IN_EXCEL.search(value)
    if m is not None:
        return "text.character", {"code": f"U+{ord(m.group(0)):04X}", "at": m.start() + 1}
    return None


def num(x: float) -> str:
    """A number as a person writes it: 12, 0.4, 1.2e+20, .nan."""
    if isinstance(x, float):
        if math.isnan(x):
            return ".nan"
        if math.isinf(x):
            return ".inf" if x > 0 else "-.inf"
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return repr(x)
    return str(x)


def suggest(word: str, choices: Iterable[str], locale: str = "en") -> str:
    """`` (did you mean 'target'?)`` for a close match, else ``""``."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return msg("hint.did-you-mean", locale, match=repr(match[0])) if match else ""


# kpixl.model.expr words its errors in English only: each form, as a message key of kpixl.messages
_FORMULA_ERRORS = tuple((re.compile(pattern, re.DOTALL), key) for pattern, key in (
    (r"must be an arithmetic expression such as", "formula.empty"),
    (r"is (?P<length>\d+) characters long; at most (?P<limit>\d+) are allowed$",
     "formula.too-long"),
    (r"is not valid arithmetic \((?P<reason>.*)\): (?P<text>.*)$", "formula.syntax"),
    (r"is not valid arithmetic: (?P<text>.*)$", "formula.invalid"),
    (r"is nested too deeply$", "formula.too-deep"),
    (r"has a number that is not finite$", "formula.not-finite"),
    (r"may only use ids, numbers, \+ - \* / and parentheses; found (?P<found>.*)$",
     "formula.found"),
))
_FORMULA_FOUND = {en: key for key, (en, _) in MESSAGES.items() if key.startswith("formula.found.")}


def formula_message(error: str, locale: str) -> str:
    """A formula error of ``kpixl.model.expr`` (English) in ``locale``; unchanged when not known."""
    for pattern, key in _FORMULA_ERRORS:
        found = pattern.match(error)
        if found:
            params = found.groupdict()
            if "found" in params and params["found"] in _FORMULA_FOUND:
                params["found"] = msg(_FORMULA_FOUND[params["found"]], locale)
            return msg(key, locale, **params)
    return error


def join(path: str, key: str) -> str:
    """The field path of ``key`` inside ``path``."""
    return f"{path}.{key}" if path else key


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


class Checker:
    """Collects problems while checking plain YAML data against the field tables."""

    def __init__(self, source: str, lines: Mapping[str, int], locale: str = "en") -> None:
        self.source = source
        self.lines = lines
        self.locale = locale  # of the messages (kpixl.messages)
        self.problems: list[Problem] = []
        self._given: dict[str, frozenset[str]] = {}

    def error(self, path: str, message: str, code: str) -> None:
        """Record an error at ``path``, with the line of the path or of its nearest parent."""
        line, where = None, path
        while where and line is None:
            line, where = self.lines.get(where), _parent(where)
        self.problems.append(Problem(file=self.source, path=path, line=line, message=message,
                                     code=code))

    def t(self, key: str, **params: object) -> str:
        """The message ``key`` of ``kpixl.messages`` in the plan's locale."""
        return msg(key, self.locale, **params)

    def suggest(self, word: str, choices: Iterable[str]) -> str:
        """A "did you mean" hint in the plan's locale, or ``""``."""
        return suggest(word, choices, self.locale)

    def given(self, path: str) -> frozenset[str]:
        """The keys the file gives in the mapping at ``path`` (valid or not)."""
        return self._given.get(path, frozenset())

    def show(self, value: Any) -> str:
        """How a found value is quoted in messages."""
        if value is None:
            return self.t("value.null")
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return num(value)
        if isinstance(value, str):
            return repr(value if len(value) <= 60 else value[:57] + "...")
        return self.t("value.mapping" if isinstance(value, dict) else "value.list")

    def mapping(self, raw: Any, path: str, table: str) -> dict[str, Any] | None:
        """Check a mapping against ``table``: unknown and missing keys, then each field."""
        specs = {spec.name: spec for spec in TABLES[table]}
        if not isinstance(raw, dict):
            needs = ", ".join(s.name for s in specs.values() if s.required)
            self.error(path, self.t("type.mapping-of", keys=needs, got=self.show(raw)), "type")
            return None
        self._given[path] = frozenset(raw)
        out: dict[str, Any] = {}
        meant: set[str] = set()  # keys an unknown key probably misspells
        for key, value in raw.items():
            spec = specs.get(key)
            if spec is None:
                close = difflib.get_close_matches(key, list(specs), n=1, cutoff=0.6)
                hint = (self.t("hint.did-you-mean", match=repr(close[0])) if close else
                        self.t("hint.expected-keys", keys=", ".join(specs)))
                meant.update(close)
                self.error(join(path, key), self.t("unknown-key", name=repr(key), hint=hint),
                           "unknown-key")
                continue
            checked = self.check(spec, value, join(path, key))
            if checked is not INVALID:
                out[key] = checked
        for spec in specs.values():
            if spec.required and spec.name not in raw and spec.name not in meant:
                self.error(join(path, spec.name), self.t("required", what=self._what(table, spec)),
                           "required")
        return out

    def _what(self, table: str, spec: FieldSpec) -> str:
        """A field's description as the "required" message quotes it."""
        key = f"field.{table}.{spec.name}"
        if key in MESSAGES:
            return self.t(key)
        what = spec.description.rstrip(".")
        return what[0].lower() + what[1:]

    def field(self, table: str, name: str, value: Any, path: str) -> Any:
        """Check ``value`` as the field ``name`` of ``table``."""
        spec = next(s for s in TABLES[table] if s.name == name)
        return self.check(spec, value, path)

    def check(self, spec: FieldSpec, value: Any, path: str) -> Any:
        """The checked (and converted) value of one field, or INVALID after reporting."""
        kind = spec.kind
        if kind == "object":
            assert spec.of is not None
            return self.mapping(value, path, spec.of) if isinstance(value, dict) else (
                self._type(path, "mapping", value))
        if kind in ("nodes", "funnels", "kfs", "split"):
            return value  # checked by the loader, which knows the whole plan
        if kind in ("ids", "numbers", "bounds"):
            return self._list(spec, value, path)
        if kind == "int":
            return self.integer(spec, value, path)
        if kind == "number":
            x = self.number(value, path)
            return x if x is INVALID else self._limits(spec, x, path)
        if kind == "id":
            return value if self.id(value, path) else INVALID
        if kind == "bool":
            if isinstance(value, bool):
                return value
            return self._type(path, "bool", value)
        if not isinstance(value, str):
            quote = self.t("hint.quote", text=self.show(value)) if isinstance(
                value, int | float) else ""
            return self._type(path, "text", value, quote)
        return self._text(spec, value, path)

    def _type(self, path: str, expected: str, value: Any, hint: str = "") -> Any:
        """Report a value of the wrong type; ``expected`` names a ``type.*`` message."""
        self.error(path, self.t(f"type.{expected}", got=self.show(value), hint=hint), "type")
        return INVALID

    def number(self, value: Any, path: str) -> Any:
        """A finite number as float, or INVALID."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            hint = ""
            if isinstance(value, str) and value.strip().endswith("%"):
                hint = self.t("hint.percent-text")
            elif isinstance(value, str) and "," in value:
                hint = self.t("hint.commas")
            return self._type(path, "number", value, hint)
        try:
            x = float(value)
        except OverflowError:
            return self._type(path, "usable-number", value)
        if not math.isfinite(x):
            return self._type(path, "finite-number", value)
        return x

    def integer(self, spec: FieldSpec, value: Any, path: str) -> Any:
        x = self.number(value, path)
        if x is INVALID:
            return x
        if not x.is_integer():
            return self._type(path, "whole-number", value)
        if spec.enum and int(x) not in spec.enum:
            choices = " or ".join(map(str, spec.enum))
            self.error(path, self.t("enum.number", choices=choices, got=num(x)), "enum")
            return INVALID
        x = self._limits(spec, x, path)
        return x if x is INVALID else int(x)

    def _limits(self, spec: FieldSpec, x: float, path: str) -> Any:
        lo, hi = spec.minimum, spec.maximum
        xlo, xhi = spec.exclusive_minimum, spec.exclusive_maximum
        if lo is not None and hi is not None and not lo <= x <= hi:
            text = self.t("range.within", low=num(lo), high=num(hi), got=num(x), hint="")
        elif xlo is not None and xhi is not None and not xlo < x < xhi:
            text = self.t("range.between", low=num(xlo), high=num(xhi), got=num(x))
        elif lo is not None and hi is None and x < lo:
            text = self.t("range.at-least", low=num(lo), got=num(x))
        elif xlo is not None and xhi is None and x <= xlo:
            text = self.t("range.above", low=num(xlo), got=num(x))
        else:
            return x
        self.error(path, text, "range")
        return INVALID

    def _text(self, spec: FieldSpec, value: str, path: str) -> Any:
        kind = spec.kind
        bad = excel_text_problem(value)
        if bad is not None:
            key, params = bad
            self.error(path, self.t(key, **params), "text")
            return INVALID
        if spec.min_length and not value.strip():
            self.error(path, self.t("empty"), "empty")
            return INVALID
        if kind == "enum" and value not in spec.enum:
            choices = ", ".join(map(str, spec.enum))
            hint = self.suggest(value, map(str, spec.enum))
            self.error(path, self.t("enum", choices=choices, got=repr(value), hint=hint), "enum")
            return INVALID
        if kind == "formula":
            try:
                return (value.strip(), parse_formula(value))
            except ExprError as exc:
                self.error(path, formula_message(str(exc), self.locale), "formula")
                return INVALID
        if kind in ("date", "month"):
            return self._date(value, path, kind == "month")
        if spec.pattern and not re.match(spec.pattern, value):
            meant = _CURRENCY_HINTS.get(value.strip().upper()) if spec.name == "currency" else None
            hint = self.t("hint.did-you-mean", match=repr(meant)) if meant else ""
            key = _PATTERN_KEYS.get(spec.pattern, "type.pattern")
            self.error(path, self.t(key, pattern=spec.pattern, got=self.show(value), hint=hint),
                       "type")
            return INVALID
        return value

    def _date(self, value: str, path: str, month_only: bool) -> Any:
        pattern, form = (MONTH_PATTERN, "month") if month_only else (DATE_PATTERN, "date")
        if not re.match(pattern, value):
            hint = self.t("hint.month-only", month=repr(value[:7])) if (
                month_only and re.match(DATE_PATTERN, value)) else ""
            return self._type(path, form, value, hint)
        try:
            parts = [int(p) for p in value.split("-")]
            day = dt.date(parts[0], parts[1], parts[2] if not month_only else 1)
        except ValueError:
            form_text = self.t("date.form-month" if month_only else "date.form-day")
            self.error(path, self.t("date", form=form_text, got=repr(value)), "date")
            return INVALID
        return (day.year, day.month) if month_only else day

    def id(self, value: Any, path: str) -> bool:
        """True for a valid, unreserved id; reports the problem otherwise."""
        if not isinstance(value, str) or not _ID_RE.match(value):
            self.error(path, self.t("id", got=self.show(value)), "id")
            return False
        if value in RESERVED_IDS:
            self.error(path, self.t("reserved-id", id=repr(value)), "reserved-id")
            return False
        return True

    def _list(self, spec: FieldSpec, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            return self._type(path, "list", value)
        if spec.min_items and len(value) < spec.min_items:
            key = "length.item" if spec.min_items == 1 else "length.items"
            self.error(path, self.t(key, count=spec.min_items, got=len(value)), "length")
            return INVALID
        if spec.kind == "bounds" and len(value) != 2:
            return self._type(path, "bounds", value)
        out, ok = [], True
        for i, item in enumerate(value):
            item_path = f"{path}[{i}]"
            if spec.kind == "ids":
                ok &= self.id(item, item_path)
                out.append(item)
                continue
            x = self.number(item, item_path)
            if x is not INVALID and spec.minimum is not None and x < spec.minimum:
                self.error(item_path, self.t("range.at-least", low=num(spec.minimum), got=num(x)),
                           "range")
                x = INVALID
            ok &= x is not INVALID
            out.append(x)
        if not ok:
            return INVALID
        if spec.kind == "bounds":
            if out[0] > out[1]:
                self.error(path, self.t("range.low-high", low=num(out[0]), high=num(out[1])),
                           "range")
                return INVALID
            return (out[0], out[1])
        return out
