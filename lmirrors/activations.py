r"""Scalar activation functions used by the networks.

Every activation here except the two *step* activations (``sign`` and ``threshold``) is
positively homogeneous of degree one, $\sigma(c\,t) = c\,\sigma(t)$ for $c > 0$, which is what
lets a unit's weights be rescaled without changing its output (the AM-GM step of the Lasso
equivalence). Step activations are instead scale-free, $\sigma(c\,t) = \sigma(t)$.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KNOWN_ACTIVATIONS = ("relu", "leaky_relu", "abs", "sign", "threshold")
STEP_LOW = {"sign": -1.0, "threshold": 0.0}
"""The value of each step activation below zero (both are $1$ at and above zero)."""


@dataclass(frozen=True)
class Activation:
    r"""A scalar activation $\sigma$.

    ``relu``: $\max(t, 0)$; ``leaky_relu``: $\max(t, \gamma t)$ with slope
    $0 \le \gamma < 1$; ``abs``: $|t|$; ``sign``: $+1$ for $t \ge 0$, else $-1$;
    ``threshold`` (the 0/1 step): $\mathbb 1\{t \ge 0\}$. The only kink (or jump) of each is at
    $t = 0$.
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

    def __call__(self, t):
        t = np.asarray(t, dtype=float)
        if self.name == "relu":
            return np.maximum(t, 0.0)
        if self.name == "leaky_relu":
            return np.maximum(t, self.slope * t)
        if self.name == "abs":
            return np.abs(t)
        return np.where(t >= 0.0, 1.0, self.low)

    def torch(self, t):
        """The same function on a torch tensor (for training)."""
        import torch

        if self.name == "relu":
            return torch.relu(t)
        if self.name == "leaky_relu":
            return torch.maximum(t, self.slope * t)
        if self.name == "abs":
            return torch.abs(t)
        raise ValueError(f"{self.name} has zero gradient almost everywhere; it cannot be trained with Adam")


def get_activation(name: str | Activation, slope: float = 0.01) -> Activation:
    """Look up an activation by name (``slope`` is used by ``leaky_relu`` only)."""
    if isinstance(name, Activation):
        return name
    key = str(name).lower().replace("-", "_").replace(" ", "_")
    key = {"leaky": "leaky_relu", "absolute": "abs", "absolute_value": "abs"}.get(key, key)
    return Activation(key, slope if key == "leaky_relu" else 0.0)
