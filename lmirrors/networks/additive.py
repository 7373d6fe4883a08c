r"""Additive networks: one 1-D network per input feature and one shared output bias.

$$ f(X) = \xi + \sum_{j=1}^d g_j(X_{:,j}), \qquad
   J(\theta) = \tfrac12\|f(X) - y\|_2^2 + \sum_{j=1}^d \text{penalty}_\beta(g_j), $$

where each $g_j$ is a :class:`~lmirrors.networks.base.Network` of the same architecture whose
own output bias is zero. The units never mix features, so the penalty and the fit separate
into the per-feature networks' terms and the shared $\xi$.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Network


@dataclass
class AdditiveNetwork:
    """Per-feature networks ``networks[j]`` (output bias 0) and the shared output bias ``xi``."""

    networks: list[Network]
    xi: float

    def __post_init__(self) -> None:
        if any(network.xi != 0 for network in self.networks):
            raise ValueError("the per-feature networks of an additive network must have output bias 0")

    @property
    def n_features(self) -> int:
        return len(self.networks)

    @property
    def depth(self) -> int:
        return self.networks[0].depth

    @property
    def width(self) -> int:
        """Number of units over all features."""
        return sum(network.width for network in self.networks)

    def _table(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n, {self.n_features}), one column per feature; got {X.shape}")
        return X

    def shapes(self, X) -> np.ndarray:
        r"""The shape functions $g_j(X_{:,j})$: shape (features, rows)."""
        X = self._table(X)
        return np.array([network(X[:, j]) for j, network in enumerate(self.networks)]).reshape(-1, X.shape[0])

    def __call__(self, X) -> np.ndarray:
        r"""$f(X) = \xi + \sum_j g_j(X_{:,j})$ for each row of ``X``."""
        return self.xi + self.shapes(X).sum(axis=0)

    def penalty(self, beta: float) -> float:
        """The sum of the per-feature networks' weight penalties."""
        return float(sum(network.penalty(beta) for network in self.networks))

    def objective(self, X, y, beta: float) -> float:
        r"""$J(\theta) = \tfrac12\|f(X) - y\|^2 + \sum_j \text{penalty}_\beta(g_j)$."""
        r = self(X) - np.asarray(y, dtype=float).reshape(-1)
        return float(0.5 * r @ r) + self.penalty(beta)

    def describe(self) -> str:
        used = sum(network.width > 0 for network in self.networks)
        return (
            f"additive network on {self.n_features} feature(s): {self.width} unit(s) of depth {self.depth} "
            f"reading {used} feature(s), output bias {self.xi:.6g}"
        )

    def to_torch(self):
        """A ``torch.nn.Module`` (float64) mapping an (n, d) tensor to the network's outputs."""
        from .torch_modules import TorchAdditiveNetwork

        return TorchAdditiveNetwork.from_network(self)
