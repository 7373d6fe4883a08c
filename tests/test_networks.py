"""ParallelNetwork: forward pass, penalty, objective, reconstruction from a Lasso solution, torch twin."""

import numpy as np
import pytest
import torch
from helpers import make_data, relative, two_layer_objective

from lmirrors import Activation, Architecture, ParallelNetwork, min_norm, solve


def hand_network():
    # unit 1: 3 relu(2x + 1); unit 2: 0.5 relu(-x + 2); output bias 0.5
    return ParallelNetwork(
        Activation("relu"), np.array([[2.0, 3.0], [-1.0, 0.5]]), np.array([[1.0], [2.0]]), 0.5
    )


def test_forward_by_hand():
    net = hand_network()
    # x = 0: 0.5 + 3*relu(1) + 0.5*relu(2) = 0.5 + 3 + 1 = 4.5
    # x = -1: 0.5 + 3*relu(-1) + 0.5*relu(3) = 0.5 + 0 + 1.5 = 2
    # x = 3: 0.5 + 3*relu(7) + 0.5*relu(-1) = 0.5 + 21 = 21.5
    np.testing.assert_allclose(net([0.0, -1.0, 3.0]), [4.5, 2.0, 21.5])
    np.testing.assert_allclose(net.units([0.0]), [[3.0], [1.0]])
    assert net.depth == 2 and net.width == 2


def test_penalty_and_objective_by_hand():
    net = hand_network()
    # beta/L sum |w|^L with L = 2, beta = 2: (4 + 9 + 1 + 0.25) = 14.25
    assert net.penalty(2.0) == pytest.approx(14.25, rel=1e-15)
    # data (0, 4), (-1, 2.5): residuals 0.5 and -0.5 -> fit 0.25; plus penalty 14.25 at beta = 2
    assert net.objective([0.0, -1.0], [4.0, 2.5], 2.0) == pytest.approx(14.5, rel=1e-15)
    assert net.objective([0.0, -1.0], [4.0, 2.5], 0.0) == pytest.approx(0.25, rel=1e-15)


def test_penalty_of_depth_three_uses_cubes_of_absolute_values():
    """L = 3: beta/3 sum |w|^3 (absolute values: a negative weight must not lower the penalty)."""
    W = np.array([[-2.0, 1.0, 1.0]])
    net = ParallelNetwork(Activation("abs"), W, np.zeros((1, 2)), 0.0)
    assert net.penalty(3.0) == pytest.approx(8 + 1 + 1)
    # |||x| - 0| ... with weights (-2, 1, 1): unit(x) = ||-2x|| = 2|x|
    np.testing.assert_allclose(net([-1.5, 2.0]), [3.0, 4.0])


def test_first_layer_kinks():
    net = hand_network()
    # 2x + 1 = 0 at -0.5; -x + 2 = 0 at 2
    np.testing.assert_allclose(net.first_layer_kinks(), [-0.5, 2.0])


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
    lib = Architecture(2, activation, slope=slope or 0.01).library(x)
    sol = solve(lib.A, y, beta)
    net = ParallelNetwork.from_lasso(lib, sol)
    assert net.width == sol.support.size and net.depth == 2
    assert relative(net.objective(x, y, beta), sol.objective) < 1e-9
    # the same, from the raw weights with an independent forward pass
    J = two_layer_objective(net.W, net.B, net.xi, x, y, beta, activation, slope)
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
    net = ParallelNetwork.from_lasso(lib, sol)
    assert np.abs(net(x) - y).max() < 1e-9
    assert relative(net.penalty(1.0), sol.objective) < 1e-12


def test_from_lasso_zero_solution_is_the_constant_mean():
    x, y = make_data("uniform", 6, 6)
    lib = Architecture(2, "relu").library(x)
    sol = solve(lib.A, y, 1e6)
    net = ParallelNetwork.from_lasso(lib, sol)
    assert net.width == 0
    np.testing.assert_allclose(net(np.linspace(-5, 5, 4)), y.mean())
    assert net.penalty(1.0) == 0.0


@pytest.mark.parametrize("activation, slope", [("relu", 0.0), ("leaky_relu", 0.2), ("abs", 0.0)])
def test_to_torch_matches_numpy(activation, slope):
    rng = np.random.default_rng(4)
    act = Activation(activation, slope)
    net = ParallelNetwork(act, rng.standard_normal((5, 2)), rng.standard_normal((5, 1)), 0.3)
    module = net.to_torch()
    t = np.linspace(-3, 3, 25)
    with torch.no_grad():
        out = module(torch.as_tensor(t)).numpy()
    np.testing.assert_allclose(out, net(t), rtol=1e-14, atol=1e-14)
    assert all(p.dtype == torch.float64 and p.requires_grad for p in module.parameters())


def test_to_torch_of_a_reconstructed_network():
    x, y = make_data("equispaced", 7, 7)
    lib = Architecture(2, "relu").library(x)
    net = ParallelNetwork.from_lasso(lib, solve(lib.A, y, 0.05))
    with torch.no_grad():
        out = net.to_torch()(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(out, net(x), rtol=1e-13, atol=1e-13)
