r"""Scalar activation functions used by the networks, and the neurons built from them.

Every activation here except the two *step* activations (``sign`` and ``threshold``) is
positively homogeneous of degree one, $\sigma(c\,t) = c\,\sigma(t)$ for $c > 0$, which is what
lets a unit's weights be rescaled without changing its output (the AM-GM step of the Lasso
equivalence). Step activations are instead scale-free, $\sigma(c\,t) = \sigma(t)$.

A *neuron* maps its input $h$ to $\sigma(w h + b)$. The symmetrized ReLU neuron (our
definition; see :class:`Activation`) is a ReLU neuron plus its mirror image,
$(w h + b)_+ + (-w h + b')_+$, with two biases: :attr:`Activation.bias_shape` says how many
biases a neuron holds, and :meth:`Activation.neuron` applies one layer of any kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KNOWN_ACTIVATIONS = ("relu", "leaky_relu", "abs", "symmetrized_relu", "sign", "threshold")
STEP_LOW = {"sign": -1.0, "threshold": 0.0}
"""The value of each step activation below zero (both are $1$ at and above zero)."""


@dataclass(frozen=True)
class Activation:
    r"""A scalar activation $\sigma$.

    ``relu``: $\max(t, 0)$; ``leaky_relu``: $\max(t, \gamma t)$ with slope
    $0 \le \gamma < 1$; ``abs``: $|t|$; ``sign``: $+1$ for $t \ge 0$, else $-1$;
    ``threshold`` (the 0/1 step): $\mathbb 1\{t \ge 0\}$. The only kink (or jump) of each is at
    $t = 0$.

    ``symmetrized_relu`` (the book's definition, not taken from the paper): a neuron adds a ReLU
    neuron and its mirror image with their own biases,
    $(w h + b)_+ + (-w h + b')_+$; with $b = b' = 0$ it is $(t)_+ + (-t)_+ = |t|$, which is what
    calling it on $t$ returns.
    """

    name: str
    slope: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in KNOWN_ACTIVATIONS:
            raise ValueError(f"unknown activation {self.name!r}; choose one of {', '.join(KNOWN_ACTIVATIONS)}")
        if self.name == "leaky_relu" and not 0.0 <= self.slope < 1.0:
            raise ValueError(f"leaky_relu needs a slope in [0, 1), got {self.slope}")

    @property
    def homogeneous(self) -> bool:
        """True when $\\sigma(ct) = c\\sigma(t)$ for every $c > 0$."""
        return not self.step

    @property
    def step(self) -> bool:
        """True for the step activations ``sign`` and ``threshold`` (two output values)."""
        return self.name in STEP_LOW

    @property
    def low(self) -> float:
        """The output of a step activation below zero ($-1$ for sign, $0$ for threshold)."""
        return STEP_LOW[self.name]

    @property
    def bias_shape(self) -> tuple[int, ...]:
        """The array shape of one neuron's bias, ``()`` (one bias) or ``(2,)`` for the symmetrized ReLU $(b, b')$."""
        return (2,) if self.name == "symmetrized_relu" else ()

    def __call__(self, t):
        t = np.asarray(t, dtype=float)
        if self.name == "relu":
            return np.maximum(t, 0.0)
        if self.name == "leaky_relu":
            return np.maximum(t, self.slope * t)
        if self.name in ("abs", "symmetrized_relu"):
            return np.abs(t)
        return np.where(t >= 0.0, 1.0, self.low)

    def torch(self, t):
        """The same function on a torch tensor (for training)."""
        import torch

        if self.name == "relu":
            return torch.relu(t)
        if self.name == "leaky_relu":
            return torch.maximum(t, self.slope * t)
        if self.name in ("abs", "symmetrized_relu"):
            return torch.abs(t)
        raise ValueError(f"{self.name} has zero gradient almost everywhere; it cannot be trained with Adam")

    def pre_activations(self, w, h, b) -> tuple:
        r"""What the neuron's activations act on: $(w h + b,)$, or $(w h + b, -w h + b')$ for the
        symmetrized ReLU (``b[..., 0]``, ``b[..., 1]``). The neuron bends where one of them is 0."""
        if self.bias_shape:
            return w * h + b[..., 0], -w * h + b[..., 1]
        return (w * h + b,)

    def neuron(self, w, h, b):
        r"""One layer, $\sigma(w h + b)$ or $(w h + b)_+ + (-w h + b')_+$, on numpy arrays (``b``
        broadcast against ``h`` with :attr:`bias_shape` trailing)."""
        if self.bias_shape:
            return sum(np.maximum(u, 0.0) for u in self.pre_activations(w, h, b))
        return self(w * h + b)

    def neuron_torch(self, w, h, b):
        """:meth:`neuron` on torch tensors (differentiable)."""
        import torch

        if self.bias_shape:
            return sum(torch.relu(u) for u in self.pre_activations(w, h, b))
        return self.torch(w * h + b)

    def neuron_slope(self, w, h, b):
        r"""$\partial_h$ of :meth:`neuron` where no pre-activation is 0 (the ReLU, leaky and
        absolute value slopes $1, \gamma, \pm1$ times $w$)."""
        if self.bias_shape:
            u, v = self.pre_activations(w, h, b)
            return w * ((u > 0).astype(float) - (v > 0).astype(float))
        u = w * h + b
        if self.name == "abs":
            return w * np.sign(u)
        if self.step:
            return np.zeros_like(u)
        return w * np.where(u > 0, 1.0, self.slope)


def layer_bias(B, layer: int, activation: Activation):
    """Biases of hidden layer ``layer`` from ``B[..., units, L - 1, *bias_shape]``, shaped to
    broadcast against activations ``[..., units, points]`` (numpy or torch)."""
    return B[..., layer, None, :] if activation.bias_shape else B[..., layer, None]


def get_activation(name: str | Activation, slope: float = 0.01) -> Activation:
    """Look up an activation by name (``slope`` is used by ``leaky_relu`` only)."""
    if isinstance(name, Activation):
        return name
    key = str(name).lower().replace("-", "_").replace(" ", "_")
    key = {
        "leaky": "leaky_relu",
        "absolute": "abs",
        "absolute_value": "abs",
        "symmetrized": "symmetrized_relu",
        "symmetrised_relu": "symmetrized_relu",
    }.get(key, key)
    return Activation(key, slope if key == "leaky_relu" else 0.0)
