"""Deterministic ids: a restarted process must derive the same decision id and client_oids."""

from __future__ import annotations

import itertools
import re

import pytest

from alphaloop.engine import ids

BAR = 1_748_826_000_000
ACCOUNT = ids.account_key("weex", "wx-live-KEY-Zq9TmRvX")


def test_decision_id_is_the_same_for_the_same_bar_and_differs_for_any_other_input() -> None:
    first = ids.decision_id(ACCOUNT, "1h", BAR)
    assert first == ids.decision_id(ACCOUNT, "1h", BAR)
    assert re.fullmatch(r"d[0-9a-f]{15}", first)
    others = {
        ids.decision_id(ACCOUNT, "1h", BAR + 3_600_000),
        ids.decision_id(ACCOUNT, "15m", BAR),
        ids.decision_id(ids.account_key("weex", "another-key"), "1h", BAR),
    }
    assert first not in others
    assert len(others) == 3


def test_decision_id_matches_the_contract_formula() -> None:
    import hashlib

    digest = hashlib.sha256(f"{ACCOUNT}|1h|{BAR}".encode()).hexdigest()
    assert ids.decision_id(ACCOUNT, "1h", BAR) == "d" + digest[:15]


def test_client_oid_is_alphanumeric_short_and_carries_the_decision_hash() -> None:
    decision = ids.decision_id(ACCOUNT, "1h", BAR)
    for index, leg, repeat in itertools.product((0, 7, 99), ids.LEGS, (0, 1, 12)):
        oid = ids.client_oid(decision, index, leg, repeat)
        assert oid.isascii()
        assert oid.isalnum()
        assert len(oid) <= 40
        assert oid.startswith("al" + decision[1:])
    assert ids.client_oid(decision, 3, "e") == ids.client_oid(decision, 3, "e")


def test_client_oids_are_distinct_per_symbol_leg_and_repeat() -> None:
    decision = ids.decision_id(ACCOUNT, "1h", BAR)
    combos = list(itertools.product(range(12), ids.LEGS, range(12)))
    oids = {ids.client_oid(decision, index, leg, repeat) for index, leg, repeat in combos}
    assert len(oids) == len(combos)
    # and never shared between two bars
    later = ids.decision_id(ACCOUNT, "1h", BAR + 3_600_000)
    assert oids.isdisjoint(ids.client_oid(later, i, leg, r) for i, leg, r in combos)


@pytest.mark.parametrize(("index", "leg"), [(0, "q"), (0, ""), (-1, "e"), (100, "e")])
def test_client_oid_refuses_an_unknown_leg_or_index(index: int, leg: str) -> None:
    with pytest.raises(ValueError, match=r"leg|symbol_index"):
        ids.client_oid(ids.decision_id(ACCOUNT, "1h", BAR), index, leg)


def test_account_key_is_stable_per_venue_and_never_contains_the_key() -> None:
    key = "wx-live-KEY-Zq9TmRvX"
    account = ids.account_key("weex", key)
    assert account == ids.account_key("weex", key)
    assert account != ids.account_key("woox", key)
    assert account != ids.account_key("weex", key + "2")
    assert re.fullmatch(r"[0-9a-f]{16}", account)
    assert key not in account
    # a hex key (WEEX keys look like this) is not cut down to the account name either
    hex_key = "bg_5f3a9c0d1e2b4a6f8c7d9e0a1b2c3d4e"
    assert hex_key[3:19] not in ids.account_key("weex", hex_key)
