"""The project stands alone: no file points outside the repository, and the book's conventions
page (conventions.md) exists, is in the table of contents, and every link to it resolves."""

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts.book import toc_files

ROOT = Path(__file__).resolve().parent.parent
CONVENTIONS = ROOT / "conventions.md"
# Spelled in pieces so that this file, which is scanned too, does not match itself.
OUTSIDE = re.compile("|".join(re.escape(name) for name in ("DESIGN" + ".md", "PAPER" + ".md", "../" + "shared")))
LABEL = re.compile(r"^\(([^()\s]+)\)=\s*$", re.MULTILINE)
REF = re.compile(r"\{ref\}`([^`]*)`")
LINK = re.compile(r"\]\(([^)\s]*conventions\.md[^)\s]*)\)")


def tracked_files() -> list[Path]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listing.decode().split("\0") if name]


def text_of(path: Path) -> str | None:
    """The file's text, or None for binary or non-UTF-8 files."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def pages() -> list[Path]:
    """The Markdown sources that can link to the conventions page: chapters and root pages."""
    return sorted((ROOT / "chapters").glob("*.md")) + sorted(ROOT.glob("*.md"))


def labels(text: str) -> set[str]:
    return set(LABEL.findall(text))


def test_no_file_points_outside_the_repository():
    files = tracked_files()
    assert ROOT / "lmirrors" / "__init__.py" in files, "git ls-files did not list the package"
    offenders = []
    for path in files:
        relative = path.relative_to(ROOT)
        if relative.parts[0] == ".ci" or not path.is_file():
            continue
        text = text_of(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            match = OUTSIDE.search(line)
            if match:
                offenders.append(f"{relative}:{number}: {match.group(0)}")
    assert not offenders, "references to files outside the repository:\n" + "\n".join(offenders)


def test_the_pattern_has_teeth():
    assert OUTSIDE.search("see " + "DESIGN" + ".md section 2")
    assert OUTSIDE.search("[facts](../" + "shared/" + "PAPER" + ".md)")
    assert not OUTSIDE.search("see the conventions page (conventions.md)")


def test_conventions_page_exists_and_is_in_the_book():
    lines = CONVENTIONS.read_text().splitlines()
    assert lines[0] == "(conventions)=", "conventions.md must start with its label"
    assert lines[1] == "# Conventions and notation"
    assert "conventions" in toc_files(), "add `- file: conventions` to _toc.yml"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    for pattern in config.get("exclude_patterns", []):
        assert not fnmatch.fnmatch("conventions.md", pattern), f"_config.yml excludes conventions.md ({pattern})"
        assert not fnmatch.fnmatch("conventions.md", pattern.rstrip("/") + "/*")


def test_links_to_the_conventions_page_resolve():
    defined = labels(CONVENTIONS.read_text())
    assert "conventions" in defined
    broken, found = [], 0
    for page in pages():
        text = page.read_text()
        for ref in REF.findall(text):
            target = ref.rsplit("<", 1)[1].rstrip(">").strip() if ref.endswith(">") else ref.strip()
            if target.startswith("conventions"):
                found += 1
                if target not in defined:
                    broken.append(f"{page.relative_to(ROOT)}: {{ref}}`{ref}` (no label {target})")
        for link in LINK.findall(text):
            found += 1
            path, _, anchor = link.partition("#")
            if (page.parent / path).resolve() != CONVENTIONS:
                broken.append(f"{page.relative_to(ROOT)}: ({link}) does not lead to conventions.md")
            elif anchor and anchor not in defined:
                broken.append(f"{page.relative_to(ROOT)}: ({link}) has no label {anchor} in conventions.md")
    assert not broken, "broken links to the conventions page:\n" + "\n".join(broken)
    intro = (ROOT / "chapters" / "00_introduction.md").read_text()
    assert "{ref}`conventions`" in intro, "the introduction's map of the book links the conventions page"
    assert found >= 1


def test_conventions_labels_are_unique():
    defined = labels(CONVENTIONS.read_text())
    for page in pages():
        if page != CONVENTIONS:
            clash = defined & labels(page.read_text())
            assert not clash, f"{page.relative_to(ROOT)} redefines {sorted(clash)} (a -W build fails on duplicates)"
