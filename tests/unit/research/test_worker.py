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


def test_a_study_name_cannot_be_reused_with_another_spec(tmp_path: Path) -> None:
    from alphaloop.model.errors import ConfigurationError
    from alphaloop.research.search import create_study, open_storage
    from alphaloop.research.spec import parse_study

    url = f"sqlite:///{tmp_path / 's.db'}"
    create_study(parse_study({"study": {"name": "a"}, "space": {"leverage": 2}}), url)
    create_study(parse_study({"study": {"name": "a"}, "space": {"leverage": 2}}), url)  # same spec: resumes
    with pytest.raises(ConfigurationError, match="another spec"):
        create_study(parse_study({"study": {"name": "a"}, "space": {"leverage": 3}}), url)
    with pytest.raises(ConfigurationError, match="sqlite:/// or postgresql://"):
        open_storage("mysql://x")
