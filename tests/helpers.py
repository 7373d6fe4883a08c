"""Independent reference computations for the tests.

Everything here is written from the formulas of the conventions page (conventions.md), not from lmirrors' code: plain numpy
activations, a dense "oracle" dictionary of realisable normalised 2-layer units, dual lower
bounds that certify optimal values, and random data sets in several layouts.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

LAYOUTS = ("uniform", "clustered", "equispaced", "outlier", "duplicates")


def sigma(name: str, t, slope: float = 0.0) -> np.ndarray:
    """The activation, written out independently of ``lmirrors.activations``."""
    t = np.asarray(t, dtype=float)
    if name == "relu":
        return np.where(t > 0, t, 0.0)
    if name == "leaky_relu":
        return np.where(t > 0, t, slope * t)
    if name == "abs":
        return np.where(t > 0, t, -t)
    raise AssertionError(f"no reference formula for {name}")


def make_data(layout: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct x values (in random order) in one of :data:`LAYOUTS`, labels ~ N(0, 1).

    ``duplicates`` adds three repeated points (with their labels) on top of the ``n`` distinct ones.
    """
    rng = np.random.default_rng(seed)
    if layout == "uniform":
        x = rng.uniform(-1.0, 1.0, n)
    elif layout == "clustered":
        centres = rng.choice([-1.0, 0.2, 1.5], size=n)
        x = centres + 0.01 * rng.standard_normal(n)
    elif layout == "equispaced":
        x = 0.5 * np.arange(n) - 1.0
    elif layout == "outlier":
        x = np.append(rng.uniform(0.0, 1.0, n - 1), 30.0)
    elif layout == "duplicates":
        x = rng.uniform(-2.0, 2.0, n)
    else:
        raise AssertionError(layout)
    assert np.unique(x).size == n
    y = rng.standard_normal(n)
    if layout == "duplicates":
        repeat = rng.choice(n, size=3, replace=False)
        x, y = np.append(x, x[repeat]), np.append(y, y[repeat])
    order = rng.permutation(x.size)
    return x[order], y[order]


def dedupe_up_to_constant(M: np.ndarray) -> np.ndarray:
    """Drop columns constant on the data and columns equal to an earlier one up to a constant.

    Only exact redundancy is removed (the Lasso's unpenalised intercept absorbs constants), so
    the optimal value is unchanged; it keeps the oracle small enough to solve quickly.
    """
    centred = M - M.mean(axis=0)
    scale = max(1.0, float(np.abs(M).max()))
    live = np.flatnonzero(np.abs(centred).max(axis=0) > 1e-12 * scale)
    _, first = np.unique(np.round(centred[:, live] / (1e-10 * scale)), axis=1, return_index=True)
    return M[:, live[np.sort(first)]]


def oracle_breakpoints(x: np.ndarray, grid: int = 800, per_gap: int = 7) -> np.ndarray:
    """A fine grid over [x_1 - 2R, x_N + 2R] (R the range), the data, and ``per_gap`` points
    evenly inside each gap between consecutive data points (the midpoint among them)."""
    xs = np.unique(x)
    spread = xs[-1] - xs[0]
    inner = np.linspace(0.0, 1.0, per_gap + 2)[1:-1]
    gaps = (xs[:-1, None] + inner[None, :] * np.diff(xs)[:, None]).ravel()
    mids = 0.5 * (xs[:-1] + xs[1:])
    return np.concatenate([np.linspace(xs[0] - 2 * spread, xs[-1] + 2 * spread, grid), xs, gaps, mids])


def oracle_matrix(x, name: str, slope: float = 0.0, t=None) -> np.ndarray:
    """Dense dictionary of realisable normalised 2-layer units sigma(±(x - t)) on the data.

    Each column is a unit with inner weight ±1, bias ∓t and outer weight 1: exactly the
    normalised units the network can realise (kinks anywhere, not only at data points).
    """
    x = np.asarray(x, dtype=float)
    t = oracle_breakpoints(x) if t is None else np.asarray(t, dtype=float)
    shifted = x[:, None] - t[None, :]
    columns = shifted if name == "abs" else np.hstack([shifted, -shifted])
    return dedupe_up_to_constant(sigma(name, columns, slope))


def lasso_value(A, y, z, xi, beta) -> float:
    """P(z, xi) = 1/2 ||A z + xi - y||^2 + beta ||z||_1, written out."""
    residual = np.asarray(y) - np.asarray(A) @ np.asarray(z) - xi
    return float(0.5 * np.sum(residual**2) + beta * np.sum(np.abs(z)))


def dual_lower_bound(A, y, z, beta) -> float:
    r"""A certified lower bound on min P: the dual value at a feasible point built from z.

    Dual: max_nu  nu.y - 1/2 ||nu||^2  s.t. |A^T nu| <= beta, sum(nu) = 0. The centred residual
    r of z, scaled by theta = min(1, beta / ||A^T r||_inf), is feasible, so D(theta r) <= P*.
    """
    A, y = np.asarray(A, dtype=float), np.asarray(y, dtype=float)
    r = y - A @ z
    r = r - r.mean()
    corr = float(np.abs(A.T @ r).max())
    theta = min(1.0, beta / corr) if corr > 0 else 1.0
    nu = theta * r
    return float(nu @ y - 0.5 * nu @ nu)


def min_norm_lower_bound(A, y) -> float:
    r"""A certified lower bound on min ||z||_1 s.t. A z + xi 1 = y, from the dual LP.

    Dual: max nu.y s.t. |A^T nu| <= 1, sum(nu) = 0 (weak duality: ||z||_1 >= nu.A z = nu.y).
    The LP's nu is re-centred and scaled into the feasible set before use.
    """
    A, y = np.asarray(A, dtype=float), np.asarray(y, dtype=float)
    n, m = A.shape
    res = linprog(
        -y,
        A_ub=np.vstack([A.T, -A.T]),
        b_ub=np.ones(2 * m),
        A_eq=np.ones((1, n)),
        b_eq=[0.0],
        bounds=[(None, None)] * n,
        method="highs",
    )
    assert res.status == 0, res.message
    nu = res.x - res.x.mean()
    nu = nu / max(1.0, float(np.abs(A.T @ nu).max()))
    return float(nu @ y)


def two_layer_objective(W, B, xi, x, y, beta, name: str, slope: float = 0.0) -> float:
    """J of a 2-layer parallel network, evaluated from its raw weights (not via lmirrors).

    f(x) = xi + sum_k W[k, 1] sigma(W[k, 0] x + B[k, 0]);  J = 1/2 ||f - y||^2 + beta/2 sum W^2.
    """
    W, B = np.asarray(W, dtype=float), np.asarray(B, dtype=float)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    hidden = sigma(name, W[:, :1] * x[None, :] + B[:, :1], slope)
    prediction = xi + (W[:, 1:2] * hidden).sum(axis=0)
    return float(0.5 * np.sum((prediction - y) ** 2) + beta / 2 * np.sum(W**2))


def relative(a: float, b: float) -> float:
    """|a - b| relative to max(|a|, |b|, 1e-300)."""
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def slope_option(name: str, slope: float) -> dict:
    """``{"slope": slope}`` for leaky ReLU (the only family that takes one), else no options."""
    return {"slope": slope} if name == "leaky_relu" else {}


EXAMPLE_OPTIONS = {"widths": 2}
"""Values for options a family requires, used by the tests that run every registered architecture."""


def registry_cases(max_depth: int = 10) -> list[tuple[int, str, dict]]:
    """(depth, activation, options) for every family of the registry and every depth up to ``max_depth``."""
    import lmirrors

    cases = []
    for family in lmirrors.architectures():
        for depth in range(family.depths.start, min(family.depths.stop, max_depth + 1)):
            required = [
                o for o in family.options if o.name in EXAMPLE_OPTIONS and (o.depths is None or depth in o.depths)
            ]
            options = {**family.selected_by, **{o.name: EXAMPLE_OPTIONS[o.name] for o in required}}
            cases.append((depth, family.activation, options))
    return cases


def capped_ramps_dense(x):
    """Independent reference: clip(x, x_i, x_j) - x_i for i < j over sorted distinct data."""
    xs = np.unique(x)
    i, j = np.triu_indices(xs.size, 1)
    return np.clip(x[:, None], xs[i], xs[j]) - xs[i]


def noisy(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * rng.uniform(0.1, 10) + rng.uniform(-50, 50)
    return x, np.sin(3 * (x - x.mean()) / x.std()) + 0.3 * rng.standard_normal(n)


def exact_lasso_gap(A, y, beta: float, z, xi: float) -> tuple[float, float]:
    r"""Independent exact certificate of a Lasso solution (intercept unpenalised), in Fractions.

    Solves the optimality conditions on the support of ``z`` with its signs exactly
    ($M^\top M w = M^\top y - \beta(s, 0)$, $M = [A_S, 1]$) by Gauss-Jordan elimination, takes the
    exact residual $r$ ($1^\top r = 0$), scales it into the dual set with the exact
    $\theta = \min(1, \beta/\max_j |a_j^\top r|)$ over every column, and returns
    ($P(z, \xi) - D(\theta r)$, $\max_j|a_j^\top r| / \beta$) computed exactly: an upper bound on $P(z,\xi) - P^\star$.
    """
    from fractions import Fraction

    A = [[Fraction(float(v)) for v in row] for row in np.asarray(A, dtype=float)]
    Y = [Fraction(float(v)) for v in y]
    B = Fraction(float(beta))
    support = [j for j in range(len(A[0])) if z[j] != 0]
    M = [[row[j] for j in support] + [Fraction(1)] for row in A]
    k, n = len(support) + 1, len(Y)
    signs = [Fraction(int(np.sign(z[j]))) for j in support] + [Fraction(0)]
    system = [
        [sum((M[i][a] * M[i][b] for i in range(n)), Fraction(0)) for b in range(k)]
        + [sum((M[i][a] * Y[i] for i in range(n)), Fraction(0)) - B * signs[a]]
        for a in range(k)
    ]
    for c in range(k):
        p = next(i for i in range(c, k) if system[i][c] != 0)
        system[c], system[p] = system[p], system[c]
        system[c] = [v / system[c][c] for v in system[c]]
        for i in range(k):
            if i != c and system[i][c] != 0:
                f = system[i][c]
                system[i] = [a - f * b for a, b in zip(system[i], system[c])]
    w = [row[k] for row in system]
    r = [Y[i] - sum((M[i][a] * w[a] for a in range(k)), Fraction(0)) for i in range(n)]
    correlation = max(abs(sum((A[i][j] * r[i] for i in range(n)), Fraction(0))) for j in range(len(A[0])))
    theta = min(Fraction(1), B / correlation) if correlation else Fraction(1)
    Z, XI = [Fraction(float(v)) for v in z], Fraction(float(xi))
    fit = [Y[i] - sum((A[i][j] * Z[j] for j in support), Fraction(0)) - XI for i in range(n)]
    primal = sum((v * v for v in fit), Fraction(0)) / 2 + B * sum((abs(v) for v in Z), Fraction(0))
    dual = theta * sum((a * b for a, b in zip(r, Y)), Fraction(0)) - theta**2 * sum((v * v for v in r), Fraction(0)) / 2
    return float(primal - dual), float(correlation / B)
