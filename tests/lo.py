"""Recalculate workbooks in LibreOffice Calc (headless) and read the results back.

Why this exists: XlsxWriter stores the engine's value as the cached result of every formula
cell. Reading the written file therefore shows the *engine's* numbers, never the *formulas'*.
To prove that the formulas compute what the engine computed, a real spreadsheet application
must recalculate them. LibreOffice Calc is the reference calculator (see ARCHITECTURE.md,
"Verifying workbooks for real"); this module hides its pitfalls:

- Calc keeps cached values on load unless told otherwise. We run it with a private user
  profile whose ``registrymodifications.xcu`` sets
  ``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` (and ``ODFRecalcMode``) to
  0 = "always recalculate". Without it a test compares the cache with itself and proves
  nothing (``tests/test_lo_harness.py`` checks the setting takes effect).
- Two ``soffice`` processes on one profile break each other, so the profile is private to this
  Python process (created once, cached, removed at exit) and calls are serialised by a lock.
- ``soffice`` exits 0 even when an input failed to load; we check that every output exists.
- Calc names each output after its input's stem, so ``a/plan.xlsx`` and ``b/plan.xlsx`` would
  overwrite each other; inputs are copied to unique names in a staging folder first.
- Each ``soffice`` start costs about a second: convert many files in one call.

Typical use::

    outputs = recalculate([path1, path2], outdir)
    assert diff_values(values(path1), values(outputs[path1])) == []   # cache == Calc's result

``values(path)`` on the *original* file gives XlsxWriter's cached values; on the *converted*
file it gives Calc's recalculated ones. Never ship the converted file: Calc re-saves it in
its own way (styles, names, buttons and macros are not preserved faithfully).

Compare numbers with a tolerance (:func:`diff_values`), not ``==``: Calc saves results with 15
significant digits, so ``=A1*3`` with A1 = 0.1 reads back as 0.3 where Python and XlsxWriter's
cache say 0.30000000000000004.
"""

from __future__ import annotations

import atexit
import math
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeVar
from xml.parsers import expat

import openpyxl
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["diff_values", "find_soffice", "named_values", "recalculate", "values"]

#: Seconds one ``soffice`` call may take before it is killed. About 1 s start-up plus
#: 2-10 s per large workbook were measured; 300 s leaves room for slow CI machines.
TIMEOUT_S = 300

_INPUT_SUFFIXES = frozenset({".xlsx", ".xlsm"})

#: 0 = always recalculate on load, 1 = never, 2 = ask (which headless treats as never).
_REGISTRY_XCU = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_lock = threading.Lock()
_profile: tuple[int, Path] | None = None  # (pid that made it, folder)


def find_soffice() -> str | None:
    """Return the path of the LibreOffice ``soffice`` executable, or None if not installed.

    Looks on PATH (``soffice``, then ``libreoffice``) and then in the usual install folders of
    Debian and of the upstream packages.
    """
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        "/usr/lib/libreoffice/program/soffice",
        "/opt/libreoffice/program/soffice",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _profile_dir() -> Path:
    """The private LibreOffice user profile of this process, created on first use.

    The folder holds ``user/registrymodifications.xcu`` with the recalc-on-load settings;
    Calc fills in the rest of the profile on its first start (about 0.2 s) and reuses it
    afterwards. A forked child gets its own profile (the pid is part of the cache key).
    """
    global _profile
    if _profile is None or _profile[0] != os.getpid():
        folder = Path(tempfile.mkdtemp(prefix="kpixl-lo-profile-"))
        (folder / "user").mkdir()
        (folder / "user" / "registrymodifications.xcu").write_text(_REGISTRY_XCU, "utf-8")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _profile = (os.getpid(), folder)
    return _profile[1]


def _check_input(path: Path) -> str | None:
    """Why ``path`` cannot be a workbook worth converting, or None if it looks fine.

    Calc turns a workbook whose sheet XML is malformed into an *empty* sheet without any
    message, so a broken file would "recalculate" to nothing. Catch that here: the input must
    be a zip holding ``xl/workbook.xml`` whose XML parts are all well-formed (a streaming
    parse; cheap next to the ``soffice`` call).
    """
    if not path.is_file():
        return "file not found"
    if path.suffix.lower() not in _INPUT_SUFFIXES:
        return f"not an .xlsx/.xlsm file (suffix {path.suffix!r})"
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "xl/workbook.xml" not in names:
                return "not a workbook: zip has no xl/workbook.xml"
            for name in names:
                if name.endswith((".xml", ".rels")):
                    try:
                        with zf.open(name) as part:
                            expat.ParserCreate().ParseFile(part)
                    except expat.ExpatError as exc:
                        return f"malformed XML in {name} ({exc})"
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        return f"not a valid zip/xlsx file ({exc})"
    return None


def _staged_names(paths: Sequence[Path]) -> list[str]:
    """Unique file names (same suffix) for the inputs: the stem, or ``stem-2``, ``stem-3``...

    Calc names outputs ``<stem>.xlsx``, so stems, not names, must be unique
    (``plan.xlsx`` and ``plan.xlsm`` would collide too).
    """
    used: set[str] = set()
    names: list[str] = []
    for path in paths:
        stem, n = path.stem, 1
        while stem.casefold() in used:
            n += 1
            stem = f"{path.stem}-{n}"
        used.add(stem.casefold())
        names.append(stem + path.suffix)
    return names


def recalculate(paths: Sequence[Path], outdir: Path) -> dict[Path, Path]:
    """Recalculate every workbook in LibreOffice Calc with ONE ``soffice`` call.

    Each input (.xlsx or .xlsm) is loaded with recalculation forced, every formula is
    recomputed by Calc, and the result is saved as ``.xlsx`` in ``outdir`` (created if
    needed). Read the results with :func:`values` / :func:`named_values`.

    Returns ``{input path: output path}`` in input order. An output is named after its
    input's stem, with ``-2``, ``-3``... added when two inputs share a stem.

    Raises ``RuntimeError`` naming the offending files when an input is missing or not a
    well-formed workbook (checked before starting Calc), when an output would overwrite an
    input (``outdir`` is an input's folder), when ``soffice`` is not installed,
    when it runs longer than ``TIMEOUT_S``, or when any output is missing afterwards
    (Calc exits 0 even then); the message includes Calc's stdout/stderr.
    """
    inputs = list(dict.fromkeys(Path(p) for p in paths))  # each file once, order kept
    if not inputs:
        return {}
    bad = [(p, why) for p in inputs if (why := _check_input(p)) is not None]
    if bad:
        listing = "\n".join(f"  {p}: {why}" for p, why in bad)
        raise RuntimeError(f"cannot recalculate {len(bad)} input file(s):\n{listing}")
    soffice = find_soffice()
    if soffice is None:
        raise RuntimeError(
            "LibreOffice (soffice) is not installed: apt-get install -y "
            "--no-install-recommends libreoffice-calc-nogui fonts-noto-cjk"
        )

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    names = _staged_names(inputs)
    outputs = {
        src: outdir / (Path(name).stem + ".xlsx") for src, name in zip(inputs, names, strict=True)
    }
    clobbered = {p.resolve() for p in inputs} & {o.resolve() for o in outputs.values()}
    if clobbered:  # Calc's re-saved file must never replace a kpixl-written one
        listing = "\n".join(f"  {p}" for p in sorted(clobbered))
        raise RuntimeError(f"outdir {outdir} would overwrite input file(s):\n{listing}")
    for out in outputs.values():
        out.unlink(missing_ok=True)  # a stale output from an earlier run must not pass

    with tempfile.TemporaryDirectory(prefix="kpixl-lo-in-") as staging, _lock:
        staged = [Path(staging) / name for name in names]
        for src, dst in zip(inputs, staged, strict=True):
            shutil.copyfile(src, dst)
        cmd = [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={_profile_dir().as_uri()}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            *map(str, staged),
        ]
        stdout, stderr = _run(cmd)

    missing = [src for src, out in outputs.items() if not out.is_file()]
    if missing:
        listing = "\n".join(f"  {p}" for p in missing)
        raise RuntimeError(
            f"LibreOffice did not produce an output for {len(missing)} of {len(inputs)} "
            f"file(s):\n{listing}\nsoffice stdout:\n{stdout.strip()}\n"
            f"soffice stderr:\n{stderr.strip()}"
        )
    return outputs


def _run(cmd: list[str]) -> tuple[str, str]:
    """Run ``soffice`` in its own process group; kill the whole group on timeout.

    ``soffice`` is a shell script that starts ``oosplash``, which starts ``soffice.bin``;
    killing only the direct child would leave Calc running and holding the profile.
    """
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise RuntimeError(
            f"soffice ran longer than {TIMEOUT_S} s and was killed: {' '.join(cmd)}\n"
            f"soffice stderr:\n{stderr.strip()}"
        ) from None
    return stdout, stderr


def values(path: Path) -> dict[tuple[str, str], object]:
    """Every non-empty cell value: ``{(sheet title, "A1"): value}``.

    Formula cells give their stored result (openpyxl ``data_only=True``): XlsxWriter's cached
    value in a file kpixl wrote, Calc's recalculated one in a :func:`recalculate` output.
    ``None`` and ``""`` are both left out, because Calc saves a formula that returns ``""``
    so that openpyxl reads it as ``None``; this keeps the two sides comparable. Errors read as
    strings such as ``"#NAME?"``; date-formatted numbers as ``datetime``.
    """
    wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    try:
        found: dict[tuple[str, str], object] = {}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None and cell.value != "":
                        found[(ws.title, cell.coordinate)] = cell.value
        return found
    finally:
        wb.close()


def named_values(path: Path) -> dict[str, object | list[object]]:
    """Values of the workbook-scope defined names that point at one cell, row or column.

    ``{name: value}`` for a single cell; ``{name: [values...]}`` for a one-row range (left to
    right) or a one-column range (top to bottom; a whole column is cut at the sheet's last
    used row). Names that are constants or formulas, 2-D or multi-area ranges, refer to a
    missing sheet, are sheet-scoped, or are Excel built-ins (``_xlnm.Print_Area`` ...) are
    left out. Values read as in :func:`values`, except that empty cells are ``None``.
    """
    wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    try:
        found: dict[str, object | list[object]] = {}
        for name, dn in wb.defined_names.items():
            if name.startswith("_xlnm."):
                continue
            try:
                dests = list(dn.destinations)
            except (AttributeError, ValueError):  # openpyxl cannot parse the reference
                continue
            if len(dests) != 1:
                continue
            sheet, ref = dests[0]
            sheet = sheet.replace("''", "'")  # quoted titles double their apostrophes
            if sheet not in wb.sheetnames or not isinstance(wb[sheet], Worksheet):
                continue
            got = _read_range(wb[sheet], ref.replace("$", ""))
            if got is not _SKIP:
                found[name] = got
        return found
    finally:
        wb.close()


_SKIP = object()
_K = TypeVar("_K")


def _read_range(ws: Worksheet, ref: str) -> object:
    """A cell's value, a list for a one-row/one-column range, or ``_SKIP`` for anything else."""
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (TypeError, ValueError):
        return _SKIP
    if min_col is None or max_col is None:  # whole rows ("1:1"): cut at the last used column
        min_col, max_col = 1, ws.max_column
    if min_row is None or max_row is None:  # whole columns ("A:A"): cut at the last used row
        min_row, max_row = 1, ws.max_row
    if min_col == max_col and min_row == max_row:
        return ws.cell(row=min_row, column=min_col).value
    if min_row == max_row:
        return [ws.cell(row=min_row, column=c).value for c in range(min_col, max_col + 1)]
    if min_col == max_col:
        return [ws.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]
    return _SKIP


def diff_values(
    exp: Mapping[_K, object],
    got: Mapping[_K, object],
    *,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
) -> list[str]:
    """Differences between two :func:`values` / :func:`named_values` results, one line each.

    An empty list means equal. Numbers (not booleans) match when ``math.isclose`` says so, with
    the given tolerances: Calc keeps 15 significant digits, Python's float 17. Lists (named
    rows and columns) are compared item by item. Keys present on one side only are reported.
    """
    lines: list[str] = []
    for key in [*exp, *(k for k in got if k not in exp)]:
        if key not in got:
            lines.append(f"{key!r}: expected {exp[key]!r}, missing")
        elif key not in exp:
            lines.append(f"{key!r}: unexpected {got[key]!r}")
        elif not _same(exp[key], got[key], rel_tol, abs_tol):
            lines.append(f"{key!r}: expected {exp[key]!r}, got {got[key]!r}")
    return lines


def _same(a: object, b: object, rel_tol: float, abs_tol: float) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            _same(x, y, rel_tol, abs_tol) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, bool) or isinstance(b, bool):  # TRUE is not 1 in a cell
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    return a == b
