"""The instance lock across processes: a second trader is refused; a killed holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from alphaloop.journal import InstanceLock
from alphaloop.journal import lock as lock_module
from alphaloop.model import ConfigurationError

pytestmark = pytest.mark.integration

# The child loads lock.py on its own: importing the `alphaloop.journal` package would pull in
# SQLAlchemy and Alembic (a second or more per process) for a module that needs neither.
LOAD_LOCK = f"""
import importlib.util
spec = importlib.util.spec_from_file_location("instance_lock", {lock_module.__file__!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
InstanceLock = module.InstanceLock
"""

TRY_LOCK = (
    LOAD_LOCK
    + """
import sys
from pathlib import Path
from alphaloop.model import ConfigurationError
try:
    InstanceLock(Path(sys.argv[1])).acquire()
except ConfigurationError as exc:
    print(exc)
    sys.exit(3)
print("acquired")
"""
)

HOLD_LOCK = (
    LOAD_LOCK
    + """
import sys
from pathlib import Path
InstanceLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
sys.stdin.read()  # hold until killed (or stdin closes)
"""
)


def test_another_process_is_refused_while_we_hold_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "account.lock"
    with InstanceLock(path):
        refused = subprocess.run(
            [sys.executable, "-c", TRY_LOCK, str(path)], capture_output=True, text=True, timeout=60
        )
    assert refused.returncode == 3, refused.stderr
    assert f"pid {os.getpid()}" in refused.stdout

    allowed = subprocess.run(
        [sys.executable, "-c", TRY_LOCK, str(path)], capture_output=True, text=True, timeout=60
    )
    assert (allowed.returncode, allowed.stdout.strip()) == (0, "acquired")


def test_the_lock_of_a_killed_holder_can_be_taken(tmp_path: Path) -> None:
    path = tmp_path / "account.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"

        with pytest.raises(ConfigurationError, match=f"pid {holder.pid}"):
            InstanceLock(path).acquire()

        holder.send_signal(signal.SIGKILL)
        assert holder.wait(timeout=30) == -signal.SIGKILL
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
        if holder.stdin is not None:
            holder.stdin.close()
        if holder.stdout is not None:
            holder.stdout.close()

    with InstanceLock(path) as lock:
        assert lock.held
        assert path.read_text().strip() == str(os.getpid())
