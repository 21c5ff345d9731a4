"""Shared pytest fixtures. Add new fixtures in their own clearly marked block."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import lo  # tests/lo.py: a top-level module because pytest puts tests/ on sys.path
import pytest

# ---------------------------------------------------------------------------------------------
# The installed command. Every CLI test runs the console script pip installed beside this
# Python, never the source tree's functions, with one environment: English unless asked,
# UTF-8 output, bounded time and (optionally) bounded memory.
# ---------------------------------------------------------------------------------------------
KPIXL = Path(sys.executable).parent / "kpixl"
MEMORY_LIMIT = 2 * 1024**3


def _limit_memory() -> None:  # runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_kpixl(*args: str | Path, cwd: Path | None = None, lang: str = "en",
              timeout: float = 60, limit_memory: bool = False,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``kpixl ARGS`` (the installed entry point); stdout and stderr as text. A run that
    does not finish within ``timeout`` seconds fails the test (a hang is a bug, not a skip)."""
    full = {**os.environ, "KPIXL_LANG": lang, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
            "PYTHONWARNINGS": "ignore", **(env or {})}
    try:
        return subprocess.run([str(KPIXL), *map(str, args)], capture_output=True, text=True,
                              errors="replace", env=full, cwd=cwd, timeout=timeout,
                              preexec_fn=_limit_memory if limit_memory else None, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"kpixl {' '.join(map(str, args))} did not finish within {timeout} s")

# ---------------------------------------------------------------------------------------------
# LibreOffice recalculation (tests/lo.py). `soffice` fails the test when LibreOffice is missing,
# so a machine without it cannot pass silently; set KPIXL_ALLOW_NO_LIBREOFFICE=1 to skip instead.
# ---------------------------------------------------------------------------------------------

INSTALL_HINT = (
    "LibreOffice Calc is required to verify workbooks: run `bash tests/run.sh` (installs it as "
    "root) or `apt-get install -y --no-install-recommends libreoffice-calc-nogui "
    "fonts-noto-cjk`; set KPIXL_ALLOW_NO_LIBREOFFICE=1 to skip these tests instead"
)


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of the `soffice` executable; fails (or skips, if allowed) when it is missing."""
    path = lo.find_soffice()
    if path is None:
        if os.environ.get("KPIXL_ALLOW_NO_LIBREOFFICE") == "1":
            pytest.skip("LibreOffice not installed and KPIXL_ALLOW_NO_LIBREOFFICE=1")
        pytest.fail(INSTALL_HINT, pytrace=False)
    return path


@pytest.fixture(scope="session")
def recalc(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., list[Path]]:
    """`recalc(*paths) -> [outputs]`: recalculate in ONE soffice call, outputs in input order.

    Each call writes into a fresh folder under the session's temporary directory. Read the
    outputs with `lo.values` / `lo.named_values`. Pass many files at once: each call costs
    about one second of LibreOffice start-up.
    """

    def run(*paths: Path) -> list[Path]:
        outputs = lo.recalculate(paths, tmp_path_factory.mktemp("recalc"))
        return [outputs[Path(p)] for p in paths]

    return run


# ---------------------------------------------------------------------------------------------
# end of LibreOffice block
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Engine fixtures (tests/test_engine.py, test_periods_tracking.py): the domain notes' worked
# example (section 8) and the plan-format seed example, loaded and solved once per session.
# ---------------------------------------------------------------------------------------------

# Imported here, not at the top, so that this block stays self-contained; kpixl itself is
# imported inside the fixtures, so a broken engine fails only the tests that use them.
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from kpixl.engine.compute import NodeSchedule
    from kpixl.engine.solve import Solution

ENGINE_PLANS = Path(__file__).parent / "plans"


@pytest.fixture(scope="session")
def worked_solution() -> Solution:
    """Solution of tests/plans/engine/worked_example.yaml (domain notes section 8)."""
    from kpixl.engine.solve import solve
    from kpixl.model.loader import load

    return solve(load(ENGINE_PLANS / "engine" / "worked_example.yaml"))


@pytest.fixture(scope="session")
def worked_schedule(worked_solution: Solution) -> dict[str, NodeSchedule]:
    """Monthly targets of the worked example (``kpixl.engine.compute.schedule``)."""
    from kpixl.engine.compute import schedule

    return schedule(worked_solution)


@pytest.fixture(scope="session")
def seed_solution() -> Solution:
    """Solution of tests/plans/good/seed.yaml (the plan-format example: 12 orders a year)."""
    from kpixl.engine.solve import solve
    from kpixl.model.loader import load

    return solve(load(ENGINE_PLANS / "good" / "seed.yaml"))


# ---------------------------------------------------------------------------------------------
# end of engine block
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Workbook verification (tests/wbtools.py; test_workbook, test_liveness, test_portability):
# every template, the spec's examples and the test plans, built ONCE per session.
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kpixl_workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """key -> wbtools.Built for every plan of `wbtools.plan_keys()` (or the exception kpixl
    raised building it), written to a session folder; recalculated by test_workbook."""
    import wbtools

    return wbtools.build_all(tmp_path_factory.mktemp("workbooks"), wbtools.plan_keys())


# ---------------------------------------------------------------------------------------------
# end of workbook verification block
# ---------------------------------------------------------------------------------------------
