"""The conventions page lists a library for every family of the registry, at exactly its depths."""

import re
from pathlib import Path

import lmirrors
from lmirrors.registry import ANY_DEPTH

PAGE = Path(__file__).resolve().parent.parent / "conventions.md"
ROW_NAMES = {
    "ReLU": ("relu", None),
    r"leaky ReLU, slope $\gamma$": ("leaky_relu", None),
    "absolute value": ("abs", None),
    "symmetrized ReLU (definition ours)": ("symmetrized_relu", None),
    "sign": ("sign", None),
    "threshold (0/1 step)": ("threshold", None),
    "sign, rectangular": ("sign", "rectangular"),
    "threshold, rectangular": ("threshold", "rectangular"),
}
"""First cell of a row of the table -> (activation, layout) of the registry."""
CAP = 12


def table_rows() -> list[list[str]]:
    """Cells of the rows of the table in the section (conventions-libraries)."""
    section = PAGE.read_text().split("(conventions-libraries)=", 1)[1].split("(conventions-", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:] if "---" not in line]


def depths_of(cell: str) -> range:
    """``2`` / ``4, 5`` / ``3 to 10`` / ``any $L \\ge 2$`` as a range (the registry's ANY_DEPTH for "any")."""
    if match := re.fullmatch(r"any \$L \\ge (\d+)\$", cell):
        return range(int(match[1]), ANY_DEPTH)
    if match := re.fullmatch(r"(\d+) to (\d+)", cell):
        return range(int(match[1]), int(match[2]) + 1)
    numbers = [int(n) for n in re.split(r",\s*", cell)]
    assert numbers == list(range(numbers[0], numbers[-1] + 1)), f"depths {cell!r} are not consecutive"
    return range(numbers[0], numbers[-1] + 1)


def capped(depths: range) -> set[int]:
    return set(range(depths.start, min(depths.stop, CAP + 1)))


def test_the_table_is_parsed():
    rows = table_rows()
    assert len(rows) >= 10 and rows[0][0] == "ReLU", rows[:2]
    assert depths_of("3 to 10") == range(3, 11) and depths_of("4, 5") == range(4, 6)


def test_every_registered_family_has_a_row_at_its_depths():
    """Per (activation, layout): the depths the rows list are those the registry's families cover
    (depths up to CAP; "any depth" counts as every depth from its start to CAP)."""
    listed: dict[tuple[str, str | None], set[int]] = {}
    for cells in table_rows():
        assert cells[0] in ROW_NAMES, f"row {cells[0]!r} of the conventions table names no family"
        listed.setdefault(ROW_NAMES[cells[0]], set()).update(capped(depths_of(cells[1])))
    registered: dict[tuple[str, str | None], set[int]] = {}
    for family in lmirrors.architectures():
        key = (family.activation, family.selected_by.get("layout"))
        registered.setdefault(key, set()).update(capped(family.depths))
    assert listed == registered, f"conventions table: {listed}; registry: {registered}"
