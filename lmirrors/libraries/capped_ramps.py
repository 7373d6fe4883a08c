r"""Deep narrow ReLU networks: the capped-ramp library (paper, v4 Lemma 3.8; v4 Theorem 3.7).

Every normalised unit of a deep narrow ReLU network, at any depth $L \ge 3$, computes
$\pm\operatorname{clip}(x, a, b) + c$ on the real line: a ReLU chain is monotone and
piecewise linear with at most two kinks once its output is positive. By the vertex argument
the kinks can be pinned to data points, so the library is the capped ramps

$$ \operatorname{clip}(x, x_i, x_j) - x_i = (x - x_i)_+ - (x - x_j)_+, \qquad i < j, $$

$N(N-1)/2$ columns, which contain every ramp ($j = N$) and the linear feature. Depth 3 is
strictly richer than depth 2; depth $\ge 4$ adds nothing. Version 1 of the paper used
reflection breakpoints $2x_j - x_i$ at depth 4: they are realisable, but on the data such a
capped ramp is a convex combination of capped ramps with data ends, so it is never needed.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import scipy.sparse as sp

from ..activations import Activation
from ..convex.dictionary import Dictionary, Pricing, RampDictionary, top_indices
from .features import Feature, number
from .library import Candidates


def capped_ramp(a: float, b: float, depth: int, activation: Activation) -> Feature:
    r"""The deep ReLU feature $\operatorname{clip}(x, a, b) - a$ ($a < b$) as a narrow chain.

    $h_1 = (b - x)_+$, $h_2 = (b - a - h_1)_+$ equals $\operatorname{clip}(x, a, b) - a$;
    further layers are $(h + 0)_+ = h$ (valid because $h \ge 0$).
    """
    if not a < b:
        raise ValueError(f"a capped ramp needs a < b, got a = {a}, b = {b}")
    if depth < 3:
        raise ValueError(f"a capped ramp needs depth >= 3 (two hidden layers), got {depth}")
    pad = depth - 3
    signs = (-1.0, -1.0, *([1.0] * pad))
    biases = (float(b), float(b - a), *([0.0] * pad))
    label = f"capped ramp {number(a)}→{number(b)}"
    return Feature(activation, signs, biases, (float(a), float(b)), label, ("data", "data"))


def capped_ramp_candidates(kinks: np.ndarray, depth: int, activation: Activation) -> Candidates:
    """$\\operatorname{clip}(x, t_i, t_j) - t_i$ for every pair $i < j$ of ``kinks`` (``np.triu_indices`` order)."""
    i, j = np.triu_indices(kinks.size, 1)
    lo, hi = kinks[i], kinks[j]
    return Candidates(
        i.size,
        lambda x: np.clip(np.asarray(x, dtype=float)[:, None], lo[None, :], hi[None, :]) - lo[None, :],
        partial(_capped_ramp_of, lo, hi, depth, activation),
    )


def _capped_ramp_of(lo: np.ndarray, hi: np.ndarray, depth: int, activation: Activation, k: int) -> Feature:
    return capped_ramp(lo[k], hi[k], depth, activation)


class CappedRampDictionary(RampDictionary):
    r"""Deep narrow ReLU library: capped ramps $\mathrm{clip}(x, x_i, x_j) - x_i = (x - x_i)_+ - (x - x_j)_+$.

    Columns are the pairs $i < j$ of sorted distinct data in ``np.triu_indices(N, 1)`` order.
    Time and memory are $O(N)$ per product and per pricing pass although there are $N(N-1)/2$
    columns, and no column is stored: column $(i, j)$ has weight $+1$ on the ramp at $x_i$ and
    $-1$ at $x_j$ (:meth:`pair`). With $\rho_k = \sum_m r_m (x_m - x_k)_+$ the correlation is
    $\rho_i - \rho_j$, so
    $\max_{i<j} |\rho_i - \rho_j| = \max_j \max(\max_{i<j}\rho_i - \rho_j,\ \rho_j - \min_{i<j}\rho_i)$
    (running maxima / minima). The candidates returned are the best partner $i$ of each $j$.
    Only ``rmatvec`` and ``dense`` touch every column.
    """

    def __init__(self, x) -> None:
        xs = np.unique(np.asarray(x, dtype=float))
        n = xs.size
        super().__init__(x, xs, sp.csc_matrix((n, 0)))
        self.points = xs
        self.shape = (self.x.size, n * (n - 1) // 2)
        self._starts = _row_starts(n)

    def column_index(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Column of the capped ramp from the ``i``-th to the ``j``-th sorted distinct point (``i < j``)."""
        i, j = np.asarray(i), np.asarray(j)
        return i * self.points.size - i * (i + 1) // 2 + (j - i - 1)

    def pair(self, cols) -> tuple[np.ndarray, np.ndarray]:
        """The sorted-point indices $(i, j)$ of columns ``cols`` (inverse of :meth:`column_index`)."""
        return _pair(self._starts, cols)

    def column_weights(self, cols):
        i, j = self.pair(cols)
        k = np.arange(i.size)
        data = np.concatenate([np.ones(i.size), -np.ones(i.size)])
        return sp.csc_matrix((data, (np.concatenate([i, j]), np.concatenate([k, k]))), shape=(self.points.size, i.size))

    def column_offsets(self, cols):
        return np.zeros(np.size(cols))

    def matvec(self, z):
        return Dictionary.matvec(self, np.asarray(z, dtype=float))

    def correlations(self, r, cols):
        i, j = self.pair(cols)
        rho = self.ramp_correlations(r)
        return rho[i] - rho[j]

    def rmatvec(self, r):
        return self.correlations(r, np.arange(self.shape[1]))

    def dense(self):
        lo, hi = np.triu_indices(self.points.size, 1)
        return np.clip(self.x[:, None], self.points[lo], self.points[hi]) - self.points[lo]

    def price(self, r, count=0):
        rho = self.ramp_correlations(r)
        arg_hi = np.maximum.accumulate(np.where(rho == np.maximum.accumulate(rho), np.arange(rho.size), 0))
        arg_lo = np.maximum.accumulate(np.where(rho == np.minimum.accumulate(rho), np.arange(rho.size), 0))
        j = np.arange(1, rho.size)
        partners = np.concatenate([arg_hi[:-1], arg_lo[:-1]])
        values = rho[partners] - rho[np.concatenate([j, j])]
        top = top_indices(values, count, peaks=True)
        cols = self.column_index(partners[top], np.concatenate([j, j])[top])
        return Pricing(float(np.abs(values).max(initial=0.0)), cols, values[top])


def _row_starts(n: int) -> np.ndarray:
    """Column of the pair $(i, i + 1)$ for each $i < n - 1$ (``np.triu_indices(n, 1)`` order)."""
    i = np.arange(max(n - 1, 0))
    return i * n - i * (i + 1) // 2


def _pair(starts: np.ndarray, cols) -> tuple[np.ndarray, np.ndarray]:
    cols = np.asarray(cols, dtype=np.int64)
    i = np.searchsorted(starts, cols, side="right") - 1
    return i, cols - starts[i] + i + 1


def capped_ramp_features(x, depth: int, activation: Activation):
    """The :class:`Feature` of column ``k`` of :class:`CappedRampDictionary` on ``x`` (a function of ``k``; $O(N)$ memory)."""
    points = np.unique(np.asarray(x, dtype=float))
    return partial(_capped_ramp_of_column, points, _row_starts(points.size), depth, activation)


def _capped_ramp_of_column(points, starts, depth: int, activation: Activation, k: int) -> Feature:
    i, j = _pair(starts, k)
    return capped_ramp(points[i], points[j], depth, activation)


def paper_relu_column(x, t, signs, j, k: int = 0) -> np.ndarray:
    r"""One column of the paper's published deep ReLU dictionary, evaluated at the points ``t``.

    On sorted or unsorted data ``x``, with layer signs $s \in \{\pm1\}^{L-1}$, 0-based indices
    $j$ into ``x`` and $k \in \{0, 1\}$: $g_1(t) = t$,
    $g_{l+1}(t) = (s_l\,(g_l(t) - g_l(a_l)))_+$, $a_l = x_{j_l}$, except
    $a_1 = 2x_{j_2} - x_{j_1}$ (a reflection breakpoint) when $k = 1$; the column is $g_L$.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    g = np.concatenate([x, np.asarray(t, dtype=float).reshape(-1)])
    if len(signs) != len(j) or k not in (0, 1) or (k and len(j) < 2):
        raise ValueError(f"signs {signs}, indices {j}, k={k}: need one sign and one index per layer, k in (0, 1)")
    for layer, s in enumerate(signs):
        # g_l(a_l): a_1 itself on the first layer (g_1 is the identity), else g_l at the data point x_{j_l}
        pivot = (2 * x[j[1]] - x[j[0]] if k else x[j[0]]) if layer == 0 else g[j[layer]]
        g = np.maximum(s * (g - pivot), 0.0)
    return g[x.size :]


def paper_relu_columns(x, depth: int) -> np.ndarray:
    r"""The paper's published deep ReLU dictionary on the data for $L = 2, 3, 4$: the
    :func:`paper_relu_column` of every $s \in \{\pm1\}^{L-1}$, $j \in \{0, \dots, N-1\}^{L-1}$
    and, at $L = 4$ only, $k \in \{0, 1\}$: $2^{L-1}N^{L-1}$ columns (twice that at $L = 4$),
    duplicates kept.
    """
    import itertools

    if depth not in (2, 3, 4):
        raise ValueError(f"depth={depth}: the paper's code indexes depths 2, 3 and 4 only")
    x = np.asarray(x, dtype=float).reshape(-1)
    return np.column_stack(
        [
            paper_relu_column(x, x, signs, j, k)
            for k in ((0, 1) if depth == 4 else (0,))
            for signs in itertools.product((-1.0, 1.0), repeat=depth - 1)
            for j in itertools.product(range(x.size), repeat=depth - 1)
        ]
    )
