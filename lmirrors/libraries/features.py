r"""Normalised narrow units: the columns of the piecewise-linear libraries.

A *narrow* unit of depth $L$ is a chain of scalar neurons

$$ h_0 = x,\qquad h_l = \sigma(w_l h_{l-1} + b_l)\ (l = 1..L-1),\qquad \text{unit}(x) = w_L h_{L-1}. $$

It is *normalised* when every non-bias weight is $\pm 1$ and $w_L = +1$; the Lasso
coefficient $z$ then carries the output sign and scale. For a homogeneous activation,
rescaling the layers by $c = |z|^{1/L}$ turns a normalised unit into one computing
$z\cdot$feature with penalty $\tfrac{\beta}{L}\sum_l |w_l|^L = \beta |z|$, the least
penalty any rescaling of that unit can have (AM-GM); :mod:`lmirrors.networks.reconstruction`
writes those weights down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation


@dataclass(frozen=True)
class Feature:
    """A normalised unit: inner weights ``signs`` (each $\\pm1$), ``biases``, its kinks in $x$
    (``breakpoints``), a ``label`` in words and, per kink, how it derives from the points the
    library was built on (``kinds``: ``"data"``, ``"midpoint"``, ``"reflection"``, ...)."""

    activation: Activation
    signs: tuple[float, ...]
    biases: tuple[float, ...]
    breakpoints: tuple[float, ...]
    label: str
    kinds: tuple[str, ...] = ()

    @property
    def depth(self) -> int:
        """Number of weight layers $L$ of the unit."""
        return len(self.signs) + 1

    def __call__(self, x) -> np.ndarray:
        h = np.asarray(x, dtype=float)
        for w, b in zip(self.signs, self.biases, strict=True):
            h = self.activation(w * h + b)
        return h


def number(t: float) -> str:
    """A short number with a typographic minus sign."""
    return f"{t:.4g}".replace("-", "−")


def x_minus(t: float) -> str:
    """``x − t`` written without a double sign."""
    if t == 0:
        return "x"
    return f"x + {number(-t)}" if t < 0 else f"x − {number(t)}"
