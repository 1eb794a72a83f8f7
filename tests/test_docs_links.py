"""Every link in the generated docs (and README.md / USAGE.md) leads somewhere.

A link to `#anchor` must name a heading (or an explicit `<a id=...>`) of the same page, a
relative link must name an existing file, and `file.md#anchor` a heading of that file. Anchors
are computed as GitHub renders them: lower case, punctuation dropped, spaces turned to `-`,
repeated headings numbered `-1`, `-2`, ...
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXPLICIT_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
FENCE = re.compile(r"^(```|~~~)")


def _pages() -> List[Path]:
    return sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md", ROOT / "USAGE.md"]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"[`*]", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _outside_code(text: str) -> List[str]:
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


@cache
def anchors(page: Path) -> Set[str]:
    found: Set[str] = set()
    counts: dict = {}
    for line in _outside_code(page.read_text(encoding="utf-8")):
        found.update(EXPLICIT_ANCHOR.findall(line))
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            number = counts.get(base, 0)
            counts[base] = number + 1
            found.add(base if number == 0 else f"{base}-{number}")
    return found


def _links(page: Path) -> List[str]:
    found = []
    for line in _outside_code(page.read_text(encoding="utf-8")):
        found += LINK.findall(re.sub(r"`[^`]*`", "", line))
    return found


def broken_links(page: Path) -> List[str]:
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            shown = destination.relative_to(ROOT) if ROOT in destination.parents else destination
            broken.append(f"{target}: no file {shown}")
            continue
        if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading with anchor #{anchor} in {destination.name}")
    return broken


PAGES = _pages()


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_checker_sees_broken_links(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## create_client (deprecated)\n\n## list\n\n## list\n\n"
        "[a](#create_client) [b](#create_client-deprecated) [c](#list-1) [d](missing.md) [e](#title)\n"
        "```\n[not a link](#nowhere)\n```\n",
        encoding="utf-8",
    )
    assert [b.split(":")[0] for b in broken_links(page)] == ["#create_client", "missing.md"]


def test_operation_links_of_every_client_page_are_checked() -> None:
    checked: List[Tuple[str, int]] = []
    for page in (ROOT / "docs" / "sdks").rglob("README.md"):
        in_page = [t for t in _links(page) if t.startswith("#")]
        checked.append((str(page), len(in_page)))
    assert sum(count for _, count in checked) >= 169  # one per operation, deprecated ones included
