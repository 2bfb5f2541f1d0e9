from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from alphaloop.journal import Journal
from tests.unit.journal.builders import ready


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A journal migrated once per session; tests copy it (migrating every test file costs ~0.1 s)."""
    path = tmp_path_factory.mktemp("template") / "journal.sqlite"
    Journal.open(path).close()
    return path


@pytest.fixture
def journal_path(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "journal" / "journal.sqlite"
    path.parent.mkdir()
    shutil.copyfile(migrated_template, path)
    return path


@pytest.fixture
def journal(journal_path: Path) -> Iterator[Journal]:
    """A SQLite journal file with one run and one decision stored."""
    with Journal.open(journal_path) as opened:
        yield ready(opened)
