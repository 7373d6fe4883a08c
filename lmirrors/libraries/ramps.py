r"""Two-layer networks: the ramp library (paper, v4 Section 3, the two-layer theorem).

A two-layer unit with a piecewise-linear activation $\sigma$ (ReLU, leaky ReLU with slope
$\gamma$, absolute value) is, once normalised, $\sigma(d\,(x - t))$ with direction $d = \pm1$
and kink $t$. On the data $x_1 < \dots < x_N$ the correlation $|r^\top \sigma(d(X - t))|$ is
piecewise linear in $t$ with breaks at the data, so its maximum sits at a data point: the
library is

* ReLU: $(x - x_n)_+$ and $(x_n - x)_+$ ($2N$ candidates; $(x - x_1)_+$ is the linear feature);
* leaky ReLU: $\sigma_\gamma(x - x_n)$ and $\sigma_\gamma(x_n - x)$ ($2N$);
* absolute value: $|x - x_n|$ ($N$).

Columns equal up to a constant or a sign (and constant columns) are dropped when the dense
library is built; :func:`two_layer_columns` lists the survivors in the same order, which is
what :func:`two_layer_dictionary` stores matrix-free in $O(N)$ memory.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, partial

import numpy as np
import scipy.sparse as sp

from ..activations import Activation, get_activation
from ..convex.dictionary import Coarsening, Dictionary, Pricing, RampDictionary, top_indices
from .features import Feature, number, x_minus
from .library import Candidates


def ramp(t: float, direction: int, activation: Activation) -> Feature:
    r"""The two-layer feature $\sigma(d\,(x - t))$ with kink at $t$ and direction $d = \pm 1$."""
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction}")
    inner = x_minus(t) if direction == 1 else ("−x" if t == 0 else f"{number(t)} − x")
    label = {
        "relu": f"ramp ({inner})₊",
        "leaky_relu": f"leaky ramp σ({inner})",
        "abs": f"|{x_minus(t)}|",
    }[activation.name]
    return Feature(activation, (float(direction),), (-direction * float(t),), (float(t),), label, ("data",))


def ramp_candidates(kinks: np.ndarray, activation: Activation) -> Candidates:
    r"""$\sigma(d(x - t))$ for every kink $t$ in ``kinks`` and $d = +1$, then $d = -1$ (abs: $d = +1$ only)."""
    directions = (1,) if activation.name == "abs" else (1, -1)
    t = np.concatenate([kinks for _ in directions])
    d = np.repeat(directions, kinks.size)
    return Candidates(
        t.size,
        lambda x: activation(d[None, :] * (np.asarray(x, dtype=float)[:, None] - t[None, :])),
        partial(_ramp_of, t, d, activation),
    )


def _ramp_of(kinks: np.ndarray, directions: np.ndarray, activation: Activation, k: int) -> Feature:
    return ramp(kinks[k], int(directions[k]), activation)


def two_layer_columns(x, activation: str | Activation = "relu", slope: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    r"""Kink $t_j$ and direction $d_j = \pm1$ of every column $\sigma(d_j(x - t_j))$ of the 2-layer library.

    The order of the dense library on sorted distinct data $x_1<\dots<x_N$, which drops
    constants and duplicates: ReLU $(x - x_n)_+$, $n < N$, then $(x_n - x)_+$, $1 < n < N$;
    leaky ReLU $\sigma(x - x_n)$ for all $n$, then $\sigma(x_n - x)$, $1 < n < N$; abs
    $|x - x_n|$, $n < N$.
    """
    activation = get_activation(activation, slope)
    xs = np.unique(np.asarray(x, dtype=float))
    if activation.name == "abs":
        blocks = [(xs[:-1], 1)]
    elif activation.name == "relu" or activation.slope == 0.0:
        blocks = [(xs[:-1], 1), (xs[1:-1], -1)]
    else:
        blocks = [(xs, 1), (xs[1:-1], -1)]
    kinks = np.concatenate([t for t, _ in blocks])
    return kinks, np.concatenate([np.full(t.size, d) for t, d in blocks])


COARSE_FACTOR = 8
"""Consecutive sorted points averaged into one point of the coarsened problem (:meth:`TwoLayerDictionary.coarsened`)."""
COARSE_BELOW = 32768
"""Data with fewer points are solved as they are, not through a coarsened problem."""


class TwoLayerDictionary(RampDictionary):
    r"""The 2-layer library on data ``x`` (any order, repeats allowed), matrix-free in $O(N)$ memory.

    On the distinct sorted points $u_0 < \dots < u_{K-1}$ every column is
    $a_j = l_j\,(x - u_{k_j}) + s_j\,(x - u_{k_j})_+$, one kink per column, in blocks of
    consecutive kinks with the same $(s, l)$: ReLU $(x - u_k)_+$ ($s = 1, l = 0$, $k < K - 1$) then
    $(u_k - x)_+$ ($s = 1$, $l = -1$, $0 < k < K - 1$); leaky ReLU $\sigma_\gamma(\pm(x - u_k))$
    ($s = 1 - \gamma$, $l = \gamma$ or $-1$); absolute value $|x - u_k|$ ($s = 2$, $l = -1$), the
    order of :func:`two_layer_columns`. With $R_j = \sum_{x_m > u_j} r_m$ the ramp correlations are

    $$ \rho_k = \sum_{x_m > u_k} r_m (x_m - u_k) = \sum_{j \ge k} (u_{j+1} - u_j)\,R_j, $$

    two cumulative sums of sorted data, and $a_j^\top r = s_j\rho_{k_j} + l_j(\rho_0 + (u_0 - u_{k_j})\mathbf 1^\top r)$:
    a pricing pass costs a gather and two cumulative sums. Products with a few columns cost
    $O(N)$ without sums over all the data (``matvec_columns()``, ``correlations()``) and
    their centred Gram matrix $O(|S|^2)$ from per-kink moments made once (``gram()``).
    """

    def __init__(self, x, activation: Activation) -> None:
        self.x = np.asarray(x, dtype=float)
        self.activation = activation
        self.order = np.argsort(self.x)
        xs = self.x[self.order]
        new = np.diff(xs) > 0
        self.centre = 0.5 * (xs[0] + xs[-1])
        self.xs = xs - self.centre  # centred, so that sums do not cancel
        # last sorted index of each distinct point (None: all points distinct)
        self._ends = None if new.all() else np.append(np.flatnonzero(new), xs.size - 1)
        self.kinks = self.xs if self._ends is None else self.xs[self._ends]
        K = self.kinks.size
        if activation.name == "abs":
            blocks = [(0, K - 1, 2.0, -1.0)]
        elif activation.name == "relu" or activation.slope == 0.0:
            blocks = [(0, K - 1, 1.0, 0.0), (1, K - 1, 1.0, -1.0)]
        else:
            gamma = activation.slope
            blocks = [(0, K, 1.0 - gamma, gamma), (1, K - 1, 1.0 - gamma, -1.0)]
        self.blocks = [(start, max(stop, start), scale, linear) for start, stop, scale, linear in blocks]
        self._start, _, self._scale, self._linear = (np.array(column) for column in zip(*self.blocks, strict=True))
        self._first_column = np.cumsum([0] + [stop - start for start, stop, _, _ in self.blocks])
        self.shape = (self.x.size, int(self._first_column[-1]))

    # ----- columns -----
    def column_kinks(self, cols) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Kink index $k_j$ (into ``kinks``), ramp weight $s_j$ and linear weight $l_j$ of columns ``cols``."""
        cols = np.asarray(cols, dtype=np.int64)
        block = np.searchsorted(self._first_column, cols, side="right") - 1
        return self._start[block] + cols - self._first_column[block], self._scale[block], self._linear[block]

    def _after(self, k: np.ndarray) -> np.ndarray:
        """First sorted data index to the right of kink ``k``."""
        return k + 1 if self._ends is None else self._ends[k] + 1

    @cached_property
    def W(self) -> sp.csc_matrix:
        return self.column_weights(np.arange(self.shape[1]))

    @cached_property
    def Wt(self) -> sp.csr_matrix:
        return self.W.T.tocsr()

    @cached_property
    def offsets(self) -> np.ndarray:
        return self.column_offsets(np.arange(self.shape[1]))

    def column_weights(self, cols):
        k, s, l = self.column_kinks(cols)
        j = np.arange(k.size)
        # on the data x - t = (x - u_0)_+ + (u_0 - t): the linear part is the ramp at u_0
        return sp.csc_matrix(
            (np.concatenate([s, l]), (np.concatenate([k, np.zeros_like(k)]), np.concatenate([j, j]))),
            shape=(self.kinks.size, k.size),
        )

    def column_offsets(self, cols):
        k, _, l = self.column_kinks(cols)
        return l * (self.kinks[0] - self.kinks[k])

    def columns(self, cols):
        k, s, l = self.column_kinks(cols)
        d = (self.x - self.centre)[:, None] - self.kinks[k]
        return l * d + s * np.maximum(d, 0.0)

    def dense(self) -> np.ndarray:
        return self.columns(np.arange(self.shape[1]))

    # ----- products -----
    def _piecewise(self, k: np.ndarray, w: np.ndarray, linear: float, constant: float) -> np.ndarray:
        r"""$\sum_i w_i (x - u_{k_i})_+ + \text{linear}\cdot x + \text{constant}$ at the data (original
        order; $x$ centred), one affine piece per gap between kinks: $O(N + |k|\log|k|)$."""
        from . import ramp_kernels

        by_kink = np.argsort(k, kind="stable")
        k, w = k[by_kink], w[by_kink]
        bounds = np.concatenate([[0], self._after(k), [self.x.size]])
        slopes = linear + np.concatenate([[0.0], np.cumsum(w)])
        intercepts = constant - np.concatenate([[0.0], np.cumsum(w * self.kinks[k])])
        return ramp_kernels.piecewise(self.xs, self.order, bounds, slopes, intercepts)

    def ramp_matvec(self, u):
        return self._piecewise(np.arange(self.kinks.size), np.asarray(u, dtype=float), 0.0, 0.0)

    def matvec(self, z):
        return Dictionary.matvec(self, np.asarray(z, dtype=float))

    def matvec_columns(self, cols, coef):
        k, s, l = self.column_kinks(cols)
        coef = np.asarray(coef, dtype=float)
        return self._piecewise(k, coef * s, float(coef @ l), -float((coef * l) @ self.kinks[k]))

    @cached_property
    def _gaps(self) -> np.ndarray:
        return np.diff(self.kinks)

    def ramp_correlations(self, r):
        return self._correlate(r)[0]

    @cached_property
    def _after_kinks(self) -> np.ndarray:
        return self._after(np.arange(self.kinks.size - 1))

    def _correlate(self, r: np.ndarray) -> tuple[np.ndarray, float]:
        r""":math:`\rho` at every kink and $\mathbf 1^\top r$: a gather and two suffix sums."""
        from . import ramp_kernels  # compiled: numba loads on the first product, not with lmirrors

        rs = np.asarray(r, dtype=float)[self.order]
        return ramp_kernels.correlate(rs, self._after_kinks, self._gaps)

    def _values(self, r: np.ndarray) -> np.ndarray:
        r"""$a_j^\top r$ for every column, block by block."""
        from . import ramp_kernels

        rho, total = self._correlate(r)
        out = np.empty(self.shape[1])
        for (start, _, scale, linear), first, stop in zip(
            self.blocks, self._first_column[:-1], self._first_column[1:], strict=True
        ):
            ramp_kernels.block_values(rho, total, self.kinks, start, scale, linear, out[first:stop])
        return out

    def rmatvec(self, r):
        return self._values(r)

    def correlations(self, r, cols):
        k, s, l = self.column_kinks(cols)
        needed = np.unique(np.append(k, 0))
        rho, total = self._correlate_at(np.asarray(r, dtype=float), needed)
        return s * rho[np.searchsorted(needed, k)] + l * (rho[0] + total * (self.kinks[0] - self.kinks[k]))

    def _correlate_at(self, r: np.ndarray, kinks: np.ndarray) -> tuple[np.ndarray, float]:
        r""":math:`\rho` at the (sorted, distinct) ``kinks`` only and $\mathbf 1^\top r$: one pass over the
        data without sums over all of it (``ramp_kernels.correlate_at``)."""
        from . import ramp_kernels

        rs = r[self.order]
        return ramp_kernels.correlate_at(rs, self.xs, self.kinks[kinks], self._after(kinks)), float(rs.sum())

    def price(self, r, count=0):
        values = self._values(r)
        best = float(np.abs(values).max(initial=0.0))
        if not count:
            return Pricing(best, np.zeros(0, dtype=np.int64), np.zeros(0))
        top = top_indices(values, count, peaks=True)
        return Pricing(best, top, values[top])

    def price_above(self, r, level, count):
        """Pricing of one column per run of violated columns (``ramp_kernels.peaks``), the ``count`` largest."""
        from . import ramp_kernels

        values = self._values(r)
        best, peaks = ramp_kernels.peaks(values, level, self._first_column)
        keep = peaks[top_indices(values[peaks], count)]
        return Pricing(float(best), keep, values[keep])

    @cached_property
    def _moments(self) -> tuple[np.ndarray, np.ndarray]:
        r"""$P_k = \sum_{x > u_k}(x - u_k)$ and $Q_k = \sum_{x > u_k}(x - u_k)^2$ for every kink, as sums of
        positive terms (no cancellation): with $n_j = \#\{x > u_j\}$ and gaps $\Delta_j$,
        $P_k = \sum_{j\ge k}\Delta_j n_j$, $Q_k = \sum_{j \ge k}\Delta_j(2P_{j+1} + \Delta_j n_j)$."""
        from . import ramp_kernels

        return ramp_kernels.moments(self._after_kinks, self._gaps, self.x.size)

    def gram(self, cols):
        k, s, l = self.column_kinks(cols)
        used = np.unique(np.append(k, 0))  # the linear part is the ramp at u_0
        P, Q = (moment[used] for moment in self._moments)
        tau = self.kinks[used]
        hi = np.maximum.outer(np.arange(used.size), np.arange(used.size))
        ramps = Q[hi] + np.abs(tau[:, None] - tau[None, :]) * P[hi] - np.outer(P, P) / self.x.size
        W = np.zeros((used.size, k.size))
        W[np.searchsorted(used, k), np.arange(k.size)] = s
        W[0] += l
        return W.T @ ramps @ W

    def feature(self, k: int) -> Feature:
        """The :class:`Feature` of column ``k``: its kink is a data point, exactly."""
        kink, _, _ = self.column_kinks(k)
        index = int(kink) if self._ends is None else int(self._ends[kink])
        block = int(np.searchsorted(self._first_column, k, side="right")) - 1
        return ramp(float(self.x[self.order[index]]), -1 if block else 1, self.activation)

    # ----- a smaller problem for the working set -----
    def coarsened(self, y):
        r"""The same library on the averages of :data:`COARSE_FACTOR` consecutive sorted points (and of
        their labels), at $\beta / $ :data:`COARSE_FACTOR` (the loss of a group of $B$ points is about
        $B$ times that of its average); ``None`` below :data:`COARSE_BELOW` points."""
        n = self.x.size
        if n < COARSE_BELOW:
            return None
        starts = np.arange(0, n, COARSE_FACTOR)
        width = np.diff(np.append(starts, n))
        points = np.add.reduceat(self.xs, starts) / width
        labels = np.add.reduceat(np.asarray(y, dtype=float)[self.order], starts) / width
        coarse = TwoLayerDictionary(points, self.activation)
        return Coarsening(coarse, labels, 1.0 / COARSE_FACTOR, partial(self._lift, coarse))

    def _lift(self, coarse: TwoLayerDictionary, cols: np.ndarray, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Columns of ``coarse`` as the columns of this library with the nearest kink (same block), coefficients kept."""
        k, _, _ = coarse.column_kinks(cols)
        block = np.searchsorted(coarse._first_column, cols, side="right") - 1
        at = coarse.kinks[k] + coarse.centre  # in this library's centred coordinates
        right = np.clip(np.searchsorted(self.kinks, at), 1, max(self.kinks.size - 1, 1))
        nearest = right - (at - self.kinks[right - 1] < self.kinks[np.minimum(right, self.kinks.size - 1)] - at)
        start, stop = self._start[block], self._start[block] + np.diff(self._first_column)[block]
        fine = self._first_column[block] + np.clip(nearest, start, stop - 1) - start
        fine, where = np.unique(fine, return_inverse=True)
        return fine, np.bincount(where.reshape(-1), weights=coef, minlength=fine.size)


def two_layer_dictionary(x, activation: str | Activation = "relu", slope: float = 0.01) -> TwoLayerDictionary:
    r"""The 2-layer library as a matrix-free :class:`TwoLayerDictionary`.

    Same columns in the same order as the dense library (see :func:`two_layer_columns`).
    Built in $O(N)$ memory by one sort, so it scales to $N = 10^6$ and beyond.
    """
    return TwoLayerDictionary(x, get_activation(activation, slope))


def two_layer_matrix_free(x, activation: Activation) -> tuple[TwoLayerDictionary, Callable[[int], Feature]]:
    """The matrix-free 2-layer library on ``x`` and the :class:`Feature` of its column ``k`` (a function of ``k``)."""
    dictionary = two_layer_dictionary(x, activation)
    return dictionary, dictionary.feature
