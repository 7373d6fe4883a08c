"""Libraries on data: repeated points, merged duplicate columns, lazily built features."""

import numpy as np

from lmirrors import Architecture, Library
from lmirrors.libraries.library import distinct_columns


def distinct_x(n, seed=0):
    return np.random.default_rng(seed).permutation(np.linspace(-1.0, 2.0, n) ** 3 + 0.1 * np.arange(n))


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
