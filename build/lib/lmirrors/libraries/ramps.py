r"""Two-layer networks: the ramp library (paper, v4 Section 3, the two-layer theorem).

A two-layer unit with a piecewise-linear activation $\sigma$ (ReLU, leaky ReLU with slope
$\gamma$, absolute value) is, once normalised, $\sigma(d\,(x - t))$ with direction $d = \pm1$
and kink $t$. On the data $x_1 < \dots < x_N$ the correlation $|r^\top \sigma(d(X - t))|$ is
piecewise linear in $t$ with breaks at the data, so its maximum sits at a data point: the
library is

* ReLU: $(x - x_n)_+$ and $(x_n - x)_+$ ($2N$ candidates; $(x - x_1)_+$ is the linear feature);
* leaky ReLU: $\sigma_\gamma(x - x_n)$ and $\sigma_\gamma(x_n - x)$ ($2N$);
* absolute value: $|x - x_n|$ ($N$).

Columns equal up to a constant or a sign (and constant columns) are dropped when the dense
library is built; :func:`two_layer_columns` lists the survivors in the same order, which is
what :func:`two_layer_dictionary` stores matrix-free in $O(N)$ memory.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..activations import Activation, get_activation
from ..convex.dictionary import RampDictionary
from .features import Feature, number, x_minus
from .library import Candidates


def ramp(t: float, direction: int, activation: Activation) -> Feature:
    r"""The two-layer feature $\sigma(d\,(x - t))$ with kink at $t$ and direction $d = \pm 1$."""
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction}")
    inner = x_minus(t) if direction == 1 else ("−x" if t == 0 else f"{number(t)} − x")
    label = {
        "relu": f"ramp ({inner})₊",
        "leaky_relu": f"leaky ramp σ({inner})",
        "abs": f"|{x_minus(t)}|",
    }[activation.name]
    return Feature(activation, (float(direction),), (-direction * float(t),), (float(t),), label, ("data",))


def ramp_candidates(kinks: np.ndarray, activation: Activation) -> Candidates:
    r"""$\sigma(d(x - t))$ for every kink $t$ in ``kinks`` and $d = +1$, then $d = -1$ (abs: $d = +1$ only)."""
    directions = (1,) if activation.name == "abs" else (1, -1)
    t = np.concatenate([kinks for _ in directions])
    d = np.repeat(directions, kinks.size)
    return Candidates(
        t.size,
        lambda x: activation(d[None, :] * (np.asarray(x, dtype=float)[:, None] - t[None, :])),
        partial(_ramp_of, t, d, activation),
    )


def _ramp_of(kinks: np.ndarray, directions: np.ndarray, activation: Activation, k: int) -> Feature:
    return ramp(kinks[k], int(directions[k]), activation)


def two_layer_columns(x, activation: str | Activation = "relu", slope: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    r"""Kink $t_j$ and direction $d_j = \pm1$ of every column $\sigma(d_j(x - t_j))$ of the 2-layer library.

    The order of the dense library on sorted distinct data $x_1<\dots<x_N$, which drops
    constants and duplicates: ReLU $(x - x_n)_+$, $n < N$, then $(x_n - x)_+$, $1 < n < N$;
    leaky ReLU $\sigma(x - x_n)$ for all $n$, then $\sigma(x_n - x)$, $1 < n < N$; abs
    $|x - x_n|$, $n < N$.
    """
    activation = get_activation(activation, slope)
    xs = np.unique(np.asarray(x, dtype=float))
    if activation.name == "abs":
        blocks = [(xs[:-1], 1)]
    elif activation.name == "relu" or activation.slope == 0.0:
        blocks = [(xs[:-1], 1), (xs[1:-1], -1)]
    else:
        blocks = [(xs, 1), (xs[1:-1], -1)]
    kinks = np.concatenate([t for t, _ in blocks])
    return kinks, np.concatenate([np.full(t.size, d) for t, d in blocks])


def _kink_terms(t, above, below, x1):
    r"""Ramp expansion of the function $g$ with kink at $t$, $g(t) = 0$, slope ``above`` $= a$
    right of $t$ and ``below`` $= b$ left of it, on data $\ge x_1$:
    $g = (a - b)(x - t)_+ + b(x - x_1)_+ + b(x_1 - t)$, since
    $x - t = (x - x_1)_+ + (x_1 - t)$ there. Returns (kinks, weights, offset) per column."""
    t = np.asarray(t, dtype=float)
    above, below = np.broadcast_to(above, t.shape), np.broadcast_to(below, t.shape)
    return np.stack([t, np.full_like(t, x1)]), np.stack([above - below, below]), below * (x1 - t)


def two_layer_dictionary(x, activation: str | Activation = "relu", slope: float = 0.01) -> RampDictionary:
    r"""The 2-layer library as a matrix-free ramp dictionary.

    Same columns in the same order as the dense library (see :func:`two_layer_columns`).
    Built in $O(N)$ memory, so it scales to $N = 10^5$ and beyond.
    """
    activation = get_activation(activation, slope)
    kinks, directions = two_layer_columns(x, activation)
    # slope of sigma(u) for u < 0: 0 (ReLU), gamma (leaky), -1 (abs)
    low = -1.0 if activation.name == "abs" else activation.slope
    above = np.where(directions == 1, 1.0, -low)
    below = np.where(directions == 1, low, -1.0)
    kink_pos, weights, offsets = _kink_terms(kinks, above, below, float(np.min(x)))
    columns = np.broadcast_to(np.arange(kinks.size), kink_pos.shape)
    return RampDictionary.from_terms(x, kink_pos.ravel(), weights.ravel(), columns.ravel(), offsets)


def two_layer_features(x, activation: Activation):
    """The :class:`Feature` of column ``k`` of :func:`two_layer_dictionary` (a function of ``k``)."""
    kinks, directions = two_layer_columns(x, activation)
    return partial(_ramp_of, kinks, directions, activation)
