r"""Deep narrow leaky ReLU networks: chains with every kink at a data point (paper, v4 Theorem 3.7).

A normalised depth-$L$ unit of leaky ReLUs $\sigma_\gamma(t) = \max(t, \gamma t)$, $0 < \gamma < 1$, is

$$ h_0 = x,\qquad h_l = \sigma_\gamma(s_l h_{l-1} + b_l),\ s_l = \pm1,\qquad f = h_{L-1}. $$

Every $\sigma_\gamma$ is strictly increasing, so each $h_l$ is strictly monotone in $x$ with slopes
in $\{\pm1, \pm\gamma, \pm\gamma^2, \dots\}$, never 0: the pre-activation of layer $l$ crosses zero
exactly once, at a point $t_l$, and $b_l = -s_l h_{l-1}(t_l)$ is a bijection between biases
and kink positions. On the data, $f$ is affine in the biases on each cell of the arrangement
$\{t_l = x_n\}$, so $|r^\top f|$ peaks at a vertex: $L - 1$ independent constraints
$t_l = x_n$, one per layer, since a layer has only one zero. Hence **every kink sits on a data
point**: the library is the $(2N)^{L-1}$ chains with signs $s \in \{\pm1\}^{L-1}$ and kinks
$t \in \{x_1, \dots, x_N\}^{L-1}$. There are no reflections: a reflection needs two kinks from
one pre-activation, which only a non-monotone activation (the absolute value) provides. A layer
whose zero lies outside the data range is affine there; its kink at $x_1$ or $x_N$ gives the
same columns, so the library also holds every lower depth. The paper's bound for leaky ReLU
is $O(N^{L-1} 2^L L!)$ features; this count is $2^{L-1} N^{L-1}$.

With $\gamma = 0$ (ReLU) the chains with kinks at data points are the capped ramps of
:mod:`~lmirrors.libraries.capped_ramps` (and duplicates), as they should be.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial

import numpy as np

from ..activations import Activation
from ..convex.dictionary import RampDictionary
from .features import Feature, chain_dictionary, chain_forward, number
from .library import Candidates


def leaky_chains(points: np.ndarray, depth: int, activation: Activation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Signs $s$, biases $b$ and kinks $t$ (each $(M, L - 1)$, $M = (2N)^{L-1}$) of every chain with its
    kinks at ``points``: sign patterns in ``itertools.product((1, -1))`` order, kinks in
    ``itertools.product(points)`` order within each. $b_l = -s_l h_{l-1}(t_l)$."""
    patterns = np.array(list(itertools.product((1.0, -1.0), repeat=depth - 1)))
    pins = np.array(list(itertools.product(points, repeat=depth - 1)))
    signs = np.repeat(patterns, len(pins), axis=0)
    kinks = np.tile(pins, (len(patterns), 1))
    biases = np.empty_like(kinks)
    at_kinks = kinks.copy()  # h_{l-1} at every kink point, layer by layer
    for layer in range(depth - 1):
        biases[:, layer] = -signs[:, layer] * at_kinks[:, layer]
        at_kinks = activation(signs[:, layer, None] * at_kinks + biases[:, layer, None])
    return signs, biases, kinks


def leaky_chain(sign: np.ndarray, bias: np.ndarray, kinks: np.ndarray, activation: Activation) -> Feature:
    r"""One chain (a row of :func:`leaky_chains`) as a :class:`Feature`. Its breakpoints are the
    ``kinks`` where the slope changes: all of them for $\gamma > 0$ unless two coincide and
    cancel; for $\gamma = 0$ a kink on a flat stretch does nothing."""
    t = np.unique(kinks)
    step = 0.25 * (np.diff(t).min() if t.size > 1 else 1.0)
    probes = np.concatenate([t - step, t + step])[None, :]
    slopes = chain_forward(activation, sign[None, :], bias[None, :], probes)[1][0].reshape(2, -1)
    bends = t[np.abs(slopes[1] - slopes[0]) > 1e-12]
    arrows = "".join("↑" if s > 0 else "↓" for s in sign)
    label = f"leaky chain {arrows}, kinks " + ", ".join(f"{number(v)} (data)" for v in bends)
    signs, biases = tuple(float(s) for s in sign), tuple(float(b) for b in bias)
    return Feature(activation, signs, biases, tuple(float(v) for v in bends), label, ("data",) * bends.size)


def leaky_candidates(kinks: np.ndarray, depth: int, activation: Activation) -> Candidates:
    """Every chain with its kinks at ``kinks`` (:func:`leaky_chains`) as a candidate unit."""
    signs, biases, pins = leaky_chains(kinks, depth, activation)
    return Candidates(
        len(signs),
        lambda x: chain_forward(activation, signs, biases, np.asarray(x, dtype=float)[None, :])[0].T,
        partial(_chain_of, signs, biases, pins, activation),
    )


def _chain_of(signs: np.ndarray, biases: np.ndarray, pins: np.ndarray, activation: Activation, k: int) -> Feature:
    return leaky_chain(signs[k], biases[k], pins[k], activation)


def leaky_dictionary(x, depth: int, activation: Activation) -> tuple[RampDictionary, Callable[[int], Feature]]:
    r"""The library on ``x`` as a matrix-free ramp dictionary (all $(2N)^{L-1}$ chains, in the order
    of :func:`leaky_chains`; at most $L$ ramps each) and the feature of column ``k``."""
    x = np.asarray(x, dtype=float)
    signs, biases, pins = leaky_chains(np.unique(x), depth, activation)
    return chain_dictionary(x, activation, signs, biases, pins), partial(_chain_of, signs, biases, pins, activation)
