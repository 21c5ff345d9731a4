"""Which KPI a cell names: by id, by the name the workbook shows, or by the other language's name.

A plan stores one name per KPI, in its own language. A team that built from a built-in template
in one language may export with the other language's names (the en and ja templates share ids),
so where the plan's node has the same id *and* the same name as a node of a built-in template in
the plan's language, the other language's template gives a second name. Names are compared after
NFKC, case folding and removing spaces, and a trailing unit in brackets (``受注件数（件）``,
``Revenue (JPY)``) may be left off. A key that two KPIs share is ambiguous and never guessed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from difflib import get_close_matches
from importlib import resources
from typing import Any

from kpixl.model import Plan
from kpixl.xlsx.cells import norm

__all__ = ["Ambiguous", "KpiIndex", "Scaled", "Unknown", "other_names"]

_BRACKET = re.compile(r"^(.+?)\s*[(\[（【［]([^()\[\]（）【】［］]*)[)\]）】］]$")
LANGS = ("en", "ja")
_SCALE = re.compile(r"千|万|億|thousand|million|billion|\b(?:k|m|mn|mm|bn)\b|000")


@dataclass(frozen=True, slots=True, kw_only=True)
class Unknown:
    """Not a KPI of the plan; ``near``: the closest ids/names shown to the user."""

    near: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Scaled:
    """A KPI named with a scaled unit in brackets (``売上高（千円）``): its figures are in
    thousands (or millions...) of the KPI's unit, which an import must not guess."""

    id: str
    unit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Ambiguous:
    """A name two or more KPIs answer to (ids in plan order)."""

    ids: tuple[str, ...]


def _key(text: object) -> str:
    return re.sub(r"\s+", "", norm(text))


@functools.lru_cache(maxsize=1)
def _templates() -> dict[str, dict[str, dict[str, str]]]:
    """base -> lang -> {node id: name} of every built-in template."""
    import yaml

    root = resources.files("kpixl.templates")
    out: dict[str, dict[str, dict[str, str]]] = {}
    for f in root.iterdir():
        parts = f.name.split(".")
        if len(parts) != 3 or parts[2] != "yaml" or parts[1] not in LANGS:
            continue
        doc: Any = yaml.safe_load(f.read_text("utf-8"))
        kpis = doc.get("kpis", {}) if isinstance(doc, dict) else {}
        out.setdefault(parts[0], {})[parts[1]] = {
            str(k): str(v.get("name", "")) for k, v in kpis.items() if isinstance(v, dict)}
    return out


def other_names(plan: Plan) -> dict[str, str]:
    """node id -> its name in the other language, where a built-in template gives one (the same
    id and the same name in the plan's language)."""
    other = "en" if plan.locale == "ja" else "ja"
    found: dict[str, str] = {}
    for pair in _templates().values():
        mine, theirs = pair.get(plan.locale, {}), pair.get(other, {})
        for nid, node in plan.nodes.items():
            if nid not in found and mine.get(nid) == node.name and theirs.get(nid):
                found[nid] = theirs[nid]
    return found


class KpiIndex:
    """Every way a file may name a KPI of ``plan``: its id, its name, its other-language name."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.other = other_names(plan)
        self._keys: dict[str, list[str]] = {}
        self._ids = {_key(nid): nid for nid in plan.nodes}
        for nid, node in plan.nodes.items():
            for text in (nid, node.name, self.other.get(nid, "")):
                k = _key(text)
                if k and nid not in self._keys.setdefault(k, []):
                    self._keys[k].append(nid)

    def lookup(self, text: object) -> str | Ambiguous | Scaled | Unknown:
        """The node id ``text`` names."""
        k = _key(text)
        if k in self._ids:  # an id is unique: typing it settles any clash of names
            return self._ids[k]
        hits = self._keys.get(k)
        if hits is None and (m := _BRACKET.match(str(text).strip())) is not None:
            hits = self._keys.get(_key(m.group(1)))
            if hits is not None and len(hits) == 1 and _SCALE.search(norm(m.group(2))):
                return Scaled(id=hits[0], unit=m.group(2).strip())
        if hits is None:
            return Unknown(near=self.nearest(text))
        if len(hits) > 1:
            return Ambiguous(ids=tuple(hits))
        return hits[0]

    def matches(self, text: object) -> bool:
        """Whether ``text`` names a KPI (one or several)."""
        return not isinstance(self.lookup(text), Unknown)

    def nearest(self, text: object, n: int = 3) -> tuple[str, ...]:
        """Up to ``n`` KPIs, shown as ``name (id)``, whose id or name is closest to ``text``."""
        by_key = {k: ids[0] for k, ids in self._keys.items()}
        near = get_close_matches(_key(text), list(by_key), n * 2, 0.5)
        out: list[str] = []
        for k in near:
            if by_key[k] not in out:
                out.append(by_key[k])
        return tuple(self.show(nid) for nid in out[:n])

    def show(self, nid: str) -> str:
        """How a message names a KPI the user may have to type: ``name (id)``."""
        return f"{self.plan.nodes[nid].name} ({nid})"

    def all(self) -> tuple[str, ...]:
        return tuple(self.show(nid) for nid in self.plan.nodes)
