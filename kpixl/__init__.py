"""kpixl: KPI planning from a KGI, its KPI tree and funnels to a live Excel workbook."""

from __future__ import annotations

__version__ = "0.1.0"
