r"""Parallel networks with explicit weights: the non-convex side of the equivalence.

A parallel network of depth $L$ is $f(x) = \xi + \sum_k \text{unit}_k(x)$ with narrow units
$h^{(k)}_0 = x$, $h^{(k)}_l = \sigma(w^{(k)}_l h^{(k)}_{l-1} + b^{(k)}_l)$,
$\text{unit}_k(x) = w^{(k)}_L h^{(k)}_{L-1}$. Its training objective is

$$ J(\theta) = \tfrac12 \|f(X) - y\|_2^2 + \tfrac{\beta}{L} \sum_{k,l} |w^{(k)}_l|^L , $$

biases and $\xi$ unpenalised. Two-layer networks are the case $L = 2$ (one hidden neuron per unit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .dictionaries import Library
from .lasso import LassoSolution


@dataclass
class ParallelNetwork:
    """Weights ``W`` (units × L), biases ``B`` (units × (L − 1)), output bias ``xi``."""

    activation: Activation
    W: np.ndarray
    B: np.ndarray
    xi: float

    @property
    def depth(self) -> int:
        return self.W.shape[1]

    @property
    def width(self) -> int:
        """Number of parallel units."""
        return self.W.shape[0]

    def units(self, x) -> np.ndarray:
        """Outputs of every unit at ``x``: shape (units, len(x))."""
        h = np.broadcast_to(np.asarray(x, dtype=float), (self.width, np.size(x)))
        for layer in range(self.depth - 1):
            h = self.activation(self.W[:, layer, None] * h + self.B[:, layer, None])
        return self.W[:, -1, None] * h

    def __call__(self, x) -> np.ndarray:
        return self.xi + self.units(x).sum(axis=0)

    def penalty(self, beta: float) -> float:
        r"""$\tfrac{\beta}{L}\sum |w|^L$ over all non-bias weights."""
        return float(beta / self.depth * np.sum(np.abs(self.W) ** self.depth))

    def objective(self, x, y, beta: float) -> float:
        r"""$J(\theta)$ on data ``(x, y)``."""
        r = self(x) - np.asarray(y, dtype=float)
        return float(0.5 * r @ r) + self.penalty(beta)

    @classmethod
    def from_lasso(cls, library: Library, solution: LassoSolution) -> ParallelNetwork:
        r"""One balanced unit per nonzero $z_k$: weights of magnitude $|z_k|^{1/L}$.

        Its objective $J$ equals the Lasso objective $P(z, \xi)$ (AM-GM is tight when
        the layers are balanced).
        """
        depth = library.architecture.depth
        support = solution.support
        W = np.zeros((support.size, depth))
        B = np.zeros((support.size, depth - 1))
        for row, k in enumerate(support):
            W[row], B[row] = library.features[k].unit_weights(solution.z[k])
        return cls(library.architecture.activation, W, B, solution.xi)

    def to_torch(self):
        """A ``torch.nn.Module`` (float64) computing the same function, weights trainable."""
        from .training import TorchParallelNetwork

        return TorchParallelNetwork.from_numpy(self)

    def first_layer_kinks(self) -> np.ndarray:
        """Input locations $-b_1/w_1$ of the first layer's kinks (units with $w_1 \\ne 0$)."""
        live = self.W[:, 0] != 0
        return np.sort(-self.B[live, 0] / self.W[live, 0])


def kinks(network: ParallelNetwork, lo: float, hi: float, resolution: int = 20001, tol: float = 1e-3):
    r"""Where the network's slope changes on $[lo, hi]$, and by how much.

    On a grid of ``resolution`` points a kink shows as a nonzero second difference in one or two
    adjacent cells; each run of such cells is one kink, located at the slope-weighted mean of the
    cells and reported with its total slope change $f'(t^+) - f'(t^-)$. Changes smaller than
    ``tol`` times the largest are ignored.
    """
    t = np.linspace(lo, hi, resolution)
    slopes = np.diff(network(t)) / np.diff(t)
    change = np.diff(slopes)
    big = np.abs(change) > tol * max(np.abs(change).max(initial=0.0), 1e-300)
    locations, jumps = [], []
    for run in np.split(np.flatnonzero(big), np.flatnonzero(np.diff(np.flatnonzero(big)) > 1) + 1):
        if run.size:
            weights = np.abs(change[run])
            locations.append(float(np.sum(t[run + 1] * weights) / weights.sum()))
            jumps.append(float(change[run].sum()))
    return np.array(locations), np.array(jumps)
