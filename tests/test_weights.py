"""Sample weights and repeated x: the weighted Lasso, merged duplicates, and their certificates.

With squared loss, points repeated at one x collapse to their (weighted) mean label with a weight
equal to their count (times their weights), plus a constant. These tests hold that reduction, and
the weighted Lasso under it, to independent formulations: physically repeated rows solved without
weights, $J$ of the rebuilt network on the raw data computed by hand, and the weighted dual
$D(\\nu) = \\nu^\\top y - \\tfrac12\\sum_n \\nu_n^2 / w_n$ written out here.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import relative
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.model_selection import KFold, cross_val_score

import lmirrors
from lmirrors.closed_forms import clip_beta_max, two_layer_min_norm
from lmirrors.convex.dictionary import DenseDictionary
from lmirrors.convex.lasso import beta_max, duality_gap, lasso_objective, solve, solve_support
from lmirrors.estimator import MirrorRegressor
from lmirrors.fitting import fit_additive
from lmirrors.registry import Architecture

FAMILIES = [(2, "relu", {}), (2, "leaky_relu", {"slope": 0.2}), (2, "abs", {}), (3, "relu", {}), (3, "abs", {})]


def weighted_data(n: int = 9, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    y = np.sin(3 * x) + 0.3 * rng.normal(size=n)
    counts = rng.integers(1, 4, n)
    return x, y, counts


def independent_gap(A, y, z, beta, w) -> float:
    r"""Weighted duality gap from its own dual: $P(z, \xi^\star) - D(\nu)$ with $\nu = \theta\, w\odot r$,
    $r$ the residual at the weighted-optimal intercept, $\theta = \min(1, \beta/\|A^\top \nu\|_\infty)$."""
    fitted = A @ z
    xi = float(w @ (y - fitted) / w.sum())
    r = y - fitted - xi
    nu = w * r
    theta = min(1.0, beta / float(np.abs(A.T @ nu).max()))
    nu = theta * nu
    primal = 0.5 * float(w @ r**2) + beta * float(np.abs(z).sum())
    dual = float(nu @ y) - 0.5 * float(nu @ (nu / w))
    return primal - dual


# ----- the weighted Lasso ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "working-set", "cvxpy"])
def test_integer_weights_solve_the_lasso_of_the_repeated_rows(method):
    rng = np.random.default_rng(1)
    A, y = rng.normal(size=(10, 25)), rng.normal(size=10)
    w = rng.integers(1, 5, 10)
    repeated_A, repeated_y = np.repeat(A, w, axis=0), np.repeat(y, w)
    for fraction in (0.02, 0.3):
        beta = fraction * beta_max(repeated_A, repeated_y)
        assert relative(beta_max(A, y, w), beta_max(repeated_A, repeated_y)) < 1e-12
        weighted = solve(A, y, beta, method=method, weights=w)
        repeated = solve(repeated_A, repeated_y, beta, method=method)
        assert relative(weighted.objective, repeated.objective) < 1e-9
        np.testing.assert_allclose(weighted.z, repeated.z, atol=1e-8)
        assert abs(weighted.xi - repeated.xi) < 1e-8
        assert weighted.relative_gap <= 1e-9
        assert (
            relative(weighted.objective, lasso_objective(repeated_A, repeated_y, weighted.z, weighted.xi, beta)) < 1e-12
        )


def test_matrix_free_weighted_lasso_keeps_only_its_columns():
    rng = np.random.default_rng(2)
    A, y, w = rng.normal(size=(12, 40)), rng.normal(size=12), rng.uniform(0.2, 5.0, 12)
    beta = 0.1 * beta_max(A, y, w)
    dense = solve(A, y, beta, weights=w)
    support, sparse = solve_support(DenseDictionary(A), y, beta, weights=w)
    np.testing.assert_array_equal(support, dense.support)
    np.testing.assert_allclose(sparse.z, dense.z[support], atol=1e-9)
    assert relative(sparse.objective, dense.objective) < 1e-9 and abs(sparse.xi - dense.xi) < 1e-9


def test_the_weighted_gap_is_the_weighted_dual_gap():
    """The certificate agrees with the weighted dual written out independently, at the optimum
    and away from it; an intercept off its weighted optimum adds (sum w)/2 times its error squared."""
    rng = np.random.default_rng(3)
    A, y, w = rng.normal(size=(15, 30)), rng.normal(size=15), rng.uniform(0.1, 10.0, 15)
    beta = 0.05 * beta_max(A, y, w)
    solution = solve(A, y, beta, weights=w)
    for z in (solution.z, 0.8 * solution.z, solution.z + 0.01 * rng.normal(size=30)):
        xi = float(w @ (y - A @ z) / w.sum())
        expected = independent_gap(A, y, z, beta, w)
        assert expected > -1e-12
        assert abs(duality_gap(A, y, z, xi, beta, weights=w) - expected) <= 1e-9 * max(1.0, expected)
        off = duality_gap(A, y, z, xi + 0.1, beta, weights=w)
        assert relative(off, expected + 0.5 * w.sum() * 0.01) < 1e-9
    assert abs(solution.gap - independent_gap(A, y, solution.z, beta, w)) < 1e-9 * solution.objective


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.integers(4, 12),
    st.integers(0, 2**31 - 1),
    st.floats(-3.0, 3.0).map(lambda e: 10.0**e),
    st.floats(0.01, 0.9),
)
def test_scaling_weights_and_beta_together_leaves_z_unchanged(n, seed, t, fraction):
    r"""$P_{tw, t\beta} = t\,P_{w,\beta}$: the same $z$ and $\xi$, $t$ times the objective and gap."""
    rng = np.random.default_rng(seed)
    A, y = rng.normal(size=(n, 2 * n)), rng.normal(size=n)
    w = 10.0 ** rng.uniform(-2.0, 2.0, n)
    beta = fraction * beta_max(A, y, w)
    base = solve(A, y, beta, weights=w)
    scaled = solve(A, y, t * beta, weights=t * w)
    scale = max(1.0, float(np.abs(base.z).max()))
    np.testing.assert_allclose(scaled.z, base.z, atol=1e-7 * scale)
    assert abs(scaled.xi - base.xi) <= 1e-7 * scale
    assert relative(scaled.objective, t * base.objective) < 1e-9 + base.relative_gap + scaled.relative_gap
    assert scaled.gap <= 1e-6 * scaled.objective


# ----- fit: sample weights and repeated x --------------------------------------------------


@pytest.mark.parametrize(("depth", "activation", "options"), FAMILIES)
@pytest.mark.parametrize("method", ["library", "matrix_free"])
def test_integer_sample_weights_are_repeated_points(depth, activation, options, method):
    x, y, counts = weighted_data(8 if depth == 3 else 10, seed=depth)
    beta = 0.05
    weighted = lmirrors.fit(x, y, depth, activation, beta, method=method, sample_weight=counts, **options)
    repeated_x, repeated_y = np.repeat(x, counts), np.repeat(y, counts)
    repeated = lmirrors.fit(repeated_x, repeated_y, depth, activation, beta, method=method, **options)
    assert relative(weighted.solution.objective, repeated.solution.objective) < 1e-9
    grid = np.linspace(-1.5, 1.5, 101)
    np.testing.assert_allclose(weighted.predict(grid), repeated.predict(grid), atol=1e-9)
    # independently: the unweighted Lasso over the library evaluated at every repeated row
    reference = solve(Architecture(depth, activation, **options).library(repeated_x).A, repeated_y, beta)
    assert relative(weighted.solution.objective, reference.objective) < 1e-9
    assert relative(weighted.network_objective, weighted.solution.objective) < 1e-9


@pytest.mark.parametrize(("depth", "activation", "options"), [*FAMILIES, (2, "sign", {}), (3, "sign", {"m1": 2})])
@pytest.mark.parametrize("user_weights", [False, True])
def test_merged_duplicates_report_J_on_the_raw_data(depth, activation, options, user_weights):
    """Integer x measured several times with different labels: the certified objective is $J$ of
    the rebuilt network on the data as given, computed here by hand."""
    rng = np.random.default_rng(depth)
    x = rng.integers(0, 7, 40).astype(float)
    y = np.cos(x) + 0.5 * rng.normal(size=x.size)
    w = rng.uniform(0.5, 3.0, x.size) if user_weights else np.ones(x.size)
    beta = 0.1
    method = "library" if user_weights else "auto"
    result = lmirrors.fit(
        x, y, depth, activation, beta, method=method, sample_weight=w if user_weights else None, **options
    )
    np.testing.assert_array_equal(result.x, x)  # the user's data are kept
    residual = result.network(x) - y
    J = 0.5 * float(np.sum(w * residual**2)) + result.network.penalty(beta)
    assert relative(J, result.solution.objective) < 1e-9
    assert relative(result.network_objective, J) < 1e-12
    # independently: the unweighted Lasso on every raw row, repeats and all
    if not user_weights:
        reference = solve(Architecture(depth, activation, **options).library(x).A, y, beta)
        assert relative(J, reference.objective) < 1e-9
    assert result.solution.gap <= 1e-6 * J


def test_minimum_norm_interpolates_the_mean_of_each_x():
    x = np.array([0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0])
    y = np.array([0.0, 1.0, 2.0, -1.0, 0.0, 1.0, 5.0])
    result = lmirrors.fit(x, y, beta=0)
    np.testing.assert_allclose(result.predict([0.0, 1.0, 2.0, 3.0]), [0.0, 1.5, -1.0, 2.0], atol=1e-9)
    assert result.max_interpolation_error < 1e-9
    certificate = result.min_norm_certificate()
    assert certificate.nu.size == x.size and abs(certificate.nu.sum()) < 1e-12
    assert abs(certificate.gap) <= 1e-9 * certificate.norm
    # with weights, the weighted means: at x = 1, (1 * 1 + 3 * 2) / 4
    w = np.array([1.0, 1.0, 3.0, 1.0, 1.0, 1.0, 1.0])
    weighted = lmirrors.fit(x, y, beta=0, sample_weight=w)
    assert weighted.predict([1.0])[0] == pytest.approx(1.75, abs=1e-9)
    assert abs(weighted.min_norm_certificate().gap) <= 1e-9 * weighted.solution.objective


def test_zero_weight_leaves_a_point_out():
    x, y, _ = weighted_data(9, seed=4)
    w = np.ones(x.size)
    w[[2, 5]] = 0.0
    with_zero = lmirrors.fit(x, y, beta=0.05, sample_weight=w)
    without = lmirrors.fit(np.delete(x, [2, 5]), np.delete(y, [2, 5]), beta=0.05)
    assert relative(with_zero.solution.objective, without.solution.objective) < 1e-9
    np.testing.assert_allclose(with_zero.predict(x), without.predict(x), atol=1e-9)


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1.0, -1.0, 1.0, 1.0], r"sample_weight must be non-negative .*\(positions \[1\]\)"),
        ([1.0, np.nan, 1.0, 1.0], r"sample_weight contains 1 NaN"),
        ([1.0, np.inf, 1.0, 1.0], r"sample_weight contains 1 NaN or infinite"),
        ([0.0, 0.0, 0.0, 0.0], r"sample_weight sums to zero"),
        ([0.0, 0.0, 0.0, 1.0], r"at least 2 distinct x values of positive weight, got 1"),
        ([1.0, 1.0, 1.0], r"one weight per data point \(4\), got 3"),
        (["1", "1", "1", "1"], r"sample_weight holds text"),
    ],
)
def test_bad_weights_are_refused(weights, match):
    x, y = [0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match=match):
        lmirrors.fit(x, y, beta=0.1, sample_weight=weights)


def test_the_lasso_refuses_zero_weights():
    A, y = np.eye(3), np.arange(3.0)
    with pytest.raises(ValueError, match=r"sample_weight must be positive \(drop the points of weight zero\)"):
        solve(A, y, 0.1, weights=[1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="sample_weight contains 1 NaN"):
        beta_max(A, y, [1.0, np.nan, 1.0])


def test_closed_forms_take_repeated_x_but_refuse_weights():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 5, 20).astype(float)
    y = rng.normal(size=20)
    merged = lmirrors.fit(x, y, 3, "sign", 0.2, m1=4, method="closed_form")
    reference = lmirrors.fit(x, y, 3, "sign", 0.2, m1=4, method="library")
    assert relative(merged.solution.objective, reference.solution.objective) < 1e-9
    with pytest.raises(ValueError, match="sample_weight needs method='library' or 'matrix_free'"):
        lmirrors.fit(x, y, 3, "sign", 0.2, m1=4, method="closed_form", sample_weight=np.ones(20))


# ----- the estimator -----------------------------------------------------------------------


def test_cross_validation_on_integer_x():
    rng = np.random.default_rng(6)
    x = rng.integers(0, 12, 80).astype(float)
    y = np.sin(x / 2) + 0.2 * rng.normal(size=x.size)
    scores = cross_val_score(MirrorRegressor(beta=0.5), x[:, None], y, cv=KFold(5, shuffle=True, random_state=0))
    assert scores.shape == (5,) and np.all(scores > 0.5)


def test_the_estimator_passes_weights_on():
    x, y, counts = weighted_data(10, seed=7)
    model = MirrorRegressor(depth=3, activation="abs", beta=0.05).fit(x[:, None], y, sample_weight=counts)
    direct = lmirrors.fit(x, y, 3, "abs", 0.05, sample_weight=counts)
    assert relative(model.fit_.solution.objective, direct.solution.objective) < 1e-12
    np.testing.assert_array_equal(model.fit_.sample_weight, counts)


def test_additive_weights_are_repeated_rows():
    rng = np.random.default_rng(8)
    X = rng.uniform(-1.0, 1.0, (12, 2))
    y = X[:, 0] ** 2 - np.abs(X[:, 1]) + 0.1 * rng.normal(size=12)
    counts = rng.integers(1, 4, 12)
    weighted = fit_additive(X, y, beta=0.05, sample_weight=counts)
    repeated = fit_additive(np.repeat(X, counts, axis=0), np.repeat(y, counts), beta=0.05)
    assert relative(weighted.solution.objective, repeated.solution.objective) < 1e-9
    assert relative(weighted.network_objective, weighted.solution.objective) < 1e-9
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), atol=1e-9)


def test_closed_form_scales_count_repeated_x():
    """The every-pattern beta_max and the two-layer minimum norm on repeated x with different labels."""
    rng = np.random.default_rng(9)
    x = rng.integers(0, 6, 25).astype(float)
    y = rng.normal(size=x.size)
    library = Architecture(3, "sign", m1=5).library(x)  # every pattern on 6 distinct points
    assert relative(clip_beta_max(x, y), beta_max(library.A, y)) < 1e-12
    at_max = lmirrors.fit(x, y, 3, "sign", clip_beta_max(x, y) * (1 - 1e-6), m1=5, method="library")
    assert at_max.solution.support.size > 0  # just below beta_max a unit enters
    for activation in ("relu", "abs"):
        expected = two_layer_min_norm(x, y, activation)
        assert relative(lmirrors.fit(x, y, 2, activation, beta=0).solution.objective, expected) < 1e-9
