r"""Normalised units: the columns of the Lasso dictionary.

A *narrow* unit of depth $L$ is a chain of scalar neurons

$$ h_0 = x,\qquad h_l = \sigma(w_l h_{l-1} + b_l)\ (l = 1..L-1),\qquad \text{unit}(x) = w_L h_{L-1}. $$

It is *normalised* when every non-bias weight is $\pm 1$ and $w_L = +1$; the Lasso
coefficient $z$ then carries the output sign and scale. For a homogeneous activation,
rescaling the layers by $c = |z|^{1/L}$ turns a normalised unit into one computing
$z\cdot$feature with penalty $\tfrac{\beta}{L}\sum_l |w_l|^L = \beta |z|$, the least
penalty any rescaling of that unit can have (AM-GM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation


@dataclass(frozen=True)
class Feature:
    """A normalised unit: inner weights ``signs`` (each $\\pm1$), ``biases``, and its kinks in $x$."""

    activation: Activation
    signs: tuple[float, ...]
    biases: tuple[float, ...]
    breakpoints: tuple[float, ...]
    label: str

    @property
    def depth(self) -> int:
        """Number of weight layers $L$ of the unit."""
        return len(self.signs) + 1

    def __call__(self, x) -> np.ndarray:
        h = np.asarray(x, dtype=float)
        for w, b in zip(self.signs, self.biases, strict=True):
            h = self.activation(w * h + b)
        return h

    def unit_weights(self, z: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        r"""Balanced weights of the unit computing $z\cdot$feature.

        Returns ``(weights, biases)``: $w_l = s_l c$ ($l < L$), $w_L = \operatorname{sign}(z)\,c$
        and $b_l = b^{\rm feat}_l c^l$ with $c = |z|^{1/L}$, so every layer has $|w_l| = c$.
        """
        c = abs(z) ** (1.0 / self.depth)
        weights = np.array([*(s * c for s in self.signs), np.sign(z) * c])
        biases = np.array([b * c ** (layer + 1) for layer, b in enumerate(self.biases)])
        return weights, biases


def _num(t: float) -> str:
    """A short number with a typographic minus sign."""
    return f"{t:.4g}".replace("-", "−")


def _x_minus(t: float) -> str:
    """``x − t`` written without a double sign."""
    if t == 0:
        return "x"
    return f"x + {_num(-t)}" if t < 0 else f"x − {_num(t)}"


def ramp(t: float, direction: int, activation: Activation) -> Feature:
    r"""The two-layer feature $\sigma(d\,(x - t))$ with kink at $t$ and direction $d = \pm 1$."""
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction}")
    inner = _x_minus(t) if direction == 1 else ("−x" if t == 0 else f"{_num(t)} − x")
    label = {
        "relu": f"ramp ({inner})₊",
        "leaky_relu": f"leaky ramp σ({inner})",
        "abs": f"|{_x_minus(t)}|",
    }[activation.name]
    return Feature(activation, (float(direction),), (-direction * float(t),), (float(t),), label)


def capped_ramp(a: float, b: float, depth: int, activation: Activation) -> Feature:
    r"""The deep ReLU feature $\operatorname{clip}(x, a, b) - a$ ($a < b$) as a narrow chain.

    $h_1 = (b - x)_+$, $h_2 = (b - a - h_1)_+$ equals $\operatorname{clip}(x, a, b) - a$;
    further layers are $(h + 0)_+ = h$ (valid because $h \ge 0$).
    """
    if not a < b:
        raise ValueError(f"a capped ramp needs a < b, got a = {a}, b = {b}")
    if depth < 3:
        raise ValueError(f"a capped ramp needs depth >= 3 (two hidden layers), got {depth}")
    pad = depth - 3
    signs = (-1.0, -1.0, *([1.0] * pad))
    biases = (float(b), float(b - a), *([0.0] * pad))
    return Feature(activation, signs, biases, (float(a), float(b)), f"capped ramp {_num(a)}→{_num(b)}")
