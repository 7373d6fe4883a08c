r"""Deep narrow absolute-value networks: the reflection library (paper, v4 Theorem 3.2).

A normalised depth-$L$ unit of $|\cdot|$ units is (inner signs are absorbed by $|\cdot|$)

$$ f_a(x) = \bigl|\cdots\bigl||x - a_1| - a_2\bigr| \cdots - a_{L-1}\bigr| . $$

Its kinks lie among the *kink forms* $a_1,\ a_1 \pm a_2,\ a_1 \pm a_2 \pm a_3, \dots$
($2^{L-1} - 1$ linear forms in $a$). On a cell of the arrangement
$\{\text{form}(a) = x_n\}$ every pre-activation keeps its sign at every data point, so
$a \mapsto f_a(X)$ is affine there and $|r^\top f_a(X)|$ peaks at a vertex: $L - 1$
linearly independent forms pinned to data points (the vertex lemma). Enumerating all
such pinnings gives a finite library: at $L = 3$ the midpoint family
$\operatorname{dist}(x, \{x_i, x_j\})$ and the reflection family
$\operatorname{dist}(x, \{x_j, 2x_i - x_j\})$; at $L = 4$ reflections of reflections.

Lower depths: for $l \ge 2$, $h_{l-1} \ge 0$, so $a_l \le 0$ gives $h_l = h_{l-1} + |a_l|$ and
the unit is a depth-$(L-1)$ unit (bias $a_{l+1} - |a_l|$ next, or a constant at the end). So the
depth-$L$ dictionary is the closed region $a_2, \dots, a_{L-1} > 0$ together with the depth-$(L-1)$
dictionary; on that region the vertex lemma applies, and its vertices on a face $a_l = 0$ belong to
the lower depth. The library is therefore the pinnings with every $a_l > 0$ ($l \ge 2$) at each
depth $2, \dots, L$ (padded with identity layers $a_l = 0$). At $L = 3$ this is exactly the
$N$ features $|x - x_i|$, $N(N-1)$ reflections and $N(N-1)/2$ midpoints.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, partial

import numpy as np

from ..activations import Activation
from ..convex.dictionary import RampDictionary
from .features import Feature, chain_dictionary, number
from .library import Candidates, first_rows


@cache
def kink_forms(depth: int) -> np.ndarray:
    r"""Rows $(1, \pm1, \dots, \pm1, 0, \dots, 0)$: the forms $a_1 \pm a_2 \pm \dots \pm a_l$, $l < L$."""
    rows = []
    for level in range(1, depth):
        for signs in itertools.product((1.0, -1.0), repeat=level - 1):
            rows.append([1.0, *signs, *([0.0] * (depth - 1 - level))])
    return np.array(rows)


@cache
def independent_pinnings(depth: int) -> tuple[tuple[int, ...], ...]:
    """Subsets of $L - 1$ kink forms that are linearly independent (they determine $a$)."""
    forms = kink_forms(depth)
    return tuple(
        subset
        for subset in itertools.combinations(range(len(forms)), depth - 1)
        if np.linalg.matrix_rank(forms[list(subset)]) == depth - 1
    )


def pinning_count(depth: int, n: int) -> int:
    r"""Number of pinnings for ``n`` points, summed over depths $2..L$: $\sum_d s_d\, n^{d-1}$ with
    $s_d$ the number of independent form subsets (an upper bound on the library's candidates).

    $L = 3$: 3 subsets; $L = 4$: 30 (of the 35 triples of the 7 forms, 5 are dependent,
    e.g. $a_1 = \tfrac12[(a_1 + a_2 + a_3) + (a_1 - a_2 - a_3)]$); $L = 5$: see the chapter.
    """
    return sum(len(independent_pinnings(d)) * n ** (d - 1) for d in range(2, depth + 1))


def chain_values(a: np.ndarray, x) -> np.ndarray:
    r"""$f_{a_k}(x_n)$ for every parameter row $a_k$: shape ``(len(x), len(a))``."""
    h = np.abs(np.asarray(x, dtype=float)[:, None] - a[None, :, 0])
    for level in range(1, a.shape[1]):
        h = np.abs(h - a[None, :, level])
    return h


@dataclass(frozen=True)
class Pinnings:
    """Distinct parameters ``a`` and, per row, the pinning that produced it (at depth ``depth``)."""

    points: np.ndarray
    a: np.ndarray
    depth: np.ndarray
    subset: np.ndarray
    pins: np.ndarray

    def feature(self, k: int, activation: Activation) -> Feature:
        """Row ``k`` as a :class:`Feature`, labelled by how its kinks derive from the points."""
        return mirror_feature(self, k, activation)


def _pinned_at_depth(points: np.ndarray, depth: int, width: int, tol: float):
    r"""Pinnings of one depth with every $a_l > 0$ ($l \ge 2$), padded to ``width`` parameters."""
    forms = kink_forms(depth)
    grid = np.indices((points.size,) * (depth - 1), dtype=np.int64).reshape(depth - 1, -1).T  # itertools.product order
    for s, subset in enumerate(independent_pinnings(depth)):
        a = points[grid] @ np.linalg.inv(forms[list(subset)]).T
        inside = np.all(a[:, 1:] > tol, axis=1)
        padded = np.zeros((int(inside.sum()), width))
        padded[:, : depth - 1] = a[inside]
        pins = np.zeros((len(padded), width), dtype=np.int64)
        pins[:, : depth - 1] = grid[inside]
        yield padded, np.full(len(padded), depth), np.full(len(padded), s), pins


def pinned_parameters(points, depth: int, decimals: int = 10) -> Pinnings:
    r"""Every $a$ with independent kink forms pinned at ``points``, all $a_l > 0$ ($l \ge 2$), at
    depths $2..L$ (module docstring); parameter vectors equal to ``decimals`` digits of the
    points' spread $\max p - \min p$ are merged (a relative resolution, unchanged by a shift or
    rescaling of the points).

    Cost: :func:`pinning_count` rows of $L - 1$ numbers before merging.
    """
    points = np.unique(np.asarray(points, dtype=float))
    scale = float(np.ptp(points)) or 1.0
    parts = [p for d in range(2, depth + 1) for p in _pinned_at_depth(points, d, depth - 1, 1e-12 * scale)]
    a, depths, subsets, pins = (np.concatenate(column) for column in zip(*parts, strict=True))
    first = first_rows(np.rint(a / scale * 10.0**decimals))  # the classes of np.round(a / scale, decimals)
    return Pinnings(points, a[first], depths[first], subsets[first], pins[first])


def _coefficients(pinnings: Pinnings, k: int) -> np.ndarray:
    r"""Matrix $C$ with $a = C\,p$ for row ``k`` ($p$: its pinned points; padded layers are 0)."""
    depth = int(pinnings.depth[k])
    forms = kink_forms(depth)
    C = np.zeros((pinnings.a.shape[1], pinnings.a.shape[1]))
    C[: depth - 1, : depth - 1] = np.linalg.inv(forms[list(independent_pinnings(depth)[pinnings.subset[k]])])
    return C


def kink_kind(coefficients: dict[int, Fraction]) -> str:
    r"""How a kink $\sum_i c_i x_i$ derives from the points: data, midpoint, reflection $2x_i - x_j$,
    generalized reflection $x_i + x_j - x_k$ (of $x_k$ about the midpoint of $x_i$ and $x_j$),
    reflection of a reflection (other integer weights), or another mirror combination."""
    weights = sorted(coefficients.values())
    if weights == [1]:
        return "data"
    if weights == [Fraction(1, 2), Fraction(1, 2)]:
        return "midpoint"
    if weights == [Fraction(-1), Fraction(2)]:
        return "reflection"
    if weights == [Fraction(-1), Fraction(1), Fraction(1)]:
        return "generalized reflection"
    return "reflection of a reflection" if all(c.denominator == 1 for c in weights) else "mirror combination"


def describe_point(coefficients: dict[int, Fraction], points: np.ndarray) -> str:
    """A kink written from data points, with its :func:`kink_kind`."""
    value = sum(float(c) * points[i] for i, c in coefficients.items())
    kind = kink_kind(coefficients)
    if kind == "data":
        return f"{number(value)} (data)"
    terms = sorted(coefficients.items(), key=lambda item: (-item[1], points[item[0]]))
    denominator = int(np.lcm.reduce([c.denominator for _, c in terms]))
    written = ""
    for i, c in terms:
        n = int(c * denominator)
        magnitude = "" if abs(n) == 1 else f"{abs(n)}·"
        sign = ("−" if n < 0 else "") if not written else (" − " if n < 0 else " + ")
        written += f"{sign}{magnitude}{number(points[i])}"
    if denominator > 1:
        written = f"({written})/{denominator}"
    return f"{number(value)} = {written} ({kind})"


def mirror_feature(pinnings: Pinnings, k: int, activation: Activation) -> Feature:
    """The normalised unit of row ``k``: label ``||x − a1| − a2|`` plus each kink's derivation."""
    a = pinnings.a[k]
    C = _coefficients(pinnings, k)
    forms = kink_forms(a.size + 1)
    values = forms @ a
    spacing = np.diff(np.unique(values))
    h = 0.25 * (spacing.min() if spacing.size else 1.0)
    probes = chain_values(a[None, :], np.concatenate([values - h, values, values + h]))[:, 0].reshape(3, -1)
    bends = np.abs(probes[2] - 2 * probes[1] + probes[0]) > 1e-9 * h
    described: dict[float, tuple[str, str]] = {}
    for form, t in zip(forms[bends], values[bends], strict=True):
        key = round(float(t), 9)
        if key in described:
            continue
        merged: dict[int, Fraction] = {}
        for i, c in zip(pinnings.pins[k], form @ C, strict=True):
            if c:
                merged[int(i)] = merged.get(int(i), Fraction(0)) + Fraction(float(c)).limit_denominator(64)
        coefficients = {i: c for i, c in merged.items() if c != 0}
        described[key] = kink_kind(coefficients), describe_point(coefficients, pinnings.points)
    formula = "x"
    for level, offset in enumerate(a):
        inner = (
            f"{formula} − {number(offset)}" if offset > 0 else (f"{formula} + {number(-offset)}" if offset else formula)
        )
        formula = f"|{inner}|" if level == 0 or offset else formula
    kinks = sorted(described)
    label = f"{formula}; kinks " + ", ".join(described[t][1] for t in kinks)
    signs = (1.0,) * a.size
    biases = tuple(float(-v) for v in a)
    return Feature(
        activation, signs, biases, tuple(float(t) for t in kinks), label, tuple(described[t][0] for t in kinks)
    )


def mirror_dictionary(x, depth: int = 3, pinnings: Pinnings | None = None) -> RampDictionary:
    r"""The deep narrow absolute-value library as a ramp dictionary, never forming $A$.

    Columns are the units $f_a(x) = |\cdots||x - a_1| - a_2| \cdots - a_{L-1}|$ for the rows $a$
    of :func:`pinned_parameters` on the distinct data, in that order. Every
    weight is $\pm1$, so $f_a$ has slopes $\pm1$, changing only at its kink forms $\tau = Fa$
    (:func:`kink_forms`): :func:`~lmirrors.libraries.features.chain_dictionary` writes it as
    at most $2^{L-1}$ ramps per column. Columns equal up to a sign and an additive constant
    remain (e.g. reflections about points beyond the data), and so may columns that are
    constant on the data (e.g. $\operatorname{dist}(x, \{x_1, x_2\})$ for $N = 2$): neither
    changes the Lasso optimum. Size: $(3N^2 - N)/2$ columns at $L = 3$, $O(N^{L-1})$ beyond.
    ``pinnings``: ``pinned_parameters(np.unique(x), depth)`` if the caller has it already.
    """
    x = np.asarray(x, dtype=float)
    points = np.unique(x)
    if points.size < 2:
        raise ValueError("need at least two distinct x values")
    if depth < 2:
        raise ValueError(f"depth must be >= 2 (weight layers), got {depth}")
    a = (pinned_parameters(points, depth) if pinnings is None else pinnings).a
    return chain_dictionary(x, Activation("abs"), np.ones_like(a), -a, a @ kink_forms(depth).T)


def reflection_candidates(kinks: np.ndarray, depth: int, activation: Activation) -> Candidates:
    """Every pinning of the kink forms at ``kinks`` (:func:`pinned_parameters`) as a candidate unit."""
    pinnings = pinned_parameters(kinks, depth)
    return Candidates(
        len(pinnings.a), partial(chain_values, pinnings.a), partial(_mirror_feature_of, pinnings, activation)
    )


def _mirror_feature_of(pinnings: Pinnings, activation: Activation, k: int) -> Feature:
    return mirror_feature(pinnings, k, activation)


def reflection_features(x, depth: int, activation: Activation, pinnings: Pinnings | None = None):
    """The :class:`Feature` of column ``k`` of :func:`mirror_dictionary` on ``x`` (a function of ``k``)."""
    pinnings = pinned_parameters(np.unique(np.asarray(x, dtype=float)), depth) if pinnings is None else pinnings
    return partial(_mirror_feature_of, pinnings, activation)
