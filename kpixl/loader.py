"""Load and validate a plan file into a ``kpixl.model.Plan``, reporting every problem at once.

``load(path)`` reads bytes (UTF-8, a BOM allowed, at most ``MAX_BYTES``); ``loads(text)`` parses
a string. Both raise ``PlanError`` carrying one ``Problem`` per error found, each with the file,
the field path (``kpis.win_rate.value``), the line where known and a message that says what was
found and what is expected. Keys, types, enums and ranges come from the field tables in
``kpixl.schema`` (the same tables the JSON Schema is generated from); the whole-plan rules
(formula ids exist, roots take a target, splits, funnel links) are checked here. What needs the
solved graph (cycles, a lever solved twice, free operands, division by zero) is the engine's job.
"""

from __future__ import annotations

import itertools
import os
from types import MappingProxyType
from typing import Any

from kpixl import _yaml
from kpixl.errors import PlanError, Problem
from kpixl.expr import Expr, is_sum_of_ids, refs
from kpixl.model import Funnel, Kfs, Node, Period, Plan, Thresholds
from kpixl.schema import INVALID, Checker, num, suggest

__all__ = ["ERROR_CODES", "MAX_BYTES", "load", "loads"]

MAX_BYTES = 5 * 1024 * 1024

ERROR_CODES = frozenset({
    # reading the file and its YAML
    "file", "too-large", "encoding", "empty", "yaml", "too-deep", "too-many-aliases",
    "duplicate-key", "merge-key", "key-type", "tag",
    # a field against its table (kpixl.schema)
    "type", "enum", "range", "length", "date", "id", "reserved-id", "required", "unknown-key",
    "formula",
    # whole-plan rules
    "unknown-id", "self-reference", "kind", "derived-only", "bounds", "negative",
    "split-not-sum", "split-operand", "split-sum", "target-not-root", "target-on-assumption",
    "target-required", "funnel-link", "duplicate-stage", "duplicate-id",
})
"""Every ``Problem.code`` the loader emits (stable: tools may match on them)."""
SPLIT_TOLERANCE = 1e-9


def load(path: str | os.PathLike[str]) -> Plan:
    """Read and validate the plan file at ``path`` (UTF-8, optional BOM)."""
    source = os.fsdecode(path)

    def fail(message: str, code: str, line: int | None = None) -> PlanError:
        return PlanError(Problem(file=source, path="", line=line, message=message, code=code))

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise fail("no such file", "file") from None
    except IsADirectoryError:
        raise fail("is a folder, not a plan file", "file") from None
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror or exc}", "file") from None
    if len(data) > MAX_BYTES:
        raise fail(f"is larger than {MAX_BYTES // (1024 * 1024)} MB; a plan is a small text file",
                   "too-large")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("is UTF-16 text; save the plan as UTF-8", "encoding")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = ""
        try:
            data.decode("cp932")
            hint = " (it looks like Shift_JIS)"
        except UnicodeDecodeError:
            pass
        raise fail(f"is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded{hint}; "
                   "save the plan as UTF-8", "encoding", line) from None
    return loads(text, source)


def loads(text: str, source: str = "plan.yaml") -> Plan:
    """Parse and validate plan text; ``source`` names the file in messages."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) > MAX_BYTES:
        raise PlanError(Problem(file=source, path="", code="too-large", message=f"is larger "
                                f"than {MAX_BYTES // (1024 * 1024)} MB; a plan is a small text "
                                "file"))
    doc = _yaml.parse(text, source)
    chk = Checker(source, doc.lines)
    chk.problems.extend(doc.problems)
    if doc.data is None and not doc.problems:
        chk.error("", "the plan is empty; it needs at least kpixl, title, period, kgi and kpis",
                  "empty")
    plan = None
    if doc.data is not None:
        plan = _Build(chk, doc.data).plan()
    if chk.problems or plan is None:
        raise PlanError(sorted(chk.problems, key=lambda p: (p.line is None, p.line or 0)))
    return plan


class _Build:
    """Validates the parsed data; ``plan()`` returns the Plan or None when anything is wrong."""

    def __init__(self, chk: Checker, data: Any) -> None:
        self.chk = chk
        self.data = data
        self.nodes: dict[str, dict[str, Any]] = {}
        self.exprs: dict[str, Expr] = {}
        self.users: dict[str, list[str]] = {}
        self.unread: set[str] = set()  # nodes whose formula is invalid or names unknown ids

    def plan(self) -> Plan | None:
        chk = self.chk
        top = chk.mapping(self.data, "", "plan")
        if top is None:
            return None
        period = top.get("period") or {}
        months = period.get("months", 12)
        locale = top.get("locale", "en")
        months_known = "months" in period or "months" not in chk.given("period")
        seasonality = self._seasonality(top.get("seasonality"), months, months_known)
        thresholds = self._thresholds(top.get("thresholds") or {})
        self._nodes(top.get("kpis"))
        kgi: str = top.get("kgi", "")
        if kgi and self.nodes and kgi not in self.nodes:
            chk.error("kgi", f"names no node in kpis: {kgi!r}{suggest(kgi, self.nodes)}",
                      "unknown-id")
        funnels = self._funnels(top.get("funnels"))
        kfs = self._kfs(top.get("kfs"))
        if chk.problems:
            return None
        year, month = period["start"]
        return Plan(
            title=top["title"],
            kgi=kgi,
            nodes=MappingProxyType({nid: self._node(nid, f) for nid, f in self.nodes.items()}),
            period=Period(year=year, month=month, months=months),
            locale=locale,
            currency=top.get("currency") or ("JPY" if locale == "ja" else "USD"),
            money_display=top.get("money_display", "unit"),
            seasonality=seasonality,
            thresholds=thresholds,
            confidence=top.get("confidence"),
            realism=top.get("realism", 0.5),
            funnels=funnels,
            kfs=kfs,
            version=top["kpixl"],
            source=chk.source,
            lines=MappingProxyType(dict(chk.lines)),
        )

    # -- plan-wide fields --------------------------------------------------------------------
    def _seasonality(self, weights: list[float] | None, months: int,
                     months_known: bool) -> tuple[float, ...]:
        if weights is None:
            return (1.0,) * months
        if len(weights) != months and months_known:
            self.chk.error("seasonality", f"must have one weight per plan month ({months}), "
                           f"got {len(weights)}", "length")
        elif not sum(weights) > 0:
            self.chk.error("seasonality", "must have a positive sum; all weights are 0", "range")
        return tuple(float(w) for w in weights)

    def _thresholds(self, raw: dict[str, Any]) -> Thresholds:
        on_track, at_risk = raw.get("on_track", 1.0), raw.get("at_risk", 0.9)
        if at_risk > on_track:
            self.chk.error("thresholds.at_risk", f"must be <= on_track ({num(on_track)}), "
                           f"got {num(at_risk)}", "range")
        return Thresholds(on_track=float(on_track), at_risk=float(at_risk))

    # -- nodes ---------------------------------------------------------------------------------
    def _nodes(self, raw: Any) -> None:
        chk = self.chk
        if raw is None:
            return
        if not isinstance(raw, dict):
            chk.error("kpis", f"must be a mapping of node id -> node, got {chk.show(raw)}", "type")
            return
        if not raw:
            chk.error("kpis", "must hold at least one node", "empty")
        for nid, node in raw.items():
            path = f"kpis.{nid}"
            chk.id(nid, path)
            fields = chk.mapping(node, path, "node")
            self.nodes[nid] = fields if fields is not None else {}
        # Roots are known only when every formula was read and names only known ids;
        # otherwise "target required" would follow from a typo elsewhere.
        know_roots = all([self._formula(nid, f, f"kpis.{nid}") for nid, f in self.nodes.items()])
        for nid, f in self.nodes.items():
            self._node_rules(nid, f, f"kpis.{nid}", know_roots)

    def _formula(self, nid: str, f: dict[str, Any], path: str) -> bool:
        """Checks the ids a formula uses; False when it could not be read or names unknown ids."""
        if "formula" not in f:
            if "formula" in self.chk.given(path):
                self.unread.add(nid)
                return False
            return True
        expr = f["formula"][1]
        self.exprs[nid] = expr
        seen: set[str] = set()
        known = True
        for ref in refs(expr):
            if ref in seen:
                continue
            seen.add(ref)
            if ref == nid:
                self.chk.error(f"{path}.formula", f"uses {nid!r} itself; a node cannot be "
                               "computed from its own value", "self-reference")
            elif ref not in self.nodes:
                self.chk.error(f"{path}.formula", f"uses unknown id {ref!r}"
                               f"{suggest(ref, self.nodes)}", "unknown-id")
                known = False
            else:
                self.users.setdefault(ref, []).append(nid)
        if not known:
            self.unread.add(nid)
        return known

    def _node_rules(self, nid: str, f: dict[str, Any], path: str, know_roots: bool) -> None:
        chk = self.chk
        given = chk.given(path)
        if "value" in given and "formula" in given:
            chk.error(path, "has both `value` and `formula`; a node is an assumption (value) or "
                      "derived (formula), not both", "kind")
        derived = "formula" in given
        for key in ("split", "lag"):
            if key in given and not derived:
                chk.error(f"{path}.{key}", f"only a derived node (one with a formula) takes "
                          f"`{key}`", "derived-only")
        if "split" in f and nid in self.exprs:
            self._split(f["split"], self.exprs[nid], f"{path}.split")
        bounds = f.get("bounds") or ((0.0, 1.0) if f.get("unit") == "%" else None)
        for key in ("value", "target"):
            if key in f:
                self._range(f[key], f"{path}.{key}", bounds, f.get("signed", False),
                            f.get("unit") == "%")
        users = self.users.get(nid)
        if any(suggest(key, ["target"]) for key in given if key != "target"):
            know_roots = False  # a misspelt target was reported as an unknown key
        if users and "target" in given:
            chk.error(f"{path}.target", f"only roots take a target; the target of {nid!r} is "
                      f"back-calculated from {', '.join(map(repr, users))}", "target-not-root")
        elif not users and "value" in given and "target" in given:
            chk.error(f"{path}.target", "an assumption takes `value`, not a target: two sources "
                      "for one number", "target-on-assumption")
        elif not users and know_roots and "value" not in given and "target" not in given:
            chk.error(f"{path}.target", f"is required on a root: no formula uses {nid!r}, so its "
                      "goal must be given", "target-required")

    def _range(self, x: float, path: str, bounds: tuple[float, float] | None, signed: bool,
               rate: bool) -> None:
        if x < 0 and not signed:
            self.chk.error(path, f"must not be negative, got {num(x)} (set `signed: true` if it "
                           "can be)", "negative")
        elif bounds is not None and not bounds[0] <= x <= bounds[1]:
            hint = ""
            if rate and 1 < x <= 100:
                hint = f" (did you mean {num(x)}%? write {num(x / 100)})"
            self.chk.error(path, f"must be within [{num(bounds[0])}, {num(bounds[1])}], got "
                           f"{num(x)}{hint}", "bounds")

    def _split(self, raw: Any, expr: Expr, path: str) -> None:
        chk = self.chk
        if not is_sum_of_ids(expr):
            chk.error(path, "is only for a formula that is a plain sum of ids (such as "
                      "`new + existing`)", "split-not-sum")
            return
        if not isinstance(raw, dict):
            chk.error(path, f"must be a mapping of operand id -> share, got {chk.show(raw)}",
                      "type")
            return
        operands = list(dict.fromkeys(refs(expr)))
        total, ok = 0.0, True
        for key, share in raw.items():
            share_path = f"{path}.{key}"
            if key not in operands:
                chk.error(share_path, f"{key!r} is not an operand of the formula (operands: "
                          f"{', '.join(operands)}){suggest(key, operands)}", "split-operand")
            x = chk.number(share, share_path)
            if x is INVALID:
                ok = False
            elif not 0 <= x <= 1:
                chk.error(share_path, f"must be a share within [0, 1], got {num(x)}", "range")
                ok = False
            else:
                total += x
        if ok and abs(total - 1) > SPLIT_TOLERANCE:
            chk.error(path, f"shares must add up to 1, got {num(total)}", "split-sum")

    def _node(self, nid: str, f: dict[str, Any]) -> Node:
        formula = f.get("formula")
        rate = f.get("unit") == "%"
        default_aggregate = "mean" if "value" in f or rate else "sum"
        split = f.get("split")
        return Node(
            id=nid,
            name=f["name"],
            unit=f.get("unit", ""),
            description=f.get("description", ""),
            owner=f.get("owner", ""),
            due=f.get("due"),
            direction=f.get("direction", "up"),
            whole=f.get("whole", False),
            aggregate=f.get("aggregate", default_aggregate),
            signed=f.get("signed", False),
            bounds=f.get("bounds"),
            baseline=f.get("baseline"),
            history=tuple(f.get("history", ())),
            value=f.get("value"),
            formula=formula[1] if formula else None,
            formula_text=formula[0] if formula else "",
            target=f.get("target"),
            split=MappingProxyType({k: float(v) for k, v in split.items()}) if split else None,
            lag=f.get("lag", 0),
        )

    # -- funnels and KFS -------------------------------------------------------------------
    def _funnels(self, raw: Any) -> tuple[Funnel, ...]:
        chk = self.chk
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            chk.error("funnels", f"must be a mapping of funnel id -> stages, got {chk.show(raw)}",
                      "type")
            return ()
        out = []
        for fid, value in raw.items():
            path = f"funnels.{fid}"
            chk.id(fid, path)
            confidence, items_path = None, path
            if isinstance(value, list):
                stages = chk.field("funnel", "stages", value, path)
            elif isinstance(value, dict):
                fields = chk.mapping(value, path, "funnel") or {}
                stages, confidence = fields.get("stages", INVALID), fields.get("confidence")
                items_path = f"{path}.stages"
            else:
                chk.error(path, "must be a list of stage ids or {stages: [...], confidence: c}, "
                          f"got {chk.show(value)}", "type")
                continue
            if stages is INVALID:
                continue
            self._stages(stages, path, items_path)
            out.append(Funnel(id=fid, stages=tuple(stages), confidence=confidence))
        return tuple(out)

    def _stages(self, stages: list[str], path: str, stage_path: str) -> None:
        chk = self.chk
        seen: set[str] = set()
        for i, sid in enumerate(stages):
            if sid not in self.nodes and self.nodes:
                chk.error(f"{stage_path}[{i}]", f"names no node in kpis: {sid!r}"
                          f"{suggest(sid, self.nodes)}", "unknown-id")
            elif sid in seen:
                chk.error(f"{stage_path}[{i}]", f"repeats the stage {sid!r}", "duplicate-stage")
            seen.add(sid)
        for upper, lower in itertools.pairwise(stages):
            if upper not in self.nodes or lower not in self.nodes or upper == lower:
                continue
            if lower in self.unread:
                continue  # its formula was reported already
            expr = self.exprs.get(lower)
            if expr is None or upper not in set(refs(expr)):
                why = "it has no formula" if expr is None else "its formula does not use it"
                chk.error(path, f"stage {lower!r} does not follow from {upper!r}: {lower!r} must "
                          f"be derived with a formula that uses {upper!r} ({why})", "funnel-link")

    def _kfs(self, raw: Any) -> tuple[Kfs, ...]:
        chk = self.chk
        if raw is None:
            return ()
        if not isinstance(raw, list):
            chk.error("kfs", f"must be a list of initiatives, got {chk.show(raw)}", "type")
            return ()
        out, first = [], dict[str, str]()
        for i, item in enumerate(raw):
            path = f"kfs[{i}]"
            f = chk.mapping(item, path, "kfs")
            if f is None:
                continue
            kid = f.get("id")
            if kid is not None and kid in first:
                chk.error(f"{path}.id", f"duplicate KFS id {kid!r} (also {first[kid]})",
                          "duplicate-id")
            elif kid is not None:
                first[kid] = path
            for j, ref in enumerate(f.get("kpis", ())):
                if self.nodes and ref not in self.nodes:
                    chk.error(f"{path}.kpis[{j}]", f"names no node in kpis: {ref!r}"
                              f"{suggest(ref, self.nodes)}", "unknown-id")
            if "id" in f and "name" in f:
                out.append(Kfs(id=f["id"], name=f["name"], kpis=tuple(f.get("kpis", ())),
                               owner=f.get("owner", ""), due=f.get("due"),
                               status=f.get("status", ""), description=f.get("description", "")))
        return tuple(out)
