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


def test_slope_changes_by_hand():
    net = hand_network()
    # 3 relu(2x + 1) bends up by 3*2 at -0.5; 0.5 relu(-x + 2) goes from slope -0.5 to 0 at 2
    np.testing.assert_allclose(net.slope_changes([-0.5, 0.0, 2.0]), [6.0, 0.0, 0.5], rtol=1e-12, atol=1e-12)
    # depth 3: 2 (3 - 1 - (3 - x)_+)_+ = 2 (clip(x, 1, 3) - 1) bends up by 2 at 1, down by 2 at 3
    capped = ParallelNetwork(Activation("relu"), np.array([[-1.0, -1.0, 2.0]]), np.array([[3.0, 2.0]]), 0.0)
    np.testing.assert_allclose(capped.slope_changes([3.0, 2.0, 1.0]), [-2.0, 0.0, 2.0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation, depth", [("relu", 2), ("leaky_relu", 3), ("abs", 4)])
def test_slope_changes_match_one_sided_differences(activation, depth):
    rng = np.random.default_rng(depth)
    net = ParallelNetwork(
        Activation(activation, 0.2 if activation == "leaky_relu" else 0.0),
        rng.standard_normal((3, depth)),
        rng.standard_normal((3, depth - 1)),
        0.1,
    )
    kinks = net.breakpoints()
    assert kinks.size >= 3
    h = 1e-6 * np.diff(kinks).min()
    right = (net(kinks + 2 * h) - net(kinks + h)) / h
    left = (net(kinks - h) - net(kinks - 2 * h)) / h
    changes = net.slope_changes(kinks)
    np.testing.assert_allclose(changes, right - left, rtol=1e-5, atol=1e-6)
    assert np.all(np.abs(changes) > 1e-9)
    between = (kinks[:-1] + kinks[1:]) / 2
    np.testing.assert_array_equal(net.slope_changes(between), 0.0)


def test_main_kinks_leave_out_small_slope_changes():
    net = hand_network()  # slope changes 6 at -0.5 and 0.5 at 2 (ratio 1/12)
    where, changes = net.main_kinks(rtol=0.1)
    np.testing.assert_allclose(where, [-0.5])
    np.testing.assert_allclose(changes, [6.0], rtol=1e-12)
    where, changes = net.main_kinks(rtol=0.05)
    np.testing.assert_allclose(where, [-0.5, 2.0])
    np.testing.assert_allclose(changes, [6.0, 0.5], rtol=1e-12)


def test_a_far_kink_does_not_merge_the_others():
    """Trained networks can have a unit whose kink is far away; the nearby kinks stay distinct."""
    from lmirrors.activations import get_activation

    relu = get_activation("relu")
    W = np.array([[1.0, 1.0], [1.0, -1.0], [1e-13, 1.0]])
    B = np.array([[-2.0], [-4.0], [4.0]])  # kinks at 2, 4 and -4e13
    net = ParallelNetwork(relu, W, B, 0.0)
    where = net.breakpoints()
    assert where.size == 3 and where[0] < -1e13 and np.allclose(where[1:], [2.0, 4.0])
    assert np.allclose(net.main_kinks()[0], [2.0, 4.0])
