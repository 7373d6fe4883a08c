"""The exact Lasso path (homotopy) against scikit-learn's LARS-Lasso, pointwise solves and itself
(matrix-free against dense), and on a 10,000-point library."""

import time
import warnings

import numpy as np
import pytest
from helpers import noisy

import lmirrors
from lmirrors import Architecture
from lmirrors.convex.homotopy import LassoPath, exact_path, path
from lmirrors.convex.lasso import beta_max, solve
from lmirrors.libraries.ramps import two_layer_dictionary


def centred(A, y):
    return A - A.mean(axis=0), y - y.mean()


def lars(A, y, beta_min):
    """scikit-learn's LARS-Lasso on the centred library; its alpha is beta / N."""
    from sklearn.linear_model import lars_path

    Ac, yc = centred(A, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a degenerate sklearn path is no reference
        alphas, _, coefs = lars_path(Ac, yc, method="lasso", alpha_min=beta_min / y.size)
    return alphas * y.size, coefs.T


def kkt_violation(A, y, z, beta):
    r"""Largest violation of $c_S = \beta\,\mathrm{sign}(z_S)$, $|c| \le \beta$, relative to beta."""
    Ac, yc = centred(A, y)
    c = Ac.T @ (yc - Ac @ z)
    S = np.flatnonzero(z)
    return max(np.abs(c).max() - beta, np.abs(c[S] - beta * np.sign(z[S])).max(initial=0.0)) / beta


@pytest.mark.parametrize("n, seed", [(12, 0), (20, 1), (30, 2)])
def test_breakpoints_and_coefficients_equal_lars_path(n, seed):
    # the absolute-value library has independent columns, so z(beta) is unique: compare it all
    x, y = noisy(n, seed)
    A = Architecture(2, "abs").library(x).A
    beta_min = 1e-3 * beta_max(A, y)
    reference_betas, reference_z = lars(A, y, beta_min)
    ours = exact_path(A, y, beta_min)
    # every breakpoint of the reference is one of ours (ours may split a tie into two, 1e-12 apart)
    for beta, z in zip(reference_betas[:-1], reference_z[:-1], strict=True):
        assert np.min(np.abs(ours.breakpoints - beta)) <= 1e-9 * beta
        assert np.abs(ours.coef(beta) - z).max() <= 1e-8 * np.abs(z).max(initial=1.0)
    # and no breakpoint of ours is missing from the reference (up to splits)
    for beta in ours.breakpoints:
        assert np.min(np.abs(reference_betas - beta)) <= 1e-9 * beta


def test_relu_fit_equals_lars_path():
    # the ReLU library has dependent columns ((x - t)_+ - (t - x)_+ is linear): z is not unique,
    # the fit is; compare the fits and the objectives at every reference breakpoint
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-1, 1, 12))
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(12)
    A = Architecture(2, "relu").library(x).A
    beta_min = 1e-3 * beta_max(A, y)
    reference_betas, reference_z = lars(A, y, beta_min)
    ours = exact_path(A, y, beta_min)
    Ac, _ = centred(A, y)
    for beta, z in zip(reference_betas, reference_z, strict=True):
        assert np.abs(Ac @ (ours.coef(beta) - z)).max() <= 1e-9 * np.abs(y).max()
        mine, theirs = ours.solution(beta), solve(A, y, beta)
        assert abs(mine.objective - theirs.objective) <= 1e-12 * theirs.objective


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "abs"])
@pytest.mark.parametrize("seed", [3, 4])
def test_pointwise_solves_equal_the_path(activation, seed):
    x, y = noisy(25, seed)
    A = Architecture(2, activation).library(x).A
    top = beta_max(A, y)
    ours = exact_path(A, y, 1e-3 * top)
    assert ours.betas[0] == pytest.approx(top, rel=1e-12) and ours.betas[-1] == pytest.approx(1e-3 * top)
    assert np.all(np.diff(ours.betas) < 0)
    rng = np.random.default_rng(seed)
    for beta in np.exp(rng.uniform(np.log(1e-3 * top), np.log(top), 10)):
        on_path, pointwise = ours.solution(beta), solve(A, y, beta)
        assert abs(on_path.objective - pointwise.objective) <= 1e-9 * pointwise.objective
        assert on_path.relative_gap <= 1e-9 and on_path.method == "homotopy"
        assert np.isclose(on_path.xi, ours.intercept(beta))
    for k, beta in enumerate(ours.betas[:-1]):
        z = ours.coefs[k].toarray().ravel()
        assert kkt_violation(A, y, z, beta) <= 1e-8, f"breakpoint {k} is not optimal"
        # on each segment the nonzero coefficients are among the recorded active columns
        middle = 0.5 * (beta + ours.betas[k + 1])
        assert set(ours.support(middle)) <= set(ours.active_sets[k].tolist())
    assert {e.kind for e in ours.events} <= {"enter", "leave"}


def test_sign_drops_happen_and_keep_signs():
    # coefficients do go back to zero along the path (the Lasso's sign-drop step); a path that
    # skipped those steps would carry a coefficient through zero with the wrong sign
    x, y = noisy(30, 2)
    A = Architecture(2, "relu").library(x).A
    ours = exact_path(A, y, 1e-3 * beta_max(A, y))
    leaves = [e for e in ours.events if e.kind == "leave"]
    assert leaves
    for event in leaves:
        k = int(np.flatnonzero(ours.betas == event.beta)[0])
        assert ours.coefs[k, event.column] == 0.0
        before = ours.coefs[k - 1, event.column]
        assert np.sign(before) in (0, event.sign)


def test_matrix_free_equals_dense():
    x, y = noisy(40, 5)
    A = Architecture(2, "relu").library(x).A
    D = two_layer_dictionary(x)
    beta_min = 0.01 * beta_max(A, y)
    dense, free = exact_path(A, y, beta_min), exact_path(D, y, beta_min)
    # round-off may split a structural tie differently; the fitted path is unique
    Ac, _ = centred(A, y)
    for beta in np.concatenate([dense.betas, free.betas]):
        assert np.abs(Ac @ (dense.coef(beta) - free.coef(beta))).max() <= 1e-9 * np.abs(y).max()
    for beta in dense.breakpoints[1:]:
        assert free.solution(beta).relative_gap <= 1e-9


def test_ten_thousand_point_path_runs_matrix_free():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 10_000)
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(x.size)
    D = two_layer_dictionary(x)
    top = beta_max(D, y)
    start = time.perf_counter()
    ours = exact_path(D, y, 0.9 * top)
    elapsed = time.perf_counter() - start
    assert ours.breakpoints.size > 10 and elapsed < 30
    for beta in (0.95 * top, 0.9 * top):
        on_path = ours.solution(beta)
        assert on_path.relative_gap <= 1e-9
        assert abs(on_path.objective - solve(D, y, beta).objective) <= 1e-9 * on_path.objective


def test_exact_mode_of_path_and_grid_mode_agree():
    x, y = noisy(20, 6)
    A = Architecture(2, "relu").library(x).A
    betas = list(beta_max(A, y) * np.array([0.3, 0.01, 2.0, 0.05]))
    exact, grid = path(A, y, betas, method="exact"), path(A, y, betas)
    for e, g, beta in zip(exact, grid, betas, strict=True):
        assert e.beta == g.beta == beta and e.method in ("homotopy", "closed-form")
        assert abs(e.objective - g.objective) <= 1e-9 * g.objective
    assert path(A, y, [0.0, betas[0]], method="exact")[0].method == "highs-lp"


def test_constant_labels_give_the_zero_path():
    A = Architecture(2, "relu").library(np.arange(5.0)).A
    ours = exact_path(A, np.full(5, 2.0))
    assert isinstance(ours, LassoPath) and ours.betas.tolist() == [0.0] and ours.events == ()
    assert np.all(ours.coef(1.0) == 0) and ours.intercept(1.0) == 2.0


def test_bad_input_is_explained():
    x, y = noisy(10, 0)
    A = Architecture(2, "relu").library(x).A
    with pytest.raises(ValueError, match="one entry per row"):
        exact_path(A, y[:-1])
    assert exact_path(A, y).betas[-1] == pytest.approx(1e-3 * beta_max(A, y), rel=1e-12)
    with pytest.raises(ValueError, match="beta must be"):
        exact_path(A, y, -1.0)
    ours = exact_path(A, y, 0.5 * beta_max(A, y))
    with pytest.raises(ValueError, match="below the end of this path"):
        ours.coef(0.1 * beta_max(A, y))
    with pytest.raises(ValueError, match="minimum-norm"):
        ours.solution(0.0)


@pytest.mark.parametrize("activation", ["relu", "abs"])
def test_fit_path_networks_are_the_optima(activation):
    x, y = noisy(30, 7)
    dense = lmirrors.fit_path(x, y, 2, activation, method="library")
    free = lmirrors.fit_path(x, y, 2, activation, method="matrix_free")
    assert np.allclose(dense.breakpoints[:5], free.breakpoints[:5], rtol=1e-9)
    top = dense.breakpoints[0]
    for beta in top * np.array([0.5, 0.05, 0.002]):
        pointwise = lmirrors.fit(x, y, 2, activation, beta=beta)
        for on_path in (dense.fit(beta), free.fit(beta)):
            assert abs(on_path.network_objective - pointwise.solution.objective) <= 1e-8 * pointwise.solution.objective
            assert np.allclose(on_path.predict(x), pointwise.predict(x), atol=1e-7 * np.abs(y).max())
    networks = dense.networks()
    assert len(networks) == dense.breakpoints.size
    # each stretch of life runs from a birth down to a death, and every recorded birth is one
    for column, born, dies, sign in dense.lifetimes():
        assert born > dies >= dense.path.betas[-1] and sign in (-1, 1)
        assert np.sign(dense.path.coef(np.sqrt(born * dies))[column]) == sign
    import matplotlib

    matplotlib.use("Agg")
    from lmirrors import plotting

    ax = plotting.plot_lifetimes(dense)
    bars = [line for line in ax.lines if line.get_linewidth() == 2.2 and len(line.get_xdata()) == 2]
    assert len(bars) == len(dense.lifetimes())
    with pytest.raises(ValueError, match="exact path"):
        lmirrors.fit_path(x, y, 2, "sign", method="closed_form")
