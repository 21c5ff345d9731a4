"""Read kpixl workbooks back from their files: the zip checked, then the one reader of the
workbook contract (:mod:`kpixl.xlsx.readback`, :mod:`kpixl.xlsx.readtables`) over the streaming
source of :mod:`kpixl.xlsx.sheetxml`, which keeps only the rows a command needs.

What each command reads: ``_kpixl``, the input cells (by defined name, and split shares and
baselines at the cell their ``_kpixl`` row names), the ``act_``/``ovr_`` rows, the PDCA and KFS
tables; with ``extras`` (``kpixl update``, ``actuals import``) also a ``Target History`` sheet,
a previous ``Unplaced data`` sheet, the classic ``xlwings.conf`` sheet and the sheets a user
added (as values). ``kpixl report``, ``pull`` and the "holds entered data" check of ``build``
do not read user sheets, so a strange user sheet never stops a report.

Safety: the file is checked as a zip before anything is parsed (size, member count, total
uncompressed size: a zip bomb is refused); XML parts go through defusedxml with DTDs forbidden.
"""

from __future__ import annotations

import datetime as dt
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpixl.errors import WorkbookError
from kpixl.layout.contract import (
    KFS_TABLE,
    META_SHEET,
    PDCA_TABLE,
    SHEETS,
    TABLE_TOP,
    TARGET_HISTORY,
    UNPLACED,
    XLWINGS_CONF,
    sheet_name,
)
from kpixl.messages import msg
from kpixl.model import Plan
from kpixl.xlsx import readtables as rt
from kpixl.xlsx.readback import (
    Num,
    parse_range,
    read_entries,
    read_meta,
    read_plan,
    same_value,
)
from kpixl.xlsx.readtables import MAX_TABLE_CELLS, Table
from kpixl.xlsx.sheetxml import XmlSource

EN = "en"  # the file cannot be read: its plan's locale is not known yet (cli.md)

__all__ = ["MAX_TABLE_CELLS", "MAX_UNCOMPRESSED", "Table", "WorkbookData", "check_zip",
           "excel_date", "parse_range", "read_workbook", "same_value"]

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNCOMPRESSED = 256 * 1024 * 1024  # a 60-month, 400-KPI workbook unpacks to < 100 MB
MAX_MEMBERS = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkbookData:
    """Everything a kpixl workbook holds that a user may have entered or changed."""

    path: Path
    plan: Plan  # the plan as built (from ``_kpixl``)
    plan_json: str
    kpixl_version: str
    recorded: Mapping[str, Any]  # input key -> value as built
    current: Mapping[str, Any]  # input key -> value now (a number or None)
    actuals: Mapping[str, tuple[Num, ...]]  # node id -> one value per plan month
    overrides: Mapping[str, tuple[Num, ...]]
    pdca: Table  # 9 columns A..I, then the columns a user added right of them (``columns``)
    kfs_status: Mapping[str, str | None]  # KFS id -> status now
    # rows of the KFS table that are not the plan's: (1-based sheet row, the 7 values A..G)
    kfs_added: tuple[tuple[int, tuple[Any, ...]], ...] = ()
    target_history: Table | None = None
    unplaced: Table | None = None
    extra_sheets: tuple[Table, ...] = ()
    vba_project: bytes | None = None
    warnings: tuple[str, ...] = ()
    unreadable: frozenset[str] = frozenset()  # act_X/ovr_X rows with text or formulas
    xlwings: str = "none"  # none | lite | classic: how it was built (control panel, conf sheet)
    xlwings_conf: Table | None = None  # classic: the xlwings.conf sheet (a user may add rows)

    @property
    def asof(self) -> int | None:
        v = self.current.get("in_asof")
        return None if v is None else int(v)

    @property
    def labels(self) -> list[str]:
        return self.plan.period.labels()

    def changed(self) -> dict[str, tuple[Any, Any]]:
        """Inputs a user changed: key -> (value as built, value now)."""
        return {k: (self.recorded.get(k), v) for k, v in self.current.items()
                if not same_value(self.recorded.get(k), v)}

    def entered(self, kind: str = "actual") -> dict[tuple[str, str], float]:
        """(node id, ``YYYY-MM``) -> value of every non-blank actual (or override) cell."""
        rows = self.actuals if kind == "actual" else self.overrides
        labels = self.labels
        return {(k, labels[m]): v for k, row in rows.items() for m, v in enumerate(row)
                if v is not None}


# -- opening --------------------------------------------------------------------------------------
def check_zip(path: Path) -> bytes | None:
    """Refuse what is not a workbook or would unpack to an absurd size; return the VBA project
    (``xl/vbaProject.bin``) when the file carries one."""
    try:
        st = path.stat()
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):  # a FIFO would hang, /dev/zero never end (issue 17)
            what = msg("wb.what.folder" if stat.S_ISDIR(st.st_mode) else "wb.what.device", EN)
            raise WorkbookError(f"{path}: " + msg("wb.not-a-file", EN, what=what))
    except FileNotFoundError:
        raise WorkbookError(f"{path}: " + msg("wb.missing", EN)) from None
    except OSError as exc:
        raise WorkbookError(f"{path}: " + msg("wb.unreadable", EN, reason=exc.strerror)
                            ) from None
    if size > MAX_FILE_BYTES:
        raise WorkbookError(f"{path}: " + msg("wb.too-large", EN, mb=size // 2**20,
                                              limit=MAX_FILE_BYTES // 2**20))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if len(infos) > MAX_MEMBERS or total > MAX_UNCOMPRESSED:
                raise WorkbookError(f"{path}: " + msg("wb.zip-bomb", EN, mb=total // 2**20,
                                                      parts=len(infos)))
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise WorkbookError(f"{path}: " + msg("wb.not-excel", EN))
            return zf.read("xl/vbaProject.bin") if "xl/vbaProject.bin" in names else None
    except (zipfile.BadZipFile, OSError, EOFError):
        raise WorkbookError(f"{path}: " + msg("wb.not-zip", EN)) from None


def read_workbook(path: str | Path, *, extras: bool = True) -> WorkbookData:
    """Read a kpixl workbook: the plan as built, inputs now, actuals, overrides, PDCA, KFS
    statuses; with ``extras`` also target history, Unplaced data, the xlwings settings and the
    sheets a user added. Raises WorkbookError."""
    path = Path(path)
    vba = check_zip(path)
    src = XmlSource(path)
    try:
        return _read(src, path, vba, extras)
    finally:
        src.close()


def _read(src: XmlSource, path: Path, vba: bytes | None, extras: bool) -> WorkbookData:
    meta = read_meta(src, path)
    plan = read_plan(path, meta.plan_json)
    got = read_entries(src, path, plan, meta)
    warnings = list(got.warnings)
    sheets = src.sheet_names()

    def table_sheet(table: str, default: str) -> str:
        """The sheet holding Excel table ``table`` (it follows a renamed sheet)."""
        return default if default in sheets else (src.table_sheet(table) or default)

    pdca_sheet = table_sheet(PDCA_TABLE, sheet_name("pdca", plan.locale))
    kfs_sheet = table_sheet(KFS_TABLE, sheet_name("kfs", plan.locale))
    for sheet in (pdca_sheet, kfs_sheet):
        if sheet not in sheets and (sheet == pdca_sheet or plan.kfs):
            raise WorkbookError(f"{path}: " + msg("wb.sheet-missing", plan.locale,
                                                  sheet=repr(sheet)))
    pdca = rt.pdca(path, pdca_sheet, src.cells(pdca_sheet, top=TABLE_TOP))
    kfs, kfs_added = ({}, ()) if kfs_sheet not in sheets else rt.kfs(
        path, kfs_sheet, src.cells(kfs_sheet, top=TABLE_TOP), plan)
    mode = ("classic" if XLWINGS_CONF in sheets or vba is not None else
            "lite" if src.ref("action") is not None else "none")
    history = unplaced = conf = None
    extra: list[Table] = []
    if extras:
        # the plan's own sheet names only: a Japanese workbook's own sheet `Dashboard` is a user's
        known = {sheet_name(k, plan.locale) for k in SHEETS} | {META_SHEET, pdca_sheet,
                                                                kfs_sheet, XLWINGS_CONF}
        if XLWINGS_CONF in sheets:
            conf = rt.table(path, XLWINGS_CONF, src.cells(XLWINGS_CONF), 0, keep_empty=True,
                            values=False)
        for name in (n for n in sheets if n not in known):
            if not src.is_worksheet(name):  # a chart sheet: nothing to carry
                warnings.append(f"{path.name}: chart sheet {name!r} is not carried over")
                continue
            cells = src.cells(name)
            if name in TARGET_HISTORY or name in UNPLACED:
                table = rt.table(path, name, cells, rt.first_row(cells))
                if name in TARGET_HISTORY:
                    history = table
                else:
                    unplaced = table
            else:
                extra.append(rt.table(path, name, cells, 0, keep_empty=True))
    return WorkbookData(path=path, plan=plan, plan_json=meta.plan_json,
                        kpixl_version=meta.kpixl_version, recorded=meta.recorded,
                        current=got.current, actuals=got.actuals, overrides=got.overrides,
                        pdca=pdca, kfs_status=kfs, kfs_added=kfs_added,
                        target_history=history, unplaced=unplaced, extra_sheets=tuple(extra),
                        vba_project=vba, warnings=tuple(warnings), unreadable=got.unreadable,
                        xlwings=mode, xlwings_conf=conf)


_EPOCH = dt.datetime(1899, 12, 30)


def excel_date(v: Any) -> Any:
    """A date read from a cell -> the serial number a writer stores (dates are numbers in
    Excel; Excel's day 60 is 29 February 1900, so days before it are one less); anything else
    unchanged."""
    if isinstance(v, dt.time):
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    if isinstance(v, dt.datetime | dt.date):
        if not isinstance(v, dt.datetime):
            v = dt.datetime.combine(v, dt.time())
        delta = v - _EPOCH
        days = delta.days
        if 0 < days <= 60:
            days -= 1
        return days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return v


# -- what `kpixl build` checks before replacing a file ------------------------------------------


