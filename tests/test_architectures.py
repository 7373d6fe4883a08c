"""The architecture registry: size formulas, names, options and the errors for what is not there."""

import pytest

from lmirrors import Architecture


def test_size_formula():
    assert Architecture(2, "relu").size_formula(7) == 14
    assert Architecture(2, "leaky_relu").size_formula(7) == 14
    assert Architecture(2, "abs").size_formula(7) == 7


@pytest.mark.parametrize(
    "depth, activation, match",
    [
        (5, "leaky_relu", "no library yet for depth 5 with leaky_relu"),
        (6, "abs", "no library yet for depth 6 with abs"),
        (11, "relu", "no library yet for depth 11 with relu"),
        (1, "relu", "depth must be an integer >= 2"),
        (2.0, "relu", "depth must be an integer"),
        ("2", "relu", "depth must be an integer"),
    ],
)
def test_unsupported_architectures(depth, activation, match):
    with pytest.raises(ValueError, match=match):
        Architecture(depth, activation)


def test_unknown_activation_in_architecture():
    with pytest.raises(ValueError, match="unknown activation 'tanh'"):
        Architecture(2, "tanh")


def test_architecture_name_and_slope():
    arch = Architecture(2, "leaky_relu", slope=0.25)
    assert arch.activation.slope == 0.25
    assert arch.name == "2-layer leaky_relu"
