"""Hostile workbooks through the installed ``kpixl`` command: ``report``, ``update`` and
``actuals import``.

Zip bombs (honest and lying sizes), XML entity expansion and external entities, a missing or
altered ``_kpixl`` sheet, formulas, text and error values typed into actual cells, files from
other tools, truncated files and resource limits. Every refused input exits 1 with one line on
stderr that names the file, never a traceback, and leaves the workbook byte for byte as it was
(and no other file behind). Typed text, formulas and error values are a documented, safe
interpretation (reader.py: "numbers only count"): the report exits 0, warns and computes as if
those cells were blank.

Each command runs in a subprocess with a 60 s timeout and a 2 GiB address-space limit, so a
hang or an unbounded allocation fails the test instead of the machine. Every hostile file is
generated at test time in a temporary folder.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import run_kpixl

TESTS = Path(__file__).parent
SEED = TESTS / "plans" / "good" / "seed.yaml"
TIMEOUT = 60
KPIXL_SHEET = "xl/worksheets/sheet11.xml"  # where the writer puts the hidden _kpixl sheet
SHARED = "xl/sharedStrings.xml"
USAGE_SHEET = "xl/worksheets/sheet1.xml"  # the first sheet (how to use), no defined names
BOMB_BYTES = 300 * 2**20


def kpixl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, timeout=TIMEOUT, limit_memory=True)


# -- the three commands that read a workbook ----------------------------------------------------
def _csv(folder: Path) -> Path:
    p = folder / "actuals.csv"
    if not p.exists():
        p.write_text("id,month,value\ninquiries,2026-04,100\n", encoding="utf-8")
    return p


COMMANDS: dict[str, Callable[[Path], list[str | Path]]] = {
    "report": lambda wb: ["report", wb],
    "update": lambda wb: ["update", SEED, wb],
    "actuals": lambda wb: ["actuals", "import", wb, _csv(wb.parent)],
}


@pytest.fixture(params=sorted(COMMANDS))
def command(request: pytest.FixtureRequest) -> Callable[[Path], list[str | Path]]:
    return COMMANDS[request.param]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("built")
    proc = kpixl("build", SEED, "-o", "w.xlsx", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return folder / "w.xlsx"


@pytest.fixture
def wb(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the seed workbook in its own folder."""
    return Path(shutil.copy(built, tmp_path / "w.xlsx"))


def assert_refused(cmd: list[str | Path], path: Path, *, match: str = "",
                   one_line: bool = True) -> str:
    """Run ``cmd``; it must exit 1 with one stderr line naming ``path``, no traceback, and
    leave ``path`` and its folder exactly as they were. Returns the stderr line."""
    before = path.read_bytes()
    listing = sorted(p.name for p in path.parent.iterdir())
    proc = kpixl(*cmd, cwd=path.parent)
    err = proc.stderr
    assert "Traceback" not in err and "Traceback" not in proc.stdout, err[-3000:]
    assert proc.returncode == 1, (proc.returncode, err[-3000:])
    lines = err.strip().splitlines()
    assert lines, "no message"
    if one_line:
        assert len(lines) == 1, err
    assert path.name in lines[0], lines[0]
    if match:
        assert re.search(match, lines[0]), lines[0]
    assert path.read_bytes() == before, "a refused workbook was changed"
    assert sorted(p.name for p in path.parent.iterdir()) == listing, "a refused run left files"
    return lines[0]


# -- zip surgery --------------------------------------------------------------------------------
def rewrite(src: Path, dst: Path, replace: dict[str, bytes | None] | None = None,
            add: dict[str, bytes] | None = None) -> Path:
    """Copy the zip ``src`` to ``dst`` with members replaced (None: removed) or added."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                data = replace[info.filename]
                if data is not None:
                    zout.writestr(info.filename, data)
            else:
                zout.writestr(info.filename, zin.read(info.filename))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _stream(zout: zipfile.ZipFile, name: str, chunks: Iterator[bytes]) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zout.open(info, "w") as f:
        for chunk in chunks:
            f.write(chunk)


def _zeros(total: int) -> Iterator[bytes]:
    block = bytes(2**20)
    for _ in range(total // len(block)):
        yield block


def bomb(src: Path, dst: Path, member: str, chunks: Iterator[bytes], *,
         lie: int | None = None) -> Path:
    """``src`` with ``member`` replaced by (or added as) the streamed ``chunks``, deflated.

    ``lie``: patch the member's uncompressed size in both the local header and the central
    directory to this many bytes (the data still inflates to the full size)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info.filename, zin.read(info.filename))
        zout.compression = zipfile.ZIP_DEFLATED
        _stream(zout, member, chunks)
    if lie is not None:
        raw = bytearray(dst.read_bytes())
        with zipfile.ZipFile(dst) as zf:
            info = zf.getinfo(member)
            start = zf.start_dir  # type: ignore[attr-defined]
        local = info.header_offset
        assert raw[local:local + 4] == b"PK\x03\x04"
        struct.pack_into("<I", raw, local + 22, lie)
        pos = start
        while raw[pos:pos + 4] == b"PK\x01\x02":
            n, m, k = struct.unpack_from("<HHH", raw, pos + 28)
            if raw[pos + 46:pos + 46 + n].decode() == member:
                struct.pack_into("<I", raw, pos + 24, lie)
                break
            pos += 46 + n + m + k
        else:
            raise AssertionError("central directory entry not found")
        dst.write_bytes(bytes(raw))
        with zipfile.ZipFile(dst) as zf:
            assert zf.getinfo(member).file_size == lie
    return dst


# -- (1) zip bombs and resource limits ----------------------------------------------------------
@pytest.fixture(scope="module")
def honest_bomb(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An extra 300 MB member of zeros (about 300 KB deflated), its size declared honestly."""
    dst = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    bomb(built, dst, "xl/worksheets/sheet99.xml", _zeros(BOMB_BYTES))
    assert dst.stat().st_size < 2 * 2**20
    return dst


def test_zip_bomb_extra_member_is_refused(honest_bomb: Path, tmp_path: Path,
                                          command: Callable[[Path], list[str | Path]]) -> None:
    path = Path(shutil.copy(honest_bomb, tmp_path / "bomb.xlsx"))
    assert_refused(command(path), path, match="zip bomb")


def test_zip_bomb_in_the_kpixl_sheet_is_refused(built: Path, tmp_path: Path) -> None:
    path = bomb(built, tmp_path / "bomb.xlsx", KPIXL_SHEET, _zeros(BOMB_BYTES))
    assert path.stat().st_size < 2 * 2**20
    assert_refused(["report", path], path, match="zip bomb")


@pytest.mark.parametrize("member", [SHARED, KPIXL_SHEET])
def test_zip_bomb_with_a_lying_size_is_refused(built: Path, tmp_path: Path, member: str,
                                               command: Callable[[Path], list[str | Path]]
                                               ) -> None:
    """The central directory says 4 KB; the data inflates to 300 MB. zipfile stops at the
    declared size and the CRC check fails: refused, memory bounded."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')

    def chunks() -> Iterator[bytes]:
        yield head
        yield from _zeros(BOMB_BYTES)

    path = bomb(built, tmp_path / "liar.xlsx", member, chunks(), lie=4096)
    assert_refused(command(path), path)


def test_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as f:  # sparse: costs no disk
        f.truncate(101 * 2**20)
    assert_refused(["report", path], path, match="MB")


def test_too_many_members_is_refused(built: Path, tmp_path: Path) -> None:
    path = rewrite(built, tmp_path / "many.xlsx",
                   add={f"xl/media/x{i}.bin": b"" for i in range(10_001)})
    assert_refused(["report", path], path, match="zip bomb")


def test_large_valid_sheet_under_the_zip_limit_is_bounded(built: Path, tmp_path: Path) -> None:
    """A 200 MB sheet of real cells (under the 256 MB unpacked limit, ~1 MB deflated) on a
    sheet the report does not need (the guide): the streaming reader never reads it, so the
    report succeeds within the time and memory limits."""
    def chunks() -> Iterator[bytes]:
        yield (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
               b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        rows, total = [], 0
        for r in range(1, 10**8):
            rows.append(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r))
            if len(rows) == 10_000:
                block = b"".join(rows)
                total += len(block)
                rows = []
                yield block
                if total > 200 * 2**20 or r >= 1_048_000:
                    break
        yield b"</sheetData></worksheet>"

    path = bomb(built, tmp_path / "big.xlsx", USAGE_SHEET, chunks())
    before = path.read_bytes()
    proc = kpixl("report", path, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert path.read_bytes() == before


def test_user_sheet_with_one_far_away_cell_is_bounded(wb: Path) -> None:
    book = openpyxl.load_workbook(wb)
    book.create_sheet("Notes")["XFD1048576"] = 1
    book.save(wb)
    proc = kpixl("report", wb, cwd=wb.parent)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_pdca_row_far_down_is_read_quickly(wb: Path) -> None:
    import time

    book = openpyxl.load_workbook(wb)
    pdca = "PDCA記録" if "PDCA記録" in book.sheetnames else "PDCA"
    book[pdca]["A1048576"] = "note"
    book.save(wb)
    t0 = time.monotonic()
    proc = kpixl("report", wb, cwd=wb.parent)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert time.monotonic() - t0 < 10


# -- (2, 3) XML entity expansion and external entities ------------------------------------------
LAUGHS = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n'
          b'<!ENTITY lol "lol">\n'
          + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else
                                                     b"&lol;") * 10) for i in range(1, 10))
          + b"]>\n")
SST_OPEN = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _with_doctype(xml: bytes, doctype: bytes, first_text: bytes) -> bytes:
    """``xml`` (sharedStrings) with ``doctype`` in front and its first string replaced."""
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    body = re.sub(rb"<t( [^>]*)?>[^<]*</t>", b"<t>" + first_text + b"</t>", body, count=1)
    return doctype + body.lstrip()


@pytest.mark.parametrize("member", [SHARED, KPIXL_SHEET])
def test_billion_laughs_is_refused(wb: Path, member: str,
                                   command: Callable[[Path], list[str | Path]]) -> None:
    with zipfile.ZipFile(wb) as zf:
        xml = zf.read(member)
    if member == SHARED:
        hostile = _with_doctype(xml, LAUGHS, b"&lol9;")
    else:
        body = xml.split(b"?>", 1)[1]
        hostile = LAUGHS + re.sub(rb"<v>[^<]*</v>", b"<v>&lol9;</v>", body, count=1)
    path = rewrite(wb, wb.parent / "laughs.xlsx", replace={member: hostile})
    assert_refused(command(path), path, one_line=False)


def test_invalid_xml_refusal_is_one_line(wb: Path) -> None:
    with zipfile.ZipFile(wb) as zf:
        xml = zf.read(SHARED)
    path = rewrite(wb, wb.parent / "laughs.xlsx",
                   replace={SHARED: _with_doctype(xml, LAUGHS, b"&lol9;")})
    assert_refused(["report", path], path)


def test_external_entity_is_never_read(wb: Path,
                                       command: Callable[[Path], list[str | Path]]) -> None:
    doctype = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [\n'
               b'<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n')
    with zipfile.ZipFile(wb) as zf:
        xml = zf.read(SHARED)
    path = rewrite(wb, wb.parent / "xxe.xlsx",
                   replace={SHARED: _with_doctype(xml, doctype, b"&xxe;")})
    before = path.read_bytes()
    proc = kpixl(*command(path), cwd=path.parent)
    assert "root:" not in proc.stdout + proc.stderr
    assert_refused(command(path), path, one_line=False)
    assert path.read_bytes() == before


def test_external_dtd_is_never_fetched(wb: Path) -> None:
    doctype = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
               b'<!DOCTYPE sst SYSTEM "file:///etc/passwd">\n')
    with zipfile.ZipFile(wb) as zf:
        xml = zf.read(SHARED)
    path = rewrite(wb, wb.parent / "dtd.xlsx", replace={SHARED: _with_doctype(xml, doctype,
                                                                               b"x")})
    proc = kpixl("report", path, cwd=path.parent)
    assert "root:" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr  # a DTD is refused, never fetched
    assert len(proc.stderr.strip().splitlines()) == 1 and path.name in proc.stderr


# -- (4, 5) a missing or altered _kpixl sheet ---------------------------------------------------
def test_missing_kpixl_sheet_is_refused(wb: Path,
                                        command: Callable[[Path], list[str | Path]]) -> None:
    book = openpyxl.load_workbook(wb)
    del book["_kpixl"]
    book.save(wb)
    assert_refused(command(wb), wb, match="_kpixl")


def _edit_meta(wb: Path, edit: Callable[[dict[str, openpyxl.cell.Cell]], None]) -> None:
    book = openpyxl.load_workbook(wb)
    cells = {}
    for key, value in book["_kpixl"].iter_rows(max_col=2):
        if isinstance(key.value, str) and key.value not in cells:
            cells[key.value] = value
    edit(cells)
    book.save(wb)


def test_altered_plan_json_is_refused(wb: Path,
                                      command: Callable[[Path], list[str | Path]]) -> None:
    def edit(cells: dict[str, openpyxl.cell.Cell]) -> None:
        text = str(cells["plan_json"].value)
        assert "120000000" in text
        cells["plan_json"].value = text.replace("120000000", "999000000", 1)

    _edit_meta(wb, edit)
    assert_refused(command(wb), wb, match="plan_sha256")


@pytest.mark.parametrize("key, value, match", [
    ("format_version", 99, "format 99"),
    ("format_version", "=1/0", "format_version"),
    ("plan_json_chunks", 7, "plan_json"),
    ("plan_sha256", None, "plan_sha256"),
])
def test_other_kpixl_sheet_damage_is_refused(wb: Path, key: str, value: object,
                                             match: str) -> None:
    _edit_meta(wb, lambda cells: setattr(cells[key], "value", value))
    assert_refused(["report", wb], wb, match=match)


def test_kpixl_sheet_with_a_consistent_but_invalid_plan_is_refused(wb: Path) -> None:
    """Whoever recomputes the hash still cannot smuggle in an invalid plan."""
    import hashlib

    def edit(cells: dict[str, openpyxl.cell.Cell]) -> None:
        text = json.dumps({"kpixl": 1, "title": "x"})
        cells["plan_json"].value = text
        cells["plan_json_chunks"].value = 1
        cells["plan_sha256"].value = hashlib.sha256(text.encode()).hexdigest()

    book = openpyxl.load_workbook(wb)
    chunks = [r for r in book["_kpixl"].iter_rows(max_col=1) if r[0].value == "plan_json"]
    book.close()
    if len(chunks) != 1:
        pytest.skip("the seed plan JSON spans several chunks")
    _edit_meta(wb, edit)
    assert_refused(["report", wb], wb, match="invalid")


# -- (6) formulas, text and error values in numeric cells ---------------------------------------
def _act(book: openpyxl.Workbook, node: str, month: int) -> openpyxl.cell.Cell:
    from kpixl.xlsx.reader import parse_range

    sheet, r0, c0, _r1, _c1 = parse_range(book.defined_names[f"act_{node}"].attr_text)
    return book[sheet].cell(row=r0 + 1, column=c0 + month + 1)


def _report_json(path: Path) -> dict[str, object]:
    proc = kpixl("report", path, "--format", "json", "--asof", "2", cwd=path.parent)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_formula_text_and_error_values_are_ignored_with_warnings(wb: Path) -> None:
    book = openpyxl.load_workbook(wb)
    _act(book, "inquiries", 0).value = 100
    _act(book, "inquiries", 1).value = 120
    _act(book, "orders", 0).value = 2
    book.save(wb)
    plain = wb.parent / "plain.xlsx"
    shutil.copy(wb, plain)

    book = openpyxl.load_workbook(wb)
    _act(book, "orders", 1).value = "=1+1"
    _act(book, "deals", 0).value = "12件"
    err = _act(book, "appointments", 0)
    err.value = "#DIV/0!"
    assert err.data_type == "e"
    _act(book, "appointments", 1).value = True
    book.save(wb)

    hostile, baseline = _report_json(wb), _report_json(plain)
    warnings = "\n".join(map(str, hostile["warnings"]))  # type: ignore[call-overload]
    assert "数式" in warnings and "12件" in warnings and "#DIV/0!" in warnings, warnings
    assert "True" in warnings, warnings
    assert len(hostile["warnings"]) == len(baseline["warnings"]) + 4  # type: ignore[arg-type]
    assert hostile["nodes"] == baseline["nodes"]

    # the text report exits 0 and shows the warnings too
    proc = kpixl("report", wb, cwd=wb.parent)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "12件" in proc.stdout + proc.stderr


def test_actuals_import_refuses_to_drop_typed_text_and_formulas(wb: Path) -> None:
    """A rebuilt workbook keeps numbers only, so text or formulas typed into actual cells would be
    lost: the import refuses (nothing written) and names the rows, unless --overwrite."""
    book = openpyxl.load_workbook(wb)
    _act(book, "orders", 1).value = "=1+1"
    _act(book, "deals", 0).value = "12件"
    book.save(wb)
    before = wb.read_bytes()
    proc = kpixl("actuals", "import", wb, _csv(wb.parent), cwd=wb.parent)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1
    assert "商談数" in proc.stderr and "受注件数" in proc.stderr  # the KPIs, by name (cli.md)
    assert wb.read_bytes() == before
    proc = kpixl("actuals", "import", wb, _csv(wb.parent), "--overwrite", cwd=wb.parent)
    assert proc.returncode == 0, proc.stderr
    assert _act(openpyxl.load_workbook(wb), "inquiries", 0).value == 100


# -- (7, 8) files from other tools, damaged files -----------------------------------------------
def _plain_openpyxl(p: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = 1
    book.save(p)


def _csv_renamed(p: Path) -> None:
    p.write_text("id,month,value\norders,2026-04,2\n", encoding="utf-8")


def _empty_zip(p: Path) -> None:
    zipfile.ZipFile(p, "w").close()


def _ole(p: Path) -> None:
    p.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(4096 - 8))


def _docx_like(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")


def _empty_file(p: Path) -> None:
    p.write_bytes(b"")


def _workbook_xml_garbage(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("xl/workbook.xml", "not xml at all <<<")


FOREIGN = {"plain_openpyxl": (_plain_openpyxl, "kpixl workbook"),
           "csv_renamed": (_csv_renamed, "not a zip"),
           "empty_zip": (_empty_zip, "not an Excel workbook"),
           "ole_xls": (_ole, "not a zip"),
           "docx_like": (_docx_like, "not an Excel workbook"),
           "empty_file": (_empty_file, ""),
           "workbook_xml_garbage": (_workbook_xml_garbage, "")}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_file_from_another_tool_is_refused(tmp_path: Path, kind: str,
                                           command: Callable[[Path], list[str | Path]]) -> None:
    make, match = FOREIGN[kind]
    path = tmp_path / "other.xlsx"
    make(path)
    assert_refused(command(path), path, match=match)


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_workbook_is_refused(wb: Path, fraction: float,
                                       command: Callable[[Path], list[str | Path]]) -> None:
    data = wb.read_bytes()
    wb.write_bytes(data[:int(len(data) * fraction)])
    assert_refused(command(wb), wb)


def test_corrupted_member_is_refused(wb: Path) -> None:
    """Flipped bytes inside a deflated member: a CRC or inflate error, reported in one line."""
    with zipfile.ZipFile(wb) as zf:
        info = zf.getinfo(KPIXL_SHEET)
    raw = bytearray(wb.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + min(info.compress_size, 200)):
        raw[i] ^= 0x5A
    wb.write_bytes(bytes(raw))
    assert_refused(["report", wb], wb)


def test_update_warns_about_typed_text_and_keeps_it_in_the_backup(wb: Path) -> None:
    book = openpyxl.load_workbook(wb)
    _act(book, "deals", 0).value = "12件"
    book.save(wb)
    proc = kpixl("update", SEED, wb, cwd=wb.parent)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr
    assert "12件" in proc.stdout + proc.stderr
    backups = [p for p in wb.parent.iterdir() if ".bak." in p.name]
    assert len(backups) == 1, backups
    assert _act(openpyxl.load_workbook(backups[0]), "deals", 0).value == "12件"
