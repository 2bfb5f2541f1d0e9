"""The prompt: rules and schema as the system message, a compact deterministic snapshot as the user's."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np

from alphaloop.decision.llm.prompt import build_messages, render_snapshot, system_prompt
from alphaloop.decision.llm.schema import decision_schema
from alphaloop.decision.llm.transport import ChatRequest
from alphaloop.model.instruments import COMPETITION_SYMBOLS
from alphaloop.model.snapshot import CandleWindow, SymbolView

from .builders import BTC, ETH, SOL, config, position, snapshot


def copy_window(w: CandleWindow) -> CandleWindow:
    return CandleWindow(
        w.ts.copy(), w.open.copy(), w.high.copy(), w.low.copy(), w.close.copy(), w.volume.copy()
    )


def test_the_same_snapshot_gives_byte_identical_messages_and_the_same_cassette_key() -> None:
    cfg = config()
    first = snapshot(
        features={"rsi_14": 55.0, "atr_14": 650.0}, positions=[position()], notes={"b": "2", "a": "1"}
    )
    rebuilt = replace(
        first,
        symbols={
            s: replace(v, candles=copy_window(v.candles)) for s, v in reversed(list(first.symbols.items()))
        },
        notes={"a": "1", "b": "2"},
    )
    params = {"temperature": 0.0}
    a = ChatRequest(cfg.model, build_messages(first, cfg), params)
    b = ChatRequest(cfg.model, build_messages(rebuilt, cfg), dict(params))
    assert a.messages == b.messages
    assert a.key() == b.key()


def test_a_changed_number_changes_the_cassette_key() -> None:
    cfg = config()
    base = snapshot()
    moved = snapshot({BTC: 100_000.5, ETH: 4_000.0})
    assert (
        ChatRequest("m", build_messages(base, cfg), {}).key()
        != ChatRequest("m", build_messages(moved, cfg), {}).key()
    )


def test_each_symbol_line_holds_close_returns_range_recent_closes_funding_features_and_signal() -> None:
    snap = snapshot(
        {BTC: 100_000.0},
        features={"rsi_14": 55.25, "atr_14": 650.125, "broken": float("nan")},
        signal={"p_up": 0.61},
        funding=0.0001,
    )
    text = render_snapshot(snap, config())
    [line] = [ln for ln in text.splitlines() if ln.startswith(f"- {BTC}")]
    close = snap.symbols[BTC].candles.close
    expected_1h = f"{(close[-1] / close[-2] - 1) * 100:+.2f}%"
    assert line.startswith(f"- {BTC} close 100000; returns 1h {expected_1h}, 4h ")
    assert ", 1d " in line  # 24 one-hour bars
    assert "24-bar high " in line
    assert "funding +0.0100%" in line
    assert "features atr_14=650.125 broken=n/a rsi_14=55.25" in line
    assert "signal p_up=0.61" in line


def test_only_a_few_recent_closes_are_listed_not_the_candle_window() -> None:
    snap = snapshot({BTC: 100_000.0}, bars=30)
    line = render_snapshot(snap, config(recent_closes=3)).splitlines()[-2]
    listed = re.search(r"last 3 closes ([\d. ]+)", line)
    assert listed is not None
    closes = snap.symbols[BTC].candles.close
    assert listed.group(1).split() == [format(float(c), ".8g") for c in closes[-3:]]
    assert format(float(closes[-10]), ".8g") not in line


def test_returns_longer_than_the_window_are_not_invented() -> None:
    text = render_snapshot(snapshot({BTC: 100_000.0}, bars=3), config())
    assert "4h n/a, 1d n/a" in text


def test_horizon_labels_follow_the_timeframe() -> None:
    snap = replace(snapshot({BTC: 100_000.0}), timeframe="5m")
    assert "returns 5m " in render_snapshot(snap, config(return_horizons=(1, 4, 24)))
    assert ", 20m " in render_snapshot(snap, config(return_horizons=(1, 4, 24)))


def test_account_positions_with_their_exit_plans_and_notes_are_rendered() -> None:
    snap = snapshot(positions=[position(BTC, 1, entry=99_000.0)], notes={"offline_model": "lgbm@3"})
    text = render_snapshot(snap, config())
    assert "Account: equity 1000.00 USDT, available 950.00, wallet 990.00, used margin 50.00." in text
    assert (
        f"- {BTC} long size 0.01 entry 99000 stop 96030 target 103950 unrealized PnL +10.00 USDT, "
        "opened 2025-08-31 19:00 UTC" in text
    )
    assert "- offline_model: lgbm@3" in text
    assert text.startswith("Snapshot at 2025-09-01 00:00 UTC, 1h bars")


def test_no_positions_is_said_explicitly() -> None:
    assert "Open positions: none." in render_snapshot(snapshot(), config())


def test_symbols_follow_the_configured_order_and_others_are_left_out() -> None:
    snap = snapshot({SOL: 200.0, BTC: 100_000.0, ETH: 4_000.0})
    lines = [
        ln for ln in render_snapshot(snap, config(symbols=(ETH, BTC))).splitlines() if ln.startswith("- ")
    ]
    assert [ln.split()[1] for ln in lines] == [ETH, BTC]


def test_a_symbol_without_bars_says_so() -> None:
    snap = snapshot({BTC: 100_000.0})
    nothing = np.zeros(0)
    empty = CandleWindow(np.zeros(0, dtype=np.int64), nothing, nothing, nothing, nothing, nothing)
    snap = replace(snap, symbols={BTC: SymbolView(BTC, empty)})
    assert f"- {BTC}: no closed bars" in render_snapshot(snap, config())


def test_the_system_prompt_states_the_rules_and_the_schema() -> None:
    cfg = config(leverage_cap=10, min_reward_risk=1.5)
    text = system_prompt(cfg)
    assert all(symbol in text for symbol in COMPETITION_SYMBOLS)
    assert "Leverage is a whole number from 1 to 10;" in text
    assert "must be at least 1.5" in text
    assert "No churn" in text
    assert "Use only numbers from the snapshot" in text
    assert json.dumps(decision_schema(cfg.symbols, 10), separators=(",", ":")) in text
    # DeepSeek and DashScope refuse json_object mode unless the prompt says "JSON".
    assert "JSON" in text


def test_the_prompt_stays_small() -> None:
    eight = snapshot(
        {s: 100.0 * (i + 1) for i, s in enumerate(COMPETITION_SYMBOLS)},
        features={f"f{i}": float(i) for i in range(8)},
        positions=[position()],
    )
    chars = sum(len(m["content"]) for m in build_messages(eight, config()))
    assert chars < 8000  # about 2,000 tokens
