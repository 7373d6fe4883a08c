"""Features: two-layer ramps (values, kinks, labels) and balanced unit weights."""

import numpy as np
import pytest
from helpers import sigma

from lmirrors import Activation
from lmirrors.libraries.ramps import ramp

X = np.linspace(-3.0, 5.0, 33)
ACTIVATIONS = [Activation("relu"), Activation("leaky_relu", 0.1), Activation("abs")]


def test_relu_ramp_values_by_hand():
    # (x - 2)_+ and (2 - x)_+ at x = 0, 2, 3.5
    x = np.array([0.0, 2.0, 3.5])
    np.testing.assert_array_equal(ramp(2.0, 1, Activation("relu"))(x), [0.0, 0.0, 1.5])
    np.testing.assert_array_equal(ramp(2.0, -1, Activation("relu"))(x), [2.0, 0.0, 0.0])


def test_leaky_and_abs_ramp_values_by_hand():
    x = np.array([0.0, 2.0, 3.5])
    # leaky slope 0.1: sigma(x - 2) = (-0.2, 0, 1.5), sigma(2 - x) = (2, 0, -0.15)
    np.testing.assert_allclose(ramp(2.0, 1, Activation("leaky_relu", 0.1))(x), [-0.2, 0.0, 1.5])
    np.testing.assert_allclose(ramp(2.0, -1, Activation("leaky_relu", 0.1))(x), [2.0, 0.0, -0.15])
    # |x - 2| = (2, 0, 1.5), whichever direction
    np.testing.assert_array_equal(ramp(2.0, 1, Activation("abs"))(x), [2.0, 0.0, 1.5])
    np.testing.assert_array_equal(ramp(2.0, -1, Activation("abs"))(x), [2.0, 0.0, 1.5])


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("t", [-1.25, 0.0, 0.7, 4.0])
def test_ramp_is_sigma_of_direction_times_x_minus_t(act, direction, t):
    feature = ramp(t, direction, act)
    np.testing.assert_allclose(feature(X), sigma(act.name, direction * (X - t), act.slope), rtol=0, atol=1e-15)
    assert feature.breakpoints == (t,)
    assert feature.depth == 2
    assert feature.signs == (float(direction),)


def test_ramp_kink_is_at_its_breakpoint():
    feature = ramp(1.5, 1, Activation("relu"))
    # slope 0 just left of 1.5, slope 1 just right
    left, right = np.array([1.0, 1.4]), np.array([1.6, 2.0])
    assert np.diff(feature(left))[0] == 0.0
    assert np.isclose(np.diff(feature(right))[0] / 0.4, 1.0)


def test_labels_are_readable():
    assert ramp(2.0, 1, Activation("relu")).label == "ramp (x − 2)₊"
    assert ramp(2.0, -1, Activation("relu")).label == "ramp (2 − x)₊"
    assert ramp(0.5, 1, Activation("abs")).label == "|x − 0.5|"
    # negative kinks are written without a double sign
    assert ramp(-1.5, 1, Activation("relu")).label == "ramp (x + 1.5)₊"
    leaky = ramp(-1.0, -1, Activation("leaky_relu", 0.1)).label
    assert leaky.startswith("leaky") and "1 − x" in leaky


def test_labels_distinguish_features():
    labels = {ramp(t, d, Activation("relu")).label for t in (0.0, 1.0, 2.5) for d in (1, -1)}
    assert len(labels) == 6


@pytest.mark.parametrize("direction", [0, 2, -2])
def test_bad_direction(direction):
    with pytest.raises(ValueError, match="direction must be"):
        ramp(0.0, direction, Activation("relu"))
