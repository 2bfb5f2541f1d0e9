"""Load a fixture straight into a wire schema."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from .fakes import fixture


def load(name: str, shape: Any) -> Any:
    return TypeAdapter(shape).validate_python(fixture(name))
