"""The 4-layer absolute-value library priced by branch and bound (libraries/mirror_pricing.py, v4
Theorem 3.2 at L = 4): its columns are the units they decode to, its pricing equals the stored
library's (max and top values), fits through it match the dense library's optimum, and at a size
where the stored library is large no random depth-4 unit violates the optimality condition."""

import numpy as np
import pytest
from deep_helpers import abs_values
from helpers import relative
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmirrors import Architecture, fit
from lmirrors.convex.lasso import beta_max
from lmirrors.fitting import automatic_method
from lmirrors.libraries import mirror_kernels, mirror_pricing
from lmirrors.libraries.mirror_pricing import DeepMirrorDictionary, _expand, _Pricer, _sparse_table
from lmirrors.libraries.reflections import mirror_dictionary, pinning_count

SMALL = [(6, 0), (8, 10), (9, 0)]
DEEPER = [(8, 10), (9, 0)]  # data where depth 4 beats depth 3 (so its own pinnings matter)


def small_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 2.0, n))
    x = np.concatenate([x, x[:1]])  # a repeated point
    return x, np.cos(3 * x) + 0.3 * rng.normal(size=x.size)


@pytest.mark.parametrize("n, seed", SMALL)
def test_columns_are_the_units_their_ids_decode_to(n, seed):
    x, _ = small_data(n, seed)
    D = DeepMirrorDictionary(x)
    assert D.shape == (x.size, pinning_count(4, n))
    cols = np.arange(D.shape[1])
    kind, pins = D.decode(cols)
    np.testing.assert_array_equal(D.encode(kind, pins), cols)
    A = D.columns(cols)
    np.testing.assert_allclose(A, abs_values(x, D.parameters(cols)), atol=1e-12)
    r = np.random.default_rng(seed).normal(size=x.size) + 0.5  # not centred: the constants count
    np.testing.assert_allclose(D.correlations(r, cols), A.T @ r, rtol=1e-10, atol=1e-10)
    z = np.random.default_rng(seed).normal(size=5)
    picked = cols[:: D.shape[1] // 5][:5]
    np.testing.assert_allclose(D.matvec_columns(picked, z), A[:, picked] @ z, atol=1e-12)
    Ac = A[:, picked] - A[:, picked].mean(axis=0)
    np.testing.assert_allclose(D.gram(picked), Ac.T @ Ac, atol=1e-10)


@pytest.mark.parametrize("n, seed", SMALL)
def test_pricing_equals_the_stored_library(n, seed):
    x, _ = small_data(n, seed)
    D, stored = DeepMirrorDictionary(x), mirror_dictionary(x, 4)
    for k in range(4):
        r = np.random.default_rng([seed, k]).normal(size=x.size)
        r -= r.mean()
        every = D.correlations(r, np.arange(D.shape[1]))
        priced = D.price(r, 20)
        assert relative(priced.max_abs, np.abs(stored.rmatvec(r)).max()) < 1e-9
        np.testing.assert_allclose(np.abs(priced.values), np.sort(np.abs(every))[::-1][:20], rtol=1e-9)
        np.testing.assert_allclose(D.correlations(r, priced.indices), priced.values, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("n, seed", SMALL)
@pytest.mark.parametrize("fraction", [0.02, 0.2])
def test_fit_matches_the_dense_library(n, seed, fraction):
    x, y = small_data(n, seed)
    beta = fraction * beta_max(Architecture(4, "abs").library(x).A, y)
    dense = fit(x, y, depth=4, activation="abs", beta=beta, method="library")
    free = fit(x, y, depth=4, activation="abs", beta=beta, method="matrix_free")
    assert relative(free.solution.objective, dense.solution.objective) < 1e-9
    if (n, seed) in DEEPER:
        three = fit(x, y, depth=3, activation="abs", beta=beta, method="library")
        assert three.solution.objective > dense.solution.objective * (1 + 1e-4)
    assert free.solution.gap <= 1e-9 * free.solution.objective
    assert relative(free.network_objective, free.solution.objective) < 1e-8
    assert all(f.label.startswith("|") for f in free.library.features)


def test_auto_picks_it_only_when_the_stored_library_is_too_large():
    # the search prices slower than a written-down library (at N = 36: 1.1 s against 0.6 s), so
    # the library is written down up to the dense limit, unlike the families priced by a pass
    x = np.linspace(0.0, 1.0, 40)
    assert automatic_method(Architecture(4, "abs"), x, 0.01) == "matrix_free"
    assert automatic_method(Architecture(4, "abs"), x[:20], 0.01) == "library"
    assert automatic_method(Architecture(3, "abs"), x[:20], 0.01) == "library"
    assert automatic_method(Architecture(3, "relu"), np.linspace(0.0, 1.0, 200), 0.01) == "matrix_free"


def test_bad_ids_are_refused():
    D = DeepMirrorDictionary([0.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="column ids"):
        D.columns(np.array([D.shape[1]]))


def test_no_random_depth_four_unit_beats_the_optimum_at_n_40():
    """The oracle check of the deep libraries where the stored library has 1.9 million columns:
    200,000 random units f_a (a_1 over the widened range, a_2, a_3 up to twice it) and the grid
    around the data never correlate above beta with the certified residual."""
    rng = np.random.default_rng(40)
    x = np.sort(rng.uniform(-2.0, 2.0, 40))
    y = np.sin(2 * x) + 0.3 * rng.normal(size=x.size)
    D = DeepMirrorDictionary(x)
    assert D.shape[1] > 1_900_000
    beta = 0.05 * beta_max(D, y)
    fitted = fit(x, y, depth=4, activation="abs", beta=beta)
    assert fitted.solution.method.endswith("(matrix-free)")
    assert fitted.solution.gap <= 1e-9 * fitted.solution.objective
    r = y - fitted.predict(x)
    r -= r.mean()
    spread = np.ptp(x)
    params = np.column_stack(
        [rng.uniform(x[0] - spread, x[-1] + spread, 200_000), rng.uniform(0.0, 2 * spread, (200_000, 2))]
    )
    worst = max(float(np.abs(r @ abs_values(x, part)).max()) for part in np.array_split(params, 10))
    assert worst <= beta * (1 + 1e-6)
    assert D.price(r).max_abs <= beta * (1 + 1e-6)


@pytest.mark.parametrize("chord_points", [0, 2, 8])
def test_a_box_bound_holds_for_every_tuple_in_the_box(chord_points):
    """The compiled bound of a box of index tuples is at least every |a^T r| inside it: boxes of
    every type, from single tuples to a third of the data on each side, at several chord sizes."""
    x, _ = small_data(20, 7)
    D = DeepMirrorDictionary(x)
    n, rng = D.points.size, np.random.default_rng(chord_points)
    kind = np.repeat(np.arange(D.type_pins.size), 40)
    used = np.arange(3)[None, :] < D.type_pins[kind][:, None]
    lo = np.where(used, rng.integers(0, n, (kind.size, 3)), 0)
    hi = np.where(used, np.minimum(lo + rng.integers(0, n // 3, lo.shape), n - 1), 0)
    owner = np.repeat(np.arange(kind.size), (hi - lo + 1).prod(axis=1))
    for _ in range(3):
        r = rng.normal(size=x.size)
        r -= r.mean()
        pricer = _Pricer(D, r)
        bounds = np.empty(kind.size)
        mirror_kernels.box_bounds(kind, lo, hi, *pricer.tables, pricer.high, pricer.low, chord_points, bounds)
        inside = np.abs(pricer.value(*_expand(kind, lo, hi - lo + 1)))
        most = np.full(kind.size, -np.inf)
        np.maximum.at(most, owner, inside)
        assert np.all(bounds >= most - 1e-12 * np.abs(most).max())


def test_range_extrema_from_sparse_tables():
    """Row k of a sparse table holds the extremum of every window of 2**k values (padded at the end)."""
    values = np.random.default_rng(6).normal(size=37)
    high, low = _sparse_table(values, np.maximum), _sparse_table(values, np.minimum)
    assert high.shape == low.shape == (6, 37)
    for k in range(6):
        for i in range(37 - 2**k + 1):
            assert high[k, i] == values[i : i + 2**k].max() and low[k, i] == values[i : i + 2**k].min()


@pytest.mark.parametrize("chord_points", [0, 2, 8])
def test_pricing_is_exact_whatever_the_chord_bound_covers(chord_points, monkeypatch):
    """Kinks whose interval holds few data points are bounded through Phi's chord there; with any
    number of points so bounded the search finds the brute-force maximum and top values."""
    monkeypatch.setattr(mirror_pricing, "CHORD_POINTS", chord_points)
    x, _ = small_data(20, 3)
    D = DeepMirrorDictionary(x)
    every_column = np.arange(D.shape[1])
    for k in range(3):
        r = np.random.default_rng([chord_points, k]).normal(size=x.size)
        r -= r.mean()
        every = np.sort(np.abs(D.correlations(r, every_column)))[::-1]
        priced = D.price(r, 5000)  # many: the search keeps every box near the 5000th value
        assert relative(priced.max_abs, every[0]) < 1e-9
        np.testing.assert_allclose(np.abs(priced.values), every[:5000], rtol=1e-9)


@pytest.mark.parametrize("n, seed", SMALL)
def test_price_above_finds_every_column_above_the_level(n, seed):
    """The search that also drops boxes bounded below a level returns exactly the columns above it
    (the most violated ``count``), the exact maximum when that is above the level, else the level."""
    x, _ = small_data(n, seed)
    D = DeepMirrorDictionary(x)
    r = np.random.default_rng(seed).normal(size=x.size)
    r -= r.mean()
    every = D.correlations(r, np.arange(D.shape[1]))
    top = np.abs(every).max()
    for level in (0.5 * top, 0.95 * top, top, 1.5 * top):
        above = np.flatnonzero(np.abs(every) > level)
        priced = D.price_above(r, level, 10**6)
        assert set(priced.indices) == set(above)
        np.testing.assert_allclose(priced.values, every[priced.indices], rtol=1e-12)
        assert priced.max_abs == (top if above.size else level)
        few = D.price_above(r, level, 3)
        np.testing.assert_allclose(np.abs(few.values), np.sort(np.abs(every[above]))[::-1][:3], rtol=1e-9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scale=st.floats(1e-6, 1e6),
    offset=st.floats(-1e9, 1e9),
    t=st.floats(1e-6, 1e6),
    seed=st.integers(0, 10_000),
)
def test_pricing_is_exact_at_any_scale_and_offset(scale, offset, t, seed):
    """x -> s x + c (c up to 10^9 spreads away) and r -> t r scale every column's |a^T r| by s t: the
    search finds the brute-force top values over every column, and s t times the unit-scale maximum."""
    x, _ = small_data(7, seed)
    r = np.random.default_rng(seed).normal(size=x.size)
    r -= r.mean()
    unit = DeepMirrorDictionary(x)
    moved = DeepMirrorDictionary(scale * (x + offset))
    every = np.sort(np.abs(moved.correlations(t * r, np.arange(moved.shape[1]))))[::-1]
    priced = moved.price(t * r, 200)
    assert relative(priced.max_abs, every[0]) < 1e-9
    np.testing.assert_allclose(np.abs(priced.values), every[:200], rtol=1e-9)
    assert relative(priced.max_abs, scale * t * unit.price(r).max_abs) < 1e-6
