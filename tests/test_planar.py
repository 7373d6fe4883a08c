"""Two-layer networks on 2-D data (lmirrors.libraries.planar; our result: the paper's Thm C.3 statement
was not found): the verification protocol of conventions.md, in the plane.

On random data in several layouts (Gaussian, a grid with collinear triples, clusters, repeated
points, an outlier) and for beta = 0, tiny, moderate and large:

a. l1 weight penalty: the pair-and-axis library is complete: an independent oracle of random
   units sigma(w.x + b), ||w||_1 = 1, kinks anywhere, never beats it (dual certificate
   max |a^T r| / beta <= 1 over the oracle's units; for beta = 0, its minimum norm is no lower);
b. the checks have teeth: axis-only and pair-only libraries are caught, and so is the pair
   library under weight decay (l2), where directions are continuous;
c. weight decay: the exact circle pricing equals a dense enumeration of directions, and the
   column-generation fit is certified against the oracle;
d. the reconstructed network's J, computed from its raw weights, equals the Lasso objective;
e. no Adam-trained network beats the certified optimum;
f. the network keeps the Network contract (JSON round trip, torch twin) and inputs are checked.
"""

from functools import cache

import numpy as np
import pytest
from helpers import min_norm_lower_bound, relative, sigma

from lmirrors.convex.lasso import solve
from lmirrors.fitting import fit_planar
from lmirrors.libraries.planar import PlanarArchitecture
from lmirrors.networks.base import Network

DATASETS = {
    "gaussian-N6": ("gaussian", 6, 0),
    "gaussian-N10": ("gaussian", 10, 1),
    "grid-N9": ("grid", 9, 2),
    "clustered-N9": ("clustered", 9, 3),
    "duplicates-N7": ("duplicates", 7, 4),
    "outlier-N8": ("outlier", 8, 5),
}
BETAS = ("zero", "tiny", "moderate", "large")
ACTIVATIONS = ("relu", "abs")
TOL = 1e-6


def make_points(layout: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct points of the plane (random order), labels ~ N(0, 1); ``duplicates`` repeats three."""
    rng = np.random.default_rng(seed)
    if layout == "gaussian":
        X = rng.standard_normal((n, 2))
    elif layout == "grid":  # 3 x 3 grid, many collinear triples, slightly sheared
        g = np.arange(3.0)
        X = np.array([[a + 0.1 * b, b] for a in g for b in g])[:n]
    elif layout == "clustered":
        X = rng.choice([-1.0, 1.0], size=(n, 2)) + 0.05 * rng.standard_normal((n, 2))
    elif layout == "duplicates":
        X = rng.uniform(-2, 2, (n, 2))
    elif layout == "outlier":
        X = np.vstack([rng.uniform(0, 1, (n - 1, 2)), [[20.0, -15.0]]])
    else:
        raise AssertionError(layout)
    assert np.unique(X, axis=0).shape[0] == n
    y = rng.standard_normal(n)
    if layout == "duplicates":
        repeat = rng.choice(n, size=3, replace=False)
        X, y = np.vstack([X, X[repeat]]), np.append(y, y[repeat])
    order = rng.permutation(y.size)
    return X[order], y[order]


@cache
def data(key: str) -> tuple[np.ndarray, np.ndarray]:
    return make_points(*DATASETS[key])


def oracle(X: np.ndarray, name: str, norm: str, units: int = 20000, seed: int = 99) -> np.ndarray:
    """Columns sigma(w.x + b) of random realisable units: directions uniform on the circle, scaled to
    ||w||_norm = 1, kink lines through random points of the data's box enlarged twice (anywhere)."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, units)
    W = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    if norm == "l1":
        W /= np.abs(W).sum(axis=1, keepdims=True)
    lo, hi = X.min(axis=0), X.max(axis=0)
    anchor = rng.uniform(lo - (hi - lo), hi + (hi - lo), (units, 2))
    b = -(W * anchor).sum(axis=1)
    return sigma(name, X @ W.T + b)


def centred_residual(A: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    r = y - A @ z
    return r - r.mean()


def certificate(columns: np.ndarray, r: np.ndarray, beta: float) -> float:
    """max |a^T r| / beta over the columns: <= 1 says no unit among them can improve the optimum."""
    return float(np.abs(columns.T @ r).max() / beta)


def beta_value(key: str, correlation: float) -> float:
    return {"zero": 0.0, "tiny": 1e-3, "moderate": 0.05 * correlation, "large": 0.5 * correlation}[key]


def beta_for(key: str, name: str, norm: str, X: np.ndarray, y: np.ndarray) -> float:
    """Fractions of beta_max = sup over units of |a^T (y - mean y)| (the library's for l1, priced for l2)."""
    architecture = PlanarArchitecture.make(name, norm)
    yc = y - y.mean()
    top = architecture.pricing(X)(yc)[0] if norm == "l2" else np.abs(architecture.library(X).A.T @ yc).max()
    return beta_value(key, float(top))


@pytest.mark.parametrize("beta_key", BETAS)
@pytest.mark.parametrize("data_key", DATASETS)
@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("norm", ("l1", "l2"))
def test_no_oracle_unit_beats_the_fit(norm, name, data_key, beta_key):
    # a, c: the l1 library and the l2 column generation are certified against random units
    X, y = data(data_key)
    beta = beta_for(beta_key, name, norm, X, y)
    result = fit_planar(X, y, beta, name, norm)
    assert result.solution.relative_gap < 1e-6
    O = oracle(X, name, norm)
    if beta == 0:
        assert result.max_interpolation_error < 1e-7
        assert min_norm_lower_bound(O, y) >= result.solution.objective * (1 - TOL), "the oracle interpolates cheaper"
        return
    r = centred_residual(result.library.A, y, result.solution.z)
    assert certificate(O, r, beta) <= 1 + TOL, "an oracle unit beats the certified optimum"


def ablation_ratio(X, y, name: str, norm: str, kinds: tuple[str, ...]) -> float:
    """Oracle certificate of the Lasso solved on the part ``kinds`` of the pair-and-axis library."""
    A = PlanarArchitecture.make(name, norm).library(X, kinds).A
    O = oracle(X, name, norm)
    beta = 0.05 * certificate(O, y - y.mean(), 1.0)  # the same beta for every part of the library
    solution = solve(A, y, beta)
    return certificate(O, centred_residual(A, y, solution.z), beta)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_cut_down_libraries_are_caught(name):
    # b: each part of the l1 library is needed, and the pair library is not enough under weight decay
    keys = ["gaussian-N6", "gaussian-N10", "clustered-N9", "outlier-N8"]
    axis_only = max(ablation_ratio(*data(k), name, "l1", ("axis",)) for k in keys)
    pairs_only = max(ablation_ratio(*data(k), name, "l1", ("pair",)) for k in keys)
    pairs_l2 = max(ablation_ratio(*data(k), name, "l2", ("pair", "axis")) for k in keys)
    full_l1 = max(ablation_ratio(*data(k), name, "l1", ("pair", "axis")) for k in keys)
    assert full_l1 <= 1 + TOL
    assert axis_only > 1.3, f"axis-only library not caught: {axis_only}"
    assert pairs_only > 1.01, f"pairs-only library not caught: {pairs_only}"
    assert pairs_l2 > 1.01, f"pair library under weight decay not caught: {pairs_l2}"


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_circle_pricing_equals_a_dense_enumeration(name):
    # c: lines through each data point at 40,000 directions, and at the directions through a second
    # point (where the correlation has a corner), approach the priced supremum from below
    X, y = data("gaussian-N10")
    pricing = PlanarArchitecture.make(name, "l2").pricing(X)
    D = (X[:, None, :] - X[None, :, :]).reshape(-1, 2)
    corners = np.arctan2(D[:, 1], D[:, 0]) + np.pi / 2
    angle = np.concatenate([np.linspace(0, 2 * np.pi, 40000, endpoint=False), corners, corners + np.pi])
    W = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    rng = np.random.default_rng(3)
    for _ in range(5):
        r = rng.standard_normal(y.size)
        r -= r.mean()
        value, column = pricing(r)
        assert abs(abs(column[:, 0] @ r) - value) <= 1e-12 * value, "the returned unit does not attain the value"
        feature = pricing.feature(column[:, 0])
        assert abs(np.linalg.norm(feature.w) - 1) < 1e-12
        dense = max(float(np.abs(sigma(name, (X - p) @ W.T).T @ r).max()) for p in X)
        assert dense <= value * (1 + 1e-12)
        assert dense >= value * (1 - 1e-7), f"pricing {value} above every enumerated direction ({dense})"
        assert certificate(oracle(X, name, "l2", units=5000), r, value) <= 1 + 1e-12


def independent_objective(network, X, y, beta, name, norm) -> float:
    """J from the raw weights, written out: 1/2 ||f - y||^2 + beta/2 sum(a^2 + ||w||_p^2)."""
    prediction = network.xi + sigma(name, X @ network.W.T + network.b) @ network.a
    p = 1 if norm == "l1" else 2
    penalty = beta / 2 * (np.sum(network.a**2) + np.sum(np.sum(np.abs(network.W) ** p, axis=1) ** (2 / p)))
    return float(0.5 * np.sum((prediction - y) ** 2) + penalty)


@pytest.mark.parametrize("data_key", ["gaussian-N10", "duplicates-N7", "grid-N9"])
@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("norm", ("l1", "l2"))
def test_reconstructed_network_has_the_lasso_objective(norm, name, data_key):
    # d
    X, y = data(data_key)
    result = fit_planar(X, y, beta_for("moderate", name, norm, X, y), name, norm)
    J = independent_objective(result.network, X, y, result.beta, name, norm)
    assert relative(J, result.solution.objective) < 1e-9
    assert relative(result.network_objective, result.solution.objective) < 1e-9
    assert result.network.width == result.solution.support.size
    zero = fit_planar(X, y, 0.0, name, norm)
    assert relative(zero.network_objective, zero.solution.objective) < 1e-9  # penalty at beta = 1 is ||z||_1


def test_l1_kink_lines_pass_through_data():
    X, y = data("gaussian-N10")
    result = fit_planar(X, y, 0.02, "relu", "l1")
    lines = result.network.breakpoints()
    assert lines.shape[1] == 3 and np.allclose(np.linalg.norm(lines[:, :2], axis=1), 1)
    for w1, w2, b in lines:
        on = np.abs(X @ [w1, w2] + b) < 1e-9
        assert on.sum() >= 2 or (on.sum() >= 1 and min(abs(w1), abs(w2)) < 1e-12), (w1, w2, b)
    assert {s.feature.kind for s in result.selected()} <= {"pair", "axis"}


@pytest.mark.parametrize("norm", ("l1", "l2"))
def test_adam_never_beats_the_optimum(norm):
    # e: Adam on J with the same penalty, several restarts, never below the certified optimum
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    X, y = data("gaussian-N6")
    beta = 0.05
    best = fit_planar(X, y, beta, "relu", norm).solution.objective
    generator = torch.Generator().manual_seed(0)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    p = 1 if norm == "l1" else 2
    restarts, width = 6, 8

    def random(*shape):
        return torch.randn(*shape, generator=generator, dtype=torch.float64).requires_grad_()

    W, b, a, xi = (
        random(restarts, width, 2),
        random(restarts, width, 1),
        random(restarts, width, 1),
        random(restarts, 1),
    )
    optimiser = torch.optim.Adam([W, b, a, xi], lr=0.02)
    for _ in range(2000):  # the restarts are independent networks trained side by side
        optimiser.zero_grad()
        f = xi + (torch.relu(W @ Xt.T + b) * a).sum(dim=1)
        penalty = (a[..., 0] ** 2).sum(dim=1) + (W.abs() ** p).sum(dim=2).pow(2 / p).sum(dim=1)
        J = 0.5 * ((f - yt) ** 2).sum(dim=1) + beta / 2 * penalty
        J.sum().backward()
        optimiser.step()
    assert J.min().item() >= best - 1e-9 * max(1.0, best), f"Adam {J.min().item()} beat the optimum {best}"
    assert J.min().item() <= 1.5 * best, "Adam should come near the optimum on six points"


@pytest.mark.parametrize("norm", ("l1", "l2"))
def test_network_contract(norm):
    torch = pytest.importorskip("torch")
    X, y = data("clustered-N9")
    network = fit_planar(X, y, 0.1, "abs", norm).network
    again = Network.from_dict(network.to_dict())
    grid = np.random.default_rng(0).uniform(-2, 2, (50, 2))
    assert np.allclose(again(grid), network(grid), atol=1e-12)
    assert again.penalty(0.3) == network.penalty(0.3)
    assert np.allclose(network.to_torch()(torch.tensor(grid)).detach().numpy(), network(grid), atol=1e-12)
    assert network(grid[0]).shape == (1,)
    assert "abs unit(s) on 2-D inputs" in network.describe()
    broken = {**network.to_dict(), "norm": "l3"}
    with pytest.raises(ValueError, match="norm"):
        Network.from_dict(broken)


def test_library_size_formula_and_labels():
    X, _ = data("gaussian-N6")
    for name in ACTIVATIONS:
        architecture = PlanarArchitecture.make(name, "l1")
        library = architecture.library(X)
        assert library.n_candidates == architecture.size_formula(6) == (6 * 5 + 24 if name == "relu" else 15 + 12)
        assert library.size <= library.n_candidates
        assert "line through" in library.features[0].label


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.zeros((3, 3)), np.zeros(3), "shape"),
        ([[0, 0], [1, np.nan]], [0, 1], "NaN"),
        ([[0, 0], [1, 1]], [0, 1, 2], "same number"),
        ([[0, 0], [0, 0]], [1, 1], "distinct"),
        ([[0, 0], [1, 1], [0, 0]], [1, 2, 3], "different labels"),
    ],
)
def test_bad_input_is_rejected(X, y, message):
    with pytest.raises(ValueError, match=message):
        fit_planar(X, y, 0.1)


def test_bad_options_are_rejected():
    X, y = data("gaussian-N6")
    with pytest.raises(ValueError, match="norm"):
        fit_planar(X, y, 0.1, norm="l3")
    with pytest.raises(ValueError, match="relu or abs"):
        fit_planar(X, y, 0.1, activation="sign")
    with pytest.raises(ValueError, match="finite and exact"):
        PlanarArchitecture.make("relu", "l1").pricing(X)


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_default_beta_is_relative_to_the_data(norm):
    """beta=None is 0.01 beta_max over every unit: it scales with y and with the plane, and the fit with it."""
    rng = np.random.default_rng(8)
    X = rng.uniform(-1.0, 1.0, (12, 2))
    y = np.sin(2 * X[:, 0]) + X[:, 1]
    unit = fit_planar(X, y, norm=norm)
    moved = fit_planar(3.0 * X, 10.0 * y, norm=norm)
    assert unit.beta > 0 and moved.beta == pytest.approx(30.0 * unit.beta, rel=1e-9)
    assert moved.solution.objective == pytest.approx(100.0 * unit.solution.objective, rel=1e-6)
