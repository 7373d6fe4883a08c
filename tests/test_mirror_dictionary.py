"""The deep-abs library as a matrix-free ramp dictionary, against chain values and cvxpy."""

import numpy as np
import pytest
from helpers import make_data

from lmirrors import Architecture
from lmirrors.lasso import beta_max, duality_gap, lasso_objective, solve
from lmirrors.mirrors import chain_values, independent_pinnings, pinned_parameters
from lmirrors.operators import mirror_dictionary


def reference(x, depth):
    """The units of every pinning evaluated directly: the matrix the dictionary must equal."""
    return chain_values(pinned_parameters(np.unique(x), depth).a, x)


@pytest.mark.parametrize(("depth", "n"), [(3, 12), (3, 3), (4, 8), (4, 3), (5, 5)])
@pytest.mark.parametrize("layout", ["uniform", "duplicates", "equispaced", "outlier"])
def test_dense_equals_chain_values(depth, n, layout):
    for seed in range(3):
        x, _ = make_data(layout, n, seed)
        x = 37.0 + 5.0 * x  # off-centre data: offsets and kinks left of the data matter
        A = reference(x, depth)
        D = mirror_dictionary(x, depth)
        assert D.shape == A.shape
        assert np.abs(D.dense() - A).max() <= 1e-12 * np.abs(A).max()
        # at most 2^(L-1) ramps per column: the ramp at x_1 and one per kink form
        assert D.W.nnz <= 2 ** (depth - 1) * A.shape[1]


def test_operator_products_match_dense():
    x, y = make_data("duplicates", 15, 4)
    A, D = reference(x, 3), mirror_dictionary(x, 3)
    rng = np.random.default_rng(0)
    z, cols = rng.standard_normal(A.shape[1]), rng.choice(A.shape[1], 8, replace=False)
    r = y - y.mean()
    scale = np.abs(A).max()
    assert np.allclose(D.matvec(z), A @ z, rtol=0, atol=1e-11 * scale * np.abs(z).sum())
    assert np.allclose(D.rmatvec(r), A.T @ r, rtol=0, atol=1e-11 * scale * np.abs(r).sum())
    Ac = A - A.mean(axis=0)
    assert np.allclose(D.gram(cols), Ac[:, cols].T @ Ac[:, cols], rtol=1e-10, atol=1e-10 * scale**2)
    assert np.isclose(D.price(r).max_abs, np.abs(A.T @ r).max(), rtol=1e-12)


@pytest.mark.parametrize("layout", ["uniform", "duplicates", "clustered"])
def test_library_columns_are_dictionary_columns_up_to_a_constant(layout):
    x, _ = make_data(layout, 10, 1)
    library = Architecture(3, "abs").library(x).A
    D = mirror_dictionary(x).dense()
    assert D.shape[1] == (3 * 10**2 - 10) // 2
    lib_c, dict_c = library - library.mean(axis=0), D - D.mean(axis=0)
    distance = np.abs(lib_c[:, :, None] - dict_c[:, None, :]).max(axis=0).min(axis=1)
    assert distance.max() <= 1e-12 * np.abs(library).max()


@pytest.mark.parametrize("fraction", [0.5, 0.1, 0.01])
def test_working_set_on_mirrors_agrees_with_cvxpy(fraction):
    for seed, (depth, n) in enumerate([(3, 8), (3, 12), (3, 16), (4, 7)]):
        x, y = make_data("duplicates" if seed % 2 else "uniform", n, seed)
        A = Architecture(depth, "abs").library(x).A
        beta = fraction * beta_max(A, y)
        expected = solve(A, y, beta, method="cvxpy")
        sol = solve(mirror_dictionary(x, depth), y, beta, method="working-set")
        assert abs(sol.objective - expected.objective) <= 1e-7 * expected.objective
        # certificate recomputed on the dense matrix of the same columns, not by the solver
        dense = reference(x, depth)
        assert duality_gap(dense, y, sol.z, sol.xi, beta) <= 1e-9 * sol.objective
        assert np.isclose(lasso_objective(dense, y, sol.z, sol.xi, beta), sol.objective, rtol=1e-12)


def family_columns(x, family):
    """Columns of ``mirror_dictionary(x, 3)`` outside one depth-3 family ("midpoint" or "reflection")."""
    pinnings = pinned_parameters(np.unique(x), 3)
    midpoint = independent_pinnings(3).index((1, 2))  # a1 - a2 and a1 + a2 pinned
    in_family = (pinnings.depth == 3) & ((pinnings.subset == midpoint) == (family == "midpoint"))
    return np.flatnonzero(~in_family)


@pytest.mark.parametrize(
    ("x", "y", "beta", "family", "without"),
    [
        ([0, 1, 3, 4, 7], [1 / 3, -1, 1, -1 / 3, 0], 5 / 3, "reflection", 10 / 9),
        ([0, 1, 4, 5, 9], [-0.25, 0, 1, -1, 0.25], 7 / 4, "midpoint", 1.0625),
    ],
)
def test_both_families_are_needed(x, y, beta, family, without):
    """DESIGN.md section 2: dropping either family loses the optimum (the test has teeth)."""
    x, y = np.array(x, dtype=float), np.array(y)
    D = mirror_dictionary(x)
    full = solve(D, y, beta)
    cut = solve(D.dense()[:, family_columns(x, family)], y, beta, method="cvxpy")
    assert np.isclose(cut.objective, without, rtol=1e-7)
    assert full.objective < without - 1e-3
    assert np.isclose(full.objective, solve(reference(x, 3), y, beta, method="cvxpy").objective, rtol=1e-7)
    if family == "reflection":
        assert np.isclose(full.objective, 13 / 12, rtol=1e-9)


def test_medium_problem_is_certified_against_every_column():
    """N = 300 (134,850 columns): the certificate is checked on chain values, block by block."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 300)
    y = np.sin(4 * x) + 0.3 * rng.standard_normal(x.size)
    D = mirror_dictionary(x)
    beta = 0.01 * beta_max(D, y)
    sol = solve(D, y, beta)
    assert sol.relative_gap <= 1e-9 and 0 < sol.support.size < 100
    a = pinned_parameters(np.unique(x), 3).a
    fitted = chain_values(a[sol.support], x) @ sol.z[sol.support] + sol.xi
    r = y - fitted - np.mean(y - fitted)
    correlation = max(np.abs(chain_values(a[k : k + 20_000], x).T @ r).max() for k in range(0, len(a), 20_000))
    gap = duality_gap(chain_values(a[sol.support], x), y, sol.z[sol.support], sol.xi, beta, correlation)
    assert gap <= 1e-9 * sol.objective


def test_bad_input():
    with pytest.raises(ValueError, match="two distinct"):
        mirror_dictionary([1.0, 1.0])
    with pytest.raises(ValueError, match="depth"):
        mirror_dictionary([0.0, 1.0], depth=1)
