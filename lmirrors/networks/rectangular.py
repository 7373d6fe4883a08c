r"""Rectangular step networks: fully connected layers of sign (or threshold) neurons.

Layer 1 has $m_1$ neurons $\sigma(w_i x + b_i)$, layer $l = 2, \dots, L-1$ has $m_l$ neurons
$\sigma(V_l h_{l-1} + c_l)$ fed by *every* neuron of the layer below, and the output is
$f(x) = \xi + \sum_k a_k s_k\, h_{L-1,k}(x)$: the $m_{L-1}$ units share all their lower layers
(in a tree, :class:`~lmirrors.networks.sign.SignNetwork`, each unit has its own). As for trees
only the output weights and amplitudes are penalised, $\tfrac\beta2\sum_k(a_k^2 + s_k^2)$.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import Activation, get_activation
from ..convex.lasso import solve
from .base import Network, distinct_points, real_array, real_number
from .sign import step_activation, step_penalty


@dataclass
class RectangularNetwork(Network):
    r"""$f(x) = \xi + \sum_k a_k s_k\, h_{L-1,k}(x)$; ``weights[0]`` holds the $m_1$ first-layer
    weights $w$, ``weights[l]`` the $(m_{l+1} \times m_l)$ matrix $V_{l+1}$; ``biases`` likewise."""

    kind = "rectangular"

    activation: Activation
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    a: np.ndarray
    s: np.ndarray
    xi: float
    input_shift: float = 0.0

    @classmethod
    def random(cls, widths: tuple[int, ...], activation: str, x, rng: np.random.Generator) -> RectangularNetwork:
        """Gaussian weights, first-layer thresholds uniform over the range of ``x`` widened by a
        fifth on each side, later biases uniform over the range of their inputs' sums; $a = s = 0$."""
        x = np.asarray(x, dtype=float)
        spread = np.ptp(x) + 1.0
        w = rng.normal(size=widths[0])
        weights, biases = [w], [-w * rng.uniform(x.min() - 0.2 * spread, x.max() + 0.2 * spread, widths[0])]
        for below, m in itertools.pairwise(widths):
            V = rng.normal(size=(m, below))
            reach = np.abs(V).sum(axis=1)
            weights.append(V)
            biases.append(rng.uniform(-reach, reach))
        zero = np.zeros(widths[-1])
        return cls(get_activation(activation), weights, biases, zero, zero.copy(), 0.0)

    def with_best_output(self, x, y, beta: float) -> RectangularNetwork:
        r"""The same hidden layers with the best output layer for data $(x, y)$: the Lasso over the
        last hidden layer's outputs (balanced $|a_k| = s_k = |z_k|^{1/2}$), for ``beta`` > 0."""
        H = self.hidden(x).T
        solution = solve(H, np.asarray(y, dtype=float), beta)
        z = solution.z
        return RectangularNetwork(
            self.activation, self.weights, self.biases, np.sign(z) * np.sqrt(np.abs(z)), np.sqrt(np.abs(z)), solution.xi
        )

    @property
    def widths(self) -> tuple[int, ...]:
        """$(m_1, \\dots, m_{L-1})$: neurons per hidden layer."""
        return tuple(b.size for b in self.biases)

    @property
    def depth(self) -> int:
        return len(self.weights) + 1

    @property
    def width(self) -> int:
        return self.a.size

    def hidden(self, x) -> np.ndarray:
        """Outputs of the last hidden layer at ``x``: shape $(m_{L-1}, $ len(x)$)$."""
        x = self.inputs(x)
        h = self.activation(self.weights[0][:, None] * x[None, :] + self.biases[0][:, None])
        for V, c in zip(self.weights[1:], self.biases[1:], strict=True):
            h = self.activation(V @ h + c[:, None])
        return h

    def units(self, x) -> np.ndarray:
        return (self.a * self.s)[:, None] * self.hidden(x)

    def penalty(self, beta: float) -> float:
        r"""$\tfrac\beta2\sum_k (a_k^2 + s_k^2)$ (inner weights are scale-free and not penalised)."""
        return step_penalty(self.a, self.s, beta)

    def breakpoints(self) -> np.ndarray:
        """The thresholds $-b_i/w_i$ of the first-layer neurons that are not constant (the only
        points where the output can jump)."""
        w, b = self.weights[0], self.biases[0]
        live = w != 0
        return distinct_points(self.input_shift - b[live] / w[live])

    def centred(self, shift: float) -> RectangularNetwork:
        r"""The same function with input map $x \mapsto x - \text{shift}$ (first-layer biases $b \mapsto b + w\Delta$)."""
        biases = [self.biases[0] + self.weights[0] * (float(shift) - self.input_shift), *self.biases[1:]]
        return RectangularNetwork(self.activation, self.weights, biases, self.a, self.s, self.xi, float(shift))

    def describe(self) -> str:
        inner = sum(W.size for W in self.weights) + sum(b.size for b in self.biases)
        return (
            f"{self.width} unit(s) of depth {self.depth} ({self.activation.name}, rectangular, widths "
            f"{'×'.join(map(str, self.widths))}): {inner} inner weights and biases, "
            f"{2 * self.width} penalised weights (a, s) and an output bias {self.xi:.6g}"
        )

    def parameters(self) -> dict[str, Any]:
        return {
            "activation": self.activation.name,
            "depth": self.depth,
            "layers": [
                {"weights": W.tolist(), "biases": b.tolist()} for W, b in zip(self.weights, self.biases, strict=True)
            ],
            "a": self.a.tolist(),
            "s": self.s.tolist(),
        }

    @classmethod
    def from_parameters(cls, description: dict[str, Any]) -> RectangularNetwork:
        layers = description.get("layers")
        if not isinstance(layers, list) or not layers or not all(isinstance(layer, dict) for layer in layers):
            raise ValueError("network description: 'layers' must be a non-empty list of objects with weights, biases")
        weights, biases, below = [], [], None
        for layer in layers:
            b = real_array(layer, "biases", (-1,))
            W = real_array(layer, "weights", (b.size,) if below is None else (b.size, below))
            weights.append(W)
            biases.append(b)
            below = b.size
        a, s = real_array(description, "a", (below,)), real_array(description, "s", (below,))
        network = cls(step_activation(description), weights, biases, a, s, real_number(description, "output_bias"))
        if description.get("depth") != network.depth:
            raise ValueError(
                f"network description: 'depth' is {description.get('depth')!r} but the layers make depth {network.depth}"
            )
        return network

    def to_torch(self):
        from .torch_modules import TorchRectangularNetwork

        return TorchRectangularNetwork(self)
