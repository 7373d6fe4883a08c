"""Additive networks: the block dictionary, the stacked Lasso and the rebuilt network.

a. ``BlockDictionary`` computes exactly what the stacked dense matrix computes;
b. the stacked library is complete: its solution is dual feasible for a dense oracle of
   realisable units on every feature (kinks anywhere), so no unit reading one feature can
   lower the objective; a cut-down library fails the same check;
c. the rebuilt additive network attains the certified Lasso optimum, dense and matrix-free agree,
   one feature is ``lmirrors.fit``.
"""

import numpy as np
import pytest
from helpers import oracle_matrix

import lmirrors
from lmirrors.convex.dictionary import BlockDictionary, DenseDictionary
from lmirrors.convex.lasso import beta_max, solve
from lmirrors.fitting import fit_additive
from lmirrors.libraries.ramps import two_layer_dictionary
from lmirrors.registry import Architecture


def table(n=30, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, d))
    y = np.sin(2 * X[:, 0]) + np.abs(X[:, 1]) + 0.2 * rng.standard_normal(n)
    return X, y


def test_block_dictionary_is_the_stacked_matrix():
    X, _ = table(n=25)
    blocks = [two_layer_dictionary(X[:, 0]), DenseDictionary(np.zeros((25, 0))), two_layer_dictionary(X[:, 1], "abs")]
    blocks.append(DenseDictionary(np.random.default_rng(1).standard_normal((25, 7))))
    stacked = BlockDictionary(blocks)
    A = np.hstack([b.dense() if hasattr(b, "dense") else b.A for b in blocks])
    assert stacked.shape == A.shape
    rng = np.random.default_rng(2)
    r = rng.standard_normal(25)
    r -= r.mean()
    z = np.where(rng.uniform(size=A.shape[1]) < 0.1, rng.standard_normal(A.shape[1]), 0.0)
    cols = rng.choice(A.shape[1], 12, replace=False)
    np.testing.assert_allclose(stacked.matvec(z), A @ z, atol=1e-10)
    np.testing.assert_allclose(stacked.matvec_columns(cols, z[cols] + 1), A[:, cols] @ (z[cols] + 1), atol=1e-10)
    np.testing.assert_allclose(stacked.correlations(r, cols), A[:, cols].T @ r, atol=1e-10)
    np.testing.assert_allclose(stacked.rmatvec(r), A.T @ r, atol=1e-10)
    priced = stacked.price(r, 5)
    assert priced.max_abs == pytest.approx(np.abs(A.T @ r).max())
    # the blocks' own choices (ramps prefer local peaks), merged: values are those columns' correlations
    assert priced.indices.size == 5
    np.testing.assert_allclose(priced.values, A[:, priced.indices].T @ r, atol=1e-10)
    assert abs(priced.values[0]) == pytest.approx(priced.max_abs)
    Ac = A[:, cols] - A[:, cols].mean(axis=0)
    np.testing.assert_allclose(stacked.gram(cols), Ac.T @ Ac, atol=1e-9)
    with pytest.raises(ValueError, match="same number of rows"):
        BlockDictionary([DenseDictionary(np.ones((3, 2))), DenseDictionary(np.ones((4, 2)))])


@pytest.mark.parametrize("activation", ["relu", "abs", "leaky_relu"])
def test_stacked_library_is_complete_against_an_oracle(activation):
    X, y = table()
    beta = 0.05
    result = fit_additive(X, y, activation=activation, beta=beta)
    slope = result.architecture.activation.slope
    oracle = np.hstack([oracle_matrix(column, activation, slope) for column in X.T])
    residual = y - result.predict(X)
    # dual feasible for every realisable unit on every feature: no unit can lower J
    assert np.abs(oracle.T @ (residual - residual.mean())).max() <= beta * (1 + 1e-6)
    assert solve(oracle, y, beta).objective >= result.solution.objective * (1 - 1e-8)


def test_a_cut_down_library_is_caught():
    X, y = table()
    beta = 0.05
    architecture = Architecture(2, "relu")
    full = fit_additive(X, y, beta=beta)
    libraries = [architecture.library(column) for column in X.T]
    # feature 0 may bend only at every third data point
    kept = architecture.library(X[:, 0], breakpoints=np.sort(X[:, 0])[::3])
    cut = solve(np.hstack([kept.A, libraries[1].A, libraries[2].A]), y, beta)
    assert cut.objective > full.solution.objective * (1 + 1e-3)
    oracle = oracle_matrix(X[:, 0], "relu")
    residual = y - cut.xi - np.hstack([kept.A, libraries[1].A, libraries[2].A]) @ cut.z
    assert np.abs(oracle.T @ (residual - residual.mean())).max() > beta * 1.01


@pytest.mark.parametrize(
    ("depth", "activation", "options"),
    [
        (2, "relu", {}),
        (3, "relu", {}),
        (3, "abs", {}),
        (2, "symmetrized_relu", {}),
        (2, "threshold", {}),
        (3, "sign", {"m1": 2}),
    ],
    ids=str,
)
def test_rebuilt_network_attains_the_certified_optimum(depth, activation, options):
    X, y = table(n=20)
    beta = 0.05
    result = fit_additive(X, y, depth=depth, activation=activation, beta=beta, **options)
    assert result.solution.relative_gap < 1e-8
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-9)
    shapes = result.network.shapes(X)
    assert shapes.shape == (3, 20)
    np.testing.assert_allclose(result.predict(X), result.network.xi + shapes.sum(axis=0))
    assert result.network.width == result.solution.support.size


@pytest.mark.parametrize("method", ["library", "matrix_free"])
def test_row_order_does_not_change_the_additive_network(method):
    # deep abs blocks have many optima; before the rows were sorted, their extrapolations differed by up to 4
    rng = np.random.default_rng(0)
    X, y = rng.uniform(0.0, 5.0, (14, 2)), rng.normal(size=14)
    grid = rng.uniform(-3.0, 8.0, (200, 2))
    first = fit_additive(X, y, 3, "abs", beta=0.05, method=method)
    for _ in range(3):
        shuffled = rng.permutation(y.size)
        again = fit_additive(X[shuffled], y[shuffled], 3, "abs", beta=0.05, method=method)
        np.testing.assert_array_equal(again.X, X[shuffled])
        np.testing.assert_allclose(again.predict(grid), first.predict(grid), rtol=0, atol=1e-9)
        assert abs(again.network_objective - first.network_objective) <= 1e-12 * first.network_objective


def test_minimum_norm_additive_network_interpolates():
    X, y = table(n=12)
    result = fit_additive(X, y, beta=0)
    np.testing.assert_allclose(result.predict(X), y, atol=1e-9)
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-9)


def test_dense_and_matrix_free_agree_and_one_feature_is_fit():
    X, y = table(n=60)
    X[:, 2] = 1.0  # a constant feature gets no units
    dense = fit_additive(X, y, beta=0.05, method="library")
    free = fit_additive(X, y, beta=0.05, method="matrix_free")
    assert free.solution.objective == pytest.approx(dense.solution.objective, rel=1e-9)
    assert free.network_objective == pytest.approx(dense.solution.objective, rel=1e-9)
    assert not free.library.complete and dense.library.complete
    assert free.network.networks[2].width == 0 and dense.network.networks[2].width == 0
    grid = np.random.default_rng(3).uniform(-2, 2, (50, 3))
    np.testing.assert_allclose(free.predict(grid), dense.predict(grid), atol=1e-6)
    one = fit_additive(X[:, :1], y, beta=0.05)
    assert one.solution.objective == pytest.approx(lmirrors.fit(X[:, 0], y, beta=0.05).solution.objective, rel=1e-10)


def test_auto_writes_the_stack_down_only_where_fit_would():
    """``method="auto"`` follows :func:`lmirrors.fitting.automatic_method`'s size rule on the whole
    stack: for beta > 0 a stack past ``WRITE_DOWN_LIMIT`` entries is solved matrix-free (writing it
    down costs more than solving), at beta = 0 it is written down."""
    X, y = table(n=120, d=4)  # 120 rows x 4 blocks of ~240 ramps: ~1.2e5 entries, under the limit
    assert fit_additive(X, y, beta=0.05).library.complete
    X, y = table(n=300, d=4)  # ~3e5 entries
    assert 300 * sum(Architecture().size_formula(300) for _ in range(4)) > lmirrors.fitting.WRITE_DOWN_LIMIT
    assert not fit_additive(X, y, beta=0.05).library.complete
    assert fit_additive(X, y, beta=0).library.complete


def test_beyond_beta_max_the_network_is_the_mean():
    X, y = table()
    big = 1.01 * beta_max(np.hstack([Architecture().library(c).A for c in X.T]), y)
    result = fit_additive(X, y, beta=big)
    assert result.network.width == 0
    np.testing.assert_allclose(result.predict(X), y.mean())


def test_bad_input():
    X, y = table()
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        fit_additive(X[:, 0], y)
    with pytest.raises(ValueError, match="rows but y has"):
        fit_additive(X, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        fit_additive(np.where(X > 1.5, np.nan, X), y)
    with pytest.raises(ValueError, match="no fixed library"):
        fit_additive(X, y, depth=3, activation="sign", widths=2, layout="rectangular")
    with pytest.raises(ValueError, match="method='library'"):
        fit_additive(X, y, beta=0, method="matrix_free")
    with pytest.raises(ValueError, match="output bias 0"):
        type(fit_additive(X, y).network)([lmirrors.fit(X[:, 0], y).network], 0.0)


def test_beta_max_is_where_the_network_vanishes():
    from lmirrors.fitting import additive_beta_max

    X, y = table()
    top = additive_beta_max(X, y)
    assert fit_additive(X, y, beta=1.001 * top).network.width == 0
    assert fit_additive(X, y, beta=0.999 * top).network.width >= 1


def test_adam_on_the_additive_objective_stays_above_the_certified_optimum():
    from lmirrors.training import train_adam_additive

    X, y = table(n=40)
    beta = 0.05
    optimum = fit_additive(X, y, beta=beta).solution.objective
    result = train_adam_additive(X, y, beta=beta, width=8, restarts=2, steps=400, progress=False)
    assert result.objective == pytest.approx(result.network.objective(X, y, beta))
    assert result.objective >= optimum * (1 - 1e-9)
    assert result.objective < 1.5 * optimum  # and it does train
    assert [part.width for part in result.network.networks] == [8, 8, 8]


def test_score_regressors_times_and_scores_on_the_held_out_rows():
    from sklearn.linear_model import LinearRegression

    from lmirrors.comparison import score_regressors

    X, y = table(n=60)
    scored = score_regressors({"linear": LinearRegression()}, X[:40], y[:40], X[40:], y[40:])
    reference = LinearRegression().fit(X[:40], y[:40]).predict(X[40:])
    assert scored["linear"].test_rmse == pytest.approx(np.sqrt(np.mean((reference - y[40:]) ** 2)))
    assert scored["linear"].seconds > 0
