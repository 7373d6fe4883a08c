r"""Sign-activation networks with explicit weights: trees of sign neurons.

A unit is $a\,s\,g(x)$ with $g$ a tree of sign neurons ($\operatorname{sign}(0) = +1$): a
first-layer neuron is $\operatorname{sign}(w x + b)$, a neuron above it
$\operatorname{sign}(\sum_i v_i\,\text{child}_i(x) + c)$. Sign ignores positive scaling, so the
inner weights are scale-free and only the output weight $a$ and the amplitude $s$ are penalised:

$$ J = \tfrac12\|f(X) - y\|^2 + \tfrac\beta2\sum_k (a_k^2 + s_k^2),\qquad
   f(x) = \xi + \sum_k a_k s_k\, g_k(x). $$
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Network, distinct_points, real_array, real_number


def _sign(t) -> np.ndarray:
    return np.where(np.asarray(t, dtype=float) >= 0.0, 1.0, -1.0)


@dataclass(frozen=True)
class SignNeuron:
    r"""$\operatorname{sign}(w x + b)$ if ``children`` is empty (``weights = (w,)``), else
    $\operatorname{sign}(\sum_i v_i\, \text{child}_i(x) + b)$ with ``weights = v``."""

    weights: tuple[float, ...]
    bias: float
    children: tuple[SignNeuron, ...] = ()

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if not self.children:
            return _sign(self.weights[0] * x + self.bias)
        return _sign(sum(v * child(x) for v, child in zip(self.weights, self.children, strict=True)) + self.bias)

    @property
    def layers(self) -> int:
        """Number of sign layers in this neuron's tree (1 for a first-layer neuron)."""
        return 1 + max((child.layers for child in self.children), default=0)

    @property
    def size(self) -> int:
        """Number of sign neurons in the tree."""
        return 1 + sum(child.size for child in self.children)

    def first_layer_thresholds(self) -> list[float]:
        """Thresholds $-b/w$ of the first-layer neurons of the tree."""
        if not self.children:
            return [-self.bias / self.weights[0]]
        return [t for child in self.children for t in child.first_layer_thresholds()]

    def max_fan_in(self, level: int) -> int:
        """Largest number of children of a neuron ``level`` layers above the first layer."""
        if level == 0 or not self.children:
            return len(self.children)
        return max(child.max_fan_in(level - 1) for child in self.children)

    def to_dict(self) -> dict[str, Any]:
        return {"weights": list(self.weights), "bias": self.bias, "children": [c.to_dict() for c in self.children]}

    @classmethod
    def from_dict(cls, description: Any) -> SignNeuron:
        if not isinstance(description, dict):
            raise ValueError(f"network description: a sign neuron is an object, got {description!r}")
        children = description.get("children", [])
        if not isinstance(children, list):
            raise ValueError(f"network description: a neuron's 'children' must be a list, got {children!r}")
        weights = real_array(description, "weights", (-1,))
        if weights.size != max(len(children), 1):
            raise ValueError(
                f"network description: a neuron with {len(children)} children needs "
                f"{max(len(children), 1)} weight(s), got {weights.size}"
            )
        return cls(tuple(weights.tolist()), real_number(description, "bias"), tuple(map(cls.from_dict, children)))


@dataclass
class SignNetwork(Network):
    r"""$f(x) = \xi + \sum_k a_k s_k\, g_k(x)$ with sign-neuron trees $g_k$ (``neurons``)."""

    kind = "sign"

    neurons: list[SignNeuron]
    a: np.ndarray
    s: np.ndarray
    xi: float

    @property
    def depth(self) -> int:
        """Number of weight layers (the sign layers of a unit plus the output weight)."""
        return 1 + max((g.layers for g in self.neurons), default=1)

    @property
    def width(self) -> int:
        return len(self.neurons)

    def units(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float).reshape(-1)
        if not self.neurons:
            return np.zeros((0, x.size))
        return np.array([a * s * g(x) for a, s, g in zip(self.a, self.s, self.neurons, strict=True)])

    def penalty(self, beta: float) -> float:
        r"""$\tfrac\beta2\sum_k (a_k^2 + s_k^2)$ (inner weights are scale-free and not penalised)."""
        return float(beta / 2 * (np.sum(self.a**2) + np.sum(self.s**2)))

    def breakpoints(self) -> np.ndarray:
        """Every first-layer threshold of the network, sorted (the output can only jump there)."""
        return distinct_points([t for g in self.neurons for t in g.first_layer_thresholds()])

    def describe(self) -> str:
        neurons = sum(g.size for g in self.neurons)
        return (
            f"{self.width} unit(s) of depth {self.depth} (sign): {neurons} sign neurons, "
            f"{2 * self.width} penalised weights (a, s) and an output bias {self.xi:.6g}"
        )

    def parameters(self) -> dict[str, Any]:
        return {
            "activation": "sign",
            "depth": self.depth,
            "units": [
                {"a": float(a), "s": float(s), "neuron": g.to_dict()}
                for a, s, g in zip(self.a, self.s, self.neurons, strict=True)
            ],
        }

    @classmethod
    def from_parameters(cls, description: dict[str, Any]) -> SignNetwork:
        units = description.get("units")
        if not isinstance(units, list) or not all(isinstance(u, dict) for u in units):
            raise ValueError("network description: 'units' must be a list of objects with a, s and neuron")
        neurons = [SignNeuron.from_dict(u.get("neuron")) for u in units]
        a = np.array([real_number(u, "a") for u in units])
        s = np.array([real_number(u, "s") for u in units])
        network = cls(neurons, a, s, real_number(description, "output_bias"))
        if description.get("depth") != network.depth:
            raise ValueError(
                f"network description: 'depth' is {description.get('depth')!r} but the neurons make depth {network.depth}"
            )
        return network

    def to_torch(self):
        from .torch_modules import TorchSignNetwork

        return TorchSignNetwork(self)
