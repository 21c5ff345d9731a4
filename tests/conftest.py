"""Shared pytest fixtures. Add new fixtures in their own clearly marked block."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import lo  # tests/lo.py: a top-level module because pytest puts tests/ on sys.path
import pytest

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
    from kpixl.loader import load

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
    from kpixl.loader import load

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
