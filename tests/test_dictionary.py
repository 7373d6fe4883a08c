"""Matrix-free ramp dictionaries: the exact ramp expansion of any matrix on 1-D data."""

import numpy as np
from helpers import capped_ramps_dense, noisy

from lmirrors.convex.dictionary import RampDictionary


def test_from_matrix_expansion_is_exact_and_sparse():
    x, _ = noisy(20, 5)
    A = capped_ramps_dense(x)
    R = RampDictionary.from_matrix(x, A)
    assert np.abs(R.dense() - A).max() < 1e-10 * np.abs(A).max()
    assert R.W.nnz <= 2 * A.shape[1]  # two slope changes per capped ramp
    # a column that is not piecewise linear with few kinks is dense in ramps: no cheating
    assert RampDictionary.from_matrix(x, np.sin(x)[:, None]).W.nnz >= x.size - 2


def test_explicit_columns_of_every_dictionary_kind():
    from lmirrors.convex.dictionary import DenseDictionary, Dictionary, RampDictionary
    from lmirrors.libraries.ramps import two_layer_dictionary

    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, 30)
    ramps = two_layer_dictionary(x, "leaky_relu")
    cols = np.array([5, 0, 17, ramps.shape[1] - 1])
    np.testing.assert_allclose(ramps.columns(cols), ramps.dense()[:, cols], atol=1e-12)
    np.testing.assert_allclose(Dictionary.columns(ramps, cols), ramps.dense()[:, cols], atol=1e-12)
    A = rng.standard_normal((30, 6))
    np.testing.assert_array_equal(DenseDictionary(A).columns(cols[:2]), A[:, cols[:2]])
    assert isinstance(ramps, RampDictionary)


def test_top_indices_puts_local_peaks_first():
    """With ``peaks``: the largest local maxima of |v| in index order, then the largest others."""
    from lmirrors.convex.dictionary import top_indices

    rng = np.random.default_rng(2)
    for size, count in [(200, 5), (200, 150), (3, 3)]:
        v = rng.standard_normal(size)
        a = np.abs(v)
        padded = np.concatenate([[-1.0], a, [-1.0]])
        peak = (a >= padded[:-2]) & (a >= padded[2:])
        by_size = np.argsort(-a, kind="stable")
        expected = np.concatenate([by_size[peak[by_size]], by_size[~peak[by_size]]])[:count]
        np.testing.assert_array_equal(top_indices(v, count, peaks=True), expected)


def test_peaks_take_one_column_per_run_of_violations():
    """Runs of consecutive entries above the level, split where the sign flips or a block ends;
    the first largest of each, and the largest magnitude of all."""
    from lmirrors.libraries.ramp_kernels import peaks

    values = np.array([0.0, 2.0, 3.0, 2.5, 0.0, -2.0, -4.0, 0.5, 5.0, 5.5, -6.0, 3.0, 3.0, 1.0])
    whole = np.array([0, values.size])
    best, found = peaks(values, 1.5, whole)
    assert best == 6.0
    np.testing.assert_array_equal(found, [2, 6, 9, 10, 11])
    np.testing.assert_array_equal(peaks(values, 1.5, np.array([0, 9, values.size]))[1], [2, 6, 8, 9, 10, 11])
    assert peaks(values, 10.0, whole)[1].size == 0


def test_weighted_dictionary_prices_above_a_level_through_its_parent():
    """A reweighted 2-layer library finds the same runs as its parent priced at the reflected residual."""
    from lmirrors.convex.dictionary import RowWeights, WeightedDictionary
    from lmirrors.libraries.ramps import two_layer_dictionary

    rng = np.random.default_rng(5)
    x, r = rng.uniform(-1, 1, 50), rng.standard_normal(50)
    parent, rows = two_layer_dictionary(x), RowWeights(rng.uniform(0.5, 2.0, 50))
    weighted = WeightedDictionary(parent, rows)
    level = 0.5 * weighted.price(r).max_abs
    mine, theirs = weighted.price_above(r, level, 10), parent.price_above(rows.adjoint(r), level, 10)
    np.testing.assert_array_equal(mine.indices, theirs.indices)
    assert mine.indices.size and np.all(np.abs(mine.values) > level)
