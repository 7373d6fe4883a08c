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
from functools import cache, cached_property, partial

import numpy as np

from ..activations import Activation
from ..convex.dictionary import Dictionary, Pricing, RampDictionary, top_indices
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

    def __len__(self) -> int:
        return len(self.a)

    def select(self, rows: np.ndarray) -> Pinnings:
        """The rows ``rows`` as an explicit :class:`Pinnings`."""
        return Pinnings(self.points, self.a[rows], self.depth[rows], self.subset[rows], self.pins[rows])

    def feature(self, k: int, activation: Activation) -> Feature:
        """Row ``k`` as a :class:`Feature`, labelled by how its kinks derive from the points."""
        return mirror_feature(self, k, activation)


@cache
def _inverse(depth: int, subset: int) -> np.ndarray:
    """$F_S^{-1}$ for the ``subset``-th independent pinning: $a = F_S^{-1} p$."""
    return np.linalg.inv(kink_forms(depth)[list(independent_pinnings(depth)[subset])])


def _pinned_at_depth(points: np.ndarray, depth: int, width: int, tol: float):
    r"""Pinnings of one depth with every $a_l > 0$ ($l \ge 2$), padded to ``width`` parameters."""
    grid = np.indices((points.size,) * (depth - 1), dtype=np.int64).reshape(depth - 1, -1).T  # itertools.product order
    for s in range(len(independent_pinnings(depth))):
        a = points[grid] @ _inverse(depth, s).T
        inside = np.all(a[:, 1:] > tol, axis=1)
        padded = np.zeros((int(inside.sum()), width))
        padded[:, : depth - 1] = a[inside]
        pins = np.zeros((len(padded), width), dtype=np.int64)
        pins[:, : depth - 1] = grid[inside]
        yield padded, np.full(len(padded), depth), np.full(len(padded), s), pins


def pinned_parameters(points, depth: int, decimals: int = 10) -> Pinnings | PairPinnings:
    r"""Every $a$ with independent kink forms pinned at ``points``, all $a_l > 0$ ($l \ge 2$), at
    depths $2..L$ (module docstring); parameter vectors equal to ``decimals`` digits of the
    points' spread $\max p - \min p$ are merged (a relative resolution, unchanged by a shift or
    rescaling of the points).

    Cost: :func:`pinning_count` rows of $L - 1$ numbers before merging; at $L = 3$ on points
    farther apart than the resolution (:func:`pair_pinnings`) no row is written down.
    """
    points = np.unique(np.asarray(points, dtype=float))
    if depth == 3:
        pairs = pair_pinnings(points, decimals)
        if pairs is not None:
            return pairs
    return _all_pinnings(points, depth, decimals)


def _resolution_keys(values: np.ndarray, scale: float, decimals: int) -> np.ndarray:
    """The integers that :func:`pinned_parameters` compares: ``round(values / scale, decimals)`` scaled up."""
    return np.rint(values / scale * 10.0**decimals)


def _all_pinnings(points: np.ndarray, depth: int, decimals: int) -> Pinnings:
    """:func:`pinned_parameters` by writing every pinning down and merging equal rows."""
    scale = float(np.ptp(points)) or 1.0
    parts = [p for d in range(2, depth + 1) for p in _pinned_at_depth(points, d, depth - 1, 1e-12 * scale)]
    a, depths, subsets, pins = (np.concatenate(column) for column in zip(*parts, strict=True))
    first = first_rows(_resolution_keys(a, scale, decimals))
    return Pinnings(points, a[first], depths[first], subsets[first], pins[first])


def _pair_start(n: int, upper: bool) -> np.ndarray:
    r"""Flat index of the first pair of row $i$ in ``np.triu_indices(n, 1)`` (``upper``) or
    ``np.tril_indices(n, -1)`` order (row-major, $i$ first), $i = 0..n-1$."""
    i = np.arange(n, dtype=np.int64)
    return i * n - i * (i + 1) // 2 if upper else i * (i - 1) // 2


def _pair_of(flat: np.ndarray, n: int, upper: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the flat triangle indices ``flat`` (inverse of :func:`_pair_start`)."""
    starts = _pair_start(n, upper)
    i = np.searchsorted(starts, flat, side="right") - 1
    if upper:
        return i, flat - starts[i] + i + 1
    return i, flat - starts[i]


def _row_blocks(n: int, size: int = 1 << 17) -> list[tuple[int, int]]:
    """Consecutive row ranges ``[a, b)`` of an ``n`` by ``n`` array with about ``size`` entries each."""
    step = max(1, size // max(n, 1))
    return [(a, min(a + step, n)) for a in range(0, n, step)]


class PairPinnings:
    r""":func:`pinned_parameters` at $L = 3$ from pairs of sorted distinct points, without a list of rows.

    Row order (that of the written-down pinnings after merging): the $N$ rows $(p_i, 0)$
    (depth 2), then $a = (p_i, p_j - p_i)$ for $i < j$ in ``np.triu_indices`` order, then
    $(p_i, p_i - p_j)$ and then $(\tfrac{p_i + p_j}2, \tfrac{p_i - p_j}2)$ for $j < i$ in
    ``np.tril_indices`` order, with the rows that repeat an earlier one left out (``rows``: the
    kept rows of that list, ``None`` when all are kept). The arrays ``a``, ``depth``, ``subset``
    and ``pins`` of :class:`Pinnings` are made only when asked for; :meth:`select` makes a few.
    ``reflected`` / ``middle``: per block of consecutive rows $i$, the index of the first
    point right of $2p_i - p_j$ (every $j$) and of $\tfrac{p_i + p_j}2$ ($j$ up to the
    block's end), for pricing.
    """

    def __init__(self, points: np.ndarray, rows: np.ndarray | None, reflected: list, middle: list) -> None:
        self.points, self.rows, self.reflected, self.middle = points, rows, reflected, middle
        n = points.size
        self.pairs = n * (n - 1) // 2
        self.count = n + 3 * self.pairs

    def __len__(self) -> int:
        return self.count if self.rows is None else self.rows.size

    def select(self, rows: np.ndarray) -> Pinnings:
        """The rows ``rows`` as an explicit :class:`Pinnings` (the numbers of writing every pinning down)."""
        full = np.asarray(rows, dtype=np.int64)
        full = full if self.rows is None else self.rows[full]
        n, points = self.points.size, self.points
        block = np.where(full < n, -1, (full - n) // max(self.pairs, 1))
        pins = np.zeros((full.size, 2), dtype=np.int64)
        a = np.zeros((full.size, 2))
        pins[block == -1, 0] = full[block == -1]
        a[block == -1, 0] = points[full[block == -1]]
        for s in range(3):
            here = block == s
            pins[here] = np.column_stack(_pair_of(full[here] - n - s * self.pairs, n, upper=s == 0))
            a[here] = points[pins[here]] @ _inverse(3, s).T
        return Pinnings(points, a, np.where(block == -1, 2, 3), np.maximum(block, 0), pins)

    @cached_property
    def _all(self) -> Pinnings:
        return self.select(np.arange(len(self)))

    a = property(lambda self: self._all.a, doc="Parameters $(a_1, a_2)$ of every row.")
    depth = property(lambda self: self._all.depth, doc="Depth of every row (2 or 3).")
    subset = property(lambda self: self._all.subset, doc="Index of the pinned forms in :func:`independent_pinnings`.")
    pins = property(lambda self: self._all.pins, doc="Indices of the pinned points.")

    def feature(self, k: int, activation: Activation) -> Feature:
        """Row ``k`` as a :class:`Feature` (:func:`mirror_feature`)."""
        return mirror_feature(self, k, activation)


def pair_pinnings(points: np.ndarray, decimals: int = 10) -> PairPinnings | None:
    r""":func:`pinned_parameters` at $L = 3$ on sorted distinct ``points`` as :class:`PairPinnings`, or
    ``None`` when two points are closer than $g^\star = 3\delta$,
    $\delta = 10^{-\text{decimals}}(p_N - p_1) + 16u\max|p|$ ($u = 2^{-53}$).

    Two rows merge when both parameters round to the same multiple of $10^{-\text{decimals}}$ of
    the spread; with equal keys the parameters differ by less than $\delta$. Points at least
    $g^\star$ apart therefore keep every depth-2 row ($a_2 = 0$ against $a_2 \ge g^\star/2$) and
    every row $(p_i, p_j - p_i)$, and the only possible repeats are exact in the keys:
    $(p_i, p_i - p_j)$ of $(p_i, p_l - p_i)$ with $p_l$ the point nearest the reflection
    $2p_i - p_j$, and a midpoint row $(\tfrac{p_i + p_j}2, \tfrac{p_i - p_j}2)$ of $(p_k, p_i - p_k)$
    or $(p_k, p_k - p_j)$ with $p_k$ the point nearest the midpoint. Only those candidates
    (the two points around each reflection and midpoint, found by binary search) are compared.
    Cost $O(N^2 \log N)$ without sorting the $O(N^2)$ kinks.
    """
    n = points.size
    scale = float(np.ptp(points)) or 1.0
    delta = 10.0**-decimals * scale + 16 * 2.0**-53 * float(np.abs(points).max(initial=0.0))
    if n < 2 or float(np.diff(points).min()) <= 3 * delta:
        return None
    key = partial(_resolution_keys, scale=scale, decimals=decimals)
    point_keys = key(points)
    column = np.arange(n)
    reflected, middle, repeated_reflections, repeated_midpoints = [], [], [], []
    for a, b in _row_blocks(n):
        p = points[a:b, None]
        right = np.searchsorted(points, 2 * p - points[None, :], side="right")
        reflected.append(right)
        # (p_i, p_i - p_j), j < i, against (p_i, p_l - p_i) for the points l around 2 p_i - p_j
        lower = column[None, :] < np.arange(a, b)[:, None]
        i, j = np.nonzero(lower)
        i += a
        h = key(points[i] - points[j])
        repeat = np.zeros(i.size, dtype=bool)
        for l in (right[lower] - 1, right[lower]):
            l = np.minimum(l, n - 1)
            repeat |= (l > i) & (key(points[l] - points[i]) == h)
        repeated_reflections.append(repeat)
        # midpoints (p_i + p_j)/2 against (p_k, p_i - p_k) and (p_k, p_k - p_j), p_k around the midpoint
        mid = np.column_stack([points[i], points[j]]) @ _inverse(3, 2).T
        around = np.searchsorted(points, mid[:, 0], side="right")
        middle.append(np.zeros((b - a, b), dtype=np.intp))
        middle[-1][lower[:, :b]] = around
        repeat = np.zeros(i.size, dtype=bool)
        h = key(mid[:, 1])
        for k in (around - 1, np.minimum(around, n - 1)):
            same = point_keys[k] == key(mid[:, 0])
            repeat |= same & (i > k) & (key(points[i] - points[k]) == h)
            repeat |= same & (j < k) & (key(points[k] - points[j]) == h)
        repeated_midpoints.append(repeat)
    dropped = np.concatenate([np.zeros(n + n * (n - 1) // 2, dtype=bool), *repeated_reflections, *repeated_midpoints])
    rows = np.flatnonzero(~dropped) if dropped.any() else None
    return PairPinnings(points, rows, reflected, middle)


def _coefficients(pinnings: Pinnings, k: int) -> np.ndarray:
    r"""Matrix $C$ with $a = C\,p$ for row ``k`` ($p$: its pinned points; padded layers are 0)."""
    depth = int(pinnings.depth[k])
    C = np.zeros((pinnings.a.shape[1], pinnings.a.shape[1]))
    C[: depth - 1, : depth - 1] = _inverse(depth, int(pinnings.subset[k]))
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


def mirror_feature(pinnings: Pinnings | PairPinnings, k: int, activation: Activation) -> Feature:
    """The normalised unit of row ``k``: label ``||x − a1| − a2|`` plus each kink's derivation."""
    pinnings, k = pinnings.select(np.array([k])), 0
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


def mirror_dictionary(
    x, depth: int = 3, pinnings: Pinnings | PairPinnings | None = None
) -> RampDictionary | ReflectionDictionary:
    r"""The deep narrow absolute-value library as a matrix-free dictionary, never forming $A$.

    Columns are the units $f_a(x) = |\cdots||x - a_1| - a_2| \cdots - a_{L-1}|$ for the rows $a$
    of :func:`pinned_parameters` on the distinct data, in that order. Every
    weight is $\pm1$, so $f_a$ has slopes $\pm1$, changing only at its kink forms $\tau = Fa$
    (:func:`kink_forms`): :func:`~lmirrors.libraries.features.chain_dictionary` writes it as
    at most $2^{L-1}$ ramps per column; at $L = 3$ with :class:`PairPinnings` the
    :class:`ReflectionDictionary` prices those ramps without listing them. Columns equal up to a
    sign and an additive constant
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
    pinnings = pinned_parameters(points, depth) if pinnings is None else pinnings
    if isinstance(pinnings, PairPinnings):
        return ReflectionDictionary(x, pinnings)
    return _chain_ramps(x, pinnings.a)


def _chain_ramps(x: np.ndarray, a: np.ndarray) -> RampDictionary:
    """The units of the parameter rows ``a`` as ramps (:func:`~lmirrors.libraries.features.chain_dictionary`)."""
    return chain_dictionary(x, Activation("abs"), np.ones_like(a), -a, a @ kink_forms(a.shape[1] + 1).T)


class ReflectionDictionary(Dictionary):
    r"""The $L = 3$ library of :class:`PairPinnings` priced from its structure, $O(N^2)$ per pass
    with no sort and no stored column.

    A column $\lvert|x - c| - h\rvert$ ($h \ge 0$) is, on the real line,
    $(c - h - x) + 2(x - c + h)_+ - 2(x - c)_+ + 2(x - c - h)_+$, so with the residual $r$
    merged onto the sorted points $p$ and $\rho(\tau) = \sum_n r_n (x_n - \tau)_+$,

    $$ A_j^\top r = (c - h)\textstyle\sum_n r_n - \sum_n r_n x_n + 2\rho(c - h) - 2\rho(c) + 2\rho(c + h). $$

    Two of the three kinks are data points, whose $\rho$ one suffix sum gives for all; the third
    is a reflection $2p_i - p_j$ or a midpoint, where $\rho(\tau) = S_1(k) - \tau S_0(k)$ with
    $S_q(k) = \sum_{m \ge k} r_m p_m^q$ and $k$ the first point right of $\tau$, found once
    when the pinnings were made. Products with a few columns (working sets, Gram matrices)
    write those columns as ramps (:func:`~lmirrors.libraries.features.chain_dictionary`).
    Coordinates are centred on the data, as in
    :class:`~lmirrors.convex.dictionary.RampDictionary`.
    """

    def __init__(self, x, pinnings: PairPinnings) -> None:
        self.x = np.asarray(x, dtype=float)
        self.pinnings = pinnings
        points = pinnings.points
        self.centre = 0.5 * (points[0] + points[-1])
        self.points = points - self.centre
        self.owner = np.searchsorted(points, self.x)
        self.shape = (self.x.size, len(pinnings))
        self._buffer: np.ndarray | None = None
        self._last: tuple[np.ndarray, RampDictionary] | None = None

    def ramps(self, cols: np.ndarray) -> RampDictionary:
        """The columns ``cols`` as a ramp dictionary (at most four ramps each; the last one is kept:
        a working-set round asks for the Gram matrix, correlations and fit of the same columns)."""
        cols = np.asarray(cols, dtype=np.int64)
        if self._last is None or not np.array_equal(self._last[0], cols):
            if cols.size == 0:
                ramps = RampDictionary(self.x, np.zeros(0), np.zeros((0, 0)))
            else:
                ramps = _chain_ramps(self.x, self.pinnings.select(cols).a)
            self._last = cols.copy(), ramps
        return self._last[1]

    def matvec_columns(self, cols, coef):
        return self.ramps(cols).matvec(coef)

    def correlations(self, r, cols):
        return self.ramps(cols).rmatvec(r)

    def columns(self, cols):
        return self.ramps(cols).dense()

    def gram(self, cols):
        return self.ramps(cols).gram(np.arange(np.size(cols)))

    def dense(self) -> np.ndarray:
        """The explicit matrix $A$ (rows in the order of ``x``); memory $N \times M$."""
        return self.columns(np.arange(self.shape[1]))

    def rmatvec(self, r):
        values = self._all_values(r, np.empty(self.pinnings.count))
        return values if self.pinnings.rows is None else values[self.pinnings.rows]

    def _all_values(self, r: np.ndarray, out: np.ndarray) -> np.ndarray:
        r"""$A^\top r$ for every row of :class:`PairPinnings` before repeats are left out, written
        into ``out``. Per row block, $2\rho$ at the reflections and midpoints plus terms of one
        point each (with $T = \sum r_n$, $R = \sum r_n x_n$, $\tau = 2p_i - p_j$):
        $(p_i, p_i - p_j)$: $2\rho(\tau) - 2\rho(p_i) + 2\rho(p_j) + p_j T - R$;
        $(p_i, p_j - p_i)$: the same plus $2T(p_i - p_j)$;
        midpoints: $2\rho(p_i) + 2\rho(p_j) - 2\rho(\tfrac{p_i + p_j}2) + p_j T - R$."""
        p, n = self.points, self.points.size
        weights = np.bincount(self.owner, weights=np.asarray(r, dtype=float), minlength=n)
        s0 = np.append(np.cumsum(weights[::-1])[::-1], 0.0)
        s1 = np.append(np.cumsum((weights * p)[::-1])[::-1], 0.0)
        rho = s1[1:] - p * s0[1:]  # at each point
        total, moment = s0[0], s1[0]
        s0, s1 = 2 * s0, 2 * s1
        column = 2 * rho + p * total - moment  # the terms of p_j
        pairs = self.pinnings.pairs
        out[:n] = column  # |x - p_i|: 2 rho(p_i) + p_i T - R
        upper, lower = _pair_start(n, True), _pair_start(n, False)
        index = np.arange(n)
        for (a, b), right, around in zip(_row_blocks(n), self.pinnings.reflected, self.pinnings.middle, strict=True):
            rows = index[a:b, None]
            above, below = index[None, :] > rows, index[None, :] < rows
            tau = np.subtract.outer(2 * p[a:b], p)
            values = np.take(s0, right)
            values *= tau
            np.subtract(np.take(s1, right), values, out=values)  # 2 rho(tau)
            values += column
            values -= 2 * rho[a:b, None]
            start = n + pairs + lower[a]
            out[start : start + np.count_nonzero(below)] = values[below]
            up = values[above]
            up += 2 * total * np.subtract.outer(p[a:b], p)[above]
            out[n + upper[a] : n + (upper[b] if b < n else pairs)] = up
            below = below[:, :b]
            values = np.take(s0, around)
            values *= np.add.outer(0.5 * p[a:b], 0.5 * p[:b])  # the midpoints
            values -= np.take(s1, around)
            values += column[:b]
            values += 2 * rho[a:b, None]
            start += pairs
            out[start : start + np.count_nonzero(below)] = values[below]
        return out

    def price(self, r, count=0):
        if self._buffer is None:  # kept: a fresh array this large costs its page faults on every pass
            self._buffer = np.empty(self.pinnings.count)
        values = self._all_values(r, self._buffer)
        values = values if self.pinnings.rows is None else values[self.pinnings.rows]
        top = _top_peaks(values, max(count, 1))  # the largest |value| is the first peak
        return Pricing(float(abs(values[top[0]])), top[:count], values[top[:count]])


def _top_peaks(values: np.ndarray, count: int, chunk: int = 1 << 18) -> np.ndarray:
    """``top_indices(values, count, peaks=True)`` (:func:`~lmirrors.convex.dictionary.top_indices`)
    chunk by chunk: each chunk's local maxima of $|v|$ above the ``count``-th largest so far join
    the candidates, so no temporary is as long as ``values``."""
    size = values.size
    if count <= 0 or size <= 2:
        return top_indices(values, count, peaks=True)
    best = np.zeros(0, dtype=np.int64)
    for start in range(0, size, chunk):
        end = min(start + chunk, size)
        window = np.abs(values[max(start - 1, 0) : end + 1])
        window = np.concatenate([[-1.0] if start == 0 else [], window, [-1.0] if end == size else []])
        middle = window[1:-1]
        peaks = np.flatnonzero((middle >= window[:-2]) & (middle >= window[2:]))
        if best.size == count:
            peaks = peaks[middle[peaks] > abs(values[best[-1]])]
        candidates = np.concatenate([best, peaks + start])
        best = candidates[top_indices(values[candidates], count)]
    return best if best.size == min(count, size) else top_indices(values, count, peaks=True)


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
