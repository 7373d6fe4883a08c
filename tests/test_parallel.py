"""ParallelNetwork: forward pass, penalty, objective, exact breakpoints, torch twin."""

import numpy as np
import pytest
import torch

from lmirrors import Activation, ParallelNetwork


def hand_network():
    # unit 1: 3 relu(2x + 1); unit 2: 0.5 relu(-x + 2); output bias 0.5
    return ParallelNetwork(Activation("relu"), np.array([[2.0, 3.0], [-1.0, 0.5]]), np.array([[1.0], [2.0]]), 0.5)


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


def test_breakpoints_of_a_two_layer_network_are_its_first_layer_kinks():
    net = hand_network()
    # 2x + 1 = 0 at -0.5; -x + 2 = 0 at 2
    np.testing.assert_allclose(net.breakpoints(), [-0.5, 2.0])


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
