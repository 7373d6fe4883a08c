"""Libraries on data: repeated points, merged duplicate columns, lazily built features."""

import numpy as np

from lmirrors import Architecture, Library
from lmirrors.libraries.library import distinct_columns, first_rows


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


def test_first_rows_equals_sorting_the_rows():
    """The hashed first occurrences are np.unique's, on many duplicates, one column and no rows."""
    rng = np.random.default_rng(3)
    for rows, width in [(2000, 3), (500, 1), (40, 60), (0, 4)]:
        key = rng.integers(-2, 3, size=(rows, width))
        expected = np.sort(np.unique(key, axis=0, return_index=True)[1]) if rows else []
        np.testing.assert_array_equal(first_rows(key), expected)


def test_first_rows_survives_a_hash_collision(monkeypatch):
    """With every hash equal, the exact comparison catches the collision and rows are sorted instead."""

    class ZeroWeights:
        def integers(self, low, high, size, dtype):
            return np.zeros(size, dtype=dtype)

    monkeypatch.setattr(np.random, "default_rng", lambda seed: ZeroWeights())
    key = np.array([[1, 2], [0, 0], [1, 2], [3, 1]])
    np.testing.assert_array_equal(first_rows(key), [0, 1, 3])


def test_distinct_columns_of_a_deep_library_equal_sorting_rounded_columns():
    """On a real library (many exact duplicates) the classes are those of the rounded, centred,
    sign-normalised columns sorted row by row."""
    x = distinct_x(12, 4)
    A = Architecture(3, "abs").family.candidates(Architecture(3, "abs"), np.unique(x)).values(x)
    tol = 1e-9 * max(1.0, np.abs(A).max())
    C = A - A.mean(axis=0)
    nonconstant = np.flatnonzero(np.abs(C).max(axis=0) > tol)
    C = C[:, nonconstant]
    C = C * np.sign(C[np.argmax(np.abs(C) > tol, axis=0), np.arange(C.shape[1])])
    expected = nonconstant[np.sort(np.unique(np.round(C / tol).T, axis=0, return_index=True)[1])]
    kept = distinct_columns(A)
    assert kept.size < nonconstant.size  # the library does have duplicates
    np.testing.assert_array_equal(kept, expected)
