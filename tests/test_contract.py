"""Every architecture of the registry goes through every tool: fit, predict, the command line, the
JSON round trip, to_torch, MirrorRegressor and the explorer. A family added to the registry is
added to this test."""

import json

import numpy as np
import pytest
import torch
from helpers import registry_cases, relative

import lmirrors
from lmirrors.cli import main
from lmirrors.estimator import MirrorRegressor
from lmirrors.export import fit_to_dict, network_from_dict
from lmirrors.networks.base import Network
from lmirrors.widgets import Explorer

X = np.array([0.0, 1.0, 2.5, 3.0, 4.0, 6.0])
Y = np.array([0.0, 1.0, 0.5, 2.0, 1.0, 3.0])
BETA = 0.1
GRID = np.linspace(-1.0, 7.0, 81)
CASES = registry_cases()


def test_every_family_is_covered():
    covered = {(activation, depth) for depth, activation, _ in CASES}
    for family in lmirrors.architectures():
        assert (family.activation, family.depths.start) in covered, family.describe()


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def case(request):
    depth, activation, options = request.param
    return depth, activation, options, lmirrors.fit(X, Y, depth, activation, BETA, **options)


def test_fit_is_certified_and_rebuilt(case):
    depth, activation, _, result = case
    assert isinstance(result.network, Network)
    assert result.architecture.depth == result.network.depth == depth
    assert result.architecture.activation.name == activation
    assert result.solution.relative_gap <= 1e-6
    assert relative(result.network_objective, result.solution.objective) < 1e-8
    assert result.predict(GRID).shape == GRID.shape
    np.testing.assert_allclose(result.predict(X), result.network(X))
    assert result.network.describe().startswith(f"{result.network.width} unit(s) of depth {depth}")
    breakpoints = result.network.breakpoints()
    assert np.all(np.diff(breakpoints) > 0)


def test_command_line(case, tmp_path, capsys):
    depth, activation, options, result = case
    data = tmp_path / "data.csv"
    data.write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in zip(X, Y, strict=True)) + "\n")
    out = tmp_path / "net.json"
    argv = ["fit", str(data), "--depth", str(depth), "--activation", activation, "--beta", str(BETA)]
    argv += [f"--option={k}={v}" for k, v in options.items()] + ["--json", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert f"{result.solution.objective:.10g}" in printed.out and "certified globally optimal" in printed.out
    description = json.loads(out.read_text())
    np.testing.assert_allclose(network_from_dict(description)(GRID), result.predict(GRID), atol=1e-10)


def test_json_round_trip(case):
    result = case[3]
    description = json.loads(json.dumps(fit_to_dict(result)))
    rebuilt = network_from_dict(description)
    assert type(rebuilt) is type(result.network)
    # every unit exactly; their sum up to round-off (an every-pattern sign network adds its units from its
    # layer cake, the description tree by tree)
    np.testing.assert_array_equal(rebuilt.units(GRID), result.network.units(GRID))
    np.testing.assert_allclose(rebuilt(GRID), result.predict(GRID), rtol=1e-15, atol=1e-15)
    assert rebuilt.objective(X, Y, BETA) == pytest.approx(description["network_objective"], rel=1e-12)


def test_to_torch(case):
    result = case[3]
    with torch.no_grad():
        out = result.network.to_torch()(torch.as_tensor(GRID)).numpy()
    np.testing.assert_allclose(out, result.predict(GRID), rtol=1e-12, atol=1e-12)


def test_estimator(case):
    depth, activation, options, result = case
    model = MirrorRegressor(depth=depth, activation=activation, beta=BETA, options=options).fit(X[:, None], Y)
    np.testing.assert_allclose(model.predict(GRID[:, None]), result.predict(GRID), atol=1e-8)


def test_explorer(case):
    depth, activation, options, result = case
    explorer = Explorer(X, Y)
    solved = explorer.solve(depth, activation, BETA, **options)
    assert solved.solution.objective == pytest.approx(result.solution.objective, rel=1e-8)
    again = explorer.solve(depth, activation, BETA / 2, **options)
    assert again.solution.relative_gap <= 1e-6
    assert depth in Explorer.depths() and activation in Explorer.activations(depth)


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--depth", "6", "--activation", "abs"], "abs: depths 2–5"),
        (["--depth", "5", "--activation", "leaky_relu"], "leaky_relu: depths 2–4"),
    ],
)
def test_unsupported_combination_is_one_line_naming_what_exists(tmp_path, capsys, args, names):
    data = tmp_path / "data.csv"
    data.write_text("x,y\n0,0\n1,1\n2,0\n")
    assert main(["fit", str(data), *args]) == 2  # refused before fitting: a command-line error
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no library yet" in err and names in err
    for family in lmirrors.architectures():
        assert family.activation in err
