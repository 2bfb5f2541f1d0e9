"""The README's pictures and local links point at files of the checkout (a renamed or forgotten
image would otherwise show as a broken icon on the project page), and images stay small."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: a screenshot this size is sharp enough; larger ones bloat every clone
MAX_IMAGE_BYTES = 400_000


def _local_targets(text: str) -> list[str]:
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in targets if not re.match(r"[a-z]+:|#", t)]


def test_the_readme_shows_a_report_screenshot_that_exists_and_is_small() -> None:
    text = README.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]+\]\(([^)\s]+\.png)\)", text)
    assert "docs/img/report.png" in images
    for image in images:
        path = ROOT / image
        assert path.is_file(), image
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
        assert path.stat().st_size < MAX_IMAGE_BYTES, image


def test_every_local_link_of_the_readme_exists() -> None:
    missing = [t for t in _local_targets(README.read_text(encoding="utf-8")) if not (ROOT / t).exists()]
    assert not missing


def test_a_missing_target_is_noticed() -> None:
    assert _local_targets("see [x](docs/none.md) and [y](https://example.org) [z](#top)") == ["docs/none.md"]
