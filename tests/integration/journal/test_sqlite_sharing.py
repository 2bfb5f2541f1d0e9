"""Two journals on one SQLite file, as the trader and the CLI (halt, audit) use it at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaloop.journal import Journal, StateRow
from tests.unit.journal.builders import T0, ai_log, new_order, ready

pytestmark = pytest.mark.integration


def test_a_cli_halt_reaches_the_trader_and_a_reader_does_not_block_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal.open(path) as trader, Journal.open(path) as cli:
        ready(trader)
        trader.save_state(StateRow("acct", "active", "start", T0))

        with cli.engine.connect() as reading:  # an audit holding a read transaction open (WAL)
            reading.exec_driver_sql("SELECT count(*) FROM orders").scalar()
            trader.store_order_with_ai_log(new_order("al1"), ai_log(), now_ms=T0)
            assert reading.exec_driver_sql("SELECT count(*) FROM orders").scalar() == 0  # its snapshot

        assert cli.set_state_all(state="halted", reason="operator", now_ms=T0 + 1) == 1
        assert trader.load_state("acct") == StateRow("acct", "halted", "operator", T0 + 1)
        assert [row.client_oid for row in cli.orders_in_doubt()] == ["al1"]
