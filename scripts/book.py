"""Execute the book's chapters and build the HTML book.

Usage (from anywhere; paths are resolved relative to the repository root)::

    .venv/bin/python scripts/book.py execute [--quick] [chapter ...]
    .venv/bin/python scripts/book.py build
    .venv/bin/python scripts/book.py check
    .venv/bin/python scripts/book.py vendor
    .venv/bin/python scripts/book.py weights

`execute` turns each MyST chapter (``chapters/*.md``) into a notebook with
jupytext, runs it with papermill (parameter ``quick``) inside ``chapters/`` and
writes ``executed/<stem>.ipynb``.  `build` runs jupyter-book on those executed
copies (the book never executes anything itself), `check`s the output and prints
the page `weights` (each chapter's HTML and the vendored JavaScript, in bytes).

The functions :func:`execute_chapter` and :func:`glued_values` are imported by
the test suite.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
EXECUTED = ROOT / "executed"
BUILD_HTML = ROOT / "_build" / "html"
NODE_MODULES = ROOT / "node_modules"
VENDOR_STATIC = ROOT / "_vendor" / "static"

KERNEL_NAME = "python3"
QUICK_CELL_TIMEOUT = 600  # seconds per cell with quick=True (CI)
FULL_CELL_TIMEOUT = 4 * 3600
# Both papermill's `parameters` cell and the cell it injects are removed from
# the rendered book; readers see the chapter, not the plumbing.
HIDE_TAG = "remove-cell"
PARAMETER_TAGS = {"parameters", "injected-parameters"}
GLUE_TEXT = "text/plain"


# --------------------------------------------------------------------------
# execution
# --------------------------------------------------------------------------


def chapter_paths(names: list[str] | None = None) -> list[Path]:
    """Chapter sources: all ``chapters/*.md`` sorted, or the ones named.

    A name may be a path (``chapters/01_two_layer_ramps.md``) or a stem
    (``01_two_layer_ramps``).
    """
    if not names:
        return sorted(CHAPTERS.glob("*.md"))
    paths = []
    for name in names:
        path = Path(name)
        if not path.suffix:
            path = CHAPTERS / f"{name}.md"
        elif not path.is_absolute() and not path.exists():
            path = ROOT / path
        if not path.is_file():
            raise FileNotFoundError(f"no such chapter: {name}")
        paths.append(path.resolve())
    return paths


def _tag_parameter_cells(nb) -> None:
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if PARAMETER_TAGS.intersection(tags) and HIDE_TAG not in tags:
            tags.append(HIDE_TAG)


def execute_chapter(path: str | Path, quick: bool = False) -> Path:
    """Execute one MyST chapter with papermill; return the executed notebook.

    The notebook is written to ``executed/<stem>.ipynb`` even when a cell
    fails (papermill records the traceback in it); the failure is then
    re-raised (``papermill.PapermillExecutionError``).
    """
    import jupytext
    import nbformat
    import papermill

    path = Path(path).resolve()
    EXECUTED.mkdir(exist_ok=True)
    out = EXECUTED / f"{path.stem}.ipynb"

    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3",
        "language": "python",
    }
    _tag_parameter_cells(nb)

    # The kernel inherits this process' environment: inline matplotlib figures,
    # and the venv's bin/ first so "python" in a kernel spec is the venv's.
    env_overrides = {
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    saved = {key: os.environ.get(key) for key in env_overrides}
    os.environ.update(env_overrides)
    try:
        papermill.execute_notebook(
            nb,
            str(out),
            parameters={"quick": bool(quick)},
            kernel_name=KERNEL_NAME,
            language="python",
            cwd=str(path.parent),
            progress_bar=False,
            log_output=False,
            # A cell that runs this long is stuck, not slow: fail loudly instead of hanging CI.
            execution_timeout=QUICK_CELL_TIMEOUT if quick else FULL_CELL_TIMEOUT,
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        # papermill has injected its own cell by now; tag it like the
        # `parameters` cell (also when execution failed half way).
        if out.exists():
            executed = nbformat.read(out, as_version=4)
            _tag_parameter_cells(executed)
            nbformat.write(executed, out)
    return out


def execute(names: list[str] | None, quick: bool) -> int:
    """Execute chapters one after the other; return the number of failures."""
    paths = chapter_paths(names)
    if not paths:
        print(f"no chapters found in {CHAPTERS}", file=sys.stderr)
        return 1
    failed = []
    mode = "quick" if quick else "full"
    for path in paths:
        start = time.perf_counter()
        try:
            execute_chapter(path, quick=quick)
            status = "ok"
        except Exception as exc:  # noqa: BLE001 -- any failure: keep going, report at the end
            failed.append(path.stem)
            status = f"FAILED ({type(exc).__name__}: {str(exc).strip()[:2000]})"
        elapsed = time.perf_counter() - start
        print(f"[{mode}] {path.stem}: {elapsed:7.1f} s  {status}", flush=True)
    if failed:
        print(f"failed chapter(s): {', '.join(failed)}", file=sys.stderr)
    return len(failed)


# --------------------------------------------------------------------------
# glue
# --------------------------------------------------------------------------

_NUMPY_SCALAR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool|str)\w*\(([^()]*)\)")


def _parse_repr(text: str):
    """Python literal for a ``text/plain`` repr, or the text itself."""
    for candidate in (text, _NUMPY_SCALAR.sub(r"\1", text)):
        try:
            return ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return text


def glued_outputs(ipynb_path: str | Path) -> dict[str, dict]:
    """Raw glue outputs: ``{name: {mimetype: data}}`` (mime prefix removed)."""
    import nbformat

    nb = nbformat.read(Path(ipynb_path), as_version=4)
    glued = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            record = output.get("metadata", {}).get("scrapbook")
            if not record:
                continue
            prefix = record.get("mime_prefix", "")
            glued[record["name"]] = {
                mime[len(prefix) :]: data for mime, data in output.get("data", {}).items() if mime.startswith(prefix)
            }
    return glued


def glued_values(ipynb_path: str | Path) -> dict:
    """Values stored with ``myst_nb.glue(name, value)`` in an executed notebook.

    myst-nb 1.x stores a glued value as a ``display_data`` output whose
    metadata is ``{"scrapbook": {"name": ..., "mime_prefix": ...}}`` and whose
    data is the IPython mimebundle, the keys prefixed with
    ``application/papermill.record/`` when ``display=False``.  The
    ``text/plain`` repr is parsed with ``ast.literal_eval`` (numbers, strings,
    bools, None, lists/tuples/dicts of those; ``np.float64(1.5)`` style numpy
    scalars are unwrapped).  Anything else (figures, arrays, objects) is
    returned as its repr string.  Later glues of the same name win.
    """
    values = {}
    for name, bundle in glued_outputs(ipynb_path).items():
        text = bundle.get(GLUE_TEXT)
        if isinstance(text, list):
            text = "".join(text)
        values[name] = None if text is None else _parse_repr(text)
    return values


# --------------------------------------------------------------------------
# vendored JavaScript
# --------------------------------------------------------------------------


def vendor() -> Path:
    """Copy the JS the offline book needs from node_modules to _vendor/static.

    _config.yml puts _vendor/static on ``html_static_path`` (not ``_static/``,
    whose .js files jupyter-book would add to every page).
    """
    sources = {
        "mathjax": NODE_MODULES / "mathjax" / "es5",
        "require.js": NODE_MODULES / "requirejs" / "require.js",
        "html-manager": NODE_MODULES / "@jupyter-widgets" / "html-manager" / "dist",
        "plotly": NODE_MODULES / "plotly.js-basic-dist-min" / "plotly-basic.min.js",
    }
    missing = [str(p.relative_to(ROOT)) for p in sources.values() if not p.exists()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: run `npm ci` (or `make node`) first")
    if VENDOR_STATIC.exists():
        shutil.rmtree(VENDOR_STATIC)
    VENDOR_STATIC.mkdir(parents=True)
    shutil.copytree(sources["mathjax"], VENDOR_STATIC / "mathjax")
    shutil.copy2(sources["require.js"], VENDOR_STATIC / "require.js")
    # plotly.js (scatter traces, sliders) for lmirrors.interactive's kernel-free figures.
    (VENDOR_STATIC / "plotly").mkdir()
    shutil.copy2(sources["plotly"], VENDOR_STATIC / "plotly" / "plotly.min.js")
    # embed-amd.js is self-contained apart from the font files it references.
    shutil.copytree(
        sources["html-manager"],
        VENDOR_STATIC / "html-manager",
        ignore=shutil.ignore_patterns("*.map", "embed.js*", "libembed-amd.js"),
    )
    return VENDOR_STATIC


# --------------------------------------------------------------------------
# build and check
# --------------------------------------------------------------------------


def toc_files() -> list[str]:
    """Every document named in _toc.yml (root first), without extension."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(f).with_suffix("")) for f in files]


_SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def check() -> list[str]:
    """Problems with the built book (empty list when it is fine)."""
    problems = []
    index = BUILD_HTML / "index.html"
    if not index.is_file():
        problems.append(f"missing {index.relative_to(ROOT)}")
    for doc in toc_files():
        page = BUILD_HTML / f"{doc}.html"
        if not page.is_file():
            problems.append(f"missing page for toc entry {doc}: {page.relative_to(ROOT)}")
    mathjax = BUILD_HTML / "_static" / "mathjax" / "tex-chtml.js"
    if not mathjax.is_file():
        problems.append(f"vendored MathJax not in the build: {mathjax.relative_to(ROOT)}")
    for page in sorted(BUILD_HTML.rglob("*.html")) if BUILD_HTML.is_dir() else []:
        for src in _SCRIPT_SRC.findall(page.read_text(errors="replace")):
            if _REMOTE.match(src):
                problems.append(f"{page.relative_to(ROOT)} loads a remote script: {src}")
    return problems


def weights() -> dict[str, int]:
    """Bytes of each chapter's built HTML page (``executed/<stem>``) and of each vendored
    JavaScript bundle (``_static/<name>``, every file under it), from the built book."""
    sizes = {}
    for doc in toc_files():
        page = BUILD_HTML / f"{doc}.html"
        if doc.startswith("executed/") and page.is_file():
            sizes[doc] = page.stat().st_size
    for bundle in sorted(VENDOR_STATIC.iterdir()) if VENDOR_STATIC.is_dir() else []:
        built = BUILD_HTML / "_static" / bundle.name
        files = [built] if built.is_file() else [f for f in built.rglob("*") if f.is_file()]
        sizes[f"_static/{bundle.name}"] = sum(f.stat().st_size for f in files if f.exists())
    return sizes


def print_weights() -> None:
    for name, size in weights().items():
        print(f"page weight: {name:40s} {size / 1e6:7.2f} MB")


def build() -> int:
    vendor()
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe if exe.exists() else "jupyter-book")]
    cmd += ["build", str(ROOT), "-W", "-n", "--keep-going"]
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, check=False)
    print(f"jupyter-book build: {time.perf_counter() - start:.1f} s", flush=True)
    problems = check()
    for problem in problems:
        print(f"book check: {problem}", file=sys.stderr)
    if result.returncode != 0:
        print(f"jupyter-book build failed (exit {result.returncode})", file=sys.stderr)
        return result.returncode
    if problems:
        return 1
    print_weights()
    print(f"book OK: {BUILD_HTML / 'index.html'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_exec = sub.add_parser("execute", help="execute chapters into executed/")
    p_exec.add_argument("--quick", action="store_true", help="run with quick=True")
    p_exec.add_argument("chapters", nargs="*", help="chapter paths or stems (default: all)")
    sub.add_parser("build", help="jupyter-book build of the executed copies, then check")
    sub.add_parser("check", help="check an existing build")
    sub.add_parser("vendor", help="copy vendored JS from node_modules to _vendor/static")
    sub.add_parser("weights", help="bytes of each built chapter page and vendored JS bundle")
    args = parser.parse_args(argv)

    if args.command == "execute":
        return 1 if execute(args.chapters, args.quick) else 0
    if args.command == "build":
        return build()
    if args.command == "check":
        problems = check()
        for problem in problems:
            print(f"book check: {problem}", file=sys.stderr)
        return 1 if problems else 0
    if args.command == "weights":
        print_weights()
        return 0
    vendor()
    return 0


if __name__ == "__main__":
    sys.exit(main())
