"""Where things are in a kpixl workbook: the one source of every position and name that the
layout writes and the readers (:mod:`kpixl.xlsx.readback`, :mod:`kpixl.xl.state`) and
``kpixl update`` look for (workbook-contract.md).

Sheet names in both languages come from :mod:`kpixl.layout.labels` (``SHEETS``,
:func:`~kpixl.layout.labels.sheet_name`); everything else is fixed here. Nothing in this module
depends on a plan, so a reader can import it without loading the layout builders.

The hidden ``_kpixl`` sheet holds one ``key | value`` row per fact, from row 1:

- ``format_version`` (:data:`FORMAT_VERSION`), ``kpixl_version``, ``plan_sha256`` (SHA-256 of
  the plan JSON, UTF-8), ``plan_json_chunks`` (how many ``plan_json`` rows follow);
- ``plan_json`` rows: the plan as JSON, cut into :data:`CHUNK` characters per cell (a cell holds
  at most 32,767);
- ``input:<key>`` rows: each input cell's value as built, as JSON; split shares and baselines,
  which have no defined name, also give their cell in column C (``'Inputs'!$C$12``), and the
  cell left of it holds the row's label ending in ``(<id>)``, so that a reader finds them
  without laying the plan out again and notices a moved row.
"""

from __future__ import annotations

import re

from kpixl.layout.labels import SHEETS, sheet_name

__all__ = [
    "ACTUAL", "CHUNK", "FORMAT_VERSION", "INPUT_KEY", "KFS_COLUMNS", "KFS_HEADS",
    "KFS_STATUS_COL", "KFS_TABLE", "META_KEYS", "META_SHEET", "OVERRIDE", "PDCA_COLUMNS",
    "PDCA_DATE_COLS", "PDCA_HEADS", "PDCA_ROWS", "PDCA_TABLE", "SHEETS", "TABLE_TOP",
    "TARGET_HISTORY", "UNPLACED", "XLWINGS_CONF", "col_index", "input_label_id", "parse_range",
    "sheet_name",
]

META_SHEET = "_kpixl"
FORMAT_VERSION = 1
CHUNK = 30000  # characters of the plan JSON per ``plan_json`` cell
META_KEYS = ("format_version", "kpixl_version", "plan_sha256", "plan_json_chunks")
INPUT_KEY = "input:"  # prefix of the ``_kpixl`` rows recording an input cell as built

ACTUAL = "act_"  # act_X: a row of n input cells, one per plan month
OVERRIDE = "ovr_"  # ovr_X: the same for target overrides

# The KFS and PDCA tables: a title on row 1, a blank row, the header on row 3 (0-based 2), data
# below; Excel tables named KFS_TABLE / PDCA_TABLE (a reader follows a renamed sheet by them).
TABLE_TOP = 2
KFS_HEADS = ("id", "initiative", "linked", "owner", "due", "status", "description")
KFS_COLUMNS = len(KFS_HEADS)
KFS_STATUS_COL = KFS_HEADS.index("status")
KFS_TABLE = "kpixl_kfs"
PDCA_HEADS = ("date", "period", "kpi", "finding", "cause", "action", "owner", "due", "status")
PDCA_COLUMNS = len(PDCA_HEADS)
PDCA_DATE_COLS = (PDCA_HEADS.index("date"), PDCA_HEADS.index("due"))
PDCA_ROWS = 60  # empty input rows of a fresh PDCA table
PDCA_TABLE = "kpixl_pdca"

# Sheets that kpixl update carries (en, ja), and the classic xlwings settings sheet.
TARGET_HISTORY = ("Target History", "目標履歴")
UNPLACED = ("Unplaced data", "未配置データ")
XLWINGS_CONF = "xlwings.conf"


def input_label_id(key: str) -> str:
    """The id that ends the label left of a split share's or baseline's cell: ``(op)`` of
    ``split:<node>:<op>``, ``(node)`` of ``baseline:<node>``."""
    return key.rsplit(":", 1)[-1]


# -- references as the defined names hold them -----------------------------------------------------
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)"
                  r"(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def col_index(letters: str) -> int:
    """``A`` -> 0, ``AA`` -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def parse_range(ref: str) -> tuple[str, int, int, int, int]:
    """``'Tracking'!$D$8:$O$8`` -> (sheet, row0, col0, row1, col1), 0-based, inclusive."""
    m = _REF.match(ref.strip().lstrip("="))
    if m is None:
        raise ValueError(f"not a cell or range reference: {ref!r}")
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    r0, c0 = int(m.group(4)) - 1, col_index(m.group(3))
    if m.group(5):
        r1, c1 = int(m.group(6)) - 1, col_index(m.group(5))
    else:
        r1, c1 = r0, c0
    return sheet, r0, c0, r1, c1
