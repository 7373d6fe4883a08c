"""The working-set solver on matrix-free dictionaries against dense matrices and cvxpy."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import capped_ramps_dense, make_data, noisy, relative

from lmirrors import Architecture
from lmirrors.convex.active_set import active_set_lasso
from lmirrors.convex.dictionary import DenseDictionary
from lmirrors.convex.homotopy import path
from lmirrors.convex.lasso import beta_max, duality_gap, lasso_objective, solve, solve_support
from lmirrors.libraries.capped_ramps import CappedRampDictionary
from lmirrors.libraries.ramps import two_layer_dictionary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTIVATIONS = ["relu", "leaky_relu", "abs"]


def lasso_problems():
    for seed in range(6):
        for activation in ACTIVATIONS:
            x, y = noisy(8 + 4 * seed, seed)
            yield activation, x, y


@pytest.mark.parametrize("fraction", [0.5, 0.05, 1e-3])
def test_working_set_agrees_with_cvxpy(fraction):
    for activation, x, y in lasso_problems():
        A = Architecture(2, activation).library(x).A
        beta = fraction * beta_max(A, y)
        reference = solve(A, y, beta, method="cvxpy")
        for operand in (A, two_layer_dictionary(x, activation)):
            sol = solve(operand, y, beta, method="working-set")
            assert sol.method == "working-set"
            assert abs(sol.objective - reference.objective) <= 1e-7 * reference.objective
            assert sol.relative_gap <= 1e-9
            # the certificate is the dense one, recomputed here independently of the solver
            assert duality_gap(A, y, sol.z, sol.xi, beta) <= 1e-9 * sol.objective
            assert np.isclose(lasso_objective(A, y, sol.z, sol.xi, beta), sol.objective, rtol=1e-12)


def test_deep_relu_capped_ramps_agree_with_cvxpy():
    for seed in range(4):
        x, y = noisy(12 + 3 * seed, seed)
        A = capped_ramps_dense(x)
        for fraction in (0.2, 0.01):
            beta = fraction * beta_max(A, y)
            reference = solve(A, y, beta, method="cvxpy")
            sol = solve(CappedRampDictionary(x), y, beta)
            assert abs(sol.objective - reference.objective) <= 1e-7 * reference.objective
            assert duality_gap(A, y, sol.z, sol.xi, beta) <= 1e-9 * sol.objective


def test_solution_is_a_vertex_with_independent_columns():
    x, y = make_data("uniform", 30, 2)
    A = Architecture(2, "leaky_relu").library(x).A  # has exactly dependent column triples
    sol = solve(A, y, 0.01 * beta_max(A, y))
    As = A[:, sol.support] - A[:, sol.support].mean(axis=0)
    assert np.linalg.matrix_rank(As) == sol.support.size


def test_warm_started_path_equals_cold_solves():
    x, y = noisy(40, 11)
    D = two_layer_dictionary(x)
    betas = list(beta_max(D, y) * np.array([0.3, 0.01, 0.1, 0.001, 0.03]))
    warm = path(D, y, betas)
    for beta, sol in zip(betas, warm, strict=True):
        cold = solve(D, y, beta)
        assert sol.beta == beta
        assert abs(sol.objective - cold.objective) <= 1e-9 * cold.objective
        assert np.allclose(D.matvec(sol.z) + sol.xi, D.matvec(cold.z) + cold.xi, atol=1e-7)


def test_active_set_handles_duplicate_columns_exactly():
    """Duplicated columns make the Gram matrix singular; the solution must still be optimal
    and use one copy (a vertex)."""
    x, y = noisy(15, 4)
    A = Architecture(2, "relu").library(x).A
    A2 = np.hstack([A, A[:, :5], -A[:, 3:4] + 1.0])  # copies, and one up to sign and constant
    beta = 0.01 * beta_max(A, y)
    single, double = solve(A, y, beta), solve(A2, y, beta, method="working-set")
    assert abs(single.objective - double.objective) <= 1e-9 * single.objective
    Ac = A2 - A2.mean(axis=0)
    assert np.linalg.matrix_rank(Ac[:, double.support]) == double.support.size


def test_active_set_kkt_on_random_gram():
    rng = np.random.default_rng(0)
    B = rng.standard_normal((30, 12))
    G, b, beta = B.T @ B, B.T @ rng.standard_normal(30), 0.5
    z = active_set_lasso(G, b, beta)
    grad = G @ z - b
    on = z != 0
    assert np.allclose(grad[on], -beta * np.sign(z[on]), atol=1e-10)
    assert np.all(np.abs(grad[~on]) <= beta + 1e-10)


def test_active_set_warm_start_takes_the_gradient_at_the_start():
    """``b`` is the negative gradient at ``z0`` (residual correlations): same answer as a cold start."""
    rng = np.random.default_rng(1)
    B = rng.standard_normal((30, 12))
    c, beta = B.T @ rng.standard_normal(30), 0.3
    G = B.T @ B
    cold = active_set_lasso(G, c, beta)
    z0 = rng.standard_normal(12) * (rng.uniform(size=12) < 0.5)
    warm = active_set_lasso(G, c - G @ z0, beta, z0)
    np.testing.assert_allclose(warm, cold, atol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_tiny_beta_on_dependent_columns_is_certified(seed):
    """Capped ramps obey exact relations (capped a->b + capped b->c = capped a->c); at
    beta = 1e-4 and 1e-5 beta_max (clustered, heavy-tailed data, like monthly returns) the
    solver once cycled or stopped at a gap near 1. The gap is rechecked with the dense matrix."""
    rng = np.random.default_rng(seed)
    x, y = 0.1 * rng.standard_t(3, size=110), 0.2 * rng.standard_t(3, size=110)
    A = capped_ramps_dense(x)
    for fraction, tolerance in ((1e-4, 1e-8), (1e-5, 1e-6)):
        beta = fraction * beta_max(A, y)
        sol = solve(A, y, beta, method="working-set")
        assert duality_gap(A, y, sol.z, sol.xi, beta) <= tolerance * sol.objective


def test_method_keyword_and_bad_input():
    x, y = noisy(10, 1)
    D = two_layer_dictionary(x)
    with pytest.raises(ValueError, match="method must be one of"):
        solve(D.dense(), y, 0.1, method="fast")
    with pytest.raises(ValueError, match="dense matrix"):
        solve(D, y, 0.1, method="cvxpy")
    with pytest.raises(ValueError, match="dense matrix"):
        solve(D, y, 0.0)
    with pytest.raises(ValueError, match="2-D"):
        DenseDictionary(np.ones(3))


def test_large_two_layer_problem_is_certified_quickly():
    """N = 20,000: the dense matrix would be 6 GB; the matrix-free solve is certified."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-1, 1, 20_000))
    y = np.sin(4 * x) + 0.3 * rng.standard_normal(x.size)
    D = two_layer_dictionary(x)
    sol = solve(D, y, 0.01 * beta_max(D, y))
    assert sol.relative_gap <= 1e-9
    assert 0 < sol.support.size < 200


@pytest.mark.parametrize("fraction", [0.003, 0.05, 2.0])
def test_solve_support_equals_solve(fraction):
    """Only the used columns come back, with the same optimum, coefficients and certificate
    (``fraction`` > 1: beta above beta_max, no column at all)."""
    x, y = noisy(40, 8)
    D = CappedRampDictionary(x)
    beta = fraction * beta_max(D, y)
    full = solve(D, y, beta)
    columns, sparse = solve_support(D, y, beta)
    np.testing.assert_array_equal(columns, full.support)
    np.testing.assert_allclose(sparse.z, full.z[full.support], rtol=1e-9, atol=1e-12)
    assert relative(sparse.objective, full.objective) < 1e-12 and sparse.relative_gap <= 1e-9
    assert relative(sparse.objective, lasso_objective(D, y, full.z, full.xi, beta)) < 1e-12
    with pytest.raises(ValueError, match="beta = 0"):
        solve_support(D, y, 0.0)


def test_solve_support_on_a_library_too_large_for_a_coefficient_vector():
    """N = 30,000 capped ramps: 449,985,000 columns (a 3.6 GB coefficient vector), certified."""
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(-1, 1, 30_000))
    y = np.sin(4 * x) + 0.3 * rng.standard_normal(x.size)
    D = CappedRampDictionary(x)
    columns, sparse = solve_support(D, y, 0.01 * beta_max(D, y))
    assert D.shape[1] == 449_985_000 and 0 < columns.size < 100
    assert sparse.relative_gap <= 1e-9


def test_benchmark_tiny_mode_runs():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "bench.py"), "--tiny"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    rows = [line.split() for line in out.splitlines() if line.startswith(("2-layer", "3-layer", "4-layer", "additive"))]
    finished = [row for row in rows if "skipped" not in row and "installed" not in row]
    # the optional peers (benchmarks/requirements.lock) have a row each at the 6 dense problem sizes,
    # "not installed" where they are missing, so `make test` does not need them
    missing = 6 * sum(importlib.util.find_spec(peer) is None for peer in ("skglm", "celer"))
    assert sum("installed" in row for row in rows) == missing
    # the sign library (2^29 columns at N = 30) is never materialised; every other method ran
    # (the 4-layer abs problem: 7 rows, scikit-learn left out)
    assert len(rows) == 53 and len(finished) == 52 - missing
    # ... and no method beat the certified optimum by more than round-off (the additive rows name has two words)
    for row in finished:
        assert float(row[7 if row[0] == "additive" else 6]) >= -1e-8, row
    assert "fit / ours" in out


def test_progress_bar_only_when_asked(capsys):
    """Library calls are silent; inside ``lmirrors.progress()`` a matrix-free fit shows its bar on stderr."""
    import lmirrors

    x = np.linspace(0.0, 1.0, 400)
    y = np.sin(6 * x) + 0.1 * np.random.default_rng(0).normal(size=x.size)
    quiet = lmirrors.fit(x, y, 3, "abs", method="matrix_free")
    assert capsys.readouterr().err == ""
    with lmirrors.progress():
        shown = lmirrors.fit(x, y, 3, "abs", method="matrix_free")
        with lmirrors.progress(False):
            lmirrors.fit(x, y, 3, "abs", method="matrix_free")
    err = capsys.readouterr().err
    assert err.count("certifying") >= 1 and "digit" in err and "gap=" in err
    assert shown.solution.objective == quiet.solution.objective
    lmirrors.fit(x, y, 3, "abs", method="matrix_free")
    assert capsys.readouterr().err == ""


def test_new_near_duplicate_column_starts_with_the_support_columns_coefficient():
    """A priced column nearly equal to a support column (a kink one point over) takes its coefficient
    in the first iterate; a different column stays at zero; the restricted optimum is the same."""
    from lmirrors.convex.working_set import _moved

    x = np.linspace(-1, 1, 200)
    columns = np.column_stack([np.maximum(x - 0.3, 0), np.maximum(x + 0.5, 0), np.maximum(x - 0.31, 0), np.abs(x)])
    C = columns - columns.mean(axis=0)
    G = C.T @ C
    z = np.array([2.0, -1.0, 0.0, 0.0])  # support: columns 0 and 1; new: 2 (near 0) and 3
    moved = _moved(G, z)
    norm = np.sqrt(np.diag(G))
    np.testing.assert_allclose(moved, [0.0, -1.0, 2.0 * norm[0] / norm[2], 0.0])
    assert _moved(G, np.zeros(4)) is None and _moved(G, np.ones(4)) is None
    b = C.T @ (np.sin(3 * x) - C @ z)
    beta = 0.1
    np.testing.assert_allclose(
        active_set_lasso(G, b, beta, z, initial=moved), active_set_lasso(G, b, beta, z), atol=1e-9
    )


def test_two_layer_solve_support_certificate_checks_out_independently():
    """N = 40,000 (the coarsened start in use): the gap and objective that solve_support reports are
    recomputed from its coefficients on the whole library."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, 40_000)
    y = np.sin(4 * x) + 0.3 * rng.standard_normal(x.size)
    D = two_layer_dictionary(x)
    beta = 0.01 * beta_max(D, y)
    cols, sol = solve_support(D, y, beta)
    z = np.zeros(D.shape[1])
    z[cols] = sol.z
    assert relative(lasso_objective(D, y, z, sol.xi, beta), sol.objective) < 1e-12
    assert duality_gap(D, y, z, sol.xi, beta) <= 1e-9 * sol.objective and sol.relative_gap <= 1e-9


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_last_round_certifies_the_solution_it_returns(activation):
    """Stopped early (7 rounds: a gap far above round-off), the gap the working set reports, which
    solve_support passes on, is the one recomputed from its columns and coefficients on the whole
    library, with the optimal intercept (the residual's mean is the label's minus the fit's)."""
    from lmirrors.convex.working_set import working_set_state

    x, y = noisy(3000, 2)
    D = two_layer_dictionary(x, activation)
    beta = 0.002 * beta_max(D, y)
    state = working_set_state(D, y, beta, max_rounds=7)
    z = np.zeros(D.shape[1])
    z[state.work] = state.coefficients
    xi = y.mean() - state.fitted_mean
    assert 1e-6 < state.relative_gap < 0.1
    # the same gap to round-off in the objective (the gap is a difference of terms of its size)
    primal = 0.5 * state.residual @ state.residual + beta * np.abs(state.coefficients).sum()
    assert abs(state.gap - duality_gap(D, y, z, xi, beta)) <= 1e-11 * primal
    assert relative(0.5 * state.residual @ state.residual, 0.5 * np.sum((D.matvec(z) + xi - y) ** 2)) < 1e-12
