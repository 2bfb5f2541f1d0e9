"""One trading process per account: an exclusive `flock` on a lock file holding the owner's pid.

The lock belongs to the open file, so a second acquire fails even within the same process, and
the operating system releases it when the holder dies (also on SIGKILL): no stale lock to clean.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from alphaloop.model.errors import ConfigurationError


class InstanceLock:
    """An exclusive, non-blocking lock on `path`; ConfigurationError naming the holder's pid if taken."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
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
            holder = _read_pid(fd)
            os.close(fd)
            who = f"pid {holder}" if holder else "another process (pid not written yet)"
            raise ConfigurationError(
                f"another alphaloop process holds {self.path} ({who}): one trading process per account; "
                "stop it first"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
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


def _read_pid(fd: int) -> str:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return text if text.isdigit() else ""
