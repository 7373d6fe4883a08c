r"""From a Lasso solution to the weights of a network whose own objective equals it.

Each nonzero $z_k$ becomes one unit; the maps are kept apart from the network classes so a
network can exist (trained, loaded from JSON) without a library.

* Piecewise-linear units (:func:`parallel_network`): the normalised feature's layers are all
  rescaled to magnitude $c = |z_k|^{1/L}$ (*balanced*), so the unit computes $z_k\cdot$feature
  and its penalty $\tfrac\beta L\sum_l|w_l|^L = \beta|z_k|$ (AM-GM is tight when balanced).
* Sign units (:func:`sign_network`): the pattern becomes a tree of sign neurons of the
  architecture's widths (:func:`sign_tree`) with $|a_k| = s_k = |z_k|^{1/2}$, penalty
  $\tfrac\beta2(a_k^2 + s_k^2) = \beta|z_k|$.

Either way $J(\theta) = \tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$, the Lasso objective.
"""

from __future__ import annotations

import math

import numpy as np

from ..convex.lasso import LassoSolution
from ..libraries.features import Feature
from ..libraries.library import Library
from ..libraries.switching import SignPattern
from .parallel import ParallelNetwork
from .sign import SignNetwork, SignNeuron


def chain_weights(feature: Feature, z: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Balanced weights of the unit computing $z\cdot$feature.

    Returns ``(weights, biases)``: $w_l = s_l c$ ($l < L$), $w_L = \operatorname{sign}(z)\,c$
    and $b_l = b^{\rm feat}_l c^l$ with $c = |z|^{1/L}$, so every layer has $|w_l| = c$.
    """
    c = abs(z) ** (1.0 / feature.depth)
    weights = np.array([*(s * c for s in feature.signs), np.sign(z) * c])
    biases = np.array([np.asarray(b) * c ** (layer + 1) for layer, b in enumerate(feature.biases)])
    return weights, biases


def parallel_network(library: Library, solution: LassoSolution) -> ParallelNetwork:
    """One balanced unit per nonzero coefficient (:func:`chain_weights`)."""
    depth = library.architecture.depth
    support = solution.support
    W = np.zeros((support.size, depth))
    B = np.zeros((support.size, depth - 1, *library.architecture.activation.bias_shape))
    for row, k in enumerate(support):
        W[row], B[row] = chain_weights(library.features[k], solution.z[k])
    return ParallelNetwork(library.architecture.activation, W, B, solution.xi)


def sign_tree(pattern: SignPattern, widths: tuple[int, ...]) -> tuple[SignNeuron, float]:
    r"""A tree of sign neurons with these ``widths`` and a sign $\pm1$ with pattern = sign · tree.

    Depth 2 (``widths = ()``): one neuron $\operatorname{sign}(x - t)$. Deeper: the
    construction in :mod:`lmirrors.libraries.switching` (switches cut into contiguous groups,
    one child per group).
    """
    if not widths:
        if len(pattern.thresholds) != 1:
            raise ValueError(f"a depth-2 unit switches once, this pattern switches {len(pattern.thresholds)} times")
        return SignNeuron((1.0,), -pattern.thresholds[0]), -pattern.start
    return _tree(pattern.start, list(pattern.thresholds), widths), 1.0


def _tree(start: float, thresholds: list[float], widths: tuple[int, ...]) -> SignNeuron:
    """The sign neuron whose output is the pattern starting at ``start`` and switching at ``thresholds``."""
    if len(thresholds) > math.prod(widths):
        raise ValueError(f"{len(thresholds)} switches exceed the capacity {math.prod(widths)} of widths {widths}")
    if len(widths) == 1:
        leaves = tuple(SignNeuron((1.0,), -t) for t in thresholds)
        v = tuple(start * (-1.0) ** i for i in range(1, len(thresholds) + 1))
        return SignNeuron(v, start * (1.0 + sum((-1.0) ** i for i in range(1, len(thresholds) + 1))), leaves)
    size = math.prod(widths[:-1])
    groups = [thresholds[i : i + size] for i in range(0, len(thresholds), size)]
    children, after = [], start
    for group in groups:
        children.append(_tree(after, group, widths[:-1]))
        after *= (-1.0) ** len(group)
    ends, value = [], start
    for group in groups[:-1]:
        value *= (-1.0) ** len(group)
        ends.append(value)
    return SignNeuron(tuple(1.0 for _ in children), -float(sum(ends)), tuple(children))


def sign_network(library: Library, solution: LassoSolution) -> SignNetwork:
    r"""One unit per nonzero $z_k$: its pattern's tree and balanced $|a_k| = s_k = |z_k|^{1/2}$."""
    widths = library.architecture.options["widths"]
    neurons, a, s = [], [], []
    for k in solution.support:
        neuron, sign = sign_tree(library.features[k], widths)
        z = solution.z[k]
        neurons.append(neuron)
        a.append(np.sign(z) * sign * np.sqrt(abs(z)))
        s.append(np.sqrt(abs(z)))
    return SignNetwork(neurons, np.array(a), np.array(s), solution.xi)
