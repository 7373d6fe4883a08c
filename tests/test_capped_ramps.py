"""Deep narrow ReLU networks (v4 Lemma 3.8, libraries/capped_ramps.py): N(N - 1)/2 capped ramps,
every deep ReLU unit is a clamp, and the matrix-free capped-ramp dictionary prices in O(N)."""

import numpy as np
import pytest
from deep_helpers import chain
from helpers import capped_ramps_dense, noisy

from lmirrors import Architecture
from lmirrors.libraries.capped_ramps import CappedRampDictionary, capped_ramp


def generic_x(n, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 3.0, n)


@pytest.mark.parametrize("depth", [3, 4, 6])
@pytest.mark.parametrize("n", [2, 3, 5, 9, 12])
def test_deep_relu_library_size(depth, n):
    """N(N - 1)/2 capped ramps, all distinct on the data: two ramps clip(x, x_i, x_j) on the data
    differ in where the slope is 1 (the run of points from x_i to x_j), so none merge."""
    lib = Architecture(depth, "relu").library(generic_x(n))
    assert lib.n_candidates == Architecture(depth, "relu").size_formula(n) == n * (n - 1) // 2
    assert lib.size == n * (n - 1) // 2


def test_capped_ramp_is_clip_and_padded_layers_are_identities():
    t = np.linspace(-3, 9, 101)
    for depth in (3, 4, 7):
        f = capped_ramp(1.0, 5.0, depth, Architecture(depth, "relu").activation)
        assert f.depth == depth
        np.testing.assert_allclose(f(t), np.clip(t, 1, 5) - 1, atol=1e-15)
        np.testing.assert_allclose(chain(t, [f.signs], [f.biases], "relu")[:, 0], f(t))
        assert f.label == "capped ramp 1→5"
    with pytest.raises(ValueError, match="a < b"):
        capped_ramp(2.0, 2.0, 3, Architecture(3, "relu").activation)


@pytest.mark.parametrize("depth", [3, 4, 5])
def test_every_deep_relu_unit_is_a_clamp(depth):
    """Random narrow ReLU units: slopes on a fine grid take values in {0, s} for one s in {±1}, and
    the slope-s points form one interval, i.e. the unit is s clip(x, a, b) + c."""
    rng = np.random.default_rng(depth)
    t = np.linspace(-6, 6, 24001)
    signs = rng.choice([-1.0, 1.0], size=(400, depth - 1))
    biases = rng.uniform(-3, 3, size=(400, depth - 1))
    slopes = np.round(np.diff(chain(t, signs, biases, "relu"), axis=0) / np.diff(t)[:, None], 6)
    for column in slopes.T:
        full = column[np.abs(column) == 1]
        assert np.sum((column != 0) & (np.abs(column) != 1)) <= 2  # only the cells holding a kink
        assert np.unique(full).size <= 1  # one sign
        active = np.flatnonzero(column != 0)
        if active.size:
            assert active[-1] - active[0] + 1 == active.size  # one run of slope s: a clamp


def test_capped_ramp_operator_and_linear_time_pricing():
    x, y = noisy(25, 3)
    A = capped_ramps_dense(x)
    D = CappedRampDictionary(x)
    assert np.abs(D.dense() - A).max() < 1e-12 * np.abs(A).max()
    r = y - y.mean()
    dense_corr = A.T @ r
    pricing = D.price(r, 5)
    assert np.isclose(pricing.max_abs, np.abs(dense_corr).max(), rtol=1e-12)
    # the best candidate is the global argmax, with its true correlation
    assert np.isclose(abs(dense_corr[pricing.indices[0]]), pricing.max_abs, rtol=1e-12)
    assert np.allclose(dense_corr[pricing.indices], pricing.values, rtol=1e-10)


def test_capped_ramp_products_equal_the_dense_matrix():
    """No column is stored, yet every product equals the dense matrix's (repeated points included),
    and pair() inverts column_index()."""
    x = np.concatenate([generic_x(15, 7), [0.5, 0.5]])
    r = np.random.default_rng(1).normal(size=x.size)
    D = CappedRampDictionary(x)
    A = capped_ramps_dense(x)
    assert D.shape == A.shape and D.W.nnz == 0
    cols = np.array([0, 4, A.shape[1] - 1, 30, 17])
    coef = np.array([1.5, -2.0, 0.25, 1.0, -0.5])
    z = np.zeros(A.shape[1])
    z[cols] = coef
    scale = np.abs(A).max() * np.abs(r).sum()
    np.testing.assert_allclose(D.matvec_columns(cols, coef), A[:, cols] @ coef, atol=1e-12 * scale)
    np.testing.assert_allclose(D.matvec(z), A @ z, atol=1e-12 * scale)
    np.testing.assert_allclose(D.correlations(r, cols), A[:, cols].T @ r, atol=1e-12 * scale)
    np.testing.assert_allclose(D.rmatvec(r), A.T @ r, atol=1e-12 * scale)
    Ac = A[:, cols] - A[:, cols].mean(axis=0)
    np.testing.assert_allclose(D.gram(cols), Ac.T @ Ac, atol=1e-12 * scale**2)
    np.testing.assert_allclose(D.columns(cols), A[:, cols], atol=1e-12 * scale)
    i, j = np.triu_indices(D.points.size, 1)
    np.testing.assert_array_equal(np.column_stack(D.pair(np.arange(i.size))), np.column_stack([i, j]))


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_paper_dictionary_has_the_same_minimum_norm(depth):
    """The paper's published (s, j, k) dictionary and the capped ramps give the same minimum norm."""
    from lmirrors import fit
    from lmirrors.convex.lasso import min_norm
    from lmirrors.libraries.capped_ramps import paper_relu_column, paper_relu_columns

    rng = np.random.default_rng(depth)
    for _ in range(3):
        x, y = np.sort(rng.uniform(0, 5, 5)), rng.normal(size=5)
        ours = fit(x, y, depth=depth, beta=0).solution.objective
        assert abs(min_norm(paper_relu_columns(x, depth), y).objective - ours) < 1e-7 * max(1.0, ours)
    # k = 1: the first breakpoint is the reflection 2 x_{j2} - x_{j1}
    x = np.array([0.0, 2, 6, 7])
    t = np.linspace(-1, 8, 19)
    assert np.allclose(paper_relu_column(x, t, (1, 1, 1), (0, 1, 0), 1), np.maximum(t - 4, 0))
