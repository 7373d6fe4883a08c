"""Units cannot change a certified optimum: scale and offset of x and y, tiny beta, beta = 0.

Reproducers of the five failure classes found off the unit scale (tiny x, large offsets,
minimum norm on small labels, the matrix-free second opinion, tiny beta), then property-based
tests over every registered family: for $x \\to s x + c$, $y \\to t y + m$, $\\beta \\to t s^h \\beta$
($h$ = :attr:`~lmirrors.registry.Family.x_degree`) the optimum is $t^2$ times the original one
(minimum norm: $t / s^h$ times), the reported gap survives an independent recomputation on the
full library, and the exported network computes :meth:`~lmirrors.fitting.Fit.predict`.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from helpers import exact_lasso_gap, registry_cases, relative
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lmirrors
from lmirrors.convex import lasso
from lmirrors.convex.lasso import SolverError, beta_max, min_norm, solve
from lmirrors.export import fit_to_dict, network_from_dict
from lmirrors.libraries.ramps import two_layer_dictionary
from lmirrors.registry import Architecture

NARROW_TWO_LAYER = ["relu", "leaky_relu", "abs"]

# ----- 1. tiny x ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", NARROW_TWO_LAYER)
def test_two_points_a_nanometre_apart_keep_their_ramp(activation):
    """x = 400 and 401 nm in metres, y = (0, 1), beta = 1e-10: the optimum is 0.09, not the
    constant's 0.25 (an absolute tolerance once dropped the only column as constant)."""
    result = lmirrors.fit([4e-7, 4.01e-7], [0.0, 1.0], 2, activation, beta=1e-10)
    # one column (0, d), d = 1e-9 up to the data's round-off: 1/4 (1 - d a)^2 + beta |a| is least
    # at 1 - d a = 2 beta / d, i.e. at 1/4 (2 beta/d)^2 + beta/d - 2 beta^2/d^2 = beta/d - beta^2/d^2
    d = 4.01e-7 - 4e-7
    expected = 1e-10 / d - (1e-10 / d) ** 2
    assert result.library.size >= 1
    assert relative(result.solution.objective, expected) < 1e-9
    assert relative(result.network_objective, expected) < 1e-9


def test_wavelengths_in_metres_equal_wavelengths_in_nanometres():
    x = np.arange(400, 412, dtype=float)
    y = np.random.default_rng(3).normal(size=x.size)
    nm = lmirrors.fit(x, y, 3, "abs", beta=1e-2)
    metres = lmirrors.fit(x * 1e-9, y, 3, "abs", beta=1e-2 * 1e-9)
    assert metres.library.size == nm.library.size
    assert relative(metres.solution.objective, nm.solution.objective) < 1e-9


# ----- 2. large offsets --------------------------------------------------------------------


def test_timestamps_keep_every_deep_column_and_a_centred_network():
    rng = np.random.default_rng(7)
    u = np.sort(rng.uniform(0.0, 1.0, 8))
    y = rng.normal(size=u.size)
    seconds = 1.7e9 + 1e6 * u
    unit = lmirrors.fit(u, y, 4, "abs", beta=1e-3)
    stamps = lmirrors.fit(seconds, y, 4, "abs", beta=1e-3 * 1e6)
    assert stamps.library.size == unit.library.size
    assert relative(stamps.solution.objective, unit.solution.objective) < 1e-9
    assert relative(stamps.network_objective, stamps.solution.objective) < 1e-9
    assert stamps.network.input_shift == pytest.approx(0.5 * (seconds.min() + seconds.max()))
    # biases are of the data's spread (1e6) times the weights, not of the offset
    W, B = stamps.network.W, stamps.network.B
    assert np.abs(B[:, 0]).max() <= 2e6 * np.abs(W[:, 0]).max()


# ----- 3. beta = 0 -------------------------------------------------------------------------


@pytest.mark.parametrize("t", [1e-8, 1.0, 1e8])
def test_minimum_norm_scales_with_the_labels(t):
    x = np.linspace(0.0, 1.0, 9)
    y = np.random.default_rng(1).normal(size=x.size)
    A = Architecture(2, "relu").library(x).A
    unit, scaled = min_norm(A, y), min_norm(A, t * y)
    assert unit.objective > 0 and relative(scaled.objective, t * unit.objective) < 1e-9
    assert scaled.gap <= 1e-6 * scaled.objective
    assert np.abs(A @ scaled.z + scaled.xi - t * y).max() <= 1e-9 * t


def test_minimum_norm_at_micrometre_scale_interpolates():
    x = np.linspace(0.0, 1.0, 9)
    y = np.random.default_rng(2).normal(size=x.size)
    unit = lmirrors.fit(x, y, 3, "relu", beta=0)
    micro = lmirrors.fit(1e-6 * x, y, 3, "relu", beta=0)
    assert relative(micro.solution.objective, 1e6 * unit.solution.objective) < 1e-9
    assert micro.max_interpolation_error <= 1e-9 * np.ptp(y)


def test_minimum_norm_refuses_what_it_cannot_certify():
    A = np.array([[0.0], [1.0], [2.0]])  # one line cannot pass through three non-collinear points
    with pytest.raises(SolverError, match="cannot interpolate"):
        min_norm(A, np.array([0.0, 1.0, 0.0]))


# ----- 4. matrix-free second opinion -------------------------------------------------------


def test_matrix_free_solve_with_a_loose_working_set(monkeypatch):
    """A working set ending with a relative gap in (1e-9, 1e-6] on a matrix-free library."""
    rng = np.random.default_rng(4)
    x = np.sort(rng.uniform(size=40))
    y = np.sin(6 * x) + 0.1 * rng.normal(size=x.size)
    dictionary = two_layer_dictionary(x, Architecture(2, "abs").activation)
    beta = 1e-3 * beta_max(dictionary, y)
    exact = solve(dictionary, y, beta)
    loose = exact.z * (1 + 5e-10)
    gap = lasso.duality_gap(dictionary, y, loose, lasso._intercept(dictionary, y, loose), beta)
    assert 1e-9 < gap / exact.objective <= 1e-6
    monkeypatch.setattr(lasso, "solve_working_set", lambda *args: (loose, gap / exact.objective))
    answer = solve(dictionary, y, beta)
    assert answer.relative_gap <= 1e-6 and relative(answer.objective, exact.objective) < 1e-6


# ----- 5. tiny beta ------------------------------------------------------------------------


def square_wave() -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0.0, 1.0, 60)
    y = np.sign(np.sin(2 * np.pi * 6 * x) + 1e-9)  # 12 blocks
    return Architecture(2, "relu").library(x).A, y


def test_tiny_beta_is_certified_without_clarabel(monkeypatch):
    """CLARABEL failing as a second opinion must not hide the working set's certified answer."""
    A, y = square_wave()
    beta = 1e-5 * beta_max(A, y)

    def failing(*args):
        raise SolverError("CLARABEL stopped with a gap of 0.26")

    monkeypatch.setattr(lasso, "_solve_cvxpy", failing)
    solution = solve(A, y, beta)
    assert solution.method.startswith("working-set") and solution.relative_gap <= 1e-6


@pytest.mark.parametrize("ratio", [1e-7, 1e-9, 1e-12])
def test_nearly_interpolating_beta_is_certified_exactly(ratio):
    """Where float64 cannot certify (from about 1e-7 beta_max) the exact route does, and its
    gap bounds an independent exact certificate from above: the certificate does not lie."""
    x = np.linspace(0.0, 1.0, 24)
    y = np.sign(np.sin(2 * np.pi * 3 * x) + 1e-9)  # 6 blocks
    A = Architecture(2, "relu").library(x).A
    beta = ratio * beta_max(A, y)
    solution = solve(A, y, beta)
    assert solution.relative_gap <= 1e-6
    gap, correlation = exact_lasso_gap(A, y, beta, solution.z, solution.xi)
    assert gap <= solution.gap * (1 + 1e-9) + 1e-300 and correlation <= 1 + 1e-8
    assert relative(lasso.lasso_objective(A, y, solution.z, solution.xi, beta), solution.objective) < 1e-6


def test_the_float_route_alone_cannot_certify_tiny_beta(monkeypatch):
    """Without the exact route the same problem is refused (the exact route is what certifies it)."""
    A, y = square_wave()
    beta = 1e-10 * beta_max(A, y)
    monkeypatch.setattr(lasso, "solve_exactly", lambda *args: (_ for _ in ()).throw(SolverError("off")))
    monkeypatch.setattr(lasso, "_solve_cvxpy", lambda *args: (_ for _ in ()).throw(SolverError("off")))
    with pytest.raises(SolverError, match="no certified optimum"):
        solve(A, y, beta)


@pytest.mark.parametrize("activation", ["relu", "abs"])
def test_tiny_beta_on_a_matrix_free_library(activation):
    """The exact route prices a matrix-free library with the exact residual, rounded once."""
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(-1.0, 1.0, 16))
    y = np.sin(3 * x) + 0.1 * rng.normal(size=x.size)
    dictionary = two_layer_dictionary(x, Architecture(2, activation).activation)
    A = Architecture(2, activation).library(x).A
    for ratio in (1e-9, 1e-12):
        beta = ratio * beta_max(dictionary, y)
        free, dense = solve(dictionary, y, beta), solve(A, y, beta)
        columns, support_only = lasso.solve_support(dictionary, y, beta)
        assert max(free.relative_gap, dense.relative_gap, support_only.relative_gap) <= 1e-6
        assert relative(free.objective, dense.objective) < 1e-6
        assert relative(support_only.objective, dense.objective) < 1e-6
        full = np.zeros(dictionary.shape[1])
        full[columns] = support_only.z
        gap, correlation = exact_lasso_gap(dictionary.dense(), y, beta, full, support_only.xi)
        assert gap <= 1e-6 * support_only.objective and correlation <= 1 + 1e-8


@pytest.mark.parametrize("ratio", [1e-9, 1e-12])
def test_tiny_beta_by_column_generation(ratio):
    """The exact route prices with the family's oracle too (columns generated as it goes)."""
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(-1.0, 1.0, 16))
    y = np.sin(4 * x) + 0.1 * rng.normal(size=x.size)
    beta = ratio * beta_max(Architecture(3, "sign", m1=2).library(x).A, y)
    library = lmirrors.fit(x, y, 3, "sign", beta, m1=2, method="library")
    generated = lmirrors.fit(x, y, 3, "sign", beta, m1=2, method="column_generation")
    assert max(library.solution.relative_gap, generated.solution.relative_gap) <= 1e-6
    assert relative(generated.solution.objective, library.solution.objective) < 1e-6


@settings(max_examples=30, derandomize=True, deadline=None, database=None)
@given(
    st.sampled_from([(2, "relu"), (2, "abs"), (3, "abs")]),
    st.integers(4, 9),
    st.integers(0, 2**32 - 1),
    st.floats(-12.0, -6.0),
    st.floats(-6.0, 6.0),
    st.floats(-6.0, 6.0),
)
def test_any_tiny_beta_is_certified_and_the_certificate_is_exact(family, n, seed, log_ratio, log_s, log_t):
    """beta / beta_max in [1e-12, 1e-6], x and y at any scale: certified, and the reported gap is
    at least an independent exact gap (rational arithmetic over every column)."""
    rng = np.random.default_rng(seed)
    x = 10.0**log_s * np.sort(rng.uniform(-1.0, 1.0, n))
    y = 10.0**log_t * rng.normal(size=n)
    A = Architecture(*family).library(x).A
    beta = 10.0**log_ratio * beta_max(A, y)
    solution = solve(A, y, beta)
    assert solution.relative_gap <= 1e-6
    gap, correlation = exact_lasso_gap(A, y, beta, solution.z, solution.xi)
    assert gap <= solution.gap * (1 + 1e-9) + 1e-300, (gap, solution.gap)
    assert correlation <= 1 + 1e-8


# ----- property-based: every family, any units ---------------------------------------------

CASES = registry_cases(max_depth=3)
FULL_LIBRARY_LIMIT = 20_000
"""Largest full library (columns) the independent gap check writes down."""


def independent_gap(result: lmirrors.Fit, A_full: np.ndarray) -> float:
    """P - D from scratch: the fit's residual, scaled into the dual set of the *full* library."""
    x, y, beta = result.x, result.y, result.beta
    fitted = result.library.A @ result.solution.z + result.solution.xi
    r = y - fitted
    primal = 0.5 * r @ r + beta * np.abs(result.solution.z).sum()
    rc = r - r.mean()
    correlation = float(np.abs(A_full.T @ rc).max(initial=0.0))
    theta = min(1.0, beta / correlation) if correlation > 0 else 1.0
    yc = y - y.mean()
    dual = 0.5 * yc @ yc - 0.5 * (yc - theta * rc) @ (yc - theta * rc)
    assert x.size == A_full.shape[0]
    return float(primal - dual)


@st.composite
def problems(draw):
    case = draw(st.sampled_from(CASES))
    n = draw(st.integers(3, 7))
    gaps = draw(st.lists(st.floats(0.05, 1.0), min_size=n - 1, max_size=n - 1))
    x0 = np.concatenate([[0.0], np.cumsum(gaps)])
    x0 = x0 / x0[-1]
    y0 = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n)))
    y0[0] += 0.5  # never constant
    beta0 = draw(st.sampled_from([0.0]) | st.floats(-9.0, 1.0).map(lambda e: 10.0**e))
    s = 10.0 ** draw(st.floats(-12.0, 12.0))
    # offsets up to 1e10 in absolute terms, and at most 1e4 spreads: beyond that, float64 data
    # themselves carry rounding errors above 1e-12 of their spread
    c = min(10.0 ** draw(st.floats(-3.0, 10.0)), 1e4 * s) * draw(st.sampled_from([-1.0, 1.0]))
    t = 10.0 ** draw(st.floats(-8.0, 8.0))
    m = t * draw(st.floats(-100.0, 100.0))
    return case, x0, y0, beta0, (s, c, t, m)


EQUIVARIANCE_ERRORS: list[float] = []
"""Relative objective differences seen by :func:`test_objective_is_equivariant_certified_and_exported`."""


def equivariance_error(case, x0, y0, beta0, s, c, t, m) -> tuple[float, lmirrors.Fit]:
    """Relative difference between the optimum on the moved data and the prediction from the unit one."""
    depth, activation, options = case
    h = Architecture(depth, activation, **options).family.x_degree
    moved_data = (s * x0 + c, t * y0 + m, depth, activation, t * s**h * beta0)
    try:
        unit = lmirrors.fit(x0, y0, depth, activation, beta0, **options)
    except ValueError as refusal:  # e.g. beta = 0 where the network cannot interpolate: refused alike
        with pytest.raises(ValueError, match=re.escape(str(refusal).split(",")[0])):
            lmirrors.fit(*moved_data, **options)
        return 0.0, None, None
    moved = lmirrors.fit(*moved_data, **options)
    factor = t / s**h if beta0 == 0 else t**2
    return relative(moved.solution.objective, factor * unit.solution.objective), moved, unit


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems())
def test_objective_is_equivariant_certified_and_exported(problem):
    case, x0, y0, beta0, (s, c, t, m) = problem
    error, moved, unit = equivariance_error(case, x0, y0, beta0, s, c, t, m)
    EQUIVARIANCE_ERRORS.append(error)
    if moved is None:
        return
    # both objectives are certified to their gaps only: they may differ by those, and by 1e-9 more
    certified = unit.solution.relative_gap + moved.solution.relative_gap
    assert error < 1e-9 + certified, (case, s, c, t, m, beta0)
    # the certificate is honest: recomputed on the whole library, from the fit's z alone
    architecture = moved.architecture
    fits = architecture.family.candidates is not None and architecture.size_formula(x0.size) <= FULL_LIBRARY_LIMIT
    if beta0 > 0 and fits:
        gap = independent_gap(moved, architecture.library(moved.x).A)
        assert gap <= 1e-6 * moved.solution.objective + 1e-12 * t**2, (gap, moved.solution.gap)
    if beta0 == 0:
        assert moved.max_interpolation_error <= 1e-8 * t
    else:
        assert relative(moved.network_objective, moved.solution.objective) < 1e-8
    # the exported network (JSON and torch) computes predict, fixed input map included
    grid = np.concatenate([moved.x, 0.5 * (moved.x[1:] + moved.x[:-1])])
    expected = moved.predict(grid)
    again = network_from_dict(json.loads(json.dumps(fit_to_dict(moved))))
    np.testing.assert_allclose(again(grid), expected, rtol=0, atol=1e-12 * t * 100)
    torch_out = moved.network.to_torch()(grid).detach().numpy()
    np.testing.assert_allclose(torch_out, expected, rtol=0, atol=1e-9 * t * 100)


# ----- the default beta follows the units ---------------------------------------------------


@settings(max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_default_beta_gives_the_same_network_in_any_units(problem):
    """``beta=None`` is a fraction of beta_max, so moving the data moves the network and nothing else:
    beta by t s^h, the objective by t^2, the fitted values by y -> t y + m."""
    (depth, activation, options), x0, y0, _, (s, c, t, m) = problem
    h = Architecture(depth, activation, **options).family.x_degree
    unit = lmirrors.fit(x0, y0, depth, activation, **options)
    moved = lmirrors.fit(s * x0 + c, t * y0 + m, depth, activation, **options)
    assert unit.beta > 0 and relative(moved.beta, t * s**h * unit.beta) < 1e-9
    certified = unit.solution.relative_gap + moved.solution.relative_gap
    assert relative(moved.solution.objective, t**2 * unit.solution.objective) < 1e-9 + certified
    # fitted values are unique at the optimum: within sqrt(2 gap) of them for each fit
    slack = np.sqrt(2 * unit.solution.gap) + np.sqrt(2 * moved.solution.gap) / t + 1e-9 * np.ptp(y0)
    assert np.abs(moved.predict(moved.x) - m - t * unit.predict(x0)).max() <= t * slack


def test_default_beta_is_relative_and_a_number_absolute():
    """The issue's reproducers: y x 1e4 and x x 1e3 at N = 100 (absolute 1e-3 failed or interpolated)."""
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(0.0, 1.0, 100))
    y = np.sin(6 * x) + 0.3 * rng.normal(size=x.size)
    unit = lmirrors.fit(x, y)
    top = Architecture(2, "relu").beta_max(x, y)
    assert unit.beta == pytest.approx(lmirrors.fitting.DEFAULT_RELATIVE_BETA * top, rel=1e-12)
    assert 2 <= unit.network.width <= 20  # neither the constant nor one unit per point
    for scaled in (lmirrors.fit(x, 1e4 * y), lmirrors.fit(1e3 * x, y)):
        assert scaled.network.width == unit.network.width
    assert lmirrors.fit(x, y, beta=1e-3).beta == 1e-3
    assert lmirrors.fit(x, 1e4 * y, beta=0.5).beta == 0.5


@pytest.mark.parametrize("case", CASES, ids=lambda case: Architecture(case[0], case[1], **case[2]).name)
def test_beta_max_is_where_the_constant_becomes_optimal(case):
    depth, activation, options = case
    rng = np.random.default_rng(2)
    x, y = np.sort(rng.uniform(0.0, 1.0, 7)), rng.normal(size=7)
    top = Architecture(depth, activation, **options).beta_max(x, y)
    assert lmirrors.fit(x, y, depth, activation, top * (1 + 1e-9), **options).selected() == []
    assert len(lmirrors.fit(x, y, depth, activation, top * (1 - 1e-3), **options).selected()) == 1


# ----- every refusal's advice works ---------------------------------------------------------


def advised_beta(refusal: Exception) -> float:
    """The β a refusal recommends ("... beta = 0.00123 (1e-4 times beta_max) ...")."""
    found = re.findall(r"beta = ([0-9.e+-]+) \(", str(refusal))
    assert found, f"no beta recommended in: {refusal}"
    return float(found[-1])


def noisy_sine(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    return x, np.sin(6 * x) + 0.3 * rng.normal(size=n)


def test_matrix_free_minimum_norm_refusal_advises_a_beta_that_fits():
    x, y = noisy_sine(500)
    with pytest.raises(ValueError, match="needs the dense LP") as refusal:
        lmirrors.fit(x, y, 3, "relu", beta=0, method="matrix_free")
    advised = lmirrors.fit(x, y, 3, "relu", beta=advised_beta(refusal.value), method="matrix_free")
    assert advised.solution.relative_gap <= 1e-6 and advised.network.width > 10


def test_additive_minimum_norm_refusal_advises_a_beta_that_fits():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1.0, 1.0, (200, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.normal(size=200)
    with pytest.raises(ValueError, match="needs method='library'") as refusal:
        lmirrors.fitting.fit_additive(X, y, beta=0, method="matrix_free")
    advised = lmirrors.fitting.fit_additive(X, y, beta=advised_beta(refusal.value), method="matrix_free")
    assert advised.solution.relative_gap <= 1e-6


def test_memory_refusal_of_the_minimum_norm_advises_what_fits(monkeypatch):
    """Too little memory for the dense LP: the advice (a beta near interpolation, matrix-free) runs."""
    from lmirrors import validation

    x, y = noisy_sine(300)
    monkeypatch.setattr(validation, "available_memory", lambda: 2_000_000)
    with pytest.raises(ValueError, match="Architecture\\(...\\).beta_max\\(x, y\\) with method='matrix_free'"):
        lmirrors.fit(x, y, 2, "relu", beta=0)
    beta = lasso.NEAR_INTERPOLATION * Architecture(2, "relu").beta_max(x, y)
    assert lmirrors.fit(x, y, 2, "relu", beta=beta, method="matrix_free").solution.relative_gap <= 1e-6
    A = Architecture(2, "relu").library(np.linspace(0.0, 1.0, 40)).A
    monkeypatch.setattr(validation, "available_memory", lambda: 100_000)
    with pytest.raises(ValueError, match="minimum-norm LP") as refusal:
        min_norm(A, noisy_sine(40)[1])
    assert solve(A, noisy_sine(40)[1], advised_beta(refusal.value)).relative_gap <= 1e-6
