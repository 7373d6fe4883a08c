"""Bad input: every public entry point raises ValueError with a message that says what is wrong."""

from pathlib import Path

import numpy as np
import pytest

from lmirrors import Architecture, fit
from lmirrors.convex.lasso import SolverError, beta_max, solve
from lmirrors.validation import as_1d, check_beta, check_data

X = [0.0, 1.0, 2.5, 4.0]
Y = [0.0, 1.0, -1.0, 2.0]


@pytest.mark.parametrize(
    "x, y, match",
    [
        ([0.0, np.nan, 2.5, 4.0], Y, r"x contains 1 NaN or infinite value\(s\) \(positions \[1\]\)"),
        ([0.0, 1.0, np.inf, 4.0], Y, r"x contains 1 NaN or infinite"),
        ([-np.inf, 1.0, 2.5, 4.0], Y, r"x contains 1 NaN or infinite"),
        (X, [0.0, np.nan, np.nan, 2.0], r"y contains 2 NaN or infinite value\(s\) \(positions \[1, 2\]\)"),
        (X, [0.0, 1.0, 2.0, np.inf], r"y contains 1 NaN or infinite"),
        (np.column_stack([X, X]), Y, r"x must be one-dimensional .* got shape \(4, 2\)"),
        (X, np.ones((4, 2)), r"y must be one-dimensional"),
        (np.ones((2, 2, 1)), Y, r"x must be one-dimensional"),
        (3.0, 1.0, r"x must be one-dimensional .* got shape \(\)"),
        ([1.0, 1.0, 1.0], [2.0, 2.0, 2.0], r"need at least 2 distinct x values, got 1"),
        ([5.0], [1.0], r"need at least 2 distinct x values, got 1"),
        ([], [], r"need at least 2 distinct x values, got 0"),
        (X, Y[:3], r"x and y must have the same length, got 4 and 3"),
        (X[:2], Y, r"x and y must have the same length, got 2 and 4"),
        (["a", "b", "c", "d"], Y, r"x holds text"),
        (X, ["zero", "one", "two", "three"], r"y holds text"),
        ([0.0, "1.0x", 2.0, 3.0], Y, r"x holds text"),
        (["0", "1", "2", "3"], Y, r"x holds text .* convert it to numbers first"),
        ([0.0, {}, 2.0, 3.0], Y, r"x must be numeric"),
        ([0.0, 1.0 + 2.0j, 2.0, 3.0], Y, r"x holds complex numbers; .* pass x.real"),
        (X, np.array(Y, dtype=complex), r"y holds complex numbers"),  # even with zero imaginary parts
        (np.ma.masked_array(X, mask=[0, 1, 0, 0]), Y, r"x is a masked array, and its mask would be lost"),
        (X, np.ma.masked_array(Y), r"y is a masked array.* y.compressed\(\)"),
    ],
)
def test_bad_data(x, y, match):
    with pytest.raises(ValueError, match=match):
        fit(x, y, beta=0.1)
    with pytest.raises(ValueError, match=match):
        check_data(x, y)


@pytest.mark.parametrize(
    "beta, match",
    [
        (-1.0, r"beta must be finite and >= 0 .*got -1"),
        (-1e-12, r"beta must be finite and >= 0"),
        (np.nan, r"beta must be finite and >= 0 .*got nan"),
        (np.inf, r"beta must be finite and >= 0 .*got inf"),
        ("large", r"beta must be a number"),
        ("0.1", r"beta must be a number, got the string '0.1'"),
        ([0.1, 0.2], r"beta must be a number"),
    ],
)
def test_bad_beta(beta, match):
    with pytest.raises(ValueError, match=match):
        fit(X, Y, beta=beta)
    with pytest.raises(ValueError, match=match):
        check_beta(beta)


def test_beta_none_is_the_default_of_fit_only():
    """``fit(beta=None)`` takes the relative default; a low-level ``check_beta(None)`` is refused."""
    with pytest.raises(ValueError, match=r"beta must be a number, got None"):
        check_beta(None)
    assert fit(X, Y, beta=None).beta > 0


@pytest.mark.parametrize("beta", [0, 0.0, 1, np.float32(0.5), np.int64(2), 1e-300])
def test_good_beta(beta):
    assert check_beta(beta) == float(beta)


@pytest.mark.parametrize("activation", ["tanh", "softplus", "gelu"])
def test_unknown_activation(activation):
    with pytest.raises(ValueError, match=f"unknown activation '{activation}'; choose one of relu"):
        fit(X, Y, activation=activation)


def test_unsupported_depth_and_activation():
    with pytest.raises(ValueError, match="no library yet for depth 5 with leaky_relu"):
        fit(X, Y, depth=5, activation="leaky_relu")
    with pytest.raises(ValueError, match="no library yet for depth 4 with symmetrized_relu"):
        fit(X, Y, depth=4, activation="symmetrized_relu")
    with pytest.raises(ValueError, match="slope in"):
        fit(X, Y, activation="leaky_relu", slope=1.5)


def test_repeated_points_with_agreeing_labels_are_accepted():
    x, y = check_data([0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 1.0, 2.0])
    assert x.size == y.size == 4
    f = fit([0.0, 1.0, 1.0, 2.0, 3.0], [0.0, 1.0, 1.0, -2.0, 0.0], beta=0.1)
    assert f.x.size == 5 and f.library.n_candidates == 8


def test_as_1d_accepts_lists_columns_and_integer_arrays():
    np.testing.assert_array_equal(as_1d([1, 2, 3], "x"), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(as_1d(np.arange(3)[:, None], "x"), [0.0, 1.0, 2.0])
    assert as_1d(np.arange(3), "x").dtype == float


def test_error_names_the_argument():
    with pytest.raises(ValueError, match="breakpoints contains"):
        as_1d([np.nan], "breakpoints")


def test_library_rejects_bad_x():
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        Architecture(2, "relu").library([0.0, np.nan, 1.0])


@pytest.fixture(scope="module")
def fitted():
    return fit(X, Y, beta=0.1)


@pytest.mark.parametrize(
    "points, match",
    [
        (np.ones((3, 2)), r"x must be one-dimensional .* got shape \(3, 2\)"),  # used to give 6 outputs
        (np.ma.masked_array([1.0, 2.0], mask=[0, 1]), r"x is a masked array"),
        ([1.0 + 1.0j], r"x holds complex numbers"),
        ([0.0, np.nan], r"x contains 1 NaN or infinite"),
        (["1.5"], r"x holds text"),
    ],
)
def test_predict_refuses_what_it_cannot_evaluate(fitted, points, match):
    with pytest.raises(ValueError, match=match):
        fitted.predict(points)
    with pytest.raises(ValueError, match=match):
        fitted.network(points)


def test_predict_accepts_numbers_vectors_and_columns(fitted):
    column = fitted.predict(np.array(X)[:, None])
    np.testing.assert_array_equal(column, fitted.predict(X))
    assert column.shape == (len(X),) and fitted.predict(2.0).shape == (1,)


def lasso_problem():
    rng = np.random.default_rng(3)
    return rng.normal(size=(8, 20)), rng.normal(size=8)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda A, y, nan: solve(A, np.where(np.arange(8) == 2, nan, y), 0.1), r"y contains 1 NaN"),
        (lambda A, y, nan: beta_max(A, np.where(np.arange(8) == 2, nan, y)), r"y contains 1 NaN"),
        (lambda A, y, nan: solve(A, np.where(np.arange(8) == 2, nan, y), 0.0), r"y contains 1 NaN"),
        (lambda A, y, nan: solve(A, y, 0.1, warm_start=np.full(20, nan)), r"warm_start contains 20 NaN"),
        (lambda A, y, nan: solve(A, y, 0.1, warm_start=np.zeros(5)), r"warm_start needs one coefficient per column"),
        (lambda A, y, nan: solve(np.where(A > 1.5, nan, A), y, 0.1), r"A holds NaN or infinite entries"),
        (lambda A, y, nan: solve(A, y[:7], 0.1), r"A has 8 rows but y has 7 labels"),
        (lambda A, y, nan: solve(A, y + 0j, 0.1), r"y holds complex numbers"),
        (lambda A, y, nan: beta_max(A, np.ma.masked_array(y)), r"y is a masked array"),
    ],
)
def test_lasso_refuses_nan_complex_and_masked_input(call, match):
    """NaN labels used to return objective NaN labelled as a closed form, and beta_max 0.0."""
    A, y = lasso_problem()
    with pytest.raises(ValueError, match=match):
        call(A, y, np.nan)


def test_a_nan_gap_is_never_certified(monkeypatch):
    """Every certificate test fails on NaN (a NaN gap passed ``gap > 1e-6``)."""
    from lmirrors.convex import lasso

    A, y = lasso_problem()
    beta = 0.1 * beta_max(A, y)
    honest = solve(A, y, beta)

    def nan_working_set(*args, **kwargs):
        return np.zeros(A.shape[1]), np.nan

    # a NaN gap from the working set: the exact route (then the dense second opinion) is consulted and kept
    monkeypatch.setattr(lasso, "solve_working_set", nan_working_set)
    second = solve(A, y, beta)
    assert second.method == "working-set + exact arithmetic" and second.relative_gap <= 1e-6
    assert second.objective == pytest.approx(honest.objective, rel=1e-7)
    monkeypatch.setattr(lasso, "solve_exactly", lambda *args: (_ for _ in ()).throw(SolverError("no exact route")))
    third = solve(A, y, beta)
    assert third.method == "clarabel" and third.objective == pytest.approx(honest.objective, rel=1e-7)
    # a NaN certificate: refused, whatever the solver
    monkeypatch.setattr(lasso, "duality_gap", lambda *args, **kwargs: np.nan)
    with pytest.raises(SolverError, match="relative duality gap nan"):
        solve(A, y, beta, method="cvxpy")


def tiny_memory(monkeypatch, n_bytes: int = 2**20) -> None:
    from lmirrors import validation

    monkeypatch.setattr(validation, "available_memory", lambda: n_bytes)


def test_dense_library_refused_when_it_would_not_fit(monkeypatch):
    x = np.linspace(0.0, 1.0, 200)
    y = np.sin(5 * x)
    fit(x, y, beta=0.1, method="library")  # fits in the real memory
    tiny_memory(monkeypatch)
    advice = r"needs about [\d.]+ MiB of memory, but 1.0 MiB are available; use fit\(\.\.\., method='matrix_free'\)"
    with pytest.raises(ValueError, match=r"the dense 2-layer relu library on 200 points \(80,000 entries\) " + advice):
        fit(x, y, beta=0.1)
    with pytest.raises(ValueError, match=r"with its minimum-norm LP.* use beta = 0.0001 \* lmirrors.Architecture\(...\).beta_max\(x, y\) with method='matrix_free'"):
        fit(x, y, beta=0.0)
    with pytest.raises(ValueError, match="the dense 3-layer abs library on 200 points"):
        Architecture(3, "abs").library(x)
    with pytest.raises(ValueError, match=r"the minimum-norm LP on a 200 x 2,000 library needs about [\d.]+ MiB"):
        solve(np.ones((200, 2000)), y, 0.0)
    matrix_free = fit(x, y, beta=0.1, method="matrix_free")  # the alternative it names works
    assert matrix_free.solution.relative_gap <= 1e-6


def test_huge_library_refused_at_once():
    """3-layer abs on 3,000 points would need terabytes (4-layer abs on 300 used to grow past 7 GB)."""
    x = np.linspace(0.0, 1.0, 3000)
    with pytest.raises(ValueError, match=r"the dense 3-layer abs library on 3,000 points .* GiB of memory"):
        fit(x, np.cos(x), depth=3, activation="abs", beta=0.1, method="library")


def test_available_memory_reads_meminfo_with_a_fallback(monkeypatch):
    from lmirrors import validation

    meminfo = validation.available_memory()
    assert meminfo is None or meminfo > 0

    def no_proc(*args, **kwargs):
        raise OSError("no /proc here")

    monkeypatch.setattr(validation, "open", no_proc, raising=False)
    fallback = validation.available_memory()
    assert fallback is None or fallback > 0
    monkeypatch.setattr(validation.os, "sysconf", no_proc)
    assert validation.available_memory() is None or Path("/sys/fs/cgroup/memory.max").exists()


def test_merging_distinct_points_changes_nothing():
    """Distinct x (unsorted): the data come back as they are, with unit weights and no constant,
    exactly as the general route (forced here by explicit unit weights) gives them."""
    from lmirrors.validation import merge_repeated

    rng = np.random.default_rng(0)
    x, y = rng.uniform(-1, 1, 30), rng.standard_normal(30)
    fast, general = merge_repeated(x, y), merge_repeated(x, y, np.ones(30))
    for mine, theirs in zip(fast, general, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    x[4] = x[9]
    assert merge_repeated(x, y).points.size == 29
