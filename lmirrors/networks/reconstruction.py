r"""From a Lasso solution to the weights of a network whose own objective equals it.

Each nonzero $z_k$ becomes one unit; the maps are kept apart from the network classes so a
network can exist (trained, loaded from JSON) without a library.

* Piecewise-linear units (:func:`parallel_network`): the normalised feature's layers are all
  rescaled to magnitude $c = |z_k|^{1/L}$ (*balanced*), so the unit computes $z_k\cdot$feature
  and its penalty $\tfrac\beta L\sum_l|w_l|^L = \beta|z_k|$ (AM-GM is tight when balanced).
* Step units, sign or threshold (:func:`sign_network`): the pattern becomes a tree of step
  neurons of the architecture's widths (:func:`step_tree`) with $|a_k| = s_k = |z_k|^{1/2}$,
  penalty $\tfrac\beta2(a_k^2 + s_k^2) = \beta|z_k|$.
* Rectangular step networks (:func:`rectangular_network`): the patterns become neurons of one
  shared layer fed by one shared first layer of steps, copied up to the last hidden layer.
* Planar units (:func:`planar_network`): $\sigma(w^\top x + b)$ with $\|w\|_p = 1$ becomes
  $a\,\sigma(c\,w^\top x + c\,b)$ with $|a| = c = |z_k|^{1/2}$, penalty
  $\tfrac\beta2(a^2 + c^2\|w\|_p^2) = \beta|z_k|$.

Either way $J(\theta) = \tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$, the Lasso objective.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..convex.lasso import LassoSolution
from ..libraries.features import Feature
from ..libraries.library import LazyFeatures, Library
from ..libraries.planar import PlanarFeature
from ..libraries.switching import NEURON_BYTES, CappedFeatures, LayerCakeLibrary, SignPattern, tree_sizes
from .parallel import ParallelNetwork
from .planar import PlanarNetwork
from .rectangular import RectangularNetwork
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


def step_tree(pattern: SignPattern, widths: tuple[int, ...]) -> tuple[SignNeuron, float, float]:
    r"""A tree of step neurons with these ``widths`` computing ``pattern`` as $c + \text{slope}\cdot q$.

    ``pattern`` is on the levels $\{\ell, 1\}$ (``pattern.low``: $-1$ sign, $0$ threshold) and $q$
    is the tree's output on the same levels; returns ``(tree, c, slope)``, slope $\pm1$. Writing
    $P = (v - \ell)/(1 - \ell) \in \{0, 1\}$ for a value $v$:

    * depth 2 (``widths = ()``): one neuron $\sigma(x - t)$, $P = P_0 + \delta Q$ with $P_0$ the
      pattern's first value and $\delta = 1 - 2P_0$ its jump;
    * deeper: the switches are cut into contiguous groups of at most $m_1 \cdots m_{L-3}$, one
      child per group following the pattern across it ($P_j = o_j + \delta_j Q_j$); with
      $e_j$ the value after group $j$, $P = \sum_j P_j - \sum_{j < J} e_j$, so the neuron
      $\sigma\bigl((1 - \ell)(P - \tfrac12)\bigr)$ has weights $\delta_j$ and bias
      $(1 - \ell)(\sum_j o_j - \sum_{j<J} e_j - \tfrac12) - \ell\sum_j\delta_j$ (for sign:
      weights $\pm1$, as in :mod:`lmirrors.libraries.switching`).
    """
    low = pattern.low
    first = (1.0 + pattern.start) / 2  # P_0
    if not widths and len(pattern.thresholds) != 1:
        raise ValueError(f"a depth-2 unit switches once, this pattern switches {len(pattern.thresholds)} times")
    neuron, offset, slope = _tree(first, list(pattern.thresholds), widths, low)
    # v = l + (1 - l) P, P = offset + slope (q - l) / (1 - l)
    return neuron, low + (1.0 - low) * offset - slope * low, slope


def _tree(first: float, thresholds: list[float], widths: tuple[int, ...], low: float):
    """``(neuron, offset, slope)`` with the 0/1 pattern (first value ``first``, switching at
    ``thresholds``) equal to offset + slope · (neuron output − low)/(1 − low)."""
    if len(thresholds) > math.prod(widths):
        raise ValueError(f"{len(thresholds)} switches exceed the capacity {math.prod(widths)} of widths {widths}")
    if not widths:
        return SignNeuron((1.0,), -thresholds[0]), first, 1.0 - 2.0 * first
    size = math.prod(widths[:-1])
    children, offsets, slopes, ends, value = [], [], [], [], first
    for i in range(0, len(thresholds), size):
        group = thresholds[i : i + size]
        child, offset, slope = _tree(value, group, widths[:-1], low)
        children.append(child)
        offsets.append(offset)
        slopes.append(slope)
        value = value if len(group) % 2 == 0 else 1.0 - value
        ends.append(value)
    bias = (1.0 - low) * (sum(offsets) - sum(ends[:-1]) - 0.5) - low * sum(slopes)
    return SignNeuron(tuple(slopes), bias, tuple(children)), 0.0, 1.0


def sign_network(library: Library, solution: LassoSolution) -> SignNetwork:
    r"""One unit per nonzero $z_k$: its pattern's tree (:func:`step_tree`, feature $= c_k + \text{slope}_k\,q_k$)
    with balanced $|a_k| = s_k = |z_k|^{1/2}$, $\operatorname{sign} a_k = \operatorname{sign}(z_k\,\text{slope}_k)$
    and the constants $\sum_k z_k c_k$ moved into $\xi$ (zero for sign units). The trees are built when
    first asked for; a layer cake's network (:class:`~lmirrors.libraries.switching.LayerCakeLibrary`)
    is evaluated from its structure."""
    architecture = library.architecture
    widths = architecture.options["widths"]
    support = solution.support
    z = solution.z if support.size == solution.z.size else solution.z[support]
    # a deeper tree outputs its pattern itself (c = 0, slope 1): no need to build it here
    if widths:
        s = np.sqrt(np.abs(z))
        a, xi = np.copysign(s, z), solution.xi
    else:
        constant, slope = np.array([step_tree(library.features[k], widths)[1:] for k in support]).reshape(-1, 2).T
        a, s = np.sign(z) * slope * np.sqrt(np.abs(z)), np.sqrt(np.abs(z))
        xi = solution.xi + float(np.sum(z * constant))
    # the trees are built when first used: together they hold every switch of every pattern
    if not (isinstance(library, LayerCakeLibrary) and widths):
        neurons = LazyFeatures(support, lambda k: step_tree(library.features[k], widths)[0])
        return SignNetwork(neurons, a, s, xi, architecture.activation)
    # every pattern: the network is evaluated from the clipping, its trees made within a budget
    cake = library.cake if support.size == len(library.features) else library.cake.units(support)
    neurons = CappedFeatures(
        support,
        lambda k: step_tree(library.features[k], widths)[0],
        lambda k: NEURON_BYTES * tree_sizes(cake.switches[k : k + 1], widths)[0],
        "the trees of this every-pattern sign network",
        "ask for fewer of them (network.neurons[k]); its output is network(x) (fit.predict)",
    )
    return SignNetwork(neurons, a, s, xi, architecture.activation, 0.0, cake)


def planar_network(library: Library, solution: LassoSolution) -> PlanarNetwork:
    r"""One balanced unit per nonzero $z_k$: $a = \operatorname{sign}(z_k)\,c$, $(w, b) = c\,(w^{\rm feat}, b^{\rm feat})$,
    $c = |z_k|^{1/2}$ (the library's features are :class:`~lmirrors.libraries.planar.PlanarFeature`)."""
    features: list[PlanarFeature] = [library.features[k] for k in solution.support]
    c = np.sqrt(np.abs(solution.z[solution.support]))
    W = np.array([f.w for f in features]).reshape(-1, 2) * c[:, None]
    b = np.array([f.b for f in features]) * c
    a = np.sign(solution.z[solution.support]) * c
    architecture = library.architecture
    return PlanarNetwork(architecture.activation, W, b, a, solution.xi, architecture.norm)


def rectangular_network(library: Library, solution: LassoSolution) -> RectangularNetwork:
    r"""A rectangular step network of the architecture's widths $(m_1, \dots, m_{L-1})$ computing
    the Lasso solution, when its patterns switch at no more than $m_1$ distinct thresholds and
    number at most $\min_{l \ge 2} m_l$.

    Layer 1: the steps $\sigma(x - t)$ at the union $T$ of the patterns' thresholds (the other
    neurons constant: zero weight and bias). Layer 2: pattern $k$ from the steps, weights
    $\delta_i$ (its jumps, $\pm1$) at its own thresholds and bias
    $(1 - \ell)(P_0 - \tfrac12) - \ell\sum_i\delta_i$ (:func:`step_tree` at depth 3). Layers
    $3..L-1$: copies, $\sigma(q - (1 + \ell)/2) = q$. The last layer's neuron $k$ then outputs
    the feature itself, so $|a_k| = s_k = |z_k|^{1/2}$ with the sign of $z_k$.
    """
    architecture = library.architecture
    widths, low = architecture.options["widths"], architecture.activation.low
    support = solution.support
    patterns = [library.features[k] for k in support]
    thresholds = sorted({t for p in patterns for t in p.thresholds})
    if len(thresholds) > widths[0] or len(patterns) > min(widths[1:]):
        raise ValueError(
            f"this solution switches at {len(thresholds)} points with {len(patterns)} patterns; a rectangular "
            f"network of widths {widths} holds at most {widths[0]} and {min(widths[1:])}"
        )
    first = np.zeros(widths[0])
    first[: len(thresholds)] = 1.0
    first_bias = np.zeros(widths[0])
    first_bias[: len(thresholds)] = -np.array(thresholds)
    V, c = np.zeros((widths[1], widths[0])), np.zeros(widths[1])
    for row, pattern in enumerate(patterns):
        neuron, _, _ = step_tree(pattern, (widths[0],))
        columns = [thresholds.index(-leaf.bias) for leaf in neuron.children]
        V[row, columns], c[row] = neuron.weights, neuron.bias
    weights, biases = [first, V], [first_bias, c]
    for below, m in itertools.pairwise(widths[1:]):
        copy = np.zeros((m, below))
        copy[np.arange(len(patterns)), np.arange(len(patterns))] = 1.0
        weights.append(copy)
        biases.append(np.where(np.arange(m) < len(patterns), -(1.0 + low) / 2, 0.0))
    z = np.zeros(widths[-1])
    z[: len(patterns)] = solution.z[support]
    return RectangularNetwork(
        architecture.activation, weights, biases, np.sign(z) * np.sqrt(np.abs(z)), np.sqrt(np.abs(z)), solution.xi
    )
