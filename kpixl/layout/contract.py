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

from kpixl.layout.labels import SHEETS, sheet_name

__all__ = [
    "ACTUAL", "CHUNK", "FORMAT_VERSION", "INPUT_KEY", "KFS_COLUMNS", "KFS_HEADS",
    "KFS_STATUS_COL", "KFS_TABLE", "META_KEYS", "META_SHEET", "OVERRIDE", "PDCA_COLUMNS",
    "PDCA_DATE_COLS", "PDCA_HEADS", "PDCA_ROWS", "PDCA_TABLE", "SHEETS", "TABLE_TOP",
    "TARGET_HISTORY", "UNPLACED", "XLWINGS_CONF", "input_label_id", "sheet_name",
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
