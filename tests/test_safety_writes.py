"""One rule for every write (kpixl/xlsx/safewrite.py), through the installed command: symlinks
are written through, office lock files and read-only files refuse, two writers never lose each
other's data, a dead writer's lock does not block, backups are kept, signals clean up.

Each refusal is one line on stderr with exit 1, and the workbook's bytes are unchanged."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import KPIXL, run_kpixl

HERE = Path(__file__).parent
SEED = HERE / "plans" / "good" / "seed.yaml"
ENV = {**os.environ, "KPIXL_LANG": "en", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
       "PYTHONWARNINGS": "ignore"}


def kpixl(*args: str | Path, cwd: Path, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, timeout=180, env=env)


def one_line_refusal(got: subprocess.CompletedProcess[str], phrase: str) -> None:
    assert "Traceback" not in got.stderr, got.stderr[-2000:]
    assert got.returncode == 1, (got.returncode, got.stdout, got.stderr)
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1 and phrase in lines[0], got.stderr


def actuals_of(wb: Path, node: str) -> list[object]:
    from kpixl.xlsx.reader import read_workbook

    return list(read_workbook(wb).actuals[node])


def csv(folder: Path, name: str, month: str, value: int) -> Path:
    p = folder / name
    p.write_text(f"id,month,value\ninquiries,{month},{value}\n", encoding="utf-8")
    return p


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    # English, so that every refusal (of a plan, of a workbook, before either is read) is too
    text = SEED.read_text("utf-8").replace("locale: ja", "locale: en")
    (tmp_path / "seed.yaml").write_text(text, encoding="utf-8")
    got = kpixl("build", "seed.yaml", "-o", "w.xlsx", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    return tmp_path / "w.xlsx"


# -- symlinks, lock files of office programs, read-only files -------------------------------------

def test_import_through_a_symlink_writes_the_shared_file_and_keeps_the_link(wb: Path) -> None:
    folder = wb.parent
    (folder / "link.xlsx").symlink_to(wb.name)
    got = kpixl("actuals", "import", "link.xlsx", csv(folder, "a.csv", "2026-04", 100),
                cwd=folder)
    assert got.returncode == 0, got.stderr
    assert (folder / "link.xlsx").is_symlink()
    assert actuals_of(wb, "inquiries")[0] == 100
    backups = sorted(folder.glob("w.*.bak.xlsx"))  # the backup is of the real file, beside it
    assert len(backups) == 1 and actuals_of(backups[0], "inquiries")[0] is None


def test_update_through_a_symlink_in_another_folder(wb: Path) -> None:
    other = wb.parent / "elsewhere"
    other.mkdir()
    (other / "link.xlsx").symlink_to(wb)
    got = kpixl("update", wb.parent / "seed.yaml", "link.xlsx", cwd=other)
    assert got.returncode == 0, got.stderr
    assert (other / "link.xlsx").is_symlink() and os.readlink(other / "link.xlsx") == str(wb)
    assert sorted(p.name for p in other.iterdir()) == ["link.xlsx"]  # nothing beside the link


@pytest.mark.parametrize("lock", ["~$w.xlsx", ".~lock.w.xlsx#"])
@pytest.mark.parametrize("command", ["update", "import", "build"])
def test_a_workbook_open_in_excel_or_libreoffice_is_refused(wb: Path, lock: str,
                                                            command: str) -> None:
    folder = wb.parent
    (folder / lock).write_text("someone,host,2026-12-03", encoding="utf-8")
    before = wb.read_bytes()
    args = {"update": ("update", "seed.yaml", "w.xlsx"),
            "import": ("actuals", "import", "w.xlsx", csv(folder, "a.csv", "2026-04", 1)),
            "build": ("build", "seed.yaml", "-o", "w.xlsx", "--force")}[command]
    got = kpixl(*args, cwd=folder)
    one_line_refusal(got, f"(lock file {lock})")
    assert wb.read_bytes() == before


@pytest.mark.parametrize("command", ["update", "import", "build"])
def test_a_read_only_workbook_is_refused(wb: Path, command: str) -> None:
    folder = wb.parent
    before = wb.read_bytes()
    wb.chmod(0o444)
    args = {"update": ("update", "seed.yaml", "w.xlsx"),
            "import": ("actuals", "import", "w.xlsx", csv(folder, "a.csv", "2026-04", 1)),
            "build": ("build", "seed.yaml", "-o", "w.xlsx", "--force")}[command]
    got = kpixl(*args, cwd=folder)
    one_line_refusal(got, "is read-only")
    assert wb.read_bytes() == before and wb.stat().st_mode & 0o777 == 0o444
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


# -- two writers at once -------------------------------------------------------------------------

def _start(*args: str | Path, cwd: Path, env: dict[str, str] | None = None
           ) -> subprocess.Popen[str]:
    return subprocess.Popen([str(KPIXL), *map(str, args)], cwd=cwd, env={**ENV, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_imports_at_once_keep_both_values(wb: Path) -> None:
    folder = wb.parent
    a, b = csv(folder, "a.csv", "2026-04", 111), csv(folder, "b.csv", "2026-05", 222)
    procs = [_start("actuals", "import", "w.xlsx", f, cwd=folder) for f in (a, b)]
    outs = [p.communicate(timeout=180) for p in procs]
    codes = [p.returncode for p in procs]
    assert codes == [0, 0], outs
    got = actuals_of(wb, "inquiries")
    assert got[:2] == [111, 222]
    assert len(list(folder.glob("w.*.bak.xlsx"))) == 2  # each import kept its own backup


def test_an_import_during_an_update_is_not_lost(wb: Path) -> None:
    folder = wb.parent
    plan = folder / "seed.yaml"
    plan.write_text(plan.read_text("utf-8").replace("value: 0.4", "value: 0.5"), "utf-8")
    up = _start("update", "seed.yaml", "w.xlsx", cwd=folder)
    time.sleep(0.3)  # the update holds the lock from its read to its write
    imp = _start("actuals", "import", "w.xlsx", csv(folder, "a.csv", "2026-06", 333), cwd=folder)
    outs = [p.communicate(timeout=180) for p in (up, imp)]
    assert [up.returncode, imp.returncode] == [0, 0], outs
    from kpixl.xlsx.reader import read_workbook

    data = read_workbook(wb)
    assert data.actuals["inquiries"][2] == 333  # the import survived the update
    assert data.plan.nodes["win_rate"].value == 0.5  # and the update survived the import


HOLDER = r"""
import sys, time
from kpixl.xlsx.safewrite import locked
with locked(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_writer_waits_a_bounded_time_then_is_refused(wb: Path) -> None:
    folder = wb.parent
    before = wb.read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(wb), "30"], env=ENV,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        got = kpixl("actuals", "import", "w.xlsx", csv(folder, "a.csv", "2026-04", 5),
                    cwd=folder, env={"KPIXL_LOCK_WAIT": "1"})
    finally:
        holder.kill()
        holder.wait()
    one_line_refusal(got, "another kpixl command is writing it")
    assert wb.read_bytes() == before


def test_the_lock_of_a_killed_writer_does_not_block(wb: Path) -> None:
    folder = wb.parent
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(wb), "30"], env=ENV,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (folder / ".~kpixl.w.xlsx.lock").exists()  # a killed process cannot clean up
    got = kpixl("actuals", "import", "w.xlsx", csv(folder, "a.csv", "2026-04", 7), cwd=folder,
                env={"KPIXL_LOCK_WAIT": "1"})
    assert got.returncode == 0, got.stderr
    assert actuals_of(wb, "inquiries")[0] == 7
    assert not (folder / ".~kpixl.w.xlsx.lock").exists()


# -- backups ------------------------------------------------------------------------------------

def test_two_backups_in_one_second_get_numbered(wb: Path) -> None:
    from kpixl.xlsx.safewrite import backup

    now = dt.datetime(2026, 12, 3, 12, 0, 0)
    first, second, third = (backup(wb, now) for _ in range(3))
    exp = ["w.20261203-120000.bak.xlsx", "w.20261203-120000-2.bak.xlsx",
           "w.20261203-120000-3.bak.xlsx"]
    assert [first.name, second.name, third.name] == exp
    assert all(p.read_bytes() == wb.read_bytes() for p in (first, second, third))


# -- signals -------------------------------------------------------------------------------------

SLOW = r"""
import pathlib, sys, time, warnings
warnings.simplefilter("ignore")
def slow(self, data):
    with open(self, "wb") as fh:
        for i in range(0, len(data), 4096):
            fh.write(bytes(data[i:i + 4096])); fh.flush(); time.sleep(0.05)
    return len(data)
pathlib.Path.write_bytes = slow
from kpixl.cli import main
sys.exit(main(["build", sys.argv[1], "-o", sys.argv[2], "--force"]))
"""


def test_sigterm_mid_build_removes_the_temporary_file(wb: Path) -> None:
    folder = wb.parent
    before = wb.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", SLOW, "seed.yaml", "w.xlsx"], cwd=folder,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        temps = [p for p in folder.iterdir() if p.name.startswith(".w.")]
        if temps and temps[0].exists() and temps[0].stat().st_size > 0:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err  # treated like Ctrl-C: "interrupted", exit 130
    assert "Traceback" not in err
    assert wb.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
