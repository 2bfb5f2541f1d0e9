"""The search worker's command line: usage and a missing study are one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaloop.research.worker import main


def test_wrong_arguments_print_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sqlite:///x.db"]) == 2
    assert "usage: python -m alphaloop.research.worker" in capsys.readouterr().err


def test_a_study_missing_from_the_storage_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([f"sqlite:///{tmp_path / 's.db'}", "nope", "1", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no study 'nope'")
    assert err.count("\n") == 1
