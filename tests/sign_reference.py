"""Independent references for the step-network tests (sign and threshold): brute-force units.

Written from the network definition (conventions.md), not from ``lmirrors``:
a unit's last step neuron is evaluated for every weight setting on a grid, and the distinct
patterns it produces on the data form the "oracle" dictionary; random forward passes (weights
and biases drawn at random, thresholds anywhere) give a second, unstructured oracle.
``low`` is the value of the step below zero: $-1$ for sign, $0$ for threshold neurons.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


def sign(t) -> np.ndarray:
    return np.where(np.asarray(t, dtype=float) >= 0, 1.0, -1.0)


def step(t, low: float) -> np.ndarray:
    """$1$ where $t \\ge 0$, else ``low``."""
    return np.where(np.asarray(t, dtype=float) >= 0, 1.0, low)


def thresholds(x: np.ndarray) -> np.ndarray:
    """Every distinct behaviour of $\\operatorname{sign}(x - t)$: midpoints, plus one below and one above."""
    p = np.unique(x)
    return np.concatenate([[p[0] - 1.0], (p[1:] + p[:-1]) / 2, [p[-1] + 1.0]])


def first_layer_outputs(x: np.ndarray, low: float = -1.0) -> np.ndarray:
    """Rows: $\\sigma(\\pm x + b)$ for every threshold and direction."""
    t = thresholds(x)
    return np.vstack([step(x[None, :] - t[:, None], low), step(t[:, None] - x[None, :], low)])


def next_layer(inputs: np.ndarray, fan_in: int, low: float = -1.0) -> np.ndarray:
    """All $\\sigma(\\sum_i v_i g_i + c)$: ``fan_in`` inputs (with repetition),
    $v_i \\in \\{\\pm1, \\pm2\\}$ ($\\pm1$ only for fan-in above 2, to keep it fast), $c$ on a
    half-integer grid covering every sum."""
    rows = []
    inputs = np.unique(inputs, axis=0)
    levels = (-2.0, -1.0, 1.0, 2.0) if fan_in <= 2 else (-1.0, 1.0)
    weights = np.array(list(itertools.product(levels, repeat=fan_in)))
    limit = 2 * fan_in + 1
    biases = np.arange(-limit, limit + 0.25, 0.5)
    for combo in itertools.combinations_with_replacement(range(len(inputs)), fan_in):
        pre = weights @ inputs[list(combo)]
        rows.append(step(pre[:, None, :] + biases[None, :, None], low).reshape(-1, inputs.shape[1]))
    return canonical(np.vstack(rows), low)


def canonical(patterns: np.ndarray, low: float = -1.0) -> np.ndarray:
    """Distinct non-constant patterns, each turned to start at the high value 1 (negated for
    sign, complemented for threshold)."""
    patterns = np.where(patterns[:, :1] == 1.0, patterns, (1.0 + low) - patterns)
    patterns = patterns[np.ptp(patterns, axis=1) > 0]
    return np.unique(patterns, axis=0)


def oracle_patterns(x: np.ndarray, widths: tuple[int, ...], low: float = -1.0) -> np.ndarray:
    """Distinct patterns (rows, on sorted distinct ``x``) of brute-forced tree units of these widths."""
    x = np.unique(x)
    layer = first_layer_outputs(x, low)
    for fan_in in widths:
        full = np.vstack([layer, (1.0 + low) - layer])
        # keep constants available as inputs: they act as extra biases
        layer = np.vstack([next_layer(full, fan_in, low), np.ones((1, x.size))])
    return canonical(layer, low)


def random_layer(inputs: np.ndarray, width: int, low: float, rng) -> np.ndarray:
    """$\\sigma(V h + c)$ with Gaussian $V$ and biases spread over the range of $V h$."""
    pre = rng.normal(size=(width, inputs.shape[0])) @ inputs
    spread = np.abs(pre).max(axis=1, keepdims=True) + 1.0
    return step(pre + rng.uniform(-spread, spread), low)


def random_first_layer(x: np.ndarray, width: int, low: float, rng) -> np.ndarray:
    """$\\sigma(w x + b)$, $w$ Gaussian, thresholds uniform over (and beyond) the data: kinks anywhere."""
    spread = np.ptp(x) + 1.0
    t = rng.uniform(x.min() - 0.2 * spread, x.max() + 0.2 * spread, size=(width, 1))
    return step(rng.normal(size=(width, 1)) * (x[None, :] - t), low)


def random_tree_units(x: np.ndarray, widths: tuple[int, ...], low: float, rng, count: int) -> np.ndarray:
    """Outputs (rows) of ``count`` random tree units: each neuron has its own children."""
    rows = []
    for _ in range(count):
        layer = random_first_layer(x, math.prod(widths) if widths else 1, low, rng)
        for fan_in in widths:  # group the layer below into neurons of fan_in children each
            groups = layer.reshape(-1, fan_in, x.size)
            layer = np.vstack([random_layer(g, 1, low, rng) for g in groups])
        rows.append(layer[0])
    return np.array(rows)


def random_rectangular_units(x: np.ndarray, widths: tuple[int, ...], low: float, rng) -> np.ndarray:
    """The last hidden layer (rows) of one random rectangular network: shared layers."""
    layer = random_first_layer(x, widths[0], low, rng)
    for width in widths[1:]:
        layer = random_layer(layer, width, low, rng)
    return layer


def count_switches(patterns: np.ndarray) -> np.ndarray:
    return np.sum(patterns[:, 1:] != patterns[:, :-1], axis=1)
