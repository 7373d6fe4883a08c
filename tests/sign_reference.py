"""Independent references for the sign-network tests: brute-force realisable units.

Written from the network definition (conventions.md), not from ``lmirrors``:
a unit's last sign neuron is evaluated for every weight setting on a grid, and the distinct
$\\pm1$ patterns it produces on the data form the "oracle" dictionary.
"""

from __future__ import annotations

import itertools

import numpy as np


def sign(t) -> np.ndarray:
    return np.where(np.asarray(t, dtype=float) >= 0, 1.0, -1.0)


def thresholds(x: np.ndarray) -> np.ndarray:
    """Every distinct behaviour of $\\operatorname{sign}(x - t)$: midpoints, plus one below and one above."""
    p = np.unique(x)
    return np.concatenate([[p[0] - 1.0], (p[1:] + p[:-1]) / 2, [p[-1] + 1.0]])


def first_layer_outputs(x: np.ndarray) -> np.ndarray:
    """Rows: $\\operatorname{sign}(\\pm x + b)$ for every threshold and direction."""
    t = thresholds(x)
    return np.vstack([sign(x[None, :] - t[:, None]), sign(t[:, None] - x[None, :])])


def next_layer(inputs: np.ndarray, fan_in: int) -> np.ndarray:
    """All $\\operatorname{sign}(\\sum_i v_i g_i + c)$: ``fan_in`` inputs (with repetition),
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
        rows.append(sign(pre[:, None, :] + biases[None, :, None]).reshape(-1, inputs.shape[1]))
    return canonical(np.vstack(rows))


def canonical(patterns: np.ndarray) -> np.ndarray:
    """Distinct non-constant patterns, each flipped to start with +1."""
    patterns = patterns * patterns[:, :1]
    patterns = patterns[np.ptp(patterns, axis=1) > 0]
    return np.unique(patterns, axis=0)


def oracle_patterns(x: np.ndarray, widths: tuple[int, ...]) -> np.ndarray:
    """Distinct patterns (rows, on sorted distinct ``x``) of brute-forced tree units of these widths."""
    x = np.unique(x)
    layer = first_layer_outputs(x)
    for fan_in in widths:
        full = np.vstack([layer, -layer])
        # keep constants available as inputs: they act as extra biases
        layer = np.vstack([next_layer(full, fan_in), np.ones((1, x.size))])
    return canonical(layer)


def count_switches(patterns: np.ndarray) -> np.ndarray:
    return np.sum(patterns[:, 1:] != patterns[:, :-1], axis=1)
