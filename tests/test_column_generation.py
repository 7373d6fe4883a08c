"""Column generation agrees with the materialised library and its certificate is honest."""

from pathlib import Path

import numpy as np
import pytest
from helpers import make_data

import lmirrors
from lmirrors import Architecture
from lmirrors.convex import column_generation
from lmirrors.convex.lasso import SolverError, solve


@pytest.mark.parametrize("layout", ["uniform", "duplicates", "clustered"])
@pytest.mark.parametrize("m1", [1, 2, 4, 9])
@pytest.mark.parametrize("beta", [0.0, 0.02, 0.3, 3.0])
def test_column_generation_equals_materialised_library(layout, m1, beta):
    x, y = make_data(layout, 10, seed=m1)
    full = lmirrors.fit(x, y, depth=3, activation="sign", beta=beta, m1=m1, method="library")
    generated = lmirrors.fit(x, y, depth=3, activation="sign", beta=beta, m1=m1, method="column_generation")
    assert full.library.complete and not generated.library.complete
    assert generated.library.size <= full.library.size
    assert generated.solution.objective == pytest.approx(full.solution.objective, rel=1e-8, abs=1e-12)
    assert generated.solution.relative_gap < 1e-8
    np.testing.assert_allclose(generated.predict(x), full.predict(x), atol=1e-6)
    assert generated.network_objective == pytest.approx(generated.solution.objective, rel=1e-9, abs=1e-12)


def test_large_library_is_never_materialised():
    """N = 60, m1 = 20: about 5e15 patterns; column generation certifies the optimum anyway."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(size=60))
    y = np.sin(12 * x) + 0.3 * rng.normal(size=60)
    arch = Architecture(3, "sign", widths=(20,))
    assert arch.size_formula(60) > 1e15
    result = lmirrors.fit(x, y, depth=3, activation="sign", beta=0.5, m1=20)
    assert not result.library.complete and result.library.n_candidates == arch.size_formula(60)
    assert result.solution.relative_gap < 1e-8
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-9)
    # the certificate is against the full library: its best pattern is within beta of the residual
    r = y - result.predict(x)
    assert arch.pricing(x)(r - r.mean())[0] <= 0.5 * (1 + 1e-6)


@pytest.mark.parametrize("beta", [0.0, 0.1, 1.0])
def test_generic_with_an_explicit_matrix(beta):
    """Any library with a pricing oracle works: here a random matrix priced by brute force."""
    rng = np.random.default_rng(4)
    A = rng.normal(size=(12, 80))
    y = rng.normal(size=12)

    def price(r):
        scores = np.abs(A.T @ r)
        best = np.argsort(-scores)[:2]
        return float(scores[best[0]]), A[:, best]

    result = column_generation.solve(y, beta, price, initial=A[:, :12] if beta == 0 else None)
    reference = lmirrors.min_norm(A, y) if beta == 0 else solve(A, y, beta)
    assert result.solution.objective == pytest.approx(reference.objective, rel=1e-7)


def test_certificate_has_teeth_and_stalls_are_reported():
    """A pricing oracle that hides a column makes the answer worse; too few iterations raise."""
    x, y = make_data("uniform", 9, seed=1)
    arch = Architecture(3, "sign", widths=(3,))
    price = arch.pricing(x)
    truth = column_generation.solve(y, 0.05, price).solution.objective

    def blind(r):  # only ever offers one-switch patterns
        return Architecture(2, "sign").pricing(x)(r)

    assert column_generation.solve(y, 0.05, blind).solution.objective > truth + 1e-3
    with pytest.raises(SolverError, match="max_iterations"):
        column_generation.solve(y, 0.05, price, max_iterations=1)
    with pytest.raises(ValueError, match="initial columns"):
        column_generation.solve(y, 0.0, price)


def test_warm_starts_at_round_off_do_not_stall():
    """Regression: on these data the warm-started active-set solver used to cycle at round-off level
    (Newton steps below float resolution), so column generation gave up with a relative gap of 0.7."""
    table = np.loadtxt(
        Path(__file__).resolve().parent.parent / "data" / "example_signal.csv", delimiter=",", skiprows=1
    )
    x, y = table[:, 0], table[:, 1]
    result = lmirrors.fit(x, y, depth=3, activation="sign", beta=1e-3, m1=4)
    assert result.library.how == "priced by column generation"
    assert result.solution.relative_gap <= 1e-9
    assert result.network_objective == pytest.approx(result.solution.objective, rel=1e-9)
