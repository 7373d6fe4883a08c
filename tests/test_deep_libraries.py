"""Deep narrow libraries: sizes against the formulas, features against their formulas, the
certified counterexamples of DESIGN.md section 2, and why deep ReLU units are clamps."""

from fractions import Fraction

import numpy as np
import pytest
from deep_helpers import chain, midpoint_family, reflection_family

from lmirrors import Architecture, fit, solve
from lmirrors.dictionaries import distinct_columns
from lmirrors.features import capped_ramp
from lmirrors.mirrors import independent_pinnings, kink_forms, pinning_count


def generic_x(n, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 3.0, n)


@pytest.mark.parametrize("depth", [3, 4, 6])
@pytest.mark.parametrize("n", [2, 3, 5, 9, 12])
def test_deep_relu_library_size(depth, n):
    """N(N - 1)/2 capped ramps, all distinct on the data: two ramps clip(x, x_i, x_j) on the data
    differ in where the slope is 1 (the run of points from x_i to x_j), so none merge."""
    lib = Architecture(depth, "relu").library(generic_x(n))
    assert lib.n_candidates == Architecture(depth, "relu").size_formula(n) == n * (n - 1) // 2
    assert lib.size == n * (n - 1) // 2


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


def test_capped_ramp_is_clip_and_padded_layers_are_identities():
    t = np.linspace(-3, 9, 101)
    for depth in (3, 4, 7):
        f = capped_ramp(1.0, 5.0, depth, Architecture(depth, "relu").activation)
        assert f.depth == depth
        np.testing.assert_allclose(f(t), np.clip(t, 1, 5) - 1, atol=1e-15)
        np.testing.assert_allclose(chain(t, [f.signs], [f.biases], "relu")[:, 0], f(t))
        assert f.label == "capped ramp 1→5"
    with pytest.raises(ValueError, match="a < b"):
        capped_ramp(2.0, 2.0, 3, Architecture(3, "relu").activation)


@pytest.mark.parametrize("depth", [3, 4, 5])
def test_every_deep_relu_unit_is_a_clamp(depth):
    """Random narrow ReLU units: slopes on a fine grid take values in {0, s} for one s in {±1}, and
    the slope-s points form one interval, i.e. the unit is s clip(x, a, b) + c."""
    rng = np.random.default_rng(depth)
    t = np.linspace(-6, 6, 24001)
    signs = rng.choice([-1.0, 1.0], size=(400, depth - 1))
    biases = rng.uniform(-3, 3, size=(400, depth - 1))
    slopes = np.round(np.diff(chain(t, signs, biases, "relu"), axis=0) / np.diff(t)[:, None], 6)
    for column in slopes.T:
        full = column[np.abs(column) == 1]
        assert np.sum((column != 0) & (np.abs(column) != 1)) <= 2  # only the cells holding a kink
        assert np.unique(full).size <= 1  # one sign
        active = np.flatnonzero(column != 0)
        if active.size:
            assert active[-1] - active[0] + 1 == active.size  # one run of slope s: a clamp


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


# the certified examples of DESIGN.md section 2 ---------------------------------------------------


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
