"""Load and validate a plan file into a ``kpixl.model.Plan``, reporting every problem at once.

``load(path)`` reads bytes (UTF-8, a BOM allowed, at most ``MAX_BYTES``); ``loads(text)`` parses
a string. Both raise ``PlanError`` carrying one ``Problem`` per error found, each with the file,
the field path (``kpis.win_rate.value``), the line where known and a message that says what was
found and what is expected. Keys, types, enums and ranges come from the field tables in
``kpixl.model.schema`` (the same tables the JSON Schema is generated from); the whole-plan rules
(formula ids exist, roots take a target, splits, funnel links) are checked here. What needs the
solved graph (cycles, a lever solved twice, free operands, division by zero) is the engine's job.

Messages follow the plan's ``locale`` (``kpixl.messages``): the parsed top-level ``locale`` once
the YAML is read; before that (a file that is not YAML, or not text) a ``locale: ja`` line of the
raw text; else English.
"""

from __future__ import annotations

import itertools
import math
import os
import stat
from types import MappingProxyType
from typing import Any

from kpixl.errors import PlanError, Problem
from kpixl.messages import LOCALES, locale_of_text, msg
from kpixl.model import Funnel, Kfs, Node, Period, Plan, Thresholds, _yaml
from kpixl.model.checker import INVALID, Checker, num, suggest
from kpixl.model.expr import Expr, is_sum_of_ids, refs

__all__ = ["ERROR_CODES", "MAX_BYTES", "NotRegularFile", "load", "loads", "read_regular"]

MAX_BYTES = 5 * 1024 * 1024

ERROR_CODES = frozenset({
    # reading the file and its YAML
    "file", "too-large", "encoding", "empty", "yaml", "too-deep", "too-many-aliases",
    "duplicate-key", "merge-key", "key-type", "tag",
    # a field against its table (kpixl.model.schema)
    "type", "enum", "range", "length", "date", "id", "reserved-id", "required", "unknown-key",
    "formula", "text",
    # whole-plan rules
    "unknown-id", "self-reference", "kind", "derived-only", "bounds", "negative",
    "split-not-sum", "split-operand", "split-sum", "target-not-root", "target-on-assumption",
    "target-required", "funnel-link", "duplicate-stage", "duplicate-id",
})
"""Every ``Problem.code`` the loader emits (stable: tools may match on them)."""
SPLIT_TOLERANCE = 1e-9


class NotRegularFile(OSError):
    """A FIFO, device or socket where a file belongs: reading it could hang or never end."""


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the regular file at ``path`` (so that a caller can tell
    "too large"). A FIFO, a device (``/dev/zero``) or a socket is refused before it is opened
    for reading (``os.stat``), and the file is opened with ``O_NONBLOCK`` and checked again, so
    a file swapped for a FIFO in between cannot hang the read either."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(path)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limit + 1)
    finally:
        os.close(fd)


def load(path: str | os.PathLike[str]) -> Plan:
    """Read and validate the plan file at ``path`` (UTF-8, optional BOM)."""
    source = os.fsdecode(path)

    locale = "en"  # no plan read yet; then the locale its bytes declare

    def fail(key: str, code: str, line: int | None = None, **params: object) -> PlanError:
        return PlanError(Problem(file=source, path="", line=line, code=code,
                                 message=msg(key, locale, **params)))

    try:
        data = read_regular(path, MAX_BYTES)
    except FileNotFoundError:
        raise fail("file.missing", "file") from None
    except IsADirectoryError:
        raise fail("file.folder", "file") from None
    except NotRegularFile:
        raise fail("file.not-regular", "file") from None
    except OSError as exc:
        raise fail("file.unreadable", "file", reason=exc.strerror or exc) from None
    locale = locale_of_text(data.decode("latin-1"))  # the ASCII of any ASCII-based encoding
    if len(data) > MAX_BYTES:
        raise fail("too-large.file", "too-large", mb=MAX_BYTES // (1024 * 1024))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("encoding.utf16", "encoding")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        key = "encoding.not-utf8"
        try:
            data.decode("cp932")
            key = "encoding.shift-jis"
        except UnicodeDecodeError:
            pass
        raise fail(key, "encoding", line, byte=f"{data[exc.start]:02x}") from None
    return loads(text, source)


def loads(text: str, source: str = "plan.yaml") -> Plan:
    """Parse and validate plan text; ``source`` names the file in messages."""
    if text.startswith("\ufeff"):
        text = text[1:]
    locale = locale_of_text(text)
    if len(text) > MAX_BYTES:
        raise PlanError(Problem(file=source, path="", code="too-large", message=msg(
            "too-large.file", locale, mb=MAX_BYTES // (1024 * 1024))))
    doc = _yaml.parse(text, source, locale)
    declared = doc.data.get("locale") if isinstance(doc.data, dict) else None
    if declared in LOCALES and declared != locale:  # e.g. `locale: ja` in a flow mapping
        locale = declared
        doc = _yaml.parse(text, source, locale)
    chk = Checker(source, doc.lines, locale)
    chk.problems.extend(doc.problems)
    if doc.data is None and not doc.problems:
        chk.error("", chk.t("empty.plan"), "empty")
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
            chk.error("kgi", chk.t("unknown-id", id=repr(kgi), hint=chk.suggest(kgi, self.nodes)),
                      "unknown-id")
        funnels = self._funnels(top.get("funnels"))
        kfs = self._kfs(top.get("kfs"))
        if chk.problems:
            return None
        year, month = period["start"]
        last = year * 12 + month - 1 + months - 1  # the plan's last month, as year * 12 + index
        if year < 1900 or last >= 9999 * 12 + 11:  # the day after the plan must be a date too
            end = f"{last // 12:04d}-{last % 12 + 1:02d}"
            chk.error("period.start", chk.t("range.period-years", start=f"{year:04d}-{month:02d}",
                                            end=end), "range")
            return None
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
            self.chk.error("seasonality", self.chk.t("length.seasonality", months=months,
                                                     got=len(weights)), "length")
        elif not sum(weights) > 0:
            self.chk.error("seasonality", self.chk.t("range.weights"), "range")
        elif not math.isfinite(sum(weights)):  # each finite, their sum not: shares of inf
            self.chk.error("seasonality", self.chk.t("range.weights-sum"), "range")
        return tuple(float(w) for w in weights)

    def _thresholds(self, raw: dict[str, Any]) -> Thresholds:
        on_track, at_risk = raw.get("on_track", 1.0), raw.get("at_risk", 0.9)
        if at_risk > on_track:
            self.chk.error("thresholds.at_risk", self.chk.t("range.at-risk", on_track=num(on_track),
                                                            got=num(at_risk)), "range")
        return Thresholds(on_track=float(on_track), at_risk=float(at_risk))

    # -- nodes ---------------------------------------------------------------------------------
    def _nodes(self, raw: Any) -> None:
        chk = self.chk
        if raw is None:
            return
        if not isinstance(raw, dict):
            chk.error("kpis", chk.t("type.kpis", got=chk.show(raw)), "type")
            return
        if not raw:
            chk.error("kpis", chk.t("empty.kpis"), "empty")
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
                self.chk.error(f"{path}.formula", self.chk.t("self-reference", id=repr(nid)),
                               "self-reference")
            elif ref not in self.nodes:
                self.chk.error(f"{path}.formula", self.chk.t(
                    "unknown-id.formula", id=repr(ref), hint=self.chk.suggest(ref, self.nodes)),
                    "unknown-id")
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
            chk.error(path, chk.t("kind"), "kind")
        derived = "formula" in given
        for key in ("split", "lag"):
            if key in given and not derived:
                chk.error(f"{path}.{key}", chk.t("derived-only", name=key), "derived-only")
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
            chk.error(f"{path}.target", chk.t("target-not-root", id=repr(nid),
                                              users=", ".join(map(repr, users))),
                      "target-not-root")
        elif not users and "value" in given and "target" in given:
            chk.error(f"{path}.target", chk.t("target-on-assumption"), "target-on-assumption")
        elif not users and know_roots and "value" not in given and "target" not in given:
            chk.error(f"{path}.target", chk.t("target-required", id=repr(nid)), "target-required")

    def _range(self, x: float, path: str, bounds: tuple[float, float] | None, signed: bool,
               rate: bool) -> None:
        chk = self.chk
        if x < 0 and not signed:
            chk.error(path, chk.t("negative", got=num(x)), "negative")
        elif bounds is not None and not bounds[0] <= x <= bounds[1]:
            hint = ""
            if rate and 1 < x <= 100:
                hint = chk.t("hint.percent-rate", pct=num(x), fraction=num(x / 100))
            chk.error(path, chk.t("bounds", low=num(bounds[0]), high=num(bounds[1]), got=num(x),
                                  hint=hint), "bounds")

    def _split(self, raw: Any, expr: Expr, path: str) -> None:
        chk = self.chk
        if not is_sum_of_ids(expr):
            chk.error(path, chk.t("split-not-sum"), "split-not-sum")
            return
        if not isinstance(raw, dict):
            chk.error(path, chk.t("type.split", got=chk.show(raw)), "type")
            return
        operands = list(dict.fromkeys(refs(expr)))
        total, ok = 0.0, True
        for key, share in raw.items():
            share_path = f"{path}.{key}"
            if key not in operands:
                chk.error(share_path, chk.t("split-operand", name=repr(key),
                                            operands=", ".join(operands),
                                            hint=chk.suggest(key, operands)), "split-operand")
            x = chk.number(share, share_path)
            if x is INVALID:
                ok = False
            elif not 0 <= x <= 1:
                chk.error(share_path, chk.t("range.share", got=num(x)), "range")
                ok = False
            else:
                total += x
        if ok and abs(total - 1) > SPLIT_TOLERANCE:
            chk.error(path, chk.t("split-sum", total=num(total)), "split-sum")

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
            chk.error("funnels", chk.t("type.funnels", got=chk.show(raw)), "type")
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
                chk.error(path, chk.t("type.funnel", got=chk.show(value)), "type")
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
                chk.error(f"{stage_path}[{i}]", chk.t("unknown-id", id=repr(sid),
                                                      hint=chk.suggest(sid, self.nodes)),
                          "unknown-id")
            elif sid in seen:
                chk.error(f"{stage_path}[{i}]", chk.t("duplicate-stage", id=repr(sid)),
                          "duplicate-stage")
            seen.add(sid)
        for upper, lower in itertools.pairwise(stages):
            if upper not in self.nodes or lower not in self.nodes or upper == lower:
                continue
            if lower in self.unread:
                continue  # its formula was reported already
            expr = self.exprs.get(lower)
            if expr is None or upper not in set(refs(expr)):
                key = "funnel-link.no-formula" if expr is None else "funnel-link.not-used"
                chk.error(path, chk.t(key, lower=repr(lower), upper=repr(upper)), "funnel-link")

    def _kfs(self, raw: Any) -> tuple[Kfs, ...]:
        chk = self.chk
        if raw is None:
            return ()
        if not isinstance(raw, list):
            chk.error("kfs", chk.t("type.kfs", got=chk.show(raw)), "type")
            return ()
        out, first = [], dict[str, str]()
        for i, item in enumerate(raw):
            path = f"kfs[{i}]"
            f = chk.mapping(item, path, "kfs")
            if f is None:
                continue
            kid = f.get("id")
            if kid is not None and kid in first:
                chk.error(f"{path}.id", chk.t("duplicate-id", id=repr(kid), other=first[kid]),
                          "duplicate-id")
            elif kid is not None:
                first[kid] = path
            for j, ref in enumerate(f.get("kpis", ())):
                if self.nodes and ref not in self.nodes:
                    chk.error(f"{path}.kpis[{j}]", chk.t("unknown-id", id=repr(ref),
                                                         hint=chk.suggest(ref, self.nodes)),
                              "unknown-id")
            if "id" in f and "name" in f:
                out.append(Kfs(id=f["id"], name=f["name"], kpis=tuple(f.get("kpis", ())),
                               owner=f.get("owner", ""), due=f.get("due"),
                               status=f.get("status", ""), description=f.get("description", "")))
        return tuple(out)
