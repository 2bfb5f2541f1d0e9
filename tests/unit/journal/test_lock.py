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


def test_the_account_lock_names_the_holders_journal_and_lives_in_the_runtime_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alphaloop.engine import ids
    from alphaloop.journal import account_lock_path, runtime_dir

    monkeypatch.setenv("ALPHALOOP_RUNTIME_DIR", str(tmp_path / "run"))
    api_key = "bg_very_secret_api_key"
    account = ids.account_key("weex", api_key)
    path = account_lock_path("weex", account)
    assert path.parent.parent == runtime_dir() == tmp_path / "run"
    assert api_key not in str(path)
    assert account_lock_path("woox", account) != path
    with InstanceLock(path, journal="/data/a.sqlite"), pytest.raises(ConfigurationError) as refused:
        InstanceLock(account_lock_path("weex", account), journal="/data/b.sqlite").acquire()
    message = str(refused.value)
    assert f"pid {os.getpid()}, journal /data/a.sqlite" in message
    assert "\n" not in message
