"""Cassettes: one file per call keyed by the request, replayed exactly, failing loudly on a miss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphaloop.decision.llm import (
    CassetteMissError,
    CassetteStore,
    CassetteTransport,
    ChatRequest,
    LlmError,
    LlmTimeoutError,
    LlmUnavailableError,
    TokenUsage,
)
from alphaloop.model.errors import ModelError

from .builders import ScriptedTransport, reply

REQUEST = ChatRequest(
    "fake-gpt",
    ({"role": "system", "content": "rules"}, {"role": "user", "content": "snapshot"}),
    {"temperature": 0.0, "max_tokens": 800},
)


def test_the_key_is_the_sha256_of_model_messages_and_parameters_in_canonical_json() -> None:
    same = ChatRequest(REQUEST.model, REQUEST.messages, {"max_tokens": 800, "temperature": 0.0})
    assert REQUEST.key() == same.key()
    assert len(REQUEST.key()) == 64
    for changed in (
        ChatRequest("other-model", REQUEST.messages, REQUEST.params),
        ChatRequest(REQUEST.model, REQUEST.messages[:1], REQUEST.params),
        ChatRequest(REQUEST.model, REQUEST.messages, {**REQUEST.params, "temperature": 0.2}),
    ):
        assert changed.key() != REQUEST.key()


def test_record_stores_the_answer_and_replay_returns_it_without_the_endpoint(tmp_path: Path) -> None:
    answer = reply('{"decisions": []}', usage=TokenUsage(10, 5))
    endpoint = ScriptedTransport(answer)
    store = CassetteStore(tmp_path)
    assert CassetteTransport(store, "record", endpoint).complete(REQUEST) == answer
    assert CassetteTransport(store, "replay").complete(REQUEST) == answer
    assert len(endpoint.requests) == 1
    stored = json.loads(store.path_for(REQUEST.key()).read_text())
    assert stored["request"] == REQUEST.to_json()
    assert stored["reply"]["content"] == '{"decisions": []}'


def test_record_reuses_a_recorded_answer_instead_of_paying_again(tmp_path: Path) -> None:
    store = CassetteStore(tmp_path)
    CassetteTransport(store, "record", ScriptedTransport(reply("first"))).complete(REQUEST)
    endpoint = ScriptedTransport(reply("second"))
    assert CassetteTransport(store, "record", endpoint).complete(REQUEST).content == "first"
    assert endpoint.requests == []


def test_a_replay_miss_is_a_typed_model_error_naming_the_remedy(tmp_path: Path) -> None:
    with pytest.raises(CassetteMissError, match="record it first") as caught:
        CassetteTransport(CassetteStore(tmp_path), "replay").complete(REQUEST)
    assert isinstance(caught.value, ModelError)
    assert not isinstance(caught.value, LlmError)  # never swallowed into a HOLD


def test_a_recorded_failure_replays_as_the_same_error_with_the_same_text(tmp_path: Path) -> None:
    store = CassetteStore(tmp_path)
    failure = LlmUnavailableError("The server had an error", http_status=500)
    with pytest.raises(LlmUnavailableError) as recorded:
        CassetteTransport(store, "record", ScriptedTransport(failure)).complete(REQUEST)
    with pytest.raises(LlmUnavailableError) as replayed:
        CassetteTransport(store, "replay").complete(REQUEST)
    assert str(replayed.value) == str(recorded.value) == "HTTP 500: The server had an error"


def test_record_asks_again_when_only_a_failure_was_recorded(tmp_path: Path) -> None:
    store = CassetteStore(tmp_path)
    with pytest.raises(LlmTimeoutError):
        CassetteTransport(store, "record", ScriptedTransport(LlmTimeoutError("slow"))).complete(REQUEST)
    assert (
        CassetteTransport(store, "record", ScriptedTransport(reply("ok"))).complete(REQUEST).content == "ok"
    )
    assert CassetteTransport(store, "replay").complete(REQUEST).content == "ok"


def test_recording_the_same_answer_twice_writes_the_same_bytes(tmp_path: Path) -> None:
    first, second = CassetteStore(tmp_path / "a"), CassetteStore(tmp_path / "b")
    CassetteTransport(first, "record", ScriptedTransport(reply("x"))).complete(REQUEST)
    CassetteTransport(second, "record", ScriptedTransport(reply("x"))).complete(REQUEST)
    key = REQUEST.key()
    assert first.path_for(key).read_bytes() == second.path_for(key).read_bytes()
    assert len(first) == 1
    assert not list((tmp_path / "a").glob("*.tmp"))


def test_record_mode_needs_an_endpoint(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a transport"):
        CassetteTransport(CassetteStore(tmp_path), "record")
