"""Accounts files (JSON and TOML) and their errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from alphaloop.model import ConfigurationError
from alphaloop.venues.sim.server import load_accounts


def test_json_accounts(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(
        '{"accounts": [{"api_key": "a", "secret_key": "s", "passphrase": "p", "balance": "250.5"}, '
        '{"api_key": "b", "secret_key": "t", "passphrase": "q", "allowed_ips": ["10.0.0.1"]}]}'
    )
    accounts = load_accounts(path)
    assert [a.api_key for a in accounts] == ["a", "b"]
    assert accounts[0].balance == Decimal("250.5")
    assert accounts[1].balance == Decimal(1000)
    assert accounts[1].allowed_ips == ("10.0.0.1",)
    assert "s" not in repr(accounts[0].secret_key)


def test_toml_accounts(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text('[[accounts]]\napi_key = "a"\nsecret_key = "s"\npassphrase = "p"\nstatus = "frozen"\n')
    (only,) = load_accounts(path)
    assert only.status == "frozen"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid"),
        ('{"accounts": []}', "non-empty list"),
        ('[{"api_key": "a", "secret_key": "s"}]', "entry 1"),
        ('[{"api_key": "a", "secret_key": "s", "passphrase": "p", "colour": "red"}]', "entry 1"),
        ('[{"api_key": "a", "secret_key": "s", "passphrase": "p"}, {"api_key": "a", "secret_key": "s", '
         '"passphrase": "p"}]', "repeats"),
    ],
)  # fmt: skip
def test_bad_files_explain_themselves(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(text)
    with pytest.raises(ConfigurationError) as caught:
        load_accounts(path)
    assert message in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        load_accounts(tmp_path / "nope.json")
