r"""The 4-layer absolute-value library priced exactly without storing it (paper, v4 Theorem 3.2).

The library of :func:`~lmirrors.libraries.reflections.pinned_parameters` at depth 4 has about
$30N^3$ columns. Every unit $f_a(x) = |||x - a_1| - a_2| - a_3|$, for *any* real $a$, is on the
real line a signed sum of distances to seven kinks plus a constant: with $s = |x - a_1|$,
$b = a_3^+$ and $(\cdot)^+ = \max(\cdot, 0)$,

$$ ||s - a_2| - a_3| = -s + a_2 - a_3 + 2(s - (a_2 - b))_+ - 2(s - a_2)_+ + 2(s - (a_2 + b))_+ , $$

and $2(|x - t| - c)_+ = |x - t - c^+| + |x - t + c^+| - 2c$ give

$$ f_a(x) = \sum_{j=1}^{7} \sigma_j\,|x - \kappa_j| - (a_2 + a_3), \qquad
   \sigma = (-1;\ +1, +1;\ -1, -1;\ +1, +1), $$

$$ \kappa = \bigl(a_1;\ a_1 \pm (\min(a_2 - a_3, a_2))^+;\ a_1 \pm a_2^+;\ a_1 \pm (\max(a_2 + a_3, a_2))^+\bigr), $$

each $\kappa_j$ a maximum or minimum of kink forms. Hence with
$\Phi(t) = \sum_m r_m |x_m - t|$ (piecewise linear, kinks at the data) a column's correlation is
$a_j^\top r = \sum_j \sigma_j \Phi(\kappa_j) - (a_2 + a_3)\sum_m r_m$: seven lookups.

Columns are identified by a pinning: a type (one independent subset of kink forms, at depth 2,
3 or 4, as in :func:`~lmirrors.libraries.reflections.independent_pinnings`) and the indices of
the distinct data points its forms are pinned to. Every index tuple is a column (``id`` =
type offset + the tuple in base $N$), also those whose $a_2$ or $a_3$ come out negative: they are
realisable units too (a lower-depth unit plus a constant), so they are a superset of the library
that every realisable unit's correlation bounds; by the vertex lemma the largest $|a_j^\top r|$
over it is the library's. Repeated columns (different pinnings, same unit) are harmless: the
Lasso optimum and the pricing maximum do not change.

Pricing is branch and bound over boxes of index tuples: on a box each kink form ranges over an
interval (a linear function of the pinned points, extreme at the box's corners), so each
$\kappa_j$ does too, and $\Phi$ over an interval is extreme at its ends or at a data point
inside (a sparse table of range maxima and minima). Boxes whose bound on $|a_j^\top r|$ is below
the ``count``-th best value found are dropped; the others are halved until they hold a handful
of tuples, which are evaluated exactly. The result is the exact maximum and the exact ``count``
largest (up to ties), never touching most of the $O(N^3)$ columns.

The search is breadth first in numpy over many boxes at once (halving, pruning, keeping the
best); bounding a box and evaluating a tuple are compiled loops
(``lmirrors.libraries.mirror_kernels``, about 20 times faster per box than the same
arithmetic vectorised in numpy), each kink placed among the data by a binary search and range
extrema two lookups in a sparse table. The certifying pricing at the end of a fit at N = 100 bounds about
$5\cdot10^5$ boxes and evaluates as many tuples of the $3\cdot10^7$ columns: the median of those
is under half the maximum, so the bounds of the smallest boxes are still about twice too large.
A working-set fit asks only for the columns above $\beta$ (:meth:`DeepMirrorDictionary.price_above`),
which drops also every box bounded below it.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..activations import Activation
from ..convex.dictionary import Dictionary, Pricing, top_indices
from .features import Feature
from .reflections import Pinnings, chain_values, independent_pinnings, kink_forms, mirror_feature

DEPTH = 4
CHORD_POINTS = 8
"""A kink whose interval holds at most this many data points is bounded through $\\Phi$'s chord there
(``mirror_kernels.box_bounds``)."""
LEAF = 8
"""Boxes with at most this many index tuples are evaluated tuple by tuple."""
CHUNK = 1 << 18
"""Boxes or tuples handled per vectorised step (bounds the working memory)."""


def _types() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Per pinning type: its depth, subset number, number of pins $p$ and the $3\times3$ matrix
    $C$ with $a = C\,(x_{i_1}, x_{i_2}, x_{i_3})$ (columns beyond $p$ are zero)."""
    depths, subsets, pins, matrices = [], [], [], []
    for depth in range(2, DEPTH + 1):
        forms = kink_forms(depth)
        for s, subset in enumerate(independent_pinnings(depth)):
            C = np.zeros((DEPTH - 1, DEPTH - 1))
            C[: depth - 1, : depth - 1] = np.linalg.inv(forms[list(subset)])
            depths.append(depth)
            subsets.append(s)
            pins.append(depth - 1)
            matrices.append(C)
    return np.array(depths), np.array(subsets), np.array(pins), np.array(matrices)


class DeepMirrorDictionary(Dictionary):
    r"""The depth-4 absolute-value library on ``x`` (depths 2–4 pinnings), matrix-free.

    Memory $O(N \log N)$; products and Gram matrices of a few columns evaluate them explicitly,
    correlations take seven lookups per column (so ``rmatvec`` is $O(M)$); pricing is exact
    branch and bound (module docstring). Column ``k`` is :meth:`parameters` ``(k)``'s unit.
    """

    def __init__(self, x) -> None:
        self.x = np.asarray(x, dtype=float)
        self.points, self.inverse = np.unique(self.x, return_inverse=True)
        if self.points.size < 2:
            raise ValueError("need at least two distinct x values")
        n = self.points.size
        self.type_depth, self.type_subset, self.type_pins, self.type_matrix = _types()
        counts = n ** self.type_pins.astype(np.int64)
        self.type_offset = np.concatenate([[0], np.cumsum(counts)])
        self.shape = (self.x.size, int(self.type_offset[-1]))
        # rows: the seven kink forms, then a_2 + a_3 (the constant), in the pinned points
        rows = np.vstack([kink_forms(DEPTH), [0.0, 1.0, 1.0]])
        self.type_rows = np.einsum("fk,tkc->tfc", rows, self.type_matrix)
        self.type_reach = np.abs(self.type_rows[:, :7]).sum(axis=1)  # how far a pin moves the kinks
        self.centre = 0.5 * (self.points[0] + self.points[-1])
        self.ps = self.points - self.centre

    # ----- ids ---------------------------------------------------------------------------------
    def decode(self, cols) -> tuple[np.ndarray, np.ndarray]:
        """Type and pinned point indices (padded with 0 to three) of columns ``cols``."""
        cols = np.asarray(cols, dtype=np.int64)
        if np.any((cols < 0) | (cols >= self.shape[1])):
            raise ValueError(f"column ids must lie in [0, {self.shape[1]}), got {cols}")
        kind = np.searchsorted(self.type_offset, cols, side="right") - 1
        local = cols - self.type_offset[kind]
        n = self.points.size
        pins = np.zeros((cols.size, DEPTH - 1), dtype=np.int64)
        for level in range(DEPTH - 2, -1, -1):
            inside = level < self.type_pins[kind]
            pins[inside, level] = local[inside] % n
            local = np.where(inside, local // n, local)
        return kind, pins

    def encode(self, kind: np.ndarray, pins: np.ndarray) -> np.ndarray:
        """Column ids of pinnings (inverse of :meth:`decode`)."""
        n = self.points.size
        local = np.zeros(kind.size, dtype=np.int64)
        for level in range(DEPTH - 1):
            inside = level < self.type_pins[kind]
            local = np.where(inside, local * n + pins[:, level], local)
        return self.type_offset[kind] + local

    def parameters(self, cols) -> np.ndarray:
        """The unit parameters $a$ (one row per column) of columns ``cols``."""
        kind, pins = self.decode(cols)
        return np.einsum("mkc,mc->mk", self.type_matrix[kind], self.points[pins])

    def pinnings(self, cols) -> Pinnings:
        """Columns ``cols`` as :class:`~lmirrors.libraries.reflections.Pinnings` rows (for labels)."""
        kind, pins = self.decode(cols)
        return Pinnings(self.points, self.parameters(cols), self.type_depth[kind], self.type_subset[kind], pins)

    # ----- products of a few columns --------------------------------------------------------
    def columns(self, cols):
        return chain_values(self.parameters(np.atleast_1d(cols)), self.x)

    def matvec_columns(self, cols, coef):
        return self.columns(cols) @ np.asarray(coef, dtype=float)

    def correlations(self, r, cols):
        """$A_{:,\\text{cols}}^\\top r$ by seven lookups per column (any number of columns, $O(N)$ set-up)."""
        pricer = _Pricer(self, np.asarray(r, dtype=float))
        cols = np.asarray(cols, dtype=np.int64)
        out = np.empty(cols.size)
        for start in range(0, cols.size, CHUNK):
            out[start : start + CHUNK] = pricer.value(*self.decode(cols[start : start + CHUNK]))
        return out

    def gram(self, cols):
        A = self.columns(cols)
        A = A - A.mean(axis=0)
        return A.T @ A

    # ----- pricing ------------------------------------------------------------------------------
    def price(self, r, count=0):
        return _Pricer(self, np.asarray(r, dtype=float)).run(max(int(count), 1), count)

    def price_above(self, r, level, count):
        """The search of ``price()`` dropping also every box whose bound is at most ``level``: near
        the optimum most of the library lies just below it. ``max_abs`` is exact when it exceeds
        ``level``, else ``level`` (the search proved the maximum no larger)."""
        pricing = _Pricer(self, np.asarray(r, dtype=float), floor=level).run(max(int(count), 1), count)
        above = np.abs(pricing.values) > level
        return Pricing(max(pricing.max_abs, level), pricing.indices[above], pricing.values[above])


class _Pricer:
    r"""One pricing pass: $\Phi$ for the residual $r$, its range extrema, the branch and bound."""

    def __init__(self, D: DeepMirrorDictionary, r: np.ndarray, floor: float = 0.0) -> None:
        self.D, self.floor = D, floor
        rs = np.bincount(D.inverse, weights=r, minlength=D.ps.size)  # r summed per distinct point
        self.total0, self.total1 = float(rs.sum()), float(rs @ D.ps)
        self.c0 = np.concatenate([[0.0], np.cumsum(rs)])
        self.c1 = np.concatenate([[0.0], np.cumsum(rs * D.ps)])
        # numba is imported on the first pricing, not with lmirrors (it costs 0.3 s and 55 MB)
        from . import mirror_kernels

        self.kernels = mirror_kernels
        # Phi at the data points (i + 1 points are <= the i-th) and its range extrema
        phi = mirror_kernels.phi(D.ps, np.arange(1, D.ps.size + 1), self.c0, self.c1, self.total0, self.total1)
        self.high, self.low = _sparse_table(phi, np.maximum), _sparse_table(phi, np.minimum)
        # what the compiled kernels read: forms, points, prefix sums of r and of r x
        self.tables = (D.type_rows, D.ps, self.c0, self.c1, self.total0, self.total1)
        # round-off allowance of a bound: a few ulps of the terms it adds up
        self.slack = 1e-12 * (8 * np.abs(phi).max() + abs(self.total0) * np.ptp(D.ps) * 4 + 1e-300)
        self.best_cols = np.zeros(0, dtype=np.int64)
        self.best_vals = np.zeros(0)

    def value(self, kind: np.ndarray, pins: np.ndarray) -> np.ndarray:
        r"""$a^\top r$ of the pinnings, exactly (seven lookups of $\Phi$ each)."""
        out = np.empty(kind.size)
        self.kernels.unit_values(kind, pins, *self.tables, out)
        return out

    def bound(self, kind: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        r"""An upper bound of $|a^\top r|$ over each box of index tuples."""
        out = np.empty(kind.size)
        self.kernels.box_bounds(kind, lo, hi, *self.tables, self.high, self.low, CHORD_POINTS, out)
        return out

    def offer(self, kind: np.ndarray, pins: np.ndarray, count: int) -> None:
        """Evaluate pinnings exactly and keep the ``count`` best so far."""
        for start in range(0, kind.size, CHUNK):
            k, p = kind[start : start + CHUNK], pins[start : start + CHUNK]
            values = self.value(k, p)
            better = np.abs(values) >= self.threshold(count)
            cols = np.concatenate([self.best_cols, self.D.encode(k[better], p[better])])
            vals = np.concatenate([self.best_vals, values[better]])
            cols, first = np.unique(cols, return_index=True)
            vals = vals[first]
            keep = top_indices(vals, count)
            self.best_cols, self.best_vals = cols[keep], vals[keep]

    def threshold(self, count: int) -> float:
        """The ``count``-th best $|a^\\top r|$ found so far (0 before there are that many), at least
        the floor: what is no larger is not wanted."""
        return max(float(abs(self.best_vals[-1])) if self.best_vals.size >= count else 0.0, self.floor)

    def run(self, count: int, wanted: int) -> Pricing:
        n = self.D.points.size
        kind = np.arange(self.D.type_pins.size)
        lo = np.zeros((kind.size, DEPTH - 1), dtype=np.int64)
        hi = np.where(np.arange(DEPTH - 1)[None, :] < self.D.type_pins[:, None], n - 1, 0)
        while kind.size:
            # a representative of each box first: it raises the threshold before the bounds prune
            self.offer(kind, (lo + hi) // 2, count)
            keep = np.zeros(kind.size, dtype=bool)
            for start in range(0, kind.size, CHUNK):
                part = slice(start, start + CHUNK)
                keep[part] = self.bound(kind[part], lo[part], hi[part]) > self.threshold(count) + self.slack
            kind, lo, hi = kind[keep], lo[keep], hi[keep]
            size = hi - lo + 1
            small = size.prod(axis=1) <= LEAF
            self.offer(*_expand(kind[small], lo[small], size[small]), count)
            kind, lo, hi, size = kind[~small], lo[~small], hi[~small], size[~small]
            # halve every box along the side that moves its kinks most
            reach = self.D.type_reach[kind] * (self.D.ps[hi] - self.D.ps[lo])
            axis = np.argmax(np.where(size > 1, reach, -1.0), axis=1)
            rows = np.arange(kind.size)
            middle = lo[rows, axis] + size[rows, axis] // 2
            upper_lo, lower_hi = lo.copy(), hi.copy()
            upper_lo[rows, axis] = middle
            lower_hi[rows, axis] = middle - 1
            # the halves side by side: the boxes stay sorted by type
            kind = np.repeat(kind, 2)
            lo, hi = np.stack([lo, upper_lo], axis=1).reshape(-1, DEPTH - 1), np.stack([lower_hi, hi], axis=1).reshape(-1, DEPTH - 1)
        top = np.abs(self.best_vals)
        return Pricing(float(top.max(initial=0.0)), self.best_cols[:wanted], self.best_vals[:wanted])


def _sparse_table(values: np.ndarray, join) -> np.ndarray:
    """Row ``k``, entry ``i``: ``join`` (max or min) of ``values[i : i + 2**k]`` (rows padded at the
    end, where no window of that length starts), so a range is two lookups (``mirror_kernels.box_bounds``)."""
    rows = [values]
    while 2 ** len(rows) <= values.size:
        half = 2 ** (len(rows) - 1)
        rows.append(np.concatenate([join(rows[-1][:-half], rows[-1][half:]), rows[-1][-half:]]))
    return np.array(rows)


def _expand(kind: np.ndarray, lo: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every index tuple of each box (boxes given by their first corner and side lengths)."""
    volume = size.prod(axis=1)
    owner = np.repeat(np.arange(kind.size), volume)
    local = np.arange(owner.size) - np.repeat(np.cumsum(volume) - volume, volume)
    pins = np.empty((owner.size, DEPTH - 1), dtype=np.int64)
    for level in range(DEPTH - 2, -1, -1):
        side = size[owner, level]
        pins[:, level] = lo[owner, level] + local % side
        local //= side
    return kind[owner], pins


def deep_mirror_features(D: DeepMirrorDictionary, activation: Activation):
    """The :class:`Feature` of column ``k`` of ``D`` (a function of ``k``; only the columns asked for are labelled)."""
    return partial(_deep_mirror_feature, D, activation)


def _deep_mirror_feature(D: DeepMirrorDictionary, activation: Activation, k: int) -> Feature:
    return mirror_feature(D.pinnings([k]), 0, activation)
