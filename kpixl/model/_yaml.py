"""Safe YAML reading for plans: plain data, the line of every key, problems instead of surprises.

PyYAML's loaders follow YAML 1.1: ``1e8`` stays a string, ``yes`` becomes true, ``2026-04-01``
becomes a date and a duplicate key silently replaces the first. Plans follow YAML 1.2's core
schema instead (plus ``_`` separators in numbers), so this module builds the data itself from
PyYAML's event stream (libyaml when available) and never constructs Python objects from tags:

* plain scalars resolve to null (``~``, ``null``, empty), booleans (``true``/``false`` only),
  integers (``120_000_000``, ``0x1F``, ``0o17``), floats (``1.2e8``, ``1e8``, ``1_000.5``,
  ``.inf``, ``.nan``), else strings; dates stay strings for the loader to check;
* every key's line (1-based) is recorded under its field path (``kpis.orders.formula``;
  list items as ``kfs[0]``);
* duplicate keys at any level are problems (the first value is kept);
* aliases are counted and the expanded size is bounded, so a "billion laughs" document is
  rejected in milliseconds; nesting depth is bounded too (no recursion is used at all).

Problems are worded in the plan's locale (``kpixl.messages``): the loader passes the parsed
``locale``; without one, a top-level ``locale: ja`` line of the raw text counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from kpixl.errors import Problem
from kpixl.messages import locale_of_text, msg

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_NODES", "Document", "parse"]

MAX_NODES = 200_000  # values in the document, counting each alias as the size of its target
MAX_ALIASES = 1_000
MAX_DEPTH = 64

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9][0-9_]*$")
_HEX = re.compile(r"^0x[0-9a-fA-F_]+$")
_OCT = re.compile(r"^0o[0-7_]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

_TAG = "tag:yaml.org,2002:"


@dataclass(slots=True)
class Document:
    """What a plan file holds: ``data`` (None when unreadable), key lines and problems."""

    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _Abort(Exception):
    """The document cannot be read further (too big, too deep, syntax)."""

    def __init__(self, message: str, line: int | None, code: str, path: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.code, self.path = message, line, code, path


def _clean(path: str) -> str:
    """A field path for messages ('' for the document itself or a rejected key)."""
    return "" if "\0" in path or "?" in path else path.lstrip(".")


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted) scalar under YAML 1.2's core schema, plus ``_``."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    try:
        if _INT.match(text):
            return int(text.replace("_", ""))
        if _HEX.match(text):
            return int(text[2:].replace("_", ""), 16)
        if _OCT.match(text):
            return int(text[2:].replace("_", ""), 8)
        if _FLOAT.match(text):
            return float(text.replace("_", ""))
    except ValueError:  # e.g. more digits than Python converts
        return text
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


@dataclass(slots=True)
class _Frame:
    """A mapping or sequence being built."""

    value: Any  # dict | list
    path: str
    line: int
    anchor: str | None
    entries_at: int  # index into _Builder.entries where this subtree's lines start
    size: int = 1
    key: str | None = None  # mappings: the key waiting for its value
    key_line: int = 0
    skip: bool = False  # the pending key is a duplicate: drop its value
    muted: bool = False  # inside a dropped duplicate: record no lines
    first_lines: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Anchor:
    value: Any
    size: int
    entries: list[tuple[str, int]]  # paths relative to the anchored node ("" = itself)


class _Builder:
    """Builds plain data from events without recursion."""

    def __init__(self, source: str, locale: str) -> None:
        self.source = source
        self.locale = locale
        self.stack: list[_Frame] = []
        self.entries: list[tuple[str, int]] = []  # (path, line) in document order
        self.problems: list[Problem] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: set[str] = set()
        self.total = 0
        self.aliases = 0
        self.result: Any = None
        self.documents = 0

    def problem(self, path: str, line: int | None, message: str, code: str) -> None:
        self.problems.append(Problem(file=self.source, path=path, line=line, message=message,
                                     code=code))

    # -- where the next value goes ---------------------------------------------------------
    def _child_path(self) -> tuple[str, int] | None:
        """Path and line of the value about to be added, or None in key position."""
        if not self.stack:
            return "", 1
        top = self.stack[-1]
        if isinstance(top.value, list):
            index = len(top.value)
            return f"{top.path}[{index}]", 0
        if top.key is None:
            return None
        return (f"{top.path}.{top.key}" if top.path else top.key), top.key_line

    def _count(self, n: int, line: int) -> None:
        self.total += n
        if self.total > MAX_NODES:
            raise _Abort(msg("too-large.values", self.locale, limit=f"{MAX_NODES:,}"), line,
                         "too-large")
        for frame in self.stack:
            frame.size += n

    def _add(self, value: Any, line: int) -> None:
        """Attach a finished value to the container on top of the stack."""
        if not self.stack:
            self.result = value
            return
        top = self.stack[-1]
        if isinstance(top.value, list):
            top.value.append(value)
            return
        assert top.key is not None
        if not top.skip:
            top.value[top.key] = value
        top.key, top.skip = None, False

    def _set_key(self, key: str, line: int) -> None:
        top = self.stack[-1]
        path = f"{top.path}.{key}" if top.path else key
        if key in top.value or key in top.first_lines:
            first = top.first_lines.get(key)
            quoted = f"'{key}'"
            text = (msg("duplicate-key.first", self.locale, name=quoted, first=first) if first
                    else msg("duplicate-key", self.locale, name=quoted))
            self.problem(path, line, text, "duplicate-key")
            top.skip = True
        else:
            top.first_lines[key] = line
            if not top.muted:
                self.entries.append((path, line))
        top.key, top.key_line = key, line

    # -- events -----------------------------------------------------------------------------
    def event(self, ev: Any) -> None:
        line = ev.start_mark.line + 1 if ev.start_mark is not None else 0
        if isinstance(ev, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _Abort(msg("yaml.second-document", self.locale), line, "yaml")
            return
        if isinstance(ev, yaml.StreamStartEvent | yaml.StreamEndEvent | yaml.DocumentEndEvent):
            return
        if isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self._close()
            return
        where = self._child_path()
        if where is None:  # key position of a mapping
            self._key_event(ev, line)
            return
        path, item_line = where
        if item_line == 0 and not self.stack[-1].muted:  # sequence item: its own line
            self.entries.append((path, line))
        if isinstance(ev, yaml.AliasEvent):
            self._alias(ev, path, line)
        elif isinstance(ev, yaml.ScalarEvent):
            self._count(1, line)
            value = self._scalar(ev, path, line)
            self._anchor_scalar(ev, value)
            self._add(value, line)
        elif isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._open(ev, path, line)

    def _key_event(self, ev: Any, line: int) -> None:
        top = self.stack[-1]
        if isinstance(ev, yaml.ScalarEvent):
            self._count(1, line)
            if ev.value == "<<" and ev.implicit[0]:
                self.problem(top.path, line, msg("merge-key", self.locale), "merge-key")
            self._set_key(ev.value, line)
            return
        # A non-text key: report it and read (then drop) its value under a placeholder key.
        self.problem(top.path, line, msg("key-type", self.locale), "key-type")
        if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._open(ev, f"{top.path}.?", line, as_key=True)
        else:
            self._set_key(f"?{line}", line)
            top.skip = True

    def _open(self, ev: Any, path: str, line: int, as_key: bool = False) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _Abort(msg("too-deep", self.locale, limit=MAX_DEPTH), line, "too-deep",
                         _clean(path))
        self._count(1, line)
        is_map = isinstance(ev, yaml.MappingStartEvent)
        kind = "map" if is_map else "seq"
        if ev.tag not in (None, "!", _TAG + kind):
            self.problem(path, line, msg("tag.unsupported", self.locale, tag=repr(ev.tag)), "tag")
        frame = _Frame(value={} if is_map else [], path=path, line=line, anchor=ev.anchor,
                       entries_at=len(self.entries))
        if as_key:
            frame.key, frame.skip = None, False
            frame.anchor = None
            frame.path = "\0key"  # marks a frame whose result is a (rejected) key
        if ev.anchor:
            self.open_anchors.add(ev.anchor)
        if self.stack:
            parent = self.stack[-1]
            frame.muted = parent.muted or (isinstance(parent.value, dict) and parent.skip)
        self.stack.append(frame)

    def _close(self) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            rel = [(p[len(frame.path):], ln) for p, ln in self.entries[frame.entries_at:]]
            self.anchors[frame.anchor] = _Anchor(frame.value, frame.size, rel)
        if frame.path == "\0key":
            self.entries[frame.entries_at:] = []
            top = self.stack[-1]
            self._set_key(f"?{frame.line}", frame.line)
            top.skip = True
            return
        self._add(frame.value, frame.line)

    def _alias(self, ev: Any, path: str, line: int) -> None:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _Abort(msg("too-many-aliases", self.locale, limit=MAX_ALIASES), line,
                         "too-many-aliases", _clean(path))
        name = ev.anchor
        if name in self.open_anchors:
            raise _Abort(msg("yaml.alias-loop", self.locale, name=name), line, "yaml",
                         _clean(path))
        anchor = self.anchors.get(name)
        if anchor is None:
            raise _Abort(msg("yaml.alias-unknown", self.locale, name=name), line, "yaml",
                         _clean(path))
        self._count(anchor.size, line)
        if not (self.stack and self.stack[-1].muted):
            self.entries.extend((path + rel, ln) for rel, ln in anchor.entries if rel)
        self._add(anchor.value, line)

    def _anchor_scalar(self, ev: Any, value: Any) -> None:
        if ev.anchor:
            self.anchors[ev.anchor] = _Anchor(value, 1, [])

    def _scalar(self, ev: Any, path: str, line: int) -> Any:
        tag = ev.tag
        if tag in (None, "!") or not tag:
            return resolve_plain(ev.value) if ev.implicit[0] and tag is None else ev.value
        if tag == _TAG + "str":
            return ev.value
        if tag in (_TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"):
            value = resolve_plain(ev.value)
            expected = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}
            if isinstance(value, expected[tag[len(_TAG):]]):  # type: ignore[arg-type]
                return float(value) if tag.endswith("float") else value
            self.problem(path, line, msg("tag.invalid", self.locale, value=repr(ev.value),
                                         tag=tag), "tag")
            return ev.value
        self.problem(path, line, msg("tag.unsupported", self.locale, tag=repr(tag)), "tag")
        return ev.value


def parse(text: str, source: str = "plan.yaml", locale: str | None = None) -> Document:
    """Read one YAML document from ``text`` into plain data with key lines and problems.

    Problems are worded in ``locale``; None: the locale a ``locale:`` line of ``text`` declares.
    """
    if locale is None:
        locale = locale_of_text(text)
    builder = _Builder(source, locale)
    doc = Document()
    try:
        for ev in yaml.parse(text, Loader=_Loader):
            builder.event(ev)
    except _Abort as exc:
        doc.problems = [*builder.problems,
                        Problem(file=source, path=exc.path, line=exc.line, message=exc.message,
                                code=exc.code)]
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        lines = text.splitlines()  # the error may sit past the last line (end of the stream)
        bad_line = lines[line - 1] if line and line <= len(lines) else ""
        hint = msg("hint.tabs", locale) if "\t" in bad_line else ""
        doc.problems = [Problem(file=source, path="", line=line, code="yaml",
                                message=msg("yaml", locale, detail=what, hint=hint))]
        return doc
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        doc.problems = [Problem(file=source, path="", line=line, code="yaml",
                                message=msg("yaml", locale, detail=reason, hint=""))]
        return doc
    doc.data = builder.result
    doc.problems = builder.problems
    first: dict[str, int] = {}
    for path, line in builder.entries:
        first.setdefault(path, line)
    doc.lines = first
    return doc
