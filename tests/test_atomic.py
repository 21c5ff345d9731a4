"""Writes are atomic (cli.md: "outputs are written to a temporary file in the target folder and
renamed into place"), and the ways a write can fail give one clear line, never a traceback.

- A build killed mid-write (SIGKILL) leaves the previous workbook byte-identical. A killed
  process cannot clean up, so a hidden temporary file ``.<stem>.XXXX.xlsx`` may remain beside the
  target; the target itself is never partial. Ctrl-C (SIGINT) removes the temporary file too.
- A read-only folder, a full disk and a workbook open in Excel (its lock file ``~$NAME.xlsx``)
  are reported as one-line errors with exit 1, and nothing is written.

The read-only and full-disk cases mount a small tmpfs, which needs root (tests run as root in CI,
where ``chmod`` does not stop writes); they are skipped when mounting is not possible. Without
root, the read-only folder is made with ``chmod 0o555`` instead.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import KPIXL, run_kpixl

HERE = Path(__file__).parent
SEED = HERE / "plans" / "good" / "seed.yaml"
TIMEOUT_S = 120
ENV = {**os.environ, "KPIXL_LANG": "en", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
       "PYTHONWARNINGS": "ignore"}


def kpixl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, timeout=TIMEOUT_S)


def big_plan(segments: int = 100, months: int = 36) -> str:
    """An L-sized plan: 1 + 3 x segments nodes (301 by default) over ``months`` months."""
    share = 1 / segments
    lines = ["kpixl: 1", "title: Large plan", f"period: {{start: 2026-04, months: {months}}}",
             "kgi: revenue", "kpis:", "  revenue:", "    name: Revenue",
             "    target: 1_000_000_000",
             "    formula: " + " + ".join(f"seg{k}" for k in range(segments)),
             "    split: {" + ", ".join(f"seg{k}: {share!r}" for k in range(segments)) + "}"]
    for k in range(segments):
        lines += [f"  seg{k}: {{name: Segment {k}, formula: deals{k} * price{k}}}",
                  f"  price{k}: {{name: Price {k}, value: {1000 + k}}}",
                  f"  deals{k}: {{name: Deals {k}, whole: true}}"]
    return "\n".join(lines) + "\n"


def temp_files(folder: Path, stem: str) -> list[Path]:
    """kpixl's temporary files for ``stem`` in ``folder`` (``.<stem>.XXXX.<suffix>``)."""
    return sorted(p for p in folder.iterdir() if p.name.startswith(f".{stem}."))


def wait_for_temp(folder: Path, stem: str, proc: subprocess.Popen[str], *,
                  nonempty: bool = False) -> Path:
    """Poll until the build's temporary file appears (with bytes, if ``nonempty``)."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        for p in temp_files(folder, stem):
            try:
                if not nonempty or p.stat().st_size > 0:
                    return p
            except FileNotFoundError:
                pass
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the build ended (exit {proc.returncode}) before its temporary file "
                        f"was seen:\n{out}\n{err[-2000:]}")
        time.sleep(0.005)
    proc.kill()
    pytest.fail("no temporary file appeared")


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, bytes]:
    """``out.xlsx``: a kpixl workbook of the seed plan (no entered data), and its bytes."""
    (tmp_path / "seed.yaml").write_bytes(SEED.read_bytes())
    got = kpixl("build", "seed.yaml", "-o", "out.xlsx", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    out = tmp_path / "out.xlsx"
    return out, out.read_bytes()


# -- (a) killed or interrupted mid-write -------------------------------------------------------

SLOW_WRITER = r"""
import pathlib, sys, time, warnings
warnings.simplefilter("ignore")
from kpixl.app.build import check
from kpixl.layout import build_layout
from kpixl.xlsx.writer import write_workbook

layout = build_layout(check(sys.argv[1]).solution)

def slow_write_bytes(self, data):
    # the workbook is assembled in memory, then written: slow that write down so the test can
    # kill the process while the temporary file is incomplete
    with open(self, "wb") as fh:
        view = memoryview(data)
        for i in range(0, len(view), 16384):
            fh.write(view[i:i + 16384])
            fh.flush()
            time.sleep(0.05)
    return len(data)

pathlib.Path.write_bytes = slow_write_bytes
print("writing", flush=True)
write_workbook(layout, sys.argv[2])
print("done", flush=True)
"""


def test_workbook_killed_mid_write_leaves_the_previous_file_intact(
        tmp_path: Path, previous: tuple[Path, bytes]) -> None:
    """SIGKILL while XlsxWriter is zipping the parts into the temporary file (slowed down so the
    kill lands mid-write): the target keeps its old bytes; only a hidden partial temp may stay."""
    out, before = previous
    (tmp_path / "big.yaml").write_text(big_plan(), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, "big.yaml", "out.xlsx"],
                            cwd=tmp_path, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        temp = wait_for_temp(tmp_path, "out", proc, nonempty=True)
        os.kill(proc.pid, signal.SIGKILL)
        stdout, _ = proc.communicate(timeout=TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL and "done" not in stdout  # killed mid-write
    assert out.read_bytes() == before
    left = temp_files(tmp_path, "out")
    assert left in ([], [temp])
    assert re.fullmatch(r"\.out\..+\.xlsx", temp.name)  # hidden, in the target folder
    if left:  # documented: a killed process may leave its partial temporary file
        assert not zipfile.is_zipfile(temp)  # it really was partial
    lock = ".~kpixl.out.xlsx.lock"  # the killed writer's lock file (its flock died with it)
    assert {p.name for p in tmp_path.iterdir()} - {temp.name, lock} == {"seed.yaml", "big.yaml",
                                                                       "out.xlsx"}
    got = kpixl("build", "seed.yaml", "-o", "out.xlsx", "--force", cwd=tmp_path)
    assert got.returncode == 0, got.stderr  # a dead writer's lock does not block the next one
    assert not (tmp_path / lock).exists()


@pytest.mark.parametrize("delay", [0.0, 1.0])
def test_cli_build_killed_mid_write_leaves_the_previous_file_intact(
        delay: float, tmp_path: Path, previous: tuple[Path, bytes]) -> None:
    """The real command, not slowed down: SIGKILL as soon as the temporary file appears, or a
    second later (while the workbook is being written)."""
    out, before = previous
    (tmp_path / "big.yaml").write_text(big_plan(), encoding="utf-8")
    proc = subprocess.Popen([str(KPIXL), "build", "big.yaml", "-o", "out.xlsx"], cwd=tmp_path,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_temp(tmp_path, "out", proc)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert out.read_bytes() == before
    assert len(temp_files(tmp_path, "out")) <= 1


def test_ctrl_c_mid_write_removes_the_temporary_file(
        tmp_path: Path, previous: tuple[Path, bytes]) -> None:
    out, before = previous
    (tmp_path / "big.yaml").write_text(big_plan(), encoding="utf-8")
    proc = subprocess.Popen([str(KPIXL), "build", "big.yaml", "-o", "out.xlsx"], cwd=tmp_path,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_temp(tmp_path, "out", proc)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and stderr.strip() == "interrupted", stderr[-2000:]
    assert out.read_bytes() == before
    assert temp_files(tmp_path, "out") == []


# -- (b), (c) read-only folder, full disk ----------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``mount(options) -> folder``: a fresh tmpfs (root only; skips when mounting fails)."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        folder = tmp_path / f"mnt{len(mounted)}"
        folder.mkdir()
        got = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                             capture_output=True, text=True)
        if got.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {got.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                continue
    finally:
        os.close(fd)
    assert os.statvfs(folder).f_bavail == 0


def one_line_error(got: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert "Traceback" not in got.stderr, got.stderr[-3000:]
    assert got.returncode == 1, got.stderr[-3000:]
    lines = got.stderr.splitlines()
    assert len(lines) == 1, got.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def test_read_only_folder_is_a_clear_error(tmp_path: Path, previous: tuple[Path, bytes],
                                           tmpfs: Callable[[str], Path]) -> None:
    _, before = previous
    ro = tmpfs("size=1m")
    (ro / "out.xlsx").write_bytes(before)
    subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
    got = kpixl("build", "seed.yaml", "-o", ro / "out.xlsx", cwd=tmp_path)
    one_line_error(got, "out.xlsx", "Read-only file system")
    assert (ro / "out.xlsx").read_bytes() == before
    assert sorted(os.listdir(ro)) == ["out.xlsx"]
    got = kpixl("new", "sales_funnel", "-o", ro / "plan.yaml", cwd=tmp_path)
    one_line_error(got, "plan.yaml", "Read-only file system")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0o555 folder anyway; the "
                    "tmpfs test covers root")
def test_read_only_folder_by_mode_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_bytes(SEED.read_bytes())
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        got = kpixl("build", "seed.yaml", "-o", ro / "out.xlsx", cwd=tmp_path)
        one_line_error(got, "out.xlsx")
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o755)


def test_output_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    """A folder that cannot be created or written even by root: a path under a regular file."""
    (tmp_path / "seed.yaml").write_bytes(SEED.read_bytes())
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    got = kpixl("build", "seed.yaml", "-o", "afile/out.xlsx", cwd=tmp_path)
    one_line_error(got, "afile")
    assert sorted(os.listdir(tmp_path)) == ["afile", "seed.yaml"]


@pytest.mark.parametrize("command", ["build", "new"])
def test_full_disk_leaves_the_previous_file_intact(command: str, tmp_path: Path,
                                                   previous: tuple[Path, bytes],
                                                   tmpfs: Callable[[str], Path]) -> None:
    _, before = previous
    disk = tmpfs("size=256k")
    target = disk / ("out.xlsx" if command == "build" else "plan.yaml")
    target.write_bytes(before)
    fill(disk)
    args = (("build", "seed.yaml", "-o", target) if command == "build"
            else ("new", "sales_funnel", "-o", target, "--force"))
    got = kpixl(*args, cwd=tmp_path)
    assert got.returncode != 0
    assert target.read_bytes() == before
    assert temp_files(disk, target.stem) == []  # no partial file left behind


@pytest.mark.parametrize("command", ["build", "new"])
def test_full_disk_is_a_clear_one_line_error(command: str, tmp_path: Path,
                                             tmpfs: Callable[[str], Path]) -> None:
    (tmp_path / "seed.yaml").write_bytes(SEED.read_bytes())
    disk = tmpfs("size=64k")
    fill(disk)
    target = disk / ("out.xlsx" if command == "build" else "plan.yaml")
    args = (("build", "seed.yaml", "-o", target) if command == "build"
            else ("new", "sales_funnel", "-o", target))
    got = kpixl(*args, cwd=tmp_path)
    one_line_error(got, target.name, "No space left on device")
    assert not target.exists()


# -- (d) a workbook open in Excel ---------------------------------------------------------------


def test_build_refuses_a_workbook_open_in_excel(tmp_path: Path,
                                                previous: tuple[Path, bytes]) -> None:
    """Excel on Windows locks the file (the rename fails); elsewhere only the lock file shows
    that someone has it open, and replacing it would lose their work on save."""
    out, before = previous
    (tmp_path / "~$out.xlsx").write_bytes(b"\x06owner")  # what Excel leaves beside the file
    got = kpixl("build", "seed.yaml", "-o", "out.xlsx", cwd=tmp_path)
    one_line_error(got, "out.xlsx", "Excel", "~$out.xlsx")
    assert out.read_bytes() == before
    assert temp_files(tmp_path, "out") == []


def test_lock_file_of_another_workbook_does_not_block(tmp_path: Path,
                                                      previous: tuple[Path, bytes]) -> None:
    (tmp_path / "~$other.xlsx").write_bytes(b"\x06owner")
    got = kpixl("build", "seed.yaml", "-o", "out.xlsx", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert previous[0].is_file() and temp_files(tmp_path, "out") == []


# -- the written file ---------------------------------------------------------------------------


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_bytes(SEED.read_bytes())
    old = os.umask(0o022)
    try:
        assert kpixl("build", "seed.yaml", "-o", "out.xlsx", cwd=tmp_path).returncode == 0
        assert kpixl("new", "sales_funnel", "-o", "plan.yaml", cwd=tmp_path).returncode == 0
    finally:
        os.umask(old)
    # not tempfile.mkstemp's private 0o600
    assert (tmp_path / "out.xlsx").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "plan.yaml").stat().st_mode & 0o777 == 0o644


def test_replacing_a_workbook_keeps_its_permissions(tmp_path: Path,
                                                    previous: tuple[Path, bytes]) -> None:
    out, _ = previous
    out.chmod(0o640)
    assert kpixl("build", "seed.yaml", "-o", "out.xlsx", cwd=tmp_path).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o640
