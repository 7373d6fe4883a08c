"""Activations: values, the leaky slope, positive homogeneity, the sign convention, errors."""

import numpy as np
import pytest
import torch

from lmirrors import Activation, get_activation

T = np.array([-3.0, -0.5, 0.0, 0.25, 2.0])


def test_relu_values():
    # max(t, 0) at t = -3, -0.5, 0, 0.25, 2
    np.testing.assert_array_equal(get_activation("relu")(T), [0.0, 0.0, 0.0, 0.25, 2.0])


def test_leaky_relu_uses_its_slope_on_the_negative_side():
    # max(t, 0.1 t): negative inputs are multiplied by 0.1, the rest pass through
    np.testing.assert_allclose(get_activation("leaky_relu", slope=0.1)(T), [-0.3, -0.05, 0.0, 0.25, 2.0])
    # a different slope gives a different function (the slope is not ignored)
    np.testing.assert_allclose(get_activation("leaky_relu", slope=0.5)(T), [-1.5, -0.25, 0.0, 0.25, 2.0])


def test_leaky_relu_with_zero_slope_is_relu():
    np.testing.assert_array_equal(Activation("leaky_relu", 0.0)(T), Activation("relu")(T))


def test_abs_values():
    np.testing.assert_array_equal(get_activation("abs")(T), [3.0, 0.5, 0.0, 0.25, 2.0])


def test_sign_values_and_sign_of_zero_is_plus_one():
    # convention: sign(0) = +1
    np.testing.assert_array_equal(get_activation("sign")(T), [-1.0, -1.0, 1.0, 1.0, 1.0])


def test_scalar_input():
    assert float(get_activation("relu")(-2.0)) == 0.0
    assert float(get_activation("abs")(-2.0)) == 2.0


@pytest.mark.parametrize("act", [Activation("relu"), Activation("leaky_relu", 0.2), Activation("abs")])
@pytest.mark.parametrize("c", [1e-3, 0.7, 1.0, 5.0, 1e4])
def test_positive_homogeneity(act, c):
    """sigma(c t) = c sigma(t) for c > 0: what lets units be rescaled (the AM-GM step)."""
    t = np.random.default_rng(0).standard_normal(50) * 3
    assert act.homogeneous
    np.testing.assert_allclose(act(c * t), c * act(t), rtol=1e-14, atol=0)


def test_sign_is_not_homogeneous():
    act = Activation("sign")
    assert not act.homogeneous
    t = np.array([-1.0, 2.0])
    assert not np.allclose(act(3.0 * t), 3.0 * act(t))


@pytest.mark.parametrize("name", ["relu", "abs", "sign"])
def test_single_kink_at_zero(name):
    """Each activation is affine on t < 0 and on t > 0 (its only kink is at 0)."""
    act = get_activation(name)
    for side in (np.linspace(-5, -0.1, 7), np.linspace(0.1, 5, 7)):
        values = act(side)
        slope = np.diff(values) / np.diff(side)
        np.testing.assert_allclose(slope, slope[0], atol=1e-12)


@pytest.mark.parametrize(
    "alias, name",
    [("ReLU", "relu"), ("leaky", "leaky_relu"), ("Leaky-ReLU", "leaky_relu"), ("absolute", "abs")],
)
def test_name_aliases(alias, name):
    assert get_activation(alias).name == name


def test_get_activation_passes_an_activation_through():
    act = Activation("leaky_relu", 0.3)
    assert get_activation(act) is act


def test_slope_only_applies_to_leaky_relu():
    assert get_activation("relu", slope=0.3).slope == 0.0
    assert get_activation("leaky_relu", slope=0.3).slope == 0.3


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "", "relu6"])
def test_unknown_activation_is_rejected(name):
    with pytest.raises(ValueError, match="unknown activation"):
        get_activation(name)


def test_non_string_name_is_rejected():
    with pytest.raises(ValueError, match="activation"):
        get_activation(3)


@pytest.mark.parametrize("slope", [-0.1, 1.0, 2.0])
def test_leaky_slope_out_of_range(slope):
    with pytest.raises(ValueError, match="slope in"):
        Activation("leaky_relu", slope)


@pytest.mark.parametrize("act", [Activation("relu"), Activation("leaky_relu", 0.1), Activation("abs")])
def test_torch_version_matches_numpy(act):
    t = np.linspace(-2, 2, 41)
    out = act.torch(torch.as_tensor(t, dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(out, act(t))


def test_sign_cannot_be_trained():
    with pytest.raises(ValueError, match="sign"):
        Activation("sign").torch(torch.zeros(3))


def test_symmetrized_relu_neuron_by_hand():
    """(w h + b)_+ + (-w h + b')_+ with w = 2, b = -2, b' = -4: zero on [-2, 1], slopes -2 and 2 outside."""
    act = get_activation("symmetrized")
    assert act.name == "symmetrized_relu" and act.bias_shape == (2,)
    h = np.array([-4.0, -2.0, 0.0, 1.0, 3.0])
    np.testing.assert_array_equal(act.neuron(2.0, h, np.array([-2.0, -4.0])), [4.0, 0.0, 0.0, 0.0, 4.0])
    np.testing.assert_array_equal(act(T), np.abs(T))  # both biases 0: (t)_+ + (-t)_+ = |t|


@pytest.mark.parametrize("c", [1e-3, 0.7, 5.0])
def test_symmetrized_relu_neuron_is_homogeneous_in_weight_and_biases(c):
    act = Activation("symmetrized_relu")
    rng = np.random.default_rng(1)
    h, b = rng.standard_normal(40) * 3, rng.standard_normal(2)
    np.testing.assert_allclose(act.neuron(c * 1.3, h, c * b), c * act.neuron(1.3, h, b), rtol=1e-14)


@pytest.mark.parametrize(
    "act", [Activation("relu"), Activation("leaky_relu", 0.2), Activation("abs"), Activation("symmetrized_relu")]
)
def test_neuron_slope_and_torch_neuron(act):
    rng = np.random.default_rng(2)
    h = rng.uniform(-3, 3, 200)
    b = rng.standard_normal(act.bias_shape)
    step = 1e-6
    numeric = (act.neuron(-1.5, h + step, b) - act.neuron(-1.5, h - step, b)) / (2 * step)
    np.testing.assert_allclose(act.neuron_slope(-1.5, h, b), numeric, atol=1e-6)
    out = act.neuron_torch(torch.tensor(-1.5), torch.as_tensor(h), torch.as_tensor(b)).numpy()
    np.testing.assert_allclose(out, act.neuron(-1.5, h, b), rtol=1e-15)
