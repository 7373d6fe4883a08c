"""Command line: ``lmirrors fit data.csv --x col --y col [--depth 2] [--activation relu] [--beta B]``.

Fits the globally optimal network to two columns of a CSV file, prints the certified
objective, the duality gap, the selected features in words and the network's size, and
optionally writes a plot (``--plot``) and a JSON description of the network (``--json``, see
:mod:`lmirrors.export`).

Everything about the input is checked before the fit starts: the file (UTF-8, with or without
a byte-order mark, or UTF-16 with one; any line ends), whether line 1 is a header (decided by
its content: all names or all numbers, else ``--header``/``--no-header`` must say), the
columns (unique names, two different ones), every cell of them (a finite number), the
architecture and β, and the outputs (their directory exists, they are neither the input nor
an existing file unless ``--force``). Errors print one line on stderr; the exit status is 2
when the input or the command line is wrong, 1 when the fit itself fails, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from . import __version__
from .convex.lasso import SolverError
from .convex.working_set import progress
from .export import fit_to_dict
from .fitting import DEFAULT_RELATIVE_BETA, METHODS, Fit, fit
from .registry import Architecture, architectures
from .validation import check_beta, check_data

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
"""Values of ``--delimiter`` (any other single character is taken as it is)."""


class UsageError(Exception):
    """Wrong command line or input file (reported on one line, exit status 2)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line on stderr (no usage dump)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def decode(data: bytes, path: Path) -> str:
    """The text of a CSV file: UTF-8 (a byte-order mark allowed), or UTF-16/32 with a byte-order mark."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise UsageError(
                    f"{path} starts like {encoding.upper()} but is not valid {encoding.upper()} "
                    f"(byte offset {exc.start}); save it as UTF-8"
                ) from None
    if b"\x00" in data:
        raise UsageError(
            f"{path} contains NUL bytes: UTF-16 without a byte-order mark, or not a text file; save it as UTF-8 CSV"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None


def read_rows(path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """The non-blank records of a CSV file with the line each ends on (blank lines carry no data)."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}" if not path.exists() else f"{path} is not a file")
    try:
        text = decode(path.read_bytes(), path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True, strict=True)
    rows = []
    try:
        for cells in reader:
            if len(cells) > 1 or (cells and cells[0].strip()):
                rows.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as exc:
        raise UsageError(f"{path}, line {reader.line_num}: not valid CSV ({exc})") from None
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def has_header(first: list[str], line: int, path: Path) -> bool:
    """Whether the first record (on ``line``) names the columns: all names (True) or all numbers (False);
    anything else is refused."""
    numeric = [_is_number(cell) for cell in first]
    if all(numeric):
        return False
    if not any(numeric) and all(first):
        return True
    raise UsageError(
        f"{path}, line {line} ({','.join(first)}) is neither all column names nor all numbers; "
        "pass --header if it names the columns, --no-header if it is data"
    )


def _delimiter_hint(cells: list[str]) -> str:
    """Advice when the cells hold another delimiter (the file was read with the wrong one)."""
    found = [name for name, d in DELIMITERS.items() if d != "," and any(d in cell for cell in cells)]
    return f"; the values seem separated by a {found[0]}: pass --delimiter {found[0]}" if found else ""


def select_column(spec: str | None, default: int, names: list[str] | None, width: int, flag: str, path: Path) -> int:
    """Index of the column ``--x``/``--y`` names (a header name, or a 1-based number without a header)."""
    if names is None:
        if spec is None:
            return default
        if not spec.isdigit() or not 1 <= int(spec) <= width:
            raise UsageError(
                f"{flag} {spec!r}: {path} has no header row, so its columns are numbered 1 to {width}; "
                f"pass {flag} NUMBER (or --header if line 1 names the columns)"
            )
        return int(spec) - 1
    index = default if spec is None else next((i for i, name in enumerate(names) if name == spec), None)
    if index is None:
        raise UsageError(f"column {spec!r} not in {path}; available: {', '.join(map(repr, names))}")
    twins = [i + 1 for i, name in enumerate(names) if name == names[index]]
    if len(twins) > 1:
        raise UsageError(
            f"{path}: the header names columns {', '.join(map(str, twins))} alike ({names[index]!r}); "
            "give every column a different name"
        )
    return index


def read_columns(
    path: str | Path,
    x_name: str | None,
    y_name: str | None,
    header: bool | None = None,
    delimiter: str = ",",
) -> tuple[np.ndarray, np.ndarray]:
    """Two numeric columns of a CSV file (default: the first two).

    ``header``: whether line 1 names the columns (``None``: decided by its content, see
    ``has_header``). With a header, ``x_name``/``y_name`` are column names, without one
    1-based column numbers. Every record must have as many fields as line 1, and every cell of
    the two columns must be a finite number: nothing is skipped. Raises ``UsageError``.
    """
    path = Path(path)
    rows = read_rows(path, delimiter)
    if not rows:
        raise UsageError(f"{path} is empty; expected an x and a y column")
    first_line, first = rows[0]
    width = len(first)
    if width < 2:
        raise UsageError(
            f"{path} has a single column ({first[0]!r}); it needs an x and a y column{_delimiter_hint(first)}"
        )
    if header is None:
        header = has_header(first, first_line, path)
    names = first if header else None
    columns = (select_column(x_name, 0, names, width, "--x", path), select_column(y_name, 1, names, width, "--y", path))
    if columns[0] == columns[1]:
        raise UsageError(f"--x and --y both select column {columns[0] + 1} of {path}; choose two different columns")
    labels = [f"column {names[c]!r}" if names else f"column {c + 1}" for c in columns]
    data = rows[1:] if header else rows
    if not data:
        raise UsageError(f"{path} has a header but no data rows")
    values = np.empty((2, len(data)))
    for row, (line, cells) in enumerate(data):
        if len(cells) != width:
            raise UsageError(
                f"{path}, line {line} has {len(cells)} field(s) but line {first_line} has {width}; "
                f"fix or delete the line{_delimiter_hint(cells)}"
            )
        for k, (column, label) in enumerate(zip(columns, labels, strict=True)):
            values[k, row] = _number(cells[column], label, line, path)
    return values[0], values[1]


def _number(cell: str, name: str, line: int, path: Path) -> float:
    if not cell:
        raise UsageError(f"{path}, line {line}: {name} is empty; fill in or delete the line")
    try:
        value = float(cell)
    except ValueError:
        raise UsageError(
            f"{path}, line {line}: {name} holds {cell!r}, which is not a number{_delimiter_hint([cell])}"
        ) from None
    if not math.isfinite(value):
        raise UsageError(f"{path}, line {line}: {name} is {cell!r}; remove or impute non-finite values")
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


def describe(result: Fit, default_beta: bool = False) -> str:
    """The report printed by ``lmirrors fit`` (``default_beta``: β was the default, relative one)."""
    solution = result.solution
    how = f" (the default, {DEFAULT_RELATIVE_BETA:g} x beta_max of these data)" if default_beta else ""
    if result.beta == 0:
        objective = f"minimum-norm interpolant: l1 norm {solution.objective:.10g}"
    else:
        objective = f"objective 0.5*||f(X) - y||^2 + beta*||z||_1 = {solution.objective:.10g}"
    lines = [
        result.library.summary(),
        f"beta = {result.beta:.6g}{how}",
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


def delimiter(text: str) -> str:
    """``--delimiter``: a name of :data:`DELIMITERS` or a single character."""
    text = DELIMITERS.get(text, text)
    if len(text) != 1 or text in '"\r\n' or text.isalnum() or text in ".-+":
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot separate numbers; use {', '.join(DELIMITERS)} or another single character"
        )
    return text


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any fitting, outputs that could not be written or would overwrite a file."""
    source = Path(args.csv).resolve()
    chosen = [(flag, path) for flag, path in (("--plot", args.plot), ("--json", args.json)) if path is not None]
    if len(chosen) == 2 and chosen[0][1].resolve() == chosen[1][1].resolve():
        raise UsageError(f"--plot and --json both name {chosen[0][1]}; give them different files")
    for flag, path in chosen:
        target = path.resolve()
        if target == source or (path.exists() and source.exists() and os.path.samefile(path, source)):
            raise UsageError(
                f"{flag} {path} is the input file; choose another file (--force never overwrites the input)"
            )
        if not target.parent.is_dir():
            raise UsageError(f"cannot write {flag} {path}: directory {path.parent} does not exist; create it first")
        if path.is_dir():
            raise UsageError(f"cannot write {flag} {path}: it is a directory; name a file in it")
        if path.exists() and not args.force:
            raise UsageError(f"{flag} {path} exists; pass --force to overwrite it, or choose another file")
        if not os.access(target.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise UsageError(f"cannot write {flag} {path}: permission denied")
    if args.plot is not None:
        from matplotlib.backend_bases import FigureCanvasBase

        formats = FigureCanvasBase.get_supported_filetypes()
        if args.plot.suffix.lstrip(".").lower() not in formats:
            raise UsageError(f"--plot {args.plot}: unknown image type; end the name with one of .{', .'.join(formats)}")


def check_before_fit(args: argparse.Namespace, options: dict) -> tuple[np.ndarray, np.ndarray]:
    """Data, architecture, β, method and outputs, checked in seconds before the fit may take minutes."""
    header = {"auto": None, "yes": True, "no": False}[args.header]
    x, y = read_columns(args.csv, args.x_column, args.y_column, header, args.delimiter)
    check_outputs(args)
    try:
        x, y = check_data(x, y)
        if args.beta is not None:
            check_beta(args.beta)
        architecture = Architecture(args.depth, args.activation, **options)
    except TypeError as exc:
        raise UsageError(
            f"an --option is not accepted ({exc}); see `lmirrors --help` for each family's options"
        ) from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    methods = architecture.family.methods
    if args.method != "auto" and args.method not in methods:
        raise UsageError(
            f"{architecture.name} networks cannot be solved by --method {args.method}; use one of {methods}"
        )
    return x, y


def build_parser() -> argparse.ArgumentParser:
    families = "\n".join(f"  {family.describe()}" for family in architectures())
    parser = OneLineParser(
        prog="lmirrors",
        description="Globally optimal neural networks on 1-D data.",
        epilog=f"architectures (activation, depths, library, paper):\n{families}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    fit_cmd = commands.add_parser(
        "fit",
        help="fit the optimal network to two columns of a CSV file",
        epilog=f"architectures (activation, depths, library, paper):\n{families}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fit_cmd.add_argument("csv", help="CSV file (UTF-8, or UTF-16 with a byte-order mark)")
    fit_cmd.add_argument(
        "--x", dest="x_column", help="input column: its name, or its number without a header (default: the first)"
    )
    fit_cmd.add_argument(
        "--y", dest="y_column", help="label column: its name, or its number without a header (default: the second)"
    )
    header = fit_cmd.add_mutually_exclusive_group()
    header.add_argument(
        "--header",
        dest="header",
        action="store_const",
        const="yes",
        default="auto",
        help="line 1 names the columns (default: decided by its content, refused when mixed)",
    )
    header.add_argument("--no-header", dest="header", action="store_const", const="no", help="line 1 is data")
    fit_cmd.add_argument(
        "--delimiter", type=delimiter, default=",", help=f"{', '.join(DELIMITERS)} or one character (default comma)"
    )
    fit_cmd.add_argument("--depth", type=int, default=2, help="number of weight layers L (default 2)")
    activations = ", ".join(dict.fromkeys(family.activation for family in architectures()))
    fit_cmd.add_argument("--activation", default="relu", help=f"{activations} (default relu)")
    fit_cmd.add_argument(
        "--beta",
        type=float,
        default=None,
        help=f"weight decay, absolute; 0 = minimum norm (default: {DEFAULT_RELATIVE_BETA:g} x beta_max, the smallest "
        "beta giving the constant, so it follows the data's units)",
    )
    fit_cmd.add_argument(
        "--option", action="append", default=[], metavar="NAME=VALUE", help="a family's option, e.g. slope=0.1, m1=3"
    )
    fit_cmd.add_argument("--method", default="auto", choices=METHODS, help="how to solve (default auto)")
    fit_cmd.add_argument("--plot", type=Path, help="write an image (.png, .svg, .pdf, ...) of the data and the fit")
    fit_cmd.add_argument("--json", type=Path, help="write the network (weights, biases, ...) as JSON")
    fit_cmd.add_argument(
        "--force", action="store_true", help="overwrite existing --plot/--json files (never the input)"
    )
    return parser


def run_fit(args: argparse.Namespace) -> None:
    options = parse_options(args.option)
    x, y = check_before_fit(args, options)
    with progress(sys.stderr.isatty()):
        result = fit(x, y, args.depth, args.activation, args.beta, args.method, **options)
    print(describe(result, default_beta=args.beta is None))
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
        print(f"lmirrors: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, SolverError, OSError, MemoryError) as exc:
        print(f"lmirrors: error: {_one_line(exc) or type(exc).__name__}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("lmirrors: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
