from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kit.fake_llm import FakeLlm, fake_llm_server


@pytest.fixture(scope="module")
def fake_llm_module() -> Iterator[FakeLlm]:
    with fake_llm_server() as fake:
        yield fake


@pytest.fixture
def fake_llm(fake_llm_module: FakeLlm) -> FakeLlm:
    """The module's fake OpenAI-compatible server, with an empty script and request log."""
    fake_llm_module.reset()
    return fake_llm_module
