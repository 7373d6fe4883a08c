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
