r"""Normalised narrow units: the columns of the piecewise-linear libraries.

A *narrow* unit of depth $L$ is a chain of scalar neurons

$$ h_0 = x,\qquad h_l = \sigma(w_l h_{l-1} + b_l)\ (l = 1..L-1),\qquad \text{unit}(x) = w_L h_{L-1} $$

(a symmetrized ReLU neuron is $(w h + b)_+ + (-w h + b')_+$ instead, with two biases). It is *normalised* when every non-bias weight is $\pm 1$ and $w_L = +1$; the Lasso
coefficient $z$ then carries the output sign and scale. For a homogeneous activation,
rescaling the layers by $c = |z|^{1/L}$ turns a normalised unit into one computing
$z\cdot$feature with penalty $\tfrac{\beta}{L}\sum_l |w_l|^L = \beta |z|$, the least
penalty any rescaling of that unit can have (AM-GM); :mod:`lmirrors.networks.reconstruction`
writes those weights down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation, layer_bias
from ..convex.dictionary import RampDictionary


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
            h = self.activation.neuron(w, h, np.asarray(b))
        return h


def chain_forward(activation: Activation, signs: np.ndarray, biases: np.ndarray, t) -> tuple[np.ndarray, np.ndarray]:
    r"""Values and slopes $f'$ of many normalised units at points.

    ``signs`` $(M, L-1)$ and ``biases`` $(M, L-1, \text{bias shape})$ are the inner weights and
    biases of $M$ units; ``t`` broadcasts to $(M, P)$ (one row of points per unit, or one row
    for all). Slopes are exact where no pre-activation vanishes (chain rule,
    :meth:`~lmirrors.activations.Activation.neuron_slope`). Returns two $(M, P)$ arrays.
    """
    h = np.asarray(t, dtype=float)
    slope = np.ones_like(h)
    for layer in range(signs.shape[1]):
        w, b = signs[:, layer, None], layer_bias(biases, layer, activation)
        slope = slope * activation.neuron_slope(w, h, b)
        h = activation.neuron(w, h, b)
    return h, slope


def chain_dictionary(
    x, activation: Activation, signs: np.ndarray, biases: np.ndarray, tau: np.ndarray
) -> RampDictionary:
    r"""Normalised units (as in :func:`chain_forward`) as a matrix-free ramp dictionary on data ``x``.

    ``tau`` $(M, K)$ lists, per unit, every point where one of its pre-activations can vanish (a
    superset of its kinks is fine). The unit is affine between consecutive sorted $\tau$, so
    its slope there is the exact slope at the midpoint, and with slope changes $\Delta_\tau$,
    on data $x_1 \le x \le x_N$

    $$ f(x) = f(x_1) + s\,(x - x_1)_+ + \sum_{x_1 < \tau < x_N} \Delta_\tau (x - \tau)_+,
       \qquad s = f'(\min\tau - 1) + \sum_{\tau \le x_1} \Delta_\tau $$

    (at most $K + 1$ ramps per column). Columns keep the order of the rows.
    """
    x = np.asarray(x, dtype=float)
    points = np.unique(x)
    tau = np.sort(tau, axis=1)
    probes = np.hstack([tau[:, :1] - 1.0, 0.5 * (tau[:, 1:] + tau[:, :-1]), tau[:, -1:] + 1.0])
    slopes = chain_forward(activation, signs, biases, probes)[1]
    change = np.diff(slopes, axis=1)
    tol = 1e-13 * max(float(np.abs(points).max()), 1e-300)  # float resolution at the points
    left = tau <= points[0] + tol
    start = slopes[:, 0] + (change * left).sum(axis=1)
    inside = ~left & (tau < points[-1] - tol) & (change != 0)
    columns = np.arange(tau.shape[0])
    return RampDictionary.from_terms(
        x,
        np.concatenate([np.full(columns.size, points[0]), tau[inside]]),
        np.concatenate([start, change[inside]]),
        np.concatenate([columns, np.nonzero(inside)[0]]),
        chain_forward(activation, signs, biases, points[None, :1])[0][:, 0],
    )


def number(t: float) -> str:
    """A short number with a typographic minus sign."""
    return f"{t:.4g}".replace("-", "−")


def x_minus(t: float) -> str:
    """``x − t`` written without a double sign."""
    if t == 0:
        return "x"
    return f"x + {number(-t)}" if t < 0 else f"x − {number(t)}"
