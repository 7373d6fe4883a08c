"""The ``lmirrors`` command line, run as a subprocess on temporary CSV files."""

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

import lmirrors
from lmirrors.export import fit_to_dict, network_from_dict

ROOT = Path(__file__).resolve().parent.parent


def console_script() -> list[str]:
    """The installed ``lmirrors`` entry point next to this interpreter, else ``python -m lmirrors``."""
    script = Path(sys.executable).parent / "lmirrors"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "lmirrors"]


def run(*args: str, cwd: Path, command: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [*(command or console_script()), *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=120,
    )


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


X = [0.0, 1.0, 2.5, 3.0, 4.0, 6.0]
Y = [0.0, 1.0, 0.5, 2.0, 1.0, 3.0]


@pytest.fixture
def good_csv(tmp_path) -> Path:
    rows = "\n".join(f"{i},{x},{y}" for i, (x, y) in enumerate(zip(X, Y, strict=True)))
    return write_csv(tmp_path / "data.csv", f"id,time,value\n{rows}\n")


def test_fit_prints_certified_optimum_and_writes_json_and_plot(tmp_path, good_csv):
    out_json, out_png = tmp_path / "net.json", tmp_path / "fit.png"
    args = ["fit", good_csv, "--x", "time", "--y", "value", "--activation", "abs", "--beta", "0.1"]
    result = run(*args, "--json", out_json, "--plot", out_png, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    reference = lmirrors.fit(X, Y, depth=2, activation="abs", beta=0.1)
    text = result.stdout
    assert f"{reference.solution.objective:.10g}" in text
    assert "duality gap" in text and "certified globally optimal" in text
    assert f"network: {reference.network.width} unit(s) of depth 2" in text
    for chosen in reference.selected():
        assert chosen.label in text
    description = json.loads(out_json.read_text())
    expected = json.loads(json.dumps(fit_to_dict(reference)))
    assert description.keys() == expected.keys()
    for key in ("weights", "biases", "output_bias", "objective", "network_objective"):
        np.testing.assert_allclose(description[key], expected[key], rtol=1e-9, atol=1e-12)
    assert [f["label"] for f in description["features"]] == [f["label"] for f in expected["features"]]
    assert description["activation"] == "abs" and description["depth"] == 2 and description["beta"] == 0.1
    assert len(description["weights"]) == reference.network.width
    # The JSON alone reproduces the network's outputs and the certified objective.
    network = network_from_dict(description)
    grid = np.linspace(-1, 7, 30)
    np.testing.assert_allclose(network(grid), reference.predict(grid), atol=1e-12)
    assert network.objective(X, Y, 0.1) == pytest.approx(description["objective"], rel=1e-8)
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_defaults_to_first_two_columns_and_min_norm(tmp_path):
    csv = write_csv(tmp_path / "d.csv", "x,y\n" + "\n".join(f"{x},{y}" for x, y in zip(X, Y, strict=True)))
    result = run("fit", csv, "--beta", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    norm = lmirrors.fit(X, Y, beta=0).solution.objective
    assert f"l1 norm {norm:.10g}" in result.stdout


def test_options_reach_fit(tmp_path, good_csv):
    out_json = tmp_path / "leaky.json"
    args = ["fit", good_csv, "--x", "time", "--y", "value", "--activation", "leaky_relu", "--option", "slope=0.25"]
    result = run(*args, "--json", out_json, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(out_json.read_text())["slope"] == 0.25


BAD_CSVS = {
    "non-numeric": ("time,value\n0,1\n1,abc\n2,3\n", "line 3: column 'value' holds 'abc', which is not a number"),
    "nan": ("time,value\n0,1\n1,nan\n2,3\n", "line 3: column 'value' is 'nan'"),
    "infinite": ("time,value\n0,1\ninf,2\n2,3\n", "line 3: column 'time' is 'inf'"),
    "empty cell": ("time,value\n0,1\n1,\n2,3\n", "line 3: column 'value' is empty"),
    "short row": ("time,value\n0,1\n1\n2,3\n", "line 3 has 1 field(s) but line 1 has 2"),
    "long row": ("time,value\n0,1\n1,2,3\n2,3\n", "line 3 has 3 field(s) but line 1 has 2"),
    "only delimiters": ("time,value\n0,1\n,\n2,3\n", "line 3: column 'time' is empty"),
    "no rows": ("time,value\n", "has a header but no data rows"),
    "blank lines only": ("\n\n  \n", "is empty"),
    "empty file": ("", "is empty"),
    "one column": ("time\n1\n", "single column"),
    "semicolons": ("time;value\n0;1\n1;2\n", "seem separated by a semicolon: pass --delimiter semicolon"),
    "tabs": ("time\tvalue\n0\t1\n1\t2\n", "pass --delimiter tab"),
    "decimal commas": ("time;value\n0,5;1\n1,5;2\n", "seem separated by a semicolon"),
    "unknown column": ("id,time\n0,1\n1,2\n", "column 'value' not in"),
    "duplicate names": ("time,value,value\n0,1,2\n1,2,3\n", "names columns 2, 3 alike ('value')"),
    "header x,x": ("x,x\n0,1\n1,2\n", "names columns 1, 2 alike ('x')"),
    "mixed first line": ("time,2\n0,1\n1,2\n", "pass --header if it names the columns, --no-header if it is data"),
    "unclosed quote": ('time,value\n0,1\n1,"2\n2,3\n', "not valid CSV"),
    "one point": ("time,value\n1,1\n", "need at least 2 distinct x values"),
}
"""Malformed files: text written as UTF-8, the message expected. ``--x time --y value`` is passed
unless the case is about the columns themselves."""

DEFAULT_COLUMNS = (
    "empty file",
    "one column",
    "semicolons",
    "tabs",
    "header x,x",
    "mixed first line",
    "blank lines only",
)


@pytest.mark.parametrize("case", BAD_CSVS, ids=list(BAD_CSVS))
def test_bad_csv_files(tmp_path, case):
    text, message = BAD_CSVS[case]
    csv = write_csv(tmp_path / "bad.csv", text)
    explicit = [] if case in DEFAULT_COLUMNS else ["--x", "time", "--y", "value"]
    result = run("fit", csv, *explicit, "--json", tmp_path / "out.json", cwd=tmp_path)
    assert_clean_error(result, message, status=2)
    assert result.stdout == "" and not (tmp_path / "out.json").exists()


BAD_BYTES = {
    "UTF-16 without byte-order mark": ("x,y\n0,0\n1,1\n".encode("utf-16-le"), "contains NUL bytes"),
    "Latin-1": ("x,é\n0,0\n1,1\n".encode("latin-1"), "is not UTF-8 text (byte 0xe9"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "contains NUL bytes"),
}


@pytest.mark.parametrize("case", BAD_BYTES, ids=list(BAD_BYTES))
def test_undecodable_files(tmp_path, case):
    data, message = BAD_BYTES[case]
    (tmp_path / "bad.csv").write_bytes(data)
    assert_clean_error(run("fit", tmp_path / "bad.csv", cwd=tmp_path), message, status=2)


def test_default_beta_is_relative_and_printed(tmp_path):
    """Without --beta the fit uses 0.01 beta_max of the file's data, says so, and follows y's units."""
    lines = "".join(f"{x},{1e4 * y}\n" for x, y in zip(X, Y, strict=True))
    result = run("fit", write_csv(tmp_path / "big.csv", f"time,value\n{lines}"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    beta = lmirrors.fitting.DEFAULT_RELATIVE_BETA * lmirrors.Architecture(2, "relu").beta_max(X, 1e4 * np.array(Y))
    assert f"beta = {beta:.6g} (the default, 0.01 x beta_max of these data)" in result.stdout
    absolute = run("fit", tmp_path / "big.csv", "--beta", "0.25", cwd=tmp_path)
    assert "beta = 0.25\n" in absolute.stdout, absolute.stderr


def objective_line(x, y) -> str:
    return f"{lmirrors.fit(x, y).solution.objective:.10g}"


ROWS = list(zip(X, Y, strict=True))
READABLE = {
    "BOM and CRLF": ("\ufefftime,value\r\n" + "".join(f"{x},{y}\r\n" for x, y in ROWS)).encode("utf-8"),
    "UTF-16 with BOM": ("time,value\n" + "".join(f"{x},{y}\n" for x, y in ROWS)).encode("utf-16"),
    "UTF-16 big endian": b"\xfe\xff"
    + ("time,value\r\n" + "".join(f"{x},{y}\r\n" for x, y in ROWS)).encode("utf-16-be"),
    "old Mac line ends": ("time,value\r" + "".join(f"{x},{y}\r" for x, y in ROWS)).encode(),
    "quoted, spaced, blank lines": ('"time", "value"\n\n' + "".join(f' "{x}", {y} \n \n' for x, y in ROWS)).encode(),
    "semicolons with --delimiter": ("time;value\n" + "".join(f"{x};{y}\n" for x, y in ROWS)).encode(),
}


@pytest.mark.parametrize("case", READABLE, ids=list(READABLE))
def test_readable_files_fit_every_row(tmp_path, case):
    (tmp_path / "d.csv").write_bytes(READABLE[case])
    extra = ["--delimiter", "semicolon"] if "semicolon" in case else []
    result = run("fit", tmp_path / "d.csv", "--x", "time", "--y", "value", *extra, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert objective_line(X, Y) in result.stdout


def test_header_decided_by_content_and_no_row_lost(tmp_path):
    """Without a header every line is data (the first row used to become the header and vanish)."""
    csv = write_csv(tmp_path / "d.csv", "".join(f"{x},{y}\n" for x, y in ROWS))
    result = run("fit", csv, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert objective_line(X, Y) in result.stdout and objective_line(X[1:], Y[1:]) not in result.stdout
    assert f"N = {len(X)} points" in result.stdout
    numbered = run("fit", csv, "--x", "1", "--y", "2", "--no-header", cwd=tmp_path)
    assert numbered.returncode == 0 and objective_line(X, Y) in numbered.stdout, numbered.stderr
    assert_clean_error(run("fit", csv, "--x", "time", cwd=tmp_path), "has no header row, so its columns are", 2)
    assert_clean_error(run("fit", csv, "--x", "3", cwd=tmp_path), "numbered 1 to 2", 2)
    # --header forces line 1 to be names; --no-header forces it to be data
    numeric_names = write_csv(tmp_path / "n.csv", "10,20\n" + "".join(f"{x},{y}\n" for x, y in ROWS))
    named = run("fit", numeric_names, "--header", "--x", "10", "--y", "20", cwd=tmp_path)
    assert named.returncode == 0 and objective_line(X, Y) in named.stdout
    mixed = write_csv(tmp_path / "m.csv", "time,2\n" + "".join(f"{x},{y}\n" for x, y in ROWS))
    assert_clean_error(run("fit", mixed, "--no-header", cwd=tmp_path), "line 1: column 1 holds 'time'", 2)
    both = run("fit", csv, "--header", "--no-header", cwd=tmp_path)
    assert_clean_error(both, "not allowed with argument", 2)


def test_same_column_twice(tmp_path, good_csv):
    result = run("fit", good_csv, "--x", "time", "--y", "time", cwd=tmp_path)
    assert_clean_error(result, "--x and --y both select column 2", 2)


def assert_clean_error(result: subprocess.CompletedProcess, message: str, status: int) -> None:
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert message in lines[0], lines[0]
    assert lines[0].startswith("lmirrors: ")


def test_missing_file(tmp_path):
    assert_clean_error(run("fit", tmp_path / "nope.csv", cwd=tmp_path), "no such file", status=2)
    assert_clean_error(run("fit", tmp_path, cwd=tmp_path), "is not a file", status=2)


def test_missing_column_lists_the_available_ones(tmp_path, good_csv):
    result = run("fit", good_csv, "--x", "time", "--y", "price", cwd=tmp_path)
    assert_clean_error(result, "column 'price' not in", status=2)
    assert "available: 'id', 'time', 'value'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--beta", "-1"], "beta must be finite and >= 0"),
        (["--beta", "nan"], "beta must be finite and >= 0"),
        (["--activation", "tanh"], "unknown activation 'tanh'"),
        (["--depth", "1"], "depth must be an integer >= 2"),
        (["--depth", "6", "--activation", "abs"], "no library yet for depth 6 with abs"),
        (["--activation", "leaky_relu", "--option", "slope=2"], "leaky_relu needs a slope in [0, 1)"),
        (["--option", "colour=blue"], "unknown option(s) for relu networks: colour"),
        (["--json", "no/such/dir/net.json"], "directory no/such/dir does not exist"),
        (["--plot", "fit.txt"], "unknown image type; end the name with one of"),
        (["--activation", "sign", "--method", "matrix_free"], "cannot be solved by --method matrix_free"),
        (["--option", "depth=3"], "an --option is not accepted"),
        (["--delimiter", "."], "cannot separate numbers"),
    ],
)
def test_everything_fit_rejects_is_a_one_line_error(tmp_path, good_csv, args, message):
    """Checked before the fit: status 2 and nothing printed on stdout (no report of a fit)."""
    result = run("fit", good_csv, "--x", "time", "--y", "value", *args, cwd=tmp_path)
    assert_clean_error(result, message, status=2)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "required: command"),
        (["fit"], "required: csv"),
        (["fit", "d.csv", "--depth", "two"], "invalid int value: 'two'"),
        (["fit", "d.csv", "--option", "slope"], "--option expects NAME=VALUE"),
    ],
)
def test_usage_errors(tmp_path, args, message):
    write_csv(tmp_path / "d.csv", "x,y\n0,0\n1,1\n")
    assert_clean_error(run(*args, cwd=tmp_path), message, status=2)


def test_help_exits_cleanly(tmp_path):
    result = run("fit", "--help", cwd=tmp_path)
    assert result.returncode == 0 and "--activation" in result.stdout


def test_console_script_entry_point():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["lmirrors"] == "lmirrors.cli:main"
    from lmirrors.cli import main

    assert main(["fit", str(ROOT / "no-such-file.csv")]) == 2


def test_network_from_dict_rejects_garbage():
    with pytest.raises(ValueError, match="not an lmirrors network description"):
        network_from_dict({"depth": 2})


@pytest.mark.parametrize(
    "args", [["--activation", "sign"], ["--activation", "sign", "--depth", "3", "--option", "m1=4"]]
)
def test_sign_networks_from_the_console_script(tmp_path, args):
    """Every family goes through the same report (sign networks used to crash on missing weights ``W``)."""
    out = tmp_path / "net.json"
    result = run("fit", ROOT / "data" / "example_signal.csv", *args, "--json", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "certified globally optimal" in result.stdout and "(sign)" in result.stdout
    assert json.loads(out.read_text())["kind"] == "sign"


def test_outputs_checked_before_fitting_and_never_overwritten(tmp_path, good_csv):
    args = ["fit", good_csv, "--x", "time", "--y", "value"]
    existing = tmp_path / "net.json"
    existing.write_text("keep me")
    result = run(*args, "--json", existing, cwd=tmp_path)
    assert_clean_error(result, "exists; pass --force to overwrite it", 2)
    assert result.stdout == "" and existing.read_text() == "keep me"
    forced = run(*args, "--json", existing, "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert json.loads(existing.read_text())["kind"] == "parallel"
    original = good_csv.read_bytes()
    for flag in ("--json", "--plot"):
        for path in (good_csv, tmp_path / "." / good_csv.name):
            result = run(*args, flag, path, "--force", cwd=tmp_path)
            assert_clean_error(result, "is the input file", 2)
    (tmp_path / "link.csv").symlink_to(good_csv)
    assert_clean_error(run(*args, "--json", tmp_path / "link.csv", "--force", cwd=tmp_path), "is the input file", 2)
    assert good_csv.read_bytes() == original
    same = run(*args, "--json", tmp_path / "a.png", "--plot", tmp_path / "a.png", cwd=tmp_path)
    assert_clean_error(same, "both name", 2)
    assert_clean_error(run(*args, "--json", tmp_path, cwd=tmp_path), "it is a directory", 2)


def test_installed_script_and_module_agree(tmp_path, good_csv):
    """The console script (when installed next to this Python) and ``python -m lmirrors`` are one program."""
    for command in (console_script(), [sys.executable, "-m", "lmirrors"]):
        ok = run("fit", good_csv, "--x", "time", "--y", "value", cwd=tmp_path, command=command)
        assert ok.returncode == 0 and objective_line(X, Y) in ok.stdout, ok.stderr
        version = run("--version", cwd=tmp_path, command=command)
        assert version.returncode == 0 and version.stdout.strip() == f"lmirrors {lmirrors.__version__}"


@pytest.mark.parametrize(
    ("failure", "status", "message"),
    [
        (KeyboardInterrupt(), 130, "lmirrors: interrupted"),
        (lmirrors.SolverError("HiGHS gave up"), 1, "lmirrors: error: HiGHS gave up"),
        (MemoryError("needs 9.0 GiB"), 1, "lmirrors: error: needs 9.0 GiB"),
    ],
)
def test_failures_during_the_fit_are_one_line(monkeypatch, capsys, good_csv, failure, status, message):
    from lmirrors import cli

    def failing_fit(*args, **kwargs):
        raise failure

    monkeypatch.setattr(cli, "fit", failing_fit)
    assert cli.main(["fit", str(good_csv), "--x", "time", "--y", "value"]) == status
    assert capsys.readouterr().err.strip() == message


def described(kind: str) -> dict:
    """A JSON round-tripped description of a small fitted network of each kind."""
    from lmirrors.fitting import fit_planar

    x = np.array(X)
    results = {
        "parallel": lambda: lmirrors.fit(X, Y, depth=3, activation="abs", beta=0.1),
        "sign": lambda: lmirrors.fit(X, Y, depth=3, activation="sign", beta=0.1, m1=3),
        "rectangular": lambda: lmirrors.fit(X, Y, 3, "threshold", 0.1, widths=(2, 2), layout="rectangular"),
        "planar": lambda: fit_planar(np.column_stack([x, x**2 % 5]), Y, 0.1),
    }
    return json.loads(json.dumps(fit_to_dict(results[kind]())))


def nested(description: dict, path: tuple):
    """The container holding the last key of ``path`` and that key."""
    *inner, last = path
    for key in inner:
        description = description[key]
    return description, last


TAMPERED = [
    # (kind, path of the field, new value, message)
    ("parallel", ("weights", 0, 0), None, "'weights' holds null, which is not a number"),
    ("parallel", ("weights", 0, 0), float("nan"), "'weights' holds NaN or infinite values"),
    ("parallel", ("weights", 0, 0), "1.5", "'weights' holds \"1.5\", which is not a number"),
    ("parallel", ("weights", 0, 0), True, "'weights' holds true, which is not a number"),
    ("parallel", ("weights",), None, "'weights' holds null"),
    ("parallel", ("weights", 0), [1.0], "'weights' is ragged"),
    ("parallel", ("depth",), 2.7, "'depth' must be an integer >= 2, got 2.7"),
    ("parallel", ("depth",), 2, "'depth' is 2 but 'weights' has 3 entries per unit"),
    ("parallel", ("depth",), 4, "'depth' is 4 but 'weights' has 3 entries per unit"),
    ("parallel", ("biases", 0), [[0.0]], "'biases' is ragged"),
    ("parallel", ("biases",), [], "'biases' has shape (0,), expected ("),
    ("parallel", ("output_bias",), float("inf"), "'output_bias' must be a finite number"),
    ("parallel", ("format",), "lmirrors.network/1", "format 'lmirrors.network/1', not 'lmirrors.network/2'"),
    ("parallel", ("kind",), "recurrent", "unknown network kind 'recurrent'"),
    ("sign", ("depth",), 2.7, "'depth' is 2.7 but the neurons make depth 3"),
    ("sign", ("units", 0, "a"), None, "'a' must be a finite number, got None"),
    ("sign", ("units", 0, "neuron", "weights", 0), float("nan"), "'weights' holds NaN or infinite values"),
    ("sign", ("units", 0, "neuron", "weights", 0), None, "'weights' holds null"),
    ("rectangular", ("depth",), 2, "'depth' is 2 but the layers make depth 3"),
    ("rectangular", ("layers", 0, "weights", 0), None, "'weights' holds null"),
    ("rectangular", ("a",), [1.0], "'a' has shape (1,), expected (2,)"),
    ("planar", ("hidden_weights", 0), [1.0, 2.0, 3.0], "'hidden_weights' is ragged"),
    ("planar", ("output_weights", 0), float("nan"), "'output_weights' holds NaN"),
    ("planar", ("norm",), "l3", "'norm' in"),
]


@pytest.fixture(scope="module")
def descriptions() -> dict:
    return {kind: described(kind) for kind in ("parallel", "sign", "rectangular", "planar")}


@pytest.mark.parametrize(
    ("kind", "path", "value", "message"), TAMPERED, ids=[" ".join(map(str, t[:3])) for t in TAMPERED]
)
def test_tampered_json_is_refused_on_load(descriptions, kind, path, value, message):
    """One-line ValueError naming the field (null weights used to load, a depth mismatch gave a raw reshape error)."""
    original = descriptions[kind]
    network_from_dict(original)  # the untampered description loads
    tampered = json.loads(json.dumps(original))
    container, key = nested(tampered, path)
    container[key] = value
    with pytest.raises(ValueError) as caught:
        network_from_dict(tampered)
    text = str(caught.value)
    assert message in text and "\n" not in text, text


def test_memory_refusal_is_one_line(monkeypatch, capsys, good_csv):
    from lmirrors import cli, validation

    monkeypatch.setattr(validation, "available_memory", lambda: 1000)
    assert cli.main(["fit", str(good_csv), "--x", "time", "--y", "value"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1000 bytes" not in err and "method='matrix_free'" in err


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads CPU time from /proc")
def test_ctrl_c_during_a_long_fit_is_one_line(tmp_path):
    """A real SIGINT to the console script in the middle of a fit: exit 130 and one line, no traceback."""
    x = np.linspace(0.0, 1.0, 70)
    rows = "".join(f"{a},{b}\n" for a, b in zip(x, np.sin(6 * x), strict=True))
    data = write_csv(tmp_path / "long.csv", f"time,value\n{rows}")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"}
    command = [*console_script(), "fit", str(data), "--depth", "4", "--activation", "abs"]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        while process.poll() is None and cpu_seconds(process.pid) < 4.0:  # imported and well into the fit
            time.sleep(0.05)
        assert process.poll() is None, "the fit ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert err == "lmirrors: interrupted\n" and out == ""
