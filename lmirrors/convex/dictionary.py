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
deep absolute-value units ($\le 2^{L-1}$ ramps each) and, via
:meth:`RampDictionary.from_matrix`, any library given by its values on the data (a vector
on sorted data is its piecewise-linear interpolant, whose slope changes are second
differences; they are sparse for the paper's features, e.g. 2 per sign pattern switch).
With suffix sums on sorted data,

$$ \rho_k = \sum_{x_m > \tau_k} r_m (x_m - \tau_k),\qquad
   (Wu\text{ applied}) (x_m) = \sum_{\tau_k < x_m} u_k (x_m - \tau_k) $$

cost $O(N + K)$, so $A^\top r = W^\top\rho + e\,\mathbf 1^\top r$ and $Az$ cost
$O(N + K + \mathrm{nnz}(W))$.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Pricing:
    """Result of a pricing pass: the largest $|A_j^\\top r|$ and the most violated columns."""

    max_abs: float
    indices: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Coarsening:
    r"""A smaller problem of the same kind whose solution seeds the working set of a large one.

    Its solution for labels ``labels`` and penalty ``scale`` $\cdot\,\beta$ gives, through
    ``lift(columns, coefficients)``, columns and coefficients of the large dictionary to start from.
    Only a starting point: the large problem is still solved and certified on its own.
    """

    dictionary: Dictionary
    labels: np.ndarray
    scale: float
    lift: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def top_indices(values: np.ndarray, count: int, peaks: bool = False) -> np.ndarray:
    """Indices of the ``count`` entries of largest magnitude, largest first.

    With ``peaks``, local maxima of $|v|$ in index order come first: neighbouring columns of
    an ordered library (ramps at adjacent kinks) are nearly equal, and one column per peak
    finds the distinct features of the solution in fewer rounds.
    """
    if peaks and values.size > 2:
        a = np.abs(values)
        padded = np.concatenate([[-1.0], a, [-1.0]])
        is_peak = (a >= padded[:-2]) & (a >= padded[2:])
        first = np.flatnonzero(is_peak)[top_indices(values[is_peak], count)]
        if first.size >= count:  # enough peaks: the other entries are not needed
            return first
        rest = np.setdiff1d(top_indices(values, count), first)
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

    def columns(self, cols: np.ndarray) -> np.ndarray:
        """$A_{:,\\text{cols}}$ written down: an $N \\times |\\text{cols}|$ array."""
        out = np.zeros((self.shape[0], len(cols)))
        for k, c in enumerate(cols):
            out[:, k] = self.matvec_columns(np.array([c]), np.ones(1))
        return out

    def gram(self, cols: np.ndarray) -> np.ndarray:
        """Centred Gram matrix $A_{c,S}^\\top A_{c,S}$ of the columns ``cols``."""
        raise NotImplementedError

    def price(self, r: np.ndarray, count: int = 0) -> Pricing:
        """$\\max_j |A_j^\\top r|$ and the ``count`` largest $|A_j^\\top r|$ (``r`` of zero mean)."""
        raise NotImplementedError

    def rmatvec(self, r: np.ndarray) -> np.ndarray:
        """$A^\\top r$ for all columns (memory $O(M)$)."""
        return self.correlations(r, np.arange(self.shape[1]))

    def price_above(self, r: np.ndarray, level: float, count: int) -> Pricing:
        """At most ``count`` columns with $|A_j^\\top r| >$ ``level``, most violated first, and
        $\\max_j |A_j^\\top r|$ (or, where a dictionary says so, ``level`` when the maximum is no
        larger: an upper bound, all a certificate needs). Here those among the ``count`` largest
        of :meth:`price`."""
        pricing = self.price(r, count)
        above = np.abs(pricing.values) > level
        return Pricing(pricing.max_abs, pricing.indices[above], pricing.values[above])

    def coarsened(self, y: np.ndarray) -> Coarsening | None:
        """A smaller problem whose solution is a good working set for labels ``y`` (none here)."""
        return None


class ColumnSubset(Dictionary):
    """Columns ``cols`` of another dictionary, in that order (products go to the parent)."""

    def __init__(self, parent: Dictionary, cols: np.ndarray) -> None:
        self.parent = parent
        self.cols = np.asarray(cols, dtype=np.int64)
        self.shape = (parent.shape[0], self.cols.size)

    def matvec_columns(self, cols, coef):
        return self.parent.matvec_columns(self.cols[cols], coef)

    def correlations(self, r, cols):
        return self.parent.correlations(r, self.cols[cols])

    def columns(self, cols):
        return self.parent.columns(self.cols[cols])

    def gram(self, cols):
        return self.parent.gram(self.cols[cols])

    def price(self, r, count=0):
        values = self.rmatvec(r)
        top = top_indices(values, count)
        return Pricing(float(np.abs(values).max(initial=0.0)), top, values[top])


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

    def columns(self, cols):
        return self.A[:, cols]

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
                keep = top_indices(values, count)
                best_idx = np.concatenate([best_idx, keep + start])
                best_val = np.concatenate([best_val, values[keep]])
                sel = top_indices(best_val, count)
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

    def columns(self, cols):
        Ws = self.column_weights(cols)
        used = np.unique(Ws.indices)
        ramps = np.maximum(self.x[:, None] - self.centre - self.kinks[None, used], 0.0)
        return ramps @ Ws[used].toarray() + self.column_offsets(cols)

    def dense(self) -> np.ndarray:
        """The explicit matrix $A$ (rows in the order of ``x``); memory $N \times M$."""
        ramps = np.maximum(self.x[:, None] - self.centre - self.kinks[None, :], 0.0)
        return np.asarray((self.Wt @ ramps.T).T) + self.offsets

    # ----- Dictionary interface -----
    def matvec(self, z):
        z = np.asarray(z, dtype=float)
        return self.ramp_matvec(self.W @ z) + float(self.offsets @ z)

    def column_weights(self, cols: np.ndarray) -> sp.csc_matrix:
        """$W_{:,\text{cols}}$: the ramp weights of the columns ``cols`` (sparse, $K \times |\text{cols}|$)."""
        return self.W[:, cols]

    def column_offsets(self, cols: np.ndarray) -> np.ndarray:
        """$e_\text{cols}$: the offsets of the columns ``cols``."""
        return self.offsets[cols]

    def matvec_columns(self, cols, coef):
        u = self.column_weights(cols) @ coef
        return self.ramp_matvec(u) + float(self.column_offsets(cols) @ coef)

    def rmatvec(self, r):
        return self.Wt @ self.ramp_correlations(r) + self.offsets * float(np.sum(r))

    def correlations(self, r, cols):
        rho = self.ramp_correlations(r)
        return self.column_weights(cols).T @ rho + self.column_offsets(cols) * float(np.sum(r))

    def price(self, r, count=0):
        values = self.rmatvec(r)
        top = top_indices(values, count, peaks=True)
        return Pricing(float(np.abs(values).max(initial=0.0)), top, values[top])

    def gram(self, cols):
        Ws = self.column_weights(cols)
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

    @classmethod
    def from_terms(cls, x, positions, weights, columns, offsets) -> RampDictionary:
        r"""A dictionary from triplets: column ``columns[i]`` has ``weights[i]`` on the ramp at
        ``positions[i]`` (repeats add up); ``offsets`` $e$ has one entry per column. Kinks closer
        than $10^{-13}\max|\tau|$ (round-off) are merged."""
        kinks, rows = np.unique(positions, return_inverse=True)
        new = np.concatenate([[True], np.diff(kinks) > 1e-13 * np.abs(kinks).max()])
        rows = (np.cumsum(new) - 1)[rows]
        W = sp.csc_matrix((weights, (rows, columns)), shape=(int(new.sum()), offsets.size))
        W.sum_duplicates()
        W.eliminate_zeros()
        return cls(x, kinks[new], W, offsets)


class BlockDictionary(Dictionary):
    r"""Dictionaries on the same rows side by side: $A = [A_1\ A_2\ \cdots\ A_d]$.

    Block $b$ holds the global columns ``offsets[b]`` to ``offsets[b+1] - 1``. Products and
    pricing run block by block, $A z = \sum_b A_b z_b$ and $A^\top r = (A_1^\top r, \dots,
    A_d^\top r)$, so the cost is the sum of the blocks' costs. The centred Gram matrix of a few
    columns is $A_{c,S}^\top A_{c,S}$ from their explicit centred columns (each block's
    :meth:`~Dictionary.columns`), kept once made: a working set grows by a few columns at a time.
    """

    def __init__(self, blocks: list[Dictionary]) -> None:
        self.blocks = list(blocks)
        if not self.blocks:
            raise ValueError("a block dictionary needs at least one block")
        rows = {block.shape[0] for block in self.blocks}
        if len(rows) != 1:
            raise ValueError(f"every block must have the same number of rows, got {sorted(rows)}")
        self.offsets = np.cumsum([0, *(block.shape[1] for block in self.blocks)])
        self.shape = (rows.pop(), int(self.offsets[-1]))
        self._centred: dict[int, np.ndarray] = {}  # centred explicit columns, kept for later Gram matrices

    def split(self, cols: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """``(block, positions in cols, local columns)`` for every block that ``cols`` touches."""
        cols = np.asarray(cols, dtype=np.int64)
        owner = np.searchsorted(self.offsets, cols, side="right") - 1
        return [
            (b, where, cols[where] - self.offsets[b])
            for b in np.unique(owner)
            for where in [np.flatnonzero(owner == b)]
        ]

    def matvec(self, z):
        z = np.asarray(z, dtype=float)
        return sum(
            (block.matvec(z[self.offsets[b] : self.offsets[b + 1]]) for b, block in enumerate(self.blocks)),
            np.zeros(self.shape[0]),
        )

    def matvec_columns(self, cols, coef):
        coef = np.asarray(coef, dtype=float)
        out = np.zeros(self.shape[0])
        for b, where, local in self.split(cols):
            out += self.blocks[b].matvec_columns(local, coef[where])
        return out

    def correlations(self, r, cols):
        out = np.empty(np.size(cols))
        for b, where, local in self.split(cols):
            out[where] = self.blocks[b].correlations(r, local)
        return out

    def rmatvec(self, r):
        return np.concatenate([block.rmatvec(r) for block in self.blocks])

    def price(self, r, count=0):
        priced = [block.price(r, count) for block in self.blocks]
        indices = np.concatenate([p.indices + self.offsets[b] for b, p in enumerate(priced)])
        values = np.concatenate([p.values for p in priced])
        keep = top_indices(values, count)
        return Pricing(max(p.max_abs for p in priced), indices[keep], values[keep])

    def gram(self, cols):
        cols = np.asarray(cols, dtype=np.int64)
        missing = np.array([c for c in cols if c not in self._centred], dtype=np.int64)
        for b, where, local in self.split(missing):
            explicit = self.blocks[b].columns(local)
            for c, column in zip(missing[where], (explicit - explicit.mean(axis=0)).T, strict=True):
                self._centred[int(c)] = column
        C = np.column_stack([self._centred[int(c)] for c in cols]) if cols.size else np.zeros((self.shape[0], 0))
        return C.T @ C


class RowWeights:
    r"""Weighted least squares with an intercept, as an unweighted problem with an intercept.

    With $s = \sqrt w$ (weights $w_n > 0$), $u = s/\|s\|$, $e = \mathbf 1/\sqrt N$ and the
    reflection $H = I - 2vv^\top/v^\top v$, $v = u + e$ (symmetric, $H^2 = I$, $Hu = -e$;
    $\|v\|^2 \ge 2$ since $u, e > 0$), every residual $\rho$ satisfies
    $\min_\xi \sum_n w_n(\rho_n + \xi)^2 = \min_{\xi'} \|H(s\odot\rho) + \xi'\mathbf 1\|^2$: both
    remove the component of $s\odot\rho$ along $u$, which $H$ maps to the constants. Hence the
    weighted Lasso on $(A, y)$ *is* the unweighted one on $(H(s\odot A), H(s\odot y))$, same $z$,
    same optimal objective, and a duality gap of the one certifies the other.
    """

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=float)
        self.root = np.sqrt(self.weights)
        self.v = self.root / np.linalg.norm(self.root) + 1.0 / np.sqrt(self.weights.size)
        self.vv = float(self.v @ self.v)

    def reflect(self, M: np.ndarray) -> np.ndarray:
        """$HM$ for a vector or a matrix with one row per point."""
        return M - np.multiply.outer(self.v, 2.0 * (self.v @ M) / self.vv)

    def forward(self, M: np.ndarray) -> np.ndarray:
        r"""$H(s\odot M)$: labels or columns of the unweighted problem."""
        return self.reflect(self.root.reshape((-1,) + (1,) * (M.ndim - 1)) * M)

    def adjoint(self, r: np.ndarray) -> np.ndarray:
        r"""$s \odot Hr$, so that $(H(s\odot A))^\top r = A^\top(s\odot Hr)$; of zero sum when $r$ is
        ($\mathbf 1^\top(s\odot Hr) = (Hs)^\top r \propto \mathbf 1^\top r$)."""
        return self.root * self.reflect(r)

    def mean(self, values: np.ndarray) -> float:
        r"""The weighted mean $\sum_n w_n v_n / \sum_n w_n$."""
        return float(self.weights @ values / self.weights.sum())


class WeightedDictionary(Dictionary):
    r"""$H(s\odot A)$ of :class:`RowWeights` for a dictionary $A$, matrix-free: each product is
    one of the parent's plus $O(N)$."""

    def __init__(self, parent: Dictionary, rows: RowWeights) -> None:
        self.parent = parent
        self.rows = rows
        self.shape = parent.shape

    def matvec_columns(self, cols, coef):
        return self.rows.forward(self.parent.matvec_columns(cols, coef))

    def correlations(self, r, cols):
        return self.parent.correlations(self.rows.adjoint(r), cols)

    def columns(self, cols):
        return self.rows.forward(self.parent.columns(cols))

    def gram(self, cols):
        As = self.columns(cols)
        As = As - As.mean(axis=0)
        return As.T @ As

    def price(self, r, count=0):
        return self.parent.price(self.rows.adjoint(r), count)

    def price_above(self, r, level, count):
        return self.parent.price_above(self.rows.adjoint(r), level, count)
