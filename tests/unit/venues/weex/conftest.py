from __future__ import annotations

import pytest

from .fakes import FakeClock, FakeWeex


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeWeex:
    return FakeWeex(clock)
