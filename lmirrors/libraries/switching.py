r"""Sign-activation networks: the library of switching patterns (paper, v4: sign networks).

**Units.** A sign neuron outputs $\operatorname{sign}(t) \in \{\pm1\}$ (with
$\operatorname{sign}(0) = +1$). A unit is $a\,s\,\operatorname{sign}(\cdot)$: an output weight
$a$ times an amplitude $s$ times the last sign neuron, whose input is

* depth 2: $w x + b$ (one first-layer neuron);
* depth $L \ge 3$, a **tree**: $\sum_i v_i\, g_i(x) + c$ where each $g_i$ is a sign neuron of
  the layer below, with its own children; ``widths`` $= (m_1, \dots, m_{L-2})$ gives the
  number of children per neuron, $m_1$ first-layer neurons feeding each second-layer neuron.

The inner weights $w, b, v, c$ are scale-free (sign ignores positive scaling), so only $a$
and $s$ are penalised: $J = \tfrac12\|f(X) - y\|^2 + \tfrac\beta2\sum_k (a_k^2 + s_k^2)$,
$f = \xi + \sum_k a_k s_k\,g_k$. Minimising over $a s = z$ gives $\beta|z|$ (AM-GM), so
training is the Lasso over the $\pm1$ patterns the last sign neuron can produce.

**The pattern set.** On sorted data $x_1 < \dots < x_N$ a pattern is a vector
$h \in \{\pm1\}^N$; it *switches* at $j$ when $h_j \ne h_{j+1}$.

* A first-layer neuron switches at most once (a threshold $-b/w$).
* A neuron's output can only switch where one of its inputs switches, so a depth-$L$ tree
  unit switches at most $K = m_1 m_2 \cdots m_{L-2}$ times ($K = 1$ for depth 2).
* Conversely every pattern with $k \le K$ switches is realisable. Depth 3: with
  thresholds $t_1 < \dots < t_k$ between the switching data points and $h_0$ the first value,
  $g(x) = h_0\bigl(1 + \sum_{i=1}^k (-1)^i (1 + \operatorname{sign}(x - t_i))\bigr)$ equals
  the pattern itself (each step adds $\mp 2$), so $v_i = h_0(-1)^i$,
  $c = h_0(1 + \sum_i (-1)^i)$. Deeper: cut the switches into $\le m_{L-2}$ contiguous groups
  of $\le m_1\cdots m_{L-3}$; let $H_j$ follow $h$ across group $j$ and be constant elsewhere
  (realisable one level down); with $e_j$ the value of $h$ after group $j$,
  $h = \sum_j H_j - \sum_{j < J} e_j$, so weights $1$ and bias $-\sum_{j<J} e_j$ work.

Constant patterns are absorbed by $\xi$ and $\pm h$ by the sign of $z$, so the library is
the patterns with $h_1 = +1$ and $1..K$ switches:
$\sum_{t=1}^{\min(K, N-1)} \binom{N-1}{t}$ columns, a function of the *order* of the data only.

The same patterns with levels $\{0, 1\}$ instead of $\{\pm1\}$ (``low = 0``) are the
library of threshold networks, :mod:`lmirrors.libraries.thresholds`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..closed_forms import Clipping
from ..validation import _bytes
from .library import Candidates, DeferredLibrary, LazyFeatures

LAYER_CAKE_BYTES = 2**28
"""Most memory (bytes) a layer cake (:class:`LayerCake`) writes down when asked for: its pattern
matrix, its units' outputs, trees or description (about :data:`NEURON_BYTES` per tree neuron);
a larger request raises ``ValueError`` naming its size and what to use instead."""

NEURON_BYTES = 400
"""Memory of one tree neuron made in Python (object, weights and bias, and its pattern's share;
its JSON takes about as much again)."""

SWITCH_BYTES = 48
"""Memory of one threshold of a :class:`SignPattern` made in Python (the float, its slot, its label's text)."""


def check_layer_cake(n_bytes: float, what: str, instead: str) -> None:
    """Refuse (``ValueError``) to write ``what`` down when it takes more than :data:`LAYER_CAKE_BYTES`."""
    if n_bytes > LAYER_CAKE_BYTES:
        raise ValueError(
            f"{what} would take about {_bytes(n_bytes)} (more than LAYER_CAKE_BYTES = "
            f"{_bytes(LAYER_CAKE_BYTES)}, lmirrors.libraries.switching); {instead}"
        )


def step_values(h, low: float = -1.0) -> np.ndarray:
    r"""The $\pm1$ pattern ``h`` on the levels $\{\text{low}, 1\}$: $\text{low} + (1 - \text{low})(1 + h)/2$
    ($h$ itself for sign, $(1 + h)/2$ for threshold units)."""
    return low + (1.0 - low) * (1.0 + np.asarray(h, dtype=float)) / 2.0


@dataclass(frozen=True)
class SignPattern:
    """A switching feature: the high level $1$ left of the first threshold if ``start`` is
    $+1$ (the low level if $-1$), flipping at each threshold. ``low`` is $-1$ for sign units,
    $0$ for threshold units."""

    start: float
    thresholds: tuple[float, ...]
    low: float = -1.0

    @property
    def breakpoints(self) -> tuple[float, ...]:
        return self.thresholds

    @property
    def label(self) -> str:
        where = ", ".join(f"{t:.3g}" for t in self.thresholds)
        first = ("+" if self.start > 0 else "−") if self.low == -1.0 else f"{step_values(self.start, self.low):g}"
        return f"{first} switching at {where}"

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        flips = np.searchsorted(np.asarray(self.thresholds), x, side="right")
        return step_values(self.start * (-1.0) ** flips, self.low)


def pattern_from_switches(points: np.ndarray, switches, low: float = -1.0) -> SignPattern:
    """The pattern starting at the high level that switches after each index in ``switches``
    (thresholds at midpoints)."""
    return SignPattern(1.0, tuple(float((points[j] + points[j + 1]) / 2) for j in sorted(switches)), low)


def pattern_from_values(points: np.ndarray, values: np.ndarray, low: float = -1.0) -> SignPattern:
    """The pattern with the given values (each ``low`` or $1$) on sorted ``points``."""
    switches = np.flatnonzero(values[1:] != values[:-1])
    start = 1.0 if values[0] == 1.0 else -1.0
    return SignPattern(start, tuple(float((points[j] + points[j + 1]) / 2) for j in switches), low)


def _runs(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``r`` over its maximal runs of one sign (zeros join the run before them) and run starts."""
    signs = np.where(r >= 0, 1, -1)
    nonzero = np.flatnonzero(r)
    if nonzero.size:  # a zero takes the sign of the nearest nonzero entry before it (or after, at the start)
        carried = np.maximum.accumulate(np.where(r != 0, np.arange(r.size), 0))
        carried[: nonzero[0]] = nonzero[0]
        signs = signs[carried]
    starts = np.flatnonzero(np.concatenate([[True], signs[1:] != signs[:-1]]))
    return np.add.reduceat(r, starts), starts


def best_pattern(r: np.ndarray, max_switches: int) -> tuple[float, np.ndarray]:
    r"""$\max_h r^\top h$ over $h \in \{\pm1\}^N$ with at most ``max_switches`` switches.

    Inside a maximal run of entries of one sign an optimal $h$ is constant (moving a switch to
    the run's end never lowers $r^\top h$), so $r$ is first summed over its $R$ runs. With
    $K \ge R - 1$ the answer is $h = \operatorname{sign}(r)$, $\|r\|_1$; otherwise a dynamic
    programme over runs, $O(RK)$: $V_n(k, s)$ is the best $\sum_{m \le n} \rho_m h_m$ with
    $h_n = s$ after $k$ switches, $V_{n+1}(k, s) = \rho_{n+1}s + \max(V_n(k, s), V_n(k-1, -s))$.
    The set is closed under $h \to -h$, so this is also $\max_h |r^\top h|$.
    """
    r = np.asarray(r, dtype=float)
    rho, starts = _runs(r)
    n, K = rho.size, min(max_switches, rho.size - 1)
    lengths = np.diff(np.append(starts, r.size))
    if K == n - 1:
        return float(np.abs(rho).sum()), np.repeat(np.where(rho >= 0, 1.0, -1.0), lengths)
    V = np.full((K + 1, 2), -np.inf)  # column 0: h = +1, column 1: h = -1
    V[0] = rho[0], -rho[0]
    switched = np.zeros((n, K + 1, 2), dtype=bool)
    signs = np.array([1.0, -1.0])
    for m in range(1, n):
        stay = V
        flip = np.vstack([np.full((1, 2), -np.inf), V[:-1, ::-1]])
        switched[m] = flip > stay
        V = np.maximum(stay, flip) + rho[m] * signs
    k, s = np.unravel_index(np.argmax(V), V.shape)
    value = float(V[k, s])
    pattern = np.empty(n)
    for m in range(n - 1, -1, -1):
        pattern[m] = signs[s]
        if m and switched[m, k, s]:
            k, s = k - 1, 1 - s
    return value, np.repeat(pattern, lengths)


def max_switches(widths: tuple[int, ...]) -> int:
    r"""$K = m_1 \cdots m_{L-2}$ (1 for depth 2, ``widths = ()``): the most switches a unit can make."""
    return math.prod(widths)


def switching_size(n: int, switches: int) -> int:
    r"""$\sum_{t=1}^{\min(K, n-1)} \binom{n-1}{t}$ patterns on ``n`` distinct points ($2^{n-1} - 1$ if $K \ge n - 1$)."""
    if switches >= n - 1:
        return 2 ** (n - 1) - 1
    return sum(math.comb(n - 1, t) for t in range(1, switches + 1))


def switching_candidates(points: np.ndarray, switches: int, low: float = -1.0) -> Candidates:
    """Every pattern starting at the high level with $1..K$ switches between consecutive sorted
    distinct ``points`` (thresholds at the midpoints), on the levels $\\{\\text{low}, 1\\}$."""
    gaps = range(points.size - 1)
    switch_sets = [s for t in range(1, min(switches, points.size - 1) + 1) for s in itertools.combinations(gaps, t)]
    patterns = [pattern_from_switches(points, s, low) for s in switch_sets]
    return Candidates(
        len(patterns),
        lambda x: np.column_stack([p(x) for p in patterns]) if patterns else np.zeros((np.size(x), 0)),
        patterns.__getitem__,
    )


def switching_pricing(x, switches: int, low: float = -1.0):
    r"""The oracle $r \mapsto (\max_h |r^\top h|, h)$ over every pattern with at most $K$ switches
    on ``x`` (:func:`best_pattern` on the sums of $r$ over repeated points).

    On the levels $\{\text{low}, 1\}$ a pattern is $c\mathbf 1 + \tfrac{1 - \text{low}}2 h$, so for
    the centred $r$ the oracle receives ($\mathbf 1^\top r = 0$) the value scales by
    $(1 - \text{low})/2$ and the maximiser is the same pattern.
    """
    x = np.asarray(x, dtype=float)
    points, inverse = np.unique(x, return_inverse=True)

    def price(r: np.ndarray) -> tuple[float, np.ndarray]:
        value, pattern = best_pattern(np.bincount(inverse, weights=r, minlength=points.size), switches)
        return value * (1.0 - low) / 2.0, step_values(pattern[inverse][:, None], low)

    return price


class CappedFeatures(LazyFeatures):
    """:class:`LazyFeatures` whose items together stay within :data:`LAYER_CAKE_BYTES`: making
    item ``k`` (``cost(k)`` bytes) when the items made so far would then exceed it raises
    ``ValueError`` naming ``what`` they are and what to use ``instead``."""

    def __init__(self, index: np.ndarray, make, cost, what: str, instead: str) -> None:
        super().__init__(index, make)
        self.cost, self.what, self.instead = cost, what, instead
        self.spent = 0.0

    def __getitem__(self, k):
        if not isinstance(k, slice):
            k = range(len(self))[k]
            if k not in self._made:
                spent = self.spent + float(self.cost(k))
                check_layer_cake(spent, f"{self.what} made so far, with number {k},", self.instead)
                self.spent = spent
        return super().__getitem__(k)


def tree_sizes(switches: np.ndarray, widths: tuple[int, ...]) -> np.ndarray:
    r"""Number of neurons of the tree of ``widths`` that :func:`~lmirrors.networks.reconstruction.step_tree`
    builds for a pattern with ``switches`` switches: a neuron over $\lceil k/G\rceil$ groups of at most
    $G = m_1 \cdots m_{L-3}$ switches, each a tree one level down (a first-layer neuron for one switch)."""
    switches = np.asarray(switches, dtype=np.int64)
    if not widths:
        return np.ones_like(switches)
    group = min(math.prod(widths[:-1]), int(switches.max(initial=0)) + 1)  # a larger group holds all
    full, rest = np.divmod(switches, group)
    below = tree_sizes(np.append(rest, group), widths[:-1])
    return 1 + full * below[-1] + np.where(rest > 0, below[:-1], 0)


@dataclass(frozen=True)
class LayerCake:
    r"""Step units that are the level sets of one step function $G$, the layer cake of a
    ``clipping`` (:meth:`Clipping.layer_cake <lmirrors.closed_forms.Clipping.layer_cake>`),
    evaluated from that structure: $O(N + \text{units})$ memory, made when first used, instead
    of a pattern or a tree per unit.

    Every unit's first-layer neurons are steps $\sigma(x + b_i)$ at biases among :attr:`bias`
    (decreasing: $b_i = -t_i$ at the thresholds $t_i$ halfway between the points where $G$ changes,
    plus each of ``shifts`` in turn). The *cell* of $x$ is the number of $b_i$ with $x + b_i \ge 0$
    (:meth:`cells`), $G$ has rank :attr:`ranks` $[c]$ on cell $c$, and unit $k$ is high where
    $(\text{rank} \ge \text{levels}_k) = (\text{flips}_k > 0)$, else low. With output weights
    $w_k$ the sum
    $\sum_k w_k q_k(x) = \sum_k w_k\,\text{off}_k + \sum_{k:\ \text{levels}_k \le \text{rank}} w_k(\text{on}_k - \text{off}_k)$
    is one prefix sum over the units. ``which``: the units kept (all if ``None``); ``widths``: their trees'.
    """

    clipping: Clipping
    widths: tuple[int, ...] = ()
    which: np.ndarray | None = None
    shifts: tuple[float, ...] = ()

    def units(self, which: np.ndarray) -> LayerCake:
        """The same cake with only the units ``which`` (increasing indices into the current ones)."""
        kept = which if self.which is None else self.which[which]
        return LayerCake(self.clipping, self.widths, kept, self.shifts)

    def shifted(self, delta: float) -> LayerCake:
        r"""On inputs ``delta`` lower: $b_i \mapsto b_i + \Delta$ (as :meth:`SignNeuron.shifted
        <lmirrors.networks.sign.SignNeuron.shifted>`, so the steps fire at the same inputs)."""
        return LayerCake(self.clipping, self.widths, self.which, (*self.shifts, float(delta)))

    @cached_property
    def _changes(self) -> np.ndarray:
        values = self.clipping.values
        return np.flatnonzero(values[1:] != values[:-1])

    @cached_property
    def bias(self) -> np.ndarray:
        """First-layer biases $b_i$, one per cell boundary (decreasing)."""
        points, change = self.clipping.points, self._changes
        bias = -((points[change] + points[change + 1]) / 2)  # the thresholds of pattern_from_values
        for delta in self.shifts:
            bias = bias + delta
        return bias

    @cached_property
    def ranks(self) -> np.ndarray:
        """The rank of $G$ on each cell (its index among the distinct fitted values)."""
        clipping = self.clipping
        return np.searchsorted(clipping.levels, clipping.values[np.concatenate([[0], self._changes + 1])])

    @cached_property
    def levels(self) -> np.ndarray:
        r"""Unit $k$ splits the cells at rank ``levels[k]`` (pattern $j$ of the layer cake at $j + 1$)."""
        levels = np.arange(1, self.clipping.units + 1)
        return levels if self.which is None else levels[self.which]

    @cached_property
    def flips(self) -> np.ndarray:
        """$+1$ where a unit is high above its level (the first point is), $-1$ where below."""
        return np.where(self.ranks[0] >= self.levels, 1, -1)

    def cells(self, x: np.ndarray) -> np.ndarray:
        r"""The cell of each ``x``: the number of $b_i$ with $x + b_i \ge 0$ (exactly: a float sum
        is $\ge 0$ exactly when the real one is)."""
        return np.searchsorted(-self.bias, x, side="right")

    def high(self, x: np.ndarray) -> np.ndarray:
        """Boolean (units, len(x)): where each unit is at its high level."""
        rank = self.ranks[self.cells(x)]
        return (rank[None, :] >= self.levels[:, None]) == (self.flips[:, None] > 0)

    def total(self, x: np.ndarray, w: np.ndarray, low: float) -> np.ndarray:
        r"""$\sum_k w_k q_k(x)$, $q_k \in \{\text{low}, 1\}$ the units, in $O(\text{units} + |x|\log N)$."""
        on = np.where(self.flips > 0, 1.0, low)
        off = 1.0 + low - on
        prefix = np.concatenate([[0.0], np.cumsum(w * (on - off))])  # levels increase with k
        return float(w @ off) + prefix[np.searchsorted(self.levels, self.ranks[self.cells(x)], side="right")]

    @cached_property
    def switches(self) -> np.ndarray:
        """How often each unit switches (unit $k$ switches between neighbouring cells whose ranks straddle its level)."""
        ranks, count = self.ranks, self.levels.size
        lo, hi = np.minimum(ranks[:-1], ranks[1:]), np.maximum(ranks[:-1], ranks[1:])
        first, stop = (np.searchsorted(self.levels, v, side="right") for v in (lo, hi))
        return np.cumsum(np.bincount(first, minlength=count + 1) - np.bincount(stop, minlength=count + 1))[:count]

    @property
    def neurons(self) -> int:
        """Neurons of all the units' trees (:func:`tree_sizes`)."""
        return int(tree_sizes(self.switches, self.widths).sum())


class LayerCakeLibrary(DeferredLibrary):
    r"""The columns of a clipping's layer cake (:meth:`Clipping.layer_cake
    <lmirrors.closed_forms.Clipping.layer_cake>`) on the levels $\{\text{low}, 1\}$: the
    patterns (:class:`SignPattern`) and their matrix are made when first asked for, and refused
    (:func:`check_layer_cake`) when they would not fit; ``cake`` is their structure (:class:`LayerCake`)."""

    def __init__(
        self, architecture, x: np.ndarray, clipping: Clipping, low: float, n_candidates: int, how: str
    ) -> None:
        points = clipping.points
        units = clipping.units

        def feature(j: int) -> SignPattern:
            return pattern_from_values(points, step_values(clipping.layer_cake_pattern(j), low), low)

        def write() -> np.ndarray:
            check_layer_cake(
                8.0 * x.size * units,
                f"the layer cake's pattern matrix ({x.size:,} points x {units:,} units)",
                "its columns one at a time are library.features[k](x); the fit itself is fit.predict(x)",
            )
            return step_values(clipping.layer_cake()[0], low)[np.searchsorted(points, x)]

        features = CappedFeatures(
            np.arange(units),
            feature,
            lambda j: SWITCH_BYTES * self.cake.switches[j],
            "the layer cake's patterns",
            "ask for fewer of them (fit.library.features[k]); the fit itself is fit.predict(x)",
        )
        super().__init__(architecture, x, features, write, n_candidates, how)
        self.clipping = clipping
        self.cake = LayerCake(clipping, architecture.options.get("widths", ()))

    def bounds(self) -> tuple[float, float]:
        """The smallest and the largest x (the first and last of the clipping's sorted points)."""
        return float(self.clipping.points[0]), float(self.clipping.points[-1])
