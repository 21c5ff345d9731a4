"""The one reader of the workbook contract, over a small cell source (no Excel library here).

Two sources implement :class:`CellSource`: the streaming file reader of
:mod:`kpixl.xlsx.sheetxml` (``kpixl report``/``update``/``build``/``pull``/``actuals import``)
and the open workbook of the buttons (:mod:`kpixl.xl.state`, through xlwings). Both get the same
checks from here: the ``_kpixl`` sheet's format version and SHA-256, a damaged row refused with
the fix, and the same reading of what a user typed.

What is read, and from where (workbook-contract.md, :mod:`kpixl.layout.contract`):

- the plan as built: the ``_kpixl`` rows (format version, plan JSON chunks and their SHA-256,
  ``input:<key>`` rows with every input cell's value as built);
- inputs now: the cells behind ``in_X``, ``in_asof``, ``in_on_track``, ``in_at_risk``,
  ``in_seasonality``; split shares and baselines at the cell their ``input:`` row names (column
  C), checked against the label left of it, which ends in the id;
- actuals and overrides: the rows behind ``act_X`` and ``ovr_X``.

Nothing is laid out or solved to find a cell: the defined names and the ``_kpixl`` rows say
where everything is. A source is asked for each sheet once, for the rows needed only.

Safe interpretation of what a user typed: **numbers only count**. An actual, override or input
cell holding text (``12件``), a boolean or a formula (``=1+1``) is reported as a warning and
ignored (an input keeps its recorded value), so a report never computes from a guess.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kpixl.engine.rounding import agree12
from kpixl.errors import KpixlError, WorkbookError
from kpixl.layout.contract import (
    ACTUAL,
    FORMAT_VERSION,
    INPUT_KEY,
    META_SHEET,
    OVERRIDE,
    col_index,
    input_label_id,
    parse_range,
)
from kpixl.messages import msg
from kpixl.model import Plan

__all__ = [
    "CellSource",
    "Entries",
    "Got",
    "Meta",
    "Num",
    "col_index",
    "is_number",
    "parse_range",
    "read_entries",
    "read_meta",
    "read_plan",
    "same_value",
]

Num = float | None
EN = "en"  # read before the workbook's plan is known (cli.md: English then)
ALTERED = msg("wb.altered", EN)


@dataclass(frozen=True, slots=True)
class Got:
    """A cell as a source gives it: its value (a constant, or a formula's cached result; None
    when blank), and the formula text (``=...``) when the cell holds one and the source can
    tell (an open workbook in Excel gives results only)."""

    value: Any
    formula: str | None = None


Cells = dict[tuple[int, int], Got]


class CellSource(Protocol):
    """A workbook as the reader sees it; rows and columns are 0-based."""

    def sheet_names(self) -> list[str]:
        """Sheet names, in tab order."""
        ...

    def ref(self, name: str) -> str | None:
        """What a workbook-scope defined name refers to (``'Sheet'!$A$1:$B$1``), or None."""
        ...

    def cells(self, sheet: str, rows: Collection[int] | None = None, top: int = 0,
              cols: tuple[int, int] | None = None) -> Cells:
        """The cells of ``sheet`` that hold a value or a formula, in ``rows`` (None: every row
        from ``top`` down) and, when given, columns ``cols[0]..cols[1]``. Other cells need not
        be kept."""
        ...


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def same_value(a: Any, b: Any) -> bool:
    """Equal inputs: both blank, or numbers equal to 12 significant digits (a spreadsheet that
    re-saves a file keeps 15), or equal otherwise."""
    if a is None or b is None:
        return a is None and b is None
    if is_number(a) and is_number(b):
        return agree12(float(a), float(b))
    return bool(a == b)


# -- references -----------------------------------------------------------------------------------
def coordinate(row: int, col: int) -> str:
    """(7, 3) -> ``D8``."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


# -- the machine-readable copy --------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Meta:
    """The ``_kpixl`` sheet, checked: the plan JSON, the kpixl version that built it, each
    input's value as built, and the cell of each input that has no defined name."""

    plan_json: str
    kpixl_version: str
    recorded: Mapping[str, Any]
    located: Mapping[str, str]  # input key -> its cell (``'Inputs'!$C$12``)


def read_meta(src: CellSource, where: Path) -> Meta:
    """Read and check ``_kpixl``: format version, chunk count and SHA-256 of the plan JSON, and
    each ``input:`` row's JSON. Raises WorkbookError naming the damage and the fix."""
    if META_SHEET not in src.sheet_names():
        raise WorkbookError(f"{where}: " + msg("wb.not-kpixl", EN, sheet=META_SHEET))
    cells = src.cells(META_SHEET)
    rows: dict[str, Any] = {}
    located: dict[str, str] = {}
    chunks: list[str] = []
    for r in sorted({r for r, _ in cells}):
        key, value, at = (_meta_value(cells.get((r, c))) for c in range(3))
        if key == "plan_json":
            chunks.append("" if value is None else str(value))
        elif isinstance(key, str) and key not in rows:
            rows[key] = value
            if key.startswith(INPUT_KEY) and isinstance(at, str):
                located[key[len(INPUT_KEY):]] = at
    altered = f"{where}: " + msg("wb.meta-altered", EN, sheet=META_SHEET, what="{}")
    try:
        version = int(rows.get("format_version"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WorkbookError(altered.format(msg("wb.meta.no-version", EN))) from None
    if version != FORMAT_VERSION:
        raise WorkbookError(f"{where}: " + msg("wb.format", EN, version=version,
                                               supported=FORMAT_VERSION))
    text = "".join(chunks)
    if str(rows.get("plan_json_chunks")) != str(len(chunks)) or not text:
        raise WorkbookError(altered.format(msg("wb.meta.no-plan", EN)))
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != rows.get("plan_sha256"):
        raise WorkbookError(altered.format(msg("wb.meta.sha", EN)))
    recorded: dict[str, Any] = {}
    for key, value in rows.items():
        if key.startswith(INPUT_KEY):
            try:
                recorded[key[len(INPUT_KEY):]] = json.loads(str(value))
            except ValueError:
                raise WorkbookError(altered.format(msg("wb.meta.not-json", EN, row=key))) from None
    return Meta(plan_json=text, kpixl_version=str(rows.get("kpixl_version", "")),
                recorded=recorded, located=located)


def _meta_value(got: Got | None) -> Any:
    if got is None:
        return None
    return got.formula if got.formula is not None else got.value


def read_plan(where: Path, text: str) -> Plan:
    """The plan stored in ``_kpixl`` (its hash already checked)."""
    from kpixl.model.loader import loads

    try:
        return loads(text, source=f"{where.name}[{META_SHEET}]")
    except KpixlError as exc:
        first = str(exc).splitlines()[0]
        raise WorkbookError(f"{where}: " + msg("wb.plan-invalid", EN, sheet=META_SHEET,
                                               first=first)) from None


# -- inputs, actuals, overrides -------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Entries:
    """What a user typed into the input, actual and override cells."""

    current: Mapping[str, Any]  # input key -> value now (a number or None; else as built)
    actuals: Mapping[str, tuple[Num, ...]]  # node id -> one value per plan month
    overrides: Mapping[str, tuple[Num, ...]]
    warnings: tuple[str, ...] = ()
    unreadable: frozenset[str] = frozenset()  # act_X/ovr_X rows with text or formulas


class _Reading:
    """The cells needed, asked of the source once per sheet, and the warnings about them."""

    def __init__(self, src: CellSource, where: Path, locale: str = EN) -> None:
        self.src, self.where, self.locale = src, where, locale  # the warnings' language
        self.sheets = set(src.sheet_names())
        self.warnings: list[str] = []
        self.wanted: dict[str, set[int]] = {}
        self.cols: dict[str, tuple[int, int]] = {}
        self.got: dict[str, Cells] = {}

    def ranges(self, name: str) -> list[tuple[str, int, int]]:
        """(sheet, row, col) of each cell of a defined name, and note its rows as wanted."""
        ref = self.src.ref(name)
        if ref is None:
            raise WorkbookError(f"{self.where}: " + msg("wb.name-missing", EN, name=name,
                                                        altered=ALTERED))
        return self.cells_at(ref, f"defined name {name}")

    def cells_at(self, ref: str, what: str) -> list[tuple[str, int, int]]:
        try:
            sheet, r0, c0, r1, c1 = parse_range(ref)
        except ValueError:
            raise WorkbookError(f"{self.where}: " + msg("wb.not-range", EN, what=what,
                                                        ref=repr(ref), altered=ALTERED)
                                ) from None
        if sheet not in self.sheets:
            raise WorkbookError(f"{self.where}: " + msg("wb.sheet-missing", EN,
                                                        sheet=repr(sheet)))
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:
            raise WorkbookError(f"{self.where}: " + msg("wb.range-large", EN, what=what,
                                                        ref=repr(ref), altered=ALTERED))
        self.wanted.setdefault(sheet, set()).update(range(r0, r1 + 1))
        lo, hi = self.cols.get(sheet, (c0, c1))
        self.cols[sheet] = (min(lo, c0, max(c0 - 1, 0)), max(hi, c1))  # and a label left of it
        return [(sheet, r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]

    def fetch(self) -> None:
        for sheet, rows in self.wanted.items():
            if sheet not in self.got:
                self.got[sheet] = self.src.cells(sheet, rows, cols=self.cols[sheet])
        self.wanted = {}

    def at(self, sheet: str, row: int, col: int) -> Got | None:
        return self.got[sheet].get((row, col))

    def number(self, at: tuple[str, int, int], what: str) -> tuple[bool, Num]:
        """(readable, value): numbers count, blanks are None, anything else is a warning."""
        got = self.at(*at)
        v = None if got is None else got.value
        if got is not None and got.formula is not None:
            kind = msg("wb.kind.formula", self.locale)
        elif v is None or (isinstance(v, str) and v.strip() == ""):
            return True, None
        elif is_number(v):
            return True, float(v)
        else:
            kind = msg("wb.kind.text", self.locale, text=repr(v)) if isinstance(v, str) else \
                f"{type(v).__name__} {v!r}"
        sheet, r, c = at
        self.warnings.append(f"{self.where.name}: '{sheet}'!{coordinate(r, c)}: {what}: " + msg(
            "wb.warn.not-number", self.locale, kind=kind))
        return False, None


def _moved(src: CellSource, sheet: str, col: int, ident: str) -> tuple[str, int, int] | None:
    """Where an input cell went when a person inserted or deleted rows above it: the one row
    whose label (the cell left of it) ends in ``(ident)``; None when no row or several do."""
    found = src.cells(sheet, cols=(col - 1, col - 1))
    hits = [r for (r, c), got in found.items() if c == col - 1 and got.value is not None
            and str(got.value).rstrip().endswith(f"({ident})")]
    return (sheet, hits[0], col) if len(hits) == 1 else None


def read_entries(src: CellSource, where: Path, plan: Plan, meta: Meta) -> Entries:
    """Inputs now, actuals and overrides, read from the cells the names and ``_kpixl`` give."""
    rd = _Reading(src, where, plan.locale)
    recorded = meta.recorded
    named = {k: rd.ranges(k)[0] for k in recorded if k.startswith("in_") and "[" not in k}
    season = rd.ranges("in_seasonality") if any(k.startswith("in_seasonality[")
                                                for k in recorded) else []
    located: dict[str, tuple[str, int, int]] = {}
    for key, ref in meta.located.items():
        if key in recorded:
            sheet, r, c = rd.cells_at(ref, f"the {META_SHEET} row of {key}")[0]
            located[key] = (sheet, r, c)
    rows = {(prefix, node): rd.ranges(f"{prefix}{node}") for prefix in (ACTUAL, OVERRIDE)
            for node in plan.nodes}
    rd.fetch()
    current: dict[str, Any] = {}
    for key, was in recorded.items():
        if key in named:
            at = named[key]
        elif key.startswith("in_seasonality["):
            m = int(key[len("in_seasonality["):-1])
            if m > len(season):
                raise WorkbookError(f"{where}: " + msg("wb.season-short", EN,
                                                       altered=ALTERED))
            at = season[m - 1]
        elif key in located:
            at = located[key]
            sheet, r, c = at
            label = rd.at(sheet, r, c - 1) if c else None
            text = "" if label is None or label.value is None else str(label.value)
            if not text.rstrip().endswith(f"({input_label_id(key)})"):
                moved = _moved(src, sheet, c, input_label_id(key))  # rows inserted above it
                if moved is None:
                    rd.warnings.append(f"{where.name}: {key}: " + msg("wb.warn.moved",
                                                                      plan.locale))
                    current[key] = was
                    continue
                at = moved
                rd.got.setdefault(sheet, {}).update(src.cells(sheet, [at[1]], cols=(c, c)))
        else:
            if key.startswith(("split:", "baseline:")):  # built before the cell was recorded
                rd.warnings.append(f"{where.name}: {key}: " + msg(
                    "wb.warn.unnamed", plan.locale, sheet=META_SHEET))
            current[key] = was
            continue
        raw = rd.at(*at)
        if key == "in_asof" and raw is not None and raw.formula is None and isinstance(
                raw.value, dt.date | dt.time | int | float) and not isinstance(raw.value, bool):
            # the as-of input holds the last closed month (a date, or its serial) or a count
            from kpixl.engine.tracking import asof_from_input

            start = dt.date(plan.period.year, plan.period.month, 1)
            current[key] = asof_from_input(raw.value, start, plan.months)
            continue
        ok, value = rd.number(at, key)
        if key == "in_asof" and value is not None:
            if value != int(value) or not 0 <= value <= plan.months:
                rd.warnings.append(f"{where.name}: " + msg(
                    "wb.warn.asof", plan.locale, value=f"{value:g}", months=plan.months))
                ok, value = False, None
            else:
                value = int(value)
        current[key] = value if ok else was
    labels = plan.period.labels()
    out: dict[str, dict[str, tuple[Num, ...]]] = {ACTUAL: {}, OVERRIDE: {}}
    unreadable: set[str] = set()
    for (prefix, node), cells in rows.items():
        if len(cells) != plan.months:
            raise WorkbookError(f"{where}: " + msg(
                "wb.row-cells", plan.locale, cells=len(cells), name=msg(
                    "entered.actuals" if prefix == ACTUAL else "entered.overrides", plan.locale,
                    name=plan.nodes[node].name if node in plan.nodes else node),
                months=plan.months, altered=msg("wb.altered", plan.locale)))
        what = msg("entered.actuals" if prefix == ACTUAL else "entered.overrides", plan.locale,
                   name=plan.nodes[node].name if node in plan.nodes else node)
        read = [rd.number(at, f"{what} {labels[m]}") for m, at in enumerate(cells)]
        out[prefix][node] = tuple(v for _, v in read)
        if not all(ok for ok, _ in read):
            unreadable.add(f"{prefix}{node}")
    return Entries(current=current, actuals=out[ACTUAL], overrides=out[OVERRIDE],
                   warnings=tuple(rd.warnings), unreadable=frozenset(unreadable))
