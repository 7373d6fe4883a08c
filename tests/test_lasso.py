"""The Lasso solver: certificates, the beta_max threshold, the minimum-norm LP, paths, failures."""

import cvxpy as cp
import numpy as np
import pytest
from helpers import dual_lower_bound, lasso_value, make_data, min_norm_lower_bound, relative

from lmirrors import Architecture, SolverError, min_norm, path, solve
from lmirrors.convex.lasso import beta_max, duality_gap, lasso_objective


def relu_problem(n=8, seed=1):
    x, y = make_data("uniform", n, seed)
    return Architecture(2, "relu").library(x).A, y


def independent_beta_max(A, y):
    """At z = 0 the intercept is mean(y) and the residual y - mean(y); KKT for z = 0 reads
    |A^T (y - mean y)| <= beta, so z = 0 is optimal exactly when beta >= max |A^T (y - mean y)|."""
    return float(np.max(np.abs(A.T @ (y - y.mean()))))


@pytest.mark.parametrize("beta", [1e-3, 0.05, 0.5])
def test_solution_is_certified(beta):
    A, y = relu_problem()
    sol = solve(A, y, beta)
    assert sol.beta == beta
    assert sol.gap >= 0
    assert sol.relative_gap <= 1e-8
    # the reported objective is P at the reported (z, xi), and an independent dual bound confirms it
    assert relative(sol.objective, lasso_value(A, y, sol.z, sol.xi, beta)) < 1e-12
    lower = dual_lower_bound(A, y, sol.z, beta)
    assert lower <= sol.objective * (1 + 1e-12)
    assert sol.objective - lower <= 1e-8 * sol.objective
    # the intercept is optimal for z: the residual has zero mean
    assert abs(np.mean(y - A @ sol.z - sol.xi)) < 1e-12


def test_gap_is_clearly_positive_away_from_the_solution():
    A, y = relu_problem()
    beta = 0.05
    sol = solve(A, y, beta)
    rng = np.random.default_rng(0)
    for _ in range(5):
        z = sol.z + 0.05 * rng.standard_normal(sol.z.size)
        xi = float(np.mean(y - A @ z))
        gap = duality_gap(A, y, z, xi, beta)
        excess = lasso_value(A, y, z, xi, beta) - sol.objective
        # a valid certificate bounds the suboptimality from above, and is not vacuous here
        assert excess > 1e-4
        assert gap >= excess * (1 - 1e-9)
    # a wrong intercept alone is also caught: it costs n/2 * offset^2 exactly
    off = 0.1
    assert np.isclose(duality_gap(A, y, sol.z, sol.xi + off, beta), sol.gap + 0.5 * y.size * off**2, rtol=1e-6)


def test_lasso_objective_helper_matches_definition():
    A, y = relu_problem()
    z = np.linspace(-1, 1, A.shape[1])
    assert relative(lasso_objective(A, y, z, 0.3, 0.2), lasso_value(A, y, z, 0.3, 0.2)) < 1e-14


def test_beta_max_threshold():
    A, y = relu_problem()
    bmax = independent_beta_max(A, y)
    assert relative(beta_max(A, y), bmax) < 1e-12
    above = solve(A, y, bmax * 1.001)
    assert np.all(above.z == 0)
    assert np.isclose(above.xi, y.mean())
    # z = 0 with xi = mean(y): P = 1/2 ||y - mean y||^2
    assert np.isclose(above.objective, 0.5 * np.sum((y - y.mean()) ** 2), rtol=1e-14)
    assert np.all(solve(A, y, 10 * bmax).z == 0)
    # just below the threshold the solution is not zero: the threshold is sharp
    assert np.abs(solve(A, y, bmax * 0.99).z).max() > 0


def test_min_norm_hand_example_single_kink():
    """x = (0, 1, 2), y = (0, 0, 1). With f = xi + a (x)_+ + b (x-1)_+ + c (1-x)_+ + d (2-x)_+ the slopes
    are a - c - d = 0 on [0, 1] and a + b - d = 1 on [1, 2], so b + c = 1 and ||z||_1 >= 1, reached
    only by b = 1: the single ramp (x - 1)_+."""
    lib = Architecture(2, "relu").library([0.0, 1.0, 2.0])
    sol = min_norm(lib.A, np.array([0.0, 0.0, 1.0]))
    assert np.isclose(sol.objective, 1.0, rtol=1e-12)
    (k,) = sol.support
    assert lib.features[k].breakpoints == (1.0,) and lib.features[k].signs == (1.0,)
    assert np.isclose(sol.z[k], 1.0)


def test_min_norm_hand_example_tent_uses_both_directions():
    """y = (0, 1, 0) on x = (0, 1, 2): slopes +1 then -1 give b + c = -2; cost |a|+|b|+|c|+|d| with
    a - d = 1 + c. b = c = -1, a = d = 0 costs 2 (f = 1 - |x - 1|); any other split costs more.
    With |x - t| units the same tent is one feature: cost 1."""
    y = np.array([0.0, 1.0, 0.0])
    relu = Architecture(2, "relu").library([0.0, 1.0, 2.0])
    assert np.isclose(min_norm(relu.A, y).objective, 2.0, rtol=1e-12)
    absolute = Architecture(2, "abs").library([0.0, 1.0, 2.0])
    assert np.isclose(min_norm(absolute.A, y).objective, 1.0, rtol=1e-12)
    # only the +1 direction: a = 1, b = -2 is best, cost 3
    plus_only = np.maximum(np.array([0.0, 1.0, 2.0])[:, None] - np.array([0.0, 1.0])[None, :], 0)
    assert np.isclose(min_norm(plus_only, y).objective, 3.0, rtol=1e-12)


@pytest.mark.parametrize("layout, n, seed", [("uniform", 7, 0), ("clustered", 9, 1), ("outlier", 6, 2)])
def test_min_norm_interpolates_and_matches_an_independent_lp(layout, n, seed):
    x, y = make_data(layout, n, seed)
    A = Architecture(2, "relu").library(x).A
    sol = min_norm(A, y)
    assert sol.beta == 0.0
    assert np.abs(A @ sol.z + sol.xi - y).max() < 1e-9
    assert np.isclose(sol.objective, np.abs(sol.z).sum(), rtol=1e-14)
    # independent formulation: cvxpy (CLARABEL) on the primal with an explicit intercept
    z, xi = cp.Variable(A.shape[1]), cp.Variable()
    cp.Problem(cp.Minimize(cp.norm1(z)), [A @ z + xi == y]).solve(solver=cp.CLARABEL)
    assert relative(sol.objective, float(np.abs(z.value).sum())) < 1e-6
    # and the dual LP gives a certified lower bound that meets it
    lower = min_norm_lower_bound(A, y)
    assert lower <= sol.objective * (1 + 1e-10)
    assert relative(sol.objective, lower) < 1e-9
    assert sol.gap <= 1e-9 * sol.objective


def test_solve_with_beta_zero_is_min_norm():
    A, y = relu_problem()
    a, b = solve(A, y, 0.0), min_norm(A, y)
    assert a.method == b.method
    np.testing.assert_array_equal(a.z, b.z)
    assert a.objective == b.objective


def test_min_norm_is_the_limit_of_small_beta():
    """The min-norm interpolant is feasible with zero fit, so P*(beta) <= beta ||z_0||_1, and by duality
    P*(beta) >= beta nu.y - beta^2 ||nu||^2 / 2 for the LP dual nu: the deficit is O(beta^2)."""
    A, y = relu_problem()
    norm = min_norm(A, y).objective
    deficits = []
    for beta in (1e-4, 1e-5, 1e-6):
        small = solve(A, y, beta)
        assert small.objective <= beta * norm * (1 + 1e-9)
        assert np.abs(small.z).sum() <= norm * (1 + 1e-9)
        deficits.append(norm - small.objective / beta)
    assert deficits[0] > 0
    assert deficits[1] < 0.2 * deficits[0] and deficits[2] < 0.2 * deficits[1]


def test_infeasible_min_norm_raises_solver_error():
    """A single linear column cannot interpolate the tent y = (0, 1, 0) on x = (0, 1, 2)."""
    A = np.array([[0.0], [1.0], [2.0]])
    with pytest.raises(SolverError, match="cannot interpolate"):
        min_norm(A, np.array([0.0, 1.0, 0.0]))
    with pytest.raises(SolverError):
        solve(A, np.array([0.0, 1.0, 0.0]), 0.0)
    # ... but it interpolates a line, so the error is about the data, not the matrix
    assert np.isclose(min_norm(A, np.array([1.0, 3.0, 5.0])).objective, 2.0)


def test_too_few_columns_from_a_cut_library_is_infeasible():
    x, y = make_data("uniform", 6, 3)
    A = Architecture(2, "relu").library(x).A
    with pytest.raises(SolverError):
        min_norm(A[:, :2], y)


def test_path_one_solution_per_beta_and_monotone_objective():
    A, y = relu_problem()
    betas = [0.3, 1e-3, 0.05, 2.0, 0.01, 0.1]
    sols = path(A, y, betas)
    assert len(sols) == len(betas)
    assert [s.beta for s in sols] == betas
    for s, beta in zip(sols, betas, strict=True):
        assert relative(s.objective, solve(A, y, beta).objective) < 1e-9
    # P*(beta) = min_z P(z; beta) is a minimum of functions nondecreasing in beta
    objectives = np.array([s.objective for s in sols])[np.argsort(betas)]
    assert np.all(np.diff(objectives) >= -1e-12)
    # and ||z*(beta)||_1 is nonincreasing in beta (standard Lasso fact)
    norms = np.array([np.abs(s.z).sum() for s in sols])[np.argsort(betas)]
    assert np.all(np.diff(norms) <= 1e-7 * norms[0])


def test_path_with_zero_gives_min_norm_first():
    A, y = relu_problem()
    first, second = path(A, y, [0.0, 0.1])
    assert first.method == "highs-lp" and second.beta == 0.1


@pytest.mark.parametrize("beta", [-1.0, np.nan, np.inf, "large", None])
def test_solve_rejects_bad_beta(beta):
    A, y = relu_problem()
    with pytest.raises(ValueError, match="beta must be"):
        solve(A, y, beta)


def test_constant_labels_give_zero():
    A, _ = relu_problem()
    y = np.full(A.shape[0], 2.5)
    sol = solve(A, y, 0.1)
    assert np.all(sol.z == 0) and np.isclose(sol.xi, 2.5) and sol.objective == 0.0
    assert np.abs(min_norm(A, y).z).sum() < 1e-12


def test_support_and_relative_gap_properties():
    A, y = relu_problem()
    sol = solve(A, y, 0.05)
    np.testing.assert_array_equal(sol.support, np.flatnonzero(sol.z))
    assert np.isclose(sol.relative_gap, sol.gap / sol.objective)
