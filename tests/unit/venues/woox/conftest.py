from __future__ import annotations

import pytest

from .fakes import FakeClock, FakeWoox


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeWoox:
    return FakeWoox(clock)
