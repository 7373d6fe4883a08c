r"""Two-layer networks on 2-D inputs, with explicit weights.

$f(x) = \xi + \sum_k a_k\,\sigma(w_k^\top x + b_k)$ for $x \in \mathbb R^2$, $\sigma$ the ReLU or
$|\cdot|$, with the weight penalty $\tfrac\beta2\sum_k (a_k^2 + \|w_k\|_p^2)$, $p = 1$ or $2$
(``norm``), biases and $\xi$ free. The library and the theorem are in
:mod:`lmirrors.libraries.planar`. Inputs are points: arrays of shape (n, 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import Activation, get_activation
from ..libraries.planar import ACTIVATIONS, NORMS, as_points, distinct_lines
from ..validation import as_planar_points
from .base import Network, real_array, real_number


@dataclass
class PlanarNetwork(Network):
    """Hidden weights ``W`` (units × 2), biases ``b``, output weights ``a``, output bias ``xi``."""

    kind = "planar"

    activation: Activation
    W: np.ndarray
    b: np.ndarray
    a: np.ndarray
    xi: float
    norm: str = "l2"

    @property
    def depth(self) -> int:
        return 2

    @property
    def width(self) -> int:
        return self.a.size

    def units(self, X) -> np.ndarray:
        """$a_k\\sigma(w_k^\\top x + b_k)$ of every unit at the points ``X``: shape (units, n)."""
        return self.a[:, None] * self.activation(self.W @ as_points(X).T + self.b[:, None])

    def __call__(self, X) -> np.ndarray:
        """$f$ at the points ``X`` (shape (n, 2))."""
        return self.xi + self.units(as_planar_points(X)).sum(axis=0)

    def penalty(self, beta: float) -> float:
        r"""$\tfrac\beta2\sum_k (a_k^2 + \|w_k\|_p^2)$."""
        order = 1 if self.norm == "l1" else 2
        return float(beta / 2 * (np.sum(self.a**2) + np.sum(np.linalg.norm(self.W, ord=order, axis=1) ** 2)))

    def breakpoints(self) -> np.ndarray:
        r"""The kink lines $\{x : w_k^\top x + b_k = 0\}$ (in the plane a unit bends along a line): one row
        $(w_1, w_2, b)$ per distinct line, scaled to $\|w\|_2 = 1$ with $w$'s first nonzero entry positive, sorted."""
        return distinct_lines(np.column_stack([self.W, self.b])[np.abs(self.a) > 0])

    def describe(self) -> str:
        return (
            f"{self.width} {self.activation.name} unit(s) on 2-D inputs (‖w‖{'₁' if self.norm == 'l1' else '₂'}² "
            f"penalty): {self.W.size + self.a.size} weights, {self.b.size} hidden biases and an output bias {self.xi:.6g}"
        )

    def parameters(self) -> dict[str, Any]:
        return {
            "activation": self.activation.name,
            "norm": self.norm,
            "hidden_weights": self.W.tolist(),
            "hidden_biases": self.b.tolist(),
            "output_weights": self.a.tolist(),
        }

    @classmethod
    def from_parameters(cls, description: dict[str, Any]) -> PlanarNetwork:
        activation, norm = description.get("activation"), description.get("norm")
        if activation not in ACTIVATIONS or norm not in NORMS:
            raise ValueError(
                f"network description: planar networks need 'activation' in {ACTIVATIONS} and 'norm' in {NORMS}, "
                f"got {activation!r} and {norm!r}"
            )
        W = real_array(description, "hidden_weights", (-1, 2))
        b = real_array(description, "hidden_biases", (W.shape[0],))
        a = real_array(description, "output_weights", (W.shape[0],))
        return cls(get_activation(activation), W, b, a, real_number(description, "output_bias"), norm)

    def to_torch(self):
        from .torch_modules import TorchPlanarNetwork

        return TorchPlanarNetwork.from_network(self)
