"""A :class:`~kpixl.xlsx.readback.CellSource` over an .xlsx/.xlsm file that streams the sheet
XML and keeps only the rows asked for.

Why not openpyxl: loading the 2,000-KPI workbook whole takes 12 s and 450 MB, and even its
read-only mode builds a cell object for each of the 550,000 formula cells that no command
reads. Here a worksheet is decompressed in blocks of :data:`BLOCK` bytes and its rows found by
their ``<row`` tags; only a row asked for is parsed (its ``<c>`` cells, by pattern), the rest
is skipped unparsed, so memory holds one block and the rows kept.

Safety: the zip is checked before this opens it (:func:`kpixl.xlsx.reader.check_zip`: size,
member count, total uncompressed size). The small parts (workbook, relationships, styles,
shared strings, tables) are parsed by defusedxml with DTDs forbidden, so entity expansion and
external entities are refused; a worksheet holding a DTD is refused before its rows are read
(a DTD can only precede the root element, and the row scanner expands no entities: it decodes
the five predefined ones and character references only). Shared strings are capped at
:data:`MAX_STRINGS`.

Cells come out as the file stores them: numbers (``int`` when written without a point or
exponent, as openpyxl does), text, booleans, error text (``#N/A``), and dates as ``datetime``
where the cell's number format is a date format (Excel stores dates as serial numbers); a
formula cell carries its text (``=...``) beside its cached value.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from kpixl.errors import WorkbookError
from kpixl.messages import msg
from kpixl.xlsx.readback import Cells, Got, col_index

__all__ = ["BLOCK", "MAX_STRINGS", "XmlSource", "from_serial"]

BLOCK = 1 << 22  # bytes of sheet XML decompressed at a time
MAX_STRINGS = 2_000_000
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)

_FULL = re.compile(rb'<c r="([A-Z]+)\d+"([^>/]*)>(.*?)</c>', re.S)  # cells with content only
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_R = re.compile(rb'\sr="([A-Z]*)(\d*)"')
_T = re.compile(rb'\st="(\w+)"')
_S = re.compile(rb'\ss="(\d+)"')
_V = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_F = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_IS_T = re.compile(rb"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)
_RPH = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_LITERAL = re.compile(r'"[^"]*"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_CODE = re.compile(r"(?<![_\\])[dmhysDMHYS]")


def from_serial(serial: float, date1904: bool = False) -> dt.datetime | dt.time:
    """An Excel serial date -> ``datetime`` (a time of day below 1), as openpyxl reads it:
    day 60 is Excel's 29 February 1900, so serials below it are one day later."""
    day, fraction = divmod(serial, 1)
    diff = dt.timedelta(milliseconds=round(fraction * 86_400_000))
    if 0 <= serial < 1 and diff.days == 0:
        return (dt.datetime.min + diff).time()
    if date1904:
        return _EPOCH_1904 + dt.timedelta(days=day) + diff
    if 0 < serial < 60:
        day += 1
    return _EPOCH + dt.timedelta(days=day) + diff


def _text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8")) if b"&" in raw else raw.decode("utf-8")


class XmlSource:
    """The workbook at ``path`` (already checked as a zip), read part by part."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise self._bad(exc) from None
        self.members = set(self.zf.namelist())
        book = self._xml("xl/workbook.xml")
        rels = self._rels("xl/_rels/workbook.xml.rels", "xl/")
        pr = book.find(f"{_MAIN}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self.parts: dict[str, tuple[str, str]] = {}  # sheet -> (part, relationship type)
        order: list[str] = []
        for sh in book.iter(f"{_MAIN}sheet"):
            name, rid = sh.get("name") or "", sh.get(f"{_REL}id") or ""
            order.append(name)
            self.parts[name] = rels.get(rid, ("", ""))
        self.order = order
        self.names: dict[str, str] = {}
        for dn in book.iter(f"{_MAIN}definedName"):
            if dn.get("localSheetId") is None and dn.text:
                self.names.setdefault(dn.get("name") or "", dn.text)
        self._strings: list[str] | None = None
        self._dates: frozenset[int] | None = None

    def close(self) -> None:
        self.zf.close()

    # -- the small parts, through defusedxml ------------------------------------------------------
    def _bad(self, exc: BaseException) -> WorkbookError:
        first = (str(exc).strip().splitlines() or [""])[0]
        return WorkbookError(f"{self.path}: " + msg("wb.unreadable-xml", "en",
                                                    reason=f"{type(exc).__name__}: {first}"))

    def _xml(self, member: str) -> Any:
        from defusedxml.ElementTree import fromstring

        try:
            return fromstring(self.zf.read(member), forbid_dtd=True)
        except KeyError:
            raise WorkbookError(f"{self.path}: " + msg("wb.unreadable-xml", "en",
                                                       reason=f"no {member}")) from None
        except Exception as exc:  # ParseError, DTDForbidden, EntitiesForbidden, zlib errors
            raise self._bad(exc) from None

    def _rels(self, member: str, base: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (zip member, type) of a ``.rels`` part; targets relative to
        ``base``."""
        if member not in self.members:
            return {}
        out = {}
        for rel in self._xml(member).iter(f"{_PKG}Relationship"):
            target = rel.get("Target") or ""
            if target.startswith("/"):
                part = target.lstrip("/")
            else:
                parts = (base + target).split("/")
                stack: list[str] = []
                for p in parts:
                    if p == "..":
                        if stack:
                            stack.pop()
                    elif p not in ("", "."):
                        stack.append(p)
                part = "/".join(stack)
            out[rel.get("Id") or ""] = (part, (rel.get("Type") or "").rsplit("/", 1)[-1])
        return out

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = self._shared_strings()
        return self._strings

    def _shared_strings(self) -> list[str]:
        from defusedxml.ElementTree import iterparse

        rels = self._rels("xl/_rels/workbook.xml.rels", "xl/")
        member = next((p for p, kind in rels.values() if kind == "sharedStrings"),
                      "xl/sharedStrings.xml")
        if member not in self.members:
            return []
        out: list[str] = []
        si, t, r = f"{_MAIN}si", f"{_MAIN}t", f"{_MAIN}r"
        try:
            with self.zf.open(member) as f:
                for _, el in iterparse(f, events=("end",), forbid_dtd=True):
                    if el.tag != si:
                        continue
                    parts = [c.text or "" for c in el if c.tag == t]
                    parts += [c.findtext(t) or "" for c in el if c.tag == r]
                    out.append("".join(parts))
                    el.clear()
                    if len(out) > MAX_STRINGS:
                        raise WorkbookError(f"{self.path}: " + msg(
                            "wb.too-many-texts", "en", limit=f"{MAX_STRINGS:,}"))
        except WorkbookError:
            raise
        except Exception as exc:
            raise self._bad(exc) from None
        return out

    @property
    def dates(self) -> frozenset[int]:
        """Indexes of the cell formats whose number format shows a date or time."""
        if self._dates is None:
            self._dates = self._date_styles()
        return self._dates

    def _date_styles(self) -> frozenset[int]:
        if "xl/styles.xml" not in self.members:
            return frozenset()
        styles = self._xml("xl/styles.xml")
        codes = {int(n.get("numFmtId") or -1): n.get("formatCode") or ""
                 for n in styles.iter(f"{_MAIN}numFmt")}
        xfs = styles.find(f"{_MAIN}cellXfs")
        out = set()
        for i, xf in enumerate([] if xfs is None else xfs.iter(f"{_MAIN}xf")):
            fid = int(xf.get("numFmtId") or 0)
            code = codes.get(fid)
            if (fid in _BUILTIN_DATES and code is None) or (code is not None and _DATE_CODE.search(
                    _LITERAL.sub("", code.split(";")[0]))):
                out.add(i)
        return frozenset(out)

    # -- CellSource -------------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return list(self.order)

    def ref(self, name: str) -> str | None:
        return self.names.get(name)

    def is_worksheet(self, sheet: str) -> bool:
        return self.parts.get(sheet, ("", ""))[1] == "worksheet"

    def table_sheet(self, table: str) -> str | None:
        """The sheet holding the Excel table named ``table``, if any."""
        for sheet in self.order:
            part, kind = self.parts[sheet]
            if kind != "worksheet":
                continue
            folder, _, file = part.rpartition("/")
            rels = self._rels(f"{folder}/_rels/{file}.rels", f"{folder}/")
            for member, rtype in rels.values():
                if rtype == "table" and member in self.members:
                    el = self._xml(member)
                    if table in (el.get("name"), el.get("displayName")):
                        return sheet
        return None

    def cells(self, sheet: str, rows: Collection[int] | None = None, top: int = 0,
              cols: tuple[int, int] | None = None) -> Cells:
        part, kind = self.parts.get(sheet, ("", ""))
        if kind != "worksheet" or part not in self.members:
            return {}
        wanted = None if rows is None else set(rows)
        if wanted is not None and not wanted:
            return {}
        out: Cells = {}
        try:
            for r, body in self._rows(part, wanted, top):
                self._parse_row(r, body, out, cols or (0, 1 << 20))
        except WorkbookError:
            raise
        except Exception as exc:  # zlib, decoding, a damaged cell
            raise self._bad(exc) from None
        return out

    def _rows(self, part: str, wanted: set[int] | None, top: int
              ) -> Iterator[tuple[int, bytes]]:
        """(0-based row, the XML between its ``<row ...>`` and ``</row>``) of each row asked
        for, a block at a time; the other rows are skipped unparsed."""
        last = max(wanted) if wanted else None
        with self.zf.open(part) as f:
            buf = f.read(BLOCK)
            root = _ROOT.search(buf)
            if b"<!DOCTYPE" in buf[:root.start() if root else len(buf)] or root is None:
                raise WorkbookError(f"{self.path}: " + msg(
                    "wb.sheet-dtd" if root else "wb.sheet-empty", "en", part=part))
            tag = b"<" + (root.group(1) or b"") + b"row"
            end_tag = b"</" + (root.group(1) or b"") + b"row>"
            row = -1
            eof = False
            while True:
                starts = []
                i = buf.find(tag)
                while i >= 0:
                    nxt = buf[i + len(tag):i + len(tag) + 1]
                    if nxt in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
                        starts.append(i)
                    i = buf.find(tag, i + len(tag))
                if eof:
                    keep = len(buf)
                elif starts:  # the last row may continue in the next block
                    keep = starts.pop()
                else:  # no row starts here; a row tag may begin in the last bytes
                    keep = max(0, len(buf) - len(tag))
                for k, s in enumerate(starts):
                    close = buf.index(b">", s)
                    head = buf[s:close]
                    m = _R.search(head)
                    row = int(m.group(2)) - 1 if m and m.group(2) else row + 1
                    if last is not None and row > last:
                        return
                    if (wanted is None and row >= top) or (wanted is not None and row in wanted):
                        if head.endswith(b"/"):
                            continue
                        stop = starts[k + 1] if k + 1 < len(starts) else keep
                        body = buf[close + 1:stop]
                        j = body.find(end_tag)
                        yield row, body if j < 0 else body[:j]
                if eof:
                    return
                more = f.read(BLOCK)
                eof = not more
                buf = buf[keep:] + more

    def _parse_row(self, row: int, body: bytes, out: Cells, cols: tuple[int, int]) -> None:
        lo, hi = cols
        if body.count(b"<c ") == body.count(b'<c r="'):  # every cell says where it is
            # (as Excel, LibreOffice, openpyxl and XlsxWriter write them): the pattern skips
            # the empty cells itself, which are most cells of an input row
            for m in _FULL.finditer(body):
                col = col_index(m.group(1).decode())
                if lo <= col <= hi:
                    self._cell(row, col, m.group(2), m.group(3), out)
            return
        col = -1
        for m in _CELL.finditer(body):
            attrs, inner = m.group(1), m.group(2) or b""
            ref = _R.search(attrs)
            col = col_index(ref.group(1).decode()) if ref and ref.group(1) else col + 1
            if inner and lo <= col <= hi:
                self._cell(row, col, attrs, inner, out)

    def _cell(self, row: int, col: int, attrs: bytes, inner: bytes, out: Cells) -> None:
        t = _T.search(attrs)
        kind = t.group(1) if t else b"n"
        f = _F.search(inner)
        formula = None if f is None else "=" + _text(f.group(1) or b"")
        v = _V.search(inner)
        raw = None if v is None else v.group(1)
        value: Any = None
        if kind == b"inlineStr":
            value = "".join(_text(x.group(1) or b"")
                            for x in _IS_T.finditer(_RPH.sub(b"", inner)))
        elif raw is None or (raw == b"" and kind != b"str"):
            value = None
        elif kind == b"s":
            value = self.strings[int(raw)]
        elif kind in (b"str", b"e"):
            value = _text(raw)
        elif kind == b"b":
            value = raw.strip() in (b"1", b"true")
        elif kind == b"d":
            value = dt.datetime.fromisoformat(raw.decode().rstrip("Z"))
        else:
            value = float(raw) if (b"." in raw or b"E" in raw or b"e" in raw) else int(raw)
            s = _S.search(attrs)
            if s and int(s.group(1)) in self.dates:
                value = from_serial(value, self.date1904)
        if value is None and formula is None:
            return
        out[(row, col)] = Got(value, formula)
