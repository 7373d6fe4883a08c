"""Execute every book chapter in quick mode and check what it glued.

Each ``chapters/*.md`` is run with papermill (``quick=True``) into
``executed/<stem>.ipynb`` -- the same copies `make test` then builds the book
from.  After a successful run, ``CHECKS[stem]`` (if any) receives the dict of
values the chapter stored with ``myst_nb.glue(name, value)``, parsed by
``scripts.book.glued_values``.  Glue plain Python numbers (``float(x)``), bools,
strings, or lists/dicts of those; anything else arrives as its repr string.
"""

from pathlib import Path

import pytest

from scripts.book import CHAPTERS, execute_chapter, glued_values

CHAPTER_PATHS = sorted(CHAPTERS.glob("*.md"))


def check_intro(glued: dict) -> None:
    assert glued["quick"] is True, "the papermill parameter did not reach the kernel"
    versions = glued["versions"]
    assert set(versions) >= {"python", "numpy", "cvxpy", "torch"}
    assert versions["python"].startswith("3.11"), versions["python"]
    assert versions["torch"].startswith("2.13"), versions["torch"]


# chapter stem -> function(glued values dict); raise AssertionError on failure.
CHECKS = {
    "00_introduction": check_intro,
}


def test_chapters_found():
    assert CHAPTER_PATHS, f"no chapters in {CHAPTERS}"


@pytest.mark.parametrize("path", CHAPTER_PATHS, ids=[p.stem for p in CHAPTER_PATHS])
def test_chapter(path: Path):
    executed = execute_chapter(path, quick=True)  # raises if a cell fails
    assert executed.is_file()
    check = CHECKS.get(path.stem)
    if check is not None:
        check(glued_values(executed))
