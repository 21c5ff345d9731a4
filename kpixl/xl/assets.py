"""xlwings' VBA project, taken from the installed xlwings package at build time.

A classic xlwings workbook needs a VBA project whose macro calls Python. xlwings ships one in
``xlwings/quickstart.xlsm`` (what ``xlwings quickstart`` copies): a ``Module1`` with::

    Sub SampleCall()
        mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, ...) - 1))
        RunPython "import " & mymodule & ";" & mymodule & ".main()"
    End Sub

and a reference to the xlwings add-in. Taking it from the installed package keeps the workbook,
the add-in (``xlwings addin install`` installs the same version) and the Python package in step.
``quickstart_standalone.xlsm`` embeds the whole xlwings VBA module instead (no add-in needed);
:func:`vba_project` can take either.

To prove that the form button's macro exists in the project, :func:`vba_modules` reads the
project's module sources: the ``vbaProject.bin`` is an OLE compound file (MS-CFB) whose
``VBA/dir`` stream (compressed, MS-OVBA 2.4.1) lists the modules, each stored as compressed
source text from an offset in its own stream. About a hundred lines of standard-library Python;
checked against the modules and procedures the xlwings VBA editor shows (ThisWorkbook, Sheet1,
Sheet2, Module1 with ``SampleCall``).
"""

from __future__ import annotations

import importlib.util
import math
import re
import struct
import zipfile
from pathlib import Path

from kpixl.errors import KpixlError
from kpixl.messages import msg

__all__ = ["INSTALL_HINT", "procedures", "require_xlwings", "vba_modules",
           "vba_project", "xlwings_dir", "xlwings_version"]

INSTALL_HINT = 'xlwings is not installed; run: pip install "kpixl[xlwings]"'


def _find_xlwings() -> Path | None:
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def xlwings_dir() -> Path:
    """The installed xlwings package folder; KpixlError with the install hint if missing."""
    folder = _find_xlwings()
    if folder is None:
        raise KpixlError(INSTALL_HINT)
    return folder


def require_xlwings() -> None:
    xlwings_dir()


def xlwings_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xlwings")
    except PackageNotFoundError:
        raise KpixlError(INSTALL_HINT) from None


def vba_project(*, standalone: bool = False) -> bytes:
    """``xl/vbaProject.bin`` of xlwings' quickstart workbook (add-in or standalone flavour)."""
    name = "quickstart_standalone.xlsm" if standalone else "quickstart.xlsm"
    path = xlwings_dir() / name
    try:
        with zipfile.ZipFile(path) as z:
            return z.read("xl/vbaProject.bin")
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise KpixlError(f"{path}: " + msg("xl.vba-unreadable", "en", reason=e,
                                           version=xlwings_version())) from None


# -- reading a VBA project (MS-CFB, MS-OVBA) ------------------------------------------------------
_END = 0xFFFFFFFA  # sector numbers at or above this end a chain


def _streams(data: bytes) -> dict[str, bytes]:
    """Every stream of a compound file, by path (``VBA/dir``)."""
    if data[:8] != bytes.fromhex("D0CF11E0A1B11AE1"):
        raise ValueError("not an OLE compound file")
    ss = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mss = 1 << struct.unpack_from("<H", data, 0x20)[0]
    (nfat, first_dir, _tx, cutoff, first_mini, nmini, first_difat,
     ndifat) = struct.unpack_from("<8I", data, 0x2C)
    difat = list(struct.unpack_from("<109I", data, 0x4C))

    def sector(n: int) -> bytes:
        return data[(n + 1) * ss:(n + 2) * ss]

    d = first_difat
    for _ in range(ndifat):
        vals = struct.unpack(f"<{ss // 4}I", sector(d))
        difat += vals[:-1]
        d = vals[-1]
    fat: list[int] = []
    for s in difat[:nfat]:
        fat += struct.unpack(f"<{ss // 4}I", sector(s))

    def chain(start: int, table: list[int]) -> list[int]:
        out: list[int] = []
        while start < _END and len(out) <= len(table):
            out.append(start)
            start = table[start]
        return out

    dirdata = b"".join(sector(s) for s in chain(first_dir, fat))
    entries = []
    for i in range(len(dirdata) // 128):
        e = dirdata[i * 128:(i + 1) * 128]
        nlen = struct.unpack_from("<H", e, 64)[0]
        left, right, child = struct.unpack_from("<III", e, 68)
        start, size = struct.unpack_from("<IQ", e, 116)
        entries.append((e[:max(nlen - 2, 0)].decode("utf-16-le"), e[66], left, right, child,
                        start, size & 0xFFFFFFFF))
    minifat: list[int] = []
    for s in chain(first_mini, fat) if nmini else []:
        minifat += struct.unpack(f"<{ss // 4}I", sector(s))
    mini = b"".join(sector(s) for s in chain(entries[0][5], fat))
    out: dict[str, bytes] = {}

    def read(start: int, size: int) -> bytes:
        if size < cutoff:
            return b"".join(mini[s * mss:(s + 1) * mss] for s in chain(start, minifat))[:size]
        return b"".join(sector(s) for s in chain(start, fat))[:size]

    def walk(i: int, prefix: str, depth: int = 0) -> None:
        if i >= len(entries) or depth > 64:
            return
        name, kind, left, right, child, start, size = entries[i]
        walk(left, prefix, depth + 1)
        walk(right, prefix, depth + 1)
        if kind == 2:
            out[prefix + name] = read(start, size)
        elif kind == 1:
            walk(child, prefix + name + "/", depth + 1)

    walk(entries[0][4], "")
    return out


def _decompress(buf: bytes) -> bytes:
    """MS-OVBA 2.4.1 decompression of a CompressedContainer."""
    if not buf or buf[0] != 1:
        raise ValueError("not a compressed VBA container")
    out = bytearray()
    i = 1
    while i + 2 <= len(buf):
        header = struct.unpack_from("<H", buf, i)[0]
        size, compressed = (header & 0x0FFF) + 3, header >> 15
        chunk, i = buf[i + 2:i + size], i + size
        start = len(out)
        if not compressed:
            out += chunk[:4096]
            continue
        j = 0
        while j < len(chunk):
            flags, j = chunk[j], j + 1
            for bit in range(8):
                if j >= len(chunk):
                    break
                if not flags >> bit & 1:
                    out.append(chunk[j])
                    j += 1
                    continue
                token, j = struct.unpack_from("<H", chunk, j)[0], j + 2
                done = len(out) - start
                bits = max(math.ceil(math.log2(done)) if done > 1 else 0, 4)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def vba_modules(data: bytes) -> dict[str, str]:
    """Module name -> source text of a ``vbaProject.bin``."""
    streams = _streams(data)
    d = _decompress(streams["VBA/dir"])
    i, codepage = 0, 1252
    modules: list[dict[str, bytes | int]] = []
    current: dict[str, bytes | int] = {}
    while i + 6 <= len(d):
        rid, size = struct.unpack_from("<HI", d, i)
        i += 6
        if rid == 0x0009:  # PROJECTVERSION: its size field says 4, its data is 6 bytes
            size = 6
        value, i = d[i:i + size], i + size
        if rid == 0x0003:
            codepage = struct.unpack("<H", value)[0]
        elif rid == 0x0019:
            current = {"name": value}
        elif rid == 0x001A:
            current["stream"] = value
        elif rid == 0x0031:
            current["offset"] = struct.unpack("<I", value)[0]
        elif rid == 0x002B:
            modules.append(current)
    enc = f"cp{codepage}"
    out: dict[str, str] = {}
    for m in modules:
        name = bytes(m["name"]).decode(enc)
        stream = streams["VBA/" + bytes(m["stream"]).decode(enc)]
        out[name] = _decompress(stream[int(m["offset"]):]).decode(enc, errors="replace")
    return out


_PROC = re.compile(r"^\s*(?:Public\s+|Private\s+)?(?:Sub|Function)\s+(\w+)", re.M | re.I)


def procedures(data: bytes) -> dict[str, str]:
    """Sub/Function name -> the module that defines it."""
    return {p: mod for mod, src in vba_modules(data).items() for p in _PROC.findall(src)}
