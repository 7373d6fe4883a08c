"""The ``lmirrors`` command line, run as a subprocess on temporary CSV files."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import lmirrors
from lmirrors.export import fit_to_dict, network_from_dict

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "lmirrors", *map(str, args)],
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
    "short row": ("time,value\n0,1\n1\n2,3\n", "line 3: column 'value' is empty"),
    "no rows": ("time,value\n", "has a header but no data rows"),
    "empty file": ("", "is empty"),
    "one column": ("time\n1\n", "single column"),
    "clashing labels": ("time,value\n0,1\n0,2\n2,3\n", "appears more than once with different labels"),
    "one point": ("time,value\n1,1\n", "need at least 2 distinct x values"),
}


@pytest.mark.parametrize("case", BAD_CSVS, ids=list(BAD_CSVS))
def test_bad_csv_files(tmp_path, case):
    text, message = BAD_CSVS[case]
    csv = write_csv(tmp_path / "bad.csv", text)
    explicit = [] if case in ("empty file", "one column") else ["--x", "time", "--y", "value"]
    result = run("fit", csv, *explicit, cwd=tmp_path)
    assert_clean_error(result, message, status=1)


def assert_clean_error(result: subprocess.CompletedProcess, message: str, status: int) -> None:
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert message in lines[0], lines[0]
    assert lines[0].startswith("lmirrors: ")


def test_missing_file(tmp_path):
    assert_clean_error(run("fit", tmp_path / "nope.csv", cwd=tmp_path), "no such file", status=1)


def test_missing_column_lists_the_available_ones(tmp_path, good_csv):
    result = run("fit", good_csv, "--x", "time", "--y", "price", cwd=tmp_path)
    assert_clean_error(result, "column(s) 'price' not in", status=1)
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
    ],
)
def test_everything_fit_rejects_is_a_one_line_error(tmp_path, good_csv, args, message):
    result = run("fit", good_csv, "--x", "time", "--y", "value", *args, cwd=tmp_path)
    assert_clean_error(result, message, status=1)


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

    assert main(["fit", str(ROOT / "no-such-file.csv")]) == 1


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
