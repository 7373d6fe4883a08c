r"""A library on data: the distinct features of an architecture and their matrix.

For an architecture, the *library* on data $x_1 < \dots < x_N$ is a finite set of normalised
units whose Lasso $\min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1$ has the
same optimal value as training the network. Columns equal up to an additive constant or a
sign give the same Lasso (the unpenalised bias $\xi$ absorbs constants, $z$ carries signs),
so a library keeps one of each and drops the columns that are constant on the data.

A feature is any object with ``__call__(x)`` (its values), ``label`` (words) and
``breakpoints`` (where it bends or switches): :class:`~lmirrors.libraries.features.Feature`
for piecewise-linear units, :class:`~lmirrors.libraries.switching.SignPattern` for sign units.
Features are made only when asked for (:class:`LazyFeatures`): a library may have millions of
columns, of which a solution uses a few.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Candidates:
    """A theorem's candidate features: how many, their values at any ``x``, and feature ``k``."""

    count: int
    values: Callable[[np.ndarray], np.ndarray]
    feature: Callable[[int], Any]


class LazyFeatures(Sequence):
    """``features[k]`` is ``make(index[k])``, built on first access and kept."""

    def __init__(self, index: np.ndarray, make: Callable[[int], Any]) -> None:
        self.index = np.asarray(index, dtype=np.int64)
        self.make = make
        self._made: dict[int, Any] = {}

    def __len__(self) -> int:
        return self.index.size

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = range(len(self))[k]  # negative indices, bounds
        if k not in self._made:
            self._made[k] = self.make(int(self.index[k]))
        return self._made[k]

    def __reduce__(self):
        """Pickled as the list of every feature (its ``make`` may be a closure over a whole library)."""
        return list, (list(self),)


def first_rows(key: np.ndarray) -> np.ndarray:
    r"""Sorted indices of the first occurrence of each distinct row of the integer matrix ``key``.

    The same indices as ``np.sort(np.unique(key, axis=0, return_index=True)[1])`` without
    sorting rows: a 64-bit hash $h = K w \bmod 2^{64}$ per row, one sort of the hashes, the
    smallest index of each run of equal hashes, then every row is compared exactly with its
    run's first row (a collision falls back to ``np.unique``).
    """
    key = np.ascontiguousarray(key, dtype=np.int64)
    if key.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    weights = np.random.default_rng(15).integers(1, 2**62, size=key.shape[1], dtype=np.int64)
    h = key @ weights  # int64 arithmetic wraps around: a hash
    order = np.argsort(h)
    sorted_h = h[order]
    new = np.concatenate([[True], sorted_h[1:] != sorted_h[:-1]])
    first = np.minimum.reduceat(order, np.flatnonzero(new))
    if not np.array_equal(key[order], key[first[np.cumsum(new) - 1]]):
        first = np.unique(key, axis=0, return_index=True)[1]
    return np.sort(first)


def distinct_columns(A: np.ndarray, decimals: int = 9) -> np.ndarray:
    """Indices of one representative per class of columns equal up to sign and constant.

    Constant columns are dropped. Representatives keep their original order. The tolerance is
    relative: $10^{-\text{decimals}}$ times the largest entry of the centred matrix, so the
    result does not change when ``A`` is rescaled or shifted by constants.
    """
    C = np.array(A.T)  # one row per column: the passes below run along contiguous rows
    C -= C.mean(axis=1, keepdims=True)
    scale = np.abs(C).max(axis=1, initial=0.0)
    tol = 10.0 ** (-decimals) * max(float(scale.max(initial=0.0)), 1e-300)
    nonconstant = np.flatnonzero(scale > tol)
    C = C[nonconstant]
    first = np.argmax(np.abs(C) > tol, axis=1)
    C *= np.sign(C[np.arange(C.shape[0]), first])[:, None]
    C /= tol
    return nonconstant[first_rows(np.rint(C, out=C))]


@dataclass
class Library:
    """Distinct features of an architecture and their matrix ``A[n, k] = feature_k(x_n)``.

    ``n_candidates`` counts the theorem's candidates before duplicates were merged. When a
    solver priced the library without writing it down (matrix-free, column generation, closed
    form), only the columns it used are here: ``complete`` is False and ``how`` says which
    (``n_candidates = 0``: a continuum of candidates, as for weight decay on 2-D data).
    """

    architecture: Any
    x: np.ndarray
    features: Sequence
    A: np.ndarray = field(repr=False)
    n_candidates: int
    complete: bool = True
    how: str = ""

    @classmethod
    def from_candidates(cls, architecture, x: np.ndarray, candidates: Candidates) -> Library:
        """Evaluate every candidate at ``x``, keep one column per class (:func:`distinct_columns`)."""
        A = candidates.values(x)
        keep = distinct_columns(A)
        return cls(architecture, x, LazyFeatures(keep, candidates.feature), A[:, keep], candidates.count)

    def bounds(self) -> tuple[float, float]:
        """The smallest and the largest x."""
        return float(self.x.min()), float(self.x.max())

    @property
    def size(self) -> int:
        """Number of distinct, non-constant columns (written down)."""
        return len(self.features)

    def __len__(self) -> int:
        return self.size

    def summary(self) -> str:
        head = f"{self.architecture.name} library on N = {np.unique(self.x, axis=0).shape[0]} points: "
        if not self.complete:
            count = f"{self.n_candidates:,} candidate features, " if self.n_candidates else ""
            return head + f"{count}{self.how}; {self.size} written down"
        return head + f"{self.n_candidates:,} candidate features, {self.size} distinct non-constant columns"


class DeferredLibrary(Library):
    """A :class:`Library` of columns a solver chose (``complete=False``) whose matrix ``A`` is
    written down by ``write()`` on first access: a closed form whose columns are as long as the
    data and as many costs only what is asked of it."""

    def __init__(
        self,
        architecture,
        x: np.ndarray,
        features: Sequence,
        write: Callable[[], np.ndarray],
        n_candidates: int,
        how: str,
    ) -> None:
        self.architecture, self.x, self.features = architecture, x, features
        self.n_candidates, self.complete, self.how = n_candidates, False, how
        self._write = write

    @cached_property
    def A(self) -> np.ndarray:
        return self._write()
