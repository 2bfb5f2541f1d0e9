"""One trading process per account: an exclusive `flock` on a lock file holding the owner's pid
and journal.

The lock belongs to the open file, so a second acquire fails even within the same process, and
the operating system releases it when the holder dies (also on SIGKILL): no stale lock to clean.

The lock of a venue account lives in a runtime folder (`ALPHALOOP_RUNTIME_DIR`, else
`$XDG_RUNTIME_DIR/alphaloop`, else `<tmp>/alphaloop-<uid>`), named by the venue and the account
key (a hash of the API key, never the key): two processes on one account are refused whatever
journals they write to. Processes on different machines are not seen; one account, one host.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
from pathlib import Path
from types import TracebackType

from alphaloop.model.errors import ConfigurationError


class InstanceLock:
    """An exclusive, non-blocking lock on `path`; ConfigurationError naming the holder's pid if taken."""

    def __init__(self, path: Path, *, journal: str | None = None) -> None:
        self.path = Path(path)
        #: written beside the pid, so a refused process can say which journal the holder writes
        self.journal = journal
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder, journal = _read_holder(fd)
            os.close(fd)
            who = f"pid {holder}" if holder else "another process (pid not written yet)"
            where = f", journal {journal}" if journal else ""
            raise ConfigurationError(
                f"another alphaloop process holds {self.path} ({who}{where}): one trading process per "
                "account; stop it first"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        text = f"{os.getpid()}\n" + (f"{_one_line(self.journal)}\n" if self.journal else "")
        os.pwrite(fd, text.encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # while still locked: nobody reads a stale pid
        finally:
            os.close(fd)  # closing the last descriptor releases the flock

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_holder(fd: int) -> tuple[str, str]:
    lines = os.pread(fd, 4096, 0).decode(errors="replace").splitlines()
    pid = lines[0].strip() if lines else ""
    journal = lines[1].strip() if len(lines) > 1 else ""
    return (pid if pid.isdigit() else ""), journal


def _one_line(text: str) -> str:
    return " ".join(text.split())


def runtime_dir() -> Path:
    """Where account locks live: independent of any journal, private to this user."""
    explicit = os.environ.get("ALPHALOOP_RUNTIME_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and Path(xdg).is_dir():
        return Path(xdg) / "alphaloop"
    return Path(tempfile.gettempdir()) / f"alphaloop-{os.getuid()}"


def account_lock_path(venue: str, account: str, *, runtime: Path | None = None) -> Path:
    """The lock of one venue account. `account` is already a hash (never an API key); the name is
    hashed again only to keep the file name short and safe."""
    safe_venue = re.sub(r"[^A-Za-z0-9_-]", "_", venue)[:32] or "venue"
    safe_account = re.sub(r"[^A-Za-z0-9_-]", "_", account)
    if len(safe_account) > 40 or safe_account != account:
        safe_account = hashlib.sha256(account.encode()).hexdigest()[:24]
    return (runtime or runtime_dir()) / "locks" / f"{safe_venue}-{safe_account}.lock"
