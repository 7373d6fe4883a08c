r"""Symmetrized ReLU networks: interval distances and generalized reflections (paper, v4 Theorem 3.12).

**The architecture is our definition.** The paper's text was not available to us: its version-3
abstract names absolute-value and symmetrized ReLU networks as those where a third layer
creates reflections of the data, and public summaries of version 4's Theorem 3.12 speak of the
three-layer library with generalized reflections. A scalar activation cannot be the answer (an
even, positively homogeneous $\sigma$ is $c|t|$, the absolute value), so we define a
*symmetrized ReLU neuron* as a ReLU neuron plus its mirror image, with their own biases and one
shared weight,

$$ h \mapsto (w h + b)_+ + (-w h + b')_+ , $$

and a symmetrized ReLU unit as a narrow chain of such neurons (penalty $|w|^L$ per neuron, so the
usual AM-GM step applies). With $|w| = 1$ the neuron is $(h - \mathrm{hi})_+ + (\mathrm{lo} - h)_+
= \operatorname{dist}(h, [\mathrm{lo}, \mathrm{hi}])$ plus a constant (the sign of $w$ swaps the
two biases), so a normalised unit is a nested distance to intervals,

$$ f(x) = \operatorname{dist}\bigl(\cdots \operatorname{dist}(\operatorname{dist}(x, I_1), I_2) \cdots, I_{L-1}\bigr). $$

It contains the absolute-value chains (intervals of length 0) and, on the data, the ReLU
chains (an interval end beyond the data).

*Depth 2.* $\operatorname{dist}(x, [p, q])$ is affine in $(p, q)$ on the cells of
$\{p = x_n\}, \{q = x_n\}$ and the domain $p \le q$; at a vertex both ends are data points:
$N(N+1)/2$ features $\operatorname{dist}(x, [x_i, x_j])$, $i \le j$ (ramps, $|x - x_i|$ and
two-sided ramps), no reflections.

*Depth 3.* With $h = \operatorname{dist}(x, [p, q])$ and $f = \operatorname{dist}(h, [l_1, l_2])$,
$h = l$ at $x = p - l$ and $x = q + l$ ($l > 0$). On the data, $f$ is affine in
$\theta = (p, q, l_1, l_2)$ on the cells cut by the *kink forms* $p, q, p - l_1, q + l_1,
p - l_2, q + l_2$ (each $= x_n$), the planes $l_1 = 0$, $l_2 = 0$ (where $h = 0$ inside the
interval meets a level) and the domain $p \le q$, $l_1 \le l_2$. So $|r^\top f|$ peaks at a
vertex: four independent forms pinned (kink forms at data points, the others at 0).
Pinning $p = x_i$, $q = x_j$ and $q + l = x_k$ puts the mirrored kink at
$p - l = x_i + x_j - x_k$: the reflection of $x_k$ about the midpoint of $x_i$ and $x_j$, a
**generalized reflection** (with $x_i = x_j$ it is the reflection $2x_i - x_k$ of the deep
absolute value). Candidates: $\sum_S N^{k(S)}$ over the 4-subsets $S$ of independent forms,
$k(S)$ of them kink forms ($12N^4 + \dots$ before merging; far fewer distinct columns).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, partial

import numpy as np

from ..activations import Activation
from ..convex.dictionary import RampDictionary
from .features import Feature, chain_dictionary, chain_forward, number
from .library import Candidates, first_rows
from .reflections import describe_point, kink_kind

# rows: the kink forms in theta, depth 2 (p, q), depth 3 (p, q, l1, l2)
_KINK_FORMS = {
    2: np.array([[1.0, 0.0], [0.0, 1.0]]),
    3: np.array([[1, 0, 0, 0], [0, 1, 0, 0], [1, 0, -1, 0], [0, 1, 1, 0], [1, 0, 0, -1], [0, 1, 0, 1]], dtype=float),
}
# rows: forms pinned at 0 (depth 3: l1, l2, q - p, l2 - l1; at depth 2 the face p = q is already a
# pinning of both ends)
_BOUNDARY_FORMS = {
    2: np.zeros((0, 2)),
    3: np.array([[0, 0, 1, 0], [0, 0, 0, 1], [-1, 1, 0, 0], [0, 0, -1, 1]], dtype=float),
}


@cache
def vertex_subsets(depth: int) -> tuple[tuple[int, ...], ...]:
    """Sets of ``2(L - 1)`` linearly independent forms (indices into kink forms, then boundary forms)."""
    forms = np.vstack([_KINK_FORMS[depth], _BOUNDARY_FORMS[depth]])
    size = forms.shape[1]
    return tuple(
        s for s in itertools.combinations(range(len(forms)), size) if np.linalg.matrix_rank(forms[list(s)]) == size
    )


def symmetrized_size(depth: int, n: int) -> int:
    r"""Pinnings on ``n`` points before the domain $p \le q$, $l_1 \le l_2$ and merging: $\sum_S
    n^{k(S)}$ ($k(S)$: kink forms in the subset $S$), $n^2$ at depth 2 ($n(n+1)/2$ remain)."""
    kinks = len(_KINK_FORMS[depth])
    return sum(n ** sum(i < kinks for i in s) for s in vertex_subsets(depth))


@dataclass(frozen=True)
class Intervals:
    r"""Distinct parameters $\theta$ (rows) of pinned units on ``points`` with, per row, the subset of
    forms that was pinned and the indices of the points it was pinned at (-1: pinned at 0)."""

    points: np.ndarray
    theta: np.ndarray
    subset: np.ndarray
    pins: np.ndarray

    @property
    def depth(self) -> int:
        return self.theta.shape[1] // 2 + 1

    def biases(self) -> np.ndarray:
        r"""Neuron biases $(b, b') = (-\mathrm{hi}, \mathrm{lo})$ per layer: shape $(M, L - 1, 2)$."""
        lo, hi = self.theta[:, 0::2], self.theta[:, 1::2]
        return np.stack([-hi, lo], axis=-1)

    def kinks(self) -> np.ndarray:
        """Every kink form at every row: where a pre-activation can vanish, shape (M, forms)."""
        return self.theta @ _KINK_FORMS[self.depth].T


def interval_parameters(points, depth: int, decimals: int = 10) -> Intervals:
    r"""Every vertex $\theta$ (module docstring) on ``points`` with $p \le q$ (and $l_1 \le l_2$),
    rows equal to ``decimals`` digits of the points' spread merged (a relative resolution).
    Cost: :func:`symmetrized_size` rows before merging."""
    points = np.unique(np.asarray(points, dtype=float))
    forms = np.vstack([_KINK_FORMS[depth], _BOUNDARY_FORMS[depth]])
    kinks = len(_KINK_FORMS[depth])
    scale = float(np.ptp(points)) or 1.0
    parts = []
    for s, subset in enumerate(vertex_subsets(depth)):
        where = [k for k, form in enumerate(subset) if form < kinks]
        grid = np.array(list(itertools.product(range(points.size), repeat=len(where))), dtype=np.int64)
        rhs = np.zeros((len(grid), len(subset)))
        rhs[:, where] = points[grid]
        theta = rhs @ np.linalg.inv(forms[list(subset)]).T
        pins = np.full((len(grid), len(subset)), -1, dtype=np.int64)
        pins[:, where] = grid
        parts.append((theta, np.full(len(grid), s), pins))
    theta, subsets, pins = (np.concatenate(column) for column in zip(*parts, strict=True))
    tol = 1e-12 * scale
    inside = np.all(theta[:, 0::2] <= theta[:, 1::2] + tol, axis=1)
    theta, subsets, pins = theta[inside], subsets[inside], pins[inside]
    first = first_rows(np.rint(theta / scale * 10.0**decimals))  # the classes of np.round(theta / scale, decimals)
    return Intervals(points, theta[first], subsets[first], pins[first])


def interval_feature(intervals: Intervals, k: int, activation: Activation) -> Feature:
    """Row ``k`` as a :class:`Feature`, labelled by how each kink derives from the points."""
    depth = intervals.depth
    subset = vertex_subsets(depth)[intervals.subset[k]]
    forms = np.vstack([_KINK_FORMS[depth], _BOUNDARY_FORMS[depth]])
    inverse = np.linalg.inv(forms[list(subset)])
    biases = intervals.biases()[k : k + 1]
    values = intervals.kinks()[k]
    spacing = np.diff(np.unique(values))
    h = 0.25 * (spacing.min() if spacing.size else 1.0)
    probes = np.concatenate([values - h, values + h])[None, :]
    slopes = chain_forward(activation, np.ones((1, depth - 1)), biases, probes)[1][0].reshape(2, -1)
    described: dict[float, tuple[str, str]] = {}
    for form, t, bends in zip(_KINK_FORMS[depth], values, np.abs(slopes[1] - slopes[0]) > 1e-12, strict=True):
        key = round(float(t), 9)
        if not bends or key in described:
            continue
        coefficients: dict[int, Fraction] = {}
        for pin, c in zip(intervals.pins[k], form @ inverse, strict=True):
            if pin >= 0 and abs(c) > 1e-12:
                coefficients[int(pin)] = coefficients.get(int(pin), Fraction(0)) + Fraction(float(c)).limit_denominator(
                    64
                )
        coefficients = {i: c for i, c in coefficients.items() if c != 0}
        described[key] = kink_kind(coefficients), describe_point(coefficients, intervals.points)
    theta = intervals.theta[k]
    formula = "x"
    for lo, hi in zip(theta[0::2], theta[1::2], strict=True):
        formula = f"dist({formula}, [{number(lo)}, {number(hi)}])"
    kinks = sorted(described)
    label = f"{formula}; kinks " + ", ".join(described[t][1] for t in kinks)
    return Feature(
        activation,
        (1.0,) * (depth - 1),
        tuple(tuple(float(v) for v in pair) for pair in biases[0]),
        tuple(float(t) for t in kinks),
        label,
        tuple(described[t][0] for t in kinks),
    )


def _feature_of(intervals: Intervals, activation: Activation, k: int) -> Feature:
    return interval_feature(intervals, k, activation)


def symmetrized_candidates(kinks: np.ndarray, depth: int, activation: Activation) -> Candidates:
    """Every vertex on ``kinks`` (:func:`interval_parameters`) as a candidate unit."""
    intervals = interval_parameters(kinks, depth)
    signs, biases = np.ones((len(intervals.theta), depth - 1)), intervals.biases()
    return Candidates(
        len(intervals.theta),
        lambda x: chain_forward(activation, signs, biases, np.asarray(x, dtype=float)[None, :])[0].T,
        partial(_feature_of, intervals, activation),
    )


def symmetrized_dictionary(x, depth: int, activation: Activation) -> tuple[RampDictionary, Callable[[int], Feature]]:
    r"""The library on ``x`` as a matrix-free ramp dictionary (rows of :func:`interval_parameters`
    in order, at most 7 ramps per column) and the feature of column ``k``."""
    x = np.asarray(x, dtype=float)
    intervals = interval_parameters(np.unique(x), depth)
    signs = np.ones((len(intervals.theta), depth - 1))
    dictionary = chain_dictionary(x, activation, signs, intervals.biases(), intervals.kinks())
    return dictionary, partial(_feature_of, intervals, activation)
