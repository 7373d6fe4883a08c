r"""Sign-activation networks: switching features, their libraries and explicit networks.

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
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from . import column_generation
from .dictionaries import Library
from .fitting import Fit
from .lasso import LassoSolution, min_norm, solve
from .validation import check_beta, check_data
from .working_set import gap_from_residual

MAX_MATERIALISED = 4096
"""Libraries with more columns are solved by column generation unless asked otherwise."""

MAX_LAYER_CAKE = 25_000_000
"""Largest (points × units) matrix :func:`fit_sign` writes down for an every-pattern optimum."""

METHODS = ("auto", "library", "column_generation", "clipping")


def _sign(t) -> np.ndarray:
    return np.where(np.asarray(t, dtype=float) >= 0.0, 1.0, -1.0)


@dataclass(frozen=True)
class SignNeuron:
    r"""$\operatorname{sign}(w x + b)$ if ``children`` is empty (``weights = (w,)``), else
    $\operatorname{sign}(\sum_i v_i\, \text{child}_i(x) + b)$ with ``weights = v``."""

    weights: tuple[float, ...]
    bias: float
    children: tuple[SignNeuron, ...] = ()

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if not self.children:
            return _sign(self.weights[0] * x + self.bias)
        return _sign(sum(v * child(x) for v, child in zip(self.weights, self.children, strict=True)) + self.bias)

    @property
    def layers(self) -> int:
        """Number of sign layers in this neuron's tree (1 for a first-layer neuron)."""
        return 1 + max((child.layers for child in self.children), default=0)

    def first_layer_thresholds(self) -> list[float]:
        """Thresholds $-b/w$ of the first-layer neurons of the tree."""
        if not self.children:
            return [-self.bias / self.weights[0]]
        return [t for child in self.children for t in child.first_layer_thresholds()]

    def max_fan_in(self, level: int) -> int:
        """Largest number of children of a neuron ``level`` layers above the first layer."""
        if level == 0 or not self.children:
            return len(self.children)
        return max(child.max_fan_in(level - 1) for child in self.children)


@dataclass(frozen=True)
class SignPattern:
    """A switching feature: value ``start`` left of the first threshold, flipping at each one."""

    start: float
    thresholds: tuple[float, ...]

    @property
    def breakpoints(self) -> tuple[float, ...]:
        return self.thresholds

    @property
    def label(self) -> str:
        where = ", ".join(f"{t:.3g}" for t in self.thresholds)
        return f"{'+' if self.start > 0 else '−'} switching at {where}"

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        flips = np.searchsorted(np.asarray(self.thresholds), x, side="right")
        return self.start * (-1.0) ** flips

    def neuron(self, widths: tuple[int, ...]) -> tuple[SignNeuron, float]:
        """A tree of sign neurons with these ``widths`` and a sign $\\pm1$ with pattern = sign · neuron."""
        if not widths:
            if len(self.thresholds) != 1:
                raise ValueError(f"a depth-2 unit switches once, this pattern switches {len(self.thresholds)} times")
            return SignNeuron((1.0,), -self.thresholds[0]), -self.start
        return _tree(self.start, list(self.thresholds), widths), 1.0


def _tree(start: float, thresholds: list[float], widths: tuple[int, ...]) -> SignNeuron:
    """The sign neuron (module docstring construction) whose output is the pattern."""
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


@dataclass(frozen=True)
class SignArchitecture:
    """Sign networks of ``depth`` weight layers; ``widths`` $= (m_1, \\dots, m_{L-2})$ for a tree."""

    depth: int = 2
    widths: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.depth, (int, np.integer)) or self.depth < 2:
            raise ValueError(f"depth must be an integer >= 2 (weight layers), got {self.depth!r}")
        widths = tuple(self.widths)
        if len(widths) != self.depth - 2:
            raise ValueError(
                f"a depth-{self.depth} sign network needs {self.depth - 2} width(s) (m1, ...), got {widths}; "
                "depth 2 takes none, depth 3 takes m1 (first-layer neurons per unit)"
            )
        for m in widths:
            if not isinstance(m, (int, np.integer)) or m < 1:
                raise ValueError(f"widths must be integers >= 1 (neurons per layer of a unit), got {widths}")
        object.__setattr__(self, "widths", tuple(int(m) for m in widths))

    @property
    def name(self) -> str:
        if self.depth == 2:
            return "2-layer sign"
        return f"{self.depth}-layer sign (tree, widths {'×'.join(map(str, self.widths))})"

    @property
    def max_switches(self) -> int:
        r"""$K = m_1 \cdots m_{L-2}$ (1 for depth 2): the most switches a unit can make."""
        return math.prod(self.widths)

    def size_formula(self, n: int) -> int:
        r"""$\sum_{t=1}^{\min(K, n-1)} \binom{n-1}{t}$ patterns on ``n`` distinct points ($2^{n-1} - 1$ if $K \ge n - 1$)."""
        if self.max_switches >= n - 1:
            return 2 ** (n - 1) - 1
        return sum(math.comb(n - 1, t) for t in range(1, self.max_switches + 1))

    def library(self, x, max_columns: int = MAX_MATERIALISED) -> SignLibrary:
        """Every pattern on data ``x`` (any order, repeats allowed), one column per pattern."""
        x = np.asarray(check_data(x, np.zeros(np.size(x)))[0])
        points, inverse = np.unique(x, return_inverse=True)
        size = self.size_formula(points.size)
        if size > max_columns:
            raise ValueError(
                f"the {self.name} library on {points.size} points has {size} columns (> max_columns = "
                f"{max_columns}); use fit(..., method='column_generation') or raise max_columns"
            )
        gaps = range(points.size - 1)
        switch_sets = [
            s for t in range(1, min(self.max_switches, points.size - 1) + 1) for s in itertools.combinations(gaps, t)
        ]
        features = [pattern_from_switches(points, s) for s in switch_sets]
        A = np.column_stack([f(points) for f in features])[inverse]
        return SignLibrary(self, x, features, A, size)

    def pricing(self, x) -> column_generation.Pricing:
        r"""The oracle $r \mapsto \max_h |r^\top h|$ over this library on ``x`` (see :func:`best_pattern`)."""
        x = np.asarray(x, dtype=float)
        points, inverse = np.unique(x, return_inverse=True)

        def price(r: np.ndarray) -> tuple[float, np.ndarray]:
            value, pattern = best_pattern(np.bincount(inverse, weights=r, minlength=points.size), self.max_switches)
            return value, pattern[inverse][:, None]

        return price


def pattern_from_switches(points: np.ndarray, switches) -> SignPattern:
    """The pattern starting at $+1$ that switches after each index in ``switches`` (thresholds at midpoints)."""
    return SignPattern(1.0, tuple(float((points[j] + points[j + 1]) / 2) for j in sorted(switches)))


def pattern_from_values(points: np.ndarray, values: np.ndarray) -> SignPattern:
    """The pattern with the given $\\pm1$ values on sorted ``points``."""
    switches = np.flatnonzero(values[1:] != values[:-1])
    return SignPattern(float(values[0]), tuple(float((points[j] + points[j + 1]) / 2) for j in switches))


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


def _water_level(values: np.ndarray, weights: np.ndarray, mass: float) -> float:
    r"""The level $t$ with $\sum_u w_u (v_u - t)_+ = $ ``mass`` (extrapolated below $\min v$)."""
    order = np.argsort(-values, kind="stable")
    v, w = values[order], weights[order]
    W, C = np.cumsum(w), np.cumsum(w * v)
    above = C - v * W  # the sum at t = v_j, non-decreasing in j
    j = int(np.searchsorted(above, mass, side="right")) - 1
    return float((C[j] - mass) / W[j])


@dataclass(frozen=True)
class Clipping:
    r"""Optimum of the every-pattern Lasso: the labels clipped to $[\ell, u]$ (:func:`clip_fit`)."""

    points: np.ndarray
    values: np.ndarray
    lower: float
    upper: float
    beta: float
    objective: float
    gap: float

    def layer_cake(self) -> tuple[np.ndarray, np.ndarray, float]:
        r"""Patterns $h_j$ (columns, on ``points``, starting at $+1$), coefficients $z_j$ and $\xi$.

        With the distinct values $v_1 < \dots < v_k$ of $g$,
        $g = \xi + \sum_{j \ge 2} z_j h_j$, $h_j = \pm\operatorname{sign}(g - v_j)$ and
        $|z_j| = (v_j - v_{j-1})/2$, so $\|z\|_1 = (\max g - \min g)/2$: the optimal cost.
        """
        levels = np.unique(self.values)
        H = np.where(self.values[:, None] >= levels[None, 1:], 1.0, -1.0)
        z = np.diff(levels) / 2 * H[0]
        return H * H[0], z, float(levels[0] + np.diff(levels).sum() / 2)


def clip_fit(x, y, beta: float) -> Clipping:
    r"""Every-pattern sign Lasso in closed form, $O(N\log N)$: for $K \ge N - 1$ switches.

    When every $\pm1$ pattern on the $N$ distinct points is a feature, the layer-cake formula
    of :meth:`Clipping.layer_cake` shows $\{Az + \xi\mathbf 1 : \|z\|_1 \le t\}$ is every
    $g$ with $\max g - \min g \le 2t$, so the Lasso is
    $\min_g \tfrac12\|g - y\|^2 + \tfrac\beta2(\max g - \min g)$. Its solution clips the
    labels to $[\ell, u]$ with $\sum_n (y_n - u)_+ = \beta/2 = \sum_n (\ell - y_n)_+$ (both
    derivatives vanish), or is the constant $\bar y$ when these cross
    ($\beta \ge \beta_{\max} = \|y - \bar y\|_1$); $\beta = 0$ interpolates with cost
    $(\max y - \min y)/2$. The gap is certified as in :func:`lmirrors.lasso.duality_gap`
    with the exact library-wide correlation $\max_h |r^\top h| = \sum_u |\sum_{x_n = p_u} r_n|$.
    """
    x, y = check_data(x, y)
    beta = check_beta(beta)
    points, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    labels = np.bincount(inverse, weights=y) / counts
    upper = _water_level(labels, counts, beta / 2)
    lower = -_water_level(-labels, counts, beta / 2)
    if lower >= upper:
        lower = upper = float(np.mean(y))
    values = np.clip(labels, lower, upper)
    fitted = values[inverse]
    l1 = (upper - lower) / 2
    if beta == 0:
        # LP dual: weight 1/2 spread over the highest point's copies, -1/2 over the lowest's;
        # |h^T nu| <= 1 for every pattern h and 1^T nu = 0, so nu is feasible
        hi, lo = np.argmax(labels), np.argmin(labels)
        nu = np.where(inverse == hi, 0.5 / counts[hi], 0.0) - np.where(inverse == lo, 0.5 / counts[lo], 0.0)
        return Clipping(points, values, lower, upper, beta, l1, max(l1 - float(nu @ y), 0.0))
    residual = y - fitted
    offset = residual.mean()
    r = residual - offset
    correlation = float(np.abs(np.bincount(inverse, weights=r)).sum())
    gap = gap_from_residual(r, fitted - fitted.mean(), l1, correlation, beta) + 0.5 * y.size * offset**2
    return Clipping(points, values, lower, upper, beta, float(0.5 * r @ r + 0.5 * y.size * offset**2 + beta * l1), gap)


@dataclass
class SignLibrary(Library):
    """Switching features and their matrix; ``n_candidates`` is the size of the full library.

    Column generation and clipping keep only the columns they use (``complete`` is then False).
    """

    def summary(self) -> str:
        n = np.unique(self.x).size
        if self.complete:
            return f"{self.architecture.name} library on N = {n} points: {self.size} switching features"
        return (
            f"{self.architecture.name} library on N = {n} points: {self.n_candidates} switching features, "
            f"{self.size} written down (the rest are priced, never materialised)"
        )


@dataclass
class SignNetwork:
    r"""$f(x) = \xi + \sum_k a_k s_k\, g_k(x)$ with sign-neuron trees $g_k$ (``neurons``)."""

    neurons: list[SignNeuron]
    a: np.ndarray
    s: np.ndarray
    xi: float

    @property
    def depth(self) -> int:
        """Number of weight layers (the sign layers of a unit plus the output weight)."""
        return 1 + max((g.layers for g in self.neurons), default=1)

    @property
    def width(self) -> int:
        return len(self.neurons)

    def units(self, x) -> np.ndarray:
        """Outputs of every unit at ``x``: shape (units, len(x))."""
        x = np.asarray(x, dtype=float).reshape(-1)
        if not self.neurons:
            return np.zeros((0, x.size))
        return np.array([a * s * g(x) for a, s, g in zip(self.a, self.s, self.neurons, strict=True)])

    def __call__(self, x) -> np.ndarray:
        return self.xi + self.units(x).sum(axis=0)

    def penalty(self, beta: float) -> float:
        r"""$\tfrac\beta2\sum_k (a_k^2 + s_k^2)$ (inner weights are scale-free and not penalised)."""
        return float(beta / 2 * (np.sum(self.a**2) + np.sum(self.s**2)))

    def objective(self, x, y, beta: float) -> float:
        r"""$J = \tfrac12\|f(X) - y\|^2 + \tfrac\beta2\sum_k(a_k^2 + s_k^2)$."""
        r = self(x) - np.asarray(y, dtype=float)
        return float(0.5 * r @ r) + self.penalty(beta)

    def first_layer_thresholds(self) -> np.ndarray:
        """Every first-layer threshold of the network, sorted."""
        return np.sort([t for g in self.neurons for t in g.first_layer_thresholds()])

    @classmethod
    def from_lasso(cls, library: SignLibrary, solution: LassoSolution) -> SignNetwork:
        r"""One unit per nonzero $z_k$: its pattern's tree and balanced $|a_k| = s_k = |z_k|^{1/2}$,
        so the penalty is $\beta|z_k|$ and $J$ equals the Lasso objective."""
        neurons, a, s = [], [], []
        for k in solution.support:
            neuron, sign = library.features[k].neuron(library.architecture.widths)
            z = solution.z[k]
            neurons.append(neuron)
            a.append(np.sign(z) * sign * np.sqrt(abs(z)))
            s.append(np.sqrt(abs(z)))
        return cls(neurons, np.array(a), np.array(s), solution.xi)


def fit_sign(
    x, y, depth: int = 2, beta: float = 1e-3, m1: int | None = None, widths=None, method: str = "auto", **unknown
) -> Fit:
    r"""Globally optimal sign network (called by :func:`lmirrors.fit` for ``activation="sign"``).

    ``m1`` (depth 3) or ``widths`` $= (m_1, \dots, m_{L-2})$ (any depth $\ge 3$) size the tree.
    ``method``: ``"library"`` materialises every pattern, ``"column_generation"`` prices
    patterns with :func:`best_pattern`, ``"clipping"`` (only when every pattern is available,
    $m_1 m_2 \cdots \ge N - 1$) is the closed form :func:`clip_fit`; ``"auto"`` clips when it
    can, else materialises up to :data:`MAX_MATERIALISED` columns, else generates them.
    """
    if unknown:
        raise ValueError(f"unknown option(s) for sign networks: {', '.join(unknown)}; use m1, widths or method")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not isinstance(depth, (int, np.integer)) or depth < 2:
        raise ValueError(f"depth must be an integer >= 2 (weight layers), got {depth!r}")
    if m1 is not None and widths is not None:
        raise ValueError("give either m1 or widths, not both")
    if m1 is not None:
        if depth != 3:
            raise ValueError(f"m1 sizes depth-3 sign networks; for depth {depth} pass widths=(m1, ...) instead")
        widths = (m1,)
    if widths is None:
        if depth != 2:
            raise ValueError(f"a depth-{depth} sign network needs m1 (depth 3) or widths=(m1, ..., m_L-2)")
        widths = ()
    architecture = SignArchitecture(depth, tuple(widths) if np.ndim(widths) else (widths,))
    x, y = check_data(x, y)
    beta = check_beta(beta)
    points, first, inverse = np.unique(x, return_index=True, return_inverse=True)
    size = architecture.size_formula(points.size)
    every_pattern = architecture.max_switches >= points.size - 1
    if method == "clipping" and not every_pattern:
        raise ValueError(
            f"method='clipping' needs every pattern: m1 * m2 * ... = {architecture.max_switches} must be >= "
            f"N - 1 = {points.size - 1} (distinct x minus one); use method='auto'"
        )
    if method == "clipping" or (method == "auto" and every_pattern):
        clipping = clip_fit(x, y, beta)
        units = np.unique(clipping.values).size - 1
        if units * points.size > MAX_LAYER_CAKE:
            raise ValueError(
                f"the optimal network uses {units} units, each switching up to {points.size - 1} times: too "
                f"large to build ({units} x {points.size} > MAX_LAYER_CAKE = {MAX_LAYER_CAKE}); "
                "lmirrors.sign_networks.clip_fit(x, y, beta) gives its fit, cost and certificate without it"
            )
        H, z, xi = clipping.layer_cake()
        library = SignLibrary(
            architecture, x, [pattern_from_values(points, h) for h in H.T], H[inverse], size, complete=False
        )
        solution = LassoSolution(z, xi, beta, clipping.objective, clipping.gap, "clipping (closed form)")
    elif method == "library" or (method == "auto" and size <= MAX_MATERIALISED):
        library = architecture.library(x, max_columns=max(size, MAX_MATERIALISED))
        solution = solve(library.A, y, beta) if beta > 0 else min_norm(library.A, y)
    else:
        one_switch = SignArchitecture(2).library(x, max_columns=points.size).A if beta == 0 else None
        result = column_generation.solve(y, beta, architecture.pricing(x), initial=one_switch)
        features = [pattern_from_values(points, column[first]) for column in result.columns.T]
        library = SignLibrary(architecture, x, features, result.columns, size, complete=False)
        solution = result.solution
    return Fit(x, y, beta, library, solution, SignNetwork.from_lasso(library, solution))
