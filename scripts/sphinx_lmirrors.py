r"""Sphinx extension for the book's API page.

* Puts this repository first on ``sys.path`` so autodoc documents this checkout of
  ``lmirrors`` (not whichever copy happens to be installed in the environment).
* The package's docstrings write maths as in the chapters, ``$...$`` inline and
  ``$$...$$`` displayed; autodoc reads reStructuredText, so those become ``:math:`...```
  roles and ``.. math::`` blocks before parsing (MathJax then renders them).
* Docstrings name objects as users import them (``lmirrors.fit``, or ``Architecture``
  inside the package); such references resolve to where the object is documented
  (``lmirrors.fitting.fit``, ``lmirrors.registry.Architecture``).
* The ``lmirrors-architectures`` directive renders the architecture registry as a table, so
  the API page lists exactly the families the package offers.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util.nodes import make_refnode

ROOT = Path(__file__).resolve().parent.parent
DISPLAY = re.compile(r"^(?P<indent>[ \t]*)\$\$(?P<body>.+?)\$\$[ \t]*$", re.MULTILINE | re.DOTALL)
# Inline maths may wrap onto the next line of the paragraph, never across a blank line.
INLINE = re.compile(r"(?<![\\$`])\$(?!\$)(?P<body>(?:[^$\n]|\n(?![ \t]*\n))+?)(?<!\\)\$(?!\$)")


def dollars_to_rst(text: str) -> str:
    """``$$x$$`` on its own lines → ``.. math::`` block; ``$x$`` → ``:math:`x```."""

    def display(match: re.Match) -> str:
        indent = match["indent"]
        body = " ".join(line.strip() for line in match["body"].strip().splitlines())
        return f"{indent}.. math::\n\n{indent}   {body}\n"

    def inline(match: re.Match) -> str:
        # reST roles must be delimited: "$z$feature" needs an escaped space ("\ ") around the role.
        before = "\\ " if match.start() and text[match.start() - 1].isalnum() else ""
        after = "\\ " if match.end() < len(text) and text[match.end()].isalnum() else ""
        body = " ".join(match["body"].split())
        return f"{before}:math:`{body}`{after}"

    text = DISPLAY.sub(display, text)
    return INLINE.sub(inline, text)


def process_docstring(app, what, name, obj, options, lines: list[str]) -> None:
    converted = dollars_to_rst("\n".join(lines)).split("\n")
    lines[:] = converted


MODULE_LEVEL = {"function", "class", "data", "exception", "module"}


class ArchitecturesTable(Directive):
    """A table of :func:`lmirrors.architectures` (activation, depths, library, paper, options)."""

    def run(self):
        import lmirrors

        header = ("activation", "depths", "library", "paper (v4)", "options", "solved by")
        rows = [
            (
                family.activation,
                family.depth_text,
                family.library_name,
                family.result,
                "; ".join(f"{o.name}: {o.help}" for o in family.options) or "none",
                ", ".join(family.methods),
            )
            for family in lmirrors.architectures()
        ]
        table = nodes.table(classes=["lmirrors-architectures"])
        group = nodes.tgroup(cols=len(header))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in header]
        group += nodes.thead("", self._row(header))
        group += nodes.tbody("", *(self._row(row) for row in rows))
        return [table]

    @staticmethod
    def _row(cells) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", nodes.paragraph(text=str(cell)))
        return row


def resolve_package_names(app, env, node, contnode):
    """``lmirrors.X`` or a bare ``X`` → the one documented ``lmirrors.<module>.X``."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    name = target.rsplit(".", 1)[-1]
    if target not in (name, f"lmirrors.{name}"):
        return None
    matches = [
        (full, entry)
        for full, entry in env.get_domain("py").objects.items()
        if full.startswith("lmirrors.")
        and full.endswith(f".{name}")
        and entry.objtype in MODULE_LEVEL
        and not entry.aliased
    ]
    if len(matches) != 1:
        return None
    full, entry = matches[0]
    return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, full)


def setup(app):
    if str(ROOT) not in sys.path[:1]:
        sys.path.insert(0, str(ROOT))
    for module in [m for m in sys.modules if m == "lmirrors" or m.startswith("lmirrors.")]:
        del sys.modules[module]  # an installed copy imported earlier must not shadow this checkout
    app.connect("autodoc-process-docstring", process_docstring)
    app.connect("missing-reference", resolve_package_names)
    app.add_directive("lmirrors-architectures", ArchitecturesTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
