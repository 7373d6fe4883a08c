"""Deep narrow absolute-value networks (v4 Theorem 3.2, libraries/reflections.py): library sizes,
features against their formulas, the certified examples where reflections and midpoints are both
needed, and the matrix-free mirror dictionary against the dense library and cvxpy."""

from fractions import Fraction

import numpy as np
import pytest
from deep_helpers import midpoint_family, reflection_family
from helpers import make_data

from lmirrors import Architecture, fit
from lmirrors.convex.dictionary import top_indices
from lmirrors.convex.lasso import beta_max, duality_gap, lasso_objective, solve
from lmirrors.libraries import reflections
from lmirrors.libraries.library import distinct_columns
from lmirrors.libraries.reflections import (
    ReflectionDictionary,
    chain_values,
    independent_pinnings,
    kink_forms,
    mirror_dictionary,
    pinned_parameters,
    pinning_count,
)


def generic_x(n, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 3.0, n)


@pytest.mark.parametrize("n", [2, 3, 5, 9, 12])
def test_deep_abs_library_sizes(n):
    """L = 3: N features |x - x_i|, N(N-1) reflections, N(N-1)/2 midpoints on data without
    coincidences: (3N^2 - N)/2 candidates. L = 4: at most the pinning count N + 3N^2 + 30N^3."""
    x = generic_x(n, seed=n)
    three, four = Architecture(3, "abs").library(x), Architecture(4, "abs").library(x)
    assert three.n_candidates == Architecture(3, "abs").size_formula(n) == (3 * n * n - n) // 2
    assert four.n_candidates <= Architecture(4, "abs").size_formula(n) == n + 3 * n**2 + 30 * n**3
    assert three.size <= three.n_candidates and four.size <= four.n_candidates
    # depth never loses features: every L = 3 column is (up to sign/constant) an L = 4 column
    assert distinct_columns(np.hstack([four.A, three.A])).size == four.size


def test_pinning_counts():
    """Forms a1, a1 ± a2, a1 ± a2 ± a3 (7 at L = 4). Of the C(7, 3) = 35 triples five are dependent:
    {a1, a1+a2, a1-a2}, {a1±a2, a1±a2+a3, a1±a2-a3} (2), {a1, a1+a2+a3, a1-a2-a3},
    {a1, a1+a2-a3, a1-a2+a3}: 30 remain. L = 3: all 3 pairs of {a1, a1+a2, a1-a2}."""
    assert kink_forms(4).shape == (7, 3)
    assert len(independent_pinnings(3)) == 3
    assert len(independent_pinnings(4)) == 30
    assert pinning_count(3, 5) == 5 + 3 * 25


def test_abs_features_match_their_parameters_and_labels():
    x = np.array([0.0, 1, 3, 4, 7])
    lib = Architecture(3, "abs").library(x)
    for k, feature in enumerate(lib.features):
        np.testing.assert_array_equal(lib.A[:, k], feature(x))
        a1, a2 = -feature.biases[0], -feature.biases[1]
        assert a2 >= 0
        kinks = {a1} if a2 == 0 else {a1 - a2, a1, a1 + a2}
        assert set(feature.breakpoints) == kinks, feature.label
    labels = " ".join(f.label for f in lib.features)
    assert "5 = 2·3 − 1 (reflection)" in labels and "(midpoint)" in labels and "(data)" in labels
    four = Architecture(4, "abs").library(x)
    assert any("reflection of a reflection" in f.label for f in four.features)


# the certified examples: both families are needed ----------------------------------------------


def test_reflections_are_needed_at_depth_three():
    """x = (0,1,3,4,7), y = (1/3,-1,1,-1/3,0), beta = 5/3: without reflections 10/9, with 13/12."""
    x = np.array([0.0, 1, 3, 4, 7])
    y = np.array([1 / 3, -1, 1, -1 / 3, 0])
    beta = 5 / 3
    without = solve(midpoint_family(x), y, beta)
    full = fit(x, y, depth=3, activation="abs", beta=beta)
    assert Fraction(without.objective).limit_denominator(100) == Fraction(10, 9)
    assert abs(without.objective - 10 / 9) < 1e-9
    assert abs(full.solution.objective - 13 / 12) < 1e-9
    assert abs(full.network_objective - 13 / 12) < 1e-9
    best = full.selected()[0].feature
    assert best.breakpoints == (1.0, 3.0, 5.0)
    t = np.linspace(-2, 9, 111)
    np.testing.assert_allclose(best(t), np.abs(np.abs(t - 3) - 2))
    np.testing.assert_allclose(best(t), np.minimum(np.abs(t - 1), np.abs(t - 5)))
    # the reflection family alone already reaches the optimum here
    assert abs(solve(np.hstack([reflection_family(x), np.abs(x[:, None] - x)]), y, beta).objective - 13 / 12) < 1e-9


def test_midpoints_are_needed_at_depth_three():
    """x = (0,1,4,5,9), y = (-1/4,0,1,-1,1/4), beta = 7/4: without midpoints 1.0625, with 1.05909."""
    x = np.array([0.0, 1, 4, 5, 9])
    y = np.array([-0.25, 0, 1, -1, 0.25])
    beta = 7 / 4
    without = solve(np.hstack([reflection_family(x), np.abs(x[:, None] - x)]), y, beta)
    full = fit(x, y, depth=3, activation="abs", beta=beta)
    assert abs(without.objective - 1.0625) < 1e-9
    assert abs(full.solution.objective - 1.05909) < 1e-5
    assert relative_close(full.network_objective, full.solution.objective)
    assert all("(midpoint)" in s.label for s in full.selected())


def relative_close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(abs(a), abs(b))


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
        ramps = D.ramps(np.arange(D.shape[1])) if isinstance(D, ReflectionDictionary) else D
        assert ramps.W.nnz <= 2 ** (depth - 1) * A.shape[1]


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
    """Dropping either family loses the optimum (the test has teeth)."""
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


def pinnings_layouts():
    """Points where rows repeat (grids: reflections and midpoints land on points), almost repeat
    (a grid moved by less than the merging resolution), or never do; some off-centre."""
    rng = np.random.default_rng(7)
    grid = np.arange(24.0)
    return {
        "uniform": rng.uniform(-1.0, 3.0, 60),
        "grid": 0.5 * grid - 1.0,
        "off-centre grid": 37.0 + 0.1 * grid,
        "integers": rng.choice(200, 70, replace=False).astype(float),
        "jittered grid": grid + 3e-11 * rng.standard_normal(grid.size) * 23,
        "two scales": np.concatenate([rng.uniform(0, 1, 30), 1e3 + np.arange(5.0)]),
    }


@pytest.fixture(params=[None, 7])
def row_blocks(request, monkeypatch):
    """The whole square in one row block, or blocks of 7 rows (what large N does)."""
    if request.param is not None:
        blocks = reflections._row_blocks
        monkeypatch.setattr(reflections, "_row_blocks", lambda n, size=0: blocks(n, request.param * n))


@pytest.mark.parametrize("layout", list(pinnings_layouts()))
def test_pair_pinnings_are_the_written_down_pinnings(layout, row_blocks):
    """At L = 3 the rows found from pairs (no list of rows, repeats searched near each reflection
    and midpoint) are exactly those of writing every pinning down and merging: same parameters
    to the bit, same pinned points, same order."""
    points = np.unique(pinnings_layouts()[layout])
    pairs, written = pinned_parameters(points, 3), reflections._all_pinnings(points, 3, 10)
    assert isinstance(pairs, reflections.PairPinnings)
    assert len(pairs) == len(written)
    for name in ("a", "depth", "subset", "pins"):
        np.testing.assert_array_equal(getattr(pairs, name), getattr(written, name), err_msg=name)
    rows = np.random.default_rng(0).choice(len(pairs), 20)
    np.testing.assert_array_equal(pairs.select(rows).a, written.a[rows])


def test_repeated_rows_are_found_on_grids():
    """On a grid every reflection and most midpoints repeat a row: (3N^2 - N)/2 minus those."""
    points = np.arange(6.0)
    pairs = pinned_parameters(points, 3)
    assert len(pairs) < (3 * 36 - 6) // 2
    assert np.unique(np.round(pairs.a, 9), axis=0).shape[0] == len(pairs)


def test_close_points_are_pinned_by_writing_rows_down():
    """Points closer than the merging resolution (or its float error) take the general route."""
    points = np.array([0.0, 1e-11, 0.5, 1.0])
    assert reflections.pair_pinnings(points) is None
    assert isinstance(pinned_parameters(points, 3), reflections.Pinnings)
    assert isinstance(pinned_parameters(np.arange(4.0), 3), reflections.PairPinnings)
    assert isinstance(pinned_parameters(np.arange(4.0), 4), reflections.Pinnings)


@pytest.mark.parametrize("layout", ["uniform", "off-centre grid", "two scales"])
def test_reflection_pricing_equals_the_chain_values(layout, row_blocks):
    """Structured A^T r (suffix sums at reflections and midpoints) against the units evaluated
    directly, for a residual of zero and of nonzero sum, with repeated data; the pricing's maximum
    and top columns; products of a few columns."""
    rng = np.random.default_rng(1)
    x = pinnings_layouts()[layout]
    x = np.append(x, x[:4])  # repeated points
    D = mirror_dictionary(x, 3)
    assert isinstance(D, ReflectionDictionary)
    A = reference(x, 3)
    assert D.shape == A.shape
    for r in (rng.standard_normal(x.size), rng.standard_normal(x.size) + 5.0):
        exact = A.T @ r
        scale = np.abs(A).max() * np.abs(r).sum()
        assert np.abs(D.rmatvec(r) - exact).max() <= 1e-13 * scale
    r -= r.mean()
    priced = D.price(r, 10)
    assert np.isclose(priced.max_abs, np.abs(A.T @ r).max(), rtol=1e-12)
    np.testing.assert_allclose(priced.values, (A.T @ r)[priced.indices], rtol=0, atol=1e-13 * scale)
    cols = rng.choice(A.shape[1], 6, replace=False)
    np.testing.assert_allclose(D.columns(cols), A[:, cols], rtol=0, atol=1e-12 * np.abs(A).max())
    np.testing.assert_allclose(D.correlations(r, cols), A[:, cols].T @ r, rtol=0, atol=1e-13 * scale)
    for some in (cols[:3], cols[::-1], cols):  # the kept ramps of the last columns are not reused for others
        coef = np.arange(1.0, some.size + 1)
        np.testing.assert_allclose(D.matvec_columns(some, coef), A[:, some] @ coef, rtol=0, atol=1e-11)


@pytest.mark.parametrize(
    ("size", "count", "chunk"), [(1000, 10, 7), (1000, 64, 100), (50, 40, 8), (5, 5, 2), (2, 2, 1), (9, 0, 4)]
)
def test_pricing_peaks_chunk_by_chunk_are_the_peaks_of_the_whole(size, count, chunk):
    """The candidates of a reflection pricing pass, found chunk by chunk, are those of
    ``top_indices(values, count, peaks=True)`` on the whole vector (smooth and rough vectors)."""
    rng = np.random.default_rng(size + count)
    for values in (rng.standard_normal(size), np.cumsum(rng.standard_normal(size))):
        expected = top_indices(values, count, peaks=True)
        np.testing.assert_array_equal(reflections._top_peaks(values, count, chunk), expected)


def test_reflection_products_with_no_columns():
    """An empty support (beta >= beta_max) has an empty fit, Gram matrix and block of columns."""
    D = mirror_dictionary(generic_x(9))
    none = np.zeros(0, dtype=np.int64)
    np.testing.assert_array_equal(D.matvec_columns(none, np.zeros(0)), np.zeros(9))
    assert D.columns(none).shape == (9, 0) and D.gram(none).shape == (0, 0)
    assert D.correlations(np.ones(9), none).size == 0
