"""Independent references for deep narrow units (written from the formulas of the book's conventions page, not from lmirrors' code).

A narrow unit of depth L is h_0 = x, h_l = sigma(s_l h_{l-1} + b_l) (l < L), output h_{L-1}; the
oracles below are dense sets of such units with biases on grids (realisable normalised units),
evaluated by :func:`chain`. For abs, inner signs do not matter (|s t + b| = |t + s b|), so the units
are |...||x - a_1| - a_2| ... - a_{L-1}|.
"""

from __future__ import annotations

import itertools

import numpy as np
from helpers import dedupe_up_to_constant, sigma


def chain(x, signs, biases, name: str) -> np.ndarray:
    """Columns of units: ``signs``/``biases`` have shape (units, L - 1); result (len(x), units)."""
    h = np.asarray(x, dtype=float)[:, None] * np.ones(np.shape(signs)[0])
    for s, b in zip(np.asarray(signs, float).T, np.asarray(biases, float).T, strict=True):
        h = sigma(name, s * h + b)
    return h


def deep_objective(W, B, xi, x, y, beta, name: str) -> float:
    """J = 1/2 ||f(x) - y||^2 + beta/L sum |w|^L of a parallel network, from its raw weights."""
    W, B = np.asarray(W, float), np.asarray(B, float)
    h = np.asarray(x, dtype=float)[:, None] * np.ones(W.shape[0])
    for layer in range(W.shape[1] - 1):
        h = sigma(name, W[:, layer] * h + B[:, layer])
    f = xi + h @ W[:, -1]
    L = W.shape[1]
    return float(0.5 * np.sum((f - np.asarray(y)) ** 2) + beta / L * np.sum(np.abs(W) ** L))


def data_values(x) -> np.ndarray:
    """Data points, midpoints and reflections 2 x_i - x_j: where theory puts the kinks."""
    xs = np.unique(x)
    return np.unique(np.concatenate([xs, ((xs[:, None] + xs[None, :]) / 2).ravel(), (2 * xs[:, None] - xs).ravel()]))


def spread_grid(x, n: int, margin: float = 1.0) -> np.ndarray:
    """``n`` evenly spaced points over the data range widened by ``margin`` ranges on each side."""
    xs = np.unique(x)
    r = xs[-1] - xs[0]
    return np.linspace(xs[0] - margin * r, xs[-1] + margin * r, n)


def relu3_oracle(x, n: int = 50) -> np.ndarray:
    """All depth-3 ReLU units relu(s2 relu(s1 x + b1) + b2): s = ±1, b1 = -s1 t with t on a grid
    (and the data), b2 on a grid of [-2R, 2R] (and the data gaps ±(x_j - x_i))."""
    xs = np.unique(x)
    r = xs[-1] - xs[0]
    t = np.concatenate([spread_grid(x, n), xs])
    gaps = (xs[:, None] - xs[None, :]).ravel()
    b2 = np.unique(np.concatenate([np.linspace(-2 * r, 2 * r, n), gaps]))
    rows = [(s1, s2, -s1 * ti, bi) for s1, s2 in itertools.product((1.0, -1.0), repeat=2) for ti in t for bi in b2]
    p = np.array(rows)
    return dedupe_up_to_constant(chain(x, p[:, :2], p[:, 2:], "relu"))


def clamp_oracle(x, n: int = 60) -> np.ndarray:
    """clip(x, a, b) for a < b on a grid (and the data): every deep ReLU unit is ±clip + c."""
    t = np.unique(np.concatenate([spread_grid(x, n, margin=0.5), np.unique(x)]))
    a, b = np.triu_indices(t.size, 1)
    return dedupe_up_to_constant(np.clip(np.asarray(x, float)[:, None], t[a], t[b]))


def abs_parameters(x, depth: int, n: int, with_data: bool = True) -> np.ndarray:
    """Grids for (a_1, ..., a_{L-1}): a_1 over the widened range, a_l (l >= 2) over [0, 2R];
    ``with_data`` adds data points/midpoints/reflections to a_1 and distances/half-distances to a_l."""
    xs = np.unique(x)
    r = xs[-1] - xs[0]
    first = spread_grid(x, n)
    later = np.linspace(0.0, 2 * r, n)
    if with_data:
        first = np.unique(np.concatenate([first, data_values(x)]))
        d = np.abs(xs[:, None] - xs[None, :]).ravel()
        later = np.unique(np.concatenate([later, d, d / 2]))
    return np.array(list(itertools.product(first, *([later] * (depth - 2)))))


def abs_values(x, params: np.ndarray) -> np.ndarray:
    """|...||x - a_1| - a_2| ... | for each parameter row: (len(x), rows)."""
    signs = np.ones_like(params)
    return chain(x, signs, -params, "abs")


def abs_oracle(x, depth: int, n: int, with_data: bool = True) -> np.ndarray:
    return dedupe_up_to_constant(abs_values(x, abs_parameters(x, depth, n, with_data)))


def midpoint_family(x) -> np.ndarray:
    """dist(x, {x_i, x_j}), i <= j (contains |x - x_i|)."""
    xs = np.unique(x)
    i, j = np.triu_indices(xs.size)
    pts = np.asarray(x, float)[:, None]
    return np.minimum(np.abs(pts - xs[i]), np.abs(pts - xs[j]))


def reflection_family(x) -> np.ndarray:
    """dist(x, {x_j, 2 x_i - x_j}), i != j."""
    xs = np.unique(x)
    i, j = np.where(~np.eye(xs.size, dtype=bool))
    pts = np.asarray(x, float)[:, None]
    return np.minimum(np.abs(pts - xs[j]), np.abs(pts - (2 * xs[i] - xs[j])))


def max_correlation(r: np.ndarray, columns) -> float:
    """max_k |r^T c_k| over columns given in chunks (an iterable of matrices) or one matrix."""
    if isinstance(columns, np.ndarray):
        columns = [columns]
    return max(float(np.abs(r @ c).max()) for c in columns)
