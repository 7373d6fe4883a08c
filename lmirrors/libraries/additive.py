r"""Additive libraries: one 1-D library per input feature, side by side.

An *additive* network on inputs $X \in \mathbb R^{N\times d}$ is a parallel network whose every
unit reads a single feature, $f(X) = \xi + \sum_{j=1}^d \sum_{k \in U_j} \text{unit}_k(X_{:,j})$.
Its library is the concatenation $A = [A_1\ \cdots\ A_d]$ of the 1-D libraries $A_j$ of the
same architecture on the columns $X_{:,j}$, with one shared output bias:

$$ \min_{z,\xi}\ \tfrac12\Bigl\|\sum_{j=1}^d A_j z_j + \xi\mathbf 1 - y\Bigr\|_2^2 + \beta\sum_{j=1}^d \|z_j\|_1 . $$

:class:`AdditiveLibrary` keeps the per-feature :class:`~lmirrors.libraries.library.Library`
objects and the column offsets, and splits a stacked coefficient vector back into blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..activations import Activation
from .library import Library


@dataclass
class AdditiveLibrary:
    r"""Per-feature libraries ``libraries[j]`` (on $X_{:,j}$) stacked as $A = [A_1\ \cdots\ A_d]$.

    ``n_candidates`` is the total of the per-feature candidate counts; ``complete`` is False
    when the libraries were priced matrix-free and only the solution's columns are written down.
    """

    libraries: list[Library]
    offsets: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.libraries:
            raise ValueError("an additive library needs at least one feature")
        self.offsets = np.cumsum([0, *(library.size for library in self.libraries)])

    @property
    def architecture(self):
        return self.libraries[0].architecture

    @property
    def A(self) -> np.ndarray:
        """The stacked matrix $[A_1\\ \\cdots\\ A_d]$ (columns written down)."""
        return np.hstack([library.A for library in self.libraries])

    @property
    def size(self) -> int:
        """Number of columns written down, over all features."""
        return int(self.offsets[-1])

    @property
    def n_candidates(self) -> int:
        return sum(library.n_candidates for library in self.libraries)

    @property
    def complete(self) -> bool:
        return all(library.complete for library in self.libraries)

    def split(self, z: np.ndarray) -> list[np.ndarray]:
        """The blocks $z_1, \\dots, z_d$ of a stacked coefficient vector."""
        z = np.asarray(z, dtype=float)
        if z.size != self.size:
            raise ValueError(f"z has {z.size} entries but the additive library has {self.size} columns")
        return [z[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True)]

    def summary(self) -> str:
        d = len(self.libraries)
        how = "written down" if self.complete else "priced matrix-free; the solution's columns written down"
        return (
            f"additive {self.architecture.name} library on {d} feature(s): {self.n_candidates:,} candidate "
            f"features, {self.size:,} columns {how}"
        )


def random_units(X, activation: Activation, count: int = 100_000, seed: int = 0) -> np.ndarray:
    r"""Columns $\sigma(s\,(X_{:,j} - t))$ of ``count`` random normalised two-layer units, each reading
    one feature $j$ (uniform), with direction $s = \pm1$ and kink $t$ uniform on the feature's range
    enlarged by its size on both sides (kinks anywhere, not only at the data): an oracle
    independent of the libraries."""
    X = np.asarray(X, dtype=float)
    rng = np.random.default_rng(seed)
    feature = rng.integers(0, X.shape[1], count)
    lo, hi = X.min(axis=0)[feature], X.max(axis=0)[feature]
    kinks = rng.uniform(lo - (hi - lo), hi + (hi - lo))
    signs = rng.choice([-1.0, 1.0], count)
    return activation(signs * (X[:, feature] - kinks))
