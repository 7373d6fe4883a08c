"""Architectures and their 2-layer libraries: candidate counts, merged duplicates, errors."""

import numpy as np
import pytest
from helpers import make_data, sigma

from lmirrors import Architecture, Library
from lmirrors.dictionaries import distinct_columns


def distinct_x(n, seed=0):
    return np.random.default_rng(seed).permutation(np.linspace(-1.0, 2.0, n) ** 3 + 0.1 * np.arange(n))


@pytest.mark.parametrize("n", [2, 3, 5, 9, 12])
def test_relu_library_size(n):
    """2N candidates. On distinct data (x - x_N)_+ and (x_1 - x)_+ vanish, and (x - x_1)_+ = x - x_1,
    (x_N - x)_+ = x_N - x are the same column up to sign and constant: 2N - 2 - 1 = 2N - 3 distinct.
    No other pair can merge: every other ramp has its kink strictly inside the data."""
    lib = Architecture(2, "relu").library(distinct_x(n))
    assert lib.n_candidates == 2 * n
    assert lib.size == len(lib) == 2 * n - 3
    assert lib.A.shape == (n, 2 * n - 3)


@pytest.mark.parametrize("n", [2, 3, 5, 9, 12])
def test_leaky_relu_library_size(n):
    """2N candidates. The four end ramps are affine on the data: x - x_1 and x_N - x (slope ±1) merge,
    gamma (x - x_N) and gamma (x_1 - x) (slope ±gamma) merge, but the two classes differ by the factor
    gamma, and scale is not merged. Interior pairs sigma(x - x_n), sigma(x_n - x) differ by the
    linear term (1 + gamma)(x - x_n), so they stay distinct: 2(N - 2) + 2 = 2N - 2."""
    lib = Architecture(2, "leaky_relu", slope=0.1).library(distinct_x(n))
    assert lib.n_candidates == 2 * n
    assert lib.size == 2 * n - 2


def test_leaky_relu_with_slope_zero_is_the_relu_library():
    x = distinct_x(7)
    leaky = Architecture(2, "leaky_relu", slope=0.0).library(x)
    relu = Architecture(2, "relu").library(x)
    assert leaky.size == relu.size == 2 * 7 - 3
    np.testing.assert_array_equal(leaky.A, relu.A)


@pytest.mark.parametrize("n", [2, 3, 5, 9, 12])
def test_abs_library_size(n):
    """N candidates |x - x_n|. The two end ones are affine (x - x_1 and x_N - x) and merge: N - 1."""
    lib = Architecture(2, "abs").library(distinct_x(n))
    assert lib.n_candidates == n
    assert lib.size == n - 1


@pytest.mark.parametrize("activation, slope", [("relu", 0.0), ("leaky_relu", 0.1), ("abs", 0.0)])
def test_library_columns_are_its_features_at_the_data(activation, slope):
    x, _ = make_data("uniform", 8, seed=3)
    lib = Architecture(2, activation, slope=slope if slope else 0.01).library(x)
    assert lib.A.shape == (x.size, lib.size)
    for k, feature in enumerate(lib.features):
        np.testing.assert_array_equal(lib.A[:, k], feature(x))
        (t,) = feature.breakpoints
        assert t in x  # every kink sits on a data point
        direction = feature.signs[0]
        np.testing.assert_allclose(lib.A[:, k], sigma(activation, direction * (x - t), slope), atol=1e-15)


def test_every_data_kink_is_represented():
    """Up to the merged affine ones, each data point carries both ramp directions."""
    x = distinct_x(6)
    lib = Architecture(2, "relu").library(x)
    kinks = {(f.breakpoints[0], f.signs[0]) for f in lib.features}
    xs = np.sort(x)
    for t in xs[1:-1]:
        assert (t, 1.0) in kinks and (t, -1.0) in kinks


def test_library_with_repeated_points():
    """Candidates come from the distinct points; A keeps one row per data point (repeats included)."""
    x = np.array([0.0, 1.0, 1.0, 3.0, 4.0, 0.0])
    lib = Architecture(2, "relu").library(x)
    assert lib.n_candidates == 2 * 4
    assert lib.size == 2 * 4 - 3
    assert lib.A.shape == (6, 5)
    np.testing.assert_array_equal(lib.A[1], lib.A[2])
    np.testing.assert_array_equal(lib.A[0], lib.A[5])


def test_library_accepts_column_vector_and_is_a_library():
    x = distinct_x(5)
    lib = Architecture(2, "abs").library(x[:, None])
    assert isinstance(lib, Library)
    np.testing.assert_array_equal(lib.A, Architecture(2, "abs").library(x).A)
    assert "4 distinct" in lib.summary() and "5 candidate" in lib.summary()


def test_size_formula():
    assert Architecture(2, "relu").size_formula(7) == 14
    assert Architecture(2, "leaky_relu").size_formula(7) == 14
    assert Architecture(2, "abs").size_formula(7) == 7


def test_distinct_columns_on_a_hand_made_matrix():
    a = np.array([0.0, 1.0, 2.0, 7.0])
    e = np.array([0.0, 0.0, 1.0, 0.0])
    columns = [
        a,  # 0: kept (first of its class)
        a + 5.0,  # 1: a up to a constant
        -a,  # 2: a up to sign
        np.full(4, 3.0),  # 3: constant: dropped
        e,  # 4: kept
        2.0 * a,  # 5: a scaled: a different column, kept
        3.0 - e,  # 6: e up to sign and constant
        np.zeros(4),  # 7: constant: dropped
        -2.0 * a + 1.0,  # 8: same class as 5
    ]
    np.testing.assert_array_equal(distinct_columns(np.column_stack(columns)), [0, 4, 5])


def test_distinct_columns_keeps_columns_that_differ_slightly():
    a = np.array([0.0, 1.0, 2.0])
    b = a + np.array([0.0, 1e-6, 0.0])
    np.testing.assert_array_equal(distinct_columns(np.column_stack([a, b])), [0, 1])


def test_distinct_columns_of_all_constant_matrix_is_empty():
    assert distinct_columns(np.ones((4, 3))).size == 0


@pytest.mark.parametrize(
    "depth, activation, match",
    [
        (3, "leaky_relu", "no library yet for depth 3 with leaky_relu"),
        (6, "abs", "no library yet for depth 6 with abs"),
        (2, "sign", "no library yet for depth 2 with sign"),
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
