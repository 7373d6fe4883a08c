"""Threshold (0/1 step) networks: the library, its relation to sign networks, and oracles that cannot beat it."""

import math

import numpy as np
import pytest
from helpers import LAYOUTS, make_data
from sign_reference import oracle_patterns, random_tree_units, step

import lmirrors
from lmirrors import Architecture
from lmirrors.convex.lasso import solve

TREES = [(2, ()), (3, (1,)), (3, (2,)), (3, (3,)), (4, (2, 2))]


def sorted_columns(library) -> np.ndarray:
    """The library's distinct columns as rows on the sorted data."""
    return np.unique(library.A[np.argsort(library.x)].T, axis=0)


@pytest.mark.parametrize(("depth", "widths"), TREES)
def test_library_is_the_sign_library_on_levels_0_1(depth, widths):
    x = np.random.default_rng(depth + len(widths)).uniform(-1, 1, 7)
    threshold = Architecture(depth, "threshold", widths=widths).library(x)
    sign = Architecture(depth, "sign", widths=widths).library(x)
    np.testing.assert_array_equal(threshold.A, (1 + sign.A) / 2)
    assert threshold.size == sign.size == Architecture(depth, "threshold", widths=widths).size_formula(7)
    assert set(np.unique(threshold.A)) == {0.0, 1.0}


@pytest.mark.parametrize(("depth", "widths"), TREES)
def test_library_equals_brute_force_threshold_networks(depth, widths):
    """Every pattern brute-forced threshold trees produce (weights on a grid) is in the library, and back."""
    x = np.random.default_rng(5).uniform(0, 5, 6)
    oracle = oracle_patterns(x, widths, low=0.0)
    np.testing.assert_array_equal(sorted_columns(Architecture(depth, "threshold", widths=widths).library(x)), oracle)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("depth", "options"), [(2, {}), (3, {"m1": 2}), (3, {"m1": 5}), (4, {"widths": (2, 2)})])
@pytest.mark.parametrize("beta", [0.0, 0.05, 0.4])
def test_threshold_lasso_at_beta_is_the_sign_lasso_at_twice_beta(layout, depth, options, beta):
    x, y = make_data(layout, 7, seed=3)
    threshold = lmirrors.fit(x, y, depth, "threshold", beta, **options)
    sign = lmirrors.fit(x, y, depth, "sign", 2 * beta, **options)
    scale = max(1.0, sign.solution.objective)
    if beta == 0:  # minimum norm: a 0/1 unit jumps by |z|, a sign unit by 2|z|
        assert threshold.solution.objective == pytest.approx(2 * sign.solution.objective, rel=1e-8)
        np.testing.assert_allclose(threshold.predict(x), y, atol=1e-8)
    else:
        assert abs(threshold.solution.objective - sign.solution.objective) < 1e-8 * scale
        np.testing.assert_allclose(threshold.predict(x), sign.predict(x), atol=1e-6)
    assert threshold.solution.relative_gap < 1e-7
    assert threshold.network_objective == pytest.approx(threshold.solution.objective, rel=1e-9, abs=1e-12)
    assert threshold.network.activation.name == "threshold" and threshold.network.depth == depth


@pytest.mark.parametrize("seed", range(4))
def test_every_pattern_clips_each_tail_by_a_mass_beta(seed):
    """m1 >= N - 1: the closed form (clipping at 2 beta) equals the dense Lasso over all 2^(N-1) - 1 columns."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    x, y = rng.uniform(size=n), rng.normal(size=n)
    for beta in (0.0, 0.1, 0.7):
        closed = lmirrors.fit(x, y, 3, "threshold", beta, m1=n - 1)
        dense = lmirrors.fit(x, y, 3, "threshold", beta, m1=n - 1, method="library")
        assert closed.solution.method.startswith("clipping")
        assert closed.solution.objective == pytest.approx(dense.solution.objective, rel=1e-7, abs=1e-10)
        assert closed.network_objective == pytest.approx(closed.solution.objective, rel=1e-9, abs=1e-12)
        if beta == 0:  # the minimum-norm cost of every 0/1 pattern is the range of y
            assert closed.solution.objective == pytest.approx(np.ptp(y), rel=1e-9)
        else:  # each tail above / below the fit has mass beta (sign networks: beta/2)
            u = closed.predict(x)
            if np.ptp(u) > 1e-9:
                assert np.sum(np.maximum(y - u.max(), 0)) == pytest.approx(beta, rel=1e-7)
                assert np.sum(np.maximum(u.min() - y, 0)) == pytest.approx(beta, rel=1e-7)


def certificate_ratio(result, units: np.ndarray) -> float:
    """max over oracle units u of |u^T r| / beta for the fit's residual r (<= 1: no unit improves the optimum)."""
    r = result.y - result.predict(result.x)
    return float(np.abs(units @ r).max() / result.beta)


@pytest.mark.parametrize(("depth", "widths"), TREES)
@pytest.mark.parametrize("seed", range(3))
def test_random_threshold_networks_never_beat_the_library(depth, widths, seed):
    """Real forward passes of random threshold units (weights and biases random, thresholds anywhere):
    the dual certificate of the library's optimum holds over all of them."""
    rng = np.random.default_rng(100 + seed)
    x, y = make_data(LAYOUTS[seed], 7, seed=seed)
    result = lmirrors.fit(x, y, depth, "threshold", 0.1, widths=widths)
    units = random_tree_units(x, widths, 0.0, rng, 3000)
    assert certificate_ratio(result, units) <= 1 + 1e-7


def test_cut_down_library_is_caught_by_random_networks():
    """Drop the two-switch patterns from the m1 = 2 library: random 3-layer threshold units then violate
    its certificate and a Lasso that adds them does strictly better."""
    rng = np.random.default_rng(7)
    excess, improvement = [], []
    for trial in range(4):
        x, y = np.sort(rng.uniform(size=7)), rng.normal(size=7)
        library = Architecture(3, "threshold", m1=2).library(x)
        cut = library.A[:, np.sum(library.A[1:] != library.A[:-1], axis=0) < 2]
        solution = solve(cut, y, 0.05)
        r = y - cut @ solution.z - solution.xi
        units = random_tree_units(x, (2,), 0.0, rng, 3000)
        excess.append(float(np.abs(units @ r).max() / 0.05))
        improvement.append(solution.objective - solve(np.hstack([cut, units.T]), y, 0.05).objective)
    assert max(excess) > 1.5 and max(improvement) > 1e-3, (excess, improvement)


def test_network_is_a_real_threshold_network():
    """Evaluate the reconstructed weights with an independent forward pass (depth 3, m1 = 3)."""
    x, y = make_data("uniform", 8, seed=2)
    result = lmirrors.fit(x, y, depth=3, activation="threshold", beta=0.05, m1=3)
    net = result.network
    grid = np.linspace(x.min() - 1, x.max() + 1, 301)
    total = np.full(grid.size, net.xi)
    for a, s, neuron in zip(net.a, net.s, net.neurons, strict=True):
        assert len(neuron.children) <= 3
        hidden = sum(
            v * step(leaf.weights[0] * (grid - net.input_shift) + leaf.bias, 0.0)
            for v, leaf in zip(neuron.weights, neuron.children)
        )
        total += a * s * step(hidden + neuron.bias, 0.0)
    np.testing.assert_allclose(result.predict(grid), total, atol=1e-12)
    assert set(np.unique(net.units(grid) / (net.a * net.s)[:, None])) <= {0.0, 1.0}


def test_reflected_thresholds_add_no_column():
    """A step column depends only on the gap its threshold sits in: thresholds at every reflection
    2 x_j - x_i (and at the data) give exactly the library on the data."""
    x = np.sort(np.random.default_rng(4).uniform(0, 3, 6))
    reflections = (2 * x[None, :] - x[:, None]).ravel()
    for options in ({}, {"m1": 2}):
        arch = Architecture(2 + len(options), "threshold", **options)
        on_data = sorted_columns(arch.library(x))
        with_reflections = arch.library(x, breakpoints=np.concatenate([x, reflections]))
        np.testing.assert_array_equal(sorted_columns(with_reflections), on_data)
        assert with_reflections.n_candidates > math.comb(5, 1)


def test_threshold_networks_refuse_adam():
    x, y = make_data("uniform", 6, seed=5)
    with pytest.raises(ValueError, match="threshold has zero gradient"):
        lmirrors.train_adam(x, y, depth=2, activation="threshold", beta=0.3, steps=2, restarts=1)
