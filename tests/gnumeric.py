"""Recalculate workbooks in Gnumeric (``ssconvert --recalc``) and read the results back.

Why a second engine: LibreOffice forgives constructs that another engine does not (an array
evaluated inside a plain formula by ``SUMPRODUCT(MAX(...))``, INDEX/MATCH over a one-cell range:
Gnumeric answers #VALUE! / #REF!). workbook-contract.md asks that the workbook recalculate to
the engine's values in both.

``ssconvert --recalc in.xlsx out.xlsx`` loads the file, recalculates every formula and writes
the values it computed as the cached values of ``out.xlsx``; read them with openpyxl
``data_only=True`` (``wbtools.snapshot``). A wrong cached value must come out corrected
(tests/test_gnumeric.py checks it), or a comparison would only compare the cache with itself.
Each call takes well under a second for a small plan; one process per file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["find_ssconvert", "recalculate"]

TIMEOUT_S = 300


def find_ssconvert() -> str | None:
    return shutil.which("ssconvert")


def recalculate(paths: Sequence[Path], outdir: Path) -> dict[Path, Path]:
    """Recalculate each workbook in Gnumeric; input path -> recalculated copy in ``outdir``."""
    exe = find_ssconvert()
    if exe is None:
        raise RuntimeError("ssconvert (Gnumeric) not found: apt-get install gnumeric")
    outdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(outdir)}
    out: dict[Path, Path] = {}
    for i, p in enumerate(paths):
        dst = outdir / f"{i:03d}-{Path(p).stem}.xlsx"
        run = subprocess.run([exe, "--recalc", str(p), str(dst)], env=env, timeout=TIMEOUT_S,
                             capture_output=True, text=True, check=False)
        if run.returncode != 0 or not dst.exists():
            raise RuntimeError(f"ssconvert failed on {p} (exit {run.returncode}): "
                               f"{run.stderr[-2000:]}")
        out[Path(p)] = dst
    return out
