"""Sign-network libraries: pattern sets, sizes, order-only dependence, pricing DP, realisation."""

import itertools
import math

import numpy as np
import pytest
from sign_reference import count_switches, oracle_patterns

import lmirrors
from lmirrors import Architecture
from lmirrors.libraries.switching import best_pattern, pattern_from_switches
from lmirrors.networks.reconstruction import step_tree

ARCHITECTURES = [(2, ()), (3, (1,)), (3, (2,)), (3, (3,)), (4, (2, 2))]


def all_patterns(n: int) -> np.ndarray:
    return np.array(list(itertools.product((-1.0, 1.0), repeat=n)))


@pytest.mark.parametrize(("depth", "widths"), ARCHITECTURES)
@pytest.mark.parametrize("n", [2, 3, 6, 8])
def test_library_is_every_pattern_with_at_most_k_switches(depth, widths, n):
    x = np.random.default_rng(n).uniform(-1, 1, n)
    library = Architecture(depth, "sign", widths=widths).library(x)
    K = math.prod(widths)
    brute = all_patterns(n)
    brute = brute[(brute[:, 0] == 1) & (count_switches(brute) >= 1) & (count_switches(brute) <= K)]
    order = np.argsort(x)
    got = np.unique(library.A[order].T, axis=0)
    assert got.shape == (len(library), n), "duplicate columns in the library"
    np.testing.assert_array_equal(got, np.unique(brute, axis=0))
    assert library.size == sum(math.comb(n - 1, t) for t in range(1, min(K, n - 1) + 1))


@pytest.mark.parametrize(("depth", "widths"), ARCHITECTURES)
def test_library_equals_brute_force_networks(depth, widths):
    """The derived pattern set is exactly what brute-forced tree units produce (teeth: K - 1 is not)."""
    x = np.random.default_rng(3).uniform(0, 5, 6)
    oracle = oracle_patterns(x, widths)
    library = Architecture(depth, "sign", widths=widths).library(x)
    order = np.argsort(x)
    np.testing.assert_array_equal(np.unique(library.A[order].T, axis=0), oracle)
    if widths:
        smaller = np.unique(count_switches(oracle))
        assert smaller.max() == min(math.prod(widths), x.size - 1)


def test_library_depends_only_on_the_order():
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 1, 7))
    b = np.sort(rng.normal(0, 100, 7)) ** 3
    for widths in [(), (2,)]:
        arch = Architecture(2 + len(widths), "sign", widths=widths)
        np.testing.assert_array_equal(arch.library(a).A, arch.library(b).A)


@pytest.mark.parametrize("seed", range(60))
def test_pricing_dp_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 10))
    K = int(rng.integers(1, n + 2))
    # odd seeds: small integers, so r has zeros and runs of one sign (summed before the DP)
    r = rng.integers(-2, 3, size=n).astype(float) if seed % 2 else rng.normal(size=n)
    value, pattern = best_pattern(r, K)
    brute = all_patterns(n)
    brute = brute[count_switches(brute) <= K]
    assert value == pytest.approx(np.max(np.abs(brute @ r)), abs=1e-12)
    assert value == pytest.approx(pattern @ r, abs=1e-12)
    assert set(np.unique(pattern)) <= {-1.0, 1.0} and count_switches(pattern[None])[0] <= K


@pytest.mark.parametrize("widths", [(), (1,), (3,), (2, 2), (2, 3), (1, 2, 2)])
def test_every_pattern_is_realised_by_a_tree_of_these_widths(widths):
    points = np.arange(7.0)
    grid = np.linspace(-1, 7, 801)
    K = math.prod(widths)
    for t in range(1, min(K, 6) + 1):
        for switches in itertools.combinations(range(6), t):
            pattern = pattern_from_switches(points, switches)
            neuron, constant, slope = step_tree(pattern, widths)
            assert constant == 0.0
            np.testing.assert_array_equal(slope * neuron(grid), pattern(grid))
            assert neuron.layers == len(widths) + 1
            for level, m in enumerate(reversed(widths)):
                assert neuron.max_fan_in(level) <= m


def test_too_many_switches_for_the_tree_is_rejected():
    pattern = pattern_from_switches(np.arange(6.0), (0, 2, 4))
    with pytest.raises(ValueError, match="capacity"):
        step_tree(pattern, (2,))
    with pytest.raises(ValueError, match="switches once"):
        step_tree(pattern, ())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"depth": 3, "m1": 0}, "widths must be integers >= 1"),
        ({"depth": 3, "m1": -2}, "widths must be integers >= 1"),
        ({"depth": 3, "m1": 1.5}, "widths must be integers"),
        ({"depth": 3}, "needs m1"),
        ({"depth": 2, "m1": 2}, "m1 sizes depth-3"),
        ({"depth": 4, "widths": (2,)}, "needs 2 width"),
        ({"depth": 3, "m1": 2, "widths": (2,)}, "either m1 or widths"),
        ({"depth": 2, "slope": 0.1}, "unknown option"),
        ({"depth": 3, "m1": 2, "method": "magic"}, "method must be one of"),
        ({"depth": 1}, "depth must be an integer >= 2"),
    ],
)
def test_bad_input(kwargs, message):
    x, y = np.arange(5.0), np.array([0.0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match=message):
        lmirrors.fit(x, y, activation="sign", beta=0.1, **kwargs)


def test_oversized_library_is_refused_with_advice():
    with pytest.raises(ValueError, match="column_generation"):
        Architecture(3, "sign", widths=(10,)).library(np.arange(20.0), max_columns=100)
