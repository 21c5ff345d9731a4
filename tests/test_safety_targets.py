"""Every write target is checked for what it is, and only regular files are read: the plan is
never replaced by a workbook nor a workbook by YAML, a name whose extension does not match the
build is refused, a folder where a file belongs (and the reverse) is one clear line, two plans of
one multi-plan build never write the same file, and a FIFO or a device never hangs a command.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import run_kpixl

HERE = Path(__file__).parent
SEED = HERE / "plans" / "good" / "seed.yaml"


def kpixl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, timeout=120, limit_memory=True)


def refused(got: subprocess.CompletedProcess[str], phrase: str) -> None:
    assert "Traceback" not in got.stderr, got.stderr[-2000:]
    assert got.returncode == 1, (got.returncode, got.stdout, got.stderr)
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1 and phrase in lines[0], got.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    text = SEED.read_text("utf-8").replace("locale: ja", "locale: en")
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def wb(folder: Path) -> Path:
    got = kpixl("build", "p.yaml", "-o", "w.xlsx", cwd=folder)
    assert got.returncode == 0, got.stderr
    return folder / "w.xlsx"


def test_build_never_replaces_its_own_plan(folder: Path) -> None:
    before = (folder / "p.yaml").read_bytes()
    refused(kpixl("build", "p.yaml", "-o", "p.yaml", "--force", cwd=folder),
            "is the file being read")
    refused(kpixl("build", "p.yaml", "-o", "./p.yaml", cwd=folder), "is the file being read")
    assert (folder / "p.yaml").read_bytes() == before


def test_build_refuses_another_file_kind_even_with_force(folder: Path) -> None:
    (folder / "notes.xlsx").write_text("my notes, not a workbook", encoding="utf-8")
    refused(kpixl("build", "p.yaml", "-o", "notes.xlsx", "--force", cwd=folder),
            "is not an Excel workbook")
    assert (folder / "notes.xlsx").read_text("utf-8") == "my notes, not a workbook"


def test_pull_never_replaces_the_workbook_it_reads(wb: Path) -> None:
    before = wb.read_bytes()
    refused(kpixl("pull", "w.xlsx", "-o", "w.xlsx", "--force", cwd=wb.parent),
            "is the file being read")
    assert wb.read_bytes() == before


def test_pull_refuses_a_workbook_or_a_foreign_extension_as_its_output(wb: Path) -> None:
    other = wb.with_name("other.yaml")
    other.write_bytes(wb.read_bytes())  # a workbook saved under a .yaml name
    refused(kpixl("pull", "w.xlsx", "-o", "other.yaml", "--force", cwd=wb.parent),
            "is a workbook or another zip file")
    refused(kpixl("pull", "w.xlsx", "-o", "plan.txt", cwd=wb.parent), "a plan is a .yaml file")
    assert other.read_bytes() == wb.read_bytes()
    assert not wb.with_name("plan.txt").exists()


@pytest.mark.parametrize(("name", "phrase"), [
    ("out.xlsm", "an .xlsx file, not .xlsm"), ("out.xls", "an .xlsx file, not .xls"),
    ("out", "an .xlsx file, not (none)")])
def test_an_extension_that_does_not_match_the_build_is_refused(folder: Path, name: str,
                                                               phrase: str) -> None:
    refused(kpixl("build", "p.yaml", "-o", name, cwd=folder), phrase)
    assert not (folder / name).exists()


def test_a_folder_as_the_output_file_is_refused(folder: Path) -> None:
    (folder / "dir.xlsx").mkdir()
    refused(kpixl("build", "p.yaml", "-o", "dir.xlsx", cwd=folder), "is a folder")
    refused(kpixl("build", "p.yaml", "-o", ".", cwd=folder), "is a folder")


def test_a_file_where_a_folder_belongs_is_refused(folder: Path) -> None:
    (folder / "f").write_text("x", encoding="utf-8")
    refused(kpixl("demo", "-o", "f", "--lang", "en", cwd=folder), "-o names a folder here")
    (folder / "q.yaml").write_bytes((folder / "p.yaml").read_bytes())
    refused(kpixl("build", "p.yaml", "q.yaml", "-o", "f", cwd=folder), "-o names a folder here")
    assert (folder / "f").read_text("utf-8") == "x"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_two_plans_with_one_output_never_overwrite_each_other(folder: Path, jobs: str) -> None:
    for sub in ("x", "y"):
        (folder / sub).mkdir()
        (folder / sub / "plan.yaml").write_bytes((folder / "p.yaml").read_bytes())
    got = kpixl("build", "x/plan.yaml", "y/plan.yaml", "-o", "out", "-j", jobs, cwd=folder)
    assert got.returncode == 1, got.stderr
    assert got.stdout.strip().splitlines() == [os.path.join("out", "plan.xlsx")]
    assert got.stderr.strip().splitlines() == [
        "y/plan.yaml: its workbook out/plan.xlsx is also the output of x/plan.yaml; rename one "
        "of the plans or build it alone"]


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_only_regular_files_are_read(folder: Path, wb: Path, kind: str) -> None:
    if kind == "fifo":
        special = folder / "pipe"
        os.mkfifo(special)
    else:
        special = Path("/dev/zero")
    plan = kpixl("check", special, cwd=folder)
    refused(plan, "is not a regular file")
    for args in (("report", special), ("pull", special, "-o", "x.yaml")):
        refused(kpixl(*args, cwd=folder), "is a pipe, device or socket, not a workbook file")
    refused(kpixl("update", "p.yaml", special, cwd=folder), "is not a regular file")
    refused(kpixl("actuals", "import", "w.xlsx", special, cwd=folder), "not an import file")
