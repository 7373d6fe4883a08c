"""Sign networks: reconstruction is exact, the dense oracle cannot beat the library, min-norm = range/2."""

import numpy as np
import pytest
from helpers import LAYOUTS, make_data
from sign_reference import oracle_patterns, sign

import lmirrors
from lmirrors.convex.lasso import min_norm, solve

CASES = [(2, {}), (3, {"m1": 1}), (3, {"m1": 2}), (3, {"m1": 3}), (4, {"widths": (2, 2)})]
WIDTHS = {2: (), 3: None, 4: (2, 2)}


def widths_of(depth, options):
    return (options["m1"],) if "m1" in options else options.get("widths", ())


def lasso_value(A, y, beta):
    return min_norm(A, y).objective if beta == 0 else solve(A, y, beta).objective


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("depth", "options"), CASES)
@pytest.mark.parametrize("beta", [0.0, 0.05, 0.5])
def test_library_reaches_the_dense_oracle_and_reconstruction_is_exact(layout, depth, options, beta):
    x, y = make_data(layout, 6, seed=11)
    result = lmirrors.fit(x, y, depth=depth, activation="sign", beta=beta, **options)
    # oracle: every pattern brute-forced tree units produce, evaluated at the (unsorted, repeated) data
    points = np.unique(x)
    patterns = oracle_patterns(points, widths_of(depth, options))
    oracle = patterns[:, np.searchsorted(points, x)].T
    assert result.solution.objective <= lasso_value(oracle, y, beta) * (1 + 1e-7) + 1e-10
    assert result.solution.relative_gap < 1e-7
    # reconstruction: the sign network's own objective equals the Lasso's
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-9, abs=1e-12)
    if beta == 0:
        assert result.max_interpolation_error < 1e-8
    network = result.network
    assert network.depth == depth
    # first-layer thresholds sit strictly between data points
    t = network.breakpoints()
    assert not np.isin(t, points).any()


@pytest.mark.parametrize("seed", range(4))
def test_cut_down_library_is_caught_by_the_oracle(seed):
    """Drop the patterns with the most switches: the oracle then does strictly better on some y."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(size=6))
    points = np.unique(x)
    full = oracle_patterns(points, (2,)).T
    switches = np.sum(full[1:] != full[:-1], axis=0)
    cut = full[:, switches < 2]
    gaps = []
    for trial in range(5):
        y = rng.normal(size=6)
        gaps.append(lasso_value(cut, y, 0.05) - lmirrors.fit(x, y, 3, "sign", 0.05, m1=2).solution.objective)
    assert max(gaps) > 1e-3


def test_network_forward_is_a_real_sign_network():
    """Evaluate the reconstructed weights with an independent forward pass (depth 3)."""
    x, y = make_data("uniform", 8, seed=2)
    result = lmirrors.fit(x, y, depth=3, activation="sign", beta=0.05, m1=3)
    net = result.network
    grid = np.linspace(x.min() - 1, x.max() + 1, 301)
    total = np.full(grid.size, net.xi)
    for a, s, neuron in zip(net.a, net.s, net.neurons, strict=True):
        assert len(neuron.children) <= 3
        hidden = sum(
            v * sign(leaf.weights[0] * (grid - net.input_shift) + leaf.bias)
            for v, leaf in zip(neuron.weights, neuron.children)
        )
        total += a * s * sign(hidden + neuron.bias)
    np.testing.assert_allclose(result.predict(grid), total, atol=1e-12)
    residual = result.predict(x) - y
    own = 0.5 * residual @ residual + 0.05 / 2 * (net.a @ net.a + net.s @ net.s)
    assert own == pytest.approx(result.solution.objective, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_all_patterns_make_the_minimum_norm_half_the_range(seed):
    """m1 >= N - 1: the atomic norm of the hypercube is the l-infinity norm, cost (max y - min y)/2."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 10))
    x, y = rng.uniform(size=n), rng.normal(size=n)
    result = lmirrors.fit(x, y, depth=3, activation="sign", beta=0, m1=n - 1)
    assert result.solution.objective == pytest.approx((y.max() - y.min()) / 2, rel=1e-9)
    assert result.network_objective == pytest.approx((y.max() - y.min()) / 2, rel=1e-9)
    fewer = lmirrors.fit(x, y, depth=3, activation="sign", beta=0, m1=1)
    assert fewer.solution.objective >= result.solution.objective - 1e-12


def test_depth_two_is_tv_denoising_and_sign_networks_refuse_adam():
    x, y = make_data("uniform", 9, seed=5)
    result = lmirrors.fit(x, y, depth=2, activation="sign", beta=0.3)
    u = result.predict(np.sort(x))
    ys = y[np.argsort(x)]
    tv = 0.5 * np.sum((u - ys) ** 2) + 0.3 / 2 * np.abs(np.diff(u)).sum()
    assert tv == pytest.approx(result.solution.objective, rel=1e-9)
    with pytest.raises(ValueError, match="zero gradient"):
        lmirrors.train_adam(x, y, depth=2, activation="sign", beta=0.3, steps=2, restarts=1)
