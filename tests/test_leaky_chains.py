"""Deep narrow leaky ReLU (v4 Theorem 3.7), depths 3 and 4: the library of chains with every kink
at a data point.

The oracle is independent of lmirrors: real forward passes of units with random weights (random
magnitudes) and random biases, kinks anywhere, written from the conventions page's formulas. A
unit with weights w is prod|w_l| times a normalised unit (positive homogeneity), so the Lasso
optimum over *all* units is certified when max |r^T u| / (beta prod|w_l|) <= 1 over the oracle
(r: the centred optimal residual, which is unique).
"""

from functools import cache

import numpy as np
import pytest
from helpers import capped_ramps_dense, make_data, relative, sigma

from lmirrors import Architecture, fit, solve
from lmirrors.convex.lasso import beta_max

DATASETS = [("uniform", 6, 0), ("clustered", 7, 1), ("equispaced", 6, 2), ("outlier", 7, 3), ("uniform", 8, 4)]
SLOPES = (0.01, 0.5)
CASES = [(depth, slope, d) for depth in (3, 4) for slope in SLOPES for d in range(len(DATASETS))]


def forward(x, W, B, slope):
    """Units w_L h_{L-1} with h_l = sigma(w_l h_{l-1} + b_l), one column per row of W (units x L)."""
    h = np.asarray(x, dtype=float)[:, None] * np.ones(W.shape[0])
    for layer in range(W.shape[1] - 1):
        h = sigma("leaky_relu", W[:, layer] * h + B[:, layer], slope)
    return h * W[:, -1]


def oracle_units(x, depth, slope, count, seed):
    """Normalised columns u / prod|w| of random units. A third have plain random biases; the others
    place each layer's zero at a random point of the widened data range or, for half of them, near
    a random data point (jitter 2% of the range): kinks anywhere, often close to the data."""
    rng = np.random.default_rng(seed)
    spread = np.ptp(x)
    W = rng.standard_normal((count, depth)) * rng.uniform(0.2, 3.0, (count, 1))
    B = rng.standard_normal((count, depth - 1)) * 2 * spread
    placed = np.arange(count) >= count // 3
    t = rng.uniform(x.min() - spread / 4, x.max() + spread / 4, (count, depth - 1))
    near = rng.random((count, depth - 1)) < 0.5
    t[near] = rng.choice(x, near.sum()) + 0.02 * spread * rng.standard_normal(near.sum())
    at_t = t.copy()  # h_{l-1} at the chosen zeros, layer by layer
    for layer in range(depth - 1):
        B[placed, layer] = -W[placed, layer] * at_t[placed, layer]
        at_t = sigma("leaky_relu", W[:, layer, None] * at_t + B[:, layer, None], slope)
    return forward(x, W, B, slope) / np.prod(np.abs(W), axis=1)


@cache
def data(d):
    return make_data(*DATASETS[d])


@cache
def optimum(depth, slope, d):
    x, y = data(d)
    library = Architecture(depth, "leaky_relu", slope=slope).library(x)
    beta = 0.05 * beta_max(library.A, y)
    return beta, fit(x, y, depth, "leaky_relu", beta, slope=slope)


def worst_ratio(x, r, beta, depth, slope, seed=0) -> float:
    r = r - r.mean()
    return max(float(np.abs(r @ oracle_units(x, depth, slope, 20_000, seed + k)).max()) for k in range(2)) / beta


@pytest.mark.parametrize("depth, slope, d", CASES)
def test_no_random_unit_beats_the_library(depth, slope, d):
    """Dual certificate over an independent oracle: the finite library's optimum is the optimum over all units."""
    beta, result = optimum(depth, slope, d)
    x, y = data(d)
    assert result.solution.relative_gap < 1e-8
    r = y - result.predict(x)
    assert worst_ratio(x, r, beta, depth, slope, seed=d) <= 1 + 1e-6


@pytest.mark.parametrize("depth, slope, d", CASES)
def test_rebuilt_network_has_the_lasso_objective(depth, slope, d):
    beta, result = optimum(depth, slope, d)
    x, y = data(d)
    net = result.network
    J = 0.5 * np.sum((net.xi + forward(x - net.input_shift, net.W, net.B, slope).sum(axis=1) - y) ** 2)
    J += beta / depth * np.sum(np.abs(net.W) ** depth)
    assert relative(J, result.solution.objective) < 1e-8
    assert relative(result.network_objective, result.solution.objective) < 1e-8


def test_every_kink_of_every_chain_is_a_data_point():
    x, _ = data(1)
    library = Architecture(4, "leaky_relu", slope=0.5).library(x)
    kinks = np.concatenate([f.breakpoints for f in library.features])
    assert np.all(np.min(np.abs(kinks[:, None] - np.unique(x)[None, :]), axis=1) == 0)
    assert {k for f in library.features for k in f.kinds} == {"data"}


@pytest.mark.parametrize("depth", [3, 4])
def test_candidates_and_matrix_free_library(depth):
    x, y = data(0)
    arch = Architecture(depth, "leaky_relu", slope=0.2)
    assert arch.library(x).n_candidates == arch.size_formula(6) == 12 ** (depth - 1)
    dictionary, feature = arch.dictionary(x)
    for k in (0, 7, dictionary.shape[1] - 1):
        column = dictionary.matvec_columns(np.array([k]), np.ones(1))
        np.testing.assert_allclose(column, feature(k)(x), atol=1e-12)
    dense = fit(x, y, depth, "leaky_relu", 0.1, slope=0.2)
    free = fit(x, y, depth, "leaky_relu", 0.1, method="matrix_free", slope=0.2)
    assert relative(free.solution.objective, dense.solution.objective) < 1e-8


@pytest.mark.parametrize("depth", [3, 4])
def test_slope_zero_gives_the_capped_ramps(depth):
    """With gamma = 0 the chains with data kinks span exactly the capped ramps (Lemma 3.8)."""
    for d in range(3):
        x, y = data(d)
        library = Architecture(depth, "leaky_relu", slope=0.0).library(x)
        assert library.size == np.unique(x).size * (np.unique(x).size - 1) // 2
        for beta in (0.0, 0.1):
            capped = solve(capped_ramps_dense(x), y, beta)
            assert relative(solve(library.A, y, beta).objective, capped.objective) < 1e-8


def lower_depth_failures(depth, slope):
    """The depth-(L - 1) library used at depth L: (worst oracle ratio, optimality loss) per data set."""
    rows = []
    for d in range(len(DATASETS)):
        x, y = data(d)
        beta, full = optimum(depth, slope, d)
        cut = fit(x, y, depth - 1, "leaky_relu", beta, slope=slope)
        rows.append(
            (worst_ratio(x, y - cut.predict(x), beta, depth, slope), cut.solution.objective - full.solution.objective)
        )
    return rows


@pytest.mark.parametrize("depth", [3, 4])
def test_lower_depth_library_is_caught(depth):
    """Teeth: the oracle exposes the depth-(L - 1) library (worst ratios measured with slope 0.5:
    1.5, 1.99, 1.47, 1.20 at L = 3; 1.33, 1.29, 1.08 at L = 4), and the full library is strictly
    better there: unlike ReLU, leaky ReLU gains from a fourth layer."""
    rows = lower_depth_failures(depth, 0.5)
    caught = [(ratio, loss) for ratio, loss in rows if ratio > 1.01]
    assert len(caught) >= 2, rows
    assert all(loss > 1e-6 for _, loss in caught), rows


@pytest.mark.parametrize("slope", SLOPES)
def test_library_without_reversing_chains_is_caught(slope):
    """Teeth: drop the depth-3 chains whose second layer reverses direction (s_2 = -1). Measured
    worst ratios 1.85, 1.96, 1.23 (slope 0.01) and 1.06, 1.33 (slope 0.5)."""
    caught = []
    for d in range(len(DATASETS)):
        x, y = data(d)
        beta, full = optimum(3, slope, d)
        library = Architecture(3, "leaky_relu", slope=slope).library(x)
        keep = [k for k, feature in enumerate(library.features) if feature.signs[1] > 0]
        cut = solve(library.A[:, keep], y, beta)
        ratio = worst_ratio(x, y - library.A[:, keep] @ cut.z - cut.xi, beta, 3, slope)
        if ratio > 1.01:
            assert cut.objective > full.solution.objective + 1e-6
            caught.append(ratio)
    assert len(caught) >= 2, caught
