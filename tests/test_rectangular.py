"""Rectangular step networks (shared layers): the best-switch-set theorem against brute force and random networks."""

import itertools

import numpy as np
import pytest
from helpers import LAYOUTS, make_data
from sign_reference import random_rectangular_units, sign, step

import lmirrors
from lmirrors.convex.lasso import solve
from lmirrors.libraries.rectangular import best_switch_set
from lmirrors.networks.rectangular import RectangularNetwork


def rect(x, y, beta, widths, activation="sign", **kwargs):
    depth = 1 + (len(widths) if np.ndim(widths) else 2)
    return lmirrors.fit(x, y, depth, activation, beta, widths=widths, layout="rectangular", **kwargs)


def lasso_value(A, y, beta) -> float:
    """The Lasso over columns A (the constant model if there are none)."""
    A = A[:, np.ptp(A, axis=0) > 0]
    return solve(A, y, beta).objective if A.shape[1] else float(0.5 * np.sum((y - y.mean()) ** 2))


def patterns_switching_inside(points: np.ndarray, gaps) -> np.ndarray:
    """Every +-1 pattern (columns, on sorted points) starting at +1 whose switches lie in ``gaps``."""
    columns = []
    for signs in itertools.product((1.0, -1.0), repeat=len(gaps)):
        h = np.ones(points.size)
        for g, s in zip(gaps, signs, strict=True):
            h[g + 1 :] *= -1.0 if s < 0 else 1.0
        columns.append(h)
    return np.array(columns).T


def brute_force(x, y, beta, m1) -> float:
    """min over first-layer switch sets T (|T| <= m1) of the Lasso over every pattern switching inside T,
    written from the definition with a generic Lasso solver (no clipping, no layer cake)."""
    points, inverse = np.unique(x, return_inverse=True)
    gaps = range(points.size - 1)
    return min(
        lasso_value(patterns_switching_inside(points, T)[inverse], y, beta)
        for t in range(1, min(m1, points.size - 1) + 1)
        for T in itertools.combinations(gaps, t)
    )


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("m1", [1, 2, 3])
@pytest.mark.parametrize("beta", [0.05, 0.5])
def test_best_switch_set_equals_brute_force(layout, m1, beta):
    x, y = make_data(layout, 6, seed=m1)
    result = rect(x, y, beta, (m1, m1))
    assert result.solution.objective == pytest.approx(brute_force(x, y, beta, m1), rel=1e-7)
    assert result.solution.relative_gap < 1e-9
    # the threshold network is the same problem at 2 beta
    threshold = rect(x, y, beta / 2, (m1, m1), activation="threshold")
    assert threshold.solution.objective == pytest.approx(result.solution.objective, rel=1e-9)
    np.testing.assert_allclose(threshold.predict(x), result.predict(x), atol=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_random_rectangular_networks_never_beat_it(seed):
    """Forward passes of random rectangular networks of random widths and depths (narrow layers too),
    each with its best output layer (the Lasso over its last hidden layer), never go below R_k(y)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 9))
    x, y = rng.uniform(0, 1, n), rng.normal(size=n)
    beta = float(rng.choice([0.05, 0.2, 0.5]))
    m1 = int(rng.integers(1, n))
    bound = best_switch_set(x, y, beta, m1).objective
    for low in (-1.0, 0.0):
        scale = 2 / (1 - low)  # a threshold network at beta is the sign one at 2 beta
        for _ in range(150):
            widths = (m1, *rng.integers(1, 5, size=int(rng.integers(1, 4))))
            units = random_rectangular_units(x, widths, low, rng)
            assert lasso_value(units.T, y, beta / scale) >= bound - 1e-9 * max(1.0, bound)


@pytest.mark.parametrize("seed", range(6))
def test_cut_down_first_layer_is_caught(seed):
    """Ablation: solve with one first-layer neuron fewer (m1 - 1 switches); brute force with m1 neurons
    then does strictly better on some data, so the switch budget m1 is needed in full."""
    rng = np.random.default_rng(seed)
    x, y = np.sort(rng.uniform(size=7)), rng.normal(size=7)
    m1 = 1 + seed % 3
    cut = best_switch_set(x, y, 0.1, m1 - 1).objective if m1 > 1 else 0.5 * np.sum((y - y.mean()) ** 2)
    full = brute_force(x, y, 0.1, m1)
    assert full < cut - 1e-3, (full, cut)


@pytest.mark.parametrize("activation", ["sign", "threshold"])
@pytest.mark.parametrize("widths", [(2, 2), (3, 3), (2, 4, 3), (3, 3, 3, 3)])
def test_reconstruction_is_a_real_rectangular_network(activation, widths):
    """J of the rebuilt weights equals the optimum, an independent forward pass of those weights gives
    the same function, and the network has exactly the requested widths."""
    x, y = make_data("uniform", 8, seed=4)
    result = rect(x, y, 0.1, widths, activation)
    net = result.network
    assert net.widths == widths and net.depth == len(widths) + 1
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-9)
    low = -1.0 if activation == "sign" else 0.0
    grid = np.linspace(x.min() - 1, x.max() + 1, 401)
    h = step(net.weights[0][:, None] * (grid - net.input_shift)[None, :] + net.biases[0][:, None], low)
    for V, c in zip(net.weights[1:], net.biases[1:], strict=True):
        h = step(V @ h + c[:, None], low)
    np.testing.assert_allclose(result.predict(grid), net.xi + (net.a * net.s) @ h, atol=1e-12)
    assert net.breakpoints().size <= widths[0]
    assert np.sum(np.diff(result.predict(np.sort(x))) != 0) <= widths[0]


def test_depth_adds_nothing_and_every_pattern_when_m1_is_large():
    x, y = make_data("clustered", 7, seed=8)
    values = [rect(x, y, 0.2, (2,) * (depth - 1)).solution.objective for depth in range(3, 7)]
    assert max(values) - min(values) < 1e-12
    # m1 >= N - 1: the Lasso over every pattern (tree with m1 >= N - 1, clipping), at beta and at beta = 0
    for beta in (0.0, 0.2):
        wide = rect(x, y, beta, (6, 6))
        tree = lmirrors.fit(x, y, 3, "sign", beta, m1=6, method="library")
        assert wide.solution.objective == pytest.approx(tree.solution.objective, rel=1e-8)


@pytest.mark.parametrize("seed", range(8))
def test_the_tree_library_is_a_relaxation(seed):
    """The Lasso over patterns with <= m1 switches each (trees) never exceeds the rectangular optimum."""
    rng = np.random.default_rng(seed)
    x, y = np.sort(rng.uniform(size=8)), rng.normal(size=8)
    m1 = 1 + seed % 4
    tree = lmirrors.fit(x, y, 3, "sign", 0.1, m1=m1).solution.objective
    rectangular = rect(x, y, 0.1, (m1, m1)).solution.objective
    assert tree <= rectangular + 1e-9
    if seed == 0:  # and it is strict: one switch budget for all units is far less than one per unit
        assert rectangular - tree > 0.1


def test_the_optimal_value_is_not_convex_in_y_so_no_fixed_dictionary_gives_it():
    """Every Lasso's optimal value is convex in y (a partial minimum of a jointly convex function).
    With m1 = 1 the midpoint of two one-switch label vectors costs more than their average."""
    x = np.array([0.0, 1.0, 2.0])
    y1, y2 = np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0])
    value = [rect(x, y, 0.01, (1, 1)).solution.objective for y in (y1, y2, (y1 + y2) / 2)]
    assert value[2] > (value[0] + value[1]) / 2 + 0.05
    # the tree library with one switch per unit (a Lasso) is convex there, as it must be
    tree = [lmirrors.fit(x, y, 3, "sign", 0.01, m1=1).solution.objective for y in (y1, y2, (y1 + y2) / 2)]
    assert tree[2] <= (tree[0] + tree[1]) / 2 + 1e-12


def narrow_middle_value(x, y, beta, m1) -> float:
    """Exact optimum of widths (m1, 1, ...): the single middle neuron's pattern p (switching inside
    some T, |T| <= m1) is all later layers can pass on (sign(v p + c) is +-p or constant)."""
    points, inverse = np.unique(x, return_inverse=True)
    gaps = range(points.size - 1)
    return min(
        lasso_value(p[inverse, None], y, beta)
        for t in range(1, m1 + 1)
        for T in itertools.combinations(gaps, t)
        for p in patterns_switching_inside(points, T).T
    )


def test_a_narrow_middle_layer_can_miss_the_bound_and_is_refused():
    x = np.arange(6.0)
    y = np.array([0.0, 1.0, 2.0, 3.0, 2.0, 0.0])
    bound = best_switch_set(x, y, 0.05, 3).objective
    assert narrow_middle_value(x, y, 0.05, 3) > bound + 0.1
    with pytest.raises(ValueError, match="at least min"):
        rect(x, y, 0.05, (3, 1, 3))
    # the exact value for widths (3, 1, 3) is reached by real networks of those widths
    rng = np.random.default_rng(0)
    best = min(lasso_value(random_rectangular_units(x, (3, 1, 3), -1.0, rng).T, y, 0.05) for _ in range(3000))
    assert best >= narrow_middle_value(x, y, 0.05, 3) - 1e-9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"depth": 2, "widths": 2, "layout": "rectangular"}, "need depth >= 3"),
        ({"depth": 3, "layout": "rectangular"}, "needs widths"),
        ({"depth": 4, "widths": (2, 2), "layout": "rectangular"}, "so 3 widths"),
        ({"depth": 3, "m1": 2, "widths": (2, 2), "layout": "rectangular"}, "unknown option"),
        ({"depth": 3, "m1": 2, "layout": "diagonal"}, "layout must be"),
        ({"depth": 3, "widths": (2, 2), "layout": "rectangular", "method": "library"}, "cannot be solved"),
    ],
)
def test_bad_input(kwargs, message):
    x, y = np.arange(5.0), np.array([0.0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match=message):
        lmirrors.fit(x, y, activation="sign", beta=0.1, **kwargs)


def test_interpolation_needs_enough_first_layer_neurons():
    x, y = np.arange(5.0), np.array([0.0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="cannot do"):
        rect(x, y, 0.0, (2, 2))
    result = rect(x, y, 0.0, (4, 4))
    assert result.solution.objective == pytest.approx(0.5) and result.max_interpolation_error < 1e-12
    assert sign(result.network.hidden(x)).shape == (4, 5)


def test_random_networks_with_their_best_output_layer():
    """RectangularNetwork.random draws inner layers of the requested widths; with_best_output solves the
    Lasso over its last hidden layer, so its J is that Lasso's value, never below R_k (at 2 beta for 0/1)."""
    rng = np.random.default_rng(3)
    x, y = make_data("uniform", 7, seed=9)
    for activation, sign_beta in (("sign", 0.2), ("threshold", 0.4)):
        bound = best_switch_set(x, y, sign_beta, 2).objective
        for _ in range(20):
            net = RectangularNetwork.random((2, 3, 2), activation, x, rng)
            assert net.widths == (2, 3, 2) and net.penalty(1.0) == 0.0
            best = net.with_best_output(x, y, 0.2)
            value = lasso_value(best.hidden(x).T, y, 0.2)
            assert best.objective(x, y, 0.2) == pytest.approx(value, rel=1e-9)
            assert value >= bound - 1e-9
