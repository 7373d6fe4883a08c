r"""Parallel networks of narrow piecewise-linear units, with explicit weights.

A parallel network of depth $L$ is $f(x) = \xi + \sum_k \text{unit}_k(x)$ with narrow units
$h^{(k)}_0 = x$, $h^{(k)}_l = \sigma(w^{(k)}_l h^{(k)}_{l-1} + b^{(k)}_l)$,
$\text{unit}_k(x) = w^{(k)}_L h^{(k)}_{L-1}$. Its training objective is

$$ J(\theta) = \tfrac12 \|f(X) - y\|_2^2 + \tfrac{\beta}{L} \sum_{k,l} |w^{(k)}_l|^L , $$

biases and $\xi$ unpenalised. Two-layer networks are the case $L = 2$ (one hidden neuron per unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import Activation, get_activation, layer_bias
from .base import Network, distinct_points, real_array, real_number


@dataclass
class ParallelNetwork(Network):
    """Weights ``W`` (units × L), biases ``B`` (units × (L − 1), with a trailing pair $(b, b')$ for
    the symmetrized ReLU: :attr:`~lmirrors.activations.Activation.bias_shape`), output bias ``xi``."""

    kind = "parallel"

    activation: Activation
    W: np.ndarray
    B: np.ndarray
    xi: float
    input_shift: float = 0.0

    @property
    def depth(self) -> int:
        return self.W.shape[1]

    @property
    def width(self) -> int:
        return self.W.shape[0]

    def hidden(self, x, layers: int) -> np.ndarray:
        """$h_l$ of every unit after ``layers`` hidden layers ($h_0 = x - c$): shape (units, len(x))."""
        h = np.broadcast_to(self.inputs(x), (self.width, np.size(x)))
        for layer in range(layers):
            h = self.activation.neuron(self.W[:, layer, None], h, layer_bias(self.B, layer, self.activation))
        return h

    def units(self, x) -> np.ndarray:
        return self.W[:, -1, None] * self.hidden(x, self.depth - 1)

    def penalty(self, beta: float) -> float:
        r"""$\tfrac{\beta}{L}\sum |w|^L$ over all non-bias weights."""
        return float(beta / self.depth * np.sum(np.abs(self.W) ** self.depth))

    def path_norm(self) -> float:
        r"""$\sum_k \prod_l |w^{(k)}_l|$: the least $\text{penalty}/\beta$ over rescalings of the units
        (AM-GM, equal at balanced layers), so $\tfrac12\|f(X) - y\|^2 + \beta\,$``path_norm()`` is
        the lowest $J$ of a network computing these units, never below the Lasso optimum."""
        return float(np.sum(np.prod(np.abs(self.W), axis=1)))

    def breakpoints(self) -> np.ndarray:
        r"""Every kink of every unit, exactly: where a pre-activation $w_l h_{l-1} + b_l$ crosses
        zero (found layer by layer on the piecewise-linear $h_{l-1}$) and the unit's slope changes."""
        return distinct_points([t for k in range(self.width) for t in _unit_kinks(self[k : k + 1])])

    def slope_changes(self, points) -> np.ndarray:
        r"""$f'(t^+) - f'(t^-)$ at each of ``points``, exactly.

        $f$ is affine between consecutive kinks $k_1 < \dots < k_K$ (:meth:`breakpoints`), so the
        slope on each piece is a difference quotient of $f$ across it. At a kink $t = k_j$ (matched
        to within $10^{-10}\max_i |k_i|$, the float resolution at the kinks) the change is that of the pieces either side;
        elsewhere it is 0.
        """
        t = np.asarray(points, dtype=float).reshape(-1)
        knots = self.breakpoints()
        if knots.size == 0 or t.size == 0:
            return np.zeros(t.size)
        ends = np.concatenate([[knots[0] - 1.0], knots, [knots[-1] + 1.0]])
        slopes = np.diff(self(ends)) / np.diff(ends)  # slopes[j]: the piece left of knots[j]
        nearest = np.abs(t[:, None] - knots[None, :]).argmin(axis=1)
        at_kink = np.abs(t - knots[nearest]) <= 1e-10 * max(float(np.abs(knots).max()), 1e-300)
        return np.where(at_kink, slopes[nearest + 1] - slopes[nearest], 0.0)

    def main_kinks(self, rtol: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
        r"""The kinks $t$ (:meth:`breakpoints`) whose slope change $|f'(t^+) - f'(t^-)|$ is at least
        ``rtol`` times the largest, and those changes (:meth:`slope_changes`).

        A trained network also bends where nearly dead units do; this leaves those kinks out.
        """
        where = self.breakpoints()
        changes = self.slope_changes(where)
        size = np.abs(changes)
        keep = (size > 0) & (size >= rtol * size.max(initial=0.0))
        return where[keep], changes[keep]

    def __getitem__(self, units: slice) -> ParallelNetwork:
        """The sub-network of the given units (without the output bias)."""
        return ParallelNetwork(self.activation, self.W[units], self.B[units], 0.0, self.input_shift)

    def centred(self, shift: float) -> ParallelNetwork:
        r"""The same function with input map $x \mapsto x - \text{shift}$: first-layer biases
        $b \mapsto b + w\,\Delta$ ($b' \mapsto b' - w\,\Delta$ for the second symmetrized bias),
        $\Delta = \text{shift} - c$."""
        delta = float(shift) - self.input_shift
        B = self.B.copy()
        if self.activation.bias_shape:
            B[:, 0, 0] += self.W[:, 0] * delta
            B[:, 0, 1] -= self.W[:, 0] * delta
        else:
            B[:, 0] += self.W[:, 0] * delta
        return ParallelNetwork(self.activation, self.W, B, self.xi, float(shift))

    def describe(self) -> str:
        return (
            f"{self.width} unit(s) of depth {self.depth} ({self.activation.name}): {self.W.size} weights, "
            f"{self.B.size} hidden biases and an output bias {self.xi:.6g}"
        )

    def parameters(self) -> dict[str, Any]:
        return {
            "activation": self.activation.name,
            "slope": self.activation.slope,
            "depth": self.depth,
            "weights": self.W.tolist(),
            "biases": self.B.tolist(),
        }

    @classmethod
    def from_parameters(cls, description: dict[str, Any]) -> ParallelNetwork:
        depth = description.get("depth")
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 2:
            raise ValueError(f"network description: 'depth' must be an integer >= 2, got {depth!r}")
        activation = get_activation(str(description.get("activation")), real_number(description, "slope"))
        W = real_array(description, "weights", (-1, -1))
        if W.size == 0:  # no units (the constant network): an empty list carries no depth
            W = W.reshape(0, depth)
        if W.shape[1] != depth:
            raise ValueError(
                f"network description: 'depth' is {depth} but 'weights' has {W.shape[1]} entries per unit (one per layer)"
            )
        B = real_array(description, "biases", (W.shape[0], depth - 1, *activation.bias_shape))
        return cls(activation, W, B, real_number(description, "output_bias"))

    def to_torch(self):
        from .torch_modules import TorchParallelNetwork

        return TorchParallelNetwork.from_network(self)


def _zeros(g, knots: np.ndarray) -> np.ndarray:
    """Zeros of a continuous function ``g`` that is affine between consecutive ``knots`` and beyond them."""
    if knots.size == 0:
        g0, g1 = g(np.array([0.0, 1.0]))
        return np.array([-g0 / (g1 - g0)]) if g1 != g0 else np.zeros(0)
    v = g(np.concatenate([[knots[0] - 1.0], knots, [knots[-1] + 1.0]]))
    inner = v[1:-2] * v[2:-1] < 0
    a, b, va, vb = knots[:-1][inner], knots[1:][inner], v[1:-2][inner], v[2:-1][inner]
    roots = [a + (b - a) * va / (va - vb)]
    for end, value, slope, side in ((knots[0], v[1], v[1] - v[0], -1), (knots[-1], v[-2], v[-1] - v[-2], 1)):
        if slope != 0 and side * (-value / slope) > 0:
            roots.append(np.array([end - value / slope]))
    return np.concatenate(roots)


def _unit_kinks(unit: ParallelNetwork) -> np.ndarray:
    """Kinks of a one-unit network (:meth:`ParallelNetwork.breakpoints`)."""
    knots = np.zeros(0)
    act = unit.activation
    for layer in range(unit.depth - 1):
        w, b = unit.W[0, layer], unit.B[0, layer]
        for k in range(len(act.pre_activations(w, 0.0, b))):

            def pre(t, layer=layer, w=w, b=b, k=k):
                return act.pre_activations(w, unit.hidden(t, layer)[0], b)[k]

            knots = np.union1d(knots, _zeros(pre, knots))
    if knots.size == 0:
        return knots
    t = np.concatenate([[knots[0] - 1.0], knots, [knots[-1] + 1.0]])
    slopes = np.diff(unit.units(t)[0]) / np.diff(t)
    change = np.abs(np.diff(slopes))
    return knots[change > 1e-9 * max(float(np.abs(slopes).max()), 1e-300)]
