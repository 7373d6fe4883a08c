"""Command line: ``lmirrors fit data.csv --x col --y col [--depth 2] [--activation relu] [--beta 1e-3]``.

Fits the globally optimal network to two columns of a CSV file (header row required),
prints the certified objective, the duality gap, the selected features in words and the
network's size, and optionally writes a plot (``--plot``) and a JSON description of the
network (``--json``, see :mod:`lmirrors.export`). Errors print one line on stderr and exit
with status 1 (2 for command-line usage errors).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

import numpy as np

from .convex.lasso import SolverError
from .export import fit_to_dict
from .fitting import METHODS, Fit, fit
from .registry import architectures

EXIT_ERROR = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A command-line usage error (reported on one line, exit status 2)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line on stderr (no usage dump)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def read_columns(path: str | Path, x_name: str | None, y_name: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Two numeric columns of a CSV file with a header row (default: the first two columns)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ValueError(f"{path} is empty; expected a header row naming the columns")
    header = [cell.strip() for cell in rows[0]]
    if x_name is None or y_name is None:
        if len(header) < 2:
            raise ValueError(f"{path} has a single column {header}; it needs an x and a y column")
        x_name, y_name = x_name or header[0], y_name or header[1]
    missing = [name for name in (x_name, y_name) if name not in header]
    if missing:
        raise ValueError(
            f"column(s) {', '.join(map(repr, missing))} not in {path}; available: {', '.join(map(repr, header))}"
        )
    columns = (header.index(x_name), header.index(y_name))
    values = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        for name, column, out in zip((x_name, y_name), columns, values, strict=True):
            cell = row[column].strip() if column < len(row) else ""
            out.append(_number(cell, name, line, path))
    if not values[0]:
        raise ValueError(f"{path} has a header but no data rows")
    return np.array(values[0]), np.array(values[1])


def _number(cell: str, name: str, line: int, path: Path) -> float:
    if not cell:
        raise ValueError(f"{path}, line {line}: column {name!r} is empty; fill in or drop the row")
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{path}, line {line}: column {name!r} holds {cell!r}, which is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{path}, line {line}: column {name!r} is {cell!r}; remove or impute non-finite values")
    return value


def parse_options(pairs: list[str]) -> dict:
    """``["slope=0.1", "width=3"]`` → ``{"slope": 0.1, "width": 3}`` (numbers parsed, else strings)."""
    options = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--option expects NAME=VALUE, got {pair!r}")
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                value = text
        options[key.strip()] = value
    return options


def describe(result: Fit) -> str:
    """The report printed by ``lmirrors fit``."""
    solution = result.solution
    if result.beta == 0:
        objective = f"minimum-norm interpolant: l1 norm {solution.objective:.10g}"
    else:
        objective = f"objective 0.5*||f(X) - y||^2 + beta*||z||_1 = {solution.objective:.10g}"
    lines = [
        result.library.summary(),
        f"{objective} (network's own objective {result.network_objective:.10g})",
        f"duality gap {solution.gap:.2e} (relative {solution.relative_gap:.1e}): certified globally optimal",
        f"network: {result.network.describe()}",
        "selected features (largest |z| first):",
    ]
    lines += [f"  {s.z:+.6g} × {s.label}" for s in result.selected()] or ["  none: the best network is the constant"]
    return "\n".join(lines)


def write_plot(result: Fit, path: Path) -> None:
    from matplotlib.figure import Figure

    from .plotting import plot_fit

    figure = Figure(figsize=(7, 4.2), layout="constrained")
    plot_fit(result, figure.subplots())
    figure.savefig(path, dpi=120)


def build_parser() -> argparse.ArgumentParser:
    families = "\n".join(f"  {family.describe()}" for family in architectures())
    parser = OneLineParser(
        prog="lmirrors",
        description="Globally optimal neural networks on 1-D data.",
        epilog=f"architectures (activation, depths, library, paper):\n{families}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    fit_cmd = commands.add_parser(
        "fit",
        help="fit the optimal network to two columns of a CSV file",
        epilog=f"architectures (activation, depths, library, paper):\n{families}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fit_cmd.add_argument("csv", help="CSV file with a header row")
    fit_cmd.add_argument("--x", dest="x_column", help="input column (default: the first)")
    fit_cmd.add_argument("--y", dest="y_column", help="label column (default: the second)")
    fit_cmd.add_argument("--depth", type=int, default=2, help="number of weight layers L (default 2)")
    activations = ", ".join(dict.fromkeys(family.activation for family in architectures()))
    fit_cmd.add_argument("--activation", default="relu", help=f"{activations} (default relu)")
    fit_cmd.add_argument("--beta", type=float, default=1e-3, help="weight decay; 0 = minimum norm (default 1e-3)")
    fit_cmd.add_argument(
        "--option", action="append", default=[], metavar="NAME=VALUE", help="a family's option, e.g. slope=0.1, m1=3"
    )
    fit_cmd.add_argument("--method", default="auto", choices=METHODS, help="how to solve (default auto)")
    fit_cmd.add_argument("--plot", type=Path, help="write a PNG of the data and the fitted network")
    fit_cmd.add_argument("--json", type=Path, help="write the network (weights, biases, ...) as JSON")
    return parser


def run_fit(args: argparse.Namespace) -> None:
    x, y = read_columns(args.csv, args.x_column, args.y_column)
    options = parse_options(args.option)
    try:
        result = fit(x, y, args.depth, args.activation, args.beta, args.method, **options)
    except TypeError as exc:
        if not options:
            raise
        raise ValueError(f"an --option is not accepted ({exc}); options available: those of lmirrors.fit") from exc
    print(describe(result))
    for path in (args.plot, args.json):
        if path is not None and not path.resolve().parent.is_dir():
            raise ValueError(f"cannot write {path}: directory {path.parent} does not exist")
    if args.plot is not None:
        write_plot(result, args.plot)
        print(f"plot written to {args.plot}")
    if args.json is not None:
        args.json.write_text(json.dumps(fit_to_dict(result), indent=2) + "\n", encoding="utf-8")
        print(f"network written to {args.json}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lmirrors`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        run_fit(args)
    except UsageError as exc:
        print(f"lmirrors: usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, SolverError, OSError) as exc:
        message = " ".join(str(exc).split())
        print(f"lmirrors: error: {message}", file=sys.stderr)
        return EXIT_ERROR
    return 0
