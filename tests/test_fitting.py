"""The public entry point fit(): the Fit API, prediction, selected features, minimum norm, repeats."""

import itertools
from dataclasses import replace

import cvxpy as cp
import numpy as np
import pytest
from helpers import (
    make_data,
    min_norm_lower_bound,
    oracle_breakpoints,
    oracle_matrix,
    registry_cases,
    relative,
    two_layer_objective,
)

from lmirrors import Architecture, Fit, fit
from lmirrors.fitting import fit_library, random_two_layer_units


@pytest.fixture(scope="module")
def relu_fit():
    x, y = make_data("uniform", 9, 21)
    return fit(x, y, activation="relu", beta=0.02)


def test_fit_api(relu_fit):
    f = relu_fit
    assert isinstance(f, Fit)
    assert f.beta == 0.02 and f.architecture.name == "2-layer relu"
    assert f.library.A.shape == (9, f.library.size)
    assert f.solution.relative_gap <= 1e-8
    assert relative(f.network_objective, f.solution.objective) < 1e-9
    J = two_layer_objective(f.network.W, f.network.B, f.network.xi, f.network.inputs(f.x), f.y, f.beta, "relu")
    assert relative(J, f.solution.objective) < 1e-9
    assert "Lasso objective" in f.summary()


def test_predict_at_the_data_is_the_lasso_fit(relu_fit):
    f = relu_fit
    np.testing.assert_allclose(f.predict(f.x), f.library.A @ f.solution.z + f.solution.xi, rtol=1e-12, atol=1e-12)


def test_predict_on_new_points_is_piecewise_linear_with_kinks_at_data(relu_fit):
    """All kinks sit on data points, so between consecutive data points (and beyond the ends)
    the prediction is affine: the value at a convex combination is the same combination."""
    f = relu_fit
    xs = np.sort(f.x)
    for a, b in itertools.pairwise(xs):
        lam = np.array([0.1, 0.5, 0.77])
        inside = f.predict(a + lam * (b - a))
        np.testing.assert_allclose(inside, (1 - lam) * f.predict([a])[0] + lam * f.predict([b])[0], atol=1e-10)
    # beyond the right end the slope is that of the last gap: (x - x_N)_+ is zero on the data,
    # so it is dropped from the library and no kink appears at x_N
    far = f.predict([xs[-1] + 1.0, xs[-1] + 2.0])
    near = f.predict([xs[-2], xs[-1]])
    assert np.isclose(far[1] - far[0], (near[1] - near[0]) / (xs[-1] - xs[-2]), rtol=1e-9)
    # predict accepts a column vector and a scalar
    assert f.predict(np.array([[0.1], [0.2]])).shape == (2,)
    assert f.predict(0.3).shape == (1,)


def test_selected_sorted_by_magnitude_with_labels(relu_fit):
    f = relu_fit
    chosen = f.selected()
    assert len(chosen) == f.solution.support.size > 1
    magnitudes = [abs(s.z) for s in chosen]
    assert magnitudes == sorted(magnitudes, reverse=True)
    by_label = {feat.label: f.solution.z[k] for k, feat in enumerate(f.library.features)}
    for s in chosen:
        assert s.label == s.feature.label and s.label in by_label
        assert s.z == by_label[s.label] != 0


def test_column_vector_input_gives_the_same_fit():
    x, y = make_data("uniform", 7, 22)
    a = fit(x, y, beta=0.05)
    b = fit(x[:, None], y[:, None], beta=0.05)
    assert b.x.shape == (7,)
    assert a.solution.objective == b.solution.objective
    np.testing.assert_array_equal(a.solution.z, b.solution.z)


def test_order_of_the_data_does_not_matter():
    x, y = make_data("clustered", 9, 23)
    order = np.argsort(x)
    a, b = fit(x, y, activation="abs", beta=0.1), fit(x[order], y[order], activation="abs", beta=0.1)
    assert relative(a.solution.objective, b.solution.objective) < 1e-9


@pytest.mark.parametrize(
    "depth, activation, method, options",
    [
        (3, "abs", "library", {}),
        (3, "abs", "matrix_free", {}),
        (4, "abs", "library", {}),
        (4, "abs", "matrix_free", {}),
        (3, "relu", "matrix_free", {}),
        (3, "sign", "column_generation", {"m1": 2}),
    ],
)
def test_row_order_does_not_change_the_network(depth, activation, method, options):
    # deep libraries have many optimal solutions with the same values at the data and different
    # extrapolations (before the solvers saw sorted rows: differences up to 12 outside the data)
    rng = np.random.default_rng(0)
    x, y = np.sort(rng.uniform(0.0, 5.0, 12)), rng.normal(size=12)
    grid = np.linspace(-3.0, 8.0, 201)
    first = fit(x, y, depth, activation, beta=0.05, method=method, **options)
    for _ in range(3):
        shuffled = rng.permutation(x.size)
        again = fit(x[shuffled], y[shuffled], depth, activation, beta=0.05, method=method, **options)
        assert relative(again.solution.objective, first.solution.objective) < 1e-12
        np.testing.assert_allclose(again.predict(grid), first.predict(grid), rtol=0, atol=1e-9)
        np.testing.assert_allclose(again.predict(x[shuffled]), again.library.A @ again.solution.z + again.solution.xi, atol=1e-9)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "abs"])
@pytest.mark.parametrize(
    "layout, n, seed", [("uniform", 8, 0), ("clustered", 10, 1), ("outlier", 6, 2), ("duplicates", 7, 3)]
)
def test_beta_zero_interpolates(activation, layout, n, seed):
    x, y = make_data(layout, n, seed)
    f = fit(x, y, activation=activation, beta=0)
    assert f.solution.method == "highs-lp"
    assert f.max_interpolation_error < 1e-9
    assert np.abs(f.predict(x) - y).max() < 1e-9
    # at beta = 0 the network objective is its weight penalty, equal to ||z||_1
    assert relative(f.network_objective, np.abs(f.solution.z).sum()) < 1e-12
    assert relative(f.network_objective, f.solution.objective) < 1e-12


def test_slope_option_reaches_the_library():
    x, y = make_data("uniform", 8, 24)
    a = fit(x, y, activation="leaky_relu", beta=0.05, slope=0.1)
    b = fit(x, y, activation="leaky_relu", beta=0.05, slope=0.4)
    assert a.architecture.activation.slope == 0.1 and b.architecture.activation.slope == 0.4
    assert a.solution.objective != b.solution.objective


def test_repeated_points_with_agreeing_labels_count_twice():
    x = np.array([0.0, 1.0, 2.0, 3.0, 1.0])
    y = np.array([0.0, 1.0, -1.0, 0.5, 1.0])
    beta = 0.3
    f = fit(x, y, beta=beta)
    # independent formulation on all five rows (the repeat counted twice), explicit intercept
    A = np.maximum(np.concatenate([x[:, None] - x[None, :4], x[None, :4] - x[:, None]], axis=1), 0)
    z, xi = cp.Variable(8), cp.Variable()
    ref = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - y) + beta * cp.norm1(z)))
    ref.solve(solver=cp.CLARABEL)
    assert relative(f.solution.objective, ref.value) < 1e-6
    assert relative(f.network_objective, f.solution.objective) < 1e-9
    # and it is a different problem from the one without the repeat
    once = fit(x[:4], y[:4], beta=beta)
    assert abs(once.solution.objective - f.solution.objective) > 1e-3


def test_fit_library_reuses_a_library():
    x, y = make_data("uniform", 7, 25)
    lib = Architecture(2, "abs").library(x)
    a, b = fit_library(lib, y, 0.07), fit(x, y, activation="abs", beta=0.07)
    assert a.library is lib
    assert relative(a.solution.objective, b.solution.objective) < 1e-12


MATRIX_FREE_CASES = [(2, "relu"), (2, "leaky_relu"), (2, "abs"), (3, "relu"), (5, "relu"), (3, "abs"), (4, "abs")]


@pytest.mark.parametrize(("depth", "activation"), MATRIX_FREE_CASES)
@pytest.mark.parametrize("layout", ["uniform", "duplicates", "outlier"])
def test_matrix_free_fit_equals_the_dense_fit(monkeypatch, depth, activation, layout):
    """Above DENSE_LIMIT fit() never forms the library: same optimum, same network, same labels."""
    from lmirrors import fitting

    x, y = make_data(layout, 8 if depth == 4 else 14, seed=depth)
    dense = fit(x, y, depth=depth, activation=activation, beta=0.03)
    monkeypatch.setattr(fitting, "DENSE_LIMIT", 0)
    free = fit(x, y, depth=depth, activation=activation, beta=0.03)
    assert dense.library.complete and not free.library.complete
    assert "A" not in vars(free.library)  # the support's N x |S| columns: written down when first asked for
    assert "matrix-free" in free.library.summary() and free.library.size == free.solution.support.size
    assert relative(free.solution.objective, dense.solution.objective) < 1e-9
    assert free.solution.relative_gap <= 1e-9
    assert relative(free.network_objective, free.solution.objective) < 1e-9
    np.testing.assert_allclose(free.predict(x), dense.predict(x), atol=1e-7)
    # the written-down columns are the features evaluated at the library's points (the distinct x)
    for k, feature in enumerate(free.library.features):
        np.testing.assert_allclose(free.library.A[:, k], feature(free.library.x), atol=1e-12 * (1 + np.abs(x).max()))
    with pytest.raises(ValueError, match="beta = 0"):
        fit(x, y, depth=depth, activation=activation, beta=0.0)
    # beta >= beta_max: no unit at all, the constant fit
    constant = fit(x, y, depth=depth, activation=activation, beta=1e6)
    assert constant.library.size == 0 and constant.network.W.shape[0] == 0
    np.testing.assert_allclose(constant.predict(x), y.mean())


def test_large_deep_library_is_fitted_without_forming_it():
    """N = 2000, 3-layer ReLU: 1,999,000 capped ramps (a 32 GB matrix) by default."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-1, 1, 2000))
    y = np.sin(4 * x) + 0.3 * rng.normal(size=x.size)
    f = fit(x, y, depth=3, activation="relu", beta=1.0)
    assert f.library.n_candidates == 1_999_000 and f.library.size < 50
    assert f.solution.relative_gap <= 1e-9
    assert relative(f.network_objective, f.solution.objective) < 1e-9


TWO_LAYER_FAMILIES = [
    ("relu", {}),
    ("leaky_relu", {"slope": 0.1}),
    ("leaky_relu", {"slope": 0.6}),
    ("abs", {}),
    ("symmetrized_relu", {}),
    ("sign", {}),
    ("threshold", {}),
]


def reference_units(x, activation: str, slope: float) -> np.ndarray:
    """Normalised two-layer units with kinks (or jumps) on a fine grid, written from their definitions."""
    t = oracle_breakpoints(x, grid=300, per_gap=5)
    if activation in ("relu", "leaky_relu", "abs"):
        return oracle_matrix(x, activation, slope, t)
    shifted = np.asarray(x, dtype=float)[:, None] - t[None, :]
    if activation == "sign":
        return np.where(shifted >= 0, 1.0, -1.0)
    if activation == "threshold":
        return np.where(shifted >= 0, 1.0, 0.0)
    # symmetrized ReLU: (x - q)_+ + (p - x)_+, the distance to [p, q] plus a constant, for p, q on the grid
    ends = oracle_breakpoints(x, grid=40, per_gap=2)
    p, q = np.meshgrid(ends, ends)
    up, down = x[:, None] - q.ravel()[None, :], p.ravel()[None, :] - x[:, None]
    return np.where(up > 0, up, 0.0) + np.where(down > 0, down, 0.0)


@pytest.mark.parametrize("activation, options", TWO_LAYER_FAMILIES)
@pytest.mark.parametrize("layout, n, seed", [("uniform", 8, 5), ("clustered", 9, 6), ("duplicates", 6, 7)])
def test_min_norm_certificate_of_every_two_layer_family(activation, options, layout, n, seed):
    x, y = make_data(layout, n, seed)
    f = fit(x, y, activation=activation, beta=0, **options)
    certificate = f.min_norm_certificate()
    assert certificate.interpolation_error < 1e-9
    assert relative(certificate.norm, f.solution.objective) < 1e-12
    assert abs(certificate.gap) <= 1e-9 * max(1.0, certificate.norm)
    assert abs(certificate.nu.sum()) < 1e-12
    # no unit with its kink anywhere beats the library: nu stays dual feasible for all of them, and
    # an independent dual LP over those units cannot prove a norm below the library's
    units = reference_units(x, activation, options.get("slope", 0.0))
    assert certificate.correlation(units) <= 1 + 1e-9
    assert min_norm_lower_bound(units, y) >= certificate.norm * (1 - 1e-7)
    random_units = random_two_layer_units(x, activation, 5000, seed=seed, **options)
    assert certificate.correlation(random_units) <= 1 + 1e-9


def test_the_oracle_catches_a_library_without_left_facing_ramps():
    """Ramps (x - x_n)_+ alone can interpolate, but their minimum norm is too large: the dual of
    that LP fails against ramps facing the other way, so the oracle check has teeth."""
    x, y = make_data("uniform", 8, 11)
    full = fit(x, y, activation="relu", beta=0)
    points = np.unique(x)
    right = np.maximum(x[:, None] - points[None, :-1], 0.0)
    cut = replace(full.library, A=right)
    cut_fit = fit_library(cut, y, 0)
    assert cut_fit.max_interpolation_error < 1e-9
    assert cut_fit.solution.objective > full.solution.objective * (1 + 1e-3)
    certificate = cut_fit.min_norm_certificate()
    assert certificate.correlation(random_two_layer_units(x, "relu", 5000)) > 1 + 1e-3
    assert full.min_norm_certificate().correlation(random_two_layer_units(x, "relu", 5000)) <= 1 + 1e-9


def test_min_norm_certificate_of_priced_and_closed_form_fits():
    x, y = make_data("uniform", 12, 12)
    closed = fit(x, y, depth=3, activation="sign", beta=0, m1=11)
    priced = fit(x, y, depth=3, activation="sign", beta=0, m1=2, method="column_generation")
    for f in (closed, priced):
        certificate = f.min_norm_certificate()
        assert abs(certificate.gap) <= 1e-9 * certificate.norm and certificate.interpolation_error < 1e-9
    assert relative(closed.min_norm_certificate().norm, (y.max() - y.min()) / 2) < 1e-12


def test_min_norm_certificate_refuses_what_it_cannot_certify():
    x, y = make_data("uniform", 6, 13)
    with pytest.raises(ValueError, match="beta = 0"):
        fit(x, y, beta=0.1).min_norm_certificate()
    with pytest.raises(ValueError, match="no pricing of their whole library"):
        fit(x, y, depth=3, activation="sign", beta=0, widths=(5, 5), layout="rectangular").min_norm_certificate()
    with pytest.raises(ValueError, match="shape"):
        fit(x, y, beta=0).min_norm_certificate().correlation(np.ones(5))


def test_min_norm_certificate_prices_the_whole_library_when_only_part_is_written_down():
    """One-switch patterns interpolate, but two-switch units do better on wiggly labels: a fit that
    wrote down only the former must not be certified, since the whole library is priced."""
    x, y = make_data("uniform", 8, 14)
    depth3 = Architecture(3, "sign", m1=2)
    best = fit(x, y, depth=3, activation="sign", beta=0, m1=2).min_norm_certificate()
    part = replace(Architecture(2, "sign").library(x), architecture=depth3, complete=False)
    certificate = fit_library(part, y, 0).min_norm_certificate()
    assert certificate.interpolation_error < 1e-9
    assert certificate.norm > best.norm * (1 + 1e-3)
    assert certificate.lower_bound <= best.norm * (1 + 1e-9)


# ----- pickling keeps the network and the support, not the library ------------------------


def roundtrip(result):
    import pickle

    data = pickle.dumps(result)
    return pickle.loads(data), len(data)


@pytest.mark.parametrize("case", registry_cases(max_depth=3), ids=lambda case: f"{case[0]}-{case[1]}-{case[2]}")
def test_pickled_fit_predicts_selects_and_certifies_alike(case):
    depth, activation, options = case
    x, y = make_data("duplicates", 8, 4)
    result = fit(x, y, depth, activation, **options)
    again, _ = roundtrip(result)
    grid = np.linspace(x.min() - 1, x.max() + 1, 50)
    np.testing.assert_array_equal(again.predict(grid), result.predict(grid))
    assert [(s.label, s.z) for s in again.selected()] == [(s.label, s.z) for s in result.selected()]
    assert again.beta == result.beta and again.library.size == len(result.selected())
    assert (again.solution.objective, again.solution.gap) == (result.solution.objective, result.solution.gap)
    assert again.network_objective == pytest.approx(result.network_objective, rel=1e-12)
    assert again.summary().splitlines()[1:] == result.summary().splitlines()[1:]
    assert roundtrip(again)[0].summary() == again.summary()  # pickling twice changes nothing more


def test_pickled_deep_fit_is_small():
    """3-layer abs on 300 points: the whole library pickled to 4.6 MB (matrix-free features) or
    184 MB (dense); the network and its support take a few hundred kB, N x units numbers."""
    x = np.linspace(0.0, 1.0, 300)
    y = np.sin(6 * x) + 0.1 * np.random.default_rng(0).normal(size=x.size)
    result = fit(x, y, 3, "abs", beta=1e-3)
    again, size = roundtrip(result)
    assert size < 1_000_000 and size < 12 * x.size * (len(result.selected()) + 10)
    np.testing.assert_array_equal(again.predict(x), result.predict(x))


def test_unpickled_minimum_norm_fit_asks_for_a_refit():
    x, y = make_data("uniform", 7, 3)
    result = fit(x, y, 3, "relu", beta=0)
    again, _ = roundtrip(result)
    with pytest.raises(ValueError, match="refit") as refusal:
        again.min_norm_certificate()
    assert "lmirrors.fit(fit.x, fit.y, depth, activation, beta=0" in str(refusal.value)
    refit = fit(again.x, again.y, 3, "relu", beta=0)  # the advice, followed
    assert refit.min_norm_certificate().gap == pytest.approx(result.min_norm_certificate().gap, abs=1e-9)
