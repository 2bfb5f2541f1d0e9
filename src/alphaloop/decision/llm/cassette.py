"""Cassettes: every LLM call stored as one JSON file, named by the request's hash.

The key is sha256 of the canonical JSON of (model, messages, parameters), so a backtest that
builds the same snapshots asks the same questions and finds the same answers. A failed call is
recorded too (its error type and message): replaying a run reproduces its fallbacks and holds,
not only its successes.

Modes (`LlmConfig.mode`):
- live: no cassettes; every call goes to the endpoint (a live market never repeats a snapshot,
  and the journal keeps the audit trail).
- record: a recorded answer is reused; a missing one (or a recorded failure) is asked for and
  stored. Re-running a half-recorded backtest costs only the new calls.
- replay: recorded answers only, at zero cost and without a network; a miss raises
  `CassetteMissError` and the run stops.

Files hold no API key and no timestamps, so recording the same answers twice gives the same bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alphaloop.decision.llm.errors import RECORDABLE_ERRORS, CassetteMissError, LlmError
from alphaloop.decision.llm.transport import ChatReply, ChatRequest, ChatTransport

CASSETTE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Cassette:
    key: str
    request: dict[str, Any]
    reply: ChatReply | None
    error_type: str | None = None
    error_message: str | None = None
    error_http_status: int | None = None

    @staticmethod
    def of_error(key: str, request: dict[str, Any], error: LlmError) -> Cassette:
        return Cassette(key, request, None, type(error).__name__, error.message, error.http_status)

    def replay(self) -> ChatReply:
        """The recorded reply, or the recorded failure raised again exactly as it was."""
        if self.reply is not None:
            return self.reply
        error = RECORDABLE_ERRORS.get(self.error_type or "", LlmError)
        raise error(self.error_message or "LLM call failed", http_status=self.error_http_status)

    def to_json(self) -> dict[str, Any]:
        error = (
            None
            if self.error_type is None
            else {
                "type": self.error_type,
                "message": self.error_message,
                "http_status": self.error_http_status,
            }
        )
        return {
            "format": CASSETTE_FORMAT,
            "key": self.key,
            "request": self.request,
            "reply": None if self.reply is None else self.reply.to_json(),
            "error": error,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Cassette:
        reply = data.get("reply")
        error = data.get("error") or {}
        return Cassette(
            key=str(data["key"]),
            request=data.get("request") or {},
            reply=None if reply is None else ChatReply.from_json(reply),
            error_type=error.get("type"),
            error_message=error.get("message"),
            error_http_status=error.get("http_status"),
        )


class CassetteStore:
    """A directory of `<key>.json` files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> Cassette | None:
        path = self.path_for(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return Cassette.from_json(json.loads(text))

    def save(self, cassette: Cassette) -> Path:
        """Write atomically (a crash mid-write never leaves half a cassette)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path_for(cassette.key)
        text = json.dumps(cassette.to_json(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{cassette.key[:12]}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*.json")) if self.directory.is_dir() else 0


class CassetteTransport:
    """Record or replay around another transport (`inner` may be None in replay mode)."""

    def __init__(
        self, store: CassetteStore, mode: Literal["record", "replay"], inner: ChatTransport | None = None
    ) -> None:
        if mode == "record" and inner is None:
            raise ValueError("record mode needs a transport to the endpoint")
        self.store = store
        self.mode = mode
        self._inner = inner

    def complete(self, request: ChatRequest) -> ChatReply:
        key = request.key()
        cassette = self.store.load(key)
        if self.mode == "replay":
            if cassette is None:
                raise CassetteMissError(
                    f"no cassette {key[:16]}... in {self.store.directory} for this request "
                    f"(model {request.model}): record it first with mode 'record'"
                )
            return cassette.replay()
        if cassette is not None and cassette.reply is not None:
            return cassette.reply
        assert self._inner is not None  # checked in __init__
        try:
            reply = self._inner.complete(request)
        except LlmError as exc:
            self.store.save(Cassette.of_error(key, request.to_json(), exc))
            raise
        self.store.save(Cassette(key, request.to_json(), reply))
        return reply

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
