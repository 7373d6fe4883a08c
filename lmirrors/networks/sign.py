r"""Step-activation networks with explicit weights: trees of sign (or threshold) neurons.

A unit is $a\,s\,g(x)$ with $g$ a tree of step neurons: a first-layer neuron computes
$\sigma(w x + b)$, a neuron above it $\sigma(\sum_i v_i\,\text{child}_i(x) + b)$, where $\sigma$ is
$\operatorname{sign}$ ($\pm1$, $\operatorname{sign}(0) = +1$) or the threshold
$\mathbb 1\{t \ge 0\}$ ($0/1$). Steps ignore positive scaling, so the inner weights are
scale-free and only the output weight $a$ and the amplitude $s$ are penalised:

$$ J = \tfrac12\|f(X) - y\|^2 + \tfrac\beta2\sum_k (a_k^2 + s_k^2),\qquad
   f(x) = \xi + \sum_k a_k s_k\, g_k(x). $$

Rectangular networks, whose units share their lower layers, are
:class:`~lmirrors.networks.rectangular.RectangularNetwork`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import Activation, get_activation
from ..libraries.library import LazyFeatures
from ..libraries.switching import NEURON_BYTES, LayerCake, check_layer_cake
from ..validation import as_1d
from .base import Network, distinct_points, real_array, real_number

SIGN = Activation("sign")


def step_activation(description: dict[str, Any]) -> Activation:
    """The step activation a network description names (``sign`` if it names none)."""
    name = description.get("activation", "sign")
    if name not in ("sign", "threshold"):
        raise ValueError(f"network description: a step network's 'activation' is sign or threshold, got {name!r}")
    return get_activation(name)


def step_penalty(a: np.ndarray, s: np.ndarray, beta: float) -> float:
    r"""$\tfrac\beta2\sum_k (a_k^2 + s_k^2)$: the output weights and amplitudes of step units."""
    return float(beta / 2 * (np.sum(a**2) + np.sum(s**2)))


@dataclass(frozen=True)
class SignNeuron:
    r"""$\sigma(w x + b)$ if ``children`` is empty (``weights = (w,)``), else
    $\sigma(\sum_i v_i\, \text{child}_i(x) + b)$ with ``weights = v``; $\sigma$ is the step
    ``activation`` passed when it is evaluated (sign unless told)."""

    weights: tuple[float, ...]
    bias: float
    children: tuple[SignNeuron, ...] = ()

    def __call__(self, x, activation: Activation = SIGN) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if not self.children:
            return activation(self.weights[0] * x + self.bias)
        inputs = (v * child(x, activation) for v, child in zip(self.weights, self.children, strict=True))
        return activation(sum(inputs) + self.bias)

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

    def shifted(self, delta: float) -> SignNeuron:
        r"""The same neuron on inputs ``delta`` lower (its first-layer biases $b \mapsto b + w\,\Delta$)."""
        if not self.children:
            return SignNeuron(self.weights, self.bias + self.weights[0] * delta)
        return SignNeuron(self.weights, self.bias, tuple(child.shifted(delta) for child in self.children))

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
    r"""$f(x) = \xi + \sum_k a_k s_k\, g_k(x)$ with step-neuron trees $g_k$ (``neurons``) of the
    step ``activation`` (sign or threshold). ``neurons`` is any sequence, e.g. one that builds
    each tree when first asked for (a fitted network's trees can hold $O(N^2)$ switches).

    ``cake`` (a fit with every pattern, :class:`~lmirrors.libraries.switching.LayerCake`): the
    units are the level sets of one step function, and the network is evaluated from that
    structure, $O(\text{units} + |x|\log N)$, without its trees; what would write every tree
    or unit output down (``parameters()``, ``to_torch()``, ``units()``) refuses beyond
    :data:`~lmirrors.libraries.switching.LAYER_CAKE_BYTES`.
    """

    kind = "sign"

    neurons: Sequence[SignNeuron]
    a: np.ndarray
    s: np.ndarray
    xi: float
    activation: Activation = SIGN
    input_shift: float = 0.0
    cake: LayerCake | None = None

    @property
    def depth(self) -> int:
        """Number of weight layers (the step layers of a unit plus the output weight)."""
        if self.cake is not None:
            return 2 + len(self.cake.widths)
        return 1 + max((g.layers for g in self.neurons), default=1)

    @property
    def width(self) -> int:
        return len(self.neurons)

    def __call__(self, x) -> np.ndarray:
        if self.cake is None:
            return super().__call__(x)
        x = self.inputs(as_1d(x, "x", scalar=True))
        return self.xi + self.cake.total(x, self.a * self.s, self.activation.low)

    def units(self, x) -> np.ndarray:
        x = self.inputs(x)
        if self.cake is not None:
            self._check_size(8.0 * self.width * x.size, f"the outputs of its {self.width:,} units at {x.size:,} points")
            return np.where(self.cake.high(x), 1.0, self.activation.low) * (self.a * self.s)[:, None]
        if not self.neurons:
            return np.zeros((0, x.size))
        units = zip(self.a, self.s, self.neurons, strict=True)
        return np.array([a * s * g(x, self.activation) for a, s, g in units])

    def _check_size(self, n_bytes: float, what: str) -> None:
        check_layer_cake(
            n_bytes,
            f"{what} of this every-pattern sign network",
            "its output is network(x) (fit.predict), one unit's tree is network.neurons[k]",
        )

    def penalty(self, beta: float) -> float:
        r"""$\tfrac\beta2\sum_k (a_k^2 + s_k^2)$ (inner weights are scale-free and not penalised)."""
        return step_penalty(self.a, self.s, beta)

    def breakpoints(self) -> np.ndarray:
        """Every first-layer threshold of the network, sorted (the output can only jump there)."""
        if self.cake is not None:
            return distinct_points(-self.cake.bias + self.input_shift)
        thresholds = [t for g in self.neurons for t in g.first_layer_thresholds()]
        return distinct_points(np.asarray(thresholds) + self.input_shift)

    def centred(self, shift: float) -> SignNetwork:
        r"""The same function with input map $x \mapsto x - \text{shift}$ (first-layer biases $b \mapsto b + w\Delta$)."""
        delta = float(shift) - self.input_shift
        neurons = LazyFeatures(np.arange(len(self.neurons)), lambda k: self.neurons[k].shifted(delta))
        cake = None if self.cake is None else self.cake.shifted(delta)
        return SignNetwork(neurons, self.a, self.s, self.xi, self.activation, float(shift), cake)

    def describe(self) -> str:
        name = self.activation.name
        neurons = sum(g.size for g in self.neurons) if self.cake is None else self.cake.neurons
        return (
            f"{self.width} unit(s) of depth {self.depth} ({name}): {neurons} {name} neurons, "
            f"{2 * self.width} penalised weights (a, s) and an output bias {self.xi:.6g}"
        )

    def parameters(self) -> dict[str, Any]:
        if self.cake is not None:
            self._check_size(NEURON_BYTES * self.cake.neurons, f"the {self.cake.neurons:,} tree neurons")
        return {
            "activation": self.activation.name,
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
        network = cls(neurons, a, s, real_number(description, "output_bias"), step_activation(description))
        if description.get("depth") != network.depth:
            raise ValueError(
                f"network description: 'depth' is {description.get('depth')!r} but the neurons make depth {network.depth}"
            )
        return network

    def to_torch(self):
        if self.cake is not None:
            self._check_size(
                NEURON_BYTES * self.cake.neurons, f"the torch modules of the {self.cake.neurons:,} tree neurons"
            )
        from .torch_modules import TorchSignNetwork

        return TorchSignNetwork(self)
