from __future__ import annotations

import os
from pathlib import Path

import pytest

from alphaloop.journal import InstanceLock
from alphaloop.model import ConfigurationError


def test_a_second_lock_in_the_same_process_is_refused_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "account.lock"
    with InstanceLock(path) as first:
        assert first.held
        assert path.read_text().strip() == str(os.getpid())

        with pytest.raises(ConfigurationError, match=f"pid {os.getpid()}"):
            InstanceLock(path).acquire()  # a second file descriptor on the same file

    assert not first.held


def test_a_released_lock_can_be_taken_again(tmp_path: Path) -> None:
    path = tmp_path / "account.lock"
    lock = InstanceLock(path)
    lock.acquire()
    lock.acquire()  # held already: nothing changes
    lock.release()
    lock.release()

    with InstanceLock(path) as again:
        assert again.held


def test_a_lock_file_left_by_a_dead_process_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "account.lock"
    path.write_text("999999\n")  # a pid written by a process that is gone: no flock on it

    with InstanceLock(path):
        assert path.read_text().strip() == str(os.getpid())
