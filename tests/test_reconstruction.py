"""From Lasso solutions to networks: balanced chain weights, and rebuilt networks whose own objective
equals the Lasso objective (evaluated from raw weights)."""

import numpy as np
import pytest
import torch
from helpers import make_data, relative, sigma, two_layer_objective

from lmirrors import Activation, Architecture, min_norm, solve
from lmirrors.libraries.features import Feature
from lmirrors.libraries.ramps import ramp
from lmirrors.networks.reconstruction import chain_weights, parallel_network

X = np.linspace(-3.0, 5.0, 33)
ACTIVATIONS = [Activation("relu"), Activation("leaky_relu", 0.1), Activation("abs")]
CASES = [
    ("relu", 0.0, "uniform", 9, 0),
    ("leaky_relu", 0.1, "clustered", 8, 1),
    ("abs", 0.0, "outlier", 7, 2),
    ("relu", 0.0, "duplicates", 6, 3),
]


@pytest.mark.parametrize("activation, slope, layout, n, seed", CASES)
@pytest.mark.parametrize("beta", [1e-3, 0.1, 1.0])
def test_from_lasso_objective_equals_lasso_objective(activation, slope, layout, n, seed, beta):
    x, y = make_data(layout, n, seed)
    lib = Architecture(2, activation, **({"slope": slope} if slope else {})).library(x)
    sol = solve(lib.A, y, beta)
    net = parallel_network(lib, sol)
    assert net.width == sol.support.size and net.depth == 2
    assert relative(net.objective(x, y, beta), sol.objective) < 1e-9
    # the same, from the raw weights with an independent forward pass
    J = two_layer_objective(net.W, net.B, net.xi, net.inputs(x), y, beta, activation, slope)
    assert relative(J, sol.objective) < 1e-9
    # balanced: both layers of unit k have magnitude sqrt(|z_k|)
    root = np.sqrt(np.abs(sol.z[sol.support]))
    np.testing.assert_allclose(np.abs(net.W), np.column_stack([root, root]), rtol=1e-14)
    # its outputs at the data are A z + xi
    np.testing.assert_allclose(net(x), lib.A @ sol.z + sol.xi, rtol=1e-12, atol=1e-12)


def test_from_lasso_min_norm_interpolates_with_penalty_equal_to_norm():
    x, y = make_data("uniform", 8, 5)
    lib = Architecture(2, "abs").library(x)
    sol = min_norm(lib.A, y)
    net = parallel_network(lib, sol)
    assert np.abs(net(x) - y).max() < 1e-9
    assert relative(net.penalty(1.0), sol.objective) < 1e-12


def test_from_lasso_zero_solution_is_the_constant_mean():
    x, y = make_data("uniform", 6, 6)
    lib = Architecture(2, "relu").library(x)
    sol = solve(lib.A, y, 1e6)
    net = parallel_network(lib, sol)
    assert net.width == 0
    np.testing.assert_allclose(net(np.linspace(-5, 5, 4)), y.mean())
    assert net.penalty(1.0) == 0.0


def test_to_torch_of_a_reconstructed_network():
    x, y = make_data("equispaced", 7, 7)
    lib = Architecture(2, "relu").library(x)
    net = parallel_network(lib, solve(lib.A, y, 0.05))
    with torch.no_grad():
        out = net.to_torch()(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(out, net(x), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("z", [2.7, -0.3, 1.0, -16.0, 1e-6])
def test_chain_weights_are_balanced_and_compute_z_times_feature(act, direction, z):
    feature = ramp(0.8, direction, act)
    weights, biases = chain_weights(feature, z)
    # balanced: every |w_l| = |z|^(1/L) with L = 2
    np.testing.assert_allclose(np.abs(weights), abs(z) ** 0.5, rtol=1e-15)
    assert weights.shape == (2,) and biases.shape == (1,)
    # the unit w2 * sigma(w1 x + b1), evaluated from the raw weights, is z * feature(x)
    unit = weights[1] * sigma(act.name, weights[0] * X + biases[0], act.slope)
    np.testing.assert_allclose(unit, z * feature(X), rtol=1e-12, atol=1e-12 * abs(z))
    # penalty (1/L) sum |w_l|^L = |z|
    assert np.isclose(np.sum(np.abs(weights) ** 2) / 2, abs(z), rtol=1e-14)


def test_chain_weights_of_zero_coefficient_give_a_zero_unit():
    weights, biases = chain_weights(ramp(1.0, 1, Activation("relu")), 0.0)
    assert np.all(weights == 0)
    assert np.all(weights[1] * np.maximum(weights[0] * X + biases[0], 0) == 0)


def test_deeper_feature_chain_weights_rescale_biases_layer_by_layer():
    """A hand-made depth-3 unit: |||x - 1| - 2|; rescaled weights must compute z times it."""
    act = Activation("abs")
    feature = Feature(act, (1.0, 1.0), (-1.0, -2.0), (1.0,), "test")
    assert feature.depth == 3
    np.testing.assert_allclose(feature(X), np.abs(np.abs(X - 1) - 2))
    z = -8.0
    weights, biases = chain_weights(feature, z)
    np.testing.assert_allclose(np.abs(weights), 2.0)  # |z|^(1/3) = 2
    h = np.abs(weights[0] * X + biases[0])
    h = np.abs(weights[1] * h + biases[1])
    np.testing.assert_allclose(weights[2] * h, z * feature(X), rtol=1e-12, atol=1e-12)
