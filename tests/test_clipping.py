"""Every-pattern sign networks (m1 >= N - 1): the closed form is the Lasso optimum, and only then."""

import numpy as np
import pytest
from helpers import LAYOUTS, make_data

import lmirrors
from lmirrors import sign_networks
from lmirrors.lasso import beta_max
from lmirrors.sign_networks import SignArchitecture, clip_fit


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("scale", [0.0, 0.02, 0.3, 0.9, 1.5])
def test_clipping_equals_the_materialised_library(layout, scale):
    x, y = make_data(layout, 9, seed=3)
    n = np.unique(x).size
    library = SignArchitecture(3, (n - 1,)).library(x)
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


def test_closed_form_needs_every_pattern():
    """One switch fewer than N - 1 and the clipped fit is out of reach: its cost is not attained."""
    x = np.arange(8.0)
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])  # 7 switches
    every = clip_fit(x, y, 0.0).objective
    assert every == pytest.approx(0.5)
    fewer = lmirrors.fit(x, y, depth=3, activation="sign", beta=0.0, m1=6)
    assert fewer.solution.objective > every + 0.1
    with pytest.raises(ValueError, match="needs every pattern"):
        lmirrors.fit(x, y, depth=3, activation="sign", beta=0.1, m1=6, method="clipping")


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


def test_too_large_a_network_is_refused_with_a_pointer(monkeypatch):
    monkeypatch.setattr(sign_networks, "MAX_LAYER_CAKE", 50)
    x = np.linspace(0, 1, 12)
    with pytest.raises(ValueError, match="clip_fit"):
        lmirrors.fit(x, np.sin(9 * x), depth=3, activation="sign", beta=0.01, m1=11)


@pytest.mark.parametrize(("n_blocks", "block_length"), [(2, 1), (4, 1), (5, 3), (6, 2), (9, 1)])
@pytest.mark.parametrize("fraction", [0.01, 0.3, 0.99, 1.5])
def test_square_wave_shrinkage_is_a_clipping(n_blocks, block_length, fraction):
    """The square wave's 3-layer closed form (DESIGN.md section 3) is clipping at both levels:
    on a two-valued y, clipping each tail by beta/2 is the shrinkage u = mean + (1 - beta/S)(y - mean)."""
    from lmirrors.closed_form import square_wave, three_layer_sign

    x, y = square_wave(n_blocks, block_length)
    S = x.size * (1 - y.mean() ** 2)
    shrink = three_layer_sign(n_blocks, block_length, fraction * S, m1=x.size - 1)
    clipped = clip_fit(x, y, fraction * S)
    np.testing.assert_allclose(clipped.values, shrink.u, atol=1e-12)
    assert clipped.objective == pytest.approx(shrink.objective, rel=1e-12)
