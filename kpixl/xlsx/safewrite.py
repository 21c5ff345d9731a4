"""One rule for every file kpixl writes (a workbook, a plan, a companion ``.py``).

A write goes, in order:

1. **through symlinks**: the real file is written (``os.path.realpath``); the link stays a link,
   so a workbook shared through a link gets the data;
2. **checks**: the target is a regular file (or absent), not read-only (no write bit in its
   mode: kpixl runs as root in CI, where ``os.access`` says yes to everything), not open in
   Excel (``~$NAME`` beside it) or LibreOffice (``.~lock.NAME#``);
3. **an exclusive lock** beside the real file, ``.~kpixl.NAME.lock``: created with ``O_EXCL``,
   held with ``fcntl.flock`` (released by the kernel when the holder dies, so a stale lock of a
   dead process is detected: its file is there but nobody holds the flock), removed on exit.
   A second writer waits up to ``KPIXL_LOCK_WAIT`` seconds (default 60) polling every 0.1 s,
   then is refused with one line. The lock is re-entrant within a process, so a command holds it
   from the moment it reads the workbook until the new one is in place (:func:`locked`): an
   import during an update reads the updated workbook, never the one before;
4. **a temporary file in the target folder** (``.STEM.XXXX.SUFFIX``), then, when asked, **a
   backup** ``STEM.YYYYmmdd-HHMMSS.bak.SUFFIX`` (``-2``, ``-3`` ... within one second), then
   ``fsync`` of the file, ``rename`` over the real file, ``fsync`` of the folder.

The temporary file is removed on any failure and on SIGTERM/SIGINT: while a write is open the
signal handlers raise (:class:`Interrupted`), so the ``finally`` blocks run. A SIGKILL cannot be
caught; it leaves the previous file intact and at worst a hidden temporary file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from kpixl.errors import WorkbookError
from kpixl.messages import msg

__all__ = ["Interrupted", "backup", "check_writable", "locked", "office_lock", "real_path",
           "safe_write"]

POLL_S = 0.1
STALE_EMPTY_S = 5.0  # a lock file with no pid this old was left by a writer killed at birth
_held: dict[str, list[Any]] = {}  # real path -> [fd, depth]: the locks this process holds
_guard = threading.Lock()


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT arrived while a file was being written; nothing was replaced (the CLI
    treats it as Ctrl-C: one line, exit 130)."""


def wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("KPIXL_LOCK_WAIT", "60")))
    except ValueError:
        return 60.0


def real_path(path: str | os.PathLike[str]) -> Path:
    """The file a write must replace: ``path`` with every symlink resolved."""
    return Path(os.path.realpath(os.fspath(path)))


def office_lock(path: Path) -> Path | None:
    """The lock file of an office program that has ``path`` open, if any."""
    for name in ("~$" + path.name, ".~lock." + path.name + "#"):
        lock = path.with_name(name)
        if os.path.lexists(lock):
            return lock
    return None


def check_writable(path: str | os.PathLike[str], locale: str = "en") -> Path:
    """Refuse a target that must not be replaced; return the real path to write."""
    given = Path(path)
    real = real_path(given)
    folder = real.parent
    if not folder.is_dir():
        key = "safe.no-folder" if not folder.exists() else "safe.folder-not-folder"
        raise WorkbookError(f"{given}: " + msg(key, locale, folder=folder))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise WorkbookError(f"{given}: " + msg("safe.cannot-write", locale,
                                               reason=exc.strerror)) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise WorkbookError(f"{given}: " + msg("safe.is-folder", locale))
        if not stat.S_ISREG(st.st_mode):
            raise WorkbookError(f"{given}: " + msg("safe.not-regular", locale))
        if not st.st_mode & 0o222:
            raise WorkbookError(f"{given}: " + msg("safe.read-only", locale))
    for p in dict.fromkeys((given, real)):
        lock = office_lock(p)
        if lock is not None:
            program = "Excel" if lock.name.startswith("~$") else "LibreOffice"
            raise WorkbookError(f"{given}: " + msg("safe.open-elsewhere", locale,
                                                   program=program, lock=lock.name))
    return real


# -- the lock -----------------------------------------------------------------------------------
def _lock_path(real: Path) -> Path:
    return real.with_name(f".~kpixl.{real.name}.lock")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _try_lock(lock: Path) -> int | None:
    """An fd holding the lock, or None when a live writer holds it."""
    import fcntl

    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        created = True
    except FileExistsError:
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            return None  # removed meanwhile: try again
        created = False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError as exc:  # a file system without flock (some network shares): O_EXCL only
        if exc.errno not in (errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP) or not created:
            os.close(fd)
            return None
    try:
        same = os.fstat(fd).st_ino == os.stat(lock).st_ino
    except FileNotFoundError:
        same = False
    if not same:  # the file was removed (a writer finished) between our open and flock
        os.close(fd)
        return None
    if not created:
        # nobody holds the flock: its writer died, unless it is a newborn that has not written
        # its pid yet (created, then flock: a few microseconds)
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        age = time.time() - os.fstat(fd).st_mtime
        pid = int(text) if text.isdigit() else None
        if (pid is None and age < STALE_EMPTY_S) or (pid is not None and pid != os.getpid()
                                                     and _alive(pid) and age < STALE_EMPTY_S):
            os.close(fd)
            return None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


@contextlib.contextmanager
def locked(path: str | os.PathLike[str], locale: str = "en") -> Iterator[Path]:
    """Hold the exclusive lock of ``path``'s real file; yield the real path.

    Re-entrant: a command takes it before reading a workbook, and the write inside takes it
    again without waiting for itself."""
    given = Path(path)
    real = check_writable(given, locale)
    key = str(real)
    with _guard:
        mine = _held.get(key)
        if mine is not None:
            mine[1] += 1
    if mine is not None:
        try:
            yield real
        finally:
            with _guard:
                mine[1] -= 1
        return
    lock = _lock_path(real)
    deadline = time.monotonic() + wait_seconds()
    with _signals():
        while True:
            try:
                fd = _try_lock(lock)
            except OSError as exc:
                raise WorkbookError(f"{given}: " + msg("safe.cannot-write", locale,
                                                       reason=exc.strerror)) from None
            if fd is not None:
                break
            if time.monotonic() >= deadline:
                raise WorkbookError(f"{given}: " + msg("safe.busy", locale, lock=lock.name,
                                                       seconds=f"{wait_seconds():g}"))
            time.sleep(POLL_S)
        with _guard:
            _held[key] = [fd, 1]
        try:
            yield real
        finally:
            with _guard:
                del _held[key]
            with contextlib.suppress(OSError):
                os.unlink(lock)
            os.close(fd)


# -- signals ------------------------------------------------------------------------------------
_depth = [0]


def _raise(signum: int, frame: object) -> None:
    raise Interrupted(msg("safe.interrupted", "en", signal=signal.Signals(signum).name))


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    """While a write is open, SIGTERM and SIGINT raise, so temporary files are removed."""
    if threading.current_thread() is not threading.main_thread() or _depth[0]:
        _depth[0] += 1
        try:
            yield
        finally:
            _depth[0] -= 1
        return
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for s in before:
        signal.signal(s, _raise)
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1
        for s, h in before.items():
            signal.signal(s, h)


# -- backups and the write ----------------------------------------------------------------------
def backup(path: str | os.PathLike[str], now: dt.datetime | None = None,
           locale: str = "en") -> Path:
    """A copy of the real file beside it named by the time; never replaces an earlier backup
    (two in one second get ``-2``, ``-3`` ...: the name is claimed with ``O_EXCL``)."""
    real = real_path(path)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    k = 1
    while True:
        tail = "" if k == 1 else f"-{k}"
        target = real.with_name(f"{real.stem}.{stamp}{tail}.bak{real.suffix}")
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            k += 1
        except OSError as exc:
            raise WorkbookError(f"{path}: " + msg("safe.backup", locale, name=target.name,
                                                  reason=exc.strerror)) from None
    try:
        with open(real, "rb") as src, os.fdopen(fd, "wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        shutil.copystat(real, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise WorkbookError(f"{path}: " + msg("safe.backup", locale, name=target.name,
                                              reason=exc.strerror)) from None
    return target


def _mode_for(target: Path) -> int:
    """The replaced file's permissions, or a new file's usual ones (0o666 less the umask)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync(path: Path, *, folder: bool = False) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if folder else 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class safe_write:
    """``with safe_write(target) as tmp:`` write ``tmp``; on success it replaces the real file
    (module docstring); on any failure it is removed and the target is untouched.

    ``keep_backup``: copy the file being replaced first (update, actuals import). The result's
    ``backup`` is the copy's path (or None)."""

    def __init__(self, target: str | os.PathLike[str], *, keep_backup: bool = False,
                 now: dt.datetime | None = None, locale: str = "en") -> None:
        self.target = Path(target)
        self.keep_backup, self.now, self.locale = keep_backup, now, locale
        self.tmp: Path | None = None
        self.backup: Path | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Path:
        stack = self._stack
        try:
            real = stack.enter_context(locked(self.target, self.locale))
            stack.enter_context(_signals())
            try:
                fd, name = tempfile.mkstemp(prefix=f".{real.stem}.", suffix=real.suffix,
                                            dir=real.parent)
            except OSError as exc:
                raise WorkbookError(f"{self.target}: " + msg(
                    "safe.cannot-write", self.locale, reason=exc.strerror)) from None
            os.close(fd)
        except BaseException:
            stack.close()
            raise
        self.real, self.tmp = real, Path(name)
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> Literal[False]:
        assert self.tmp is not None
        try:
            if exc_type is not None:
                self.tmp.unlink(missing_ok=True)
                if isinstance(exc, OSError) or type(exc).__name__ == "FileCreateError":
                    reason = getattr(exc, "strerror", None) or str(exc)
                    raise WorkbookError(f"{self.target}: " + msg(
                        "safe.cannot-write", self.locale, reason=reason)) from None
                return False
            self._commit()
        finally:
            self._stack.close()
        return False

    def _commit(self) -> None:
        assert self.tmp is not None
        real = self.real
        try:
            if self.keep_backup and real.exists():
                self.backup = backup(real, self.now, self.locale)
            os.chmod(self.tmp, _mode_for(real))
            _fsync(self.tmp)
            os.replace(self.tmp, real)
        except BaseException as e:
            self.tmp.unlink(missing_ok=True)
            if isinstance(e, OSError):
                raise WorkbookError(f"{self.target}: " + msg(
                    "safe.cannot-replace", self.locale, reason=e.strerror)) from None
            raise
        _fsync(real.parent, folder=True)
