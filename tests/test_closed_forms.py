"""Closed forms (closed_forms.py): the square wave's optimal sign networks against the solver, at
and around every regime boundary, and the every-pattern sign Lasso solved by clipping the labels."""

from dataclasses import replace

import numpy as np
import pytest
from helpers import LAYOUTS, make_data

import lmirrors
from lmirrors import Architecture
from lmirrors import closed_forms as cf
from lmirrors.closed_forms import clip_fit
from lmirrors.convex.lasso import beta_max
from lmirrors.libraries import switching

GRID = [(nb, t) for nb in (2, 3, 4, 5, 6, 7, 9) for t in (1, 2, 3)]


def solver_values(nb, t, beta, depth=2):
    x, y = cf.square_wave(nb, t)
    options = {"m1": nb - 1} if depth == 3 else {}
    result = lmirrors.fit(x, y, depth=depth, activation="sign", beta=beta, **options)
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-9, abs=1e-12)
    return result.predict(x), result.solution.objective


def test_square_wave_data():
    x, y = cf.square_wave(3, 2)
    np.testing.assert_array_equal(x, [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(y, [-1, -1, 1, 1, -1, -1])
    with pytest.raises(ValueError, match="n_blocks"):
        cf.square_wave(1, 3)
    with pytest.raises(ValueError, match="block_length"):
        cf.square_wave(3, 0)


# held-out points ------------------------------------------------------------------------------


def test_square_wave_continues_beyond_the_data():
    x, y = cf.square_wave(3, 2)
    np.testing.assert_array_equal(cf.square_wave_at(2, x), y)
    # switches halfway between blocks; the block before the first is +1, the one after the last +1
    np.testing.assert_array_equal(cf.square_wave_at(2, [-1, 0, 2.4, 2.6, 7, 8, 9]), [1, 1, -1, 1, 1, 1, -1])
    between, beyond = (cf.held_out_points(3, 2, w) for w in cf.HELD_OUT)
    assert between.size == 2 * (x.size - 1) and not np.isin(between, x).any()
    np.testing.assert_array_equal(beyond, [-1, 0, 7, 8])
    with pytest.raises(ValueError, match="where"):
        cf.held_out_points(3, 2, "inside")
    with pytest.raises(ValueError, match="block_length"):
        cf.square_wave_at(0, x)


@pytest.mark.parametrize(("nb", "t"), [(3, 2), (4, 1), (5, 3), (6, 2)])
def test_closed_forms_predict_what_the_networks_do_off_the_data(nb, t):
    """The rebuilt sign networks switch halfway between data points: off the data they equal the
    closed form's nearest fitted value, and u_1, u_N beyond."""
    x, y = cf.square_wave(nb, t)
    held_out = np.concatenate([cf.held_out_points(nb, t, w) for w in cf.HELD_OUT] + [[-50.0, x[-1] + 50]])
    for beta in (0.3 * t, 0.9 * t):
        two = lmirrors.fit(x, y, depth=2, activation="sign", beta=beta)
        three = lmirrors.fit(x, y, depth=3, activation="sign", beta=beta, m1=nb - 1)
        np.testing.assert_allclose(cf.two_layer_sign(nb, t, beta).predict(held_out), two.predict(held_out), atol=1e-7)
        closed3 = cf.three_layer_sign(nb, t, beta, nb - 1)
        np.testing.assert_allclose(closed3.predict(held_out), three.predict(held_out), atol=1e-7)


@pytest.mark.parametrize(("nb", "t"), [(3, 2), (5, 1), (6, 3)])
def test_held_out_errors(nb, t):
    """Interpolation (beta = 0) is exact between the points and off by 2 beyond them (the wave
    flips, the network stays); in regime 1 the between error is the data error, each point
    counted once per side: RMSE^2 = (2 sum e^2 - e_1^2 - e_N^2) / (2 (N - 1))."""
    exact = cf.two_layer_sign(nb, t, 0.0)
    assert cf.held_out_rmse(nb, t, exact.predict, "between") == 0.0
    assert cf.held_out_rmse(nb, t, exact.predict, "beyond") == 2.0
    _, y = cf.square_wave(nb, t)
    for closed in (cf.two_layer_sign(nb, t, 0.5 * t), cf.three_layer_sign(nb, t, 0.5 * t, nb - 1)):
        e = closed.u - y
        expected = np.sqrt((2 * e @ e - e[0] ** 2 - e[-1] ** 2) / (2 * (y.size - 1)))
        assert cf.held_out_rmse(nb, t, closed.predict, "between") == pytest.approx(expected, rel=1e-12)


def betas_around(nb, t):
    first, last = cf.two_layer_boundaries(nb, t)
    out = {0.2 * t, 0.7 * t}
    for b in (first, last):
        out |= {b, b / 1.05, b * 1.05, b * (1 - 1e-3), b * (1 + 1e-3)}
    return sorted(out | {2 * last})


@pytest.mark.parametrize(("nb", "t"), GRID)
def test_two_layer_closed_form_matches_solver(nb, t):
    for beta in betas_around(nb, t):
        u, objective = solver_values(nb, t, beta)
        closed = cf.two_layer_sign(nb, t, beta)
        np.testing.assert_allclose(u, closed.u, atol=1e-7, err_msg=f"beta={beta}")
        assert objective == pytest.approx(closed.objective, rel=1e-8)
        if closed.regime == 1:
            assert objective == pytest.approx(cf.two_layer_first_regime_objective(nb, t, beta), rel=1e-8)
            # the ends are fit better than the interior
            if nb >= 3:
                assert abs(closed.u[0] - (-1)) < abs(closed.u[t] - 1) or beta == 0


@pytest.mark.parametrize(("nb", "t"), GRID)
def test_two_layer_boundaries_are_sharp(nb, t):
    """5% beyond a boundary the formula of the regime left behind is off by about 0.04 or more."""
    first, last = cf.two_layer_boundaries(nb, t)
    # N_B = 2, 3 have no separate middle regime: regime 1 meets regime 3
    crossings = [(first, 1, 3)] if first == last else [(first, 1, 2), (last, 2, 3)]
    for boundary, below, above in crossings:
        u, _ = solver_values(nb, t, boundary * 1.05)
        assert np.abs(u - cf.two_layer_sign(nb, t, boundary * 1.05, regime=below).u).max() > 0.039
        u, _ = solver_values(nb, t, boundary / 1.05)
        assert np.abs(u - cf.two_layer_sign(nb, t, boundary / 1.05, regime=above).u).max() > 0.035


@pytest.mark.parametrize(("nb", "t"), GRID)
def test_two_layer_lasso_coefficients(nb, t):
    x, y = cf.square_wave(nb, t)
    beta = 0.5 * t
    result = lmirrors.fit(x, y, depth=2, activation="sign", beta=beta)
    z, xi = cf.two_layer_lasso_coefficients(cf.two_layer_sign(nb, t, beta).u)
    assert xi == pytest.approx(result.solution.xi, abs=1e-8)
    # library order: one-switch pattern after x_j, starting at +1 = -(the -1-then-+1 feature)
    np.testing.assert_allclose(-result.solution.z, z, atol=1e-8)


@pytest.mark.parametrize(("nb", "t"), GRID)
def test_three_layer_closed_form_matches_solver(nb, t):
    x, y = cf.square_wave(nb, t)
    S = cf.three_layer_boundary(nb, t)
    for beta in (0.3, S / 1.05, S * (1 - 1e-3), S, S * (1 + 1e-3), S * 1.05, 2 * S):
        u, objective = solver_values(nb, t, beta, depth=3)
        closed = cf.three_layer_sign(nb, t, beta, m1=nb - 1)
        np.testing.assert_allclose(u, closed.u, atol=1e-7, err_msg=f"beta={beta}")
        assert objective == pytest.approx(closed.objective, rel=1e-8)
    # one feature: the shrinkage is the same at every point
    result = lmirrors.fit(x, y, depth=3, activation="sign", beta=0.5 * S, m1=nb - 1)
    assert len(result.selected()) == 1
    ratio = (result.predict(x) - y.mean()) / (y - y.mean())
    np.testing.assert_allclose(ratio, 0.5, atol=1e-8)


@pytest.mark.parametrize(("nb", "t"), [(2, 1), (3, 2), (4, 2), (5, 1), (6, 1)])
def test_three_layer_boundary_is_the_libraries_beta_max(nb, t):
    """S = ||y - mean||^2 = ||y - mean||_1 is where the three-layer optimum becomes the constant mean."""
    x, y = cf.square_wave(nb, t)
    S = cf.three_layer_boundary(nb, t)
    assert S == pytest.approx(np.sum((y - y.mean()) ** 2), rel=1e-14)
    assert S == pytest.approx(beta_max(Architecture(3, "sign", m1=nb - 1).library(x).A, y), rel=1e-12)
    assert S == pytest.approx(cf.clip_beta_max(x, y), rel=1e-14)
    assert np.ptp(cf.three_layer_sign(nb, t, S, m1=nb - 1).u) == 0
    assert np.ptp(cf.three_layer_sign(nb, t, 0.99 * S, m1=nb - 1).u) > 0.01


def test_three_layer_needs_enough_neurons_and_fewer_do_worse():
    with pytest.raises(ValueError, match="m1 >= n_blocks - 1"):
        cf.three_layer_sign(5, 2, 0.5, m1=3)
    x, y = cf.square_wave(5, 2)
    short = lmirrors.fit(x, y, depth=3, activation="sign", beta=0.5, m1=3)
    assert short.solution.objective > cf.three_layer_sign(5, 2, 0.5, m1=4).objective + 1e-3


def test_forced_regime_is_validated():
    with pytest.raises(ValueError, match="regime must be"):
        cf.two_layer_sign(4, 2, 0.5, regime=4)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("scale", [0.0, 0.02, 0.3, 0.9, 1.5])
def test_clipping_equals_the_materialised_library(layout, scale):
    x, y = make_data(layout, 9, seed=3)
    n = np.unique(x).size
    library = Architecture(3, "sign", widths=(n - 1,)).library(x)
    beta = scale * beta_max(library.A, y)
    full = lmirrors.fit(x, y, depth=3, activation="sign", beta=beta, m1=n - 1, method="library")
    clipped = lmirrors.fit(x, y, depth=3, activation="sign", beta=beta, m1=n - 1)
    assert clipped.solution.method.startswith("clipping")
    assert clipped.solution.objective == pytest.approx(full.solution.objective, rel=1e-10, abs=1e-13)
    assert clipped.solution.gap <= 1e-10 * clipped.solution.objective + 1e-14
    np.testing.assert_allclose(clipped.predict(x), full.predict(x), atol=1e-9)
    assert clipped.network_objective == pytest.approx(clipped.solution.objective, rel=1e-10, abs=1e-13)
    # the fit is the labels clipped to [lower, upper]
    fit = clip_fit(x, y, beta)
    np.testing.assert_allclose(clipped.predict(x), np.clip(y, fit.lower, fit.upper) if scale < 1 else y.mean())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_clip_beta_max_is_the_every_pattern_libraries_beta_max(layout):
    x, y = make_data(layout, 8, seed=4)
    n = np.unique(x).size
    top = cf.clip_beta_max(x, y)
    assert top == pytest.approx(beta_max(Architecture(3, "sign", m1=n - 1).library(x).A, y), rel=1e-12)
    assert np.ptp(clip_fit(x, y, top).values) < 1e-12
    assert np.ptp(clip_fit(x, y, 0.99 * top).values) > 1e-3


def test_closed_form_needs_every_pattern():
    """One switch fewer than N - 1 and the clipped fit is out of reach: its cost is not attained."""
    x = np.arange(8.0)
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])  # 7 switches
    every = clip_fit(x, y, 0.0).objective
    assert every == pytest.approx(0.5)
    fewer = lmirrors.fit(x, y, depth=3, activation="sign", beta=0.0, m1=6)
    assert fewer.solution.objective > every + 0.1
    with pytest.raises(ValueError, match="needs every pattern"):
        lmirrors.fit(x, y, depth=3, activation="sign", beta=0.1, m1=6, method="closed_form")


def test_large_n_is_certified_and_column_generation_agrees():
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(-1, 1, 300))
    y = np.sin(4 * x) + 0.3 * rng.standard_normal(x.size)
    beta = 0.01 * np.abs(y - y.mean()).sum()
    closed = lmirrors.fit(x, y, depth=3, activation="sign", beta=beta, m1=299)
    generated = lmirrors.fit(x, y, depth=3, activation="sign", beta=beta, m1=299, method="column_generation")
    assert closed.solution.relative_gap < 1e-12
    assert generated.solution.objective == pytest.approx(closed.solution.objective, rel=2e-9)
    assert generated.solution.objective >= closed.solution.objective * (1 - 1e-12)
    big = np.sort(rng.uniform(-1, 1, 20_000))
    fit = clip_fit(big, np.cos(3 * big), 1.0)
    assert fit.gap <= 1e-9 * fit.objective


def test_every_pattern_fit_at_ten_thousand_points_is_certified_and_predicts_the_clipping():
    """fit no longer refuses the layer cake: it certifies N = 10^4 (about 10^4 units, 10^7 switches) and
    its network is evaluated from the clipping, without its patterns or trees."""
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, 10_000)
    y = np.sin(4 * x) + 0.3 * rng.standard_normal(x.size)
    beta = 0.01 * cf.clip_beta_max(x, y)
    result = lmirrors.fit(x, y, depth=3, activation="sign", beta=beta, m1=x.size - 1)
    clipped = clip_fit(x, y, beta)
    assert result.solution.method.startswith("clipping") and result.solution.relative_gap < 1e-12
    assert result.solution.objective == pytest.approx(clipped.objective, rel=1e-12)
    assert len(result.network.neurons) == clipped.units > 9_000
    np.testing.assert_allclose(result.predict(x), np.clip(y, clipped.lower, clipped.upper), atol=1e-12)
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-10)
    # between the data the network holds the value of the nearest point (it switches halfway)
    order = np.argsort(x)
    near = x[order][:-1] + 0.3 * np.diff(x[order])
    np.testing.assert_allclose(result.predict(near), clipped.values[:-1], atol=1e-12)
    assert result.network.depth == 3 and "sign neurons" in result.network.describe()
    assert not result.network.neurons._made and "A" not in vars(result.library)


def test_what_would_not_fit_is_refused_when_asked_for(monkeypatch):
    """The pattern matrix, unit outputs, trees, description and patterns of a layer cake are made on
    demand; beyond LAYER_CAKE_BYTES each refuses at that point, naming its size and the alternative."""
    monkeypatch.setattr(switching, "LAYER_CAKE_BYTES", 5_000)
    x = np.linspace(0, 1, 60)
    result = lmirrors.fit(x, np.sin(9 * x) + 0.1 * np.cos(40 * x), depth=3, activation="sign", beta=0.01, m1=59)
    library, network = result.library, result.network
    for ask in (lambda: library.A, lambda: network.units(x), network.parameters, network.to_torch):
        with pytest.raises(
            ValueError, match=r"KiB \(more than LAYER_CAKE_BYTES = 4\.9 KiB.*(fit\.predict|network\(x\))"
        ):
            ask()
    with pytest.raises(ValueError, match="patterns made so far.*fewer of them"):
        [library.features[k] for k in range(len(library.features))]
    with pytest.raises(ValueError, match="trees of this every-pattern sign network made so far"):
        [network.neurons[k] for k in range(len(network.neurons))]
    assert 0 < len(library.features._made) < len(library.features)
    # what fits is still made, and the fit itself never needed any of it
    assert library.features[0](x).shape == x.shape and network.neurons[0].size > 1
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-10)


@pytest.mark.parametrize("activation", ["sign", "threshold"])
@pytest.mark.parametrize(("depth", "widths"), [(3, None), (4, (5, 13)), (4, (13, 5)), (5, (2, 3, 11))])
def test_the_layer_cake_network_computes_what_its_trees_compute(activation, depth, widths):
    """Evaluated from the clipping's level sets, the network equals the sum of its units' trees everywhere
    (data, between them, beyond them, exactly at the thresholds), and so do depth, breakpoints and size."""
    x, y = make_data("duplicates", 40, seed=8)
    n = np.unique(x).size
    options = {"m1": n - 1} if widths is None else {"widths": widths}
    result = lmirrors.fit(x, y, depth=depth, activation=activation, beta=0.02, **options)
    network = result.network
    assert network.cake is not None
    trees = replace(network, cake=None)  # the same network evaluated tree by tree
    grid = np.concatenate([x, np.linspace(x.min() - 1, x.max() + 1, 2001), trees.breakpoints()])
    np.testing.assert_allclose(network(grid), trees(grid), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(network.units(grid), trees.units(grid))
    np.testing.assert_array_equal(network.breakpoints(), trees.breakpoints())
    assert network.depth == trees.depth == depth
    assert network.describe() == trees.describe()


@pytest.mark.parametrize(("n_blocks", "block_length"), [(2, 1), (4, 1), (5, 3), (6, 2), (9, 1)])
@pytest.mark.parametrize("fraction", [0.01, 0.3, 0.99, 1.5])
def test_square_wave_shrinkage_is_a_clipping(n_blocks, block_length, fraction):
    """The square wave's 3-layer closed form is clipping at both levels:
    on a two-valued y, clipping each tail by beta/2 is the shrinkage u = mean + (1 - beta/S)(y - mean)."""
    from lmirrors.closed_forms import square_wave, three_layer_sign

    x, y = square_wave(n_blocks, block_length)
    S = x.size * (1 - y.mean() ** 2)
    shrink = three_layer_sign(n_blocks, block_length, fraction * S, m1=x.size - 1)
    clipped = clip_fit(x, y, fraction * S)
    np.testing.assert_allclose(clipped.values, shrink.u, atol=1e-12)
    assert clipped.objective == pytest.approx(shrink.objective, rel=1e-12)


TWO_LAYER = [("relu", 0.0), ("leaky_relu", 0.1), ("leaky_relu", 0.7), ("abs", 0.0), ("symmetrized_relu", 0.0)]


@pytest.mark.parametrize("activation, slope", [*TWO_LAYER, ("sign", 0.0), ("threshold", 0.0)])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("n, seed", [(2, 0), (5, 1), (9, 2)])
def test_two_layer_min_norm_is_the_minimum_norm_lp(activation, slope, layout, n, seed):
    x, y = make_data(layout, max(n, 3) if layout == "duplicates" else n, seed)
    if seed == 2:  # a steep trend, where the end slopes decide the piecewise-linear norms
        y = y + 5 * x
    options = {"slope": slope} if activation == "leaky_relu" else {}
    lp = lmirrors.fit(x, y, activation=activation, beta=0, **options).solution.objective
    assert abs(cf.two_layer_min_norm(x, y, activation, slope) - lp) <= 1e-9 * max(1.0, lp)


def test_two_layer_min_norm_by_hand():
    # connect-the-dots slopes 0, 0, 1, 1/3, 0: total bend V = 2, end slopes sum D = 0; total variation 3
    x, y = np.array([0.0, 4, 5, 7, 10, 11]), np.array([0.0, 0, 0, 2, 3, 3])
    expected = {"relu": 2.0, "abs": 1.0, "symmetrized_relu": 1.0, "sign": 1.5, "threshold": 3.0}
    for activation, value in expected.items():
        assert cf.two_layer_min_norm(x, y, activation) == pytest.approx(value, rel=1e-12)
    assert cf.two_layer_min_norm(x, y, "leaky_relu", 0.1) == pytest.approx(2 / 0.9, rel=1e-12)
    # a line: no bend, so every piecewise-linear family pays |slope| (the ends) and steps pay the rise
    line = 3 * x - 1
    assert cf.two_layer_min_norm(x, line, "relu") == pytest.approx(3.0, rel=1e-12)
    assert cf.two_layer_min_norm(x, line, "abs") == pytest.approx(3.0, rel=1e-12)
    assert cf.two_layer_min_norm(x, line, "sign") == pytest.approx(33 / 2, rel=1e-12)


@pytest.mark.parametrize("activation", ["sign", "threshold"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_closed_form_fit_writes_the_layer_cake_down_only_when_asked(activation, layout):
    """fit costs the clipping plus O(units): the patterns, their matrix and the units' trees (O(N) each)
    are made on first access, and are then the layer cake written down at once."""
    x, y = make_data(layout, 30, seed=7)
    n = np.unique(x).size
    result = lmirrors.fit(x, y, depth=3, activation=activation, beta=0.05, m1=n - 1)
    library, network = result.library, result.network
    assert "A" not in vars(library) and not library.features._made and not network.neurons._made
    low = -1.0 if activation == "sign" else 0.0
    clipping = clip_fit(x, y, 0.05 * 2 / (1 - low))
    H, z, _ = clipping.layer_cake()
    np.testing.assert_array_equal(library.A, (low + (1 - low) * (1 + H) / 2)[np.searchsorted(clipping.points, x)])
    np.testing.assert_allclose(result.solution.z, z * 2 / (1 - low), rtol=1e-15)
    for k, feature in enumerate(library.features):
        np.testing.assert_array_equal(feature(x), library.A[:, k])
    np.testing.assert_allclose(network(x), library.A @ result.solution.z + result.solution.xi, atol=1e-12)
    assert not network.neurons._made  # evaluated from the clipping's level sets, no tree made
