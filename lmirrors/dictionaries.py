r"""Architectures and their finite feature libraries.

For an architecture, the *library* on data $x_1 < \dots < x_N$ is a finite set of
normalised units whose Lasso
$\min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1$ has the same optimal
value as training the network (DESIGN.md section 2). Two-layer libraries:

* ReLU: $(x - x_n)_+$ and $(x_n - x)_+$ for every data point ($2N$);
* leaky ReLU (slope $\gamma$): $\sigma_\gamma(x - x_n)$ and $\sigma_\gamma(x_n - x)$ ($2N$);
* absolute value: $|x - x_n|$ ($N$).

Columns equal up to an additive constant or a sign give the same Lasso (the
unpenalised bias $\xi$ absorbs constants, $z$ carries signs), so the library keeps
one of each and drops the columns that are constant on the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import Activation, get_activation
from .features import Feature, ramp
from .validation import as_1d

SUPPORTED = {2: ("relu", "leaky_relu", "abs")}


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
        """Number of candidate features the theorem lists for ``n`` distinct points."""
        return n if self.activation.name == "abs" else 2 * n

    def candidates(self, breakpoints: np.ndarray) -> list[Feature]:
        """The theorem's features with kinks at the given (sorted, distinct) points."""
        directions = (1,) if self.activation.name == "abs" else (1, -1)
        return [ramp(t, d, self.activation) for d in directions for t in breakpoints]

    def library(self, x, breakpoints=None) -> Library:
        """The finite library on data ``x`` (any order; repeats allowed).

        ``breakpoints`` replaces the data points as kink locations, e.g. a dense grid for an
        "oracle" library of realisable units against which the theorem can be checked.
        """
        x = as_1d(x, "x")
        kinks = np.unique(x) if breakpoints is None else np.unique(as_1d(breakpoints, "breakpoints"))
        candidates = self.candidates(kinks)
        A = np.column_stack([f(x) for f in candidates])
        keep = distinct_columns(A)
        return Library(self, x, [candidates[k] for k in keep], A[:, keep], len(candidates))


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

    @property
    def size(self) -> int:
        """Number of distinct, non-constant columns."""
        return len(self.features)

    def __len__(self) -> int:
        return self.size

    def summary(self) -> str:
        return (
            f"{self.architecture.name} library on N = {np.unique(self.x).size} points: "
            f"{self.n_candidates} candidate features, {self.size} distinct non-constant columns"
        )
