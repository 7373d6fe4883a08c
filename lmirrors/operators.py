r"""Matrix-free dictionaries: apply $A$ and $A^\top$ without materialising $A$.

A :class:`Dictionary` is what the working-set Lasso solver needs from a library matrix
$A \in \mathbb R^{N\times M}$:

* ``matvec(z)`` $= Az$ and ``correlations(r, cols)`` $= A_{:,\text{cols}}^\top r$;
* ``price(r, count)``: $\max_j |A_j^\top r|$ and the ``count`` columns with the largest
  $|A_j^\top r|$ (the most violated dual constraints; $r$ has zero mean, so centring $A$
  does not change these numbers);
* ``gram(cols)``: the centred Gram matrix $A_{c,S}^\top A_{c,S}$ of a few columns.

:class:`DenseDictionary` wraps an explicit matrix (pricing blockwise, never forming
$A_c$). :class:`RampDictionary` stores every column as a sparse combination of ramps

$$ A_{:,j} = \sum_k W_{kj}\,(x - \tau_k)_+ + e_j \quad\text{on the data}, $$

which covers every piecewise-linear library on 1-D data: 2-layer ReLU / leaky / abs
columns (one kink), capped ramps $\mathrm{clip}(x, x_i, x_j) - x_i = (x-x_i)_+ - (x-x_j)_+$,
deep absolute-value units ($\le 2^{L-1}$ ramps each, :func:`mirror_dictionary`) and, via
:meth:`RampDictionary.from_matrix`, any library given by its values on the data (a vector
on sorted data is its piecewise-linear interpolant, whose slope changes are second
differences; they are sparse for the paper's features, e.g. 2 per sign pattern switch). With suffix sums on sorted data,

$$ \rho_k = \sum_{x_m > \tau_k} r_m (x_m - \tau_k),\qquad
   (Wu\text{ applied}) (x_m) = \sum_{\tau_k < x_m} u_k (x_m - \tau_k) $$

cost $O(N + K)$, so $A^\top r = W^\top\rho + e\,\mathbf 1^\top r$ and $Az$ cost
$O(N + K + \mathrm{nnz}(W))$.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .activations import get_activation
from .mirrors import Pinnings, chain_values, kink_forms, pinned_parameters


@dataclass(frozen=True)
class Pricing:
    """Result of a pricing pass: the largest $|A_j^\\top r|$ and the most violated columns."""

    max_abs: float
    indices: np.ndarray
    values: np.ndarray


def _top(values: np.ndarray, count: int, peaks: bool = False) -> np.ndarray:
    """Indices of the ``count`` entries of largest magnitude, largest first.

    With ``peaks``, local maxima of $|v|$ in index order come first: neighbouring columns of
    an ordered library (ramps at adjacent kinks) are nearly equal, and one column per peak
    finds the distinct features of the solution in fewer rounds.
    """
    if peaks and values.size > 2:
        a = np.abs(values)
        padded = np.concatenate([[-1.0], a, [-1.0]])
        is_peak = (a >= padded[:-2]) & (a >= padded[2:])
        first = np.flatnonzero(is_peak)[_top(values[is_peak], count)]
        rest = np.setdiff1d(_top(values, count), first)
        return np.concatenate([first, rest[np.argsort(-a[rest], kind="stable")]])[: max(count, 0)]
    count = min(count, values.size)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-np.abs(values), count - 1)[:count]
    return part[np.argsort(-np.abs(values[part]), kind="stable")]


class Dictionary:
    """Interface of a library matrix for the working-set solver (see module docstring)."""

    shape: tuple[int, int]

    def matvec(self, z: np.ndarray) -> np.ndarray:
        """$Az$ for a full coefficient vector (only its nonzeros are used)."""
        cols = np.flatnonzero(z)
        return self.matvec_columns(cols, z[cols])

    def matvec_columns(self, cols: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """$A_{:,\\text{cols}}\\,\\text{coef}$."""
        raise NotImplementedError

    def correlations(self, r: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """$A_{:,\\text{cols}}^\\top r$."""
        raise NotImplementedError

    def gram(self, cols: np.ndarray) -> np.ndarray:
        """Centred Gram matrix $A_{c,S}^\\top A_{c,S}$ of the columns ``cols``."""
        raise NotImplementedError

    def price(self, r: np.ndarray, count: int = 0) -> Pricing:
        """$\\max_j |A_j^\\top r|$ and the ``count`` largest $|A_j^\\top r|$ (``r`` of zero mean)."""
        raise NotImplementedError

    def rmatvec(self, r: np.ndarray) -> np.ndarray:
        """$A^\\top r$ for all columns (memory $O(M)$)."""
        return self.correlations(r, np.arange(self.shape[1]))


class DenseDictionary(Dictionary):
    """An explicit matrix; pricing runs over column blocks so $A_c$ is never formed."""

    def __init__(self, A: np.ndarray, block: int = 4096) -> None:
        self.A = np.asarray(A, dtype=float)
        if self.A.ndim != 2:
            raise ValueError(f"A must be a 2-D matrix, got shape {self.A.shape}")
        self.shape = self.A.shape
        self.block = block

    def matvec(self, z: np.ndarray) -> np.ndarray:
        return self.A @ z

    def matvec_columns(self, cols, coef):
        return self.A[:, cols] @ coef

    def correlations(self, r, cols):
        return self.A[:, cols].T @ r

    def rmatvec(self, r):
        return self.A.T @ r

    def gram(self, cols):
        As = self.A[:, cols]
        As = As - As.mean(axis=0)
        return As.T @ As

    def price(self, r, count=0):
        best_idx, best_val, top = np.zeros(0, dtype=np.int64), np.zeros(0), 0.0
        for start in range(0, self.shape[1], self.block):
            values = self.A[:, start : start + self.block].T @ r
            top = max(top, float(np.abs(values).max(initial=0.0)))
            if count:
                keep = _top(values, count)
                best_idx = np.concatenate([best_idx, keep + start])
                best_val = np.concatenate([best_val, values[keep]])
                sel = _top(best_val, count)
                best_idx, best_val = best_idx[sel], best_val[sel]
        return Pricing(top, best_idx, best_val)


class RampDictionary(Dictionary):
    r"""Columns $\sum_k W_{kj}(x - \tau_k)_+ + e_j$ evaluated at data ``x`` (any order).

    ``kinks`` ($\tau$, sorted, distinct), ``weights`` ($K \times M$, sparse) and ``offsets``
    ($e$, length $M$). Kinks below the smallest data point are allowed (the ramp is then
    affine on the data).
    """

    def __init__(self, x, kinks, weights, offsets=None) -> None:
        self.x = np.asarray(x, dtype=float)
        self.order = np.argsort(self.x, kind="stable")
        xs = self.x[self.order]
        # Work in coordinates centred on the data so that suffix sums do not cancel.
        self.centre = 0.5 * (xs[0] + xs[-1])
        self.xs = xs - self.centre
        self.kinks = np.asarray(kinks, dtype=float) - self.centre
        if np.any(np.diff(self.kinks) <= 0):
            raise ValueError("kinks must be sorted and distinct")
        self.W = sp.csc_matrix(weights)
        if self.W.shape[0] != self.kinks.size:
            raise ValueError(f"weights has {self.W.shape[0]} rows but there are {self.kinks.size} kinks")
        self.Wt = self.W.T.tocsr()
        self.offsets = np.zeros(self.W.shape[1]) if offsets is None else np.asarray(offsets, dtype=float)
        self.shape = (self.x.size, self.W.shape[1])
        # first data index strictly to the right of each kink
        self._right = np.searchsorted(self.xs, self.kinks, side="right")

    # ----- ramp basis -----
    def ramp_correlations(self, r: np.ndarray) -> np.ndarray:
        r"""$\rho_k = \sum_m r_m (x_m - \tau_k)_+$ for every kink, $O(N + K)$."""
        rs = np.asarray(r, dtype=float)[self.order]
        r0 = np.concatenate([np.cumsum(rs[::-1])[::-1], [0.0]])
        r1 = np.concatenate([np.cumsum((rs * self.xs)[::-1])[::-1], [0.0]])
        return r1[self._right] - self.kinks * r0[self._right]

    def ramp_matvec(self, u: np.ndarray) -> np.ndarray:
        r"""$\sum_k u_k (x - \tau_k)_+$ at the data (original order), $O(N + K)$."""
        left = np.searchsorted(self.kinks, self.xs, side="left")
        u0 = np.concatenate([[0.0], np.cumsum(u)])
        u1 = np.concatenate([[0.0], np.cumsum(u * self.kinks)])
        out = np.empty(self.x.size)
        out[self.order] = self.xs * u0[left] - u1[left]
        return out

    def dense(self) -> np.ndarray:
        """The explicit matrix $A$ (rows in the order of ``x``); memory $N \times M$."""
        ramps = np.maximum(self.x[:, None] - self.centre - self.kinks[None, :], 0.0)
        return np.asarray((self.Wt @ ramps.T).T) + self.offsets

    # ----- Dictionary interface -----
    def matvec(self, z):
        z = np.asarray(z, dtype=float)
        return self.ramp_matvec(self.W @ z) + float(self.offsets @ z)

    def matvec_columns(self, cols, coef):
        u = self.W[:, cols] @ coef
        return self.ramp_matvec(u) + float(self.offsets[cols] @ coef)

    def rmatvec(self, r):
        return self.Wt @ self.ramp_correlations(r) + self.offsets * float(np.sum(r))

    def correlations(self, r, cols):
        return self.Wt[cols] @ self.ramp_correlations(r) + self.offsets[cols] * float(np.sum(r))

    def price(self, r, count=0):
        values = self.rmatvec(r)
        top = _top(values, count, peaks=True)
        return Pricing(float(np.abs(values).max(initial=0.0)), top, values[top])

    def gram(self, cols):
        Ws = self.W[:, cols]
        used = np.unique(Ws.indices)
        return np.asarray(Ws[used].T @ (Ws[used].T @ self._ramp_gram(used)).T)

    def _ramp_gram(self, used: np.ndarray) -> np.ndarray:
        r"""Centred Gram of the ramps at kinks ``used``, without cancellation.

        With $\tau_1 < \dots < \tau_K$, $P_b = \sum_{x > \tau_b}(x - \tau_b)$,
        $Q_b = \sum_{x>\tau_b}(x - \tau_b)^2$ and $n_b = \#\{x > \tau_b\}$, for $a \le b$:
        $\langle (x-\tau_a)_+, (x-\tau_b)_+\rangle = Q_b + (\tau_b - \tau_a) P_b$ (all terms
        $\ge 0$). $P, Q, n$ come from moments on the intervals $(\tau_k, \tau_{k+1}]$ by the
        backward recursion $Q_b = q_b + Q_{b+1} + 2\Delta P_{b+1} + \Delta^2 n_{b+1}$,
        $P_b = p_b + P_{b+1} + \Delta n_{b+1}$ with $\Delta = \tau_{b+1} - \tau_b$. Centring
        subtracts $P_a P_b / N$.
        """
        tau = self.kinks[used]
        K = tau.size
        owner = np.searchsorted(tau, self.xs, side="left") - 1
        inside = owner >= 0
        d = self.xs[inside] - tau[owner[inside]]
        cnt = np.bincount(owner[inside], minlength=K).astype(float)
        p = np.bincount(owner[inside], weights=d, minlength=K)
        q = np.bincount(owner[inside], weights=d * d, minlength=K)
        n_, P, Q = cnt.copy(), p.copy(), q.copy()
        for b in range(K - 2, -1, -1):
            delta = tau[b + 1] - tau[b]
            Q[b] += Q[b + 1] + 2 * delta * P[b + 1] + delta * delta * n_[b + 1]
            P[b] += P[b + 1] + delta * n_[b + 1]
            n_[b] += n_[b + 1]
        hi = np.maximum.outer(np.arange(K), np.arange(K))
        G = Q[hi] + np.abs(tau[:, None] - tau[None, :]) * P[hi]
        return G - np.outer(P, P) / self.x.size

    @classmethod
    def from_matrix(cls, x, A: np.ndarray, rtol: float = 1e-12) -> RampDictionary:
        r"""Exact ramp expansion of any matrix on data ``x`` (distinct values).

        On sorted data $v = v_1 + s_0 (x - x_1) + \sum_{k=2}^{N-1} (s_{k-1} - s_{k-2})(x - x_k)_+$
        with interval slopes $s_k = (v_{k+2} - v_{k+1})/(x_{k+2} - x_{k+1})$; changes below
        ``rtol`` times the column's largest slope are round-off and dropped.
        """
        x = np.asarray(x, dtype=float)
        A = np.asarray(A, dtype=float)
        order = np.argsort(x, kind="stable")
        xs, As = x[order], A[order]
        if np.any(np.diff(xs) <= 0):
            raise ValueError("from_matrix needs distinct x values; merge repeated points first")
        slopes = np.diff(As, axis=0) / np.diff(xs)[:, None]
        change = np.vstack([slopes[:1], np.diff(slopes, axis=0)])
        scale = np.abs(slopes).max(axis=0, initial=0.0)
        change[np.abs(change) <= rtol * scale] = 0.0
        # row k of ``change`` multiplies (x - xs[k])_+; row 0 is the slope from xs[0] on.
        return cls(x, xs[:-1], sp.csc_matrix(change), As[0])


def _kink_terms(t, above, below, x1):
    r"""Ramp expansion of the function $g$ with kink at $t$, $g(t) = 0$, slope ``above`` $= a$
    right of $t$ and ``below`` $= b$ left of it, on data $\ge x_1$:
    $g = (a - b)(x - t)_+ + b(x - x_1)_+ + b(x_1 - t)$, since
    $x - t = (x - x_1)_+ + (x_1 - t)$ there. Returns (kinks, weights, offset) per column."""
    t = np.asarray(t, dtype=float)
    above, below = np.broadcast_to(above, t.shape), np.broadcast_to(below, t.shape)
    return np.stack([t, np.full_like(t, x1)]), np.stack([above - below, below]), below * (x1 - t)


def _assemble(x, positions, weights, columns, offsets) -> RampDictionary:
    r"""A :class:`RampDictionary` from triplets: column ``columns[i]`` has ``weights[i]`` on the
    ramp at ``positions[i]``. Kinks closer than $10^{-13}\max|\tau|$ (round-off) are merged."""
    kinks, rows = np.unique(positions, return_inverse=True)
    new = np.concatenate([[True], np.diff(kinks) > 1e-13 * np.abs(kinks).max()])
    rows = (np.cumsum(new) - 1)[rows]
    W = sp.csc_matrix((weights, (rows, columns)), shape=(int(new.sum()), offsets.size))
    W.sum_duplicates()
    W.eliminate_zeros()
    return RampDictionary(x, kinks[new], W, offsets)


def two_layer_columns(x, activation: str = "relu", slope: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    r"""Kink $t_j$ and direction $d_j = \pm1$ of every column $\sigma(d_j(x - t_j))$ of the 2-layer library.

    The order of ``Architecture(2, activation).library(x)`` on sorted distinct data
    $x_1<\dots<x_N$, which drops constants and duplicates: ReLU $(x - x_n)_+$, $n < N$, then
    $(x_n - x)_+$, $1 < n < N$; leaky ReLU $\sigma(x - x_n)$ for all $n$, then $\sigma(x_n - x)$,
    $1 < n < N$; abs $|x - x_n|$, $n < N$.
    """
    act = get_activation(activation, slope)
    xs = np.unique(np.asarray(x, dtype=float))
    if xs.size < 2:
        raise ValueError("need at least two distinct x values")
    if act.name == "abs":
        blocks = [(xs[:-1], 1)]
    elif act.name == "relu" or (act.name == "leaky_relu" and act.slope == 0.0):
        blocks = [(xs[:-1], 1), (xs[1:-1], -1)]
    elif act.name == "leaky_relu":
        blocks = [(xs, 1), (xs[1:-1], -1)]
    else:
        raise ValueError(f"no 2-layer ramp dictionary for activation {act.name!r}; use relu, leaky_relu or abs")
    kinks = np.concatenate([t for t, _ in blocks])
    return kinks, np.concatenate([np.full(t.size, d) for t, d in blocks])


def two_layer_dictionary(x, activation: str = "relu", slope: float = 0.01) -> RampDictionary:
    r"""The 2-layer library of :class:`~lmirrors.dictionaries.Architecture` as a ramp dictionary.

    Same columns in the same order as ``Architecture(2, activation).library(x).A`` (see
    :func:`two_layer_columns`). Built in $O(N)$ memory, so it scales to $N = 10^5$ and beyond.
    """
    act = get_activation(activation, slope)
    kinks, directions = two_layer_columns(x, activation, slope)
    # slope of sigma(u) for u < 0: 0 (ReLU), gamma (leaky), -1 (abs)
    low = -1.0 if act.name == "abs" else (act.slope if act.name == "leaky_relu" else 0.0)
    above = np.where(directions == 1, 1.0, -low)
    below = np.where(directions == 1, low, -1.0)
    kink_pos, weights, offsets = _kink_terms(kinks, above, below, float(np.min(x)))
    columns = np.broadcast_to(np.arange(kinks.size), kink_pos.shape)
    return _assemble(x, kink_pos.ravel(), weights.ravel(), columns.ravel(), offsets)


def _chain_slopes(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    r"""Slope $f_a'(t) = \prod_l \operatorname{sign} h_l(t)$ with $h_0 = t - a_1$,
    $h_l = |h_{l-1}| - a_{l+1}$, at points ``t`` (one row of points per row of ``a``)."""
    h = t - a[:, :1]
    slope = np.sign(h)
    for level in range(1, a.shape[1]):
        h = np.abs(h) - a[:, level : level + 1]
        slope *= np.sign(h)
    return slope


def mirror_dictionary(x, depth: int = 3, pinnings: Pinnings | None = None) -> RampDictionary:
    r"""The deep narrow absolute-value library as a ramp dictionary, never forming $A$.

    Columns are the units $f_a(x) = |\cdots||x - a_1| - a_2| \cdots - a_{L-1}|$ for the rows $a$
    of :func:`~lmirrors.mirrors.pinned_parameters` on the distinct data, in that order. Every
    weight is $\pm1$, so $f_a$ has slopes $\pm1$: $-1$ left of all its kink forms $\tau = Fa$
    (:func:`~lmirrors.mirrors.kink_forms`), $+1$ right of them, and on each interval between
    consecutive forms the product of the pre-activation signs at its midpoint (exact: no
    pre-activation vanishes between consecutive forms). With slope changes $\Delta_\tau$, on
    data $x_1 \le x \le x_N$

    $$ f_a(x) = f_a(x_1) + s_a (x - x_1)_+ + \sum_{x_1 < \tau < x_N} \Delta_\tau (x - \tau)_+,
       \qquad s_a = -1 + \sum_{\tau \le x_1} \Delta_\tau, $$

    at most $2^{L-1}$ ramps per column. Columns equal up to a sign and an additive constant
    remain (e.g. reflections about points beyond the data), and so may columns that are
    constant on the data (e.g. $\operatorname{dist}(x, \{x_1, x_2\})$ for $N = 2$): neither
    changes the Lasso optimum. Size: $(3N^2 - N)/2$ columns at $L = 3$, $O(N^{L-1})$ beyond.
    ``pinnings``: ``pinned_parameters(np.unique(x), depth)`` if the caller has it already.
    """
    x = np.asarray(x, dtype=float)
    points = np.unique(x)
    if points.size < 2:
        raise ValueError("need at least two distinct x values")
    if depth < 2:
        raise ValueError(f"depth must be >= 2 (weight layers), got {depth}")
    a = (pinned_parameters(points, depth) if pinnings is None else pinnings).a
    tau = np.sort(a @ kink_forms(depth).T, axis=1)
    inner = _chain_slopes(a, 0.5 * (tau[:, 1:] + tau[:, :-1]))
    ends = np.ones((a.shape[0], 1))
    change = np.diff(np.hstack([-ends, inner, ends]), axis=1)
    tol = 1e-13 * np.abs(points).max()
    left = tau <= points[0] + tol
    start = (change * left).sum(axis=1) - 1.0
    inside = ~left & (tau < points[-1] - tol) & (change != 0)
    columns = np.arange(a.shape[0])
    return _assemble(
        x,
        np.concatenate([np.full(a.shape[0], points[0]), tau[inside]]),
        np.concatenate([start, change[inside]]),
        np.concatenate([columns, np.nonzero(inside)[0]]),
        chain_values(a, points[:1])[0],
    )


class CappedRampDictionary(RampDictionary):
    r"""Deep narrow ReLU library: capped ramps $\mathrm{clip}(x, x_i, x_j) - x_i = (x - x_i)_+ - (x - x_j)_+$.

    Columns are the pairs $i < j$ of sorted distinct data in ``np.triu_indices(N, 1)`` order.
    Pricing is $O(N)$ time and memory although there are $N(N-1)/2$ columns: with
    $\rho_k = \sum_m r_m (x_m - x_k)_+$ the correlation is $\rho_i - \rho_j$, so
    $\max_{i<j} |\rho_i - \rho_j| = \max_j \max(\max_{i<j}\rho_i - \rho_j,\ \rho_j - \min_{i<j}\rho_i)$
    (running maxima / minima). The candidates returned are the best partner $i$ of each $j$.
    """

    def __init__(self, x) -> None:
        xs = np.unique(np.asarray(x, dtype=float))
        n = xs.size
        i, j = np.triu_indices(n, 1)
        cols = np.arange(i.size)
        W = sp.csc_matrix(
            (
                np.concatenate([np.ones(i.size), -np.ones(i.size)]),
                (np.concatenate([i, j]), np.concatenate([cols, cols])),
            ),
            shape=(n, i.size),
        )
        super().__init__(x, xs, W)
        self.n_points = n

    def column_index(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Column of the capped ramp from the ``i``-th to the ``j``-th sorted distinct point (``i < j``)."""
        i, j = np.asarray(i), np.asarray(j)
        return i * self.n_points - i * (i + 1) // 2 + (j - i - 1)

    def price(self, r, count=0):
        rho = self.ramp_correlations(r)
        arg_hi = np.maximum.accumulate(np.where(rho == np.maximum.accumulate(rho), np.arange(rho.size), 0))
        arg_lo = np.maximum.accumulate(np.where(rho == np.minimum.accumulate(rho), np.arange(rho.size), 0))
        j = np.arange(1, rho.size)
        partners = np.concatenate([arg_hi[:-1], arg_lo[:-1]])
        values = rho[partners] - rho[np.concatenate([j, j])]
        top = _top(values, count, peaks=True)
        cols = self.column_index(partners[top], np.concatenate([j, j])[top])
        return Pricing(float(np.abs(values).max(initial=0.0)), cols, values[top])
