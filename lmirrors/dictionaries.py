r"""Architectures and their finite feature libraries.

For an architecture, the *library* on data $x_1 < \dots < x_N$ is a finite set of
normalised units whose Lasso
$\min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1$ has the same optimal
value as training the network (DESIGN.md section 2). Two-layer libraries:

* ReLU: $(x - x_n)_+$ and $(x_n - x)_+$ for every data point ($2N$);
* leaky ReLU (slope $\gamma$): $\sigma_\gamma(x - x_n)$ and $\sigma_\gamma(x_n - x)$ ($2N$);
* absolute value: $|x - x_n|$ ($N$).

Deep narrow libraries ($L \ge 3$):

* ReLU, any $L \ge 3$: capped ramps $\operatorname{clip}(x, x_i, x_j) - x_i$, $i < j$ ($N(N-1)/2$);
* absolute value: $|\cdots||x - a_1| - a_2| \cdots - a_{L-1}|$ at every vertex of the kink
  arrangement (:mod:`lmirrors.mirrors`): midpoints and reflections at $L = 3$
  ($(3N^2 - N)/2$), reflections of reflections at $L = 4$.

Columns equal up to an additive constant or a sign give the same Lasso (the
unpenalised bias $\xi$ absorbs constants, $z$ carries signs), so the library keeps
one of each and drops the columns that are constant on the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .activations import Activation, get_activation
from .features import Feature, capped_ramp, ramp
from .mirrors import chain_values, pinned_parameters, pinning_count
from .operators import CappedRampDictionary, Dictionary, mirror_dictionary, two_layer_columns, two_layer_dictionary
from .validation import as_1d

SUPPORTED = {2: ("relu", "leaky_relu", "abs")}
# Deep narrow units: capped ramps for ReLU at any depth; the abs vertex enumeration grows like
# N^(L-1) times the number of pinnings (3, 30, 1014 for L = 3, 4, 5), so it stops at L = 5.
MAX_ABS_DEPTH = 5
DEEP_RELU_DEPTHS = range(3, 11)
SUPPORTED.update({d: ("relu", "abs") if d <= MAX_ABS_DEPTH else ("relu",) for d in DEEP_RELU_DEPTHS})


@dataclass(frozen=True)
class Architecture:
    """A parallel network family: ``depth`` weight layers of one ``activation``."""

    depth: int = 2
    activation: str | Activation = "relu"
    slope: float = 0.01

    def __post_init__(self) -> None:
        act = get_activation(self.activation, self.slope)
        object.__setattr__(self, "activation", act)
        if not isinstance(self.depth, (int, np.integer)) or self.depth < 2:
            raise ValueError(f"depth must be an integer >= 2 (weight layers), got {self.depth!r}")
        if act.name not in SUPPORTED.get(self.depth, ()):
            offered = ", ".join(f"depth {d}: {', '.join(a)}" for d, a in SUPPORTED.items())
            raise ValueError(f"no library yet for depth {self.depth} with {act.name}; available: {offered}")

    @property
    def name(self) -> str:
        return f"{self.depth}-layer {self.activation.name}"

    def size_formula(self, n: int) -> int:
        r"""Number of candidate features the theorem lists for ``n`` distinct points.

        Deep abs: $(3n^2 - n)/2$ at $L = 3$ (midpoints $i \le j$, reflections $i \ne j$); for
        $L \ge 4$ the number of pinnings, an upper bound (many pinnings coincide).
        """
        if self.depth >= 3:
            if self.activation.name == "relu":
                return n * (n - 1) // 2
            return (3 * n * n - n) // 2 if self.depth == 3 else pinning_count(self.depth, n)
        return n if self.activation.name == "abs" else 2 * n

    def candidates(self, breakpoints: np.ndarray) -> list[Feature]:
        """The theorem's features with kinks at the given (sorted, distinct) points."""
        if self.depth >= 3 and self.activation.name == "relu":
            return [
                capped_ramp(a, b, self.depth, self.activation)
                for i, a in enumerate(breakpoints)
                for b in breakpoints[i + 1 :]
            ]
        if self.depth >= 3:
            pinnings = pinned_parameters(breakpoints, self.depth)
            return [pinnings.feature(k, self.activation) for k in range(len(pinnings.a))]
        directions = (1,) if self.activation.name == "abs" else (1, -1)
        return [ramp(t, d, self.activation) for d in directions for t in breakpoints]

    def library(self, x, breakpoints=None) -> Library:
        """The finite library on data ``x`` (any order; repeats allowed).

        ``breakpoints`` replaces the data points as kink locations, e.g. a dense grid for an
        "oracle" library of realisable units against which the theorem can be checked (deep abs:
        the points where kink forms are pinned; the cost grows like ``len(breakpoints)**(L-1)``).
        """
        x = as_1d(x, "x")
        kinks = np.unique(x) if breakpoints is None else np.unique(as_1d(breakpoints, "breakpoints"))
        if self.depth >= 3 and self.activation.name == "abs":
            return self._mirror_library(x, kinks)
        candidates = self.candidates(kinks)
        A = np.column_stack([f(x) for f in candidates])
        keep = distinct_columns(A)
        return Library(self, x, [candidates[k] for k in keep], A[:, keep], len(candidates))

    def matrix_free(self, x) -> tuple[Dictionary, Callable[[np.ndarray], list[Feature]]]:
        """The library on data ``x`` as a matrix-free :class:`~lmirrors.operators.Dictionary`
        (every candidate, duplicates up to sign and constant included) and a function giving
        the :class:`Feature` of given columns. Memory $O(N)$ for depth 2 and deep ReLU,
        $O(\text{columns})$ for deep abs."""
        x = as_1d(x, "x")
        points = np.unique(x)
        act = self.activation
        if self.depth == 2:
            kinks, directions = two_layer_columns(points, act.name, act.slope)
            return two_layer_dictionary(x, act.name, act.slope), lambda cols: [
                ramp(kinks[c], int(directions[c]), act) for c in cols
            ]
        if act.name == "relu":
            i, j = np.triu_indices(points.size, 1)
            return CappedRampDictionary(x), lambda cols: [
                capped_ramp(points[i[c]], points[j[c]], self.depth, act) for c in cols
            ]
        pinnings = pinned_parameters(points, self.depth)
        return mirror_dictionary(x, self.depth, pinnings), lambda cols: [pinnings.feature(c, act) for c in cols]

    def _mirror_library(self, x: np.ndarray, kinks: np.ndarray) -> Library:
        """Deep abs: evaluate every pinning at once, build features only for distinct columns."""
        pinnings = pinned_parameters(kinks, self.depth)
        A = chain_values(pinnings.a, x)
        keep = distinct_columns(A)
        features = [pinnings.feature(k, self.activation) for k in keep]
        return Library(self, x, features, A[:, keep], len(pinnings.a))


def distinct_columns(A: np.ndarray, decimals: int = 9) -> np.ndarray:
    """Indices of one representative per class of columns equal up to sign and constant.

    Constant columns are dropped. Representatives keep their original order.
    """
    centred = A - A.mean(axis=0)
    scale = np.abs(centred).max(axis=0)
    tol = 10.0 ** (-decimals) * max(1.0, float(np.abs(A).max()))
    nonconstant = np.flatnonzero(scale > tol)
    C = centred[:, nonconstant]
    first = np.argmax(np.abs(C) > tol, axis=0)
    C = C * np.sign(C[first, np.arange(C.shape[1])])
    key = np.round(C / tol).T
    _, first_of_class = np.unique(key, axis=0, return_index=True)
    return nonconstant[np.sort(first_of_class)]


@dataclass
class Library:
    """Distinct features of an architecture and their matrix ``A[n, k] = feature_k(x_n)``."""

    architecture: Architecture
    x: np.ndarray
    features: list[Feature]
    A: np.ndarray = field(repr=False)
    n_candidates: int
    complete: bool = True
    """False when only the columns a solution uses are written down (the rest were priced)."""

    @property
    def size(self) -> int:
        """Number of distinct, non-constant columns."""
        return len(self.features)

    def __len__(self) -> int:
        return self.size

    def summary(self) -> str:
        head = f"{self.architecture.name} library on N = {np.unique(self.x).size} points: "
        if not self.complete:
            return head + f"{self.n_candidates} candidate features, solved matrix-free; {self.size} written down"
        return head + f"{self.n_candidates} candidate features, {self.size} distinct non-constant columns"
