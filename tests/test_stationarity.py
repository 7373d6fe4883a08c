"""Stationary points of J (paper v4, Appendix F): the exact one-sided check, neuron splitting, and
Lasso-generated networks. The check is tested against J itself: finite differences along random
directions (no kinks are modelled there) and along the descent direction it returns."""

import numpy as np
import pytest
from helpers import make_data, relative

from lmirrors import ParallelNetwork, fit, get_activation, train_adam
from lmirrors.stationarity import restricted_fit, split_unit, stationarity, torch_gradient

ARCHS = [(2, "relu", {}), (2, "leaky_relu", {"slope": 0.2}), (2, "abs", {}), (3, "relu", {}), (4, "relu", {})]
ARCHS += [(3, "abs", {}), (4, "abs", {})]
IDS = [f"{d}-{a}" for d, a, _ in ARCHS]
REFLECTIONS = (np.array([0.0, 1, 3, 4, 7]), np.array([1 / 3, -1, 1, -1 / 3, 0]), 5 / 3)


def slopes_along(network, x, y, beta, directions, t=1e-7):
    """(J(theta + t d) - J(theta)) / t for each direction d (flat, layout of torch_gradient)."""
    J = network.objective(x, y, beta)
    nW, nB = network.W.size, network.B.size
    out = []
    for d in directions:
        moved = ParallelNetwork(
            network.activation,
            network.W + t * d[:nW].reshape(network.W.shape),
            network.B + t * d[nW : nW + nB].reshape(network.B.shape),
            network.xi + t * d[-1],
        )
        out.append((moved.objective(x, y, beta) - J) / t)
    return np.array(out)


def perturbed(network, seed=0, size=1e-2):
    rng = np.random.default_rng(seed)
    return ParallelNetwork(
        network.activation, network.W * (1 + size * rng.standard_normal(network.W.shape)), network.B, network.xi
    )


@pytest.fixture(scope="module", params=ARCHS, ids=IDS)
def rebuilt(request):
    depth, activation, options = request.param
    # (on seed 3 the 2-layer ReLU optimum happens to have autograd gradient zero: what torch
    # returns at a kink is a convention, zero or not by chance, which is the point of the check)
    x, y = make_data("uniform", 7, 4)
    beta = 0.1 * float(np.abs(y - y.mean()).sum())
    return x, y, beta, fit(x, y, depth=depth, activation=activation, beta=beta, **options)


def test_rebuilt_networks_are_stationary_though_autograd_is_not_zero(rebuilt):
    x, y, beta, fitted = rebuilt
    check = stationarity(fitted.network, x, y, beta)
    assert check.kinks >= fitted.network.width  # every unit bends at a data point
    assert check.is_stationary() and check.relative_descent < 1e-9
    # torch's convention sigma'(0) = 0 at those kinks gives a gradient far from zero
    assert np.abs(torch_gradient(fitted.network, x, y, beta)).sum() > 1e-3 * check.scale
    # independent of the enumeration: J rises (to first order) along random directions
    rng = np.random.default_rng(1)
    directions = rng.standard_normal((200, check.direction.size))
    slopes = slopes_along(fitted.network, x, y, beta, directions)
    assert slopes.min() >= -1e-6 * check.scale * np.abs(directions).sum(axis=1).max()


def test_perturbed_networks_are_not_stationary_and_descend_along_the_direction(rebuilt):
    x, y, beta, fitted = rebuilt
    moved = perturbed(fitted.network)
    check = stationarity(moved, x, y, beta)
    assert check.relative_descent > 1e-2 and not check.is_stationary()
    slope = slopes_along(moved, x, y, beta, [check.direction], t=1e-8)[0]
    assert slope < 0 and relative(slope, -check.descent) < 1e-4
    assert moved.objective(x, y, beta) > check.moved(1e-4).objective(x, y, beta)


def test_split_networks_keep_function_objective_and_stationarity(rebuilt):
    x, y, beta, fitted = rebuilt
    net = fitted.network
    for unit, fraction in [(0, 0.5), (-1, 0.1)]:
        split = split_unit(net, unit, fraction)
        assert split.width == net.width + 1
        grid = np.linspace(x.min() - 1, x.max() + 1, 301)
        np.testing.assert_allclose(split(grid), net(grid), rtol=0, atol=1e-12 * np.abs(net(grid)).max())
        assert relative(split.penalty(beta), net.penalty(beta)) < 1e-12
        assert relative(split.objective(x, y, beta), net.objective(x, y, beta)) < 1e-12
        assert stationarity(split, x, y, beta).relative_descent < 1e-9
    # splitting a non-stationary network does not make it stationary
    assert not stationarity(split_unit(perturbed(net), 0, 0.3), x, y, beta).is_stationary()


def test_autograd_zero_gradient_is_not_stationarity():
    """f = (x - 1)_+ on x = (0, 1, 2, 3), y = (-1, 1, 0, 3), beta = 1: r = (1, -1, 1, -1). With
    relu'(0) = 0 the point x = 1 drops out and every partial derivative is 0, but moving the kink
    left (b1 up) adds r_2 = -1 per unit: J' = -1 along e_b1. The check must find it."""
    net = ParallelNetwork(get_activation("relu"), np.array([[1.0, 1.0]]), np.array([[-1.0]]), 0.0)
    x, y = np.array([0.0, 1, 2, 3]), np.array([-1.0, 1, 0, 3])
    assert np.abs(torch_gradient(net, x, y, 1.0)).max() == 0.0
    check = stationarity(net, x, y, 1.0)
    assert check.kinks == 1 and check.pieces == 2
    assert abs(check.descent - 2.0) < 1e-12  # d = (dw1, dw2, db1) = (1, -1, 1): J' = -1 - 1 + 0
    e_b1 = np.array([0.0, 0, 1, 0])
    assert abs(slopes_along(net, x, y, 1.0, [e_b1], t=1e-9)[0] + 1.0) < 1e-6
    assert check.moved(1e-3).objective(x, y, 1.0) < net.objective(x, y, 1.0)


def test_descent_is_the_gradient_norm_where_j_is_differentiable():
    x, y = make_data("clustered", 6, 2)
    result = train_adam(x, y, depth=3, activation="abs", beta=0.05, restarts=2, steps=50, progress=False)
    for net in result.networks:
        check = stationarity(net, x, y, 0.05)
        assert check.kinks == 0 and check.pieces == net.width
        gradient = torch_gradient(net, x, y, 0.05)
        assert relative(check.descent, np.abs(gradient).sum()) < 1e-9
        np.testing.assert_allclose(check.direction, -np.sign(gradient))


def test_lasso_over_one_feature_gives_stationary_points_that_are_not_optimal():
    """On the certified reflections example (optimum 13/12 with two features), each optimal feature
    alone gives a stationary network of J: 275/252 with ||x - 3| - 2|, 305/276 with ||x - 1| - 2|."""
    x, y, beta = REFLECTIONS
    full = fit(x, y, depth=3, activation="abs", beta=beta)
    assert stationarity(full.network, x, y, beta).is_stationary()
    values = []
    for k in full.solution.support:
        alone = restricted_fit(full, [k])
        assert alone.library.size == 1 and alone.network.width == 1
        assert stationarity(alone.network, x, y, beta).relative_descent < 1e-9
        values.append(alone.network_objective)
    np.testing.assert_allclose(sorted(values), [275 / 252, 305 / 276], rtol=1e-9)
    assert min(values) > full.solution.objective + 0.007
    # not every Lasso over part of the library is stationary: at beta = 0.3 the same feature alone is not
    smaller = fit(x, y, depth=3, activation="abs", beta=0.3)
    k = next(k for k, f in enumerate(smaller.library.features) if f.breakpoints == (1.0, 3.0, 5.0))
    alone = restricted_fit(smaller, [k])
    check = stationarity(alone.network, x, y, 0.3)
    assert alone.network.width == 1 and check.relative_descent > 0.1
    assert check.moved(1e-4).objective(x, y, 0.3) < alone.network_objective


def test_bad_input():
    x, y, _ = REFLECTIONS
    net = fit(x, y, depth=2, beta=0.1).network
    with pytest.raises(ValueError, match="fraction"):
        split_unit(net, 0, 1.0)
    with pytest.raises(ValueError, match="does not exist"):
        split_unit(net, net.width, 0.5)
    zero = ParallelNetwork(get_activation("relu"), np.zeros((1, 3)), np.zeros((1, 2)), 0.0)
    with pytest.raises(ValueError, match="zero weights"):
        stationarity(zero, np.arange(20.0), np.zeros(20), 0.1)
    sign = fit(x, y, depth=2, activation="sign", beta=0.1).network
    with pytest.raises(ValueError, match="ParallelNetwork"):
        stationarity(sign, x, y, 0.1)


def test_network_without_units_is_stationary_exactly_at_the_mean():
    """No units: J'(d) = d_xi * sum(r), so the constant network is stationary iff xi is the mean of y."""
    x, y, beta = REFLECTIONS
    relu = get_activation("relu")
    empty = ParallelNetwork(relu, np.zeros((0, 3)), np.zeros((0, 2)), float(y.mean()))
    check = stationarity(empty, x, y, beta)
    assert check.descent < 1e-15 and check.pieces == 0
    off = stationarity(ParallelNetwork(relu, np.zeros((0, 3)), np.zeros((0, 2)), 1.0), x, y, beta)
    assert abs(off.descent - abs(np.sum(1.0 - y))) < 1e-12 and off.direction[-1] == -1.0
